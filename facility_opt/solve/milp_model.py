"""The built MILP as an object: the PuLP problem, its decision variables and, for every row, the
planner's name of the rule it belongs to (so explanations and diagnoses can speak of rules, not
row names), plus the start options each candidate may be scheduled by."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pulp

from facility_opt.model.portfolio import Portfolio
from facility_opt.model.types import Candidate, Scenario
from facility_opt.solve.coverage import CoverageTerms

# Constraint groups a diagnosis may relax, in the order a planner would give them up.
STRUCTURAL = ""  # rows that define the model (one start per project, benefit links): never relaxed


@dataclass(frozen=True)
class StartOption:
    """One way to schedule a candidate: start year, completion year and spend per funding year."""

    start: int
    completion: int  # last construction year; in service from completion + 1
    spend: dict[int, float]

    @property
    def total(self) -> float:
        return float(sum(self.spend.values()))


@dataclass
class MilpModel:
    """A built model. Inspect `problem` (PuLP), `x`, `row_group`; add rules with
    `add_constraint`."""

    scenario: Scenario
    problem: pulp.LpProblem
    options: list[list[StartOption]]  # per candidate (scenario order)
    x: dict[tuple[int, int], pulp.LpVariable]  # (candidate index, start year) → binary
    columns: list[pulp.LpVariable]  # solver column order: x first, then helper variables
    row_group: dict[str, str]  # constraint name → group a planner recognises ("" = structural)
    row_label: dict[str, str]  # constraint name → one-line description
    objective_kind: str  # score, benefit or least_cost
    budget_by_year: dict[int, float]
    benefit_years: tuple[int, ...] = ()
    one_start_row: dict[int, str] = field(default_factory=dict)  # candidate index → row name
    budget_rows: dict[int, str] = field(default_factory=dict)  # year → row name
    scale_var: pulp.LpVariable | None = None  # least-cost mode: budget scale
    reach: dict[int, list[int]] | None = None  # candidate → communities within day-care reach
    precovered: list[set[int]] | None = None  # community → years an existing centre reaches it
    coverage: CoverageTerms | None = None  # covered indicators per target year (solve/coverage.py)
    benefit_expr: pulp.LpAffineExpression | None = None  # kind coverage: the tie-break objective

    # -- conveniences -------------------------------------------------------------------------
    @property
    def candidates(self) -> tuple[Candidate, ...]:
        return self.scenario.candidates

    def add_constraint(self, constraint: pulp.LpConstraint, name: str, group: str = "extra",
                       label: str = "") -> None:
        """Add a rule; `group` names it in explanations and infeasibility messages."""
        self.problem.addConstraint(constraint, name)
        self.row_group[name] = group
        self.row_label[name] = label or name

    def add_row(self, name: str, pairs, sense: int, rhs: float, group: str, label: str) -> None:
        """Add `Σ coefficient × variable (sense) rhs` from (variable, coefficient) pairs; repeated
        variables are summed (`summed`)."""
        expr = pulp.LpAffineExpression(summed(pairs))
        self.add_constraint(pulp.LpConstraint(expr, sense, rhs=rhs), name, group, label)


    @property
    def groups(self) -> list[str]:
        """Relaxable constraint groups, in first-appearance order."""
        seen: dict[str, None] = {}
        for g in self.row_group.values():
            if g:
                seen.setdefault(g, None)
        return list(seen)

    def stats(self) -> dict[str, int]:
        return {"variables": len(self.columns), "binaries": len(self.x),
                "constraints": len(self.problem.constraints())}


# -- scheduling -------------------------------------------------------------------------------
def start_options(c: Candidate, years: Sequence[int]) -> list[StartOption]:
    """Every feasible (start year, spend) of a candidate inside the funding years.

    Fixed timing (`cost_<year>` columns): one option. Otherwise one option per start year in
    `earliest_start..latest_start` (defaults: first funding year .. last start that finishes
    inside the horizon) whose build years are all funding years; cost spreads evenly over them.
    """
    yearset = set(years)
    if c.cost_by_year is not None:
        spend = {y: float(v) for y, v in sorted(c.cost_by_year.items()) if v}
        start = min(spend) if spend else years[0]
        return [StartOption(start, Portfolio.completion_year(c, start), spend)]
    b = max(1, int(c.build_years))
    earliest = c.earliest_start if c.earliest_start is not None else years[0]
    latest = c.latest_start if c.latest_start is not None else years[-1] - b + 1
    out = []
    for s in years:
        if earliest <= s <= latest and all(s + k in yearset for k in range(b)):
            out.append(StartOption(s, s + b - 1, {s + k: float(c.cost) / b for k in range(b)}))
    return out



def summed(pairs) -> list[tuple[pulp.LpVariable, float]]:
    """(variable, coefficient) pairs with repeated variables added up (PuLP would keep only the
    last one: a project spending in two years appears twice in a cumulative budget)."""
    acc: dict[str, list] = {}
    for v, a in pairs:
        if v.name in acc:
            acc[v.name][1] += a
        else:
            acc[v.name] = [v, a]
    return [(v, a) for v, a in acc.values()]

