"""Linked tables of one release (issue 12.10): each attack of the issue reproduced on the masks each table
got alone, then shown closed by :func:`~iae_impact.analysis.release.linked_suppression`; and the rank and
bound tests, written here independently of the module, run on every table of the demo release."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.linalg import null_space
from scipy.optimize import linprog

from iae_impact.analysis.disclosure import apply_disclosure
from iae_impact.analysis.indicators import compute_indicators
from iae_impact.analysis.money import published_employment_exits
from iae_impact.analysis.release import linked_suppression, nested_perimeters
from iae_impact.base.paths import DEMO_DIR, PROJECT_ROOT
from iae_impact.data.selection import select_perimeter
from iae_impact.ingest import read_dataset
from iae_impact.report import brief, context
from iae_impact.report.text_disclosure import nested_warning
from iae_impact.rules.dispositifs import is_salaried
from iae_impact.run.batch import load_config

# slow: computes briefs or releases on the demo (seconds each); left out of make test-rapide
pytestmark = pytest.mark.slow

AMI = "A.M.I. Aude (fictif)"
AMIE = "AMIE (fictif)"
SEUIL = 5
LEAVES = ["retraits", "sorties_hors_seuil", "emploi_durable", "emploi_transition", "sorties_positives",
          "autres_sorties"]
EXIT_CELLS = {"sorties": LEAVES, "sorties_examinees": LEAVES[2:], "sorties_dynamiques": LEAVES[2:5],
              **{c: [c] for c in LEAVES}}


@pytest.fixture(scope="module")
def demo():
    return read_dataset(DEMO_DIR)


@pytest.fixture(scope="module")
def briefs():
    return [(n.structure, n.sites) for n in load_config(PROJECT_ROOT / "config" / "notes.yaml").notes]


@pytest.fixture(scope="module")
def release(demo, briefs):
    return linked_suppression(demo, SEUIL, briefs=briefs)


def alone(dataset, structure=None, sites=None):
    """A brief's table masked on its own (before linked suppression)."""
    sub = select_perimeter(dataset, structure=structure, sites=sites)
    table = compute_indicators(sub, inclure_non_salaries=not bool(is_salaried(sub.parcours["dispositif"]).any()))
    return table, apply_disclosure(table, SEUIL)


def cell(suppression, year, column):
    t = suppression.table
    return t.loc[t["annee"] == year, column].iloc[0]


# --- an independent checker: atoms as unknowns, every published cell an equation ------------------------------


def atoms_of(dataset, structure=None, sites=None, salaried=None):
    p = dataset.parcours
    sel = pd.Series(True, index=p.index)
    if structure is not None:
        sel &= p["structure"].eq(structure)
    if sites:
        sel &= p["site"].isin(sites)
    sal = is_salaried(p["dispositif"]) & sel
    sel = sal if (sal.any() if salaried is None else salaried) else sel
    return frozenset(map(tuple, p.loc[sel, ["structure", "site", "dispositif"]].drop_duplicates().to_numpy()))


def failures(dataset, published: dict[frozenset, pd.DataFrame], seuil=SEUIL, year=None):
    """Masked exit counts derivable (rank) or pinned narrower than ``seuil`` (bounds), and masked RSA shares
    likewise: [(perimeter, year, cell, why)]. ``published``: perimeter atoms -> its masked table."""
    atom_table = compute_indicators(dataset, by=["structure", "site", "dispositif"], inclure_non_salaries=True)
    atoms = sorted({tuple(r) for r in atom_table[["structure", "site", "dispositif"]].to_numpy()})
    index = {a: i for i, a in enumerate(atoms)}
    out = []
    years = sorted(atom_table["annee"].unique()) if year is None else [year]
    for y in years:
        rows = atom_table[atom_table["annee"] == y]
        x = {index[tuple(r[["structure", "site", "dispositif"]])]: r for _, r in rows.iterrows()}
        families = [(LEAVES, EXIT_CELLS, lambda r, c: r[c])]
        rsa = {"k": ["oui"], "n": ["oui", "non"]}
        families.append((["oui", "non"], rsa, lambda r, c: {"oui": round(r["part_rsa"] * r["part_rsa_n"]) if
                                                           r["part_rsa_n"] else 0,
                                                           "non": r["part_rsa_n"] - (round(r["part_rsa"] *
                                                           r["part_rsa_n"]) if r["part_rsa_n"] else 0)}[c]))
        for base, cells, value in families:
            out += _family_failures(y, x, index, base, cells, value, published, seuil)
    return out


