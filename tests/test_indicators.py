"""Hand-computed fixtures: one per indicator rule (README « Définitions des indicateurs », docs/domain.md §1.3-1.4)."""

from __future__ import annotations

import math

import pytest

from iae_impact.indicators import compute_indicators, indicator_columns


def row(table, annee, **keys):
    sel = table["annee"] == annee
    for k, v in keys.items():
        sel &= table[k] == v
    assert sel.sum() == 1, f"expected one row for {annee} {keys}"
    return table[sel].iloc[0]


def test_three_month_rule_for_aci_counts_the_exit_day(make_dataset):
    ds = make_dataset([
        "A;p1;S;N;ACI;01/01/2024;31/03/2024;Au chômage;300",        # Jan-Mar inclusive: 3 months, examined
        "B;p2;S;N;ACI;01/01/2024;30/03/2024;Au chômage;300",        # one day short
        "C;p3;S;N;EI;15/01/2024;14/04/2024;Embauche en CDI non aidé;300",  # 15/01 -> 14/04 inclusive: 3 months
    ])
    r = row(compute_indicators(ds), 2024)
    assert (r.sorties, r.sorties_examinees, r.sorties_hors_seuil) == (3, 2, 1)
    assert (r.emploi_durable, r.autres_sorties) == (1, 1)
    assert r.taux_sorties_dynamiques == pytest.approx(0.5)


def test_150_hour_rule_for_ai_uses_total_hours_of_the_parcours(make_dataset):
    ds = make_dataset(
        ["A;p1;S;N;AI;01/11/2023;31/01/2024;Embauche en CDI non aidé;",
         "B;p2;S;N;AI;01/11/2023;31/01/2024;Embauche en CDI non aidé;",
         "C;p3;S;N;ETTI;01/01/2024;31/01/2024;Au chômage;150"],
        heures=["A;2023;11;100", "A;2024;1;50",          # 150 h over two years: examined
                "B;2023;11;100", "B;2024;1;49,5"],       # 149.5 h: not examined
    )
    r = row(compute_indicators(ds), 2024)
    assert (r.sorties, r.sorties_examinees, r.sorties_hors_seuil) == (3, 2, 1)
    assert (r.sorties_dynamiques, r.autres_sorties) == (1, 1)


def test_retraits_are_excluded_from_examined_exits_and_rates(make_dataset):
    ds = make_dataset([
        "A;p1;S;N;ACI;01/01/2023;30/06/2024;Prise des droits à la retraite;900",
        "B;p2;S;N;ACI;01/01/2023;30/06/2024;Embauche en CDI non aidé;900",
        "C;p3;S;N;ACI;01/01/2023;30/06/2024;Au chômage;900",
    ])
    r = row(compute_indicators(ds), 2024)
    assert (r.sorties, r.retraits, r.sorties_examinees) == (3, 1, 2)
    assert r.taux_emploi_durable == pytest.approx(0.5)
    assert r.emploi_durable + r.emploi_transition + r.sorties_positives + r.autres_sorties == r.sorties_examinees


def test_eiti_and_accompaniment_have_no_threshold_and_accompaniment_is_opt_in(make_dataset):
    ds = make_dataset([
        "A;p1;S;N;EITI;01/01/2024;05/01/2024;Au chômage;10",
        "B;p2;S;N;ACCOMPAGNEMENT;01/01/2024;05/01/2024;Entrée en formation qualifiante ou poursuite de formation qualifiante;",
    ])
    default = row(compute_indicators(ds), 2024)
    assert (default.personnes, default.sorties_examinees) == (1, 1)
    everything = row(compute_indicators(ds, inclure_non_salaries=True), 2024)
    assert (everything.personnes, everything.sorties_examinees, everything.sorties_positives) == (2, 2, 1)
    assert everything.etp == pytest.approx(10 / 1505)  # the accompaniment adds persons, not ETP


def test_monthly_hours_split_a_parcours_across_years(make_dataset):
    ds = make_dataset(
        ["A;p1;S;N;ACI;01/11/2023;;;"],
        heures=["A;2023;11;80", "A;2023;12;70", "A;2024;1;90,5", "A;2024;2;0"],
    )
    t = compute_indicators(ds)
    assert row(t, 2023).heures == pytest.approx(150)
    assert row(t, 2024).heures == pytest.approx(90.5)
    assert row(t, 2024).etp == pytest.approx(90.5 / 1820)
    assert (row(t, 2023).entrees, row(t, 2024).entrees) == (1, 0)


