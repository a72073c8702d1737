"""Timeline of one batch of demo briefs: when each brief ends, its own duration, the batch's total.

    python bench/chronologie_lot.py JOBS [--config config/notes.yaml]

Shows where a batch loses time (serial start, a slow first brief per worker, the tail); not part of
``make bench``. Figures quoted in bench/README.md (« Notes en lot »).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Chronologie d'un lot de notes")
    parser.add_argument("jobs", type=int)
    parser.add_argument("--config", default=str(ROOT / "config" / "notes.yaml"))
    args = parser.parse_args(argv)
    from iae_impact.run.batch import run_notes

    with tempfile.TemporaryDirectory(prefix="iae-chronologie-") as out:
        start = time.perf_counter()
        results = run_notes(args.config, out, jobs=args.jobs,
                            say=lambda m: print(f"{time.perf_counter() - start:6.2f} s  {m}"))
        total = time.perf_counter() - start
    print(f"total {total:.2f} s ; somme des durées propres des notes {sum(r.secondes for r in results):.2f} s")
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
