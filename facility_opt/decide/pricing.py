"""The least total money with a free split across years: the annual profile to request.

`solve.least_cost` scales the scenario's budgets in their own proportions. A bureau may also ask
for any profile; the least total is then the cheapest plan meeting every rule and target, with
each year's budget equal to that plan's spend. Found exactly as a MILP: the score objective with
every candidate scored −cost (maximising it minimises the total cost) and budgets that cannot
bind (every year may spend the cost of every candidate).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from facility_opt.model.types import Scenario


@dataclass(frozen=True)
class FreeSplit:
    total: float  # least total spend meeting every rule and target, budget unit
    budget_by_year: dict[int, float]  # that plan's spend per year: the profile to request
    status: str  # optimal, or feasible with `gap`
    gap: float | None
    selected: tuple[str, ...]


def free_split(scenario: Scenario, *, solver: str = "highs", extra_constraints=None,
               requirements: Sequence = (), time_limit: float | None = 60.0) -> FreeSplit:
    """The least total money meeting every rule and target (and `extra_constraints`), any split
    across years. Raises InfeasibleError when no amount of money helps."""
    from facility_opt.solve.core import solve

    cands = tuple(replace(c, score=-float(c.cost)) for c in scenario.candidates)
    sc = replace(scenario, candidates=cands, objective=replace(scenario.objective, kind="score"))
    ample = float(sum(c.cost for c in cands)) + 1.0
    res = solve(sc, solver=solver, budget_by_year={y: ample for y in sc.years},
                price_infeasible=False, extra_constraints=extra_constraints,
                requirements=requirements, time_limit=time_limit)
    return FreeSplit(round(float(res.total_cost), 6),
                     {y: round(float(v), 6) for y, v in sorted(res.spend_by_year.items())},
                     str(res.status), res.gap, tuple(res.portfolio.starts))


def free_fields(lc: Any, scenario: Scenario, *, solver: str = "highs", extra_constraints=None,
                requirements: Sequence = ()) -> tuple[float | None, dict[int, float] | None]:
    """`free_total`, `free_budget_by_year` of a least-cost result, computed here when the
    least-cost result does not carry them."""
    total = getattr(lc, "free_total", None)
    if total is not None:
        return float(total), dict(getattr(lc, "free_budget_by_year", {}) or {})
    from facility_opt.errors import InfeasibleError

    try:
        f = free_split(scenario, solver=solver, extra_constraints=extra_constraints,
                       requirements=requirements)
    except InfeasibleError:
        return None, None
    return f.total, f.budget_by_year
