"""Files as real exports hold them (issue 13, §1 and §2): ASP codes and labels, hours written as durations,
education levels on the current scale, short motive wordings, headers with units, hours split per year.
Each test writes the file a user would have and reads it as the command does."""

from __future__ import annotations

import pytest

from iae_impact.data.raw import match_header
from iae_impact.ingest import DonneesInvalides, read_dataset
from iae_impact.rules.profile import education_groups
from iae_impact.rules.tables import load_spellings

from .conftest import write_csv

HEADER = "id_parcours;id_personne;structure;site;dispositif;date_entree;date_sortie;motif_sortie;heures_travaillees"


def _read(tmp_path, lines: list[str], header: str = HEADER, name: str = "parcours.csv", **others):
    folder = tmp_path / "export"
    write_csv(folder, name, [header, *lines], encoding="cp1252")
    for sheet, rows in others.items():
        write_csv(folder, f"{sheet}.csv", rows, encoding="cp1252")
    return read_dataset(folder, pseudonymiser=False)


def _problems(tmp_path, lines: list[str], header: str = HEADER, **others) -> list:
    with pytest.raises(DonneesInvalides) as exc:
        _read(tmp_path, lines, header, **others)
    return exc.value.problemes


def test_asp_rsa_sex_and_qpv_codes_are_read(tmp_path):
    header = HEADER + ";Civilité;Bénéficiaire RSA;QPV"
    rows = [f"P{i};A{i};Asso;Toulouse;AI;01/02/2024;;;100;{sexe};{rsa};{qpv}"
            for i, (sexe, rsa, qpv) in enumerate([("M.", "OUI-M", "QP"), ("MME", "OUI-NM", "NQP"),
                                                  ("MME", "NON", "QP"), ("M.", "RSA majoré", "NQP"),
                                                  ("M.", "RSA non majoré", ""), ("MME", "Non bénéficiaire du RSA", "")])]
    p = _read(tmp_path, rows, header).parcours
    assert list(p["sexe"]) == ["M", "F", "F", "M", "M", "F"]
    assert list(p["beneficiaire_rsa"]) == [True, True, False, True, True, False]
    assert p["residant_qpv"].tolist()[:4] == [True, False, True, False]
    assert p["residant_qpv"].isna().tolist() == [False] * 4 + [True] * 2


def test_asp_measure_codes_give_the_dispositif_and_penitentiary_ones_are_named(tmp_path):
    codes = ["ACI_DC", "AI_DC", "EI_DC", "ETTI_DC", "EITI_DC", "ACI_MP", "EI_MP"]
    rows = [f"P{i};A{i};Asso;Site;{code};01/02/2024;;;100" for i, code in enumerate(codes)]
    ds = _read(tmp_path, rows)
    assert list(ds.parcours["dispositif"]) == ["ACI", "AI", "EI", "ETTI", "EITI", "ACI", "EI"]
    named = [w for w in ds.avertissements if "milieu pénitentiaire" in w.message]
    assert {w.valeur for w in named} == {"ACI_MP", "EI_MP"}
    assert all("1 ligne" in w.message for w in named)


@pytest.mark.parametrize("code, words", [("FDI_DC", "Fonds de développement de l'inclusion"),
                                          ("ACIPA_DC", "écarte"), ("EIPA_DC", "écarte")])
def test_fund_and_set_aside_measures_are_refused_with_their_reason(tmp_path, code, words):
    problems = _problems(tmp_path, [f"P1;A1;Asso;Site;{code};01/02/2024;;;100"])
    assert len(problems) == 1 and problems[0].valeur == code and words in problems[0].message
    assert problems[0].colonne == "dispositif" and problems[0].ligne == 2


