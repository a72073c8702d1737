"""The reader: French exports detected, every problem reported at once, identifiers pseudonymised."""

from __future__ import annotations

import stat

import pytest

from iae_impact.base.paths import PROJECT_ROOT
from iae_impact.data import pseudonym
from iae_impact.ingest import DonneesInvalides, read_dataset

from .conftest import write_csv

FRENCH_HEADER = "Id parcours;Id personne;Structure;Site;Dispositif;Date d'entrée;Date de sortie;Motif de sortie;Heures travaillées"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
@pytest.mark.parametrize("sep", [";", ","])
def test_french_exports_are_detected(tmp_path, encoding, sep):
    lines = [FRENCH_HEADER,
             "P1;A;Asso;Lézignan-Corbières;ACI;15/03/2023;2024-06-30;Au chômage;1 200,5",
             "P2;B;Asso;Lézignan-Corbières;aci;2024-01-02;;;80"]
    if sep == ",":
        lines = [line.replace(";", ",").replace("1 200,5", '"1 200,5"') for line in lines]
    write_csv(tmp_path, "parcours.csv", lines, encoding=encoding)
    p = read_dataset(tmp_path).parcours
    assert list(p["site"]) == ["Lézignan-Corbières"] * 2
    assert list(p["dispositif"]) == ["ACI", "ACI"]
    assert p["heures_travaillees"].tolist() == [1200.5, 80.0]
    assert p["date_entree"].dt.strftime("%Y-%m-%d").tolist() == ["2023-03-15", "2024-01-02"]
    assert p["date_sortie"].iloc[0].strftime("%d/%m/%Y") == "30/06/2024"


@pytest.mark.parametrize("given", ["Embauche en CDI non aidé", "EMBAUCHE EN CDI NON AIDE", "CDI_NON_AIDE",
                                   "En CDI non aidé par un autre employeur"])
def test_motives_accept_labels_older_wordings_and_codes(make_dataset, given):
    ds = make_dataset([f"A;p1;S;N;ACI;01/01/2024;30/06/2024;{given};300"])
    assert ds.parcours["motif_sortie"].tolist() == ["Embauche en CDI non aidé"]


def test_asp_motive_code(make_dataset):
    ds = make_dataset(["A;p1;S;N;ACI;01/01/2024;30/06/2024;96;300"])
    assert ds.parcours["motif_sortie"].tolist() == ["Embauche en CDI Inclusion"]


def test_every_problem_is_reported_at_once_with_its_row(tmp_path):
    write_csv(tmp_path, "parcours.csv", [
        "id_parcours;id_personne;structure;site;dispositif;date_entree;date_sortie;motif_sortie;heures_travaillees",
        "A;p1;S;N;ACI;01/01/2024;30/06/2024;Au chômage;300",         # line 2: fine
        "B;p2;S;N;ACI;01/07/2024;01/01/2024;Au chômage;300",         # line 3: dates reversed
        "C;p3;S;N;ACI;01/01/2024;30/06/2024;Parti sur la Lune;300",  # line 4: unknown motive
        "D;p4;S;N;ACI;01/01/2024;;;-5",                              # line 5: negative hours
        "A;p5;S;N;ACI;01/01/2024;;;10",                              # line 6: duplicate id_parcours
        "F;p1;S;N;ACI;01/01/2024;30/06/2024;Au chômage;300",         # line 7: duplicate parcours of line 2
        "G;p6;S;N;ACI;01/01/2024;30/06/2024;;300",                   # line 8: exit without motive
        "H;p7;S;N;XYZ;32/01/2024;;;",                                # line 9: unknown dispositif, bad date
    ])
    with pytest.raises(DonneesInvalides) as err:
        read_dataset(tmp_path)
    found = {(p.ligne, p.colonne) for p in err.value.problemes}
    assert {(3, "date_sortie"), (4, "motif_sortie"), (5, "heures_travaillees"), (6, "id_parcours"),
            (8, "motif_sortie"), (9, "dispositif"), (9, "date_entree")} <= found
    assert any(p.ligne in (2, 7) and "double" in p.message for p in err.value.problemes)
    assert all(p.fichier == "parcours.csv" and p.feuille == "parcours" for p in err.value.problemes)
    bilan = err.value.bilan[0]
    assert bilan.lignes_lues == 8 and bilan.lignes_lues == bilan.lignes_acceptees + bilan.lignes_rejetees
    report = err.value.report()
    assert "rien n'a été écrit" in report and "ligne 4" in report and "Parti sur la Lune" in report


def test_missing_required_column_is_named(tmp_path):
    write_csv(tmp_path, "parcours.csv", ["id_personne;structure;dispositif;date_sortie", "p1;S;ACI;"])
    with pytest.raises(DonneesInvalides) as err:
        read_dataset(tmp_path)
    assert [(p.colonne, p.message) for p in err.value.problemes] == [("date_entree", "colonne obligatoire absente")]


def test_utf16_export_with_tabs_is_read(tmp_path):
    """Excel's « Texte Unicode » export: UTF-16 with BOM, tab-separated."""
    write_csv(tmp_path, "parcours.csv", ["id_personne\tstructure\tdispositif\tdate_entree\tsite",
                                         "p1\tS\tACI\t01/01/2024\tLézignan"], encoding="utf-16")
    assert read_dataset(tmp_path).parcours["site"].tolist() == ["Lézignan"]


