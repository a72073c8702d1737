"""French formatting of what users read."""

from __future__ import annotations

import math

import pandas as pd

from iae_impact.base.fr import format_frame, format_interval, format_number, format_rate

NNBSP, NBSP = "\u202f", "\u00a0"


def test_numbers_use_narrow_no_break_spaces_and_decimal_commas():
    assert format_number(14000) == f"14{NNBSP}000"
    assert format_number(1234.5, 1) == f"1{NNBSP}234,5"
    assert format_number(7.0) == "7"
    assert format_number(math.nan) == "–" and format_number(None) == "–"


def test_rates_are_percentages_with_a_no_break_space():
    assert format_rate(0.7) == f"70{NBSP}%"
    assert format_rate(0.1234, 1) == f"12,3{NBSP}%"
    assert format_interval(0.48, 0.853) == f"[48{NBSP}% ; 85{NBSP}%]"
    assert format_rate(float("nan")) == "–"


def test_format_frame_formats_rates_numbers_and_leaves_the_rest():
    df = pd.DataFrame({"site": ["Bram"], "annee": [2024], "heures": [14000.4], "taux_x": [0.5], "part_y_n": [12],
                       "ok": [True]})
    out = format_frame(df).iloc[0]
    assert (out.site, out.annee, out.heures, out.taux_x, out.part_y_n, out.ok) == (
        "Bram", 2024, f"14{NNBSP}000", f"50{NBSP}%", "12", True)
