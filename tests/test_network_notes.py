"""A network's briefs generated from the data (``generer`` in notes.yaml, issue 16 item 4): one per structure,
site or circonscription, the addressee from the user's table, demandes shared or per perimeter, written
entries replacing generated ones, safe ids whatever the names, skipped perimeters and missing addressees said
in French. No brief is rendered here (the configuration and its expansion only)."""

from __future__ import annotations

import dataclasses
import re
import sys
from pathlib import Path

import pytest
import yaml

from iae_impact.base.paths import DEMO_DIR
from iae_impact.cli import main
from iae_impact.ingest import read_dataset
from iae_impact.report.context import perimeter_years
from iae_impact.run import batch
from iae_impact.run.network import expand_notes, slug
from iae_impact.run.notes_config import ID_MAX_LENGTH, load_config, read_addressees
from iae_impact.run.params import NoteParameters

BENCH = Path(__file__).resolve().parents[1] / "bench"
sys.path.insert(0, str(BENCH))

from generer_national import generate, network_counts  # noqa: E402

AMI = "A.M.I. Aude (fictif)"
AMIE = "AMIE (fictif)"
ID_PATTERN = re.compile(NoteParameters.model_fields["id_note"].metadata[0].pattern)


@pytest.fixture(scope="module")
def demo():
    return read_dataset(DEMO_DIR)


@pytest.fixture(scope="module")
def network(tmp_path_factory):
    """A small generated network: 12 structures, a third with several sites, a sites sheet with circonscriptions."""
    folder = tmp_path_factory.mktemp("reseau")
    generate(folder, seed=5, n_parcours=3_000, structures=network_counts(12), multi_sites=1 / 3)
    return folder, read_dataset(folder)


def _write(tmp_path: Path, config: dict, tables: dict[str, str] | None = None) -> Path:
    for name, text in (tables or {}).items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    path = tmp_path / "notes.yaml"
    path.write_text(yaml.safe_dump({"donnees": str(DEMO_DIR), **config}, allow_unicode=True), encoding="utf-8")
    return path


MAIRES = "commune;nom;qualite\nNarbonne;Bertrand Malquier;Maire de Narbonne\nBram;;Maire de Bram\n"


def test_one_brief_per_site_with_the_maire_of_its_commune_and_shared_or_own_demandes(tmp_path, demo):
    config = load_config(_write(tmp_path, {"generer": [{
        "par": "site", "annee": 2024, "destinataires": "maires.csv", "destinataire_defaut": {"qualite": "Maire"},
        "demandes": ["Une demande commune."], "demandes_par": {"Bram": ["La demande de Bram."]}}]},
        {"maires.csv": MAIRES}))
    expanded, said = expand_notes(config, demo)
    by_id = {n.id: n for n in expanded.notes}
    assert sorted(by_id) == ["bram-2024", "carcassonne-berriac-2024", "lezignan-corbieres-2024", "limoux-2024",
                             "montreal-2024", "narbonne-2024", "toulouse-2024"]
    narbonne, bram, limoux = by_id["narbonne-2024"], by_id["bram-2024"], by_id["limoux-2024"]
    assert (narbonne.structure, narbonne.sites, narbonne.annee) == (AMI, ["Narbonne"], 2024)
    assert (narbonne.destinataire.nom, narbonne.destinataire.qualite) == ("Bertrand Malquier", "Maire de Narbonne")
    assert narbonne.demandes == ["Une demande commune."] and bram.demandes == ["La demande de Bram."]
    assert limoux.destinataire.qualite == "Maire"  # Limoux is not in the table: the rule's default
    assert by_id["toulouse-2024"].structure == AMIE and said == []


def test_a_written_entry_replaces_the_generated_one_of_the_same_id(tmp_path, demo):
    written = {"id": "Narbonne-2024", "annee": 2024, "structure": AMI, "sites": ["Narbonne"],
               "destinataire": {"qualite": "Conseil municipal de Narbonne"}, "demandes": ["Écrite à la main."]}
    config = load_config(_write(tmp_path, {"notes": [written], "generer": [{
        "par": "site", "annee": 2024, "destinataire_defaut": {"qualite": "Maire"}, "demandes": ["Générée."]}]}))
    expanded, _ = expand_notes(config, demo)
    narbonne = [n for n in expanded.notes if n.id.lower() == "narbonne-2024"]
    assert len(narbonne) == 1 and narbonne[0].demandes == ["Écrite à la main."]
    assert len(expanded.notes) == 7 and expanded.generer == []


