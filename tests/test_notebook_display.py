"""What the notebooks show (issue 15, items 3 to 5): the same statistical secrecy as the briefs, tables made to
be read (French headers and numbers, no row index, a truncated table says so), a chart without the sites that
have nothing to show, « $ » never read as mathematics, an HTML export that loads nothing from outside, and one
range for the same structure in notebook 05 and its brief."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import matplotlib
import nbformat
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")

from iae_impact.analysis import indicators, release, stats  # noqa: E402
from iae_impact.analysis.disclosure import mask_groups, pooled_groups_hidden  # noqa: E402
from iae_impact.analysis.variants import exit_rule_comparison  # noqa: E402
from iae_impact.base.paths import DEMO_DIR  # noqa: E402
from iae_impact.data.ingest import read_dataset  # noqa: E402
from iae_impact.report import charts, notebook, tables, text_impact, text_money  # noqa: E402
from iae_impact.report.export import _EXTERNAL_RE, notebook_page  # noqa: E402
from iae_impact.report.labels import COLUMN_LABELS, column_label  # noqa: E402

SEUIL = 5
LEVELS = (["structure", "site", "dispositif"], ["structure"], [])


@pytest.fixture(scope="module")
def demo():
    return read_dataset(DEMO_DIR)


@pytest.fixture(scope="module")
def publication(demo):
    return release.linked_suppression(demo, seuil=SEUIL)


# --------------------------------------------------------------------------- tables made to be read


def test_headers_come_from_one_french_mapping(publication):
    assert column_label("taux_sorties_dynamiques_ic_bas") == "IC 95 % bas"
    assert column_label("part_femmes") == "Femmes (part)" and column_label("part_femmes_n") == "n (Femmes)"
    assert column_label("sorties_examinees_gip") == "Sorties examinées (règle du GIP)"
    assert column_label("Estimateur") == "Estimateur"  # already written for a reader
    table = publication.grouped(["structure", "site"]).table
    labels = [column_label(c) for c in table.columns]
    assert not [label for label in labels if "_" in label], "a header left as its code name"
    assert len(set(COLUMN_LABELS.values())) == len(COLUMN_LABELS)  # two columns never share a header


def test_numbers_are_french_and_the_index_is_hidden():
    frame = pd.DataFrame({"onglet": ["heures", "parcours"], "lignes_lues": [6200, 1490], "etp": [111.0, 2.25],
                          "obligatoire": [True, False], "premiere_entree": pd.to_datetime(["2014-04-04", None]),
                          "annee": [2024, 2025], "taux_sorties_dynamiques": [0.5, np.nan],
                          "taux_sorties_dynamiques_ic_bas": [0.3, np.nan],
                          "taux_sorties_dynamiques_ic_haut": [0.7, np.nan], "part_femmes": [0.54, 0.5],
                          "part_femmes_n": [54, 10]}, index=[7, 9])
    styler = tables.show_table(frame, decimals={"etp": 1})
    shown = styler.data
    assert list(shown.columns) == ["Onglet", "Lignes lues", "ETP", "Obligatoire", "Première entrée", "Année",
                                   "Taux de sorties dynamiques", "IC 95 %", "Femmes (part)"]
    assert shown.iloc[0].tolist() == ["heures", "6\u202f200", "111,0", "oui", "04/04/2014", "2024", "50\u00a0%",
                                      "[30\u00a0% ; 70\u00a0%]", "54\u00a0% (n\u00a0=\u00a054)"]
    assert shown.iloc[1].tolist()[3:8] == ["non", "–", "2025", "–", "–"]
    html = styler.to_html()
    assert "row_heading" not in html and ">7<" not in html  # no pandas row number
    assert frame.columns[1] == "lignes_lues" and frame.index.tolist() == [7, 9]  # the frame given is untouched


def test_a_truncated_table_says_so():
    frame = pd.DataFrame({"site": [f"s{i}" for i in range(41)], "personnes": range(41)})
    styler = tables.show_table(frame, max_rows=20)
    assert len(styler.data) == 20 and "20 premières lignes sur 41." in styler.to_html()
    assert "premières lignes" not in tables.show_table(frame).to_html() and len(tables.show_table(frame).data) == 41


def test_site_chart_leaves_out_sites_with_nothing_to_show(publication):
    par_site = publication.grouped(["structure", "site"]).table
    shown = [name for name, _ in charts.groups_to_plot(par_site, "taux_sorties_dynamiques", "site")]
    published = par_site.dropna(subset=["taux_sorties_dynamiques"])["site"].unique()
    assert sorted(shown) == sorted(published) and len(shown) < par_site["site"].nunique()
    ax = charts.plot_rate_by_year(par_site, "taux_sorties_dynamiques", hue="site", title="t")
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == sorted(shown)
    markers = {c.get_label(): c.lines[0].get_marker() for c in ax.containers}
    assert sorted(markers) == labels and len(set(markers.values())) == len(labels)  # told apart by their marker, not by colour alone


# --------------------------------------------------------------------------- statistical secrecy


def test_the_structure_chart_draws_no_rate_the_release_masks(demo, publication):
    """AMIE 2018 (about 82 %) is masked in notebook 02: notebook 03's chart, from the same release, leaves it out."""
    par_structure = publication.grouped(["structure"]).table
    groups = dict(charts.groups_to_plot(par_structure, "taux_sorties_dynamiques", "structure"))
    amie_2018 = groups["AMIE (fictif)"].set_index("annee").loc[2018]
    assert np.isnan(amie_2018["taux_sorties_dynamiques"])  # not drawn: the line breaks there
    raw = indicators.compute_indicators(demo, by=["structure"])
    amie = raw[(raw["structure"] == "AMIE (fictif)") & (raw["annee"] == 2018)].iloc[0]
    assert amie["taux_sorties_dynamiques"] == pytest.approx(18 / 22)  # what used to be drawn


