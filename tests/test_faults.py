"""Faults: a brief whose kernel dies or times out is reported and the others finish; an interrupted
run stops within seconds and leaves no half-written brief; a run killed outright leaves no working
data under --out and the next run cleans up; two runs on one --out do not race; re-running is safe;
two runs give the same summaries and HTML."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from iae_impact.base.paths import DEMO_DIR, PROJECT_ROOT
from iae_impact.cli import main
from iae_impact.run import batch as notes
from iae_impact.run import runner
from iae_impact.run.publish import LOCK, MARKER
from iae_impact.run.workarea import ENV_WORK_AREA
from tests.traps import brief_with_trap

pytestmark = pytest.mark.slow  # kernels killed, interrupted and rerun

NOTE = {"annee": 2024, "structure": "AMIE (fictif)", "destinataire": {"qualite": "Député"}, "demandes": ["x"]}
FILES = {MARKER, "note.html", "note.ipynb", "note.pdf", "resume.json", "run.json"}


def _config(tmp_path: Path, ids: list[str], name: str = "notes.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump({"donnees": str(DEMO_DIR), "notes": [{"id": i, **NOTE} for i in ids]},
                                   allow_unicode=True), encoding="utf-8")
    return path


def _sabotaged_notebooks(tmp_path: Path) -> Path:
    """The real brief notebook with one cell that kills the kernel or sleeps, depending on the note id."""
    return brief_with_trap(tmp_path, "import os, time\nif id_note == 'meurt':\n    os.kill(os.getpid(), 9)\n"
                                     "if id_note == 'lent':\n    time.sleep(120)")


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
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "bonne", "index.html"]


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
    assert [p.name for p in first.iterdir() if p.name.startswith(".")] == [MARKER]


def _start(config: Path, out: Path, work: Path) -> subprocess.Popen:
    """``iae-impact notes`` in its own process group, as a terminal runs it."""
    return subprocess.Popen([str(Path(sys.executable).parent / "iae-impact"), "notes", "--config", str(config),
                             "--out", str(out), "--jobs", "2"], cwd=PROJECT_ROOT, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, ENV_WORK_AREA: str(work)})


def _wait_for_rendering(work: Path, proc: subprocess.Popen) -> None:
    """Until a brief is being executed (papermill writes the notebook as it goes)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if any(work.glob("lot-*/notes/*/note.ipynb")):
            return
        time.sleep(0.2)
    raise AssertionError(f"no brief started: {proc.poll()} {proc.stderr.read().decode() if proc.poll() else ''}")


