"""The batch of briefs: every demo brief in HTML and PDF, masked cells never published, one broken
entry does not stop the others, the configuration checked before anything runs (ids, limits,
threshold, years, --jobs, scheduler), two pages at most, no private path and one permission policy
in what is published, and the Dask path runs on a LocalCluster."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from iae_impact.base.outputs import published_mode
from iae_impact.base.paths import DEMO_DIR, PROJECT_ROOT
from iae_impact.cli import main
from iae_impact.run import batch, executors, runner
from iae_impact.run.batch import load_config, run_notes
from iae_impact.run.notes_config import DEMANDE_MAX_LENGTH, ID_MAX_LENGTH, MAX_DEMANDES
from iae_impact.run.publish import MARKER
from iae_impact.run.workarea import ENV_WORK_AREA
from tests.golden import assert_matches
from tests.test_browser import axe_violations, browser, open_page  # noqa: F401 - shared Chromium fixture
from tests.traps import brief_with_trap

pytestmark = pytest.mark.slow  # a batch of real briefs (HTML and PDF)

GOLDEN = Path(__file__).parent / "golden" / "notes"
DEFAULT_CONFIG = PROJECT_ROOT / "config" / "notes.yaml"
FILES = [MARKER, "note.html", "note.ipynb", "note.pdf", "resume.json", "run.json"]


def _plain(text: str) -> str:
    return re.sub(r"[\s\u00a0\u202f]+", " ", text)


def _pdf_text(path: Path) -> str:
    return _plain(subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                                 check=True).stdout)


def _pdf_pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


@pytest.fixture(scope="module")
def demo_batch(tmp_path_factory):
    out = tmp_path_factory.mktemp("notes")
    results = run_notes(DEFAULT_CONFIG, out, jobs=2, say=lambda _m: None)
    return out, results


def test_every_demo_brief_is_produced_in_html_and_pdf(demo_batch):
    out, results = demo_batch
    ids = [n.id for n in load_config(DEFAULT_CONFIG).notes]
    assert [r.id for r in results] == ids and all(r.ok for r in results), [r.message for r in results]
    for note_id in ids:
        assert sorted(p.name for p in (out / note_id).iterdir()) == sorted(FILES), note_id
        assert 1 <= _pdf_pages(out / note_id / "note.pdf") <= 2, note_id
    index = (out / "index.html").read_text(encoding="utf-8")
    assert all(f'href="{i}/note.pdf"' in index for i in ids)
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == [MARKER]  # no temporary folder left


def test_association_intermediaire_brief_says_the_seed_figures(demo_batch):
    out, _ = demo_batch
    pdf = _pdf_text(out / "amie-2024" / "note.pdf")
    page = _plain(re.sub(r"<[^>]+>", " ", (out / "amie-2024" / "note.html").read_text(encoding="utf-8")))
    for text in (pdf, page):
        assert "50 personnes" in text and "14 000 heures" in text and "70 %" in text
        assert "sorties dynamiques" in text and "Christophe Bex" in text and "fictives" in text
        assert "def " not in text and "import " not in text  # no code in the brief


def test_run_json_records_parameters_checksums_versions_and_revision(demo_batch):
    out, _ = demo_batch
    run = json.loads((out / "amie-2024" / "run.json").read_text(encoding="utf-8"))
    assert run["parametres"]["annee"] == 2024 and run["parametres"]["structure"] == "AMIE (fictif)"
    assert run["donnees"] == run["parametres"]["donnees"] == "data/demo/fictif"  # as the project names it
    assert run["parametres"]["contexte"] is None and run["parametres"]["sortie"] == "."
    assert set(run["empreintes_donnees"]) == {p.name for p in (PROJECT_ROOT / "data/demo/fictif").glob("*.csv")}
    assert run["versions"]["pandas"] and run["versions"]["iae-impact"] and "revision_git" in run
    assert run["pages_pdf"] <= 2


def _table_row(html: str, label: str) -> str:
    rows = re.findall(r"<tr>(.*?)</tr>", html, flags=re.S)
    return next(r for r in rows if f"<td>{label}</td>" in r)


def test_masked_cells_never_appear_in_html_pdf_or_json(demo_batch):
    out, _ = demo_batch
    labels = {"emploi_durable": "Emploi durable", "emploi_transition": "Emploi de transition",
              "sorties_positives": "Sorties positives", "autres_sorties": "Autres sorties"}
    checked = 0
    for folder in sorted(p for p in out.iterdir() if p.is_dir()):
        summary = json.loads((folder / "resume.json").read_text(encoding="utf-8"))
        html = (folder / "note.html").read_text(encoding="utf-8")
        pdf = _pdf_text(folder / "note.pdf")
        pooled_table = re.search(r"<th>\d{4}-\d{4}</th>", html) is not None  # the exits of a pooled period
        masked = summary["masques"]
        if pooled_table:  # the table shows the last period's cells: its masked ones must say « non publié »
            last = summary["periodes"][-1]
            masked = [c for c in labels if last[c] is None]
            assert all(summary["indicateurs"][c] is None for c in labels), folder.name  # the year says nothing
        for column in masked:
            assert pooled_table or summary["indicateurs"][column] is None, (folder.name, column)
            if column in labels:
                cells = re.findall(r"<td>(.*?)</td>", _table_row(html, labels[column]))
                assert cells[2:] == ["non publié", "non publié"], (folder.name, column, cells)
                assert re.search(rf"{labels[column]} .*? non publié non publié", pdf), (folder.name, column)
                checked += 1
    assert checked, "the demo batch must exercise at least one masked exit category"


def test_brief_summaries_match_golden_files(demo_batch):
    out, _ = demo_batch
    for folder in sorted(p for p in out.iterdir() if p.is_dir()):
        summary = json.loads((folder / "resume.json").read_text(encoding="utf-8"))
        golden = GOLDEN / f"{folder.name}.json"
        if os.environ.get("IAE_IMPACT_REGENERER_GOLDEN"):
            golden.parent.mkdir(parents=True, exist_ok=True)
            golden.write_text(json.dumps(summary, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
                              encoding="utf-8")
        assert_matches(summary, json.loads(golden.read_text(encoding="utf-8")), folder.name)


def _config(tmp_path: Path, notes: list[dict]) -> Path:
    path = tmp_path / "notes.yaml"
    path.write_text(yaml.safe_dump({"donnees": str(DEMO_DIR), "notes": notes}, allow_unicode=True),
                    encoding="utf-8")
    return path


GOOD = {"id": "bonne", "annee": 2024, "structure": "AMIE (fictif)", "destinataire": {"qualite": "Député"},
        "demandes": ["Une demande."]}


def _sabotaged_notebooks(tmp_path: Path) -> Path:
    """The real brief notebook with one cell that fails for the brief « cassee »."""
    return brief_with_trap(tmp_path, "if id_note == 'cassee':\n    raise RuntimeError('piège du test')")


def test_one_broken_brief_does_not_stop_the_others(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(runner, "NOTEBOOKS_DIR", _sabotaged_notebooks(tmp_path))  # the workers are forked after
    config = _config(tmp_path, [{**GOOD, "id": "cassee"}, GOOD])
    assert main(["notes", "--config", str(config), "--out", str(tmp_path / "out"), "--jobs", "2"]) == 1
    err = capsys.readouterr().err
    assert "1 note(s) produite(s) sur 2" in err and "ÉCHEC cassee — cellule" in err and "piège du test" in err
    assert (tmp_path / "out" / "bonne" / "note.pdf").exists()
    assert not (tmp_path / "out" / "cassee").exists()
    assert "échec" in (tmp_path / "out" / "index.html").read_text(encoding="utf-8")


def test_a_brief_whose_figures_fail_does_not_stop_the_others(tmp_path, capsys, monkeypatch):
    from iae_impact.run import batch

    original = batch.prepare_context

    def failing(release, structure, sites, annee=None, seuil=5):
        if annee == 2023:
            raise ValueError("effectifs incohérents")
        return original(release, structure, sites, annee=annee, seuil=seuil)

    monkeypatch.setattr(batch, "prepare_context", failing)
    config = _config(tmp_path, [{**GOOD, "id": "contexte-casse", "annee": 2023}, GOOD])
    assert main(["notes", "--config", str(config), "--out", str(tmp_path / "out"), "--jobs", "1"]) == 1
    err = capsys.readouterr().err
    assert "1 note(s) produite(s) sur 2" in err
    assert "contexte-casse — calcul des chiffres de la note impossible — ValueError : effectifs incohérents" in err
    assert (tmp_path / "out" / "bonne" / "note.pdf").exists()
    assert not (tmp_path / "out" / "contexte-casse").exists()
    assert [p.name for p in (tmp_path / "out").iterdir() if p.name.startswith(".")] == [MARKER]  # no temporary


@pytest.mark.parametrize("notes, fragment", [
    ([{**GOOD, "inconnu": 1}], "champ inconnu"),
    ([{k: v for k, v in GOOD.items() if k != "structure"}], "périmètre"),
    ([GOOD, GOOD], "en double"),
    ([GOOD, {**GOOD, "id": "BONNE"}], "en double : bonne et BONNE"),  # one folder on Windows and macOS
    ([{**GOOD, "sites": ["Atlantide"]}], "site(s) inconnu(s)"),
    ([{**GOOD, "annee": "deux mille"}], "annee"),
    ([{**GOOD, "id": "n" * 300}], f"identifiant de 300 caractères : {ID_MAX_LENGTH} au plus"),
    ([{**GOOD, "id": "note élus"}], "lettres sans accent"),
    ([{**GOOD, "id": "CON"}], "nom réservé sous Windows"),
    ([{**GOOD, "demandes": [f"Demande {i}." for i in range(30)]}], f"30 demandes : {MAX_DEMANDES} au plus"),
    ([{**GOOD, "demandes": ["x" * (DEMANDE_MAX_LENGTH + 1)]}], "demande(s) trop longue(s) : n° 1"),
    ([{**GOOD, "titre": "T" * 400}], "titre : 150 caractères au plus"),
    ([{**GOOD, "id": "vide", "annee": 2001}, {**GOOD, "annee": 2003}],
     "note « vide » : aucune activité en 2001 sur ce périmètre (années disponibles : 2014, 2015"),
])
def test_configuration_is_validated_before_anything_runs(tmp_path, capsys, notes, fragment):
    out = tmp_path / "out"
    assert main(["notes", "--config", str(_config(tmp_path, notes)), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert fragment in err and "Traceback" not in err
    assert not out.exists() or not any(out.iterdir())


def test_every_brief_whose_year_has_no_activity_is_listed(tmp_path, capsys):
    notes = [{**GOOD, "id": "vide-2001", "annee": 2001}, GOOD, {**GOOD, "id": "vide-2003", "annee": 2003}]
    assert main(["notes", "--config", str(_config(tmp_path, notes)), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "aucune note n'a été lancée" in err
    assert "« vide-2001 » : aucune activité en 2001" in err and "« vide-2003 » : aucune activité en 2003" in err
    assert "2024, 2025)" in err and "« bonne »" not in err


@pytest.mark.parametrize("seuil", [1, 2])
def test_a_threshold_that_does_not_protect_is_refused(tmp_path, capsys, seuil):
    config = tmp_path / "notes.yaml"
    config.write_text(yaml.safe_dump({"donnees": str(DEMO_DIR), "seuil_secret": seuil, "notes": [GOOD]}),
                      encoding="utf-8")
    assert main(["notes", "--config", str(config), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert f"seuil de secret statistique {seuil}" in err and "au moins 3" in err
    assert ("secret statistique est désactivé" if seuil == 1 else "très affaibli") in err


@pytest.mark.parametrize("jobs", ["-1", "0", "deux"])
def test_jobs_must_be_at_least_one(tmp_path, capsys, jobs):
    with pytest.raises(SystemExit) as exc:
        main(["notes", "--config", str(_config(tmp_path, [GOOD])), "--out", str(tmp_path / "out"), "--jobs", jobs])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert f"« {jobs} » : le nombre de noyaux en parallèle est un entier d'au moins 1" in err
    assert "max_workers" not in err and not (tmp_path / "out").exists()
    with pytest.raises(ValueError, match="au moins 1"):
        run_notes(_config(tmp_path, [GOOD]), tmp_path / "out", jobs=int(jobs) if jobs != "deux" else 0)


def test_never_more_workers_than_briefs(tmp_path, monkeypatch):
    started = []

    def no_pool(jobs, scheduler, warm=None):
        started.append(jobs)
        raise RuntimeError("arrêt du test")

    monkeypatch.setattr(batch, "make_executor", no_pool)
    for jobs in (8, None):
        with pytest.raises(RuntimeError, match="arrêt du test"):
            run_notes(_config(tmp_path, [GOOD]), tmp_path / "out", jobs=jobs, say=lambda _m: None)
    assert started == [1, 1]


def test_an_unreachable_scheduler_is_said_in_french_quickly(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(executors, "SCHEDULER_TIMEOUT_S", 2)
    address = "tcp://127.0.0.1:9"  # nothing listens on the discard port
    start = time.monotonic()
    code = main(["notes", "--config", str(_config(tmp_path, [GOOD])), "--out", str(tmp_path / "out"),
                 "--scheduler", address])
    assert code == 2 and time.monotonic() - start < 30
    err = capsys.readouterr().err
    assert f"ordonnanceur Dask injoignable à l'adresse {address}" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_dask_local_cluster_runs_the_same_code(tmp_path):
    from distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        results = run_notes(_config(tmp_path, [GOOD]), tmp_path / "out", scheduler=cluster.scheduler_address,
                            say=lambda _m: None)
    assert [r.ok for r in results] == [True]
    assert (tmp_path / "out" / "bonne" / "note.pdf").exists()


@pytest.mark.browser
def test_demo_briefs_open_in_chromium_without_errors(browser, demo_batch):  # noqa: F811
    out, _ = demo_batch
    for note_id in ("amie-2024", "ami-bram-2024"):
        info = open_page(browser, out / note_id / "note.html")
        try:
            assert info["errors"] == [] and info["external"] == [], note_id
            assert info["images"] and all(i["complete"] and i["width"] > 0 and i["alt"].strip()
                                          for i in info["images"]), note_id
            assert info["lang"] == "fr"
        finally:
            info["context"].close()


def test_every_demo_brief_passes_axe_core_and_its_pdf_is_tagged(browser, demo_batch):  # noqa: F811
    """Issue 14.5 (RGAA): axe-core finds no serious or critical violation; the PDF is tagged, in French."""
    out, _ = demo_batch
    for folder in sorted(p for p in out.iterdir() if p.is_dir()):
        info = open_page(browser, folder / "note.html")
        try:
            assert axe_violations(info["page"]) == [], folder.name
        finally:
            info["context"].close()
        pdfinfo = subprocess.run(["pdfinfo", str(folder / "note.pdf")], capture_output=True, text=True,
                                 check=True).stdout
        assert re.search(r"^Tagged:\s+yes", pdfinfo, re.M), folder.name


# --------------------------------------------------------------------------- every number comes from resume.json

NUMBER = re.compile(r"\d{1,3}(?:[\u202f\u00a0]\d{3})+(?:,\d+)?|\d+(?:,\d+)?")
LEGAL = re.compile(r"n° [\w-]+|R\d+-\d+|L\d+-\d+|\d{4}-\d+")  # a text's number, not a figure


def _numbers(value) -> list[float]:
    """Every number of a resume.json value, with the years written in its labels (« 2022-2024 »)."""
    if isinstance(value, bool) or value is None:
        return []
    if isinstance(value, int | float):
        return [float(value)]
    if isinstance(value, str):
        return [float(y) for y in re.findall(r"\b(?:19|20)\d{2}\b", value)] if len(value) < 20 else []
    if isinstance(value, dict):
        return [n for v in value.values() for n in _numbers(v)]
    if isinstance(value, list):
        return [n for v in value for n in _numbers(v)]
    return []


def _shown(values: list[float]) -> set[str]:
    """How the brief may write each number: French format, 0 to 2 decimals, euros rounded for reading (and
    their bounds), a rate or a gap in points, a headline rounded down."""
    from iae_impact.base.fr import format_number, round_eur
    from iae_impact.report.brief import headline_round

    out = set()
    for v in values:
        for x in (v, abs(v)):
            out |= {format_number(x, d) for d in (0, 1, 2)}
            if float(x).is_integer():
                out.add(str(int(x)))  # a year
            out |= {format_number(100 * x, d) for d in (0, 1)}
            if x > 0:
                out |= {format_number(round_eur(x, how)) for how in ("nearest", "down", "up")}
                out.add(format_number(headline_round(x)[1]))
    return out


def test_every_number_in_a_sentence_comes_from_resume_json(demo_batch):
    """Issue 14.5: each number of each sentence and legend of the brief is in its resume.json."""
    import html as html_lib

    out, _ = demo_batch
    for folder in sorted(p for p in out.iterdir() if p.is_dir()):
        summary = json.loads((folder / "resume.json").read_text(encoding="utf-8"))
        allowed = _shown(_numbers(summary))
        page = (folder / "note.html").read_text(encoding="utf-8")
        sentences = [html_lib.unescape(re.sub(r"<[^>]+>", "", t)) for t in
                     re.findall(r"<p class=.(?:phrase|legende).>(.*?)</p>", page, flags=re.S)]
        assert sentences, folder.name
        for sentence in sentences:
            for token in NUMBER.findall(LEGAL.sub(" ", sentence)):
                assert token in allowed, (folder.name, token, sentence)


# --------------------------------------------------------------------------- what is published

LONG_WORD = "Anticonstitutionnellement" * 8  # 200 characters, no break opportunity
LONG_DEMANDE = ("Garantir dans la durée le financement de l'accompagnement socioprofessionnel des salariés en insertion, "
                "la formation qualifiante sur les heures de travail, la levée des freins à l'emploi (mobilité, "
                "logement, garde d'enfants) et la coopération avec les entreprises du territoire.")


def _pdf_words(path: Path) -> tuple[float, list[tuple[float, float, str]]]:
    """Page width and each word's horizontal extent (pdftotext -bbox)."""
    xml = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    width = float(re.search(r'<page width="([\d.]+)"', xml).group(1))
    words = [(float(a), float(b), w) for a, b, w in re.findall(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" '
                                                                r'yMax="[\d.]+">([^<]*)</word>', xml)]
    return width, words


