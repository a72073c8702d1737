"""Average effect on the treated (ATT) against a comparison group, with overlap and balance diagnostics.

:func:`estimate_att` implements five estimators on one frame (one row per person, a 0/1 treatment
column, an outcome and covariates), all with statsmodels and plain float64 numpy arrays:

- ``"difference"``: difference in means, HC1 standard error (OLS of the outcome on the treatment);
- ``"regression"``: OLS regression adjustment (outcome on treatment and covariates), HC1 standard error;
- ``"ipw"``: inverse probability weighting for the ATT with normalised weights (1 for the treated,
  p/(1−p) for the controls, p from a logit with intercept), optional trimming rule;
- ``"aipw"``: doubly robust ATT (outcome regression fitted on the controls + propensity weights),
  standard error from its influence function, estimation of both nuisance models included;
- ``"matching"``: one-nearest-neighbour matching on the estimated propensity score, with replacement,
  every control tied at the nearest distance kept (as Stata ``teffects psmatch`` does), Abadie–Imbens
  (2006) standard error.

The propensity score is never clipped (statsmodels ``TreatmentEffect.ipw`` clips it to [0.01, 0.99]
and gives about 1,068 instead of 1,689 on NSW–CPS: docs/domain.md §10). Poor overlap is shown, not hidden:
every result carries :class:`Diagnostics` (score distribution by group, share outside [0.1, 0.9],
standardised mean differences before and after weighting or matching).

The module also builds the comparison frame of a dataset (salaried parcours with a follow-up against
the ``candidats`` sheet, :func:`build_comparison_frame`) and the estimate the brief uses
(:func:`brief_estimate`); :mod:`iae_impact.analysis.nsw` reproduces the LaLonde / Dehejia–Wahba NSW
benchmark. French labels, tables and plots are in :mod:`iae_impact.report`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..data.model import Dataset
from ..rules.dispositifs import salaried_dispositifs
from ..rules.profile import AGE_SENIOR_FROM, AGE_YOUNG_BELOW, IMPACT_COVARIATES, age_bands, profile_flags

METHODS = ("difference", "regression", "ipw", "aipw", "matching")
PS_METHODS = ("ipw", "aipw", "matching")
#: Overlap bounds reported in the diagnostics (the usual trimming rule of Crump et al. 2009).
OVERLAP_BOUNDS = (0.1, 0.9)
#: 97.5 % quantile of the standard normal, as scipy's ``norm.ppf(0.975)`` gives it (written out: scipy.stats
#: takes half a second to import; the standard library's NormalDist differs in the last bit).
Z_95 = 1.959963984540054
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
_OPTIONS = {"ps_covariates", "trim", "maxiter", "variance_neighbors"}

#: Covariates of the comparison frame (see :func:`build_comparison_frame`).
DEMO_COVARIATES = list(IMPACT_COVARIATES)
DEMO_TREATMENT = "traite"
DEMO_OUTCOME = "en_emploi_6_mois"
#: Minimum persons in each group before the brief shows an estimate.
BRIEF_MIN_GROUP = 50
#: The project's balance rule: after weighting, every absolute standardised mean difference at most 0.1
#: (Austin 2009, « Balance diagnostics… », Stat. Med. 28; docs/domain.md §10).
BALANCE_MAX = 0.1
#: The project's overlap rule: at most this share of the persons with a propensity score outside
#: :data:`OVERLAP_BOUNDS` (Crump et al. 2009 trim there; beyond 5 %, the estimate rests on few comparable people).
OVERLAP_MAX_OUTSIDE = 0.05


# --------------------------------------------------------------------------- results


@dataclass
class Diagnostics:
    """Overlap and balance of one estimate.

    ``overlap``: one row per group (``traités``, ``témoins``) with n, min, quantiles, max of the
    propensity score and the share of the group outside [0.1, 0.9], computed on the whole sample
    (before any trimming); None when no score was estimated. ``share_outside``: that share over both
    groups. ``balance``: one row per covariate, standardised mean differences ``dms_avant`` (whole
    sample, unweighted) and ``dms_apres`` (estimation sample, with the estimator's weights or
    matches; NaN for the difference and the regression, which do not reweight); both divided by the
    same pooled standard deviation sqrt((s²_treated + s²_controls) / 2) of the whole sample, so the
    change shows the means only. ``propensity``, ``treated``, ``kept``: the score, the treatment and
    the estimation-sample mask of every row, for plots. ``details``: counts (trimmed units, distinct
    matched controls…). ``dropped_covariates``: constant covariates left out of the score;
    ``propensity_error``: why the score could not be estimated for the difference or the regression
    (the estimate stands; French remarks: :func:`iae_impact.report.text_impact.diagnostic_notes`).
    """

    balance: pd.DataFrame
    overlap: pd.DataFrame | None = None
    share_outside: float | None = None
    propensity: np.ndarray | None = None
    treated: np.ndarray | None = None
    kept: np.ndarray | None = None
    details: dict = field(default_factory=dict)
    dropped_covariates: list[str] = field(default_factory=list)
    propensity_error: str | None = None


@dataclass
class ImpactResult:
    """One ATT estimate with its standard error, 95 % normal interval, group sizes and diagnostics."""

    estimate: float
    se: float
    ci: tuple[float, float]
    n_treated: int
    n_control: int
    method: str
    diagnostics: Diagnostics

    def contains(self, value: float) -> bool:
        """True when ``value`` lies inside the 95 % interval."""
        return bool(self.ci[0] <= value <= self.ci[1])

    def to_dict(self, scale: float = 1.0, digits: int = 6) -> dict:
        """Plain numbers for JSON summaries (``scale=100`` gives percentage points)."""
        return {
            "methode": self.method,
            "estimation": round(self.estimate * scale, digits),
            "erreur_type": round(self.se * scale, digits),
            "ic_bas": round(self.ci[0] * scale, digits),
            "ic_haut": round(self.ci[1] * scale, digits),
            "n_traites": int(self.n_treated),
            "n_temoins": int(self.n_control),
        }


def _result(estimate: float, se: float, n1: int, n0: int, method: str, diag: Diagnostics) -> ImpactResult:
    estimate, se = float(estimate), float(se)
    return ImpactResult(estimate, se, (estimate - Z_95 * se, estimate + Z_95 * se), int(n1), int(n0), method, diag)


# --------------------------------------------------------------------------- input


def _float_columns(df: pd.DataFrame, columns: Sequence[str]) -> np.ndarray:
    """``df[columns]`` as a float64 array (nullable, boolean and pyarrow dtypes included); no missing value."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"colonne(s) absente(s) : {', '.join(missing)}")
    out = np.empty((len(df), len(columns)), dtype="float64")
    for j, name in enumerate(columns):
        try:
            out[:, j] = df[name].to_numpy(dtype="float64", na_value=np.nan)
        except (TypeError, ValueError):
            raise ValueError(f"la colonne « {name} » n'est pas numérique") from None
    bad = [f"{c} ({int(n)})" for c, n in zip(columns, np.isnan(out).sum(axis=0), strict=True) if n]
    if bad:
        raise ValueError(f"valeurs manquantes dans : {', '.join(bad)} ; écartez ces lignes avant l'estimation")
    return out


