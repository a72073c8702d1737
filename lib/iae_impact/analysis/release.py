"""Linked-table suppression across one release (docs/domain.md §5; issue 12.10).

A release publishes many tables of the same data: every brief of a batch, the tables of ``iae-impact
indicateurs``, the notebooks' tables. Each is masked by :func:`~iae_impact.analysis.disclosure.apply_disclosure`,
but tables side by side allow subtractions (a structure minus all its sites but one gives the last one).
:func:`linked_suppression` treats all the tables of a release as linked tables and masks further cells until
no masked cell can be derived from the others.

**What a release is.** One dataset, one threshold and a set of perimeters. A perimeter is a set of *atoms*:
the finest groups, structure x site x dispositif (x any extra grouping column asked for). The canonical set
holds every perimeter the standard outputs publish: the whole dataset, every structure, site, structure x
dispositif and site x dispositif (salaried programmes only, as ``compute_indicators`` counts them, or all with
``inclure_non_salaries``), and the perimeter of a brief on any one structure or site (its salaried
dispositifs, or all when it has none); the perimeters of a batch's briefs (a territory = a set of sites) and
extra groupings are added. Two perimeters with the same atoms are the same perimeter, with the same mask
wherever it is shown.

**Cells.** For every perimeter and year, the counts it publishes directly or derivably: the exit counts
(``sorties`` and its parts), ``entrees``, ``personnes``, and for each profile share the persons whose value is
known (``part_X_n``) and those with the trait (``part_X`` x ``part_X_n``). Rates are masked with their
numerator or denominator, so they add no cell. Derived counts are cells too (persons without the trait,
persons aged 26 to 49 when both age shares are shown).

**Relations.** Each cell is a linear function of per-atom unknowns: six exit categories (retraits, hors seuil,
the three dynamic categories, other examined exits), entries, and per share: persons with the trait, without
it, unknown (summing to the persons). A perimeter's cell is the sum over its atoms: this carries every
relation a reader may use (a total is the sum of its parts; a structure, the sum of its sites or of its
dispositifs; a territory, the sum of its sites). Persons are not strictly additive (one person may work on
two sites), but an attacker may assume they are: they are treated as additive, with the atoms' counts.

**Tests, per year and per family of cells.** The rank test: no masked cell is a linear combination of the
published cells. The bound test: every masked or derivable cell of 1 to ``seuil - 1`` persons keeps, given
the published cells and non-negativity, a feasible interval at least ``seuil`` wide (linear programming,
HiGHS: one model per system, kept from one cell to the next, gives the intervals; a failing cell's bounds are
computed again by a fresh scipy program, whose dual values name the published cells that pin it). A failing cell gets a complementary cell masked: among the published cells that pin it
(least-squares coefficients for the rank test, dual values for the bound test), the smallest of at least
``seuil`` persons, else the largest; then the table's own secondary suppression runs again, and everything
is tested again until nothing fails. Deterministic: same data, threshold and perimeters, same mask.

**Pooled periods.** When a brief's year alone is too small (its headline rate is masked by its own table),
its perimeter also publishes its exit counts pooled over periods of :data:`POOL_YEARS` years ending at the
brief's year (« 2022-2024 », « 2019-2021 »…): new cells, each the sum of its years. The exit family of those
years is then tested as one system (a *block* of years: the unknowns of every atom in every year of the
block), so a pooled cell minus the published years never gives back a masked year, nor a masked pooled cell
the years. Pooled cells are masked like a table's row (:func:`~iae_impact.analysis.disclosure.apply_disclosure`)
and, when a test fails, like any other cell. The choice of pooling rests on the perimeter's own mask only.

**Cost.** Systems are solved per connected component of atoms: a structure, unless a perimeter spans several
(a territory across structures). Up to :data:`EXACT_ATOMS` atoms the whole release is one exact system;
beyond, the whole-dataset perimeter, the sum of the structures, is handled apart: a cell whose structures are
all published adds nothing; with one hidden structure, it gives that structure's total exactly; with several,
it bounds each by the others' intervals (interval propagation, a relaxation). Most bound tests are settled
without a linear program by a witness (a direction of the null space along which the cell moves far enough
from the true values); a cell that passed keeps passing, since masking more only removes equations.
Measured (bench/README.md): the demo (10 atoms, 12 years) in about 3 s; the benchmark's network of 300
structures in about 3 minutes (7 minutes with a fresh scipy program per bound; the same masks).
"""

from __future__ import annotations

import os
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cache

import numpy as np
import pandas as pd

from ..data.model import Dataset
from ..data.selection import select_perimeter
from ..rules.dispositifs import is_salaried
from ..rules.exits import dynamic_exit_columns, other_examined_columns
from ..rules.profile import AGE_SHARES, PROFILE_SHARES
from ..rules.secrecy import DEFAULT_THRESHOLD
from .disclosure import DENOMINATOR, RELATIONS, Suppression, apply_disclosure
from .indicators import compute_indicators, pooled_exits

ATOM_KEYS = ("structure", "site", "dispositif")
#: Groupings of the standard outputs (``iae-impact indicateurs``, notebooks 02 and 05, the briefs).
STANDARD_GROUPINGS: tuple[tuple[str, ...], ...] = ((), ("structure",), ("structure", "site"),
                                                   ("structure", "dispositif"), ("structure", "site", "dispositif"))
EXIT_LEAVES = ("retraits", "sorties_hors_seuil", *dynamic_exit_columns(), *other_examined_columns())
_TOL = 1e-7
#: Years of a pooled period (see « Pooled periods » above).
POOL_YEARS = 3
#: The rate a brief must publish for its year; when its own table masks it, the perimeter is pooled.
HEADLINE = "taux_sorties_dynamiques"


# --------------------------------------------------------------------------- families of cells


@dataclass(frozen=True, eq=False)
class Family:
    """Per-atom unknowns (``base``), the cells as coefficients on them, per-atom equalities (``= 0``), and for
    each cell the table column whose mask publishes it (None: derived only)."""

    name: str
    base: tuple[str, ...]
    cells: dict[str, dict[str, float]]
    columns: dict[str, tuple[str, ...] | None]
    structural: tuple[dict[str, float], ...] = ()


def _expand(column: str) -> dict[str, float]:
    parts = dict(RELATIONS).get(column)
    if parts is None:
        return {column: 1.0}
    out: dict[str, float] = defaultdict(float)
    for part in parts:
        for k, v in _expand(part).items():
            out[k] += v
    return dict(out)


def _exit_family() -> Family:
    cells = {c: _expand(c) for c in ("sorties", *dict(RELATIONS), *EXIT_LEAVES)}
    return Family("sorties", EXIT_LEAVES, cells, {c: (c,) for c in cells})


def _share_family(share: str) -> Family:
    base = ("personnes", f"{share}:oui", f"{share}:non", f"{share}:inconnu")
    cells = {"personnes": {"personnes": 1.0}, f"{share}_n": {base[1]: 1.0, base[2]: 1.0}, share: {base[1]: 1.0},
             f"{share}:non": {base[2]: 1.0}}
    columns = {"personnes": ("personnes",), f"{share}_n": (f"{share}_n",), share: (share, f"{share}_n"),
               f"{share}:non": None}
    return Family(share, base, cells, columns, ({"personnes": 1.0, base[1]: -1.0, base[2]: -1.0, base[3]: -1.0},))


