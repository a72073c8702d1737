"""Small-cell suppression of the published indicator tables (docs/domain.md §5).

Primary suppression masks counts of 1 to ``seuil - 1`` persons (0 is published: it is not
disclosive); secondary suppression masks complementary cells so that no masked count can
be recomputed from the additive relations between exit counts; rates, the mean duration
and profile shares are masked when the counts they are computed from are masked or too small.

Columns absent from the table are not published, but a count that the table still reveals
(a total as the sum of its published parts, a numerator as rate x denominator) is checked
as if it were published. A rate, duration or share whose base count can be neither read nor
derived from the table cannot be checked and is masked.

Suppress the full :func:`~iae_impact.analysis.indicators.compute_indicators` table, then select the
columns to show: two tables suppressed separately may mask different complementary cells,
and together reveal what each hides. The French account of what was masked is written by
:func:`iae_impact.report.text_disclosure.suppression_reasons`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..rules.exits import dynamic_exit_columns, other_examined_columns
from ..rules.profile import PROFILE_SHARES
from ..rules.secrecy import DEFAULT_THRESHOLD, small_cells
from .indicators import COUNT_COLUMNS, RATE_NUMERATORS

# total = sum of parts, in the order used to break ties when choosing a complementary cell.
RELATIONS: list[tuple[str, list[str]]] = [
    ("sorties", ["sorties_examinees", "retraits", "sorties_hors_seuil"]),
    ("sorties_examinees", ["sorties_dynamiques", *other_examined_columns()]),
    ("sorties_dynamiques", list(dynamic_exit_columns())),
]
NUMERATORS = RATE_NUMERATORS
DENOMINATOR = "sorties_examinees"
DURATION = "duree_moyenne_parcours_mois"


@dataclass(frozen=True)
class Suppression:
    """A table with its small cells masked (NaN) and the mask itself."""

    table: pd.DataFrame
    masque: pd.DataFrame
    seuil: int
    detail: Mapping[str, int] = field(default_factory=dict)  # masked cells per reason (see raisons)

    @property
    def n_masques(self) -> int:
        return int(self.masque.to_numpy().sum())


def _derive_counts(table: pd.DataFrame) -> dict[str, np.ndarray]:
    """Every count the table reveals: its count columns, plus those derivable by sums or rate x denominator.

    NaN where a count is neither published nor derivable.
    """
    nan = np.full(len(table), np.nan)
    c = {col: table[col].to_numpy(dtype=float, copy=True) if col in table else nan.copy() for col in COUNT_COLUMNS}
    unknown = sum(np.isnan(v).sum() for v in c.values())
    while True:
        for total, parts in RELATIONS:
            t, p = c[total], np.column_stack([c[x] for x in parts])
            missing = np.isnan(p)
            n_missing = missing.sum(axis=1)
            fill = np.isnan(t) & (n_missing == 0)
            t[fill] = p.sum(axis=1)[fill]
            p[missing & (t == 0)[:, None]] = 0.0  # counts are non-negative
            one = ~np.isnan(t) & (n_missing == 1)
            rest = t - np.nansum(p, axis=1)
            p[missing & one[:, None]] = rest[one]
            for j, x in enumerate(parts):
                c[x] = p[:, j]
        n = c[DENOMINATOR]
        for rate, num in NUMERATORS.items():
            if rate in table:
                r = table[rate].to_numpy(dtype=float)
                k = c[num]
                fill = np.isnan(k) & ~np.isnan(r) & ~np.isnan(n)
                k[fill] = np.round(r * n)[fill]
                fill = np.isnan(n) & ~np.isnan(k) & (r > 0)
                n[fill] = np.round(k / np.where(r > 0, r, 1))[fill]
        now = sum(np.isnan(v).sum() for v in c.values())
        if now == unknown:
            return c
        unknown = now


def _check_table(table: pd.DataFrame, seuil: int, keys: Sequence[str]) -> list[str]:
    """The measure columns of ``table``; ValueError (French) for a bad threshold or a text measure."""
    if int(seuil) != seuil or seuil < 1:
        raise ValueError(f"Seuil de secret statistique invalide : {seuil} (entier positif attendu).")
    measures = [col for col in table.columns if col not in keys]
    text = [col for col in measures if not pd.api.types.is_numeric_dtype(table[col])]
    if text:
        raise ValueError(f"Colonne(s) non numérique(s) {', '.join(map(str, text))} : ajoutez-les à keys.")
    return measures


def _secondary(masked: dict[str, np.ndarray], c: dict[str, np.ndarray]) -> None:
    """Secondary suppression, vectorised over rows, in place: complementary counts are masked until no
    relation (total = sum of parts) has exactly one hidden cell. With exactly one hidden cell in a
    relation, either the total is hidden and all parts are not, or a part is and another is not."""
    changed = True
    while changed:
        changed = False
        for total, parts in RELATIONS:
            hidden = np.column_stack([masked[x] | np.isnan(c[x]) for x in [total, *parts]])
            need = hidden.sum(axis=1) == 1
            if not need.any():
                continue
            values = np.column_stack([np.where(hidden[:, j + 1], np.inf, c[x]) for j, x in enumerate(parts)])
            choice = values.argmin(axis=1)  # first of the smallest; never a hidden part (see above)
            for j, x in enumerate(parts):
                add = need & (choice == j) & ~masked[x]
                masked[x] = masked[x] | add
                changed |= bool(add.any())


def _mask_frame(table: pd.DataFrame, masked: dict[str, np.ndarray], c: dict[str, np.ndarray],
                seuil: int) -> pd.DataFrame:
    """The mask of every column: counts as decided, rates, duration and shares from the counts they rest on."""
    hide = {col: masked[col] | (np.isnan(v) & ~masked[col]) for col, v in c.items()}
    mask = pd.DataFrame(False, index=table.index, columns=table.columns)
    for col in COUNT_COLUMNS:
        if col in mask:
            mask[col] = masked[col]
    for rate, num in NUMERATORS.items():
        for col in (rate, f"{rate}_ic_bas", f"{rate}_ic_haut"):
            if col in mask:
                mask[col] = hide[num] | hide[DENOMINATOR]
    if DURATION in mask:
        mask[DURATION] = hide["sorties"] | (c["sorties"] < seuil)
    for share in PROFILE_SHARES:
        if share in mask:
            n = table[f"{share}_n"].to_numpy(dtype=float) if f"{share}_n" in table else np.full(len(table), np.nan)
            k = np.round(table[share].to_numpy(dtype=float) * n)
            mask[share] = np.isnan(n) | (n < seuil) | small_cells(k, seuil) | small_cells(n - k, seuil)
    return mask


def _forced(table: pd.DataFrame, forced: pd.DataFrame | None) -> dict[str, np.ndarray]:
    """The cells a release masks on top of the table's own rules (:mod:`iae_impact.analysis.release`)."""
    out = {}
    if forced is not None:
        for col in forced.columns:
            values = forced[col].to_numpy(dtype=bool)
            if len(values) != len(table):
                raise ValueError("masque imposé de forme différente de celle du tableau")
            out[col] = values
    return out