def _unique(names: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(names))


# --------------------------------------------------------------------------- propensity score


@dataclass
class _Propensity:
    score: np.ndarray  # p(X), never clipped
    design: np.ndarray  # standardised covariates with a leading constant column
    influence: np.ndarray  # n x k: H^{-1} z_i (t_i - p_i), H = mean of p(1-p) z z'
    dropped: list[str]


SEPARATION = ("le score de propension ne peut pas être estimé : séparation parfaite (les covariables "
              "prédisent exactement le groupe ; aucune personne comparable dans l'autre groupe)")


def fit_propensity(x: np.ndarray, t: np.ndarray, names: Sequence[str], maxiter: int = 100) -> _Propensity:
    """Logit of ``t`` on ``x`` with an intercept (Newton–Raphson, BFGS as a fallback).

    Columns are centred and scaled before fitting (same fitted scores, better conditioning: age³ or
    earnings otherwise dwarf the 0/1 covariates); constant columns are dropped. Raises ValueError (in
    French) when the fit does not converge or the score reaches exactly 0 or 1 (perfect separation).
    """
    import statsmodels.api as sm  # statsmodels takes over a second to import: loaded when a model is fitted
    from statsmodels.tools.sm_exceptions import PerfectSeparationError, PerfectSeparationWarning

    sd = x.std(axis=0)
    constant = sd == 0
    dropped = [n for n, c in zip(names, constant, strict=True) if c]
    xs = (x[:, ~constant] - x[:, ~constant].mean(axis=0)) / sd[~constant]
    z = np.column_stack([np.ones(len(t)), xs])
    model = sm.Logit(t, z)
    fit = None
    for method, iterations in (("newton", maxiter), ("bfgs", max(maxiter, 1000))):
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                candidate = model.fit(method=method, maxiter=iterations, disp=0, warn_convergence=False)
        except PerfectSeparationError:
            raise ValueError(SEPARATION) from None
        except (np.linalg.LinAlgError, ValueError, OverflowError):
            continue
        if any(issubclass(w.category, PerfectSeparationWarning) for w in caught):
            raise ValueError(SEPARATION)
        if candidate.mle_retvals.get("converged", False) and np.all(np.isfinite(candidate.params)):
            fit = candidate
            break
    if fit is None:
        raise ValueError(f"le modèle logit du score de propension n'a pas convergé ({maxiter} itérations de "
                         "Newton puis BFGS) : simplifiez la spécification ou vérifiez les covariables")
    p = np.asarray(fit.predict(z), dtype="float64")
    if np.any(p <= 0.0) or np.any(p >= 1.0):
        raise ValueError("score de propension égal à 0 ou 1 pour certaines personnes (séparation parfaite) : "
                         "aucun estimateur pondéré n'est possible sur cet échantillon")
    hessian = (z * (p * (1 - p))[:, None]).T @ z / len(t)
    influence = np.linalg.solve(hessian, (z * (t - p)[:, None]).T).T
    return _Propensity(p, z, influence, dropped)


