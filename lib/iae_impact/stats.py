"""Statistics for fair comparisons (DESIGN §5): confidence intervals, trends over years, risk-adjusted
comparison of sites (observed / expected), funnel-plot limits and a chi-square test of homogeneity.

Every model is fitted with statsmodels on the person-level examined exits of
:func:`iae_impact.indicators.examined_exits` (one row per exit, outcome 0/1). Functions return plain
pandas / Python objects (numpy dtypes, snake_case English column names); the ``describe_*`` helpers
turn them into French sentences for the notebooks and the briefs.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint

from . import fr

#: Profile covariates of the risk adjustment (columns of ``examined_exits``). ``age`` enters as two
#: bands (under 26, 50 and over), as in the published profile shares: its effect is not linear.
DEFAULT_COVARIATES = ("age", "femme", "rsa", "chomage_longue_duree", "niveau_infra_bac", "qpv", "rqth")
#: Structural differences the comparison is made "at equal": categorical terms added when they vary.
DEFAULT_STRUCTURAL = ("dispositif", "annee")
#: Below this many examined exits a group is flagged as small (``small_n``) and a perimeter is not compared.
MIN_N = 20
FUNNEL_LEVELS = (0.95, 0.998)
OUTCOME_LABELS = {"sortie_dynamique": "le taux de sorties dynamiques", "emploi_durable": "le taux d'emploi durable"}


def wilson_interval(successes, n, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a proportion (95 % by default); NaN where ``n`` is 0.

    Answers: given ``successes`` out of ``n``, which true rates are compatible with
    what was observed? Wilson stays inside [0, 1] and behaves well for small n,
    which is the usual case for one site and one year.
    """
    successes = np.asarray(successes, dtype=float)
    n = np.asarray(n, dtype=float)
    low = np.full(np.broadcast(successes, n).shape, np.nan)
    high = low.copy()
    ok = n > 0
    if ok.any():
        lo, hi = proportion_confint(successes[ok], n[ok], alpha=alpha, method="wilson")
        low[ok], high[ok] = lo, hi
    return low, high


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
            out["age_moins_26"] = (values < 26).astype(float).where(values.notna())
            out["age_50_et_plus"] = (values >= 50).astype(float).where(values.notna())
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
    ``n_sites_dropped``. When the outcome is constant, a single year remains, or the year perfectly
    separates the outcomes, no odds ratio can be estimated: the values are NaN and ``note`` says why
    (in French). Returns plain Python values (JSON-serialisable apart from NaN).
    """
    data = exits.dropna(subset=[outcome, "annee"])
    result = {"outcome": outcome, "odds_ratio": np.nan, "ci_low": np.nan, "ci_high": np.nan, "p_value": np.nan,
              "n": int(len(data)), "n_sites": int(data["site"].nunique()) if "site" in data else 0,
              "n_sites_dropped": 0, "site_effects": False, "first_year": None, "last_year": None,
              "centre_year": None, "formula": None, "note": None}
    if by_site and "site" in data and data["site"].nunique() > 1:
        constant = data.groupby("site")[outcome].agg(lambda s: s.nunique() == 1)
        dropped = constant[constant].index
        if len(dropped) and len(dropped) < len(constant):
            data = data[~data["site"].isin(dropped)]
            result["n_sites_dropped"] = int(len(dropped))
    if data.empty:
        result["note"] = "aucune sortie examinée : pas de tendance calculable."
        return result
    years = data["annee"].astype(int)
    result.update(first_year=int(years.min()), last_year=int(years.max()), n=int(len(data)))
    if years.nunique() < 2:
        result["note"] = f"une seule année ({years.iloc[0]}) : pas de tendance calculable."
        return result
    if data[outcome].nunique() < 2:
        result["note"] = "toutes les sorties ont la même issue : pas de tendance calculable."
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
        result["note"] = ("séparation parfaite : l'année suffit à prédire l'issue (effectifs trop faibles "
                          "ou issues trop tranchées) ; pas de rapport de cotes estimable.")
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
    nothing can be fitted (no exit, outcome constant).
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
    fit, separated = _fit_logit(formula, frame)
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


def funnel_figure(comparison: pd.DataFrame, p0: float, title: str, highlight: Sequence[str] | None = None,
                  rate_label: str = "Taux de sorties dynamiques"):
    """Funnel plot of a :func:`risk_adjusted_comparison`: where does each group stand, given its size?

    x: examined exits (n); y: rate adjusted for the profile of the persons (filled point, labelled
    with the group), beside the raw observed rate (hollow point); lines: reference rate ``p0`` and
    the exact binomial limits at 95 % and 99.8 %. Groups without comparator (alone in their
    dispositif) are left out and named in the alternative text. ``highlight``: groups to emphasise
    (a brief's perimeter); the others are drawn in grey. Returns ``(fig, alt_text)`` (French).
    """
    import matplotlib.pyplot as plt
    import matplotlib.ticker as mticker
    from matplotlib.lines import Line2D

    group = comparison.attrs.get("model", {}).get("group") or comparison.columns[0]
    shown = comparison[~comparison.get("no_comparator", pd.Series(False, index=comparison.index)).astype(bool)]
    left_out = comparison.loc[~comparison.index.isin(shown.index), group].astype(str).tolist()
    fig, ax = plt.subplots(figsize=(7.0, 4.2))
    n_max = max(float(shown["n"].max()) if len(shown) else 10.0, 10.0) * 1.3  # room for the labels
    grid = np.arange(1, int(np.ceil(n_max)) + 1)
    limits = funnel_limits(p0, grid)
    styles = {0.95: ("--", "#6b6b6b", "limites à 95 %"), 0.998: (":", "#303030", "limites à 99,8 %")}
    for level, lim in limits.groupby("level"):
        style, color, label = styles.get(level, ("-.", "grey", f"limites à {fr.format_rate(level, 1)}"))
        ax.plot(lim["n"], lim["lower"], style, color=color, linewidth=1, label=label)
        ax.plot(lim["n"], lim["upper"], style, color=color, linewidth=1)
    ax.axhline(p0, color="#1f4e79", linewidth=1, label=f"taux d'ensemble ({fr.format_rate(p0)})")
    highlight = set(highlight or [])
    placed: list[tuple[float, float]] = []  # label positions, so that close points do not overwrite each other
    for i, r in enumerate(shown.sort_values("adjusted_rate", ascending=False).itertuples(index=False)):
        name = str(getattr(r, group))
        color = "#c0504d" if name in highlight else ("#9a9a9a" if highlight else f"C{i % 10}")
        ax.plot([r.n, r.n], [r.observed_rate, r.adjusted_rate], color=color, linewidth=0.8, alpha=0.6)
        ax.scatter([r.n], [r.observed_rate], facecolors="none", edgecolors=color, s=30, zorder=3)
        ax.scatter([r.n], [r.adjusted_rate], color=color, s=40, zorder=4)
        y_text = r.adjusted_rate + 0.02
        while any(abs(r.n - x) < 0.2 * n_max and abs(y_text - y) < 0.045 for x, y in placed):
            y_text -= 0.045
        placed.append((r.n, y_text))
        ax.annotate(name, (r.n, r.adjusted_rate), xytext=(r.n + 0.01 * n_max, y_text), textcoords="data",
                    fontsize=8, color=color, fontweight="bold" if name in highlight else "normal")
    ax.set_xlim(0, n_max)
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(mticker.PercentFormatter(1.0, decimals=0))
    ax.set_xlabel("Sorties examinées (n)")
    ax.set_ylabel(rate_label)
    ax.set_title(title)
    handles, _ = ax.get_legend_handles_labels()
    handles += [Line2D([], [], linestyle="", marker="o", markerfacecolor="none", markeredgecolor="#404040",
                       label="taux observé"),
                Line2D([], [], linestyle="", marker="o", color="#404040", label="taux ajusté (profil des personnes)")]
    ax.legend(handles=handles, fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=3,
              frameon=False)
    fig.tight_layout()
    parts = []
    for r in shown.itertuples(index=False):
        where = _position_text(int(getattr(r, "funnel_95", 0)), int(getattr(r, "funnel_998", 0)))
        parts.append(f"{getattr(r, group)} : {fr.format_number(r.n)} sorties, taux observé "
                     f"{fr.format_rate(r.observed_rate)}, ajusté {fr.format_rate(r.adjusted_rate)}, {where}")
    alt = (f"Graphique en entonnoir : {rate_label.lower()} ajusté sur le profil des personnes selon le nombre de "
           f"sorties examinées, avec les limites à 95 % et 99,8 % autour du taux d'ensemble "
           f"({fr.format_rate(p0)}). " + (" ; ".join(parts) if parts else "Aucun groupe comparable") + ".")
    if left_out:
        alt += f" Sans point de comparaison (seul de son dispositif) : {', '.join(left_out)}."
    return fig, alt


def _position_text(f95: int, f998: int) -> str:
    if f998:
        return "au-dessus des limites à 99,8 %" if f998 > 0 else "en dessous des limites à 99,8 %"
    if f95:
        return "au-dessus des limites à 95 %" if f95 > 0 else "en dessous des limites à 95 %"
    return "dans les limites"


# --------------------------------------------------------------------------- homogeneity


def homogeneity_test(table) -> dict:
    """Do the groups differ more than chance would explain? Chi-square test of homogeneity.

    ``table``: counts, one row per group, one column per category (e.g. ``pd.crosstab(site,
    sortie_dynamique)``). Rows or columns without any count are left out. Pearson's statistic
    without continuity correction (scipy ``chi2_contingency``, ``correction=False``). When an
    expected count is below 5 the chi-square approximation is doubtful: ``warning`` says so (French)
    and ``p_value_monte_carlo`` gives a p-value from 20 000 tables drawn with the same margins (fixed
    seed). Returns plain Python values.
    """
    from scipy.stats import chi2_contingency, random_table

    counts = np.asarray(table, dtype=float)
    if counts.ndim != 2:
        raise ValueError("le tableau de contingence doit avoir deux dimensions (groupes × catégories).")
    counts = counts[counts.sum(axis=1) > 0][:, counts.sum(axis=0) > 0]
    result = {"statistic": np.nan, "dof": 0, "p_value": np.nan, "n": int(counts.sum()),
              "n_groups": int(counts.shape[0]), "min_expected": np.nan, "cells_expected_below_5": 0,
              "p_value_monte_carlo": None, "warning": None}
    if counts.shape[0] < 2 or counts.shape[1] < 2:
        result["warning"] = "moins de deux groupes ou une seule issue observée : pas de test possible."
        return result
    stat, p, dof, expected = chi2_contingency(counts, correction=False)
    below = int((expected < 5).sum())
    result.update(statistic=float(stat), dof=int(dof), p_value=float(p), min_expected=float(expected.min()),
                  cells_expected_below_5=below)
    if below:
        result["warning"] = (f"{below} case{'s' if below > 1 else ''} sur {expected.size} ont un effectif attendu "
                             "inférieur à 5 : l'approximation du khi-deux est fragile (p-valeur par simulation "
                             "donnée à côté).")
        draws = random_table(counts.sum(axis=1).astype(int), counts.sum(axis=0).astype(int), seed=20250307)
        sims = draws.rvs(size=20_000).astype(float)
        sim_stats = (((sims - expected) ** 2) / expected).sum(axis=(1, 2))
        result["p_value_monte_carlo"] = float((1 + (sim_stats >= stat - 1e-9).sum()) / (1 + len(sim_stats)))
    return result


# --------------------------------------------------------------------------- brief


def perimeter_vs_expected(dataset, annee: int, structure: str | None = None,
                          sites: Sequence[str] | None = None) -> dict | None:
    """For a brief: does the perimeter do better or worse than expected, given who it employs?

    The adjustment model of :func:`risk_adjusted_comparison` is fitted on all examined exits of the
    dataset in a three-year window (``annee`` − 1 to ``annee`` + 1, the years present): one site
    rarely has enough exits in a single year. Only exits of the perimeter's dispositifs enter (a
    perimeter is compared with structures of the same dispositif; its exits in a dispositif with fewer
    than ``MIN_N`` exits outside it are left out, ``dispositifs`` lists those kept). Returns plain Python values:
    ``observed``, ``expected``, ``n``, ``oe_ratio`` with its 95 % interval, observed / expected /
    reference / adjusted rates, funnel position, the window, the covariates, and ``groups`` (the
    per-site comparison, records, for :func:`funnel_figure` with ``highlight`` = the perimeter's
    sites). None when fewer than ``MIN_N`` examined exits of the perimeter remain in the window (a
    perimeter alone in its dispositif has nothing to compare with: its expected rate would be its
    own), or when no profile covariate is usable.
    """
    from .indicators import examined_exits

    exits = examined_exits(dataset)
    window = [annee - 1, annee, annee + 1]
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
        comparison = risk_adjusted_comparison(pool, group="perimetre")
    except ValueError:
        return None
    model = comparison.attrs["model"]
    if not model["covariates"]:
        return None
    row = comparison.set_index("perimetre").loc["perimetre"]
    by_site = risk_adjusted_comparison(pool, group="site")
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


# --------------------------------------------------------------------------- French sentences


def _p_text(p: float) -> str:
    return "p < 0,001" if p < 0.001 else f"p = {fr.format_number(p, 3)}"


def _ratio_text(ratio: float, low: float, high: float) -> str:
    return f"{fr.format_number(ratio, 2)}, IC 95 % [{fr.format_number(low, 2)} ; {fr.format_number(high, 2)}]"


def describe_homogeneity(result: dict, groups_word: str = "sites") -> str:
    """One French sentence from :func:`homogeneity_test`."""
    if not np.isfinite(result.get("p_value", np.nan)):
        return f"Pas de test d'homogénéité : {result.get('warning') or 'données insuffisantes.'}"
    stat = (f"khi-deux = {fr.format_number(result['statistic'], 1)} ; {result['dof']} degré"
            f"{'s' if result['dof'] > 1 else ''} de liberté ; {_p_text(result['p_value'])}")
    p = result["p_value_monte_carlo"] if result.get("p_value_monte_carlo") is not None else result["p_value"]
    if p < 0.05:
        text = f"Les taux bruts diffèrent entre les {groups_word} plus que le hasard ne l'expliquerait ({stat})."
    else:
        text = f"Les écarts de taux bruts entre les {groups_word} restent compatibles avec le hasard ({stat})."
    if result.get("warning"):
        text += f" Attention : {result['warning']} Par simulation : {_p_text(result['p_value_monte_carlo'])}."
    return text


def describe_comparison(comparison: pd.DataFrame, group_word: str = "site") -> list[str]:
    """French sentences from :func:`risk_adjusted_comparison`: who lies outside the funnel limits,
    who has no comparator, which groups are small, how many exits were left out."""
    model = comparison.attrs.get("model", {})
    group = model.get("group") or comparison.columns[0]
    ok = comparison[~comparison["no_comparator"]]
    sentences = []
    if len(ok) < 2:
        sentences.append(f"Moins de deux {group_word}s comparables à dispositif égal : pas de comparaison ajustée.")
    else:
        outside = ok[ok["funnel_95"] != 0]
        if outside.empty:
            sentences.append(f"Aucun {group_word} ne sort des limites à 95 % : compte tenu du profil des personnes, "
                             "les écarts observés restent compatibles avec le hasard.")
        for r in outside.itertuples(index=False):
            side = "au-dessus de la limite haute" if r.funnel_95 > 0 else "en dessous de la limite basse"
            level = "99,8 %" if r.funnel_998 != 0 else "95 %"
            sentences.append(
                f"{getattr(r, group)} est {side} à {level} : {fr.format_number(r.observed)} sorties dynamiques "
                f"observées sur {fr.format_number(r.n)} pour {fr.format_number(r.expected, 1)} attendues, "
                f"rapport observé/attendu {_ratio_text(r.oe_ratio, r.oe_low, r.oe_high)}.")
    alone = comparison[comparison["no_comparator"]]
    if len(alone):
        names = ", ".join(str(x) for x in alone[group])
        sentences.append(f"Sans point de comparaison (seul de son dispositif) : {names} ; son rapport observé/attendu "
                         "vaut 1 par construction et ne se lit pas.")
    small = ok[ok["small_n"]]
    if len(small):
        names = ", ".join(f"{x} ({fr.format_number(n)} sorties)" for x, n in zip(small[group], small["n"], strict=True))
        sentences.append(f"Effectifs faibles (moins de {MIN_N} sorties examinées) : {names} ; position fragile.")
    if model.get("n_excluded"):
        sentences.append(f"{fr.format_number(model['n_excluded'])} sorties au profil incomplet sont écartées du modèle.")
    return sentences


def describe_trend(trend: dict, subject: str | None = None) -> str:
    """One French sentence from :func:`trend_odds_ratio`."""
    subject = subject or OUTCOME_LABELS.get(trend.get("outcome"), "le taux")
    span = (f"De {trend['first_year']} à {trend['last_year']}" if trend.get("first_year") is not None
            else "Sur la période")
    if not np.isfinite(trend.get("odds_ratio", np.nan)):
        return f"{span}, {subject} : {trend.get('note') or 'pas de tendance calculable.'}"
    where = "à site égal, " if trend.get("site_effects") else ""
    detail = (f"rapport de cotes annuel {_ratio_text(trend['odds_ratio'], trend['ci_low'], trend['ci_high'])}, "
              f"{fr.format_number(trend['n'])} sorties")
    if trend["ci_low"] > 1:
        return f"{span}, {subject} augmente : {where}la cote est multipliée par {fr.format_number(trend['odds_ratio'], 2)} chaque année ({detail})."
    if trend["ci_high"] < 1:
        return f"{span}, {subject} diminue : {where}la cote est multipliée par {fr.format_number(trend['odds_ratio'], 2)} chaque année ({detail})."
    return f"{span}, {subject} ne montre pas d'évolution nette ({where}{detail})."


def describe_perimeter(result: dict | None, label: str = "le périmètre") -> str | None:
    """One French sentence for a brief from :func:`perimeter_vs_expected` (None when there is no result)."""
    if result is None:
        return None
    years = result["years"]
    span = f"{years[0]}-{years[-1]}" if len(years) > 1 else str(years[0])
    if result["oe_low"] > 1:
        verdict = "mieux qu'attendu, au-delà de ce que le hasard expliquerait"
    elif result["oe_high"] < 1:
        verdict = "moins bien qu'attendu, au-delà de ce que le hasard expliquerait"
    else:
        verdict = "un écart à l'attendu compatible avec le hasard"
    return (f"Sur {span}, compte tenu du profil des personnes embauchées, le taux de sorties dynamiques attendu "
            f"pour {label} était de {fr.format_rate(result['expected_rate'])} ; il a été de "
            f"{fr.format_rate(result['observed_rate'])} sur {fr.format_number(result['n'])} sorties examinées "
            f"(rapport observé/attendu {_ratio_text(result['oe_ratio'], result['oe_low'], result['oe_high'])}) : "
            f"{verdict}.")
