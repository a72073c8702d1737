"""Keyed pseudonymisation of identifiers (HMAC-SHA-256).

The key never lives in the repository: it comes from the environment variable
``IAE_IMPACT_CLE``, or from a file (``IAE_IMPACT_FICHIER_CLE``, by default
``~/.config/iae-impact/cle_pseudonymisation``) created on first use. The same key
gives the same codes, so runs can be compared; without the key the codes cannot
be traced back to the identifiers. Pseudonymised data are still personal data
(CNIL): they stay on the structure's machines.

A key has at least 32 characters, 10 of them different; a key file is a regular file
that only its owner can read (a looser one is refused, with the ``chmod`` that fixes
it); a new key file is written aside and linked to its name, so that processes
creating it at the same moment all read the same, complete key.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from ..base.paths import PROJECT_ROOT
from .raw import os_message

ENV_KEY = "IAE_IMPACT_CLE"
ENV_KEY_FILE = "IAE_IMPACT_FICHIER_CLE"
DEFAULT_KEY_FILE = Path("~/.config/iae-impact/cle_pseudonymisation")
CODE_LENGTH = 16


class KeyError_(RuntimeError):
    """The pseudonymisation key cannot be used (message in French)."""


def key_file() -> Path:
    return Path(os.environ.get(ENV_KEY_FILE) or DEFAULT_KEY_FILE).expanduser().resolve()


#: A key has at least this many characters, and this many different ones (``aaaa…`` is refused). A key
#: created here has 64 hexadecimal digits: 256 random bits.
MIN_KEY_LENGTH, MIN_DISTINCT_CHARACTERS = 32, 10
#: A key file is a line of text: anything larger is not a key file.
MAX_KEY_FILE_BYTES = 4096


def checked_key(text: str, origin: str) -> bytes:
    """The key's bytes when ``text`` is strong enough, else :class:`KeyError_` (``origin``: where it comes
    from, in French)."""
    if len(text) < MIN_KEY_LENGTH or len(set(text)) < MIN_DISTINCT_CHARACTERS:
        raise KeyError_(
            f"La clé de pseudonymisation {origin} est trop faible : il faut au moins {MIN_KEY_LENGTH} caractères, "
            f"dont {MIN_DISTINCT_CHARACTERS} différents (elle en a {len(text)}, dont {len(set(text))} différents). "
            "Créez-en une avec : python -c \"import secrets; print(secrets.token_hex(32))\"")
    return text.encode("utf-8")


def load_key() -> bytes:
    """Return the key, creating the key file (mode 600) on first use.

    From ``IAE_IMPACT_CLE`` when set, else from the key file. A weak key, a key file that others can read
    (group or other permission bits: refused, with the command that fixes it), that is not a regular file,
    or that lies in the repository is refused with :class:`KeyError_`. Creation is atomic: the key is
    written to a temporary file then linked to its name, which never replaces an existing key; processes
    creating it at once all end up with the same key.
    """
    env = os.environ.get(ENV_KEY)
    if env:
        return checked_key(env, f"de la variable {ENV_KEY}")
    path = key_file()
    if path.is_relative_to(PROJECT_ROOT):
        raise KeyError_(
            f"La clé de pseudonymisation ne doit pas être dans le dépôt ({path}). "
            f"Indiquez un fichier hors du projet avec la variable {ENV_KEY_FILE}."
        )
    if not os.path.lexists(path):
        _create_key_file(path)
    text = _read_key_file(path)
    for _ in range(40):  # created without a hard link by another process: its key is being written
        if text:
            break
        time.sleep(0.05)
        text = _read_key_file(path)
    return checked_key(text, f"du fichier {path}")


def _create_key_file(path: Path) -> None:
    """Write a new random key to ``path`` unless a key is already there (atomic, never clobbers)."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".cle-", dir=path.parent)  # mode 600
    except OSError as exc:
        raise KeyError_(f"Impossible de créer la clé de pseudonymisation {path} : {os_message(exc)}. Indiquez un "
                        f"autre fichier avec la variable {ENV_KEY_FILE}.") from None
    try:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(secrets.token_hex(32) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)  # appears complete, and fails if another process created the key first
        except FileExistsError:
            pass  # theirs is kept: every process reads the same key
        except OSError:  # a file system without hard links: exclusive creation, then the key is written
            _create_without_link(path, Path(tmp).read_text(encoding="ascii"))
    finally:
        Path(tmp).unlink(missing_ok=True)


