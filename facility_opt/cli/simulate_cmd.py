"""`facility-opt simulate`: load, take or solve the portfolio, simulate, write, summarise."""

from __future__ import annotations

import math
import sys
from pathlib import Path

from facility_opt.simulate.core import SimulationResult, simulate
from facility_opt.simulate.outputs import write_simulation_outputs
from facility_opt.simulate.portfolio_file import SELECTION_COLUMNS, read_portfolio, selection_rows


def run_simulate(scenario: str | None = None, out: Path | None = None,
                 replications: int | None = None, seed: int | None = None, workers: int = 1,
                 portfolio: Path | None = None, days: int | None = None,
                 scheduler: str | None = None, solver: str = "highs",
                 precision: float | None = None) -> int:
    """The `simulate` command: load, take or solve the portfolio, simulate, write, summarise."""
    from facility_opt.results.folder import ResultsFolder, default_results_dir
    from facility_opt.scenario.loading import load_scenario
    from facility_opt.scenario.sites import SITE_COLUMNS, site_rows

    sc = load_scenario(scenario)
    solved = None
    if portfolio is not None:
        pf = read_portfolio(portfolio, sc)
    else:
        from facility_opt.solve.core import solve

        solved = solve(sc, solver=solver)
        pf = solved.portfolio
    result = simulate(sc, pf, replications=replications, seed=seed, days=days, workers=workers,
                      scheduler=scheduler, precision=precision)
    target = Path(out) if out is not None else default_results_dir(sc.name)
    with ResultsFolder(target, "simulate") as folder:
        write_simulation_outputs(folder, sc, result)
        verdicts = simulated_verdicts(sc, pf, result)
        # the simulated verdict (a fact, where solve's effective coverage is an estimate): the
        # annex of a solve → simulate folder shows this one
        folder.write_json("verdict.json", {"source": "simulate", "replications": result.replications,
                                           "coverage": {str(y): v.record()
                                                        for y, v in sorted(verdicts.items())}})
        folder.write_csv("sites.csv", SITE_COLUMNS, site_rows(sc, pf.starts))  # for `map`
        if solved is not None:
            from facility_opt.solve.outputs import selection_rows as solved_selection_rows

            columns, rows = solved_selection_rows(sc, solved)
            folder.write_csv("selection.csv", columns, rows)
        elif Path(portfolio).resolve() != (folder.target / "selection.csv").resolve():
            # the portfolio of another folder or file: this folder's simulation is of it
            folder.write_csv("selection.csv", SELECTION_COLUMNS, selection_rows(sc, pf))
        # else: simulating this folder's own selection.csv, which stays the file its solve wrote
        if portfolio is not None:
            from facility_opt.results.folder import sha256_file

            folder.manifest["portfolio"] = {"path": Path(portfolio).name,
                                            "sha256": sha256_file(Path(portfolio))}
            folder.manifest["inputs"]["portfolio"] = folder.manifest["portfolio"]
        else:
            folder.manifest["portfolio"] = {"solved_with": solver}
            folder.manifest.update({"solver": solved.solver,
                                    "solver_version": solved.solver_version})
    _print_summary(result, target, verdicts)
    return 0


def simulated_verdicts(sc, pf, result: SimulationResult) -> dict:
    """The one judgement of the target (model/targets.judge) on this simulation: the verdict
    plan, compare and the annex give for the same portfolio."""
    from facility_opt.model.targets import judge_simulated

    return {y: v for y, v in judge_simulated(sc, pf, result).items() if y in result.years}


def _print_summary(result: SimulationResult, target: Path, verdicts: dict | None = None) -> None:
    out = sys.stdout
    out.write(f"{result.scenario}: {result.replications} replications × {result.days} open "
              f"days per year (seed {result.seed}); target {result.target:.0%}\n")
    basis = "lower 95% bound" if result.criterion == "ci_low" else "mean"
    limit = result.max_turned_away
    if limit < 1.0:
        out.write(f"effective coverage: within reach and at most {limit:.0%} of requests turned "
                  "away (simulated); the target is judged on it\n")
    out.write(f"year  facility coverage  effective coverage (95% CI)  service coverage (95% CI)"
              f"  target met ({basis})\n")
    for y in result.years:
        f = result.coverage_row(y, "facility_coverage")
        e = result.coverage_row(y, "effective_coverage")
        s = result.coverage_row(y, "service_coverage")
        out.write(f"{y}  {f['mean']:>17.1%}  {e['mean']:>7.1%}{_ci(e):<20}  "
                  f"{s['mean']:>7.1%}{_ci(s):<18}  "
                  f"{'yes' if result.met(y, result.judged_metric) else 'no'}\n")
    for y, v in sorted((verdicts or {}).items()):
        eff = "" if v.effective_covered is None else f", {v.effective_covered} effectively"
        out.write(f"verdict {y}: {v.covered} of {v.communities} communities covered{eff}; "
                  f"target ≥ {v.target:.0%}: {'met' if v.met else 'NOT met'} (the judgement plan, "
                  "compare and the annex give)\n" if v.target is not None else "")
    if result.precision is not None:
        widest = "—" if result.half_width is None else f"{result.half_width:.4f}"
        out.write(f"precision: widest 95% half-width {widest} "
                  + ("≤" if result.precision_met else "NOT ≤")
                  + f" {result.precision:g} after {result.replications} replications"
                  + ("" if result.precision_met else " (the cap): an estimate less precise than "
                     "asked")
                  + "\n")
    out.write(f"results: {target}\n")


def _ci(row: dict) -> str:
    return "" if math.isnan(row["ci_low"]) else f" ({row['ci_low']:.1%}–{row['ci_high']:.1%})"
