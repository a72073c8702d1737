"""An ASP fluxIAE extract read as it comes (issue 13, §3): synthetic views written from the documented layout
(tests/fluxiae.py) give the same indicators and the same brief figures as the same records written in the
template, and every quirk of the layout is met."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from iae_impact.cli import main
from iae_impact.data.read_fluxiae import read_fluxiae
from iae_impact.indicators import compute_indicators
from iae_impact.ingest import DonneesInvalides, read_dataset
from iae_impact.report import brief
from iae_impact.report.context import prepare_context
from tests import fluxiae as fx

# slow: computes briefs or releases on the demo (seconds each); left out of make test-rapide
pytestmark = pytest.mark.slow

GROUPINGS = [[], ["structure"], ["structure", "site"], ["structure", "site", "dispositif"]]
PERIMETERS = [("A.M.I. Aude (fictif)", None), ("AMIE (fictif)", None), ("A.M.I. Aude (fictif)", ["Narbonne"]),
              ("A.M.I. Aude (fictif)", ["Lézignan-Corbières", "Carcassonne-Berriac"])]


@pytest.fixture(scope="module")
def extract(tmp_path_factory) -> tuple[Path, Path]:
    """The same records as a template export and as an ASP extract."""
    base = tmp_path_factory.mktemp("fluxiae")
    records = fx.build_records()
    return fx.write_template(records, base / "modele"), fx.write_views(records, base / "asp")


@pytest.fixture(scope="module")
def both(extract):
    return read_dataset(extract[0]), read_dataset(extract[1])


def test_the_views_are_written_as_real_extracts_come(extract):
    """The fixture itself holds what the reader must meet (else the equality below would prove little)."""
    folder = extract[1]
    names = sorted(p.name for p in folder.iterdir())
    assert "fluxIAE_EtatMensuelIndiv_15032025_093000.csv.gz" in names
    contracts = (folder / "fluxIAE_ContratMission_15032025_093000.csv").read_text(encoding="utf-8").splitlines()
    assert contracts[0].startswith("DEBContratMission") and contracts[-1].startswith(f"FIN{len(contracts) - 3}|")
    assert (folder / "fluxIAE_Salarie_15032025_093000.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert "-PII\n|" in (folder / "fluxIAE_Salarie_15032025_093000.csv").read_text(encoding="utf-8-sig")
    assert gzip.decompress((folder / "fluxIAE_EtatMensuelIndiv_15032025_093000.csv.gz").read_bytes()).startswith(b"DEB")
    assert "af_nb_banques numeric" in (folder / "fluxIAE_AnnexeFinanciere_15032025_093000.csv").read_text("utf-8")


@pytest.mark.parametrize("by", GROUPINGS, ids=lambda by: "+".join(by) or "ensemble")
@pytest.mark.parametrize("regle", ["ecrite", "gip"])
def test_same_indicators_as_the_same_records_in_the_template(both, by, regle):
    template, asp = both
    expected = compute_indicators(template, by=by, regle=regle)
    assert len(expected) > 10 and expected["sorties_examinees"].sum() > 100
    pd.testing.assert_frame_equal(compute_indicators(asp, by=by, regle=regle), expected, check_exact=False, rtol=1e-9)


@pytest.mark.parametrize("structure, sites", PERIMETERS)
def test_same_brief_figures(both, structure, sites):
    figures = []
    for ds in both:
        ctx = prepare_context(ds, structure=structure, sites=sites, annee=2024)
        summary = brief.summary(brief.BriefFigures(ctx, annee=2024), "note")
        summary.pop("empreinte_donnees")
        figures.append((summary, ctx.perimetre["taux_prevus"], ctx.perimetre["argent"]["phrases"]))
    assert figures[0] == figures[1]
    assert figures[0][0]["indicateurs"]["sorties_examinees"] is not None
    assert {row["taux_prevu_sorties_dynamiques"] for row in figures[0][1]} == {0.55}


def test_the_extracts_motive_tables_win_and_the_method_says_so(extract, tmp_path):
    folder = tmp_path / "asp"
    shutil.copytree(extract[1], folder)
    path = folder / "fluxIAE_RefMotifSort_15032025_093000.csv"
    rows = fx.rows_of(path)
    chomage = next(r for r in rows if r[2] == "Au chômage")
    positives = next(r for r in rows if r[2] == "Entrée en formation qualifiante ou poursuite de formation qualifiante")
    chomage[3] = positives[3]  # the extract ranks « Au chômage » among the sorties positives
    path.write_text("\n".join("|".join(r) for r in rows) + "\n", encoding="utf-8")
    asp = read_dataset(folder)
    assert asp.categories_motifs["Au chômage"] == "Sorties positives"
    own = compute_indicators(asp, by=["structure"]).set_index(["structure", "annee"])
    project = compute_indicators(read_dataset(extract[0]), by=["structure"]).set_index(["structure", "annee"])
    moved = own["autres_sorties"] < project["autres_sorties"]
    assert moved.any() and (own.loc[moved, "sorties_positives"] > project.loc[moved, "sorties_positives"]).all()
    items = brief.method_items(brief.BriefFigures(prepare_context(asp, structure="AMIE (fictif)", annee=2024), 2024))
    assert any("fluxIAE_RefMotifSort_15032025_093000.csv et fluxIAE_RefCategorieSort_15032025_093000.csv de "
               "l'extrait ASP), qui prime sur celle du projet" in item for item in items)


def test_names_nir_addresses_phones_and_emails_are_never_read(both):
    asp = both[1]
    for frame in (asp.parcours, asp.heures, asp.conventions, asp.sites):
        text = frame.astype(str).to_csv()
        assert not any(value in text for value in fx.PII.values())
    ignored = [w for w in asp.avertissements if "ni lue(s) ni recopiée(s)" in w.message]
    assert len(ignored) == len({w.fichier for w in ignored}) == 6  # one per view with unread columns, never per row
    salarie = next(w for w in ignored if w.fichier.startswith("fluxIAE_Salarie"))
    assert all(column in salarie.message for column in ("salarie_nom_usage", "salarie_prenom", "salarie_nir",
                                                        "salarie_adr_libelle_voie", "salarie_adr_mail",
                                                        "salarie_telephone"))


def test_what_is_set_aside_is_said(both):
    messages = [w.message for w in both[1].avertissements]
    assert sum("Fonds de développement de l'inclusion" in m for m in messages) == 2  # a contract and an annexe
    assert any("version antérieure" in m for m in messages)
    assert any("comptées bien que non validées" in m and "SAISI" in m for m in messages)
    assert any("regroupé(s) en" in m and "vaut pour une structure" in m for m in messages)


def test_codes_stay_text_with_their_zeros(both):
    orienteurs = set(both[1].parcours["orienteur"].dropna())
    assert orienteurs and all(len(code) == 2 and code.isdigit() for code in orienteurs) and "03" in orienteurs


def test_a_truncated_extract_is_refused(extract, tmp_path):
    folder = tmp_path / "asp"
    shutil.copytree(extract[1], folder)
    path = folder / "fluxIAE_Structure_15032025_093000.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([*lines[:3], lines[-1]]) + "\n", encoding="utf-8")  # rows lost, trailer kept
    with pytest.raises(DonneesInvalides) as exc:
        read_dataset(folder)
    assert any("la dernière ligne annonce" in p.message and p.fichier == path.name for p in exc.value.problemes)


def test_one_view_given_twice_is_refused(extract, tmp_path):
    folder = tmp_path / "asp"
    shutil.copytree(extract[1], folder)
    shutil.copy(folder / "fluxIAE_Structure_15032025_093000.csv", folder / "fluxIAE_Structure_01012025_080000.csv")
    problems = read_fluxiae(folder).problems
    assert any("vue Structure fournie 2 fois" in p.message for p in problems)


def test_without_the_motive_views_the_codes_of_the_project_only_are_known(extract, tmp_path):
    folder = tmp_path / "asp"
    shutil.copytree(extract[1], folder)
    for view in ("RefMotifSort", "RefCategorieSort"):
        (folder / f"fluxIAE_{view}_15032025_093000.csv").unlink()
    with pytest.raises(DonneesInvalides) as exc:
        read_dataset(folder)
    assert any("vue fluxIAE_RefMotifSort absente" in w.message for w in read_fluxiae(folder).warnings)
    assert all(p.colonne == "contrat_motif_sortie_id" for p in exc.value.problemes)
    assert "motif de sortie inconnu" in exc.value.problemes[0].message


def test_verifier_and_indicateurs_take_the_folder(extract, tmp_path, capsys):
    assert main(["verifier", str(extract[1])]) == 0
    out = tmp_path / "tableaux"
    assert main(["indicateurs", str(extract[1]), "--out", str(out)]) == 0
    bilan = json.loads((out / "bilan.json").read_text(encoding="utf-8"))
    assert set(bilan["fichiers"]) == {p.name for p in extract[1].iterdir()}
    assert "colonne(s) ni lue(s) ni recopiée(s)" in capsys.readouterr().err


@pytest.mark.slow
def test_notes_with_a_configuration_pointing_at_an_extract(extract, tmp_path, capsys):
    """« iae-impact notes » (what make notes runs) with a notes.yaml of its own folder naming the extract
    relative to it."""
    shutil.copytree(extract[1], tmp_path / "extrait")
    config = tmp_path / "notes.yaml"
    config.write_text(yaml.safe_dump({"donnees": "extrait", "regle_sorties": "gip", "notes": [
        {"id": "amie-2024", "annee": 2024, "structure": "AMIE (fictif)", "destinataire": {"qualite": "Député"},
         "demandes": ["Une demande."]}]}, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "notes"
    assert main(["notes", "--config", str(config), "--out", str(out), "--jobs", "1"]) == 0, capsys.readouterr().err
    summary = json.loads((out / "amie-2024" / "resume.json").read_text(encoding="utf-8"))
    assert summary["indicateurs"]["personnes"] > 40 and not summary["fictif"]
    html = (out / "amie-2024" / "note.html").read_text(encoding="utf-8")
    assert "mise en œuvre publiée par le GIP de l" in html and "annexe financière AI011" in html


@pytest.mark.notebook
def test_carnets_take_the_folder(extract, tmp_path, capsys):
    out = tmp_path / "carnets"
    assert main(["carnets", "01_donnees", "02_indicateurs", "--donnees", str(extract[1]), "--out", str(out)]) == 0, \
        capsys.readouterr().err
    summary = json.loads((out / "resume_02_indicateurs.json").read_text(encoding="utf-8"))
    assert summary["par_structure"] and not summary["fictif"]


def _mini_extract(folder: Path, annexes: list[list[str]]) -> Path:
    """A hand-written extract: one AI structure, six persons on one contract each in 2024, and ``annexes``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "fluxIAE_Structure_01022025_080000.csv").write_text(
        "structure_id_siae|structure_siret_actualise|structure_denomination|structure_adresse_admin_commune\n"
        "77|41234567800011|AMIE|Toulouse\n", encoding="utf-8")
    contracts = ["contrat_id_ctr|contrat_id_pph|contrat_id_structure|contrat_mesure_disp_code|contrat_type_contrat|"
                 "contrat_date_embauche|contrat_date_sortie_definitive|contrat_motif_sortie_id"]
    contracts += [f"{10 + i}|{500 + i}|77|AI_DC|0|01/01/2024||" for i in range(6)]
    (folder / "fluxIAE_ContratMission_01022025_080000.csv").write_text("\n".join(contracts) + "\n", encoding="utf-8")
    header = ["af_id_structure", "af_mesure_dispositif_code", "af_numero_annexe_financiere",
              "af_numero_avenant_renouvellement", "af_numero_avenant_modification", "af_id_annexe_financiere",
              "af_etat_annexe_financiere_code", "af_date_debut_effet", "af_date_fin_effet", "af_etp_postes_insertion",
              "af_montant_total_annuel", "af_mt_cofinance", "af_taux_prev_sorties_dynamiques"]
    (folder / "fluxIAE_AnnexeFinanciere_01022025_080000.csv").write_text(
        "\n".join(["|".join(header), *("|".join(a) for a in annexes)]) + "\n", encoding="utf-8")
    return folder


