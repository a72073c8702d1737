"""Read a structure's records (XLSX workbook, folder of CSV or parquet files) into a validated dataset.

Contract: every input row is accepted or rejected with a reason (file, sheet, row,
column, value, French message); all problems are reported at once; invalid input
raises :class:`DonneesInvalides` and nothing is written; identifiers are replaced by
a keyed hash before the dataset leaves this module; raw files are only read.
French exports are detected, not asked for: ``;`` or ``,`` separators, UTF-8 (with
or without BOM) or cp1252, decimal commas, dd/mm/yyyy or ISO dates, Excel dates.

Two paths, one set of rules. Text cells (CSV, XLSX) are parsed column by column. Parquet
columns already of the right type (dates, numbers, booleans) are taken as they are; only the
other columns go through the text rules, applied once per distinct value rather than once per
row, so that a national file (a million parcours, twelve million monthly hour rows) is read in
seconds. In a parquet file the « ligne » of a problem is the rank of the data row, the first
row being 1 (there is no header line).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import sys
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from . import reference, schema
from .pseudonym import categorical_from_codes, existing_key, load_key, pseudonymise, start_codes

if TYPE_CHECKING:
    import pyarrow as pa

SHEETS = ("parcours", "heures", "conventions", "sites", "candidats")
#: Sheets of the template that carry no data.
IGNORED_SHEETS = ("documentation", "listes", "lisez moi", "lisezmoi")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
PARQUET_SUFFIXES = (".parquet", ".pq")
PARQUET_MAGIC = b"PAR1"
ZIP_MAGIC = b"PK\x03\x04"
EXCEL_EPOCH = pd.Timestamp("1899-12-30")


@dataclass(frozen=True)
class Probleme:
    """One problem found in the input, located as precisely as possible."""

    fichier: str
    feuille: str | None
    ligne: int | None
    colonne: str | None
    valeur: str | None
    message: str

    def __str__(self) -> str:
        where = [f"fichier « {self.fichier} »"]
        if self.feuille:
            where.append(f"onglet « {self.feuille} »")
        if self.ligne is not None:
            where.append(f"ligne {self.ligne}" + (" (rang de la ligne de données, la première valant 1)"
                                                  if _is_parquet_name(self.fichier) else ""))
        if self.colonne:
            where.append(f"colonne « {self.colonne} »")
        text = ", ".join(where)
        if self.valeur not in (None, ""):
            text += f" (valeur « {self.valeur} »)"
        return f"{text} : {self.message}"


@dataclass
class BilanFeuille:
    """Row accounting of one sheet: every row read is accepted or rejected."""

    fichier: str
    feuille: str
    lignes_lues: int
    lignes_rejetees: int
    lignes_vides_ignorees: int = 0

    @property
    def lignes_acceptees(self) -> int:
        return self.lignes_lues - self.lignes_rejetees


def _is_parquet_name(name: str) -> bool:
    return str(name).lower().endswith(PARQUET_SUFFIXES)


class DonneesInvalides(Exception):
    """The input cannot be used; ``problemes`` lists every problem found."""

    def __init__(self, problemes: list[Probleme], bilan: list[BilanFeuille] | None = None):
        self.problemes = problemes
        self.bilan = bilan or []
        super().__init__(self.report())

    def report(self) -> str:
        n = len(self.problemes)
        head = f"{n} problème{'s' if n > 1 else ''} dans les données ; rien n'a été écrit."
        return "\n".join([head, *(f"- {p}" for p in self.problemes)])


@dataclass
class Dataset:
    """A validated, pseudonymised dataset: one DataFrame per sheet (None when absent)."""

    parcours: pd.DataFrame
    heures: pd.DataFrame | None = None
    conventions: pd.DataFrame | None = None
    sites: pd.DataFrame | None = None
    candidats: pd.DataFrame | None = None
    source: str = ""
    empreintes: dict[str, str] = field(default_factory=dict)
    bilan: list[BilanFeuille] = field(default_factory=list)
    avertissements: list[Probleme] = field(default_factory=list)

    def sheet(self, name: str) -> pd.DataFrame | None:
        return getattr(self, name)

    @property
    def empreinte(self) -> str:
        """One SHA-256 over every input file (provenance line of the outputs)."""
        h = hashlib.sha256()
        for name in sorted(self.empreintes):
            h.update(f"{name}:{self.empreintes[name]}\n".encode())
        return h.hexdigest()


# --------------------------------------------------------------------------- raw reading


@dataclass
class _RawSheet:
    """One sheet as read: text cells (CSV, XLSX) or typed columns (parquet)."""

    fichier: str
    feuille: str
    frame: pd.DataFrame | None  # text cells, "" = empty; index = row number in the file
    table: pa.Table | None = None  # parquet: the columns as stored; row label = rank + 1
    #: Line of the header: problems about a whole column are reported there (None: no header line).
    header_line: int | None = 1
    path: Path | None = None  # parquet: the file, read again for a cell once the table is released
    _blank: np.ndarray | None = field(default=None, repr=False)
    _columns: list[str] | None = field(default=None, repr=False)
    _reread: dict = field(default_factory=dict, repr=False)

    @property
    def columns(self) -> list[str]:
        if self.frame is not None:
            return list(self.frame.columns)
        if self._columns is None:
            self._columns = list(self.table.column_names)
        return self._columns

    @property
    def labels(self) -> pd.Index:
        """Row numbers as reported to the user."""
        return self.frame.index if self.frame is not None else pd.RangeIndex(1, len(self.blank) + 1)

    @property
    def blank(self) -> np.ndarray:
        """Rows where every cell is empty (ignored, counted apart)."""
        if self._blank is None:
            self._blank = _blank_rows(self)
        return self._blank

    def cell(self, label: int, header: str) -> str:
        """The cell as the user wrote it (text), for problem messages."""
        if self.frame is not None:
            return self.frame.at[label, header]
        if self.table is not None:
            column = self.table.column(header)
        else:  # released once parsed: read that column again (only when a problem needs it)
            if header not in self._reread:
                import pyarrow.parquet as pq

                self._reread[header] = pq.read_table(self.path, columns=[header]).column(0)
            column = self._reread[header]
        return _cell_text(column[int(label) - 1].as_py())

    def release(self) -> None:
        """Parsed: the typed columns live in the frame now, the arrow copy can go (hundreds of MB)."""
        if self.frame is None and self.table is not None:
            self.blank  # noqa: B018 - computed while the table is there
            self.columns  # noqa: B018
            self.table = None


def _blank_rows(raw: _RawSheet) -> np.ndarray:
    if raw.frame is not None:
        frame = raw.frame
        return (frame.eq("").all(axis=1) if len(frame.columns) else pd.Series(True, index=frame.index)).to_numpy()
    import pyarrow as pa
    import pyarrow.compute as pc

    def is_text(column) -> bool:
        return pa.types.is_string(column.type) or pa.types.is_large_string(column.type)

    blank = np.ones(raw.table.num_rows, dtype=bool)
    every = True  # every row is still a candidate
    # columns where only a null is empty first: usually one of them has a value on every row and we stop
    for column in sorted(raw.table.columns, key=is_text):
        if not every:
            candidates = np.flatnonzero(blank)
            if not len(candidates):
                break
            column = column.take(pa.array(candidates))
        if not is_text(column) and column.null_count == 0:
            blank[:] = False  # a column filled on every row: no blank row
            break
        empty = pc.is_null(column)
        if is_text(column):
            empty = pc.or_kleene(empty, pc.equal(pc.utf8_trim_whitespace(column), ""))
        empty = np.asarray(pc.fill_null(empty, True).to_numpy(zero_copy_only=False), dtype=bool)
        if every:
            blank = empty
            every = False
        else:
            blank[candidates] = empty
    return blank


def _fold(text: object) -> str:
    s = unicodedata.normalize("NFKD", str(text))
    s = "".join(c for c in s if not unicodedata.combining(c)).lower()
    s = s.replace("\u2019", "'")
    s = re.sub(r"[_\-./]+", " ", s)
    return " ".join(s.split())


class FichierIllisible(Exception):
    """A file that cannot be read as text or as a workbook (message in French)."""


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


def _cell_text(v: object) -> str:
    """Excel cells arrive typed: turn them into the same text a CSV would hold."""
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return ""
    if isinstance(v, pd.Timestamp | np.datetime64) or hasattr(v, "isoformat"):
        ts = pd.Timestamp(v)
        return ts.strftime("%Y-%m-%d") if ts == ts.normalize() else ts.isoformat(sep=" ")
    if isinstance(v, bool):
        return "oui" if v else "non"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


#: Rows scanned for the header: exports often carry a title or a date above it.
HEADER_SCAN_ROWS = 10


def _header_row(rows: list[list[str]], feuille: str) -> int:
    """Index of the header among the first rows: the first naming two known columns (else the best)."""
    known = {_fold(v) for spec in schema.column_specs(feuille) for v in (spec.name, *spec.alias)}
    best, best_score = 0, 0
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        score = sum(_fold(c) in known for c in row if str(c).strip())
        if score >= 2:
            return i
        if score > best_score:
            best, best_score = i, score
    return best


def _header_warning(fichier: str, feuille: str, header: int, first_row: int) -> list[Probleme]:
    if header == 0:
        return []
    return [Probleme(fichier, feuille, first_row + header, None, None,
                     f"en-tête trouvé ligne {first_row + header} : les {header} ligne(s) au-dessus sont ignorées")]


def _read_csv(path: Path, feuille: str) -> tuple[_RawSheet, list[Probleme]]:
    text, _encoding = _decode(path.read_bytes())
    sep = _sniff_separator(text)
    head = list(csv.reader(text.splitlines()[:HEADER_SCAN_ROWS], delimiter=sep))
    header = _header_row(head, feuille)
    frame = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, skip_blank_lines=False,
                        skiprows=header)
    frame.index = frame.index + header + 2  # file line numbers: the header is on line header + 1
    return _RawSheet(path.name, feuille, frame.map(str.strip)), _header_warning(path.name, feuille, header, 1)


def _read_xlsx(path: Path) -> tuple[list[_RawSheet], list[Probleme]]:
    warnings: list[Probleme] = []
    books = pd.read_excel(path, sheet_name=None, dtype=object, engine="openpyxl", header=None)
    sheets = []
    for name, frame in books.items():
        folded = _fold(name)
        if folded in IGNORED_SHEETS:
            continue
        if folded not in SHEETS:
            warnings.append(Probleme(path.name, name, None, None, None, "onglet inconnu, ignoré"))
            continue
        frame = frame.map(_cell_text)
        rows = frame.head(HEADER_SCAN_ROWS).to_numpy().tolist()
        header = _header_row(rows, folded) if rows else 0
        columns = [c or f"Unnamed: {i}" for i, c in enumerate(rows[header])] if rows else []
        data = frame.iloc[header + 1:].copy()
        data.columns = columns
        data.index = data.index + 1  # Excel row numbers start at 1
        sheets.append(_RawSheet(path.name, folded, data))
        warnings += _header_warning(path.name, folded, header, 1)
    return sheets, warnings


def _read_parquet(path: Path, feuille: str) -> _RawSheet:
    """A parquet file: its columns are kept typed (arrow) and parsed column by column later."""
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises many types for a damaged file
        raise FichierIllisible(f"fichier parquet illisible ou endommagé ({type(exc).__name__})") from None
    return _RawSheet(path.name, feuille, None, table=table, header_line=None, path=path)


def _parser_message(exc: Exception) -> str:
    """The pandas tokenizer's message in French: where it stopped and why."""
    text = str(exc)
    m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", text)
    if m:
        return f"ligne {m.group(2)} : {m.group(3)} champs au lieu de {m.group(1)} (séparateur ou guillemets)"
    if "EOF inside string" in text or "EOF" in text:
        return "guillemet ouvert jamais fermé"
    return text.splitlines()[0] if text else type(exc).__name__