# --------------------------------------------------------------------------- diagnostics


def _overlap(p: np.ndarray, t: np.ndarray) -> tuple[pd.DataFrame, float]:
    lo, hi = OVERLAP_BOUNDS
    rows = []
    for label, sel in (("traités", t == 1), ("témoins", t == 0)):
        s = p[sel]
        q = np.quantile(s, QUANTILES)
        rows.append({"groupe": label, "n": int(sel.sum()), "min": s.min(), "q05": q[0], "q25": q[1],
                     "mediane": q[2], "q75": q[3], "q95": q[4], "max": s.max(),
                     "part_hors_0_1_0_9": float(np.mean((s < lo) | (s > hi)))})
    return pd.DataFrame(rows), float(np.mean((p < lo) | (p > hi)))


def _balance(x: np.ndarray, names: Sequence[str], t: np.ndarray, kept: np.ndarray,
             control_weights: np.ndarray | None) -> pd.DataFrame:
    """Standardised mean differences before (whole sample) and after (kept sample, weighted controls)."""
    treated, controls = x[t == 1], x[t == 0]
    var1 = treated.var(axis=0, ddof=1) if len(treated) > 1 else np.zeros(x.shape[1])
    var0 = controls.var(axis=0, ddof=1) if len(controls) > 1 else np.zeros(x.shape[1])
    sd = np.sqrt((var1 + var0) / 2)
    sd = np.where(sd > 0, sd, np.nan)
    before = (treated.mean(axis=0) - controls.mean(axis=0)) / sd
    if control_weights is None:
        after = np.full(x.shape[1], np.nan)
    else:
        k1 = kept & (t == 1)
        k0 = kept & (t == 0)
        w = control_weights[k0]
        after = (x[k1].mean(axis=0) - (w[:, None] * x[k0]).sum(axis=0) / w.sum()) / sd
    return pd.DataFrame({"covariable": list(names), "dms_avant": before, "dms_apres": after})


def _diagnostics(x_bal: np.ndarray, names: Sequence[str], t: np.ndarray, ps: _Propensity | None,
                 kept: np.ndarray, control_weights: np.ndarray | None, details: dict | None = None,
                 propensity_error: str | None = None) -> Diagnostics:
    overlap, share = (None, None) if ps is None else _overlap(ps.score, t)
    return Diagnostics(balance=_balance(x_bal, names, t, kept, control_weights), overlap=overlap,
                       share_outside=share, propensity=None if ps is None else ps.score, treated=t, kept=kept,
                       details=details or {}, dropped_covariates=[] if ps is None else list(ps.dropped),
                       propensity_error=propensity_error)


# --------------------------------------------------------------------------- estimators


def _hc1_difference(y: np.ndarray, t: np.ndarray, x: np.ndarray | None = None) -> tuple[float, float]:
    import statsmodels.api as sm

    design = np.column_stack([np.ones(len(y)), t] + ([] if x is None or x.shape[1] == 0 else [x]))
    fit = sm.OLS(y, design).fit(cov_type="HC1")
    return float(fit.params[1]), float(fit.bse[1])


def _ipw(y: np.ndarray, t: np.ndarray, p: np.ndarray) -> tuple[float, float, np.ndarray]:
    """Normalised ATT weights; estimate and HC1 standard error of the weighted regression of y on t."""
    import statsmodels.api as sm

    w = np.where(t == 1, 1.0, p / (1 - p))
    fit = sm.WLS(y, np.column_stack([np.ones(len(y)), t]), weights=w).fit(cov_type="HC1")
    return float(fit.params[1]), float(fit.bse[1]), w


def _aipw(y: np.ndarray, t: np.ndarray, x_out: np.ndarray, ps: _Propensity, kept: np.ndarray) -> tuple[float, float]:
    """Doubly robust ATT and its influence-function standard error.

    tau = sum_T (y - m0(x)) / n1 - sum_C w (y - m0(x)) / sum_C w, with m0 the OLS regression of y on x
    fitted on the kept controls and w = p / (1 - p). The influence function adds the estimation
    effect of the outcome regression and of the logit (the logit is fitted on the whole sample; units
    outside ``kept`` contribute through it only; the trimming set is taken as given).
    """
    n = len(y)
    s = kept.astype("float64")
    d1 = s * t
    c = s * (1 - t)
    x = np.column_stack([np.ones(n), x_out])
    gram = (x * c[:, None]).T @ x / n
    beta = np.linalg.lstsq(x[c == 1], y[c == 1], rcond=None)[0]
    resid = y - x @ beta
    odds = ps.score / (1 - ps.score)
    w0 = c * odds
    mean_d1, mean_w0 = d1.mean(), w0.mean()
    eta1 = np.mean(d1 * resid) / mean_d1
    eta0 = np.mean(w0 * resid) / mean_w0
    psi = d1 * (resid - eta1) / mean_d1 - w0 * (resid - eta0) / mean_w0
    # outcome regression: beta_hat - beta ~ mean of gram^-1 c_i x_i e_i
    infl_beta = np.linalg.pinv(gram) @ (x * (c * resid)[:, None]).T
    grad_beta = -(x * d1[:, None]).mean(axis=0) / mean_d1 + (x * w0[:, None]).mean(axis=0) / mean_w0
    psi += grad_beta @ infl_beta
    # propensity score: d w0 / d gamma = w0 z
    grad_gamma = -(ps.design * (w0 * (resid - eta0))[:, None]).mean(axis=0) / mean_w0
    psi += ps.influence @ grad_gamma
    return float(eta1 - eta0), float(np.sqrt(np.sum(psi**2)) / n)