def _create_without_link(path: Path, key: str) -> None:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key)


def _read_key_file(path: Path) -> str:
    """The key written in ``path``, read without following it anywhere it should not go (a folder, a pipe,
    a device) and only if nobody else can read it."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise KeyError_(f"Lecture impossible de la clé de pseudonymisation {path} : {os_message(exc)}.") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        kind = "un dossier" if stat.S_ISDIR(info.st_mode) else "un fichier spécial (tube, périphérique…)"
        raise KeyError_(f"Le fichier de clé {path} est {kind}, pas un fichier texte. Indiquez un fichier "
                        f"avec la variable {ENV_KEY_FILE}.")
    with os.fdopen(fd, "rb") as fh:
        if os.name == "posix" and info.st_mode & 0o077:
            raise KeyError_(f"Le fichier de clé {path} est lisible par d'autres utilisateurs (droits "
                            f"{stat.S_IMODE(info.st_mode):o}) : la clé a pu être lue. Restreignez ses droits avec "
                            f"« chmod 600 {path} » (ou, si d'autres y ont eu accès, supprimez-le : une nouvelle "
                            "clé sera créée, et les codes changeront).")
        data = fh.read(MAX_KEY_FILE_BYTES + 1)
    if len(data) > MAX_KEY_FILE_BYTES:
        raise KeyError_(f"Le fichier de clé {path} est trop grand pour être une clé ({MAX_KEY_FILE_BYTES} octets "
                        "au plus).")
    try:
        return data.decode("ascii").strip()
    except UnicodeDecodeError:
        raise KeyError_(f"Le fichier de clé {path} contient des caractères non ASCII : ce n'est pas une clé "
                        "créée par iae-impact.") from None


#: From this many values on, a helper process hashes half of them (two cores: about half the time).
PARALLEL_FROM = 100_000
#: The helper: reads the key and the texts on stdin, writes the first 8 bytes of each HMAC on stdout.
#: Standard library only (started with -I -S: no site-packages, a few milliseconds).
_HELPER = """
import hashlib, hmac, sys
data = sys.stdin.buffer.read()
size = int.from_bytes(data[:4], "big")
key, data = data[4:4 + size], data[4 + size:]
new = hmac.new(key, digestmod=hashlib.sha256).copy
while data:  # one or more lists: 8-byte length, then the texts separated by line breaks
    size = int.from_bytes(data[:8], "big")
    texts, data = data[8:8 + size], data[8 + size:]
    out = []
    keep = out.append
    for text in texts.split(b"\\n"):
        h = new()
        h.update(text)
        keep(h.digest()[:8])
    sys.stdout.buffer.write(b"".join(out))
