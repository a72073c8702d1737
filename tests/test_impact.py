"""Impact estimators: the LaLonde / Dehejia–Wahba NSW benchmark reproduced to the cent where the published
figure is given to the cent (DOMAIN §10), and the effect planted in the fictional demo recovered."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest

from iae_impact.analysis import impact
from iae_impact.analysis import nsw as nsw_benchmark
from iae_impact.base import paths
from iae_impact.ingest import read_dataset
from iae_impact.report.text_impact import SENSITIVITY_LABELS, diagnostic_notes
from iae_impact.rules.tables import load_nsw_published

CENT = 0.01  # published to the cent: our figure rounds to it


@pytest.fixture(scope="module")
def nsw():
    return nsw_benchmark.load_nsw("nsw")


@pytest.fixture(scope="module")
def cps():
    return nsw_benchmark.load_nsw("cps")


def _ps_estimate(frame, method, **options):
    return impact.estimate_att(frame, "treat", "re78", nsw_benchmark.NSW_COVARIATES, method,
                               ps_covariates=nsw_benchmark.NSW_PS_COVARIATES, **options)


# --------------------------------------------------------------------------- NSW benchmark


def test_nsw_samples(nsw, cps):
    assert (nsw["treat"] == 1).sum() == 185 and (nsw["treat"] == 0).sum() == 260
    assert (cps["treat"] == 1).sum() == 185 and (cps["treat"] == 0).sum() == 15_992
    assert set(cps.dtypes) == {np.dtype("float64")}
    assert cps["u74"].eq(cps["re74"].eq(0)).all()


def test_experimental_difference_in_means(nsw):
    r = impact.estimate_att(nsw, "treat", "re78", [], "difference")
    assert r.estimate == pytest.approx(1794.34, abs=CENT)
    assert r.se == pytest.approx(670.82, abs=CENT)  # HC1
    assert (r.n_treated, r.n_control) == (185, 260)
    same = impact.estimate_att(nsw, "treat", "re78", [], "regression")
    assert same.estimate == pytest.approx(r.estimate, abs=1e-9) and same.se == pytest.approx(r.se, abs=1e-9)


def test_cps_raw_difference(cps):
    r = impact.estimate_att(cps, "treat", "re78", [], "difference")
    assert r.estimate == pytest.approx(-8497.52, abs=CENT)


def test_cps_regression_adjustment(cps):
    r = impact.estimate_att(cps, "treat", "re78", nsw_benchmark.NSW_COVARIATES, "regression")
    assert round(r.estimate) == 1066  # DW 2002 Table 2; Imbens & Xu 2024
    assert round(r.se) == 627  # HC1, Imbens & Xu 2024
    assert r.diagnostics.overlap is not None  # score estimated for the diagnostics only


def test_cps_normalised_ipw(cps):
    r = _ps_estimate(cps, "ipw")
    assert r.estimate == pytest.approx(1689.31, abs=CENT)
    assert r.se == pytest.approx(753.91, abs=CENT)
    assert (r.n_treated, r.n_control) == (185, 15_992)


def test_cps_trimmed_ipw(cps):
    r = _ps_estimate(cps, "ipw", trim=(0.1, 0.9))
    assert r.estimate == pytest.approx(2626.02, abs=CENT)
    assert r.se == pytest.approx(898.31, abs=CENT)
    assert r.n_treated + r.n_control == 370
    d = r.diagnostics.details
    assert d["traites_ecartes"] == 185 - r.n_treated > 0  # trimming drops treated people: another estimand


def test_cps_one_to_one_matching_with_ties(cps):
    r = _ps_estimate(cps, "matching")
    assert r.estimate == pytest.approx(1727.19, abs=CENT)
    assert r.diagnostics.details["traites_avec_ex_aequo"] > 0  # ties kept, as teffects psmatch
    assert 0 < r.se < 2000


def test_cps_aipw_is_close_to_ipw(cps):
    r = _ps_estimate(cps, "aipw")
    assert 1000 < r.estimate < 2500 and 0 < r.se < 2000


def test_ipw_does_not_clip_scores(cps):
    """statsmodels' TreatmentEffect.ipw clips scores to [0.01, 0.99] (≈ 1 068): ours keeps them."""
    r = _ps_estimate(cps, "ipw")
    assert r.diagnostics.propensity.min() < 1e-6
    overlap = r.diagnostics.overlap.set_index("groupe")
    assert overlap.loc["témoins", "part_hors_0_1_0_9"] > 0.9
    assert r.diagnostics.share_outside > 0.9


