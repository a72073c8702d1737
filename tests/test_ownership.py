"""iae-impact replaces only what it wrote: a filled workbook, a folder or a page the user put in
``--out`` are refused (exit 2, French message, nothing touched) unless ``--remplacer``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from openpyxl import Workbook, load_workbook

from iae_impact.base.paths import DEMO_DIR
from iae_impact.cli import main
from iae_impact.data.template import TEMPLATE_MARK
from iae_impact.run.publish import LOCK, MARKER

NOTE = {"id": "amie", "annee": 2024, "structure": "AMIE (fictif)", "destinataire": {"qualite": "Député"},
        "demandes": ["Une demande."]}
FILES = {MARKER, "note.html", "note.ipynb", "note.pdf", "resume.json", "run.json"}


def _config(tmp_path: Path, notes: list[dict] | None = None) -> Path:
    path = tmp_path / "notes.yaml"
    path.write_text(yaml.safe_dump({"donnees": str(DEMO_DIR), "notes": notes or [NOTE]}, allow_unicode=True),
                    encoding="utf-8")
    return path


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# --------------------------------------------------------------------------- modele


def test_modele_regenerates_its_own_blank_template(tmp_path, capsys):
    path = tmp_path / "modele.xlsx"
    assert main(["modele", str(path)]) == 0
    assert load_workbook(path).properties.keywords == TEMPLATE_MARK
    assert main(["modele", str(path)]) == 0  # still blank: ours to rewrite


def test_modele_refuses_to_overwrite_a_filled_workbook(tmp_path, capsys):
    path = tmp_path / "modele.xlsx"
    assert main(["modele", str(path)]) == 0
    workbook = load_workbook(path)
    workbook["parcours"]["A2"] = "P-0001"  # the user started filling it
    workbook.save(path)
    before = path.read_bytes()
    capsys.readouterr()
    assert main(["modele", str(path)]) == 2
    err = capsys.readouterr().err
    assert "contient des données (onglet « parcours », ligne 2)" in err and "--remplacer" in err
    assert "Traceback" not in err
    assert path.read_bytes() == before
    assert main(["modele", str(path), "--remplacer"]) == 0
    assert load_workbook(path)["parcours"]["A2"].value is None


@pytest.mark.parametrize("content, reason", [
    ("workbook", "n'est pas un modèle écrit par iae-impact"),
    (b"pas un classeur", "n'est pas un classeur Excel lisible"),
])
def test_modele_refuses_a_file_it_did_not_write(tmp_path, capsys, content, reason):
    path = tmp_path / "budget.xlsx"
    if content == "workbook":
        workbook = Workbook()
        workbook.active["A1"] = "Budget 2025"
        workbook.save(path)
    else:
        path.write_bytes(content)
    before = path.read_bytes()
    assert main(["modele", str(path)]) == 2
    assert reason in capsys.readouterr().err
    assert path.read_bytes() == before


# --------------------------------------------------------------------------- notes: refusals (nothing runs)


def test_notes_refuse_to_replace_a_folder_the_user_put_there(tmp_path, capsys):
    out = tmp_path / "out"
    (out / "amie").mkdir(parents=True)
    (out / "amie" / "lettre.docx").write_bytes(b"ma lettre")
    before = _snapshot(out)
    assert main(["notes", "--config", str(_config(tmp_path)), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "n'a pas été créé par iae-impact notes" in err and "amie/" in err and "--remplacer" in err
    assert "Traceback" not in err
    assert _snapshot(out) == before and sorted(p.name for p in out.iterdir()) == ["amie"]


def test_notes_refuse_an_index_page_they_did_not_write(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / MARKER).write_text(json.dumps({"ecrit_par": "iae-impact notes"}), encoding="utf-8")
    (out / "index.html").write_text("<html><body>Mon sommaire</body></html>", encoding="utf-8")
    before = _snapshot(out)
    assert main(["notes", "--config", str(_config(tmp_path)), "--out", str(out)]) == 2
    assert "index.html : page qu'iae-impact n'a pas écrite" in capsys.readouterr().err
    assert _snapshot(out) == before


def test_notes_refuse_a_non_empty_folder_they_did_not_create(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "rapport.odt").write_bytes(b"rapport")
    assert main(["notes", "--config", str(_config(tmp_path)), "--out", str(out)]) == 2
    assert "rapport.odt" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == ["rapport.odt"]


# --------------------------------------------------------------------------- notes: real runs


@pytest.mark.slow
def test_remplacer_replaces_only_the_note_folders_and_the_index(tmp_path, capsys):
    out = tmp_path / "out"
    (out / "amie").mkdir(parents=True)
    (out / "amie" / "lettre.docx").write_bytes(b"ma lettre")
    (out / "index.html").write_text("<html>Mon sommaire</html>", encoding="utf-8")
    (out / "rapport.odt").write_bytes(b"rapport")
    assert main(["notes", "--config", str(_config(tmp_path)), "--out", str(out), "--remplacer"]) == 0
    err = capsys.readouterr().err
    assert "remplacé (--remplacer) : amie/" in err
    assert {p.name for p in (out / "amie").iterdir()} == FILES
    assert (out / "rapport.odt").read_bytes() == b"rapport"  # never touched
    assert 'content="iae-impact"' in (out / "index.html").read_text(encoding="utf-8")
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == [MARKER]


@pytest.mark.slow
def test_a_published_note_changed_by_the_user_is_no_longer_replaced(tmp_path, capsys):
    config, out = _config(tmp_path), tmp_path / "out"
    assert main(["notes", "--config", str(config), "--out", str(out)]) == 0
    (out / "amie" / "lettre.docx").write_bytes(b"ma lettre")  # added beside the brief
    assert main(["notes", "--config", str(config), "--out", str(out)]) == 2
    assert "fichier(s) ajouté(s) depuis la publication : lettre.docx" in capsys.readouterr().err
    (out / "amie" / "lettre.docx").unlink()
    with open(out / "amie" / "note.html", "a", encoding="utf-8") as fh:  # edited by hand
        fh.write("<!-- mes corrections -->")
    assert main(["notes", "--config", str(config), "--out", str(out)]) == 2
    assert "fichier(s) modifié(s) depuis la publication : note.html" in capsys.readouterr().err
    assert "mes corrections" in (out / "amie" / "note.html").read_text(encoding="utf-8")
    (out / "notes-perso.txt").write_text("à moi", encoding="utf-8")  # a file of the user at the top: untouched
    assert main(["notes", "--config", str(config), "--out", str(out), "--remplacer"]) == 0
    assert "mes corrections" not in (out / "amie" / "note.html").read_text(encoding="utf-8")
    assert (out / "notes-perso.txt").read_text(encoding="utf-8") == "à moi"
    assert main(["notes", "--config", str(config), "--out", str(out)]) == 0  # ours again: replaced silently
    assert not (out / LOCK).exists()
