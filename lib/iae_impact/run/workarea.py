"""The private work area of a batch: where unmasked working data live, never under the publication folder.

Each run works in its own folder ``<area>/lot-<pid>-<random>`` (mode 0700): the contexts of its briefs
(unmasked counts) and each brief while it is built. The folder is removed when the run ends, however
it ends; a run killed outright (SIGKILL, out of memory) leaves it behind, and the next run removes it.

A folder is stale when its process is dead, or when nobody holds the lock its run took (``.verrou``,
a POSIX lock: released by the system when the process dies, not inherited by forked workers), which
also covers a process id reused after a reboot.

The area is ``$IAE_IMPACT_DOSSIER_TRAVAIL`` when set, else ``$XDG_CACHE_HOME/iae-impact/travail``
(``~/.cache/iae-impact/travail``). With a Dask cluster on several machines, it must be on a
filesystem the workers share, like ``--out``.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

ENV_WORK_AREA = "IAE_IMPACT_DOSSIER_TRAVAIL"
RUN_PREFIX = "lot-"
RUN_LOCK = ".verrou"
_RUN_NAME = re.compile(rf"^{RUN_PREFIX}(\d+)-")


def work_area() -> Path:
    """The work area (created private, 0700, when missing); ValueError in French if it cannot be used."""
    configured = os.environ.get(ENV_WORK_AREA)
    if configured:
        root = Path(configured).expanduser()
    else:
        cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache").expanduser()
        root = cache / "iae-impact" / "travail"
    try:
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = os.lstat(root)
    except OSError as exc:
        raise ValueError(f"dossier de travail inutilisable : {root} ({exc.strerror}) ; indiquez-en un autre "
                         f"avec la variable d'environnement {ENV_WORK_AREA}") from None
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        raise ValueError(f"le dossier de travail {root} n'est pas un dossier à vous ; indiquez-en un autre avec "
                         f"la variable d'environnement {ENV_WORK_AREA}")
    return root


@contextmanager
def run_folder() -> Iterator[Path]:
    """This run's private folder, named with its process id; stale folders of earlier runs are removed first."""
    root = work_area()
    remove_stale(root)
    folder = Path(tempfile.mkdtemp(prefix=f"{RUN_PREFIX}{os.getpid()}-", dir=root))  # mode 0700
    lock = os.open(folder / RUN_LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.lockf(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        os.close(lock)


def remove_stale(root: Path) -> list[Path]:
    """Remove the run folders of ``root`` whose run is over; returns them."""
    removed = []
    for folder in sorted(root.iterdir()):
        if _is_stale(folder):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def _is_stale(folder: Path) -> bool:
    found = _RUN_NAME.match(folder.name)
    try:
        info = os.lstat(folder)
    except OSError:  # removed meanwhile by its own run
        return False
    if not found or not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        return False
    pid = int(found.group(1))
    if pid == os.getpid():  # this process's own runs (a POSIX lock cannot tell them apart): alive
        return False
    return not _alive(pid) or _lock_is_free(folder / RUN_LOCK)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _lock_is_free(path: Path) -> bool:
    """True when the lock file exists and nobody holds it (a run between its two first steps has none yet)."""
    try:
        fd = os.open(path, os.O_RDWR)
    except OSError:
        return False
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    else:
        with suppress(OSError):
            fcntl.lockf(fd, fcntl.LOCK_UN)
        return True
    finally:
        os.close(fd)
