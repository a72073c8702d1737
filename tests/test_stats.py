"""Statistics of fair comparisons (notebook 03, docs/domain.md §1.4): hand-checkable cases and synthetic data with a planted truth."""

from __future__ import annotations

import json

import matplotlib
import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from iae_impact import stats
from iae_impact.analysis.stats import MIN_N
from iae_impact.base.paths import DEMO_DIR
from iae_impact.indicators import PROFILE_COVARIATES, compute_indicators, examined_exits
from iae_impact.ingest import read_dataset
from iae_impact.report import charts, text_stats

matplotlib.use("Agg")

AMI = "A.M.I. Aude (fictif)"


def expit(x):
    return 1 / (1 + np.exp(-x))


@pytest.fixture(scope="module")
def demo():
    return read_dataset(DEMO_DIR)


@pytest.fixture(scope="module")
def demo_exits(demo):
    return examined_exits(demo)


def synthetic_exits(n_per_site: dict[str, int], rsa_share: dict[str, float], site_effect: dict[str, float],
                    years=range(2018, 2024), year_slope: float = 0.0, seed: int = 1,
                    dispositif: dict[str, str] | None = None) -> pd.DataFrame:
    """Person-level exits from a known logistic model: logit p = 0.6 − 1.2 rsa − 0.8 cld + 0.4 femme
    + site effect + slope × (year − 2020)."""
    rng = np.random.default_rng(seed)
    frames = []
    years = list(years)
    for site, n in n_per_site.items():
        rsa = (rng.random(n) < rsa_share[site]).astype(float)
        cld = (rng.random(n) < 0.3 + 0.5 * rsa_share[site]).astype(float)
        femme = (rng.random(n) < 0.5).astype(float)
        annee = rng.choice(years, size=n)
        lp = 0.6 - 1.2 * rsa - 0.8 * cld + 0.4 * femme + site_effect[site] + year_slope * (annee - 2020)
        frames.append(pd.DataFrame({
            "id_personne": [f"{site}-{i}" for i in range(n)], "structure": "S", "site": site,
            "dispositif": (dispositif or {}).get(site, "ACI"), "annee": annee.astype("int64"),
            "sortie_dynamique": (rng.random(n) < expit(lp)).astype("int64"),
            "rsa": rsa, "chomage_longue_duree": cld, "femme": femme,
        }))
    return pd.concat(frames, ignore_index=True)


COVS = ("rsa", "chomage_longue_duree", "femme")


# --------------------------------------------------------------------------- examined_exits


def test_examined_exits_match_the_indicator_counts_on_the_demo(demo, demo_exits):
    table = compute_indicators(demo, by=["structure", "site"])
    assert len(demo_exits) == table["sorties_examinees"].sum() > 400
    counts = demo_exits.groupby(["structure", "site", "annee"]).agg(
        n=("sortie_dynamique", "size"), dyn=("sortie_dynamique", "sum"), durable=("emploi_durable", "sum"))
    merged = table.set_index(["structure", "site", "annee"]).join(counts, how="left").fillna(0)
    assert (merged["n"] == merged["sorties_examinees"]).all()
    assert (merged["dyn"] == merged["sorties_dynamiques"]).all()
    assert (merged["durable"] == merged["emploi_durable"]).all()


def test_examined_exits_have_plain_dtypes_and_profile_covariates(demo_exits):
    assert list(demo_exits.columns[:9]) == ["id_personne", "structure", "site", "dispositif", "action", "annee",
                                            "categorie", "sortie_dynamique", "emploi_durable"]
    for c in PROFILE_COVARIATES:
        assert demo_exits[c].dtype == np.float64, c
        assert set(demo_exits[c].dropna().unique()) <= {0.0, 1.0} or c == "age"
    assert demo_exits["annee"].dtype == np.int64 and demo_exits["sortie_dynamique"].dtype == np.int64
    assert not any(isinstance(t, pd.api.extensions.ExtensionDtype) for t in demo_exits.dtypes)
    assert demo_exits["age"].between(16, 70).all()
    assert set(demo_exits["dispositif"]) == {"ACI", "AI"}  # accompaniment left out by default
    assert "Retrait des sorties constatées" not in set(demo_exits["categorie"])


