"""`facility-opt solve`: choose which projects to fund and when, exactly, and say why.

The Python API a planner calls from a notebook is the same one the command uses:

    >>> from facility_opt.scenario import load_scenario
    >>> from facility_opt.solve import solve
    >>> result = solve(load_scenario("leshan-base"))
    >>> result.status, result.objective, sorted(result.portfolio.starts)[:3]

`solve` builds the MILP (`facility_opt.solve.milp`), runs HiGHS or CBC (`facility_opt.solve.solvers`), breaks
ties deterministically and returns a `SolveResult`. `least_cost` prices the targets: the smallest
budget, in the scenario's annual proportions, that meets every rule and target. `explain`
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
from facility_opt.model.portfolio import Portfolio
from facility_opt.model.types import Scenario
from facility_opt.results.folder import ResultsFolder
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

    @property
    def extra(self) -> float:
        """Money needed beyond the scenario's budgets (0 when they already suffice)."""
        return max(0.0, self.total - self.base_total)

    def as_dict(self) -> dict[str, Any]:
        res = self.result
        return {"scale": self.scale, "budget_by_year": {str(y): v for y, v in
                                                       sorted(self.budget_by_year.items())},
                "total": self.total, "base_total": self.base_total, "extra": self.extra,
                "status": self.status.value, "gap": self.gap, "lower_total": self.lower_total,
                "objective": res.objective if res else None,
                "selected_count": len(res.portfolio) if res else None,
                "selected": res.selected_ids if res else None}


LEAST_COST_SECONDS = 30.0  # default time limit of the least-cost search (a min-max schedule)


# -- solving ----------------------------------------------------------------------------------
def solve(scenario: Scenario, *, solver: str = "highs", time_limit: float | None = None,
          gap: float = 0.0, verbose: bool = False, force_in: Sequence[str] = (),
          force_out: Sequence[str] = (), requirements: Sequence[PlacesRequirement] = (),
          budget_by_year: dict[int, float] | None = None, log_path: Path | None = None,
          tie_break: bool | None = None, extra_constraints=None,
          price_infeasible: bool = True, start: dict[str, int] | None = None) -> SolveResult:
    """The best portfolio under the scenario's budgets, rules and targets.

    `gap` 0 (default) proves optimality; `time_limit` (seconds) returns the best plan found as
    `feasible` with its gap. `budget_by_year` replaces the scenario's budgets. Raises
    `InfeasibleError` (with the reason in planner's terms) when no plan exists or none was found
    within the time limit, `SolverError` when the solver fails. With `price_infeasible` the
    infeasibility message says how much money would make a plan possible (a least-cost solve).
    `start` (project id → start year) is a plan known to be feasible, given to the solver as
    its first incumbent.
    """
    from facility_opt.solve import diagnose, milp
    from facility_opt.solve.solvers import INF, SolverOptions, check_solver, open_session, solver_version

    solver = check_solver(solver)
    _check_limits(time_limit, gap)
    force_in, force_out = tuple(force_in), tuple(force_out)
    requirements = tuple(requirements)
    budgets = _budgets(scenario, budget_by_year)
    t0 = time.perf_counter()
    model = milp.build_model(scenario, force_in=force_in, force_out=force_out,
                             requirements=requirements, budget_by_year=budgets,
                             extra_constraints=extra_constraints)
    def price() -> LeastCostResult:  # what the missing money is, asked only when money could help
        return least_cost(scenario, solver=solver, requirements=requirements, force_in=force_in,
                          force_out=force_out, time_limit=5.0, with_plan=False)

    pricer = price if price_infeasible else None
    reasons = diagnose.cheap_reasons(model)
    if reasons:
        raise diagnose.infeasible_error(scenario, reasons, [], pricer=pricer,
                                        budget_by_year=budget_by_year)
    form = milp.to_matrix(model)
    session = open_session(form, solver)
    build_seconds = time.perf_counter() - t0
    options = SolverOptions(time_limit=time_limit, gap=gap, verbose=verbose)
    warm = start_values(model, form, start) if start else None
    out = session.solve(options, warm_start=warm, label="main objective")
    solve_seconds = out.seconds
    if out.status == SolveStatus.INFEASIBLE:
        conflict = diagnose.conflict_groups(model, session)
        raise diagnose.infeasible_error(scenario, [], conflict, pricer=pricer,
                                        budget_by_year=budget_by_year)
    if out.status == SolveStatus.NO_SOLUTION:
        raise InfeasibleError([f"no plan was found within the time limit of {time_limit:g} s; "
                               "allow more time (--time-limit) or a larger gap (--gap)"],
                              status=SolveStatus.NO_SOLUTION)
    values = out.values
    chosen = milp.chosen_options(model, values)
    objective = milp.evaluate(model, chosen)
    use_tie = scenario.objective.tie_break if tie_break is None else tie_break
    tied = False
    if use_tie and out.status == SolveStatus.OPTIMAL and chosen:
        tol = 1e-9 * max(1.0, abs(objective))
        nz = np.nonzero(form.cost)[0]
        session.set_objective(milp.tie_break_cost(model), maximize=False)
        session.add_row(objective - tol, INF, nz, form.cost[nz])
        left = None if time_limit is None else max(0.5, time_limit - solve_seconds)
        left = left if left is not None else max(10.0, 4 * solve_seconds)
        out2 = session.solve(SolverOptions(time_limit=left, gap=0.0, verbose=verbose,
                                           light=True),  # warm-started: no restarts, no RINS
                             warm_start=values, label="tie-break (main objective held)")
        session.delete_last_row()
        session.set_objective(form.cost, form.maximize)
        solve_seconds += out2.seconds
        if out2.values is not None:
            chosen2 = milp.chosen_options(model, out2.values)
            obj2 = milp.evaluate(model, chosen2)
            if obj2 >= objective - 10 * tol:
                chosen, values, objective, tied = chosen2, out2.values, obj2, True
    status = SolveStatus(out.status)
    bound = out.best_bound
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
        scenario_name=scenario.name, budget_unit=scenario.budget.unit, time_limit=time_limit,
        gap_limit=gap, tie_break=tied,
        spend_by_project={cands[i].id: dict(o.spend) for i, o in chosen.items()},
        completion_year={cands[i].id: o.completion for i, o in chosen.items()},
        force_in=force_in, force_out=force_out, requirements=requirements,
        budget_override=dict(budget_by_year) if budget_by_year is not None else None,
        model_size=model.stats(), log=session.log_text, values=values)
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


