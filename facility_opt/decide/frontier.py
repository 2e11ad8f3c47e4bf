"""The budget–benefit frontier: the optimal portfolio at each total budget.

A total budget (in the scenario's unit, e.g. 万元) is split across the funding years in the
scenario's own annual proportions, so "20 % more money" means 20 % more in every year. For each
total the MILP is solved exactly; the row records the optimal objective, the portfolio and which
targets it meets: the hard `targets.min_count` by kind, and day-care facility coverage (share of
communities with a centre within `daycare.reach_km`) in each target year — computed from the
portfolio's geometry, no simulation needed, because facility coverage does not depend on demand.
Budgets are independent, so they run in parallel through `facility_opt.executor.run_tasks`
(`--workers`, `--scheduler` for Dask).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from facility_opt.errors import InfeasibleError, InputError
from facility_opt.model.portfolio import Portfolio
from facility_opt.model.targets import target_years
from facility_opt.model.types import Scenario
from facility_opt.solve.status import SolveStatus

MAX_BUDGETS = 500  # more points than this is almost surely a typo in STEP
DEFAULT_SHARES = tuple(0.25 + 0.125 * k for k in range(11))  # 25 %, 37.5 %, …, 150 %


# -- budgets ------------------------------------------------------------------------------------

def _number(text: str, whole: str) -> float:
    try:
        value = float(text.replace("_", "").strip())
    except ValueError:
        raise InputError.one("command line", "--budgets", whole,
                             "START:STOP:STEP or A,B,C with numbers in the scenario's money "
                             f"unit (could not read {text.strip()!r} as a number)") from None
    if not math.isfinite(value) or value < 0:
        raise InputError.one("command line", "--budgets", whole,
                             f"budgets ≥ 0 in the scenario's money unit (found {text.strip()})")
    return value


def parse_budgets(text: str) -> list[float]:
    """Total budgets from `START:STOP:STEP` (STOP included when it falls on a step) or `A,B,C`.

    Returned sorted, without repeats. Bad text raises InputError naming what was expected.
    """
    whole = str(text)
    s = whole.strip()
    if not s:
        raise InputError.one("command line", "--budgets", whole,
                             "START:STOP:STEP or A,B,C (total budgets in the scenario's unit)")
    if ":" in s:
        parts = s.split(":")
        if len(parts) != 3:
            raise InputError.one("command line", "--budgets", whole,
                                 "START:STOP:STEP — three numbers separated by ':'")
        start, stop, step = (_number(p, whole) for p in parts)
        if step <= 0:
            raise InputError.one("command line", "--budgets", whole,
                                 "a STEP greater than 0 in START:STOP:STEP")
        if stop < start:
            raise InputError.one("command line", "--budgets", whole,
                                 "STOP ≥ START in START:STOP:STEP")
        count = math.floor((stop - start) / step + 1e-9) + 1
        if count > MAX_BUDGETS:
            raise InputError.one("command line", "--budgets", whole,
                                 f"at most {MAX_BUDGETS} budgets (this gives {count}; "
                                 "use a larger STEP)")
        values = [round(start + k * step, 9) for k in range(count)]
    else:
        parts = [p for p in re.split(r"[,，;]", s)]
        if any(not p.strip() for p in parts):
            raise InputError.one("command line", "--budgets", whole,
                                 "A,B,C — numbers separated by commas, none left empty")
        values = [_number(p, whole) for p in parts]
        if len(values) > MAX_BUDGETS:
            raise InputError.one("command line", "--budgets", whole,
                                 f"at most {MAX_BUDGETS} budgets")
    return sorted(set(values))


def default_budgets(scenario: Scenario) -> list[float]:
    """Eleven totals from 25 % to 150 % of the scenario's total budget, in steps of 12.5 %."""
    total = scenario.budget.total
    return sorted({round(total * share, 6) for share in DEFAULT_SHARES})


def split_budget(scenario: Scenario, total: float) -> dict[int, float]:
    """A total budget split across funding years in the scenario's annual proportions
    (equal shares when the scenario's own budget is zero)."""
    annual = scenario.budget.annual
    base = sum(annual.get(y, 0.0) for y in scenario.years)
    if base <= 0:
        return {y: round(total / len(scenario.years), 9) for y in scenario.years}
    return {y: round(total * annual.get(y, 0.0) / base, 9) for y in scenario.years}


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
    """The optimal plan at one total budget."""

    budget_total: float
    budget_by_year: dict[int, float]
    status: str  # optimal, feasible, infeasible, no_solution
    objective: float | None
    gap: float | None
    total_cost: float | None
    selected_ids: tuple[str, ...]
    counts: dict[str, int]
    count_met: dict[str, bool]  # min_count kind → met
    facility_coverage: dict[int, float | None]  # target year → share of communities covered
    coverage_met: bool | None  # None: no communities/centres to judge by
    reason: str = ""  # why there is no plan, when infeasible

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

    @property
    def columns(self) -> list[str]:
        sc = self.scenario
        cols = ["budget_total", *[f"budget_{y}" for y in sc.years], "status", "objective", "gap",
                "total_cost", "selected_count", "selected_ids"]
        for kind in sorted(sc.targets.min_count):
            cols += [f"count_{kind}", f"target_{kind}_count_met"]
        if _has_geometry(sc):
            cols += [f"facility_coverage_{y}" for y in target_years(sc)]
            cols.append("target_facility_coverage_met")
        cols.append("target_all_met")
        return cols

    def rows(self) -> list[dict[str, Any]]:
        """One row per budget, in the `frontier.csv` columns."""
        out = []
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
            for y, v in p.facility_coverage.items():
                row[f"facility_coverage_{y}"] = v
            if _has_geometry(self.scenario):
                row["target_facility_coverage_met"] = bool(p.coverage_met) and p.solved
            row["target_all_met"] = p.all_met
            out.append(row)
        return out