def test_examined_exits_keep_unknown_profile_values_as_nan(make_dataset):
    header = ("id_parcours;id_personne;structure;site;dispositif;date_entree;date_sortie;motif_sortie;"
              "heures_travaillees;sexe;annee_naissance;niveau_formation;beneficiaire_rsa;duree_inscription_ft")
    ds = make_dataset([
        "A;p1;S;N;ACI;01/01/2023;30/06/2024;Embauche en CDI non aidé;900;F;1990;50;oui;24 mois et plus",
        "B;p2;S;N;ACI;01/01/2023;30/06/2024;Au chômage;900;;;40;non;6 à 11 mois",
        "C;p3;S;N;ACI;01/01/2024;31/01/2024;Au chômage;100;M;1980;50;oui;24 mois et plus",  # too short
    ], header=header)
    e = examined_exits(ds)
    assert len(e) == 2
    a, b = e[e["sortie_dynamique"] == 1].iloc[0], e[e["sortie_dynamique"] == 0].iloc[0]
    assert (a["age"], a["femme"], a["rsa"], a["chomage_longue_duree"], a["niveau_infra_bac"]) == (34, 1, 1, 1, 1)
    assert np.isnan(b["age"]) and np.isnan(b["femme"]) and np.isnan(b["qpv"])
    assert (b["rsa"], b["chomage_longue_duree"], b["niveau_infra_bac"]) == (0, 0, 0)


# --------------------------------------------------------------------------- funnel limits


def test_funnel_limits_hand_computed_case():
    # n = 10, p0 = 0.5, 95 %: P(R <= 1) = 11/1024 < 0.025 <= P(R <= 2) = 56/1024, so r = 2 and
    # alpha = (56/1024 - 0.025) / (45/1024); lower = (2 - alpha) / 10. Upper limit by symmetry.
    alpha = (56 / 1024 - 0.025) / (45 / 1024)
    lim = stats.funnel_limits(0.5, [10], levels=(0.95,)).iloc[0]
    assert lim["lower"] == pytest.approx((2 - alpha) / 10, abs=1e-12)
    assert lim["upper"] == pytest.approx(1 - (2 - alpha) / 10, abs=1e-12)
    assert lim["lower_normal"] == pytest.approx(0.5 - 1.959964 * np.sqrt(0.025), abs=1e-6)


@pytest.mark.parametrize("p0", [0.07, 0.5, 0.57, 0.93])
def test_funnel_limits_lie_between_adjacent_binomial_quantiles(p0):
    n = np.array([5, 12, 40, 95, 234, 1000])
    lim = stats.funnel_limits(p0, n)
    assert len(lim) == 2 * len(n)
    for level, g in lim.groupby("level"):
        tail = (1 - level) / 2
        lo_q = sps.binom.ppf(tail, n, p0)
        hi_q = n - sps.binom.ppf(tail, n, 1 - p0)  # the same quantile of the complementary count
        assert np.all(g["lower"].to_numpy() * n <= lo_q + 1e-9)
        assert np.all(g["lower"].to_numpy() * n >= np.maximum(lo_q - 1, 0) - 1e-9)
        assert np.all(g["upper"].to_numpy() * n >= hi_q - 1e-9)
        assert np.all(g["upper"].to_numpy() * n <= np.minimum(hi_q + 1, n) + 1e-9)
    wide, narrow = lim[lim["level"] == 0.998], lim[lim["level"] == 0.95]
    assert np.all(wide["lower"].to_numpy() <= narrow["lower"].to_numpy())
    assert np.all(wide["upper"].to_numpy() >= narrow["upper"].to_numpy())
    big = lim[(lim["n"] == 1000) & (lim["level"] == 0.95)].iloc[0]  # exact ≈ normal for large n
    assert big["lower"] == pytest.approx(big["lower_normal"], abs=0.004)
    assert np.all(np.diff(narrow["upper"].to_numpy() - narrow["lower"].to_numpy()) < 0)  # the funnel narrows


@pytest.mark.parametrize(("p0", "n"), [(0.5, 10), (0.57, 43), (0.2, 95), (0.9, 30)])
def test_a_count_is_outside_the_limits_exactly_when_its_binomial_tail_is_below_the_level(p0, n):
    k = np.arange(n + 1)
    for level in (0.95, 0.998):
        tail = (1 - level) / 2
        lim = stats.funnel_limits(p0, [n], levels=(level,)).iloc[0]
        assert np.array_equal(k / n < lim["lower"], sps.binom.cdf(k, n, p0) < tail)
        assert np.array_equal(k / n > lim["upper"], sps.binom.sf(k - 1, n, p0) < tail)


