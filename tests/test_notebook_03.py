"""Notebook 03 (fair comparisons) runs under papermill on the demo and writes a sane JSON summary."""

from __future__ import annotations

import json
import math
import re

import nbformat
import pytest

from iae_impact.run.runner import run_notebook

pytestmark = pytest.mark.notebook  # runs notebooks with papermill

AMIE = "AMIE (fictif)"


@pytest.fixture(scope="module")
def summary(tmp_path_factory):
    """The models' own checks: ``seuil_secret = 1`` masks nothing, every site keeps its pooled figures."""
    out = tmp_path_factory.mktemp("carnet03")
    assert run_notebook("03_comparaisons", {"sortie": str(out), "seuil_secret": 1}, out).exists()
    return json.loads((out / "resume_03_comparaisons.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """The default run (secret statistique at 5): its executed notebook and summary."""
    out = tmp_path_factory.mktemp("carnet03_publie")
    path = run_notebook("03_comparaisons", {"sortie": str(out)}, out)
    return nbformat.read(path, as_version=4), json.loads((out / "resume_03_comparaisons.json").read_text(encoding="utf-8"))


def test_what_notebook_03_shows_goes_through_the_same_secrecy_as_the_briefs(published):
    """No count of 1 to 4 in a table, no pooled figure of a site whose yearly cells are masked (the 4 exits of
    Lézignan-Corbières in 2015; AMIE's 18 dynamic exits of 22 in 2018, which its pooled rate gave back)."""
    nb, s = published
    html = "".join(o.get("data", {}).get("text/html", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", html)
    small = [c for c in cells if re.fullmatch(r"[1-4]", c.strip())]
    assert cells and not small
    assert {g["site"] for g in s["comparaison"]["groupes"]} == {"Carcassonne-Berriac"}
    assert all(t["n"] is None for per in s["tendances"]["par_structure"].values() for t in per.values())
    text = " ".join(s["phrases"])
    assert not re.search(r"\b82[\s\u00a0\u202f]?%", html + text) and "Lézignan-Corbières" in text  # said masked
    assert not any(o.get("name") == "stderr" or o.output_type == "error"
                   for c in nb.cells if c.cell_type == "code" for o in c.outputs)


def test_summary_has_the_expected_keys(summary):
    assert set(summary) == {"fictif", "empreinte_donnees", "perimetre", "sorties_examinees", "homogeneite",
                            "comparaison", "tendances", "phrases"}
    assert summary["fictif"] is True
    assert summary["perimetre"] == {"structure": None, "annees": None}
    assert summary["sorties_examinees"] == 466  # = sum of sorties_examinees of the indicators (demo)
    assert set(summary["comparaison"]) == {"modele", "groupes", "hors_limites_95", "hors_limites_998",
                                           "sans_comparaison"}


def test_risk_adjusted_comparison_is_sane(summary):
    comp = summary["comparaison"]
    groups = {g["site"]: g for g in comp["groupes"]}
    assert set(groups) == {"Carcassonne-Berriac", "Lézignan-Corbières", "Narbonne", "Toulouse"}
    assert sum(g["n"] for g in groups.values()) == comp["modele"]["n"] == summary["sorties_examinees"]
    assert sum(g["expected"] for g in groups.values()) == pytest.approx(sum(g["observed"] for g in groups.values()))
    assert comp["sans_comparaison"] == ["Toulouse"]  # the only AI
    for name, g in groups.items():
        assert g["oe_ratio"] > 0 and 0 <= g["observed"] <= g["n"]
        assert g["oe_ratio"] == pytest.approx(g["observed"] / g["expected"])
        if name != "Toulouse":
            assert g["oe_low"] < g["oe_ratio"] < g["oe_high"]
            assert 0 < g["adjusted_rate"] < 1
    assert set(comp["hors_limites_998"]) <= set(comp["hors_limites_95"]) <= set(groups)
    assert "C(dispositif)" in comp["modele"]["formula"] and "rsa" in comp["modele"]["covariates"]


def test_homogeneity_and_trends_are_sane(summary):
    h = summary["homogeneite"]["tous_sites"]
    assert h["dof"] == 3 and 0 <= h["p_value"] <= 1 and h["n"] == summary["sorties_examinees"]
    assert set(summary["homogeneite"]["par_dispositif"]) == {"ACI"}
    trends = summary["tendances"]
    assert set(trends["par_structure"]) == {"A.M.I. Aude (fictif)", AMIE}
    for t in [*trends["ensemble"].values(), *(v for s in trends["par_structure"].values() for v in s.values())]:
        assert math.isfinite(t["odds_ratio"]) and t["ci_low"] < t["odds_ratio"] < t["ci_high"]
        assert 0 < t["p_value"] <= 1
    assert trends["ensemble"]["sortie_dynamique"]["site_effects"] is True
    assert trends["par_structure"][AMIE]["sortie_dynamique"]["site_effects"] is False  # one site


def test_sentences_are_generated_in_french(summary):
    phrases = summary["phrases"]
    assert all(isinstance(p, str) and p for p in phrases)
    text = " ".join(phrases)
    assert "sorties examinées" in text and "rapport de cotes annuel" in text
    if not summary["comparaison"]["hors_limites_95"]:
        assert "Aucun site ne sort des limites à 95 %" in text
    assert "Toulouse" in text and "par construction" in text


def test_a_single_site_perimeter_says_there_is_nothing_to_compare(tmp_path):
    run_notebook("03_comparaisons", {"sortie": str(tmp_path), "structure": AMIE, "annees": [2023, 2024, 2025]},
                 tmp_path)
    s = json.loads((tmp_path / "resume_03_comparaisons.json").read_text(encoding="utf-8"))
    assert s["perimetre"] == {"structure": AMIE, "annees": [2023, 2024, 2025]}
    assert s["comparaison"] is None and s["homogeneite"]["tous_sites"] is None
    assert any("un seul site" in p.lower() for p in s["phrases"])
    t = s["tendances"]["ensemble"]["sortie_dynamique"]
    assert (t["first_year"], t["last_year"], t["site_effects"]) == (2023, 2025, False)
