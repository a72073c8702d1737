"""Sourced reference tables of ``data/reference/``, read by one function each.

The exit nomenclature, exit-examination thresholds, hours per ETP, aide au poste, RSA and SMIC amounts,
education levels and national figures are data, not code: every rule of the package reads them
from here (sources and reliability: ``data/reference/README.md``).
"""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from ..base.paths import REFERENCE_DIR


def read_reference_csv(name: str) -> pd.DataFrame:
    """One table of ``data/reference/`` as text (empty cells are empty strings)."""
    return pd.read_csv(REFERENCE_DIR / name, dtype=str, keep_default_na=False)


def _yes(column: pd.Series) -> pd.Series:
    return column.str.lower().eq("oui")


@lru_cache(maxsize=1)
def load_exit_categories() -> pd.DataFrame:
    """The five ASP exit categories with their indicator column and flags."""
    df = read_reference_csv("categories_sortie.csv")
    for col in ("sortie_dynamique", "examinee"):
        df[col] = _yes(df[col])
    df["ordre"] = df["ordre"].astype(int)
    return df.sort_values("ordre").reset_index(drop=True)


@lru_cache(maxsize=1)
def load_exit_motives() -> pd.DataFrame:
    """Exit motives (current ASP label, older wordings, codes) with their category."""
    df = read_reference_csv("motifs_sortie.csv")
    df["verifie"] = _yes(df["verifie"])
    return df


@lru_cache(maxsize=1)
def load_dispositifs() -> pd.DataFrame:
    """Dispositifs, whether they employ people, and their hours per full-time equivalent."""
    df = read_reference_csv("dispositifs.csv")
    df["salarie"] = _yes(df["salarie"])
    df["heures_par_etp_verifie"] = _yes(df["heures_par_etp_verifie"])
    for col in ("heures_par_etp", "heures_par_etp_bas", "heures_par_etp_haut"):
        df[col] = pd.to_numeric(df[col].replace("", None)).astype(float)
    return df.set_index("dispositif", drop=False)


@lru_cache(maxsize=1)
def load_exit_rules() -> pd.DataFrame:
    """The exit-examination rules, one row per variant and dispositif (``regles_sortie.csv``): ``regle``
    (``duree_mois_calendaires``, ``duree_mois_jours``, ``heures_parcours``, ``heures_annee_sortie``,
    ``aucune``), ``seuil``, ``heures_annee_sortie_min``, ``defaut`` (the default variant), ``libelle``."""
    df = read_reference_csv("regles_sortie.csv")
    df["defaut"] = _yes(df["defaut"])
    df["seuil"] = pd.to_numeric(df["seuil"]).astype(float)
    df["heures_annee_sortie_min"] = pd.to_numeric(df["heures_annee_sortie_min"]).astype(float)
    return df


@lru_cache(maxsize=1)
def load_aide_au_poste() -> pd.DataFrame:
    """Aide au poste socle amounts per dispositif and effective date (last known amount stays in force)."""
    df = read_reference_csv("aide_au_poste.csv")
    df["date_effet"] = pd.to_datetime(df["date_effet"], format="%Y-%m-%d")
    for col in ("montant_socle_eur", "dont_accompagnement_eur", "heures_reference"):
        df[col] = pd.to_numeric(df[col].replace("", None)).astype(float)
    return df.sort_values(["territoire", "dispositif", "date_effet"]).reset_index(drop=True)


@lru_cache(maxsize=1)
def load_rsa() -> pd.DataFrame:
    """RSA montant forfaitaire (single person) per effective date."""
    df = read_reference_csv("rsa.csv")
    df["date_effet"] = pd.to_datetime(df["date_effet"], format="%Y-%m-%d")
    df["montant_forfaitaire_eur"] = pd.to_numeric(df["montant_forfaitaire_eur"]).astype(float)
    return df.sort_values("date_effet").reset_index(drop=True)


@lru_cache(maxsize=1)
def load_smic() -> pd.DataFrame:
    """Gross hourly SMIC (métropole) per effective date, with its legal text."""
    df = read_reference_csv("smic.csv")
    df["date_effet"] = pd.to_datetime(df["date_effet"], format="%Y-%m-%d")
    df["smic_horaire_brut_eur"] = pd.to_numeric(df["smic_horaire_brut_eur"]).astype(float)
    return df.sort_values("date_effet").reset_index(drop=True)


@lru_cache(maxsize=1)
def load_national_references() -> pd.DataFrame:
    """National figures (DARES, DGEFP) and official targets, each with its definition and source."""
    df = read_reference_csv("references_nationales.csv")
    df["annee"] = df["annee"].astype(int)
    df["valeur"] = pd.to_numeric(df["valeur"]).astype(float)
    return df


@lru_cache(maxsize=1)
def load_education_levels() -> pd.DataFrame:
    """ASP education level codes (niveau de formation) with their group (``groupe``)."""
    return read_reference_csv("niveaux_formation.csv")


@lru_cache(maxsize=1)
def load_spellings() -> pd.DataFrame:
    """Every accepted variant of a header or a coded value (``graphies.csv``): ``type`` (``entete``, ``unite``,
    ``mot_quantite``, ``oui_non``, ``rsa``, ``qpv``, ``sexe``, ``duree_ft``, ``dispositif``, ``niveau_formation``,
    ``motif``), ``portee`` (sheets of a header), ``graphie`` (as written), ``valeur`` (what it means), ``effet``
    (``accepte``, ``signale``: accepted and named in a warning, ``refuse``: refused with ``remarque``)."""
    df = read_reference_csv("graphies.csv")
    unknown = sorted(set(df["effet"]) - {"accepte", "signale", "refuse"})
    if unknown:
        raise ValueError(f"graphies.csv : effet inconnu {', '.join(unknown)} (attendus : accepte, signale, refuse)")
    return df


@lru_cache(maxsize=1)
def load_comparisons() -> pd.DataFrame:
    """Which national figure may stand beside which indicator, for which dispositifs, and on what footing
    (``dispositifs``: the tuple of dispositifs a brief's perimeter may have for the figure to stand beside it)."""
    df = read_reference_csv("comparaisons.csv")
    df["dispositifs"] = [tuple(d.strip() for d in v.split(";") if d.strip()) for v in df["dispositifs"]]
    return df


@lru_cache(maxsize=1)
def load_nsw_published() -> pd.DataFrame:
    """Published NSW estimates (the validation benchmark of the impact estimators), with their sources.

    ``troncature``: None, or the (low, high) score bounds; ``valeur``, ``erreur_type_publiee``: float or None.
    """
    df = read_reference_csv("nsw_publie.csv")
    df["troncature"] = pd.Series([None if not t else tuple(float(x) for x in t.split(";"))
                                  for t in df["troncature"]], dtype=object)
    for col in ("valeur", "erreur_type_publiee"):
        df[col] = pd.Series([None if not v else float(v) for v in df[col]], dtype=object)
    df["n"] = df["n"].astype(int)
    return df
