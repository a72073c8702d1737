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
                seuil: int) -> dict[str, np.ndarray]:
    """The mask of every column (one array each, in the table's order): counts as decided, rates, duration and
    shares from the counts they rest on."""
    hide = {col: masked[col] | (np.isnan(v) & ~masked[col]) for col, v in c.items()}
    mask = {col: np.zeros(len(table), dtype=bool) for col in table.columns}
    for col in COUNT_COLUMNS:
        if col in mask:
            mask[col] = masked[col].copy()
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
    columns, masked, primary, rows = _masks(table, seuil, measures, {})
    if extra:  # the table's own mask stays: the release only adds cells
        own_columns, own = columns, int(sum(v.sum() for v in columns.values()))
        columns, masked, primary, rows = _masks(table, seuil, measures, extra)
        columns = {col: v | own_columns[col] for col, v in columns.items()}
        linked = int(sum(v.sum() for v in columns.values())) - own
    else:
        linked = 0
    mask = pd.DataFrame(columns, index=table.index, columns=table.columns)

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
    """The mask of every cell (one array per column, with ``extra`` cells masked as primary ones), the count
    masks, the primary masks and the rows masked whole."""
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
            mask[col] = mask[col] | values
            if col.endswith("_n") and col[:-2] in mask:
                mask[col[:-2]] = mask[col[:-2]] | values
    if "personnes" in extra:
        for col in ("heures", "etp"):
            if col in mask:
                mask[col] = mask[col] | masked["personnes"]
    for col in measures:
        mask[col] = mask[col] | rows
    return mask, masked, primary, rows


#: The exit counts a table pooled over the years shows (notebook 03), each with its complement in the examined exits.
POOLED_MEASURES = ("sorties_examinees", "sorties_dynamiques", "emploi_durable")


def _hidden_parts(published: pd.DataFrame, exits: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Per group: the part of each pooled count (and of its complement) that the release masks, i.e. the true
    total over the years minus the sum of the published yearly cells; and the true number of examined exits."""
    counts = exits.assign(sorties_examinees=1, sorties_dynamiques=exits["sortie_dynamique"], _all=0)
    published = published.assign(_all=0)
    for m in POOLED_MEASURES[1:]:  # a yearly complement is published when both its counts are
        counts[f"non_{m}"] = counts["sorties_examinees"] - counts[m]
        published[f"non_{m}"] = published["sorties_examinees"] - published[m]
    measures = [*POOLED_MEASURES, *(f"non_{m}" for m in POOLED_MEASURES[1:])]
    keys = by or ["_all"]
    truth = counts.groupby(keys, sort=True)[measures].sum()
    shown = published.groupby(keys, sort=True)[measures].sum(min_count=0)
    hidden = truth.sub(shown.reindex(truth.index).fillna(0.0), fill_value=0.0)
    hidden["_n"] = truth["sorties_examinees"]
    return hidden


def _unsafe(parts: pd.DataFrame | pd.Series, seuil: int) -> np.ndarray:
    values = np.atleast_2d(parts.drop(columns="_n", errors="ignore").to_numpy(dtype=float)).round()
    return ((values > 0) & (values < seuil)).any(axis=1)


def pooled_groups_hidden(levels: Sequence[tuple[Sequence[str], pd.DataFrame]], exits: pd.DataFrame,
                         seuil: int = DEFAULT_THRESHOLD) -> list[set[tuple]]:
    """The groups whose exit counts pooled over the years may not be shown, level by level.

    ``levels``: from the finest to the coarsest, each level's grouping columns (each level's columns include the
    next one's: ``["structure", "site", "dispositif"]``, ``["structure"]``, ``[]``) and the release's masked table
    of its groups (one row per group and year, masked counts NaN); ``exits``: one row per examined exit of the
    same years (:func:`~iae_impact.analysis.indicators.examined_exits`).

    A pooled count is the sum of the yearly cells, published or not: beside the published ones it reveals the sum
    of the masked ones, which must be 0 or at least ``seuil`` for each measure of :data:`POOLED_MEASURES` and for
    the examined exits it does not count (the rule of the primary suppression). A pooled parent beside the pooled
    children it publishes reveals the sum over its hidden children in the same way: while that sum is unsafe,
    another child (the smallest) is hidden too — secondary suppression —, and a parent whose children are all
    hidden and still unsafe is hidden itself. Returns, per level, the set of hidden groups (tuples of values).
    """
    parts = [_hidden_parts(table, exits, list(by)) for by, table in levels]
    hidden = [set(p.index[_unsafe(p, seuil)]) for p in parts]
    for i in range(len(levels) - 1):
        parent_by = list(levels[i + 1][0])
        child = parts[i]
        # each child's parent, as the parent level's index names it (a value, a tuple of values, or 0 for all)
        keys = child.index.to_frame(index=False)
        parent_of = (keys[parent_by[0]] if len(parent_by) == 1 else keys[parent_by].apply(tuple, axis=1)) \
            if parent_by else pd.Series([0] * len(child))
        for parent in parent_of.unique():
            members = [k for k, q in zip(child.index, parent_of, strict=True) if q == parent]
            while True:
                masked = [k for k in members if k in hidden[i]]
                if not masked or not _unsafe(child.loc[masked].sum().to_frame().T, seuil)[0]:
                    break
                rest = sorted((k for k in members if k not in hidden[i]), key=lambda k: child.loc[k, "_n"])
                if not rest:
                    hidden[i + 1].add(parent)
                    break
                # the smallest child that makes the sum safe, else the smallest one
                enough = [k for k in rest if not _unsafe(child.loc[[*masked, k]].sum().to_frame().T, seuil)[0]]
                hidden[i].add((enough or rest)[0])
    return [{k if isinstance(k, tuple) else (k,) for k in h} for h in hidden]


def mask_groups(table: pd.DataFrame, column: str, values: Sequence, keep: Sequence[str]) -> pd.DataFrame:
    """A copy of ``table`` whose rows with ``column`` in ``values`` (:func:`pooled_groups_hidden`) have every
    column but ``keep`` masked (NaN)."""
    out = table.copy()
    rows = out[column].isin(list(values)).to_numpy()
    for col in (c for c in out.columns if c not in keep):
        out[col] = out[col].astype(float).mask(rows) if pd.api.types.is_numeric_dtype(out[col]) \
            else out[col].mask(rows)
    return out
