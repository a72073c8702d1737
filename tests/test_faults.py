"""Faults: a brief whose kernel dies or times out is reported and the others finish; an interrupted
run leaves no half-written brief; re-running is safe; two runs give the same summaries and HTML."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest
import yaml

from iae_impact.base.paths import NOTEBOOKS_DIR, PROJECT_ROOT
from iae_impact.run import batch as notes
from iae_impact.run import runner

pytestmark = pytest.mark.slow  # kernels killed, interrupted and rerun

NOTE = {"annee": 2024, "structure": "AMIE (fictif)", "destinataire": {"qualite": "Député"}, "demandes": ["x"]}
FILES = {"note.html", "note.ipynb", "note.pdf", "resume.json", "run.json"}


def _config(tmp_path: Path, ids: list[str], name: str = "notes.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump({"donnees": "data/demo/fictif", "notes": [{"id": i, **NOTE} for i in ids]},
                                   allow_unicode=True), encoding="utf-8")
    return path


def _sabotaged_notebooks(tmp_path: Path) -> Path:
    """The real brief notebook with one cell that kills the kernel or sleeps, depending on the note id."""
    nb = nbformat.read(NOTEBOOKS_DIR / "10_note_elus.ipynb", as_version=4)
    trap = nbformat.v4.new_code_cell("import os, time\nif id_note == 'meurt':\n    os.kill(os.getpid(), 9)\n"
                                     "if id_note == 'lent':\n    time.sleep(120)")
    trap["id"] = "piege"
    parameters = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    nb.cells.insert(parameters + 1, trap)
    folder = tmp_path / "carnets"
    folder.mkdir()
    nbformat.write(nb, folder / "10_note_elus.ipynb")
    return folder


def test_dead_or_slow_kernel_is_reported_and_the_others_finish(tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "NOTEBOOKS_DIR", _sabotaged_notebooks(tmp_path))
    monkeypatch.setattr(notes, "KERNEL_TIMEOUT_S", 25)  # long enough for a real brief on a busy machine
    out = tmp_path / "out"
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = {r.id: r for r in notes.run_notes(_config(tmp_path, ["meurt", "lent", "bonne"]), out,
                                                    executor=pool, say=lambda _m: None)}
    assert results["bonne"].ok and set(p.name for p in (out / "bonne").iterdir()) == FILES
    assert not results["meurt"].ok and "noyau" in results["meurt"].message
    assert not results["lent"].ok and "délai dépassé" in results["lent"].message
    assert not (out / "meurt").exists() and not (out / "lent").exists()
    assert sorted(p.name for p in out.iterdir()) == ["bonne", "index.html"]


def test_two_runs_give_identical_summaries_and_html_and_rerun_is_safe(tmp_path):
    config = _config(tmp_path, ["amie"])
    first = tmp_path / "premier"
    notes.run_notes(config, first, jobs=1, say=lambda _m: None)
    second = tmp_path / "second"
    notes.run_notes(config, second, jobs=1, say=lambda _m: None)
    for name in ("resume.json", "note.html"):
        assert (first / "amie" / name).read_bytes() == (second / "amie" / name).read_bytes(), name
    before = json.loads((first / "amie" / "run.json").read_text(encoding="utf-8"))["genere_le"]
    notes.run_notes(config, first, jobs=1, say=lambda _m: None)  # re-run over an existing brief
    after = json.loads((first / "amie" / "run.json").read_text(encoding="utf-8"))
    assert set(p.name for p in (first / "amie").iterdir()) == FILES and after["genere_le"] >= before
    assert not [p for p in first.iterdir() if p.name.startswith(".")]


def test_interrupted_run_leaves_no_half_written_brief(tmp_path):
    config = _config(tmp_path, [f"n{i}" for i in range(6)])
    out = tmp_path / "out"
    proc = subprocess.Popen([str(Path(sys.executable).parent / "iae-impact"), "notes", "--config", str(config),
                             "--out", str(out), "--jobs", "2"], cwd=PROJECT_ROOT, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ})
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (out.exists() and any(out.glob(".n*.tmp-*/note.ipynb"))):
        time.sleep(0.2)
    time.sleep(1.0)
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C does: the whole process group
    try:
        proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    err = proc.stderr.read().decode("utf-8", "replace")
    assert proc.returncode != 0, err
    # Kernels interrupted with the group may print zmq noise; our own code must not crash.
    assert "/iae_impact/" not in err, err
    leftovers = [p.name for p in out.iterdir() if p.name.startswith(".")]
    assert leftovers == [], leftovers
    for folder in (p for p in out.iterdir() if p.is_dir()):
        assert set(p.name for p in folder.iterdir()) == FILES, folder.name  # complete, or absent
    shutil.rmtree(out)