def _nearest_groups(sorted_unique: np.ndarray, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each query value, the left and right candidate groups at the nearest distance (-1 when not kept)."""
    m = len(sorted_unique)
    pos = np.searchsorted(sorted_unique, query)
    left = np.clip(pos - 1, 0, m - 1)
    right = np.clip(pos, 0, m - 1)
    d_left = np.where(pos > 0, query - sorted_unique[left], np.inf)
    d_right = np.where(pos < m, sorted_unique[right] - query, np.inf)
    best = np.minimum(d_left, d_right)
    keep_left = d_left == best
    keep_right = (d_right == best) & ~(keep_left & (right == left))  # same group on both sides: once
    return np.where(keep_left, left, -1), np.where(keep_right, right, -1)


def _within_group_variance(score: np.ndarray, y: np.ndarray, neighbours: int) -> np.ndarray:
    """Conditional variance of y at each unit by matching within its own group (Abadie–Imbens 2006)."""
    n = len(y)
    if n <= neighbours:
        return np.full(n, np.var(y, ddof=1) if n > 1 else 0.0)
    order = np.argsort(score, kind="stable")
    s, v = score[order], y[order]
    offsets = np.array([o for o in range(-neighbours, neighbours + 1) if o != 0])
    idx = np.arange(n)[:, None] + offsets[None, :]
    valid = (idx >= 0) & (idx < n)
    idx_c = np.clip(idx, 0, n - 1)
    dist = np.where(valid, np.abs(s[idx_c] - s[:, None]), np.inf)
    nearest = np.take_along_axis(idx_c, np.argsort(dist, axis=1, kind="stable")[:, :neighbours], axis=1)
    local_mean = v[nearest].mean(axis=1)
    sigma2 = neighbours / (neighbours + 1) * (v - local_mean) ** 2
    out = np.empty(n)
    out[order] = sigma2
    return out


def _matching(y: np.ndarray, t: np.ndarray, p: np.ndarray, neighbours: int) -> tuple[float, float, np.ndarray, dict]:
    """1-NN matching on the score with replacement; every control at the nearest distance kept.

    Returns the estimate, the Abadie–Imbens (2006) standard error of the population ATT (which treats
    the score as known), the matching weight of each unit (1 for the treated; for a control, the sum
    over the treated it is matched to of 1 / number of their matches) and counts.
    """
    treated = np.flatnonzero(t == 1)
    controls = np.flatnonzero(t == 0)
    values, group = np.unique(p[controls], return_inverse=True)
    group_size = np.bincount(group, minlength=len(values)).astype("float64")
    group_sum = np.bincount(group, weights=y[controls], minlength=len(values))
    left, right = _nearest_groups(values, p[treated])
    size = np.where(left >= 0, group_size[left], 0.0) + np.where(right >= 0, group_size[right], 0.0)
    total = np.where(left >= 0, group_sum[left], 0.0) + np.where(right >= 0, group_sum[right], 0.0)
    y0_hat = total / size
    effects = y[treated] - y0_hat
    att = float(effects.mean())
    # weight and squared weight every control group receives (each member gets 1/size per treated)
    per_group_w = np.zeros(len(values))
    per_group_q = np.zeros(len(values))
    for side in (left, right):
        ok = side >= 0
        np.add.at(per_group_w, side[ok], 1.0 / size[ok])
        np.add.at(per_group_q, side[ok], 1.0 / size[ok] ** 2)
    w_control = per_group_w[group]
    q_control = per_group_q[group]
    sigma2 = _within_group_variance(p[controls], y[controls], neighbours)
    n1 = len(treated)
    variance = (np.sum((effects - att) ** 2) + np.sum((w_control**2 - q_control) * sigma2)) / n1**2
    weights = np.ones(len(y))
    weights[controls] = w_control
    ties = int(np.sum(size > 1))
    details = {"temoins_apparies": int(np.sum(w_control > 0)), "traites_avec_ex_aequo": ties,
               "voisins_variance": neighbours}
    return att, float(np.sqrt(max(variance, 0.0))), weights, details


# --------------------------------------------------------------------------- public API


def estimate_att(df: pd.DataFrame, treatment: str, outcome: str, covariates: Sequence[str] | None = None,
                 method: str = "aipw", **options) -> ImpactResult:
    """Average treatment effect on the treated of ``treatment`` (0/1 column) on ``outcome``.

    Parameters: ``covariates`` (column names; for the regression, the outcome model of AIPW and the
    balance table), ``method`` in :data:`METHODS`, and options:

    - ``ps_covariates``: covariates of the propensity logit (default: ``covariates``); an intercept
      is always included; columns are used as given (add squares or interactions as columns);
    - ``trim=(low, high)``: for ``ipw``, ``aipw`` and ``matching``, drop every unit (treated or
      control) whose estimated score lies outside [low, high], without re-estimating the score; the
      estimand changes (treated people are dropped);
    - ``maxiter`` (100): Newton iterations of the logit (BFGS follows if Newton fails);
    - ``variance_neighbors`` (2): neighbours used to estimate conditional variances for the
      matching standard error.

    Standard errors (all with a 95 % normal interval, estimate ± 1.96 SE):

    - ``difference``, ``regression``: HC1 (heteroskedasticity-robust) OLS standard error;
    - ``ipw``: HC1 standard error of the weighted least squares regression of the outcome on the
      treatment with the normalised ATT weights (1 for the treated, p/(1−p) for the controls). It is
      the robust standard error of Stata's ``regress y t [pw=w], robust`` used in the Mixtape
      Sessions LaLonde solutions (753.91 on NSW–CPS); it treats the score as known;
    - ``aipw``: influence function of the doubly robust estimator, including the estimation of the
      outcome regression and of the logit;
    - ``matching``: Abadie & Imbens (2006) population-ATT variance with conditional variances
      estimated by matching within each group; it does not include the Abadie & Imbens (2016)
      correction for the estimated score that Stata ``teffects psmatch`` applies.

    Every input column is cast to float64 (nullable and pyarrow dtypes included); missing values,
    a non 0/1 treatment or an empty group raise ValueError with a French message.
    """
    covariates, ps_covariates, trim = _check_request(method, covariates, options)
    t, y, x_bal, x_cov, x_ps, balance_names = _inputs(df, treatment, outcome, covariates, ps_covariates)
    n1, n0 = int(t.sum()), int((1 - t).sum())
    ps, ps_error = _propensity(x_ps, t, ps_covariates, method, int(options.get("maxiter", 100)))

    everyone = np.ones(len(t), dtype=bool)
    if method in ("difference", "regression"):
        estimate, se = _hc1_difference(y, t, x_cov if method == "regression" else None)
        diag = _diagnostics(x_bal, balance_names, t, ps, everyone, None, propensity_error=ps_error)
        return _result(estimate, se, n1, n0, method, diag)

    kept, details = _trimmed(ps, t, trim)
    k1, k0 = int(np.sum(kept & (t == 1))), int(np.sum(kept & (t == 0)))
    if method == "ipw":
        estimate, se, w = _ipw(y[kept], t[kept], ps.score[kept])
        weights = np.zeros(len(t))
        weights[kept] = w
    elif method == "aipw":
        estimate, se = _aipw(y, t, x_cov, ps, kept)
        weights = np.where(t == 1, 1.0, ps.score / (1 - ps.score)) * kept
    else:
        neighbours = int(options.get("variance_neighbors", 2))
        estimate, se, w, match_details = _matching(y[kept], t[kept], ps.score[kept], neighbours)
        weights = np.zeros(len(t))
        weights[kept] = w
        details |= match_details
    diag = _diagnostics(x_bal, balance_names, t, ps, kept, weights, details, ps_error)
    return _result(estimate, se, k1, k0, method, diag)


def _check_request(method: str, covariates: Sequence[str] | None, options: dict) -> tuple[list, list, tuple | None]:
    """Covariates, score covariates and trimming of a request; ValueError (French) for an invalid one."""
    unknown = set(options) - _OPTIONS
    if unknown:
        raise ValueError(f"option(s) inconnue(s) : {', '.join(sorted(unknown))} "
                         f"(connues : {', '.join(sorted(_OPTIONS))})")
    if method not in METHODS:
        raise ValueError(f"méthode inconnue : {method} (connues : {', '.join(METHODS)})")
    covariates = list(covariates or [])
    ps_covariates = list(options.get("ps_covariates") or covariates)
    trim = options.get("trim")
    if trim is not None and method not in PS_METHODS:
        raise ValueError("la troncature ne s'applique qu'aux méthodes fondées sur le score "
                         f"({', '.join(PS_METHODS)})")
    if method in PS_METHODS and not ps_covariates:
        raise ValueError(f"la méthode {method} demande au moins une covariable pour le score de propension")
    return covariates, ps_covariates, trim


def _inputs(df: pd.DataFrame, treatment: str, outcome: str, covariates: list[str], ps_covariates: list[str]):
    """Treatment, outcome and covariate matrices (balance, outcome model, score) as float64 arrays."""
    if treatment == outcome:
        raise ValueError("le traitement et le résultat doivent être deux colonnes différentes")
    balance_names = [n for n in _unique([*covariates, *ps_covariates]) if n not in (treatment, outcome)]
    if len(balance_names) < len(_unique([*covariates, *ps_covariates])):
        raise ValueError("le traitement et le résultat ne peuvent pas servir de covariables")
    columns = _unique([treatment, outcome, *balance_names])
    data = _float_columns(df, columns)
    t, y = data[:, 0], data[:, 1]
    if not np.isin(t, (0.0, 1.0)).all():
        raise ValueError(f"la colonne de traitement « {treatment} » doit valoir 0 ou 1")
    if int(t.sum()) == 0 or int((1 - t).sum()) == 0:
        raise ValueError("il faut au moins une personne traitée et une personne témoin")

    def matrix(names: list[str]) -> np.ndarray:
        return (np.column_stack([data[:, columns.index(n)] for n in names]) if names
                else np.empty((len(t), 0)))

    return t, y, matrix(balance_names), matrix(covariates), matrix(ps_covariates), balance_names


def _propensity(x_ps: np.ndarray, t: np.ndarray, names: list[str], method: str,
                maxiter: int) -> tuple[_Propensity | None, str | None]:
    """The score (required by the score-based methods; for the others a diagnostic whose failure is noted)."""
    if not names:
        return None, None
    if method in PS_METHODS:
        return fit_propensity(x_ps, t, names, maxiter), None
    try:  # diagnostics only: a failing logit must not stop the regression
        return fit_propensity(x_ps, t, names, maxiter), None
    except ValueError as exc:
        return None, str(exc)


def _trimmed(ps: _Propensity, t: np.ndarray, trim: tuple | None) -> tuple[np.ndarray, dict]:
    """Units kept after trimming on the score (every unit without ``trim``), and the counts dropped."""
    kept = np.ones(len(t), dtype=bool)
    details: dict = {}
    if trim is not None:
        low, high = (float(v) for v in trim)
        if not 0.0 <= low < high <= 1.0:
            raise ValueError("la troncature attend deux bornes 0 ≤ basse < haute ≤ 1")
        kept = (ps.score >= low) & (ps.score <= high)
        details = {"troncature": [low, high], "traites_ecartes": int(np.sum(~kept & (t == 1))),
                   "temoins_ecartes": int(np.sum(~kept & (t == 0)))}
    if not (kept & (t == 1)).any() or not (kept & (t == 0)).any():
        raise ValueError("après troncature, un des deux groupes est vide")
    return kept, details


def estimate_all(df: pd.DataFrame, treatment: str, outcome: str, covariates: Sequence[str],
                 methods: Sequence[str] = METHODS, **options) -> dict[str, ImpactResult]:
    """Every estimator of ``methods`` on the same frame (``trim`` applies to the score-based ones only)."""
    out = {}
    for method in methods:
        opts = dict(options)
        if method not in PS_METHODS:
            opts.pop("trim", None)
        out[method] = estimate_att(df, treatment, outcome, covariates, method, **opts)
    return out


# --------------------------------------------------------------------------- comparison frame of a dataset


def _covariates_frame(rows: pd.DataFrame, reference_date: pd.Series) -> pd.DataFrame:
    """Covariates of :data:`DEMO_COVARIATES` (float64, NaN when unknown) from the profile columns shared by
    parcours and candidats (:func:`~iae_impact.rules.profile.profile_flags`)."""
    age = (reference_date.dt.year - rows["annee_naissance"]).astype("float64")
    flags = profile_flags(rows)
    frame = pd.DataFrame({"age": age, "age2": age**2}, index=rows.index)
    for name in DEMO_COVARIATES[2:]:
        frame[name] = flags[name]
    return frame[DEMO_COVARIATES]


def build_comparison_frame(dataset: Dataset, structure: str | None = None, annee: int | None = None) -> pd.DataFrame:
    """One row per person: the treated and the comparison group, with the outcome and the demo covariates.

    Treated (``traite`` = 1): parcours of a salaried dispositif (ACI, AI, EI, ETTI, EITI:
    ``data/reference/dispositifs.csv``) with an exit and a known ``en_emploi_6_mois`` (the latest such
    parcours when a person has several). Controls (``traite`` = 0): the rows of the ``candidats``
    sheet (people oriented but not hired) with a known outcome. ``structure`` restricts both; ``annee``
    keeps the exits and the orientations of that year and before (a « Bilan 2024 » uses nothing later).
    ``frame.attrs["annees_sorties"]``: the first and last exit year of the treated kept.

    Covariates (:data:`DEMO_COVARIATES`, :data:`~iae_impact.rules.profile.IMPACT_COVARIATES`): ``age`` =
    year of ``date_entree`` (parcours) or of ``date_orientation`` (candidats) − ``annee_naissance`` and
    ``age2`` its square; ``femme``; ``rsa``; ``chomage_longue_duree`` (registered 12 months or more);
    ``niveau_infra_cap`` and ``niveau_bac_ou_plus`` (education groups of ``niveaux_formation.csv``;
    reference: CAP-BEP); ``qpv``; ``rqth``. Every column is float64 (0/1 or numbers). Rows with a missing covariate or a candidate
    without outcome are dropped; their count is in ``frame.attrs["lignes_ecartees"]`` (and per group
    in ``frame.attrs["lignes_ecartees_par_groupe"]``).
    """
    salaried = salaried_dispositifs()
    p = dataset.parcours
    if structure is not None:
        p = p[p["structure"].eq(structure)]
    p = p[p["dispositif"].isin(salaried) & p["date_sortie"].notna() & p["en_emploi_6_mois"].notna()]
    if annee is not None:
        p = p[p["date_sortie"].dt.year <= int(annee)]
    duplicates = int(p["id_personne"].duplicated().sum())
    p = p.sort_values(["date_sortie", "date_entree"]).drop_duplicates("id_personne", keep="last")
    treated = _covariates_frame(p, p["date_entree"])
    treated.insert(0, DEMO_OUTCOME, p["en_emploi_6_mois"].astype("float64"))
    treated.insert(0, DEMO_TREATMENT, 1.0)

    c = dataset.candidats
    if c is not None and structure is not None and "structure" in c.columns:
        c = c[c["structure"].eq(structure)]
    if c is not None and annee is not None:
        c = c[c["date_orientation"].dt.year <= int(annee)]
    dropped_controls = 0
    if c is not None and len(c):
        no_outcome = c["en_emploi_6_mois"].isna()
        dropped_controls += int(no_outcome.sum())
        c = c[~no_outcome]
        controls = _covariates_frame(c, c["date_orientation"])
        controls.insert(0, DEMO_OUTCOME, c["en_emploi_6_mois"].astype("boolean").astype("float64"))
        controls.insert(0, DEMO_TREATMENT, 0.0)
    else:
        controls = treated.iloc[:0]
    frames = [f for f in (treated, controls) if len(f)]
    frame = pd.concat(frames, ignore_index=True) if frames else treated.reset_index(drop=True)
    complete = frame.notna().all(axis=1)
    by_group = {"traites": int((~complete & frame[DEMO_TREATMENT].eq(1)).sum()),
                "temoins": int((~complete & frame[DEMO_TREATMENT].eq(0)).sum()) + dropped_controls}
    frame = frame[complete].reset_index(drop=True).astype("float64")
    frame.attrs["lignes_ecartees"] = by_group["traites"] + by_group["temoins"]
    frame.attrs["lignes_ecartees_par_groupe"] = by_group
    frame.attrs["parcours_en_double"] = duplicates
    years = p["date_sortie"].dt.year
    frame.attrs["annees_sorties"] = [int(years.min()), int(years.max())] if len(years) else []
    return frame


def group_sizes(frame: pd.DataFrame) -> tuple[int, int]:
    """(treated, controls) in a comparison frame."""
    t = frame[DEMO_TREATMENT].to_numpy()
    return int((t == 1).sum()), int((t == 0).sum())


def naive_difference(frame: pd.DataFrame) -> float:
    """Outcome rate of the treated minus that of the controls."""
    t = frame[DEMO_TREATMENT].to_numpy() == 1
    y = frame[DEMO_OUTCOME].to_numpy()
    return float(y[t].mean() - y[~t].mean())


def brief_estimate(dataset: Dataset, structure: str | None = None, annee: int | None = None) -> dict | None:
    """The doubly robust (AIPW) estimate shown in the brief, with the diagnostics that say whether it may be
    shown; None without a usable comparison group.

    None when the perimeter has no comparison group (no ``candidats`` sheet or none for ``structure``) or
    fewer than :data:`BRIEF_MIN_GROUP` people in either group. ``annee``: exits and orientations up to that
    year only. Keys: ``methode``, ``estimate``, ``se``, ``ci_bas``, ``ci_haut`` (proportions; × 100 for
    points), ``n_traites``, ``n_temoins``, ``ecart_naif`` (outcome rate of the treated minus that of the
    controls), ``annees_sorties`` (first and last exit year pooled), ``equilibre`` (per covariate, the
    standardised differences before and after weighting), ``dms_max`` (the largest after weighting),
    ``part_hors_recouvrement`` (share of persons whose score is outside :data:`OVERLAP_BOUNDS`),
    ``seuil_equilibre`` and ``seuil_recouvrement`` (the rules), ``desequilibres`` (covariates above the
    balance rule), ``comparable`` (both rules hold: only then may the brief say « au profil comparable »).
    """
    frame = build_comparison_frame(dataset, structure, annee)
    n1, n0 = group_sizes(frame)
    if n1 < BRIEF_MIN_GROUP or n0 < BRIEF_MIN_GROUP:
        return None
    r = estimate_att(frame, DEMO_TREATMENT, DEMO_OUTCOME, DEMO_COVARIATES, "aipw")
    return {"methode": "aipw", "estimate": r.estimate, "se": r.se, "ci_bas": r.ci[0], "ci_haut": r.ci[1],
            "n_traites": r.n_treated, "n_temoins": r.n_control, "ecart_naif": naive_difference(frame),
            "annees_sorties": list(frame.attrs["annees_sorties"]), **comparability(r.diagnostics)}


def comparability(diagnostics: Diagnostics) -> dict:
    """Whether the weighted groups are comparable by the project's rules (:data:`BALANCE_MAX`,
    :data:`OVERLAP_MAX_OUTSIDE`), with the numbers that say so (keys: see :func:`brief_estimate`)."""
    b = diagnostics.balance
    after = b["dms_apres"].abs()
    outside = float(diagnostics.share_outside) if diagnostics.share_outside is not None else float("nan")
    failing = b.assign(abs_apres=after).loc[after > BALANCE_MAX].sort_values("abs_apres", ascending=False)
    return {
        "equilibre": [{"covariable": c, "dms_avant": float(x), "dms_apres": float(y)}
                      for c, x, y in zip(b["covariable"], b["dms_avant"], b["dms_apres"], strict=True)],
        "dms_max": float(after.max()),
        "part_hors_recouvrement": outside,
        "seuil_equilibre": BALANCE_MAX,
        "seuil_recouvrement": OVERLAP_MAX_OUTSIDE,
        "desequilibres": [{"covariable": c, "dms_apres": float(y)}
                          for c, y in zip(failing["covariable"], failing["dms_apres"], strict=True)],
        "comparable": bool(after.max() <= BALANCE_MAX and outside <= OVERLAP_MAX_OUTSIDE),
    }


def planted_att(frame: pd.DataFrame, planted: dict) -> float:
    """The effect planted in the fictional demo, over the treated rows of ``frame``.

    ``planted`` is ``data/demo/effet_plante.json``: mean over the treated of
    expit(constante + b·X + tau) − expit(constante + b·X), with the generator's covariates
    (age < 26, age ≥ 50, femme, RSA, long-term unemployment, education levels, QPV, RQTH).
    """
    b = planted["coefficients"]
    tr = frame[frame[DEMO_TREATMENT] == 1]
    index = (b["constante"] + b["age_moins_26"] * (tr["age"] < AGE_YOUNG_BELOW)
             + b["age_50_ans_et_plus"] * (tr["age"] >= AGE_SENIOR_FROM)
             + b["femme"] * tr["femme"] + b["beneficiaire_rsa"] * tr["rsa"]
             + b["chomage_longue_duree"] * tr["chomage_longue_duree"] + b["niveau_infra_cap"] * tr["niveau_infra_cap"]
             + b["niveau_bac_ou_plus"] * tr["niveau_bac_ou_plus"] + b["residant_qpv"] * tr["qpv"]
             + b["rqth"] * tr["rqth"]).to_numpy(dtype="float64")

    def expit(v: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-v))

    return float(np.mean(expit(index + planted["tau"]) - expit(index)))


SENSITIVITY_VARIANTS = ("reference", "troncature_0_1", "troncature_0_2", "age_en_tranches", "age_sans_carre",
                        "sans_niveaux", "sans_chomage", "score_reduit")


def sensitivity(frame: pd.DataFrame, methods: Sequence[str] = ("ipw", "aipw")) -> pd.DataFrame:
    """The demo estimate under other trimming rules, covariate sets and score specifications.

    One row per variant and method: ``variante`` (a key of :data:`SENSITIVITY_VARIANTS`; French labels in
    :mod:`iae_impact.report.text_impact`), ``methode``, estimate, interval and group sizes (proportions).
    """
    f = frame.copy()
    f["age_moins_26"], f["age_50_et_plus"] = age_bands(f["age"])
    base = list(DEMO_COVARIATES)
    no_age2 = [c for c in base if c != "age2"]
    bands = ["age_moins_26", "age_50_et_plus", *[c for c in base if c not in ("age", "age2")]]
    no_levels = [c for c in base if not c.startswith("niveau_")]
    no_unemployment = [c for c in base if c != "chomage_longue_duree"]
    variants = [
        ("reference", base, {}),
        ("troncature_0_1", base, {"trim": (0.1, 0.9)}),
        ("troncature_0_2", base, {"trim": (0.2, 0.8)}),
        ("age_en_tranches", bands, {}),
        ("age_sans_carre", no_age2, {}),
        ("sans_niveaux", no_levels, {}),
        ("sans_chomage", no_unemployment, {}),
        ("score_reduit", base,
         {"ps_covariates": ["rsa", "chomage_longue_duree", "niveau_infra_cap", "niveau_bac_ou_plus"]}),
    ]
    rows = []
    for label, covariates, opts in variants:
        for method in methods:
            r = estimate_att(f, DEMO_TREATMENT, DEMO_OUTCOME, covariates, method, **opts)
            rows.append({"variante": label, **r.to_dict()})
    return pd.DataFrame(rows)
