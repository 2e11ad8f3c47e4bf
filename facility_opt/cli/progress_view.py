"""How the CLI shows the library's progress: a rich bar on a terminal, one line per stage in a
pipe or file, nothing with --quiet. Always on stderr, so stdout stays clean for piping.

A stage's description says what runs and how many ("explaining the choice: 24 re-solves"), so
the single line a log file gets is useful on its own.
"""

from __future__ import annotations

import re
import sys
import time
from typing import Any


def _line(description: str, total: int) -> str:
    """The one line of a stage: its description, plus the step count unless it says it."""
    if re.search(rf"\b{total}\b", description):
        return f"… {description}\n"
    return f"… {description} ({total} {'step' if total == 1 else 'steps'})\n"


class _LineStage:
    def __init__(self, stream: Any, description: str, total: int):
        self.stream, self.description, self.total = stream, description, total
        self.done = 0
        self.t0 = time.perf_counter()
        stream.write(_line(description, total))
        stream.flush()

    def advance(self, steps: int = 1) -> None:
        self.done += steps

    def close(self) -> None:
        pass


class LineReporter:
    """One line per stage on stderr: what a log file or CI job wants."""

    def __init__(self, stream: Any = None):
        self.stream = stream or sys.stderr

    def stage(self, description: str, total: int) -> _LineStage:
        return _LineStage(self.stream, description, total)

    def log(self, text: str) -> None:
        self.stream.write(text)

    def close(self) -> None:
        pass


class _RichStage:
    def __init__(self, owner: RichReporter, task: Any):
        self._owner, self._task, self._open = owner, task, True

    def advance(self, steps: int = 1) -> None:
        if self._open and self._owner.bars is not None:
            self._owner.bars.advance(self._task, steps)

    def close(self) -> None:
        if self._open:
            self._open = False
            self._owner._closed(self._task)


class RichReporter:
    """Live bars on a terminal's stderr: one rich display for every open stage, so a stage
    inside another (simulate inside a plan round) shows as a second bar, not a crash."""

    def __init__(self) -> None:
        from rich.console import Console

        self.console = Console(stderr=True)
        self.bars: Any = None
        self._open = 0

    def stage(self, description: str, total: int) -> _RichStage:
        if self.bars is None:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self.bars = Progress(TextColumn("{task.description}"), BarColumn(),
                                 MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn(),
                                 console=self.console, transient=True)
            self.bars.start()
        self._open += 1
        return _RichStage(self, self.bars.add_task(description, total=total))

    def _closed(self, task: Any) -> None:
        self._open -= 1
        if self.bars is None:
            return
        self.bars.remove_task(task)
        if self._open <= 0:
            self.close()

    def log(self, text: str) -> None:
        if self.bars is not None:
            self.console.print(text, end="", markup=False, highlight=False)
        else:
            sys.stderr.write(text)

    def close(self) -> None:
        """Stop the display (the CLI calls this when a command ends, also on an error)."""
        if self.bars is not None:
            self.bars.stop()
            self.bars = None
        self._open = 0


class QuietReporter:
    """--quiet: no progress; a solver log asked for with --verbose still shows."""

    def stage(self, description: str, total: int) -> Any:
        from facility_opt.progress import SILENT

        return SILENT.stage(description, total)

    def log(self, text: str) -> None:
        sys.stderr.write(text)

    def close(self) -> None:
        pass


def reporter_for(quiet: bool) -> Any:
    """The reporter a command runs under."""
    if quiet:
        return QuietReporter()
    return RichReporter() if sys.stderr.isatty() else LineReporter()
