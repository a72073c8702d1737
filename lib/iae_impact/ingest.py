"""Read a structure's records (XLSX workbook or folder of CSV files) into a validated dataset.

Contract: every input row is accepted or rejected with a reason (file, sheet, row,
column, value, French message); all problems are reported at once; invalid input
raises :class:`DonneesInvalides` and nothing is written; identifiers are replaced by
a keyed hash before the dataset leaves this module; raw files are only read.
French exports are detected, not asked for: ``;`` or ``,`` separators, UTF-8 (with
or without BOM) or cp1252, decimal commas, dd/mm/yyyy or ISO dates, Excel dates.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import reference, schema
from .pseudonym import load_key, pseudonymise

SHEETS = ("parcours", "heures", "conventions", "sites", "candidats")
#: Sheets of the template that carry no data.
IGNORED_SHEETS = ("documentation", "listes", "lisez moi", "lisezmoi")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
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
            where.append(f"ligne {self.ligne}")
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
    fichier: str
    feuille: str
    frame: pd.DataFrame  # all cells as text, "" = empty; index = row number in the file


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
        data = f.read_bytes()
        if path.is_dir() and f.suffix.lower() not in (".csv", ".txt", *XLSX_SUFFIXES):
            continue
        checksums[f.name] = hashlib.sha256(data).hexdigest()
        if data.startswith(ZIP_MAGIC) or f.suffix.lower() in XLSX_SUFFIXES:
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
    for header in raw.frame.columns:
        target = lookup.get(_fold(header))
        if target is None:
            if str(header).strip() and not str(header).startswith("Unnamed"):
                warnings.append(Probleme(raw.fichier, raw.feuille, 1, str(header), None,
                                         "colonne inconnue, ignorée (elle ne sera ni lue ni recopiée)"))
            continue
        if target in mapping.values():
            problems.append(Probleme(raw.fichier, raw.feuille, 1, str(header), None,
                                     f"deux colonnes correspondent à « {target} »"))
            continue
        mapping[header] = target
    present = set(mapping.values())
    for spec in specs:
        if spec.required and spec.name not in present:
            problems.append(Probleme(raw.fichier, raw.feuille, 1, spec.name, None,
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


def _parse_column(kind: str, s: pd.Series) -> tuple[pd.Series, pd.Series, str]:
    """Parse one text column; returns (values, failed mask, French message for failures)."""
    empty = s.eq("")
    if kind == schema.DATE:
        out = _parse_date(s)
        return out, out.isna() & ~empty, "date illisible (attendu jj/mm/aaaa)"
    if kind in (schema.DECIMAL, schema.ENTIER):
        out = _parse_number(s)
        failed = out.isna() & ~empty
        if kind == schema.ENTIER:
            frac = out.notna() & (out != np.floor(out))
            out = out.where(~frac)
            failed |= frac
            return out, failed, "nombre entier attendu"
        return out, failed, "nombre attendu"
    if kind == schema.BOOLEEN:
        out = s.map(lambda v: _BOOLS.get(reference.normalise_label(v))).astype("boolean")
        return out, out.isna() & ~empty, "oui ou non attendu"
    if kind == schema.SEXE:
        out = s.map(lambda v: _SEXES.get(reference.normalise_label(v)) if v else None)
        return out, out.isna() & ~empty, "sexe attendu : F ou M"
    if kind == schema.DUREE_FT:
        out = s.map(lambda v: _duration_category(v) if v else None)
        return (out, out.isna() & ~empty,
                "durée d'inscription non reconnue (catégorie, code 01 à 04 ou nombre de mois)")
    if kind == schema.MOTIF:
        out = s.map(lambda v: reference.canonical_motive(v) if v else None)
        return out, out.isna() & ~empty, "motif de sortie inconnu (voir l'onglet « listes » du modèle)"
    if kind == schema.CODE:
        out = s.str.upper().where(~empty)
        two_digits = out.str.fullmatch(r"\d(\.0)?", na=False)  # niveau 0 -> 00, Excel 50.0 -> 50
        out = out.where(~two_digits, out.str[0].str.zfill(2))
        return out, pd.Series(False, index=s.index), ""
    return s.where(~empty), pd.Series(False, index=s.index), ""


_PANDERA_MESSAGES = {
    "not_nullable": "valeur obligatoire manquante",
    "multiple_fields_uniqueness": "ligne en double (mêmes valeurs de : {cles})",
    "field_uniqueness": "identifiant en double",
}


def _typed_sheet(raw: _RawSheet) -> tuple[pd.DataFrame, list[Probleme], list[Probleme]]:
    """Map headers, parse every column to its kind, validate with the schema."""
    mapping, problems, warnings = _map_headers(raw)
    frame = raw.frame
    blank = frame.eq("").all(axis=1) if len(frame.columns) else pd.Series(True, index=frame.index)
    frame = frame.loc[~blank, list(mapping)].rename(columns=mapping)
    specs = {s.name: s for s in schema.column_specs(raw.feuille)}
    typed = {}
    parse_failed: set[tuple[int, str]] = set()
    for name in frame.columns:
        values, failed, message = _parse_column(specs[name].kind, frame[name])
        for idx in failed[failed].index:
            problems.append(Probleme(raw.fichier, raw.feuille, int(idx), name, frame.at[idx, name], message))
            parse_failed.add((int(idx), name))
        typed[name] = values
    out = pd.DataFrame(typed, index=frame.index)
    if raw.feuille in ("parcours", "conventions") and "structure" in out:
        # no site column, or a blank site cell: the structure stands for its single site
        out["site"] = out["site"].fillna(out["structure"]) if "site" in out else out["structure"]
    if raw.feuille == "parcours" and {"id_personne", "structure", "dispositif", "date_entree"} <= set(out):
        derived = _derive_parcours_ids(out)
        out["id_parcours"] = out["id_parcours"].fillna(derived) if "id_parcours" in out else derived
    for spec in specs.values():  # an optional column left out is an empty column
        if spec.name not in out and not spec.required and spec.nullable:
            dtype = {schema.DATE: "datetime64[ns]", schema.BOOLEEN: "boolean", schema.ENTIER: "float64",
                     schema.DECIMAL: "float64"}.get(spec.kind, object)
            out[spec.name] = pd.Series(None, index=out.index, dtype=dtype)
    for name in out.columns:
        kind = specs[name].kind
        if kind in (schema.TEXTE, schema.CODE, schema.MOTIF, schema.SEXE, schema.DUREE_FT):
            out[name] = out[name].astype(object).where(out[name].notna(), None)
        elif kind == schema.ENTIER:
            whole = out[name].notna().all() and not specs[name].nullable
            out[name] = out[name].astype("int64" if whole else "float64")
        elif kind == schema.DECIMAL:
            out[name] = out[name].astype("float64")
    if any(p.ligne == 1 and p.message == "colonne obligatoire absente" for p in problems):
        return out, problems, warnings  # row checks would only repeat the missing column
    try:
        out = schema.validate(raw.feuille, out)
    except schema.SchemaErrors as exc:
        problems += _schema_problems(raw, frame, exc.failure_cases, parse_failed)
    return out, problems, warnings


def _schema_problems(raw: _RawSheet, frame: pd.DataFrame, cases: pd.DataFrame,
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
        value = frame.at[row, column] if row is not None and column in frame.columns else None
        problems.append(Probleme(raw.fichier, raw.feuille, row, column, value, message))
    return problems


# --------------------------------------------------------------------------- cross-sheet rules


def _overlapping_parcours(p: pd.DataFrame) -> pd.Index:
    """Rows whose parcours starts before the previous parcours of the same person, structure, dispositif ended."""
    ordered = p.sort_values("date_entree")
    keys = ["id_personne", "structure", "dispositif"]
    previous_end = ordered.groupby(keys, sort=False)["date_sortie"].shift()
    has_previous = ordered.groupby(keys, sort=False).cumcount() > 0
    overlap = has_previous & (previous_end.isna() | (ordered["date_entree"] <= previous_end))
    return ordered.index[overlap]


def _cross_checks(frames: dict[str, pd.DataFrame], origin: dict[str, _RawSheet]) -> tuple[list, list]:
    problems: list[Probleme] = []
    warnings: list[Probleme] = []
    p = frames["parcours"]
    raw_p = origin["parcours"]
    for idx in _overlapping_parcours(p):
        problems.append(Probleme(raw_p.fichier, "parcours", int(idx), "date_entree",
                                 raw_p.frame.at[idx, _raw_name(raw_p, "date_entree")],
                                 "parcours qui chevauche un autre parcours de la même personne dans la même "
                                 "structure et le même dispositif"))
    h = frames.get("heures")
    if h is not None:
        raw_h = origin["heures"]
        if _raw_name(raw_p, "id_parcours") not in raw_p.frame.columns:
            problems.append(Probleme(raw_p.fichier, "parcours", 1, "id_parcours", None,
                                     "colonne obligatoire quand l'onglet heures est rempli"))
        else:
            unknown = ~h["id_parcours"].isin(p["id_parcours"])
            for idx in h.index[unknown]:
                problems.append(Probleme(raw_h.fichier, "heures", int(idx), "id_parcours", h.at[idx, "id_parcours"],
                                         "parcours inconnu dans l'onglet parcours"))
            spans = p.set_index("id_parcours")[["date_entree", "date_sortie"]]
            month_start = pd.to_datetime(dict(year=h["annee"], month=h["mois"], day=1), errors="coerce")
            joined = spans.reindex(h["id_parcours"]).set_index(h.index)
            outside = (h["heures"] > 0) & (
                (month_start + pd.offsets.MonthEnd(0) < joined["date_entree"])
                | (joined["date_sortie"].notna() & (month_start > joined["date_sortie"]))
            )
            for idx in h.index[outside & ~unknown]:
                warnings.append(Probleme(raw_h.fichier, "heures", int(idx), "mois", f"{h.at[idx, 'mois']}/"
                                         f"{h.at[idx, 'annee']}", "heures hors des dates du parcours"))
    for name in ("conventions", "sites"):
        other = frames.get(name)
        if other is not None and "site" in other:
            for idx in other.index[~other["site"].isin(p["site"])]:
                warnings.append(Probleme(origin[name].fichier, name, int(idx), "site", other.at[idx, "site"],
                                         "site absent de l'onglet parcours"))
    return problems, warnings


def _raw_name(raw: _RawSheet, column: str) -> str:
    specs = {s.name: s for s in schema.column_specs(raw.feuille)}
    for header in raw.frame.columns:
        if _fold(header) in {_fold(v) for v in (column, *specs[column].alias)}:
            return header
    return column


def _derive_parcours_ids(p: pd.DataFrame) -> pd.Series:
    """A parcours without an identifier is identified by person, structure, site, dispositif and entry date."""
    parts = [p[c].astype(str) for c in ("id_personne", "structure", "site", "dispositif")]
    parts.append(p["date_entree"].dt.strftime("%Y-%m-%d").fillna(""))
    return pd.concat(parts, axis=1).agg("|".join, axis=1) if len(p) else pd.Series(dtype=object)


# --------------------------------------------------------------------------- entry point


def read_dataset(path: str | Path, *, pseudonymiser: bool = True) -> Dataset:
    """Read, validate and pseudonymise an XLSX workbook or a folder of CSV files.

    Raises :class:`DonneesInvalides` listing every problem when the input cannot be used.
    Set ``pseudonymiser=False`` only for tests on fictional data.
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
    bilan: list[BilanFeuille] = []
    for name, raw in origin.items():
        typed, probs, warns = _typed_sheet(raw)
        frames[name] = typed
        sheet_problems[name] = probs
        warnings += warns
    if "parcours" in frames and not any(sheet_problems.values()) and not problems:
        cross, cross_warn = _cross_checks(frames, origin)
        warnings += cross_warn
        for prob in cross:
            sheet_problems.setdefault(prob.feuille or "parcours", []).append(prob)
    for name, raw in origin.items():
        blank = raw.frame.eq("").all(axis=1) if len(raw.frame.columns) else pd.Series(True, index=raw.frame.index)
        rows = {p.ligne for p in sheet_problems[name] if p.ligne is not None and p.ligne > 1}
        header_problem = any(p.ligne in (None, 1) for p in sheet_problems[name])
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
    if pseudonymiser:
        key = load_key()
        p["id_personne"] = pseudonymise(p["id_personne"], key, "P")
        p["id_parcours"] = pseudonymise(p["id_parcours"], key, "C")
        if "heures" in frames:
            frames["heures"]["id_parcours"] = pseudonymise(frames["heures"]["id_parcours"], key, "C")
        if "candidats" in frames and "id_personne" in frames["candidats"]:
            frames["candidats"]["id_personne"] = pseudonymise(frames["candidats"]["id_personne"], key, "P")
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
