"""The pseudonymisation key: strong enough, readable by its owner only, a regular file, created once and
atomically even when several processes need it at the same moment (issue 12, items 9 and 11)."""

from __future__ import annotations

import multiprocessing
import os
import stat

import pytest

from iae_impact.cli import main
from iae_impact.data import pseudonym

from .conftest import PARCOURS_HEADER, TEST_KEY, write_csv


@pytest.fixture
def key_file(monkeypatch, tmp_path):
    """No key in the environment: the key file ``tmp_path/cles/cle`` is used (and created)."""
    monkeypatch.delenv(pseudonym.ENV_KEY, raising=False)
    path = tmp_path / "cles" / "cle"
    monkeypatch.setenv(pseudonym.ENV_KEY_FILE, str(path))
    return path


def test_the_test_key_itself_is_strong_enough():
    assert pseudonym.checked_key(TEST_KEY, "de test") == TEST_KEY.encode()


@pytest.mark.parametrize("weak", ["a", "0123456789abcdef", "a" * 64, "ab" * 32, "secret" * 6])
def test_a_weak_key_in_the_environment_is_refused(monkeypatch, weak):
    monkeypatch.setenv(pseudonym.ENV_KEY, weak)
    with pytest.raises(pseudonym.KeyError_, match="trop faible : il faut au moins 32 caractères, dont 10"):
        pseudonym.load_key()


def test_the_cli_refuses_a_weak_key_in_french_with_exit_2(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv(pseudonym.ENV_KEY, "a")
    write_csv(tmp_path / "in", "parcours.csv", [PARCOURS_HEADER, "P1;A1;Asso;Narbonne;ACI;01/02/2023;;;100"])
    assert main(["indicateurs", str(tmp_path / "in"), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "IAE_IMPACT_CLE est trop faible" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_a_created_key_is_strong_and_private(key_file):
    key = pseudonym.load_key()
    assert len(key) == 64 and pseudonym.load_key() == key
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert [p.name for p in key_file.parent.iterdir()] == ["cle"]  # no temporary file left behind


def test_a_short_key_file_is_refused(key_file):
    key_file.parent.mkdir()
    key_file.write_text("trop-courte\n")
    key_file.chmod(0o600)
    with pytest.raises(pseudonym.KeyError_, match="trop faible"):
        pseudonym.load_key()


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_a_key_file_others_can_read_is_refused_with_the_fix(key_file, mode):
    key_file.parent.mkdir()
    key_file.write_text("0123456789abcdef" * 4 + "\n")
    key_file.chmod(mode)
    with pytest.raises(pseudonym.KeyError_, match="lisible par d'autres") as err:
        pseudonym.load_key()
    assert f"chmod 600 {key_file}" in str(err.value)
    key_file.chmod(0o600)
    assert pseudonym.load_key() == b"0123456789abcdef" * 4


def test_a_key_path_that_is_a_folder_is_a_french_error_with_exit_2(key_file, tmp_path, capsys):
    key_file.mkdir(parents=True)
    with pytest.raises(pseudonym.KeyError_, match="est un dossier"):
        pseudonym.load_key()
    write_csv(tmp_path / "in", "parcours.csv", [PARCOURS_HEADER, "P1;A1;Asso;Narbonne;ACI;01/02/2023;;;100"])
    assert main(["indicateurs", str(tmp_path / "in"), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "est un dossier" in err and "Traceback" not in err


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_a_device_as_key_file_is_refused_without_reading_it(monkeypatch):
    monkeypatch.delenv(pseudonym.ENV_KEY, raising=False)
    monkeypatch.setenv(pseudonym.ENV_KEY_FILE, "/dev/zero")
    with pytest.raises(pseudonym.KeyError_, match="fichier spécial"):
        pseudonym.load_key()


def test_a_key_file_that_is_not_text_is_a_french_error(key_file):
    key_file.parent.mkdir()
    key_file.write_bytes("clé-très-secrète-0123456789abcdef0123456789".encode())
    key_file.chmod(0o600)
    with pytest.raises(pseudonym.KeyError_, match="caractères non ASCII"):
        pseudonym.load_key()


def _create_keys(folders: list[str], barrier, queue) -> None:
    """One process: for each folder, wait for the others, then read (and maybe create) the key there."""
    os.environ.pop(pseudonym.ENV_KEY, None)
    for folder in folders:
        os.environ[pseudonym.ENV_KEY_FILE] = os.path.join(folder, "cle")
        barrier.wait()
        try:
            queue.put((folder, pseudonym.load_key().decode()))
        except Exception as exc:  # noqa: BLE001 - reported to the test
            queue.put((folder, f"{type(exc).__name__}: {exc}"))


@pytest.mark.slow
def test_processes_creating_the_key_at_once_all_get_the_same_valid_key(tmp_path):
    """Four processes, thirty fresh key files each created by all of them at the same moment: before, 170 of
    1,200 attempts ended in FileExistsError and 28 in « clé trop courte »."""
    processes, rounds = 4, 30
    folders = [str(tmp_path / f"r{i}" / "config") for i in range(rounds)]
    context = multiprocessing.get_context("spawn")
    barrier, queue = context.Barrier(processes), context.Queue()
    workers = [context.Process(target=_create_keys, args=(folders, barrier, queue)) for _ in range(processes)]
    for worker in workers:
        worker.start()
    results = [queue.get(timeout=120) for _ in range(processes * rounds)]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    keys: dict[str, set[str]] = {}
    for folder, key in results:
        keys.setdefault(folder, set()).add(key)
    assert set(keys) == set(folders)
    for folder, found in keys.items():
        assert len(found) == 1, found
        [key] = found
        assert len(key) == 64 and int(key, 16) >= 0, key
        assert open(os.path.join(folder, "cle")).read().strip() == key
        assert os.listdir(folder) == ["cle"]