def _age_family() -> Family:
    young, old = AGE_SHARES  # part_moins_26_ans, part_50_ans_et_plus: the same base (known birth year)
    base = ("personnes", young, "age:milieu", old, "age:inconnu")
    cells = {"personnes": {"personnes": 1.0}, f"{young}_n": {young: 1.0, "age:milieu": 1.0, old: 1.0},
             young: {young: 1.0}, old: {old: 1.0}, "age:milieu": {"age:milieu": 1.0}}
    columns = {"personnes": ("personnes",), f"{young}_n": (f"{young}_n", f"{old}_n"), young: (young, f"{young}_n"),
               old: (old, f"{old}_n"), "age:milieu": None}
    return Family("age", base, cells, columns,
                  ({"personnes": 1.0, young: -1.0, "age:milieu": -1.0, old: -1.0, "age:inconnu": -1.0},))


FAMILIES: tuple[Family, ...] = (
    _exit_family(),
    Family("entrees", ("entrees",), {"entrees": {"entrees": 1.0}}, {"entrees": ("entrees",)}),
    _age_family(),
    *(_share_family(s) for s in PROFILE_SHARES if s not in AGE_SHARES),
)


def atom_values(table: pd.DataFrame) -> pd.DataFrame:
    """Per row of an indicator table, the value of every family's unknowns (shares x ``_n`` rounded)."""
    out = {c: table[c].to_numpy(dtype=float) for c in (*EXIT_LEAVES, "entrees", "personnes")}
    for share in PROFILE_SHARES:
        n = table[f"{share}_n"].to_numpy(dtype=float)
        out[share] = np.round(np.nan_to_num(table[share].to_numpy(dtype=float) * n))
        if share not in AGE_SHARES:
            out[f"{share}:oui"] = out[share]
            out[f"{share}:non"] = n - out[share]
            out[f"{share}:inconnu"] = out["personnes"] - n
    young, old = AGE_SHARES
    n = table[f"{young}_n"].to_numpy(dtype=float)
    out["age:milieu"] = n - out[young] - out[old]
    out["age:inconnu"] = out["personnes"] - n
    return pd.DataFrame(out, index=table.index)


# --------------------------------------------------------------------------- perimeters


@dataclass
class Perimeter:
    """A published perimeter: its atoms, its indicator table (all years) and what the release masks in it."""

    atoms: frozenset[int]
    table: pd.DataFrame  # compute_indicators of the perimeter, one row per year, index = year
    forced: pd.DataFrame  # counts masked by the release on top of the table's own suppression
    structure: str | None  # the one structure it lies in (None: several)
    suppression: Suppression | None = None

    mask: pd.DataFrame | None = None  # the suppression's mask, index = year
    shown: dict[int, dict[str, bool]] = field(default_factory=dict)  # per year: column -> published
    values: dict[int, np.ndarray] = field(default_factory=dict)  # per year: UNKNOWNS of the perimeter
    proxy: dict[int, np.ndarray] = field(default_factory=dict)  # per year: UNKNOWNS summed over the atoms
    pools: list[tuple[int, ...]] = field(default_factory=list)  # pooled periods it publishes (oldest first)
    pool_forced: pd.DataFrame | None = None  # index = period (tuple of years)
    pool_suppression: Suppression | None = None  # the pooled exit counts, masked (``periode`` first)
    pool_shown: dict[tuple[int, ...], dict[str, bool]] = field(default_factory=dict)

    def suppress(self, seuil: int) -> Suppression:
        forced = self.forced.reset_index(drop=True) if self.forced.to_numpy().any() else None
        self.suppression = apply_disclosure(self.table.reset_index(), seuil=seuil, forced=forced)
        self.mask = self.suppression.masque.set_axis(self.table.index)
        columns = list(self.mask.columns)
        self.shown = {int(y): dict(zip(columns, (~row).tolist(), strict=True))
                      for y, row in zip(self.mask.index, self.mask.to_numpy(), strict=True)}
        if self.pools:
            self._suppress_pools(seuil)
        return self.suppression

    def pool(self, pools: list[tuple[int, ...]]) -> None:
        self.pools = pools
        self.pool_forced = pd.DataFrame(False, index=pd.Index(pools, tupleize_cols=False),
                                        columns=list(dict(RELATIONS)) + list(EXIT_LEAVES))

    def _suppress_pools(self, seuil: int) -> None:
        table = pooled_exits(self.table.reset_index(), self.pools)
        forced = self.pool_forced.reset_index(drop=True) if self.pool_forced.to_numpy().any() else None
        self.pool_suppression = apply_disclosure(table, seuil=seuil, keys=("periode",), forced=forced)
        mask = self.pool_suppression.masque
        self.pool_shown = {pool: dict(zip(mask.columns, (~row).tolist(), strict=True))
                           for pool, row in zip(self.pools, mask.to_numpy(), strict=True)}