def test_a_missing_addressee_fails_the_configuration_listing_every_brief(tmp_path, capsys, demo):
    config = _write(tmp_path, {"generer": [{"par": "site", "annee": 2024, "destinataires": "maires.csv",
                                            "demandes": ["Une demande."]}]}, {"maires.csv": MAIRES})
    with pytest.raises(ValueError) as err:
        expand_notes(load_config(config), demo)
    message = str(err.value)
    assert "aucune note n'a été lancée" in message
    for commune in ("Carcassonne", "Limoux", "Montréal", "Toulouse", "Lézignan-Corbières"):
        assert f"commune « {commune} » absent de la table" in message
    assert "Narbonne" not in message and "Bram :" not in message
    out = tmp_path / "out"
    assert main(["notes", "--config", str(config), "--out", str(out)]) == 2
    err_text = capsys.readouterr().err
    assert "commune « Limoux » absent de la table" in err_text and "Traceback" not in err_text
    assert not out.exists() or not any(out.iterdir())


def test_perimeters_without_activity_in_the_year_are_skipped_and_named(tmp_path, demo):
    config = load_config(_write(tmp_path, {"generer": [{
        "par": "site", "annee": 2014, "destinataire_defaut": {"qualite": "Maire"}, "demandes": ["Une demande."]}]}))
    expanded, said = expand_notes(config, demo)
    assert sorted(n.sites[0] for n in expanded.notes) == ["Bram", "Limoux", "Montréal", "Narbonne", "Toulouse"]
    assert said == ["règle generer n° 1 : aucune activité en 2014, pas de note pour 2 site(s) : "
                    "Carcassonne-Berriac, Lézignan-Corbières"]
    config = load_config(_write(tmp_path, {"generer": [{
        "par": "structure", "annee": 2001, "destinataire_defaut": {"qualite": "X"}, "demandes": ["Une demande."]}]}))
    with pytest.raises(ValueError, match="aucune note à produire"):
        expand_notes(config, demo)


@pytest.mark.slow
def test_activity_as_the_brief_computes_it(tmp_path, demo):
    """The years a generated brief is kept for are those its own context has (perimeter_years), per perimeter."""
    p = demo.parcours
    for annee in range(2013, 2027):
        for par in ("structure", "site"):
            config = load_config(_write(tmp_path, {"generer": [{
                "par": par, "annee": annee, "destinataire_defaut": {"qualite": "X"}, "demandes": ["D."]}]}))
            try:
                kept = {(n.structure, tuple(n.sites or ())) for n in expand_notes(config, demo)[0].notes}
            except ValueError:
                kept = set()
            pairs = (p[["structure"]].drop_duplicates().assign(site=None) if par == "structure"
                     else p[["structure", "site"]].drop_duplicates())
            expected = {(s, (site,) if site else ()) for s, site in pairs.itertuples(index=False)
                        if annee in perimeter_years(demo, s, [site] if site else None)}
            assert kept == expected, (par, annee)


def test_one_brief_per_circonscription_with_its_depute(tmp_path, network):
    folder, ds = network
    sites = ds.sites.drop_duplicates("site")
    circs = sorted(sites["circonscription"].unique())
    table = "circonscription,nom,qualite\n" + "".join(f"{c},Député {c},Député de la circonscription {c}\n"
                                                       for c in circs)
    config = load_config(_write(tmp_path, {"donnees": str(folder), "generer": [{
        "par": "circonscription", "annee": 2024, "destinataires": "deputes.csv", "demandes": ["Une demande."]}]},
        {"deputes.csv": table}))
    expanded, _ = expand_notes(config, ds)
    active = ds.parcours.assign(c=ds.parcours["site"].map(sites.set_index("site")["circonscription"]))
    for n in expanded.notes:
        circ = n.destinataire.nom.removeprefix("Député ")
        assert n.structure is None and n.sites == sorted(active.loc[active["c"].eq(circ), "site"].unique())
        assert n.id == f"{slug(circ, 'circonscription')}-2024" and circ in n.titre
    assert len(expanded.notes) == len({n.destinataire.nom for n in expanded.notes}) > 3


def test_a_structure_over_several_circonscriptions_cannot_be_given_one_depute(tmp_path, network):
    folder, ds = network
    sites = ds.sites.drop_duplicates("site").set_index("site")["circonscription"]
    spread = ds.parcours.assign(c=ds.parcours["site"].map(sites)).groupby("structure")["c"].nunique()
    assert (spread > 1).any()  # a third of the structures have several sites
    table = "circonscription;qualite\n" + "".join(f"{c};Député\n" for c in sorted(sites.unique()))
    config = load_config(_write(tmp_path, {"donnees": str(folder), "generer": [{
        "par": "structure", "annee": 2024, "destinataires": "deputes.csv", "destinataire_selon": "circonscription",
        "demandes": ["Une demande."]}]}, {"deputes.csv": table}))
    with pytest.raises(ValueError) as err:
        expand_notes(config, ds)
    for structure in spread[spread > 1].index:
        assert f"{structure} : plusieurs valeurs de circonscription" in str(err.value)