def _published(table, y, name):
    row = table[table["annee"] == y]
    if row.empty:
        return True, 0.0  # no row: nothing that year
    if name in ("k", "n"):
        n = row["part_rsa_n"].iloc[0]
        return (not pd.isna(n) and (name == "n" or not pd.isna(row["part_rsa"].iloc[0]))), None
    return not pd.isna(row[name].iloc[0]), None


def _family_failures(y, x, index, base, cells, value, published, seuil):
    width = len(base)
    n_vars = len(index) * width
    truth = np.zeros(n_vars)
    for i, r in x.items():
        for j, b in enumerate(base):
            truth[i * width + j] = value(r, b)
    rows, hidden = [], []
    for atoms, table in published.items():
        for name, parts in cells.items():
            f = np.zeros(n_vars)
            for a in atoms:
                for p in parts:
                    f[index[a] * width + base.index(p)] = 1.0
            shown, _ = _published(table, y, name)
            (rows if shown else hidden).append((atoms, name, f))
    a = np.array([f for _, _, f in rows]) if rows else np.zeros((0, n_vars))
    b = a @ truth
    null = null_space(a) if len(a) else np.eye(n_vars)
    out = []
    for atoms, name, f in hidden:
        why = _why(f, f @ truth, a, b, null, seuil)
        if why:
            out.append((atoms, y, name, why))
    return out


def _why(f, value, a, b, null, seuil):
    """« rang » when the masked cell is a combination of published ones, « borne » when its feasible
    interval is narrower than the threshold, None otherwise (a masked 0 reveals nobody)."""
    if value == 0:
        return None
    if np.linalg.norm(f @ null) < 1e-7:
        return "rang"
    if value < seuil:
        lo = linprog(f, A_eq=a, b_eq=b, bounds=(0, None), method="highs")
        hi = linprog(-f, A_eq=a, b_eq=b, bounds=(0, None), method="highs")
        if (np.inf if hi.status == 3 else -hi.fun - lo.fun) < seuil - 1e-7:
            return "borne"
    return None


# --- the attacks of the issue -----------------------------------------------------------------------------------


def test_narbonne_rsa_count_follows_from_the_structure_and_other_sites_alone(demo, release):
    parts = {}
    for name, sites in [("ami", None), ("cb", ["Carcassonne-Berriac"]), ("lc", ["Lézignan-Corbières"]),
                        ("n", ["Narbonne"])]:
        table, masked = alone(demo, AMI, sites)
        row = table[table["annee"] == 2024].iloc[0]
        parts[name] = (round(row["part_rsa"] * row["part_rsa_n"]), pd.isna(cell(masked, 2024, "part_rsa")))
    assert parts["n"] == (4, True) and not parts["ami"][1] and not parts["cb"][1] and not parts["lc"][1]
    assert parts["ami"][0] - parts["cb"][0] - parts["lc"][0] == 4  # 22 - 6 - 12: the masked value
    linked = {name: release.brief(AMI, sites) for name, sites in
              [("ami", None), ("cb", ["Carcassonne-Berriac"]), ("lc", ["Lézignan-Corbières"]), ("n", ["Narbonne"])]}
    assert pd.isna(cell(linked["n"], 2024, "part_rsa"))
    assert sum(pd.isna(cell(linked[k], 2024, "part_rsa")) for k in ("ami", "cb", "lc")) >= 1


def test_notebook_05_exits_to_employment_no_longer_reveal_masked_cells(demo, release):
    _, masked = alone(demo, AMI)
    year = masked.table["annee"] == 2024
    row = masked.table.loc[year]
    table = compute_indicators(select_perimeter(demo, structure=AMI))
    truth = table[table["annee"] == 2024].iloc[0]
    exact = truth["emploi_durable"] + truth["emploi_transition"]  # what notebook 05 printed
    assert pd.isna(row["sorties_positives"].iloc[0]) and not pd.isna(row["sorties_dynamiques"].iloc[0])
    assert row["sorties_dynamiques"].iloc[0] - exact == truth["sorties_positives"]  # the masked cell, revealed
    linked = release.grouped(["structure"], annees=[2024]).table
    bounds = published_employment_exits(linked[linked["structure"] == AMI])
    assert isinstance(bounds, dict) and bounds["haut"] - bounds["bas"] >= SEUIL  # a range, not the count


