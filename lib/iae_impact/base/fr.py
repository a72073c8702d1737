"""French formatting of numbers for everything a user reads (babel, locale fr_FR)."""

from __future__ import annotations

import math

import numpy as np
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


def round_eur(value: float, how: str = "nearest") -> float:
    """An amount rounded for reading: to the euro below 1 000 €, then to 10, 100, 1 000 € (``how``:
    ``nearest``, ``down`` for a lower bound, ``up`` for an upper bound)."""
    step = 1 if value < 1_000 else 10 if value < 10_000 else 100 if value < 100_000 else 1_000
    fn = {"nearest": np.round, "down": np.floor, "up": np.ceil}[how]
    return float(fn(value / step) * step)


def format_eur(value: float, how: str = "nearest") -> str:
    """``13 946,2`` -> ``13 950 €`` (:func:`round_eur`, no-break space before the sign)."""
    return f"{format_number(round_eur(value, how))}\u00a0€"


def plural(n: int, singular: str, plural_form: str) -> str:
    """``n`` French-formatted with its noun; 0 and 1 take the singular (« 0 note », « 2 notes »)."""
    return f"{format_number(n)} {singular if abs(n) <= 1 else plural_form}"


def format_frame(df, decimals: dict[str, int] | None = None):
    """A copy of ``df`` for display: ``taux_*``/``part_*`` as French percentages, other numbers French-formatted.

    ``decimals`` sets the decimals of chosen numeric columns (default 0). Text columns are left as they are.
    """
    import pandas as pd

    decimals = decimals or {}
    out = df.copy()
    for col in out.columns:
        numeric = pd.api.types.is_numeric_dtype(out[col]) and not pd.api.types.is_bool_dtype(out[col])
        if not numeric or col in ("annee", "mois"):
            continue
        digits = decimals.get(col, 0)
        rate = col.startswith(("taux_", "part_")) and not col.endswith("_n")
        out[col] = [format_rate(v, digits) if rate else format_number(v, digits) for v in out[col]]
    return out
