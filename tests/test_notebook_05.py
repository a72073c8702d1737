"""Notebook 05 (public money) runs under papermill from any directory and its JSON summary equals a
direct call of the iae_impact.money functions on the demo data."""

from __future__ import annotations

import json
import math
import os

import nbformat
import pytest

from iae_impact import money
from iae_impact.analysis.release import linked_suppression
from iae_impact.base.paths import DEMO_DIR
from iae_impact.ingest import read_dataset
from iae_impact.report.context import ReleaseInputs, prepare_context
from iae_impact.run.runner import run_notebook

pytestmark = pytest.mark.notebook  # runs notebooks with papermill

ANNEE = 2024
PARAMETRES = "data/reference/couts_evites.yaml"


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    out = tmp_path_factory.mktemp("carnet05")
    cwd = os.getcwd()
    os.chdir(tmp_path_factory.mktemp("ailleurs"))  # papermill must not depend on the working directory
    try:
        notebook = run_notebook("05_argent_public", {"sortie": str(out)}, out)
    finally:
        os.chdir(cwd)
    summary = json.loads((out / "resume_05_argent_public.json").read_text(encoding="utf-8"))
    return nbformat.read(notebook, as_version=4), summary


@pytest.fixture(scope="module")
def demo():
    return read_dataset(DEMO_DIR)


def _same(a, b, path=""):
    """Equal up to float rounding; NaN written as null in the JSON."""
    if isinstance(b, float) and math.isnan(b):
        assert a is None, path
    elif isinstance(a, dict):
        assert set(a) == set(b), path
        for k in a:
            _same(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _same(x, y, f"{path}[{i}]")
    elif isinstance(a, float) or isinstance(b, float):
        assert a == pytest.approx(b, rel=1e-9, abs=1e-9), path
    else:
        assert a == b, path


def test_summary_matches_the_module(executed, demo):
    _, summary = executed
    assert summary["fictif"] is True and summary["empreinte_donnees"] == demo.empreinte
    assert summary["perimetre"] == {"structure": None, "annee": ANNEE, "modulation": 0.0,
                                    "parametres": "couts_evites.yaml"}
    _same(summary["socles"], {"ACI": money.socle_for_year("ACI", ANNEE), "AI": money.socle_for_year("AI", ANNEE)})
    release = linked_suppression(demo)  # the notebook's tables are masked with the whole release
    table = money.aide_au_poste(demo, by=["structure", "site"])
    direct = money.mask_small_cells(table, demo, by=["structure", "site"], release=release)
    direct = direct[direct["annee"] == ANNEE].to_dict(orient="records")
    _same(summary["aide_au_poste"], direct)
    structures = sorted(summary["argent_public"])
    assert structures == ["A.M.I. Aude (fictif)", "AMIE (fictif)"]
    inputs = ReleaseInputs.of(demo)
    inputs.masks = release
    for nom in structures:
        # One function for the notebook and the brief (issue 14): the same section, number for number.
        _same(summary["argent_public"][nom], money.brief_money(demo, ANNEE, structure=nom, parametres_path=PARAMETRES))
        brief = prepare_context(inputs, structure=nom, annee=ANNEE).perimetre["argent"]
        _same(summary["argent_public"][nom], json.loads(json.dumps(brief)))


def test_brief_section_of_the_demo(executed):
    _, summary = executed
    amie = summary["argent_public"]["AMIE (fictif)"]
    assert amie["source_aide_au_poste"] == "calcul"
    aid = amie["aide_au_poste_eur"]
    assert aid["bas"] == pytest.approx(amie["etp"] * money.socle_for_year("AI", ANNEE), rel=1e-4)
    assert aid["haut"] == pytest.approx(aid["bas"] * 1.10, rel=1e-6)
    assert "13\u202f900" in amie["phrases"][0]
    assert summary["argent_public"]["A.M.I. Aude (fictif)"]["source_aide_au_poste"] == "conventions"
    for section in summary["argent_public"].values():
        for key in ("rsa_evite_eur", "cotisations_eur"):
            assert section[key]["bas"] < section[key]["haut"]


def test_outputs_cite_the_networks_claim_only_as_theirs(executed):
    nb, _ = executed
    texts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            assert output.get("output_type") != "error"
            data = output.get("data", {})
            texts.append(str(output.get("text", "")) + "".join(data.get("text/markdown", ""))
                         + "".join(data.get("text/plain", "")))
    claim = money.load_parameters()["citation_reseaux"]["texte"]
    quoted = [t for t in texts if claim in t]
    assert quoted, "la citation des réseaux doit être affichée"
    assert all("affirment" in t and "étude non publiée" in t for t in quoted)
    assert all("1,50" not in t for t in texts if t not in quoted)
