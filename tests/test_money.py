"""Public money: aide au poste (conventions or ETP x socle, as a range), cost per outcome, avoided spending and
new receipts apart (issue 14: SMIC by date, sourced hours per ETP, additional exits, published cells only).

Expected values are computed by hand from the amounts of data/reference (aide_au_poste.csv, rsa.csv)
and from parameter files written in tmp_path, so a change of couts_evites.yaml never breaks them.
"""

from __future__ import annotations

import json
import re

import pytest
import yaml

from iae_impact import money
from iae_impact.base.paths import REFERENCE_DIR
from iae_impact.report import charts, text_money
from iae_impact.rules import tables as reference
from iae_impact.rules.avoided_costs import PARAMETER_NAMES

from .conftest import write_csv

HEADER = ("id_parcours;id_personne;structure;site;dispositif;date_entree;date_sortie;motif_sortie;"
          "heures_travaillees;beneficiaire_rsa;en_emploi_6_mois")
CONVENTIONS = ("structure;site;dispositif;annee;etp_conventionnes;aide_au_poste_eur;cofinancement_departement_eur;"
               "autres_financements_eur")
CDI = "Embauche en CDI non aidé"
CDD_COURT = "Embauche en CDD (sans aide publique à l'emploi) de moins de 6 mois (hors IAE)"
CHOMAGE = "Au chômage"
AI_2024 = (305 * 1570 + 61 * 1619) / 366  # 1 Jan-31 Oct 2024 at 1 570 €, 1 Nov-31 Dec at 1 619 € (leap year)
RSA_2024 = (91 * 607.75 + 275 * 635.71) / 366  # 1 Jan-31 Mar at 607,75 €, from 1 Apr at 635,71 €
SMIC_2024 = (305 * 11.65 + 61 * 11.88) / 366  # décret du 20/12/2023, then décret n° 2024-951 from 1 Nov 2024


def line(i: int, structure: str, motif: str = "", sortie: str = "20/12/2024", heures: float = 1607,
         dispositif: str = "AI", rsa: str = "", emploi: str = "", site: str = "") -> str:
    return (f"P{i};X{i};{structure};{site};{dispositif};02/01/2024;{sortie if motif else ''};{motif};{heures};"
            f"{rsa};{emploi}")


def ai_hours_per_etp() -> float:
    return float(reference.load_dispositifs().loc["AI", "heures_par_etp"])


def write_parameters(tmp_path, name: str = "hypotheses.yaml", **changes) -> str:
    """A copy of couts_evites.yaml with round values (and ``changes``: name -> (bas, central, haut))."""
    data = yaml.safe_load((REFERENCE_DIR / "couts_evites.yaml").read_text(encoding="utf-8"))
    values = {
        "part_rsa_sorties_emploi": (0.25, 0.5, 0.75), "mois_evites": (6, 6, 6), "part_rsa_versee": (1.0, 1.0, 1.0),
        "heures_mensuelles_emploi": (100, 100, 100), "taux_cotisations": (0.2, 0.2, 0.2), **changes,
    }
    for key, (low, mid, high) in values.items():
        data["parametres"][key].update(bas=low, central=mid, haut=high)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return str(path)


# --------------------------------------------------------------------------- amounts in force


def test_socle_weighted_across_a_mid_year_revaluation():
    assert money.socle_for_year("AI", 2024) == pytest.approx(AI_2024, rel=1e-12)
    # ACI 2023: 22 692 € from 1 Jan (120 days), 23 196 € from 1 May (245 days)
    assert money.socle_for_year("ACI", 2023) == pytest.approx((120 * 22692 + 245 * 23196) / 365, rel=1e-12)


def test_socle_last_known_amount_stays_in_force_and_none_before_the_first():
    assert money.socle_for_year("AI", 2026) == pytest.approx(1619)
    with pytest.raises(ValueError, match="premier montant connu"):
        money.socle_for_year("AI", 2014)  # first AI amount: 1 July 2014
    with pytest.raises(ValueError, match="aucun montant d'aide au poste"):
        money.socle_for_year("ACCOMPAGNEMENT", 2024)


