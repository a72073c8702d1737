"""The publication folder (``--out``) of a batch: only what iae-impact wrote is ever replaced.

Markers. The folder holds ``.iae-impact`` (written when a run first uses it) and so does each note
folder, with the checksum of every file the run wrote there; ``index.html`` carries
``<meta name="generator" content="iae-impact">``. A note folder is replaced only when its marker lists
every file it holds, unchanged; ``index.html`` only when it carries the tag; a folder that is not
empty is written into only when it has its marker. Otherwise the run refuses before doing anything,
unless ``--remplacer`` (then those note folders and ``index.html`` are replaced, and nothing else).

Lock. A run holds a POSIX lock on ``.iae-impact-verrou`` (which names its process) from before it reads
the data to its last write: a second run on the same folder is refused at once, naming the first. The system
releases the lock of a killed process; the file is removed at the end of a run.

Publication. A brief built in the work area is moved into the folder under a hidden name
(``.<id>.nouveau-<pid>``, copied when the work area is on another filesystem), then swapped with the
old version (``.<id>.ancien-<pid>``, removed right after). A run killed in between leaves those
names: the next run, holding the lock, removes them (restoring an old version whose new one never
arrived), and the hidden working folders of older versions (``.calculs-*``, ``.<id>.tmp-*``).
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import re
import shutil
import signal
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from ..base.outputs import disk_full_as_error, published_mode, write_json
from ..base.version import __version__
from ..report.export import is_generated_page, write_index

MARKER = ".iae-impact"
LOCK = ".iae-impact-verrou"
WRITER = "iae-impact notes"
INDEX = "index.html"
#: Hidden names a run of this version or an older one may leave behind when killed.
_LEFTOVER = re.compile(r"^\.(calculs-.+|.+\.tmp-.+|.+\.(?:nouveau|ancien)-\d+|(?:index\.html|iae-impact)\.[a-z0-9_]+)$")
_ASIDE = re.compile(r"^\.(.+)\.ancien-\d+$")


class OutputFolder:
    """``--out``: what a run may replace there, its lock, and the publication of each brief."""

    def __init__(self, path: Path, remplacer: bool = False) -> None:
        self.path = Path(path)
        self.remplacer = remplacer

    def check(self, note_ids: Iterable[str]) -> list[str]:
        """What this run would replace without iae-impact having written it. Raises ValueError (French)
        unless ``remplacer``; then returns it, to be said."""
        if self.path.exists() and not self.path.is_dir():
            raise ValueError(f"--out {self.path} existe et n'est pas un dossier")
        problems = self._foreign_content(list(note_ids))
        if problems and not self.remplacer:
            raise ValueError(
                f"le dossier de sortie {self.path} contient ce qu'iae-impact n'a pas écrit :\n- "
                + "\n- ".join(problems)
                + "\nRien n'a été écrit. Choisissez un dossier vide ou nouveau, ou relancez avec --remplacer pour "
                "remplacer ces dossiers de notes et index.html (les autres fichiers ne sont jamais touchés).")
        return problems

    def _foreign_content(self, note_ids: list[str]) -> list[str]:
        if not self.path.is_dir():
            return []
        problems = []
        if not (self.path / MARKER).is_file():
            others = sorted(p.name for p in self.path.iterdir() if p.name != LOCK)
            if others:
                problems.append(f"le dossier n'est pas vide et n'a pas été créé par {WRITER} ({_sample(others)})")
        for note_id in note_ids:
            why = _foreign_note(self.path / note_id)
            if why:
                problems.append(f"{note_id}/ : {why}")
        index = self.path / INDEX
        if (index.exists() or index.is_symlink()) and not is_generated_page(index):
            problems.append(f"{INDEX} : page qu'iae-impact n'a pas écrite")
        return problems

    @contextmanager
    def claimed(self, note_ids: Iterable[str]) -> Iterator[OutputFolder]:
        """Hold the folder for a run: created if needed, locked, checked again, leftovers removed, marked."""
        with self.locked():
            self.prepare(note_ids)
            yield self

    @contextmanager
    def locked(self) -> Iterator[OutputFolder]:
        """Only the lock (created if needed), taken before a run's expensive work so that a second run is
        refused at once; nothing else is written. A folder created here and left empty is removed."""
        created = not self.path.exists()
        with disk_full_as_error(self.path):
            self.path.mkdir(parents=True, exist_ok=True)
        try:
            lock = _lock(self.path / LOCK)
        except BaseException:
            if created:
                with suppress(OSError):
                    self.path.rmdir()
            raise
        try:
            yield self
        finally:
            with suppress(OSError):
                os.unlink(self.path / LOCK)
            os.close(lock)
            if created:
                with suppress(OSError):
                    self.path.rmdir()  # only when empty: a run that wrote nothing leaves nothing

    def prepare(self, note_ids: Iterable[str]) -> None:
        """Under the lock, before the first write: checked again, leftovers removed, marked."""
        self.check(note_ids)
        self._remove_leftovers()
        if not (self.path / MARKER).is_file():
            write_json(self.path / MARKER, {"ecrit_par": WRITER, "version": __version__})

    def _remove_leftovers(self) -> None:
        for item in sorted(self.path.iterdir()):
            if not _LEFTOVER.match(item.name):
                continue
            aside = _ASIDE.match(item.name)
            final = self.path / aside.group(1) if aside else None
            if final is not None and not (final.exists() or final.is_symlink()):
                os.replace(item, final)  # the new version never arrived: the old one comes back
            else:
                _remove(item)

    def publish(self, built: Path, note_id: str) -> None:
        """Put the brief built in ``built`` in place of ``<out>/<note_id>`` at once, marked as ours."""
        _seal(built)
        staging = self.path / f".{note_id}.nouveau-{os.getpid()}"
        try:
            _move(built, staging)
            with interrupt_deferred():  # never half-swapped: the old version stays until the new one is in place
                _swap(staging, self.path / note_id)
        except BaseException:
            _remove(staging)
            raise

    def write_index(self, entries: list[dict]) -> Path:
        return write_index(self.path, entries)


def _sample(names: list[str], size: int = 5) -> str:
    shown = ", ".join(names[:size])
    return shown + (f"… ({len(names)} éléments)" if len(names) > size else "")


def _foreign_note(folder: Path) -> str | None:
    """Why ``folder`` is not a brief iae-impact wrote, or None (also when it does not exist)."""
    if not (folder.exists() or folder.is_symlink()):
        return None
    if folder.is_symlink() or not folder.is_dir():
        return "existe et n'est pas un dossier de note"
    marker = _read_json(folder / MARKER)
    if not marker or marker.get("ecrit_par") != WRITER or not isinstance(marker.get("fichiers"), dict):
        return f"dossier qu'iae-impact n'a pas écrit (pas de marqueur {MARKER})"
    listed = marker["fichiers"]
    added = sorted(p.name for p in folder.iterdir() if p.name != MARKER and p.name not in listed)
    if added:
        return "fichier(s) ajouté(s) depuis la publication : " + _sample(added)
    changed = sorted(name for name, digest in listed.items()
                     if (folder / name).exists() and _sha256(folder / name) != digest)
    if changed:
        return "fichier(s) modifié(s) depuis la publication : " + _sample(changed)
    return None


def _read_json(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _sha256(path: Path) -> str | None:
    if not path.is_file() or path.is_symlink():
        return None
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _seal(folder: Path) -> None:
    """Give a built brief the published modes and its marker (the checksum of each of its files)."""
    files = sorted(p for p in folder.iterdir() if p.is_file())
    for path in files:
        os.chmod(path, published_mode())
    write_json(folder / MARKER, {"ecrit_par": WRITER, "version": __version__,
                                 "fichiers": {p.name: _sha256(p) for p in files}})
    os.chmod(folder, published_mode(directory=True))


def _move(source: Path, target: Path) -> None:
    """Rename ``source`` to ``target``; copy it when they are on different filesystems."""
    try:
        os.rename(source, target)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        with disk_full_as_error(target):
            shutil.copytree(source, target)  # copy2: modes kept
        shutil.rmtree(source, ignore_errors=True)


def _swap(staging: Path, final: Path) -> None:
    aside = None
    if final.exists() or final.is_symlink():
        aside = final.with_name(f".{final.name}.ancien-{os.getpid()}")
        os.replace(final, aside)
    os.replace(staging, final)
    if aside is not None:
        _remove(aside)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with suppress(FileNotFoundError):
            path.unlink()


def _lock(path: Path) -> int:
    """Take the folder's lock (a POSIX lock: per process, released when it dies); ValueError if held."""
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, published_mode())
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "inconnu"
            os.close(fd)
            raise ValueError(f"une autre exécution d'iae-impact notes (processus {holder}) écrit déjà dans "
                             f"{path.parent} : attendez qu'elle se termine, ou choisissez un autre --out") from None
        if _same_file(fd, path):
            break
        os.close(fd)  # removed by the run that just ended: take the new file
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
    return fd


