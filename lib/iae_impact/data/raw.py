"""One sheet as read, before any parsing: text cells (CSV, XLSX) or typed arrow columns (parquet), with
the row numbers the user sees, blank rows, and the header found among the first rows."""

from __future__ import annotations

import datetime as dt
import errno
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..base.text import fold
from ..rules.values import quantity_words, unit_family
from . import schema
from .model import Probleme

if TYPE_CHECKING:
    import pyarrow as pa

class FichierIllisible(Exception):
    """A file that cannot be read as text or as a workbook (message in French)."""


#: The system's reasons for a failed read, in French (else the error's symbolic name).
_OS_REASONS = {errno.EACCES: "permission refusée", errno.EPERM: "opération non permise",
               errno.ENOENT: "fichier introuvable", errno.EISDIR: "c'est un dossier",
               errno.ENOTDIR: "un élément du chemin n'est pas un dossier", errno.EIO: "erreur d'entrée-sortie",
               errno.ELOOP: "trop de liens symboliques", errno.ENAMETOOLONG: "nom trop long",
               errno.ENOSPC: "disque plein", errno.EROFS: "système de fichiers en lecture seule"}


def os_message(exc: OSError) -> str:
    """Why the system refused a read, in French."""
    return _OS_REASONS.get(exc.errno, errno.errorcode.get(exc.errno or 0, type(exc).__name__))


@dataclass
class RawSheet:
    """One sheet as read: text cells (CSV, XLSX) or typed columns (parquet)."""

    fichier: str
    feuille: str
    frame: pd.DataFrame | None  # text cells, "" = empty; index = row number in the file
    table: pa.Table | None = None  # parquet: the columns as stored; row label = rank + 1
    #: Line of the header: problems about a whole column are reported there (None: no header line).
    header_line: int | None = 1
    path: Path | None = None  # parquet: the file, read again for a cell once the table is released
    #: Problems found while reading, before any parsing (a workbook's formula left without value): their
    #: rows are refused, and never taken for blank rows.
    problems: list[Probleme] = field(default_factory=list)
    #: Header -> schema column, when the reader knows it (fluxIAE views): no header matching then.
    columns_map: dict[str, str] | None = None
    #: The files of a sheet given in several files (:mod:`iae_impact.data.combine`), empty otherwise.
    parts: list = field(default_factory=list)
    #: Exit motives the data define beyond the project's table (folded label -> label: a fluxIAE extract's
    #: RefMotifSort labels that its RefCategorieSort classes).
    extra_motives: dict[str, str] = field(default_factory=dict)
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

    def column_of(self, header: str) -> str | None:
        """The schema column a header of this sheet names (None: unknown or refused)."""
        if self.columns_map is not None:
            return self.columns_map.get(header)
        return match_header(header, self.feuille)[0]

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
        return cell_text(column[int(label) - 1].as_py())

    def release(self) -> None:
        """Parsed: the typed columns live in the frame now, the arrow copy can go (hundreds of MB)."""
        if self.frame is None and self.table is not None:
            self.blank  # noqa: B018 - computed while the table is there
            self.columns  # noqa: B018
            self.table = None


def _blank_rows(raw: RawSheet) -> np.ndarray:
    if raw.frame is not None:
        frame = raw.frame
        blank = (frame.eq("").all(axis=1) if len(frame.columns) else pd.Series(True, index=frame.index)).to_numpy()
        if raw.problems:
            blank &= ~frame.index.isin([p.ligne for p in raw.problems])
        return blank
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


def fold_header(text: object) -> str:
    """A column header folded for matching (« Date_entrée », « date entree » and « Date d'entrée » alike)."""
    return fold(text, separators=True)


def _duration_text(seconds: int) -> str:
    """A duration as hours and minutes (« 24:48 », « 19:06:30 »): read as hours where hours are expected,
    refused elsewhere."""
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}" + (f":{secs:02d}" if secs else "")


def cell_text(v: object) -> str:
    """Excel cells arrive typed: turn them into the same text a CSV would hold."""
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return ""
    if isinstance(v, dt.time):  # a cell formatted as a time of day (h:mm): a duration under 24 h
        return _duration_text(v.hour * 3600 + v.minute * 60 + v.second)
    if isinstance(v, dt.timedelta):  # a duration cell ([h]:mm) of 24 h or more
        return _duration_text(round(v.total_seconds()))
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