@dataclass
class ReleaseMask:
    """The masks of one release: one :class:`~iae_impact.analysis.disclosure.Suppression` per perimeter, the
    same wherever the perimeter is published. Built by :func:`linked_suppression`."""

    dataset: Dataset
    seuil: int
    atoms: pd.DataFrame  # the atoms' keys (index = atom number)
    perimeters: dict[frozenset[int], Perimeter]
    iterations: int = 0
    added: int = 0  # count cells masked by the release beyond each table's own suppression
    regle: str | None = None  # the exit-rule variant every table of the release is computed with

    def atoms_of(self, structure: str | None = None, sites: Sequence[str] | None = None,
                 inclure_non_salaries: bool | None = None, **keys: str) -> frozenset[int]:
        """The atoms of a perimeter: ``structure`` and/or ``sites`` and other key values; ``inclure_non_salaries``
        None (a brief's rule): the salaried dispositifs when there is one, else all."""
        a = self.atoms
        sel = np.ones(len(a), dtype=bool)
        if structure is not None:
            sel &= a["structure"].eq(structure).to_numpy()
        if sites:
            sel &= a["site"].isin(list(sites)).to_numpy()
        for k, v in keys.items():
            sel &= a[k].eq(v).to_numpy()
        salaried = a["salarie"].to_numpy()
        if inclure_non_salaries is None:
            inclure_non_salaries = not (sel & salaried).any()
        if not inclure_non_salaries:
            sel &= salaried
        return frozenset(a.index[sel].tolist())

    def suppression(self, atoms: frozenset[int]) -> Suppression:
        """The masked table (all years, ``annee`` first) of the perimeter made of ``atoms``."""
        try:
            return self.perimeters[frozenset(atoms)].suppression
        except KeyError:
            raise ValueError("périmètre absent de la publication : ajoutez-le à linked_suppression") from None

    def pooled(self, structure: str | None, sites: Sequence[str] | None) -> Suppression | None:
        """The pooled exit counts of a brief's perimeter (one row per period, ``periode`` « 2022-2024 », oldest
        first), masked with the release; None when the perimeter is not pooled."""
        per = self.perimeters.get(self.atoms_of(structure, sites))
        return None if per is None or not per.pools else per.pool_suppression

    def has_brief(self, structure: str | None, sites: Sequence[str] | None) -> bool:
        return self.atoms_of(structure, sites) in self.perimeters

    def brief(self, structure: str | None, sites: Sequence[str] | None) -> Suppression:
        """The masked table of a brief's perimeter (:func:`~iae_impact.report.context.prepare_context`'s rule)."""
        return self.suppression(self.atoms_of(structure, sites))

    def grouped(self, by: Sequence[str], inclure_non_salaries: bool = False,
                annees: Sequence[int] | None = None) -> Suppression:
        """A grouped table as :func:`~iae_impact.analysis.indicators.compute_indicators` returns it (``by``
        columns, ``annee``), masked as everywhere else in the release."""
        by = list(by)
        unknown = [c for c in by if c not in self.atoms.columns]
        if unknown:
            raise ValueError(f"Regroupement impossible : colonne(s) inconnue(s) {', '.join(unknown)}.")
        frames, masks = [], []
        groups = self.atoms.loc[self.atoms["salarie"] | inclure_non_salaries]
        for values, part in (groups.groupby(by, sort=True, dropna=True) if by else [((), groups)]):
            values = values if isinstance(values, tuple) else (values,)
            s = self.suppression(frozenset(part.index.tolist()))
            frames.append(s.table.assign(**dict(zip(by, values, strict=True))))
            masks.append(s.masque.assign(**dict.fromkeys(by, False)))
        if not frames:
            empty = compute_indicators(select_perimeter(self.dataset, sites=["\0"]), by=by, regle=self.regle)
            return apply_disclosure(empty, seuil=self.seuil, keys=["annee", *by])
        table, mask = pd.concat(frames, ignore_index=True), pd.concat(masks, ignore_index=True)
        columns = ["annee", *by, *[c for c in frames[0].columns if c != "annee" and c not in by]]
        order = table[[*by, "annee"]].sort_values([*by, "annee"]).index
        table, mask = table.loc[order, columns].reset_index(drop=True), mask.loc[order, columns].reset_index(drop=True)
        if annees is not None:
            keep = table["annee"].isin(list(annees)).to_numpy()
            table, mask = table[keep].reset_index(drop=True), mask[keep].reset_index(drop=True)
        detail = {"lignes": 0, "primaire": 0, "secondaire": 0, "derivees": 0, "liees": 0}
        return Suppression(table=table, masque=mask, seuil=self.seuil, detail=detail)


def _atoms(dataset: Dataset, extra: Sequence[str]) -> tuple[pd.DataFrame, list[str]]:
    """The atoms (keys, salaried flag, the ``sites`` sheet's attributes of their site) and their key columns."""
    keys = [*ATOM_KEYS, *[c for c in extra if c in dataset.parcours.columns and c not in ATOM_KEYS]]
    atoms = (dataset.parcours[keys].drop_duplicates().sort_values(keys, na_position="last")
             .reset_index(drop=True))
    atoms["salarie"] = np.asarray(is_salaried(atoms["dispositif"]), dtype=bool)
    if dataset.sites is not None:
        attributes = dataset.sites.drop_duplicates("site").set_index("site")
        for col in attributes.columns:
            if col not in atoms:
                atoms[col] = atoms["site"].map(attributes[col])
    return atoms, keys


class _Union:
    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def join(self, items: Iterable[int]) -> None:
        items = list(items)
        for j in items[1:]:
            a, b = self.find(items[0]), self.find(j)
            if a != b:
                self.parent[max(a, b)] = min(a, b)


def _perimeter_sets(atoms: pd.DataFrame, groupings: Sequence[Sequence[str]],
                    briefs: Sequence[tuple[str | None, Sequence[str] | None]],
                    inclure_non_salaries: bool) -> list[frozenset[int]]:
    """The atoms of every perimeter: the groups of each grouping, then the perimeter of a brief on each
    structure, on each site, and of each of ``briefs``; duplicates (same atoms) once."""
    out: list[frozenset[int]] = []
    rows = atoms if inclure_non_salaries else atoms.loc[atoms["salarie"]]
    for by in groupings:
        groups = rows.groupby(list(by), sort=True, dropna=True) if by else [((), rows)]
        out += [frozenset(part.index.tolist()) for _, part in groups]
    every = [(s, None) for s in sorted(atoms["structure"].unique())]
    every += [(s, [site]) for s, site in atoms[["structure", "site"]].drop_duplicates().itertuples(index=False)]
    for structure, sites, *_ in [*every, *briefs]:
        out.append(_brief_atoms(atoms, structure, sites))
    seen: dict[frozenset[int], None] = {}
    for s in out:
        if s:
            seen.setdefault(s)
    return list(seen)


def _brief_atoms(atoms: pd.DataFrame, structure: str | None, sites: Sequence[str] | None) -> frozenset[int]:
    """The atoms of a brief's perimeter: its salaried dispositifs, or all when it has none."""
    sel = np.ones(len(atoms), dtype=bool)
    if structure is not None:
        sel &= atoms["structure"].eq(structure).to_numpy()
    if sites:
        sel &= atoms["site"].isin(list(sites)).to_numpy()
    salaried = sel & atoms["salarie"].to_numpy()
    return frozenset(atoms.index[salaried if salaried.any() else sel].tolist())


def _pools_for(per: Perimeter, annee: int) -> list[tuple[int, ...]]:
    """The periods of :data:`POOL_YEARS` years ending at ``annee`` (back to the perimeter's first year; a
    shorter first period when at least two years are left) when the perimeter's own table masks its
    headline rate of ``annee``; none otherwise."""
    if annee not in per.shown or per.shown[annee].get(HEADLINE, True):
        return []
    years = [int(y) for y in per.table.index if int(y) <= annee]
    first = min(years)
    pools, end = [], annee
    while end >= first:
        chunk = tuple(range(max(first, end - POOL_YEARS + 1), end + 1))
        if len(chunk) >= 2:
            pools.append(chunk)
        end -= POOL_YEARS
    return sorted(pools)


def _add_pools(perimeters: list[Perimeter], atoms: pd.DataFrame, briefs, seuil: int, exact_atoms: int) -> None:
    """Pool the perimeter of each brief given with its year (``(structure, sites, annee)``) whose headline its own
    table masks; perimeters linked by interval propagation (beyond ``exact_atoms``) are not pooled."""
    by_atoms = {per.atoms: per for per in perimeters}
    for brief in briefs:
        if len(brief) < 3 or brief[2] is None:
            continue
        per = by_atoms.get(_brief_atoms(atoms, brief[0], brief[1]))
        if per is None or (per.structure is None and len(atoms) > exact_atoms):
            continue
        pools = _pools_for(per, int(brief[2]))
        if pools and set(pools) - set(per.pools):
            per.pool(sorted(set(per.pools) | set(pools)))
            per.suppress(seuil)


