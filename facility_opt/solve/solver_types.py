"""What a solver session is and what it exchanges: the model as arrays (`MatrixForm`), the options
of one solve, its outcome, and the `SolverSession` Protocol HiGHS and CBC both implement (as
linopy's solvers.py does). Also `new_var`, the one way the model makes a PuLP variable."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

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
    # branch-and-bound nodes allowed (None: no limit). A work limit, unlike the clock, ends a
    # search at the same point on any machine and load, so its answer is reproducible
    max_nodes: int | None = None



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


def new_var(prob: pulp.LpProblem, name: str, low: float | None, up: float | None,
            cat: str = "Continuous") -> pulp.LpVariable:
    """A variable owned by `prob` (PuLP ≥ 3.3 way; older PuLP: a plain LpVariable). `cat` is
    a PuLP category ("Continuous" = pulp.LpContinuous, "Binary", "Integer")."""
    import pulp

    if hasattr(prob, "add_variable"):
        return prob.add_variable(name, low, up, cat=cat)
    return pulp.LpVariable(name, low, up, cat)

