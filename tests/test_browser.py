"""The exported brief and the run index in a real headless Chromium (Debian's, driven by Playwright).

No console error, no script error, every image decoded, nothing fetched from outside the file.
These tests fail (never skip) when Chromium is missing: run scripts/installer-systeme.sh.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import url2pathname

import pytest

from iae_impact.report.export import html_to_pdf, notebook_to_html, write_index
from tests.test_export import ENTRIES, TITLE, build_notebook

pytestmark = pytest.mark.browser  # Chromium through Playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
MISSING = ("Chromium introuvable ({}) : les tests navigateur ne peuvent pas tourner. "
           "Lancez « sudo bash scripts/installer-systeme.sh » (paquet Debian chromium).")


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(MISSING.format(CHROMIUM), pytrace=False)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("Playwright manquant : lancez « make setup » (extra « test » du projet).", pytrace=False)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True,
                                     timeout=60_000)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    """A run as the batch writes it: OUT/index.html and OUT/<id>/note.html|pdf for the ok briefs."""
    out = tmp_path_factory.mktemp("notes")
    html = notebook_to_html(build_notebook(out / "source.ipynb"), title=TITLE)
    first = next(e for e in ENTRIES if e["statut"] == "ok")
    (out / first["id"]).mkdir()
    (out / first["id"] / "note.html").write_text(html, encoding="utf-8")
    html_to_pdf(html, out / first["id"] / "note.pdf")
    for e in ENTRIES[1:]:
        if e["statut"] == "ok":
            shutil.copytree(out / first["id"], out / e["id"])
    write_index(out, ENTRIES)
    return out


def open_page(browser, path: Path) -> dict:
    """Load ``path`` from a file:// URL; return the page, its errors and what it requested."""
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    requests: list[str] = []
    page.on("console", lambda msg: errors.append(f"console : {msg.text}") if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(f"erreur de script : {exc}"))
    page.on("request", lambda req: requests.append(req.url))
    page.goto(path.as_uri(), wait_until="load")
    images = page.evaluate(
        "() => Array.from(document.images).map(i => ({alt: i.alt, complete: i.complete, width: i.naturalWidth}))")
    return {"page": page, "context": context, "errors": errors, "images": images,
            "lang": page.evaluate("() => document.documentElement.lang"), "title": page.title(),
            "external": [u for u in requests if not u.startswith(("file://", "data:"))]}


def test_brief_opens_without_errors_and_images_load(browser, run_dir):
    note = run_dir / ENTRIES[0]["id"] / "note.html"
    info = open_page(browser, note)
    try:
        assert info["errors"] == []
        assert info["external"] == []
        assert info["lang"] == "fr" and info["title"] == TITLE
        assert len(info["images"]) == 2
        broken = [i for i in info["images"] if not (i["complete"] and i["width"] > 0)]
        assert broken == []
        assert all(i["alt"].strip() for i in info["images"])
        text = info["page"].inner_text("body")
        assert "Carcassonne" in text and "tracer_evolution" not in text
    finally:
        info["context"].close()


def test_index_opens_without_errors_and_links_reach_the_briefs(browser, run_dir):
    info = open_page(browser, run_dir / "index.html")
    try:
        assert info["errors"] == []
        assert info["external"] == []
        assert info["lang"] == "fr"
        hrefs = info["page"].eval_on_selector_all("a", "links => links.map(a => a.href)")
        assert len(hrefs) == 2 * sum(e["statut"] == "ok" for e in ENTRIES)
        assert all(h.startswith("file://") for h in hrefs)
        assert all(Path(url2pathname(urlparse(h).path)).is_file() for h in hrefs)
        body = info["page"].inner_text("body")
        assert "KeyError" in body and "échec" in body
    finally:
        info["context"].close()


def axe_violations(page) -> list[dict]:
    """Serious and critical axe-core violations of a page (axe-core as bundled by axe-playwright-python)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"]}
            for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


def test_brief_page_passes_axe_core(browser, run_dir):
    """RGAA expectations checked by axe-core in Chromium: no serious or critical violation."""
    info = open_page(browser, run_dir / ENTRIES[0]["id"] / "note.html")
    try:
        assert axe_violations(info["page"]) == []
    finally:
        info["context"].close()