def test_ids_are_safe_unique_and_valid_whatever_the_names(tmp_path, demo):
    hostile = {AMI: "../../etc/passwd", AMIE: "CON"}
    names = ["../../etc/passwd", "CON", "Ｃｏｎ", "***", "é" * 200, "A b", "a-B", "a_b"]
    p = demo.parcours.assign(structure=demo.parcours["structure"].map(hostile))
    # more structures: split the AMIE parcours among several hostile names
    toulouse = p.index[p["structure"].eq("CON")]
    p.loc[toulouse, "structure"] = [names[1 + i % (len(names) - 1)] for i in range(len(toulouse))]
    ds = dataclasses.replace(demo, parcours=p)
    config = load_config(_write(tmp_path, {"generer": [{
        "par": "structure", "annee": 2024, "destinataire_defaut": {"qualite": "X"}, "demandes": ["D."]}]}))
    expanded, _ = expand_notes(config, ds)
    ids = [n.id for n in expanded.notes]
    assert len(ids) == len(names) and len({i.lower() for i in ids}) == len(ids)
    for note_id in ids:
        assert ID_PATTERN.fullmatch(note_id) and len(note_id) <= ID_MAX_LENGTH and "/" not in note_id
    by_structure = {n.structure: n.id for n in expanded.notes}
    assert by_structure["../../etc/passwd"] == "etc-passwd-2024" and by_structure["***"] == "structure-2024"
    assert {by_structure["A b"], by_structure["a-B"], by_structure["a_b"]} == {"a-b-2024", "a-b-2024-2", "a-b-2024-3"}


@pytest.mark.parametrize("table, fragment", [
    ("commune;nom\nNarbonne;X\n", "colonne(s) manquante(s) : qualite"),
    ("commune;qualite;courriel\nNarbonne;Maire;m@x.fr\n", "colonne(s) inconnue(s) : courriel"),
    ("commune;qualite\nNarbonne;Maire\nNarbonne;Maire bis\n", "ligne 3 : commune « Narbonne » déjà donné ligne 2"),
    ("commune;qualite\nNarbonne;\n", "ligne 2 : (Narbonne) qualite vide"),
    ("commune;qualite\n;Maire\n", "ligne 2 : commune vide"),
    ("commune;qualite\nNarbonne;" + "M" * 200 + "\n", "de plus de 150 caractères"),
    ("", "fichier vide"),
])
def test_the_addressee_table_is_checked_with_the_configuration(tmp_path, table, fragment):
    config = _write(tmp_path, {"generer": [{"par": "site", "annee": 2024, "destinataires": "maires.csv",
                                            "demandes": ["D."]}]}, {"maires.csv": table})
    with pytest.raises(ValueError) as err:
        load_config(config)
    assert "règle generer n° 1 : maires.csv : " in str(err.value) and fragment in str(err.value)


@pytest.mark.parametrize("rule, fragment", [
    ({"par": "departement", "annee": 2024, "destinataire_defaut": {"qualite": "X"}, "demandes": ["D."]},
     "règle generer n° 1 par : « departement » : une note par structure, site ou circonscription"),
    ({"par": "site", "annee": 2024, "demandes": ["D."]}, "table des destinataires"),
    ({"par": "site", "annee": 2024, "destinataires": "absente.csv", "demandes": ["D."]},
     "table des destinataires introuvable"),
    ({"par": "site", "annee": 2024, "destinataire_defaut": {"qualite": "X"}, "demandes": ["D."] * 9},
     "9 demandes : 8 au plus"),
])
def test_a_rule_is_checked_with_the_configuration(tmp_path, rule, fragment):
    with pytest.raises(ValueError) as err:
        load_config(_write(tmp_path, {"generer": [rule]}))
    assert fragment in str(err.value)


def test_demandes_for_an_unknown_perimeter_or_none_at_all_fail(tmp_path, demo):
    config = load_config(_write(tmp_path, {"generer": [{
        "par": "structure", "annee": 2024, "destinataire_defaut": {"qualite": "X"},
        "demandes_par": {AMIE: ["D."], "Atlantide": ["D."]}}]}))
    with pytest.raises(ValueError) as err:
        expand_notes(config, demo)
    assert "demandes_par pour des structures absents des données : Atlantide" in str(err.value)
    assert f"{AMI} : aucune demande" in str(err.value)