def test_a_brief_over_two_pages_fails_alone_and_long_words_stay_on_the_page(tmp_path, capsys):
    assert len(LONG_DEMANDE) <= DEMANDE_MAX_LENGTH  # the limits alone do not guarantee two pages
    notes = [{**GOOD, "id": "trop-longue", "demandes": [LONG_DEMANDE] * MAX_DEMANDES},
             {**GOOD, "id": "mot-long", "demandes": [f"Soutenir {LONG_WORD} et le reste."]}]
    out = tmp_path / "out"
    assert main(["notes", "--config", str(_config(tmp_path, notes)), "--out", str(out), "--jobs", "2"]) == 1
    err = capsys.readouterr().err
    assert re.search(r"ÉCHEC trop-longue — la note fait \d pages, 2 au plus : raccourcissez les demandes", err), err
    assert not (out / "trop-longue").exists()
    pdf = out / "mot-long" / "note.pdf"
    assert LONG_WORD in re.sub(r"\s+", "", _pdf_text(pdf))  # whole, if broken across lines
    width, words = _pdf_words(pdf)
    assert words and all(0 <= x_min and x_max <= width for x_min, x_max, _ in words), [
        w for w in words if w[1] > width][:3]


def _published_texts(out: Path):
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        if path.suffix == ".pdf":
            yield path, _pdf_text(path)
        else:
            yield path, path.read_text(encoding="utf-8")