def _has_geometry(scenario: Scenario) -> bool:
    return bool(scenario.communities)


def _solve_budget(task: tuple[Scenario, float, dict[int, float], str]) -> FrontierPoint:
    """Solve one budget (a top-level function, so worker processes and Dask can run it)."""
    from facility_opt.decide.plan import facility_coverage
    from facility_opt.solve.core import solve

    scenario, total, by_year, solver = task
    years = target_years(scenario)
    geometry = _has_geometry(scenario)
    try:
        res = solve(scenario, solver=solver, budget_by_year=by_year, price_infeasible=False)
    except InfeasibleError as err:
        return FrontierPoint(total, by_year, str(err.status or "infeasible"), None, None, None,
                             (), {}, dict.fromkeys(sorted(scenario.targets.min_count), False),
                             dict.fromkeys(years) if geometry else {},
                             False if geometry else None, reason=err.message)
    status = str(res.status)
    if not SolveStatus(status).has_plan or res.portfolio is None:
        return FrontierPoint(total, by_year, status, None, None, None, (), {},
                             dict.fromkeys(sorted(scenario.targets.min_count), False),
                             dict.fromkeys(years) if geometry else {},
                             False if geometry else None)
    pf: Portfolio = res.portfolio
    ids = tuple(c.id for c in scenario.candidates if c.id in pf)
    cov: dict[int, float | None] = {}
    met: bool | None = None
    if geometry:
        cov = {y: facility_coverage(scenario, pf, y) for y in years}
        met = all(v is not None and v >= scenario.targets.daycare_coverage - 1e-12
                  for v in cov.values())
    return FrontierPoint(total, by_year, status, float(res.objective), _float(res.gap),
                         _float(res.total_cost), ids, kind_counts(scenario, pf),
                         count_targets_met(scenario, pf), cov, met)


def _float(v: Any) -> float | None:
    return None if v is None else float(v)


def frontier(scenario: Scenario, budgets: Sequence[float], *, solver: str = "highs",
             workers: int = 1, scheduler: str | None = None) -> FrontierResult:
    """Solve the scenario at every total budget (split in its annual proportions), in parallel.

    Points come back in ascending budget order. A budget with no feasible plan is a point with
    status `infeasible` and the reason, not an error.
    """
    from facility_opt.executor import run_tasks

    totals = sorted({float(b) for b in budgets})
    tasks = [(scenario, t, split_budget(scenario, t), solver) for t in totals]
    points = run_tasks(_solve_budget, tasks, workers=workers, scheduler=scheduler,
                       description=f"frontier of {scenario.name}: {len(tasks)} budgets")
    return FrontierResult(scenario, list(points))


# -- the command --------------------------------------------------------------------------------

def write_frontier_outputs(folder, result: FrontierResult, *, lang: str = "auto") -> list[Path]:
    """frontier.csv, frontier.json (points with reasons) and frontier.png / .svg."""
    import json

    from facility_opt.report import plots
    from facility_opt.results.folder import csv_text

    sc = result.scenario
    folder.write_csv("frontier.csv", result.columns, result.rows())
    folder.write_json("frontier.json", {
        "scenario": sc.name, "budget_unit": sc.budget.unit,
        "scenario_budget_total": sc.budget.total,
        "target_years": list(target_years(sc)),
        "daycare_coverage_target": sc.targets.daycare_coverage,
        "min_count": dict(sc.targets.min_count),
        "points": [{"budget_total": p.budget_total, "status": p.status,
                    "objective": p.objective, "reason": p.reason,
                    "selected_ids": list(p.selected_ids)} for p in result.points],
    })
    rows = list(_csv_rows(csv_text(result.columns, result.rows())))
    meta = json.loads((folder.path / "frontier.json").read_text(encoding="utf-8"))
    data = plots.frontier_data(rows, communities=len(sc.communities or ()) or None,
                               target_share=sc.targets.daycare_coverage if sc.communities else None,
                               least_budget_total=meta.get("least_budget_total"))
    return plots.draw_frontier(
        data, folder.path / "frontier", unit=sc.budget.unit,
        objective_kind=sc.objective.kind, current_budget=sc.budget.total,
        title=None, labels=plots.plot_labels(lang))


def _csv_rows(text: str) -> list[dict[str, str]]:
    import csv
    import io

    return list(csv.DictReader(io.StringIO(text)))
