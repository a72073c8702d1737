"""Reader of Excel workbooks (the template users fill, or their own): one raw sheet per known tab.

Before openpyxl parses anything, the archive is checked against the :class:`~.limits.Limites` (sizes
declared by the zip entries, which bound what can be inflated), then the XML of each known tab is
scanned once for its size (cells, columns) and for the cells openpyxl would read as empty although
the user wrote something there: a formula whose result was never computed (a workbook written by a
program, not saved by Excel or LibreOffice) and a formula error (``#N/A``…). Each such cell is a
problem, with its reference (``D7``), and its row is refused. A formula with a computed value is read
as that value.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .limits import RATIO_FROM_BYTES, Limites
from .model import SHEETS, Probleme
from .raw import (
    HEADER_SCAN_ROWS,
    RawSheet,
    cell_text,
    column_names,
    fold_header,
    header_row,
    header_warning,
    known_columns,
)

#: Sheets of the template that carry no data.
IGNORED_SHEETS = ("documentation", "listes", "lisez moi", "lisezmoi")


XLSX_SUFFIXES = (".xlsx", ".xlsm")


ZIP_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class BlankedCell:
    """A cell openpyxl reads as empty although it holds a formula without computed value, or an error."""

    row: int  # Excel row number (1 = first row)
    column: int  # 0-based column index
    reference: str  # « D7 »
    formula: str  # the formula as Excel shows it (« =A7&B7 »), "" for a typed error
    error: str  # the cached error (« #N/A »), "" when the value is missing


def check_archive(archive: zipfile.ZipFile, limites: Limites) -> None:
    """Refuse a workbook whose entries would inflate beyond the limits (sizes declared by the zip directory:
    :mod:`zipfile` never inflates an entry beyond its declared size)."""
    entries = archive.infolist()
    limites.check("octets_classeur", sum(e.file_size for e in entries), "octets une fois décompressé")
    for e in entries:
        if e.file_size > RATIO_FROM_BYTES:
            ratio = e.file_size // max(e.compress_size, 1)
            limites.check("taux_compression", ratio, f"fois plus gros une fois décompressé (« {e.filename} »)")


def _sheet_parts(path: Path) -> dict[str, str]:
    """Name of each worksheet -> its XML part in the archive (openpyxl's own reading of the workbook)."""
    from openpyxl.reader.excel import ExcelReader  # openpyxl is loaded only to read workbooks

    with open(path, "rb") as fh:  # a file object: openpyxl does not judge it by its extension
        reader = ExcelReader(fh, read_only=True, keep_links=False)
        try:
            reader.read_manifest()
            reader.read_workbook()
            return {sheet.name: rel.target for sheet, rel in reader.parser.find_sheets()
                    if "worksheet" in rel.Type and rel.target in reader.valid_files}
        finally:
            reader.archive.close()


def _column_index(ref: str) -> int:
    """0-based column of a cell reference (« D7 » -> 3)."""
    index = 0
    for ch in ref:
        if not ch.isalpha():
            break
        index = index * 26 + ord(ch.upper()) - 64
    return index - 1


class _SheetScan:
    """Cells, widest row and blanked cells of one worksheet's XML, read as a stream by expat (no element
    is built: a network's sheet of 400,000 cells is scanned in about a second)."""

    def __init__(self, limites: Limites):
        self.limites = limites
        self.cells = 0
        self.width = 0
        self.blanked: list[BlankedCell] = []
        self._shared: dict[str, tuple[str, str]] = {}  # shared formula id -> (master cell, formula)
        self._row, self._column = 0, -1  # current row number, column of the last cell read
        self._cell: dict = {}  # attributes of the current cell
        self._formula: dict | None = None  # attributes of its formula
        self._texts: dict[str, str] = {}  # text of its formula ("f") and value ("v")
        self._text: list[str] | None = None  # text being collected

    def start(self, name: str, attrs: dict) -> None:
        name = name.rpartition(":")[2]  # a prefixed namespace (« x:c ») names the same element
        if name == "c":
            self.cells += 1
            self._cell, self._formula, self._texts = attrs, None, {}
            ref = attrs.get("r")
            self._column = _column_index(ref) if ref else self._column + 1
            if self.cells & 0xFFFF == 0:
                self.limits()
        elif name == "f":
            self._formula, self._text = attrs, []
        elif name == "v" and (self._formula is not None or self._cell.get("t") == "e"):
            self._text = []  # a value is read only where it matters: after a formula, or an error
        elif name == "row":
            self.width = max(self.width, self._column + 1)
            r = attrs.get("r")
            self._row = int(r) if r else self._row + 1
            self._column = -1

    def end(self, name: str) -> None:
        name = name.rpartition(":")[2]
        if name in ("f", "v") and self._text is not None:
            self._texts[name] = "".join(self._text)
            self._text = None
        elif name == "c":
            self._end_cell()

    def text(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)

    def _end_cell(self) -> None:
        kind = self._cell.get("t", "n")
        value = self._texts.get("v", "")
        # a formula read as empty: no cached value ("str" with "": a computed empty text), or an error
        if kind == "e" or (self._formula is not None and not value and kind != "str"):
            reference = self._cell.get("r") or ""
            self.blanked.append(BlankedCell(self._row, self._column, reference, self._formula_text(reference),
                                            value if kind == "e" else ""))

    def _formula_text(self, reference: str) -> str:
        if self._formula is None:
            return ""
        text = self._texts.get("f", "")
        shared = self._formula.get("si") if self._formula.get("t") == "shared" else None
        if shared is not None and text:
            self._shared[shared] = (reference, text)
        elif shared is not None:
            master, text = self._shared.get(shared, ("", ""))
            return f"={text} (formule recopiée depuis {master})" if text else "(formule recopiée)"
        return f"={text}"

    def limits(self) -> None:
        self.limites.check("colonnes", max(self.width, self._column + 1), "colonnes")
        self.limites.check("cellules", self.cells, "cellules")

    def finish(self) -> None:
        """The sheet read to its end: its last row counts in its width, then the limits."""
        self.width = max(self.width, self._column + 1)
        self.limits()


def scan_sheet(archive: zipfile.ZipFile, part: str, limites: Limites) -> _SheetScan:
    """Stream one worksheet's XML: its size (refused beyond ``limites`` as soon as it is exceeded) and its
    blanked cells."""
    from xml.parsers import expat

    scan = _SheetScan(limites)
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.StartElementHandler, parser.EndElementHandler = scan.start, scan.end
    parser.CharacterDataHandler = scan.text
    with archive.open(part) as fh:
        parser.ParseFile(fh)
    scan.finish()
    return scan


def read_xlsx_sheets(path: Path, limites: Limites | None = None) -> tuple[list[RawSheet], list[Probleme]]:
    """The known tabs of a workbook as raw sheets, with the warnings (unknown tabs, title rows). Raises
    :class:`FichierIllisible` beyond ``limites``; a damaged workbook raises what zipfile or openpyxl raise."""
    limites = limites or Limites.from_env()
    with zipfile.ZipFile(path) as archive:
        check_archive(archive, limites)
        parts = _sheet_parts(path)
        known = {name: fold_header(name) for name in parts if fold_header(name) in SHEETS}
        scans = {name: scan_sheet(archive, parts[name], limites) for name in known}
    warnings = [Probleme(path.name, name, None, None, None, "onglet inconnu, ignoré") for name in parts
                if name not in known and fold_header(name) not in IGNORED_SHEETS]
    books = pd.read_excel(path, sheet_name=list(known), dtype=object, engine="openpyxl", header=None) \
        if known else {}
    sheets = []
    for name, frame in books.items():
        sheet, warn = _raw_sheet(path.name, known[name], frame.map(cell_text), scans[name])
        sheets.append(sheet)
        warnings += warn
    return sheets, warnings


def _raw_sheet(fichier: str, feuille: str, frame: pd.DataFrame, scan: _SheetScan) -> tuple[RawSheet, list[Probleme]]:
    """One tab's text cells below its header, with the problems of its blanked cells."""
    rows = frame.head(HEADER_SCAN_ROWS).to_numpy().tolist()
    header = header_row(rows, feuille) if rows else 0
    columns = column_names(rows[header]) if rows else []
    data = frame.iloc[header + 1:].copy()
    data.columns = columns
    data.index = data.index + 1  # Excel row numbers start at 1
    problems = _blanked_problems(fichier, feuille, scan.blanked, header, columns)
    last = max((p.ligne for p in problems), default=0)
    if len(columns) and last > (data.index.max() if len(data) else header + 1):  # trailing rows read as empty
        data = data.reindex(pd.RangeIndex(header + 2, last + 1), fill_value="")
    raw = RawSheet(fichier, feuille, data, header_line=header + 1, problems=problems)
    return raw, header_warning(fichier, feuille, header, 1)


def _blanked_problems(fichier: str, feuille: str, blanked: list[BlankedCell], header: int,
                      columns: list[str]) -> list[Probleme]:
    """A problem for each blanked cell of the header or of a column the reader uses (title rows above the
    header and unknown columns are ignored anyway)."""
    problems = []
    for cell in blanked:
        if cell.row - 1 < header:
            continue
        name = columns[cell.column] if cell.column < len(columns) else ""
        in_header = cell.row - 1 == header
        if not in_header and not known_columns([name], feuille):
            continue
        where = f"cellule {cell.reference}" + (" de l'en-tête" if in_header else "")
        if cell.error:
            message = (f"{where} : erreur {cell.error}, lue comme vide ; corrigez la formule ou saisissez "
                       "la valeur")
        else:
            message = (f"{where} : formule sans valeur calculée, lue comme vide (classeur écrit par un programme "
                       "et jamais recalculé) ; ouvrez-le dans Excel ou LibreOffice et enregistrez-le, ou "
                       "remplacez la formule par sa valeur")
        problems.append(Probleme(fichier, feuille, cell.row, None if in_header else name,
                                 cell.formula or cell.error, message))
    return problems