def test_rsa_amount_weighted_across_april_revaluation():
    assert money.rsa_for_year(2024) == pytest.approx(RSA_2024, rel=1e-12)
    with pytest.raises(ValueError, match="montant du RSA inconnu"):
        money.rsa_for_year(2021)


# --------------------------------------------------------------------------- aide au poste


@pytest.fixture
def two_structures(tmp_path, make_dataset):
    """S1 with a convention for 2024 (and 2023, without activity); S2 without convention; one
    accompaniment programme that must be left out. One full-time year of hours per person."""
    write_csv(tmp_path / "donnees", "conventions.csv", [
        CONVENTIONS, "S1;S1;AI;2024;1,2;5000;1000;", "S1;S1;AI;2023;1;4000;;",
        "S2;S2;ACCOMPAGNEMENT;2024;;9999;;"])
    return make_dataset([
        line(1, "S1", CDI), line(2, "S2", CDI), line(3, "S2", heures=0, dispositif="ACCOMPAGNEMENT"),
    ], header=HEADER)


def test_conventions_amount_wins_and_calculation_otherwise(two_structures):
    table = money.aide_au_poste(two_structures, by=("structure",), annees=[2024])
    s1, s2 = (table[table["structure"] == s].iloc[0] for s in ("S1", "S2"))
    etp = 1607 / ai_hours_per_etp()
    assert s1["source"] == "conventions" and s2["source"] == "calcul"
    assert s1["aide_au_poste_eur"] == 5000 and s1["cofinancement_departement_eur"] == 1000
    assert s1["total_public_eur"] == 6000 and s1["etp_conventionnes"] == pytest.approx(1.2)
    assert s2["etp"] == pytest.approx(etp)
    assert s2["aide_au_poste_eur"] == pytest.approx(etp * AI_2024, rel=1e-12)
    assert s2["total_public_eur"] == pytest.approx(s2["aide_au_poste_eur"])
    assert s2[["cofinancement_departement_eur", "autres_financements_eur"]].isna().all()
    # one person, one exit to a CDI: every ratio is the total
    for ratio in ("par_personne", "par_sortie_dynamique", "par_emploi_durable"):
        assert s1[ratio] == pytest.approx(6000)
    assert s1["par_etp"] == pytest.approx(6000 / etp)
    assert table["aide_au_poste_eur"].lt(9999).all()  # the accompaniment "convention" is not aide au poste
    assert any("ACCOMPAGNEMENT" in r for r in text_money.aid_remarks(table))


def test_totals_mix_sources_and_years_without_activity_keep_their_convention(two_structures):
    table = money.aide_au_poste(two_structures, by=())
    y2024 = table[table["annee"] == 2024].iloc[0]
    assert y2024["source"] == "mixte"
    assert y2024["aide_au_poste_eur"] == pytest.approx(5000 + 1607 / ai_hours_per_etp() * AI_2024)
    y2023 = table[table["annee"] == 2023].iloc[0]
    assert y2023["source"] == "conventions" and y2023["aide_au_poste_eur"] == 4000 and y2023["etp"] == 0
    assert y2023[["par_etp", "par_personne", "par_sortie_dynamique"]].isna().all()  # denominators are 0


def test_plain_dtypes(two_structures):
    table = money.aide_au_poste(two_structures)
    assert {str(t) for t in table.dtypes} <= {"int64", "float64", "object"}


def test_modulation_raises_the_calculation_only(two_structures):
    base = money.aide_au_poste(two_structures, by=("structure",), annees=[2024]).set_index("structure")
    up = money.aide_au_poste(two_structures, by=("structure",), annees=[2024], modulation=0.10).set_index("structure")
    assert up.loc["S2", "aide_au_poste_eur"] == pytest.approx(base.loc["S2", "aide_au_poste_eur"] * 1.10, rel=1e-12)
    assert up.loc["S1", "aide_au_poste_eur"] == base.loc["S1", "aide_au_poste_eur"] == 5000
    with pytest.raises(ValueError, match="part modulée invalide"):
        money.aide_au_poste(two_structures, modulation=0.2)


