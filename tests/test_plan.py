"""The plan loop on small scenarios whose answer is known by hand.

- one under-capacity centre that one complex fixes: the first solve (score objective) prefers a
  renovation, the simulation shows visits turned away, the Erlang-sized requirement makes the
  next solve choose the complex, and coverage then meets the target;
- an uncovered community that one renovation with day-care places covers;
- a target the budget cannot pay for: the least-cost mode's extra money per year, checked by hand;
- a scenario whose first solve is infeasible: exit 3.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from facility_opt.errors import InfeasibleError
from facility_opt.model.portfolio import Portfolio
from facility_opt.plan import (
    CoverageFigure,
    erlang_b,
    erlang_places,
    facility_coverage,
    offered_load,
    plan,
    propose_requirements,
    reach_map,
    verdict_text,
)
from facility_opt.scenario import scenario_from_tables

DAYCARE = {"visits_per_elderly_per_day": 0.01, "opening_hours": 8.0, "stay_hours_mean": 4.0,
           "stay_distribution": "exponential", "arrival_profile": "uniform", "reach_km": 1.0}
SIMULATION = {"replications": 4, "seed": 11, "sampled_days": 10}


def _community(cid: str, x: float, elderly: float) -> dict:
    return {"id": cid, "name": f"社区{cid}", "county": "市中区", "type": "city",
            "households": 1000, "population": 3000, "elderly": elderly, "x_km": x, "y_km": 0.0}


def _candidate(cid: str, kind: str, cost: float, score: float, community: str,
               places: int = 0) -> dict:
    return {"id": cid, "name": cid, "kind": kind, "cost": cost, "score": score,
            "county": "市中区", "community_id": community, "daycare_places": places}


def under_capacity_scenario(annual: dict[str, float] | None = None, r1_cost: float = 50):
    """Community A: 2000 residents 60+ × 0.01 visits = 20 requests a day, 4 h stays in an 8 h
    day: offered load 10 Erlangs against an existing centre of 5 places (B(10, 5) = 0.564)."""
    settings = {"name": "one-centre", "horizon": {"base_year": 2021, "years": [2022, 2023]},
                "budget": {"annual": annual or {"2022": 60, "2023": 10}},
                "objective": {"kind": "score"},
                "targets": {"daycare_coverage": 0.9, "criterion": "mean"},
                "daycare": DAYCARE, "simulation": SIMULATION}
    cands = [_candidate("R1", "renovation", r1_cost, 10, "A"),
             _candidate("C1", "complex", 50, 1, "A", places=20)]
    return scenario_from_tables(settings, cands, [_community("A", 0.0, 2000)],
                                [{"id": "K1", "community_id": "A", "places": 5}])


def uncovered_scenario():
    """A (with a large centre) and B, 5 km away with none: facility coverage 50 %."""
    settings = {"name": "uncovered", "horizon": {"base_year": 2021, "years": [2022, 2023]},
                "budget": {"annual": {"2022": 40, "2023": 5}},
                "objective": {"kind": "score"},
                "targets": {"daycare_coverage": 0.9, "criterion": "ci_low"},
                "daycare": DAYCARE, "simulation": SIMULATION}
    cands = [_candidate("RX", "renovation", 30, 5, "A"),
             _candidate("RB", "renovation", 30, 1, "B", places=10)]
    return scenario_from_tables(settings, cands,
                                [_community("A", 0.0, 500), _community("B", 5.0, 100)],
                                [{"id": "K1", "community_id": "A", "places": 40}])


# -- Erlang B: textbook values -------------------------------------------------------------------

def test_erlang_b_known_values() -> None:
    assert erlang_b(1.0, 1) == pytest.approx(0.5)  # a / (1 + a)
    assert erlang_b(2.0, 2) == pytest.approx(0.4)  # (4/2) / (1 + 2 + 2)
    assert erlang_b(10.0, 5) == pytest.approx(0.5640, abs=1e-4)  # Erlang B table
    assert erlang_b(10.0, 13) == pytest.approx(0.0843, abs=1e-4)
    assert erlang_b(3.0, 0) == 1.0


def test_erlang_places_is_the_smallest_enough() -> None:
    assert erlang_places(10.0, 0.1) == 13  # B(10, 12) = 0.1197 > 0.1 ≥ B(10, 13) = 0.0843
    assert erlang_places(10.0, 0.01) == 18  # table: B(10, 18) = 0.0071, B(10, 17) = 0.0129
    assert erlang_places(0.0, 0.1) == 0
    for a in (0.5, 3.7, 25.0):
        c = erlang_places(a, 0.05)
        assert erlang_b(a, c) <= 0.05 < erlang_b(a, c - 1)
    assert offered_load(20.0, 4.0, 8.0) == pytest.approx(10.0)


# -- coverage geometry ----------------------------------------------------------------------------

def test_facility_coverage_from_geometry() -> None:
    sc = uncovered_scenario()
    assert facility_coverage(sc, Portfolio(), 2023) == 0.5
    # RB starting 2022 completes in 2022, serves from 2023; starting 2023 serves only from 2024
    assert facility_coverage(sc, Portfolio({"RB": 2022}), 2023) == 1.0
    assert facility_coverage(sc, Portfolio({"RB": 2023}), 2023) == 0.5
    assert facility_coverage(sc, Portfolio({"RB": 2022}), 2022) == 0.5


# -- the loop --------------------------------------------------------------------------------------

def test_under_capacity_centre_is_fixed_by_the_complex() -> None:
    sc = under_capacity_scenario()
    res = plan(sc)
    assert res.met and res.stop_reason == "met"
    assert len(res.iterations) == 2
    first, second = res.iterations
    # the first solve maximises score: the renovation (10) beats the complex (1); both cost 50
    # and 2022's budget of 60 pays for one
    assert first.portfolio.starts == {"R1": 2022}
    svc = first.coverage_after[2023]["service_coverage"]
    assert svc.mean < 0.7  # 5 places for a load of 10 Erlangs turn many visits away
    assert not first.met
    # the requirement: Erlang-sized places within reach of A, minus the 5 that exist
    (req,) = second.requirements_added
    assert (req.community_id, req.year, req.reason) == ("A", 2023, "turned_away")
    ev_requests = next(r["requests"] for r in _first_sim_rows(sc, first.portfolio)
                       if r["community_id"] == "A" and r["year"] == 2023)
    load = ev_requests * 4.0 / 8.0
    assert load == pytest.approx(10.0, rel=0.15)  # 20 requests a day, by hand
    assert req.min_places == erlang_places(load, 0.1) - 5
    assert 6 <= req.min_places <= 10  # 13 - 5 = 8 at exactly 10 Erlangs
    assert second.portfolio.starts == {"C1": 2022}
    assert second.added == ["C1"] and second.removed == ["R1"]
    after = second.coverage_after[2023]["service_coverage"]
    assert after.mean >= 0.9 and second.met
    # coverage before round 2 is round 1's
    assert second.coverage_before[2023]["service_coverage"].mean == svc.mean


def _first_sim_rows(sc, portfolio):
    from facility_opt.simulate import simulate

    return simulate(sc, portfolio).community_load


def test_uncovered_community_is_covered_by_a_renovation_with_places() -> None:
    sc = uncovered_scenario()
    res = plan(sc)
    assert res.met
    first, second = res.iterations
    assert first.portfolio.starts == {"RX": 2022}
    assert first.coverage_after[2023]["facility_coverage"].mean == pytest.approx(0.5)
    reqs = [(p.community_id, p.year, p.min_places, p.reason) for p in second.requirements_added]
    assert reqs == [("B", 2023, 1, "uncovered")]
    assert second.portfolio.starts == {"RB": 2022}
    assert second.coverage_after[2023]["facility_coverage"].mean == pytest.approx(1.0)


def test_target_beyond_budget_reports_extra_money_by_year() -> None:
    # R1 now costs 20 and fits; C1 (50) does not fit 2022's 30, so the requirement is
    # unaffordable. Least cost, by hand: C1 must start in 2022 (to serve in 2023), so
    # s = 50 / 30 and the budgets become 50 (2022) and 15 × 5/3 = 25 (2023): extra +20 and +10.
    sc = under_capacity_scenario(annual={"2022": 30, "2023": 15}, r1_cost=20)
    res = plan(sc)
    assert not res.met
    assert res.stop_reason == "budget_exhausted"
    assert len(res.iterations) == 1 and res.iterations[0].portfolio.starts == {"R1": 2022}
    assert [(p.community_id, p.year) for p in res.unaffordable] == [("A", 2023)]
    assert res.least_cost is not None
    assert res.extra_budget_by_year == pytest.approx({2022: 20.0, 2023: 10.0})
    assert res.least_cost.result.portfolio.starts["C1"] == 2022
    assert res.least_cost_met is True  # with the extra money the complex meets the target
    text = verdict_text(res)
    assert "TARGET NOT MET" in text and "2022 +20" in text and "2023 +10" in text


def test_no_candidate_can_serve_the_gap() -> None:
    """B is uncovered and no candidate has places near it: nothing more helps."""
    sc = uncovered_scenario()
    sc2 = scenario_from_tables(
        {"name": "stuck", "horizon": {"base_year": 2021, "years": [2022, 2023]},
         "budget": {"annual": {"2022": 40, "2023": 5}}, "objective": {"kind": "score"},
         "targets": {"daycare_coverage": 0.9}, "daycare": DAYCARE, "simulation": SIMULATION},
        [_candidate("RX", "renovation", 30, 5, "A")],
        [_community("A", 0.0, 500), _community("B", 5.0, 100)],
        [{"id": "K1", "community_id": "A", "places": 40}])
    assert sc.name != sc2.name
    res = plan(sc2)
    assert not res.met and res.stop_reason == "no_candidate"
    assert res.least_cost is None
    assert any("facility coverage 2023" in s for s in res.unservable)


def test_requirements_ranked_by_visits_at_stake() -> None:
    """Hand-made evidence: two covered communities turning visits away; the one losing more
    comes first and its size follows Erlang B."""
    sc = scenario_from_tables(
        {"name": "rank", "horizon": {"base_year": 2021, "years": [2022, 2023]},
         "budget": {"annual": {"2022": 100, "2023": 100}}, "objective": {"kind": "score"},
         "targets": {"daycare_coverage": 0.9, "criterion": "mean"}, "daycare": DAYCARE},
        [_candidate("CA", "complex", 10, 1, "A", places=30),
         _candidate("CB", "complex", 10, 1, "B", places=30)],
        [_community("A", 0.0, 2000), _community("B", 10.0, 1000)],
        [{"id": "KA", "community_id": "A", "places": 5},
         {"id": "KB", "community_id": "B", "places": 3}])
    from facility_opt.plan import CommunityEvidence

    ev = {2023: {"A": CommunityEvidence("A", 2023, 20.0, 9.0, 11.0, True),
                 "B": CommunityEvidence("B", 2023, 10.0, 5.0, 5.0, True)}}
    cov = {2023: {"facility_coverage": CoverageFigure(1.0, 1.0, 1.0),
                  "service_coverage": CoverageFigure(14 / 30, 0.4, 0.5)}}
    props, unservable = propose_requirements(sc, Portfolio(), cov, ev, {}, reach_map(sc))
    assert [p.community_id for p in props] == ["A", "B"]
    # A: a = 20 × 4 / 8 = 10 Erlangs → 13 places, 5 exist → 8; B: a = 5 → 8 places
    # (B(5, 7) = 0.120 > 0.1 ≥ B(5, 8) = 0.070), 3 exist → 5. The gap is 0.9 × 30 − 14 = 13
    # visits a day: A holds 11, so B (5 more) is needed too.
    assert erlang_places(5.0, 0.1) == 8
    assert [p.min_places for p in props] == [8, 5]
    assert unservable == []


def test_first_solve_infeasible_exits_3(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from facility_opt.cli import app

    folder = _write_scenario(tmp_path, must_fund_cost=500)
    result = CliRunner().invoke(app, ["plan", str(folder / "s.toml"), "-o",
                                      str(tmp_path / "out")])
    assert result.exit_code == 3, result.output
    assert not (tmp_path / "out").exists()
    with pytest.raises(InfeasibleError):
        from facility_opt.scenario import load_scenario

        plan(load_scenario(folder / "s.toml"))


def test_plan_command_writes_everything(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from facility_opt.cli import app

    folder = _write_scenario(tmp_path)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["plan", str(folder / "s.toml"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "TARGET MET" in result.output and "Plan loop" in result.output
    for name in ("summary.json", "selection.csv", "spend.csv", "coverage.csv",
                 "centre_load.csv", "plan.json", "plan.png", "plan.svg", "manifest.json",
                 "scenario.json"):
        assert (out / name).is_file(), name
    rec = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert rec["met"] is True and rec["stop_reason"] == "met"
    assert [it["iteration"] for it in rec["iterations"]] == [1, 2]
    assert rec["iterations"][1]["added"] == ["C1"]
    assert rec["iterations"][1]["requirements_added"][0]["community_id"] == "A"
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["plan"]["met"] is True
    assert "C1,C1,complex,1,2022" in (out / "selection.csv").read_text(encoding="utf-8")
    # the plan plot's data is the plan.json numbers
    from facility_opt.report import plots

    data = plots.plan_iterations_data(rec)
    assert data.metrics["service_coverage"]["mean"] == [
        it["coverage_after"]["2023"]["service_coverage"]["mean"] for it in rec["iterations"]]
    # same inputs and seed: byte-identical plan.json and CSVs
    out2 = tmp_path / "out2"
    assert CliRunner().invoke(app, ["plan", str(folder / "s.toml"), "-o", str(out2)]
                              ).exit_code == 0
    for name in ("plan.json", "coverage.csv", "selection.csv", "summary.json"):
        assert (out / name).read_bytes() == (out2 / name).read_bytes(), name


def _write_scenario(tmp_path: Path, must_fund_cost: float | None = None) -> Path:
    folder = tmp_path / "sc"
    folder.mkdir()
    (folder / "s.toml").write_text("""name = "one-centre"
