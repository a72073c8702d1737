"""Export of an executed brief: a self-contained HTML page (nbconvert), its PDF (WeasyPrint), and
the index of a run.

Nothing exported references an external resource: images are ``data:`` URIs, the stylesheet
(``templates/note.css``) is inlined, scripts are dropped, and WeasyPrint may fetch ``data:`` URIs
only. The page opens the same from a USB stick, an e-mail attachment or a file:// URL.

Alt texts: an image output gets the ``alt`` of its metadata (convention of the notebooks:
``display(Image(...), metadata={"alt": "..."})``), else the ``alt`` of its cell's metadata, else
« Graphique ». Cells tagged ``remove-cell`` are left out; ``remove-output`` drops their outputs.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from urllib.parse import quote

import nbformat

from ..base.fr import plural
from ..base.outputs import atomic_path, write_atomic_text
from ..base.paths import TEMPLATES_DIR
from .html import escape

CSS_FILE = TEMPLATES_DIR / "note.css"
#: ``<meta name="generator">`` of every page written here: how a later run knows it may replace the page.
GENERATOR = "iae-impact"
DEFAULT_ALT = "Graphique"
INDEX_TITLE = "Notes de plaidoyer"
STATUTS = ("ok", "échec")

_IMAGE_MIMETYPES = ("image/png", "image/jpeg")
_GENERATOR_RE = re.compile(rf"""<meta name="generator" content="{re.escape(GENERATOR)}">""")
_LANG_RE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")
_SCRIPT_RE = re.compile(r"<script\b.*?</script\s*>", re.IGNORECASE | re.DOTALL)
_LINK_RE = re.compile(r"<link\b[^>]*>", re.IGNORECASE)
# Anything the browser would load by itself: src=, srcset=, poster=, data= attributes, CSS url()
# and @import. Hyperlinks (<a href>) are not loaded and stay allowed.
_EXTERNAL_RE = re.compile(
    r"""(?:\b(?:src|srcset|poster|data)\s*=\s*["']?\s*|url\(\s*["']?\s*|@import\s+["']?\s*)"""
    r"""((?:https?:|ftp:)?//[^"'\s)>]*)""",
    re.IGNORECASE,
)


class RessourceExterne(ValueError):
    """The page would load something from outside itself."""


@cache
def _jinja():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    # Every value a template prints goes through the project's one HTML escape (report/html.py: bidirectional
    # controls removed too); what a template marks « safe » (the stylesheet, the brief's body) is left as it is.
    return Environment(loader=FileSystemLoader(TEMPLATES_DIR), autoescape=False, undefined=StrictUndefined,
                       keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True,
                       finalize=lambda v: v if hasattr(v, "__html__") else escape(v))


@cache
def _css() -> str:
    return CSS_FILE.read_text(encoding="utf-8")


def _check_lang(lang: str) -> str:
    if not _LANG_RE.match(lang):
        raise ValueError(f"code de langue invalide : {lang!r} (attendu : « fr », « fr-FR »…)")
    return lang


def _fill_alt_texts(nb: nbformat.NotebookNode) -> None:
    """Give every image output a non-empty ``alt`` in its metadata (output's, then cell's, then default)."""
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        cell_alt = str(cell.get("metadata", {}).get("alt") or "").strip()
        for output in cell.get("outputs", []):
            if output.get("output_type") not in ("display_data", "execute_result"):
                continue
            for mime in _IMAGE_MIMETYPES:
                if mime not in output.get("data", {}):
                    continue
                metadata = output.setdefault("metadata", {})
                per_mime = metadata.get(mime) if isinstance(metadata.get(mime), dict) else {}
                candidates = (per_mime.get("alt"), metadata.get("alt"), cell_alt, DEFAULT_ALT)
                alt = next(a for a in (str(c or "").strip() for c in candidates) if a)
                metadata["alt"] = alt
                if "alt" in per_mime:  # nbconvert reads the per-mimetype value first
                    per_mime["alt"] = alt


def _body_html(nb: nbformat.NotebookNode) -> str:
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    config = Config()
    config.TagRemovePreprocessor.enabled = True
    # The parameter cells show nothing and papermill gives the injected one a random id: dropping
    # them keeps two runs on the same input byte-identical.
    config.TagRemovePreprocessor.remove_cell_tags = {"remove-cell", "remove_cell", "parameters",
                                                     "injected-parameters"}
    config.TagRemovePreprocessor.remove_all_outputs_tags = {"remove-output", "remove_output"}
    exporter = HTMLExporter(
        config=config,
        template_name="basic",  # body only: no MathJax, require.js or CDN stylesheet
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        exclude_anchor_links=True,  # no « ¶ » after the headings
    )
    body, _ = exporter.from_notebook_node(nb)
    body = _SCRIPT_RE.sub("", body)  # a static brief needs no script (widgets, JS outputs)
    return _LINK_RE.sub("", body)


