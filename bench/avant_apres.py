"""Before / after of each change of issue 6, on the fictional national file (not part of `make bench`).

"Before" is the code of commit db25cf6 (reader, schema, pseudonymisation, indicators), extracted with
``git show`` into a temporary copy of the package; "after" is the working tree. Each measure runs in
its own process. The old reader cannot read parquet: the frames are built from the parquet files with
the dtypes the old reader produced (text as objects), and the whole read is compared on a 100,000-parcours
sample written as French CSV.

Usage: ``python bench/avant_apres.py`` (about 3 minutes); writes reports/bench/avant_apres.json.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BEFORE = "db25cf6"
MODULES = ("ingest", "schema", "pseudonym", "indicators")
sys.path.insert(0, str(HERE))


def old_package(target: Path) -> Path:
    """The package as it was at ``BEFORE`` for the four modules, the rest as today."""
    package = target / "iae_impact"
    shutil.copytree(ROOT / "lib" / "iae_impact", package)
    for module in MODULES:
        source = subprocess.run(["git", "show", f"{BEFORE}:lib/iae_impact/{module}.py"], cwd=ROOT, check=True,
                                capture_output=True, text=True).stdout
        (package / f"{module}.py").write_text(source, encoding="utf-8")
    paths = (package / "paths.py").read_text(encoding="utf-8")
    (package / "paths.py").write_text(paths.replace("Path(__file__).resolve().parents[2]", f"Path({str(ROOT)!r})"),
                                      encoding="utf-8")
    return target


def frames_from_parquet(folder: str, categorical_hours: bool = False):
    """parcours and heures as the old reader typed them (text as objects), straight from the parquet files."""
    import pandas as pd
    import pyarrow.parquet as pq

    p = pq.read_table(f"{folder}/parcours.parquet").to_pandas(date_as_object=False)
    for column in p.columns:
        if str(p[column].dtype).startswith("datetime64"):
            p[column] = p[column].astype("datetime64[ns]")
    for column in ("beneficiaire_rsa", "residant_qpv", "residant_zrr", "rqth"):
        p[column] = p[column].astype("boolean")
    p["annee_naissance"] = p["annee_naissance"].astype(float)
    p["en_emploi_6_mois"] = pd.Series(pd.NA, index=p.index, dtype="boolean")
    h = pq.read_table(f"{folder}/heures.parquet").to_pandas()
    h["annee"] = h["annee"].astype("int64")
    h["mois"] = h["mois"].astype("int64")
    if categorical_hours:
        h["id_parcours"] = h["id_parcours"].astype("category")
    p.index = p.index + 1
    h.index = h.index + 1
    return p, h


def child(step: str, side: str, folder: str) -> dict:
    """One measure, in this process (``side`` decides which package was put first on sys.path)."""
    os.environ.setdefault("IAE_IMPACT_CLE", "cle-du-banc-0123456789abcdef0123456789abcdef")
    from iae_impact import stats  # noqa: F401 - imports before the clock
    from iae_impact.ingest import Dataset, read_dataset

    if step in ("validation", "validation_categorielle"):
        from iae_impact.data import schema

        p, h = frames_from_parquet(folder, categorical_hours=step.endswith("categorielle"))
        start = time.perf_counter()
        schema.validate("parcours", p)
        schema.validate("heures", h)
        return {"s": time.perf_counter() - start}
    if step == "pseudonymisation":
        from iae_impact.data.pseudonym import pseudonymise

        p, h = frames_from_parquet(folder, categorical_hours=side == "apres")
        key = b"cle-du-banc-0123456789abcdef0123456789abcdef"
        start = time.perf_counter()
        pseudonymise(p["id_personne"], key, "P")
        pseudonymise(p["id_parcours"], key, "C")
        pseudonymise(h["id_parcours"], key, "C")  # after: a categorical, hashed once per parcours
        return {"s": time.perf_counter() - start}
    if step in ("calcul", "calcul_sur_lecture"):
        from iae_impact.indicators import compute_indicators

        if step == "calcul":
            p, h = frames_from_parquet(folder)
            ds = Dataset(parcours=p, heures=h)
        else:  # what the new reader hands over (hours' identifiers as row codes)
            ds = read_dataset(folder)
        start = time.perf_counter()
        compute_indicators(ds, by=["site", "dispositif"])
        return {"s": time.perf_counter() - start}
    if step == "lecture":
        start = time.perf_counter()
        read_dataset(folder)
        return {"s": time.perf_counter() - start}
    raise ValueError(step)


def run(step: str, side: str, folder: str, old: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=str(old) if side == "avant" else str(ROOT / "lib"))
    process = subprocess.Popen([sys.executable, __file__, "--enfant", step, side, folder], stdout=subprocess.PIPE,
                               env=env, cwd=ROOT)
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.stdout.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{step} {side} a échoué")
    result = json.loads(output.decode().strip().splitlines()[-1])
    result["pic_rss_go"] = usage.ru_maxrss * 1024 / 1e9
    return result


def csv_copy(folder: Path, target: Path) -> Path:
    """The parquet files as a French CSV export (; separator, dd/mm/yyyy dates, decimal commas, oui/non)."""
    import pandas as pd
    import pyarrow.parquet as pq

    target.mkdir(parents=True, exist_ok=True)
    for name in ("parcours", "heures"):
        df = pq.read_table(folder / f"{name}.parquet").to_pandas(date_as_object=True)
        for column in df.columns:
            if column.startswith("date_"):
                df[column] = df[column].map(lambda d: "" if d is None or pd.isna(d) else d.strftime("%d/%m/%Y"))
            elif df[column].dtype == object and df[column].map(lambda v: isinstance(v, bool)).any():
                df[column] = df[column].map({True: "oui", False: "non"})
        if "annee_naissance" in df:
            df["annee_naissance"] = df["annee_naissance"].astype("Int64")
        df.to_csv(target / f"{name}.csv", sep=";", index=False, decimal=",")
    return target


def main() -> int:
    if sys.argv[1:2] == ["--enfant"]:
        print(json.dumps(child(*sys.argv[2:5])))
        return 0
    from generer_national import DEFAULT_SEED, dossier_national

    national = dossier_national(DEFAULT_SEED)
    sample = dossier_national(DEFAULT_SEED, 100_000)
    results: dict = {"avant": BEFORE, "donnees": str(national.relative_to(ROOT))}
    with tempfile.TemporaryDirectory(prefix="iae-avant-") as tmp:
        old = old_package(Path(tmp) / "avant")
        sample_csv = csv_copy(sample, Path(tmp) / "echantillon_csv")
        for step, folder in (("validation", national), ("pseudonymisation", national), ("calcul", national),
                             ("lecture", sample_csv)):
            for side in ("avant", "apres"):
                results[f"{step}_{side}"] = run(step, side, str(folder), old)
                print(f"{step:17s} {side:6s} {results[f'{step}_{side}']['s']:7.2f} s "
                      f"({results[f'{step}_{side}']['pic_rss_go']:.2f} Go)", flush=True)
        results["validation_categorielle_apres"] = run("validation_categorielle", "apres", str(national), old)
        results["calcul_sur_lecture_apres"] = run("calcul_sur_lecture", "apres", str(national), old)
        results["lecture_parquet_100k_apres"] = run("lecture", "apres", str(sample), old)
        results["lecture_parquet_1M_apres"] = run("lecture", "apres", str(national), old)
        for key in ("validation_categorielle_apres", "calcul_sur_lecture_apres", "lecture_parquet_100k_apres",
                    "lecture_parquet_1M_apres"):
            print(f"{key:27s} {results[key]['s']:7.2f} s ({results[key]['pic_rss_go']:.2f} Go)")
    out = ROOT / "reports" / "bench" / "avant_apres.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
