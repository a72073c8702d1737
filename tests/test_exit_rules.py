"""The exit-examination rule in its two variants (issue 13, §4; FLUXIAE §3): the written rule of the ASP
(the default) and the GIP de l'inclusion's published implementation, as data, through every entry point."""

from __future__ import annotations

import json

import pytest
import yaml

from iae_impact.analysis.variants import exit_rule_comparison
from iae_impact.cli import main
from iae_impact.indicators import compute_indicators, examined_exits
from iae_impact.ingest import read_dataset
from iae_impact.report import brief
from iae_impact.report.context import prepare_context
from iae_impact.rules.exits import default_exit_rule, examination_rules, exit_rule_variants
from iae_impact.run.notes_config import load_config

from .conftest import write_csv

HEADER = "id_parcours;id_personne;structure;site;dispositif;date_entree;date_sortie;motif_sortie"


def _export(tmp_path):
    """An ACI parcours of 82 days (more than 2,65 months of 365/12 days, less than 3 calendar months) and an AI
    parcours of 160 hours, only 100 of them in its exit year."""
    folder = tmp_path / "export"
    write_csv(folder, "parcours.csv", [
        HEADER,
        "C1;A1;Asso;Albi;ACI;01/03/2024;22/05/2024;Embauche en CDI non aidé",
        "C2;A2;Asso;Albi;AI;01/11/2023;28/02/2024;Au chômage",
    ])
    write_csv(folder, "heures.csv", ["id_parcours;annee;mois;heures", "C1;2024;3;80", "C1;2024;4;80", "C1;2024;5;60",
                                      "C2;2023;11;30", "C2;2023;12;30", "C2;2024;1;50", "C2;2024;2;50"])
    return folder


def test_the_written_rule_is_the_default_and_both_variants_are_data():
    assert default_exit_rule() == "ecrite"
    assert list(exit_rule_variants()) == ["ecrite", "gip"]
    assert examination_rules().loc["ACI", "regle"] == "duree_mois_calendaires"
    gip = examination_rules("gip")
    assert (gip.loc["ACI", "regle"], gip.loc["ACI", "seuil"], gip.loc["ACI", "heures_annee_sortie_min"]) == (
        "duree_mois_jours", 2.65, 1.0)
    assert (gip.loc["AI", "regle"], gip.loc["AI", "seuil"]) == ("heures_annee_sortie", 150.0)


def test_each_variant_examines_its_own_exits(tmp_path):
    ds = read_dataset(_export(tmp_path))
    written = compute_indicators(ds, by=["dispositif"], annees=[2024]).set_index("dispositif")
    gip = compute_indicators(ds, by=["dispositif"], annees=[2024], regle="gip").set_index("dispositif")
    assert (written.loc["ACI", "sorties_examinees"], gip.loc["ACI", "sorties_examinees"]) == (0, 1)
    assert (written.loc["AI", "sorties_examinees"], gip.loc["AI", "sorties_examinees"]) == (1, 0)
    assert len(examined_exits(ds, regle="gip")) == 1 and len(examined_exits(ds)) == 1


def test_the_gip_variant_needs_an_hour_in_the_exit_year(tmp_path):
    folder = _export(tmp_path)
    write_csv(folder, "heures.csv", ["id_parcours;annee;mois;heures", "C1;2024;3;0", "C2;2023;11;300"])
    ds = read_dataset(folder)
    gip = compute_indicators(ds, by=["dispositif"], annees=[2024], regle="gip").set_index("dispositif")
    assert gip.loc["ACI", "sorties_examinees"] == 0 and gip.loc["ACI", "sorties_hors_seuil"] == 1


def test_an_unknown_variant_is_refused_in_french(tmp_path):
    with pytest.raises(ValueError, match="règle de sortie inconnue : gipp .connues : ecrite"):
        compute_indicators(read_dataset(_export(tmp_path)), regle="gipp")


def test_indicateurs_takes_the_variant_and_says_it(tmp_path, capsys):
    out = tmp_path / "tableaux"
    assert main(["indicateurs", str(_export(tmp_path)), "--out", str(out), "--regle", "gip"]) == 0
    bilan = json.loads((out / "bilan.json").read_text(encoding="utf-8"))
    assert bilan["regle_sorties"] == {"variante": "gip", "libelle": "mise en œuvre publiée par le GIP de l'inclusion"}
    assert main(["indicateurs", str(_export(tmp_path)), "--out", str(tmp_path / "x"), "--regle", "autre"]) == 2
    assert "règle de sortie inconnue : autre" in capsys.readouterr().err


def test_the_notes_configuration_takes_the_variant(tmp_path):
    config = tmp_path / "notes.yaml"
    note = {"id": "n", "annee": 2024, "structure": "Asso", "destinataire": {"qualite": "Maire"}, "demandes": ["D."]}
    config.write_text(yaml.safe_dump({"donnees": "export", "regle_sorties": "gip", "notes": [note]}), encoding="utf-8")
    assert load_config(config).regle_sorties == "gip"
    config.write_text(yaml.safe_dump({"donnees": "export", "regle_sorties": "3 mois", "notes": [note]}),
                      encoding="utf-8")
    with pytest.raises(ValueError, match="regle_sorties : règle de sortie inconnue : 3 mois"):
        load_config(config)


def test_the_briefs_method_names_the_variant_and_its_conditions(tmp_path):
    ds = read_dataset(_export(tmp_path))
    for variant, words in (("ecrite", "atelier et chantier d'insertion : au moins 3 mois de parcours"),
                           ("gip", "atelier et chantier d'insertion : plus de 2,65 mois de parcours (jours × 12 / 365) et au moins 1 heure l'année "
                                   "de la sortie")):
        ctx = prepare_context(ds, structure="Asso", annee=2024, seuil=3, regle=variant)
        items = " ".join(brief.method_items(brief.BriefFigures(ctx, annee=2024)))
        assert words in items
        assert f"Règle d'examen des sorties : {exit_rule_variants()[variant]} (« {variant} »" in items
        assert "table du projet" not in items and "celle du projet (data/reference/motifs_sortie.csv)" in items


def test_the_side_by_side_table_masks_a_small_difference_between_variants(tmp_path):
    """Twelve ACI exits of 82 days: both variants' rows are published only when they differ by 0 or by at
    least the threshold."""
    folder = tmp_path / "export"
    rows = [f"C{i};A{i};Asso;Albi;ACI;01/03/2024;{'22/05/2024' if i < 2 else '30/06/2024'};Au chômage"
            for i in range(12)]
    write_csv(folder, "parcours.csv", [HEADER, *rows])
    write_csv(folder, "heures.csv", ["id_parcours;annee;mois;heures", *(f"C{i};2024;3;50" for i in range(12))])
    ds = read_dataset(folder)
    assert compute_indicators(ds, regle="gip")["sorties_examinees"].tolist() == [12]
    table = exit_rule_comparison(ds, seuil=5).set_index("annee")
    assert table.loc[2024, "sorties_examinees_ecrite"] == 10
    assert table.loc[2024, ["sorties_examinees_gip", "taux_sorties_dynamiques_gip"]].isna().all()  # 12 - 10 = 2
    assert exit_rule_comparison(ds, seuil=2).set_index("annee").loc[2024, "sorties_examinees_gip"] == 12
