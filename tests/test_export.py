"""Export of a brief: self-contained HTML without code, a real A4 PDF, the index of a run.

The PDF checks use poppler-utils (pdfinfo, pdftoppm, pdftotext) like a reader would: pages
counted, rendered to pixels, text extracted with its accents.
"""

from __future__ import annotations

import base64
import io
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from iae_impact.base.paths import PROJECT_ROOT
from iae_impact.report.export import CSS_FILE, RessourceExterne, html_to_pdf, notebook_to_html, write_index

TITLE = "Note de plaidoyer — Carcassonne, 2024 : élèves"
CODE_SOURCE = "figure_secrete = tracer_evolution(donnees)  # code_source_du_carnet"
STREAM_TEXT = "Sortie texte : 45 % de sorties dynamiques\n"
ALT = "Évolution du taux"
POPPLER_MISSING = "poppler-utils manquant (pdfinfo, pdftoppm, pdftotext) : lancez « sudo bash scripts/installer-systeme.sh »"


def _figure_png() -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 2.6))
    ax.plot([2021, 2022, 2023, 2024], [0.38, 0.42, 0.47, 0.45], marker="o")
    ax.set_title("Taux de sorties dynamiques")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80)
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def build_notebook(path: Path) -> Path:
    """An executed-looking brief: an h1, an HTML table, two figures (one without alt), a stream."""
    png = _figure_png()
    nb = new_notebook()
    nb.cells = [
        new_markdown_cell(f"# {TITLE}\n\nLes personnes accompagnées trouvent un emploi : voici l'évolution."),
        new_code_cell(CODE_SOURCE, execution_count=1, outputs=[
            new_output("display_data", data={
                "text/html": "<table><thead><tr><th>Site</th><th>Taux</th></tr></thead>"
                             "<tbody><tr><td>Carcassonne</td><td>45 %</td></tr></tbody></table>",
                "text/plain": "tableau"}),
            new_output("display_data", data={"image/png": png, "text/plain": "<Figure>"}, metadata={"alt": ALT}),
            new_output("execute_result", data={"image/png": png, "text/plain": "<Figure>"}, execution_count=1),
            new_output("stream", name="stdout", text=STREAM_TEXT),
        ]),
    ]
    nbformat.write(nb, path)
    return path


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def parse_tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    collector = _Collector()
    collector.feed(html)
    return collector.tags


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("export")
    nb_path = build_notebook(folder / "note.ipynb")
    html = notebook_to_html(nb_path, title=TITLE)
    pdf = folder / "sortie" / "note.pdf"
    pages = html_to_pdf(html, pdf)
    return {"folder": folder, "html": html, "pdf": pdf, "pages": pages}


def _poppler(tool: str, *args: str) -> str:
    if shutil.which(tool) is None:
        pytest.fail(POPPLER_MISSING)
    return subprocess.run([tool, *args], check=True, capture_output=True, text=True).stdout


# --------------------------------------------------------------------------- HTML


def test_html_has_no_code_input_and_keeps_the_outputs(exported):
    html = exported["html"]
    assert CODE_SOURCE not in html
    assert "tracer_evolution" not in html
    assert "Carcassonne" in html and "45 %" in html
    assert STREAM_TEXT.strip() in html
    assert "In&nbsp;[" not in html and "Out[" not in html  # no prompts
    assert "¶" not in html  # no anchor links


def test_html_is_a_french_self_contained_page(exported):
    html = exported["html"]
    assert html.startswith("<!DOCTYPE html>")
    assert re.search(r'<html lang="fr">', html)
    assert '<meta charset="utf-8">' in html
    assert f"<title>{TITLE}</title>" in html
    assert CSS_FILE.read_text(encoding="utf-8").strip() in html  # our print CSS, inlined
    assert "size: A4" in html and "counter(page)" in html
    assert "<script" not in html.lower() and "mathjax" not in html.lower() and "require.js" not in html
    tags = parse_tags(html)
    for tag, attrs in tags:
        for name in ("src", "href"):
            value = (attrs.get(name) or "").strip().lower()
            assert not value.startswith(("http://", "https://", "//")), (tag, name, value[:80])
    assert not [t for t, _ in tags if t in ("link", "script", "iframe")]


def test_every_image_has_an_alt_and_is_embedded(exported):
    imgs = [attrs for tag, attrs in parse_tags(exported["html"]) if tag == "img"]
    assert len(imgs) == 2
    assert all((a.get("alt") or "").strip() for a in imgs)
    assert all((a.get("src") or "").startswith("data:image/png;base64,") for a in imgs)
    assert [a["alt"] for a in imgs] == [ALT, "Graphique"]  # metadata first, French fallback after


def test_cell_alt_and_blank_alt(tmp_path):
    nb = new_notebook()
    cell = new_code_cell("x", outputs=[
        new_output("display_data", data={"image/png": _figure_png()}, metadata={"alt": "  "}),
    ])
    cell.metadata["alt"] = "Répartition des sorties"
    nb.cells = [cell]
    nbformat.write(nb, tmp_path / "n.ipynb")
    imgs = [a for t, a in parse_tags(notebook_to_html(tmp_path / "n.ipynb", "t")) if t == "img"]
    assert [a["alt"] for a in imgs] == ["Répartition des sorties"]


def test_title_is_escaped_and_lang_checked(tmp_path):
    nb_path = tmp_path / "n.ipynb"
    nbformat.write(new_notebook(cells=[new_markdown_cell("Texte")]), nb_path)
    html = notebook_to_html(nb_path, title="Site <A&B>", lang="fr-FR")
    assert "<title>Site &lt;A&amp;B&gt;</title>" in html and '<html lang="fr-FR">' in html
    with pytest.raises(ValueError, match="langue"):
        notebook_to_html(nb_path, title="t", lang='fr" onload="x')


