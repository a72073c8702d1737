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
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from ..base.paths import resolve
from .combine import combine, locate, part_accounting
from .crosschecks import cross_checks, points_at_rows
from .limits import Limites, read_file_bytes
from .model import DEMO_MARKER, PARQUET_SUFFIXES, SHEETS, BilanFeuille, Dataset, DonneesInvalides, Probleme
from .pseudonym import categorical_from_codes, existing_key, load_key, pseudonymise, start_codes
from .raw import FichierIllisible, RawSheet, fold_header, os_message
from .read_csv import parser_message, read_csv_sheet
from .read_fluxiae import is_fluxiae_folder, read_fluxiae
from .read_parquet import PARQUET_MAGIC, read_parquet_sheet
from .read_xlsx import XLSX_SUFFIXES, ZIP_MAGIC, read_xlsx_sheets
from .validation import typed_sheet


def _sheet_of_csv(path: Path) -> str | None:
    tokens = fold_header(path.stem).split()
    return tokens[0] if tokens and tokens[0] in SHEETS else None


def _collect(path: Path, limites: Limites) -> tuple[list[RawSheet], dict[str, str], list[Probleme], list[Probleme]]:
    """Read every sheet of the input; returns sheets, file checksums, problems, warnings."""
    if not path.exists():
        raise DonneesInvalides([Probleme(str(path), None, None, None, None, "fichier ou dossier introuvable")])
    in_folder = path.is_dir()
    try:
        files = sorted(p for p in path.iterdir() if not p.is_dir() and not p.name.startswith((".", "~$"))) \
            if in_folder else [path]
    except OSError as exc:
        raise DonneesInvalides([Probleme(path.name, None, None, None, None,
                                         f"dossier illisible ({os_message(exc)})")]) from None
    sheets: list[RawSheet] = []
    checksums: dict[str, str] = {}
    problems: list[Probleme] = []
    warnings: list[Probleme] = []
    for f in files:
        if in_folder and f.suffix.lower() not in (".csv", ".txt", *XLSX_SUFFIXES, *PARQUET_SUFFIXES):
            continue
        checksum, found, probs, warns = _read_file(f, in_folder, limites)
        if checksum:
            checksums[f.name] = checksum
        sheets += found
        problems += probs
        warnings += warns
    return sheets, checksums, problems, warnings


def _read_file(f: Path, in_folder: bool, limites: Limites) -> tuple[str, list[RawSheet], list[Probleme],
                                                                     list[Probleme]]:
    """One file: its checksum ("" when it could not be read), its sheets (parquet, workbook or CSV, told by
    content and name), problems and warnings. In a folder, a parquet or CSV file is the sheet its name starts
    with; alone, the parcours sheet. No reader error escapes: each one is a problem naming the file."""
    try:
        data = read_file_bytes(f, limites)
    except FichierIllisible as exc:
        return "", [], [Probleme(f.name, None, None, None, None, str(exc))], []
    checksum = hashlib.sha256(data).hexdigest()
    suffix = f.suffix.lower()
    parquet = suffix in PARQUET_SUFFIXES or (data.startswith(PARQUET_MAGIC) and data.endswith(PARQUET_MAGIC))
    if not parquet and (data.startswith(ZIP_MAGIC) or suffix in XLSX_SUFFIXES):
        del data
        found, probs, warns = _read_workbook(f, limites)
        return checksum, found, probs, warns
    feuille = _sheet_of_csv(f) if in_folder else "parcours"
    if feuille is None:
        return checksum, [], [], [Probleme(f.name, None, None, None, None, "fichier ignoré : son nom ne commence "
                                           f"pas par un nom d'onglet ({', '.join(SHEETS)})")]
    del data  # read again by arrow or the CSV reader: a large file's bytes are not kept meanwhile
    found, probs, warns = _read_sheet_file(f, feuille, parquet, limites)
    return checksum, found, probs, warns


def _read_workbook(f: Path, limites: Limites) -> tuple[list[RawSheet], list[Probleme], list[Probleme]]:
    try:
        found, warn = read_xlsx_sheets(f, limites)
    except FichierIllisible as exc:
        return [], [Probleme(f.name, None, None, None, None, str(exc))], []
    except MemoryError:
        return [], [Probleme(f.name, None, None, None, None, _NO_MEMORY)], []
    except (LookupError, UnicodeError) as exc:  # an XML part declaring an unknown or wrong encoding
        return [], [Probleme(f.name, None, None, None, None, "classeur Excel illisible : une de ses parties déclare "
                             f"un encodage de caractères inconnu ou faux ({type(exc).__name__})")], []
    except Exception as exc:  # noqa: BLE001 - openpyxl and the zip and XML readers raise many types for a damaged file
        return [], [Probleme(f.name, None, None, None, None,
                             f"classeur Excel illisible ou endommagé ({type(exc).__name__})")], []
    return found, [], warn


