"""MILP solvers behind one small interface: HiGHS (through highspy, the default) and CBC.

Why not just `pulp.HiGHS(msg=False)`? Three reasons a planner would notice:

* HiGHS prints a copyright banner on stdout when its first model object is created, before any
  option can silence it. Here that banner is caught at the file-descriptor level and kept in the
  solver log, so `facility-opt solve` prints nothing of the solver's unless asked (`--verbose`).
* PuLP reports "Optimal" after a HiGHS time limit. Here the status comes from HiGHS's own model
  status and MIP gap: a plan found within a time limit is `feasible` with its gap, never `optimal`.
* Explanations re-solve the same model dozens of times with one bound changed. A `HighsSession`
  keeps the HiGHS model alive and changes bounds in place instead of rebuilding it.

CBC runs through PuLP's command-line interface. PuLP 3.x bundles a CBC binary; PuLP 4 (Python
≥ 3.12) does not, so CBC may be missing: that is a `SolverError` naming `--solver highs`.
The model reaches a solver as a `MatrixForm` (column bounds, costs, sparse rows), built once from
the PuLP problem by `facility_opt.solve.milp.to_matrix`.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from facility_opt.errors import SolverError
from facility_opt.progress import reporter
from facility_opt.solve.status import SolveStatus

if TYPE_CHECKING:
    import pulp

SOLVERS = ("highs", "cbc")
INF = float("inf")


@dataclass
class MatrixForm:
    """A MILP as arrays: max/min cost·x subject to row_lower ≤ A x ≤ row_upper, bounds on x.

    `A` is stored row-wise (CSR: `start`, `index`, `value`). `integer[j]` marks binaries/integers.
    """

    col_names: list[str]
    cost: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    integer: np.ndarray
    row_names: list[str]
    row_lower: np.ndarray
    row_upper: np.ndarray
    start: np.ndarray
    index: np.ndarray
    value: np.ndarray
    maximize: bool = True

    @property
    def num_col(self) -> int:
        return len(self.col_names)

    @property
    def num_row(self) -> int:
        return len(self.row_names)

    def row(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        a, b = int(self.start[i]), int(self.start[i + 1])
        return self.index[a:b], self.value[a:b]

    def activities(self, x: np.ndarray) -> np.ndarray:
        """A·x for every row."""
        out = np.zeros(self.num_row)
        prod = self.value * x[self.index]
        counts = np.diff(self.start)
        rows = np.repeat(np.arange(self.num_row), counts)
        np.add.at(out, rows, prod)
        return out


@dataclass
class SolverOutcome:
    """What one solver run found. `values` is None unless a feasible solution exists."""

    status: SolveStatus
    objective: float | None
    best_bound: float | None
    gap: float | None
    values: np.ndarray | None
    seconds: float
    raw_status: str


@dataclass
class SolverOptions:
    time_limit: float | None = None  # seconds
    gap: float = 0.0  # relative MIP gap accepted; 0 = prove optimality
    threads: int | None = None  # None: the solver's choice (HiGHS: all cores)
    verbose: bool = False  # echo the solver log on the terminal
    # A re-solve started from a known good plan (explanations): HiGHS skips search restarts and
    # the RINS/RENS sub-MIP heuristics, which mostly look for a first good plan. Exactness is
    # unchanged; on leshan-base the 56 explanation re-solves take about a quarter less time.
    light: bool = False


# HiGHS keeps one thread scheduler per process, sized by the first run; a later run asking for
# another size must reset it first. The size in use, once known.
_HIGHS_SCHEDULER_THREADS: list[int] = []


def check_solver(name: str) -> str:
    """The solver's canonical name, or a `SolverError` naming the alternative."""
    n = name.lower()
    if n not in SOLVERS:
        raise SolverError(f"unknown solver {name!r}: use --solver highs or --solver cbc")
    if n == "cbc":
        _cbc_command()
    else:
        try:
            import highspy  # noqa: F401
        except ImportError as err:  # pragma: no cover - highspy is a dependency
            raise SolverError("HiGHS (highspy) is not installed; install highspy or use "
                              "--solver cbc") from err
    return n


def solver_version(name: str) -> str:
    """Version string of a solver, for the manifest."""
    if name == "highs":
        from importlib.metadata import version

        return f"HiGHS {version('highspy')} (highspy)"
    cmd = _cbc_command()
    return f"CBC ({'bundled with PuLP' if 'PULP' in type(cmd).__name__ else cmd.path})"