def _blocks(years: list[int], perimeters: list[Perimeter]) -> list[tuple[int, ...]]:
    """The years tested together: one block per set of years joined by a pooled period."""
    position = {y: i for i, y in enumerate(years)}
    union = _Union(len(years))
    for per in perimeters:
        for pool in per.pools:
            union.join(position[y] for y in pool if y in position)
    groups: dict[int, list[int]] = defaultdict(list)
    for y in years:
        groups[union.find(position[y])].append(y)
    return sorted(tuple(sorted(g)) for g in groups.values())


def _tables(dataset: Dataset, atoms: pd.DataFrame, keys: list[str], sets: list[frozenset[int]],
            groupings: Sequence[Sequence[str]], regle: str | None) -> dict[frozenset[int], pd.DataFrame]:
    """The indicator table (index = year) of every perimeter: from the grouped tables when the perimeter is a
    group of one of ``groupings``, else computed on the perimeter's parcours."""
    out: dict[frozenset[int], pd.DataFrame] = {}
    wanted = set(sets)
    for by in groupings:
        for include in (False, True):
            table = compute_indicators(dataset, by=list(by), inclure_non_salaries=include, regle=regle)
            rows = atoms if include else atoms.loc[atoms["salarie"]]
            if include and not any(frozenset(part.index.tolist()) in wanted and frozenset(part.index.tolist())
                                   not in out for _, part in (rows.groupby(list(by), dropna=True) if by
                                                              else [((), rows)])):
                continue
            groups = rows.groupby(list(by), sort=True, dropna=True) if by else [((), rows)]
            for values, part in groups:
                key = frozenset(part.index.tolist())
                if key in out or key not in wanted:
                    continue
                values = values if isinstance(values, tuple) else (values,)
                sel = np.ones(len(table), dtype=bool)
                for c, v in zip(by, values, strict=True):
                    sel &= table[c].eq(v).to_numpy()
                out[key] = table.loc[sel].drop(columns=list(by)).set_index("annee")
    missing = [key for key in sets if key not in out]
    if missing:
        p = dataset.parcours
        atom_of_row = p[keys].merge(atoms[keys].reset_index(), on=keys, how="left")["index"].to_numpy()
        for key in missing:
            rows = np.isin(atom_of_row, sorted(key))
            out[key] = compute_indicators(_restrict(dataset, rows), inclure_non_salaries=True,
                                          regle=regle).set_index("annee")
    return out


def _restrict(dataset: Dataset, rows: np.ndarray) -> Dataset:
    """The dataset with the parcours of ``rows`` only (hours follow their parcours)."""
    p = dataset.parcours.loc[rows]
    hours = dataset.heures
    if hours is not None:
        hours = hours[hours["id_parcours"].isin(p["id_parcours"])]
    return replace(dataset, parcours=p, heures=hours)


# --------------------------------------------------------------------------- the linked system of one year


@dataclass(frozen=True)
class CellRef:
    """A cell of the release: a perimeter, a year (or a pooled period: a tuple of years), a cell name of a family."""

    perimeter: frozenset[int]
    annee: int | tuple[int, ...]
    cell: str


@dataclass
class _Cell:
    ref: CellRef
    coef: dict[str, float]
    true: float  # the perimeter's value
    proxy: float  # the sum over its atoms (persons counted as additive)
    published: bool
    masked: bool  # hidden by a mask (a derived-only cell is hidden without being masked)
    maskable: bool = False  # shown in a table row (not derived only, not a year without activity)


@dataclass
class _System:
    """Unknowns: (atom, base) pairs; equality rows ``A x = b`` and inequality rows ``G x <= h``, each row with
    the published cells a complementary mask may be chosen from (empty: a structural relation)."""

    variables: dict[tuple[int, str], int] = field(default_factory=dict)
    truth: np.ndarray | None = None  # the atoms' values, in the order of ``variables``
    rows: list[tuple[dict[int, float], float, tuple[CellRef, ...]]] = field(default_factory=list)
    ineq: list[tuple[dict[int, float], float, tuple[CellRef, ...]]] = field(default_factory=list)
    #: What is computed from the rows, for the rows as they are (rows are only ever appended: their counts
    #: and the number of unknowns name the state): the dense arrays, the signature, the HiGHS model.
    _state: tuple[int, int, int] | None = field(default=None, repr=False)
    _derived: dict = field(default_factory=dict, repr=False)

    def _memo(self, name: str, compute):
        state = (len(self.variables), len(self.rows), len(self.ineq))
        if state != self._state:
            self._state, self._derived = state, {}
        if name not in self._derived:
            self._derived[name] = compute()
        return self._derived[name]

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``A, b, G, h`` as dense arrays (computed once per state of the rows)."""
        return self._memo("arrays", lambda: (*self.dense(self.rows), *self.dense(self.ineq)))

    def model(self) -> _Model:
        """The system as a HiGHS model, built once per state of the rows, its objective changed per cell."""
        return self._memo("model", lambda: _Model(*self.arrays()))

    def vector(self, atoms: Iterable[int], coef: dict[str, float]) -> dict[int, float]:
        out: dict[int, float] = {}
        for a in atoms:
            for b, v in coef.items():
                key = (a, b)
                if key not in self.variables:
                    self.variables[key] = len(self.variables)
                out[self.variables[key]] = out.get(self.variables[key], 0.0) + v
        return out

    def dense(self, rows) -> tuple[np.ndarray, np.ndarray]:
        m = np.zeros((len(rows), len(self.variables)))
        for i, (vec, _, _) in enumerate(rows):
            for j, v in vec.items():
                m[i, j] = v
        return m, np.array([r[1] for r in rows], dtype=float)

    def signature(self) -> int:
        return self._memo("signature", lambda: hash(tuple((tuple(sorted(v.items())), round(r, 9))
                                                           for v, r, _ in [*self.rows, *self.ineq])))

    def densify(self, vec: dict[int, float]) -> np.ndarray:
        out = np.zeros(len(self.variables))
        for j, v in vec.items():
            out[j] = v
        return out


def _bounds(system: _System, f: np.ndarray, arrays, enough: float = np.inf) -> tuple[float, float, set[int], set[int]]:
    """Min and max of ``f . x`` over the system (x >= 0) and the equality / inequality rows that bind. The max
    is computed first: when it reaches ``enough``, the min is taken as 0 (the interval is wide enough)."""
    from scipy.optimize import linprog  # scipy is heavy to import: only when a release is computed

    a, b, g, h = arrays
    out = []
    binding_eq: set[int] = set()
    binding_ineq: set[int] = set()
    for sign in (-1.0, 1.0):
        if sign > 0 and out[0] >= enough:
            out.append(0.0)
            break
        res = linprog(sign * f, A_eq=a if len(a) else None, b_eq=b if len(a) else None,
                      A_ub=g if len(g) else None, b_ub=h if len(g) else None, bounds=(0, None), method="highs")
        if res.status == 3:  # unbounded
            out.append(-np.inf if sign > 0 else np.inf)
            continue
        if res.status != 0:
            raise RuntimeError(f"programme linéaire du secret statistique non résolu : {res.message}")
        out.append(sign * res.fun)
        if len(a):
            binding_eq |= set(np.flatnonzero(np.abs(res.eqlin.marginals) > _TOL).tolist())
        if len(g):
            binding_ineq |= set(np.flatnonzero(np.abs(res.ineqlin.marginals) > _TOL).tolist())
    return out[1], out[0], binding_eq, binding_ineq


#: A bound test passes on the reused model's values when the width is at least the threshold less this much
#: (half the tolerance of :func:`_check_system`: widths are sums of counts, on the threshold or well away from
#: it); below (a failing cell), the reference linear programs of :func:`_bounds` decide and name the rows.
_SLACK = _TOL / 2


class _Model:
    """One HiGHS model of ``A x = b``, ``G x <= h``, ``x >= 0``, kept for the many objectives of one system: each
    solve changes the objective only and starts from the previous basis (the system's linear programs differ in
    nothing else; a fresh program each time is what made large releases slow). It gives the bounds' values;
    which rows bind (dual values, which depend on where the solver starts) is taken from :func:`_bounds` only,
    so the complementary cells chosen do not depend on the order of the tests."""

    def __init__(self, a: np.ndarray, b: np.ndarray, g: np.ndarray, h: np.ndarray) -> None:
        highspy = _highspy()
        self._status = highspy.HighsModelStatus
        self.highs = highs = highspy.Highs()
        highs.setOptionValue("output_flag", False)
        self.n = a.shape[1]
        self.columns = np.arange(self.n, dtype=np.int32)
        highs.addVars(self.n, np.zeros(self.n), np.full(self.n, highspy.kHighsInf))
        for matrix, lower, upper in ((a, b, b), (g, np.full(len(h), -highspy.kHighsInf), h)):
            if len(matrix):  # row-wise sparse: where each row starts among the non-zero entries, read row by row
                rows, columns = np.nonzero(matrix)
                starts = np.searchsorted(rows, np.arange(len(matrix))).astype(np.int32)
                highs.addRows(len(matrix), lower, upper, len(rows), starts, columns.astype(np.int32),
                              matrix[rows, columns])

    def optimum(self, f: np.ndarray, sign: float) -> float | None:
        """The min (``sign`` 1) or max (-1) of ``f . x``; None when HiGHS ends otherwise than optimal or unbounded."""
        self.highs.changeColsCost(self.n, self.columns, sign * f)
        self.highs.run()
        status = self.highs.getModelStatus()
        if status == self._status.kOptimal:
            return sign * self.highs.getInfo().objective_function_value
        if status == self._status.kUnbounded:
            return -sign * np.inf
        return None


@cache
def _highspy():
    """The highspy module, once its first model has been made with the process's output pointed elsewhere: the
    HiGHS library writes its banner there, once, before any option can turn it off (in a notebook it would
    appear below the cell)."""
    import highspy  # with scipy: only when a release is computed

    if sys.stdout is not None:
        sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no output at all (closed by the caller): nothing to keep clean
        highspy.Highs()
        return highspy
    try:
        with open(os.devnull, "w") as sink:
            os.dup2(sink.fileno(), 1)
            highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    return highspy


def _interval(system: _System, f: np.ndarray, enough: float = np.inf) -> tuple[float, float] | None:
    """Min and max of ``f . x`` as :func:`_bounds` computes them (the max first; the min taken as 0 when the max
    reaches ``enough``), from the system's reused model; None when the model gives no answer."""
    model = system.model()
    high = model.optimum(f, -1.0)
    if high is None or high >= enough:
        return None if high is None else (0.0, high)
    low = model.optimum(f, 1.0)
    return None if low is None else (low, high)