# --------------------------------------------------------------------------- avoided costs


@pytest.fixture
def twelve_exits(make_dataset):
    """One AI structure, 2024: 6 exits to a CDI, 6 to a short CDD, 5 to unemployment (no small cell);
    RSA and 6-month employment unknown, so the parameters apply."""
    lines = [line(i, "S", CDI, heures=400) for i in range(6)]
    lines += [line(i, "S", CDD_COURT, heures=400) for i in range(6, 12)]
    lines += [line(i, "S", CHOMAGE, heures=400) for i in range(12, 17)]
    return make_dataset(lines, header=HEADER)


def hand_spending(n: float, p_rsa: float, months: float = 6, paid: float = 1.0) -> float:
    return n * p_rsa * months * RSA_2024 * paid


def hand_receipts(n: float, months: float = 6, hours: float = 100, rate: float = 0.2) -> float:
    return n * months * SMIC_2024 * hours * rate


def test_smic_by_date_weighted_by_days_and_sourced():
    from iae_impact.rules.amounts import smic_for_year, smic_in_force

    assert smic_for_year(2024) == pytest.approx(SMIC_2024, rel=1e-12)  # not 11,88 € for the whole year
    assert smic_for_year(2025) == pytest.approx(11.88)
    in_force = smic_in_force(2024)
    assert [v for _d, v, _t, _f in in_force] == [11.65, 11.88]
    assert "2024-951" in in_force[1][2] and {f for *_x, f in in_force} == {"P"}
    table = reference.load_smic()
    assert table["source"].str.len().gt(0).all() and table["fiabilite"].isin(["P", "S"]).all()


def test_hours_per_etp_are_sourced_and_conflicting_sources_give_a_range():
    from iae_impact.rules.dispositifs import hours_per_etp_range

    table = reference.load_dispositifs()
    assert hours_per_etp_range("AI") == (1607, 1607, 1607) and table.loc["AI", "fiabilite_heures"] == "P"
    assert "fluxIAE_AnnexeFinanciere" in table.loc["AI", "source_heures"]
    assert hours_per_etp_range("EI") == (1820, 1505, 1820)  # real annexes: 1 505 h; customary: 1 820 h


def test_estimated_aid_is_a_range_of_part_modulee_and_hours(make_dataset, tmp_path):
    lines = [line(i, "S", CDI, heures=1000) for i in range(6)]
    lines += [line(i, "S", CHOMAGE, heures=1000) for i in range(6, 12)]
    ai = money.brief_money(make_dataset(lines, header=HEADER), 2024, parametres_path=write_parameters(tmp_path))
    etp = 12 * 1000 / 1607
    assert ai["aide_au_poste_eur"]["bas"] == pytest.approx(etp * AI_2024, rel=1e-6)
    assert ai["aide_au_poste_eur"]["haut"] == pytest.approx(etp * AI_2024 * 1.10, rel=1e-6)  # part modulée 10 %
    assert "part modulée de 0 à 10" in ai["phrases"][0]
    ei = [x.replace(";AI;", ";EI;") for x in lines]
    m = money.brief_money(make_dataset(ei, header=HEADER), 2024, parametres_path=write_parameters(tmp_path))
    socle = money.socle_for_year("EI", 2024)
    assert m["aide_au_poste_eur"]["bas"] == pytest.approx(12000 / 1820 * socle, rel=1e-6)
    assert m["aide_au_poste_eur"]["haut"] == pytest.approx(12000 / 1505 * socle * 1.10, rel=1e-6)
    assert "1 505 à 1 820 heures par ETP" in m["phrases"][0].replace("\u202f", " ")


