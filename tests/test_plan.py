"""`plan` on small scenarios whose answer is known by hand or by brute force.

What it guarantees, each a test here:
- round 1 is the exact MILP with the coverage target inside: a user's 4-community case that a
  heuristic once left "budget exhausted" with money unused gets the forced-in project at once;
- "met" is a simulated fact: effective coverage (turning away ≤ targets.max_turned_away) moves
  the portfolio — a community the simulation sees overflowing gets a places cut and the next
  round buys the places;
- "not met" is proven: the MILP with the simulation's requirements has no plan within the
  budget, and the extra money is the exact least cost (scenario proportions and free split),
  checked against the brute-force referee on random instances — never "+0 and not met";
- an estimate says it is one (rounds ran out), with the reason;
- exit 3 only when the rules alone have no plan.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from builders import write_scenario
from exact_reference import brute_force, least_money, random_tables

from facility_opt.errors import InfeasibleError
from facility_opt.plan import plan, plan_record, verdict_text
from facility_opt.scenario import scenario_from_tables

DAYCARE = {"visits_per_elderly_per_day": 0.01, "opening_hours": 8.0, "stay_hours_mean": 4.0,
           "stay_distribution": "exponential", "arrival_profile": "uniform", "reach_km": 1.0}
SIMULATION = {"replications": 4, "seed": 11, "sampled_days": 10}


def _community(cid: str, x: float, elderly: float) -> dict:
    return {"id": cid, "name": f"社区{cid}", "county": "市中区", "type": "city",
            "households": 1000, "population": 3000, "elderly": elderly, "x_km": x, "y_km": 0.0}


def _candidate(cid: str, kind: str, cost: float, score: float, community: str,
               places: int = 0, **more) -> dict:
    return {"id": cid, "name": cid, "kind": kind, "cost": cost, "score": score,
            "county": "市中区", "community_id": community, "daycare_places": places, **more}


def four_communities(annual: dict[str, float] | None = None):
    """A user's case: A, B, C have a centre each; D, 6 km away, has none, so 3 of 4 are covered
    (75 %) and 90 % needs all four. Three renovations score high and cost 515 together; the one
    project that reaches D (a day-care centre, 500) scores little. 1,300 万元 pays for all."""
    settings = {"name": "four", "horizon": {"base_year": 2021, "years": [2022, 2023]},
                "budget": {"annual": annual or {"2022": 1000, "2023": 300}},
                "objective": {"kind": "score"},
                "targets": {"daycare_coverage": 0.9, "criterion": "mean"},
                "daycare": DAYCARE, "simulation": SIMULATION}
    cands = [_candidate("R1", "renovation", 200, 30, "A"),
             _candidate("R2", "renovation", 165, 25, "B"),
             _candidate("R3", "renovation", 150, 20, "C"),
             _candidate("R4", "renovation", 600, 40, "C"),
             _candidate("DX", "daycare", 500, 1, "D", places=12)]
    comms = [_community("A", 0, 300), _community("B", 2, 300), _community("C", 4, 300),
             _community("D", 10, 300)]
    centres = [{"id": f"K{m}", "community_id": m, "places": 30} for m in "ABC"]
    return scenario_from_tables(settings, cands, comms, centres)


def test_four_community_case_forces_in_the_one_project() -> None:
    res = plan(four_communities())
    assert res.verdict_kind == "met_simulated" and res.met
    assert len(res.rounds) == 1  # the MILP knew the target: no loop needed
    assert "DX" in res.final.portfolio
    v = res.final.verdicts[2023]
    assert (v.covered, v.communities, v.met) == (4, 4, True)
    text = verdict_text(res)
    assert text.startswith("TARGET MET (simulated)") and "exhausted" not in text
    # the best score without the target (R4 + R1 + R2 + R3 would not fit) is given up for D
    assert res.final.objective == pytest.approx(1 + 30 + 25 + 20)


def test_target_beyond_the_budget_is_proven_with_the_exact_money() -> None:
    """Budgets 300 + 100: DX (500, one build year) fits no year. No plan within the budget
    covers D (proven); least cost in the scenario's proportions (3:1): DX in 2022 needs 500 in
    2022 → scale 5/3 → 500 + 166.67 = 666.67 (rounded up to the cost step); free split 500."""
    res = plan(four_communities({"2022": 300, "2023": 100}))
    assert res.verdict_kind == "not_met_proven" and not res.met
    assert "proven by the optimiser" in res.reason and "no plan within the budget" in res.reason
    lc = res.least_cost
    assert lc.status.value == "optimal"
    assert lc.budget_by_year[2022] == pytest.approx(500)
    assert lc.budget_by_year[2023] == pytest.approx(167)  # 166.67 rounded up to the cost step
    assert res.free_total == pytest.approx(500)
    assert res.extra_budget_by_year[2022] == pytest.approx(200)
    assert sum(res.extra_budget_by_year.values()) > 0  # never "+0 and not met"
    # what the money does buy: the most communities coverable within it (3 of 4)
    assert res.final.verdicts[2023].covered == 3
    text = verdict_text(res)
    assert text.startswith("TARGET NOT MET (proven)")
    assert "2022 +200" in text and "free split" in text
    rec = plan_record(res)
    assert rec["verdict_kind"] == "not_met_proven"
    assert rec["least_cost"]["status"] == "optimal" and rec["least_cost"]["free_total"] == 500
    assert rec["least_cost"]["target_met_simulated"] is True
    # that round's objective is a coverage count, not the scenario's score: said, not mixed in
    assert res.final.best_coverage and rec["iterations"][-1]["objective_kind"] == "coverage"
    from io import StringIO

    from rich.console import Console

    from facility_opt.cli.plan_cmd import print_plan

    buf = StringIO()
    print_plan(res, Console(file=buf, width=200))
    line = next(x for x in buf.getvalue().splitlines() if "most coverage the budget buys" in x)
    assert f"{res.final.objective:,.1f}" not in line


@pytest.mark.parametrize("seed", range(16))
def test_plan_verdict_and_money_match_brute_force(seed: int) -> None:
    """Plain coverage (max_turned_away off): plan meets the target exactly when some plan within
    the budget does; otherwise it is proven not met and its least money is the referee's."""
    t = random_tables(seed)
    plans = brute_force(t)
    within = [p for p in plans if _fits(t, p)]
    need = _need(t)
    reachable = any(all(len(p.covered[y]) >= need for y in t.target_years) for p in within)
    sc = t.scenario(simulation={"replications": 2, "sampled_days": 2, "seed": 1})
    try:
        res = plan(sc)
    except InfeasibleError:
        assert not within, "plan refused although the rules have a plan within the budget"
        return
    if reachable:
        assert res.verdict_kind == "met_simulated"
        return
    assert res.verdict_kind == "not_met_proven"
    money = least_money(t, plans)
    if money is None:
        assert res.least_cost is None and res.least_cost_error
        return
    assert res.least_cost.scale == pytest.approx(money[0], rel=1e-6)
    assert res.free_total == pytest.approx(money[1], abs=1e-6)
    assert res.least_cost.total > sc.budget.total - 1e-6