def _wide(f: np.ndarray, null: np.ndarray, truth: np.ndarray | None, seuil: int, g: np.ndarray,
          h: np.ndarray) -> bool:
    """A cheap proof that the cell's interval is at least ``seuil`` wide: along one direction of the null space
    from the true values, staying non-negative (and within the inequality rows), the cell moves that far.
    False proves nothing (the linear programs decide)."""
    if truth is None or null.size == 0:
        return False
    # First the steepest direction (f projected on the null space), then each basis direction: more cells are
    # settled here, fewer by linear programs (a witness only proves; the tests' outcome is the same).
    steepest = null @ (null.T @ f)
    for d in (steepest, *null.T):
        slope = float(f @ d)
        if abs(slope) < _TOL:
            continue
        with np.errstate(divide="ignore", invalid="ignore"):
            up = np.where(d < -_TOL, truth / -d, np.inf).min()
            down = np.where(d > _TOL, truth / d, np.inf).min()
        if len(g):
            gd, slack = g @ d, h - g @ truth
            with np.errstate(divide="ignore", invalid="ignore"):
                up = min(up, np.where(gd > _TOL, slack / gd, np.inf).min())
                down = min(down, np.where(gd < -_TOL, slack / -gd, np.inf).min())
        if (up + down) * abs(slope) >= seuil:
            return True
    return False


def _derivation(a: np.ndarray, f: np.ndarray) -> list[int]:
    """The rows of a sparse derivation of ``f`` (least l1 norm of the coefficients ``l`` with ``a.T l = f``):
    the published cells that, together, give the masked one."""
    from scipy.optimize import linprog  # see _bounds

    n = len(a)
    res = linprog(np.ones(2 * n), A_eq=np.hstack([a.T, -a.T]), b_eq=f, bounds=(0, None), method="highs")
    if res.status != 0:
        lam = np.linalg.lstsq(a.T, f, rcond=None)[0]
    else:
        lam = res.x[:n] - res.x[n:]
    return np.flatnonzero(np.abs(lam) > 1e-6).tolist()


@dataclass
class _Violation:
    cell: _Cell
    candidates: tuple[CellRef, ...]
    reason: str  # "rang" or "borne"


def _check_system(system: _System, cells: list[_Cell], seuil: int, passed: set[CellRef]) -> list[_Violation]:
    """The rank and bound tests on the hidden cells of one connected system. ``passed``: cells that passed
    in an earlier round (masking more cells only removes constraints: they still pass); updated."""
    from scipy.linalg import null_space  # see _bounds

    # A masked 0 reveals nobody: it matters only when it pins a non-zero cell, which is tested itself.
    hidden = [c for c in cells if not c.published and c.true != 0 and (c.masked or c.true < seuil)
              and c.ref not in passed]
    if not hidden or not system.variables:
        return []
    a, b, g, h = system.arrays()
    null = null_space(a) if len(a) else np.eye(len(system.variables))
    out = []
    for cell in hidden:
        f = system.densify(system.vector(sorted(cell.ref.perimeter), cell.coef))
        if np.linalg.norm(f @ null) <= _TOL * max(1.0, np.linalg.norm(f)):
            rows = _derivation(a, f)
            out.append(_Violation(cell, tuple(r for i in rows for r in system.rows[i][2]), "rang"))
            continue
        if not 1 <= cell.true < seuil or _wide(f, null, system.truth, seuil, g, h):
            passed.add(cell.ref)
            continue
        fast = _interval(system, f, cell.true + seuil)
        if fast is not None and fast[1] - fast[0] >= seuil - _SLACK:
            passed.add(cell.ref)
            continue
        low, high, eq, ineq = _bounds(system, f, (a, b, g, h), cell.true + seuil)
        if high - low < seuil - _TOL:
            refs = tuple(r for i in sorted(eq) for r in system.rows[i][2])
            refs += tuple(r for i in sorted(ineq) for r in system.ineq[i][2])
            out.append(_Violation(cell, refs, "borne"))
        else:
            passed.add(cell.ref)
    return out


