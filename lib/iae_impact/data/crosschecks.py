"""Rules across sheets: overlapping parcours of one person, hours pointing at unknown parcours or outside
their dates, conventions and sites naming unknown sites."""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import schema
from .model import Probleme
from .pseudonym import categorical_from_codes
from .raw import RawSheet, raw_name


def _overlapping_parcours(p: pd.DataFrame) -> pd.Index:
    """Rows whose parcours starts before the previous parcours of the same person, structure, dispositif ended.

    Rows are taken by entry date (the same quicksort order as ``sort_values("date_entree")``), then
    compared with the previous parcours of their group: integer codes, no per-row Python.
    """
    start = p["date_entree"].to_numpy(dtype="datetime64[ns]")
    end = p["date_sortie"].to_numpy(dtype="datetime64[ns]")
    order = np.argsort(start, kind="quicksort")  # datetime64: the permutation of sort_values("date_entree")
    keys = ["id_personne", "structure", "dispositif"]
    group = schema.row_codes(p, keys)
    if not schema.duplicated_rows(p, keys).any():
        return p.index[:0]  # nobody has two parcours in the same structure and dispositif
    known = np.logical_and.reduce([p[k].notna().to_numpy() for k in keys])
    by_group = order[np.argsort(group[order], kind="stable")]  # each group in entry order
    same = np.zeros(len(p), dtype=bool)
    same[1:] = group[by_group[1:]] == group[by_group[:-1]]
    previous_end = np.full(len(p), np.datetime64("NaT"), dtype="datetime64[ns]")
    previous_end[1:] = end[by_group[:-1]]
    overlap_sorted = same & known[by_group] & (np.isnat(previous_end) | (start[by_group] <= previous_end))
    overlap = np.zeros(len(p), dtype=bool)
    overlap[by_group] = overlap_sorted
    return p.index[order[overlap[order]]]


def _month_number(dates: pd.Series) -> np.ndarray:
    """year * 12 + month - 1 of each date (-1 when missing)."""
    values = dates.to_numpy(dtype="datetime64[ns]")
    months = values.astype("datetime64[M]").astype(np.int64) + 1970 * 12
    return np.where(np.isnat(values), -1, months)


def _parcours_positions(ids: pd.Series, parcours_ids: pd.Series) -> np.ndarray:
    """Row position in ``parcours_ids`` (unique) of each identifier of ``ids``; -1 when unknown."""
    if points_at_rows(ids, parcours_ids):
        return ids.cat.codes.to_numpy()
    index = pd.Index(parcours_ids.to_numpy(dtype=object))
    if isinstance(ids.dtype, pd.CategoricalDtype):
        of_category = index.get_indexer(ids.cat.categories)
        codes = ids.cat.codes.to_numpy()
        if len(codes) and codes.min() >= 0:
            return of_category[codes]
        return np.where(codes >= 0, of_category[codes], -1)
    return index.get_indexer(ids.to_numpy(dtype=object))


