"""The CBC session, through PuLP's command-line interface: the same interface as `HighsSession`;
each solve writes a fresh MPS file. PuLP 3.x bundles a CBC binary; PuLP 4 does not, so CBC may be
missing: that is a `SolverError` naming `--solver highs`."""

from __future__ import annotations

import contextlib
import re
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

from facility_opt.errors import SolverError
from facility_opt.progress import reporter
from facility_opt.solve.solver_types import INF, MatrixForm, SolverOptions, SolverOutcome, new_var
from facility_opt.solve.status import SolveStatus


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
            if options.max_nodes:
                kwargs["maxNodes"] = int(options.max_nodes)
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
                             raw if proven else "Stopped on node limit"
                             if "Stopped on node limit" in text else "Stopped on time")

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