def test_cps_balance_after_weighting(cps):
    for method in ("ipw", "matching"):
        b = _ps_estimate(cps, method).diagnostics.balance
        assert (b["dms_apres"].abs() < b["dms_avant"].abs()).sum() >= len(b) - 1
        assert b["dms_apres"].abs().max() < 0.1


def test_nullable_and_pyarrow_dtypes_give_the_same_estimate(nsw):
    reference = impact.estimate_att(nsw, "treat", "re78", nsw_benchmark.NSW_COVARIATES, "aipw")
    for dtype in ("Float64", "double[pyarrow]", "float32"):
        frame = nsw.astype(dtype)
        if dtype == "float32":
            frame["re78"] = nsw["re78"].astype("float32")  # earnings were float32 in causaldata
        r = impact.estimate_att(frame, "treat", "re78", nsw_benchmark.NSW_COVARIATES, "aipw")
        assert r.estimate == pytest.approx(reference.estimate, abs=1e-4 if dtype == "float32" else 1e-8)


def test_benchmark_table(nsw, cps):
    table = nsw_benchmark.nsw_benchmark()
    assert list(table["cle"]) == list(load_nsw_published()["cle"])
    published = table.dropna(subset=["valeur_publiee"])
    exact = published[published["cle"] != "regression_cps"]
    assert (exact["ecart"].abs() < CENT).all()
    assert table.set_index("cle").loc["ipw_cps_tronque", "n"] == 370


# --------------------------------------------------------------------------- errors