def test_hours_written_as_durations(tmp_path):
    header = "id_parcours;id_personne;structure;site;dispositif;date_entree;date_sortie;motif_sortie"
    ds = _read(tmp_path, ["P1;A1;Asso;Toulouse;AI;01/01/2024;;"], header,
               heures=["id_parcours;annee;mois;Nb heures (h)", "P1;2024;1;24:48", "P1;2024;2;19h06",
                       "P1;2024;3;7 h 30", "P1;2024;4;12,5", "P1;2024;5;10:00:36"])
    assert list(ds.heures["heures"]) == pytest.approx([24.8, 19.1, 7.5, 12.5, 10.01])


def test_a_duration_with_sixty_minutes_is_refused(tmp_path):
    header = "id_parcours;id_personne;structure;site;dispositif;date_entree;date_sortie;motif_sortie"
    problems = _problems(tmp_path, ["P1;A1;Asso;Toulouse;AI;01/01/2024;;"], header,
                         heures=["id_parcours;annee;mois;heures", "P1;2024;1;24:60"])
    assert [(p.feuille, p.ligne, p.valeur) for p in problems] == [("heures", 2, "24:60")]


def test_education_levels_on_the_current_scale_and_asp_labels(tmp_path):
    header = HEADER + ";Niveau de formation"
    levels = ["CAP, BEP", "Niveau 3", "3", "50", "FORMATION DE NIVEAU CAP OU BEP", "Niveau 4", "bac+2", "0", "1",
              "Niveau V", "niveau 8"]
    rows = [f"P{i};A{i};Asso;Site;ACI;01/02/2024;;;100;{level}" for i, level in enumerate(levels)]
    p = _read(tmp_path, rows, header).parcours
    assert list(p["niveau_formation"]) == ["N3", "N3", "N3", "50", "50", "N4", "N5", "00", "01", "N3", "N8"]
    groups = education_groups()
    assert [groups[c] for c in p["niveau_formation"]] == ["cap_bep"] * 5 + ["bac_ou_plus"] * 2 + \
        ["infra_cap"] * 2 + ["cap_bep", "bac_ou_plus"]


@pytest.mark.parametrize("level, words", [("sans diplôme", "ne dit pas le niveau atteint"),
                                           ("Niveau 2", "niveaux 1 et 2"), ("niveau I", "niveaux 7"),
                                           ("Brevet des collèges", "pas de correspondance sûre")])
def test_ambiguous_education_levels_are_refused_not_guessed(tmp_path, level, words):
    problems = _problems(tmp_path, [f"P1;A1;Asso;Site;ACI;01/02/2024;;;100;{level}"], HEADER + ";Niveau")
    assert len(problems) == 1 and problems[0].valeur == level and words in problems[0].message
    assert problems[0].colonne == "Niveau"


def test_short_motive_wordings_are_read_and_vague_ones_refused(tmp_path):
    rows = ["P1;A1;Asso;Site;ACI;01/02/2023;30/06/2024;Formation qualifiante;600",
            "P2;A2;Asso;Site;ACI;01/02/2023;30/06/2024;CDD de moins de 6 mois;600",
            "P3;A3;Asso;Site;ACI;01/02/2023;30/06/2024;CDD de plus de 6 mois;600"]
    p = _read(tmp_path, rows).parcours
    assert list(p["motif_sortie"]) == [
        "Entrée en formation qualifiante ou poursuite de formation qualifiante",
        "Embauche en CDD (sans aide publique à l'emploi) de moins de 6 mois (hors IAE)",
        "Embauche en CDD (sans aide publique à l'emploi) d'une durée de 6 mois et plus"]
    problems = _problems(tmp_path, ["P1;A1;Asso;Site;ACI;01/02/2023;30/06/2024;CDI;600"])
    assert len(problems) == 1 and "CDI Inclusion" in problems[0].message


