"""Run a list of independent tasks and return their results in task order.

One executor serves every command that repeats work: simulation replications, budget sweeps of
the frontier. `workers=1` runs in this process; `workers>1` in a pool of processes; a Dask
scheduler address (or "local", which starts a LocalCluster) sends the tasks to a cluster. Results
always come back in task order, so outputs do not depend on how the work was spread.
Tasks and `fn` must be picklable (module-level functions, plain data).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from .errors import InputError

T = TypeVar("T")
R = TypeVar("R")

DASK_HINT = 'pip install "facility-opt[dask]"'


def run_tasks(fn: Callable[[T], R], tasks: Sequence[T], *, workers: int = 1,
              scheduler: str | None = None, description: str = "",
              progress: bool | None = None) -> list[R]:
    """`[fn(t) for t in tasks]`, possibly in parallel; results in task order.

    progress: True shows a progress bar on stderr, False never, None (default) when stderr is a
    terminal and there is more than one task.
    """
    tasks = list(tasks)
    if workers < 1:
        raise InputError.one("command line", "--workers", workers, "a whole number ≥ 1")
    if progress is None:
        progress = len(tasks) > 1 and sys.stderr.isatty()
    with _Progress(description or "working", len(tasks), bool(progress)) as bar:
        if scheduler:
            return _run_dask(fn, tasks, scheduler, workers, bar)
        if workers == 1 or len(tasks) <= 1:
            out = []
            for t in tasks:
                out.append(fn(t))
                bar.advance()
            return out
        return _run_pool(fn, tasks, workers, bar)


def _run_pool(fn: Callable[[T], R], tasks: list[T], workers: int, bar: _Progress) -> list[R]:
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    pool = ProcessPoolExecutor(max_workers=min(workers, len(tasks)), mp_context=_clean_context())
    try:
        futures = [pool.submit(fn, t) for t in tasks]
        pending = set(futures)
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for f in done:
                f.result()  # raise a task's error as soon as it happens
                bar.advance()
        results = [f.result() for f in futures]
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    return results


def _clean_context():
    """Workers start from a clean process, never a fork of this one: a fork inherits HiGHS's
    global thread pool without its threads (a worker that solves then waits forever) and any
    other library state that is not fork-safe. forkserver where the platform has it, else spawn."""
    import multiprocessing as mp

    methods = mp.get_all_start_methods()
    return mp.get_context("forkserver" if "forkserver" in methods else "spawn")


def _run_dask(fn: Callable[[T], R], tasks: list[T], scheduler: str, workers: int,
              bar: _Progress) -> list[R]:
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise InputError.one("command line", "--scheduler", scheduler,
                             f"Dask to be installed for a scheduler: {DASK_HINT}") from None
    cluster = None
    try:
        if scheduler == "local":
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                   dashboard_address=None)
            client = Client(cluster)
        else:
            try:
                client = Client(scheduler, timeout="10s")
            except (OSError, TimeoutError, ValueError) as err:
                raise InputError.one("command line", "--scheduler", scheduler,
                                     "the address of a running Dask scheduler (e.g. "
                                     f"tcp://host:8786) or 'local' ({err})") from None
        try:
            futures = client.map(fn, tasks, pure=False)
            for _ in as_completed(futures):
                bar.advance()
            return client.gather(futures)
        finally:
            client.close()
    finally:
        if cluster is not None:
            cluster.close()


class _Progress:
    """A rich progress bar on stderr, or nothing."""

    def __init__(self, description: str, total: int, show: bool):
        self.description, self.total, self.show = description, total, show
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> _Progress:
        if self.show:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._bar = Progress(TextColumn("{task.description}"), BarColumn(),
                                 MofNCompleteColumn(), TimeElapsedColumn(),
                                 TimeRemainingColumn(), console=Console(stderr=True),
                                 transient=True)
            self._bar.__enter__()
            self._task = self._bar.add_task(self.description, total=self.total)
        return self

    def advance(self) -> None:
        if self._bar is not None:
            self._bar.advance(self._task)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)
