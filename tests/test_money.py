"""Public money: aide au poste (conventions or ETP x socle), cost per outcome, avoided-cost scenarios.

Expected values are computed by hand from the amounts of data/reference (aide_au_poste.csv, rsa.csv)
and from parameter files written in tmp_path, so a change of couts_evites.yaml never breaks them.
"""

from __future__ import annotations

import json
import re

import pytest
import yaml

from iae_impact import money
from iae_impact.base.fr import format_eur
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
        "part_rsa_sorties_emploi": (0.25, 0.5, 0.75), "part_en_emploi_6_mois": (0.4, 0.5, 0.6),
        "mois_evites": (3, 6, 12), "part_rsa_versee": (1.0, 1.0, 1.0), "smic_horaire_brut_eur": (10, 10, 10),
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


def hand_costs(n: int, p_rsa: float, p_emp: float, months: float) -> float:
    rsa = n * p_rsa * p_emp * months * RSA_2024 * 1.0
    contributions = n * p_emp * months * 10 * 100 * 0.2
    return rsa + contributions


def test_avoided_costs_match_hand_computation(twelve_exits, tmp_path):
    couts = money.avoided_costs(twelve_exits, 2024, write_parameters(tmp_path))
    assert list(couts.index) == ["bas", "central", "haut"]
    assert (couts["sorties_emploi"] == 12).all() and couts["sorties_emploi_exact"].all()
    assert (couts["origine_part_rsa"] == "parametre").all()
    for s, (p_rsa, p_emp, months) in {"bas": (0.25, 0.4, 3), "central": (0.5, 0.5, 6),
                                      "haut": (0.75, 0.6, 12)}.items():
        assert couts.loc[s, "total_eur"] == pytest.approx(hand_costs(12, p_rsa, p_emp, months), rel=1e-12)
    aide = 17 * 400 / ai_hours_per_etp() * AI_2024
    assert couts.loc["central", "aide_au_poste_eur"] == pytest.approx(aide, rel=1e-9)
    assert couts.loc["central", "ratio_aide_au_poste"] == pytest.approx(couts.loc["central", "total_eur"] / aide)


def test_a_parameter_file_change_scales_the_avoided_costs(twelve_exits, tmp_path):
    base = money.avoided_costs(twelve_exits, 2024, write_parameters(tmp_path))
    doubled = money.avoided_costs(twelve_exits, 2024, write_parameters(tmp_path, "x2.yaml", mois_evites=(6, 12, 24)))
    for col in ("rsa_evite_eur", "cotisations_eur", "total_eur", "ratio_aide_au_poste"):
        assert list(doubled[col]) == pytest.approx(list(2 * base[col]), rel=1e-12)
    cheaper = money.avoided_costs(twelve_exits, 2024, write_parameters(tmp_path, "t.yaml", taux_cotisations=(0.1,) * 3))
    assert list(cheaper["cotisations_eur"]) == pytest.approx(list(base["cotisations_eur"] / 2), rel=1e-12)
    assert list(cheaper["rsa_evite_eur"]) == pytest.approx(list(base["rsa_evite_eur"]), rel=1e-12)


def test_observed_shares_replace_the_parameters_only_when_publishable(make_dataset, tmp_path):
    params = write_parameters(tmp_path)
    lines = [line(i, "S", CDI, heures=400, rsa="oui" if i < 5 else "non", emploi="oui") for i in range(10)]
    couts = money.avoided_costs(make_dataset(lines, header=HEADER), 2024, params)
    assert couts.loc["central", "part_rsa"] == pytest.approx(0.5)
    assert couts.loc["bas", "part_rsa"] < 0.5 < couts.loc["haut", "part_rsa"]  # Wilson interval
    assert (couts["origine_part_rsa"] == "donnees").all()
    # 10 persons all in employment: 0 without the trait is publishable
    assert couts.loc["central", "part_en_emploi"] == 1.0 and (couts["origine_part_en_emploi"] == "donnees").all()
    lines = [line(i, "S", CDI, heures=400, rsa="oui" if i < 3 else "non") for i in range(10)]
    couts = money.avoided_costs(make_dataset(lines, header=HEADER), 2024, params)
    assert (couts["origine_part_rsa"] == "parametre").all()  # 3 RSA recipients: below the threshold
    assert couts.loc["central", "part_rsa"] == 0.5