def _check_limits(time_limit: float | None, gap: float) -> None:
    if time_limit is not None and not (math.isfinite(time_limit) and time_limit > 0):
        raise InputError.one("command line", "--time-limit", time_limit, "seconds > 0")
    if not (math.isfinite(gap) and 0 <= gap < 1):
        raise InputError.one("command line", "--gap", gap, "a relative gap in [0, 1)")


def least_cost(scenario: Scenario, *, solver: str = "highs",
               requirements: Sequence[PlacesRequirement] = (), time_limit: float | None = None,
               gap: float = 0.0, force_in: Sequence[str] = (),
               force_out: Sequence[str] = (), with_plan: bool = True) -> LeastCostResult:
    """The smallest budget, in the scenario's annual proportions, that meets every rule and
    target (must_fund, min_count, requirements, …): one exact MILP minimising the scale s of
    `s × budget_y`. The budgets are rounded up to the candidates' cost resolution, then the
    best plan at that budget is solved (unless `with_plan` is False). Proving the minimum of
    this min–max schedule can take long, so without `time_limit` the search, and then the plan
    at that budget (started from the search's plan), each stop after `LEAST_COST_SECONDS` and
    report their gaps. Raises `InfeasibleError` when no amount of money helps.
    """
    from facility_opt.solve import diagnose, milp
    from facility_opt.solve.solvers import SolverOptions, check_solver, open_session

    solver = check_solver(solver)
    _check_limits(time_limit, gap)
    model = milp.build_model(scenario, force_in=force_in, force_out=force_out,
                             requirements=requirements, least_cost=True)
    reasons = diagnose.cheap_reasons(model, include_money=False)
    if reasons:
        raise InfeasibleError(reasons + ["more money cannot fix this"])
    form = milp.to_matrix(model)
    session = open_session(form, solver)
    limit = time_limit if time_limit is not None else LEAST_COST_SECONDS
    out = session.solve(SolverOptions(time_limit=limit, gap=gap), label="least cost")
    if out.status == SolveStatus.INFEASIBLE:
        groups, singles = diagnose.conflict_groups(model, session, keep=("budget",))
        reasons = ["no plan meets the rules and targets at any budget"]
        if singles:
            reasons.append("relaxing any one of " + ", ".join(singles)
                           + " alone makes a plan possible")
        raise InfeasibleError(reasons, groups)
    if out.status == SolveStatus.NO_SOLUTION:
        raise InfeasibleError([f"no plan was found within the time limit of {time_limit:g} s"],
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
                       time_limit=limit, gap=gap, force_in=force_in, force_out=force_out,
                       budget_by_year=budgets, price_infeasible=False, start=found)
    status = SolveStatus(out.status)
    lower = None
    if out.best_bound is not None:
        lower = round(max(0.0, min(out.best_bound, scale)) * scenario.budget.total, 6)
    return LeastCostResult(scale=scale, budget_by_year=budgets, total=float(sum(budgets.values())),
                           result=result, status=status,
                           base_total=float(scenario.budget.total),
                           gap=0.0 if status == SolveStatus.OPTIMAL else float(out.gap or 0.0),
                           lower_total=lower)


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
    return values


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


