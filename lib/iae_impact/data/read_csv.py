"""Reader of CSV exports: encoding (UTF-8 with or without BOM, UTF-16 with BOM, Windows-1252) and separator
(``;``, ``,`` or tab) detected, header found below title rows."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pandas as pd

from .limits import Limites, read_file_bytes
from .model import Probleme
from .raw import HEADER_SCAN_ROWS, FichierIllisible, RawSheet, column_names, header_row, header_warning, known_columns

#: UTF-8 sequences read as Windows-1252 ("é" -> "Ã©"): the mark of a file mixing both encodings.
_MOJIBAKE = re.compile("[\u00c2\u00c3][\u0080-\u00bf\u2018-\u203a\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u20ac]")


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode a CSV export: UTF-8 (with or without BOM), UTF-16 with BOM, or Windows-1252; the text and its
    encoding. :class:`FichierIllisible` (French) for an empty, binary, damaged or mixed-encoding file."""
    if not data.strip():
        raise FichierIllisible("fichier vide")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise FichierIllisible(f"encodage UTF-16 (« Texte Unicode ») invalide à l'octet {exc.start} : fichier "
                                   "tronqué ou endommagé ; exportez-le de nouveau") from None
    if b"\x00" in data[:4096]:
        raise FichierIllisible("fichier binaire : ce n'est pas un fichier texte CSV (exportez la feuille en CSV "
                               "ou fournissez le classeur .xlsx)")
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    text = data.decode("cp1252", errors="replace")
    bad = [i for i, line in enumerate(data.splitlines(), start=1) if _is_utf8(line) and _MOJIBAKE.search(
        line.decode("cp1252", errors="replace"))]
    if bad:
        shown = ", ".join(map(str, bad[:5])) + (" …" if len(bad) > 5 else "")
        raise FichierIllisible(f"encodage mixte : les lignes {shown} sont en UTF-8, les autres en Windows-1252 ; "
                               "réenregistrez tout le fichier dans un seul encodage (UTF-8 de préférence)")
    if "\ufffd" in text:
        raise FichierIllisible("caractères illisibles : le fichier n'est ni en UTF-8 ni en Windows-1252")
    return text, "cp1252"


def _is_utf8(line: bytes) -> bool:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return any(b > 0x7F for b in line)


#: Separators a CSV export may use, in order of preference on a tie.
SEPARATORS = (";", ",", "\t")
#: Records read to choose the separator (from the first characters of the text only).
_SAMPLE_RECORDS, _SAMPLE_CHARS = 50, 256 * 1024
#: Cells of a row looked at to find the header (a schema has a few dozen columns).
_NAMED_FIELDS = 200


def detect_separator(text: str, feuille: str) -> str:
    """The separator of a CSV text: each candidate splits the first records with the :mod:`csv` module
    (quotes respected: ``"A.M.I. ""Aude"", Carcassonne"`` holds no separator), and the one whose header
    names the most known columns wins; on a tie, the one whose data rows have as many fields as the
    header, then the one giving the most fields. :class:`csv.Sniffer` alone picks ``,`` in a ``;`` file
    whose first field is such a quoted name."""
    sample = text[:_SAMPLE_CHARS]
    complete = len(text) <= _SAMPLE_CHARS
    best, best_score = SEPARATORS[0], None
    for sep in SEPARATORS:
        records = _records(sample, sep, _SAMPLE_RECORDS)
        if not complete and len(records) > 1:
            records = records[:-1]  # the last record may be cut by the sample's end
        if not records:
            continue
        named = [r[:_NAMED_FIELDS] for r in records]  # headers are judged on their first cells only
        header = header_row(named, feuille)
        width = len(records[header])
        rows = [r for r in records[header + 1:] if any(c.strip() for c in r)]
        score = (known_columns(named[header], feuille), sum(len(r) == width for r in rows) - len(rows), width)
        if best_score is None or score > best_score:
            best, best_score = sep, score
    return best


def _records(text: str, sep: str, limit: int) -> list[list[str]]:
    """The first ``limit`` records of ``text`` split on ``sep`` (fewer when the text cannot be split)."""
    records: list[list[str]] = []
    try:
        for record in csv.reader(io.StringIO(text), delimiter=sep):
            records.append(record)
            if len(records) >= limit:
                break
    except csv.Error:  # a field beyond the csv module's size limit: what was read so far
        pass
    return records


def _first_lines(text: str, n: int) -> str:
    """The first ``n`` lines of ``text`` (without splitting the whole text)."""
    end = -1
    for _ in range(n):
        end = text.find("\n", end + 1)
        if end < 0:
            return text
    return text[:end + 1]


def read_csv_sheet(path: Path, feuille: str, limites: Limites | None = None) -> tuple[RawSheet, list[Probleme]]:
    """One CSV file as a raw sheet. Raises :class:`FichierIllisible` (French message) when it cannot be
    read or exceeds ``limites``."""
    limites = limites or Limites.from_env()
    text, _encoding = decode_text(read_file_bytes(path, limites))
    sep = detect_separator(text, feuille)
    head = _records(_first_lines(text, HEADER_SCAN_ROWS), sep, HEADER_SCAN_ROWS)
    limites.check("colonnes", max(map(len, head), default=0), "colonnes")  # before any work on each cell
    header = header_row(head, feuille) if head else 0
    width = len(head[header]) if head else 0
    limites.check("cellules", width * (text.count("\n") + 1), "cellules (lignes × colonnes)")
    # header=None: the header is the first row read, and a data row with more fields than it is an error
    # (with a header, pandas would silently take one extra field per row as the index)
    frame = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, skip_blank_lines=False,
                        skiprows=header, header=None)
    del text
    columns = column_names(frame.iloc[0].tolist()) if len(frame) else []
    frame = frame.iloc[1:]
    frame.columns = columns
    frame.index = frame.index + header + 1  # file line numbers: the header is on line header + 1
    return (RawSheet(path.name, feuille, frame.map(str.strip), header_line=header + 1),
            header_warning(path.name, feuille, header, 1))


def parser_message(exc: Exception) -> str:
    """The pandas tokenizer's message in French: where it stopped and why."""
    text = str(exc)
    m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", text)
    if m:
        return f"ligne {m.group(2)} : {m.group(3)} champs au lieu de {m.group(1)} (séparateur ou guillemets)"
    if "EOF inside string" in text or "EOF" in text:
        return "guillemet ouvert jamais fermé"
    return text.splitlines()[0] if text else type(exc).__name__