def _fits(t, p) -> bool:
    from exact_reference import within

    return within(t, p, t.budget)


def _need(t) -> int:
    from exact_reference import required_covered

    return required_covered(t)


# -- effective coverage: the simulation moves money ----------------------------------------------

def overflowing(max_iterations: int | None = None, annual: dict[str, float] | None = None):
    """Communities A and B, 0.5 km apart, each 3,000 residents 60+ × 0.01 = 30 requests a day
    (4 h stays in an 8 h day), no centre yet. The MILP sizes each community alone: the 20 places
    of C1 (at A, within reach of both) are more than a day that starts empty needs for 30
    requests, so C1 counts for both and the budget goes to R1 (best score) as well. The
    simulation sees 60 requests a day on 20 places: both turn away far more than 5 %. Only C1 +
    C2 (40 places) serve both."""
    settings = {"name": "overflow", "horizon": {"base_year": 2021, "years": [2022, 2023]},
                "budget": {"annual": annual or {"2022": 110, "2023": 10}},
                "objective": {"kind": "score"},
                "targets": {"daycare_coverage": 0.9, "criterion": "mean",
                            "max_turned_away": 0.05},
                "daycare": DAYCARE, "simulation": SIMULATION,
                **({"plan": {"max_iterations": max_iterations}} if max_iterations else {})}
    cands = [_candidate("R1", "renovation", 50, 10, "A"),
             _candidate("C1", "complex", 50, 1, "A", places=20),
             _candidate("C2", "complex", 50, 1, "B", places=20)]
    from facility_opt.scenario.tables import table_from_rows

    return scenario_from_tables(settings, cands,
                                [_community("A", 0.0, 3000), _community("B", 0.5, 3000)],
                                table_from_rows("centres", [], ["id", "community_id", "places"]))


