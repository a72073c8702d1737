"""Stable import path for other tools: the comparison statistics (:mod:`iae_impact.analysis.stats`)."""

from .analysis.intervals import wilson_interval
from .analysis.stats import (
    funnel_limits,
    homogeneity_test,
    perimeter_vs_expected,
    risk_adjusted_comparison,
    trend_odds_ratio,
)

__all__ = ["funnel_limits", "homogeneity_test", "perimeter_vs_expected", "risk_adjusted_comparison",
           "trend_odds_ratio", "wilson_interval"]
