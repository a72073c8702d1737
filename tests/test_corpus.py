"""Every bad input of the corpus gets a French message naming the place, a non-zero exit when the
input cannot be used, no traceback and nothing written (tests/data/invalides/README.md)."""

from __future__ import annotations

import pytest

from iae_impact.cli import main
from iae_impact.ingest import read_dataset
from tests.data.invalides.corpus import CAS, HEADER, HERE

from .conftest import write_csv


def test_corpus_has_at_least_40_cases_all_present_and_documented():
    readme = (HERE / "README.md").read_text(encoding="utf-8")
    assert len(CAS) >= 40
    for cas in CAS:
        assert (HERE / cas.nom).exists(), cas.nom
        assert f"`{cas.nom}`" in readme, cas.nom


@pytest.mark.parametrize("cas", CAS, ids=[c.nom for c in CAS])
def test_each_bad_input_is_told_where_and_nothing_is_written(cas, tmp_path, capsys):
    out = tmp_path / "sortie"
    code = main(["indicateurs", str(HERE / cas.nom), "--out", str(out)])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    if cas.attendu == "rejet":
        assert code == 1, err
        assert cas.message in err, err
        assert "rien n'a été écrit" in err
        if cas.ligne is not None:
            assert f"ligne {cas.ligne}" in err, err
        assert not out.exists()
        assert list(tmp_path.iterdir()) == []
    else:
        assert code == 0, err
        assert (out / "indicateurs_ensemble.csv").exists()


@pytest.mark.slow
def test_a_very_large_file_is_read(tmp_path):
    n = 200_000
    rows = [f"P{i};A{i};Asso;Site{i % 7};ACI;{1 + i % 28:02d}/{1 + i % 12:02d}/20{15 + i % 9};;;{100 + i % 500}"
            for i in range(n)]
    write_csv(tmp_path, "parcours.csv", [HEADER, *rows])
    ds = read_dataset(tmp_path)
    assert len(ds.parcours) == n and ds.bilan[0].lignes_acceptees == n
