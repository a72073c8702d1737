"""Limits on the size of an input, checked before any expensive parsing.

A file far larger than any real export (a structure's workbook, a network's CSV, a national parquet
extract of twelve million hour rows) is refused at once with a French message, instead of running
for minutes or exhausting the memory: a workbook that inflates to gigabytes of XML, a CSV of a
million columns. Each limit can be raised with an environment variable (README « Vos données »).
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, fields
from pathlib import Path

from ..base.fr import format_number
from .raw import FichierIllisible, os_message

#: Environment variable of each limit (field of :class:`Limites`).
ENV_VARIABLES = {
    "octets_fichier": "IAE_IMPACT_MAX_OCTETS",
    "octets_classeur": "IAE_IMPACT_MAX_OCTETS_XLSX",
    "taux_compression": "IAE_IMPACT_MAX_COMPRESSION",
    "colonnes": "IAE_IMPACT_MAX_COLONNES",
    "cellules": "IAE_IMPACT_MAX_CELLULES",
}

#: A workbook entry smaller than this is not judged on its compression ratio (tiny XML compresses well).
RATIO_FROM_BYTES = 10_000_000


@dataclass(frozen=True)
class Limites:
    """What one input may hold. Defaults are far above real files: a national parquet extract (12 million
    hour rows, 4 columns: 48 million cells, a few hundred MB) and a network's workbook (some 20 MB of
    sheet XML) pass."""

    octets_fichier: int = 2_000_000_000  # size of one file on disk
    octets_classeur: int = 200_000_000  # uncompressed size of an XLSX workbook (sum of its zip entries)
    taux_compression: int = 100  # uncompressed / compressed size of one large workbook entry (real ones: ~10)
    colonnes: int = 2_000  # columns of one sheet
    cellules: int = 200_000_000  # rows x columns of one sheet

    @classmethod
    def from_env(cls) -> Limites:
        """The defaults, each replaced by its environment variable when set (a positive whole number)."""
        values = {}
        for f in fields(cls):
            text = os.environ.get(ENV_VARIABLES[f.name], "").strip()
            if not text:
                continue
            try:
                value = int(text.replace("_", "").replace(" ", ""))
            except ValueError:
                value = 0
            if value <= 0:
                raise ValueError(f"{ENV_VARIABLES[f.name]} doit être un nombre entier positif (valeur « {text} »).")
            values[f.name] = value
        return cls(**values)

    def check(self, name: str, value: int, what: str) -> None:
        """Raise :class:`FichierIllisible` when ``value`` exceeds the limit ``name`` (``what``: the French
        description of the value, e.g. « colonnes »)."""
        limit = getattr(self, name)
        if value > limit:
            raise FichierIllisible(
                f"fichier trop volumineux : {format_number(value)} {what}, au-delà de la limite de "
                f"{format_number(limit)} ; si le fichier est bien celui attendu, relevez la limite avec la "
                f"variable d'environnement {ENV_VARIABLES[name]} (README, « Vos données »)")


def read_file_bytes(f: Path, limites: Limites) -> bytes:
    """The bytes of a regular file within the size limit. A pipe, a device (``/dev/zero``) or a folder is
    refused before anything is read: it could block or never end. Raises :class:`FichierIllisible`."""
    try:
        fd = os.open(f, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # opening a pipe does not wait for a writer
    except OSError as exc:
        raise FichierIllisible(f"lecture impossible ({os_message(exc)})") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise FichierIllisible("ce n'est pas un fichier ordinaire (tube, périphérique ou autre fichier "
                               "spécial) : il n'est pas lu ; indiquez un fichier CSV, XLSX ou parquet")
    with os.fdopen(fd, "rb") as fh:
        limites.check("octets_fichier", info.st_size, "octets")
        try:
            data = _read_at_most(fh, info.st_size, limites.octets_fichier + 1)
        except OSError as exc:
            raise FichierIllisible(f"lecture impossible ({os_message(exc)})") from None
    limites.check("octets_fichier", len(data), "octets au moins")  # grown while read: the rest is not read
    return data


def _read_at_most(fh, expected: int, most: int) -> bytes:
    """Up to ``most`` bytes of ``fh``, whose size is ``expected``: read at once (a read allocates what it asks
    for, so the limit itself is never asked), then by chunks if the file is longer than it said."""
    data = fh.read(min(expected, most - 1) + 1)
    if len(data) <= expected:
        return data
    chunks, total = [data], len(data)  # grown while read, or a size the system does not tell (/proc)
    while total < most:
        chunk = fh.read(min(1 << 20, most - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)
