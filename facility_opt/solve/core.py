"""`facility-opt solve`: choose which projects to fund and when, exactly, and say why.

The Python API a planner calls from a notebook is the same one the command uses:

    >>> from facility_opt.scenario import load_scenario
    >>> from facility_opt.solve import solve
    >>> result = solve(load_scenario("leshan-base"))
    >>> result.status, result.objective, sorted(result.portfolio.starts)[:3]

`solve` builds the MILP (`facility_opt.solve.milp`), runs HiGHS or CBC (`facility_opt.solve.solvers`), breaks
ties deterministically and returns a `SolveResult`. `least_cost` (`solve/least_cost_search.py`)
prices the targets: the smallest budget, in the scenario's annual proportions, that meets every
rule and target. The files solve writes are `solve/outputs.py`. `explain`
re-solves to say what binds, what more money is worth and what each project costs or gives.
No plan → `InfeasibleError` (exit 3) with the reason in planner's terms (`facility_opt.solve.diagnose`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from facility_opt.errors import InfeasibleError, InputError
from facility_opt.lazy import lazy_getattr
from facility_opt.model.portfolio import Portfolio
from facility_opt.model.targets import CoverageVerdict, judge
from facility_opt.model.types import Scenario
from facility_opt.solve.deadline import Deadline
from facility_opt.solve.status import SolveStatus


@dataclass(frozen=True)
class PlacesRequirement:
    """At least `min_places` new day-care places within `daycare.reach_km` of a community,
    in service in `year` (completion year < year). Added by `plan` from simulation evidence."""

    community_id: str
    year: int
    min_places: int


@dataclass
class SolveResult:
    """The chosen portfolio and how sure we are of it. Money in the scenario's budget unit."""

    status: SolveStatus
    objective: float | None
    best_bound: float | None
    gap: float | None
    portfolio: Portfolio
    spend_by_year: dict[int, float]
    budget_by_year: dict[int, float]
    total_cost: float
    solver: str
    solver_version: str
    build_seconds: float
    solve_seconds: float
    objective_kind: str
    scenario_name: str = ""
    budget_unit: str = "万元"
    time_limit: float | None = None
    gap_limit: float = 0.0
    tie_break: bool = False  # True when the deterministic tie-break solve decided the portfolio
    spend_by_project: dict[str, dict[int, float]] = field(default_factory=dict)
    completion_year: dict[str, int] = field(default_factory=dict)
    force_in: tuple[str, ...] = ()
    force_out: tuple[str, ...] = ()
    requirements: tuple[PlacesRequirement, ...] = ()
    coverage: dict[int, CoverageVerdict] = field(default_factory=dict)  # the target's verdicts
    benefit: float | None = None  # kind coverage: the benefit that broke ties
    budget_override: dict[int, float] | None = None
    model_size: dict[str, int] = field(default_factory=dict)
    log: str = field(default="", repr=False)
    values: np.ndarray | None = field(default=None, repr=False)

    @property
    def selected_ids(self) -> list[str]:
        return list(self.portfolio.starts)

    def __repr__(self) -> str:
        obj = "—" if self.objective is None else f"{self.objective:,.4g}"
        gap = "—" if self.gap is None else f"{self.gap:.2%}"
        return (f"SolveResult(status={self.status.value}, objective={obj} ({self.objective_kind}),"
                f" gap={gap}, selected={len(self.portfolio)}, total_cost={self.total_cost:,.2f} "
                f"{self.budget_unit}, solver={self.solver})")


