"""Run a list of independent tasks and return their results in task order.

One executor serves every command that repeats work: simulation replications, budget sweeps of
the frontier. `workers=1` runs in this process; `workers>1` in a pool of processes; a Dask
scheduler address (or "local", which starts a LocalCluster) sends the tasks to a cluster. Results
always come back in task order, so outputs do not depend on how the work was spread.
Tasks and `fn` must be picklable (module-level functions, plain data).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import closing
from typing import Any, TypeVar

from facility_opt.errors import InputError
from facility_opt.progress import SilentReporter, Stage, reporter

T = TypeVar("T")
R = TypeVar("R")

DASK_HINT = 'pip install "facility-opt[dask]"'


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity where the system says, else the
    machine's count): what a default degree of parallelism should use."""
    import os

    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def default_threads() -> int:
    """Threads a step that parallelises by default runs (the explanation re-solves, the
    day-start sizing): one per core, at most 4."""
    return min(4, available_cores())


def run_tasks(fn: Callable[[T], R], tasks: Sequence[T], *, workers: int = 1,
              scheduler: str | None = None, description: str = "",
              progress: bool = True, steps: Sequence[int] | None = None) -> list[R]:
    """`[fn(t) for t in tasks]`, possibly in parallel; results in task order.

    progress: report a stage with one step per task to the reporter in force
    (`facility_opt.progress`); False for inner work whose caller reports its own stage.
    steps: the steps each task counts for (a task answering 12 questions advances the bar by
    12), so the stage counts what the user knows (re-solves, replications), not batches.
    """
    tasks = list(tasks)
    if workers < 1:
        raise InputError.one("command line", "--workers", workers, "a whole number ≥ 1")
    weights = list(steps) if steps is not None else [1] * len(tasks)
    rep = reporter() if progress and sum(weights) > 1 else SilentReporter()
    with closing(rep.stage(description or "working", sum(weights))) as stage_:
        bar = _Weighted(stage_, weights)
        if scheduler:
            return _run_dask(fn, tasks, scheduler, workers, bar)
        if workers == 1 or len(tasks) <= 1:
            out = []
            for t in tasks:
                out.append(fn(t))
                bar.advance()
            return out
        return _run_pool(fn, tasks, workers, bar)


class _Weighted:
    """A stage advanced by task weights as tasks finish. Parallel tasks finish in any order and
    the k-th to finish advances by the k-th weight, so midway the count is approximate when
    weights differ (explain's shares differ by at most one); at the end it is the exact sum."""

    def __init__(self, stage: Stage, weights: list[int]):
        self.stage, self.weights, self.done = stage, weights, 0

    def advance(self, steps: int = 1) -> None:
        for _ in range(steps):
            w = self.weights[self.done] if self.done < len(self.weights) else 1
            self.done += 1
            self.stage.advance(w)

    def close(self) -> None:
        self.stage.close()


def _run_pool(fn: Callable[[T], R], tasks: list[T], workers: int, bar: Stage) -> list[R]:
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    context = _clean_context()
    # workers watch the read end; it reaches end-of-file when this process ends in any way
    lifeline, lifeline_end = context.Pipe(duplex=False)
    pool = ProcessPoolExecutor(max_workers=min(workers, len(tasks)), mp_context=context,
                               initializer=_worker_setup, initargs=(lifeline,))
    # Ctrl-C is held and taken between waits, where this thread holds none of the pool's locks:
    # raised inside `wait` it could leave a task's lock taken, and the pool then deadlocks.
    with _CtrlCHeld() as ctrl_c:
        try:
            futures = [pool.submit(_timed_call, fn, t) for t in tasks]
            pending = set(futures)
            while pending:
                done, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
                ctrl_c.check()
                for f in done:
                    f.result()  # raise a task's error as soon as it happens
                    bar.advance()
            results = []
            for f in futures:
                value, pid, cpu = f.result()
                _WORKER_CPU[pid] = max(_WORKER_CPU.get(pid, 0.0), cpu)
                results.append(value)
        except BaseException:
            _stop_now(pool)
            raise
        else:
            pool.shutdown()
        finally:
            lifeline.close()
            lifeline_end.close()
    return results


# worker process id → its CPU seconds (user + system, all threads) at the end of its last task
_WORKER_CPU: dict[int, float] = {}


def worker_cpu_seconds() -> float:
    """CPU seconds used by this process's pool workers so far (for the manifest and benchmarks).
    Pool workers are forked by the fork server, so `RUSAGE_CHILDREN` never sees them; each task
    returns its worker's own total instead (imports and start-up included)."""
    return float(sum(_WORKER_CPU.values()))


