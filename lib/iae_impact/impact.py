"""Stable import path for other tools: impact estimates (:mod:`iae_impact.analysis.impact`) and the NSW
benchmark (:mod:`iae_impact.analysis.nsw`)."""

from .analysis.impact import (
    METHODS,
    Diagnostics,
    ImpactResult,
    brief_estimate,
    build_comparison_frame,
    estimate_all,
    estimate_att,
    sensitivity,
)
from .analysis.nsw import load_nsw, nsw_benchmark, nsw_estimate

__all__ = ["METHODS", "Diagnostics", "ImpactResult", "brief_estimate", "build_comparison_frame", "estimate_all",
           "estimate_att", "load_nsw", "nsw_benchmark", "nsw_estimate", "sensitivity"]