@dataclass
class LeastCostResult:
    """The smallest budget, `scale` × each year's budget, that meets every rule and target;
    `result` is the best plan at that budget (None when not asked for). When the search stopped
    at its time limit, `status` is feasible: a plan exists at `total`, and no plan exists below
    `lower_total` (`gap` relative)."""

    scale: float
    budget_by_year: dict[int, float]
    total: float
    result: SolveResult | None
    status: SolveStatus = SolveStatus.OPTIMAL
    base_total: float = 0.0
    gap: float = 0.0
    lower_total: float | None = None
    free_budget_by_year: dict[int, float] | None = None  # least total spend, any split
    free_total: float | None = None
    free_status: SolveStatus | None = None
    free_gap: float | None = None

    @property
    def extra(self) -> float:
        """Money needed beyond the scenario's budgets (0 when they already suffice)."""
        return max(0.0, self.total - self.base_total)

    def extra_by_year(self, scenario: Scenario) -> dict[int, float]:
        """This budget − the scenario's, per funding year (≥ 0): the money to request."""
        return {y: max(0.0, float(self.budget_by_year.get(y, 0.0))
                       - float(scenario.budget.annual.get(y, 0.0))) for y in scenario.years}

    def as_dict(self) -> dict[str, Any]:
        res = self.result
        return {"scale": self.scale, "budget_by_year": {str(y): v for y, v in
                                                       sorted(self.budget_by_year.items())},
                "total": self.total, "base_total": self.base_total, "extra": self.extra,
                "status": self.status.value, "gap": self.gap, "lower_total": self.lower_total,
                "free_budget_by_year": None if self.free_budget_by_year is None else
                {str(y): v for y, v in sorted(self.free_budget_by_year.items())},
                "free_total": self.free_total,
                "free_status": self.free_status.value if self.free_status else None,
                "free_gap": self.free_gap,
                "objective": res.objective if res else None,
                "selected_count": len(res.portfolio) if res else None,
                "selected": res.selected_ids if res else None}




