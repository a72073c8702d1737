"""The exit rates a convention plans (an annexe financière's ``af_taux_prev_sorties_*``, or the
``conventions`` sheet's ``taux_prevu_*`` columns), set beside the actual rate of the same place and year.

A planned rate is the convention's own target, negotiated for that structure or site: it is shown with
its year and its annexe financière number, never as a national reference.
"""

from __future__ import annotations

import pandas as pd

from ..data.model import Dataset

#: Planned rate of the conventions sheet -> the actual rate it stands beside.
PLANNED_RATES = {"taux_prevu_sorties_dynamiques": "taux_sorties_dynamiques",
                 "taux_prevu_emploi_durable": "taux_emploi_durable"}
COLUMNS = ["annee", "structure", "site", "dispositif", "numero_annexe_financiere", *PLANNED_RATES]


def planned_exit_rates(dataset: Dataset, annees: list[int] | None = None) -> pd.DataFrame:
    """The conventions of the dataset's perimeter that plan an exit rate (one row each; ``site`` None: the
    convention covers its whole structure), by year and place. Rates are proportions."""
    conv = dataset.conventions
    if conv is None or not any(c in conv.columns for c in PLANNED_RATES):
        return pd.DataFrame({c: pd.Series(dtype="float64" if c in PLANNED_RATES else "object") for c in COLUMNS})
    conv = conv.copy()
    for column in COLUMNS:
        if column not in conv.columns:
            conv[column] = None
    places = dataset.parcours[["structure", "site"]].drop_duplicates()
    mine = conv.merge(places, on=["structure", "site"], how="inner")
    whole = conv[conv["site"].isna() & conv["structure"].isin(set(places["structure"]))]
    planned = pd.concat([mine, whole], ignore_index=True)
    planned = planned[planned[list(PLANNED_RATES)].notna().any(axis=1)]
    if annees is not None:
        planned = planned[planned["annee"].isin(list(annees))]
    return planned[COLUMNS].sort_values(["annee", "structure", "site"], na_position="first").reset_index(drop=True)


def planned_beside_actual(planned: pd.DataFrame, by_structure: pd.DataFrame, by_site: pd.DataFrame) -> pd.DataFrame:
    """Each planned rate beside the actual rate of the same place and year, taken from masked indicator
    tables (``by_structure``: grouped by structure, ``by_site``: by structure and site; NaN where masked): a
    site's convention beside its site's rate, a whole-structure convention beside its structure's."""
    actual_columns = list(PLANNED_RATES.values())
    site_rows = planned[planned["site"].notna()].merge(
        by_site[["annee", "structure", "site", *actual_columns]], on=["annee", "structure", "site"], how="left")
    structure_rows = planned[planned["site"].isna()].merge(
        by_structure[["annee", "structure", *actual_columns]], on=["annee", "structure"], how="left")
    out = pd.concat([site_rows, structure_rows], ignore_index=True)
    for column in actual_columns:
        if column not in out:
            out[column] = pd.Series(dtype="float64")
    return out.sort_values(["annee", "structure", "site"], na_position="first").reset_index(drop=True)
