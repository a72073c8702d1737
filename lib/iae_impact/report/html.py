"""HTML fragments of the briefs: every user-supplied string is escaped by :func:`escape`."""

from __future__ import annotations

import html

import pandas as pd


def escape(text: object) -> str:
    """``text`` safe inside HTML (element content or a quoted attribute): ``& < > " '`` escaped."""
    return html.escape(str(text))


def html_paragraphs(texts: list[str], css_class: str) -> str:
    """One ``<p class=…>`` per text, each escaped."""
    return "".join(f"<p class='{css_class}'>{escape(t)}</p>" for t in texts)


def html_list(items: list[str]) -> str:
    return "<ul>" + "".join(f"<li>{escape(i)}</li>" for i in items) + "</ul>"


def html_table(df: pd.DataFrame, css_class: str = "") -> str:
    return df.to_html(index=False, escape=True, border=0, classes=css_class or None)
