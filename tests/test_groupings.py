"""`indicateurs --par` publishes only groupings meant for publication: never one row per person code,
identifier or exact date (issue 12, item 3). The publishable columns are declared once, in the schemas."""

from __future__ import annotations

import pytest

from iae_impact.cli import main

from .conftest import PARCOURS_HEADER, write_csv

ROWS = [f"P{i};A{i};Asso;{'Narbonne' if i % 2 else 'Bram'};ACI;{1 + i:02d}/01/2024;;;{100 + i}" for i in range(12)]


@pytest.mark.parametrize("par", [["id_personne"], ["id_parcours"], ["date_entree"], ["site", "date_sortie"],
                                 ["annee_naissance"], ["sexe"], ["inconnue"]])
def test_a_grouping_by_an_identifier_a_date_or_a_profile_is_refused_before_reading(tmp_path, capsys, par):
    write_csv(tmp_path / "in", "parcours.csv", [PARCOURS_HEADER, *ROWS])
    out = tmp_path / "out"
    assert main(["indicateurs", str(tmp_path / "in"), "--out", str(out), "--par", *par, "--seuil-secret", "1"]) == 2
    err = capsys.readouterr().err
    refused = next(c for c in par if c != "site")
    assert f"Regroupement refusé : « {refused} » n'est pas une colonne de regroupement publiable" in err
    assert "Colonnes acceptées : structure, site, dispositif, action, commune, code_commune, departement, " \
           "circonscription." in err
    assert "Lecture" not in err and "Traceback" not in err
    assert not out.exists()


def test_publishable_groupings_are_read_from_the_schema_metadata():
    from iae_impact.data import schema

    assert schema.publishable_groupings() == ("structure", "site", "dispositif", "action", "commune",
                                              "code_commune", "departement", "circonscription")
    flagged = {name for sheet in schema.GROUPING_SHEETS
               for name, column in schema.sheet_schemas()[sheet].columns.items() if column.metadata["publiable"]}
    assert flagged == set(schema.publishable_groupings())
    assert not {"id_personne", "id_parcours", "date_entree", "date_sortie", "annee_naissance"} & flagged


def test_a_publishable_grouping_is_accepted_as_written_in_a_sheet(tmp_path):
    write_csv(tmp_path / "in", "parcours.csv", [PARCOURS_HEADER, *ROWS])
    out = tmp_path / "out"
    assert main(["indicateurs", str(tmp_path / "in"), "--out", str(out), "--par", "Site", "dispositif",
                 "--seuil-secret", "1"]) == 0
    assert (out / "indicateurs_site_dispositif.csv").exists()
