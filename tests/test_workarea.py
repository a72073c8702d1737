"""The private work area: one folder per run (0700, named with its pid), removed at the end, and
the folders of runs killed outright removed by the next run — never those of a run still going."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from iae_impact.run.workarea import ENV_WORK_AREA, RUN_LOCK, run_folder, work_area


@pytest.fixture
def area(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "travail"
    monkeypatch.setenv(ENV_WORK_AREA, str(root))
    return root


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_each_run_has_a_private_folder_named_with_its_pid_removed_at_the_end(area):
    with run_folder() as folder:
        assert folder.parent == area and folder.name.startswith(f"lot-{os.getpid()}-")
        assert _mode(area) == 0o700 and _mode(folder) == 0o700
        (folder / "contexte.json").write_text("{}")
    assert not folder.exists()
    with pytest.raises(RuntimeError), run_folder() as folder:
        raise RuntimeError("panne")
    assert list(area.iterdir()) == []


def test_default_area_is_in_the_user_cache(monkeypatch, tmp_path):
    monkeypatch.delenv(ENV_WORK_AREA, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert work_area() == tmp_path / "cache" / "iae-impact" / "travail"


def test_an_area_that_is_a_file_is_refused_in_french(tmp_path, monkeypatch):
    (tmp_path / "fichier").write_text("x")
    monkeypatch.setenv(ENV_WORK_AREA, str(tmp_path / "fichier"))
    with pytest.raises(ValueError, match="dossier de travail inutilisable"):
        work_area()


def _dead_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True)
    return int(done.stdout)


def test_stale_folders_are_removed_by_the_next_run_and_live_ones_kept(area):
    area.mkdir(mode=0o700)
    dead = area / f"lot-{_dead_pid()}-abc"  # a run killed outright: its process is gone
    (dead / "contextes" / "amie").mkdir(parents=True)
    (dead / RUN_LOCK).touch()
    reused = area / f"lot-{os.getppid()}-def"  # a pid alive again (after a reboot) but nobody holds the lock
    reused.mkdir()
    (reused / RUN_LOCK).touch()
    starting = area / f"lot-{os.getppid()}-ghi"  # a live run between its two first steps: no lock file yet
    starting.mkdir()
    foreign = area / "autre-chose"
    foreign.mkdir()
    live = subprocess.Popen([sys.executable, "-c", "from iae_impact.run.workarea import run_folder\n"
                             "import time\nwith run_folder() as f:\n    print(f, flush=True)\n    time.sleep(60)"],
                            stdout=subprocess.PIPE, text=True, env={**os.environ})
    try:
        live_folder = Path(live.stdout.readline().strip())
        assert not dead.exists()  # the live run cleaned it when it started
        with run_folder():
            assert live_folder.exists() and starting.exists() and foreign.exists()
            assert not reused.exists()
        live.send_signal(signal.SIGKILL)  # killed outright: its folder stays…
        live.wait(timeout=10)
        time.sleep(0.1)
        assert live_folder.exists()
        with run_folder():
            assert not live_folder.exists()  # …until the next run
    finally:
        if live.poll() is None:
            live.kill()
