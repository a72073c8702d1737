"""The escape functions of report/html.py: one per output language (HTML, Markdown), both removing the
bidirectional controls; and the notebook helpers and text functions that route user strings through them."""

from __future__ import annotations

from html.parser import HTMLParser

import pandas as pd
import pytest

from iae_impact.report import html as h
from iae_impact.report.text_impact import describe_groups

HOSTILE = [
    "<img src=x onerror=alert(1)> (fictif)",
    "**AMIE** _gras_ (fictif)",
    "[x](javascript:alert(1))",
    "$x$ et $$y$$",
    "`code` # titre | a | b | ~~barré~~ <script>alert(2)</script>",
    "A.M.I. \"Aude\" & l'Ouest \\ 1. > citation",
    "- liste\n# titre\n\n<b>gras</b>",
]
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, list]] = []
        self.text = ""

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_data(self, data):
        self.text += data


def parse(fragment: str) -> _Tags:
    parser = _Tags()
    parser.feed(fragment)
    parser.close()
    return parser


@pytest.mark.parametrize("name", HOSTILE)
def test_escape_html_writes_no_tag_and_keeps_the_text(name):
    out = h.escape(name)
    assert "<" not in out and ">" not in out and '"' not in out and "'" not in out
    parsed = parse(f"<p title='{out}'>{out}</p>")
    assert parsed.tags == [("p", [("title", name)])] and parsed.text == name


@pytest.mark.parametrize("name", HOSTILE)
def test_escape_markdown_renders_literally(name):
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    rendered = markdown2html_mistune(f"Structure : **{h.escape_markdown(name)}** fin.")
    parsed = parse(rendered)
    assert [t for t, _ in parsed.tags] == ["p", "strong"], rendered  # only the project's own Markdown
    literal = " ".join(name.split())  # line breaks become spaces: a name cannot open a block
    assert parsed.text.strip() == f"Structure : {literal} fin."


def test_escape_markdown_escapes_markdown_and_latex_syntax():
    assert h.escape_markdown("a*b_c") == r"a\*b\_c"
    assert h.escape_markdown("$x$") == r"\$x\$"  # JupyterLab: no formula
    assert h.escape_markdown("[x](javascript:alert(1))") == r"\[x\]\(javascript\:alert\(1\)\)"
    assert h.escape_markdown("<b>") == "&lt;b&gt;"
    assert h.escape_markdown("L'Ouest & \"Aude\"") == "L&#39;Ouest &amp; &quot;Aude&quot;"
    assert h.escape_markdown("Lézignan-Corbières") == r"Lézignan\-Corbières"
    assert h.escape_markdown("ligne\nsuivante") == "ligne suivante"


@pytest.mark.parametrize("fn", [h.escape, h.escape_markdown, h.plain_text])
def test_bidirectional_controls_are_removed(fn):
    name = f"Nar{BIDI}bonne"
    out = fn(name)
    assert not any(c in out for c in BIDI)
    assert "Narbonne" in out


def test_html_fragments_escape_every_user_string():
    name = "<img src=x onerror=alert(1)>\u202e"
    table = pd.DataFrame({"Site <b>": [name, None], "n": [1, 2]})
    for fragment in (h.html_paragraphs([name], "phrase"), h.html_list([name]), h.html_table(table)):
        parsed = parse(fragment)
        assert not [a for _, attrs in parsed.tags for a in attrs if a[0].startswith("on")], fragment
        assert "img" not in [t for t, _ in parsed.tags] and "\u202e" not in fragment
        assert "<img src=x onerror=alert(1)>" in parsed.text
    assert "Site <b>" in parse(h.html_table(table)).text


def test_notebook_helpers_escape_plain_sentences(monkeypatch):
    from iae_impact.report import notebook

    shown = []
    monkeypatch.setattr(notebook, "display", lambda obj, **kw: shown.append((obj.data, kw)))
    notebook.say("Site [x](javascript:alert(1)) <img src=x onerror=alert(1)>")
    notebook.bullets(["*a*", "<b>b</b>"])
    assert shown[0][0] == r"Site \[x\]\(javascript\:alert\(1\)\) &lt;img src\=x onerror\=alert\(1\)&gt;"
    assert shown[1][0] == "- \\*a\\*\n- &lt;b&gt;b&lt;/b&gt;"


def test_sentences_with_a_name_escape_it():
    text = describe_groups("<img src=x onerror=alert(1)> *A*", 10, 20, 0)
    assert text.startswith(r"Périmètre : **&lt;img src\=x onerror\=alert\(1\)&gt; \*A\***.")
    assert describe_groups(None, 1, 2, 0).startswith("Périmètre : **toutes les structures**.")


def test_rtl_override_in_a_name_leaves_the_pdf_title_in_logical_order(tmp_path):
    import subprocess
    from types import SimpleNamespace

    from iae_impact.report.brief import title_html
    from iae_impact.report.export import html_to_pdf

    ctx = SimpleNamespace(perimetre={"libelle": "Narbonne \u202eSud\u202c — Bram", "dispositifs": ["ACI"]},
                          provenance={})
    fragment = title_html(SimpleNamespace(ctx=ctx, annee=2024), {"nom": "\u2067Élu\u2069", "qualite": "Maire"})
    page = f"<!DOCTYPE html><html lang='fr'><head><meta charset='utf-8'><title>t</title></head><body>{fragment}</body></html>"
    html_to_pdf(page, tmp_path / "titre.pdf")
    text = subprocess.run(["pdftotext", str(tmp_path / "titre.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "Narbonne Sud — Bram" in " ".join(text.split())
    assert "duS" not in text and "Destinataire : Élu, Maire" in " ".join(text.split())