def _same_file(fd: int, path: Path) -> bool:
    try:
        on_disk = os.stat(path)
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (held.st_dev, held.st_ino) == (on_disk.st_dev, on_disk.st_ino)


#: Ctrl-C received while an :func:`interrupt_deferred` block runs (None outside one).
_HELD: dict[str, list[int] | None] = {"signals": None}


@contextmanager
def interrupt_deferred() -> Iterator[None]:
    """Hold a Ctrl-C (SIGINT) received in the block until its end, then raise KeyboardInterrupt.

    Nested blocks hold it until the outermost one ends. Only in the main thread (the only one Python
    signal handlers run in); elsewhere, a plain block.
    """
    if threading.current_thread() is not threading.main_thread() or _HELD["signals"] is not None:
        yield
        return
    held: list[int] = []
    _HELD["signals"] = held
    previous = signal.signal(signal.SIGINT, lambda signum, _frame: held.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        _HELD["signals"] = None
    if held:
        if callable(previous):  # the handler in force (e.g. :func:`single_interrupt`'s) acts on it now
            previous(signal.SIGINT, None)
        raise KeyboardInterrupt


@contextmanager
def single_interrupt() -> Iterator[None]:
    """The first Ctrl-C (SIGINT) raises KeyboardInterrupt in the block as usual; any further one, while the
    block cleans up on the way out (workers terminated, work area removed, lock released), is ignored, so
    that the cleanup is never cut short. The previous handler is restored at the end. Only in the main
    thread; elsewhere, a plain block."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def first(_signum, _frame) -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, first)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