def _sheet_of_csv(path: Path) -> str | None:
    tokens = _fold(path.stem).split()
    return tokens[0] if tokens and tokens[0] in SHEETS else None


def _collect(path: Path) -> tuple[list[_RawSheet], dict[str, str], list[Probleme], list[Probleme]]:
    """Read every sheet of the input; returns sheets, file checksums, problems, warnings."""
    problems: list[Probleme] = []
    warnings: list[Probleme] = []
    if not path.exists():
        raise DonneesInvalides([Probleme(str(path), None, None, None, None, "fichier ou dossier introuvable")])
    files = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith((".", "~$"))) \
        if path.is_dir() else [path]
    sheets: list[_RawSheet] = []
    checksums: dict[str, str] = {}
    for f in files:
        suffix = f.suffix.lower()
        if path.is_dir() and suffix not in (".csv", ".txt", *XLSX_SUFFIXES, *PARQUET_SUFFIXES):
            continue
        data = f.read_bytes()
        checksums[f.name] = hashlib.sha256(data).hexdigest()
        if suffix in PARQUET_SUFFIXES or (data.startswith(PARQUET_MAGIC) and data.endswith(PARQUET_MAGIC)):
            del data
            feuille = _sheet_of_csv(f) if path.is_dir() else "parcours"  # a lone file is the parcours sheet
            if feuille is None:
                warnings.append(Probleme(f.name, None, None, None, None,
                                         "fichier ignoré : son nom ne commence pas par un nom d'onglet "
                                         f"({', '.join(SHEETS)})"))
                continue
            try:
                sheets.append(_read_parquet(f, feuille))
            except FichierIllisible as exc:
                problems.append(Probleme(f.name, feuille, None, None, None, str(exc)))
            continue
        if data.startswith(ZIP_MAGIC) or suffix in XLSX_SUFFIXES:
            try:
                found, warn = _read_xlsx(f)
            except (zipfile.BadZipFile, ValueError, KeyError, OSError) as exc:
                problems.append(Probleme(f.name, None, None, None, None,
                                         f"classeur Excel illisible ou endommagé ({type(exc).__name__})"))
                continue
            sheets += found
            warnings += warn
            continue
        feuille = _sheet_of_csv(f) if path.is_dir() else "parcours"  # a lone CSV file is the parcours sheet
        if feuille is None:
            warnings.append(Probleme(f.name, None, None, None, None,
                                     "fichier ignoré : son nom ne commence pas par un nom d'onglet "
                                     f"({', '.join(SHEETS)})"))
            continue
        try:
            sheet, warn = _read_csv(f, feuille)
        except FichierIllisible as exc:
            problems.append(Probleme(f.name, feuille, None, None, None, str(exc)))
            continue
        except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error) as exc:
            problems.append(Probleme(f.name, feuille, None, None, None,
                                     f"fichier CSV illisible ({_parser_message(exc)})"))
            continue
        sheets.append(sheet)
        warnings += warn
    return sheets, checksums, problems, warnings


