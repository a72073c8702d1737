"""Brief content: sentences from numbers, masked cells never printed, references of the same definition only."""

from __future__ import annotations

import pandas as pd
import pytest

from iae_impact.base.paths import DEMO_DIR
from iae_impact.data.selection import select_perimeter
from iae_impact.indicators import compute_indicators
from iae_impact.ingest import read_dataset
from iae_impact.report import brief, context

# slow: computes briefs or releases on the demo (seconds each); left out of make test-rapide
pytestmark = pytest.mark.slow

NBSP = "\u00a0"


def _plain(text: str) -> str:
    return text.replace("\u202f", " ").replace(NBSP, " ")


@pytest.fixture(scope="module")
def demo():
    return read_dataset(DEMO_DIR)


@pytest.fixture(scope="module")
def amie(demo):
    return brief.BriefFigures(context.prepare_context(demo, structure="AMIE (fictif)"), annee=2024)


def test_headline_rounds_down_and_says_so():
    assert brief.headline_round(14_200.9) == ("plus de ", 14_000.0)
    assert brief.headline_round(14_000.0) == ("", 14_000.0)
    assert brief.headline_round(1_234.0) == ("plus de ", 1_200.0)
    assert brief.headline_round(87.0) == ("", 87.0)


def test_association_intermediaire_sentences(amie):
    text = _plain(" ".join(brief.key_sentences(amie)))
    assert "En 2024, 50 personnes ont travaillé plus de 14 000 heures" in text
    assert "70 %" in text and "sorties dynamiques" in text and "sorties positives (" not in text
    assert "20 sorties examinées" in text


def test_key_figures_carry_references_of_the_same_definition_only(amie):
    table = brief.key_figures_table(amie).set_index("Indicateur")
    assert _plain(table.loc["Taux de sorties dynamiques", "Repère national"]) == "60 % (objectif)"
    assert table.loc["Personnes ayant travaillé", "Repère national"] == "—"
    assert "6 mois" not in " ".join(table["Repère national"])  # DARES 6-month rates are another measure


def test_references_are_of_the_same_dispositif_only(demo, amie):
    """Issue 14.3: the AI's 70 % women beside the AIs' 58 %, never the all-IAE 38 %; an ACI has none."""
    profile = brief.profile_table(amie).set_index("Profil")
    assert _plain(profile.loc["Femmes", "Repère national"]) == "58 % (ordre de grandeur, 2022)"
    assert profile.loc["Moins de 26 ans", "Repère national"] == "—"  # the 25 % is all-IAE
    aci = brief.BriefFigures(context.prepare_context(demo, "A.M.I. Aude (fictif)", annee=2024), 2024)
    assert set(brief.profile_table(aci)["Repère national"]) == {"—"}


def test_public_text_says_full_names_not_acronyms(demo, amie):
    from iae_impact.report.brief import title_html

    assert "association intermédiaire" in title_html(amie, {"qualite": "Député"})
    aude = brief.BriefFigures(context.prepare_context(demo, "A.M.I. Aude (fictif)", annee=2024), 2024)
    text = " ".join([*brief.key_sentences(aude), *brief.impact_sentences(aude), *brief.method_items(aude),
                     title_html(aude, {"qualite": "x"})])
    assert "atelier et chantier d'insertion" in text
    for acronym in (" AI ", " ACI ", "(AI", "(ACI", " QPV", " RQTH", " SIAE", " ASP)"):
        assert acronym not in text, acronym


def test_context_round_trip(tmp_path, demo):
    ctx = context.prepare_context(demo, structure="A.M.I. Aude (fictif)", sites=["Narbonne"])
    back = context.load_context(context.save_context(ctx, tmp_path))
    pd.testing.assert_frame_equal(back.indicateurs, ctx.indicateurs)
    assert back.perimetre == ctx.perimetre and back.provenance["fictif"] is True


def test_accompaniment_only_site_is_described_as_accompanied(demo):
    ctx = context.prepare_context(demo, structure="A.M.I. Aude (fictif)", sites=["Bram"])
    assert not ctx.salarie and ctx.perimetre["dispositifs"] == ["ACCOMPAGNEMENT"]
    f = brief.BriefFigures(ctx, annee=2024)
    text = " ".join(brief.key_sentences(f))
    assert "ont travaillé" not in text
    assert "accompagnées" in text or "moins de 5 personnes" in text


def test_masked_cells_never_reach_sentences_tables_or_summary(demo):
    ctx = context.prepare_context(demo, structure="A.M.I. Aude (fictif)", sites=["Narbonne"], seuil=11)
    f = brief.BriefFigures(ctx, annee=2024, seuil=11)
    raw = compute_indicators(select_perimeter(demo, "A.M.I. Aude (fictif)", ["Narbonne"])).set_index("annee").loc[2024]
    kept = ctx.indicateurs.set_index("annee").loc[2024]
    masked = [c for c in ("emploi_durable", "emploi_transition", "sorties_positives", "autres_sorties")
              if f.masked(c)]
    assert masked, "with a threshold of 11 a one-site year must have masked exit categories"
    summary = brief.summary(f, "x")
    exits = brief.exits_table(f).set_index("Catégorie")
    labels = {c: label for c, label, _ in brief.CATEGORY_ROWS}
    for c in masked:
        assert summary["indicateurs"][c] is None and c in summary["masques"]
        assert exits.loc[labels[c], "Sorties"] == brief.MASKED
        assert exits.loc[labels[c], "Part"] == brief.MASKED
        assert int(raw[c]) >= 0 and pd.isna(kept[c])  # the raw value exists; the context only holds it masked


