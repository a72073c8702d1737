"""A brief with every section present fits in two A4 pages (issue 16): key figures, trend, profile, exits,
comparison to the expected rate (funnel), impact on employment, public money with its chart and hypotheses,
several demandes, method and sources.

No brief of the demonstration nor of the bench network has every section at once (the demo structures
with an impact estimate have no comparison, the generated network has no comparison group), so the
brief is built from both: the context of a structure of the bench network (20 structures, the seed of
``bench/generer_reseau.py``: comparison and money) given the impact estimate and the money section of
the demo's AMIE (impact with comparable groups, money from the impact, hypotheses). With the layout of
before issue 16's fix this brief ran to three pages."""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path

import pytest

from iae_impact.base.paths import DEMO_DIR
from iae_impact.ingest import read_dataset
from iae_impact.report.context import ReleaseInputs, prepare_context, save_context
from iae_impact.run import batch

BENCH = Path(__file__).resolve().parents[1] / "bench"
sys.path.insert(0, str(BENCH))

from generer_national import generate, network_counts  # noqa: E402
from generer_reseau import DEFAULT_SEED, PARCOURS_PER_STRUCTURE  # noqa: E402

pytestmark = pytest.mark.slow  # runs the brief's notebook in a kernel, then HTML and PDF

N_STRUCTURES = 20
STRUCTURE = "Structure 0003 (fictif)"  # an ACI of that network whose brief ran to three pages
DEMANDES = ["Maintenir le cofinancement départemental des postes en atelier et chantier d'insertion.",
            "Pérenniser le chantier tremplin de Carcassonne-Berriac au-delà de son financement d'amorçage.",
            "Ouvrir l'accompagnement socioprofessionnel RSA aux communes rurales du Razès et du Limouxin."]
SECTIONS = ["Chiffres clés", "Évolution du taux de sorties dynamiques", "Qui sont les personnes",
            "Où sont-elles allées", "Comparaison à l'attendu", "Impact sur l'emploi", "L'argent public",
            "Nos demandes", "Méthode et sources"]


@pytest.fixture(scope="module")
def full_context(tmp_path_factory):
    folder = tmp_path_factory.mktemp("reseau")
    generate(folder, DEFAULT_SEED, n_parcours=PARCOURS_PER_STRUCTURE * N_STRUCTURES,
             structures=network_counts(N_STRUCTURES), multi_sites=1 / 3)
    ctx = prepare_context(ReleaseInputs.of(read_dataset(folder)), STRUCTURE, None, annee=2024, seuil=5)
    demo = prepare_context(ReleaseInputs.of(read_dataset(DEMO_DIR)), "AMIE (fictif)", None, annee=2024, seuil=5)
    assert ctx.perimetre["comparaison"] is not None and ctx.perimetre["argent"] is not None
    assert demo.perimetre["impact"]["comparable"] and demo.perimetre["argent"]["note"]
    ctx.perimetre["impact"] = demo.perimetre["impact"]
    ctx.perimetre["argent"] = demo.perimetre["argent"]
    return folder, ctx


def test_a_brief_with_every_section_fits_in_max_pages(tmp_path, full_context):
    folder, ctx = full_context
    context = save_context(ctx, tmp_path / "contextes" / "complete")
    built = tmp_path / "travail" / "notes" / "complete"
    built.mkdir(parents=True)
    common = {"id_note": "complete", "annee": 2024, "structure": STRUCTURE, "sites": None,
              "destinataire": {"nom": "Député 11-03 (fictif)", "qualite": "Député de la circonscription 11-03"},
              "demandes": DEMANDES, "seuil_secret": 5, "regle": None}
    result = batch.render_note({**common, "donnees": str(folder), "contexte": str(context), "sortie": str(built)},
                               {**common, "donnees": "donnees", "contexte": None, "sortie": "."}, str(built),
                               {"titre": "Note complète"}, noyau_chaud=False)
    assert result.ok, result.message
    assert result.pages <= batch.MAX_PAGES
    page = html.unescape((built / "note.html").read_text(encoding="utf-8"))
    titles = [re.sub(r"<[^>]+>", "", t).strip() for t in re.findall(r"<h2[^>]*>(.*?)</h2>", page, re.S)]
    assert [s for s in SECTIONS if s not in titles] == [], titles
    assert page.count("<img") == 3  # trend, funnel, money
    assert "Hypothèses" in page and all(d in page for d in DEMANDES)
