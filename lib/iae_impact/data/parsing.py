"""Text cells to typed values, by column kind: numbers (decimal comma, thousands spaces), dates (French,
ISO, Excel serials), yes/no, sex, registration duration, exit motive, codes. A column's vocabulary
(``data/reference/graphies.csv``) adds the spellings it accepts: ASP codes (``OUI-M``, ``QP``, ``ACI_DC``),
education levels, short motive wordings, hours written as durations (``24:48``, ``19h06``), rates in
percent. Each rule is applied once per distinct value, then spread to the rows."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..rules.exits import canonical_motive
from ..rules.values import boolean_value, coded_value, duration_category, refusal_reason, sex_value
from . import schema

EXCEL_EPOCH = pd.Timestamp("1899-12-30")


_NUMBER_SPACES = re.compile(r"[\s\u00a0\u202f']")
#: Hours written as a duration: « 24:48 », « 19h06 », « 19 h », « 1 234:30 », « 24:48:00 » (hours, minutes, seconds).
_DURATION = re.compile(r"(\d+)\s*[:hH]\s*(?:(\d{1,2})(?:\s*(?::|min|mn|m)\s*(\d{1,2})?)?)?\s*(?:min|mn)?")
#: A rate in percent: « 60 », « 60 % », « 60,5 % ».
_PERCENT = re.compile(r"(.*?)\s*%")


def _parse_duration(s: pd.Series) -> pd.Series:
    """Hours written as a duration (minutes and seconds below 60), NaN otherwise."""
    def one(text: str) -> float:
        match = _DURATION.fullmatch(_NUMBER_SPACES.sub("", text))
        if match is None:
            return np.nan
        minutes, seconds = int(match.group(2) or 0), int(match.group(3) or 0)
        if minutes >= 60 or seconds >= 60:
            return np.nan
        return int(match.group(1)) + minutes / 60 + seconds / 3600
    return s.map(one).astype("float64")


def _parse_percent(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """A rate in percent as a proportion (« 60 % », « 60 » -> 0.6); a number between 0 and 1 without « % » is
    refused as ambiguous (0,6 % or 60 %?)."""
    marked = s.str.fullmatch(_PERCENT.pattern)
    numbers = _parse_number(s.str.replace("%", "", regex=False).str.strip())
    ambiguous = ~marked & (numbers > 0) & (numbers <= 1)
    return (numbers / 100).where(~ambiguous), ambiguous


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


PARSE_MESSAGES = {
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


#: Message for a rate between 0 and 1 written without « % ».
AMBIGUOUS_PERCENT = "taux ambigu : écrivez-le en pourcentage (60 ou 60 % pour 60 %)"


def failure_message(kind: str, vocabulary: str | None, text: str) -> str:
    """Why a cell could not be read: the alias table's own explanation for a refused spelling (« sans
    diplôme », ``FDI_DC``), else the message of the column's kind."""
    reason = refusal_reason(vocabulary, text)
    if reason:
        return reason
    if vocabulary == "pourcent" and not _PERCENT.fullmatch(text):
        number = _parse_number(pd.Series([text], dtype=object)).iloc[0]
        if 0 < number <= 1:
            return AMBIGUOUS_PERCENT
    return PARSE_MESSAGES.get(kind, "")


def _coded(s: pd.Series, vocabulary: str) -> tuple[pd.Series, pd.Series]:
    """Values of ``vocabulary`` found in the table: (value or None, refused mask)."""
    found = s.map(lambda v: coded_value(vocabulary, v))
    value = found.map(lambda f: None if f is None or f.effet == "refuse" else f.valeur)
    refused = found.map(lambda f: f is not None and f.effet == "refuse").astype(bool)
    return value, refused


def _parse_numbers(kind: str, s: pd.Series, empty: pd.Series, vocabulary: str | None) -> tuple[pd.Series, pd.Series]:
    if kind == schema.DECIMAL and vocabulary == "pourcent":
        out, ambiguous = _parse_percent(s)
        return out, (out.isna() & ~empty) | ambiguous
    out = _parse_number(s)
    if vocabulary == "heures":
        out = out.where(out.notna(), _parse_duration(s))
    failed = out.isna() & ~empty
    if kind == schema.ENTIER:
        frac = out.notna() & (out != np.floor(out))
        out = out.where(~frac)
        failed |= frac
    return out, failed


def _parse_code(s: pd.Series, empty: pd.Series, vocabulary: str | None) -> tuple[pd.Series, pd.Series]:
    out = s.str.upper().where(~empty)
    two_digits = out.str.fullmatch(r"\d(\.0)?", na=False)  # niveau 0 -> 00, Excel 50.0 -> 50
    out = out.where(~two_digits, out.str[0].str.zfill(2))
    if vocabulary:  # a spelling of the table first (ACI_DC -> ACI, « CAP, BEP » -> N3); a refused one fails
        value, refused = _coded(s, vocabulary)
        out = out.where(value.isna(), value)
        return out.where(~refused), refused
    return out, pd.Series(False, index=s.index)


def parse_values(kind: str, s: pd.Series, vocabulary: str | None = None) -> tuple[pd.Series, pd.Series]:
    """Parse text cells (no missing value, "" = empty) to ``kind``, with the spellings of ``vocabulary``;
    returns (values, failed mask)."""
    empty = s.eq("")
    if kind == schema.DATE:
        out = _parse_date(s)
        return out, out.isna() & ~empty
    if kind in (schema.DECIMAL, schema.ENTIER):
        return _parse_numbers(kind, s, empty, vocabulary)
    if kind == schema.CODE:
        return _parse_code(s, empty, vocabulary)
    mapped = {
        schema.BOOLEEN: lambda v: boolean_value(v, vocabulary),
        schema.SEXE: sex_value,
        schema.DUREE_FT: lambda v: duration_category(v) if v else None,
        schema.MOTIF: lambda v: canonical_motive(v) if v else None,
    }.get(kind)
    if mapped is None:
        return s.where(~empty), pd.Series(False, index=s.index)
    out = s.map(mapped)
    if kind == schema.BOOLEEN:
        out = out.astype("boolean")
    return out, out.isna() & ~empty


def parse_column(kind: str, s: pd.Series, vocabulary: str | None = None) -> tuple[pd.Series, pd.Series, str]:
    """Parse one text column; returns (values, failed mask, French message for failures).

    The rules are applied once per distinct cell value, then spread to the rows.
    """
    codes, uniques = pd.factorize(s.to_numpy(dtype=object))
    values, failed = parse_values(kind, pd.Series(uniques, dtype=object), vocabulary)
    return (spread(values, codes, s.index), pd.Series(failed.to_numpy()[codes], index=s.index),
            PARSE_MESSAGES.get(kind, ""))


def spread(values: pd.Series, codes: np.ndarray, index: pd.Index) -> pd.Series:
    """Values of the distinct cells, one per row (``codes``: position of each row's value)."""
    return pd.Series(values.iloc[codes].array, index=index, dtype=values.dtype)