def explain(scenario: Scenario, result: SolveResult, *, solver: str = "highs", **kwargs):
    """Why this portfolio: binding rules, worth of more budget per year, the cost of forcing
    each project in or out (see `facility_opt.solve.explain`)."""
    from facility_opt.solve.explain import explain_result

    return explain_result(scenario, result, solver=solver, **kwargs)




# -- outputs ----------------------------------------------------------------------------------
def selection_rows(scenario: Scenario, result: SolveResult) -> tuple[list[str], list[dict]]:
    """selection.csv: one row per candidate in table order, contract columns first."""
    from facility_opt.solve import milp

    years = list(scenario.years)
    cols = ["id", "name", "kind", "selected", "start_year", "cost", "completion_year", "county",
            "community_id", "area_m2", "daycare_places", "score", "benefit"]
    cols += [f"cost_{y}" for y in years]
    contrib = project_benefits(scenario, result)
    comms = milp.community_index(scenario)
    rows = []
    for c in scenario.candidates:
        sel = c.id in result.portfolio
        spend = result.spend_by_project.get(c.id, {})
        row = {"id": c.id, "name": c.name, "kind": c.kind, "selected": 1 if sel else 0,
               "start_year": result.portfolio.starts.get(c.id),
               "cost": float(c.cost), "completion_year": result.completion_year.get(c.id),
               "county": milp.candidate_county(c, comms) or "", "community_id": c.community_id
               or "", "area_m2": float(c.area_m2), "daycare_places": int(c.daycare_places),
               "score": c.score, "benefit": contrib.get(c.id)}
        for y in years:
            row[f"cost_{y}"] = float(spend.get(y, 0.0))
        rows.append(row)
    return cols, rows


def project_benefits(scenario: Scenario, result: SolveResult) -> dict[str, float]:
    """Each selected project's contribution: the objective lost if it alone were dropped from the
    portfolio (others unchanged). Exact for `score`; for `benefit` the shares of shared caps and
    overlapping coverage go to no single project, so they may sum to less than the objective."""
    from facility_opt.solve import milp

    if result.objective_kind not in ("score", "benefit"):
        return {}
    model = milp.build_model(scenario, budget_by_year=result.budget_by_year)
    ids = {c.id: i for i, c in enumerate(scenario.candidates)}
    chosen = {ids[cid]: next(o for o in model.options[ids[cid]] if o.start == s)
              for cid, s in result.portfolio.starts.items()}
    if result.objective_kind == "score":
        return {scenario.candidates[i].id: float(scenario.candidates[i].score or 0.0)
                for i in chosen}
    whole = milp.evaluate(model, chosen)
    out = {}
    for i in chosen:
        rest = {k: o for k, o in chosen.items() if k != i}
        out[scenario.candidates[i].id] = round(whole - milp.evaluate(model, rest), 6)
    return out