"""


def _helper_input(key: bytes, lists: list) -> bytes | None:
    """What the helper reads: the key, then each list of texts; None if a text holds a line break."""
    parts = [len(key).to_bytes(4, "big"), key]
    for texts in lists:
        blob = "\n".join(texts).encode("utf-8")
        if blob.count(b"\n") != len(texts) - 1:
            return None
        parts += [len(blob).to_bytes(8, "big"), blob]
    return b"".join(parts)


def _start_helper(data: bytes) -> subprocess.Popen | None:
    try:
        helper = subprocess.Popen([sys.executable, "-I", "-S", "-c", _HELPER], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        helper.stdin.write(data)  # the helper reads everything before it writes anything: no deadlock
        helper.stdin.close()
    except OSError:
        return None
    return helper


def _digests(texts, key: bytes) -> bytes:
    """The first 8 bytes of HMAC-SHA-256(key, text) of each text, concatenated (standard :mod:`hmac`: the
    keyed state is built once and copied for each text)."""
    new = hmac.new(key, digestmod=hashlib.sha256).copy
    digests = []
    keep = digests.append
    for text in texts:
        h = new()
        h.update(text.encode("utf-8"))
        keep(h.digest()[:8])
    return b"".join(digests)


def _parallel_digests(texts: list | np.ndarray, key: bytes) -> bytes:
    """:func:`_digests` with the second half of the texts hashed by a helper process at the same time."""
    half = len(texts) // 2
    data = _helper_input(key, [texts[half:]])
    helper = _start_helper(data) if data is not None else None
    if helper is None:
        return _digests(texts, key)
    first = _digests(texts[:half], key)
    rest = helper.stdout.read()
    helper.stdout.close()
    if helper.wait() != 0 or len(rest) != 8 * (len(texts) - half):
        return first + _digests(texts[half:], key)  # the helper failed: finish here
    return first + rest


class PendingCodes:
    """HMAC codes of a list of texts, computed by a helper process while the caller does other work.

    Started by :func:`start_codes` as soon as the identifiers are known; :meth:`codes` gives the same
    result as :func:`hmac_codes`; :meth:`cancel` stops the helper (the data were rejected).
    """

    def __init__(self, texts, prefix: str, key: bytes, batch: _Batch, start: int):
        self.texts, self.prefix, self._key, self._batch, self._start = texts, prefix, key, batch, start

    def codes(self, distinct: list | None = None) -> np.ndarray:
        raw = self._batch.output()
        n = len(self.texts)
        chunk = raw[8 * self._start: 8 * (self._start + n)] if raw is not None else b""
        if len(chunk) != 8 * n:
            chunk = _digests(self.texts, self._key)  # the helper failed: compute here
        return _hex_codes(chunk, n, self.prefix, distinct)

    def cancel(self) -> None:
        self._batch.cancel()


class _Batch:
    """One helper process for several lists (one core for the hashing, the caller keeps the other)."""

    def __init__(self, helper: subprocess.Popen):
        self._helper, self._output = helper, None

    def output(self) -> bytes | None:
        if self._output is None and self._helper is not None:
            self._output = self._helper.stdout.read()
            self._helper.stdout.close()
            if self._helper.wait() != 0:
                self._output = b""
            self._helper = None
        return self._output

    def cancel(self) -> None:
        if self._helper is not None:
            self._helper.kill()
            self._helper.wait()
            self._helper.stdout.close()
            self._helper = None


def start_codes(lists: list, key: bytes, prefixes: list[str]) -> list[PendingCodes] | None:
    """Start hashing several lists of texts (str) in one helper process; None when not worth it."""
    if sum(len(texts) for texts in lists) < PARALLEL_FROM or (os.cpu_count() or 1) < 2:
        return None
    data = _helper_input(key, lists)
    helper = _start_helper(data) if data is not None else None
    if helper is None:
        return None
    batch, pending, start = _Batch(helper), [], 0
    for texts, prefix in zip(lists, prefixes, strict=True):
        pending.append(PendingCodes(texts, prefix, key, batch, start))
        start += len(texts)
    return pending


def existing_key() -> bytes | None:
    """The key when it already exists and is valid (nothing is created, nothing is raised), else None."""
    try:
        if not os.environ.get(ENV_KEY) and not key_file().exists():
            return None
        return load_key()
    except (KeyError_, OSError, UnicodeDecodeError):
        return None


def hmac_codes(texts, key: bytes, prefix: str = "", distinct: list | None = None) -> np.ndarray:
    """``prefix`` + the first 16 hex digits of HMAC-SHA-256(key, text) for each text (object array of str).

    Same codes as ``hmac.new(key, text.encode(), hashlib.sha256).hexdigest()[:16]`` (half of them computed
    by a helper process beyond :data:`PARALLEL_FROM` texts), turned into hex in one vectorised step. When ``distinct`` is a list, True or False is appended to it:
    whether the codes are all different.
    """
    n = len(texts)
    if n == 0:
        if distinct is not None:
            distinct.append(True)
        return np.empty(0, dtype=object)
    parallel = n >= PARALLEL_FROM and (os.cpu_count() or 1) > 1
    raw = _parallel_digests(texts, key) if parallel else _digests(texts, key)
    return _hex_codes(raw, n, prefix, distinct)


def _hex_codes(digests: bytes, n: int, prefix: str, distinct: list | None) -> np.ndarray:
    """``prefix`` + 16 hex digits from the 8-byte digests (vectorised), as an object array of str."""
    raw = np.frombuffer(digests, dtype=np.uint8).reshape(n, CODE_LENGTH // 2)
    if distinct is not None:  # 64-bit codes: compare them as integers
        ordered = np.sort(raw.view(np.uint64).ravel())
        distinct.append(bool(np.all(ordered[1:] != ordered[:-1])))
    head = prefix.encode("utf-8")
    out = np.empty((n, len(head) + CODE_LENGTH), dtype=np.uint8)
    out[:, : len(head)] = np.frombuffer(head, dtype=np.uint8)
    out[:, len(head)::2] = _HEX[raw >> 4]
    out[:, len(head) + 1::2] = _HEX[raw & 15]
    text = out.view(f"S{out.shape[1]}").ravel()
    if not prefix.isascii():
        return np.array([t.decode("utf-8") for t in text], dtype=object)
    return text.astype(f"U{out.shape[1]}").astype(object)


_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def categorical_from_codes(codes: np.ndarray, categories, unique: bool = False) -> pd.Categorical:
    """``pd.Categorical.from_codes``; ``unique=True`` when the categories are known to be distinct, which
    spares pandas a hash of every category (a million identifiers) to check it again."""
    index = pd.Index(categories, dtype=object)
    if unique:
        try:
            index._cache["is_unique"] = True  # pandas caches this property here; without it, it is computed
        except AttributeError:
            pass
    return pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(index, ordered=False), validate=not unique)


def _as_texts(values: pd.Index | np.ndarray) -> np.ndarray | list:
    values = pd.Index(values)
    return values.to_numpy(dtype=object) if values.inferred_type == "string" else [str(v) for v in values]


def pseudonymise(values: pd.Series, key: bytes, prefix: str = "", pending: PendingCodes | None = None) -> pd.Series:
    """Replace each identifier by ``prefix`` + the first 16 hex digits of HMAC-SHA-256(key, identifier).

    Each distinct value is hashed once. Missing values stay missing (``pd.NA``). An object column
    gives an object column; a categorical column gives a categorical column whose categories are the
    codes (the row codes are untouched: no per-row work on large frames). ``pending``: the codes of the
    categories, started earlier with :func:`start_codes` (used only when started on the very same texts).
    """
    if pending is not None and not (isinstance(values.dtype, pd.CategoricalDtype) and pending.prefix == prefix
                                    and pending.texts is values.cat.categories):
        pending.cancel()
        pending = None
    if isinstance(values.dtype, pd.CategoricalDtype):
        distinct: list[bool] = []
        texts = _as_texts(values.cat.categories)
        codes = pending.codes(distinct) if pending is not None else hmac_codes(texts, key, prefix, distinct)
        if distinct[0]:
            return pd.Series(categorical_from_codes(values.cat.codes.to_numpy(), codes, unique=True),
                             index=values.index, name=values.name)
        values = values.astype(object)  # two identifiers with the same code (2^-64 odds): keep rows as text
    codes, uniques = pd.factorize(values.astype(object), use_na_sentinel=True)
    mapped = hmac_codes(_as_texts(uniques), key, prefix)
    out = np.empty(len(values), dtype=object)
    present = codes >= 0
    out[present] = mapped[codes[present]]
    out[~present] = pd.NA
    return pd.Series(out, index=values.index, name=values.name, dtype=object)
