"""Privacy: the whole demo pipeline, run on a copy of the demo with names and birth dates added,
never writes an input identifier, a name, a birth date or the key, nor a published cell below the
threshold, in any output (HTML, PDF text, JSON, CSV, parquet, executed notebooks)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
import yaml

from iae_impact.base.paths import DEMO_DIR, PROJECT_ROOT
from iae_impact.cli import main
from iae_impact.indicators import COUNT_COLUMNS
from iae_impact.run.batch import run_notes
from iae_impact.run.runner import run_notebook

pytestmark = pytest.mark.slow  # the whole pipeline on a copy of the demo

SEUIL = 5


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    root = tmp_path_factory.mktemp("vie_privee")
    data = root / "donnees"
    shutil.copytree(DEMO_DIR, data)
    parcours_file = next(data.glob("parcours*.csv"))
    p = pd.read_csv(parcours_file, sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    p["Nom"] = [f"Nomdefamille{i:05d}" for i in range(len(p))]
    p["Prénom"] = [f"Prenomunique{i:05d}" for i in range(len(p))]
    p["Date de naissance"] = [f"{1 + i % 28:02d}/{1 + i % 12:02d}/{1950 + i % 50}" for i in range(len(p))]
    p.to_csv(parcours_file, sep=";", index=False, encoding="utf-8-sig")
    candidats = pd.read_csv(next(data.glob("candidats*.csv")), sep=";", dtype=str, keep_default_na=False,
                            encoding="utf-8-sig")
    secrets = {"identifiants": set(p["id_personne"]) | set(p["id_parcours"]) | set(candidats["id_personne"]),
               "noms": set(p["Nom"]) | set(p["Prénom"]), "naissances": set(p["Date de naissance"])}
    out = root / "sorties"
    assert main(["indicateurs", str(data), "--out", str(out / "indicateurs")]) == 0
    for name in ("01_donnees", "02_indicateurs", "03_comparaisons", "04_impact", "05_argent_public"):
        run_notebook(name, {"donnees": str(data), "sortie": str(out / "carnets")}, out / "carnets")
    config = root / "notes.yaml"
    config.write_text(yaml.safe_dump({"donnees": str(data), "notes": [
        {"id": "amie", "annee": 2024, "structure": "AMIE (fictif)", "destinataire": {"qualite": "Député"},
         "demandes": ["x"]},
        {"id": "bram", "annee": 2024, "structure": "A.M.I. Aude (fictif)", "sites": ["Bram"],
         "destinataire": {"qualite": "Maire"}, "demandes": ["x"]}]}, allow_unicode=True), encoding="utf-8")
    results = run_notes(config, out / "notes", jobs=2, say=lambda _m: None)
    assert all(r.ok for r in results), [r.message for r in results]
    return out, secrets


def _texts(out: Path):
    for path in sorted(out.rglob("*")):
        if path.suffix in (".html", ".json", ".csv", ".ipynb"):
            yield path, path.read_text(encoding="utf-8-sig")
        elif path.suffix == ".pdf":
            yield path, subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                                       check=True).stdout
        elif path.suffix == ".parquet":
            yield path, pd.read_parquet(path).to_csv(index=False)


def test_no_identifier_name_birth_date_or_key_in_any_output(pipeline):
    out, secrets = pipeline
    key = os.environ["IAE_IMPACT_CLE"]
    scanned = 0
    for path, text in _texts(out):
        scanned += 1
        assert key not in text, path
        tokens = set(re.findall(r"[\w-]+", text))
        for kind in ("identifiants", "noms"):
            leaked = tokens & secrets[kind]
            assert not leaked, (path, kind, sorted(leaked)[:3])
        dates = set(re.findall(r"\d{2}/\d{2}/\d{4}", text)) & secrets["naissances"]
        assert not dates - {_today()}, (path, sorted(dates)[:3])
    assert scanned >= 15


def _today() -> str:
    import datetime as dt

    return dt.date.today().strftime("%d/%m/%Y")


def _small_counts(value, key: str | None = None):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _small_counts(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from _small_counts(v, key)
    elif key in COUNT_COLUMNS and isinstance(value, int | float) and 1 <= value < SEUIL:
        yield key, value


def test_no_published_count_below_the_threshold(pipeline):
    out, _ = pipeline
    for path in out.rglob("*.parquet"):
        table = pd.read_parquet(path)
        for col in set(COUNT_COLUMNS) & set(table.columns):
            small = table[col].between(1, SEUIL - 1)
            assert not small.any(), (path.name, col, table.loc[small, col].tolist()[:3])
    for path in list(out.rglob("resume*.json")):
        found = list(_small_counts(json.loads(path.read_text(encoding="utf-8"))))
        assert not found, (path, found[:3])
    for html in out.rglob("note.html"):
        rows = re.findall(r"<tr>(.*?)</tr>", html.read_text(encoding="utf-8"), flags=re.S)
        for row in rows:
            cells = re.findall(r"<td>(.*?)</td>", row)
            if len(cells) == 4 and cells[0] in ("Emploi durable", "Emploi de transition", "Sorties positives",
                                                "Autres sorties"):
                assert cells[2] == "non publié" or int(cells[2]) == 0 or int(cells[2]) >= SEUIL, (html, cells)


def test_raw_data_and_keys_are_ignored_by_git():
    for path in ("data/raw/export.xlsx", "cle_pseudonymisation", "ma.cle"):
        done = subprocess.run(["git", "check-ignore", "-q", path], cwd=PROJECT_ROOT)
        assert done.returncode == 0, path
    tracked = subprocess.run(["git", "ls-files"], cwd=PROJECT_ROOT, capture_output=True, text=True).stdout
    assert not re.search(r"(^|/)(cle_pseudonymisation|.*\.cle)$", tracked, flags=re.M)