def test_header_with_a_unit_is_read_and_a_wrong_unit_is_refused(tmp_path):
    parcours = ["P1;A1;Asso;Toulouse;AI;01/01/2024;;;100"]
    conventions = ["Structure;Site;Dispositif;Année;Aide au poste (€);Cofinancement CD (en €);ETP conventionnés (ETP)",
                   "Asso;Toulouse;AI;2024;14203,50;1000;1,5"]
    conv = _read(tmp_path, parcours, conventions=conventions).conventions
    assert conv["aide_au_poste_eur"].tolist() == [14203.5]
    assert conv["cofinancement_departement_eur"].tolist() == [1000.0]
    assert conv["etp_conventionnes"].tolist() == [1.5]
    wrong = ["Structure;Site;Dispositif;Année;Aide au poste (%)", "Asso;Toulouse;AI;2024;14203,50"]
    problems = _problems(tmp_path, parcours, conventions=wrong)
    assert [(p.colonne, p.message) for p in problems] == [
        ("Aide au poste (%)", "unité « % » inattendue : « Aide au poste » attend un montant en €")]


def test_two_headers_for_one_column_stay_an_error(tmp_path):
    header = "id_parcours;id_personne;structure;site;dispositif;date_entree;date_sortie;motif_sortie;Heures (h);" \
             "Nombre d'heures"
    problems = _problems(tmp_path, ["P1;A1;Asso;Site;AI;01/01/2024;;;100;100"], header)
    assert any("deux colonnes correspondent" in p.message and p.colonne == "Nombre d'heures" for p in problems)


def test_nb_or_nombre_only_before_a_quantity():
    assert match_header("Nb heures travaillées", "parcours") == ("heures_travaillees", None)
    assert match_header("Nombre de mois", "heures") == (None, None)  # a count of months is not the month
    assert match_header("Heures (total)", "heures") == (None, None)  # not a unit: not recognised


def test_messages_name_the_users_own_header(tmp_path):
    header = HEADER + ";Bénéficiaire RSA"
    problems = _problems(tmp_path, ["P1;A1;Asso;Site;ACI;01/02/2024;;;100;peut-être"], header)
    assert [(p.colonne, p.valeur) for p in problems] == [("Bénéficiaire RSA", "peut-être")]
    assert "colonne « Bénéficiaire RSA »" in str(problems[0])


def test_every_spelling_is_written_once_per_type():
    table = load_spellings()
    assert set(table["effet"]) <= {"accepte", "signale", "refuse"}
    assert table["source"].str.len().gt(0).all()
    assert not table.loc[table["effet"].eq("refuse"), "remarque"].eq("").any()


def _split_hours(tmp_path, hours_2023: list[str], hours_2024: list[str], header_2024: str = "id_parcours;annee;mois;heures"):
    folder = tmp_path / "export"
    write_csv(folder, "parcours.csv", [HEADER[:HEADER.rindex(";")], "P1;A1;Asso;Toulouse;AI;01/01/2023;;",
                                       "P2;A2;Asso;Toulouse;AI;01/06/2023;;"])
    write_csv(folder, "heures_2023.csv", ["id_parcours;annee;mois;heures", *hours_2023])
    write_csv(folder, "heures_2024.csv", [header_2024, *hours_2024])
    return folder


def test_hours_split_per_year_are_one_sheet(tmp_path):
    folder = _split_hours(tmp_path, ["P1;2023;1;10", "P2;2023;6;20"], ["P1;2024;1;30", "P2;2024;2;40", "P2;2024;3;5"])
    ds = read_dataset(folder, pseudonymiser=False)
    assert sorted(ds.heures["heures"]) == [5, 10, 20, 30, 40]
    assert [(b.fichier, b.lignes_lues, b.lignes_acceptees) for b in ds.bilan if b.feuille == "heures"] == [
        ("heures_2023.csv", 2, 2), ("heures_2024.csv", 3, 3)]


def test_a_row_in_two_files_is_a_problem_in_both_places(tmp_path):
    folder = _split_hours(tmp_path, ["P1;2023;1;10", "P1;2024;1;30"], ["P2;2024;2;40", "P1;2024;1;30"])
    with pytest.raises(DonneesInvalides) as exc:
        read_dataset(folder, pseudonymiser=False)
    places = {(p.fichier, p.ligne) for p in exc.value.problemes if "ligne en double" in p.message}
    assert places == {("heures_2023.csv", 3), ("heures_2024.csv", 3)}
    assert [(b.fichier, b.lignes_rejetees) for b in exc.value.bilan if b.feuille == "heures"] == [
        ("heures_2023.csv", 1), ("heures_2024.csv", 1)]


