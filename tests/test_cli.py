"""End-to-end: the `iae-impact` command as a user runs it (French messages, exit codes, nothing half-written)."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from iae_impact.cli import main
from iae_impact.run.cli import STANDARD_TABLES

from .conftest import PARCOURS_HEADER, write_csv

GOOD = ["A;p1;Asso;Narbonne;ACI;01/01/2023;30/06/2024;Embauche en CDI non aidé;900",
        "B;p2;Asso;Bram;ACI;01/03/2024;;;300"]
BAD = ["A;p1;Asso;Narbonne;ACI;01/01/2023;30/06/2022;Embauche en CDI non aidé;900",
       "B;p2;Asso;Bram;ACI;01/03/2024;;Lune;-3"]


def test_verifier_accepts_good_data_and_writes_nothing(tmp_path, capsys):
    write_csv(tmp_path / "in", "parcours.csv", [PARCOURS_HEADER, *GOOD])
    before = set(tmp_path.rglob("*"))
    assert main(["verifier", str(tmp_path / "in")]) == 0
    assert "Données valides : 2 parcours" in capsys.readouterr().err
    assert set(tmp_path.rglob("*")) == before


def test_bad_file_gives_a_french_report_nonzero_exit_and_no_output(tmp_path, capsys):
    write_csv(tmp_path / "in", "parcours.csv", [PARCOURS_HEADER, *BAD])
    out = tmp_path / "out"
    assert main(["indicateurs", str(tmp_path / "in"), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "3 problèmes" in err and "ligne 2" in err and "ligne 3" in err and "rien n'a été écrit" in err
    assert not out.exists()
    assert not list(tmp_path.glob(".out.tmp-*"))
    assert main(["verifier", str(tmp_path / "in")]) == 1


def test_indicateurs_writes_every_table_in_three_formats(tmp_path):
    write_csv(tmp_path / "in", "parcours.csv", [PARCOURS_HEADER, *GOOD])
    out = tmp_path / "out"
    assert main(["indicateurs", str(tmp_path / "in"), "--out", str(out), "--par", "site", "--seuil-secret", "1"]) == 0
    for stem in [*STANDARD_TABLES, "indicateurs_site"]:
        parquet = pd.read_parquet(out / f"{stem}.parquet")
        international = pd.read_csv(out / f"{stem}.csv")
        french = pd.read_csv(out / f"{stem}_fr.csv", sep=";", decimal=",", encoding="utf-8-sig")
        assert len(parquet) == len(international) == len(french) > 0
        pd.testing.assert_series_equal(parquet["heures"], french["heures"], check_names=False)
    total = pd.read_parquet(out / "indicateurs_ensemble.parquet").set_index("annee")
    assert total.loc[2024, "sorties_examinees"] == 1 and total.loc[2024, "taux_emploi_durable"] == 1.0
    assert (out / "bilan.json").exists()
    assert "p1" not in (out / "indicateurs_site.csv").read_text()


def test_indicateurs_mask_small_cells_by_default(tmp_path):
    write_csv(tmp_path / "in", "parcours.csv", [PARCOURS_HEADER, *GOOD])
    out = tmp_path / "out"
    assert main(["indicateurs", str(tmp_path / "in"), "--out", str(out)]) == 0
    table = pd.read_parquet(out / "indicateurs_site.parquet")
    assert table["personnes"].isna().all() and table["heures"].isna().all()  # 1 person per site and year
    assert table["site"].notna().all() and table["annee"].notna().all()
    bilan = __import__("json").loads((out / "bilan.json").read_text(encoding="utf-8"))
    assert bilan["seuil_secret"] == 5 and bilan["cellules_masquees"]["indicateurs_site"] > 0


def test_modele_refuses_a_wrong_suffix(tmp_path, capsys):
    assert main(["modele", str(tmp_path / "modele.txt")]) == 2
    assert "Erreur" in capsys.readouterr().err
    assert not (tmp_path / "modele.txt").exists()


@pytest.mark.slow
def test_console_script_is_installed_and_speaks_french():
    bindir = __import__("pathlib").Path(sys.executable).parent
    done = subprocess.run([str(bindir / "iae-impact"), "--help"], capture_output=True, text=True, check=True)
    assert "verifier" in done.stdout and "indicateurs" in done.stdout and "modele" in done.stdout


@pytest.mark.parametrize("args", [["verifier"], ["inconnue"]])
def test_usage_errors_exit_nonzero(args):
    with pytest.raises(SystemExit) as exc:
        main(args)
    assert exc.value.code == 2


@pytest.mark.parametrize("seuil, words", [
    (1, "le secret statistique est désactivé"),
    (2, "seules les cellules d'une personne sont masquées, le secret statistique est très affaibli"),
    (3, None),
])
def test_indicateurs_warn_when_the_threshold_does_not_protect(tmp_path, capsys, seuil, words):
    write_csv(tmp_path / "in", "parcours.csv", [PARCOURS_HEADER, *GOOD])
    assert main(["indicateurs", str(tmp_path / "in"), "--out", str(tmp_path / "out"),
                 "--seuil-secret", str(seuil)]) == 0
    err = capsys.readouterr().err
    if words:
        assert f"avertissement — seuil de secret statistique {seuil} : {words}" in err
    else:
        assert "seuil de secret statistique" not in err
