"""Inputs a careless or hostile user gives: a French CSV with quoted commas, formula cells without a value,
files far too large, a pipe or a device, a broken encoding. Each is read right or refused in French,
naming the file, without a traceback and without hanging (issue 12, items 4, 6, 8 and 11)."""

from __future__ import annotations

import io
import os
import re
import threading
import time
import zipfile

import pandas as pd
import pytest

from iae_impact.cli import main
from iae_impact.ingest import DonneesInvalides, read_dataset

from .conftest import PARCOURS_HEADER, write_csv

QUOTED = '"A.M.I. ""Aude"", Carcassonne"'


# --- 12.4: the separator of a French CSV with quoted commas ---------------------------------------------------

def test_a_quoted_name_with_doubled_quotes_and_commas_keeps_the_semicolon(tmp_path, capsys):
    """csv.Sniffer picks « , » here; the CLI then ended in a TypeError traceback."""
    path = write_csv(tmp_path, "parcours.csv", [
        PARCOURS_HEADER,
        f"{QUOTED};A0;Asso;Narbonne;ACI;01/02/2023;;;100",
        "P1;A1;Asso;Narbonne;ACI;01/02/2023;;;100",
        "P2;A2;Asso;Narbonne;ACI;01/03/2023;;;1 200,5",
    ])
    from iae_impact.data.read_csv import detect_separator

    assert detect_separator(path.read_text(encoding="utf-8"), "parcours") == ";"
    p = read_dataset(path, pseudonymiser=False).parcours
    assert p["heures_travaillees"].tolist() == [100.0, 100.0, 1200.5]
    assert main(["verifier", str(path)]) == 0
    assert "Traceback" not in capsys.readouterr().err


def test_the_quoted_name_itself_is_read_whole(tmp_path):
    path = write_csv(tmp_path, "parcours.csv", [
        "structure;id_parcours;id_personne;site;dispositif;date_entree",
        f"{QUOTED};P1;A1;Narbonne;ACI;01/02/2023",
        f"{QUOTED};P2;A2;Narbonne;ACI;01/02/2023",
    ])
    p = read_dataset(path, pseudonymiser=False).parcours
    assert p["structure"].tolist() == ['A.M.I. "Aude", Carcassonne'] * 2


@pytest.mark.parametrize(("sep", "lines"), [
    (",", ["id_personne,structure,dispositif,date_entree", 'p1,"Asso; la suite",ACI,01/01/2024']),
    ("\t", ["id_personne\tstructure\tdispositif\tdate_entree", "p1\tAsso, Bram; Aude\tACI\t01/01/2024"]),
    (";", ["Export du 03/01/2025, généré par le logiciel", "", "id_personne;structure;dispositif;date_entree",
           "p1;Asso, Bram;ACI;01/01/2024"]),
])
def test_each_separator_is_found_whatever_the_other_characters_in_the_cells(sep, lines):
    from iae_impact.data.read_csv import detect_separator

    assert detect_separator("\n".join(lines) + "\n", "parcours") == sep


def test_rows_with_one_field_more_than_the_header_are_reported_not_read_as_an_index(tmp_path, capsys):
    """pandas takes the first field as the row index when every data row has one field more than the header:
    the reader then crashed (TypeError) or would have shifted every column by one."""
    path = write_csv(tmp_path, "parcours.csv", [PARCOURS_HEADER, "P1;A1;Asso;Narbonne;ACI;01/02/2023;;;100;x",
                                                "P2;A2;Asso;Narbonne;ACI;01/02/2023;;;100;y"])
    with pytest.raises(DonneesInvalides, match="ligne 2 : 10 champs au lieu de 9"):
        read_dataset(path, pseudonymiser=False)
    assert main(["verifier", str(path)]) == 1
    assert "Traceback" not in capsys.readouterr().err


def test_a_csv_with_title_rows_names_the_true_header_line(tmp_path):
    path = write_csv(tmp_path, "parcours.csv", ["Export du 03/01/2025", "", "id_personne;structure;dispositif",
                                                "p1;S;ACI"])
    with pytest.raises(DonneesInvalides) as err:
        read_dataset(path, pseudonymiser=False)
    assert [(p.ligne, p.colonne) for p in err.value.problemes] == [(3, "date_entree")]