[horizon]
base_year = 2021
years = [2022, 2023]
[budget]
annual = { 2022 = 60, 2023 = 10 }
[data]
candidates = "candidates.csv"
communities = "communities.csv"
centres = "centres.csv"
[objective]
kind = "score"
[targets]
daycare_coverage = 0.9
criterion = "mean"
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
""", encoding="utf-8")
    cands = ("id,name,kind,cost,score,county,community_id,daycare_places,must_fund\n"
             "R1,R1,renovation,50,10,市中区,A,0,0\nC1,C1,complex,50,1,市中区,A,20,0\n")
    if must_fund_cost is not None:
        cands += f"M1,M1,renovation,{must_fund_cost},1,市中区,A,0,1\n"
    (folder / "candidates.csv").write_text(cands, encoding="utf-8")
    (folder / "communities.csv").write_text(
        "id,name,county,type,households,population,elderly,x_km,y_km\n"
        "A,社区A,市中区,city,1000,3000,2000,0,0\n", encoding="utf-8")
    (folder / "centres.csv").write_text("id,community_id,places\nK1,A,5\n", encoding="utf-8")
    return folder


def test_covered_only_by_the_portfolio_stays_covered() -> None:
    """A round must not trade one community's coverage for another's: communities that only the
    portfolio's places cover are protected while facility coverage falls short."""
    from facility_opt.plan import protect_coverage

    sc = uncovered_scenario()
    reach = reach_map(sc)
    short = {2023: {"facility_coverage": False, "service_coverage": True}}
    kept = protect_coverage(sc, Portfolio({"RB": 2022}), reach, short)
    assert [(p.community_id, p.year, p.min_places, p.reason) for p in kept] == [
        ("B", 2023, 1, "keep_covered")]  # A is covered by its own centre: nothing to protect
    assert protect_coverage(sc, Portfolio({"RB": 2022}), reach,
                            {2023: {"facility_coverage": True, "service_coverage": False}}) == []