# --------------------------------------------------------------------------- the release


MAX_ITERATIONS = 100
#: Up to this many atoms, the whole release is one exact system (beyond, see « Cost » above).
EXACT_ATOMS = 60
_MISSING = "\0manquant"


@dataclass
class _Release:
    """Working state of :func:`linked_suppression`."""

    seuil: int
    atoms: pd.DataFrame
    values: dict[int, dict[int, np.ndarray]]  # atom -> year -> UNKNOWNS
    perimeters: list[Perimeter]
    aggregates: dict[int, list[int]]  # perimeter -> its parts (perimeters of one structure each)
    component: dict[int, int]  # atom -> component
    years: list[int]
    blocks: list[tuple[int, ...]] = field(default_factory=list)  # years tested together (pooled periods)
    clean: dict[tuple, tuple[bool, ...]] = field(default_factory=dict)  # passed, with these cells shown
    passed: set[CellRef] = field(default_factory=set)  # hidden cells that passed both tests
    spans: dict[frozenset[int], int] = field(default_factory=dict)  # perimeter -> structures it spans
    index: dict[frozenset[int], int] = field(default_factory=dict)  # perimeter -> its position
    intervals: dict = field(default_factory=dict)  # (cell, system signature) -> its interval in that system
    clean_components: dict = field(default_factory=dict)  # (year, family, component) -> signature when it passed

    def lonely(self, ref: CellRef) -> bool:
        """True when masking ``ref`` would leave it the only hidden cell of a relation of its table (the
        table's secondary suppression would then have to mask one more)."""
        per = self.perimeters[self.index[ref.perimeter]]
        shown = per.pool_shown.get(ref.annee, {}) if isinstance(ref.annee, tuple) else per.shown.get(ref.annee, {})
        for total, parts in RELATIONS:
            cells = [total, *parts]
            if ref.cell in cells and all(shown.get(c, True) for c in cells if c != ref.cell):
                return True
        return False

    def prepare(self) -> None:
        """Numbers the cells need, as arrays: per perimeter and year, the unknowns of the perimeter (its true
        values) and their sum over its atoms (the additive values)."""
        names = list(UNKNOWNS)
        zero = np.zeros(len(names))
        for per in self.perimeters:
            frame = atom_values(per.table)[names]
            per.values = {int(y): v for y, v in zip(per.table.index, frame.to_numpy(dtype=float), strict=True)}
            per.proxy = {y: sum((self.values.get(a, {}).get(y, zero) for a in per.atoms), zero.copy())
                         for y in self.years}


def _cells(release: _Release, index: int, year: int, family: Family, tag: bool = False) -> list[_Cell]:
    """The cells of one perimeter, year and family, with their values and whether they are published
    (``tag``: the unknowns are named per year, the year being tested in a block with others)."""
    per = release.perimeters[index]
    coefs = _coefficients(family)
    proxy = coefs @ per.proxy[year]
    if year in per.values:
        true = coefs @ per.values[year]
        shown = per.shown[year]
    else:  # no activity that year: every cell is known to be 0
        true, shown = np.zeros(len(coefs)), None
    out = []
    for k, (name, coef) in enumerate(family.cells.items()):
        columns = family.columns[name]
        if shown is None:
            published, masked = True, False
        elif columns is None:
            published, masked = False, False
        else:
            hidden = any(not shown.get(c, True) for c in columns)
            published, masked = not hidden, hidden
        named = {f"{year}|{b}": v for b, v in coef.items()} if tag else coef
        out.append(_Cell(CellRef(per.atoms, year, name), named, float(true[k]), float(proxy[k]), published, masked,
                         maskable=published and shown is not None and columns is not None))
    return out


def _pool_cells(release: _Release, index: int, pool: tuple[int, ...], family: Family) -> list[_Cell]:
    """The pooled cells of one perimeter and period: each the sum of its years (unknowns named per year)."""
    per = release.perimeters[index]
    coefs = _coefficients(family)
    zero = np.zeros(len(UNKNOWNS))
    true = coefs @ sum((per.values.get(y, zero) for y in pool), zero.copy())
    proxy = coefs @ sum((per.proxy[y] for y in pool), zero.copy())
    shown = per.pool_shown[pool]
    out = []
    for k, (name, coef) in enumerate(family.cells.items()):
        columns = family.columns[name]
        hidden = columns is None or any(not shown.get(c, True) for c in columns)
        named = {f"{y}|{b}": v for y in pool for b, v in coef.items()}
        out.append(_Cell(CellRef(per.atoms, pool, name), named, float(true[k]), float(proxy[k]), not hidden,
                         hidden and columns is not None, maskable=not hidden and columns is not None))
    return out


def _unit_cells(release: _Release, index: int, block: tuple[int, ...], family: Family) -> list[_Cell]:
    """Every cell of one perimeter in a block of years: its cells of each year, then its pooled periods."""
    tag = len(block) > 1
    out = [c for y in block for c in _cells(release, index, y, family, tag)]
    per = release.perimeters[index]
    return out + [c for pool in per.pools if set(pool) <= set(block) for c in _pool_cells(release, index, pool, family)]


UNKNOWNS: tuple[str, ...] = tuple(dict.fromkeys(b for f in FAMILIES for b in f.base))


@cache
def _coefficients(family: Family) -> np.ndarray:
    """The family's cells as rows of coefficients over :data:`UNKNOWNS`."""
    position = {b: i for i, b in enumerate(UNKNOWNS)}
    out = np.zeros((len(family.cells), len(UNKNOWNS)))
    for k, coef in enumerate(family.cells.values()):
        for b, v in coef.items():
            out[k, position[b]] = v
    return out


def _year_family(release: _Release, block: tuple[int, ...], family: Family,
                 cells: dict[int, list[_Cell]]) -> list[_Violation]:
    """Every failing cell of one block of years and family (``cells``: per perimeter), over all components."""
    systems = _systems(release, block, family)
    cells_of: dict[int, list[_Cell]] = defaultdict(list)
    for i, per in enumerate(release.perimeters):
        if i in release.aggregates:
            continue
        comp = release.component[min(per.atoms)]
        system = systems[comp]
        for cell in cells[i]:
            cells_of[comp].append(cell)
            if cell.published:
                system.rows.append((system.vector(sorted(per.atoms), cell.coef), cell.proxy, (cell.ref,)))
    out: list[_Violation] = []
    for i, parts in release.aggregates.items():
        out += _aggregate(release, systems, cells, i, parts)
    for comp, system in systems.items():
        key, signature = (block, family.name, comp), (system.signature(), tuple(c.published for c in cells_of[comp]))
        if release.clean_components.get(key) == signature:
            continue  # unchanged since it passed
        found = _check_system(system, cells_of[comp], release.seuil, release.passed)
        if not found:
            release.clean_components[key] = signature
        out += found
    return out