def test_annexes_of_one_year_are_summed_and_their_etp_counted_for_the_days_of_that_year(tmp_path):
    folder = _mini_extract(tmp_path / "asp", [
        ["77", "AI_DC", "AI031240001", "0", "0", "1", "CLOTURE", "01/01/2024", "30/06/2024", "4.00", "2800.00", "",
         "50.00"],
        ["77", "AI_DC", "AI031240001", "1", "0", "2", "VALIDE", "01/07/2024", "30/06/2025", "6.00", "4300.00", "100.00",
         "60.00"],
        ["77", "AI_DC", "AI031240001", "1", "1", "3", "HISTORISE", "01/07/2024", "30/06/2025", "9.00", "9999.00", "",
         "99.00"]])
    ds = read_dataset(folder)
    conv = ds.conventions.iloc[0]
    assert conv["site"] == "Toulouse"
    assert conv["aide_au_poste_eur"] == pytest.approx(7100.0) and conv["cofinancement_departement_eur"] == 100.0
    assert conv["etp_conventionnes"] == pytest.approx(4 * 182 / 366 + 6 * 184 / 366)
    assert (conv["numero_annexe_financiere"], conv["taux_prevu_sorties_dynamiques"]) == ("AI031240001A1M0", 0.6)
    assert any("vue fluxIAE_EtatMensuelIndiv absente" in w.message for w in ds.avertissements)