def test_an_unaffordable_requirement_does_not_block_cheaper_ones() -> None:
    """B (more residents 60+, ranked first) can only be served by a complex the budget cannot pay
    for; C can be served by a cheap renovation. The loop must still cover C (it used to keep only
    the longest affordable prefix of the ranked requirements, so B blocked C)."""
    settings = {"name": "blocked", "horizon": {"base_year": 2021, "years": [2022, 2023]},
                "budget": {"annual": {"2022": 40, "2023": 5}},
                "objective": {"kind": "score"},
                "targets": {"daycare_coverage": 0.9, "criterion": "ci_low"},
                "daycare": DAYCARE, "simulation": SIMULATION}
    cands = [_candidate("RX", "renovation", 30, 5, "A"),
             _candidate("CB", "complex", 100, 1, "B", places=20),
             _candidate("RC", "renovation", 20, 1, "C", places=10)]
    sc = scenario_from_tables(settings, cands,
                              [_community("A", 0.0, 500), _community("B", 5.0, 300),
                               _community("C", 10.0, 100)],
                              [{"id": "K1", "community_id": "A", "places": 40}])
    res = plan(sc)
    assert not res.met
    assert res.iterations[0].portfolio.starts == {"RX": 2022}
    second = res.iterations[1]
    assert [p.community_id for p in second.requirements_added] == ["C"]
    assert [p.community_id for p in second.requirements_dropped] == ["B"]
    assert "RC" in res.final.portfolio.starts and "CB" not in res.final.portfolio.starts
    assert second.coverage_after[2023]["facility_coverage"].mean == pytest.approx(2 / 3)