def test_funnel_limits_reject_a_rate_outside_zero_one():
    with pytest.raises(ValueError, match="taux de référence"):
        stats.funnel_limits(1.2, [10])


# --------------------------------------------------------------------------- chi-square


def test_homogeneity_test_on_a_hand_computed_table():
    table = pd.DataFrame({"oui": [30, 20], "non": [10, 20]}, index=["A", "B"])
    # expected 25/15 and 25/15: chi2 = 2 * (25/25 + 25/15) = 5.333...
    r = stats.homogeneity_test(table)
    assert r["statistic"] == pytest.approx(16 / 3)
    assert r["dof"] == 1 and r["n"] == 80 and r["n_groups"] == 2
    assert r["p_value"] == pytest.approx(sps.chi2.sf(16 / 3, 1))
    assert r["raison"] is None and text_stats.homogeneity_warning(r) is None and r["p_value_monte_carlo"] is None
    json.dumps(r)


def test_homogeneity_test_matches_scipy_and_warns_on_small_expected_counts():
    table = np.array([[12, 3], [2, 6], [30, 25], [0, 0]])  # empty group left out
    r = stats.homogeneity_test(table)
    ref = sps.chi2_contingency(table[:3], correction=False)
    assert (r["statistic"], r["p_value"], r["dof"]) == (pytest.approx(ref[0]), pytest.approx(ref[1]), ref[2])
    assert r["n_groups"] == 3 and r["cells_expected_below_5"] == int((ref[3] < 5).sum()) > 0
    assert r["raison"] == "effectifs_attendus_faibles" and "inférieur à 5" in text_stats.homogeneity_warning(r)
    assert 0 < r["p_value_monte_carlo"] <= 1
    assert abs(r["p_value_monte_carlo"] - r["p_value"]) < 0.05
    assert "Attention" in text_stats.describe_homogeneity(r)


def test_homogeneity_test_needs_two_groups():
    r = stats.homogeneity_test([[10, 5]])
    assert np.isnan(r["p_value"]) and text_stats.homogeneity_warning(r)


# --------------------------------------------------------------------------- trend


def test_trend_recovers_a_planted_positive_year_effect():
    exits = synthetic_exits({"A": 700, "B": 700, "C": 700}, dict.fromkeys("ABC", 0.3), {"A": -0.5, "B": 0, "C": 0.5},
                            years=range(2015, 2025), year_slope=0.15, seed=3)
    t = stats.trend_odds_ratio(exits)
    assert t["site_effects"] and t["n"] == 2100 and t["n_sites"] == 3
    assert t["ci_low"] > 1 and t["odds_ratio"] > 1 and t["p_value"] < 0.001
    assert t["ci_low"] < np.exp(0.15) < t["ci_high"]
    assert "augmente" in text_stats.describe_trend(t)
    json.dumps(t)


def test_trend_with_site_effects_is_not_fooled_by_a_new_better_site():
    # No true trend; a site with a much higher rate opens in 2021: without site effects it looks like a rise.
    old = synthetic_exits({"A": 900}, {"A": 0.3}, {"A": -0.5}, years=range(2015, 2025), seed=4)
    new = synthetic_exits({"B": 600}, {"B": 0.3}, {"B": 1.5}, years=range(2021, 2025), seed=5)
    exits = pd.concat([old, new], ignore_index=True)
    pooled = stats.trend_odds_ratio(exits, by_site=False)
    adjusted = stats.trend_odds_ratio(exits)
    assert not pooled["site_effects"] and pooled["ci_low"] > 1
    assert adjusted["site_effects"] and adjusted["ci_low"] < 1 < adjusted["ci_high"]


def test_trend_with_a_single_site_has_no_site_effect_and_a_falling_rate():
    exits = synthetic_exits({"A": 1500}, {"A": 0.3}, {"A": 0.0}, years=range(2015, 2025), year_slope=-0.2, seed=6)
    t = stats.trend_odds_ratio(exits)
    assert not t["site_effects"] and t["formula"] == "sortie_dynamique ~ annee_c"
    assert t["ci_high"] < 1
    assert "diminue" in text_stats.describe_trend(t)


