"""The `facility-opt` command line: a thin Typer layer over the Python API.

Each command imports its module only when it runs, so `facility-opt --help` stays fast. Domain
errors become one line on stderr and the contract's exit code (2 bad input, 3 infeasible, 1 other,
130 interrupted); never a traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from facility_opt import __version__
from facility_opt.cli.options import (
    AnnexOutOpt,
    CompareOutOpt,
    FrontierOutOpt,
    OutOpt,
    ReplOpt,
    ScenarioArg,
    SchedulerOpt,
    SeedOpt,
    SolverOpt,
    SolveWorkersOpt,
    WorkersOpt,
    _at_least_one,
    _not_negative,
    _number,
    _whole_number,
)
from facility_opt.cli.running import INTERRUPTED, QUIET, _fail, _run, _say_interrupted
from facility_opt.errors import InputError

app = typer.Typer(
    name="facility-opt",
    help="Choose, test and justify community-facility investments (Leshan 14th Five-Year Plan).",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"facility-opt {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    version: Annotated[bool, typer.Option("--version", callback=_version_callback,
                                          is_eager=True, help="Show the version and exit.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q",
                                        help="No progress on stderr (results and errors still show).")]
    = False,
    no_wait: Annotated[bool, typer.Option("--no-wait",
                                          help="A results folder another command is writing is an "
                                          "error (exit 2) instead of a wait. Accepted anywhere on "
                                          "the command line.")] = False,
) -> None:
    """facility-opt: which community facilities to fund, when, and whether the day-care target
    is met."""
    import time
    from datetime import UTC, datetime

    from facility_opt.results.folder import COMMAND_STARTED
    from facility_opt.results.lock import NO_WAIT, WAIT_NOTICE

    # the start of the run for manifest.json, before the command loads its modules
    started = COMMAND_STARTED.set((datetime.now(UTC), time.perf_counter()))
    quiet_token = QUIET.set(quiet)
    wait_tokens = (NO_WAIT.set(no_wait), WAIT_NOTICE.set(_say_waiting))
    ctx.call_on_close(lambda: (COMMAND_STARTED.reset(started), QUIET.reset(quiet_token),
                               NO_WAIT.reset(wait_tokens[0]), WAIT_NOTICE.reset(wait_tokens[1])))


def _say_waiting(text: str) -> None:
    """A second command on a results folder in use says whom it waits for (even with --quiet:
    otherwise a wait looks like a hang)."""
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


def _check_solver(solver: str) -> str:
    s = solver.lower()
    if s not in ("highs", "cbc"):
        raise InputError.one("command line", "--solver", solver, "highs or cbc")
    return s


@app.command()
def solve(
    scenario: ScenarioArg = None,
    out: OutOpt = None,
    solver: SolverOpt = "highs",
    time_limit: Annotated[float | None, typer.Option("--time-limit", parser=_number,
                          callback=_not_negative,
                          help="Seconds; returns the best plan found with its gap.",
                          show_default=False)] = None,
    gap: Annotated[float, typer.Option("--gap", parser=_number, callback=_not_negative,
                   help="Relative MIP gap accepted (0 = proven optimal).")] = 0.0,
    force_in: Annotated[list[str] | None, typer.Option("--force-in",
                        help="Project id that must be funded (repeatable).",
                        show_default=False)] = None,
    force_out: Annotated[list[str] | None, typer.Option("--force-out",
                         help="Project id that must not be funded (repeatable).",
                         show_default=False)] = None,
    least_cost: Annotated[bool, typer.Option("--least-cost",
                          help="Find the smallest budget, in the scenario's annual proportions, "
                          "that meets every target.")] = False,
    explain: Annotated[bool, typer.Option("--explain/--no-explain",
                       help="Write explanations: binding rules, worth of more budget, cost of "
                       "forcing each project in or out.")] = True,
    verbose: Annotated[bool, typer.Option("--verbose", help="Show the solver's log.")] = False,
    workers: SolveWorkersOpt = None,
) -> None:
    """Choose which projects to fund and when (exact MILP), and explain the choice."""
    from facility_opt.cli.solve_cmd import run_solve

    _run(run_solve, scenario=scenario, out=out, solver=_check_solver(solver),
         time_limit=time_limit, gap=gap, force_in=force_in or [], force_out=force_out or [],
         least_cost=least_cost, explain=explain, verbose=verbose, workers=workers)


@app.command()
def simulate(
    scenario: ScenarioArg = None,
    out: OutOpt = None,
    replications: ReplOpt = None,
    seed: SeedOpt = None,
    workers: WorkersOpt = 1,
    portfolio: Annotated[Path | None, typer.Option("--portfolio",
                         help="selection.csv of a portfolio (default: solve first).",
                         show_default=False)] = None,
    days: Annotated[int | None, typer.Option("--days", parser=_whole_number,
                    callback=_at_least_one,
                    help="Open days sampled per year and replication (default: scenario).",
                    show_default=False)] = None,
    scheduler: SchedulerOpt = None,
    solver: SolverOpt = "highs",
    precision: Annotated[float | None, typer.Option(
        "--precision", parser=_number, callback=_not_negative, metavar="HALF_WIDTH",
        help="Add replications (batches of 10, at most 1,000) until every 95% interval's "
             "half-width is at most this share, e.g. 0.005.", show_default=False)] = None,
) -> None:
    """Simulate day-care demand year by year: coverage with confidence intervals."""
    from facility_opt.cli.simulate_cmd import run_simulate

    _run(run_simulate, scenario=scenario, out=out, replications=replications, seed=seed,
         workers=workers, portfolio=portfolio, days=days, scheduler=scheduler,
         solver=_check_solver(solver), precision=precision)


@app.command()
def futures(
    scenario: ScenarioArg = None,
    portfolio: Annotated[Path | None, typer.Option("--portfolio",
                         help="selection.csv of a portfolio (default: solve first).",
                         show_default=False)] = None,
    out: OutOpt = None,
    futures: Annotated[int | None, typer.Option("--futures", parser=_whole_number,
                       callback=_at_least_one,
                       help="Futures to sample (default: uncertainty.futures).",
                       show_default=False)] = None,
    seed: Annotated[int | None, typer.Option("--seed", parser=_whole_number,
                    help="Seed of the Latin hypercube (default: uncertainty.seed).",
                    show_default=False)] = None,
    workers: WorkersOpt = 1,
    scheduler: SchedulerOpt = None,
    replications: Annotated[int, typer.Option("--replications", parser=_whole_number,
                            callback=_at_least_one,
                            help="Replications simulated in each future.")] = 1,
    days: Annotated[int | None, typer.Option("--days", parser=_whole_number,
                    callback=_at_least_one,
                    help="Open days sampled per replication (default: scenario).",
                    show_default=False)] = None,
    solver: SolverOpt = "highs",
) -> None:
    """Will the plan meet the target if the city grows differently? Simulate sampled futures."""
    from facility_opt.cli.futures_cmd import run_futures_cmd

    _run(run_futures_cmd, scenario=scenario, portfolio=portfolio, out=out, futures=futures,
         seed=seed, workers=workers, scheduler=scheduler, replications=replications, days=days,
         solver=_check_solver(solver))


@app.command()
def plan(
    scenario: ScenarioArg = None,
    out: OutOpt = None,
    replications: ReplOpt = None,
    seed: SeedOpt = None,
    workers: WorkersOpt = 1,
    scheduler: SchedulerOpt = None,
    solver: SolverOpt = "highs",
    max_iterations: Annotated[int | None, typer.Option("--max-iterations", parser=_whole_number,
                              callback=_at_least_one,
                              help="Most solve → simulate rounds (default: scenario).",
                              show_default=False)] = None,
    robust: Annotated[float | None, typer.Option(
        "--robust", parser=_number, metavar="P",
        help="Plan for the [uncertainty] futures: the best portfolio meeting the target in at "
             "least a share P (0–1] of them, or the exact money it needs.",
        show_default=False)] = None,
    futures: Annotated[int | None, typer.Option("--futures", parser=_whole_number,
                       callback=_at_least_one,
                       help="With --robust: futures to sample (default: uncertainty.futures).",
                       show_default=False)] = None,
) -> None:
    """Solve, simulate, and solve again until the day-care target is met (or say what it costs)."""
    from facility_opt.cli.plan_cmd import run_plan

    _run(run_plan, scenario=scenario, out=out, replications=replications, seed=seed,
         workers=workers, scheduler=scheduler, solver=_check_solver(solver),
         max_iterations=max_iterations, robust=robust, futures=futures)


@app.command()
def frontier(
    scenario: ScenarioArg = None,
    out: FrontierOutOpt = None,
    budgets: Annotated[str | None, typer.Option("--budgets",
                       help="Total budgets: START:STOP:STEP or A,B,C (scenario unit).",
                       show_default=False)] = None,
    workers: WorkersOpt = 1,
    scheduler: SchedulerOpt = None,
    solver: SolverOpt = "highs",
) -> None:
    """Optimal benefit across total budgets: the budget–benefit frontier."""
    from facility_opt.cli.frontier_cmd import run_frontier

    _run(run_frontier, scenario=scenario, out=out, budgets=budgets, workers=workers,
         scheduler=scheduler, solver=_check_solver(solver))


@app.command()
def compare(
    inputs: Annotated[list[str], typer.Argument(help="Scenarios (.toml or bundled names) or "
                                                "results folders.")],
    out: CompareOutOpt = None,
    replications: ReplOpt = None,
    seed: SeedOpt = None,
    workers: WorkersOpt = 1,
    solver: SolverOpt = "highs",
) -> None:
    """Compare scenarios side by side: plots (PNG, SVG) and compare.csv."""
    from facility_opt.cli.compare_cmd import run_compare

    _run(run_compare, inputs=inputs, out=out, replications=replications, seed=seed,
         workers=workers, solver=_check_solver(solver))


@app.command()
def annex(
    results_dir: Annotated[Path, typer.Argument(help="Results folder of solve or plan.")],
    out: AnnexOutOpt = None,
    lang: Annotated[str, typer.Option("--lang", help="zh (default) or en.")] = "zh",
) -> None:
    """Write the budget-request annex (Excel, PDF, Markdown) from a results folder."""
    from facility_opt.cli.annex_cmd import run_annex

    if lang not in ("zh", "en"):
        _fail(InputError.one("command line", "--lang", lang, "zh or en"))
    _run(run_annex, results_dir=results_dir, out=out, lang=lang)


@app.command(name="map")
def map_(
    results_dir: Annotated[Path, typer.Argument(help="Results folder of solve, simulate or plan.")],
    out: Annotated[Path | None, typer.Option("-o", "--out", help="Folder for the maps "
                   "(default: RESULTS_DIR/maps/).", show_default=False)] = None,
    county: Annotated[str | None, typer.Option("--county", help="Draw only this county's map "
                      "(default: the city and every county).", show_default=False)] = None,
) -> None:
    """Draw maps (PNG, SVG): coverage of each community, centres and their reach, funded projects."""
    from facility_opt.cli.map_cmd import run_map

    _run(run_map, results_dir=results_dir, out=out, county=county)


@app.command()
def validate(scenario: ScenarioArg = None) -> None:
    """Check a scenario and its tables; report every problem found."""
    from facility_opt.cli.scenario_cmds import run_validate

    _run(run_validate, scenario=scenario)


@app.command()
def scenarios() -> None:
    """List the bundled scenarios."""
    from facility_opt.cli.scenario_cmds import run_scenarios

    _run(run_scenarios)


@app.command()
def init(
    directory: Annotated[Path, typer.Argument(metavar="DIR",
                         help="Folder to create with a template scenario and empty tables.")],
    force: Annotated[bool, typer.Option("--force", help="Overwrite template files that exist.")]
    = False,
    source: Annotated[str | None, typer.Option("--from", help="Copy this scenario (bundled name "
                      "or .toml) and its tables instead of writing empty templates.",
                      show_default=False)] = None,
) -> None:
    """Write a commented template scenario and empty CSV tables to fill in (or, with --from, an
    editable copy of an existing scenario)."""
    from facility_opt.cli.scenario_cmds import run_init

    _run(run_init, directory=directory, force=force, source=source)


def main() -> None:
    """Console-script entry point. Ctrl-C ends with exit 130 and one line, wherever it lands: in
    a command, or while Typer parses options or imports the command's module (Typer then exits
    130 silently)."""
    if "--no-wait" in sys.argv[2:]:  # a global option, accepted after the command name too
        sys.argv.remove("--no-wait")
        sys.argv.insert(1, "--no-wait")
    try:
        app()
    except KeyboardInterrupt:
        _say_interrupted()
        sys.exit(INTERRUPTED)
    except SystemExit as done:
        if done.code == INTERRUPTED:
            _say_interrupted()
        raise


if __name__ == "__main__":
    main()

