"""Confidence intervals of proportions."""

from __future__ import annotations

import numpy as np


def wilson_interval(successes, n, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a proportion (95 % by default); NaN where ``n`` is 0.

    Answers: given ``successes`` out of ``n``, which true rates are compatible with
    what was observed? Wilson stays inside [0, 1] and behaves well for small n,
    which is the usual case for one site and one year.
    """
    from statsmodels.stats.proportion import proportion_confint  # 1.3 s to import: only when a rate is computed

    successes = np.asarray(successes, dtype=float)
    n = np.asarray(n, dtype=float)
    low = np.full(np.broadcast(successes, n).shape, np.nan)
    high = low.copy()
    ok = n > 0
    if ok.any():
        lo, hi = proportion_confint(successes[ok], n[ok], alpha=alpha, method="wilson")
        low[ok], high[ok] = lo, hi
    return low, high