def test_territory_and_all_its_sites_but_one(demo):
    territory = ["Carcassonne-Berriac", "Lézignan-Corbières", "Narbonne"]
    briefs = [(AMI, territory), (AMI, territory[:1]), (AMI, territory[1:2])]
    old = {atoms_of(demo, s, sites): alone(demo, s, sites)[1].table for s, sites in briefs}
    leaks = failures(demo, old, year=2024)
    assert leaks  # alone, the three tables let a masked cell be derived (the territory minus two sites)
    linked = linked_suppression(demo, SEUIL, briefs=briefs)
    new = {atoms_of(demo, s, sites): linked.brief(s, sites).table for s, sites in briefs}
    assert failures(demo, new, year=2024) == []
    pairs = nested_perimeters(linked, {"territoire": briefs[0], "carcassonne": briefs[1], "lezignan": briefs[2]})
    assert pairs == [("territoire", "carcassonne"), ("territoire", "lezignan")]
    assert "« carcassonne » est inclus dans celui de la note « territoire »" in nested_warning(pairs)[0]


def test_masked_pair_summing_below_the_threshold(demo, release):
    _, masked = alone(demo, AMIE)
    r = masked.table[masked.table["annee"] == 2024].iloc[0]
    assert pd.isna(r["retraits"]) and pd.isna(r["sorties_hors_seuil"])
    assert r["sorties"] - r["sorties_examinees"] == 4  # retraits + hors seuil = 4: each pinned to [0, 4]
    amie = {atoms_of(demo, AMIE): masked.table}
    assert (atoms_of(demo, AMIE), 2024, "retraits", "borne") in failures(demo, amie, year=2024)
    linked = {atoms_of(demo, AMIE): release.brief(AMIE, None).table}
    assert failures(demo, linked, year=2024) == []


def test_exits_note_does_not_reveal_masked_non_examined_exits(demo, release):
    ctx_alone = context.prepare_context(context.ReleaseInputs.of(demo), AMI, ["Carcassonne-Berriac"], seuil=SEUIL)
    _, masked = alone(demo, AMI, ["Carcassonne-Berriac"])
    ctx_alone.indicateurs, ctx_alone.masque = masked.table, masked.masque  # the brief as it was
    assert brief.exits_note(brief.BriefFigures(ctx_alone, 2024)).startswith(
        "Sorties de l'année : 10, dont 8 examinées ;")  # 10 - 8 = 2 retraits or hors seuil, both masked
    linked = context.prepare_context(context.ReleaseInputs(demo, None, {}, release), AMI, ["Carcassonne-Berriac"],
                                     seuil=SEUIL)
    f = brief.BriefFigures(linked, 2024)
    assert [c for c in ("retraits", "sorties_hors_seuil") if f.value(c) is None]  # still masked
    said = [f.value(c) for c in ("sorties", "sorties_examinees")]
    assert None in said or said[0] - said[1] >= SEUIL  # the sentence no longer gives their sum
    assert "dont 8 examinées" not in brief.exits_note(f) or "Sorties de l'année : 10" not in brief.exits_note(f)


# --- the whole demo release ---------------------------------------------------------------------------------------


def test_no_masked_cell_is_derivable_or_pinned_across_the_release(demo, release, briefs):
    published = {}
    for by in ([], ["structure"], ["structure", "site"], ["structure", "dispositif"],
               ["structure", "site", "dispositif"]):
        t = release.grouped(by).table
        groups = t.groupby(by) if by else [((), t)]
        for values, part in groups:
            values = values if isinstance(values, tuple) else (values,)
            keys = dict(zip(by, values, strict=True))
            atoms = atoms_of(demo, keys.get("structure"), [keys["site"]] if "site" in keys else None, salaried=True)
            if "dispositif" in keys:
                atoms = frozenset(a for a in atoms if a[2] == keys["dispositif"])
            published[atoms] = part
    for s, sites in briefs:
        published[atoms_of(demo, s, sites)] = release.brief(s, sites).table
    before = {atoms_of(demo, s, sites): alone(demo, s, sites)[1].table for s, sites in briefs}
    assert failures(demo, before, year=2024)  # the briefs masked one by one leak
    assert failures(demo, published) == []


