"""The benchmark's pieces on a small national file: the parquet reader, and the DuckDB query of
bench/cube.sql giving the same cube as compute_indicators (the definitions stay single)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from iae_impact.indicators import compute_indicators
from iae_impact.ingest import DonneesInvalides, read_dataset

BENCH = Path(__file__).resolve().parents[1] / "bench"
sys.path.insert(0, str(BENCH))

from generer_national import generate  # noqa: E402


@pytest.fixture(scope="module")
def national(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("national")
    generate(folder, seed=7, n_parcours=3_000)
    return folder


def test_parquet_folder_is_read_with_plain_dtypes(national):
    ds = read_dataset(national)
    p, h = ds.parcours, ds.heures
    assert len(p) == 3_000 and ds.bilan[0].lignes_rejetees == 0
    assert str(p["date_entree"].dtype) == "datetime64[ns]" and p["heures_travaillees"].dtype == "float64"
    assert p["structure"].dtype == object and p["id_personne"].str.startswith("P").all()
    assert h["annee"].dtype == "int64" and h["heures"].dtype == "float64"
    # the hours point at their parcours: categories in the order of the parcours rows
    assert isinstance(h["id_parcours"].dtype, pd.CategoricalDtype)
    assert list(h["id_parcours"].cat.categories) == list(p["id_parcours"])


def test_parquet_problems_name_the_data_row(tmp_path, national):
    p = pd.read_parquet(national / "parcours.parquet")
    p.loc[4, "dispositif"] = "CHANTIER"
    p.loc[6, "date_entree"] = pd.NaT
    p.to_parquet(tmp_path / "parcours.parquet", index=False)
    with pytest.raises(DonneesInvalides) as err:
        read_dataset(tmp_path)
    found = {(e.ligne, e.colonne) for e in err.value.problemes}
    assert {(5, "dispositif"), (7, "date_entree")} <= found  # row index + 1
    assert "rang de la ligne de données" in err.value.report()


def test_duckdb_query_gives_the_same_cube(national):
    import duckdb
    ours = compute_indicators(read_dataset(national), by=["site", "dispositif"])
    sql = (BENCH / "cube.sql").read_text(encoding="utf-8")
    sql = sql.replace("{dossier}", str(national)).replace("{reference}", str(BENCH.parent / "data" / "reference"))
    theirs = duckdb.sql(sql).df()
    keys = ["annee", "site", "dispositif"]
    merged = ours.merge(theirs, on=keys, how="outer", suffixes=("", "_sql"), indicator=True)
    assert (merged["_merge"] == "both").all()
    for column in (c for c in theirs.columns if c not in keys):
        a, b = merged[column].to_numpy(dtype=float), merged[f"{column}_sql"].to_numpy(dtype=float)
        assert np.allclose(a, b, rtol=1e-9, atol=0, equal_nan=True), column


def test_each_side_of_the_bench_writes_its_cube(tmp_path, national, capsys):
    """bench/national.py: every side runs, reports its seconds, and the cubes agree (one thread or two,
    pseudonyms or not: the same numbers)."""
    import json

    import national as side  # bench/national.py

    cubes = {}
    for name in ("ours", "ours-sans-pseudonymes", "duckdb", "duckdb-1fil"):
        assert side.main([name, str(national), str(tmp_path / f"{name}.parquet")]) == 0
        info = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
        assert info["secondes"] > 0 and info["lignes_cube"] > 0
        cubes[name] = pd.read_parquet(tmp_path / f"{name}.parquet").sort_values(side.KEYS).reset_index(drop=True)
    assert info["fils_duckdb"] == 1
    pd.testing.assert_frame_equal(cubes["ours"], cubes["ours-sans-pseudonymes"])
    pd.testing.assert_frame_equal(cubes["duckdb"], cubes["duckdb-1fil"], check_exact=False, rtol=1e-12)
