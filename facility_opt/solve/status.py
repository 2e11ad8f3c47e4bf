"""How far a solve got, one vocabulary for every solver and every output file."""

from __future__ import annotations

from enum import StrEnum


class SolveStatus(StrEnum):
    """How far the solver got. `optimal` only when proven; `feasible` carries its gap."""

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    NO_SOLUTION = "no_solution"

    @property
    def has_plan(self) -> bool:
        """A plan exists to read (proven optimal, or feasible within a limit)."""
        return self in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE)
