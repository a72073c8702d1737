"""The text layout of an ASP fluxIAE view (FLUXIAE §1.2, §6.A), read as it comes.

A view is ``fluxIAE_<View>_<DDMMYYYY>_<HHMMSS>.csv`` (or ``.csv.gz``): fields separated by ``|`` and
never quoted (a lone ``"`` is data), UTF-8 with or without BOM, an optional first line ``DEB<view>…``,
a header line of column names (verbatim, spaces included: ``af_nb_banques numeric``), the data, and an
optional last line ``FIN<n>`` whose ``n`` is checked against the number of data rows. A raw newline
inside a field (a free-text value) splits a record over two lines: a line with fewer fields than the
header is joined with the next ones until the record is whole.

Only the columns a reader asks for are kept: the others (names, NIR, addresses, telephone numbers,
e-mails, bank details…) are never parsed nor copied, and named once in a warning.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .limits import Limites, read_file_bytes
from .model import Probleme
from .raw import FichierIllisible

#: ``fluxIAE_<View>_<DDMMYYYY>_<HHMMSS>.csv[.gz]``, the names ASP gives its views (FLUXIAE §1.1).
VIEW_NAME = re.compile(r"fluxIAE_(?P<vue>[A-Za-z]+)_(?P<date>\d{8})_(?P<heure>\d{6})\.csv(?P<gz>\.gz)?",
                       re.IGNORECASE)
SEPARATOR = "|"
_TRAILER = re.compile(r"FIN(\d*)\|*")


@dataclass
class View:
    """One view as read: the columns asked for (text, "" = empty), indexed by the line of each record in
    the file, with the columns left unread."""

    fichier: str
    vue: str
    frame: pd.DataFrame
    ignored: list[str] = field(default_factory=list)
    problems: list[Probleme] = field(default_factory=list)


def view_of(name: str) -> str | None:
    """The view a file name holds (``ContratMission``), None when the name is not a fluxIAE view's."""
    found = VIEW_NAME.fullmatch(name)
    return found.group("vue") if found else None


def _bytes(path: Path, limites: Limites) -> bytes:
    """The file's bytes, decompressed when gzipped, within the size limit."""
    data = read_file_bytes(path, limites)
    if not path.name.lower().endswith(".gz"):
        return data
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as fh:
            out = fh.read(limites.octets_fichier + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise FichierIllisible(f"fichier .gz illisible ou tronqué ({type(exc).__name__})") from None
    limites.check("octets_fichier", len(out), "octets une fois décompressé")
    return out


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FichierIllisible(f"encodage invalide à l'octet {exc.start} : une vue fluxIAE est en UTF-8") from None


def _records(lines: list[str], first: int, width: int, fichier: str) -> tuple[list[str], list[int], list[Probleme]]:
    """Data lines made whole records (a raw newline inside a field joins a line with the next ones) and the
    file line of each record's start (``first``: line of the first data line)."""
    counts = np.fromiter((line.count(SEPARATOR) for line in lines), dtype=np.int64, count=len(lines))
    starts = np.arange(first, first + len(lines))
    if (counts == width - 1).all():
        return lines, starts.tolist(), []
    records, where, problems = [], [], []
    i = 0
    while i < len(lines):
        record, separators, start = lines[i], counts[i], starts[i]
        while separators < width - 1 and i + 1 < len(lines):  # the field went on after a newline
            i += 1
            record += " " + lines[i]
            separators += counts[i]
        if separators != width - 1:
            problems.append(Probleme(fichier, None, int(start), None, None,
                                     f"{separators + 1} champs au lieu de {width} (séparateur « | »)"))
        else:
            records.append(record)
            where.append(int(start))
        i += 1
    return records, where, problems


def _trailer(lines: list[str]) -> tuple[list[str], int | None]:
    """``lines`` without a ``FIN<n>`` last line; the announced count ``n`` (None without a trailer)."""
    found = _TRAILER.fullmatch(lines[-1]) if lines else None
    if found is None:
        return lines, None
    return lines[:-1], int(found.group(1)) if found.group(1) else None


def read_view(path: Path, columns: list[str], limites: Limites, required: tuple[str, ...] = ()) -> View:
    """Read one view, keeping ``columns`` (those absent from the file are empty columns; a missing one of
    ``required`` is a problem). Raises :class:`FichierIllisible` when the file cannot be read."""
    vue = view_of(path.name) or path.name
    lines = _text(_bytes(path, limites)).replace("\r\n", "\n").split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    skipped = 1 if lines and lines[0].startswith("DEB") else 0  # some views have a DEB line, some not
    if len(lines) <= skipped:
        raise FichierIllisible("vue vide : ni en-tête ni données")
    header = lines[skipped].split(SEPARATOR)
    limites.check("colonnes", len(header), "colonnes")
    body, announced = _trailer(lines[skipped + 1:])
    limites.check("cellules", len(body) * len(header), "cellules (lignes × colonnes)")
    records, where, problems = _records(body, skipped + 2, len(header), path.name)
    if announced is not None and announced not in (len(records), len(body)):  # records, or physical lines
        problems.append(Probleme(path.name, None, skipped + 2 + len(body), None, f"FIN{announced}",
                                 f"la dernière ligne annonce {announced} lignes de données, le fichier en contient "
                                 f"{len(records)} : extrait tronqué ou incomplet ? Demandez-en un nouveau"))
    missing = [c for c in required if c not in header]
    problems += [Probleme(path.name, None, skipped + 1, c, None, "colonne obligatoire absente de la vue")
                 for c in missing]
    kept = [c for c in columns if c in header]
    frame = pd.read_csv(io.StringIO("\n".join([SEPARATOR.join(header), *records])), sep=SEPARATOR,
                        quoting=csv.QUOTE_NONE, dtype=str, keep_default_na=False, usecols=kept, engine="c") \
        if kept else pd.DataFrame(index=range(len(records)))
    frame = frame.map(str.strip)
    for c in columns:
        if c not in frame.columns:
            frame[c] = ""
    frame.index = pd.Index(where, name="ligne")
    ignored = [c for c in header if c not in columns and c.strip()]
    return View(path.name, vue, frame[columns], ignored, problems)
