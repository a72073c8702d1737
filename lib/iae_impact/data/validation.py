"""From a raw sheet to a typed, validated frame: headers mapped to the schema (accepted variants), every
column parsed to its kind, the schema checks run, every failure reported in French with its place."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..base.text import fold
from ..rules.values import signalled
from . import schema
from .model import Probleme
from .parsing import TEXT_KINDS, failure_message, parse_column
from .raw import RawSheet, match_header
from .read_parquet import arrow_column


def _map_headers(raw: RawSheet) -> tuple[dict[str, str], list[Probleme], list[Probleme]]:
    """Map raw header -> schema column (:func:`~iae_impact.data.raw.match_header`, or the reader's own map);
    unknown columns are dropped with a warning, a unit that does not fit the column is a problem."""
    specs = schema.column_specs(raw.feuille)
    mapping: dict[str, str] = {}
    problems, warnings = [], []
    line = raw.header_line
    for header in raw.columns:
        target, refused = ((raw.columns_map.get(header), None) if raw.columns_map is not None
                           else match_header(header, raw.feuille))
        if refused:
            problems.append(Probleme(raw.fichier, raw.feuille, line, str(header), None, refused))
            continue
        if target is None:
            if str(header).strip() and not str(header).startswith("Unnamed") and raw.columns_map is None:
                warnings.append(Probleme(raw.fichier, raw.feuille, line, str(header), None,
                                         "colonne inconnue, ignorée (elle ne sera ni lue ni recopiée)"))
            continue
        if target in mapping.values():
            first = next(h for h, t in mapping.items() if t == target)
            problems.append(Probleme(raw.fichier, raw.feuille, line, str(header), None,
                                     f"deux colonnes correspondent à « {target} » (aussi « {first} »)"))
            continue
        mapping[header] = target
    present = set(mapping.values())
    for spec in specs:
        if spec.required and spec.name not in present:
            problems.append(Probleme(raw.fichier, raw.feuille, line, spec.name, None,
                                     "colonne obligatoire absente"))
    return mapping, problems, warnings


def _signalled_values(raw: RawSheet, mapping: dict[str, str], specs: dict) -> list[Probleme]:
    """One warning per value the alias table accepts but names (``ACI_MP`` counted as ACI), with its rows."""
    out = []
    for header, name in mapping.items():
        noted = signalled(specs[name].vocabulary) if specs[name].vocabulary else {}
        if not noted:
            continue
        for text, n in _value_counts(raw, header).items():
            found = noted.get(fold(text))
            if found is not None:
                out.append(Probleme(raw.fichier, raw.feuille, None, str(header), text,
                                    f"{found.remarque} ({n} ligne{'s' if n > 1 else ''})"))
    return out


def _value_counts(raw: RawSheet, header: str) -> dict[str, int]:
    """How many rows hold each distinct value of a column (text cells or a parquet column)."""
    if raw.frame is not None:
        return {str(k): int(v) for k, v in raw.frame[header].value_counts().items()}
    if raw.table is None:
        return {}
    import pyarrow.compute as pc

    counts = pc.value_counts(raw.table.column(header)).to_pylist()
    return {str(c["values"]): int(c["counts"]) for c in counts if c["values"] is not None}


_PANDERA_MESSAGES = {
    "not_nullable": "valeur obligatoire manquante",
    "multiple_fields_uniqueness": "ligne en double (mêmes valeurs de : {cles})",
    "field_uniqueness": "identifiant en double",
}


def _as_object(values: pd.Series) -> pd.Series:
    return values.astype(object) if isinstance(values.dtype, pd.CategoricalDtype) else values


def typed_sheet(raw: RawSheet, identifiers: dict | None = None, on_identifiers=None) -> tuple[
        pd.DataFrame, list[Probleme], list[Probleme]]:
    """Map headers, parse every column to its kind, validate with the schema (``identifiers``: see
    :func:`arrow_column`; ``on_identifiers(columns)`` is called with the parsed ``id_personne`` and
    ``id_parcours`` of a parcours sheet as soon as both are read without problem)."""
    mapping, problems, warnings = _map_headers(raw)
    problems = [*raw.problems, *problems]  # found while reading (a formula left without value): first
    specs = {s.name: s for s in schema.column_specs(raw.feuille)}
    warnings += _signalled_values(raw, mapping, specs)
    typed, index, parse_failed = _parsed_columns(raw, mapping, specs, problems, identifiers, on_identifiers)
    parse_failed |= {(p.ligne, mapping[p.colonne]) for p in raw.problems if p.colonne in mapping}
    _fill_sites_and_ids(raw.feuille, typed, index)
    for spec in specs.values():  # an optional column left out is an empty column
        if spec.name not in typed and not spec.required and spec.nullable:
            typed[spec.name] = pd.Series(None, index=index, dtype=_EMPTY_DTYPES.get(spec.kind, object))
    for name, values in typed.items():  # final dtypes before the frame is built (no copy of big columns)
        typed[name] = _final_dtype(values, specs[name])
    out = pd.DataFrame(typed, index=index, copy=False)  # one block per column: no copy of 12-million-row columns
    if any(p.ligne == raw.header_line and p.message == "colonne obligatoire absente" for p in problems):
        return out, problems, warnings  # row checks would only repeat the missing column
    try:
        out = schema.validate(raw.feuille, out)
    except schema.SchemaErrors as exc:
        header_of = {name: header for header, name in mapping.items()}
        problems += _schema_problems(raw, header_of, exc.failure_cases, parse_failed)
    return out, problems, warnings


#: dtype of an optional column the sheet leaves out.
_EMPTY_DTYPES = {schema.DATE: "datetime64[ns]", schema.BOOLEEN: "boolean", schema.ENTIER: "float64",
                 schema.DECIMAL: "float64"}


def _parsed_columns(raw: RawSheet, mapping: dict[str, str], specs: dict, problems: list[Probleme],
                    identifiers: dict | None, on_identifiers) -> tuple[dict, pd.Index, set[tuple[int, str]]]:
    """Every mapped column parsed to its kind (text cells, or typed parquet columns); a cell that cannot be
    read is a problem (appended to ``problems``) and listed in the returned set (row, column)."""
    keep = ~raw.blank
    if raw.frame is not None:
        frame = raw.frame.loc[keep, list(mapping)].rename(columns=mapping)
        index = frame.index
    else:
        index = raw.labels if keep.all() else raw.labels[keep]
        positions = {header: i for i, header in reversed(list(enumerate(raw.columns)))}
    typed: dict = {}
    parse_failed: set[tuple[int, str]] = set()
    for header, name in mapping.items():
        spec = specs[name]
        if raw.frame is not None:
            values, failed, message = parse_column(spec.kind, frame[name], spec.vocabulary)
        else:
            role = raw.feuille if name == "id_parcours" and raw.feuille in ("parcours", "heures") else ""
            values, failed, message = arrow_column(spec.kind, raw.table.column(positions[header]),
                                                    None if keep.all() else keep, index, identifiers, role,
                                                    spec.vocabulary)
        if spec.kind == schema.MOTIF and raw.extra_motives:
            values, failed = _extra_motives(values, failed, frame[name] if raw.frame is not None else None,
                                            raw.extra_motives)
        for idx in index[failed.to_numpy()]:
            cell = raw.cell(idx, header)
            why = failure_message(spec.kind, spec.vocabulary, cell) if spec.vocabulary else message
            problems.append(Probleme(raw.fichier, raw.feuille, int(idx), str(header), cell, why))
            parse_failed.add((int(idx), name))
        typed[name] = values
        if on_identifiers is not None and not problems and {"id_personne", "id_parcours"} <= set(typed) \
                and name in ("id_personne", "id_parcours"):
            on_identifiers({c: typed[c] for c in ("id_personne", "id_parcours")})
            on_identifiers = None
    return typed, index, parse_failed


def _extra_motives(values: pd.Series, failed: pd.Series, cells: pd.Series | None,
                   extra: dict[str, str]) -> tuple[pd.Series, pd.Series]:
    """Motives the data define themselves (a fluxIAE extract's own table): read as they are written."""
    if cells is None or not failed.any():
        return values, failed
    found = cells[failed].map(lambda text: extra.get(fold(text)))
    values = values.astype(object).copy()
    values[found.index[found.notna()]] = found[found.notna()]
    failed = failed.copy()
    failed[found.index[found.notna()]] = False
    return values, failed


def _fill_sites_and_ids(sheet: str, typed: dict, index: pd.Index) -> None:
    """In place: a parcours' missing or blank site is the structure's single site (a convention's empty site
    stays empty: the convention covers the whole structure); a parcours without identifier gets one derived
    from its person, structure, site, dispositif and entry date."""
    if sheet == "parcours" and "structure" in typed:
        if "site" not in typed:
            typed["site"] = typed["structure"]
        elif typed["site"].isna().any():
            site = _as_object(typed["site"]).to_numpy(dtype=object)
            structure = _as_object(typed["structure"]).to_numpy(dtype=object)
            typed["site"] = pd.Series(np.where(pd.isna(site), structure, site), index=index)
    id_parts = ["id_personne", "structure", "site", "dispositif", "date_entree"]
    if sheet != "parcours" or not set(id_parts) <= set(typed):
        return
    if "id_parcours" not in typed:
        typed["id_parcours"] = _derive_parcours_ids(pd.DataFrame({c: typed[c] for c in id_parts}))
        return
    missing = typed["id_parcours"].isna()
    if missing.any():
        ids = _as_object(typed["id_parcours"]).copy()
        ids[missing] = _derive_parcours_ids(pd.DataFrame({c: typed[c][missing] for c in id_parts}))
        typed["id_parcours"] = ids


def _final_dtype(values: pd.Series, spec) -> pd.Series:
    """The dtype of a validated column: objects for text (categoricals from parquet stay), int64 for a whole
    integer column without missing value, float64 otherwise."""
    if spec.kind in TEXT_KINDS:
        if isinstance(values.dtype, pd.CategoricalDtype):  # categoricals (parquet) stay as they are
            return values
        return values.astype(object).where(values.notna(), None)
    if spec.kind == schema.ENTIER:
        whole = values.notna().all() and not spec.nullable
        return values.astype("int64" if whole else "float64", copy=False)
    if spec.kind == schema.DECIMAL:
        return values.astype("float64", copy=False)
    return values


def _schema_problems(raw: RawSheet, header_of: dict[str, str], cases: pd.DataFrame,
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
        problems.append(Probleme(raw.fichier, raw.feuille, row, header_of.get(column, column), value, message))
    return problems


def _derive_parcours_ids(p: pd.DataFrame) -> pd.Series:
    """A parcours without an identifier is identified by person, structure, site, dispositif and entry date."""
    if not len(p):
        return pd.Series(dtype=object)
    derived = None
    for c in ("id_personne", "structure", "site", "dispositif"):
        part = p[c].astype(object).astype(str)
        derived = part if derived is None else derived + "|" + part
    return derived + "|" + p["date_entree"].dt.strftime("%Y-%m-%d").fillna("")
