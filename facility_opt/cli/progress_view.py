"""How the CLI shows the library's progress: a rich bar on a terminal, one line per stage in a
pipe or file, nothing with --quiet. Always on stderr, so stdout stays clean for piping."""

from __future__ import annotations

import sys
import time
from typing import Any


class _LineStage:
    def __init__(self, stream: Any, description: str, total: int):
        self.stream, self.description, self.total = stream, description, total
        self.done = 0
        self.t0 = time.perf_counter()
        stream.write(f"… {description} ({total} {'step' if total == 1 else 'steps'})\n")
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


class _RichStage:
    def __init__(self, description: str, total: int, console: Any):
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self._bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                             TimeElapsedColumn(), TimeRemainingColumn(), console=console,
                             transient=True)
        self._bar.start()
        self._task = self._bar.add_task(description, total=total)

    def advance(self, steps: int = 1) -> None:
        self._bar.advance(self._task, steps)

    def close(self) -> None:
        self._bar.stop()


class RichReporter:
    """A live bar per stage on a terminal's stderr."""

    def __init__(self) -> None:
        from rich.console import Console

        self.console = Console(stderr=True)

    def stage(self, description: str, total: int) -> _RichStage:
        return _RichStage(description, total, self.console)

    def log(self, text: str) -> None:
        sys.stderr.write(text)


class QuietReporter:
    """--quiet: no progress; a solver log asked for with --verbose still shows."""

    def stage(self, description: str, total: int) -> Any:
        from facility_opt.progress import SILENT

        return SILENT.stage(description, total)

    def log(self, text: str) -> None:
        sys.stderr.write(text)


def reporter_for(quiet: bool) -> Any:
    """The reporter a command runs under."""
    if quiet:
        return QuietReporter()
    return RichReporter() if sys.stderr.isatty() else LineReporter()
