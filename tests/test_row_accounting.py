"""Row accounting (hypothesis): rows in = rows accepted + rows rejected, and the rejected rows are
exactly the rows that carry a defect, each with a reason."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from iae_impact.ingest import DonneesInvalides, read_dataset

from .conftest import write_csv

HEADER = "id_parcours;id_personne;structure;site;dispositif;date_entree;date_sortie;motif_sortie;heures_travaillees;sexe"
DEFECTS = {
    "date": {"date_entree": "31/02/2024"},
    "heures": {"heures_travaillees": "-3"},
    "motif": {"date_sortie": "30/06/2024", "motif_sortie": "Parti sur la Lune"},
    "dispositif": {"dispositif": "CHANTIER"},
    "sexe": {"sexe": "Z"},
    "nombre": {"heures_travaillees": "beaucoup"},
}


def _line(i: int, defect: str | None) -> str:
    row = {"id_parcours": f"P{i}", "id_personne": f"A{i}", "structure": "Asso", "site": "Narbonne",
           "dispositif": "ACI", "date_entree": "15/01/2024", "date_sortie": "", "motif_sortie": "",
           "heures_travaillees": "120", "sexe": "F"}
    row.update(DEFECTS.get(defect, {}))
    return ";".join(row.values())


@settings(max_examples=40, deadline=None)
@given(st.lists(st.one_of(st.none(), st.sampled_from(sorted(DEFECTS))), min_size=1, max_size=30),
       st.lists(st.integers(0, 29), max_size=3))
def test_rows_in_equal_rows_accepted_plus_rows_rejected(defects, blank_after):
    folder = Path(tempfile.mkdtemp())
    try:
        lines = [_line(i, d) for i, d in enumerate(defects)]
        for pos in sorted(set(blank_after), reverse=True):  # blank lines are ignored, not counted
            lines.insert(min(pos, len(lines)), "")
        write_csv(folder, "parcours.csv", [HEADER, *lines])
        defective = {n + 2 for n, line in enumerate(lines) if line and line != _line(int(line.split(";")[0][1:]), None)}
        try:
            ds = read_dataset(folder)
        except DonneesInvalides as exc:
            bilan = exc.bilan[0]
            rejected = {p.ligne for p in exc.problemes}
            assert rejected == defective
            assert all(p.message for p in exc.problemes)
        else:
            bilan = ds.bilan[0]
            assert not defective and len(ds.parcours) == len(defects)
        assert bilan.lignes_lues == len(defects) == bilan.lignes_acceptees + bilan.lignes_rejetees
        assert bilan.lignes_rejetees == len(defective)
        assert bilan.lignes_vides_ignorees == sum(1 for line in lines if not line)
    finally:
        shutil.rmtree(folder)
