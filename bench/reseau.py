"""One batch of the network's briefs, run in its own process (its memory is that process tree's).

    python bench/reseau.py CONFIG OUT JOBS [SCHEDULER]

Runs ``iae_impact.run.batch.run_notes`` (the code of ``iae-impact notes``) and prints one JSON line: the wall
time, the number of briefs and of failures (with the first messages), the sum of the briefs' own durations
and when the first brief started (what precedes it is serial: reading, expansion, the release's masks).
"""

from __future__ import annotations

import json
import sys
import time


def main(argv: list[str]) -> int:
    config, out, jobs = argv[0], argv[1], int(argv[2])
    scheduler = argv[3] if len(argv) > 3 else None
    from iae_impact.run.batch import run_notes

    lines: list[tuple[float, str]] = []
    start, began = time.perf_counter(), time.time()
    results = run_notes(config, out, jobs=jobs, scheduler=scheduler,
                        say=lambda m: lines.append((time.perf_counter() - start, m)))
    seconds = time.perf_counter() - start
    failed = [r for r in results if not r.ok]
    print(json.dumps({
        "secondes": seconds, "notes": len(results), "echecs": len(failed),
        "messages_echecs": sorted({r.message for r in failed})[:5],
        "somme_notes_s": sum(r.secondes for r in results),
        "debut_premiere_note_s": min(r.debut for r in results) - began,
        "messages": [(round(t, 1), m) for t, m in lines if not m.startswith("  ")][:10],
    }, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
