"""The HiGHS session (through highspy, the default solver): one HiGHS model kept alive across
solves, bounds and objective changed in place; its banner caught at the file-descriptor level and
kept in the log; its status read from HiGHS's own model status and MIP gap."""

from __future__ import annotations

import contextlib
import ctypes
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import replace

import numpy as np

from facility_opt.errors import SolverError
from facility_opt.progress import reporter
from facility_opt.solve.solver_types import INF, MatrixForm, SolverOptions, SolverOutcome
from facility_opt.solve.status import SolveStatus

# HiGHS keeps one thread scheduler per process, sized by the first run; a later run asking for
# another size must reset it first. The size in use, once known.
_HIGHS_SCHEDULER_THREADS: list[int] = []


# -- silencing at the file-descriptor level ---------------------------------------------------
@contextlib.contextmanager
def captured_stdout_fd() -> Iterator[list[str]]:
    """Send whatever C code writes to stdout (fd 1) into a list instead of the terminal."""
    out: list[str] = []
    sys.stdout.flush()
    with tempfile.TemporaryFile(mode="w+b") as tmp:
        saved = os.dup(1)
        try:
            os.dup2(tmp.fileno(), 1)
            try:
                yield out
            finally:
                with contextlib.suppress(Exception):
                    ctypes.CDLL(None).fflush(None)
                os.dup2(saved, 1)
        finally:
            os.close(saved)
        tmp.seek(0)
        out.append(tmp.read().decode("utf-8", "replace"))


