"""Publication into --out, without a notebook: each brief swapped in at once and marked, leftovers of
killed runs cleaned (an old version restored when its new one never arrived), a full disk or another
filesystem handled, a Ctrl-C never splitting a swap, one lock per folder."""

from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from iae_impact.base.outputs import EspaceDisqueInsuffisant, published_mode
from iae_impact.run import publish
from iae_impact.run.publish import LOCK, MARKER, OutputFolder, interrupt_deferred


def _built(root: Path, text: str) -> Path:
    folder = root / "travail" / "notes" / "amie"
    folder.mkdir(parents=True)
    os.chmod(folder, 0o700)  # as in the private work area
    (folder / "note.html").write_text(text, encoding="utf-8")
    os.chmod(folder / "note.html", 0o600)
    (folder / "resume.json").write_text("{}", encoding="utf-8")
    return folder


def test_a_brief_is_swapped_in_marked_and_given_the_published_modes(tmp_path):
    out = OutputFolder(tmp_path / "out")
    with out.claimed(["amie"]):
        out.publish(_built(tmp_path / "1", "v1"), "amie")
        out.publish(_built(tmp_path / "2", "v2"), "amie")
    final = tmp_path / "out" / "amie"
    assert (final / "note.html").read_text(encoding="utf-8") == "v2"
    assert sorted(p.name for p in final.iterdir()) == [MARKER, "note.html", "resume.json"]
    assert sorted(p.name for p in final.parent.iterdir()) == [MARKER, "amie"]  # nothing hidden left, no lock
    assert all(os.stat(p).st_mode & 0o777 == published_mode(p.is_dir()) for p in [final, *final.iterdir()])
    assert publish._foreign_note(final) is None


def test_leftovers_of_a_killed_run_are_removed_and_an_orphaned_old_version_restored(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / MARKER).write_text('{"ecrit_par": "iae-impact notes"}', encoding="utf-8")
    (out / LOCK).write_text("4242\n", encoding="ascii")  # its process died: nobody holds the lock
    (out / ".amie.ancien-4242").mkdir()  # killed between the two renames: « amie » missing
    (out / ".amie.ancien-4242" / "note.html").write_text("ancienne", encoding="utf-8")
    (out / ".bram.ancien-4242").mkdir()  # killed after the second rename: « bram » in place
    (out / "bram").mkdir()
    (out / ".bram.nouveau-4242").mkdir()
    (out / ".calculs-x1y2" / "amie").mkdir(parents=True)
    (out / ".index.html.ab12cd_3").write_text("moitié", encoding="utf-8")
    (out / ".git").mkdir()  # not ours: kept
    with OutputFolder(out).claimed([]):
        pass
    assert (out / "amie" / "note.html").read_text(encoding="utf-8") == "ancienne"
    assert sorted(p.name for p in out.iterdir()) == [".git", MARKER, "amie", "bram"]


def test_another_filesystem_is_copied_and_a_full_disk_leaves_the_old_version(tmp_path, monkeypatch):
    out = OutputFolder(tmp_path / "out")
    real_rename = os.rename

    def other_filesystem(source, target):
        if "travail" in str(source):
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        return real_rename(source, target)

    monkeypatch.setattr(publish.os, "rename", other_filesystem)
    with out.claimed(["amie"]):
        first = _built(tmp_path / "1", "v1")
        out.publish(first, "amie")
        assert not first.exists()

        def full_disk(source, target, **_kw):
            Path(target).mkdir()
            (Path(target) / "note.html").write_text("moi")
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(publish.shutil, "copytree", full_disk)
        with pytest.raises(EspaceDisqueInsuffisant, match="espace disque insuffisant.*disque plein"):
            out.publish(_built(tmp_path / "2", "v2"), "amie")
    assert (tmp_path / "out" / "amie" / "note.html").read_text(encoding="utf-8") == "v1"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [MARKER, "amie"]


def test_ctrl_c_during_a_swap_is_held_until_it_ends(tmp_path):
    done = []
    with pytest.raises(KeyboardInterrupt), interrupt_deferred():
        os.kill(os.getpid(), signal.SIGINT)
        done.append("swap finished")
    assert done == ["swap finished"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


@pytest.mark.slow
def test_the_lock_names_the_run_holding_it(tmp_path):
    out = tmp_path / "out"
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time\nfrom pathlib import Path\n"
                               "from iae_impact.run.publish import OutputFolder\n"
                               f"with OutputFolder(Path({str(out)!r})).claimed([]):\n"
                               "    print('pris', flush=True)\n    time.sleep(60)"],
                              stdout=subprocess.PIPE, text=True, env={**os.environ})
    try:
        assert holder.stdout.readline().strip() == "pris"
        with pytest.raises(ValueError, match=f"processus {holder.pid}\\) écrit déjà dans {out}"):
            OutputFolder(out).claimed([]).__enter__()
    finally:
        holder.kill()
        holder.wait()
    with OutputFolder(out).claimed([]):  # released by the system when its holder died
        assert (out / LOCK).read_text().strip() == str(os.getpid())
    assert not (out / LOCK).exists()
    shutil.rmtree(out)


def test_nested_holds_release_ctrl_c_once_at_the_outermost_end():
    done = []
    with pytest.raises(KeyboardInterrupt), interrupt_deferred():
        with interrupt_deferred():
            os.kill(os.getpid(), signal.SIGINT)
            done.append("swap")
        done.append("reported")
    assert done == ["swap", "reported"]
