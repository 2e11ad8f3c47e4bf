"""`facility-opt futures`: simulate the portfolio in every sampled future, write futures.csv,
robustness.json and the plot, and say in one sentence how likely the plan is to hold."""

from __future__ import annotations

import sys
from pathlib import Path


def run_futures_cmd(scenario: str | None = None, portfolio: Path | None = None,
                    out: Path | None = None, futures: int | None = None, seed: int | None = None,
                    workers: int = 1, scheduler: str | None = None, replications: int = 1,
                    days: int | None = None, solver: str = "highs") -> int:
    """The `futures` command: load, take or solve the portfolio, run the futures, write, say."""
    from facility_opt.decide.futures import run_futures, write_futures_files
    from facility_opt.results.folder import (
        ResultsFolder,
        default_results_dir,
        scenario_manifest,
        scenario_record,
        sha256_file,
    )
    from facility_opt.scenario.loading import load_scenario
    from facility_opt.simulate.portfolio_file import SELECTION_COLUMNS, read_portfolio, selection_rows

    sc = load_scenario(scenario)
    if portfolio is not None:
        pf = read_portfolio(portfolio, sc)
    else:
        from facility_opt.solve.core import solve

        pf = solve(sc, solver=solver).portfolio
    res = run_futures(sc, pf, futures=futures, seed=seed, replications=replications, days=days,
                      workers=workers, scheduler=scheduler)
    target = Path(out) if out is not None else default_results_dir(sc.name) / "futures"
    with ResultsFolder(target, "futures") as folder:
        write_futures_files(folder, res, title=sc.title or sc.name)
        folder.write_csv("selection.csv", SELECTION_COLUMNS, selection_rows(sc, pf))
        folder.write_json("scenario.json", scenario_record(sc))
        folder.manifest.update(scenario_manifest(sc))
        folder.manifest["seed"] = res.seed
        folder.manifest["replications"] = res.replications
        folder.manifest["futures"] = {"futures": res.futures, "seed": res.seed,
                                      "simulation_seed": res.simulation_seed,
                                      "replications_per_future": res.replications,
                                      "sampled_days": res.days, "workers": workers}
        if portfolio is not None:
            folder.manifest["portfolio"] = {"path": Path(portfolio).name,
                                            "sha256": sha256_file(Path(portfolio))}
        else:
            folder.manifest["portfolio"] = {"solved_with": solver}
    years = ", ".join(str(y) for y in res.years)
    sys.stdout.write(f"{sc.name}: {res.futures} futures (Latin hypercube, seed {res.seed}) of "
                     f"{', '.join(res.inputs)}; target {res.target:.0%} in {years}, "
                     f"{res.replications} replication(s) × {res.days} days each\n")
    sys.stdout.write(f"The plan {res.verdict()}.\n")
    sys.stdout.write(f"results: {target}\n")
    return 0
