"""Hostile names end to end (issue 12.1): a copy of the demo whose structure and site names are HTML, Markdown
and LaTeX, every notebook executed with papermill, converted by nbconvert, opened in Chromium: no script runs,
no element carries an event handler or a javascript: link, and the names show as typed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from nbconvert import HTMLExporter

from iae_impact.base.paths import DEMO_DIR
from iae_impact.run.runner import run_notebook
from tests.test_browser import browser  # noqa: F401 - shared Chromium fixture

pytestmark = [pytest.mark.slow, pytest.mark.notebook, pytest.mark.browser]

STRUCTURE_IMG = "<img src=x onerror=alert(1)> (fictif)"
STRUCTURE_MD = "*AMIE* _gras_ [x](javascript:alert(1)) $x$ (fictif)"
SITES = {"Narbonne": "<svg onload=alert(2)>Narbonne", "Bram": "[Bram](javascript:alert(3))",
         "Limoux": "$\\alert{4}$ Limoux", "Carcassonne-Berriac": "Carcassonne <b>*Berriac*</b>"}
STRUCTURES = {"A.M.I. Aude (fictif)": STRUCTURE_IMG, "AMIE (fictif)": STRUCTURE_MD}
DEMANDE = "<script>alert(5)</script> [lien](javascript:alert(6))"


def hostile_copy(target: Path) -> Path:
    """The demo CSVs with the structure and site names replaced (same separators and encoding)."""
    target.mkdir(parents=True, exist_ok=True)
    for source in sorted(DEMO_DIR.glob("*.csv")):
        frame = pd.read_csv(source, sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig")
        for column, names in (("structure", STRUCTURES), ("site", SITES)):
            if column in frame:
                frame[column] = frame[column].replace(names)
        frame.to_csv(target / source.name, sep=";", index=False, encoding="utf-8-sig")
    return target


@pytest.fixture(scope="module")
def executed(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("hostile")
    data = hostile_copy(root / "donnees")
    out = root / "carnets"
    common = {"donnees": str(data), "sortie": str(out)}
    runs = {
        "01_donnees": common,
        "02_indicateurs": common,
        "03_comparaisons": common,
        "04_impact": {**common, "structure": STRUCTURE_IMG, "benchmark_nsw": False},
        "05_argent_public": common,
        "10_note_elus": {**common, "sortie": str(out / "note"), "annee": 2024, "structure": STRUCTURE_IMG,
                         "destinataire": {"nom": "<i onmouseover=alert(7)>x</i>", "qualite": "Maire $y$"},
                         "demandes": [DEMANDE]},
    }
    pages = {}
    for name, params in runs.items():
        notebook = run_notebook(name, params, out)
        body, _ = HTMLExporter().from_filename(str(notebook))  # the default (lab) template, as `jupyter nbconvert`
        pages[name] = out / f"{name}.html"
        pages[name].write_text(body, encoding="utf-8")
    shutil.rmtree(data)
    return pages


@pytest.mark.parametrize("name", ["01_donnees", "02_indicateurs", "03_comparaisons", "04_impact",
                                  "05_argent_public", "10_note_elus"])
def test_hostile_names_run_no_script_and_show_literally(browser, executed, name):  # noqa: F811
    context = browser.new_context()
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        page.goto(executed[name].as_uri(), wait_until="load")
        page.wait_for_timeout(300)
        handlers = page.evaluate("""() => Array.from(document.querySelectorAll('*')).flatMap(e =>
            Array.from(e.attributes).filter(a => a.name.startsWith('on')
                || /^\\s*javascript:/i.test(a.value)).map(a => e.tagName + ' ' + a.name + '=' + a.value))""")
        injected = page.evaluate("""() => document.querySelectorAll(
            'main img[src="x"], svg[onload], b, a[href^="javascript"], i').length""")
        text = page.inner_text("body")
    finally:
        context.close()
    assert dialogs == [] and handlers == [] and injected == 0
    expected = {"01_donnees": [], "02_indicateurs": [STRUCTURE_IMG, STRUCTURE_MD],
                "03_comparaisons": [SITES["Narbonne"], SITES["Carcassonne-Berriac"]], "04_impact": [STRUCTURE_IMG],
                "05_argent_public": [STRUCTURE_IMG, STRUCTURE_MD],
                "10_note_elus": [STRUCTURE_IMG, DEMANDE, "<i onmouseover=alert(7)>x</i>", "Maire $y$"]}[name]
    for literal in expected:
        assert literal in text, (name, literal)
