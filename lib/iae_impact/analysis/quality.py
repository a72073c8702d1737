"""Data-quality report and headline summaries used by the notebooks."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from ..data import schema
from ..data.model import Dataset
from ..data.selection import is_fictional
from ..rules.secrecy import DEFAULT_THRESHOLD, small_cells


def row_accounting(dataset: Dataset) -> pd.DataFrame:
    """One row per sheet read: rows read, accepted, rejected, blank rows ignored."""
    return pd.DataFrame([
        {"fichier": b.fichier, "onglet": b.feuille, "lignes_lues": b.lignes_lues,
         "lignes_acceptees": b.lignes_acceptees, "lignes_rejetees": b.lignes_rejetees,
         "lignes_vides_ignorees": b.lignes_vides_ignorees}
        for b in dataset.bilan
    ])


def completeness(dataset: Dataset) -> pd.DataFrame:
    """Share of filled cells per sheet and column (every column of the schema, 0 when absent)."""
    rows = []
    for sheet in schema.sheet_schemas():
        frame = dataset.sheet(sheet)
        if frame is None:
            continue
        for spec in schema.column_specs(sheet):
            filled = int(frame[spec.name].notna().sum()) if spec.name in frame else 0
            rows.append({"onglet": sheet, "colonne": spec.name, "obligatoire": spec.required,
                         "lignes": len(frame), "renseignees": filled,
                         "taux_renseigne": filled / len(frame) if len(frame) else float("nan")})
    return pd.DataFrame(rows)


def parcours_overview(dataset: Dataset, seuil: int = DEFAULT_THRESHOLD) -> pd.DataFrame:
    """Parcours and distinct persons per structure, site and dispositif, with their date range.

    Counts of 1 to ``seuil - 1`` are masked (NaN), and so are the dates of a group of fewer than
    ``seuil`` persons: this table may leave the structure too.
    """
    p = dataset.parcours
    out = (p.groupby(["structure", "site", "dispositif"])
           .agg(parcours=("id_parcours", "size"), personnes=("id_personne", "nunique"),
                premiere_entree=("date_entree", "min"), derniere_entree=("date_entree", "max"),
                en_cours=("date_sortie", lambda s: int(s.isna().sum())))
           .reset_index())
    small_group = out["personnes"] < seuil
    for col in ("parcours", "personnes", "en_cours"):
        out[col] = out[col].astype(float).mask(small_group | small_cells(out[col], seuil))
    for col in ("premiere_entree", "derniere_entree"):
        out[col] = out[col].mask(small_group)
    return out


def summarise_dataset(dataset: Dataset) -> dict:
    """Headline numbers of a dataset (the JSON summary of notebook 01)."""
    p = dataset.parcours
    return {
        "fictif": bool(is_fictional(dataset)),
        "empreinte_donnees": dataset.empreinte,
        "parcours": int(len(p)),
        "personnes": int(p["id_personne"].nunique()),
        "structures": sorted(p["structure"].unique().tolist()),
        "sites": int(p["site"].nunique()),
        "premiere_entree": p["date_entree"].min().strftime("%Y-%m-%d"),
        "derniere_date": max(p["date_entree"].max(), p["date_sortie"].max()).strftime("%Y-%m-%d"),
        "lignes": {b.feuille: {"lues": b.lignes_lues, "acceptees": b.lignes_acceptees,
                               "rejetees": b.lignes_rejetees} for b in dataset.bilan},
        "avertissements": len(dataset.avertissements),
    }


def summarise_indicators(table: pd.DataFrame, by: Sequence[str]) -> list[dict]:
    """Headline indicators (one dict per group and year) for the JSON summary of notebook 02."""
    columns = [*by, "annee", "personnes", "entrees", "heures", "etp", "sorties", "sorties_examinees",
               "sorties_dynamiques", "emploi_durable", "taux_sorties_dynamiques", "taux_sorties_dynamiques_ic_bas",
               "taux_sorties_dynamiques_ic_haut", "taux_emploi_durable"]
    out = table[columns].copy()
    for col in ("heures", "etp"):
        out[col] = out[col].round(2)
    for col in columns:
        if col.startswith("taux_"):
            out[col] = out[col].round(4)
    counts = [c for c in columns if c not in (*by, "heures", "etp") and not c.startswith("taux_")]
    records = out.to_dict(orient="records")
    for rec in records:  # masked counts are NaN (float columns): published counts stay integers
        for c in counts:
            rec[c] = None if pd.isna(rec[c]) else int(rec[c])
    return records
