"""A full disk while writing an output: a French message, exit 2, nothing half-written — simulated at
the lowest write, and on a real 32 KB tmpfs where the machine allows mounting one (root)."""

from __future__ import annotations

import builtins
import errno
import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from iae_impact.base.outputs import EspaceDisqueInsuffisant, write_json
from iae_impact.cli import main
from iae_impact.report.export import write_index

from .conftest import PARCOURS_HEADER, write_csv

GOOD = ["A;p1;Asso;Narbonne;ACI;01/01/2023;30/06/2024;Embauche en CDI non aidé;900",
        "B;p2;Asso;Bram;ACI;01/03/2024;;;300"]
ENTRIES = [{"id": "amie-2024", "titre": "AMIE", "perimetre": "AMIE (fictif)", "annee": 2024,
            "destinataire": "Député", "statut": "ok", "message": ""}]


@pytest.fixture
def full_disk_under(monkeypatch):
    """Every file opened for writing under the given folder fails as on a full disk."""
    real_open = builtins.open

    def arm(folder: Path) -> None:
        def open_on_full_disk(file, mode="r", *args, **kwargs):
            if any(m in mode for m in "wax+") and str(file).startswith(str(folder)):
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(file))
            return real_open(file, mode, *args, **kwargs)

        monkeypatch.setattr(builtins, "open", open_on_full_disk)
        monkeypatch.setattr(io, "open", open_on_full_disk)  # what pathlib calls

    return arm


@pytest.fixture
def tiny_disk(tmp_path):
    """A real 32 KB filesystem (tmpfs), or skip where mounting is not allowed."""
    mount = tmp_path / "petit-disque"
    mount.mkdir()
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("monter un tmpfs demande les droits root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=32k", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"tmpfs impossible à monter ici : {done.stderr.decode(errors='replace').strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _assert_full_disk_report(code: int, err: str) -> None:
    assert code == 2, err
    assert "espace disque insuffisant pour écrire" in err and "libérez de la place" in err
    assert "Traceback" not in err and "No space left" not in err


def test_indicateurs_on_a_full_disk(tmp_path, capsys, full_disk_under):
    write_csv(tmp_path / "in", "parcours.csv", [PARCOURS_HEADER, *GOOD])
    out = tmp_path / "sorties" / "out"
    full_disk_under(tmp_path / "sorties")
    _assert_full_disk_report(main(["indicateurs", str(tmp_path / "in"), "--out", str(out)]), capsys.readouterr().err)
    assert not out.exists() and list((tmp_path / "sorties").iterdir()) == []


def test_indicateurs_on_a_real_full_disk(tmp_path, capsys, tiny_disk):
    write_csv(tmp_path / "in", "parcours.csv", [PARCOURS_HEADER, *GOOD])
    out = tiny_disk / "out"
    _assert_full_disk_report(main(["indicateurs", str(tmp_path / "in"), "--out", str(out)]), capsys.readouterr().err)
    assert list(tiny_disk.iterdir()) == []


def test_index_on_a_full_disk_keeps_the_previous_one(tmp_path, full_disk_under):
    write_index(tmp_path, ENTRIES)
    before = (tmp_path / "index.html").read_bytes()
    full_disk_under(tmp_path)
    with pytest.raises(EspaceDisqueInsuffisant, match=r"index\.html \(disque plein\)"):
        write_index(tmp_path, [{**ENTRIES[0], "statut": "échec", "message": "x"}])
    assert (tmp_path / "index.html").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.html"]


def test_index_on_a_real_full_disk(tiny_disk):
    with open(tiny_disk / "remplissage", "wb", buffering=0) as fh:  # fill the disk
        try:
            while True:
                fh.write(b"\0" * 4096)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    with pytest.raises(EspaceDisqueInsuffisant, match="disque plein"):
        write_index(tiny_disk, ENTRIES)
    assert sorted(p.name for p in tiny_disk.iterdir()) == ["remplissage"]


def test_quota_is_named_as_such(tmp_path, monkeypatch):
    def over_quota(*_args, **_kwargs):
        raise OSError(errno.EDQUOT, os.strerror(errno.EDQUOT))

    monkeypatch.setattr(Path, "write_text", over_quota)
    with pytest.raises(EspaceDisqueInsuffisant, match="quota de disque atteint"):
        write_json(tmp_path / "r.json", {"a": 1})
    assert list(tmp_path.iterdir()) == []
