"""Notebook parameters are validated before papermill runs (it only warns on unknown names)."""

from __future__ import annotations

import pytest

from iae_impact.base.paths import NOTEBOOKS_DIR
from iae_impact.run.params import NOTEBOOK_PARAMETERS, validate_parameters


def test_defaults_point_at_the_demo():
    assert validate_parameters("02_indicateurs", {}).donnees == "data/demo/fictif"


@pytest.mark.parametrize("values, fragment", [
    ({"annee": 2024}, "annee : paramètre inconnu"),
    ({"annees": "deux mille"}, "annees, élément 1 : nombre entier attendu"),
    ({"annees": [1850]}, "entre 1990 et 2100"),
    ({"donnees": "data/raw/absent.xlsx"}, "données introuvables"),
])
def test_bad_parameters_are_refused_in_french(values, fragment):
    with pytest.raises(ValueError, match=fragment):
        validate_parameters("02_indicateurs", values)


def test_unknown_notebook():
    with pytest.raises(ValueError, match="carnet inconnu"):
        validate_parameters("99_rien", {})


def test_every_notebook_has_a_model_and_the_same_parameters():
    """The parameters cell of each notebook declares exactly the fields of its pydantic model."""
    import nbformat

    for name, model in NOTEBOOK_PARAMETERS.items():
        nb = nbformat.read(NOTEBOOKS_DIR / f"{name}.ipynb", as_version=4)
        cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
        declared = {line.split("=")[0].strip() for line in cell.source.splitlines() if "=" in line}
        assert declared == set(model.model_fields), name
