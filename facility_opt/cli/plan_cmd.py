"""`facility-opt plan`: run the loop, write its folder, print the rounds and the verdict."""

from __future__ import annotations

from pathlib import Path

from facility_opt.cli.console import wide_console
from facility_opt.decide.plan import PlanResult, plan
from facility_opt.decide.plan_report import verdict_text, write_plan_outputs
from facility_opt.model.targets import effective_on, target_years


def print_plan(res: PlanResult, console=None) -> None:
    """A rich table with one row per round, then the verdict and its reason."""
    from rich.table import Table

    console = console or wide_console()
    sc = res.scenario
    y = target_years(sc)[0]
    eff = effective_on(sc)
    table = Table(title=f"Plan rounds: {sc.name} — communities covered in {y}, target "
                  f"{100 * sc.targets.daycare_coverage:g} %", title_justify="left")
    cols = [("round", "right"), ("projects", "right"), ("change", "left"),
            ("cuts added", "left"), ("objective", "right"), (f"cost ({sc.budget.unit})", "right"),
            ("within reach", "right")]
    if eff:
        cols.append((f"turning away ≤ {100 * sc.targets.max_turned_away:g} %", "right"))
    cols.append(("met", "left"))
    for col, just in cols:
        table.add_column(col, justify=just)
    for r in res.rounds:
        v = r.verdicts.get(y)
        cuts = ", ".join(f"{c.community_id}≥{c.min_places}" for c in r.cuts_added[:4])
        if len(r.cuts_added) > 4:
            cuts += f" +{len(r.cuts_added) - 4}"
        change = "most coverage the budget buys" if r.best_coverage else "first solve" \
            if r.round == 1 else (
            " ".join([*(f"+{a}" for a in r.added[:5]), *(f"−{x}" for x in r.removed[:5])])
            + (" …" if len(r.added) > 5 or len(r.removed) > 5 else "") or "none")
        objective = "—" if r.best_coverage else f"{r.objective:,.1f}"  # a coverage count there
        row = [str(r.round), str(len(r.portfolio)), change, cuts or "—", objective,
               f"{r.total_cost:,.0f}", f"{v.covered}/{v.communities}" if v else "—"]
        if eff:
            row.append(f"{v.effective_covered}/{v.communities}" if v and
                       v.effective_covered is not None else "—")
        row.append("yes" if r.met else "no")
        table.add_row(*row)
    console.print(table)
    console.print(f"Why: {res.reason}", soft_wrap=True)
    style = "bold green" if res.met else "bold red"
    console.print(verdict_text(res), style=style, soft_wrap=True)


def run_plan(scenario: str | None, out: Path | None, replications: int | None,
             seed: int | None, workers: int, scheduler: str | None, solver: str,
             max_iterations: int | None, robust: float | None = None,
             futures: int | None = None) -> int:
    """`facility-opt plan`: exit 0 when the loop ran (the verdict says met or not), 3 when even
    the first solve has no plan (raised as InfeasibleError)."""
    if robust is not None:
        from facility_opt.cli.robust_cmd import run_robust_plan

        return run_robust_plan(scenario, out, robust, replications, seed, workers, scheduler,
                               solver, max_iterations, futures)
    if futures is not None:
        from facility_opt.errors import InputError

        raise InputError.one("command line", "--futures", futures,
                             "--robust P as well (futures are sampled for the robust plan)")
    from facility_opt.results.folder import ResultsFolder, default_results_dir
    from facility_opt.scenario.loading import load_scenario
    from facility_opt.solve.solvers import solver_version

    sc = load_scenario(scenario)
    res = plan(sc, solver=solver, replications=replications, seed=seed, workers=workers,
               scheduler=scheduler, max_iterations=max_iterations)
    target = Path(out) if out is not None else default_results_dir(sc.name)
    with ResultsFolder(target, "plan") as folder:
        folder.manifest.update({"solver": solver, "solver_version": solver_version(solver),
                                "seed": res.seed,
                                "replications": replications or sc.simulation.replications,
                                "workers": workers})
        write_plan_outputs(folder, res, workers=workers)
    console = wide_console()
    print_plan(res, console)
    console.print(f"Results in {target}")
    return 0
