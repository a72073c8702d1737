"""Keyed pseudonymisation of identifiers (HMAC-SHA-256).

The key never lives in the repository: it comes from the environment variable
``IAE_IMPACT_CLE``, or from a file (``IAE_IMPACT_FICHIER_CLE``, by default
``~/.config/iae-impact/cle_pseudonymisation``) created on first use. The same key
gives the same codes, so runs can be compared; without the key the codes cannot
be traced back to the identifiers. Pseudonymised data are still personal data
(CNIL): they stay on the structure's machines.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

import pandas as pd

from .paths import PROJECT_ROOT

ENV_KEY = "IAE_IMPACT_CLE"
ENV_KEY_FILE = "IAE_IMPACT_FICHIER_CLE"
DEFAULT_KEY_FILE = Path("~/.config/iae-impact/cle_pseudonymisation")
CODE_LENGTH = 16


class KeyError_(RuntimeError):
    """The pseudonymisation key cannot be used (message in French)."""


def key_file() -> Path:
    return Path(os.environ.get(ENV_KEY_FILE) or DEFAULT_KEY_FILE).expanduser().resolve()


def load_key() -> bytes:
    """Return the key, creating the key file (mode 600) on first use."""
    env = os.environ.get(ENV_KEY)
    if env:
        return env.encode("utf-8")
    path = key_file()
    if path.is_relative_to(PROJECT_ROOT):
        raise KeyError_(
            f"La clé de pseudonymisation ne doit pas être dans le dépôt ({path}). "
            f"Indiquez un fichier hors du projet avec la variable {ENV_KEY_FILE}."
        )
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(secrets.token_hex(32) + "\n")
    key = path.read_text(encoding="ascii").strip()
    if len(key) < 32:
        raise KeyError_(f"La clé de pseudonymisation du fichier {path} est trop courte (32 caractères au moins).")
    return key.encode("ascii")


def pseudonymise(values: pd.Series, key: bytes, prefix: str = "") -> pd.Series:
    """Replace each identifier by the first 16 hex digits of HMAC-SHA-256(key, identifier); NA stays NA."""

    def code(v: object) -> object:
        if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NA:
            return pd.NA
        digest = hmac.new(key, str(v).encode("utf-8"), hashlib.sha256).hexdigest()
        return prefix + digest[:CODE_LENGTH]

    uniques = pd.unique(values.astype(object))
    mapping = {u: code(u) for u in uniques}
    return values.astype(object).map(mapping).astype(object)
