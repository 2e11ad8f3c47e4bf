"""`facility-opt solve`: load, solve, explain, write the results folder, print the summary."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

from facility_opt.errors import InfeasibleError
from facility_opt.model.money import fmt_money
from facility_opt.model.types import Scenario
from facility_opt.results.folder import ResultsFolder
from facility_opt.solve.core import SolveResult, SolveStatus, explain, solve
from facility_opt.solve.least_cost_search import least_cost
from facility_opt.solve.outputs import summary_record, write_solve_outputs

_explain = explain  # run_solve's flags shadow these names
_least_cost = least_cost


# -- the command ------------------------------------------------------------------------------
def run_solve(scenario: str | None, out: Path | None, solver: str, time_limit: float | None,
              gap: float, force_in: Sequence[str], force_out: Sequence[str], least_cost: bool,
              explain: bool, verbose: bool, workers: int | None = None) -> int:
    """`facility-opt solve`: load, solve, explain, write the results folder, print a summary.
    `workers` solver threads answer the explanation re-solves at once (None: one per core,
    at most 4)."""
    from facility_opt.results.folder import COMMAND_STARTED, default_results_dir
    from facility_opt.scenario.loading import load_scenario
    from facility_opt.solve.deadline import Deadline, output_reserve

    t0 = time.perf_counter()
    # --time-limit bounds the whole command, from the moment the CLI started it: every solve
    # below shares this clock, and a little is kept back for writing the results folder
    began = COMMAND_STARTED.get()
    start = None if began is None else time.monotonic() - (t0 - began[1])
    deadline = Deadline.after(time_limit, reserve=output_reserve(time_limit), start=start)
    sc = load_scenario(scenario)
    least = None
    note = ""
    try:
        result = solve(sc, solver=solver, gap=gap, verbose=verbose, force_in=force_in,
                       force_out=force_out, price_infeasible=not least_cost, deadline=deadline)
    except InfeasibleError as err:
        if not least_cost or err.status == SolveStatus.NO_SOLUTION:
            raise
        # --least-cost on a scenario whose budgets admit no plan: the answer is the price
        least = _least_cost(sc, solver=solver, gap=gap, force_in=force_in,
                            force_out=force_out, deadline=deadline if deadline.bounded else None)
        result = least.result
        note = ("The scenario's budgets admit no plan (" + err.message + "). Shown: the best "
                "plan at the least-cost budget.")
    if least_cost and least is None:
        least = _least_cost(sc, solver=solver, gap=gap, force_in=force_in,
                            force_out=force_out, deadline=deadline if deadline.bounded else None)
    if workers is None:
        from facility_opt.executor import default_threads

        workers = default_threads()
    expl = (_explain(sc, result, solver=solver, workers=workers,
                     deadline=deadline if deadline.bounded else None) if explain else None)
    target = Path(out) if out is not None else default_results_dir(sc.name)
    with ResultsFolder(target, "solve") as folder:
        write_solve_outputs(folder, sc, result, expl, least)
    print_summary(sc, result, expl, least, target, time.perf_counter() - t0, note)
    return 0


def coverage_lines(result: SolveResult) -> list[str]:
    """One line per target year: communities covered, effective coverage, the verdict."""
    out = []
    for y, v in sorted(result.coverage.items()):
        basis = "within reach" if v.basis == "reach" else "with a centre of their own"
        line = f"coverage {y}: {v.covered} of {v.communities} communities {basis} ({v.share:.1%})"
        if v.effective_covered is not None:
            line += (f", {v.effective_covered} effectively (places for their demand, "
                     "estimate from the sizing table)")
        if v.target is not None:
            line += f"; target ≥ {v.target:.0%}: {'met' if v.met else 'NOT met'}"
            if v.effective_covered is not None:
                line += " by that estimate (`simulate` or `plan` decides it)"
        out.append(line)
    return out


def footed_spend(result: SolveResult) -> list[dict]:
    """Budget, spend and unused per year and in total, in cents that foot: each project's years
    split by largest remainder (model/money.py), spend = Σ of those, unused = budget − spend."""
    from facility_opt.model.money import cents, footed_by_year

    years = sorted(result.budget_by_year)
    _, spend = footed_by_year({pid: result.spend_by_project.get(pid, {})
                               for pid in result.portfolio.starts}, years)
    rows = [{"year": y, "budget": cents(result.budget_by_year[y]), "spend": spend[y],
             "unused": cents(result.budget_by_year[y]) - spend[y]} for y in years]
    rows.append({"year": None, **{k: sum((r[k] for r in rows), cents(0))
                                  for k in ("budget", "spend", "unused")}})
    return rows


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
              f"{fmt_money(result.total_cost, u)}  [{result.solver}, {seconds:.2f} s]")
    t = Table(title=f"Spend against budget ({u})", title_justify="left")
    for col in ("year", "budget", "spend", "unused"):
        t.add_column(col, justify="right")
    rows = footed_spend(result)
    for r in rows[:-1]:
        t.add_row(str(r["year"]), fmt_money(r["budget"]), fmt_money(r["spend"]),
                  fmt_money(r["unused"]))
    total = rows[-1]
    t.add_section()
    t.add_row("total", fmt_money(total["budget"]), fmt_money(total["spend"]),
              fmt_money(total["unused"]))
    con.print(t)
    for line in unused_reasons(scenario, result):
        con.print(f"  {line}")
    rec = summary_record(scenario, result)
    kinds = ", ".join(f"{k} {n}" for k, n in rec["selected_by_kind"].items()) or "none"
    con.print(f"Selected by kind: {kinds}")
    for k, v in rec["targets"]["min_count"].items():
        con.print(f"  target {k} ≥ {v['required']}: {v['selected']} "
                  f"({'met' if v['met'] else 'NOT met'})")
    for line in coverage_lines(result):
        con.print(f"  {line}")
    if explanation is not None:
        # the table above shows each year's unused budget in cents that foot; the explanation's
        # restatement from the MILP's exact slack (2.325 → 2.33 beside the table's 2.32) is left out
        lines = [ln for ln in explanation.lines(limit=7) if not ln.startswith("Unused budget:")]
        for line in lines[:6]:
            con.print(f"  • {line}")
    if least is not None:
        proven = "" if least.status == SolveStatus.OPTIMAL else (
            f"; search stopped before its proof (gap {100 * (least.gap or 0):.3f} %, a work, time "
            f"or --gap limit), no plan below {least.lower_total or 0:,.2f} {u}")
        con.print(f"Least cost meeting every target: {least.total:,.2f} {u} "
                  f"(×{least.scale:.4f} of each year's budget; "
                  f"{least.extra:,.2f} {u} more than budgeted{proven})")
        if least.free_total is not None:
            fp = "" if least.free_status == SolveStatus.OPTIMAL else (
                f"; gap {least.free_gap or 0:.2%}")
            con.print(f"Least total with any split across years: {least.free_total:,.2f} {u} ("
                      + ", ".join(f"{y} {v:,.2f}" for y, v in sorted(
                          least.free_budget_by_year.items())) + f"{fp})")
    con.print(f"Results: {target}")


UNUSED_SHARE = 0.01  # a year's money left unspent above this share of its budget is explained


def unused_reasons(scenario: Scenario, result: SolveResult) -> list[str]:
    """Why money stays unused, year by year: the benefit horizon when no project started that
    year can earn benefit (a rule, so certain), else what optimality proves."""
    from facility_opt.solve.milp import benefit_until

    out = []
    u = result.budget_unit
    until = benefit_until(scenario) if result.objective_kind == "benefit" else None
    for r in footed_spend(result):
        if r["year"] is None:  # the total row
            continue
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