# --------------------------------------------------------------------------- parsing


def _map_headers(raw: _RawSheet) -> tuple[dict[str, str], list[Probleme], list[Probleme]]:
    """Map raw header -> schema column; unknown columns are dropped with a warning."""
    specs = schema.column_specs(raw.feuille)
    lookup = {}
    for spec in specs:
        for variant in (spec.name, *spec.alias):
            lookup[_fold(variant)] = spec.name
    mapping: dict[str, str] = {}
    problems, warnings = [], []
    line = raw.header_line
    for header in raw.columns:
        target = lookup.get(_fold(header))
        if target is None:
            if str(header).strip() and not str(header).startswith("Unnamed"):
                warnings.append(Probleme(raw.fichier, raw.feuille, line, str(header), None,
                                         "colonne inconnue, ignorée (elle ne sera ni lue ni recopiée)"))
            continue
        if target in mapping.values():
            problems.append(Probleme(raw.fichier, raw.feuille, line, str(header), None,
                                     f"deux colonnes correspondent à « {target} »"))
            continue
        mapping[header] = target
    present = set(mapping.values())
    for spec in specs:
        if spec.required and spec.name not in present:
            problems.append(Probleme(raw.fichier, raw.feuille, line, spec.name, None,
                                     "colonne obligatoire absente"))
    return mapping, problems, warnings


_NUMBER_SPACES = re.compile(r"[\s\u00a0\u202f']")


def _parse_number(s: pd.Series) -> pd.Series:
    t = s.str.replace(_NUMBER_SPACES, "", regex=True)
    both = t.str.contains(",", regex=False) & t.str.contains(".", regex=False)
    t = t.where(~both, t.str.replace(".", "", regex=False))
    t = t.str.replace(",", ".", regex=False)
    return pd.to_numeric(t, errors="coerce").astype("float64")


_DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%y", "%Y-%m-%d %H:%M:%S",
                 "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%Y/%m/%d")


def _parse_date(s: pd.Series) -> pd.Series:
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    for fmt in _DATE_FORMATS:
        todo = out.isna() & s.ne("")
        if not todo.any():
            break
        out[todo] = pd.to_datetime(s[todo], format=fmt, errors="coerce")
    serial = out.isna() & s.str.fullmatch(r"\d{5}(\.\d+)?")
    if serial.any():  # Excel serial day numbers (a date column formatted as a number)
        days = pd.to_numeric(s[serial]).clip(upper=2_958_465)
        out[serial] = EXCEL_EPOCH + pd.to_timedelta(np.floor(days), unit="D")
    return out.dt.normalize()


_BOOLS = {"oui": True, "o": True, "yes": True, "y": True, "vrai": True, "true": True, "1": True, "x": True,
          "non": False, "n": False, "no": False, "faux": False, "false": False, "0": False}
_SEXES = {"f": "F", "femme": "F", "mme": "F", "madame": "F", "2": "F", "feminin": "F",
          "m": "M", "h": "M", "homme": "M", "monsieur": "M", "1": "M", "masculin": "M", "m.": "M", "mr": "M"}
_DUREES = {"non inscrit": "non inscrit", "non": "non inscrit", "0": "non inscrit",
           "moins de 6 mois": "moins de 6 mois", "01": "moins de 6 mois", "1": "moins de 6 mois",
           "< 6 mois": "moins de 6 mois", "6 a 11 mois": "6 à 11 mois", "de 6 a 11 mois": "6 à 11 mois",
           "02": "6 à 11 mois", "2": "6 à 11 mois", "12 a 23 mois": "12 à 23 mois",
           "de 12 a 23 mois": "12 à 23 mois", "03": "12 à 23 mois", "3": "12 à 23 mois",
           "24 mois et plus": "24 mois et plus", "04": "24 mois et plus", "4": "24 mois et plus",
           "plus de 24 mois": "24 mois et plus"}