_NO_MEMORY = "mémoire insuffisante pour lire ce fichier : découpez-le ou fournissez-le en parquet"


def _read_sheet_file(f: Path, feuille: str, parquet: bool, limites: Limites) -> tuple[
        list[RawSheet], list[Probleme], list[Probleme]]:
    """A parquet or a CSV file as one sheet."""
    try:
        if parquet:
            return [read_parquet_sheet(f, feuille, limites)], [], []
        sheet, warn = read_csv_sheet(f, feuille, limites)
        return [sheet], [], warn
    except FichierIllisible as exc:
        message = str(exc)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error) as exc:
        message = f"fichier CSV illisible ({parser_message(exc)})"
    except MemoryError:
        message = _NO_MEMORY
    except Exception as exc:  # noqa: BLE001 - whatever a reader raises, the user reads a French message
        message = f"fichier illisible ou endommagé ({type(exc).__name__})"
    return [], [Probleme(f.name, feuille, None, None, None, message)], []


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


def read_dataset(path: str | Path, *, pseudonymiser: bool = True, limites: Limites | None = None) -> Dataset:
    """Read, validate and pseudonymise an XLSX workbook, a folder of CSV or parquet files, one parquet file, or
    a folder of ASP fluxIAE views (:mod:`.read_fluxiae`).

    Raises :class:`DonneesInvalides` listing every problem when the input cannot be used.
    Set ``pseudonymiser=False`` only for tests on fictional data. ``limites``: what one file may hold
    (:class:`~iae_impact.data.limits.Limites`; by default, from the environment variables).

    Numbers and dates are plain numpy columns (``int64``, ``float64``, ``datetime64[ns]``), yes/no
    columns ``boolean``, text columns ``object``; from parquet, ``heures.id_parcours`` is a categorical
    whose categories are the parcours identifiers in the order of the ``parcours`` rows (its codes are
    row positions in ``parcours``), so that 12 million hour rows hold no per-row string.
    """
    path = resolve(path)
    limites = limites or Limites.from_env()
    extract = read_fluxiae(path, limites) if is_fluxiae_folder(path) else None
    if extract is not None:  # an ASP fluxIAE extract: its views mapped to the same raw sheets
        raws, checksums, problems, warnings = extract.sheets, extract.empreintes, extract.problems, extract.warnings
    else:
        raws, checksums, problems, warnings = _collect(path, limites)
    origin, combined = _one_sheet_each(raws, problems)
    try:
        dataset = _read_sheets(path, origin, checksums, problems, warnings, pseudonymiser)
    except DonneesInvalides as exc:
        if not combined:
            raise
        raise DonneesInvalides([locate(p, combined) for p in exc.problemes], _split_accounting(exc.bilan, origin,
                                                                                               exc.problemes)) from None
    if combined:
        dataset.avertissements = [locate(w, combined) for w in dataset.avertissements]
        dataset.bilan = _split_accounting(dataset.bilan, origin, [])
    dataset.fictif = _is_demo(path, checksums)
    if extract is not None and extract.categories is not None:  # the extract's own motive table wins
        dataset.categories_motifs, dataset.source_motifs = extract.categories, extract.source_motifs
    return dataset


#: A marker larger than this is not the demo's (it lists a handful of files).
_MARKER_MAX_BYTES = 64 * 1024


def _is_demo(path: Path, checksums: dict[str, str]) -> bool:
    """True when ``path`` is a folder holding the demo's marker and every file read is one it lists, with the
    same checksum (a demo file edited, or a file added, and the data are no longer the demo)."""
    marker = path / DEMO_MARKER if path.is_dir() else None
    if marker is None or not marker.is_file() or marker.stat().st_size > _MARKER_MAX_BYTES:
        return False
    try:
        listed = json.loads(marker.read_text(encoding="utf-8")).get("fichiers")
    except (OSError, ValueError, AttributeError):
        return False
    return bool(checksums) and listed == checksums


