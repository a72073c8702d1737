"""The notebooks run under papermill from any directory, and their JSON summaries on the demo are
checked against the published targets and against golden files (regenerate with
``IAE_IMPACT_REGENERER_GOLDEN=1 pytest tests/test_notebooks.py`` after a deliberate change)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from iae_impact.run.runner import run_notebook
from tests.golden import assert_matches

pytestmark = pytest.mark.notebook  # runs notebooks with papermill

GOLDEN = Path(__file__).parent / "golden"
AI = "AMIE (fictif)"


@pytest.fixture(scope="module")
def summaries(tmp_path_factory):
    out = tmp_path_factory.mktemp("carnets")
    cwd = os.getcwd()
    os.chdir(tmp_path_factory.mktemp("ailleurs"))  # papermill must not depend on the working directory
    try:
        for name in ("01_donnees", "02_indicateurs"):
            assert run_notebook(name, {"sortie": str(out)}, out).exists()
    finally:
        os.chdir(cwd)
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in out.glob("resume_*.json")}


@pytest.mark.parametrize("name", ["resume_01_donnees", "resume_02_indicateurs"])
def test_summaries_match_golden_files(summaries, name):
    golden = GOLDEN / f"{name}.json"
    if os.environ.get("IAE_IMPACT_REGENERER_GOLDEN"):
        golden.write_text(json.dumps(summaries[name], ensure_ascii=False, indent=2, sort_keys=True) + "\n",
                          encoding="utf-8")
    assert_matches(summaries[name], json.loads(golden.read_text(encoding="utf-8")))


def test_demo_is_labelled_fictional(summaries):
    assert summaries["resume_01_donnees"]["fictif"] and summaries["resume_02_indicateurs"]["fictif"]
    assert all("fictif" in s for s in summaries["resume_01_donnees"]["structures"])


def test_association_intermediaire_2024_targets(summaries):
    """The second seed: 50 persons, at least 14 000 hours, 70 % sorties dynamiques in 2024."""
    rows = [r for r in summaries["resume_02_indicateurs"]["par_structure"] if r["structure"] == AI and r["annee"] == 2024]
    assert len(rows) == 1
    r = rows[0]
    assert r["personnes"] == 50
    assert r["heures"] >= 14_000
    assert r["taux_sorties_dynamiques"] == pytest.approx(0.70)
    assert r["sorties_dynamiques"] == round(0.7 * r["sorties_examinees"])
    assert r["taux_sorties_dynamiques_ic_bas"] < 0.70 < r["taux_sorties_dynamiques_ic_haut"]
