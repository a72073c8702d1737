"""Reader of Excel workbooks (the template users fill, or their own): one raw sheet per known tab."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .model import SHEETS, Probleme
from .raw import HEADER_SCAN_ROWS, RawSheet, cell_text, fold_header, header_row, header_warning

#: Sheets of the template that carry no data.
IGNORED_SHEETS = ("documentation", "listes", "lisez moi", "lisezmoi")


XLSX_SUFFIXES = (".xlsx", ".xlsm")


ZIP_MAGIC = b"PK\x03\x04"


def read_xlsx_sheets(path: Path) -> tuple[list[RawSheet], list[Probleme]]:
    warnings: list[Probleme] = []
    books = pd.read_excel(path, sheet_name=None, dtype=object, engine="openpyxl", header=None)
    sheets = []
    for name, frame in books.items():
        folded = fold_header(name)
        if folded in IGNORED_SHEETS:
            continue
        if folded not in SHEETS:
            warnings.append(Probleme(path.name, name, None, None, None, "onglet inconnu, ignoré"))
            continue
        frame = frame.map(cell_text)
        rows = frame.head(HEADER_SCAN_ROWS).to_numpy().tolist()
        header = header_row(rows, folded) if rows else 0
        columns = [c or f"Unnamed: {i}" for i, c in enumerate(rows[header])] if rows else []
        data = frame.iloc[header + 1:].copy()
        data.columns = columns
        data.index = data.index + 1  # Excel row numbers start at 1
        sheets.append(RawSheet(path.name, folded, data))
        warnings += header_warning(path.name, folded, header, 1)
    return sheets, warnings
