"""The user's words and places (issue 13, §5): relative paths are the user's (the current folder, or the
configuration's folder), an unknown structure or site is answered with the names the data hold, and the
« données fictives » mention comes from the demo's own marker, never from a structure's name."""

from __future__ import annotations

import shutil

import pytest
import yaml

from iae_impact.base.paths import DEMO_DIR, PROJECT_ROOT
from iae_impact.cli import main
from iae_impact.data.model import DEMO_MARKER
from iae_impact.data.selection import is_fictional, select_perimeter
from iae_impact.ingest import read_dataset
from iae_impact.report.context import ReleaseInputs
from iae_impact.run.batch import check_against_data
from iae_impact.run.notes_config import load_config

from .conftest import write_csv

HEADER = "id_parcours;id_personne;structure;site;dispositif;date_entree;date_sortie;motif_sortie;heures_travaillees"
ROWS = [f"P{i};A{i};Les Jardins (fictif);{'Albi' if i % 2 else 'Gaillac'};ACI;01/02/2024;;;{300 + i}"
        for i in range(12)]


def test_verifier_reads_a_relative_path_from_the_current_folder(tmp_path, monkeypatch, capsys):
    write_csv(tmp_path, "parcours.csv", [HEADER, *ROWS])
    monkeypatch.chdir(tmp_path)
    assert main(["verifier", "parcours.csv"]) == 0
    assert "Données valides : 12 parcours" in capsys.readouterr().err


def test_indicateurs_writes_a_relative_out_in_the_current_folder(tmp_path, monkeypatch):
    write_csv(tmp_path / "export", "parcours.csv", [HEADER, *ROWS])
    monkeypatch.chdir(tmp_path)
    assert main(["indicateurs", "export", "--out", "tableaux"]) == 0
    assert (tmp_path / "tableaux" / "indicateurs_ensemble.csv").exists()
    assert not (PROJECT_ROOT / "tableaux").exists()


def test_a_configurations_paths_are_taken_from_its_own_folder(tmp_path, monkeypatch):
    folder = tmp_path / "reseau"
    write_csv(folder / "donnees", "parcours.csv", [HEADER, *ROWS])
    config = folder / "notes.yaml"
    config.write_text(yaml.safe_dump({"donnees": "donnees", "notes": [
        {"id": "n", "annee": 2024, "structure": "Les Jardins (fictif)", "destinataire": {"qualite": "Maire"},
         "demandes": ["Une demande."]}]}, allow_unicode=True), encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # elsewhere than the configuration's folder
    assert load_config(config).donnees == str(folder / "donnees")


def test_the_projects_own_configuration_still_finds_the_demo():
    assert load_config(PROJECT_ROOT / "config" / "notes.yaml").donnees == str(DEMO_DIR)


def _release(tmp_path):
    write_csv(tmp_path / "donnees", "parcours.csv", [HEADER, *ROWS])
    return ReleaseInputs.of(read_dataset(tmp_path / "donnees"))


def _check(tmp_path, release, **note):
    config = tmp_path / "notes.yaml"
    config.write_text(yaml.safe_dump({"donnees": "donnees", "notes": [
        {"id": "n", "annee": 2024, "destinataire": {"qualite": "Maire"}, "demandes": ["Une demande."], **note}]},
        allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValueError) as exc:
        check_against_data(load_config(config), release.dataset)
    return str(exc.value)


def test_an_unknown_structure_or_site_lists_those_the_data_hold(tmp_path):
    release = _release(tmp_path)
    message = _check(tmp_path, release, structure="Les Jardin")
    assert "structure inconnue dans les données : Les Jardin (structures des données : Les Jardins (fictif))" in message
    message = _check(tmp_path, release, structure="Les Jardins (fictif)", sites=["Alby"])
    assert "site(s) inconnu(s) dans les données : Alby (sites de cette structure des données : Albi, Gaillac)" \
        in message
    with pytest.raises(ValueError, match="sites de cette structure des données : Albi, Gaillac"):
        select_perimeter(release.dataset, structure="Les Jardins (fictif)", sites=["Alby"])


def test_a_structure_named_fictif_is_not_the_demo(tmp_path):
    """A user's real structure called « … (fictif) » gets no « données fictives » banner."""
    write_csv(tmp_path, "parcours.csv", [HEADER, *ROWS])
    ds = read_dataset(tmp_path)
    assert not is_fictional(ds) and not ReleaseInputs.of(ds).provenance["fictif"]


def test_the_demo_is_told_by_its_marker_and_an_edited_copy_is_not(tmp_path):
    assert is_fictional(read_dataset(DEMO_DIR))
    copy = tmp_path / "demo"
    shutil.copytree(DEMO_DIR, copy)
    assert is_fictional(read_dataset(copy))
    assert is_fictional(select_perimeter(read_dataset(copy), structure="AMIE (fictif)"))
    with (copy / "sites_FICTIF.csv").open("a", encoding="utf-8") as f:
        f.write("Castelnaudary;Castelnaudary;11076;11;\n")  # the user's own data now
    assert not is_fictional(read_dataset(copy))
    (copy / DEMO_MARKER).unlink()
    shutil.copy(DEMO_DIR / "sites_FICTIF.csv", copy / "sites_FICTIF.csv")
    assert not is_fictional(read_dataset(copy))