def test_release_mask_is_deterministic_and_only_adds_cells(demo, release, briefs):
    again = linked_suppression(demo, SEUIL, briefs=briefs)
    for atoms, per in release.perimeters.items():
        pd.testing.assert_frame_equal(per.suppression.masque, again.perimeters[atoms].suppression.masque)
        own = apply_disclosure(per.table.reset_index(), SEUIL).masque
        assert not (own & ~per.suppression.masque).any().any()  # nothing published that the table alone hid
    assert release.added > 0


@pytest.mark.parametrize("exact_atoms", [0])
def test_network_total_by_interval_propagation_is_safe(demo, briefs, exact_atoms):
    """Above EXACT_ATOMS atoms the whole-dataset table is linked by interval propagation: on the demo, forced."""
    propagated = linked_suppression(demo, SEUIL, briefs=briefs, exact_atoms=exact_atoms)
    published = {frozenset(map(tuple, propagated.atoms.loc[sorted(a), ["structure", "site", "dispositif"]]
                               .to_numpy())): p.suppression.table for a, p in propagated.perimeters.items()}
    assert failures(demo, published, year=2024) == []


def test_briefs_notebooks_and_indicateurs_show_the_same_mask(demo, release):
    """The demo's briefs are on one structure or one site each: the standard release (indicateurs, notebooks
    02 and 05) holds their perimeters already, and masks every shared cell the same way."""
    standard = linked_suppression(demo, SEUIL)
    assert set(standard.perimeters) == set(release.perimeters)
    for atoms, per in standard.perimeters.items():
        pd.testing.assert_frame_equal(per.suppression.masque, release.perimeters[atoms].suppression.masque)
    by_site = standard.grouped(["structure", "site"])
    narbonne = by_site.table["site"].eq("Narbonne").to_numpy()
    brief_mask = release.brief(AMI, ["Narbonne"]).masque
    pd.testing.assert_frame_equal(by_site.masque.loc[narbonne].drop(columns=["structure", "site"])
                                  .reset_index(drop=True), brief_mask.reset_index(drop=True))


# --- pooled periods (issue 14.4): a pooled cell is the sum of its years -------------------------------------------


class _PoolSystem:
    """The unknowns of one pooled period: per atom, year of the period and exit leaf, with their true values."""

    def __init__(self, atom_table: pd.DataFrame, index: dict, label: str):
        first, _, last = label.partition("-")
        self.label, self.index = label, index
        self.years = list(range(int(first), int(last or first) + 1))
        self.truth = np.zeros(len(index) * len(self.years) * len(LEAVES))
        for _, r in atom_table[atom_table["annee"].isin(self.years)].iterrows():
            a = tuple(r[["structure", "site", "dispositif"]])
            for leaf in LEAVES:
                self.truth[self.position(a, int(r["annee"]), leaf)] = r[leaf]

    def position(self, a, y, leaf) -> int:
        return (self.index[a] * len(self.years) + self.years.index(y)) * len(LEAVES) + LEAVES.index(leaf)

    def vector(self, atoms, years, parts) -> np.ndarray:
        f = np.zeros(len(self.truth))
        for a in atoms:
            for y in years:
                for p in parts:
                    f[self.position(a, y, p)] = 1.0
        return f


def _pool_equations(system: _PoolSystem, published, pooled) -> tuple[list, list]:
    """Published and hidden cells of the period: every yearly exit cell of its years, every pooled cell."""
    rows, hidden = [], []
    for perimeter, table in published.items():
        for y in system.years:
            for name, parts in EXIT_CELLS.items():
                (rows if _published(table, y, name)[0] else hidden).append(system.vector(perimeter, [y], parts))
    for perimeter, table in pooled.items():
        row = table[table["periode"] == system.label]
        for name, parts in EXIT_CELLS.items() if not row.empty else ():
            f = system.vector(perimeter, system.years, parts)
            shown = not pd.isna(row[name].iloc[0])
            if shown:  # the pooled cell is the sum of its years
                assert row[name].iloc[0] == pytest.approx(f @ system.truth)
            (rows if shown else hidden).append(f)
    return rows, hidden


