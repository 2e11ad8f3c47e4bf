"""One judgement of the coverage target: on every bundled scenario, solve, plan, frontier and
compare give the same verdict for the same portfolio (all of them ask model/targets.judge, with
effective coverage from the same simulation when targets.max_turned_away is on)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from facility_opt.scenario.bundled import bundled_scenarios

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("name", [b.name for b in bundled_scenarios()])
def test_every_command_gives_the_same_verdict(name: str, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from facility_opt.cli import app
    from facility_opt.decide.compare import headline, judge_simulated, read_results_folder
    from facility_opt.decide.frontier import judge_portfolio
    from facility_opt.model.targets import judge
    from facility_opt.scenario import load_scenario
    from facility_opt.simulate import simulate

    out = tmp_path / "plan"
    reps = "3"  # the same simulation below: same seed, same replications (kept short for CI)
    result = CliRunner().invoke(app, ["--quiet", "plan", name, "-o", str(out), "--replications", reps])
    if result.exit_code == 3:  # no plan meets the rules at any budget: nothing to judge
        assert not (out / "plan.json").exists()
        return
    assert result.exit_code == 0, result.output
    rec = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    from dataclasses import replace

    from facility_opt.simulate.core import read_portfolio

    sc = load_scenario(name)  # frontier simulates with the scenario's replications: plan's here
    sc = replace(sc, simulation=replace(sc.simulation, replications=int(reps)))

    pf = read_portfolio(out / "selection.csv", sc)
    sim = simulate(sc, pf, replications=int(reps))
    plan_says = {y: v["met"] for y, v in rec["coverage"].items()}
    by_compare = {str(y): v.met for y, v in judge_simulated(sc, pf, sim).items()}
    by_frontier = {str(y): v.met for y, v in judge_portfolio(sc, pf).items()}
    assert plan_says == by_compare == by_frontier
    assert rec["met"] == all(plan_says.values())
    row = headline(read_results_folder(out), [])
    assert row["target_met"] == rec["met"]
    # solve judges the same portfolio the same way on plain coverage
    plain = {str(y): v.covered for y, v in judge(sc, pf).items()}
    assert plain == {y: v["covered"] for y, v in rec["coverage"].items()}