@pytest.mark.parametrize("change, fragment", [
    (lambda d: d["parametres"]["mois_evites"].pop("source"), "champ « source » absent"),
    (lambda d: d["parametres"]["mois_evites"].update(bas=13), "bas ≤ central ≤ haut"),
    (lambda d: d["parametres"]["taux_cotisations"].update(haut=1.5), "proportion entre 0 et 1"),
    (lambda d: d["parametres"].update(tva={"bas": 1}), "paramètre inconnu"),
    (lambda d: d.pop("citation_reseaux"), "citation_reseaux"),
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
        assert p["fiabilite"] in {"P", "S", "U", "Calc"}, name
    assert params["citation_reseaux"]["statut"] == "affirmation des réseaux, étude non publiée"
    text = text_money.assumptions_text(params)
    assert len(text) >= len(PARAMETER_NAMES) and all("Source" in t for t in text[:len(PARAMETER_NAMES)])


# --------------------------------------------------------------------------- brief section


EUROS = re.compile(r"(\d[\d\u202f\u00a0 ]*(?:,\d+)?)\s*€")


def test_brief_sentences_give_a_range_never_a_single_avoided_cost(twelve_exits, tmp_path):
    m = money.brief_money(twelve_exits, 2024, parametres_path=write_parameters(tmp_path))
    json.dumps(m)  # JSON-serialisable as it is
    first, second = m["phrases"]
    assert m["source_aide_au_poste"] == "calcul" and "est estimée à" in first
    low, high = m["couts_evites_eur"]["bas"], m["couts_evites_eur"]["haut"]
    assert low < m["couts_evites_eur"]["central"] < high
    match = re.search(r"entre ([\d\s,]+?) et ([\d\s,]+?)\s€", second)
    assert match, second
    amounts = EUROS.findall(second)
    assert len(amounts) == 1  # only « entre X et Y € »: one € sign, after the high bound
    def number(text: str) -> float:
        return float(re.sub(r"[\s\u202f\u00a0]", "", text).replace(",", "."))
    assert number(match.group(1)) <= low and number(match.group(2)) >= high
    central = format_eur(m["couts_evites_eur"]["central"]).removesuffix("\u00a0€")
    assert central not in second
    assert m["sorties_emploi_exact"] is True and m["sorties_emploi"]["central"] == 12


def test_changing_the_parameter_file_changes_the_brief(twelve_exits, tmp_path):
    a = money.brief_money(twelve_exits, 2024, parametres_path=write_parameters(tmp_path))
    b = money.brief_money(twelve_exits, 2024, parametres_path=write_parameters(tmp_path, "b.yaml",
                                                                                 mois_evites=(6, 12, 24)))
    assert a["phrases"][1] != b["phrases"][1]
    assert b["couts_evites_eur"]["haut"] == pytest.approx(2 * a["couts_evites_eur"]["haut"], rel=1e-6)
    assert a["phrases"][0] == b["phrases"][0]  # the aide au poste does not depend on the scenarios


def test_masked_exit_counts_give_bounds_from_published_cells(make_dataset, tmp_path):
    """6 CDI, 3 short CDD: emploi de transition (3) is masked, and sorties positives (0) with it; with emploi
    durable published they would sum to 3 (each pinned to [0, 3]): the release masks emploi durable too.
    The range covers 0 to 9 exits to employment and never reveals the 3."""
    lines = [line(i, "S", CDI, heures=400) for i in range(6)]
    lines += [line(i, "S", CDD_COURT, heures=400) for i in range(6, 9)]
    lines += [line(i, "S", CHOMAGE, heures=400) for i in range(9, 14)]
    m = money.brief_money(make_dataset(lines, header=HEADER), 2024, parametres_path=write_parameters(tmp_path))
    assert m["sorties_emploi_exact"] is False
    assert m["sorties_emploi"] == {"bas": 0.0, "central": 4.5, "haut": 9.0}
    assert m["couts_evites_eur"]["bas"] == pytest.approx(hand_costs(0, 0.25, 0.4, 3), abs=0.01)
    assert m["couts_evites_eur"]["haut"] == pytest.approx(hand_costs(9, 0.75, 0.6, 12), abs=0.01)
    assert any("non publié" in h for h in m["hypotheses"])


def test_too_few_persons_publish_no_amount(make_dataset, tmp_path):
    m = money.brief_money(make_dataset([line(1, "S", CDI)], header=HEADER), 2024,
                          parametres_path=write_parameters(tmp_path))
    assert m["aide_au_poste_eur"] is None and m["couts_evites_eur"] is None
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


def test_money_figure_shows_the_range(twelve_exits, tmp_path):
    import matplotlib.pyplot as plt

    m = money.brief_money(twelve_exits, 2024, parametres_path=write_parameters(tmp_path))
    fig, alt = charts.money_figure(m)
    try:
        assert "entre" in alt and "Aide au poste" in fig.axes[0].get_yticklabels()[1].get_text()
    finally:
        plt.close(fig)


def test_shared_cost_tables_mask_small_counts_and_their_ratios():
    import pandas as pd

    from iae_impact.base.paths import DEMO_DIR
    from iae_impact.ingest import read_dataset

    demo = read_dataset(DEMO_DIR)
    table = money.aide_au_poste(demo, by=["structure", "site"], annees=[2024])
    shared = money.mask_small_cells(table, demo, by=["structure", "site"]).set_index("site")
    raw = table.set_index("site")
    assert 1 <= raw.loc["Narbonne", "sorties_dynamiques"] < 5  # the demo has a small cell here
    assert pd.isna(shared.loc["Narbonne", "sorties_dynamiques"])
    assert pd.isna(shared.loc["Narbonne", "par_sortie_dynamique"])
    for col in ("personnes", "sorties_dynamiques", "emploi_durable"):
        published = shared[col].dropna()
        assert not published.between(1, 4).any(), col
    assert shared.loc["Toulouse", "sorties_dynamiques"] == raw.loc["Toulouse", "sorties_dynamiques"]
