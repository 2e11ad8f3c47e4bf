"""`facility-opt solve`: load, solve, explain, write the results folder, print the summary."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

from facility_opt.errors import InfeasibleError
from facility_opt.model.types import Scenario
from facility_opt.results.folder import ResultsFolder
from facility_opt.solve.core import (
    SolveResult,
    SolveStatus,
    explain,
    least_cost,
    solve,
    spend_rows,
    summary_record,
    write_solve_outputs,
)

_explain = explain  # run_solve's flags shadow these names
_least_cost = least_cost


# -- the command ------------------------------------------------------------------------------
def run_solve(scenario: str | None, out: Path | None, solver: str, time_limit: float | None,
              gap: float, force_in: Sequence[str], force_out: Sequence[str], least_cost: bool,
              explain: bool, verbose: bool, workers: int = 1) -> int:
    """`facility-opt solve`: load, solve, explain, write the results folder, print a summary.
    `workers > 1` spreads the explanation re-solves over that many processes."""
    from facility_opt.results.folder import default_results_dir
    from facility_opt.scenario.loading import load_scenario

    t0 = time.perf_counter()
    sc = load_scenario(scenario)
    least = None
    note = ""
    try:
        result = solve(sc, solver=solver, time_limit=time_limit, gap=gap, verbose=verbose,
                       force_in=force_in, force_out=force_out, price_infeasible=not least_cost)
    except InfeasibleError as err:
        if not least_cost or err.status == SolveStatus.NO_SOLUTION:
            raise
        # --least-cost on a scenario whose budgets admit no plan: the answer is the price
        least = _least_cost(sc, solver=solver, time_limit=time_limit, gap=gap,
                            force_in=force_in, force_out=force_out)
        result = least.result
        note = ("The scenario's budgets admit no plan (" + err.message + "). Shown: the best "
                "plan at the least-cost budget.")
    if least_cost and least is None:
        least = _least_cost(sc, solver=solver, time_limit=time_limit, gap=gap,
                            force_in=force_in, force_out=force_out)
    expl = _explain(sc, result, solver=solver, workers=workers) if explain else None
    target = Path(out) if out is not None else default_results_dir(sc.name)
    with ResultsFolder(target, "solve") as folder:
        write_solve_outputs(folder, sc, result, expl, least)
    print_summary(sc, result, expl, least, target, time.perf_counter() - t0, note)
    return 0


def print_summary(scenario: Scenario, result: SolveResult, explanation, least,
                  target: Path, seconds: float, note: str = "") -> None:
    """The terminal summary: status, objective, money by year, what was chosen, why."""
    from rich.console import Console
    from rich.table import Table

    con = Console(highlight=False)
    u = result.budget_unit
    if note:
        con.print(note)
    gap = "proven optimal" if result.status == SolveStatus.OPTIMAL else (
        f"gap {result.gap:.3%}" if result.gap is not None else "gap unknown")
    con.print(f"[bold]{scenario.name}[/bold]: {result.status.value} ({gap}), "
              f"{result.objective_kind} objective = {result.objective:,.2f}; "
              f"{len(result.portfolio)} of {len(scenario.candidates)} projects, "
              f"{result.total_cost:,.2f} {u}  [{result.solver}, {seconds:.2f} s]")
    t = Table(title=f"Spend against budget ({u})", title_justify="left")
    for col in ("year", "budget", "spend", "unused"):
        t.add_column(col, justify="right")
    for r in spend_rows(result):
        t.add_row(str(r["year"]), f"{r['budget']:,.2f}", f"{r['spend']:,.2f}",
                  f"{r['unused']:,.2f}")
    con.print(t)
    for line in unused_reasons(scenario, result):
        con.print(f"  {line}")
    rec = summary_record(scenario, result)
    kinds = ", ".join(f"{k} {n}" for k, n in rec["selected_by_kind"].items()) or "none"
    con.print(f"Selected by kind: {kinds}")
    for k, v in rec["targets"]["min_count"].items():
        con.print(f"  target {k} ≥ {v['required']}: {v['selected']} "
                  f"({'met' if v['met'] else 'NOT met'})")
    if explanation is not None:
        for line in explanation.lines(limit=6):
            con.print(f"  • {line}")
    if least is not None:
        proven = "" if least.status == SolveStatus.OPTIMAL else (
            f"; search stopped at its time limit, no plan below {least.lower_total or 0:,.2f} {u}")
        con.print(f"Least cost meeting every target: {least.total:,.2f} {u} "
                  f"(×{least.scale:.4f} of each year's budget; "
                  f"{least.extra:,.2f} {u} more than budgeted{proven})")
    con.print(f"Results: {target}")


UNUSED_SHARE = 0.01  # a year's money left unspent above this share of its budget is explained


def unused_reasons(scenario: Scenario, result: SolveResult) -> list[str]:
    """Why money stays unused, year by year: the benefit horizon when no project started that
    year can earn benefit (a rule, so certain), else what optimality proves."""
    from facility_opt.solve.milp import benefit_until

    out = []
    u = result.budget_unit
    until = benefit_until(scenario) if result.objective_kind == "benefit" else None
    for r in spend_rows(result):
        year, unused, budget = int(r["year"]), float(r["unused"]), float(r["budget"])
        if budget <= 0 or unused <= UNUSED_SHARE * budget:
            continue
        money = f"{year}: {unused:,.2f} {u} unused"
        if scenario.budget.carry_over and year != scenario.years[-1]:
            out.append(f"{money} (carried over to later years: budget.carry_over = true)")
        elif until is not None and year >= until:
            out.append(f"{money}: a project started in {year} serves from {year + 1}, after "
                       f"objective.benefit_until = {until}, so it earns no benefit; set "
                       f"benefit_until later to count those years")
        elif result.status == SolveStatus.OPTIMAL:
            out.append(f"{money}: proven optimal, so no project that fits this money and the "
                       "rules adds to the objective")
        else:
            out.append(f"{money}: the search stopped at its limit; a better use may exist "
                       "(see the gap)")
    return out