def _systems(release: _Release, block: tuple[int, ...], family: Family) -> dict[int, _System]:
    """One system per component: the unknowns of its atoms (per year of the block when it has several), their
    true values and the per-atom equalities."""
    systems: dict[int, _System] = {}
    position = [UNKNOWNS.index(b) for b in family.base]
    tag = len(block) > 1
    for comp in sorted(set(release.component.values())):
        system = systems[comp] = _System()
        truth = []
        for a in sorted(a for a, c in release.component.items() if c == comp):
            for year in block:
                def named(coef: dict[str, float], y: int = year) -> dict[str, float]:
                    return {f"{y}|{b}": v for b, v in coef.items()} if tag else coef

                system.vector([a], named(dict.fromkeys(family.base, 1.0)))
                values = release.values.get(a, {}).get(year)
                truth += [0.0] * len(position) if values is None else values[position].tolist()
                for eq in family.structural:
                    system.rows.append((system.vector([a], named(eq)), 0.0, ()))
        system.truth = np.array(truth)
    return systems


def _aggregate(release: _Release, systems: dict[int, _System], cells: dict[int, list[_Cell]], index: int,
               parts: list[int]) -> list[_Violation]:
    """An aggregate perimeter (the whole dataset: the sum of its structures) linked to its parts: exactly when
    at most one part hides the cell, by interval propagation otherwise. Returns its own failing cells."""
    out = []
    for k, cell in enumerate(cells[index]):
        part_cells = [cells[p][k] for p in parts]
        hidden = [(p, c) for p, c in zip(parts, part_cells, strict=True) if not c.published]
        known = [c for c in part_cells if c.published]
        rest = cell.proxy - sum(c.proxy for c in known)
        refs = tuple(c.ref for c in known)
        if cell.published:
            if len(hidden) == 1:
                p, c = hidden[0]
                system = systems[release.component[min(release.perimeters[p].atoms)]]
                system.rows.append((system.vector(sorted(c.ref.perimeter), c.coef), rest, (cell.ref, *refs)))
            elif len(hidden) > 1:
                _propagate(release, systems, hidden, rest, (cell.ref, *refs))
            continue
        if cell.true == 0 or not (cell.masked or cell.true < release.seuil):
            continue
        if not hidden:
            out.append(_Violation(cell, refs, "rang"))
            continue
        low, high = _part_intervals(release, systems, hidden)
        width = float(np.sum(high) - np.sum(low))
        if width <= _TOL or (1 <= cell.true < release.seuil and width < release.seuil - _TOL):
            out.append(_Violation(cell, refs, "rang" if width <= _TOL else "borne"))
    return out


def _part_intervals(release: _Release, systems: dict[int, _System], hidden) -> tuple[np.ndarray, np.ndarray]:
    """The interval of each hidden part's cell in its own system (kept while that system does not change)."""
    lows, highs = [], []
    for p, c in hidden:
        system = systems[release.component[min(release.perimeters[p].atoms)]]
        key = (c.ref, system.signature())
        if key not in release.intervals:
            f = system.densify(system.vector(sorted(c.ref.perimeter), c.coef))
            fast = _interval(system, f)
            release.intervals[key] = fast if fast is not None else _bounds(system, f, system.arrays())[:2]
        low, high = release.intervals[key]
        lows.append(low)
        highs.append(high)
    return np.array(lows), np.array(highs)


def _propagate(release: _Release, systems: dict[int, _System], hidden, total: float,
               refs: tuple[CellRef, ...]) -> None:
    """Bounds on each hidden part from the others' intervals: total - sum(others' highs) <= part <=
    total - sum(others' lows), added to the part's system when tighter."""
    low, high = _part_intervals(release, systems, hidden)
    for i, (p, c) in enumerate(hidden):
        others_high, others_low = np.delete(high, i), np.delete(low, i)
        new_low = total - float(np.sum(others_high)) if np.isfinite(others_high).all() else -np.inf
        new_high = total - float(np.sum(others_low))
        system = systems[release.component[min(release.perimeters[p].atoms)]]
        vec = system.vector(sorted(c.ref.perimeter), c.coef)
        if np.isfinite(new_high) and new_high < high[i] - _TOL:
            system.ineq.append((vec, new_high, refs))
        if np.isfinite(new_low) and new_low > low[i] + _TOL:
            system.ineq.append(({j: -v for j, v in vec.items()}, -new_low, refs))


#: What masking a cell costs the reader: the total of exits feeds no rate, the denominator feeds them all.
_COST = {"sorties": 0, DENOMINATOR: 2}


def _complement(violation: _Violation, published: dict[CellRef, _Cell], seuil: int,
                chosen: set[CellRef], spans: dict[frozenset[int], int], lonely) -> CellRef | None:
    """The published cell to mask: among those that pin the failing cell and count at least ``seuil`` persons,
    one that its own table would not give back at once (``lonely``), the cheapest (:data:`_COST`), of the
    perimeter spanning most structures (``spans``), the smallest; else the largest cell (None when one
    already chosen in this round pins it)."""
    candidates = [published[r] for r in dict.fromkeys(violation.candidates) if r in published]
    if any(c.ref in chosen for c in candidates):
        return None
    if not candidates:  # pinned by hidden cells only (an aggregate of hidden parts): fixed through them
        return None
    large = [c for c in candidates if c.true >= seuil]
    if large:  # the whole network's table first (the briefs keep their figures), the rates' denominator last
        return min(large, key=lambda c: (lonely(c.ref), _COST.get(c.ref.cell, 1), -spans[c.ref.perimeter], c.true,
                                         _order(c.ref))).ref
    return min(candidates, key=lambda c: (-c.true, _order(c.ref))).ref


def _order(ref: CellRef) -> list:
    return [len(ref.perimeter), sorted(ref.perimeter), ref.cell]


def _round(release: _Release) -> dict[int, set[tuple[int, tuple[str, ...]]]]:
    """One pass of the tests over every year and family: the cells to mask, per perimeter. RuntimeError when
    a cell fails and no published cell can be masked for it."""
    index = {per.atoms: i for i, per in enumerate(release.perimeters)}
    changes: dict[int, set[tuple[int, tuple[str, ...]]]] = defaultdict(set)
    for family in FAMILIES:
        units = release.blocks if family is FAMILIES[0] else [(y,) for y in release.years]
        for block in units:
            per_perimeter = {i: _unit_cells(release, i, block, family) for i in range(len(release.perimeters))}
            cells = [c for i in sorted(per_perimeter) for c in per_perimeter[i]]
            signature = tuple(c.published for c in cells)
            if release.clean.get((block, family.name)) == signature:
                continue  # nothing changed since this block and family passed the tests
            violations = _year_family(release, block, family, per_perimeter)
            if not violations:
                release.clean[(block, family.name)] = signature
                continue
            published = {c.ref: c for c in cells if c.maskable}
            chosen: set[CellRef] = set()
            for v in sorted(violations, key=lambda v: (_order(v.cell.ref), v.reason)):
                ref = _complement(v, published, release.seuil, chosen, release.spans, release.lonely)
                if ref is None:
                    continue
                chosen.add(ref)
                columns = family.columns[ref.cell]
                forced = columns if ref.cell.endswith("_n") else columns[:1]
                changes[index[ref.perimeter]].add((ref.annee, forced))
            if not chosen:
                raise RuntimeError(f"secret statistique : aucune cellule complémentaire possible pour "
                                   f"{violations[0].cell.ref.cell} ({violations[0].cell.ref.annee})")
    return changes


