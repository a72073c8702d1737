"""French formatting of numbers for everything a user reads (babel, locale fr_FR)."""

from __future__ import annotations

import math

from babel.numbers import format_decimal, format_percent

LOCALE = "fr_FR"


def format_number(value: float | int | None, decimals: int = 0) -> str:
    """``14000`` -> ``14 000`` (narrow no-break space), ``1234.5`` -> ``1 234,5``; missing -> ``–``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=LOCALE)


def format_rate(value: float | None, decimals: int = 0) -> str:
    """``0.7`` -> ``70 %`` (no-break space before %); missing -> ``–``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "") + "\u00a0%"
    return format_percent(value, format=pattern, locale=LOCALE)


def format_interval(low: float | None, high: float | None, decimals: int = 0) -> str:
    """``(0.48, 0.85)`` -> ``[48 % ; 85 %]``."""
    return f"[{format_rate(low, decimals)} ; {format_rate(high, decimals)}]"