# -- solving ----------------------------------------------------------------------------------
def solve(scenario: Scenario, *, solver: str = "highs", time_limit: float | None = None,
          gap: float = 0.0, verbose: bool = False, force_in: Sequence[str] = (),
          force_out: Sequence[str] = (), requirements: Sequence[PlacesRequirement] = (),
          budget_by_year: dict[int, float] | None = None, log_path: Path | None = None,
          tie_break: bool | None = None, extra_constraints=None,
          price_infeasible: bool = True, start: dict[str, int] | None = None,
          coverage_target: bool = True, deadline: Deadline | None = None) -> SolveResult:
    """The best portfolio under the scenario's budgets, rules and targets.

    `gap` 0 (default) proves optimality; `time_limit` (seconds) returns the best plan found as
    `feasible` with its gap. `budget_by_year` replaces the scenario's budgets. Raises
    `InfeasibleError` (with the reason in planner's terms) when no plan exists or none was found
    within the time limit, `SolverError` when the solver fails. With `price_infeasible` the
    infeasibility message says how much money would make a plan possible (a least-cost solve).
    `start` (project id → start year) is a plan known to be feasible, given to the solver as
    its first incumbent. `coverage_target` False leaves `targets.daycare_coverage` out of the
    hard constraints (the verdict is still reported in `coverage`). `deadline`
    (`facility_opt.solve.deadline`) is the command's clock: the main solve, the benefit step and
    the tie-break share it (and `time_limit`, if also given, caps each solve).
    """
    from facility_opt.solve import diagnose, milp
    from facility_opt.solve.deadline import MIN_SOLVE_SECONDS
    from facility_opt.solve.solvers import INF, SolverOptions, check_solver, open_session, solver_version

    solver = check_solver(solver)
    check_limits(time_limit, gap)
    force_in, force_out = tuple(force_in), tuple(force_out)
    requirements = tuple(requirements)
    budgets = _budgets(scenario, budget_by_year)
    clock = deadline if deadline is not None else Deadline.after(time_limit)
    cap = time_limit if deadline is not None else None  # per-solve cap under a shared clock
    shown_limit = time_limit if time_limit is not None else clock.limit
    t0 = time.perf_counter()
    model = milp.build_model(scenario, force_in=force_in, force_out=force_out,
                             requirements=requirements, budget_by_year=budgets,
                             extra_constraints=extra_constraints,
                             coverage_target=coverage_target)

    def price() -> LeastCostResult:  # what the missing money is, asked only when money could help
        from facility_opt.solve import least_cost  # the public path: see solve/least_cost_search.py

        # the same work limit as --least-cost (LEAST_COST_NODES) unless the command has a
        # clock: the missing money this message states is the figure --least-cost gives
        return least_cost(scenario, solver=solver, requirements=requirements, force_in=force_in,
                          force_out=force_out, with_plan=False,
                          coverage_target=coverage_target,
                          deadline=clock if clock.bounded else None)

    pricer = price if price_infeasible else None
    reasons = diagnose.cheap_reasons(model)
    if reasons:
        raise diagnose.infeasible_error(scenario, reasons, [], pricer=pricer,
                                        budget_by_year=budget_by_year)
    form = milp.to_matrix(model)
    session = open_session(form, solver)
    build_seconds = time.perf_counter() - t0
    options = SolverOptions(time_limit=clock.solve_limit(cap, floor=MIN_SOLVE_SECONDS), gap=gap,
                            verbose=verbose)
    warm = start_values(model, form, start) if start else None
    out = session.solve(options, warm_start=warm, label="main objective")
    solve_seconds = out.seconds
    if out.status == SolveStatus.INFEASIBLE:
        conflict = diagnose.conflict_groups(model, session)
        raise diagnose.infeasible_error(scenario, [], conflict, pricer=pricer,
                                        budget_by_year=budget_by_year)
    if out.status == SolveStatus.NO_SOLUTION:
        raise InfeasibleError([f"no plan was found within the time limit of {shown_limit:g} s; "
                               "allow more time (--time-limit) or a larger gap (--gap)"],
                              status=SolveStatus.NO_SOLUTION)
    values = out.values
    chosen = milp.chosen_options(model, values)
    objective = milp.evaluate(model, chosen)
    held, held_cost, held_of = objective, form.cost, milp.evaluate
    if model.benefit_expr is not None and out.status == SolveStatus.OPTIMAL and not clock.expired():
        # objective.kind = "coverage": the coverage found is held, benefit decides between the
        # plans that reach it (lexicographic), then the usual tie-break below
        _expr, const = model.coverage.objective()
        tol = 1e-9 * max(1.0, abs(objective))
        nz = np.nonzero(form.cost)[0]
        session.add_row(objective - const - tol, INF, nz, form.cost[nz])
        held_cost = milp.cost_vector(form, model.benefit_expr)
        session.set_objective(held_cost, maximize=True)
        outb = session.solve(SolverOptions(time_limit=clock.solve_limit(cap), gap=gap,
                                           verbose=verbose, light=True), warm_start=values,
                             label="benefit (coverage held)")
        solve_seconds += outb.seconds
        if outb.values is not None and outb.status == SolveStatus.OPTIMAL:
            chosen_b = milp.chosen_options(model, outb.values)
            if milp.evaluate(model, chosen_b) >= objective - 10 * tol:
                chosen, values = chosen_b, outb.values
        else:
            out = outb  # the benefit step stopped at its limit: report that status
        held_of = milp.evaluate_benefit
        held = held_of(model, chosen)
    use_tie = scenario.objective.tie_break if tie_break is None else tie_break
    tied = False
    if use_tie and out.status == SolveStatus.OPTIMAL and chosen and not clock.expired():
        tol = 1e-9 * max(1.0, abs(held))
        nz = np.nonzero(held_cost)[0]
        session.set_objective(milp.tie_break_cost(model), maximize=False)
        session.add_row(held - tol, INF, nz, held_cost[nz])
        # what is left of the clock; without one, a few times the main solve (the tie-break is
        # a refinement: a plan of the same main objective, never worth more time than that)
        left = clock.solve_limit(cap) if clock.bounded else (cap or max(10.0, 4 * solve_seconds))
        out2 = session.solve(SolverOptions(time_limit=left, gap=0.0, verbose=verbose,
                                           light=True),  # warm-started: no restarts, no RINS
                             warm_start=values, label="tie-break (main objective held)")
        session.delete_last_row()
        session.set_objective(form.cost, form.maximize)
        solve_seconds += out2.seconds
        if out2.values is not None:
            chosen2 = milp.chosen_options(model, out2.values)
            if held_of(model, chosen2) >= held - 10 * tol and \
                    milp.evaluate(model, chosen2) >= objective - 1e-8 * max(1.0, abs(objective)):
                chosen, values, tied = chosen2, out2.values, True
                objective = milp.evaluate(model, chosen)
    status = SolveStatus(out.status)
    bound = out.best_bound
    if bound is not None and model.objective_kind == "coverage":
        bound += model.coverage.objective()[1]  # communities covered outright are a constant
    if status == SolveStatus.OPTIMAL:
        bound = objective if bound is None else bound
    spend = milp.spend_by_year(model, chosen)
    cands = scenario.candidates
    result = SolveResult(
        status=status, objective=objective, best_bound=bound,
        gap=0.0 if status == SolveStatus.OPTIMAL else out.gap,
        portfolio=milp.portfolio_of(model, chosen), spend_by_year=spend,
        budget_by_year={y: float(budgets[y]) for y in scenario.years},
        total_cost=float(sum(o.total for o in chosen.values())),
        solver=solver, solver_version=solver_version(solver), build_seconds=build_seconds,
        solve_seconds=solve_seconds, objective_kind=model.objective_kind,
        scenario_name=scenario.name, budget_unit=scenario.budget.unit, time_limit=shown_limit,
        gap_limit=gap, tie_break=tied,
        spend_by_project={cands[i].id: dict(o.spend) for i, o in chosen.items()},
        completion_year={cands[i].id: o.completion for i, o in chosen.items()},
        force_in=force_in, force_out=force_out, requirements=requirements,
        budget_override=dict(budget_by_year) if budget_by_year is not None else None,
        model_size=model.stats(), log=session.log_text, values=values)
    if scenario.communities:
        from facility_opt.solve.coverage import effective_ids

        eff = effective_ids(model, chosen)
        result.coverage = judge(scenario, result.portfolio, effective_ids=eff)
    if model.benefit_expr is not None:
        result.benefit = milp.evaluate_benefit(model, chosen)
    if log_path is not None:
        Path(log_path).write_text(result.log, encoding="utf-8")
    return result