def test_overflowing_communities_get_cuts_and_the_places() -> None:
    from facility_opt.model.queueing import day_start_places

    sc = overflowing()
    alone = day_start_places(30.0, sc.daycare, 0.05)
    assert alone <= 20  # the MILP's own sizing is satisfied by C1 alone
    res = plan(sc)
    assert [r.round for r in res.rounds] == [1, 2]
    first, second = res.rounds
    assert {"R1", "C1"} <= set(first.portfolio.starts)
    assert first.verdicts[2023].covered == 2 and first.verdicts[2023].effective_covered < 2
    cuts = {c.community_id: c for c in second.cuts_added}
    assert set(cuts) == {c for c in "AB"} - set(_effective(res, 0))
    for cut in cuts.values():
        assert (cut.year, cut.round, cut.new_places_then) == (2023, 1, 20)
        assert cut.min_places == 21 and cut.sized_places == alone
        assert cut.turned_away_share > 0.05
    assert set(second.portfolio.starts) == {"C1", "C2"} and second.met
    assert res.verdict_kind == "met_simulated"
    assert "turning away ≤ 5 %" in res.reason


def test_rounds_simulate_the_target_years_and_the_plan_kept_every_year() -> None:
    """A round is judged on the target years only; the plan kept is simulated in every year,
    and its target-year figures are those of a full simulation of the same portfolio."""
    from facility_opt.simulate.core import simulate
    from facility_opt.simulate.inputs import simulation_years

    sc = overflowing()
    res = plan(sc)
    every = set(simulation_years(sc))
    assert len(every) > 1 and len(res.rounds) == 2
    assert set(res.rounds[0].figures) == {2023}
    assert set(res.rounds[-1].figures) == every == set(res.simulation.years)
    full = simulate(sc, res.final.portfolio)  # every year in one run, nothing reused
    for table in ("coverage", "centre_load", "community_load", "replication_rows",
                  "centres_used"):
        assert getattr(res.simulation, table) == getattr(full, table), table
    assert res.simulation.simpy_share == full.simpy_share
    rec = plan_record(res)
    assert set(rec["iterations"][0]["coverage_after"]) == {"2023"}
    assert set(rec["iterations"][-1]["coverage_after"]) == {str(y) for y in every}


def test_a_year_simulated_alone_equals_that_year_of_a_full_simulation() -> None:
    """Streams keyed by year and days that start empty: every table's rows of a year are the
    same whether the year is simulated alone or with the others (plan's rounds rely on it)."""
    from facility_opt.simulate.core import simulate

    sc = overflowing()
    pf = plan(sc).final.portfolio
    full = simulate(sc, pf, replications=3)
    for year in full.years:
        alone = simulate(sc, pf, replications=3, years=[year])
        assert tuple(alone.years) == (year,)
        for table in ("coverage", "centre_load", "community_load", "replication_rows"):
            rows = [r for r in getattr(full, table) if int(r["year"]) == year]
            assert rows == getattr(alone, table), (table, year)
            assert rows or table == "centre_load", (table, year)


def _effective(res, r: int) -> set[str]:
    return {c for c in "AB" if c not in {k.community_id for k in res.rounds[r + 1].cuts_added}}


def test_overflow_the_budget_cannot_fix_is_proven() -> None:
    """60 in 2022 pays for one complex: after the cuts no plan exists (proven), and the least
    money is C1 + C2, in proportion 60:10 → 100 + 16.67 (17 at the cost step); free split 100."""
    res = plan(overflowing(annual={"2022": 60, "2023": 10}))
    assert res.verdict_kind == "not_met_proven"
    assert len(res.rounds) == 1 and res.cuts
    assert res.least_cost.budget_by_year[2022] == pytest.approx(100)
    assert res.least_cost.budget_by_year[2023] == pytest.approx(17)
    assert res.free_total == pytest.approx(100)
    assert res.least_cost_verdicts[2023].effective_covered == 2  # that money works, simulated
    assert "more may be needed" not in verdict_text(res)


def test_rounds_running_out_is_an_estimate() -> None:
    res = plan(overflowing(max_iterations=1))
    assert res.verdict_kind == "not_met_estimate"
    assert "plan.max_iterations" in res.reason
    assert verdict_text(res).startswith("TARGET NOT MET (estimate)")


# -- the command ------------------------------------------------------------------------------------

