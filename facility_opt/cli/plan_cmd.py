"""`facility-opt plan`: run the loop, write its folder, print the rounds and the verdict."""

from __future__ import annotations

from pathlib import Path

from facility_opt.decide.plan import (
    STOP_TEXT,
    PlanResult,
    format_coverage,
    plan,
    verdict_text,
    write_plan_outputs,
)
from facility_opt.model.targets import target_years


def print_plan(res: PlanResult, console=None) -> None:
    """A rich table with one row per round, then the verdict."""
    from rich.table import Table

    console = console or _console()
    sc = res.scenario
    y = target_years(sc)[0]
    table = Table(title=f"Plan loop: {sc.name} — coverage in {y}, mean [95 % CI], "
                  f"target {100 * sc.targets.daycare_coverage:g} %", title_justify="left")
    for col, just in (("round", "right"), ("projects", "right"), ("change", "left"),
                      ("new requirements", "left"), ("objective", "right"),
                      (f"cost ({sc.budget.unit})", "right"), ("facility coverage", "right"),
                      ("service coverage", "right"), ("met", "left")):
        table.add_column(col, justify=just)
    for it in res.iterations:
        c = it.coverage_after.get(y, {})
        reqs = ", ".join(f"{p.community_id}≥{p.min_places}" for p in it.requirements_added[:4])
        if len(it.requirements_added) > 4:
            reqs += f" +{len(it.requirements_added) - 4}"
        if it.requirements_dropped:
            reqs += f" ({len(it.requirements_dropped)} unaffordable)"
        change = "first solve" if it.iteration == 1 else (
            " ".join([*(f"+{a}" for a in it.added[:5]), *(f"−{r}" for r in it.removed[:5])])
            + (" …" if len(it.added) > 5 or len(it.removed) > 5 else "") or "none")
        table.add_row(str(it.iteration), str(len(it.portfolio)), change, reqs or "—",
                      f"{it.objective:,.1f}", f"{it.total_cost:,.0f}",
                      format_coverage(c.get("facility_coverage")), format_coverage(c.get("service_coverage")),
                      "yes" if it.met else "no")
    console.print(table)
    console.print(f"Stopped: {STOP_TEXT[res.stop_reason]}"
                  + (f" ({res.stop_detail})" if res.stop_detail else ""))
    style = "bold green" if res.met else "bold red"
    console.print(verdict_text(res), style=style, soft_wrap=True)


def _console():
    """A rich console; wide enough for the round table when output goes to a file or pipe."""
    from rich.console import Console

    console = Console()
    if not console.is_terminal:
        console = Console(width=160)
    return console


def run_plan(scenario: str | None, out: Path | None, replications: int | None,
             seed: int | None, workers: int, scheduler: str | None, solver: str,
             max_iterations: int | None) -> int:
    """`facility-opt plan`: exit 0 when the loop ran (the verdict says met or not), 3 when even
    the first solve has no plan (raised as InfeasibleError)."""
    from facility_opt.results.folder import (
        ResultsFolder,
        default_results_dir,
        scenario_manifest,
        scenario_record,
    )
    from facility_opt.scenario.loading import load_scenario
    from facility_opt.solve.solvers import solver_version

    sc = load_scenario(scenario)
    res = plan(sc, solver=solver, replications=replications, seed=seed, workers=workers,
               scheduler=scheduler, max_iterations=max_iterations)
    target = Path(out) if out is not None else default_results_dir(sc.name)
    with ResultsFolder(target, "plan") as folder:
        folder.manifest.update(scenario_manifest(sc))
        folder.manifest.update({"solver": solver, "solver_version": solver_version(solver),
                                "seed": res.seed,
                                "replications": replications or sc.simulation.replications,
                                "workers": workers})
        folder.write_json("scenario.json", scenario_record(sc))
        write_plan_outputs(folder, res)
    console = _console()
    print_plan(res, console)
    console.print(f"Results in {target}")
    return 0
