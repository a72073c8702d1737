"""The Excel template is generated from the schema and read back by the reader."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from iae_impact import ingest
from iae_impact.data import schema
from iae_impact.data.pseudonym import ENV_KEY, ENV_KEY_FILE
from iae_impact.data.read_xlsx import IGNORED_SHEETS
from iae_impact.data.template import DOC_SHEET, KIND_LABELS, LAST_ROW, LISTS_SHEET, write_template
from iae_impact.rules import tables as reference

OPTIONAL_SHEETS = [s for s, sch in schema.sheet_schemas().items() if not sch.metadata["obligatoire"]]
ROWS = [
    {"id_parcours": "P-0001", "id_personne": "SAL-0001", "structure": "Mon association", "site": "Narbonne",
     "dispositif": "ACI", "date_entree": dt.datetime(2023, 3, 15), "date_sortie": "30/06/2024",
     "motif_sortie": None, "heures_travaillees": "1200,5", "sexe": "F", "niveau_formation": "50",
     "beneficiaire_rsa": "oui"},
    {"id_parcours": "P-0002", "id_personne": "SAL-0002", "structure": "Mon association", "site": "Narbonne",
     "dispositif": "ACI", "date_entree": "15/03/2024"},
]  # fmt: skip


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    return write_template(tmp_path_factory.mktemp("modele") / "sous-dossier" / "modele.xlsx")


@pytest.fixture
def key(monkeypatch, tmp_path):
    """A test key in the environment: no key file is created anywhere."""
    monkeypatch.setenv(ENV_KEY, "cle-de-test-0123456789abcdef0123456789")
    monkeypatch.setenv(ENV_KEY_FILE, str(tmp_path / "jamais_cree"))
    yield
    assert not (tmp_path / "jamais_cree").exists()


def _headers(ws) -> list[str]:
    return [c.value for c in ws[1]]


def _list_values(wb: Workbook, formula: str) -> tuple[str, ...]:
    sheet, ref = formula.split("!")
    assert re.fullmatch(r"\$[A-Z]+\$\d+:\$[A-Z]+\$\d+", ref), f"référence non absolue : {formula}"
    return tuple(c.value for (c,) in wb[sheet.strip("'")][ref.replace("$", "")])


def _fill_parcours(path, rows: list[dict]) -> None:
    wb = load_workbook(path)
    motif = wb[LISTS_SHEET]["A1":"Z1"][0]
    motif_col = next(c.column for c in motif if c.value == "motif_sortie")
    ws = wb["parcours"]
    headers = _headers(ws)
    for r, row in enumerate(rows, 2):
        for name, value in row.items():
            if name == "motif_sortie" and value is None:  # a label taken from the template's own list
                value = wb[LISTS_SHEET].cell(2, motif_col).value
            ws.cell(r, headers.index(name) + 1, value)
    wb.save(path)


def test_every_schema_sheet_and_column_is_in_the_template(written):
    wb = load_workbook(written)
    schemas = schema.sheet_schemas()
    assert wb.sheetnames == [DOC_SHEET, *schemas, LISTS_SHEET]
    assert {DOC_SHEET, LISTS_SHEET} <= set(IGNORED_SHEETS)
    expected_doc = []
    for sheet in schemas:
        specs = schema.column_specs(sheet)
        ws = wb[sheet]
        assert _headers(ws) == [s.name for s in specs]
        for cell, spec in zip(ws[1], specs, strict=True):
            assert cell.font.b
            assert cell.comment is not None and cell.comment.text.startswith(spec.description)
        assert ws.freeze_panes == "A2"
        assert all(v is None for row in ws.iter_rows(min_row=2, values_only=True) for v in row), "aucune donnée"
        expected_doc += [(sheet, s.name, "oui" if s.required else "non", KIND_LABELS[s.kind], s.description,
                          s.example or None, " ; ".join(s.alias) or None) for s in specs]
    doc = list(wb[DOC_SHEET].iter_rows(values_only=True))
    start = next(i for i, row in enumerate(doc) if row[0] == "onglet") + 1
    table = [row[:6] + row[7:8] for row in doc[start:]]
    assert table == expected_doc  # one row per column, in schema order


def test_coded_columns_have_a_drop_down_from_the_lists_sheet(written):
    wb = load_workbook(written)
    for sheet in schema.sheet_schemas():
        ws = wb[sheet]
        by_range = {str(r): dv for dv in ws.data_validations.dataValidation for r in dv.sqref.ranges}
        for col, spec in enumerate(schema.column_specs(sheet), 1):
            letter = ws.cell(1, col).column_letter
            dv = by_range.pop(f"{letter}2:{letter}{LAST_ROW}", None)
            if spec.kind not in (schema.CODE, schema.MOTIF, schema.SEXE, schema.BOOLEEN, schema.DUREE_FT):
                assert dv is None, f"{sheet}.{spec.name}"
                continue
            assert dv is not None, f"{sheet}.{spec.name} sans liste déroulante"
            expected = ("oui", "non") if spec.kind == schema.BOOLEEN else spec.values
            assert dv.type == "list" and _list_values(wb, dv.formula1) == expected
            assert dv.showErrorMessage and dv.error and dv.allow_blank
            assert dv.errorStyle == ("warning" if spec.kind == schema.MOTIF else "stop")
        assert not by_range, f"validations inattendues dans {sheet} : {list(by_range)}"
    motifs = next(c for c in wb[LISTS_SHEET][1] if c.value == "motif_sortie").column_letter
    assert len([c for c in wb[LISTS_SHEET][motifs][1:] if c.value]) == len(reference.load_exit_motives())


def test_dates_are_formatted_and_codes_typed_as_text(written):
    ws = load_workbook(written)["parcours"]
    for col, spec in enumerate(schema.column_specs("parcours"), 1):
        letter = ws.cell(1, col).column_letter
        if spec.kind == schema.DATE:
            assert ws[f"{letter}2"].number_format == ws[f"{letter}{LAST_ROW}"].number_format == "DD/MM/YYYY"
        if spec.kind in (schema.TEXTE, schema.CODE):
            assert ws.column_dimensions[letter].number_format == "@", spec.name


@pytest.mark.slow
def test_filled_template_reads_back(tmp_path, key):
    path = write_template(tmp_path / "modele.xlsx")
    _fill_parcours(path, ROWS)  # the optional sheets stay as written: headers only
    data = ingest.read_dataset(path)
    p = data.parcours
    assert len(p) == 2
    assert list(p["date_entree"]) == [pd.Timestamp("2023-03-15"), pd.Timestamp("2024-03-15")]
    assert p["date_sortie"].iloc[0] == pd.Timestamp("2024-06-30") and pd.isna(p["date_sortie"].iloc[1])
    motif = next(s for s in schema.column_specs("parcours") if s.name == "motif_sortie")
    assert p["motif_sortie"].iloc[0] == motif.values[0]
    assert p["heures_travaillees"].iloc[0] == 1200.5
    assert p["niveau_formation"].iloc[0] == "50" and bool(p["beneficiaire_rsa"].iloc[0])
    assert not p["id_personne"].isin(["SAL-0001", "SAL-0002"]).any()  # pseudonymised
    assert data.avertissements == []  # documentation and listes are skipped without a word
    bilan = {b.feuille: (b.lignes_lues, b.lignes_rejetees, b.lignes_vides_ignorees) for b in data.bilan}
    assert bilan == {"parcours": (2, 0, 0), **{s: (0, 0, 0) for s in OPTIONAL_SHEETS}}


@pytest.mark.slow
def test_optional_id_and_site_may_stay_blank(tmp_path, key):
    path = write_template(tmp_path / "modele.xlsx")
    _fill_parcours(path, [{k: v for k, v in row.items() if k not in ("id_parcours", "site")} for row in ROWS])
    assert len(ingest.read_dataset(path).parcours) == 2


def test_empty_template_is_refused_with_a_clear_message(tmp_path, key):
    """A template with headers only has nothing to compute: the reader says so instead of returning nothing."""
    path = write_template(tmp_path / "modele.xlsx")
    with pytest.raises(ingest.DonneesInvalides) as err:
        ingest.read_dataset(path)
    assert [p.message for p in err.value.problemes] == ["l'onglet « parcours » ne contient aucune ligne"]
    assert [(b.feuille, b.lignes_lues, b.lignes_vides_ignorees) for b in err.value.bilan] == [
        (s, 0, 0) for s in schema.sheet_schemas()]


@pytest.mark.parametrize("name", ["modele.xls", "modele.xlsm", "modele.csv", "sous-dossier/modele"])
def test_refuses_a_path_not_ending_in_xlsx(tmp_path, name):
    with pytest.raises(ValueError, match=r"\.xlsx"):
        write_template(tmp_path / name)
    assert list(tmp_path.iterdir()) == []


def test_write_is_atomic(tmp_path, monkeypatch):
    path = write_template(tmp_path / "modele.xlsx")
    before = path.read_bytes()

    def broken_save(self, filename):
        with open(filename, "wb") as fh:
            fh.write(b"partiel")
        raise OSError("disque plein")

    monkeypatch.setattr(Workbook, "save", broken_save)
    with pytest.raises(OSError, match="disque plein"):
        write_template(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["modele.xlsx"]
