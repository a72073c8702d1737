"""Statistics for fair comparisons (docs/domain.md §1.4-1.5; notebook 03): trends over years, risk-adjusted comparison of sites
(observed / expected), funnel-plot limits and a chi-square test of homogeneity.

Every model is fitted with statsmodels on the person-level examined exits of
:func:`iae_impact.analysis.indicators.examined_exits` (one row per exit, outcome 0/1). Functions return
plain pandas / Python objects (numpy dtypes, snake_case English column names); when a result cannot be
computed, ``raison`` holds a code that :mod:`iae_impact.report.text_stats` turns into French.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..data.model import Dataset
from ..rules.profile import PROFILE_COVARIATES, age_bands
from .indicators import examined_exits
from .intervals import wilson_interval

#: Profile covariates of the risk adjustment (columns of ``examined_exits``). ``age`` enters as two
#: bands (under 26, 50 and over), as in the published profile shares: its effect is not linear.
DEFAULT_COVARIATES = PROFILE_COVARIATES
#: Structural differences the comparison is made "at equal": categorical terms added when they vary.
DEFAULT_STRUCTURAL = ("dispositif", "annee")
#: Below this many examined exits a group is flagged as small (``small_n``) and a perimeter is not compared.
MIN_N = 20
FUNNEL_LEVELS = (0.95, 0.998)


# --------------------------------------------------------------------------- model helpers


def _fit_logit(formula: str, data: pd.DataFrame):
    """Binomial GLM (logit link); returns (results, separation_detected)."""
    import statsmodels.api as sm
    import statsmodels.formula.api as smf
    from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", PerfectSeparationWarning)
        results = smf.glm(formula, data=data, family=sm.families.Binomial()).fit()
    separated = any(issubclass(w.category, PerfectSeparationWarning) for w in caught)
    return results, separated


def _cached_fit(formula: str, frame: pd.DataFrame, fits: dict):
    """:func:`_fit_logit`, reused when ``fits`` holds a model of the same formula on an equal frame."""
    key = (formula, len(frame), int(pd.util.hash_pandas_object(frame).sum()))
    held = fits.get(key)
    if held is not None and held[0].equals(frame):
        return held[1], held[2]
    fit, separated = _fit_logit(formula, frame)
    fits[key] = (frame, fit, separated)
    return fit, separated


def _plain(value):
    """numpy scalars -> Python scalars (JSON), NaN kept as float NaN."""
    if isinstance(value, np.generic):
        return value.item()
    return value


def _covariate_frame(exits: pd.DataFrame, covariates: Sequence[str]) -> pd.DataFrame:
    """Model columns for ``covariates``: ``age`` becomes two 0/1 bands, other columns are taken as floats."""
    out = {}
    for c in covariates:
        if c not in exits.columns:
            raise ValueError(f"covariable inconnue : {c}")
        values = exits[c].astype(float)
        if c == "age":
            out["age_moins_26"], out["age_50_et_plus"] = age_bands(values)
        else:
            out[c] = values
    return pd.DataFrame(out, index=exits.index)


# --------------------------------------------------------------------------- trend


def trend_odds_ratio(exits: pd.DataFrame, outcome: str = "sortie_dynamique", by_site: bool = True) -> dict:
    """Is the rate rising or falling over the years, once sites are accounted for?

    Logistic regression ``outcome ~ year (centred) + C(site)`` on the person-level exits: the odds
    ratio per year compares, within the same site, one year with the previous one (OR > 1: rising).
    Site effects keep a change in the mix of sites (a new site with a higher rate) from passing for a
    trend; they are left out with a single site or ``by_site=False``. Wald 95 % interval and p-value.

    Sites whose exits all have the same outcome carry no information on the year once their own
    effect is in the model (their effect would be infinite): they are left out, and counted in
    ``n_sites_dropped``. When no exit remains (``raison`` = ``aucune_sortie``), a single year remains
    (``une_seule_annee``), the outcome is constant (``issue_constante``) or the year perfectly separates
    the outcomes (``separation``), no odds ratio can be estimated: the values are NaN. Returns plain
    Python values (JSON-serialisable apart from NaN).
    """
    data = exits.dropna(subset=[outcome, "annee"])
    result = {"outcome": outcome, "odds_ratio": np.nan, "ci_low": np.nan, "ci_high": np.nan, "p_value": np.nan,
              "n": int(len(data)), "n_sites": int(data["site"].nunique()) if "site" in data else 0,
              "n_sites_dropped": 0, "site_effects": False, "first_year": None, "last_year": None,
              "centre_year": None, "formula": None, "raison": None}
    if by_site and "site" in data and data["site"].nunique() > 1:
        constant = data.groupby("site")[outcome].agg(lambda s: s.nunique() == 1)
        dropped = constant[constant].index
        if len(dropped) and len(dropped) < len(constant):
            data = data[~data["site"].isin(dropped)]
            result["n_sites_dropped"] = int(len(dropped))
    if data.empty:
        result["raison"] = "aucune_sortie"
        return result
    years = data["annee"].astype(int)
    result.update(first_year=int(years.min()), last_year=int(years.max()), n=int(len(data)))
    if years.nunique() < 2:
        result["raison"] = "une_seule_annee"
        return result
    if data[outcome].nunique() < 2:
        result["raison"] = "issue_constante"
        return result
    centre = float(years.mean())
    frame = pd.DataFrame({"y": data[outcome].astype(float).to_numpy(), "annee_c": (years - centre).to_numpy(float)})
    formula = "y ~ annee_c"
    if by_site and "site" in data and data["site"].nunique() > 1:
        frame["site"] = data["site"].astype(str).to_numpy()
        formula += " + C(site)"
        result["site_effects"] = True
    result.update(centre_year=round(centre, 3), formula=formula.replace("y ~", f"{outcome} ~"))
    fit, separated = _fit_logit(formula, frame)
    beta, se = float(fit.params["annee_c"]), float(fit.bse["annee_c"])
    if separated or not np.isfinite(se) or abs(beta) > 10:
        result["raison"] = "separation"
        return result
    low, high = fit.conf_int().loc["annee_c"]
    result.update(odds_ratio=float(np.exp(beta)), ci_low=float(np.exp(low)), ci_high=float(np.exp(high)),
                  p_value=float(fit.pvalues["annee_c"]))
    return result


# --------------------------------------------------------------------------- risk adjustment


def risk_adjusted_comparison(
    exits: pd.DataFrame,
    group: str = "site",
    covariates: Sequence[str] = DEFAULT_COVARIATES,
    outcome: str = "sortie_dynamique",
    annees: Sequence[int] | None = None,
    structural: Sequence[str] = DEFAULT_STRUCTURAL,
    fits: dict | None = None,
) -> pd.DataFrame:
    """Given who they employ, does this site do better or worse than expected?

    Indirect standardisation: one binomial GLM (logit) of ``outcome`` on the profile ``covariates``
    is fitted on the exits of all groups pooled, *without* any group term; each exit's fitted
    probability is what an average group would achieve with that person. Per group: ``expected`` =
    sum of the fitted probabilities, ``oe_ratio`` = observed / expected (> 1: better than expected).

    ``structural`` terms are added as categories when they take several values: ``dispositif``
    (ACI and AI differ by nature — exit rules, contracts, public — so groups are compared with groups
    of the same dispositif) and ``annee`` (labour market of the year; sites are not open the same
    years). Consequence: a group alone in its dispositif has O/E = 1 by construction; it is flagged
    ``no_comparator`` and must not be read. ``age`` enters as two bands (< 26, ≥ 50). Covariates that
    are entirely unknown or constant are left out; exits with a missing covariate are dropped and
    counted per group (``n_excluded``). With an intercept, the sum of ``expected`` over all groups
    equals the sum of ``observed`` (property of the maximum-likelihood fit).

    Interval: the Wilson 95 % interval of the observed rate divided by the expected rate. A Poisson
    (Byar) interval on the count would assume rare events; a sortie dynamique concerns about half the
    exits, and the Poisson variance would then overstate the binomial one about twofold. The model's
    own uncertainty (the expected count) is ignored, as usual for standardised ratios.

    ``adjusted_rate`` = ``reference_rate`` × O/E (indirectly standardised rate, the y of the funnel
    plot) with ``reference_rate`` the pooled observed rate of the groups that have a comparator (it
    equals their pooled expected rate); ``funnel_95`` / ``funnel_998`` say
    whether it lies below (−1), within (0) or above (1) the exact binomial limits of
    :func:`funnel_limits` for the group's n. For a group without comparator the interval and the
    adjusted rates are NaN and the funnel positions 0. ``small_n``: fewer than ``MIN_N`` exits. Model details
    (formula, n, dropped covariates…) are in ``result.attrs["model"]``. Raises a French ValueError when
    nothing can be fitted (no exit, outcome constant). ``fits``: a dict kept by the caller across calls on the
    same exits (the model does not depend on ``group``): a model already fitted on the same frame is reused.
    """
    data = exits if annees is None else exits[exits["annee"].isin(list(annees))]
    data = data.dropna(subset=[outcome])
    if data.empty:
        raise ValueError("aucune sortie examinée sur le périmètre et les années retenus : pas de comparaison.")
    design = _covariate_frame(data, covariates)
    unknown = [c for c in design.columns if design[c].isna().all()]
    design = design.drop(columns=unknown)
    complete = design.notna().all(axis=1)
    n_excluded = (~complete).groupby(data[group]).sum()
    data, design = data[complete], design[complete]
    if data.empty:
        raise ValueError("aucune sortie n'a un profil complet : pas de comparaison ajustée possible.")
    constant = [c for c in design.columns if design[c].nunique() < 2]
    design = design.drop(columns=constant)
    frame = design.assign(y=data[outcome].astype(float))
    terms = list(design.columns)
    for term in structural:
        if term in data.columns and data[term].nunique() > 1:
            frame[term] = data[term].astype(str)
            terms.append(f"C({term})")
    if frame["y"].nunique() < 2:
        raise ValueError("toutes les sorties ont la même issue : pas de comparaison ajustée possible.")
    formula = "y ~ " + (" + ".join(terms) if terms else "1")
    fit, separated = _fit_logit(formula, frame) if fits is None else _cached_fit(formula, frame, fits)
    expected = pd.Series(np.asarray(fit.fittedvalues, dtype=float), index=frame.index)

    work = pd.DataFrame({group: data[group].to_numpy(), "y": frame["y"].to_numpy(),
                         "p": expected.to_numpy()})
    per = work.groupby(group, sort=True).agg(n=("y", "size"), observed=("y", "sum"), expected=("p", "sum"))
    out = per.reset_index()
    out["n"] = out["n"].astype("int64")
    out["n_excluded"] = out[group].map(n_excluded).fillna(0).astype("int64").to_numpy()
    out["observed"] = out["observed"].round().astype("int64")
    n, obs, exp_ = out["n"].to_numpy(float), out["observed"].to_numpy(float), out["expected"].to_numpy(float)
    out["no_comparator"] = _no_comparator(data, group, out[group]) if "C(dispositif)" in terms else False
    out["no_comparator"] = out["no_comparator"].astype(bool)
    comparable = ~out["no_comparator"].to_numpy() if (~out["no_comparator"]).any() else np.ones(len(out), bool)
    reference_rate = float(obs[comparable].sum() / n[comparable].sum())
    out["observed_rate"] = obs / n
    out["expected_rate"] = exp_ / n
    out["oe_ratio"] = obs / exp_
    low, high = wilson_interval(obs, n)
    out["oe_low"] = low / (exp_ / n)
    out["oe_high"] = high / (exp_ / n)
    out["reference_rate"] = reference_rate
    out["adjusted_rate"] = reference_rate * out["oe_ratio"]
    out["adjusted_low"] = reference_rate * out["oe_low"]
    out["adjusted_high"] = reference_rate * out["oe_high"]
    out.loc[out["no_comparator"], ["oe_low", "oe_high", "adjusted_rate", "adjusted_low", "adjusted_high"]] = np.nan
    for level in FUNNEL_LEVELS:
        limits = funnel_limits(reference_rate, out["n"].to_numpy(), levels=(level,))
        above = out["adjusted_rate"].to_numpy() > limits["upper"].to_numpy() + 1e-12
        below = out["adjusted_rate"].to_numpy() < limits["lower"].to_numpy() - 1e-12
        out[_funnel_column(level)] = np.where(above, 1, np.where(below, -1, 0)).astype("int64")
    out["small_n"] = out["n"].to_numpy() < MIN_N
    out = out[[c for c in out.columns if c != "no_comparator"] + ["no_comparator"]]
    out.attrs["model"] = {
        "group": group, "outcome": outcome, "formula": formula.replace("y ~", f"{outcome} ~"),
        "n": int(len(frame)), "n_excluded": int(n_excluded.sum()), "covariates": list(design.columns),
        "covariates_dropped": [*unknown, *constant], "structural": [t for t in structural if f"C({t})" in terms],
        "reference_rate": reference_rate, "separation": bool(separated),
        "annees": sorted(int(a) for a in data["annee"].unique()) if "annee" in data else None,
    }
    return out


def _funnel_column(level: float) -> str:
    return "funnel_" + f"{level * 100:g}".replace(".", "")


def _no_comparator(data: pd.DataFrame, group: str, groups: pd.Series) -> np.ndarray:
    """True for a group none of whose dispositifs has exits from another group (O/E = 1 by construction)."""
    groups_per_dispositif = data.groupby("dispositif")[group].nunique()
    alone = data.assign(_alone=data["dispositif"].map(groups_per_dispositif).eq(1)).groupby(group)["_alone"].all()
    return groups.map(alone).fillna(False).to_numpy(dtype=bool)


# --------------------------------------------------------------------------- funnel plot


def funnel_limits(p0: float, n, levels: Sequence[float] = FUNNEL_LEVELS) -> pd.DataFrame:
    """Which rates would a group of size n show by chance alone if its true rate were ``p0``?

    Control limits of a proportion for a funnel plot, one row per n and level (long format):
    ``n``, ``level``, ``lower``, ``upper`` (exact binomial), ``lower_normal``, ``upper_normal``.

    Exact limits use the binomial quantiles with the usual interpolation (Spiegelhalter 2005,
    *Statistics in Medicine* 24:1185, appendix A.1.1): for the tail probability q (0.025 at 95 %,
    0.001 at 99.8 %), r = the smallest count with P(R ≤ r) ≥ q, α = (P(R ≤ r) − q) / P(R = r),
    lower limit = (r − α) / n, between (r − 1) / n and r / n and smooth in n. The upper limit is the
    same formula applied to the complementary count n − R ~ B(n, 1 − p0) (upper = 1 − lower limit for
    1 − p0), not to the quantile 1 − q: the limits are then symmetric around 50 %, and a count k lies
    outside a limit exactly when its one-sided binomial tail, P(R ≤ k) or P(R ≥ k), is below q
    (interpolating the 1 − q quantile the same way would flag counts whose tail is above q). They
    follow the asymmetry of the binomial near 0 % and 100 %. Normal limits: p0 ± z·√(p0(1 − p0)/n).
    All limits are clipped to [0, 1]; NaN where n is 0.
    """
    from scipy.stats import norm

    n = np.atleast_1d(np.asarray(n, dtype=float))
    if not 0 <= p0 <= 1:
        raise ValueError(f"taux de référence hors de [0, 1] : {p0}")
    rows = []
    safe_n = np.where(n > 0, n, 1)
    for level in levels:
        if not 0 < level < 1:
            raise ValueError(f"niveau de confiance hors de ]0, 1[ : {level}")
        tail = (1 - level) / 2
        if 0 < p0 < 1:
            bounds = [_lower_binomial_limit(tail, safe_n, p0), 1 - _lower_binomial_limit(tail, safe_n, 1 - p0)]
        else:
            bounds = [np.full(n.shape, float(p0))] * 2
        z = norm.ppf(1 - tail)
        half = z * np.sqrt(p0 * (1 - p0) / safe_n)
        frame = pd.DataFrame({"n": n, "level": float(level), "lower": bounds[0], "upper": bounds[1],
                              "lower_normal": np.clip(p0 - half, 0, 1), "upper_normal": np.clip(p0 + half, 0, 1)})
        frame.loc[n <= 0, ["lower", "upper", "lower_normal", "upper_normal"]] = np.nan
        rows.append(frame)
    out = pd.concat(rows, ignore_index=True)
    if np.all(np.mod(n, 1) == 0):
        out["n"] = out["n"].astype("int64")
    return out


def _lower_binomial_limit(q: float, n: np.ndarray, p0: float) -> np.ndarray:
    """Interpolated lower q-quantile of B(n, p0) divided by n (Spiegelhalter 2005, A.1.1), clipped at 0."""
    from scipy.stats import binom

    r = binom.ppf(q, n, p0)
    alpha = (binom.cdf(r, n, p0) - q) / binom.pmf(r, n, p0)
    return np.clip((r - alpha) / n, 0, 1)


# --------------------------------------------------------------------------- homogeneity


def homogeneity_test(table) -> dict:
    """Do the groups differ more than chance would explain? Chi-square test of homogeneity.

    ``table``: counts, one row per group, one column per category (e.g. ``pd.crosstab(site,
    sortie_dynamique)``). Rows or columns without any count are left out. Pearson's statistic
    without continuity correction (scipy ``chi2_contingency``, ``correction=False``). When an
    expected count is below 5 the chi-square approximation is doubtful (``raison`` =
    ``effectifs_attendus_faibles``, ``cells_expected_below_5`` of ``cells``) and ``p_value_monte_carlo`` gives a p-value from 20 000 tables drawn with the same margins (fixed
    seed). Returns plain Python values.
    """
    from scipy.stats import chi2_contingency, random_table

    counts = np.asarray(table, dtype=float)
    if counts.ndim != 2:
        raise ValueError("le tableau de contingence doit avoir deux dimensions (groupes × catégories).")
    counts = counts[counts.sum(axis=1) > 0][:, counts.sum(axis=0) > 0]
    result = {"statistic": np.nan, "dof": 0, "p_value": np.nan, "n": int(counts.sum()),
              "n_groups": int(counts.shape[0]), "min_expected": np.nan, "cells_expected_below_5": 0,
              "cells": int(counts.size), "p_value_monte_carlo": None, "raison": None}
    if counts.shape[0] < 2 or counts.shape[1] < 2:
        result["raison"] = "moins_de_deux_groupes"
        return result
    stat, p, dof, expected = chi2_contingency(counts, correction=False)
    below = int((expected < 5).sum())
    result.update(statistic=float(stat), dof=int(dof), p_value=float(p), min_expected=float(expected.min()),
                  cells_expected_below_5=below)
    if below:
        result["raison"] = "effectifs_attendus_faibles"
        draws = random_table(counts.sum(axis=1).astype(int), counts.sum(axis=0).astype(int), seed=20250307)
        sims = draws.rvs(size=20_000).astype(float)
        sim_stats = (((sims - expected) ** 2) / expected).sum(axis=(1, 2))
        result["p_value_monte_carlo"] = float((1 + (sim_stats >= stat - 1e-9).sum()) / (1 + len(sim_stats)))
    return result


# --------------------------------------------------------------------------- brief


def perimeter_vs_expected(exits: pd.DataFrame | Dataset, annee: int, structure: str | None = None,
                          sites: Sequence[str] | None = None, cache: dict | None = None) -> dict | None:
    """For a brief: does the perimeter do better or worse than expected, given who it employs?

    ``exits``: :func:`~iae_impact.analysis.indicators.examined_exits` of the whole dataset (computed once
    for every brief of a batch), or the dataset itself. The adjustment model of
    :func:`risk_adjusted_comparison` is fitted on all examined exits in a three-year window ending at ``annee`` (``annee`` − 2 to ``annee``, the years present: a brief of a year
    uses nothing later): one site
    rarely has enough exits in a single year. Only exits of the perimeter's dispositifs enter (a
    perimeter is compared with structures of the same dispositif; its exits in a dispositif with fewer
    than ``MIN_N`` exits outside it are left out, ``dispositifs`` lists those kept). Returns plain Python values:
    ``observed``, ``expected``, ``n``, ``oe_ratio`` with its 95 % interval, observed / expected /
    reference / adjusted rates, funnel position, the window, the covariates, and ``groups`` (the
    per-site comparison, records, for :func:`funnel_figure` with ``highlight`` = the perimeter's
    sites). None when fewer than ``MIN_N`` examined exits of the perimeter remain in the window (a
    perimeter alone in its dispositif has nothing to compare with: its expected rate would be its
    own), or when no profile covariate is usable. ``cache``: a dict kept across the briefs of one release (the
    same ``exits``): the model and the per-site comparison, the same for every perimeter of the same
    dispositifs and window, are then computed once.
    """
    if isinstance(exits, Dataset):
        exits = examined_exits(exits)
    window = [annee - 2, annee - 1, annee]
    exits = exits[exits["annee"].isin(window)]
    inside = pd.Series(True, index=exits.index)
    if structure is not None:
        inside &= exits["structure"].eq(structure)
    if sites:
        inside &= exits["site"].isin(list(sites))
    outside_per_dispositif = exits.loc[~inside, "dispositif"].value_counts()
    dispositifs = sorted(d for d in exits.loc[inside, "dispositif"].unique() if outside_per_dispositif.get(d, 0) >= MIN_N)
    pool = exits[exits["dispositif"].isin(dispositifs)].copy()
    inside = inside.reindex(pool.index)
    if inside.sum() < MIN_N:
        return None
    pool["perimetre"] = np.where(inside, "perimetre", "autres")
    try:
        comparison = risk_adjusted_comparison(pool, group="perimetre", fits=cache)
    except ValueError:
        return None
    model = comparison.attrs["model"]
    if not model["covariates"]:
        return None
    row = comparison.set_index("perimetre").loc["perimetre"]
    key = ("par site", tuple(dispositifs), annee)
    by_site = cache.get(key) if cache is not None else None
    if by_site is None:
        by_site = risk_adjusted_comparison(pool, group="site", fits=cache)
        if cache is not None:
            cache[key] = by_site
    perimeter_sites = sorted(pool.loc[inside, "site"].unique())
    groups = by_site.assign(in_perimeter=by_site["site"].isin(perimeter_sites))
    keep = ["n", "n_excluded", "observed", "expected", "observed_rate", "expected_rate", "oe_ratio", "oe_low",
            "oe_high", "reference_rate", "adjusted_rate", "adjusted_low", "adjusted_high", "funnel_95",
            "funnel_998", "small_n"]
    result = {k: _plain(row[k]) for k in keep}
    result.update(
        annee=int(annee), years=sorted(int(a) for a in pool["annee"].unique()), structure=structure,
        sites=list(sites) if sites else None, perimeter_sites=perimeter_sites, dispositifs=dispositifs,
        n_reference=int(model["n"]), covariates=model["covariates"], formula=model["formula"],
        groups=[{k: _plain(v) for k, v in rec.items()} for rec in groups.to_dict(orient="records")],
    )
    return result


# --------------------------------------------------------------------------- notebook 03 building blocks

OUTCOMES = ("sortie_dynamique", "emploi_durable")


def outcome_table(exits: pd.DataFrame) -> pd.DataFrame:
    """Counts per site (rows) and outcome (columns « sortie dynamique », « autre sortie »): the contingency
    table of :func:`homogeneity_test`."""
    return pd.crosstab(exits["site"], exits["sortie_dynamique"].map({1: "sortie dynamique", 0: "autre sortie"}))


def raw_rates(exits: pd.DataFrame) -> pd.DataFrame:
    """Per dispositif and site, all years pooled: examined exits, sorties dynamiques, their rate and its
    Wilson 95 % interval (``taux_ic_bas``, ``taux_ic_haut``)."""
    out = exits.groupby(["dispositif", "site"]).agg(
        sorties_examinees=("sortie_dynamique", "size"), sorties_dynamiques=("sortie_dynamique", "sum")).reset_index()
    out["taux_sorties_dynamiques"] = out["sorties_dynamiques"] / out["sorties_examinees"]
    out["taux_ic_bas"], out["taux_ic_haut"] = wilson_interval(out["sorties_dynamiques"], out["sorties_examinees"])
    return out


def homogeneity_by_dispositif(exits: pd.DataFrame) -> dict:
    """:func:`homogeneity_test` across all sites (``tous_sites``, None with a single site) and, when several
    dispositifs are present, across the sites of each dispositif that has several (``par_dispositif``)."""
    result: dict = {"tous_sites": None, "par_dispositif": {}}
    if exits["site"].nunique() < 2:
        return result
    result["tous_sites"] = homogeneity_test(outcome_table(exits))
    if exits["dispositif"].nunique() > 1:
        for dispositif, group in exits.groupby("dispositif"):
            if group["site"].nunique() > 1:
                result["par_dispositif"][dispositif] = homogeneity_test(outcome_table(group))
    return result


def trends(exits: pd.DataFrame, outcomes: Sequence[str] = OUTCOMES) -> dict:
    """:func:`trend_odds_ratio` of each outcome for all exits (``ensemble``) and per structure
    (``par_structure``: structure -> outcome -> trend)."""
    result: dict = {"ensemble": {}, "par_structure": {}}
    for outcome in outcomes:
        result["ensemble"][outcome] = trend_odds_ratio(exits, outcome=outcome)
        for name, group in exits.groupby("structure"):
            result["par_structure"].setdefault(name, {})[outcome] = trend_odds_ratio(group, outcome=outcome)
    return result


def trends_without_counts(trends: dict, structures: Sequence[str]) -> dict:
    """:func:`trends` with the number of exits (``n``) of the ``structures`` removed (None): their count pooled
    over the years is not published (:func:`~iae_impact.analysis.disclosure.pooled_groups_hidden`); their odds
    ratio, which gives no count, stays."""
    hidden = set(structures)
    return {**trends, "par_structure": {
        name: {o: ({**t, "n": None} if name in hidden else t) for o, t in per.items()}
        for name, per in trends["par_structure"].items()}}