def cross_checks(frames: dict[str, pd.DataFrame], origin: dict[str, RawSheet]) -> tuple[list, list]:
    problems: list[Probleme] = []
    warnings: list[Probleme] = []
    p = frames["parcours"]
    raw_p = origin["parcours"]
    entry_header = raw_name(raw_p, "date_entree")
    for idx in _overlapping_parcours(p):
        problems.append(Probleme(raw_p.fichier, "parcours", int(idx), entry_header, raw_p.cell(idx, entry_header),
                                 "parcours qui chevauche un autre parcours de la même personne dans la même "
                                 "structure et le même dispositif"))
    h = frames.get("heures")
    if h is not None:
        raw_h = origin["heures"]
        if raw_name(raw_p, "id_parcours") not in raw_p.columns:
            problems.append(Probleme(raw_p.fichier, "parcours", raw_p.header_line, "id_parcours", None,
                                     "colonne obligatoire quand l'onglet heures est rempli"))
        else:
            position = _parcours_positions(h["id_parcours"], p["id_parcours"])
            unknown = position < 0
            id_header = raw_name(raw_h, "id_parcours")
            for idx in h.index[unknown]:
                problems.append(Probleme(raw_h.fichier, "heures", int(idx), id_header, h.at[idx, "id_parcours"],
                                         "parcours inconnu dans l'onglet parcours"))
            # a month lies outside its parcours when it ends before the entry month or starts after the exit month
            month = np.multiply(h["annee"].to_numpy(), 12, dtype=np.int32)
            month += h["mois"].to_numpy().astype(np.int32, copy=False) - 1
            known = np.where(unknown, 0, position) if unknown.any() else position
            entry_month = _month_number(p["date_entree"]).astype(np.int32)
            exit_month = _month_number(p["date_sortie"])
            exit_month = np.where(exit_month < 0, np.iinfo(np.int32).max, exit_month).astype(np.int32)
            outside = month < entry_month[known]
            outside |= month > exit_month[known]
            outside &= h["heures"].to_numpy() > 0
            outside &= ~unknown
            month_header = raw_name(raw_h, "mois")
            for idx in h.index[outside]:
                warnings.append(Probleme(raw_h.fichier, "heures", int(idx), month_header,
                                         f"{h.at[idx, 'mois']}/{h.at[idx, 'annee']}", "heures hors des dates du parcours"))
            if isinstance(h["id_parcours"].dtype, pd.CategoricalDtype) and not unknown.any() \
                    and not points_at_rows(h["id_parcours"], p["id_parcours"]):
                # parquet: the hours point at their parcours by row position (codes), each identifier stored once
                h["id_parcours"] = pd.Series(categorical_from_codes(position, p["id_parcours"].to_numpy(dtype=object),
                                                                    unique=True), index=h.index)
    warnings += _unknown_sites(frames, origin)
    if frames.get("conventions") is not None:
        convention_problems, convention_warnings = _whole_structure_conventions(frames["conventions"], p,
                                                                                origin["conventions"])
        problems += convention_problems
        warnings += convention_warnings
    return problems, warnings


def _unknown_sites(frames: dict[str, pd.DataFrame], origin: dict[str, RawSheet]) -> list[Probleme]:
    """Conventions and sites naming a site the parcours do not have (a convention's empty site is its whole
    structure)."""
    warnings = []
    for name in ("conventions", "sites"):
        other = frames.get(name)
        if other is not None and "site" in other:
            header = raw_name(origin[name], "site")
            for idx in other.index[other["site"].notna() & ~other["site"].isin(frames["parcours"]["site"])]:
                warnings.append(Probleme(origin[name].fichier, name, int(idx), header, other.at[idx, "site"],
                                         "site absent de l'onglet parcours"))
    return warnings


def _whole_structure_conventions(conv: pd.DataFrame, p: pd.DataFrame, raw: RawSheet) -> tuple[list, list]:
    """A convention with an empty site covers its whole structure: its structure must be in the parcours
    (else a warning), and the same structure, dispositif and year may not also have conventions by site (the
    aid would be counted twice: a problem on each row)."""
    problems: list[Probleme] = []
    warnings: list[Probleme] = []
    whole = conv["site"].isna()
    if not whole.any():
        return problems, warnings
    structure_header = raw_name(raw, "structure")
    for idx in conv.index[whole & ~conv["structure"].isin(p["structure"])]:
        warnings.append(Probleme(raw.fichier, "conventions", int(idx), structure_header, conv.at[idx, "structure"],
                                 "structure absente de l'onglet parcours"))
    keys = ["structure", "dispositif", "annee"]
    keyed = conv.set_index(keys).index
    clash = keyed.isin(pd.MultiIndex.from_frame(conv.loc[whole, keys])) & \
        keyed.isin(pd.MultiIndex.from_frame(conv.loc[~whole, keys]))
    for idx in conv.index[clash]:
        problems.append(Probleme(raw.fichier, "conventions", int(idx), raw_name(raw, "site"),
                                 conv.at[idx, "site"] if pd.notna(conv.at[idx, "site"]) else None,
                                 "la même structure, le même dispositif et la même année ont une convention pour "
                                 "toute la structure (site vide) et des conventions par site : l'aide serait "
                                 "comptée deux fois ; gardez l'une ou les autres"))
    return problems, warnings


def points_at_rows(ids: pd.Series, parcours_ids: pd.Series) -> bool:
    """True when ``ids`` is a categorical whose categories are ``parcours_ids`` in row order (codes = rows)."""
    if not isinstance(ids.dtype, pd.CategoricalDtype) or len(ids.cat.categories) != len(parcours_ids):
        return False
    return bool(np.array_equal(ids.cat.categories.to_numpy(dtype=object), parcours_ids.to_numpy(dtype=object)))