def test_unknown_year_is_a_french_error(amie):
    with pytest.raises(ValueError, match="aucune donnée pour 1999"):
        brief.BriefFigures(amie.ctx, annee=1999)


def test_site_brief_places_the_perimeter_against_its_expected_rate(demo):
    f = brief.BriefFigures(context.prepare_context(demo, "A.M.I. Aude (fictif)", ["Narbonne"], annee=2024), 2024)
    text = _plain(brief.comparison_text(f))
    assert "attendu" in text and "observé/attendu" in text and "sorties examinées" in text
    fig, alt = brief.comparison_figure(f)
    assert "Narbonne" in alt and fig.get_size_inches()[1] < 3
    assert brief.impact_sentences(f) == []  # no comparison group at site level
    assert any("pas un impact" in item for item in brief.method_items(f))


def test_structure_brief_with_a_comparison_group_shows_impact_with_its_caveat(demo):
    f = brief.BriefFigures(context.prepare_context(demo, "AMIE (fictif)", annee=2024), 2024)
    est = f.ctx.perimetre["impact"]
    assert est is not None and est["n_temoins"] >= 50
    sentences = _plain(" ".join(brief.impact_sentences(f)))
    assert sentences.startswith("Impact estimé") and "tirage au sort" in sentences
    assert not any("pas un impact" in item for item in brief.method_items(f))


def test_accompaniment_brief_has_neither_comparison_nor_impact(demo):
    f = brief.BriefFigures(context.prepare_context(demo, "A.M.I. Aude (fictif)", ["Bram"], annee=2024), 2024)
    assert brief.comparison_text(f) is None and brief.comparison_figure(f) is None  # the section is left out
    assert brief.impact_sentences(f) == [] and brief.money_sentences(f) == []


def test_accompaniment_has_its_own_outcome_words(demo):
    """Issue 14.3: no « sorties examinées », no « taux d'emploi durable », no « 100 % bénéficiaires du RSA »."""
    f = brief.BriefFigures(context.prepare_context(demo, "A.M.I. Aude (fictif)", ["Bram"], annee=2024), 2024)
    text = " ".join([*brief.key_sentences(f), brief.exits_note(f), brief.trend_note(f),
                     *brief.key_figures_table(f)["Indicateur"], *brief.profile_table(f)["Profil"]])
    assert "fins d'accompagnement" in text.lower()
    for word in ("sorties examinées", "Sorties examinées", "emploi durable", "Bénéficiaires du RSA"):
        assert word not in text, word
    assert any("bénéficiaires du RSA" in i for i in brief.method_items(f))  # said once, as its public


def test_small_perimeter_publishes_its_pooled_headline(demo):
    """Issue 14.4: Bram (15 persons, 8 exits in 2024) says its rate over 2022-2024, the trend shows periods, every
    pooled cell is in the release (a pooled period is the sum of its years: tested in test_release)."""
    f = brief.BriefFigures(context.prepare_context(demo, "A.M.I. Aude (fictif)", ["Bram"], annee=2024), 2024)
    assert f.value("taux_sorties_dynamiques") is None  # the year alone says nothing
    text = _plain(" ".join(brief.key_sentences(f)))
    assert "de 2022 à 2024" in text and "%" in text
    points, pooled = brief.trend_points(f)
    assert pooled and list(points["periode"])[-1] == "2022-2024"
    assert brief.exits_published(f)


def test_a_bilan_shows_no_later_year(demo):
    f = brief.BriefFigures(context.prepare_context(demo, "AMIE (fictif)", annee=2024), 2024)
    points, pooled = brief.trend_points(f)
    assert not pooled and points["annee"].max() == 2024 and 2025 in set(f.ctx.indicateurs["annee"])
    assert f.ctx.perimetre["impact"]["annees_sorties"][-1] <= 2024


def test_impact_says_zero_the_years_pooled_the_balance_and_the_follow_up_limit(demo):
    f = brief.BriefFigures(context.prepare_context(demo, "AMIE (fictif)", annee=2024), 2024)
    text = _plain(" ".join(brief.impact_sentences(f)))
    assert "de 2017 à 2024" in text and "au profil comparable" in text
    assert "les données ne permettent pas d'exclure l'absence d'effet" in text
    assert "0,09" in text and "0,1" in text and "six mois après leur orientation" in text
    aude = brief.BriefFigures(context.prepare_context(demo, "A.M.I. Aude (fictif)", annee=2024), 2024)
    text = _plain(" ".join(brief.impact_sentences(aude)))
    assert "au profil comparable" not in text and "points [" not in text  # no estimate is given
    assert "quartier prioritaire de la politique de la ville (0,17)" in text and "(0,13)" in text