def test_funding_per_person_per_etp_and_per_sortie_dynamique_each_said_for_what_it_is(twelve_exits, tmp_path):
    m = money.brief_money(twelve_exits, 2024, parametres_path=write_parameters(tmp_path))
    aid = m["aide_au_poste_eur"]
    assert m["par_personne_eur"]["bas"] == pytest.approx(aid["bas"] / 17, abs=0.01)
    assert m["par_etp_eur"]["haut"] == pytest.approx(aid["haut"] / m["etp"], abs=0.01)
    assert m["par_sortie_dynamique_eur"]["bas"] == pytest.approx(aid["bas"] / 12, abs=0.01)
    text = m["phrases"][1].replace("\u202f", " ")
    assert "pour les 17 personnes salariées" in text and "par personne" in text and "par ETP" in text
    assert "rapportée aux 12 sorties dynamiques" in text and "pas un coût par sortie" in text


def test_avoided_spending_and_new_receipts_match_hand_computation_and_stay_apart(tmp_path):
    persons = {"bas": 2.0, "central": 3.0, "haut": 4.0}
    couts = money.avoided_costs(2024, persons, parametres_path=write_parameters(tmp_path))
    assert list(couts.index) == ["bas", "central", "haut"] and "total_eur" not in couts
    for s, p_rsa in {"bas": 0.25, "central": 0.5, "haut": 0.75}.items():
        assert couts.loc[s, "rsa_evite_eur"] == pytest.approx(hand_spending(persons[s], p_rsa), rel=1e-12)
        assert couts.loc[s, "cotisations_eur"] == pytest.approx(hand_receipts(persons[s]), rel=1e-12)
    observed = money.avoided_costs(2024, persons, dict.fromkeys(("bas", "central", "haut"), 0.2),
                                   parametres_path=write_parameters(tmp_path))
    assert (observed["origine_part_rsa"] == "donnees").all()
    assert observed.loc["haut", "rsa_evite_eur"] == pytest.approx(hand_spending(4, 0.2), rel=1e-12)


def test_a_parameter_file_change_scales_the_avoided_costs(tmp_path):
    persons = dict.fromkeys(("bas", "central", "haut"), 5.0)
    base = money.avoided_costs(2024, persons, parametres_path=write_parameters(tmp_path))
    doubled = money.avoided_costs(2024, persons, parametres_path=write_parameters(tmp_path, "x2.yaml",
                                                                                   mois_evites=(12, 12, 12)))
    for col in ("rsa_evite_eur", "cotisations_eur"):
        assert list(doubled[col]) == pytest.approx(list(2 * base[col]), rel=1e-12)
    cheaper = money.avoided_costs(2024, persons, parametres_path=write_parameters(tmp_path, "t.yaml",
                                                                                   taux_cotisations=(0.1,) * 3))
    assert list(cheaper["cotisations_eur"]) == pytest.approx(list(base["cotisations_eur"] / 2), rel=1e-12)
    assert list(cheaper["rsa_evite_eur"]) == pytest.approx(list(base["rsa_evite_eur"]), rel=1e-12)


def test_additional_exits_come_from_the_impact_estimate_and_zero_is_said():
    from iae_impact.analysis.money import additional_employment

    assert additional_employment({"ci_bas": -0.02, "estimate": 0.07, "ci_haut": 0.15}, 20) == {
        "bas": 0.0, "central": pytest.approx(1.4), "haut": pytest.approx(3.0)}