def test_no_reader_error_ends_in_a_traceback(tmp_path, monkeypatch, capsys):
    """An unexpected error inside a reader is a French problem naming the file."""
    from iae_impact.data import ingest

    def broken(*args, **kwargs):
        raise TypeError("unexpected")

    monkeypatch.setattr(ingest, "read_csv_sheet", broken)
    path = write_csv(tmp_path, "parcours.csv", [PARCOURS_HEADER, "P1;A1;Asso;Narbonne;ACI;01/02/2023;;;100"])
    assert main(["verifier", str(path)]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "« parcours.csv »" in err and "fichier illisible ou endommagé (TypeError)" in err


# --- 12.6: formula cells without a computed value ------------------------------------------------------------

def _workbook(rows: list[list[object]]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "parcours"
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _with_sheet_xml(data: bytes, edit) -> bytes:
    """The workbook with its first sheet's XML passed through ``edit`` (to write what Excel writes)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            content = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = edit(content.decode("utf-8")).encode("utf-8")
            dst.writestr(item, content)
    return out.getvalue()


HEADER_CELLS = ["id_parcours", "id_personne", "structure", "site", "dispositif", "date_entree"]
SITE_BY_FORMULA = [HEADER_CELLS, ["P1", "A1", "Asso", '=C2&" Narbonne"', "ACI", "01/02/2023"],
                   ["P2", "A2", "Asso", '=C3&" Bram"', "ACI", "01/02/2023"],
                   ["P3", "A3", "Asso", "Lézignan", "ACI", "01/02/2023"]]


def test_a_formula_without_computed_value_is_a_problem_with_its_cell_and_its_row_is_refused(tmp_path):
    """openpyxl reads such a cell as empty: the site fell back to the structure, without a word."""
    path = tmp_path / "classeur.xlsx"
    path.write_bytes(_workbook(SITE_BY_FORMULA))
    with pytest.raises(DonneesInvalides) as err:
        read_dataset(path, pseudonymiser=False)
    problems = err.value.problemes
    assert [(p.fichier, p.feuille, p.ligne, p.colonne, p.valeur) for p in problems] == [
        ("classeur.xlsx", "parcours", 2, "site", '=C2&" Narbonne"'),
        ("classeur.xlsx", "parcours", 3, "site", '=C3&" Bram"')]
    assert "cellule D2 : formule sans valeur calculée" in problems[0].message
    bilan = err.value.bilan[0]
    assert (bilan.lignes_lues, bilan.lignes_rejetees) == (3, 2)


def test_a_formula_with_its_computed_value_is_read_as_that_value(tmp_path):
    def cached(xml: str) -> str:  # what Excel writes once it has computed the formulas
        xml = xml.replace('<c r="D2"><f>', '<c r="D2" t="str"><f>').replace("<v />", "<v>Asso Narbonne</v>", 1)
        return xml.replace('<c r="D3"><f>', '<c r="D3" t="str"><f>').replace("<v />", "<v>Asso Bram</v>", 1)

    path = tmp_path / "classeur.xlsx"
    path.write_bytes(_with_sheet_xml(_workbook(SITE_BY_FORMULA), cached))
    p = read_dataset(path, pseudonymiser=False).parcours
    assert p["site"].tolist() == ["Asso Narbonne", "Asso Bram", "Lézignan"]


def test_a_formula_error_is_a_problem_too(tmp_path):
    def error(xml: str) -> str:
        return re.sub(r'<c r="D2"><f>(.*?)</f><v\s*/>', r'<c r="D2" t="e"><f>\1</f><v>#N/A</v>', xml)

    path = tmp_path / "classeur.xlsx"
    path.write_bytes(_with_sheet_xml(_workbook(SITE_BY_FORMULA[:2]), error))
    with pytest.raises(DonneesInvalides) as err:
        read_dataset(path, pseudonymiser=False)
    [problem] = err.value.problemes
    assert problem.ligne == 2 and problem.colonne == "site" and "cellule D2 : erreur #N/A" in problem.message


def test_a_formula_in_an_ignored_column_or_title_row_is_not_a_problem(tmp_path):
    rows = [["=1+1"], HEADER_CELLS + ["Calcul"], ["P1", "A1", "Asso", "Narbonne", "ACI", "01/02/2023", "=A3"]]
    path = tmp_path / "classeur.xlsx"
    path.write_bytes(_workbook(rows))
    ds = read_dataset(path, pseudonymiser=False)
    assert ds.parcours["site"].tolist() == ["Narbonne"]
    assert {w.colonne for w in ds.avertissements} >= {"Calcul"}


def test_a_trailing_row_of_formulas_is_refused_not_dropped(tmp_path):
    path = tmp_path / "classeur.xlsx"
    path.write_bytes(_workbook([HEADER_CELLS, ["P1", "A1", "Asso", "Narbonne", "ACI", "01/02/2023"],
                                ["=A2", "=B2", "=C2", "=D2", "=E2", "=F2"]]))
    with pytest.raises(DonneesInvalides) as err:
        read_dataset(path, pseudonymiser=False)
    assert {p.ligne for p in err.value.problemes} == {3}
    assert "cellule A3" in err.value.problemes[0].message


# --- 12.8: limits on the size of an input ---------------------------------------------------------------------

def test_a_workbook_that_inflates_far_beyond_its_size_is_refused_before_parsing(tmp_path, monkeypatch):
    """A few kilobytes inflating to 12 MB of sheet XML (ratio > 1,000); openpyxl is never reached."""
    def padded(xml: str) -> str:
        return xml.replace("<sheetData>", "<sheetData>" + " " * 12_000_000)

    path = tmp_path / "bombe.xlsx"
    path.write_bytes(_with_sheet_xml(_workbook(SITE_BY_FORMULA[:2]), padded))
    assert path.stat().st_size < 100_000

    def never(*args, **kwargs):
        raise AssertionError("the workbook was parsed")

    monkeypatch.setattr(pd, "read_excel", never)
    with pytest.raises(DonneesInvalides) as err:
        read_dataset(path, pseudonymiser=False)
    message = err.value.problemes[0].message
    assert "fichier trop volumineux" in message and "IAE_IMPACT_MAX_COMPRESSION" in message


def test_the_uncompressed_size_of_a_workbook_is_limited_and_the_limit_can_be_raised(tmp_path, monkeypatch):
    path = tmp_path / "classeur.xlsx"
    path.write_bytes(_workbook([HEADER_CELLS, ["P1", "A1", "Asso", "Narbonne", "ACI", "01/02/2023"]]))
    monkeypatch.setenv("IAE_IMPACT_MAX_OCTETS_XLSX", "1000")
    with pytest.raises(DonneesInvalides, match="octets une fois décompressé.*IAE_IMPACT_MAX_OCTETS_XLSX"):
        read_dataset(path, pseudonymiser=False)
    monkeypatch.setenv("IAE_IMPACT_MAX_OCTETS_XLSX", "1_000_000")
    assert len(read_dataset(path, pseudonymiser=False).parcours) == 1


@pytest.mark.parametrize(("variable", "value", "fragment"), [("IAE_IMPACT_MAX_COLONNES", "10", "30 colonnes"),
                                                           ("IAE_IMPACT_MAX_CELLULES", "50", "cellules")])
def test_the_columns_and_cells_of_a_workbook_are_counted_before_it_is_parsed(tmp_path, monkeypatch, variable,
                                                                             value, fragment):
    path = tmp_path / "classeur.xlsx"
    path.write_bytes(_workbook([HEADER_CELLS + [f"c{i}" for i in range(24)],
                                ["P1", "A1", "Asso", "Narbonne", "ACI", "01/02/2023", *range(24)]]))
    monkeypatch.setenv(variable, value)
    monkeypatch.setattr(pd, "read_excel", lambda *a, **k: pytest.fail("the workbook was parsed"))
    with pytest.raises(DonneesInvalides) as err:
        read_dataset(path, pseudonymiser=False)
    message = err.value.problemes[0].message
    assert fragment in message and variable in message


def test_a_csv_of_a_million_columns_is_refused_at_once(tmp_path, capsys):
    """It took 11 GB, then died with MemoryError."""
    path = tmp_path / "parcours.csv"
    path.write_text(";".join(f"c{i}" for i in range(1_000_000)) + "\n" + ";" * 999_999 + "\n", encoding="utf-8")
    start = time.perf_counter()
    assert main(["verifier", str(path)]) == 1
    assert time.perf_counter() - start < 10
    err = capsys.readouterr().err
    assert "1 000 000 colonnes" in err.replace("\u202f", " ").replace("\u00a0", " ")
    assert "IAE_IMPACT_MAX_COLONNES" in err and "Traceback" not in err


@pytest.mark.parametrize(("variable", "value", "fragment"), [
    ("IAE_IMPACT_MAX_OCTETS", "100", "octets"),
    ("IAE_IMPACT_MAX_COLONNES", "5", "colonnes"),
    ("IAE_IMPACT_MAX_CELLULES", "20", "cellules"),
])
def test_each_limit_applies_to_a_csv_and_is_named(tmp_path, monkeypatch, variable, value, fragment):
    path = write_csv(tmp_path, "parcours.csv", [PARCOURS_HEADER, "P1;A1;Asso;Narbonne;ACI;01/02/2023;;;100",
                                                "P2;A2;Asso;Narbonne;ACI;01/02/2023;;;100"])
    assert len(read_dataset(path, pseudonymiser=False).parcours) == 2
    monkeypatch.setenv(variable, value)
    with pytest.raises(DonneesInvalides) as err:
        read_dataset(path, pseudonymiser=False)
    message = err.value.problemes[0].message
    assert fragment in message and variable in message


def test_a_parquet_file_is_judged_on_its_footer_before_being_read(tmp_path, monkeypatch):
    import pyarrow.parquet as pq

    from iae_impact.data.limits import Limites

    frame = pd.DataFrame({"id_personne": ["p1", "p2"], "structure": "S", "dispositif": "ACI",
                          "date_entree": pd.to_datetime(["2024-01-01", "2024-02-01"])})
    frame.to_parquet(tmp_path / "parcours.parquet")
    monkeypatch.setattr(pq, "read_table", lambda *a, **k: pytest.fail("the table was read"))
    with pytest.raises(DonneesInvalides, match="8 cellules"):
        read_dataset(tmp_path / "parcours.parquet", pseudonymiser=False, limites=Limites(cellules=7))


def test_the_defaults_let_a_national_extract_through():
    """bench/generer_national.py: 12 million hour rows of 4 columns, a million parcours of about 20."""
    from iae_impact.data.limits import Limites

    limits = Limites()
    assert limits.cellules >= 4 * 12_000_000 * 2 and limits.cellules >= 20 * 1_000_000 * 2
    assert limits.colonnes >= 10 * 20 and limits.octets_fichier >= 1_000_000_000


def test_a_limit_that_is_not_a_positive_number_is_a_french_error(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("IAE_IMPACT_MAX_CELLULES", "beaucoup")
    write_csv(tmp_path, "parcours.csv", [PARCOURS_HEADER, "P1;A1;Asso;Narbonne;ACI;01/02/2023;;;100"])
    assert main(["verifier", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "IAE_IMPACT_MAX_CELLULES doit être un nombre entier positif" in err and "Traceback" not in err


# --- 12.11: special files and codec errors ---------------------------------------------------------------------

def _in_thread(fn, timeout: float = 20):
    """Run ``fn`` in a thread; fail (instead of hanging the test run) if it does not return in time."""
    result: dict = {}

    def run():
        try:
            result["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            result["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), "the reader hung"
    if "error" in result:
        raise result["error"]
    return result["value"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes: POSIX only")
def test_a_pipe_given_as_data_is_refused_without_waiting(tmp_path, capsys):
    fifo = tmp_path / "parcours.csv"
    os.mkfifo(fifo)
    assert _in_thread(lambda: main(["verifier", str(fifo)])) == 1
    err = capsys.readouterr().err
    assert "« parcours.csv » : ce n'est pas un fichier ordinaire" in err and "Traceback" not in err


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_dev_zero_given_as_data_is_refused_without_reading_forever(capsys):
    assert _in_thread(lambda: main(["verifier", "/dev/zero"])) == 1
    assert "ce n'est pas un fichier ordinaire" in capsys.readouterr().err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes: POSIX only")
def test_a_pipe_inside_a_data_folder_is_named_not_skipped(tmp_path):
    write_csv(tmp_path, "parcours.csv", [PARCOURS_HEADER, "P1;A1;Asso;Narbonne;ACI;01/02/2023;;;100"])
    os.mkfifo(tmp_path / "heures.csv")
    with pytest.raises(DonneesInvalides) as err:
        _in_thread(lambda: read_dataset(tmp_path, pseudonymiser=False))
    assert [(p.fichier, "ordinaire" in p.message) for p in err.value.problemes] == [("heures.csv", True)]


def test_a_broken_utf16_file_is_a_french_problem_naming_the_file(tmp_path, capsys):
    """The UnicodeDecodeError used to reach the user in English (« 'utf-16-le' codec can't decode… »)."""
    path = tmp_path / "parcours.csv"
    path.write_bytes("id_personne\tstructure\n".encode("utf-16") + b"\x00\xd8")
    assert main(["verifier", str(path)]) == 1
    err = capsys.readouterr().err
    assert "« parcours.csv »" in err and "encodage UTF-16" in err and "codec" not in err


def test_a_workbook_declaring_an_unknown_encoding_is_a_french_problem(tmp_path, capsys):
    """The LookupError of the XML reader used to end in a traceback."""
    path = tmp_path / "classeur.xlsx"
    path.write_bytes(_with_sheet_xml(_workbook(SITE_BY_FORMULA),
                                     lambda xml: '<?xml version="1.0" encoding="x-inconnu"?>' + xml))
    assert main(["verifier", str(path)]) == 1
    err = capsys.readouterr().err
    assert "« classeur.xlsx » : classeur Excel illisible : une de ses parties déclare un encodage" in err
    assert "Traceback" not in err


def test_the_readme_documents_every_limit_with_its_default_and_variable():
    from dataclasses import fields

    from iae_impact.base.paths import PROJECT_ROOT
    from iae_impact.data.limits import ENV_VARIABLES, Limites

    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    rows = {m.group(2): int(m.group(1).replace(" ", ""))
            for m in re.finditer(r"^\| [^|]+ \| ([\d ]+)\b[^|]* \| `(IAE_IMPACT_MAX_\w+)` \|$", readme, re.M)}
    assert rows == {ENV_VARIABLES[f.name]: f.default for f in fields(Limites)}