def _timed_call(fn: Callable[[T], R], task: T) -> tuple[R, int, float]:
    """Run one task in a worker and return its result with the worker's pid and CPU total."""
    import os
    import resource

    value = fn(task)
    use = resource.getrusage(resource.RUSAGE_SELF)
    return value, os.getpid(), use.ru_utime + use.ru_stime


def _worker_setup(lifeline) -> None:
    """Worker initializer.

    Ctrl-C signals the whole process group; only the parent acts on it (it stops the pool and
    prints one line), so workers ignore it and neither print tracebacks nor race the parent.
    A parent killed outright (SIGKILL, out of memory) cannot stop its workers: they would wait
    for tasks forever. A watcher thread ends the worker when the parent's end of `lifeline`
    closes, which the operating system does when the parent dies.
    """
    import os
    import signal
    import threading
    from multiprocessing.connection import wait

    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def _exit_with_parent() -> None:
        wait([lifeline])
        os._exit(1)

    threading.Thread(target=_exit_with_parent, name="exit-with-parent", daemon=True).start()


class _CtrlCHeld:
    """Hold a Ctrl-C that arrives inside the block: raise it at `check()` or at the end, at a
    moment chosen by the code rather than wherever the signal lands (a worker half-started, a
    lock half-taken)."""

    def __enter__(self) -> _CtrlCHeld:
        import signal
        import threading

        self.pressed = False
        self._previous: Any = None
        if threading.current_thread() is not threading.main_thread():
            return self  # signals reach the main thread only
        current = signal.getsignal(signal.SIGINT)
        if current is not None and current != signal.SIG_IGN:  # a worker keeps ignoring it
            self._previous = signal.signal(signal.SIGINT, self._note)
        return self

    def _note(self, signum: int, frame: object) -> None:
        self.pressed = True

    def check(self) -> None:
        if self.pressed:
            raise KeyboardInterrupt

    def __exit__(self, exc_type: object, *rest: object) -> None:
        import signal

        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
        if self.pressed and exc_type is None:
            raise KeyboardInterrupt


def _stop_now(pool) -> None:
    """On Ctrl-C or a failed task: end the workers at once, then let the pool tear itself down.
    Workers ignore Ctrl-C, so without this a long task (a large solve) would keep the command
    alive after it has given up. The workers go first: a pool that sees them die drops its
    queued tasks and closes its queue, whereas shutting it down first can leave its feeder
    thread blocked for ever writing a large task into a pipe no worker reads."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for proc in processes:
        try:
            if proc.is_alive():
                proc.terminate()
        except (ValueError, ProcessLookupError):  # already closed or gone
            pass
    for proc in processes:
        try:
            proc.join(timeout=5)
        except (ValueError, AssertionError):
            pass
    pool.shutdown(wait=True, cancel_futures=True)


def _clean_context():
    """Workers start from a clean process, never a fork of this one: a fork inherits HiGHS's
    global thread pool without its threads (a worker that solves then waits forever) and any
    other library state that is not fork-safe. forkserver where the platform has it, else spawn."""
    import multiprocessing as mp

    methods = mp.get_all_start_methods()
    if "forkserver" not in methods:
        return mp.get_context("spawn")
    _start_forkserver_deaf_to_ctrl_c()
    return mp.get_context("forkserver")


# modules the fork server imports before it forks workers (a failed import is skipped)
WORKER_PRELOAD = ("numpy", "facility_opt.simulate.core", "facility_opt.simulate.fast_engine",
                  "facility_opt.simulate.draws", "facility_opt.simulate.streams")


def _start_forkserver_deaf_to_ctrl_c() -> None:
    """Start the fork server (once per process) with Ctrl-C ignored: an ignored SIGINT survives
    exec, so the server and every worker it forks are born ignoring it. Without this, a Ctrl-C
    while a worker is still starting (before `_worker_setup` runs) printed a worker traceback."""
    import signal
    import threading
    from multiprocessing import forkserver

    if threading.current_thread() is not threading.main_thread():
        return  # signal handlers can only be changed in the main thread
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        # the fork server imports the simulation once; every worker forked from it starts with
        # it loaded (a pool's start-up 0.37 → 0.05 s measured: plan opens four pools)
        forkserver.set_forkserver_preload(list(WORKER_PRELOAD))
        forkserver.ensure_running()
    finally:
        signal.signal(signal.SIGINT, previous if previous is not None else signal.SIG_DFL)


def _run_dask(fn: Callable[[T], R], tasks: list[T], scheduler: str, workers: int,
              bar: Stage) -> list[R]:
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
