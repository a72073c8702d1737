"""Progress of a batch of briefs, for a person at a terminal and for a log.

- A small batch (at most :data:`LINES_MAX` briefs): one line per finished brief, as it finishes.
- A larger one: only failures get a line, as they happen; the progress itself is a tqdm bar (count, rate,
  time left) on a terminal, and in a log (CI, a file: not a terminal) one line every :data:`LOG_STEP`
  of the batch with the count, the rate and the time left.
- On a terminal the bar is shown for every batch; lines are written above it.

Messages in French; numbers in French format.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable
from typing import IO

from ..base.fr import format_number

#: Up to this many briefs, one line per finished brief.
LINES_MAX = 20
#: Without a terminal, a progress line each time this share of a large batch is done.
LOG_STEP = 0.1


def duration_fr(seconds: float) -> str:
    """« 45 s », « 3 min 05 s », « 1 h 02 min »."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


class Progress:
    """Told of each finished brief (:meth:`done`); says what the batch's size and the output call for."""

    def __init__(self, total: int, say: Callable[[str], None], stream: IO[str] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        from tqdm import tqdm

        self.stream = stream if stream is not None else sys.stderr
        self.total, self.say, self.clock = total, say, clock
        self.count = 0
        self.start = clock()
        self.lines = total <= LINES_MAX
        self.terminal = bool(getattr(self.stream, "isatty", lambda: False)())
        self._next_log = 1
        self.bar = tqdm(total=total, desc="Notes", unit="note", file=self.stream, disable=not self.terminal,
                        dynamic_ncols=True, smoothing=0.1)

    def done(self, line: str, ok: bool) -> None:
        """One brief finished: its line (when the batch is small, or when it failed), then the progress."""
        if self.lines or not ok:
            self._write(line)
        self.count += 1
        self.bar.update()
        if not self.terminal and not self.lines and self.count >= self._threshold():
            self._write(self.status())
            while self._next_log * LOG_STEP < 1 and self.count >= self._threshold():
                self._next_log += 1

    def _threshold(self) -> int:
        """The count at which the next progress line is due (the last one: the whole batch)."""
        return min(self.total, math.ceil(round(self._next_log * LOG_STEP * self.total, 9)))

    def status(self) -> str:
        """« 120/300 notes (40 %), 2,4 notes/s, reste environ 1 min 15 s »."""
        elapsed = max(self.clock() - self.start, 1e-9)
        rate = self.count / elapsed
        text = f"  {self.count}/{self.total} notes ({format_number(100 * self.count / self.total, 0)} %)"
        if self.count:
            text += f", {format_number(rate, 2 if rate < 1 else 1)} note(s)/s"
            left = self.total - self.count
            text += f", reste environ {duration_fr(left / rate)}" if left else f" en {duration_fr(elapsed)}"
        return text

    def _write(self, message: str) -> None:
        if self.terminal and not self.bar.disable:
            with self.bar.external_write_mode(file=self.stream):
                self.say(message)
        else:
            self.say(message)

    def close(self) -> None:
        self.bar.close()