def _group_members(pgid: int) -> list[int]:
    """Live (not zombie) processes of a process group, from /proc."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(stat.parent.name))
    return members


def _wait_group_gone(pgid: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while _group_members(pgid) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = _group_members(pgid)
    if left:
        os.killpg(pgid, signal.SIGKILL)
    assert not left, f"processes left running after the batch: {left}"


def _hidden(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir() if p.name.startswith("."))


def test_interrupt_stops_within_seconds_and_publishes_nothing_after_it(tmp_path):
    out, work = tmp_path / "out", tmp_path / "travail"
    proc = _start(_config(tmp_path, [f"n{i}" for i in range(6)]), out, work)
    try:
        _wait_for_rendering(work, proc)
        time.sleep(1.0)
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C does: the whole process group
        start = time.monotonic()
        proc.wait(timeout=60)
        stopped_in = time.monotonic() - start
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    err = proc.stderr.read().decode("utf-8", "replace")
    assert proc.returncode == 130 and "Interrompu" in err, err
    assert stopped_in < 10, f"{stopped_in:.1f} s to stop"
    assert "Traceback" not in err, err
    _wait_group_gone(proc.pid)  # workers stopped, with their kernels
    reported = set(re.findall(r"^  (n\d) : [\d.]+ s, \d page", err, flags=re.M))  # published before Ctrl-C
    published = {p.name for p in out.iterdir() if p.is_dir()}
    assert published == reported, (published, reported)
    for name in published:
        assert set(p.name for p in (out / name).iterdir()) == FILES, name  # complete
    assert _hidden(out) == [MARKER] and not (out / "index.html").exists()
    assert list(work.iterdir()) == []  # the run's working folder is gone
    shutil.rmtree(out)


def test_a_run_killed_outright_leaves_no_working_data_in_out_and_the_next_run_cleans_up(tmp_path, monkeypatch):
    out, work = tmp_path / "out", tmp_path / "travail"
    config = _config(tmp_path, [f"n{i}" for i in range(4)])
    proc = _start(config, out, work)
    try:
        _wait_for_rendering(work, proc)
        time.sleep(1.0)
        os.kill(proc.pid, signal.SIGKILL)  # the parent alone, as the out-of-memory killer does
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    _wait_group_gone(proc.pid)  # its workers follow it, and stop their kernels
    assert [n for n in _hidden(out) if n not in (MARKER, LOCK)] == []  # no working data under --out
    assert list(work.glob(f"lot-{proc.pid}-*"))  # left in the private area, for the next run
    (out / ".calculs-k2j3" / "n0").mkdir(parents=True)  # what older versions left behind
    (out / ".calculs-k2j3" / "n0" / "indicateurs.parquet").write_bytes(b"non masque")
    (out / ".n1.tmp-x8q").mkdir()
    monkeypatch.setenv(ENV_WORK_AREA, str(work))
    results = notes.run_notes(config, out, jobs=1, say=lambda _m: None)
    assert all(r.ok for r in results), [r.message for r in results]
    assert _hidden(out) == [MARKER]
    assert list(work.iterdir()) == []


def test_a_second_run_on_the_same_out_is_refused_naming_the_first(tmp_path, monkeypatch, capsys):
    out, work = tmp_path / "out", tmp_path / "travail"
    first = _start(_config(tmp_path, ["a", "b"]), out, work)
    try:
        _wait_for_rendering(work, first)
        monkeypatch.setenv(ENV_WORK_AREA, str(work))
        second = _config(tmp_path, ["c"], name="autre.yaml")
        assert main(["notes", "--config", str(second), "--out", str(out), "--jobs", "1"]) == 2
        err = capsys.readouterr().err
        assert f"une autre exécution d'iae-impact notes (processus {first.pid}) écrit déjà dans {out}" in err
        assert first.wait(timeout=180) == 0, first.stderr.read().decode()
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == ["a", "b"]
    assert _hidden(out) == [MARKER]


def test_a_work_area_on_another_filesystem_still_publishes_each_brief_at_once(tmp_path, monkeypatch):
    shm = Path("/dev/shm")
    if not shm.is_dir() or os.stat(shm).st_dev == os.stat(tmp_path).st_dev:
        pytest.skip("no second filesystem (/dev/shm) here")
    work = Path(tempfile.mkdtemp(prefix="iae-travail-", dir=shm))
    monkeypatch.setenv(ENV_WORK_AREA, str(work))
    out = tmp_path / "out"
    try:
        for _ in range(2):  # the second run replaces the first brief
            results = notes.run_notes(_config(tmp_path, ["amie"]), out, jobs=1, say=lambda _m: None)
            assert [r.ok for r in results] == [True], results
            assert set(p.name for p in (out / "amie").iterdir()) == FILES
            assert _hidden(out) == [MARKER] and list(work.iterdir()) == []
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def test_a_worker_killed_by_lack_of_memory_fails_its_briefs_not_the_batch(tmp_path):
    out, work = tmp_path / "out", tmp_path / "travail"
    proc = _start(_config(tmp_path, [f"n{i}" for i in range(4)]), out, work)
    try:
        _wait_for_rendering(work, proc)
        os.kill(_children(proc.pid)[0], signal.SIGKILL)  # what the out-of-memory killer does to a worker
        proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    err = proc.stderr.read().decode("utf-8", "replace")
    assert proc.returncode == 1, err
    assert "le processus qui produisait la note s'est arrêté brutalement" in err and "Traceback" not in err, err
    _wait_group_gone(proc.pid)
    assert _hidden(out) == [MARKER] and list(work.iterdir()) == []
    assert "échec" in (out / "index.html").read_text(encoding="utf-8")