def test_external_images_are_refused(tmp_path):
    nb_path = tmp_path / "n.ipynb"
    nbformat.write(new_notebook(cells=[new_markdown_cell("![logo](https://example.org/logo.png)")]), nb_path)
    with pytest.raises(RessourceExterne, match="ressource externe"):
        notebook_to_html(nb_path, title="t")
    # WeasyPrint fetches data: URIs only; the PDF is not written.
    pdf = tmp_path / "x.pdf"
    with pytest.raises(RessourceExterne):
        html_to_pdf('<html><body><img src="http://127.0.0.1:9/a.png" alt="a"></body></html>', pdf)
    assert not pdf.exists() and not list(tmp_path.glob(".x.pdf.*"))


# --------------------------------------------------------------------------- PDF


def test_pdf_page_count_matches_pdfinfo(exported):
    info = _poppler("pdfinfo", str(exported["pdf"]))
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    assert exported["pages"] >= 1
    assert pages == exported["pages"]
    assert "(A4)" in re.search(r"^Page size:.*$", info, re.M).group(0)
    assert not list(exported["pdf"].parent.glob(".note.pdf.*"))  # no temporary file left


def test_pdf_pages_render_and_are_not_blank(exported, tmp_path):
    from PIL import Image

    _poppler("pdftoppm", "-r", "40", "-png", str(exported["pdf"]), str(tmp_path / "page"))
    images = sorted(tmp_path.glob("page*.png"))
    assert len(images) == exported["pages"]
    inked = []
    for image in images:
        with Image.open(image) as im:
            grey = im.convert("L")
            dark = sum(grey.histogram()[:200])  # pixels clearly not white
            inked.append(dark / (grey.width * grey.height))
    assert max(inked) > 0.01, inked


def test_pdf_text_keeps_the_french_title(exported):
    text = _poppler("pdftotext", "-enc", "UTF-8", str(exported["pdf"]), "-")
    flat = " ".join(text.split())
    assert TITLE in flat
    assert "Carcassonne" in flat and "45 %" in flat
    assert f"Page 1 / {exported['pages']}" in flat


def test_installer_script_is_valid_bash():
    script = PROJECT_ROOT / "scripts" / "installer-systeme.sh"
    subprocess.run(["bash", "-n", str(script)], check=True)
    text = script.read_text(encoding="utf-8")
    for package in ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0", "poppler-utils", "chromium"):
        assert package in text


# --------------------------------------------------------------------------- index

ENTRIES = [
    {"id": "amie-2024", "titre": "AMIE — bilan 2024", "perimetre": "AMIE (fictif)", "annee": 2024,
     "destinataire": "Mme la Députée", "statut": "ok", "message": ""},
    {"id": "limoux-2024", "titre": "Site de Limoux", "perimetre": "AMIE (fictif), Limoux", "annee": 2024,
     "destinataire": "M. le Maire", "statut": "échec", "message": "cellule 4 : KeyError : 'taux' <b>"},
    {"id": "narbonne-2023", "titre": "Narbonne", "perimetre": "Narbonne", "annee": 2023,
     "destinataire": "Conseil départemental", "statut": "ok", "message": None},
]


def test_index_lists_every_brief_with_links_only_when_ok(tmp_path):
    path = write_index(tmp_path, ENTRIES)
    assert path == tmp_path / "index.html"
    html = path.read_text(encoding="utf-8")
    assert '<html lang="fr">' in html and "size: A4" in html
    for e in ENTRIES:
        assert e["titre"] in html and e["destinataire"] in html and str(e["annee"]) in html
    hrefs = [a["href"] for t, a in parse_tags(html) if t == "a"]
    assert hrefs == ["amie-2024/note.html", "amie-2024/note.pdf", "narbonne-2023/note.html", "narbonne-2023/note.pdf"]
    assert "cellule 4 : KeyError : &#39;taux&#39; &lt;b&gt;" in html  # shown, escaped
    assert "3 notes : 2 réussies, 1 échec." in html
    assert not [p for p in tmp_path.iterdir() if p.name != "index.html"]  # atomic: no temporary left


def test_index_refuses_an_unknown_status(tmp_path):
    with pytest.raises(ValueError, match="statut"):
        write_index(tmp_path, [{"id": "x", "statut": "réussi"}])
    assert not (tmp_path / "index.html").exists()


def test_a_long_word_breaks_instead_of_leaving_the_page(tmp_path):
    word = "Anticonstitutionnellement" * 8  # 200 characters
    nb = new_notebook()
    nb.cells = [new_markdown_cell(f"# Titre\n\nDemande : soutenir {word}."),
                new_code_cell("", execution_count=1, outputs=[new_output("display_data", data={
                    "text/html": f"<table><tr><th>Site</th><td>{word}</td></tr></table>", "text/plain": "t"})])]
    nbformat.write(nb, tmp_path / "note.ipynb")
    pdf = tmp_path / "note.pdf"
    html_to_pdf(notebook_to_html(tmp_path / "note.ipynb", title="Mot long"), pdf)
    xml = _poppler("pdftotext", "-bbox", str(pdf), "-")
    width = float(re.search(r'<page width="([\d.]+)"', xml).group(1))
    right = [float(x) for x in re.findall(r'xMax="([\d.]+)"', xml)]
    assert right and max(right) <= width  # nothing runs off the page
    text = re.sub(r"\s+", "", _poppler("pdftotext", str(pdf), "-"))
    assert text.count(word) == 2  # whole, in the paragraph and in the table, if broken across lines