def _pooled_failures(dataset, published: dict[frozenset, pd.DataFrame], pooled: dict[frozenset, pd.DataFrame],
                     seuil=SEUIL):
    """Like :func:`failures` over the years of each pooled period at once: unknowns per atom, year and exit leaf;
    equations: every published yearly exit cell of those years and every published pooled cell (the sum of its
    years). Returns the masked yearly or pooled cells derivable or pinned narrower than ``seuil``."""
    atom_table = compute_indicators(dataset, by=["structure", "site", "dispositif"], inclure_non_salaries=True)
    atoms = sorted({tuple(r) for r in atom_table[["structure", "site", "dispositif"]].to_numpy()})
    index = {a: i for i, a in enumerate(atoms)}
    out = []
    for label in sorted({str(p) for t in pooled.values() for p in t["periode"]}):
        system = _PoolSystem(atom_table, index, label)
        rows, hidden = _pool_equations(system, published, pooled)
        a = np.array(rows)
        null = null_space(a)
        out += [(label, why) for f in hidden
                if (why := _why(f, f @ system.truth, a, a @ system.truth, null, seuil))]
    return out


def test_pooled_periods_join_the_release_and_reveal_no_masked_cell(demo, briefs):
    with_years = [(s, sites, 2024) for s, sites in briefs]
    release = linked_suppression(demo, SEUIL, briefs=with_years)
    pooled = {atoms_of(demo, s, sites): release.pooled(s, sites).table for s, sites in briefs
              if release.pooled(s, sites) is not None}
    assert atoms_of(demo, AMI, ["Bram"]) in pooled  # 15 persons, 8 exits: its year says nothing alone
    bram = pooled[atoms_of(demo, AMI, ["Bram"])].set_index("periode")
    assert not pd.isna(bram.loc["2022-2024", "taux_sorties_dynamiques"])  # the headline is published pooled
    assert release.pooled(AMIE, None) is None  # AMIE's year is enough
    published = {}
    for by in ([], ["structure"], ["structure", "site"], ["structure", "dispositif"],
               ["structure", "site", "dispositif"]):
        t = release.grouped(by).table
        for values, part in (t.groupby(by) if by else [((), t)]):
            keys = dict(zip(by, values if isinstance(values, tuple) else (values,), strict=True))
            atoms = atoms_of(demo, keys.get("structure"), [keys["site"]] if "site" in keys else None, salaried=True)
            if "dispositif" in keys:
                atoms = frozenset(a for a in atoms if a[2] == keys["dispositif"])
            published[atoms] = part
    for s, sites in briefs:
        published[atoms_of(demo, s, sites)] = release.brief(s, sites).table
    assert _pooled_failures(demo, published, pooled) == []
    # the pooled cells masked on their own (as one more table, not linked) would leak
    naive = {a: apply_disclosure(t.drop(columns=[c for c in t.columns if c.startswith("taux_")]), SEUIL,
                                 keys=("periode",)).table for a, t in _raw_pools(demo, briefs, pooled).items()}
    unlinked = linked_suppression(demo, SEUIL, briefs=briefs)
    yearly = {**{k: v for k, v in published.items()},
              **{atoms_of(demo, s, sites): unlinked.brief(s, sites).table for s, sites in briefs}}
    assert _pooled_failures(demo, yearly, naive)


def _raw_pools(demo, briefs, pooled):
    from iae_impact.analysis.indicators import pooled_exits

    out = {}
    for s, sites in briefs:
        atoms = atoms_of(demo, s, sites)
        if atoms in pooled:
            table, _ = alone(demo, s, sites)
            periods = [tuple(range(int(p[:4]), int(p[-4:]) + 1)) for p in pooled[atoms]["periode"]]
            out[atoms] = pooled_exits(table, periods)
    return out