def test_the_site_year_table_shows_no_small_count(publication):
    """Notebook 03's site × year table (it printed 4 for Lézignan-Corbières ACI 2015)."""
    par_site = publication.grouped(LEVELS[0]).table
    wide = tables.years_wide(par_site, "sorties_examinees", ["dispositif", "site"], total=publication.grouped([]).table)
    counts = wide.drop(columns=["dispositif", "site"]).to_numpy(dtype=float)
    assert not ((counts > 0) & (counts < SEUIL)).any()
    lezignan = wide[wide["site"] == "Lézignan-Corbières"].iloc[0]
    assert np.isnan(lezignan["2015"]) and lezignan["2016"] == 11


def test_pooled_counts_that_would_reveal_a_masked_cell_are_hidden(demo, publication):
    exits = indicators.examined_exits(demo)
    levels = [(by, publication.grouped(by).table) for by in LEVELS]
    sites, structures, ensemble = pooled_groups_hidden(levels, exits, SEUIL)
    # Lézignan: 4 exits masked in 2015; Narbonne hidden with it (secondary), else 232 − 43 − 94 gives Lézignan back;
    # Toulouse: the 4 non-dynamic exits of 2018; each structure then has a hidden site, the ensemble stays.
    assert {s for _, s, _ in sites} == {"Lézignan-Corbières", "Narbonne", "Toulouse"}
    assert structures == {("A.M.I. Aude (fictif)",), ("AMIE (fictif)",)} and ensemble == set()
    raw = mask_groups(stats.raw_rates(exits), "site", [s for _, s, _ in sites], keep=["dispositif", "site"])
    shown = raw.dropna(subset=["sorties_examinees"])
    assert shown["site"].tolist() == ["Carcassonne-Berriac"]
    assert not any(abs(r - 18 / 22) < 0.005 for r in raw["taux_sorties_dynamiques"].dropna())
    trends = stats.trends_without_counts(stats.trends(exits), [s for (s,) in structures])
    assert all(t["n"] is None for per in trends["par_structure"].values() for t in per.values())
    assert trends["ensemble"]["sortie_dynamique"]["n"] == len(exits)


def test_nothing_is_hidden_without_secrecy(demo):
    exits = indicators.examined_exits(demo)
    open_release = release.linked_suppression(demo, seuil=1)
    assert pooled_groups_hidden([(by, open_release.grouped(by).table) for by in LEVELS], exits, 1) == [set()] * 3


def test_the_exit_rule_table_masks_the_cells_of_the_release(demo, publication):
    table = exit_rule_comparison(demo, by=["structure"], seuil=SEUIL, release=publication)
    merged = table.merge(publication.grouped(["structure"]).table, on=["annee", "structure"])
    for column in ("sorties_examinees", "sorties_dynamiques", "taux_sorties_dynamiques"):
        assert (merged[f"{column}_ecrite"].isna() == merged[column].isna()).all(), column
    aude_2018 = merged[(merged["structure"] == "A.M.I. Aude (fictif)") & (merged["annee"] == 2018)].iloc[0]
    assert np.isnan(aude_2018["sorties_dynamiques_ecrite"])  # shown as 11 before, masked everywhere else


