"""Reader of parquet files (networks, national extracts): typed columns are taken as they are, the others
go through the text rules once per distinct value."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from . import schema
from .limits import Limites
from .parsing import PARSE_MESSAGES, TEXT_KINDS, parse_column, parse_values, spread
from .pseudonym import categorical_from_codes
from .raw import FichierIllisible, RawSheet, cell_text

if TYPE_CHECKING:
    import pyarrow as pa

PARQUET_MAGIC = b"PAR1"


def read_parquet_sheet(path: Path, feuille: str, limites: Limites | None = None) -> RawSheet:
    """A parquet file: its columns are kept typed (arrow) and parsed column by column later. Its size
    (columns, rows x columns) is checked on its footer first: a few kilobytes can declare billions of rows."""
    import pyarrow.parquet as pq

    limites = limites or Limites.from_env()
    try:
        meta = pq.read_metadata(path)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises many types for a damaged file
        raise FichierIllisible(f"fichier parquet illisible ou endommagé ({type(exc).__name__})") from None
    limites.check("colonnes", meta.num_columns, "colonnes")
    limites.check("cellules", meta.num_rows * meta.num_columns, "cellules (lignes × colonnes)")
    try:
        table = pq.read_table(path)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises many types for a damaged file
        raise FichierIllisible(f"fichier parquet illisible ou endommagé ({type(exc).__name__})") from None
    return RawSheet(path.name, feuille, None, table=table, header_line=None, path=path)


#: Earliest and latest dates a datetime64[ns] column can hold.
_DATE_BOUNDS = (np.datetime64("1677-09-22"), np.datetime64("2262-04-11"))


def arrow_column(kind: str, column: pa.ChunkedArray, keep: np.ndarray | None, index: pd.Index,
                  identifiers: dict | None = None, role: str = "", vocabulary: str | None = None,
                  ) -> tuple[pd.Series, pd.Series, str]:
    """Parse one parquet column (rows ``keep``) to ``kind``; returns (values, failed mask, message).

    A column already of the right type is taken as it is (dates, numbers, booleans). Any other column
    goes through the text rules of :func:`parse_values`, applied to its distinct values only; text
    kinds come back as categoricals (codes per row, each distinct value stored once).

    ``identifiers`` links the parcours identifiers to the hours: the parcours sheet (``role="parcours"``)
    leaves its identifiers there when each row has its own; the hours (``role="heures"``) then look theirs
    up directly (their codes are parcours rows), instead of encoding twelve million strings twice.
    ``vocabulary``: the column's accepted spellings (:func:`parse_values`); a rate in percent always goes
    through the text rules (60 -> 0.6).
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
    typed = _typed_values(kind, column, kind_type, index, no_failure) if vocabulary != "pourcent" else None
    if typed is not None:
        return typed
    if role == "heures" and identifiers and (pa.types.is_string(kind_type) or pa.types.is_large_string(kind_type)):
        position = pc.index_in(column, value_set=identifiers["arrow"])
        if position.null_count == column.null_count:  # every identifier, as written, is a parcours identifier
            codes = pc.fill_null(position, -1).to_numpy().astype(np.int32)
            return (pd.Series(categorical_from_codes(codes, identifiers["categories"], unique=True), index=index),
                    no_failure, "")
    return _text_values(kind, column, index, no_failure, identifiers if role == "parcours" else None, vocabulary)