def test_a_problem_in_the_second_file_names_that_file_and_its_line(tmp_path):
    folder = _split_hours(tmp_path, ["P1;2023;1;10"], ["P1;2024;13;30"])
    with pytest.raises(DonneesInvalides) as exc:
        read_dataset(folder, pseudonymiser=False)
    assert [(p.fichier, p.ligne, p.colonne) for p in exc.value.problemes] == [("heures_2024.csv", 2, "mois")]


def test_files_of_one_sheet_with_different_columns_are_refused(tmp_path):
    folder = _split_hours(tmp_path, ["P1;2023;1;10"], ["P1;2024;1"], header_2024="id_parcours;annee;mois")
    with pytest.raises(DonneesInvalides) as exc:
        read_dataset(folder, pseudonymiser=False)
    assert any("colonnes différentes" in p.message and "heures_2024.csv : annee, id_parcours, mois" in p.message
               for p in exc.value.problemes)


def test_a_parcours_without_any_hour_does_not_count_its_person_as_having_worked(tmp_path):
    """An AI's person enrolled in 2024 but not yet placed: counted as an entry, not among those who worked."""
    from iae_impact.indicators import compute_indicators

    header = "id_parcours;id_personne;structure;site;dispositif;date_entree;date_sortie;motif_sortie"
    ds = _read(tmp_path, ["P1;A1;AMIE;Toulouse;AI;01/01/2024;;", "P2;A2;AMIE;Toulouse;AI;01/03/2024;;"], header,
               heures=["id_parcours;annee;mois;heures", "P1;2024;1;30", "P1;2024;2;30"])
    row = compute_indicators(ds).set_index("annee").loc[2024]
    assert (row["personnes"], row["entrees"], row["heures"]) == (1, 2, 60.0)


def test_no_empty_year_before_the_exports_first_activity(tmp_path):
    """An export of monthly hours from 2023 on: a parcours begun in 2019 gives no 2019 row."""
    from iae_impact.indicators import compute_indicators

    header = "id_parcours;id_personne;structure;site;dispositif;date_entree;date_sortie;motif_sortie"
    ds = _read(tmp_path, ["P1;A1;AMIE;Toulouse;AI;15/04/2019;;", "P2;A2;AMIE;Toulouse;AI;01/02/2023;;"], header,
               heures=["id_parcours;annee;mois;heures", "P1;2023;1;30", "P2;2023;2;30", "P2;2024;1;10"])
    assert compute_indicators(ds)["annee"].tolist() == [2023, 2024]


def test_a_perimeter_starts_the_year_the_whole_export_does(tmp_path):
    """The first year is the export's, not the perimeter's: a site's table keeps the year its parcours began
    when another site was already active (every table of a release starts the same year)."""
    from iae_impact.data.selection import select_perimeter
    from iae_impact.indicators import compute_indicators

    header = "id_parcours;id_personne;structure;site;dispositif;date_entree;date_sortie;motif_sortie"
    ds = _read(tmp_path, ["P1;A1;AMIE;Toulouse;AI;15/04/2022;;", "P2;A2;AMIE;Muret;AI;01/02/2022;;"], header,
               heures=["id_parcours;annee;mois;heures", "P1;2023;1;30", "P2;2022;2;30", "P2;2023;2;30"])
    toulouse = compute_indicators(select_perimeter(ds, sites=["Toulouse"])).set_index("annee")
    assert toulouse.index.tolist() == [2022, 2023]  # Muret was active in 2022: Toulouse's entry of 2022 has its row
    assert (toulouse.loc[2022, "entrees"], toulouse.loc[2022, "personnes"]) == (1, 0)
    assert ds.premiere_annee == 2022