# -- HiGHS ------------------------------------------------------------------------------------
@contextlib.contextmanager
def _ctrl_c_after_run() -> Iterator[None]:
    """Ctrl-C during HiGHS's run() surfaces in the log callback, where HiGHS turns it into a
    solver error ("HiGHS failed", exit 1). Hold it until run() returns, then raise it, so the
    command stops with exit 130 (after the solve in progress). Worker processes, which ignore
    Ctrl-C, keep ignoring it."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    current = signal.getsignal(signal.SIGINT)
    if current is None or current == signal.SIG_IGN:
        yield
        return
    pressed: list[int] = []
    signal.signal(signal.SIGINT, lambda signum, frame: pressed.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, current)
    if pressed:
        raise KeyboardInterrupt


class HighsSession:
    """A HiGHS model kept alive across solves (bounds and objective changed in place)."""

    name = "highs"

    def __init__(self, form: MatrixForm):
        import highspy

        self.form = form
        self.log: list[str] = []
        self.echo = False
        with captured_stdout_fd() as banner:
            self.h = highspy.Highs()
        self.log.extend(banner)
        h = self.h
        h.setOptionValue("output_flag", True)
        h.setOptionValue("log_to_console", False)
        # no clock readings in the log: solver.log is a result file and must come out the same
        # on a busy machine as on a quiet one (timings go to manifest.json instead)
        h.setOptionValue("timeless_log", True)
        h.cbLogging += self._on_log
        lp = highspy.HighsLp()
        lp.num_col_ = form.num_col
        lp.num_row_ = form.num_row
        lp.col_cost_ = np.asarray(form.cost, dtype=float)
        lp.col_lower_ = _finite(form.col_lower, highspy.kHighsInf)
        lp.col_upper_ = _finite(form.col_upper, highspy.kHighsInf)
        lp.row_lower_ = _finite(form.row_lower, highspy.kHighsInf)
        lp.row_upper_ = _finite(form.row_upper, highspy.kHighsInf)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        lp.a_matrix_.start_ = np.asarray(form.start, dtype=np.int32)
        lp.a_matrix_.index_ = np.asarray(form.index, dtype=np.int32)
        lp.a_matrix_.value_ = np.asarray(form.value, dtype=float)
        lp.a_matrix_.num_col_ = form.num_col
        lp.a_matrix_.num_row_ = form.num_row
        lp.sense_ = highspy.ObjSense.kMaximize if form.maximize else highspy.ObjSense.kMinimize
        lp.integrality_ = [highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous
                           for i in form.integer]
        status = h.passModel(lp)
        if status != highspy.HighsStatus.kOk:
            raise SolverError(f"HiGHS could not load the model ({status}); try --solver cbc")
        self._extra_rows = 0

    def _on_log(self, event) -> None:
        self.log.append(event.message)
        if self.echo:
            reporter().log(event.message)

    # -- changes between solves --
    def set_col_bounds(self, cols: np.ndarray | list[int], lower: float, upper: float) -> None:
        for j in cols:
            self.h.changeColBounds(int(j), float(lower), float(upper))

    def set_row_bounds(self, row: int, lower: float, upper: float) -> None:
        import highspy

        lo = -highspy.kHighsInf if lower == -INF else float(lower)
        hi = highspy.kHighsInf if upper == INF else float(upper)
        self.h.changeRowBounds(int(row), lo, hi)

    def set_objective(self, cost: np.ndarray, maximize: bool) -> None:
        import highspy

        n = len(cost)
        self.h.changeColsCost(n, np.arange(n, dtype=np.int32), np.asarray(cost, dtype=float))
        self.h.changeObjectiveSense(highspy.ObjSense.kMaximize if maximize
                                    else highspy.ObjSense.kMinimize)

    def add_row(self, lower: float, upper: float, cols: np.ndarray, coefs: np.ndarray) -> int:
        import highspy

        lo = -highspy.kHighsInf if lower == -INF else float(lower)
        hi = highspy.kHighsInf if upper == INF else float(upper)
        self.h.addRow(lo, hi, len(cols), np.asarray(cols, dtype=np.int32),
                      np.asarray(coefs, dtype=float))
        self._extra_rows += 1
        return self.form.num_row + self._extra_rows - 1

    def delete_last_row(self) -> None:
        n = self.form.num_row + self._extra_rows - 1
        self.h.deleteRows(1, np.array([n], dtype=np.int32))
        self._extra_rows -= 1

    # -- solving --
    def solve(self, options: SolverOptions, warm_start: np.ndarray | None = None,
              label: str = "solve") -> SolverOutcome:
        import highspy

        h = self.h
        self.echo = options.verbose
        self.log.append(f"\n=== {label} ===\n")
        h.setOptionValue("mip_rel_gap", float(options.gap))
        h.setOptionValue("time_limit", float(options.time_limit) if options.time_limit
                         else highspy.kHighsInf)
        h.setOptionValue("mip_allow_restart", not options.light)
        h.setOptionValue("mip_heuristic_run_rins", not options.light)
        h.setOptionValue("mip_heuristic_run_rens", not options.light)
        # light re-solves also skip the primal heuristics and trust pseudo-costs after one
        # observation (less strong branching): on leshan-base's 56 explanation re-solves about
        # a fifth less CPU (17-18 s against 22 s, measured under load); still proven optimal
        h.setOptionValue("mip_heuristic_effort", 0.0 if options.light else 0.05)
        h.setOptionValue("mip_pscost_minreliable", 1 if options.light else 8)
        h.setOptionValue("mip_max_nodes", int(options.max_nodes) if options.max_nodes
                         else highspy.kHighsIInf)
        self._use_threads(options.threads)
        if warm_start is not None:
            with contextlib.suppress(Exception):
                sol = highspy.HighsSolution()
                sol.col_value = list(map(float, warm_start))
                h.setSolution(sol)
        t0 = time.perf_counter()
        with _ctrl_c_after_run():
            status = h.run()
        seconds = time.perf_counter() - t0
        if status == highspy.HighsStatus.kError:
            raise SolverError("HiGHS failed on this model (see solver.log); try --solver cbc")
        ms = h.getModelStatus()
        info = h.getInfo()
        M = highspy.HighsModelStatus
        has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
        raw = h.modelStatusToString(ms)
        if ms == M.kModelEmpty:  # no decision at all (no project can be scheduled): fund nothing
            if np.any(self.form.row_lower > 1e-9) or np.any(self.form.row_upper < -1e-9):
                return SolverOutcome(SolveStatus.INFEASIBLE, None, None, None, None, seconds, raw)
            return SolverOutcome(SolveStatus.OPTIMAL, 0.0, 0.0, 0.0, np.zeros(self.form.num_col), seconds,
                                 raw)
        if ms == M.kOptimal:
            gap = max(0.0, float(info.mip_gap)) if _is_mip(self.form) else 0.0
            gap = 0.0 if not np.isfinite(gap) else gap
            status_text = SolveStatus.OPTIMAL if gap <= 1e-9 else SolveStatus.FEASIBLE
        elif ms in (M.kInfeasible, M.kUnboundedOrInfeasible):
            return SolverOutcome(SolveStatus.INFEASIBLE, None, None, None, None, seconds, raw)
        elif ms in (M.kTimeLimit, M.kIterationLimit, M.kInterrupt, M.kSolutionLimit,
                    M.kObjectiveBound, M.kObjectiveTarget):
            if not has_solution:
                return SolverOutcome(SolveStatus.NO_SOLUTION, None, None, None, None, seconds, raw)
            gap = float(info.mip_gap)
            status_text = SolveStatus.FEASIBLE
        else:
            raise SolverError(f"HiGHS stopped with status '{raw}' (see solver.log); "
                              "try --solver cbc")
        values = np.array(h.getSolution().col_value, dtype=float)
        objective = float(info.objective_function_value)
        if warm_start is not None and _stale(self.h, values, objective):
            # HiGHS 1.16 can improve a MIP start inside presolve's reduced space, report the
            # better objective and still hand back the start itself as "the" solution (seen on
            # small models presolve nearly solves). Never trust that: solve again, cold.
            self.log.append("\n(the solution returned does not match the objective reported; "
                            "solving again without the start)\n")
            h.clearSolver()
            if options.time_limit:  # the limit covers both runs: the caller's clock is shared
                options = replace(options, time_limit=max(0.05, options.time_limit - seconds))
            again = self.solve(options, None, label + " (again, without the start)")
            return replace(again, seconds=again.seconds + seconds)
        bound = float(info.mip_dual_bound) if _is_mip(self.form) else objective
        if not np.isfinite(bound):
            bound = None
        if gap is not None and not np.isfinite(gap):
            gap = None
        return SolverOutcome(status_text, objective, bound, gap, values, seconds, raw)

    def _use_threads(self, threads: int | None) -> None:
        """Run with `threads` (None: HiGHS's default). The scheduler is per process: when this
        process already runs one of another size, it is reset (no solve is running meanwhile:
        solves in one process run one after another)."""
        import highspy

        want = int(threads or 0)  # 0 = HiGHS chooses
        self.h.setOptionValue("threads", want)
        if _HIGHS_SCHEDULER_THREADS and _HIGHS_SCHEDULER_THREADS[0] != want:
            highspy.Highs.resetGlobalScheduler(True)
            _HIGHS_SCHEDULER_THREADS.clear()
        if not _HIGHS_SCHEDULER_THREADS:
            _HIGHS_SCHEDULER_THREADS.append(want)

    @property
    def log_text(self) -> str:
        return "".join(self.log)


def _stale(h, values: np.ndarray, objective: float) -> bool:
    """True when the values returned do not give the objective HiGHS reports."""
    lp = h.getLp()
    got = float(np.dot(np.asarray(lp.col_cost_, dtype=float), values)) + float(lp.offset_)
    return abs(got - objective) > 1e-7 * max(1.0, abs(objective))


def _finite(a: np.ndarray, inf: float) -> np.ndarray:
    a = np.asarray(a, dtype=float).copy()
    a[a == INF] = inf
    a[a == -INF] = -inf
    return a


def _is_mip(form: MatrixForm) -> bool:
    return bool(np.any(form.integer))

