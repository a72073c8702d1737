"""The examined exits and the sorties dynamiques rate of each year under each variant of the exit rule
(``data/reference/regles_sortie.csv``: the written rule of the ASP and the GIP de l'inclusion's published
implementation, FLUXIAE §3), side by side, masked like every published table.

Each variant's table is computed and masked on its own (:func:`~iae_impact.analysis.disclosure.apply_disclosure`);
then, because two tables published side by side can be subtracted, a variant other than the default is
also masked on a row where its counts differ from the default's by 1 to ``seuil - 1`` exits (the
difference would single out the few exits whose examination depends on the rule), and on a row where
the default's own cells are masked. Given the release the other tables come from (``release``, masked with the
default rule), the default variant's cells are the release's: the same cells masked as in every other table.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..data.model import Dataset
from ..rules.exits import default_exit_rule, exit_rule_variants
from ..rules.secrecy import DEFAULT_THRESHOLD, small_cells
from .disclosure import apply_disclosure
from .indicators import compute_indicators
from .release import ReleaseMask

#: What each variant shows: examined exits, sorties dynamiques and their rate with its interval.
SHOWN = ("sorties_examinees", "sorties_dynamiques", "taux_sorties_dynamiques", "taux_sorties_dynamiques_ic_bas",
         "taux_sorties_dynamiques_ic_haut")
#: The counts whose difference between variants must not be a small cell.
COMPARED = ("sorties_examinees", "sorties_dynamiques")


def exit_rule_comparison(dataset: Dataset, by: Sequence[str] = (), annees: Sequence[int] | None = None,
                         seuil: int = DEFAULT_THRESHOLD, release: ReleaseMask | None = None) -> pd.DataFrame:
    """One row per group and year: for each variant ``v`` of the exit rule, the columns of :data:`SHOWN`
    suffixed ``_v`` (NaN where masked). The default variant comes first; with ``release`` (its threshold,
    the default rule), the default variant is masked as in the release (:meth:`ReleaseMask.grouped`)."""
    by = list(by)
    keys = ["annee", *by]
    default = default_exit_rule()
    masked = {}
    for variant in exit_rule_variants():
        table = compute_indicators(dataset, by=by, annees=annees, regle=variant)
        masked[variant] = (table, apply_disclosure(table, seuil=seuil, keys=keys))
    if release is not None and release.seuil == seuil and (release.regle or default) == default:
        masked[default] = (masked[default][0], release.grouped(by, annees=annees))
    base_raw, base = masked[default]
    out = base_raw[keys].copy()
    base_hidden = base.masque.set_index(base.table.set_index(keys).index)[list(SHOWN)].any(axis=1) \
        .reindex(base_raw.set_index(keys).index, fill_value=False).to_numpy()
    for variant, (raw, suppression) in masked.items():
        values = suppression.table.set_index(keys)[list(SHOWN)].reindex(base_raw.set_index(keys).index)
        if variant != default:
            counts = raw.set_index(keys)[list(COMPARED)].reindex(values.index)
            hide = base_hidden.copy()
            for column in COMPARED:
                gap = np.abs(counts[column].to_numpy(dtype=float) - base_raw[column].to_numpy(dtype=float))
                hide |= small_cells(gap, seuil)
            values[hide] = np.nan
        for column in SHOWN:
            out[f"{column}_{variant}"] = values[column].to_numpy()
    return out.reset_index(drop=True)