def test_published_files_name_no_private_path_and_share_one_mode(tmp_path, monkeypatch):
    data = tmp_path / "donnees-de-la-structure"
    shutil.copytree(DEMO_DIR, data)
    work = tmp_path / "travail-prive"
    monkeypatch.setenv(ENV_WORK_AREA, str(work))
    config = tmp_path / "notes.yaml"
    config.write_text(yaml.safe_dump({"donnees": str(data), "notes": [GOOD]}, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "publie"
    assert [r.ok for r in run_notes(config, out, jobs=1, say=lambda _m: None)] == [True]
    private = [str(work), str(data), str(PROJECT_ROOT), str(Path.home()) + "/", "/tmp/"]
    scanned = 0
    for path, text in _published_texts(out):
        scanned += 1
        assert not [p for p in private if p in text], (path.name, [p for p in private if p in text])
    assert scanned == 1 + 1 + len(FILES)  # folder marker, index, the brief's files
    run = json.loads((out / "bonne" / "run.json").read_text(encoding="utf-8"))
    assert run["donnees"] == run["parametres"]["donnees"] == data.name  # a path outside the project: its name
    assert set(run["empreintes_donnees"]) == {p.name for p in data.glob("*.csv")}  # files named, with checksums
    for path in [out, *out.rglob("*")]:
        assert stat.S_IMODE(path.stat().st_mode) == published_mode(directory=path.is_dir()), path.name