def _check_self_contained(page: str) -> None:
    m = _EXTERNAL_RE.search(page)
    if m:
        raise RessourceExterne(
            f"la note charge une ressource externe ({m.group(1)}) : elle doit être autonome "
            "(image en sortie de cellule plutôt qu'en lien)"
        )


def notebook_to_html(notebook_path: Path, title: str, lang: str = "fr") -> str:
    """Return the executed notebook as one self-contained HTML page, without code.

    nbconvert's « basic » template (body only, inputs and prompts excluded) inside the project's
    page: ``<html lang>``, UTF-8, ``<title>``, the print stylesheet inlined. Raises
    :class:`RessourceExterne` if the result would load anything from outside (an image by URL).
    """
    nb = nbformat.read(Path(notebook_path), as_version=4)
    _fill_alt_texts(nb)
    body = _body_html(nb)
    page = _jinja().get_template("page.html.j2").render(
        lang=_check_lang(lang), title=title, css=_css(), body=body, generator=GENERATOR
    )
    _check_self_contained(page)
    return page


def notebook_page(notebook_path: Path) -> str:
    """An executed notebook (code and outputs) as one HTML page that loads nothing from outside: nbconvert's
    « lab » template without MathJax, require.js, mermaid nor the widgets' manager, each fetched from a CDN
    otherwise (``templates/nbconvert/iae_impact_carnet``). The notebooks write no formula: an escaped
    ``\\$`` shows as « $ ». Raises :class:`RessourceExterne` if the page would still load anything."""
    from nbconvert import HTMLExporter

    nb = nbformat.read(Path(notebook_path), as_version=4)
    _fill_alt_texts(nb)
    exporter = HTMLExporter(template_name="iae_impact_carnet", extra_template_basedirs=[str(TEMPLATES_DIR / "nbconvert")])
    page, _ = exporter.from_notebook_node(nb)
    _check_self_contained(page)
    return page


#: Tagged PDF for accessibility (RGAA): structure tree, document language from ``<html lang>``, each image's
#: alternative text (``/Alt``), title shown — WeasyPrint's PDF/UA-1 variant.
PDF_VARIANT = "pdf/ua-1"


def html_to_pdf(html: str, pdf_path: Path) -> int:
    """Render ``html`` to an A4 PDF with WeasyPrint, tagged (:data:`PDF_VARIANT`); returns the number of pages.

    Only ``data:`` URIs are fetched (a page asking for anything else fails). The PDF appears at
    ``pdf_path`` only once complete (temporary file in the same folder, then rename).
    """
    from weasyprint import HTML
    from weasyprint.urls import FatalURLFetchingError, URLFetcher

    pdf_path = Path(pdf_path)
    fetcher = URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)
    try:
        document = HTML(string=html, url_fetcher=fetcher, media_type="print").render()
    except FatalURLFetchingError as exc:  # a BaseException in WeasyPrint: make it an ordinary error
        raise RessourceExterne(f"le PDF chargerait une ressource externe : {exc}") from None
    with atomic_path(pdf_path, suffix=".tmp") as tmp:
        document.write_pdf(tmp, pdf_variant=PDF_VARIANT)
    return len(document.pages)


def write_index(out_dir: Path, entries: list[dict]) -> Path:
    """Write ``out_dir/index.html``: every brief of a run, its perimeter, year, addressee and status.

    ``entries``: dicts with ``id``, ``titre``, ``perimetre``, ``annee``, ``destinataire``,
    ``statut`` (« ok » or « échec ») and ``message`` (why it failed). Successful briefs link to
    ``<id>/note.html`` and ``<id>/note.pdf``; failed ones show their message. Written atomically.
    """
    rows = []
    for entry in entries:
        statut = entry.get("statut")
        if statut not in STATUTS:
            raise ValueError(f"statut inconnu pour la note {entry.get('id')!r} : {statut!r} (attendu : ok, échec)")
        note_id = str(entry["id"])
        ok = statut == "ok"
        annee = entry.get("annee")
        rows.append({
            "id": note_id,
            "href": quote(note_id, safe=""),
            "titre": entry.get("titre") or note_id,
            "perimetre": entry.get("perimetre") or "",
            "annee": "" if annee is None else annee,
            "destinataire": entry.get("destinataire") or "",
            "ok": ok,
            "message": "" if ok else (entry.get("message") or "échec sans message"),
        })
    n_ok = sum(r["ok"] for r in rows)
    resume = (f"{plural(len(rows), 'note', 'notes')} : {plural(n_ok, 'réussie', 'réussies')}, "
              f"{plural(len(rows) - n_ok, 'échec', 'échecs')}.")
    page = _jinja().get_template("index.html.j2").render(
        lang="fr", title=INDEX_TITLE, css=_css(), entries=rows, resume=resume, generator=GENERATOR
    )
    return write_atomic_text(Path(out_dir) / "index.html", page)


def is_generated_page(path: Path) -> bool:
    """True when ``path`` is a page written here (its head names :data:`GENERATOR`)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    return bool(_GENERATOR_RE.search(head.split("</head>")[0]))
