"""Stable import path for other tools: the official indicators (:mod:`iae_impact.analysis.indicators`)."""

from .analysis.indicators import (
    COUNT_COLUMNS,
    RATE_COLUMNS,
    compute_indicators,
    examined_exits,
    indicator_columns,
)
from .rules.profile import PROFILE_COVARIATES, PROFILE_SHARES

__all__ = ["COUNT_COLUMNS", "PROFILE_COVARIATES", "PROFILE_SHARES", "RATE_COLUMNS", "compute_indicators",
           "examined_exits", "indicator_columns"]
