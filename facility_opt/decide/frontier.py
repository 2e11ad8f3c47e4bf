"""The budget frontier in a planner's terms: what each total budget buys, exactly.

A total budget (in the scenario's unit, e.g. 万元) is split across the funding years in the
scenario's own annual proportions, so "20 % more money" means 20 % more in every year. At each
total three exact questions are answered:

- the most communities coverable in the target years (`objective.kind = "coverage"` with the
  target off) — `max_covered`;
- the best benefit with every target a hard constraint (the coverage target included: `solve`
  at that budget), its portfolio's plain and effective coverage (the one judgement,
  `facility_opt.model.targets.judge`; effective coverage from a simulation of that portfolio
  when `targets.max_turned_away` < 1), households and residents 60+ it reaches;
- once for the sweep: the least total budget at which every target is reachable, from the
  least-cost MILP (`solve.least_cost`) — not read off the grid.

Budgets are independent, so they run in parallel through `facility_opt.executor.run_tasks`
(`--workers`, `--scheduler` for Dask).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from facility_opt.decide.frontier_budgets import (  # noqa: F401  (re-exported: frontier paths)
    DEFAULT_SHARES,
    MAX_BUDGETS,
    default_budgets,
    parse_budgets,
    split_budget,
)
from facility_opt.errors import InfeasibleError
from facility_opt.lazy import lazy_getattr
from facility_opt.model.portfolio import Portfolio
from facility_opt.model.targets import CoverageVerdict, effective_on, judge, judge_simulated, target_years
from facility_opt.model.types import Scenario
from facility_opt.solve.status import SolveStatus

# -- deterministic targets ----------------------------------------------------------------------

def kind_counts(scenario: Scenario, portfolio: Portfolio) -> dict[str, int]:
    """Selected projects per kind."""
    counts: dict[str, int] = {}
    for c in scenario.candidates:
        if c.id in portfolio:
            counts[c.kind] = counts.get(c.kind, 0) + 1
    return counts


def count_targets_met(scenario: Scenario, portfolio: Portfolio) -> dict[str, bool]:
    """`targets.min_count` kind → whether the portfolio selects at least that many."""
    counts = kind_counts(scenario, portfolio)
    return {kind: counts.get(kind, 0) >= need
            for kind, need in sorted(scenario.targets.min_count.items())}


# -- the sweep ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class FrontierPoint:
    """What one total budget buys."""

    budget_total: float
    budget_by_year: dict[int, float]
    status: str  # of the best-benefit plan under every target: optimal, feasible, infeasible, …
    objective: float | None
    gap: float | None
    total_cost: float | None
    selected_ids: tuple[str, ...]
    counts: dict[str, int]
    count_met: dict[str, bool]  # min_count kind → met
    facility_coverage: dict[int, float | None]  # target year → share covered (best-benefit plan)
    coverage_met: bool | None  # the one judgement (effective where on); None: nothing to judge
    reason: str = ""  # why there is no plan, when infeasible
    max_covered: dict[int, int | None] = field(default_factory=dict)  # most coverable, per year
    max_covered_status: str = ""
    verdicts: dict[int, CoverageVerdict] = field(default_factory=dict)  # best-benefit plan
    households_reached: float | None = None
    elderly_reached: float | None = None

    @property
    def solved(self) -> bool:
        return self.status in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE)

    @property
    def all_met(self) -> bool:
        return self.solved and all(self.count_met.values()) and self.coverage_met is not False


@dataclass(frozen=True)
class FrontierResult:
    scenario: Scenario
    points: list[FrontierPoint] = field(default_factory=list)
    least_cost: dict[str, Any] | None = None  # least budget at which every target is reachable

    @property
    def columns(self) -> list[str]:
        sc = self.scenario
        cols = ["budget_total", *[f"budget_{y}" for y in sc.years], "status", "objective", "gap",
                "total_cost", "selected_count", "selected_ids"]
        for kind in sorted(sc.targets.min_count):
            cols += [f"count_{kind}", f"target_{kind}_count_met"]
        if _has_geometry(sc):
            years = target_years(sc)
            cols += ["max_covered", "covered", "effective_covered"]
            if len(years) > 1:
                cols += [f"{c}_{y}" for y in years for c in ("max_covered", "covered",
                                                              "effective_covered")]
            cols += ["households_reached", "elderly_reached"]
            cols += [f"facility_coverage_{y}" for y in years]
            cols.append("target_facility_coverage_met")
        cols.append("target_all_met")
        return cols

    def rows(self) -> list[dict[str, Any]]:
        """One row per budget, in the `frontier.csv` columns. `max_covered`, `covered` and
        `effective_covered` are of the last target year (per year too when there are more)."""
        out = []
        years = target_years(self.scenario)
        for p in self.points:
            row: dict[str, Any] = {
                "budget_total": p.budget_total, "status": p.status, "objective": p.objective,
                "gap": p.gap, "total_cost": p.total_cost,
                "selected_count": len(p.selected_ids) if p.solved else None,
                "selected_ids": ";".join(p.selected_ids),
            }
            for y, v in p.budget_by_year.items():
                row[f"budget_{y}"] = v
            for kind in sorted(self.scenario.targets.min_count):
                row[f"count_{kind}"] = p.counts.get(kind, 0) if p.solved else None
                row[f"target_{kind}_count_met"] = p.count_met.get(kind, False)
            if _has_geometry(self.scenario):
                for y in years:
                    v = p.verdicts.get(y)
                    vals = {"max_covered": p.max_covered.get(y),
                            "covered": v.covered if v else None,
                            "effective_covered": v.effective_covered if v else None}
                    for c, x in vals.items():
                        if y == years[-1]:
                            row[c] = x
                        if len(years) > 1:
                            row[f"{c}_{y}"] = x
                row["households_reached"] = p.households_reached
                row["elderly_reached"] = p.elderly_reached
                for y, v in p.facility_coverage.items():
                    row[f"facility_coverage_{y}"] = v
                row["target_facility_coverage_met"] = bool(p.coverage_met) and p.solved
            row["target_all_met"] = p.all_met
            out.append(row)
        return out


def _has_geometry(scenario: Scenario) -> bool:
    return bool(scenario.communities)


def _no_plan(scenario: Scenario, total: float, by_year: dict[int, float], status: str,
             reason: str = "", **extra: Any) -> FrontierPoint:
    years = target_years(scenario)
    geometry = _has_geometry(scenario)
    return FrontierPoint(total, by_year, status, None, None, None, (), {},
                         dict.fromkeys(sorted(scenario.targets.min_count), False),
                         dict.fromkeys(years) if geometry else {},
                         False if geometry else None, reason=reason, **extra)


def most_coverable(scenario: Scenario, by_year: dict[int, float], solver: str = "highs"
                   ) -> tuple[str, dict[int, int | None]]:
    """The most communities coverable in each target year within these budgets and every rule
    (objective "coverage", weighted by communities, the target itself off): status, year → count.
    With `targets.max_turned_away` < 1 a community counts as the MILP sizes effective coverage."""
    from dataclasses import replace

    from facility_opt.solve.core import solve

    sc = replace(scenario, objective=replace(scenario.objective, kind="coverage",
                                             coverage_weight="communities"),
                 targets=replace(scenario.targets, daycare_coverage=0.0))
    years = target_years(scenario)
    try:
        res = solve(sc, solver=solver, budget_by_year=by_year, price_infeasible=False,
                    tie_break=False)
    except InfeasibleError as err:
        return str(err.status or "infeasible"), dict.fromkeys(years)
    # with the turned-away limit on, the MILP counts a community only with the places a day
    # starting empty needs (solve/coverage.py): that count, as solve reports it
    verdicts = res.coverage or judge(sc, res.portfolio)
    return str(res.status), {y: (verdicts[y].effective_covered if effective_on(sc) and
                                 verdicts[y].effective_covered is not None
                                 else verdicts[y].covered) for y in years}


def reached(scenario: Scenario, portfolio: Portfolio) -> tuple[float, float]:
    """Households brought up to the area standard and residents 60+ within reach of a day-care
    site, in the last target year (projected figures where the scenario projects them)."""
    from facility_opt.model.population import project_population
    from facility_opt.model.targets import covered_ids

    y = target_years(scenario)[-1]
    proj = project_population(scenario, (y,))
    t = proj.year_index(y)
    ids = list(proj.community_ids)
    covered = covered_ids(scenario, portfolio, y)
    elderly = float(sum(proj.elderly[ids.index(c), t] for c in covered))
    per_household = scenario.objective.area_standard_m2_per_100_households / 100.0
    area: dict[str, float] = {}
    for c in portfolio.in_service(scenario, y):
        if c.area_m2 > 0 and c.community_id:
            area[c.community_id] = area.get(c.community_id, 0.0) + c.area_m2
    households = 0.0
    for m in scenario.communities or ():
        if m.id in area and per_household > 0:
            gap = max(0.0, m.households - m.facility_area_m2 / per_household)
            households += min(gap, area[m.id] / per_household)
    return round(households, 6), round(elderly, 6)


def _solve_budget(task: tuple[Scenario, float, dict[int, float], str]) -> FrontierPoint:
    """One budget (a top-level function, so worker processes and Dask can run it)."""
    from facility_opt.solve.core import solve

    scenario, total, by_year, solver = task
    years = target_years(scenario)
    geometry = _has_geometry(scenario)
    most_status, most = most_coverable(scenario, by_year, solver) if geometry else ("", {})
    try:
        res = solve(scenario, solver=solver, budget_by_year=by_year, price_infeasible=False)
    except InfeasibleError as err:
        return _no_plan(scenario, total, by_year, str(err.status or "infeasible"), err.message,
                        max_covered=most, max_covered_status=most_status)
    status = str(res.status)
    if not SolveStatus(status).has_plan or res.portfolio is None:
        return _no_plan(scenario, total, by_year, status, max_covered=most,
                        max_covered_status=most_status)
    pf: Portfolio = res.portfolio
    ids = tuple(c.id for c in scenario.candidates if c.id in pf)
    cov: dict[int, float | None] = {}
    met: bool | None = None
    verdicts: dict[int, CoverageVerdict] = {}
    hh = eld = None
    if geometry:
        verdicts = judge_portfolio(scenario, pf)
        cov = {y: verdicts[y].share for y in years}
        met = None if any(v.met is None for v in verdicts.values()) else all(
            v.met for v in verdicts.values())
        hh, eld = reached(scenario, pf)
    return FrontierPoint(total, by_year, status, float(res.objective), _float(res.gap),
                         _float(res.total_cost), ids, kind_counts(scenario, pf),
                         count_targets_met(scenario, pf), cov, met, max_covered=most,
                         max_covered_status=most_status, verdicts=verdicts,
                         households_reached=hh, elderly_reached=eld)


def judge_portfolio(scenario: Scenario, portfolio: Portfolio) -> dict[int, CoverageVerdict]:
    """The one judgement of a portfolio, with effective coverage from its simulation when the
    turned-away limit is on (the scenario's seed and replications, as plan and compare use)."""
    if not effective_on(scenario):
        return judge(scenario, portfolio)
    from facility_opt.simulate.core import simulate

    return judge_simulated(scenario, portfolio, simulate(scenario, portfolio, progress=False))


def _float(v: Any) -> float | None:
    return None if v is None else float(v)


def least_budget(scenario: Scenario, solver: str = "highs") -> dict[str, Any]:
    """The least total budget at which every target is reachable (exact least-cost MILP), in
    the scenario's proportions and with a free split across years."""
    from facility_opt.solve.least_cost_search import least_cost

    try:
        lc = least_cost(scenario, solver=solver, with_plan=False)
    except InfeasibleError as err:
        return {"least_budget_total": None, "status": str(err.status or "infeasible"),
                "reason": err.message}
    free, free_by_year = lc.free_total, lc.free_budget_by_year
    return {"least_budget_total": lc.total, "status": lc.status.value, "gap": lc.gap,
            "lower_total": lc.lower_total,
            "budget_by_year": {str(y): v for y, v in sorted(lc.budget_by_year.items())},
            "free_total": free,
            "free_budget_by_year": ({str(y): v for y, v in sorted(free_by_year.items())}
                                    if free_by_year else None)}



def frontier(scenario: Scenario, budgets: Sequence[float], *, solver: str = "highs",
             workers: int = 1, scheduler: str | None = None,
             with_least_budget: bool = True) -> FrontierResult:
    """Every total budget (split in the scenario's annual proportions), in parallel, and the
    least budget at which every target is reachable.

    Points come back in ascending budget order. A budget with no feasible plan is a point with
    status `infeasible` and the reason, not an error.
    """
    from facility_opt.executor import run_tasks

    totals = sorted({float(b) for b in budgets})
    tasks = [(scenario, t, split_budget(scenario, t), solver) for t in totals]
    points = run_tasks(_solve_budget, tasks, workers=workers, scheduler=scheduler,
                       description=f"frontier of {scenario.name}: {len(tasks)} budgets")
    lb = least_budget(scenario, solver) if with_least_budget else None
    return FrontierResult(scenario, list(points), lb)


# the files frontier writes live in decide/frontier_outputs.py; still importable from here
__getattr__ = lazy_getattr("facility_opt.decide.frontier",
                           {"write_frontier_outputs": "facility_opt.decide.frontier_outputs"})