def test_trend_under_perfect_separation_returns_nan_with_a_french_note():
    exits = pd.DataFrame({"site": "A", "annee": np.repeat([2020, 2021, 2022, 2023], 10),
                          "sortie_dynamique": np.repeat([0, 0, 1, 1], 10)})
    t = stats.trend_odds_ratio(exits)
    assert np.isnan(t["odds_ratio"]) and t["raison"] == "separation" and "séparation" in text_stats.trend_note(t)
    constant = exits.assign(sortie_dynamique=1)
    assert "même issue" in text_stats.trend_note(stats.trend_odds_ratio(constant))
    assert "une seule année (2020)" in text_stats.trend_note(stats.trend_odds_ratio(exits[exits["annee"] == 2020]))
    assert "séparation" in text_stats.describe_trend(t)


def test_trend_drops_sites_whose_outcome_never_varies():
    exits = synthetic_exits({"A": 600, "B": 600}, dict.fromkeys("AB", 0.3), dict.fromkeys("AB", 0.0), seed=7)
    always = pd.DataFrame({"site": "C", "annee": np.arange(2018, 2024).repeat(3), "sortie_dynamique": 1})
    t = stats.trend_odds_ratio(pd.concat([exits, always], ignore_index=True))
    assert t["n_sites_dropped"] == 1 and t["n"] == 1200 and np.isfinite(t["odds_ratio"])


# --------------------------------------------------------------------------- risk adjustment


@pytest.fixture(scope="module")
def planted():
    """Site D employs a much harder public (RSA, long-term unemployed) and does better given it."""
    return synthetic_exits({"A": 400, "B": 400, "C": 400, "D": 400},
                           {"A": 0.1, "B": 0.2, "C": 0.15, "D": 0.8},
                           {"A": 0.0, "B": 0.0, "C": 0.0, "D": 0.8}, seed=11)


def test_risk_adjustment_finds_the_site_that_does_better_given_its_public(planted):
    comp = stats.risk_adjusted_comparison(planted, covariates=COVS).set_index("site")
    raw = planted.groupby("site")["sortie_dynamique"].mean()
    assert raw["D"] < raw.drop("D").max()  # raw rates hide it...
    assert comp.loc["D", "oe_low"] > 1  # ...the adjusted comparison finds it
    assert comp["oe_ratio"].idxmax() == "D"
    assert comp.loc["D", "funnel_95"] == 1
    assert (comp.drop("D")["oe_high"] > 0.8).all()


def test_observed_and_expected_totals_agree_for_a_glm_with_intercept(planted):
    comp = stats.risk_adjusted_comparison(planted, covariates=COVS)
    assert comp["expected"].sum() == pytest.approx(comp["observed"].sum(), rel=1e-7)
    assert comp["observed"].sum() == planted["sortie_dynamique"].sum()
    assert (comp["n"] == 400).all() and comp["n"].dtype == np.int64
    ratio = comp["observed"] / comp["expected"]
    assert np.allclose(comp["oe_ratio"], ratio)
    assert (comp["oe_low"] < comp["oe_ratio"]).all() and (comp["oe_ratio"] < comp["oe_high"]).all()
    assert comp.attrs["model"]["reference_rate"] == pytest.approx(planted["sortie_dynamique"].mean())
    assert not any(isinstance(t, pd.api.extensions.ExtensionDtype) for t in comp.dtypes)


def test_missing_covariates_are_dropped_and_counted(planted):
    exits = planted.copy()
    exits.loc[exits.index[:30], "rsa"] = np.nan  # 30 rows of site A
    exits["qpv"] = np.nan  # never known: left out of the model, rows kept
    comp = stats.risk_adjusted_comparison(exits, covariates=(*COVS, "qpv")).set_index("site")
    assert comp.loc["A", "n_excluded"] == 30 and comp.loc["A", "n"] == 370
    assert comp.drop("A")["n_excluded"].eq(0).all()
    model = comp.attrs["model"]
    assert model["n_excluded"] == 30 and model["covariates_dropped"] == ["qpv"] and "qpv" not in model["formula"]


