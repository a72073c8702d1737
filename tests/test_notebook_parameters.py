"""Every entry point of a notebook gets the same parameter check (issue 15, item 1): the notebook checks its
own parameters right after its ``parameters`` cell (papermill, JupyterLab, nbval), text is read the way
papermill's users write it, errors are one French line, and ``iae-impact carnets`` passes ``-p``/``-y``."""

from __future__ import annotations

import json

import nbformat
import pytest

from iae_impact.base.errors import ParametresInvalides
from iae_impact.base.paths import NOTEBOOKS_DIR, PROJECT_ROOT
from iae_impact.run import cli
from iae_impact.run.params import (
    NOTEBOOK_PARAMETERS,
    check_notebook_parameters,
    coerce_text,
    output_folder,
    parameters_slug,
    validate_parameters,
)


@pytest.mark.parametrize("values, expected", [
    ({"annees": "[2023, 2024]"}, [2023, 2024]),  # papermill -p annees '[2023, 2024]' passes a string
    ({"annees": 2024}, [2024]),  # papermill -p annees 2024 passes an int
    ({"annees": "2024"}, [2024]),
    ({"annees": (2022, 2023)}, [2022, 2023]),
    ({"annees": "None"}, None),
    ({"annees": None}, None),
])
def test_years_written_as_text_or_alone_become_a_list(values, expected):
    assert validate_parameters("02_indicateurs", values).annees == expected


def test_text_is_read_for_each_type():
    p = validate_parameters("04_impact", {"benchmark_nsw": "false", "annee": "2023", "seuil_secret": "7"})
    assert (p.benchmark_nsw, p.annee, p.seuil_secret) == (False, 2023, 7)
    note = validate_parameters("10_note_elus", {"destinataire": "{qualite: Maire de Narbonne}", "demandes": "Une demande",
                                                "sites": "Narbonne"})
    assert note.destinataire.qualite == "Maire de Narbonne" and note.demandes == ["Une demande"]
    assert note.sites == ["Narbonne"]
    assert coerce_text(str | None, "2024") == "2024"  # a structure named « 2024 » stays text
    assert coerce_text(str | None, "None") is None


@pytest.mark.parametrize("values, message", [
    ({"seuil_secret": "abc"}, "seuil_secret : nombre entier attendu ('abc' donné)"),
    ({"seuil_secret": 0}, "seuil_secret : au moins 1 (0 donné)"),
    ({"annees": "[2023, deux mille]"}, "annees, élément 2 : nombre entier attendu ('deux mille' donné)"),
    ({"annees": [1850]}, "annees : chaque année doit être comprise entre 1990 et 2100"),
    ({"structur": "AMIE"}, "structur : paramètre inconnu"),
])
def test_errors_are_one_french_sentence(values, message):
    with pytest.raises(ParametresInvalides) as info:
        validate_parameters("02_indicateurs", values)
    assert str(info.value) == f"paramètres invalides pour 02_indicateurs — {message}"
    assert info.value._render_traceback_() == [f"ParametresInvalides : {info.value}"]  # what IPython shows


def test_the_notebook_check_reads_its_parameters_from_the_namespace():
    namespace = {"donnees": "data/demo/fictif", "sortie": "reports/carnets", "annees": "[2023, 2024]",
                 "structure": None, "sites": None, "seuil_secret": 5, "regle": None, "In": [], "ds": object()}
    values = check_notebook_parameters("02_indicateurs", namespace)
    assert values["annees"] == [2023, 2024]
    assert values["sortie"] == "reports/carnets/annees-2023+2024"  # not the shared summaries of the default run
    assert set(values) == set(NOTEBOOK_PARAMETERS["02_indicateurs"].model_fields)


def test_output_folder_keeps_the_default_run_and_a_given_folder():
    assert output_folder(validate_parameters("02_indicateurs", {})) == "reports/carnets"
    assert output_folder(validate_parameters("02_indicateurs", {"donnees": str(PROJECT_ROOT / "data/demo/fictif")})) \
        == "reports/carnets"  # the demo however it is written
    assert output_folder(validate_parameters("02_indicateurs", {"annees": 2024, "sortie": "/tmp/x"})) == "/tmp/x"
    assert output_folder(validate_parameters("10_note_elus", {})) == "reports/carnets/note"
    assert output_folder(validate_parameters("10_note_elus", {"annee": 2023})) == "reports/carnets/note/annee-2023"


def test_folder_names_are_portable_and_short():
    assert parameters_slug({"structure": "A.M.I. Aude (fictif)", "annees": [2023, 2024]}) \
        == "structure-a.m.i.-aude-fictif_annees-2023+2024"
    assert parameters_slug({"structure": "Lézignan-Corbières"}) == "structure-lezignan-corbieres"
    long = parameters_slug({"sites": [f"site numéro {i}" for i in range(20)]})
    assert len(long) <= 70 and long != parameters_slug({"sites": [f"site numéro {i}" for i in range(21)]})
    a, b = parameters_slug({"donnees": "/a/donnees.xlsx"}), parameters_slug({"donnees": "/b/donnees.xlsx"})
    assert a.startswith("donnees-donnees.xlsx-") and a != b


