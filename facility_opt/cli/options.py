"""The option declarations the commands share (scenario argument, -o, --solver, --workers,
--seed, --replications, --scheduler) and the parsers that make a wrong value show in the message.
Declared once here so every command spells and checks an option the same way."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

ScenarioArg = Annotated[
    str | None,
    typer.Argument(help="Scenario .toml file or bundled name (default: leshan-base).",
                   show_default=False),
]
def _out_option(default: str) -> typer.models.OptionInfo:
    """-o with the folder this command really writes to when it is left out."""
    return typer.Option("-o", "--out", help=f"Results folder (default: {default}).",
                        show_default=False)


OutOpt = Annotated[Path | None, _out_option("results/<scenario name>/ under the current directory")]
FrontierOutOpt = Annotated[Path | None, _out_option("results/<scenario name>/frontier/")]
CompareOutOpt = Annotated[Path | None, _out_option("results/compare/")]
AnnexOutOpt = Annotated[Path | None, _out_option("RESULTS_DIR/annex/")]
def _solver_option(value: str) -> str:
    """Refuse an unknown --solver while parsing, before any command module loads."""
    if value is not None and value.lower() not in ("highs", "cbc"):
        raise typer.BadParameter(f"{value!r} is not a solver here: expected highs or cbc")
    return value


def _at_least_one(value: int | None) -> int | None:
    """Counts such as --workers and --replications: the message shows the value found."""
    if value is not None and value < 1:
        raise typer.BadParameter(f"{value} is too small: expected a whole number ≥ 1")
    return value


def _whole_number(text: str) -> int:
    """Parse counts and seeds so that a wrong value is shown in the message (Typer's own message
    names the option but not the value)."""
    try:
        return int(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a whole number") from None


def _number(text: str) -> float:
    """Parse --gap and --time-limit; the message shows the text found."""
    try:
        return float(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a number") from None


def _not_negative(value: float | None) -> float | None:
    """--gap and --time-limit: the message shows the value found."""
    if value is not None and not value >= 0:  # also refuses nan
        raise typer.BadParameter(f"{value} is not allowed: expected a number ≥ 0")
    return value


SolverOpt = Annotated[str, typer.Option("--solver", callback=_solver_option,
                                        help="MILP solver: highs or cbc.")]
WorkersOpt = Annotated[int, typer.Option("--workers", parser=_whole_number,
                                         callback=_at_least_one,
                                         help="Parallel worker processes.")]
SolveWorkersOpt = Annotated[
    int | None,
    typer.Option("--workers", parser=_whole_number, callback=_at_least_one,
                 help="Solver threads answering the explanation re-solves at once (default: "
                 "one per core, at most 4; the tables are the same for any number).",
                 show_default=False),
]
SchedulerOpt = Annotated[
    str | None,
    typer.Option("--scheduler", help="Dask scheduler address (needs the [dask] extra); "
                 "'local' starts a LocalCluster.", show_default=False),
]
SeedOpt = Annotated[int | None, typer.Option("--seed", parser=_whole_number,
                                             help="Root random seed (default: scenario).",
                                             show_default=False)]
ReplOpt = Annotated[int | None, typer.Option("--replications", parser=_whole_number,
                                             callback=_at_least_one,
                                             help="Replications (default: scenario).",
                                             show_default=False)]