def test_cp1252_comma_table_is_read(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes("circonscription,nom,qualite\n11-02,Édith,Députée de l'Aude\n".encode("cp1252"))
    table = read_addressees(path, "circonscription")
    assert table["11-02"].nom == "Édith" and table["11-02"].qualite == "Députée de l'Aude"


def test_an_addressee_table_is_decoded_as_the_data_are_never_guessed(tmp_path):
    """UTF-16 (« Texte Unicode ») is read; lines in two encodings are refused, not turned into mojibake names."""
    path = tmp_path / "deputes.csv"
    path.write_bytes("circonscription;nom;qualite\n11-02;Édith;Députée de l'Aude\n".encode("utf-16"))
    assert read_addressees(path, "circonscription")["11-02"].nom == "Édith"
    path.write_bytes("circonscription;nom;qualite\n11-02;Édith;Députée\n".encode()
                     + "11-03;Hélène;Députée\n".encode("cp1252"))
    with pytest.raises(ValueError, match="deputes.csv : encodage mixte"):
        read_addressees(path, "circonscription")


def test_the_batch_reads_the_data_once_and_runs_the_generated_briefs(tmp_path, monkeypatch):
    """run_notes expands the rules before choosing the workers (never more than briefs) and says what it skipped."""
    reads, started, said = [], [], []
    original = batch.read_dataset

    def counted(path):
        reads.append(path)
        return original(path)

    def no_pool(jobs, scheduler, warm=None):
        started.append(jobs)
        raise RuntimeError("arrêt du test")

    monkeypatch.setattr(batch, "read_dataset", counted)
    monkeypatch.setattr(batch, "make_executor", no_pool)
    config = _write(tmp_path, {"generer": [{"par": "site", "annee": 2014, "destinataire_defaut": {"qualite": "M"},
                                            "demandes": ["D."]}]})
    with pytest.raises(RuntimeError, match="arrêt du test"):
        batch.run_notes(config, tmp_path / "out", jobs=8, say=said.append)
    assert started == [5] and len(reads) == 1
    assert any("pas de note pour 2 site(s) : Carcassonne-Berriac, Lézignan-Corbières" in s for s in said)


def test_the_comparison_shared_by_a_release_is_each_brief_s_own(network):
    """perimeter_vs_expected with the release's cache gives, for every structure, what it gives alone."""
    from iae_impact.analysis.indicators import examined_exits
    from iae_impact.analysis.stats import perimeter_vs_expected

    _, ds = network
    exits = examined_exits(ds)
    cache: dict = {}
    structures = sorted(ds.parcours["structure"].unique())
    compared = 0
    for structure in structures:
        shared = perimeter_vs_expected(exits, 2024, structure=structure, cache=cache)
        alone = perimeter_vs_expected(exits, 2024, structure=structure)
        assert shared == alone, structure
        compared += shared is not None
    assert compared >= 3 and len(cache) < compared  # computed once per dispositif set


def test_the_bench_network_config_gives_one_brief_per_structure(tmp_path, monkeypatch):
    """bench/generer_reseau.py writes data, notes.yaml and destinataires.csv that the batch reads as a network."""
    import generer_reseau

    monkeypatch.setattr(generer_reseau, "CACHE", tmp_path)
    folder = generer_reseau.network(seed=4, n_structures=9, say=lambda _m: None)
    config = load_config(folder / "notes.yaml")
    ds = read_dataset(config.donnees)
    expanded, _ = expand_notes(config, ds)
    active = {s for s in ds.parcours["structure"].unique() if 2024 in perimeter_years(ds, s, None)}
    assert {n.structure for n in expanded.notes} == active and len(active) >= 8
    first = min(active)
    sites = ds.sites.set_index("site")["circonscription"]
    for n in expanded.notes:
        site = ds.parcours.loc[ds.parcours["structure"].eq(n.structure), "site"].iloc[0]
        assert n.destinataire.qualite == f"Député de la circonscription {sites[site]}"
        assert n.demandes[-1] == ("Financer un second site." if n.structure == first else generer_reseau.DEMANDES[-1])
    assert ds.parcours["dispositif"].nunique() == 4
    assert (ds.parcours.groupby("structure")["site"].nunique() > 1).sum() == 3  # a third of 9


def test_a_rule_that_needs_the_sites_sheet_says_so(tmp_path, demo):
    """The demo's sites sheet has no circonscription: a rule per circonscription, or addressed by it, says so."""
    for rule in ({"par": "circonscription"}, {"par": "site", "destinataires": "deputes.csv",
                                               "destinataire_selon": "circonscription"}):
        config = load_config(_write(tmp_path, {"generer": [{"annee": 2024, "destinataire_defaut": {"qualite": "X"},
                                                            "demandes": ["D."], **rule}]},
                                    {"deputes.csv": "circonscription;qualite\n11-01;Député\n"}))
        with pytest.raises(ValueError, match="demande l'onglet « sites » avec sa colonne circonscription remplie"):
            expand_notes(config, demo)
