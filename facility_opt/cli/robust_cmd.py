"""`facility-opt plan --robust P`: the robust plan's rounds, its verdict, and its folder."""

from __future__ import annotations

from pathlib import Path

from facility_opt.decide.robust import RobustResult


def print_robust(res: RobustResult, console) -> None:
    """One row per round: cost, futures met by the MILP's estimate and by the simulation."""
    from rich.table import Table

    from facility_opt.decide.robust_report import verdict_text

    sc = res.scenario
    n = res.setup.futures
    table = Table(title=f"Robust plan rounds: {sc.name} — target "
                  f"{100 * sc.targets.daycare_coverage:g} % in ≥ {res.required} of {n} futures "
                  f"({', '.join(sc.uncertainty.inputs)})", title_justify="left")
    for col, just in (("round", "right"), ("projects", "right"),
                      (f"cost ({sc.budget.unit})", "right"), ("cuts", "right"),
                      ("futures met (MILP estimate)", "right"),
                      ("futures met (simulated)", "right"), ("met", "left")):
        table.add_column(col, justify=just)
    for r in res.rounds:
        table.add_row(str(r.round), str(len(r.portfolio)), f"{r.total_cost:,.0f}",
                      str(r.cuts_added), f"{sum(r.estimated_met)}/{n}", f"{r.met_count}/{n}",
                      "yes" if r.met_count >= res.required else "no")
    console.print(table)
    if res.curve:
        parts = [f"≥ {p.futures_met}/{n}: {p.total:,.0f}" if p.total is not None else
                 f"≥ {p.futures_met}/{n}: no budget" for p in res.curve]
        console.print(f"Least budget ({sc.budget.unit}, scenario's proportions; MILP sizing "
                      f"estimate) — " + "; ".join(parts), soft_wrap=True)
    console.print(f"Why: {res.reason}", soft_wrap=True)
    console.print(verdict_text(res), style="bold green" if res.met else "bold red", soft_wrap=True)


def run_robust_plan(scenario: str | None, out: Path | None, share: float,
                    replications: int | None, seed: int | None, workers: int,
                    scheduler: str | None, solver: str, max_iterations: int | None,
                    futures: int | None) -> int:
    from facility_opt.cli.console import wide_console
    from facility_opt.decide.robust import robust_plan
    from facility_opt.decide.robust_report import write_robust_outputs
    from facility_opt.results.folder import ResultsFolder, default_results_dir
    from facility_opt.scenario.loading import load_scenario
    from facility_opt.solve.solvers import solver_version

    sc = load_scenario(scenario)
    if seed is not None:
        from dataclasses import replace

        sc = replace(sc, simulation=replace(sc.simulation, seed=seed))
    res = robust_plan(sc, share, solver=solver, futures=futures, replications=replications or 1,
                      workers=workers, scheduler=scheduler, max_iterations=max_iterations)
    target = Path(out) if out is not None else default_results_dir(sc.name) / "robust"
    with ResultsFolder(target, "plan") as folder:
        folder.manifest.update({"solver": solver, "solver_version": solver_version(solver),
                                "seed": sc.simulation.seed, "replications": replications or 1,
                                "workers": workers})
        write_robust_outputs(folder, res, workers=workers)
    console = wide_console()
    print_robust(res, console)
    console.print(f"Results in {target}")
    return 0
