"""Small-cell suppression of the published indicator tables (DOMAIN §5).

Primary suppression masks counts of 1 to ``seuil - 1`` persons (0 is published: it is not
disclosive); secondary suppression masks complementary cells so that no masked count can
be recomputed from the additive relations between exit counts; rates, the mean duration
and profile shares are masked when the counts they are computed from are masked or too small.

Columns absent from the table are not published, but a count that the table still reveals
(a total as the sum of its published parts, a numerator as rate x denominator) is checked
as if it were published. A rate, duration or share whose base count can be neither read nor
derived from the table cannot be checked and is masked.

Suppress the full :func:`~iae_impact.indicators.compute_indicators` table, then select the
columns to show: two tables suppressed separately may mask different complementary cells,
and together reveal what each hides.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .fr import format_number
from .indicators import COUNT_COLUMNS, PROFILE_SHARES, RATE_COLUMNS

DEFAULT_THRESHOLD = 5  # persons

# total = sum of parts, in the order used to break ties when choosing a complementary cell.
RELATIONS: list[tuple[str, list[str]]] = [
    ("sorties", ["sorties_examinees", "retraits", "sorties_hors_seuil"]),
    ("sorties_examinees", ["sorties_dynamiques", "autres_sorties"]),
    ("sorties_dynamiques", ["emploi_durable", "emploi_transition", "sorties_positives"]),
]
NUMERATORS = dict(zip(RATE_COLUMNS, ["emploi_durable", "emploi_transition", "sorties_positives",
                                     "sorties_dynamiques"], strict=True))
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

    def raisons(self) -> list[str]:
        """Short French sentences on what was masked and why (method section of the brief)."""
        s, d = self.seuil, self.detail
        if self.n_masques == 0:
            return [f"Aucune cellule masquée : aucun effectif non nul n'est inférieur à {s} personnes."]
        why = [f"effectifs inférieurs à {s} personnes"]
        if d.get("secondaire"):
            why.append("et cellules complémentaires masquées pour qu'aucune ne puisse être recalculée")
        out = [f"{_n(self.n_masques, 'cellule masquée', 'cellules masquées')} : {', '.join(why)}."]
        if d.get("lignes"):
            out.append(f"{_n(d['lignes'], 'ligne entièrement masquée', 'lignes entièrement masquées')} "
                       f"(moins de {s} personnes dans le groupe et l'année).")
        if d.get("primaire"):
            out.append(f"{_n(d['primaire'], 'effectif masqué', 'effectifs masqués')} car compris entre 1 et "
                       f"{s - 1} personnes ; les zéros sont publiés.")
        if d.get("secondaire"):
            out.append(f"{_n(d['secondaire'], 'cellule complémentaire masquée', 'cellules complémentaires masquées')}"
                       " pour qu'aucun effectif masqué ne se déduise par somme ou différence.")
        if d.get("derivees"):
            out.append(f"{_n(d['derivees'], 'taux, durée ou part masqué', 'taux, durées ou parts masqués')} "
                       "car calculés sur un effectif masqué ou trop faible.")
        return out


def _n(k: int, singular: str, plural: str) -> str:
    return f"{format_number(k)} {singular if k == 1 else plural}"


def _small(count, seuil: int) -> np.ndarray:
    count = np.asarray(count, dtype=float)
    return (count >= 1) & (count < seuil)  # NaN -> False


def is_small(count, seuil: int) -> bool:
    """True for a disclosive count: 1 <= count < seuil (0 is not disclosive and is published)."""
    return bool(_small(count, seuil))


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


def apply_disclosure(
    table: pd.DataFrame, seuil: int = DEFAULT_THRESHOLD, keys: Sequence[str] = ("annee",)
) -> Suppression:
    """Mask the cells of an indicator table (rows = group x year) that could reveal fewer than ``seuil`` persons.

    ``keys`` are the non-measure columns (``annee``, ``structure``, ``site``…), never masked. Rules, per row:
    whole row masked when ``personnes < seuil``; counts of 1 to ``seuil - 1`` masked; complementary counts
    masked until each relation (total = sum of parts) has 0 or at least 2 masked cells, the smallest unmasked
    part first; rates masked with their numerator or ``sorties_examinees``; the mean duration when ``sorties``
    is masked or below ``seuil``; a share ``part_X`` when ``part_X_n`` is below ``seuil`` or when the persons
    with or without the trait are 1 to ``seuil - 1``. ``heures``/``etp`` are masked only with their row.
    """
    if int(seuil) != seuil or seuil < 1:
        raise ValueError(f"Seuil de secret statistique invalide : {seuil} (entier positif attendu).")
    measures = [col for col in table.columns if col not in keys]
    text = [col for col in measures if not pd.api.types.is_numeric_dtype(table[col])]
    if text:
        raise ValueError(f"Colonne(s) non numérique(s) {', '.join(map(str, text))} : ajoutez-les à keys.")

    c = _derive_counts(table)
    rows = np.zeros(len(table), dtype=bool)
    if "personnes" in table:
        rows = table["personnes"].to_numpy(dtype=float) < seuil
    primary = {col: _small(v, seuil) & ~rows for col, v in c.items()}
    masked = {col: primary[col] | rows for col in c}

    changed = True
    while changed:  # secondary suppression, vectorised over rows. With exactly one hidden cell in a
        # relation, either the total is hidden and all parts are not, or a part is and another is not.
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

    unknown = {col: np.isnan(v) & ~masked[col] for col, v in c.items()}
    hide = {col: masked[col] | unknown[col] for col in c}
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
            mask[share] = np.isnan(n) | (n < seuil) | _small(k, seuil) | _small(n - k, seuil)
    mask.loc[rows, measures] = True

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
    return Suppression(table=out, masque=mask, seuil=int(seuil), detail=detail)
