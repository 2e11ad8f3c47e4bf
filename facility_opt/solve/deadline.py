"""One clock for a whole command: `--time-limit` bounds the command, not each solve.

`facility-opt solve --time-limit 60` runs the main solve, the tie-break solve, the explanation
re-solves, the least-cost search and writes its files. Each used to get the whole limit, so the
command could take many times it. A `Deadline` is created once, when the command starts, and
passed down; every solve asks it how long it may run (`solve_limit`) and work that finds no time
left is skipped and reported as such (a tie-break not run, an explanation "not computed (time
limit)"), never silently.

The clock is `time.monotonic()`, which on Linux and macOS is system-wide, so worker processes
(explanations on `--workers 2`) read the same deadline. A `Deadline` is plain data: it pickles.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

# Shortest solve worth starting (s): HiGHS needs about this long to load, presolve and find a
# first plan on the bundled scenarios; a shorter limit would return nothing useful.
MIN_SOLVE_SECONDS = 0.05


@dataclass(frozen=True)
class Deadline:
    """The moment (`time.monotonic()` seconds) by which the work must end; None = no limit."""

    end: float | None = None
    limit: float | None = None  # the limit it was made from, seconds (for messages)

    @classmethod
    def after(cls, seconds: float | None, *, reserve: float = 0.0,
              start: float | None = None) -> Deadline:
        """A deadline `seconds` after `start` (default now), minus `reserve` seconds kept back for
        work after the solves (writing the results folder). None: no deadline."""
        if seconds is None:
            return cls()
        begin = time.monotonic() if start is None else start
        return cls(begin + max(0.0, float(seconds) - max(0.0, reserve)), float(seconds))

    @property
    def bounded(self) -> bool:
        return self.end is not None

    def remaining(self) -> float:
        """Seconds left (math.inf without a deadline, never negative)."""
        if self.end is None:
            return math.inf
        return max(0.0, self.end - time.monotonic())

    def expired(self) -> bool:
        return self.remaining() < MIN_SOLVE_SECONDS

    def solve_limit(self, cap: float | None = None, *, floor: float = 0.0) -> float | None:
        """Time limit for one solve: the time left, at most `cap` (None: no cap), at least
        `floor` (a solve that must run, e.g. the main one, gets `floor` even when late).
        None means unlimited."""
        left = self.remaining()
        if cap is not None:
            left = min(left, float(cap))
        if math.isinf(left):
            return None
        return max(left, floor)


def output_reserve(limit: float | None) -> float:
    """Seconds kept back from `--time-limit` for writing the results folder and the summary:
    5 % of the limit, at least 0.5 s (a tenth of a short limit), at most 2 s. Writing leshan-base's
    files and printing its summary takes about 0.3 s on a loaded 2-core machine (most of it
    importing the table renderer), a province's about 1 s."""
    if limit is None:
        return 0.0
    limit = float(limit)
    return min(2.0, max(0.05 * limit, min(0.5, 0.1 * limit)))
