"""Escaping of user-supplied strings, one function per output language, and the HTML fragments of the briefs.

Every string that comes from the user (a structure, site or action name, an addressee, a request, a
file name or an error message quoting them) is escaped where it is inserted into generated text:

- :func:`escape` for HTML (the briefs, the pages and the index, whose Jinja templates call it too);
- :func:`escape_markdown` for the Markdown cells the notebooks display (``notebook.show``): the value
  is shown literally, whatever Markdown, HTML or LaTeX it looks like;
- :func:`plain_text` where another tool escapes (an image's alternative text, escaped by nbconvert).

All three first remove the Unicode bidirectional controls (:data:`BIDI_CONTROLS`): an embedding,
override or isolate character in a name (U+202A–U+202E, U+2066–U+2069) or a direction mark (U+200E,
U+200F, U+061C) would reorder the text around it — a right-to-left override in a site name turns the
title of the PDF around. They are removed rather than closed by an isolate: a name never needs them
(letters carry their own direction), and removing them gives the same text in every renderer.
"""

from __future__ import annotations

import html
import re

import pandas as pd

#: Bidirectional controls: embeddings and overrides (U+202A–U+202E), isolates (U+2066–U+2069), marks.
BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# ASCII punctuation that Markdown (CommonMark, GFM, marked, mistune) may read as syntax, and ``$`` (LaTeX in
# Jupyter). ``& < > " '`` are left to the HTML escape that follows: an entity must not be backslash-escaped.
_MARKDOWN_SYNTAX = re.compile(r"""([\\`*_{}\[\]()#+\-.!|~$^=:@])""")
_LINE_BREAKS = re.compile(r"[\r\n\t\v\f\u0085\u2028\u2029]+")


def plain_text(text: object) -> str:
    """``text`` as a string without bidirectional control characters (see the module docstring)."""
    return BIDI_CONTROLS.sub("", str(text))


def escape(text: object) -> str:
    """``text`` safe inside HTML (element content or a quoted attribute): bidirectional controls removed,
    ``& < > " '`` escaped."""
    return html.escape(plain_text(text)).replace("&#x27;", "&#39;")


def escape_markdown(text: object) -> str:
    """``text`` shown literally inside a Markdown cell: bidirectional controls removed, line breaks made
    spaces (a name cannot start a heading or a list), Markdown punctuation and ``$`` backslash-escaped
    (``*``, ``_``, ``[x](…)``, `` ` `` and ``$x$`` show as typed), then ``& < > " '`` HTML-escaped (no tag,
    no attribute can be written). Insert it into the project's own Markdown: ``f"**{escape_markdown(nom)}**"``.
    """
    one_line = _LINE_BREAKS.sub(" ", plain_text(text))
    return escape(_MARKDOWN_SYNTAX.sub(r"\\\1", one_line))


def html_paragraphs(texts: list[str], css_class: str) -> str:
    """One ``<p class=…>`` per text, each escaped."""
    return "".join(f"<p class='{escape(css_class)}'>{escape(t)}</p>" for t in texts)


def html_list(items: list[str]) -> str:
    return "<ul>" + "".join(f"<li>{escape(i)}</li>" for i in items) + "</ul>"


def html_table(df: pd.DataFrame, css_class: str = "") -> str:
    """``df`` as an HTML table: every header and cell escaped by :func:`escape`."""
    shown = df.copy()
    for col in shown.columns:
        if not pd.api.types.is_numeric_dtype(shown[col]):
            shown[col] = shown[col].map(lambda v: v if v is None or (isinstance(v, float) and v != v) else escape(v))
    shown.columns = [escape(c) for c in df.columns]
    return shown.to_html(index=False, escape=False, border=0, classes=css_class or None)