def _typed_values(kind: str, column: pa.ChunkedArray, kind_type, index: pd.Index, no_failure: pd.Series):
    """A column already of the right type (or all null), taken as it is; None when it needs the text rules."""
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(column)
    if pa.types.is_null(kind_type):
        empty = pd.Series([""] * n, dtype=object, index=index)
        return parse_column(kind, empty) if kind not in TEXT_KINDS else (
            pd.Series(pd.Categorical([None] * n, categories=[]), index=index), no_failure, "")
    if kind == schema.DATE and (pa.types.is_timestamp(kind_type) or pa.types.is_date(kind_type)):
        if pa.types.is_timestamp(kind_type) and kind_type.tz is not None:  # wall-clock date where it was written
            column = pc.local_timestamp(column)
        days = column.to_numpy().astype("datetime64[D]")  # nulls -> NaT
        inside = (days >= _DATE_BOUNDS[0]) & (days <= _DATE_BOUNDS[1])
        failed = ~inside & ~np.isnat(days)
        values = np.where(inside, days, np.datetime64("NaT")).astype("datetime64[ns]")
        return pd.Series(values, index=index), pd.Series(failed, index=index), PARSE_MESSAGES[kind]
    numeric = pa.types.is_integer(kind_type) or pa.types.is_floating(kind_type) or pa.types.is_decimal(kind_type)
    if kind in (schema.ENTIER, schema.DECIMAL) and numeric:
        if pa.types.is_decimal(kind_type):
            column = column.cast(pa.float64())
        values = column.to_numpy()  # nulls -> NaN
        if kind == schema.ENTIER and values.dtype.kind in "iu":  # whole numbers, none missing: int64 at once
            return pd.Series(values.astype(np.int64), index=index), no_failure, PARSE_MESSAGES[kind]
        if values.dtype != np.float64 or not values.flags.writeable:
            values = values.astype(np.float64)
        failed = np.zeros(n, dtype=bool)
        if kind == schema.ENTIER and not pa.types.is_integer(kind_type):
            failed = ~np.isnan(values) & (values != np.floor(values))
            values = np.where(failed, np.nan, values)
        return pd.Series(values, index=index), pd.Series(failed, index=index), PARSE_MESSAGES[kind]
    if kind == schema.BOOLEEN and pa.types.is_boolean(kind_type):
        values = column.to_pandas(types_mapper={pa.bool_(): pd.BooleanDtype()}.get).array
        return pd.Series(values, index=index, dtype="boolean"), no_failure, PARSE_MESSAGES[kind]
    return None


def _text_values(kind: str, column: pa.ChunkedArray, index: pd.Index, no_failure: pd.Series,
                 identifiers: dict | None, vocabulary: str | None = None):
    """The text rules, once per distinct value; text kinds come back as categoricals. ``identifiers``: the
    parcours sheet's link, filled when each row has its own identifier in row order."""
    import pyarrow as pa
    import pyarrow.compute as pc

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
        texts = np.array([cell_text(v) for v in dictionary.to_pylist()], dtype=object)
    if kind == schema.TEXTE and distinct:  # identifiers: the texts are the categories, no hashing
        filled = texts != ""
        if not filled.all():  # an empty text is a missing value
            value_codes = np.where(filled, np.cumsum(filled) - 1, -1).astype(codes.dtype)
            codes = np.where(codes >= 0, value_codes[codes], -1).astype(codes.dtype)
            texts = texts[filled]
        values = categorical_from_codes(codes, texts, unique=True)
        if identifiers is not None and filled.all() \
                and np.array_equal(codes, np.arange(len(codes))):  # one identifier per row, in row order
            identifiers.update(arrow=trimmed, categories=values.categories)
        return pd.Series(values, index=index), no_failure, ""
    texts = np.append(texts, "")  # a missing cell is an empty text
    codes[codes < 0] = len(texts) - 1
    values, failed = parse_values(kind, pd.Series(texts, dtype=object), vocabulary)
    failed = pd.Series(failed.to_numpy()[codes], index=index)
    if kind in TEXT_KINDS:  # categorical: each distinct value once, its code per row
        value_codes, categories = pd.factorize(values.to_numpy(dtype=object))
        return (pd.Series(categorical_from_codes(value_codes[codes], categories, unique=True), index=index),
                failed, PARSE_MESSAGES.get(kind, ""))
    return spread(values, codes, index), failed, PARSE_MESSAGES.get(kind, "")
