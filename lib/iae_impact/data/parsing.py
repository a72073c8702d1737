"""Text cells to typed values, by column kind: numbers (decimal comma, thousands spaces), dates (French,
ISO, Excel serials), yes/no, sex, registration duration, exit motive, codes. Each rule is applied once
per distinct value, then spread to the rows."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..rules.exits import canonical_motive
from ..rules.values import boolean_value, duration_category, sex_value
from . import schema

EXCEL_EPOCH = pd.Timestamp("1899-12-30")


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


def parse_values(kind: str, s: pd.Series) -> tuple[pd.Series, pd.Series]:
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
        out = s.map(boolean_value).astype("boolean")
        return out, out.isna() & ~empty
    if kind == schema.SEXE:
        out = s.map(sex_value)
        return out, out.isna() & ~empty
    if kind == schema.DUREE_FT:
        out = s.map(lambda v: duration_category(v) if v else None)
        return out, out.isna() & ~empty
    if kind == schema.MOTIF:
        out = s.map(lambda v: canonical_motive(v) if v else None)
        return out, out.isna() & ~empty
    if kind == schema.CODE:
        out = s.str.upper().where(~empty)
        two_digits = out.str.fullmatch(r"\d(\.0)?", na=False)  # niveau 0 -> 00, Excel 50.0 -> 50
        out = out.where(~two_digits, out.str[0].str.zfill(2))
        return out, pd.Series(False, index=s.index)
    return s.where(~empty), pd.Series(False, index=s.index)


def parse_column(kind: str, s: pd.Series) -> tuple[pd.Series, pd.Series, str]:
    """Parse one text column; returns (values, failed mask, French message for failures).

    The rules are applied once per distinct cell value, then spread to the rows.
    """
    codes, uniques = pd.factorize(s.to_numpy(dtype=object))
    values, failed = parse_values(kind, pd.Series(uniques, dtype=object))
    return (spread(values, codes, s.index), pd.Series(failed.to_numpy()[codes], index=s.index),
            PARSE_MESSAGES.get(kind, ""))


def spread(values: pd.Series, codes: np.ndarray, index: pd.Index) -> pd.Series:
    """Values of the distinct cells, one per row (``codes``: position of each row's value)."""
    return pd.Series(values.iloc[codes].array, index=index, dtype=values.dtype)
