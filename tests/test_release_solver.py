"""The release's bound tests on one reused HiGHS model per system (issue 16): the same answers as a fresh
linear program for each cell, whatever the order of the cells, and nothing written on the output."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from iae_impact.analysis import release as R


def _system(seed: int, n_atoms: int = 6, n_rows: int = 5, ineq: int = 2) -> R._System:
    """A system as the release builds one: unknowns per (atom, base), published cells as sums of unknowns over
    sets of atoms (right-hand sides from the true values), a few inequality rows (interval propagation)."""
    rng = np.random.default_rng(seed)
    system = R._System()
    bases = ("a", "b", "c")
    for atom in range(n_atoms):
        system.vector([atom], dict.fromkeys(bases, 1.0))
    system.truth = rng.integers(0, 9, len(system.variables)).astype(float)
    for i in range(n_rows):
        atoms = sorted(rng.choice(n_atoms, rng.integers(1, n_atoms + 1), replace=False).tolist())
        coef = {b: 1.0 for b in rng.choice(bases, rng.integers(1, 4), replace=False)}
        vec = system.vector(atoms, coef)
        ref = R.CellRef(frozenset(atoms), 2024, f"publiee{i}")
        system.rows.append((vec, float(sum(system.truth[j] * v for j, v in vec.items())), (ref,)))
    for i in range(ineq):
        atom = int(rng.integers(n_atoms))
        vec = system.vector([atom], {"a": 1.0, "b": 1.0})
        slack = float(rng.integers(0, 4))
        ref = R.CellRef(frozenset([atom]), 2024, f"propagee{i}")
        system.ineq.append((vec, float(sum(system.truth[j] * v for j, v in vec.items())) + slack, (ref,)))
    return system


def _cell_sets(seed: int, k: int = 12) -> list[tuple[list[int], dict[str, float]]]:
    """Cells as sums over sets of atoms: a count, or a difference of counts (persons without a trait)."""
    rng = np.random.default_rng(seed + 1000)
    return [(sorted(rng.choice(6, rng.integers(1, 4), replace=False).tolist()),
             {"a": 1.0} if rng.random() < 0.5 else {"a": 1.0, "c": -1.0}) for _ in range(k)]


def _objectives(system: R._System, seed: int, k: int = 12) -> list[np.ndarray]:
    return [system.densify(system.vector(atoms, coef)) for atoms, coef in _cell_sets(seed, k)]


@pytest.mark.parametrize("seed", range(8))
def test_the_reused_model_gives_the_fresh_programs_bounds_in_either_order(seed):
    system = _system(seed)
    objectives = _objectives(system, seed)
    reference = [R._bounds(system, f, system.arrays())[:2] for f in objectives]
    for order in (objectives, objectives[::-1]):
        fresh = _system(seed)  # a new model: the answers must not depend on what it solved before
        got = {id(f): R._interval(fresh, f) for f in order}
        for f, (low, high) in zip(objectives, reference, strict=True):
            assert got[id(f)] == pytest.approx((low, high), abs=1e-7)
    # with a bound to reach (the max first, the min taken as 0 once reached): as _bounds does
    for f in objectives:
        enough = float(f @ system.truth) + 5
        low, high = R._bounds(system, f, system.arrays(), enough)[:2]
        assert R._interval(system, f, enough) == pytest.approx((low, high), abs=1e-7)


def test_an_unbounded_cell_is_infinite_as_with_a_fresh_program():
    system = R._System()
    system.vector([0], {"a": 1.0, "b": 1.0})
    system.truth = np.array([2.0, 3.0])
    system.rows.append(({0: 1.0}, 2.0, ()))  # a known, b free above
    f = system.densify({1: 1.0})
    assert R._bounds(system, f, system.arrays())[:2] == (0.0, np.inf)
    assert R._interval(system, f) == (0.0, np.inf)


@pytest.mark.parametrize("seed", range(12))
def test_the_bound_tests_find_the_same_failures_and_rows_as_with_fresh_programs(seed, monkeypatch):
    """The failing cells (and the published rows that pin them, from which a complementary cell is chosen)
    are those the fresh programs alone give."""
    seuil = 5

    def cells(system: R._System) -> list[R._Cell]:
        out = []
        for i, (atoms, coef) in enumerate(_cell_sets(seed, k=10)):
            true = float(system.densify(system.vector(atoms, coef)) @ system.truth)
            out.append(R._Cell(R.CellRef(frozenset(atoms), 2024, f"cellule{i}"), coef, true, true,
                               published=False, masked=True))
        return out

    def outcome(system: R._System) -> tuple:
        passed: set = set()
        found = R._check_system(system, cells(system), seuil, passed)
        return sorted(passed, key=str), [(v.cell.ref, v.candidates, v.reason) for v in found]

    with_model = outcome(_system(seed, ineq=3))
    monkeypatch.setattr(R, "_interval", lambda *a, **k: None)  # every bound from a fresh program
    assert with_model == outcome(_system(seed, ineq=3))


@pytest.mark.slow
def test_a_release_writes_nothing_on_the_output():
    """The HiGHS library writes a banner on the process's output on its first model; a release must not (in a
    notebook it would appear below the cell, in a batch among the progress lines)."""
    code = ("from iae_impact.analysis.release import linked_suppression\n"
            "from iae_impact.base.paths import DEMO_DIR\n"
            "from iae_impact.ingest import read_dataset\n"
            "linked_suppression(read_dataset(DEMO_DIR), 5)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True)
    assert done.stdout == ""