class SolverSession(Protocol):
    """What every solver session offers (HiGHS and CBC behind one interface, as linopy's
    solvers.py does): hold one matrix form, change bounds, rows and objective between solves,
    solve with options and an optional warm start, and give the log."""

    form: MatrixForm

    def set_col_bounds(self, cols: np.ndarray | list[int], lower: float, upper: float) -> None: ...

    def set_row_bounds(self, row: int, lower: float, upper: float) -> None: ...

    def set_objective(self, cost: np.ndarray, maximize: bool) -> None: ...

    def add_row(self, lower: float, upper: float, cols: np.ndarray, coefs: np.ndarray) -> int: ...

    def delete_last_row(self) -> None: ...

    def solve(self, options: SolverOptions, warm_start: np.ndarray | None = None,
              label: str = "") -> SolverOutcome: ...

    @property
    def log_text(self) -> str: ...


def open_session(form: MatrixForm, solver: str = "highs") -> SolverSession:
    """A solver session holding `form`; bounds can be changed between solves."""
    name = check_solver(solver)
    if name == "highs":
        return HighsSession(form)
    return CbcSession(form)


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


# -- CBC --------------------------------------------------------------------------------------
def _cbc_command():
    """PuLP's bundled CBC (PuLP 3.x), else a `cbc` on PATH; else a SolverError."""
    import pulp

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # PULP_CBC_CMD goes in PuLP 4
        for factory in ("COIN_CMD", "PULP_CBC_CMD"):
            with contextlib.suppress(Exception):
                cmd = getattr(pulp, factory)(msg=False)
                if cmd.available():
                    return cmd
    raise SolverError("CBC is not available in this installation (PuLP 4 no longer bundles it; "
                      "install it with `pip install 'pulp[cbc]'` or put `cbc` on PATH), "
                      "or use --solver highs")