@pytest.mark.parametrize("name", sorted(NOTEBOOK_PARAMETERS))
def test_each_notebook_checks_its_parameters_right_after_its_parameters_cell(name):
    nb = nbformat.read(NOTEBOOKS_DIR / f"{name}.ipynb", as_version=4)
    i = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    assert f'globals().update(check_notebook_parameters("{name}", globals()))' in nb.cells[i + 1].source
    namespace: dict = {}
    exec(nb.cells[i].source, namespace)  # noqa: S102 - our own notebook's parameter cell
    declared = {k: v for k, v in namespace.items() if not k.startswith("__")}
    defaults = NOTEBOOK_PARAMETERS[name].model_construct().model_dump()
    assert declared == defaults  # the notebook alone and the command line run the same defaults


# --------------------------------------------------------------------------- iae-impact carnets


@pytest.fixture
def no_run(monkeypatch):
    calls = []
    monkeypatch.setattr(cli, "run_notebook", lambda *a: calls.append(a))
    return calls


@pytest.mark.parametrize("argv, message", [
    (["carnets", "02_indicateurs", "-p", "annes", "2024"], "paramètre(s) inconnu(s) de 02_indicateurs : annes"),
    (["carnets", "01_donnees", "02_indicateurs", "-p", "seuil_secret", "abc"], "seuil_secret : nombre entier attendu"),
    (["carnets", "01_donnees", "99_rien"], "carnet inconnu : 99_rien"),
    (["carnets", "03_comparaisons", "-y", "- 2024"], "-y : un dictionnaire YAML est attendu"),
    (["carnets", "03_comparaisons", "-p", "structure", "AMI"], None),  # checked against the data in the notebook
])
def test_carnets_refuses_bad_parameters_before_running_anything(argv, message, no_run, capsys):
    if message is None:
        assert cli.main([*argv, "--out", "/tmp/iae-impact-non-execute"]) == 0 and len(no_run) == 1
        return
    assert cli.main(argv) == 2
    assert no_run == []
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_carnets_passes_p_and_y_like_papermill(no_run):
    assert cli.main(["carnets", "01_donnees", "02_indicateurs", "10_note_elus", "-y", "annee: 2023\nseuil_secret: 7",
                     "-p", "annees", "[2023, 2024]", "-p", "seuil_secret", "10"]) == 0
    runs = {name: (params, out) for name, params, out in no_run}
    assert runs["01_donnees"] == ({"seuil_secret": "10", "sortie": "reports/carnets/seuil_secret-10"},
                                  PROJECT_ROOT / "reports/carnets/seuil_secret-10")
    assert runs["02_indicateurs"][0]["sortie"] == "reports/carnets/annees-2023+2024_seuil_secret-10"
    assert runs["10_note_elus"][0]["sortie"] == "reports/carnets/note/annee-2023_seuil_secret-10"
    assert no_run[0][0] == "01_donnees" and len(no_run) == 3


def test_carnets_without_parameters_writes_the_shared_summaries(no_run):
    assert cli.main(["carnets"]) == 0
    assert [(n, p["sortie"]) for n, p, _ in no_run] == [("01_donnees", "reports/carnets"),
                                                         ("02_indicateurs", "reports/carnets")]


# --------------------------------------------------------------------------- executed notebooks


@pytest.mark.notebook
def test_papermill_text_parameters_reach_the_notebook_as_a_list(tmp_path):
    """``papermill … -p annees '[2023, 2024]'`` (a string) gives the tables of those two years."""
    import papermill

    papermill.execute_notebook(str(NOTEBOOKS_DIR / "02_indicateurs.ipynb"), str(tmp_path / "out.ipynb"),
                               parameters={"annees": "[2023, 2024]", "sortie": str(tmp_path)}, cwd=str(PROJECT_ROOT),
                               progress_bar=False, kernel_name="python3")
    resume = json.loads((tmp_path / "resume_02_indicateurs.json").read_text(encoding="utf-8"))
    assert resume["perimetre"]["annees"] == [2023, 2024]
    assert {r["annee"] for r in resume["par_structure"]} == {2023, 2024}


@pytest.mark.notebook
@pytest.mark.parametrize("name, parameters, message", [
    ("02_indicateurs", {"seuil_secret": "abc"}, "seuil_secret : nombre entier attendu ('abc' donné)"),
    ("03_comparaisons", {"structure": "AMIE"}, "structure inconnue : AMIE (structures des données : "
                                               "A.M.I. Aude (fictif), AMIE (fictif))"),
])
def test_papermill_stops_with_one_french_line(tmp_path, name, parameters, message):
    import papermill
    from papermill.exceptions import PapermillExecutionError

    with pytest.raises(PapermillExecutionError) as info:
        papermill.execute_notebook(str(NOTEBOOKS_DIR / f"{name}.ipynb"), str(tmp_path / "out.ipynb"),
                                   parameters={**parameters, "sortie": str(tmp_path)}, cwd=str(PROJECT_ROOT),
                                   progress_bar=False, kernel_name="python3")
    assert info.value.ename == "ParametresInvalides" and message in info.value.evalue
    assert info.value.traceback == [f"ParametresInvalides : {info.value.evalue}"]  # no stack deep in the package
    assert not list(tmp_path.glob("resume_*.json"))  # nothing written


@pytest.mark.notebook
def test_carnets_runs_the_brief_notebook_with_its_defaults(tmp_path):
    assert cli.main(["carnets", "10_note_elus", "--out", str(tmp_path), "--html"]) == 0
    resume = json.loads((tmp_path / "resume.json").read_text(encoding="utf-8"))
    assert resume["annee"] == 2024 and (tmp_path / "10_note_elus.ipynb").exists()
    page = (tmp_path / "10_note_elus.html").read_text(encoding="utf-8")
    assert "<script src=" not in page and "mathjax" not in page.lower()  # readable offline
