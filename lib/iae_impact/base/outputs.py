"""Atomic writing of outputs: a failed run leaves no half-written file.

Permissions (one policy, README « Données personnelles ») : a file or folder published here gets the
mode any file its user creates gets (``0o666`` / ``0o777`` less the umask: 0644 / 0755 with the usual
umask 022), whatever the temporary file it was built in; working data are kept elsewhere, private
(``run/workarea.py``). A full disk (or quota) becomes :class:`EspaceDisqueInsuffisant`, in French.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

#: errno values of a full disk or an exhausted quota.
DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
#: How Arrow (parquet) words the same error when it gives no errno.
_DISK_FULL_TEXT = re.compile(r"No space left on device|Disk quota exceeded", re.IGNORECASE)


class EspaceDisqueInsuffisant(ValueError):
    """An output could not be written: the disk is full or the quota reached (message in French)."""


def is_disk_full(exc: BaseException) -> bool:
    """True for an ``OSError`` saying the disk is full or the quota reached."""
    return isinstance(exc, OSError) and (exc.errno in DISK_FULL_ERRNOS or bool(_DISK_FULL_TEXT.search(str(exc))))


def disk_full_message(target: str | os.PathLike[str], exc: OSError | None = None) -> str:
    """The French sentence for a full disk while writing ``target``."""
    cause = "quota de disque atteint" if exc is not None and exc.errno == errno.EDQUOT else "disque plein"
    return (f"espace disque insuffisant pour écrire {target} ({cause}) : libérez de la place puis relancez. "
            "Aucun fichier n'a été écrit à moitié.")


@contextmanager
def disk_full_as_error(target: str | os.PathLike[str]) -> Iterator[None]:
    """Turn an ``OSError`` ENOSPC / EDQUOT raised in the block into :class:`EspaceDisqueInsuffisant`."""
    try:
        yield
    except OSError as exc:
        if is_disk_full(exc):
            raise EspaceDisqueInsuffisant(disk_full_message(target, exc)) from None
        raise


def _umask() -> int:
    """The process umask, read without changing it where the system tells it (Linux)."""
    try:
        found = re.search(r"^Umask:\s*([0-7]+)", Path("/proc/self/status").read_text(), re.MULTILINE)
    except OSError:
        found = None
    if found:
        return int(found.group(1), 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def published_mode(directory: bool = False) -> int:
    """Mode of a published file (``0o666``) or folder (``0o777``) less the umask."""
    return (0o777 if directory else 0o666) & ~_umask()


@contextmanager
def atomic_directory(target: Path) -> Iterator[Path]:
    """Yield a temporary directory beside ``target``; on success its files replace those of ``target``."""
    target = Path(target)
    with disk_full_as_error(target):
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
        try:
            yield tmp
            target.mkdir(exist_ok=True)
            for item in sorted(tmp.iterdir()):
                os.replace(item, target / item.name)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


@contextmanager
def atomic_path(path: Path, suffix: str = "", mode: int | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; it replaces ``path`` only if the block succeeds.

    The file gets ``mode``, by default :func:`published_mode` (a temporary file is private).
    """
    path = Path(path)
    with disk_full_as_error(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
        os.close(fd)
        try:
            yield Path(tmp)
            os.chmod(tmp, published_mode() if mode is None else mode)
            os.replace(tmp, path)
        finally:
            Path(tmp).unlink(missing_ok=True)


def write_atomic_text(path: Path, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` through a temporary file in the same directory."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding=encoding, newline="")
    return Path(path)


def write_atomic_bytes(path: Path, data: bytes, mode: int | None = None) -> Path:
    """Write ``data`` to a hidden temporary file beside ``path``, flushed to disk, then rename it over ``path``
    (with ``mode``, by default :func:`published_mode`)."""
    with atomic_path(path, suffix=".tmp", mode=mode) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    return Path(path)


def _json_default(value: object) -> object:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return None if np.isnan(value) else float(value)
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    raise TypeError(f"non sérialisable : {type(value).__name__}")


def write_json(path: Path, data: dict) -> Path:
    """Write a JSON summary (sorted keys, UTF-8, NaN as null) atomically."""
    text = json.dumps(_clean_nans(data), ensure_ascii=False, indent=2, sort_keys=True, default=_json_default)
    return write_atomic_text(path, text + "\n")


def _clean_nans(value: object) -> object:
    if isinstance(value, dict):
        return {k: _clean_nans(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean_nans(v) for v in value]
    if isinstance(value, float) and np.isnan(value):
        return None
    return value


#: A text cell starting with one of these is taken for a formula by a spreadsheet (OWASP, « CSV injection »).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with every text cell (and header) that a spreadsheet would run as a formula prefixed by a single
    quote (``=HYPERLINK(…)`` -> ``'=HYPERLINK(…)``), as spreadsheet-safe exporters do. Numbers are not text:
    they stay as they are, negative ones included."""
    def safe(value: object) -> object:
        return "'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value

    out = df.copy(deep=False)
    for i in range(out.shape[1]):  # by position: two columns may share a name
        values = out.iloc[:, i]
        if values.dtype == object or isinstance(values.dtype, pd.CategoricalDtype | pd.StringDtype):
            out.isetitem(i, values.astype(object).map(safe))
    out.columns = [safe(c) for c in out.columns]
    return out


def write_table(df: pd.DataFrame, directory: Path, stem: str) -> list[Path]:
    """Write ``stem.parquet``, ``stem.csv`` (comma, point) and ``stem_fr.csv`` (semicolon, decimal comma).

    The parquet file keeps the values as they are; in both CSV files, meant to be opened in a spreadsheet,
    a text starting with ``= + - @``, a tab or a carriage return is prefixed by a single quote
    (:func:`spreadsheet_safe`), and lines end with CRLF."""
    directory = Path(directory)
    paths = [directory / f"{stem}.parquet", directory / f"{stem}.csv", directory / f"{stem}_fr.csv"]
    df.to_parquet(paths[0], index=False)
    safe = spreadsheet_safe(df)
    # lines end with CRLF (RFC 4180, as Excel writes them): a cell holding a carriage return is then quoted,
    # instead of ending the row for the spreadsheet that opens the file
    safe.to_csv(paths[1], index=False, lineterminator="\r\n")
    safe.to_csv(paths[2], index=False, sep=";", decimal=",", encoding="utf-8-sig", lineterminator="\r\n")
    return paths
