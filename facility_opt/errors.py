"""Domain exceptions. The CLI turns each into one line on stderr and an exit code.

Exit codes follow the public contract: 2 bad input, 3 infeasible / no plan found, 1 anything else.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class FacilityOptError(Exception):
    """Base of every error the tool reports to a planner (never a traceback)."""

    exit_code: int = 1


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where it is, what was found and what is expected."""

    file: str
    where: str  # "row 12, column cost" or "key budget.annual" or "" when the file itself is wrong
    found: str
    expected: str

    def __str__(self) -> str:
        place = f"{self.file}: {self.where}" if self.where else self.file
        found = f" = {self.found}" if self.found != "" else ""
        return f"{place}{found}: expected {self.expected}"


class InputError(FacilityOptError):
    """Bad scenario, data or usage (exit 2). Carries every problem found, not just the first."""

    exit_code = 2

    def __init__(self, problems: list[Problem] | Problem | str):
        if isinstance(problems, Problem):
            problems = [problems]
        if isinstance(problems, str):
            self.problems: list[Problem] = []
            message = problems
        else:
            self.problems = list(problems)
            message = "\n".join(str(p) for p in self.problems)
        super().__init__(message)

    @classmethod
    def one(cls, file: str, where: str, found: object, expected: str) -> InputError:
        return cls(Problem(str(file), where, _show(found), expected))


def _show(value: object) -> str:
    if isinstance(value, str):
        return repr(value)
    return str(value)


@dataclass
class InfeasibleError(FacilityOptError):
    """No plan meets the hard constraints, or none was found within the limits (exit 3).

    `reasons` are planner-readable sentences; `conflict` names the constraint groups whose
    relaxation restores feasibility, when the solver was asked to find them.
    """

    reasons: list[str]
    conflict: list[str] = field(default_factory=list)
    status: str = "infeasible"
    exit_code: int = 3

    def __post_init__(self) -> None:
        super().__init__(self.message)

    @property
    def message(self) -> str:
        text = "; ".join(self.reasons) if self.reasons else "no plan meets the hard constraints"
        if self.conflict:
            text += " (constraints in conflict: " + ", ".join(self.conflict) + ")"
        return text

    def __str__(self) -> str:
        return self.message


class SolverError(FacilityOptError):
    """The solver is missing or failed; the message names the alternative (exit 1)."""

    exit_code = 1


class Interrupted(FacilityOptError):
    """Ctrl-C: the run stopped cleanly, previous results untouched (exit 130)."""

    exit_code = 130