def _budgets(scenario: Scenario, budget_by_year: dict[int, float] | None) -> dict[int, float]:
    budgets = dict(scenario.budget.annual)
    if budget_by_year is not None:
        for y, v in budget_by_year.items():
            if int(y) not in scenario.years:
                raise InputError.one("budget_by_year", f"year {y}", v,
                                     "years among the funding years "
                                     + ", ".join(map(str, scenario.years)))
            if not (isinstance(v, (int, float)) and math.isfinite(v) and v >= 0):
                raise InputError.one("budget_by_year", f"year {y}", v,
                                     "a finite amount ≥ 0")
            budgets[int(y)] = float(v)
    return {y: float(budgets.get(y, 0.0)) for y in scenario.years}


def check_limits(time_limit: float | None, gap: float) -> None:
    if time_limit is not None and not (math.isfinite(time_limit) and time_limit > 0):
        raise InputError.one("command line", "--time-limit", time_limit, "seconds > 0")
    if not (math.isfinite(gap) and 0 <= gap < 1):
        raise InputError.one("command line", "--gap", gap, "a relative gap in [0, 1)")



def start_values(model, form, start: dict[str, int]) -> np.ndarray:
    """Solver values of a plan (project id → start year): its start columns at 1, and every
    helper column (benefit shares, coverage) as large as its rows allow, so the objective of the
    start is the plan's true benefit."""
    ids = {c.id: i for i, c in enumerate(model.candidates)}
    col = {name: j for j, name in enumerate(form.col_names)}
    values = np.zeros(form.num_col)
    for cid, year in start.items():
        var = model.x.get((ids.get(cid, -1), int(year)))
        if var is not None:
            values[col[var.name]] = 1.0
    n_x = len(model.x)
    helper = np.zeros(form.num_col, dtype=bool)
    helper[n_x:] = True
    values[n_x:] = np.where(np.isfinite(form.col_upper[n_x:]), form.col_upper[n_x:], 0.0)
    for r in range(form.num_row):
        cols, coefs = form.row(r)
        if not np.isfinite(form.row_upper[r]):
            continue
        for j, a in zip(cols, coefs, strict=True):
            if helper[j] and a > 0:
                rest = sum(c * values[k] for k, c in zip(cols, coefs, strict=True) if k != j)
                values[j] = min(values[j], (form.row_upper[r] - rest) / a)
    values[n_x:] = np.maximum(values[n_x:], form.col_lower[n_x:])
    whole = form.integer.copy()
    whole[:n_x] = False  # binary helpers (effective coverage) take the largest whole value
    values[whole] = np.floor(values[whole] + 1e-9)
    return values



def explain(scenario: Scenario, result: SolveResult, *, solver: str = "highs", **kwargs):
    """Why this portfolio: binding rules, worth of more budget per year, the cost of forcing
    each project in or out (see `facility_opt.solve.explain`)."""
    from facility_opt.solve.explain import explain_result

    return explain_result(scenario, result, solver=solver, **kwargs)



# names that moved to their own modules, still importable from here (`from facility_opt.solve.core
# import least_cost`): loaded on first use, so this module imports neither at load time
_MOVED = {name: "facility_opt.solve.least_cost_search" for name in
          ("LEAST_COST_SECONDS", "least_cost", "free_least_cost", "required_scale")}
_MOVED.update({name: "facility_opt.solve.outputs" for name in
               ("selection_rows", "project_benefits", "summary_record", "spend_rows",
                "write_solve_outputs")})
__getattr__ = lazy_getattr("facility_opt.solve.core", _MOVED)