def _write_scenario(tmp_path: Path, must_fund_cost: float | None = None) -> Path:
    toml = """name = "overflow"
[horizon]
base_year = 2021
years = [2022, 2023]
[budget]
annual = { 2022 = 110, 2023 = 10 }
[data]
candidates = "candidates.csv"
communities = "communities.csv"
centres = "centres.csv"
[objective]
kind = "score"
[targets]
daycare_coverage = 0.9
criterion = "mean"
max_turned_away = 0.05
[daycare]
visits_per_elderly_per_day = 0.01
opening_hours = 8.0
stay_hours_mean = 4.0
stay_distribution = "exponential"
arrival_profile = "uniform"
reach_km = 1.0
[simulation]
replications = 4
seed = 11
sampled_days = 10
"""
    cands = ("id,name,kind,cost,score,county,community_id,daycare_places,must_fund\n"
             "R1,R1,renovation,50,10,市中区,A,0,0\nC1,C1,complex,50,1,市中区,A,20,0\n"
             "C2,C2,complex,50,1,市中区,B,20,0\n")
    if must_fund_cost is not None:
        cands += f"M1,M1,renovation,{must_fund_cost},1,市中区,A,0,1\n"
    return write_scenario(
        tmp_path / "sc", toml, toml_name="s.toml", candidates=cands,
        communities="id,name,county,type,households,population,elderly,x_km,y_km\n"
        "A,社区A,市中区,city,1000,3000,3000,0,0\nB,社区B,市中区,city,1000,3000,3000,0.5,0\n",
        centres="id,community_id,places\n").parent


def test_rules_without_a_plan_exit_3(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from facility_opt.cli import app
    from facility_opt.scenario import load_scenario

    folder = _write_scenario(tmp_path, must_fund_cost=500)
    result = CliRunner().invoke(app, ["plan", str(folder / "s.toml"), "-o",
                                      str(tmp_path / "out")])
    assert result.exit_code == 3, result.output
    assert not (tmp_path / "out").exists()
    with pytest.raises(InfeasibleError):
        plan(load_scenario(folder / "s.toml"))


def test_plan_command_writes_the_verdict_and_its_proof(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from facility_opt.cli import app
    from facility_opt.report import plots

    folder = _write_scenario(tmp_path)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["plan", str(folder / "s.toml"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "TARGET MET (simulated)" in result.output and "Plan rounds" in result.output
    assert "Why: simulated in round 2" in result.output
    for name in ("summary.json", "selection.csv", "spend.csv", "coverage.csv",
                 "centre_load.csv", "community_load.csv", "plan.json", "plan.png", "plan.svg",
                 "manifest.json", "scenario.json"):
        assert (out / name).is_file(), name
    rec = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert rec["verdict_kind"] == "met_simulated" and rec["met"] is True
    assert rec["verdict_reason"].startswith("simulated in round 2")
    assert [it["iteration"] for it in rec["iterations"]] == [1, 2]
    assert rec["iterations"][1]["added"] == ["C2"] and rec["iterations"][1]["removed"] == ["R1"]
    assert rec["iterations"][1]["requirements_added"][0]["community_id"] == "A"
    assert rec["requirements"][0]["min_places"] == 21
    assert rec["coverage"]["2023"] == {"covered": 2, "communities": 2, "share": 1.0,
                                       "basis": "reach", "effective_covered": 2,
                                       "target": 0.9, "met": True}
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["plan"]["verdict_kind"] == "met_simulated"
    assert summary["coverage"] == rec["coverage"]
    assert "C1,C1,complex,1,2022" in (out / "selection.csv").read_text(encoding="utf-8")
    data = plots.plan_iterations_data(rec)
    assert data.metrics["service_coverage"]["mean"] == [
        it["coverage_after"]["2023"]["service_coverage"]["mean"] for it in rec["iterations"]]
    out2 = tmp_path / "out2"
    assert CliRunner().invoke(app, ["plan", str(folder / "s.toml"), "-o", str(out2)]
                              ).exit_code == 0
    for name in ("plan.json", "coverage.csv", "selection.csv", "summary.json"):
        assert (out / name).read_bytes() == (out2 / name).read_bytes(), name


def test_every_stop_reason_plan_writes_has_words_in_both_languages() -> None:
    from facility_opt.decide.plan_report import STOP_REASONS
    from facility_opt.report.terms import has_term, term

    for reason in STOP_REASONS.values():
        assert has_term(f"plan.stop.{reason}"), reason
        zh, en = term(f"plan.stop.{reason}", "zh"), term(f"plan.stop.{reason}", "en")
        assert zh != en and not zh.isascii()