class CbcSession:
    """CBC through PuLP: the same interface as `HighsSession`; each solve writes a fresh MPS file."""

    name = "cbc"

    def __init__(self, form: MatrixForm):
        self.form = form
        self.col_lower = np.array(form.col_lower, dtype=float)
        self.col_upper = np.array(form.col_upper, dtype=float)
        self.row_lower = np.array(form.row_lower, dtype=float)
        self.row_upper = np.array(form.row_upper, dtype=float)
        self.cost = np.array(form.cost, dtype=float)
        self.maximize = form.maximize
        self.extra: list[tuple[float, float, np.ndarray, np.ndarray]] = []
        self.log: list[str] = []

    def set_col_bounds(self, cols, lower: float, upper: float) -> None:
        idx = np.asarray(cols, dtype=int)
        self.col_lower[idx] = lower
        self.col_upper[idx] = upper

    def set_row_bounds(self, row: int, lower: float, upper: float) -> None:
        self.row_lower[row] = lower
        self.row_upper[row] = upper

    def set_objective(self, cost: np.ndarray, maximize: bool) -> None:
        self.cost = np.array(cost, dtype=float)
        self.maximize = maximize

    def add_row(self, lower: float, upper: float, cols: np.ndarray, coefs: np.ndarray) -> int:
        self.extra.append((lower, upper, np.asarray(cols), np.asarray(coefs, dtype=float)))
        return self.form.num_row + len(self.extra) - 1

    def delete_last_row(self) -> None:
        self.extra.pop()

    def _problem(self):
        import pulp

        f = self.form
        sense = pulp.LpMaximize if self.maximize else pulp.LpMinimize

        prob = pulp.LpProblem("facility_opt", sense)
        xs = []
        for j in range(f.num_col):
            lo = None if self.col_lower[j] == -INF else float(self.col_lower[j])
            hi = None if self.col_upper[j] == INF else float(self.col_upper[j])
            cat = pulp.LpInteger if f.integer[j] else pulp.LpContinuous
            xs.append(new_var(prob, f"c{j}", lo, hi, cat))
        nz = np.nonzero(self.cost)[0]
        prob.setObjective(pulp.LpAffineExpression([(xs[j], float(self.cost[j])) for j in nz]))
        rows = [(self.row_lower[i], self.row_upper[i], *f.row(i)) for i in range(f.num_row)]
        rows += self.extra
        for i, (lo, hi, cols, coefs) in enumerate(rows):
            if lo == -INF and hi == INF:
                continue
            expr = pulp.LpAffineExpression([(xs[int(j)], float(v)) for j, v in zip(cols, coefs, strict=True)])
            if lo == hi:
                prob.addConstraint(pulp.LpConstraint(expr, pulp.LpConstraintEQ, rhs=float(lo)),
                                   f"r{i}")
                continue
            if lo != -INF:
                prob.addConstraint(pulp.LpConstraint(expr, pulp.LpConstraintGE, rhs=float(lo)),
                                   f"r{i}_lo")
            if hi != INF:
                prob.addConstraint(pulp.LpConstraint(expr, pulp.LpConstraintLE, rhs=float(hi)),
                                   f"r{i}_hi")
        return prob, xs

    def solve(self, options: SolverOptions, warm_start: np.ndarray | None = None,
              label: str = "solve") -> SolverOutcome:
        import pulp

        cmd_type = type(_cbc_command())
        prob, xs = self._problem()
        if warm_start is not None:
            lo = np.where(np.isfinite(self.col_lower), self.col_lower, -1e30)
            hi = np.where(np.isfinite(self.col_upper), self.col_upper, 1e30)
            start = np.clip(np.asarray(warm_start, dtype=float), lo, hi)
            for x, v in zip(xs, start, strict=True):
                x.setInitialValue(float(round(v)) if x.cat == pulp.LpInteger else float(v))
        with tempfile.TemporaryDirectory() as tmp:
            log_path = Path(tmp) / "cbc.log"
            kwargs = dict(msg=False, gapRel=float(options.gap), logPath=str(log_path),
                          warmStart=warm_start is not None)
            if options.time_limit:
                kwargs["timeLimit"] = float(options.time_limit)
            if options.threads:
                kwargs["threads"] = int(options.threads)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                cmd = cmd_type(**kwargs)
            t0 = time.perf_counter()
            try:
                prob.solve(cmd)
            except pulp.PulpSolverError as err:
                raise SolverError(f"CBC failed on this model ({err}); try --solver highs") from err
            seconds = time.perf_counter() - t0
            text = log_path.read_text(errors="replace") if log_path.exists() else ""
        self.log.append(f"\n=== {label} ===\n{text}")
        if options.verbose:
            reporter().log(text)
        raw = pulp.LpStatus.get(prob.status, str(prob.status))
        if prob.status == pulp.LpStatusInfeasible:
            return SolverOutcome(SolveStatus.INFEASIBLE, None, None, None, None, seconds, raw)
        if prob.sol_status not in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible):
            if prob.status == pulp.LpStatusNotSolved or "Stopped" in text:
                return SolverOutcome(SolveStatus.NO_SOLUTION, None, None, None, None, seconds, raw)
            raise SolverError(f"CBC stopped with status '{raw}' (see solver.log); "
                              "try --solver highs")
        values = np.array([x.varValue if x.varValue is not None else 0.0 for x in xs])
        objective = float(np.dot(self.cost, values))
        proven = prob.sol_status == pulp.LpSolutionOptimal and "Stopped on" not in text
        bound = _cbc_bound(text)
        if proven:
            gap = _rel_gap(objective, bound) if (bound is not None and options.gap > 0) else 0.0
            status = SolveStatus.OPTIMAL if gap <= 1e-9 else SolveStatus.FEASIBLE
            if bound is None:
                bound = objective
        else:
            gap = _rel_gap(objective, bound) if bound is not None else None
            status = SolveStatus.FEASIBLE
        return SolverOutcome(status, objective, bound, gap, values, seconds,
                             "Stopped on time" if not proven else raw)

    @property
    def log_text(self) -> str:
        return "".join(self.log)


def _cbc_bound(log: str) -> float | None:
    """CBC's best possible objective ("Lower bound:" in its summary, sign as in the model)."""
    m = re.findall(r"Lower bound:\s*([-+0-9.eE]+)", log)
    if not m:
        return None
    try:
        return abs(float(m[-1])) * (1 if float(m[-1]) >= 0 else -1)
    except ValueError:
        return None


def _rel_gap(objective: float, bound: float) -> float:
    """|bound − objective| / max(|objective|, 1e-10), the way HiGHS reports mip_gap."""
    return abs(bound - objective) / max(abs(objective), 1e-10)


def new_var(prob: pulp.LpProblem, name: str, low: float | None, up: float | None,
            cat: str = "Continuous") -> pulp.LpVariable:
    """A variable owned by `prob` (PuLP ≥ 3.3 way; older PuLP: a plain LpVariable). `cat` is
    a PuLP category ("Continuous" = pulp.LpContinuous, "Binary", "Integer")."""
    import pulp

    if hasattr(prob, "add_variable"):
        return prob.add_variable(name, low, up, cat=cat)
    return pulp.LpVariable(name, low, up, cat)


# --------------------------------------------------------------------------------