def apply_disclosure(
    table: pd.DataFrame, seuil: int = DEFAULT_THRESHOLD, keys: Sequence[str] = ("annee",),
    forced: pd.DataFrame | None = None,
) -> Suppression:
    """Mask the cells of an indicator table (rows = group x year) that could reveal fewer than ``seuil`` persons.

    ``keys`` are the non-measure columns (``annee``, ``structure``, ``site``…), never masked. Rules, per row:
    whole row masked when ``personnes < seuil``; counts of 1 to ``seuil - 1`` masked; complementary counts
    masked until each relation (total = sum of parts) has 0 or at least 2 masked cells, the smallest unmasked
    part first; rates masked with their numerator or ``sorties_examinees``; the mean duration when ``sorties``
    is masked or below ``seuil``; a share ``part_X`` when ``part_X_n`` is below ``seuil`` or when the persons
    with or without the trait are 1 to ``seuil - 1``. ``heures``/``etp`` are masked only with their row.

    ``forced`` (same rows as ``table``; count, ``part_X`` or ``part_X_n`` columns): cells a release masks so
    that no cell can be derived from its other tables (:func:`~iae_impact.analysis.release.linked_suppression`).
    They are masked like primary cells (with their complements, rates and shares); a forced ``part_X_n`` masks
    ``part_X`` too, and a forced ``personnes`` masks ``heures`` and ``etp`` (they follow the persons).
    ``detail["liees"]`` counts the cells masked because of them.
    """
    measures = _check_table(table, seuil, keys)
    extra = _forced(table, forced)
    mask, masked, primary, rows = _masks(table, seuil, measures, {})
    if extra:  # the table's own mask stays: the release only adds cells
        own_mask, own = mask, int(mask.to_numpy().sum())
        mask, masked, primary, rows = _masks(table, seuil, measures, extra)
        mask = mask | own_mask
        linked = int(mask.to_numpy().sum()) - own
    else:
        linked = 0

    out = table.copy()
    for col in COUNT_COLUMNS:
        if col in out:
            out[col] = out[col].astype("float64")
    out[measures] = out[measures].mask(mask[measures])

    counts = [col for col in COUNT_COLUMNS if col in mask]
    n_primary = int(sum(primary[col].sum() for col in counts))
    n_counts = int(mask.loc[~rows, counts].to_numpy().sum())
    detail = {
        "lignes": int(rows.sum()),
        "primaire": n_primary,
        "secondaire": n_counts - n_primary,
        "derivees": int(mask.loc[~rows].to_numpy().sum()) - n_counts,
    }
    if linked:
        detail["liees"] = linked
    return Suppression(table=out, masque=mask, seuil=int(seuil), detail=detail)


def _masks(table: pd.DataFrame, seuil: int, measures: list[str], extra: dict[str, np.ndarray]):
    """The mask of every cell (with ``extra`` cells masked as primary ones), the count masks, the primary
    masks and the rows masked whole."""
    c = _derive_counts(table)
    rows = np.zeros(len(table), dtype=bool)
    if "personnes" in table:
        rows = table["personnes"].to_numpy(dtype=float) < seuil
    primary = {col: small_cells(v, seuil) & ~rows for col, v in c.items()}
    masked = {col: primary[col] | rows | extra.get(col, False) for col in c}
    _secondary(masked, c)
    mask = _mask_frame(table, masked, c, seuil)
    for col, values in extra.items():
        if col in mask and col not in c:
            mask[col] = mask[col].to_numpy() | values
            if col.endswith("_n") and col[:-2] in mask:
                mask[col[:-2]] = mask[col[:-2]].to_numpy() | values
    if "personnes" in extra:
        for col in ("heures", "etp"):
            if col in mask:
                mask[col] = mask[col].to_numpy() | masked["personnes"]
    mask.loc[rows, measures] = True
    return mask, masked, primary, rows
