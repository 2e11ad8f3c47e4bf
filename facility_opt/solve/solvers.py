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

The pieces: `solver_types` (MatrixForm, SolverOptions, SolverOutcome, the SolverSession
Protocol, new_var), `highs_session` (HighsSession), `cbc_session` (CbcSession); this module
picks one (`check_solver`, `open_session`) and re-exports them all.
"""

from __future__ import annotations

from facility_opt.errors import SolverError
from facility_opt.solve.cbc_session import CbcSession, _cbc_command
from facility_opt.solve.highs_session import HighsSession, captured_stdout_fd
from facility_opt.solve.solver_types import (
    INF,
    SOLVERS,
    MatrixForm,
    SolverOptions,
    SolverOutcome,
    SolverSession,
    new_var,
)

__all__ = ["INF", "SOLVERS", "CbcSession", "HighsSession", "MatrixForm", "SolverOptions",
           "SolverOutcome", "SolverSession", "captured_stdout_fd", "check_solver", "new_var",
           "open_session", "solver_version"]


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


def open_session(form: MatrixForm, solver: str = "highs") -> SolverSession:
    """A solver session holding `form`; bounds can be changed between solves."""
    name = check_solver(solver)
    if name == "highs":
        return HighsSession(form)
    return CbcSession(form)

