"""A convention row with an empty site covers the whole structure (issue 13, §1): an association
intermédiaire's export is used as declared, never re-estimated, and a site's brief shows its share."""

from __future__ import annotations

import pytest

from iae_impact.analysis.money import aide_au_poste
from iae_impact.data.selection import select_perimeter
from iae_impact.ingest import DonneesInvalides, read_dataset
from iae_impact.report.context import prepare_context

from .conftest import write_csv

PARCOURS = "id_parcours;id_personne;structure;site;dispositif;date_entree;date_sortie;motif_sortie"
CONVENTIONS = "Structure;Site;Dispositif;Année;Aide au poste (€);Cofinancement département;Autres financements"


def _export(tmp_path, sites: dict[str, float], conventions: list[str]):
    """An export: 6 persons per site working all 2024, ``sites`` giving each site's monthly hours per person."""
    parcours, heures = [PARCOURS], ["id_parcours;annee;mois;heures"]
    for s, (site, hours) in enumerate(sites.items()):
        for i in range(6):
            pid = f"P{s}{i}"
            parcours.append(f"{pid};A{s}{i};AMIE;{site};AI;01/01/2024;31/12/2024;Au chômage")
            heures += [f"{pid};2024;{m};{hours}".replace(".", ",") for m in range(1, 13)]
    folder = tmp_path / "export"
    write_csv(folder, "parcours.csv", parcours, encoding="cp1252")
    write_csv(folder, "heures.csv", heures, encoding="cp1252")
    write_csv(folder, "conventions.csv", [CONVENTIONS, *conventions], encoding="cp1252")
    return folder


def test_a_convention_without_site_is_the_structures_declared_aid(tmp_path):
    ds = read_dataset(_export(tmp_path, {"Toulouse": 50.0}, ["AMIE;;AI;2024;14203,50;3000;1500"]))
    assert not [w for w in ds.avertissements if w.feuille == "conventions"]  # no value the user never typed
    table = aide_au_poste(ds, by=["structure"], annees=[2024])
    row = table.iloc[0]
    assert (row["source"], row["aide_au_poste_eur"], row["total_public_eur"]) == ("conventions", 14203.5, 18703.5)
    money = prepare_context(ds, structure="AMIE", annee=2024).perimetre["argent"]
    assert money["aide_au_poste_eur"] == {"bas": 14203.5, "haut": 14203.5} and money["source_aide_au_poste"] == "conventions"
    assert money["cofinancement_departement_eur"] == 3000.0 and money["autres_financements_eur"] == 1500.0
    assert "conventions_structure" not in money  # the whole structure: nothing shared out


def test_a_site_brief_shows_its_share_and_the_sites_add_up_to_the_declared_amount(tmp_path):
    ds = read_dataset(_export(tmp_path, {"Toulouse": 60.0, "Muret": 20.0}, ["AMIE;;AI;2024;40000;;"]))
    by_site = aide_au_poste(ds, by=["structure", "site"], annees=[2024]).set_index("site")
    assert by_site.loc["Toulouse", "aide_au_poste_eur"] == pytest.approx(30000.0)
    assert by_site.loc["Muret", "aide_au_poste_eur"] == pytest.approx(10000.0)
    assert aide_au_poste(ds, by=[], annees=[2024])["aide_au_poste_eur"].iloc[0] == pytest.approx(40000.0)
    muret = select_perimeter(ds, structure="AMIE", sites=["Muret"])
    assert aide_au_poste(muret, by=[], annees=[2024])["aide_au_poste_eur"].iloc[0] == pytest.approx(10000.0)
    money = prepare_context(ds, structure="AMIE", sites=["Muret"], annee=2024).perimetre["argent"]
    assert money["aide_au_poste_eur"] == {"bas": pytest.approx(10000.0), "haut": pytest.approx(10000.0)}
    assert money["conventions_structure"][0]["part_perimetre"] == pytest.approx(0.25)
    phrases = [" ".join(p.replace("\u202f", " ").replace("\xa0", " ").split()) for p in money["phrases"]]
    assert any("couvre toute la structure (40 000 € d'aide au poste)" in p and "en reçoit 25,0 %" in p
               for p in phrases), phrases


def test_a_convention_for_the_structure_and_by_site_the_same_year_is_refused(tmp_path):
    folder = _export(tmp_path, {"Toulouse": 50.0}, ["AMIE;;AI;2024;14203,50;;", "AMIE;Toulouse;AI;2024;14203,50;;"])
    with pytest.raises(DonneesInvalides) as exc:
        read_dataset(folder)
    clashes = [p for p in exc.value.problemes if "comptée deux fois" in p.message]
    assert [(p.ligne, p.colonne) for p in clashes] == [(2, "Site"), (3, "Site")]


def test_a_conventions_planned_rate_stands_beside_the_actual_one(tmp_path):
    from iae_impact.analysis.targets import planned_beside_actual, planned_exit_rates
    from iae_impact.report import brief

    conventions = ["AMIE;;AI;2024;14203,50;;"]
    folder = _export(tmp_path, {"Toulouse": 50.0}, conventions)
    write_csv(folder, "conventions.csv", [
        CONVENTIONS + ";N° annexe financière;Taux prévu de sorties dynamiques (%);Taux prévu d'emploi durable",
        "AMIE;;AI;2024;14203,50;;;AI031240007A0M0;55 %;22"], encoding="cp1252")
    ds = read_dataset(folder)
    planned = planned_exit_rates(ds)
    assert planned[["numero_annexe_financiere", "taux_prevu_sorties_dynamiques", "taux_prevu_emploi_durable"]] \
        .values.tolist() == [["AI031240007A0M0", 0.55, 0.22]]
    ctx = prepare_context(ds, structure="AMIE", annee=2024, seuil=3)
    sentences = [" ".join(t.replace("\u202f", " ").replace("\xa0", " ").split())
                 for t in brief.planned_rate_sentences(brief.BriefFigures(ctx, annee=2024))]
    assert sentences[0] == ("Taux prévus par la convention AI 2024 (annexe financière AI031240007A0M0, toute la "
                            "structure AMIE) : sorties dynamiques 55 %, emploi durable 22 %.")
    assert sentences[1].startswith("Taux réalisés en 2024 sur le périmètre : sorties dynamiques 0 %")
    table = brief.key_figures_table(brief.BriefFigures(ctx, annee=2024))
    assert not table["Repère national"].str.contains("55|22").any()  # never a national reference
    beside = planned_beside_actual(planned, ctx.indicateurs.assign(structure="AMIE"),
                                  ctx.indicateurs.assign(structure="AMIE", site="Toulouse").iloc[:0])
    assert beside.loc[0, "taux_sorties_dynamiques"] == 0.0


def test_a_planned_rate_between_0_and_1_without_percent_is_ambiguous(tmp_path):
    folder = _export(tmp_path, {"Toulouse": 50.0}, [])
    write_csv(folder, "conventions.csv", ["Structure;Site;Dispositif;Année;Taux prévu de sorties dynamiques",
                                          "AMIE;;AI;2024;0,6"], encoding="cp1252")
    with pytest.raises(DonneesInvalides) as exc:
        read_dataset(folder)
    assert [(p.valeur, p.message) for p in exc.value.problemes] == [
        ("0,6", "taux ambigu : écrivez-le en pourcentage (60 ou 60 % pour 60 %)")]