def summary_record(scenario: Scenario, result: SolveResult) -> dict[str, Any]:
    """summary.json: the contract keys plus what the annex and plots read. Deterministic: timings
    go to manifest.json, not here."""
    from facility_opt.solve import milp

    by_kind: dict[str, int] = {}
    for c in scenario.candidates:
        if c.id in result.portfolio:
            by_kind[c.kind] = by_kind.get(c.kind, 0) + 1
    targets = {"min_count": {k: {"required": n, "selected": by_kind.get(k, 0),
                                 "met": by_kind.get(k, 0) >= n}
                             for k, n in sorted(scenario.targets.min_count.items())}}
    r = scenario.rules
    rules = {"carry_over": scenario.budget.carry_over,
             "early_completion": r.early_completion,
             "early_completion_types": list(r.early_completion_types) if r.early_completion
             else [],
             "early_completion_year": r.early_completion_year if r.early_completion else None,
             "min_projects_per_county": r.min_projects_per_county,
             "max_county_share": r.max_county_share,
             "must_fund": [c.id for c in scenario.candidates if c.must_fund],
             "exclusive_groups": sorted({c.exclusive_group for c in scenario.candidates
                                         if c.exclusive_group}),
             "requires": {c.id: list(c.requires) for c in scenario.candidates if c.requires},
             "force_in": list(result.force_in), "force_out": list(result.force_out),
             "places_requirements": [{"community_id": q.community_id, "year": q.year,
                                      "min_places": q.min_places} for q in result.requirements]}
    rec = {
        "status": result.status.value,
        "objective": result.objective,
        "objective_kind": result.objective_kind,
        "best_bound": result.best_bound,
        "gap": result.gap,
        "gap_limit": result.gap_limit,
        "time_limit": result.time_limit,
        "total_cost": result.total_cost,
        "spend_by_year": {str(y): v for y, v in sorted(result.spend_by_year.items())},
        "budget_by_year": {str(y): v for y, v in sorted(result.budget_by_year.items())},
        "budget_unit": result.budget_unit,
        "solver": result.solver,
        "solver_version": result.solver_version,
        "scenario": scenario.name,
        "scenario_title": scenario.title,
        "selected_count": len(result.portfolio),
        "selected_by_kind": dict(sorted(by_kind.items())),
        "targets": targets,
        "rules": rules,
        "tie_break": result.tie_break,
        "model_size": result.model_size,
    }
    if result.objective_kind == "benefit":
        yrs = milp.benefit_years(scenario)
        rec["benefit_years"] = [yrs[0], yrs[-1]] if yrs else []
        rec["benefit_weights"] = {"households": scenario.objective.weight_households,
                                  "elderly": scenario.objective.weight_elderly}
    return rec


def spend_rows(result: SolveResult) -> list[dict[str, Any]]:
    rows, cb, cs = [], 0.0, 0.0
    for y in sorted(result.budget_by_year):
        b, s = result.budget_by_year[y], result.spend_by_year.get(y, 0.0)
        cb += b
        cs += s
        rows.append({"year": y, "budget": b, "spend": round(s, 6), "unused": round(b - s, 6),
                     "cumulative_budget": round(cb, 6), "cumulative_spend": round(cs, 6)})
    return rows


def write_solve_outputs(folder: ResultsFolder, scenario: Scenario, result: SolveResult,
                        explanation=None, least: LeastCostResult | None = None) -> None:
    """Write summary.json, selection.csv, spend.csv, scenario.json, solver.log, the explanation
    files and least_cost.json into a results folder, and the solver entries of the manifest."""
    from facility_opt.results.folder import scenario_manifest, scenario_record
    from facility_opt.scenario.sites import SITE_COLUMNS, site_rows

    folder.write_json("summary.json", summary_record(scenario, result))
    cols, rows = selection_rows(scenario, result)
    folder.write_csv("selection.csv", cols, rows)
    folder.write_csv("spend.csv", ["year", "budget", "spend", "unused", "cumulative_budget",
                                   "cumulative_spend"], spend_rows(result))
    folder.write_json("scenario.json", scenario_record(scenario))
    folder.write_csv("sites.csv", SITE_COLUMNS, site_rows(scenario, result.portfolio.starts))
    folder.write_text("solver.log", result.log)
    if explanation is not None:
        explanation.write(folder)
    if least is not None:
        folder.write_json("least_cost.json", least.as_dict())
    folder.manifest.update(scenario_manifest(scenario))
    folder.manifest.update({
        "solver": result.solver, "solver_version": result.solver_version,
        "solver_options": {"time_limit": result.time_limit, "gap": result.gap_limit,
                           "force_in": list(result.force_in),
                           "force_out": list(result.force_out),
                           "least_cost": least is not None,
                           "explain": explanation is not None},
        "timing_seconds": {"build": round(result.build_seconds, 4),
                           "solve": round(result.solve_seconds, 4),
                           **({"explain": round(explanation.seconds, 4)}
                              if explanation is not None else {})},
    })