def linked_suppression(dataset: Dataset, seuil: int = DEFAULT_THRESHOLD,
                       briefs: Sequence[tuple] = (),
                       groupings: Sequence[Sequence[str]] = (), inclure_non_salaries: bool = False,
                       exact_atoms: int = EXACT_ATOMS, regle: str | None = None) -> ReleaseMask:
    """Mask every table of one release together (see the module docstring).

    ``briefs``: the (structure, sites) perimeter of each brief of a batch, or (structure, sites, annee): its
    perimeter is then pooled when its own table masks its headline rate of ``annee`` (« Pooled periods »,
    :meth:`ReleaseMask.pooled`); ``groupings``: extra grouping
    columns published besides the standard ones (``iae-impact indicateurs --par``); ``inclure_non_salaries``:
    the grouped tables count the non-salaried programmes too (``--non-salaries``); ``regle``: the exit-rule
    variant of every table (``data/reference/regles_sortie.csv``; default: the written rule); ``exact_atoms``: up to
    this many atoms, one exact system (no interval propagation across structures). Every perimeter's mask
    is then :meth:`ReleaseMask.suppression` (or :meth:`ReleaseMask.brief`, :meth:`ReleaseMask.grouped`).
    """
    groupings = [*STANDARD_GROUPINGS, *(tuple(g) for g in groupings if tuple(g) not in STANDARD_GROUPINGS)]
    extra = sorted({c for g in groupings for c in g if c not in ATOM_KEYS})
    p = dataset.parcours
    filled = [c for c in extra if c in p.columns and p[c].isna().any()]
    work = replace(dataset, parcours=p.assign(**{c: p[c].astype(object).fillna(_MISSING) for c in filled})) \
        if filled else dataset
    atoms, keys = _atoms(work, extra)
    sets = _perimeter_sets(atoms.replace(dict.fromkeys(filled, {_MISSING: np.nan})) if filled else atoms,
                           groupings, briefs, inclure_non_salaries)
    tables = _tables(work, atoms, keys, sets, groupings, regle)
    per_atom = compute_indicators(work, by=keys, inclure_non_salaries=True, regle=regle)
    at = per_atom[keys].merge(atoms[keys].reset_index(), on=keys, how="left")["index"].to_numpy()
    unknowns = atom_values(per_atom)[list(UNKNOWNS)].to_numpy(dtype=float)
    values: dict[int, dict[int, np.ndarray]] = defaultdict(dict)
    for a, y, v in zip(at, per_atom["annee"].to_numpy(), unknowns, strict=True):
        values[int(a)][int(y)] = v
    if filled:
        atoms[filled] = atoms[filled].replace(_MISSING, np.nan)
    perimeters = []
    forcible = [c for c in tables[sets[0]].columns if c in (*dict(RELATIONS), *EXIT_LEAVES, "sorties", "entrees",
                                                          "personnes") or c.startswith("part_")]
    for key in sets:
        table = tables[key]
        structures = atoms.loc[sorted(key), "structure"].unique()
        per = Perimeter(key, table, pd.DataFrame(False, index=table.index, columns=forcible),
                        structures[0] if len(structures) == 1 else None)
        per.suppress(seuil)
        perimeters.append(per)
    _add_pools(perimeters, atoms, briefs, seuil, exact_atoms)
    years = sorted({int(y) for per in perimeters for y in per.table.index})
    release = _Release(int(seuil), atoms, values, perimeters, *_layout(atoms, perimeters, exact_atoms),
                       years=years, blocks=_blocks(years, perimeters))
    release.prepare()
    release.spans = {per.atoms: int(atoms.loc[sorted(per.atoms), "structure"].nunique()) for per in perimeters}
    release.index = {per.atoms: i for i, per in enumerate(perimeters)}
    own = sum(_masked_cells(per) for per in perimeters)
    rounds = _iterate(release)
    added = sum(_masked_cells(per) for per in perimeters) - own
    return ReleaseMask(dataset, int(seuil), atoms, {per.atoms: per for per in perimeters}, iterations=rounds,
                       added=added, regle=regle)


def _masked_cells(per: Perimeter) -> int:
    pooled = 0 if per.pool_suppression is None else int(per.pool_suppression.masque.to_numpy().sum())
    return int(per.mask.to_numpy().sum()) + pooled


def _iterate(release: _Release) -> int:
    """Test and mask until every cell passes; returns the number of rounds."""
    for rounds in range(1, MAX_ITERATIONS + 1):
        changes = _round(release)
        if not changes:
            return rounds
        for i, cells in changes.items():
            per = release.perimeters[i]
            for year, columns in cells:
                if isinstance(year, tuple):
                    position = per.pools.index(year)
                    per.pool_forced.iloc[position, [per.pool_forced.columns.get_loc(c) for c in columns
                                                    if c in per.pool_forced.columns]] = True
                elif year in per.forced.index:
                    per.forced.loc[year, [c for c in columns if c in per.forced.columns]] = True
            per.suppress(release.seuil)
    raise RuntimeError("secret statistique : le masquage des tableaux liés ne converge pas")


def _layout(atoms: pd.DataFrame, perimeters: list[Perimeter],
            exact_atoms: int) -> tuple[dict[int, list[int]], dict[int, int]]:
    """The aggregates (a perimeter over several structures made of published perimeters of one structure each)
    and the component of each atom, linked by the other perimeters. With at most ``exact_atoms`` atoms, there
    is no aggregate: one exact system."""
    index = {per.atoms: i for i, per in enumerate(perimeters)}
    structure_of = atoms["structure"].to_dict()
    aggregates: dict[int, list[int]] = {}
    union = _Union(len(atoms))
    for i, per in enumerate(perimeters):
        if per.structure is None and len(atoms) > exact_atoms:
            by_structure: dict[str, set[int]] = defaultdict(set)
            for a in per.atoms:
                by_structure[structure_of[a]].add(a)
            parts = [index.get(frozenset(s)) for _, s in sorted(by_structure.items())]
            if all(p is not None for p in parts):
                aggregates[i] = parts
                continue
        union.join(sorted(per.atoms))
    component = {a: union.find(a) for a in range(len(atoms))}
    return aggregates, component


def nested_perimeters(release: ReleaseMask, briefs: dict[str, tuple[str | None, Sequence[str] | None]]
                      ) -> list[tuple[str, str]]:
    """Pairs (outer, inner) of briefs whose perimeter holds another one (a structure and one of its sites, a
    territory and one of its sites), in the order of ``briefs``."""
    atoms = {k: release.atoms_of(s, sites) for k, (s, sites) in briefs.items()}
    return [(a, b) for a in atoms for b in atoms if a != b and atoms[b] < atoms[a]]
