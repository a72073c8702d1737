"""Tables made to be read in a notebook: French headers (:data:`~iae_impact.report.labels.COLUMN_LABELS`),
no row index, French numbers (« 6 200 », « 111,0 », « 54 % », « oui »), a rate beside its interval in one
column and its n, headers that wrap so that wide tables fit, and a truncated table that says so.

:func:`show_table` is what the notebooks display; it formats a copy and never changes the frame it is given.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from ..base import fr
from .html import escape
from .labels import column_label

#: Headers wrap (a long French header takes two or three lines), and so does a long text cell (a source), so
#: that a wide table fits the page; numbers keep their no-break spaces (« 13 071 », « 54 % »).
TABLE_STYLES = [
    {"selector": "th", "props": [("white-space", "normal"), ("max-width", "9em"), ("vertical-align", "bottom"),
                                 ("text-align", "right")]},
    {"selector": "td", "props": [("max-width", "24em"), ("text-align", "right")]},
    {"selector": "caption", "props": [("caption-side", "bottom"), ("text-align", "left"), ("font-style", "italic")]},
]
#: Columns whose numbers are identifiers, written without a thousands separator.
_PLAIN = ("annee", "mois")


def show_table(df: pd.DataFrame, decimals: Mapping[str, int] | None = None, max_rows: int | None = None,
               columns: Sequence[str] | None = None):
    """``df`` as a pandas Styler for a notebook: the ``columns`` chosen (default: all), French-formatted
    (:func:`french_frame`), headers in French, no row index. With ``max_rows`` and more rows than that, the
    first ``max_rows`` only, with the caption « 20 premières lignes sur 41 »."""
    frame = df if columns is None else df[list(columns)]
    shown = french_frame(frame, decimals)
    caption = None
    if max_rows is not None and len(shown) > max_rows:
        caption = f"{fr.format_number(max_rows)} premières lignes sur {fr.format_number(len(shown))}."
        shown = shown.head(max_rows)
    # A Styler writes its cells as they are: each cell and header goes through the project's one HTML escape
    # (a structure or site name is the user's: « <img onerror=…> » shows as typed, bidirectional controls removed).
    shown = shown.map(escape)
    shown.columns = [escape(column_label(c)) for c in shown.columns]
    styler = shown.style.hide(axis="index").set_table_styles(TABLE_STYLES)
    return styler.set_caption(caption) if caption else styler


def french_frame(df: pd.DataFrame, decimals: Mapping[str, int] | None = None) -> pd.DataFrame:
    """A copy of ``df`` as text: each rate with its interval in one column (``taux_x_ic_95`` « [29 % ; 78 %] »,
    from ``taux_x_ic_bas`` and ``taux_x_ic_haut``) and with its n (``part_x`` « 54 % (n = 54) » from
    ``part_x_n``); numbers in French (:func:`~iae_impact.base.fr.format_frame`, ``decimals`` per column),
    yes/no as « oui »/« non », dates as « 04/04/2014 », a missing or masked value as « – »."""
    decimals = dict(decimals or {})
    out = _with_intervals(_with_counts(df.reset_index(drop=True), decimals), decimals)
    for col in out.columns:
        values = out[col]
        if pd.api.types.is_bool_dtype(values) or _is_yes_no(values):
            out[col] = values.map(lambda v: "–" if pd.isna(v) else ("oui" if v else "non"))
        elif pd.api.types.is_datetime64_any_dtype(values):
            out[col] = values.map(lambda v: "–" if pd.isna(v) else v.strftime("%d/%m/%Y"))
        elif col in _PLAIN and pd.api.types.is_numeric_dtype(values):
            out[col] = values.map(lambda v: "–" if pd.isna(v) else str(int(v)))
    out = fr.format_frame(out, decimals=decimals)
    return out.astype(object).where(out.notna(), "–")


def _is_yes_no(values: pd.Series) -> bool:
    present = values.dropna()
    return values.dtype == object and len(present) > 0 and all(isinstance(v, bool) for v in present)


def _with_counts(df: pd.DataFrame, decimals: dict) -> pd.DataFrame:
    """``part_x`` and ``part_x_n`` -> one column ``part_x``: « 54 % (n = 54) »."""
    out = df.copy()
    for col in [c for c in df.columns if c.startswith("part_") and f"{c}_n" in df.columns]:
        rate, n = df[col], df[f"{col}_n"]
        out[col] = [("–" if pd.isna(r) else fr.format_rate(r, decimals.get(col, 0)))
                    + ("" if pd.isna(k) else f" (n\u00a0=\u00a0{fr.format_number(k)})")
                    for r, k in zip(rate, n, strict=True)]
        out = out.drop(columns=f"{col}_n")
    return out


def _with_intervals(df: pd.DataFrame, decimals: dict) -> pd.DataFrame:
    """``x_ic_bas`` and ``x_ic_haut`` (also ``x_ic_bas_<variante>``) -> one column ``x_ic_95`` beside ``x``:
    « [29 % ; 78 %] » for a rate, « [0,83 ; 1,44] » for another number."""
    out = df.copy()
    for low in [c for c in df.columns if "_ic_bas" in c]:
        high = low.replace("_ic_bas", "_ic_haut")
        if high not in df.columns:
            continue
        merged = low.replace("_ic_bas", "_ic_95")
        rate = low.replace("_ic_bas", "").startswith("taux")
        digits = decimals.get(low, 0 if rate else 2)
        fmt = fr.format_rate if rate else fr.format_number
        text = ["–" if pd.isna(a) or pd.isna(b) else f"[{fmt(a, digits)} ; {fmt(b, digits)}]"
                for a, b in zip(df[low], df[high], strict=True)]
        position = out.columns.get_loc(low)
        out = out.drop(columns=[low, high])
        out.insert(position, merged, text)
    return out


def years_wide(table: pd.DataFrame, value: str, rows: Sequence[str], total: pd.DataFrame | None = None,
               total_label: str = "Ensemble") -> pd.DataFrame:
    """A published yearly table (one row per group and year, masked cells NaN) with one column per year:
    ``rows`` then the years (« 2015 »…). A year without a row for a group is 0 (no activity); a masked cell stays
    NaN (« – » once displayed). ``total``: the published table of the whole perimeter (one row per year), added
    as the last row. No total over the years: it would reveal the masked cells."""
    masked = -1.0  # a masked cell, told apart from a missing row while unstacking
    cells = table.set_index([*rows, "annee"])[value].astype(float).fillna(masked)
    wide = cells.unstack("annee", fill_value=0.0).replace(masked, float("nan")).reset_index()
    wide.columns.name = None
    if total is not None and len(rows):
        line = {r: "" for r in rows} | {rows[0]: total_label}
        line |= dict(zip(total["annee"], total[value], strict=True))
        wide = pd.concat([wide, pd.DataFrame([line])], ignore_index=True)
    wide.columns = [str(c) for c in wide.columns]
    return wide