@cache
def _header_lookup(feuille: str) -> dict[str, schema.ColumnSpec]:
    """Folded name or accepted variant of a header -> its column."""
    return {fold_header(v): spec for spec in schema.column_specs(feuille) for v in (spec.name, *spec.alias)}


#: A unit written after a header: « Aide au poste (€) », « Heures [h] ».
_UNIT = re.compile(r"(.*?)\s*[(\[]\s*([^()\[\]]*?)\s*[)\]]")


def _without_quantity_word(folded: str) -> str | None:
    """``folded`` without a leading « nb » or « nombre de » (None when it has none)."""
    for word in quantity_words():
        if folded.startswith(word) and len(folded) > len(word) and (word.endswith("'") or folded[len(word)] == " "):
            return folded[len(word):].strip()
    return None


def match_header(header: object, feuille: str) -> tuple[str | None, str | None]:
    """The column a header names in ``feuille`` and, when it names one with a unit that does not fit, why it
    is refused: (column or None, French problem or None).

    Tried in turn: the header as written (its name or an accepted variant, ``graphies.csv``); without a unit
    in parentheses or brackets (« Aide au poste (€) »), the unit having to be the column's (€ for an amount,
    h for hours, % for a rate); without a leading « nb » / « nombre de » before a quantity (« Nb heures »).
    Two headers naming one column stay an error (:func:`iae_impact.data.validation.typed_sheet`).
    """
    lookup = _header_lookup(feuille)
    folded = fold_header(header)
    if folded in lookup:
        return lookup[folded].name, None
    written_unit, unit, base = None, None, folded
    found = _UNIT.fullmatch(folded)
    if found is not None:
        base, written_unit = found.group(1), found.group(2)
        unit = unit_family(written_unit)
        if unit is None:
            return None, None  # « (total) », « (2024) »: not a unit, the header is not recognised
    stripped = _without_quantity_word(base)
    for candidate, quantity_only in ((base, False), (stripped, True)):
        spec = lookup.get(candidate) if candidate else None
        if spec is None or (quantity_only and not spec.quantity):
            continue
        if unit is not None and spec.unit != unit:
            named = str(header).split("(")[0].split("[")[0].strip()
            expected = UNIT_LABELS.get(spec.unit, "une valeur sans unité")
            return None, f"unité « {written_unit} » inattendue : « {named} » attend {expected}"
        return spec.name, None
    return None, None


#: What a column of each unit family holds, in messages.
UNIT_LABELS = {"eur": "un montant en €", "heures": "des heures", "pourcent": "un taux en %", "etp": "des ETP"}


def known_columns(row: list, feuille: str) -> int:
    """How many cells of ``row`` name a column of ``feuille`` (its name or an accepted variant)."""
    return sum(match_header(c, feuille)[0] is not None for c in row if str(c).strip())


def header_row(rows: list[list[str]], feuille: str) -> int:
    """Index of the header among the first rows: the first naming two known columns (else the best)."""
    best, best_score = 0, 0
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        score = known_columns(row, feuille)
        if score >= 2:
            return i
        if score > best_score:
            best, best_score = i, score
    return best


def header_warning(fichier: str, feuille: str, header: int, first_row: int) -> list[Probleme]:
    if header == 0:
        return []
    return [Probleme(fichier, feuille, first_row + header, None, None,
                     f"en-tête trouvé ligne {first_row + header} : les {header} ligne(s) au-dessus sont ignorées")]


def column_names(cells: list) -> list[str]:
    """Header cells as column names: an empty one is « Unnamed: i », a repeated one gets « .1 », « .2 »
    (as pandas names them)."""
    names: list[str] = []
    seen: dict[str, int] = {}
    for i, cell in enumerate(cells):
        name = str(cell) if cell is not None and str(cell) != "" else f"Unnamed: {i}"
        while name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        seen.setdefault(name, 0)
        names.append(name)
    return names


def raw_name(raw: RawSheet, column: str) -> str:
    """The user's own header of a schema column (the column's name when the sheet has none)."""
    for header in raw.columns:
        if raw.column_of(header) == column:
            return header
    return column