def _duration_category(text: str) -> str | None:
    folded = reference.normalise_label(text)
    if folded in _DUREES:
        return _DUREES[folded]
    months = re.fullmatch(r"(\d+)(?:[.,]\d+)?\s*(?:mois)?", folded)
    if months:
        m = int(months.group(1))
        return ("non inscrit" if m == 0 else "moins de 6 mois" if m < 6 else "6 à 11 mois" if m < 12
                else "12 à 23 mois" if m < 24 else "24 mois et plus")
    return None


_MESSAGES = {
    schema.DATE: "date illisible (attendu jj/mm/aaaa)",
    schema.ENTIER: "nombre entier attendu",
    schema.DECIMAL: "nombre attendu",
    schema.BOOLEEN: "oui ou non attendu",
    schema.SEXE: "sexe attendu : F ou M",
    schema.DUREE_FT: "durée d'inscription non reconnue (catégorie, code 01 à 04 ou nombre de mois)",
    schema.MOTIF: "motif de sortie inconnu (voir l'onglet « listes » du modèle)",
}
#: Kinds stored as text in a validated frame.
TEXT_KINDS = (schema.TEXTE, schema.CODE, schema.MOTIF, schema.SEXE, schema.DUREE_FT)


def _parse_values(kind: str, s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse text cells (no missing value, "" = empty) to ``kind``; returns (values, failed mask)."""
    empty = s.eq("")
    if kind == schema.DATE:
        out = _parse_date(s)
        return out, out.isna() & ~empty
    if kind in (schema.DECIMAL, schema.ENTIER):
        out = _parse_number(s)
        failed = out.isna() & ~empty
        if kind == schema.ENTIER:
            frac = out.notna() & (out != np.floor(out))
            out = out.where(~frac)
            failed |= frac
        return out, failed
    if kind == schema.BOOLEEN:
        out = s.map(lambda v: _BOOLS.get(reference.normalise_label(v))).astype("boolean")
        return out, out.isna() & ~empty
    if kind == schema.SEXE:
        out = s.map(lambda v: _SEXES.get(reference.normalise_label(v)) if v else None)
        return out, out.isna() & ~empty
    if kind == schema.DUREE_FT:
        out = s.map(lambda v: _duration_category(v) if v else None)
        return out, out.isna() & ~empty
    if kind == schema.MOTIF:
        out = s.map(lambda v: reference.canonical_motive(v) if v else None)
        return out, out.isna() & ~empty
    if kind == schema.CODE:
        out = s.str.upper().where(~empty)
        two_digits = out.str.fullmatch(r"\d(\.0)?", na=False)  # niveau 0 -> 00, Excel 50.0 -> 50
        out = out.where(~two_digits, out.str[0].str.zfill(2))
        return out, pd.Series(False, index=s.index)
    return s.where(~empty), pd.Series(False, index=s.index)


def _parse_column(kind: str, s: pd.Series) -> tuple[pd.Series, pd.Series, str]:
    """Parse one text column; returns (values, failed mask, French message for failures).

    The rules are applied once per distinct cell value, then spread to the rows.
    """
    codes, uniques = pd.factorize(s.to_numpy(dtype=object))
    values, failed = _parse_values(kind, pd.Series(uniques, dtype=object))
    return (_spread(values, codes, s.index), pd.Series(failed.to_numpy()[codes], index=s.index),
            _MESSAGES.get(kind, ""))


def _spread(values: pd.Series, codes: np.ndarray, index: pd.Index) -> pd.Series:
    """Values of the distinct cells, one per row (``codes``: position of each row's value)."""
    return pd.Series(values.iloc[codes].array, index=index, dtype=values.dtype)


# --------------------------------------------------------------------------- typed columns (parquet)

#: Earliest and latest dates a datetime64[ns] column can hold.
_DATE_BOUNDS = (np.datetime64("1677-09-22"), np.datetime64("2262-04-11"))


def _arrow_column(kind: str, column: pa.ChunkedArray, keep: np.ndarray | None, index: pd.Index,
                  identifiers: dict | None = None, role: str = "") -> tuple[pd.Series, pd.Series, str]:
    """Parse one parquet column (rows ``keep``) to ``kind``; returns (values, failed mask, message).

    A column already of the right type is taken as it is (dates, numbers, booleans). Any other column
    goes through the text rules of :func:`_parse_values`, applied to its distinct values only; text
    kinds come back as categoricals (codes per row, each distinct value stored once).

    ``identifiers`` links the parcours identifiers to the hours: the parcours sheet (``role="parcours"``)
    leaves its identifiers there when each row has its own; the hours (``role="heures"``) then look theirs
    up directly (their codes are parcours rows), instead of encoding twelve million strings twice.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if keep is not None:
        column = column.filter(pa.array(keep))
    kind_type = column.type
    if pa.types.is_dictionary(kind_type):
        column = column.cast(kind_type.value_type)
        kind_type = kind_type.value_type
    n = len(column)
    no_failure = pd.Series(np.zeros(n, dtype=bool), index=index)
    if pa.types.is_null(kind_type):
        empty = pd.Series([""] * n, dtype=object, index=index)
        return _parse_column(kind, empty) if kind not in TEXT_KINDS else (
            pd.Series(pd.Categorical([None] * n, categories=[]), index=index), no_failure, "")
    if kind == schema.DATE and (pa.types.is_timestamp(kind_type) or pa.types.is_date(kind_type)):
        if pa.types.is_timestamp(kind_type) and kind_type.tz is not None:  # wall-clock date where it was written
            column = pc.local_timestamp(column)
        days = column.to_numpy().astype("datetime64[D]")  # nulls -> NaT
        inside = (days >= _DATE_BOUNDS[0]) & (days <= _DATE_BOUNDS[1])
        failed = ~inside & ~np.isnat(days)
        values = np.where(inside, days, np.datetime64("NaT")).astype("datetime64[ns]")
        return pd.Series(values, index=index), pd.Series(failed, index=index), _MESSAGES[kind]
    numeric = pa.types.is_integer(kind_type) or pa.types.is_floating(kind_type) or pa.types.is_decimal(kind_type)
    if kind in (schema.ENTIER, schema.DECIMAL) and numeric:
        if pa.types.is_decimal(kind_type):
            column = column.cast(pa.float64())
        values = column.to_numpy()  # nulls -> NaN
        if kind == schema.ENTIER and values.dtype.kind in "iu":  # whole numbers, none missing: int64 at once
            return pd.Series(values.astype(np.int64), index=index), no_failure, _MESSAGES[kind]
        if values.dtype != np.float64 or not values.flags.writeable:
            values = values.astype(np.float64)
        failed = np.zeros(n, dtype=bool)
        if kind == schema.ENTIER and not pa.types.is_integer(kind_type):
            failed = ~np.isnan(values) & (values != np.floor(values))
            values = np.where(failed, np.nan, values)
        return pd.Series(values, index=index), pd.Series(failed, index=index), _MESSAGES[kind]
    if kind == schema.BOOLEEN and pa.types.is_boolean(kind_type):
        values = column.to_pandas(types_mapper={pa.bool_(): pd.BooleanDtype()}.get).array
        return pd.Series(values, index=index, dtype="boolean"), no_failure, _MESSAGES[kind]
    # Everything else: the text rules, once per distinct value.
    if role == "heures" and identifiers and (pa.types.is_string(kind_type) or pa.types.is_large_string(kind_type)):
        position = pc.index_in(column, value_set=identifiers["arrow"])
        if position.null_count == column.null_count:  # every identifier, as written, is a parcours identifier
            codes = pc.fill_null(position, -1).to_numpy().astype(np.int32)
            return (pd.Series(categorical_from_codes(codes, identifiers["categories"], unique=True), index=index),
                    no_failure, "")
    chunk = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    encoded = chunk.dictionary_encode()
    indices = encoded.indices
    codes = (pc.fill_null(indices, -1) if indices.null_count else indices).to_numpy(zero_copy_only=False)
    codes = codes.astype(np.int32 if len(encoded.dictionary) < 2**31 - 1 else np.int64)  # a writable copy
    dictionary = encoded.dictionary
    distinct = False  # the texts are still distinct once trimmed (each distinct value read once)
    if pa.types.is_string(dictionary.type) or pa.types.is_large_string(dictionary.type):
        trimmed = pc.utf8_trim_whitespace(dictionary)
        distinct = pc.all(pc.equal(trimmed, dictionary)).as_py() is not False
        texts = trimmed.to_numpy(zero_copy_only=False).astype(object)
    else:
        texts = np.array([_cell_text(v) for v in dictionary.to_pylist()], dtype=object)
    if kind == schema.TEXTE and distinct:  # identifiers: the texts are the categories, no hashing
        filled = texts != ""
        if not filled.all():  # an empty text is a missing value
            value_codes = np.where(filled, np.cumsum(filled) - 1, -1).astype(codes.dtype)
            codes = np.where(codes >= 0, value_codes[codes], -1).astype(codes.dtype)
            texts = texts[filled]
        values = categorical_from_codes(codes, texts, unique=True)
        if role == "parcours" and identifiers is not None and filled.all() \
                and np.array_equal(codes, np.arange(len(codes))):  # one identifier per row, in row order
            identifiers.update(arrow=trimmed, categories=values.categories)
        return pd.Series(values, index=index), no_failure, ""
    texts = np.append(texts, "")  # a missing cell is an empty text
    codes[codes < 0] = len(texts) - 1
    values, failed = _parse_values(kind, pd.Series(texts, dtype=object))
    failed = pd.Series(failed.to_numpy()[codes], index=index)
    if kind in TEXT_KINDS:  # categorical: each distinct value once, its code per row
        value_codes, categories = pd.factorize(values.to_numpy(dtype=object))
        return (pd.Series(categorical_from_codes(value_codes[codes], categories, unique=True), index=index),
                failed, _MESSAGES.get(kind, ""))
    return _spread(values, codes, index), failed, _MESSAGES.get(kind, "")


_PANDERA_MESSAGES = {
    "not_nullable": "valeur obligatoire manquante",
    "multiple_fields_uniqueness": "ligne en double (mêmes valeurs de : {cles})",
    "field_uniqueness": "identifiant en double",
}


def _as_object(values: pd.Series) -> pd.Series:
    return values.astype(object) if isinstance(values.dtype, pd.CategoricalDtype) else values


def _typed_sheet(raw: _RawSheet, identifiers: dict | None = None, on_identifiers=None) -> tuple[
        pd.DataFrame, list[Probleme], list[Probleme]]:
    """Map headers, parse every column to its kind, validate with the schema (``identifiers``: see
    :func:`_arrow_column`; ``on_identifiers(columns)`` is called with the parsed ``id_personne`` and
    ``id_parcours`` of a parcours sheet as soon as both are read without problem)."""
    mapping, problems, warnings = _map_headers(raw)
    keep = ~raw.blank
    specs = {s.name: s for s in schema.column_specs(raw.feuille)}
    header_of = {name: header for header, name in mapping.items()}
    if raw.frame is not None:
        frame = raw.frame.loc[keep, list(mapping)].rename(columns=mapping)
        index = frame.index
    else:
        index = raw.labels if keep.all() else raw.labels[keep]
        positions = {header: i for i, header in reversed(list(enumerate(raw.columns)))}
    typed = {}
    parse_failed: set[tuple[int, str]] = set()
    for header, name in mapping.items():
        kind = specs[name].kind
        if raw.frame is not None:
            values, failed, message = _parse_column(kind, frame[name])
        else:
            role = raw.feuille if name == "id_parcours" and raw.feuille in ("parcours", "heures") else ""
            values, failed, message = _arrow_column(kind, raw.table.column(positions[header]),
                                                    None if keep.all() else keep, index, identifiers, role)
        bad = failed.to_numpy()
        if bad.any():
            for idx in index[bad]:
                problems.append(Probleme(raw.fichier, raw.feuille, int(idx), name, raw.cell(idx, header), message))
                parse_failed.add((int(idx), name))
        typed[name] = values
        if on_identifiers is not None and not problems and {"id_personne", "id_parcours"} <= set(typed) \
                and name in ("id_personne", "id_parcours"):
            on_identifiers({c: typed[c] for c in ("id_personne", "id_parcours")})
            on_identifiers = None
    if raw.feuille in ("parcours", "conventions") and "structure" in typed:
        # no site column, or a blank site cell: the structure stands for its single site
        if "site" not in typed:
            typed["site"] = typed["structure"]
        elif typed["site"].isna().any():
            site = _as_object(typed["site"]).to_numpy(dtype=object)
            structure = _as_object(typed["structure"]).to_numpy(dtype=object)
            typed["site"] = pd.Series(np.where(pd.isna(site), structure, site), index=index)
    id_parts = ["id_personne", "structure", "site", "dispositif", "date_entree"]
    if raw.feuille == "parcours" and set(id_parts) <= set(typed):
        if "id_parcours" not in typed:
            typed["id_parcours"] = _derive_parcours_ids(pd.DataFrame({c: typed[c] for c in id_parts}))
        else:
            missing = typed["id_parcours"].isna()
            if missing.any():
                ids = _as_object(typed["id_parcours"]).copy()
                ids[missing] = _derive_parcours_ids(pd.DataFrame({c: typed[c][missing] for c in id_parts}))
                typed["id_parcours"] = ids
    for spec in specs.values():  # an optional column left out is an empty column
        if spec.name not in typed and not spec.required and spec.nullable:
            dtype = {schema.DATE: "datetime64[ns]", schema.BOOLEEN: "boolean", schema.ENTIER: "float64",
                     schema.DECIMAL: "float64"}.get(spec.kind, object)
            typed[spec.name] = pd.Series(None, index=index, dtype=dtype)
    for name, values in typed.items():  # final dtypes before the frame is built (no copy of big columns)
        kind = specs[name].kind
        if kind in TEXT_KINDS:
            if not isinstance(values.dtype, pd.CategoricalDtype):  # categoricals (parquet) stay as they are
                typed[name] = values.astype(object).where(values.notna(), None)
        elif kind == schema.ENTIER:
            whole = values.notna().all() and not specs[name].nullable
            typed[name] = values.astype("int64" if whole else "float64", copy=False)
        elif kind == schema.DECIMAL:
            typed[name] = values.astype("float64", copy=False)
    out = pd.DataFrame(typed, index=index, copy=False)  # one block per column: no copy of 12-million-row columns
    if any(p.ligne == raw.header_line and p.message == "colonne obligatoire absente" for p in problems):
        return out, problems, warnings  # row checks would only repeat the missing column
    try:
        out = schema.validate(raw.feuille, out)
    except schema.SchemaErrors as exc:
        problems += _schema_problems(raw, header_of, exc.failure_cases, parse_failed)
    return out, problems, warnings


def _schema_problems(raw: _RawSheet, header_of: dict[str, str], cases: pd.DataFrame,
                     parse_failed: set[tuple[int, str]]) -> list[Probleme]:
    problems: list[Probleme] = []
    seen: set[tuple[int | None, str, str]] = set()
    nulls = {(int(c.index), c.column) for c in cases.itertuples(index=False) if c.check == "not_nullable"}
    for case in cases.itertuples(index=False):
        if str(case.check).startswith("dtype(") and any(c == case.column for _, c in parse_failed | nulls):
            continue  # an integer column holding a missing or unreadable value: already reported per row
        message = _PANDERA_MESSAGES.get(str(case.check), str(case.check))
        message = message.replace("{cles}", ", ".join(schema.sheet_schemas()[raw.feuille].unique or []))
        if message.startswith("dtype("):
            message = f"type de colonne inattendu ({message}) : merci de signaler ce problème"
        column = schema.ROW_CHECK_COLUMN.get(message, case.column)
        row = None if pd.isna(case.index) else int(case.index)
        if row is not None and (row, column) in parse_failed:
            continue
        key = (row, str(column), message)
        if key in seen:
            continue
        seen.add(key)
        value = raw.cell(row, header_of[column]) if row is not None and column in header_of else None
        problems.append(Probleme(raw.fichier, raw.feuille, row, column, value, message))
    return problems


# --------------------------------------------------------------------------- cross-sheet rules


def _overlapping_parcours(p: pd.DataFrame) -> pd.Index:
    """Rows whose parcours starts before the previous parcours of the same person, structure, dispositif ended.

    Rows are taken by entry date (the same quicksort order as ``sort_values("date_entree")``), then
    compared with the previous parcours of their group: integer codes, no per-row Python.
    """
    start = p["date_entree"].to_numpy(dtype="datetime64[ns]")
    end = p["date_sortie"].to_numpy(dtype="datetime64[ns]")
    order = np.argsort(start, kind="quicksort")  # datetime64: the permutation of sort_values("date_entree")
    keys = ["id_personne", "structure", "dispositif"]
    group = schema.row_codes(p, keys)
    if not schema.duplicated_rows(p, keys).any():
        return p.index[:0]  # nobody has two parcours in the same structure and dispositif
    known = np.logical_and.reduce([p[k].notna().to_numpy() for k in keys])
    by_group = order[np.argsort(group[order], kind="stable")]  # each group in entry order
    same = np.zeros(len(p), dtype=bool)
    same[1:] = group[by_group[1:]] == group[by_group[:-1]]
    previous_end = np.full(len(p), np.datetime64("NaT"), dtype="datetime64[ns]")
    previous_end[1:] = end[by_group[:-1]]
    overlap_sorted = same & known[by_group] & (np.isnat(previous_end) | (start[by_group] <= previous_end))
    overlap = np.zeros(len(p), dtype=bool)
    overlap[by_group] = overlap_sorted
    return p.index[order[overlap[order]]]


def _month_number(dates: pd.Series) -> np.ndarray:
    """year * 12 + month - 1 of each date (-1 when missing)."""
    values = dates.to_numpy(dtype="datetime64[ns]")
    months = values.astype("datetime64[M]").astype(np.int64) + 1970 * 12
    return np.where(np.isnat(values), -1, months)


def _parcours_positions(ids: pd.Series, parcours_ids: pd.Series) -> np.ndarray:
    """Row position in ``parcours_ids`` (unique) of each identifier of ``ids``; -1 when unknown."""
    if _points_at_rows(ids, parcours_ids):
        return ids.cat.codes.to_numpy()
    index = pd.Index(parcours_ids.to_numpy(dtype=object))
    if isinstance(ids.dtype, pd.CategoricalDtype):
        of_category = index.get_indexer(ids.cat.categories)
        codes = ids.cat.codes.to_numpy()
        if len(codes) and codes.min() >= 0:
            return of_category[codes]
        return np.where(codes >= 0, of_category[codes], -1)
    return index.get_indexer(ids.to_numpy(dtype=object))


def _cross_checks(frames: dict[str, pd.DataFrame], origin: dict[str, _RawSheet]) -> tuple[list, list]:
    problems: list[Probleme] = []
    warnings: list[Probleme] = []
    p = frames["parcours"]
    raw_p = origin["parcours"]
    entry_header = _raw_name(raw_p, "date_entree")
    for idx in _overlapping_parcours(p):
        problems.append(Probleme(raw_p.fichier, "parcours", int(idx), "date_entree", raw_p.cell(idx, entry_header),
                                 "parcours qui chevauche un autre parcours de la même personne dans la même "
                                 "structure et le même dispositif"))
    h = frames.get("heures")
    if h is not None:
        raw_h = origin["heures"]
        if _raw_name(raw_p, "id_parcours") not in raw_p.columns:
            problems.append(Probleme(raw_p.fichier, "parcours", raw_p.header_line, "id_parcours", None,
                                     "colonne obligatoire quand l'onglet heures est rempli"))
        else:
            position = _parcours_positions(h["id_parcours"], p["id_parcours"])
            unknown = position < 0
            for idx in h.index[unknown]:
                problems.append(Probleme(raw_h.fichier, "heures", int(idx), "id_parcours", h.at[idx, "id_parcours"],
                                         "parcours inconnu dans l'onglet parcours"))
            # a month lies outside its parcours when it ends before the entry month or starts after the exit month
            month = np.multiply(h["annee"].to_numpy(), 12, dtype=np.int32)
            month += h["mois"].to_numpy().astype(np.int32, copy=False) - 1
            known = np.where(unknown, 0, position) if unknown.any() else position
            entry_month = _month_number(p["date_entree"]).astype(np.int32)
            exit_month = _month_number(p["date_sortie"])
            exit_month = np.where(exit_month < 0, np.iinfo(np.int32).max, exit_month).astype(np.int32)
            outside = month < entry_month[known]
            outside |= month > exit_month[known]
            outside &= h["heures"].to_numpy() > 0
            outside &= ~unknown
            for idx in h.index[outside]:
                warnings.append(Probleme(raw_h.fichier, "heures", int(idx), "mois", f"{h.at[idx, 'mois']}/"
                                         f"{h.at[idx, 'annee']}", "heures hors des dates du parcours"))
            if isinstance(h["id_parcours"].dtype, pd.CategoricalDtype) and not unknown.any() \
                    and not _points_at_rows(h["id_parcours"], p["id_parcours"]):
                # parquet: the hours point at their parcours by row position (codes), each identifier stored once
                h["id_parcours"] = pd.Series(categorical_from_codes(position, p["id_parcours"].to_numpy(dtype=object),
                                                                    unique=True), index=h.index)
    for name in ("conventions", "sites"):
        other = frames.get(name)
        if other is not None and "site" in other:
            for idx in other.index[~other["site"].isin(p["site"])]:
                warnings.append(Probleme(origin[name].fichier, name, int(idx), "site", other.at[idx, "site"],
                                         "site absent de l'onglet parcours"))
    return problems, warnings


def _raw_name(raw: _RawSheet, column: str) -> str:
    specs = {s.name: s for s in schema.column_specs(raw.feuille)}
    variants = {_fold(v) for v in (column, *specs[column].alias)}
    for header in raw.columns:
        if _fold(header) in variants:
            return header
    return column


def _derive_parcours_ids(p: pd.DataFrame) -> pd.Series:
    """A parcours without an identifier is identified by person, structure, site, dispositif and entry date."""
    if not len(p):
        return pd.Series(dtype=object)
    derived = None
    for c in ("id_personne", "structure", "site", "dispositif"):
        part = p[c].astype(object).astype(str)
        derived = part if derived is None else derived + "|" + part
    return derived + "|" + p["date_entree"].dt.strftime("%Y-%m-%d").fillna("")


# --------------------------------------------------------------------------- entry point


def _points_at_rows(ids: pd.Series, parcours_ids: pd.Series) -> bool:
    """True when ``ids`` is a categorical whose categories are ``parcours_ids`` in row order (codes = rows)."""
    if not isinstance(ids.dtype, pd.CategoricalDtype) or len(ids.cat.categories) != len(parcours_ids):
        return False
    return bool(np.array_equal(ids.cat.categories.to_numpy(dtype=object), parcours_ids.to_numpy(dtype=object)))


def _pseudonymised_hours(ids: pd.Series, parcours_ids: pd.Series, key: bytes, aligned: bool) -> pd.Series:
    """The hours' parcours identifiers, pseudonymised: when they point at the parcours rows (``aligned``),
    the codes already computed for ``parcours`` are reused, else each distinct value is hashed."""
    if aligned:
        codes = parcours_ids.to_numpy(dtype=object)
        # a categorical comes back from pseudonymise only when its codes are distinct (and parcours are unique)
        if isinstance(parcours_ids.dtype, pd.CategoricalDtype) or len(set(codes)) == len(codes):
            return pd.Series(categorical_from_codes(ids.cat.codes.to_numpy(), codes, unique=True),
                             index=ids.index, name=ids.name)
    return pseudonymise(ids, key, "C")


def _categorical_to_object(values: pd.Series) -> pd.Series:
    """A categorical text column as plain objects, None where missing (as read from text)."""
    codes = values.cat.codes.to_numpy()
    categories = np.append(values.cat.categories.to_numpy(dtype=object), None)
    return pd.Series(categories[codes], index=values.index, name=values.name, dtype=object)


def read_dataset(path: str | Path, *, pseudonymiser: bool = True) -> Dataset:
    """Read, validate and pseudonymise an XLSX workbook, a folder of CSV or parquet files, or one parquet file.

    Raises :class:`DonneesInvalides` listing every problem when the input cannot be used.
    Set ``pseudonymiser=False`` only for tests on fictional data.

    Numbers and dates are plain numpy columns (``int64``, ``float64``, ``datetime64[ns]``), yes/no
    columns ``boolean``, text columns ``object``; from parquet, ``heures.id_parcours`` is a categorical
    whose categories are the parcours identifiers in the order of the ``parcours`` rows (its codes are
    row positions in ``parcours``), so that 12 million hour rows hold no per-row string.
    """
    from .paths import resolve

    path = resolve(path)
    raws, checksums, problems, warnings = _collect(path)
    origin: dict[str, _RawSheet] = {}
    for raw in raws:
        if raw.feuille in origin:
            problems.append(Probleme(raw.fichier, raw.feuille, None, None, None,
                                     f"onglet « {raw.feuille} » fourni deux fois (aussi dans "
                                     f"« {origin[raw.feuille].fichier} »)"))
            continue
        origin[raw.feuille] = raw
    if "parcours" not in origin and not problems:
        problems.append(Probleme(path.name, None, None, None, None,
                                 "aucun onglet « parcours » : c'est le seul onglet obligatoire"))
    frames: dict[str, pd.DataFrame] = {}
    sheet_problems: dict[str, list[Probleme]] = {}
    parsed: dict[str, tuple] = {}
    identifiers: dict = {}
    pending: dict = {}
    def start(columns: dict) -> None:
        if pseudonymiser and not problems:
            pending.update(_start_pseudonyms(columns))

    for name in sorted(origin, key=lambda sheet: sheet != "parcours"):  # the parcours first: the hours use them
        parsed[name] = _typed_sheet(origin[name], identifiers, start if name == "parcours" else None)
        origin[name].release()  # parsed: the arrow copy of a parquet file can go
    identifiers.clear()
    _release_arrow_memory()
    for name in origin:
        typed, probs, warns = parsed[name]
        frames[name] = typed
        sheet_problems[name] = probs
        warnings += warns
    try:
        return _finish(path, origin, frames, sheet_problems, problems, warnings, checksums, pseudonymiser, pending)
    finally:
        for started in pending.values():  # rejected data: the helper stops, nothing is kept
            started.cancel()


def _release_arrow_memory() -> None:
    """Give back to the system what arrow's allocator keeps once the tables are released."""
    if "pyarrow" in sys.modules:
        sys.modules["pyarrow"].default_memory_pool().release_unused()


def _start_pseudonyms(identifiers: dict[str, pd.Series]) -> dict:
    """Start hashing the parcours' identifiers in a helper process while the rest is read and checked
    (large parquet input, key already there: nothing is created before the data are accepted). Used
    only if the columns are still these categoricals when the data are accepted."""
    columns = [c for c, values in identifiers.items() if isinstance(values.dtype, pd.CategoricalDtype)]
    key = existing_key() if columns else None
    if key is None:
        return {}
    started = start_codes([identifiers[c].cat.categories for c in columns], key,
                          ["P" if c == "id_personne" else "C" for c in columns])
    return dict(zip(columns, started, strict=True)) if started else {}


def _finish(path: Path, origin: dict, frames: dict, sheet_problems: dict, problems: list, warnings: list,
            checksums: dict, pseudonymiser: bool, pending: dict) -> Dataset:
    """Cross-sheet rules, row accounting, then pseudonymisation; raises :class:`DonneesInvalides`."""
    bilan: list[BilanFeuille] = []
    if "parcours" in frames and not any(sheet_problems.values()) and not problems:
        cross, cross_warn = _cross_checks(frames, origin)
        warnings += cross_warn
        for prob in cross:
            sheet_problems.setdefault(prob.feuille or "parcours", []).append(prob)
    for name, raw in origin.items():
        blank = raw.blank
        header = raw.header_line
        rows = {p.ligne for p in sheet_problems[name] if p.ligne is not None and p.ligne != header}
        header_problem = any(p.ligne is None or p.ligne == header for p in sheet_problems[name])
        read = int((~blank).sum())
        bilan.append(BilanFeuille(raw.fichier, name, read, read if header_problem else len(rows), int(blank.sum())))
        problems += sheet_problems[name]
    if "parcours" in frames and frames["parcours"].empty and not problems:
        problems.append(Probleme(origin["parcours"].fichier, "parcours", None, None, None,
                                 "l'onglet « parcours » ne contient aucune ligne"))
    if problems:
        raise DonneesInvalides(problems, bilan)
    frames = {name: f for name, f in frames.items() if name == "parcours" or not f.empty}  # empty = absent

    p = frames["parcours"]
    h = frames.get("heures")
    if pseudonymiser:
        key = load_key()
        aligned = h is not None and _points_at_rows(h["id_parcours"], p["id_parcours"])
        p["id_personne"] = pseudonymise(p["id_personne"], key, "P", pending.pop("id_personne", None))
        p["id_parcours"] = pseudonymise(p["id_parcours"], key, "C", pending.pop("id_parcours", None))
        if h is not None:
            h["id_parcours"] = _pseudonymised_hours(h["id_parcours"], p["id_parcours"], key, aligned)
        if "candidats" in frames and "id_personne" in frames["candidats"]:
            frames["candidats"]["id_personne"] = pseudonymise(frames["candidats"]["id_personne"], key, "P")
    for name, frame in frames.items():  # text as plain objects, except the hours' parcours identifiers
        for column in frame.columns:
            if isinstance(frame[column].dtype, pd.CategoricalDtype) and not (name == "heures"
                                                                              and column == "id_parcours"):
                frame[column] = _categorical_to_object(frame[column])
    for frame in frames.values():
        frame.index.name = "ligne"
    return Dataset(
        parcours=p,
        heures=frames.get("heures"),
        conventions=frames.get("conventions"),
        sites=frames.get("sites"),
        candidats=frames.get("candidats"),
        source=str(path),
        empreintes=checksums,
        bilan=bilan,
        avertissements=warnings,
    )
