"""The batch of briefs: every demo brief in HTML and PDF, masked cells never published, one broken
entry does not stop the others, and the Dask path runs on a LocalCluster."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from iae_impact.base.paths import PROJECT_ROOT
from iae_impact.cli import main
from iae_impact.run.batch import load_config, run_notes
from tests.golden import assert_matches
from tests.test_browser import browser, open_page  # noqa: F401 - shared Chromium fixture

pytestmark = pytest.mark.slow  # a batch of real briefs (HTML and PDF)

GOLDEN = Path(__file__).parent / "golden" / "notes"
DEFAULT_CONFIG = PROJECT_ROOT / "config" / "notes.yaml"
FILES = ["note.html", "note.ipynb", "note.pdf", "resume.json", "run.json"]


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
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]  # no temporary folder left


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
        for column in summary["masques"]:
            assert summary["indicateurs"][column] is None, (folder.name, column)
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
    path.write_text(yaml.safe_dump({"donnees": "data/demo/fictif", "notes": notes}, allow_unicode=True),
                    encoding="utf-8")
    return path


GOOD = {"id": "bonne", "annee": 2024, "structure": "AMIE (fictif)", "destinataire": {"qualite": "Député"},
        "demandes": ["Une demande."]}


def test_one_broken_brief_does_not_stop_the_others(tmp_path, capsys):
    broken = {**GOOD, "id": "cassee", "annee": 2001}  # no data for 2001: the notebook fails
    config = _config(tmp_path, [broken, GOOD])
    assert main(["notes", "--config", str(config), "--out", str(tmp_path / "out"), "--jobs", "2"]) == 1
    err = capsys.readouterr().err
    assert "1 note(s) produite(s) sur 2" in err and "ÉCHEC cassee — cellule" in err and "aucune donnée pour 2001" in err
    assert (tmp_path / "out" / "bonne" / "note.pdf").exists()
    assert not (tmp_path / "out" / "cassee").exists()
    assert "échec" in (tmp_path / "out" / "index.html").read_text(encoding="utf-8")


def test_a_brief_whose_figures_fail_does_not_stop_the_others(tmp_path, capsys, monkeypatch):
    from iae_impact.run import batch

    original = batch.prepare_context

    def failing(release, structure, sites, annee, seuil):
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
    assert not [p.name for p in (tmp_path / "out").iterdir() if p.name.startswith(".")]  # no temporary left


@pytest.mark.parametrize("notes, fragment", [
    ([{**GOOD, "inconnu": 1}], "champ inconnu"),
    ([{k: v for k, v in GOOD.items() if k != "structure"}], "périmètre"),
    ([GOOD, GOOD], "en double"),
    ([{**GOOD, "sites": ["Atlantide"]}], "site(s) inconnu(s)"),
    ([{**GOOD, "annee": "deux mille"}], "annee"),
])
def test_configuration_is_validated_before_anything_runs(tmp_path, capsys, notes, fragment):
    out = tmp_path / "out"
    assert main(["notes", "--config", str(_config(tmp_path, notes)), "--out", str(out)]) == 2
    assert fragment in capsys.readouterr().err
    assert not out.exists() or not any(out.iterdir())


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