def test_a_group_alone_in_its_dispositif_has_no_comparator(planted):
    exits = planted.assign(dispositif=np.where(planted["site"] == "D", "AI", "ACI"))
    comp = stats.risk_adjusted_comparison(exits, covariates=COVS).set_index("site")
    assert "C(dispositif)" in comp.attrs["model"]["formula"]
    assert comp.loc["D", "no_comparator"] and not comp.drop("D")["no_comparator"].any()
    assert comp.loc["D", "oe_ratio"] == pytest.approx(1.0, abs=1e-6)
    assert np.isnan(comp.loc["D", "adjusted_rate"]) and np.isnan(comp.loc["D", "oe_low"])
    assert comp.loc["D", "funnel_95"] == 0
    reference = exits.loc[exits["site"] != "D", "sortie_dynamique"].mean()
    assert comp.attrs["model"]["reference_rate"] == pytest.approx(reference)
    assert any("Sans point de comparaison" in s and "D" in s for s in text_stats.describe_comparison(comp.reset_index()))


def test_risk_adjustment_on_the_demo_and_its_sentences(demo_exits):
    comp = stats.risk_adjusted_comparison(demo_exits)
    model = comp.attrs["model"]
    assert "age_moins_26" in model["covariates"] and "C(dispositif)" in model["formula"]
    assert comp.set_index("site").loc["Toulouse", "no_comparator"]  # the only AI
    assert comp["expected"].sum() == pytest.approx(comp["observed"].sum(), rel=1e-7)
    sentences = text_stats.describe_comparison(comp)
    assert sentences and all(isinstance(s, str) for s in sentences)
    only_2024 = stats.risk_adjusted_comparison(demo_exits, annees=[2024])
    assert only_2024["n"].sum() == (demo_exits["annee"] == 2024).sum()
    with pytest.raises(ValueError, match="aucune sortie"):
        stats.risk_adjusted_comparison(demo_exits, annees=[1990])


def test_funnel_figure_has_french_alt_text(planted):
    import matplotlib.pyplot as plt

    comp = stats.risk_adjusted_comparison(planted, covariates=COVS)
    fig, alt = charts.funnel_figure(comp, comp.attrs["model"]["reference_rate"], "Essai", highlight=["D"])
    try:
        assert "entonnoir" in alt and "D : 400 sorties" in alt and "au-dessus des limites" in alt
        ax = fig.axes[0]
        assert ax.get_xlabel() == "Sorties examinées (n)"
        assert {t.get_text() for t in ax.texts} == {"D"}  # a brief names its own sites only (issue 14: no overlap)
    finally:
        plt.close(fig)


# --------------------------------------------------------------------------- brief


def test_perimeter_vs_expected_on_the_demo(demo):
    r = stats.perimeter_vs_expected(demo, 2024, structure=AMI, sites=["Narbonne"])
    assert r is not None
    json.dumps(r)  # plain Python values only
    assert r["years"] == [2022, 2023, 2024] and r["dispositifs"] == ["ACI"]  # a 2024 brief uses nothing later
    assert r["n"] >= MIN_N and r["n_reference"] > r["n"]
    assert r["oe_ratio"] == pytest.approx(r["observed"] / r["expected"])
    assert r["oe_low"] < r["oe_ratio"] < r["oe_high"]
    assert sum(g["expected"] for g in r["groups"]) == pytest.approx(sum(g["observed"] for g in r["groups"]))
    assert [g["site"] for g in r["groups"] if g["in_perimeter"]] == ["Narbonne"]
    sentence = text_stats.describe_perimeter(r, "l'atelier de Narbonne")
    assert sentence.startswith("Sur 2022-2024") and "attendu" in sentence


@pytest.mark.parametrize("perimeter", [
    {"structure": "AMIE (fictif)"},  # the only AI: nothing to compare with
    {"structure": AMI},  # all ACI exits of the dataset: nothing outside it
    {"structure": AMI, "sites": ["Bram"]},  # accompaniment only: no examined salaried exit
])
def test_perimeter_vs_expected_is_none_without_comparison(demo, perimeter):
    assert stats.perimeter_vs_expected(demo, 2024, **perimeter) is None
    assert text_stats.describe_perimeter(None) is None


def test_perimeter_vs_expected_needs_enough_exits(demo):
    assert stats.perimeter_vs_expected(demo, 2013, structure=AMI, sites=["Narbonne"]) is None
