"""`facility-opt frontier`: solve at every budget, write frontier.csv and the plot, print the table."""

from __future__ import annotations

import math
from pathlib import Path

from facility_opt.decide.frontier import FrontierResult, frontier
from facility_opt.decide.frontier_budgets import default_budgets, parse_budgets
from facility_opt.decide.frontier_outputs import write_frontier_outputs


def print_frontier(result: FrontierResult, console=None) -> None:
    """A rich table: budget, status, objective, marginal benefit, projects, targets met."""
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    sc = result.scenario
    unit = sc.budget.unit
    table = Table(title=f"Budget–benefit frontier: {sc.name}", title_justify="left")
    table.add_column(f"total budget ({unit})", justify="right")
    table.add_column("status")
    table.add_column("objective", justify="right")
    table.add_column(f"marginal per {unit}", justify="right")
    table.add_column(f"cost ({unit})", justify="right")
    table.add_column("projects", justify="right")
    geometry = bool(sc.communities)
    if geometry:
        table.add_column("most coverable", justify="right")
        table.add_column("covered", justify="right")
    table.add_column("targets met")
    margins = marginals(result)
    places = marginal_decimals(list(margins.values()))
    for i, p in enumerate(result.points):
        marg = marginal_text(margins[i], places) if i in margins else ""
        met = [k for k, v in p.count_met.items() if v]
        if p.coverage_met:
            met.append("coverage")
        cells = [f"{p.budget_total:,.0f}", p.status,
                 f"{p.objective:,.1f}" if p.objective is not None else "—", marg,
                 f"{p.total_cost:,.0f}" if p.total_cost is not None else "—",
                 str(len(p.selected_ids)) if p.solved else "—"]
        if geometry:
            y = max(p.max_covered) if p.max_covered else None
            most = p.max_covered.get(y) if y is not None else None
            v = p.verdicts.get(y) if y is not None else None
            cov = "—" if v is None else (f"{v.covered} ({v.effective_covered} eff.)"
                                         if v.effective_covered is not None else str(v.covered))
            cells += ["—" if most is None else str(most), cov]
        table.add_row(*cells, ", ".join(met) if met else "none")
    console.print(table)


def marginals(result: FrontierResult) -> dict[int, float]:
    """Point index → objective gained per extra budget unit since the previous solved point."""
    out: dict[int, float] = {}
    prev = None
    for i, p in enumerate(result.points):
        if p.solved and prev is not None and p.budget_total > prev.budget_total:
            out[i] = (p.objective - prev.objective) / (p.budget_total - prev.budget_total)
        if p.solved:
            prev = p
    return out


def marginal_decimals(values: list[float]) -> int:
    """One precision for the whole column: two decimals, more when the largest value is small
    (three significant digits, at most six decimals)."""
    top = max((abs(v) for v in values), default=0.0)
    if top == 0 or top >= 1:
        return 2
    return min(6, max(2, 2 - math.floor(math.log10(top))))


def marginal_text(value: float, places: int = 2) -> str:
    """A marginal value at the column's precision; a change below it shows as 0.00, never
    "-0.00"."""
    rounded = round(value, places)
    return f"{0.0 if rounded == 0 else rounded:,.{places}f}"


def run_frontier(scenario: str | None, out: Path | None, budgets: str | None, workers: int,
                 scheduler: str | None, solver: str) -> int:
    """`facility-opt frontier`: solve at every budget, write frontier.csv and the plot."""
    from rich.console import Console

    from facility_opt.results.folder import (
        ResultsFolder,
        default_results_dir,
        scenario_manifest,
        scenario_record,
    )
    from facility_opt.scenario.loading import load_scenario
    from facility_opt.solve.solvers import solver_version

    sc = load_scenario(scenario)
    totals = parse_budgets(budgets) if budgets is not None else default_budgets(sc)
    result = frontier(sc, totals, solver=solver, workers=workers, scheduler=scheduler)
    target = Path(out) if out is not None else default_results_dir(sc.name) / "frontier"
    console = Console()
    if not console.is_terminal:
        console = Console(width=160)
    with ResultsFolder(target, "frontier") as folder:
        folder.manifest.update(scenario_manifest(sc))
        folder.manifest.update({"solver": solver, "solver_version": solver_version(solver),
                                "budgets": totals, "workers": workers})
        folder.write_json("scenario.json", scenario_record(sc))
        write_frontier_outputs(folder, result)
    print_frontier(result, console)
    reached = _reached_summary(result)
    console.print(reached)
    console.print(f"Results in {target}")
    return 0


def _reached_summary(result: FrontierResult) -> str:
    """One line: from which total budget every target is met (or that none in the sweep does)."""
    unit = result.scenario.budget.unit
    first = None
    for p in reversed(result.points):
        if not p.all_met:
            break
        first = p
    lb = result.least_cost or {}
    if lb.get("least_budget_total") is not None:
        exact = (f"The least total budget at which every target is reachable (least-cost MILP, "
                 f"{lb.get('status')}): {lb['least_budget_total']:,.2f} {unit} in the scenario's "
                 f"proportions" + (f", {lb['free_total']:,.2f} {unit} with a free split."
                                   if lb.get("free_total") is not None else "."))
    elif lb:
        exact = f"No budget makes every target reachable: {lb.get('reason', '')}"
    else:
        exact = ""
    if first is None:
        return ("No budget in this sweep meets every target. " + exact).strip()
    return (f"Every target is met from a total budget of {first.budget_total:,.0f} {unit} in this "
            f"sweep. " + exact).strip()