def test_impact_counts_below_the_threshold_are_not_written():
    text = text_impact.describe_groups("X", 3, 700, 0, seuil=5)
    assert "moins de 5" in text and " 3 " not in text
    outcomes = text_impact.describe_outcomes_only(3, 2, 2 / 3, 0.2, 0.9, 50, seuil=5)
    assert "67" not in outcomes and "non publié" in outcomes


# --------------------------------------------------------------------------- « $ », HTML export, one range


def test_dollar_amounts_are_not_read_as_mathematics(monkeypatch):
    shown = []
    monkeypatch.setattr(notebook, "display", lambda obj, **_: shown.append(obj))
    notebook.show("l'effet va de -8 498 $ (écart brut, témoins CPS-1) à 2 626 $ (IPW) ; déjà \\$ échappé")
    assert shown[0].data == "l'effet va de -8 498 \\$ (écart brut, témoins CPS-1) à 2 626 \\$ (IPW) ; déjà \\$ échappé"


class _Scripts(HTMLParser):
    def __init__(self):
        super().__init__()
        self.sources: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "script" and dict(attrs).get("src"):
            self.sources.append(dict(attrs)["src"])


def test_the_html_export_of_a_notebook_loads_nothing_from_outside(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("Il en coûte 1 794 \\$ à 2 626 \\$."),
                nbformat.v4.new_code_cell("1 + 1", outputs=[nbformat.v4.new_output(
                    "display_data", data={"text/markdown": "de 12 \\$ à 14 \\$", "text/plain": "x"})])]
    path = tmp_path / "carnet.ipynb"
    nbformat.write(nb, path)
    page = notebook_page(path)
    scripts = _Scripts()
    scripts.feed(page)
    assert scripts.sources == []
    assert not _EXTERNAL_RE.search(page) and not re.search(r"https?://[^\"'\s]*(mathjax|require)", page, re.I)
    assert "1 794 $ à 2 626 $" in page  # the escape disappears, the dollars stay


def test_the_scenario_table_gives_the_range_of_the_brief():
    section = {"personnes_emploi": {"bas": 9.0, "central": 11.5, "haut": 14.0},
               "rsa_evite_eur": {"bas": 11_712.4, "central": 15_010.0, "haut": 20_740.2},
               "cotisations_eur": {"bas": 9_957.0, "central": 18_490.0, "haut": 37_222.0}}
    table = text_money.scenario_table(section)
    rsa = table["RSA non versé (dépense évitée)"].tolist()
    sentence = text_money.eur_range(section["rsa_evite_eur"]["bas"], section["rsa_evite_eur"]["haut"])
    assert sentence == "entre 11\u202f700 et 20\u202f800\u00a0€"
    assert rsa[0] == "11\u202f700\u00a0€" and rsa[2] == "20\u202f800\u00a0€"  # the sentence's two bounds
    cot = table["Cotisations (recette nouvelle)"].tolist()
    assert text_money.eur_range(9_957.0, 37_222.0) == f"entre {cot[0][:-2]} et {cot[2]}"


def test_the_cost_table_gives_the_ranges_of_the_brief(demo, publication):
    from iae_impact.report.context import brief_money

    section = brief_money(demo, 2024, structure="AMIE (fictif)", seuil=SEUIL, release=publication)
    row = text_money.cost_table({"AMIE (fictif)": section, "vide": None}).iloc[0]
    aid = section["aide_au_poste_eur"]
    assert aid["bas"] < aid["haut"]  # estimated: part modulée 0 to 10 %
    assert row["Aide au poste"] == text_money.eur_range(aid["bas"], aid["haut"], "de")
    assert row["Aide au poste"] in " ".join(section["phrases"]).replace("entre ", "de ").replace(" et ", " à ")
    per_exit = section["par_sortie_dynamique_eur"]
    assert row["Par sortie dynamique"] == text_money.eur_range(per_exit["bas"], per_exit["haut"], "de")


def test_a_name_is_shown_as_typed_never_as_html():
    hostile = "<img src=x onerror=alert(1)>\u202eA & B"
    html = tables.show_table(pd.DataFrame({"site": [hostile], "personnes": [12]})).to_html()
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;A &amp; B" in html