def test_title_rows_above_the_header_are_skipped_and_lines_stay_true(tmp_path):
    write_csv(tmp_path, "parcours.csv", ["Export du 03/01/2025", "", "id_personne;structure;dispositif;date_entree",
                                         "p1;S;ACI;01/01/2024", "p2;S;ACI;32/01/2024"])
    with pytest.raises(DonneesInvalides) as err:
        read_dataset(tmp_path)
    assert [(p.ligne, p.colonne) for p in err.value.problemes] == [(5, "date_entree")]


def test_hours_for_unknown_parcours_and_overlapping_parcours(make_dataset):
    with pytest.raises(DonneesInvalides) as err:
        make_dataset(["A;p1;S;N;ACI;01/01/2024;;;", "B;p1;S;N;ACI;01/03/2024;;;"], heures=["Z;2024;1;10"])
    messages = {(p.feuille, p.ligne, p.message.split(" ")[0]) for p in err.value.problemes}
    assert ("heures", 2, "parcours") in messages
    assert ("parcours", 3, "parcours") in messages


def test_unknown_columns_are_dropped_with_a_warning(tmp_path):
    write_csv(tmp_path, "parcours.csv", ["id_personne;structure;dispositif;date_entree;Nom;Prénom",
                                         "p1;S;ACI;01/01/2024;Dupont;Jean"])
    ds = read_dataset(tmp_path)
    assert "Nom" not in ds.parcours.columns and "Dupont" not in ds.parcours.to_string()
    assert {w.colonne for w in ds.avertissements} == {"Nom", "Prénom"}
    assert ds.parcours["site"].tolist() == ["S"]  # no site column: the structure stands for it


def test_identifiers_are_replaced_by_a_keyed_hash(make_dataset, monkeypatch):
    ds = make_dataset(["A-SECRET;PERSONNE-SECRETE;S;N;ACI;01/01/2024;;;"])
    text = ds.parcours.to_string()
    assert "SECRET" not in text
    code = ds.parcours["id_personne"].iloc[0]
    assert code.startswith("P") and len(code) == 17
    monkeypatch.setenv("IAE_IMPACT_CLE", "une-autre-cle-0123456789abcdef0123456789")
    assert pseudonym.pseudonymise(ds.parcours["id_personne"].iloc[:0], b"x").empty
    other = pseudonym.pseudonymise(__import__("pandas").Series(["PERSONNE-SECRETE"]), pseudonym.load_key())
    assert other.iloc[0] != code


def test_key_file_is_created_outside_the_repository_with_mode_600(tmp_path, monkeypatch):
    monkeypatch.delenv("IAE_IMPACT_CLE")
    monkeypatch.setenv("IAE_IMPACT_FICHIER_CLE", str(tmp_path / "cle"))
    key = pseudonym.load_key()
    assert len(key) == 64 and pseudonym.load_key() == key
    assert stat.S_IMODE((tmp_path / "cle").stat().st_mode) == 0o600
    monkeypatch.setenv("IAE_IMPACT_FICHIER_CLE", str(PROJECT_ROOT / "cle_pseudonymisation"))
    with pytest.raises(pseudonym.KeyError_, match="dépôt"):
        pseudonym.load_key()
    assert not (PROJECT_ROOT / "cle_pseudonymisation").exists()


def test_xlsx_workbook_with_typed_cells(tmp_path):
    import datetime as dt

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Parcours"
    ws.append(["Id personne", "Structure", "Dispositif", "Date d'entrée", "Date de sortie", "Motif de sortie",
               "Heures travaillées", "Niveau de formation"])
    ws.append(["p1", "S", "AI", dt.datetime(2024, 1, 15), "30/06/2024", "Au chômage", 151.5, 50])
    ws.append(["p2", "S", "AI", 45292, None, None, 20, "0"])  # Excel serial 45292 = 01/01/2024
    wb.create_sheet("documentation")
    wb.save(tmp_path / "classeur.xlsx")
    p = read_dataset(tmp_path / "classeur.xlsx").parcours
    assert p["date_entree"].dt.strftime("%d/%m/%Y").tolist() == ["15/01/2024", "01/01/2024"]
    assert p["niveau_formation"].tolist() == ["50", "00"]
    assert p["heures_travaillees"].tolist() == [151.5, 20.0]


def test_missing_path_is_a_french_problem(tmp_path):
    with pytest.raises(DonneesInvalides, match="introuvable"):
        read_dataset(tmp_path / "absent")


def test_monthly_hours_need_parcours_identifiers(tmp_path):
    write_csv(tmp_path, "parcours.csv", ["id_personne;structure;dispositif;date_entree", "p1;S;ACI;01/01/2024"])
    write_csv(tmp_path, "heures.csv", ["id_parcours;annee;mois;heures", "X;2024;1;10"])
    with pytest.raises(DonneesInvalides) as err:
        read_dataset(tmp_path)
    assert [(p.feuille, p.colonne) for p in err.value.problemes] == [("parcours", "id_parcours")]


def test_blank_site_and_parcours_id_fall_back(make_dataset):
    ds = make_dataset([";p1;Asso;;ACI;01/01/2024;;;", ";p2;Asso;Bram;ACI;01/01/2024;;;"])
    assert ds.parcours["site"].tolist() == ["Asso", "Bram"]
    assert ds.parcours["id_parcours"].notna().all() and ds.parcours["id_parcours"].nunique() == 2
