"""One side of the national comparison, run in its own process (its peak RSS is that process's).

    python bench/national.py ours   DOSSIER [CUBE.parquet]   # read_dataset + compute_indicators(by=site, dispositif)
    python bench/national.py duckdb DOSSIER [CUBE.parquet]   # bench/cube.sql, one DuckDB query
    python bench/national.py duckdb-1fil DOSSIER              # the same query on one thread (explains the ratio)
    python bench/national.py ours-sans-pseudonymes DOSSIER    # read_dataset(pseudonymiser=False): what hashing costs

Imports happen before the clock starts on both sides (they are a fixed cost of the process, not work
on the data). Prints one JSON line: the seconds of work (and, for ours, reading vs computing).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
KEYS = ["annee", "site", "dispositif"]


def ours(folder: str, pseudonymiser: bool = True) -> tuple[object, dict]:
    import pandera.pandas  # noqa: F401 - imported when the schemas are first built: load it before the clock
    import pyarrow.parquet  # noqa: F401
    import statsmodels.stats.proportion  # noqa: F401 - the Wilson intervals of compute_indicators: before the clock

    from iae_impact.indicators import compute_indicators
    from iae_impact.ingest import read_dataset

    start = time.perf_counter()
    dataset = read_dataset(folder, pseudonymiser=pseudonymiser)
    read = time.perf_counter()
    cube = compute_indicators(dataset, by=["site", "dispositif"])
    end = time.perf_counter()
    return cube, {"secondes": end - start, "lecture_s": read - start, "calcul_s": end - read,
                  "parcours": len(dataset.parcours), "heures": len(dataset.heures)}


def duckdb_side(folder: str, threads: int | None = None) -> tuple[object, dict]:
    import duckdb

    sql = (HERE / "cube.sql").read_text(encoding="utf-8")
    sql = sql.replace("{dossier}", str(Path(folder).resolve())).replace("{reference}", str(ROOT / "data" / "reference"))
    start = time.perf_counter()
    connection = duckdb.connect(config={"threads": threads} if threads else {})
    cube = connection.sql(sql).df()
    seconds = time.perf_counter() - start
    threads = connection.execute("SELECT current_setting('threads')").fetchall()[0][0]
    connection.close()
    return cube, {"secondes": seconds, "fils_duckdb": int(threads)}


def main(argv: list[str]) -> int:
    side, folder = argv[0], argv[1]
    sides = {"ours": lambda: ours(folder), "ours-sans-pseudonymes": lambda: ours(folder, pseudonymiser=False),
             "duckdb": lambda: duckdb_side(folder), "duckdb-1fil": lambda: duckdb_side(folder, threads=1)}
    cube, info = sides[side]()
    if len(argv) > 2:
        cube.to_parquet(argv[2], index=False)
    info["lignes_cube"] = len(cube)
    print(json.dumps(info))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