def _one_sheet_each(raws: list[RawSheet], problems: list[Probleme]) -> tuple[dict[str, RawSheet], dict[str, RawSheet]]:
    """One raw sheet per sheet name: the files of a sheet given several times (``heures_2023.csv``,
    ``heures_2024.csv``) combined into one (:mod:`.combine`); returns the sheets and the combined ones."""
    by_sheet: dict[str, list[RawSheet]] = {}
    for raw in raws:
        by_sheet.setdefault(raw.feuille, []).append(raw)
    origin: dict[str, RawSheet] = {}
    combined: dict[str, RawSheet] = {}
    for sheet, found in by_sheet.items():
        if len(found) == 1:
            origin[sheet] = found[0]
            continue
        raw, problem = combine(found)
        if problem is not None:
            problems.append(problem)
            continue
        origin[sheet] = combined[raw.fichier] = raw
    return origin, combined


def _split_accounting(bilan: list[BilanFeuille], origin: dict[str, RawSheet], problems: list[Probleme]) -> list:
    """The row accounting of a combined sheet told file by file."""
    out = []
    for b in bilan:
        raw = origin.get(b.feuille)
        if raw is None or not raw.parts or b.fichier != raw.fichier:
            out.append(b)
            continue
        out += part_accounting(raw, [p for p in problems if p.fichier == raw.fichier and p.feuille == b.feuille])
    return out


def _read_sheets(path: Path, origin: dict[str, RawSheet], checksums: dict, problems: list, warnings: list,
                 pseudonymiser: bool) -> Dataset:
    """Parse and validate every sheet, then the cross-sheet rules and the pseudonymisation."""
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
        parsed[name] = typed_sheet(origin[name], identifiers, start if name == "parcours" else None)
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
    if "parcours" in frames and not any(sheet_problems.values()) and not problems:
        cross, cross_warn = cross_checks(frames, origin)
        warnings += cross_warn
        for prob in cross:
            sheet_problems.setdefault(prob.feuille or "parcours", []).append(prob)
    bilan = [_row_accounting(raw, sheet_problems[name]) for name, raw in origin.items()]
    for name in origin:
        problems += sheet_problems[name]
    if "parcours" in frames and frames["parcours"].empty and not problems:
        problems.append(Probleme(origin["parcours"].fichier, "parcours", None, None, None,
                                 "l'onglet « parcours » ne contient aucune ligne"))
    if problems:
        raise DonneesInvalides(problems, bilan)
    frames = {name: f for name, f in frames.items() if name == "parcours" or not f.empty}  # empty = absent
    if pseudonymiser:
        _pseudonymise(frames, pending)
    for name, frame in frames.items():  # text as plain objects, except the hours' parcours identifiers
        for column in frame.columns:
            if isinstance(frame[column].dtype, pd.CategoricalDtype) and not (name == "heures"
                                                                              and column == "id_parcours"):
                frame[column] = _categorical_to_object(frame[column])
        frame.index.name = "ligne"
    return Dataset(
        parcours=frames["parcours"],
        heures=frames.get("heures"),
        conventions=frames.get("conventions"),
        sites=frames.get("sites"),
        candidats=frames.get("candidats"),
        source=str(path),
        empreintes=checksums,
        bilan=bilan,
        avertissements=warnings,
    )


def _row_accounting(raw: RawSheet, problems: list[Probleme]) -> BilanFeuille:
    """Rows read (blank rows apart), rows rejected: all of them when a problem concerns the whole sheet."""
    header = raw.header_line
    rows = {p.ligne for p in problems if p.ligne is not None and p.ligne != header}
    header_problem = any(p.ligne is None or p.ligne == header for p in problems)
    read = int((~raw.blank).sum())
    return BilanFeuille(raw.fichier, raw.feuille, read, read if header_problem else len(rows), int(raw.blank.sum()))


def _pseudonymise(frames: dict[str, pd.DataFrame], pending: dict) -> None:
    """Replace every identifier by its keyed code, in place (``pending``: codes already being computed)."""
    key = load_key()
    p, h = frames["parcours"], frames.get("heures")
    aligned = h is not None and points_at_rows(h["id_parcours"], p["id_parcours"])
    p["id_personne"] = pseudonymise(p["id_personne"], key, "P", pending.pop("id_personne", None))
    p["id_parcours"] = pseudonymise(p["id_parcours"], key, "C", pending.pop("id_parcours", None))
    if h is not None:
        h["id_parcours"] = _pseudonymised_hours(h["id_parcours"], p["id_parcours"], key, aligned)
    if "candidats" in frames and "id_personne" in frames["candidats"]:
        frames["candidats"]["id_personne"] = pseudonymise(frames["candidats"]["id_personne"], key, "P")
