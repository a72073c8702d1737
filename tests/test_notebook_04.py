"""Notebook 04 runs under papermill and its JSON summary holds the demo estimates (planted effect inside the
AIPW interval) and the NSW benchmark at the published values (same tolerances as tests/test_impact.py)."""

from __future__ import annotations

import json
import shutil

import nbformat
import pytest

from iae_impact.base import paths
from iae_impact.run.params import ImpactParameters
from iae_impact.run.runner import run_notebook

pytestmark = pytest.mark.notebook  # runs notebooks with papermill

CENT = 0.01
NOTEBOOK = paths.NOTEBOOKS_DIR / "04_impact.ipynb"


@pytest.fixture(scope="module")
def summary(tmp_path_factory):
    out = tmp_path_factory.mktemp("carnet04")
    assert run_notebook("04_impact", {"sortie": str(out)}, out).exists()
    return json.loads((out / "resume_04_impact.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def planted():
    return json.loads((paths.PROJECT_ROOT / "data" / "demo" / "effet_plante.json").read_text(encoding="utf-8"))


def test_notebook_is_clean_and_parametrised():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    assert all(c.get("id") for c in nb.cells)
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in nb.cells if c.cell_type == "code")
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    namespace: dict = {}
    exec(tagged[0].source, namespace)  # noqa: S102 - our own notebook's parameter cell
    declared = {k: v for k, v in namespace.items() if not k.startswith("__")}
    defaults = {name: f.default for name, f in ImpactParameters.model_fields.items()}
    assert declared == defaults


def test_demo_estimates(summary, planted):
    assert summary["fictif"] and summary["groupe_de_comparaison"]
    assert (summary["n_traites"], summary["n_temoins"]) == (planted["n_traites"], planted["n_temoins"])
    aipw = summary["estimateurs"]["aipw"]
    assert aipw["ic_bas"] <= planted["att"] <= aipw["ic_haut"]
    assert summary["effet_plante"]["att"] == pytest.approx(planted["att"], abs=1e-6)
    assert summary["effet_plante"]["dans_intervalle"]["aipw"] is True
    assert summary["effet_plante"]["dans_intervalle"]["ipw"] is True
    assert summary["ecart_naif"] == pytest.approx(planted["ecart_naif"], abs=1e-6)
    assert not aipw["ic_bas"] <= summary["ecart_naif"] <= aipw["ic_haut"]
    assert set(summary["estimateurs"]) == {"difference", "regression", "ipw", "aipw", "matching"}
    assert len(summary["sensibilite"]) >= 12


def test_notebook_shows_the_balance_of_every_brief_estimate(summary):
    """Issue 14.2: the numbers the briefs use, from the same function, with the verdict of the rules."""
    from iae_impact.analysis import impact
    from iae_impact.base.paths import DEMO_DIR
    from iae_impact.ingest import read_dataset

    notes = summary["estimations_notes"]
    assert sorted(notes) == ["A.M.I. Aude (fictif)", "AMIE (fictif)"]
    demo = read_dataset(DEMO_DIR)
    for nom, est in notes.items():
        direct = impact.brief_estimate(demo, nom, 2024)
        assert est["dms_max"] == pytest.approx(direct["dms_max"]) and est["comparable"] == direct["comparable"]
        assert len(est["equilibre"]) == len(direct["equilibre"])
    assert notes["AMIE (fictif)"]["comparable"] and not notes["A.M.I. Aude (fictif)"]["comparable"]


def test_nsw_benchmark(summary):
    nsw = {r["cle"]: r for r in summary["nsw"]}
    for key in ("experimental", "brut_cps", "ipw_cps", "ipw_cps_tronque", "appariement_cps"):
        assert nsw[key]["estimation"] == pytest.approx(nsw[key]["valeur_publiee"], abs=CENT), key
    assert round(nsw["regression_cps"]["estimation"]) == 1066
    assert round(nsw["regression_cps"]["erreur_type"]) == 627
    assert nsw["experimental"]["erreur_type"] == pytest.approx(670.82, abs=CENT)
    assert nsw["ipw_cps"]["erreur_type"] == pytest.approx(753.91, abs=CENT)
    assert nsw["ipw_cps_tronque"]["erreur_type"] == pytest.approx(898.31, abs=CENT)
    assert nsw["ipw_cps_tronque"]["n"] == 370
    assert nsw["aipw_cps"]["valeur_publiee"] is None


def test_without_comparison_group_no_impact_is_claimed(tmp_path):
    """Without a candidats sheet the notebook says « résultats » and never « impact »."""
    data = tmp_path / "donnees"
    shutil.copytree(paths.DEMO_DIR, data, ignore=shutil.ignore_patterns("candidats*"))
    out = tmp_path / "sortie"
    executed = run_notebook("04_impact", {"donnees": str(data), "sortie": str(out), "benchmark_nsw": False}, out)
    s = json.loads((out / "resume_04_impact.json").read_text(encoding="utf-8"))
    assert s["groupe_de_comparaison"] is False and s["n_temoins"] == 0
    assert s["estimateurs"] == {} and s["effet_plante"] is None and s["nsw"] is None
    nb = nbformat.read(executed, as_version=4)
    text = "\n".join([c.source for c in nb.cells if c.cell_type == "markdown"] + [
        str(o.get("data", {}).get("text/markdown", "")) + "\n" + str(o.get("data", {}).get("text/plain", ""))
        for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])])
    text = text.replace("resume_04_impact.json", "resume.json")  # the file name is not a claim
    assert "Résultats, sans groupe de comparaison" in text
    assert "aucun impact ne peut être estimé" in text
    claims = [line for line in text.lower().splitlines() if "impact" in line and "aucun impact" not in line]
    assert claims == []
