"""Progress of long work, reported by the library and rendered only by the CLI.

The library never prints. Work that takes more than about a second (explanation re-solves,
replications, plan rounds, frontier budgets, compare scenarios, futures) opens a *stage* on the
current reporter; the CLI installs a reporter that draws a rich bar on a terminal, one line per
stage in a pipe, or nothing with ``--quiet``. Without one (a notebook, a test) nothing is shown.
Solver logs asked for with ``--verbose`` go the same way (``log``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Protocol


class Stage(Protocol):
    """One piece of long work with a known number of steps."""

    def advance(self, steps: int = 1) -> None: ...

    def close(self) -> None: ...


class Reporter(Protocol):
    """Where progress goes: the CLI's renderer, or the silent default."""

    def stage(self, description: str, total: int) -> Stage: ...

    def log(self, text: str) -> None: ...


class _SilentStage:
    def advance(self, steps: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


class SilentReporter:
    """The library's default: shows nothing."""

    def stage(self, description: str, total: int) -> Stage:
        return _SilentStage()

    def log(self, text: str) -> None:
        pass


SILENT = SilentReporter()
REPORTER: ContextVar[Reporter | None] = ContextVar("facility_opt_reporter", default=None)


def reporter() -> Reporter:
    """The reporter in force (the CLI's, or the silent default)."""
    return REPORTER.get() or SILENT


@contextmanager
def stage(description: str, total: int) -> Iterator[Stage]:
    """``with stage("replications", 30) as s: ... s.advance()`` on the reporter in force."""
    s = reporter().stage(description, total)
    try:
        yield s
    finally:
        s.close()


@contextmanager
def reporting_to(rep: Reporter) -> Iterator[Reporter]:
    """Install ``rep`` for the work inside the block (the CLI wraps each command in it)."""
    token = REPORTER.set(rep)
    try:
        yield rep
    finally:
        REPORTER.reset(token)
