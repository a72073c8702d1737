"""Shared fixtures. A fixed pseudonymisation key is set before anything reads data, so tests
never create a key file in the user's home directory."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import iae_impact  # noqa: F401, E402 - first: importing the package pins BLAS threads, before numpy loads

TEST_KEY = "cle-de-test-0123456789abcdef0123456789abcdef"
os.environ.setdefault("IAE_IMPACT_CLE", TEST_KEY)

PARCOURS_HEADER = "id_parcours;id_personne;structure;site;dispositif;date_entree;date_sortie;motif_sortie;heures_travaillees"


def write_csv(folder: Path, name: str, lines: list[str], encoding: str = "utf-8") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


@pytest.fixture
def make_dataset(tmp_path):
    """Write ``parcours`` (and optional ``heures``) CSV lines to a folder and read it."""
    from iae_impact.ingest import read_dataset

    def make(parcours: list[str], heures: list[str] | None = None, header: str = PARCOURS_HEADER):
        folder = tmp_path / "donnees"
        write_csv(folder, "parcours.csv", [header, *parcours])
        if heures is not None:
            write_csv(folder, "heures.csv", ["id_parcours;annee;mois;heures", *heures])
        return read_dataset(folder)

    return make


def pytest_collection_modifyitems(items):
    """Cells of notebooks collected by nbval carry the ``notebook`` marker, like the tests that run notebooks."""
    for item in items:
        if str(item.fspath).endswith(".ipynb"):
            item.add_marker(pytest.mark.notebook)
