"""Reader of CSV exports: encoding (UTF-8 with or without BOM, UTF-16 with BOM, Windows-1252) and separator
(``;``, ``,`` or tab) detected, header found below title rows."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pandas as pd

from .model import Probleme
from .raw import HEADER_SCAN_ROWS, FichierIllisible, RawSheet, header_row, header_warning

#: UTF-8 sequences read as Windows-1252 ("é" -> "Ã©"): the mark of a file mixing both encodings.
_MOJIBAKE = re.compile("[\u00c2\u00c3][\u0080-\u00bf\u2018-\u203a\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u20ac]")


def _decode(data: bytes) -> tuple[str, str]:
    """Decode a CSV export: UTF-8 (with or without BOM), UTF-16 with BOM, or Windows-1252."""
    if not data.strip():
        raise FichierIllisible("fichier vide")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
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


def _sniff_separator(text: str) -> str:
    sample = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=";,\t").delimiter
    except csv.Error:
        first = text.splitlines()[0] if text else ""
        return max(";,\t", key=first.count)


def read_csv_sheet(path: Path, feuille: str) -> tuple[RawSheet, list[Probleme]]:
    text, _encoding = _decode(path.read_bytes())
    sep = _sniff_separator(text)
    head = list(csv.reader(text.splitlines()[:HEADER_SCAN_ROWS], delimiter=sep))
    header = header_row(head, feuille)
    frame = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, skip_blank_lines=False,
                        skiprows=header)
    frame.index = frame.index + header + 2  # file line numbers: the header is on line header + 1
    return RawSheet(path.name, feuille, frame.map(str.strip)), header_warning(path.name, feuille, header, 1)


def parser_message(exc: Exception) -> str:
    """The pandas tokenizer's message in French: where it stopped and why."""
    text = str(exc)
    m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", text)
    if m:
        return f"ligne {m.group(2)} : {m.group(3)} champs au lieu de {m.group(1)} (séparateur ou guillemets)"
    if "EOF inside string" in text or "EOF" in text:
        return "guillemet ouvert jamais fermé"
    return text.splitlines()[0] if text else type(exc).__name__
