"""Craft of the briefs (issue 14.5): chart labels never overlap data or each other (text and artist extents
compared with a renderer), and the PDF is tagged (PDF/UA), in French, with the charts' alternative text."""

from __future__ import annotations

import re
import subprocess
import zlib

import pytest

from iae_impact.base.paths import DEMO_DIR
from iae_impact.ingest import read_dataset
from iae_impact.report import brief, context
from iae_impact.report.export import html_to_pdf

# slow: computes briefs or releases on the demo (seconds each); left out of make test-rapide
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo():
    return read_dataset(DEMO_DIR)


@pytest.fixture(scope="module")
def figures(demo):
    inputs = context.ReleaseInputs.of(demo, 5, [("AMIE (fictif)", None, 2024), ("A.M.I. Aude (fictif)", None, 2024),
                                                ("A.M.I. Aude (fictif)", ["Narbonne"], 2024),
                                                ("A.M.I. Aude (fictif)", ["Bram"], 2024)])
    out = {}
    for key, (structure, sites) in {"amie": ("AMIE (fictif)", None), "aude": ("A.M.I. Aude (fictif)", None),
                                    "narbonne": ("A.M.I. Aude (fictif)", ["Narbonne"]),
                                    "bram": ("A.M.I. Aude (fictif)", ["Bram"])}.items():
        out[key] = brief.BriefFigures(context.prepare_context(inputs, structure, sites, annee=2024), 2024)
    return out


def _texts(fig):
    """Every visible text of a figure: texts, tick labels, axis labels, legend texts."""
    out = []
    for ax in fig.axes:
        out += list(ax.texts) + ax.get_xticklabels() + ax.get_yticklabels() + [ax.xaxis.label, ax.yaxis.label]
        legend = ax.get_legend()
        if legend is not None:
            out += legend.get_texts()
    return [t for t in out if t.get_visible() and t.get_text().strip()]


def _data_boxes(fig, renderer):
    """Extents of the data: bars, points, error bars, reference and grid lines (with the ticks' gridlines)."""
    boxes = []
    for ax in fig.axes:
        area = ax.get_window_extent(renderer)
        for artist in [*ax.patches, *ax.lines, *ax.collections]:
            if artist.get_visible():
                boxes.append(artist.get_window_extent(renderer))
        for line in [*ax.get_xgridlines(), *ax.get_ygridlines()]:
            box = line.get_window_extent(renderer)
            if line.get_visible() and box.overlaps(area):  # a tick outside the view draws no gridline
                boxes.append(box)
    return [b for b in boxes if b.width > 0 or b.height > 0]


def _overlaps(fig, data: bool = True) -> list[str]:
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    texts = _texts(fig)
    boxes = [(t.get_text(), t.get_window_extent(renderer).shrunk(0.98, 0.9)) for t in texts]
    out = [f"« {a} » / « {b} »" for i, (a, x) in enumerate(boxes) for b, y in boxes[i + 1:] if x.overlaps(y)]
    if data:
        out += [f"« {a} » sur les données" for a, x in boxes for d in _data_boxes(fig, renderer) if x.overlaps(d)]
    return out


@pytest.mark.parametrize("which", ["amie", "narbonne", "bram"])
def test_trend_labels_never_overlap_data_or_each_other(figures, which):
    import matplotlib.pyplot as plt

    fig, _alt = brief.trend_figure(figures[which])
    try:
        assert _overlaps(fig) == []
        if which == "amie":  # the « objectif 60 % » label stands beside the plot, not on a point
            assert any(t.get_text() == "objectif 60\u00a0%" for t in fig.axes[0].texts)
    finally:
        plt.close(fig)


@pytest.mark.parametrize("which", ["amie", "aude"])
def test_money_labels_never_overlap_bars_gridlines_or_each_other(figures, which):
    import matplotlib.pyplot as plt

    fig, alt = brief.money_figure(figures[which])
    try:
        assert _overlaps(fig) == []
        assert "dépense évitée" in alt and "recette nouvelle" in alt
    finally:
        plt.close(fig)


def test_funnel_labels_never_overlap_each_other(figures):
    import matplotlib.pyplot as plt

    fig, _alt = brief.comparison_figure(figures["narbonne"])
    try:
        assert _overlaps(fig, data=False) == []
    finally:
        plt.close(fig)


def _alts(pdf: bytes) -> list[str]:
    out = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            data = zlib.decompress(stream)
        except zlib.error:
            continue
        out += [bytes.fromhex(h.decode()).decode("utf-16") for h in re.findall(rb"/Alt <([0-9a-f]+)>", data)]
    return out


def test_pdf_is_tagged_in_french_with_the_charts_alternative_text(figures, tmp_path):
    """RGAA: a tagged PDF (PDF/UA-1), its language, each chart's alternative text in the structure tree."""
    import base64

    import matplotlib.pyplot as plt

    from iae_impact.report import charts
    from iae_impact.report.html import escape

    fig, alt = brief.trend_figure(figures["amie"])
    png = base64.b64encode(charts.figure_png(fig)).decode()
    plt.close(fig)
    html = (f"<!DOCTYPE html><html lang='fr'><head><meta charset='utf-8'><title>Note</title></head><body><main>"
            f"<h1>Titre</h1><p>Texte.</p><img src='data:image/png;base64,{png}' alt='{escape(alt)}'></main></body></html>")
    path = tmp_path / "note.pdf"
    html_to_pdf(html, path)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Tagged:\s+yes", info, re.M)
    structure = subprocess.run(["pdfinfo", "-struct", str(path)], capture_output=True, text=True, check=True).stdout
    assert "Figure" in structure and "H1" in structure
    data = path.read_bytes()
    assert b"/Lang (fr)" in b"".join(zlib.decompress(s) for s in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data,
                                                                          re.S) if _inflates(s))
    assert _alts(data) == [alt]


def _inflates(stream: bytes) -> bool:
    try:
        zlib.decompress(stream)
    except zlib.error:
        return False
    return True