def test_person_with_zero_hours_in_a_year_is_not_counted(make_dataset):
    ds = make_dataset(["A;p1;S;N;AI;01/12/2023;;;", "B;p2;S;N;AI;01/12/2023;;;"],
                      heures=["A;2023;12;10", "A;2024;1;0", "B;2023;12;5", "B;2024;1;3"])
    t = compute_indicators(ds)
    assert row(t, 2023).personnes == 2
    assert row(t, 2024).personnes == 1


def test_total_hours_are_prorated_over_calendar_days(make_dataset):
    # 01/12/2023 -> 31/01/2024: 31 days in 2023, 31 days in 2024: half of 400 h each.
    ds = make_dataset(["A;p1;S;N;ACI;01/12/2023;31/01/2024;Au chômage;400"])
    t = compute_indicators(ds)
    assert row(t, 2023).heures == pytest.approx(200)
    assert row(t, 2024).heures == pytest.approx(200)


def test_a_person_is_counted_once_across_sites(make_dataset):
    ds = make_dataset(["A;p1;S;Narbonne;ACI;01/01/2024;30/04/2024;Au chômage;300",
                       "B;p1;S;Bram;ACI;01/05/2024;;;300",
                       "C;p2;S;Bram;ACI;01/05/2024;;;300"])
    assert row(compute_indicators(ds), 2024).personnes == 2
    by_site = compute_indicators(ds, by=["site"])
    assert row(by_site, 2024, site="Narbonne").personnes == 1
    assert row(by_site, 2024, site="Bram").personnes == 2
    assert by_site["heures"].sum() == pytest.approx(compute_indicators(ds)["heures"].sum())


def test_rates_carry_wilson_intervals_and_n(make_dataset):
    lines = [f"{i};p{i};S;N;ACI;01/01/2023;30/06/2024;{'Embauche en CDI non aidé' if i < 7 else 'Au chômage'};900"
             for i in range(10)]
    r = row(compute_indicators(make_dataset(lines)), 2024)
    assert r.sorties_examinees == 10 and r.taux_emploi_durable == pytest.approx(0.7)
    # Wilson 95 % for 7/10, computed by hand: (p + z²/2n ± z√(p(1-p)/n + z²/4n²)) / (1 + z²/n)
    z, n, p = 1.959963984540054, 10, 0.7
    centre, half = p + z * z / (2 * n), z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    assert r.taux_emploi_durable_ic_bas == pytest.approx((centre - half) / (1 + z * z / n))
    assert r.taux_emploi_durable_ic_haut == pytest.approx((centre + half) / (1 + z * z / n))


def test_no_examined_exit_gives_missing_rate_not_zero(make_dataset):
    r = row(compute_indicators(make_dataset(["A;p1;S;N;ACI;01/01/2024;;;100"])), 2024)
    assert r.sorties_examinees == 0 and math.isnan(r.taux_sorties_dynamiques)
    assert math.isnan(r.taux_sorties_dynamiques_ic_bas)


def test_profile_shares_use_known_values_and_latest_parcours(make_dataset):
    header = ("id_parcours;id_personne;structure;site;dispositif;date_entree;date_sortie;motif_sortie;"
              "heures_travaillees;sexe;annee_naissance;beneficiaire_rsa")
    ds = make_dataset([
        "A;p1;S;N;ACI;01/01/2024;;;100;F;2000;oui",
        "B;p2;S;N;ACI;01/01/2024;;;100;M;1970;",
        "C;p3;S;N;ACI;01/01/2024;;;100;;1990;non",
    ], header=header)
    r = row(compute_indicators(ds), 2024)
    assert (r.part_femmes, r.part_femmes_n) == (pytest.approx(0.5), 2)
    assert (r.part_moins_26_ans, r.part_50_ans_et_plus, r.part_moins_26_ans_n) == (
        pytest.approx(1 / 3), pytest.approx(1 / 3), 3)
    assert (r.part_rsa, r.part_rsa_n) == (pytest.approx(0.5), 2)


def test_output_columns_and_plain_dtypes(make_dataset):
    t = compute_indicators(make_dataset(["A;p1;S;N;ACI;01/01/2024;;;100"]), by=["site"])
    assert list(t.columns) == indicator_columns(["site"])
    assert all(str(t[c].dtype) in ("int64", "float64", "object") for c in t.columns)


def test_group_by_a_sites_column_and_unknown_column(make_dataset, tmp_path):
    ds = make_dataset(["A;p1;S;N;ACI;01/01/2024;;;100"])
    with pytest.raises(ValueError, match="colonne"):
        compute_indicators(ds, by=["inexistante"])