@pytest.mark.parametrize("change, fragment", [
    (lambda d: d["parametres"]["mois_evites"].pop("source"), "champ « source » absent"),
    (lambda d: d["parametres"]["mois_evites"].update(bas=13), "bas ≤ central ≤ haut"),
    (lambda d: d["parametres"]["taux_cotisations"].update(haut=1.5), "proportion entre 0 et 1"),
    (lambda d: d["parametres"].update(tva={"bas": 1}), "paramètre inconnu"),
    (lambda d: d.pop("citation_reseaux"), "citation_reseaux"),
    (lambda d: d["part_modulee_aide_au_poste"].update(haut=2), "part_modulee_aide_au_poste"),
])
def test_invalid_parameter_files_are_refused_in_french(tmp_path, change, fragment):
    data = yaml.safe_load((REFERENCE_DIR / "couts_evites.yaml").read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "faux.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValueError, match=re.escape(fragment)):
        money.load_parameters(path)


def test_the_shipped_parameter_file_is_valid_and_sourced():
    params = money.load_parameters()
    for name, p in params["parametres"].items():
        assert p["source"].strip() and p["remarque"].strip(), name
        assert p["fiabilite"] in {"P", "S", "U", "Calc", "convention"}, name
    assert "smic_horaire_brut_eur" not in params["parametres"]  # the SMIC is read by date (smic.csv)
    assert params["citation_reseaux"]["statut"] == "affirmation des réseaux, étude non publiée"
    text = text_money.assumptions_text(params)
    assert len(text) >= len(PARAMETER_NAMES) and all("Source" in t for t in text[:len(PARAMETER_NAMES)])


# --------------------------------------------------------------------------- brief section


def test_gross_amounts_are_said_gross_spending_and_receipts_apart(twelve_exits, tmp_path):
    m = money.brief_money(twelve_exits, 2024, parametres_path=write_parameters(tmp_path))
    json.dumps(m)  # JSON-serialisable as it is
    text = " ".join(m["phrases"])
    assert m["base"] == "brut" and m["sorties_emploi_exactes"] and m["sorties_emploi"]["bas"] == 12
    assert "Montants bruts" in text and "sans le parcours" in text
    assert "dépense évitée" in text and "recette nouvelle" in text and "coûts évités" not in text
    assert m["rsa_evite_eur"]["haut"] == pytest.approx(hand_spending(12, 0.75))
    assert m["cotisations_eur"]["bas"] == pytest.approx(hand_receipts(12))
    assert m["note"] and "SMIC" in m["note"] and "[P]" in m["note"]  # the assumptions, compactly


def test_changing_the_parameter_file_changes_the_brief(twelve_exits, tmp_path):
    a = money.brief_money(twelve_exits, 2024, parametres_path=write_parameters(tmp_path))
    b = money.brief_money(twelve_exits, 2024, parametres_path=write_parameters(tmp_path, "b.yaml",
                                                                                 mois_evites=(12, 12, 12)))
    assert a["phrases"][2] != b["phrases"][2]
    assert b["rsa_evite_eur"]["haut"] == pytest.approx(2 * a["rsa_evite_eur"]["haut"], rel=1e-6)
    assert a["phrases"][0] == b["phrases"][0]  # the aide au poste does not depend on the scenarios


def test_masked_exit_counts_give_bounds_from_published_cells(make_dataset, tmp_path):
    """6 CDI, 3 short CDD: emploi de transition (3) is masked, and sorties positives (0) with it; with emploi
    durable published they would sum to 3 (each pinned to [0, 3]): the release masks emploi durable too.
    The range covers 0 to 9 exits to employment and never reveals the 3."""
    lines = [line(i, "S", CDI, heures=400) for i in range(6)]
    lines += [line(i, "S", CDD_COURT, heures=400) for i in range(6, 9)]
    lines += [line(i, "S", CHOMAGE, heures=400) for i in range(9, 14)]
    m = money.brief_money(make_dataset(lines, header=HEADER), 2024, parametres_path=write_parameters(tmp_path))
    assert m["sorties_emploi_exactes"] is False
    assert m["sorties_emploi"] == {"bas": 0.0, "central": 4.5, "haut": 9.0}
    assert m["rsa_evite_eur"]["bas"] == 0 and m["rsa_evite_eur"]["haut"] == pytest.approx(hand_spending(9, 0.75))
    assert "selon les chiffres publiés" in " ".join(m["phrases"])


def test_too_few_persons_publish_no_amount(make_dataset, tmp_path):
    m = money.brief_money(make_dataset([line(1, "S", CDI)], header=HEADER), 2024,
                          parametres_path=write_parameters(tmp_path))
    assert m["aide_au_poste_eur"] is None and m["rsa_evite_eur"] is None
    assert "secret statistique" in m["phrases"][0] and "€" not in " ".join(m["phrases"])


def test_networks_claim_only_appears_attributed(twelve_exits, tmp_path):
    m = money.brief_money(twelve_exits, 2024, parametres_path=write_parameters(tmp_path))
    claim = money.load_parameters()["citation_reseaux"]["texte"]
    assert claim in m["citation_reseaux"]
    assert "affirment" in m["citation_reseaux"] and "étude non publiée" in m["citation_reseaux"]
    others = " ".join([*m["phrases"], *m["hypotheses"], *m["remarques"]])
    assert "1,50" not in others


def test_no_section_without_salaried_dispositif(make_dataset):
    ds = make_dataset([line(i, "S", CDI, heures=0, dispositif="ACCOMPAGNEMENT") for i in range(8)], header=HEADER)
    assert money.brief_money(ds, 2024) is None


def test_money_figure_shows_each_range_apart(twelve_exits, tmp_path):
    import matplotlib.pyplot as plt

    m = money.brief_money(twelve_exits, 2024, parametres_path=write_parameters(tmp_path))
    fig, alt = charts.money_figure(m)
    try:
        labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
        assert labels[-1].startswith("Aide au poste") and any("RSA" in x for x in labels)
        assert "dépense évitée" in alt and "recette nouvelle" in alt
    finally:
        plt.close(fig)




# --------------------------------------------------------------------------- the demo briefs


@pytest.fixture(scope="module")
def demo_release():
    from iae_impact.analysis.release import linked_suppression
    from iae_impact.base.paths import DEMO_DIR
    from iae_impact.ingest import read_dataset

    demo = read_dataset(DEMO_DIR)
    return demo, linked_suppression(demo, 5)


@pytest.mark.slow
@pytest.mark.parametrize("structure", ["AMIE (fictif)", "A.M.I. Aude (fictif)"])
def test_brief_and_notebook_05_give_the_same_section(demo_release, structure):
    """One function computes the section: the brief's context and notebook 05 (which calls brief_money)."""
    from iae_impact.report.context import ReleaseInputs, prepare_context

    demo, release = demo_release
    inputs = ReleaseInputs.of(demo)
    inputs.masks = release
    brief = prepare_context(inputs, structure=structure, annee=2024).perimetre["argent"]
    notebook = money.brief_money(demo, 2024, structure=structure, release=release)
    assert brief == notebook


@pytest.mark.slow
def test_demo_ranges_are_narrow_or_say_why(demo_release):
    """High/low under 3, or the sentence names what makes the range wide (issue 14: never hidden)."""
    demo, release = demo_release
    for structure in ("AMIE (fictif)", "A.M.I. Aude (fictif)"):
        m = money.brief_money(demo, 2024, structure=structure, release=release)
        aid = m["aide_au_poste_eur"]
        assert aid["haut"] / aid["bas"] < 3
        for key in ("rsa_evite_eur", "cotisations_eur"):
            low, high = m[key]["bas"], m[key]["haut"]
            if low <= 0 or high / low >= 3:
                assert "L'écart entre les bornes vient surtout" in " ".join(m["phrases"]), (structure, key)


def test_amie_counts_only_additional_exits_and_says_the_interval_includes_zero(demo_release):
    demo, release = demo_release
    m = money.brief_money(demo, 2024, structure="AMIE (fictif)", release=release)
    text = " ".join(m["phrases"]).replace("\u202f", " ")
    assert m["base"] == "impact" and m["personnes_emploi"]["bas"] == 0
    assert m["personnes_emploi"]["haut"] == pytest.approx(m["impact"]["ci_haut"] * 20, rel=1e-3)
    assert "Selon l'impact estimé" in text and "jusqu'à" in text and "ces montants peuvent l'être aussi" in text