def _toy(n=200, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    t = (rng.uniform(size=n) < 1 / (1 + np.exp(-x))).astype(float)
    return pd.DataFrame({"t": t, "y": x + t + rng.normal(size=n), "x": x})


def test_errors_are_french():
    df = _toy()
    with pytest.raises(ValueError, match="méthode inconnue"):
        impact.estimate_att(df, "t", "y", ["x"], "psm")
    with pytest.raises(ValueError, match="option"):
        impact.estimate_att(df, "t", "y", ["x"], "ipw", clip=0.01)
    with pytest.raises(ValueError, match="troncature"):
        impact.estimate_att(df, "t", "y", ["x"], "regression", trim=(0.1, 0.9))
    with pytest.raises(ValueError, match="au moins une covariable"):
        impact.estimate_att(df, "t", "y", [], "ipw")
    with pytest.raises(ValueError, match="manquantes"):
        impact.estimate_att(df.assign(x=df["x"].where(df.index > 3)), "t", "y", ["x"], "aipw")
    with pytest.raises(ValueError, match="0 ou 1"):
        impact.estimate_att(df.assign(t=df["t"] * 2), "t", "y", ["x"], "aipw")
    with pytest.raises(ValueError, match="absente"):
        impact.estimate_att(df, "t", "y", ["z"], "aipw")


def test_perfect_separation_is_reported():
    df = _toy()
    df["x"] = df["t"] * 3 + np.random.default_rng(1).uniform(size=len(df))
    with pytest.raises(ValueError, match="séparation parfaite"):
        impact.estimate_att(df, "t", "y", ["x"], "ipw")
    r = impact.estimate_att(df, "t", "y", ["x"], "regression")  # the regression still runs, with a note
    assert r.diagnostics.overlap is None and "séparation" in diagnostic_notes(r.diagnostics)[0]


def test_non_convergence_is_reported(monkeypatch):
    import statsmodels.discrete.discrete_model as dm

    original = dm.Logit.fit

    def never_converges(self, *args, **kwargs):
        res = original(self, *args, **{**kwargs, "maxiter": 1})
        res.mle_retvals["converged"] = False
        return res

    monkeypatch.setattr(dm.Logit, "fit", never_converges)
    with pytest.raises(ValueError, match="n'a pas convergé"):
        impact.estimate_att(_toy(), "t", "y", ["x"], "aipw")


def test_constant_covariate_is_dropped_from_the_score():
    df = _toy().assign(c=1.0)
    r = impact.estimate_att(df, "t", "y", ["x", "c"], "ipw")
    assert r.diagnostics.dropped_covariates == ["c"] and any("constante" in n for n in diagnostic_notes(r.diagnostics))


def test_matching_when_a_treated_is_below_every_control():
    df = pd.DataFrame({"t": [1, 1, 0, 0, 0, 0], "y": [5.0, 7.0, 1.0, 2.0, 3.0, 4.0], "x": [0.0] * 6})
    p = np.array([0.05, 0.9, 0.2, 0.2, 0.5, 0.7])  # treated 0 below all controls, tie at 0.2
    att, se, weights, details = impact._matching(df["y"].to_numpy(), df["t"].to_numpy(float), p, 2)
    assert att == pytest.approx(((5 - 1.5) + (7 - 4)) / 2)
    assert weights[2:].tolist() == [0.5, 0.5, 0.0, 1.0]
    assert details["traites_avec_ex_aequo"] == 1 and se >= 0


# --------------------------------------------------------------------------- demo comparison group


@pytest.fixture(scope="module")
def demo():
    return read_dataset(paths.DEMO_DIR)


@pytest.fixture(scope="module")
def planted():
    return json.loads((paths.PROJECT_ROOT / "data" / "demo" / "effet_plante.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def frame(demo):
    return impact.build_comparison_frame(demo)


@pytest.fixture(scope="module")
def results(frame):
    return impact.estimate_all(frame, impact.DEMO_TREATMENT, impact.DEMO_OUTCOME, impact.DEMO_COVARIATES)


def test_comparison_frame(frame, planted):
    assert list(frame.columns) == ["traite", "en_emploi_6_mois", *impact.DEMO_COVARIATES]
    assert set(frame.dtypes) == {np.dtype("float64")} and not frame.isna().any().any()
    assert impact.group_sizes(frame) == (planted["n_traites"], planted["n_temoins"])
    assert frame.attrs["lignes_ecartees"] == 0
    treated = frame[frame["traite"] == 1]
    assert treated["en_emploi_6_mois"].mean() == pytest.approx(planted["taux_emploi_6_mois_traites"], abs=1e-6)
    assert impact.naive_difference(frame) == pytest.approx(planted["ecart_naif"], abs=1e-6)


def test_planted_effect_is_recomputed_from_the_frame(frame, planted):
    """Same covariate definitions as the generator: the planted ATT comes back exactly."""
    assert impact.planted_att(frame, planted) == pytest.approx(planted["att"], abs=1e-6)


@pytest.mark.parametrize("method", ["aipw", "ipw"])
def test_planted_effect_inside_the_interval(results, planted, method):
    assert results[method].contains(planted["att"])


def test_naive_gap_is_not_the_effect(results, frame, planted):
    naive = impact.naive_difference(frame)
    assert results["difference"].estimate == pytest.approx(naive)
    # both statements hold on the demo: outside the AIPW interval, and more than 5 points off
    assert not results["aipw"].contains(naive)
    assert abs(naive - planted["att"]) > 0.05


@pytest.mark.parametrize("method", ["aipw", "ipw", "matching"])
def test_balance_improves_for_the_main_covariates(results, method):
    b = results[method].diagnostics.balance.set_index("covariable")
    for cov in ("rsa", "chomage_longue_duree", "niveau_infra_cap", "niveau_bac_ou_plus", "age"):
        assert abs(b.loc[cov, "dms_apres"]) < abs(b.loc[cov, "dms_avant"])
    assert b.loc[["rsa", "chomage_longue_duree", "niveau_infra_cap"], "dms_avant"].abs().min() > 0.3


def test_overlap_summary(results):
    o = results["aipw"].diagnostics.overlap.set_index("groupe")
    assert o.loc["traités", "n"] == 428 and o.loc["témoins", "n"] == 700
    assert (o["min"] <= o["q05"]).all() and (o["q95"] <= o["max"]).all()
    assert 0.0 <= results["aipw"].diagnostics.share_outside <= 1.0


def test_missing_covariates_are_dropped_and_counted(demo):
    cand = demo.candidats.copy()
    cand.loc[cand.index[:7], "annee_naissance"] = np.nan
    cand.loc[cand.index[7:10], "rqth"] = pd.NA
    f = impact.build_comparison_frame(dataclasses.replace(demo, candidats=cand))
    assert f.attrs["lignes_ecartees"] == 10
    assert f.attrs["lignes_ecartees_par_groupe"] == {"traites": 0, "temoins": 10}
    assert impact.group_sizes(f) == (428, 690) and not f.isna().any().any()


def test_structure_filter(demo):
    f = impact.build_comparison_frame(demo, "AMIE (fictif)")
    n1, n0 = impact.group_sizes(f)
    assert n1 == int(((demo.parcours["structure"] == "AMIE (fictif)") & demo.parcours["en_emploi_6_mois"].notna()
                      & demo.parcours["date_sortie"].notna()).sum())
    assert n0 == int((demo.candidats["structure"] == "AMIE (fictif)").sum())


def test_brief_estimate(demo, results, frame):
    e = impact.brief_estimate(demo)
    assert set(e) >= {"methode", "estimate", "se", "ci_bas", "ci_haut", "n_traites", "n_temoins", "ecart_naif",
                      "annees_sorties", "equilibre", "dms_max", "part_hors_recouvrement", "comparable"}
    assert e["estimate"] == pytest.approx(results["aipw"].estimate)
    assert (e["n_traites"], e["n_temoins"]) == (428, 700)
    assert e["ci_bas"] < e["estimate"] < e["ci_haut"]
    assert e["ecart_naif"] == pytest.approx(impact.naive_difference(frame))


def test_brief_estimate_pools_the_years_up_to_the_brief_and_says_whether_groups_are_comparable(demo):
    """Issue 14.2: a « Bilan 2024 » pools exits up to 2024 only and says which; « au profil comparable » only when
    every standardised difference after weighting is at most 0,1 and overlap holds (Aude: QPV and RQTH fail)."""
    amie = impact.brief_estimate(demo, "AMIE (fictif)", 2024)
    assert amie["annees_sorties"] == [2017, 2024] and amie["comparable"] is True
    assert amie["dms_max"] <= impact.BALANCE_MAX and amie["desequilibres"] == []
    later = demo.parcours["date_sortie"].dt.year.gt(2024) & demo.parcours["structure"].eq("AMIE (fictif)")
    frame = impact.build_comparison_frame(demo, "AMIE (fictif)", 2024)
    assert impact.group_sizes(frame)[0] == amie["n_traites"] and later.any()
    aude = impact.brief_estimate(demo, "A.M.I. Aude (fictif)", 2024)
    assert aude["comparable"] is False
    assert [d["covariable"] for d in aude["desequilibres"]] == ["qpv", "rqth"]
    assert abs(aude["desequilibres"][0]["dms_apres"]) == pytest.approx(0.17, abs=0.005)


def test_brief_estimate_without_comparison_group(demo):
    assert impact.brief_estimate(dataclasses.replace(demo, candidats=None)) is None
    few = demo.candidats.iloc[:40]
    assert impact.brief_estimate(dataclasses.replace(demo, candidats=few)) is None
    other = demo.candidats.assign(structure="Autre structure")
    assert impact.brief_estimate(dataclasses.replace(demo, candidats=other), "AMIE (fictif)") is None
    f = impact.build_comparison_frame(dataclasses.replace(demo, candidats=None))
    assert impact.group_sizes(f) == (428, 0)


def test_sensitivity_table(frame):
    table = impact.sensitivity(frame)
    assert {"variante", "methode", "estimation", "ic_bas", "ic_haut"} <= set(table.columns)
    assert table["variante"].nunique() >= 6 and set(table["methode"]) == {"ipw", "aipw"}
    assert set(table["variante"]) == set(impact.SENSITIVITY_VARIANTS) == set(SENSITIVITY_LABELS)  # each one labelled
    trimmed = table[table["variante"] == "troncature_0_2"]
    assert (trimmed["n_traites"] < 428).all()
