"""The price of the targets: the smallest budget, in the scenario's annual proportions, that meets
every rule and target (`least_cost`), and the least total with any split across the years.

`least_cost` plans at the budget it finds with `solve`; `solve` in turn prices an infeasible
plan with `least_cost` (with_plan=False, so the recursion stops there). Both directions are
calls at run time, not imports at load time: `solve` reaches this module through the package's
public path (`from facility_opt.solve import least_cost`; the module is not named
least_cost.py because importing it would bind the package attribute `least_cost` to the module)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from facility_opt.errors import InfeasibleError
from facility_opt.model.types import Scenario
from facility_opt.solve.core import LeastCostResult, PlacesRequirement, check_limits, solve
from facility_opt.solve.deadline import Deadline
from facility_opt.solve.status import SolveStatus

LEAST_COST_SECONDS = 30.0  # default time limit of the least-cost search (a min-max schedule)
# default work limit of the search and of the free split (branch-and-bound nodes): without a
# --time-limit the money figures stop at the same point on any machine, so the same inputs give
# the same "needs X more" in every command; the clock above stays as a safety net
LEAST_COST_NODES = 5_000


def least_cost(scenario: Scenario, *, solver: str = "highs",
               requirements: Sequence[PlacesRequirement] = (), time_limit: float | None = None,
               gap: float = 0.0, force_in: Sequence[str] = (),
               force_out: Sequence[str] = (), with_plan: bool = True,
               coverage_target: bool = True, extra_constraints=None,
               deadline: Deadline | None = None) -> LeastCostResult:
    """The smallest budget, in the scenario's annual proportions, that meets every rule and
    target (must_fund, min_count, requirements, …): one exact MILP minimising the scale s of
    `s × budget_y`. The budgets are rounded up to the candidates' cost resolution, then the
    best plan at that budget is solved (unless `with_plan` is False). Proving the minimum of
    this min–max schedule can take long, so without `time_limit` the search, and then the plan
    at that budget (started from the search's plan), each stop after `LEAST_COST_SECONDS` and
    report their gaps; the search and the free split also stop after `LEAST_COST_NODES`
    branch-and-bound nodes, a limit of work that makes their figures the same on any machine.
    With `deadline` (the command's clock) or `time_limit` only the clock applies.
    Raises `InfeasibleError` when no amount of money helps.
    """
    from facility_opt.solve import diagnose, milp
    from facility_opt.solve.deadline import MIN_SOLVE_SECONDS
    from facility_opt.solve.solvers import SolverOptions, check_solver, open_session

    solver = check_solver(solver)
    check_limits(time_limit, gap)
    model = milp.build_model(scenario, force_in=force_in, force_out=force_out,
                             requirements=requirements, least_cost=True,
                             coverage_target=coverage_target,
                             extra_constraints=extra_constraints)
    reasons = diagnose.cheap_reasons(model, include_money=False)
    if reasons:
        raise InfeasibleError(reasons + ["more money cannot fix this"])
    form = milp.to_matrix(model)
    session = open_session(form, solver)
    clock = deadline if deadline is not None else Deadline.after(time_limit)
    cap = LEAST_COST_SECONDS if time_limit is None else time_limit
    nodes = LEAST_COST_NODES if time_limit is None and not clock.bounded else None
    limit = clock.solve_limit(cap, floor=MIN_SOLVE_SECONDS)
    out = session.solve(SolverOptions(time_limit=limit, gap=gap, max_nodes=nodes),
                        label="least cost")
    if out.status == SolveStatus.INFEASIBLE:
        groups, singles = diagnose.conflict_groups(model, session, keep=("budget",))
        reasons = ["no plan meets the rules and targets at any budget"]
        if singles:
            reasons.append("relaxing any one of " + ", ".join(singles)
                           + " alone makes a plan possible")
        raise InfeasibleError(reasons, groups)
    if out.status == SolveStatus.NO_SOLUTION:
        raise InfeasibleError([f"no plan was found within the time limit of {limit:g} s"],
                              status=SolveStatus.NO_SOLUTION)
    chosen = milp.chosen_options(model, out.values)
    scale = required_scale(scenario, milp.spend_by_year(model, chosen))
    found = {scenario.candidates[i].id: o.start for i, o in chosen.items()}
    q = milp.cost_resolution(scenario)
    budgets = {y: _ceil_to(scale * scenario.budget.annual.get(y, 0.0), q) for y in scenario.years}
    result = None
    if with_plan:
        # at the least-cost budget nearly every project may be required and the money fits
        # only just: scheduling the starts can take minutes to prove, so without --time-limit
        # the plan also stops after LEAST_COST_SECONDS (status feasible, with its gap)
        result = solve(scenario, solver=solver, requirements=requirements,
                       time_limit=cap, gap=gap, force_in=force_in, force_out=force_out,
                       budget_by_year=budgets, price_infeasible=False, start=found,
                       coverage_target=coverage_target, extra_constraints=extra_constraints,
                       deadline=clock if clock.bounded else None)
    free = free_least_cost(model, session, clock.solve_limit(cap, floor=MIN_SOLVE_SECONDS), gap,
                           max_nodes=nodes)
    status = SolveStatus(out.status)
    lower = None
    if out.best_bound is not None:
        lower = round(max(0.0, min(out.best_bound, scale)) * scenario.budget.total, 6)
    return LeastCostResult(scale=scale, budget_by_year=budgets, total=float(sum(budgets.values())),
                           result=result, status=status,
                           base_total=float(scenario.budget.total),
                           gap=0.0 if status == SolveStatus.OPTIMAL else float(out.gap or 0.0),
                           lower_total=lower, **free)


def free_least_cost(model, session, limit: float, gap: float,
                    max_nodes: int | None = None) -> dict[str, Any]:
    """The least total spend meeting every rule and target with any split across the years
    (the annual profile to request): the least-cost model with its budget rows lifted and the
    total cost minimised. Reuses the open solver session; returns LeastCostResult fields."""
    from facility_opt.solve import milp
    from facility_opt.solve.solvers import INF, SolverOptions

    form = milp.to_matrix(model)
    names = {n: r for r, n in enumerate(form.row_names)}
    for name in model.budget_rows.values():
        session.set_row_bounds(names[name], -INF, INF)
    cost = np.zeros(form.num_col)
    col = {n: j for j, n in enumerate(form.col_names)}
    for (i, s), v in model.x.items():
        cost[col[v.name]] = next(o.total for o in model.options[i] if o.start == s)
    session.set_objective(cost, maximize=False)
    out = session.solve(SolverOptions(time_limit=limit, gap=gap, max_nodes=max_nodes),
                        label="least total, any split")
    if out.values is None:
        return {}
    chosen = milp.chosen_options(model, out.values)
    by_year = {y: round(v, 6) for y, v in milp.spend_by_year(model, chosen).items()}
    status = SolveStatus(out.status)
    return {"free_budget_by_year": by_year, "free_total": round(sum(by_year.values()), 6),
            "free_status": status,
            "free_gap": 0.0 if status == SolveStatus.OPTIMAL else float(out.gap or 0.0)}



def required_scale(scenario: Scenario, spend: dict[int, float]) -> float:
    """The smallest s with spend ≤ s × budget in every year (cumulatively with carry-over)."""
    scale = 0.0
    cum_s = cum_b = 0.0
    for y in scenario.years:
        b = scenario.budget.annual.get(y, 0.0)
        s = spend.get(y, 0.0)
        if scenario.budget.carry_over:
            cum_s += s
            cum_b += b
            s, b = cum_s, cum_b
        if s > 1e-9:
            scale = max(scale, s / b if b > 0 else math.inf)
    return scale


def _ceil_to(value: float, q: float) -> float:
    steps = math.ceil(value / q - 1e-9)
    return round(steps * q, 6)
