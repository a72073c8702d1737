"""Progress of a batch (issue 16.5): a line per brief for a small batch; for a large one, only failures, and in
a log a progress line every 10 % with the count, the rate and the time left; a bar on a terminal."""

from __future__ import annotations

import io

from iae_impact.run.progress import LINES_MAX, Progress, duration_fr


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _run(total: int, failures: set[int], stream: io.StringIO, seconds_each: float = 2.0) -> list[str]:
    said: list[str] = []
    clock = Clock()
    progress = Progress(total, said.append, stream=stream, clock=clock)
    for i in range(total):
        clock.now += seconds_each
        progress.done(f"  n{i} : " + ("ÉCHEC — cassée" if i in failures else "1.0 s, 2 page(s)"), i not in failures)
    progress.close()
    return said


def test_a_small_batch_says_one_line_per_brief():
    said = _run(LINES_MAX, {3}, io.StringIO())
    assert said == [f"  n{i} : " + ("ÉCHEC — cassée" if i == 3 else "1.0 s, 2 page(s)") for i in range(LINES_MAX)]


def test_a_large_batch_in_a_log_says_failures_and_a_progress_line_every_tenth():
    said = _run(300, {7, 250}, io.StringIO())
    failures = [s for s in said if "ÉCHEC" in s]
    progress = [s for s in said if "ÉCHEC" not in s]
    assert failures == ["  n7 : ÉCHEC — cassée", "  n250 : ÉCHEC — cassée"]
    assert len(progress) == 10 and not any("page(s)" in s for s in said)
    assert progress[0] == "  30/300 notes (10 %), 0,50 note(s)/s, reste environ 9 min 00 s"
    assert progress[4].startswith("  150/300 notes (50 %)") and progress[4].endswith("reste environ 5 min 00 s")
    assert progress[-1] == "  300/300 notes (100 %), 0,50 note(s)/s en 10 min 00 s"
    assert said.index("  n7 : ÉCHEC — cassée") < said.index(progress[0])  # said as it happens


def test_an_odd_sized_batch_still_ends_with_its_total():
    progress = [s for s in _run(23, set(), io.StringIO(), seconds_each=0.5) if "notes (" in s]
    assert progress[-1].startswith("  23/23 notes (100 %)") and len(progress) == 10


def test_on_a_terminal_a_large_batch_has_a_bar_and_only_its_failures():
    stream = Terminal()
    said = _run(40, {5}, stream)
    assert said == ["  n5 : ÉCHEC — cassée"]
    shown = stream.getvalue()
    assert "40/40" in shown and ("note/s" in shown or "s/note" in shown) and "<" in shown  # count, rate, time left


def test_durations_in_french():
    assert [duration_fr(s) for s in (0, 45.4, 65, 3725)] == ["0 s", "45 s", "1 min 05 s", "1 h 02 min"]
