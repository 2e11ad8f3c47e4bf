"""Effective coverage: within reach *and* turning away at most targets.max_turned_away of the
community's requests. Checked on systems whose answer is known without the tool: an idle centre
turns nobody away, a one-place centre under heavy demand turns most away (Erlang's loss formula
bounds it), and with the limit off effective coverage is plain facility coverage."""

from __future__ import annotations

from dataclasses import replace

import pytest

from facility_opt.model.queueing import day_start_places, erlang_b
from facility_opt.model.types import (
    Budget,
    Centre,
    Community,
    Daycare,
    Scenario,
    Simulation,
    Targets,
)
from facility_opt.simulate import simulate


def three_communities(limit: float) -> Scenario:
    """A: 2 requests/day, a 30-place centre (never full); B: 30 requests/day, a 1-place centre
    (always full); C: no centre within reach."""
    return Scenario(
        name="eff", years=(2020,), base_year=2020, budget=Budget(annual={2020: 0.0}),
        candidates=(),
        communities=(
            Community("A", "A", "X", "city", households=1, population=1, elderly=2.0,
                      x_km=0.0, y_km=0.0),
            Community("B", "B", "X", "city", households=1, population=1, elderly=30.0,
                      x_km=10.0, y_km=0.0),
            Community("C", "C", "X", "city", households=1, population=1, elderly=5.0,
                      x_km=20.0, y_km=0.0),
        ),
        centres=(Centre("KA", "A", 30, 0.0, 0.0), Centre("KB", "B", 1, 10.0, 0.0)),
        daycare=Daycare(visits_per_elderly_per_day=1.0),
        targets=Targets(daycare_coverage=0.5, max_turned_away=limit),
        simulation=Simulation(replications=6, seed=3, sampled_days=10),
    )


def test_only_the_community_with_room_is_effectively_covered():
    res = simulate(three_communities(0.05), progress=False)
    rows = {r["community_id"]: r for r in res.community_load}
    assert rows["A"]["turned_away_share"] == 0.0 and rows["A"]["effectively_covered"] == 1
    # one place, 30 requests a day of 6-hour stays: far more than half are turned away (Erlang's
    # steady state would turn away B(21.2, 1) = 95 %; an empty morning helps only the first one)
    assert rows["B"]["turned_away_share"] > 0.8 and rows["B"]["effectively_covered"] == 0
    assert erlang_b(30 / 8.5 * 6, 1) > 0.9
    assert rows["C"]["within_reach"] is False and rows["C"]["turned_away_share"] == 1.0
    assert rows["C"]["effectively_covered"] == 0
    assert res.effective_ids(2020) == {"A"}
    plain = res.coverage_row(2020, "facility_coverage")
    eff = res.coverage_row(2020, "effective_coverage")
    assert plain["mean"] == pytest.approx(2 / 3) and eff["mean"] == pytest.approx(1 / 3)
    assert eff["p_target_met"] == 0.0 and plain["p_target_met"] == 1.0
    assert res.judged_metric == "effective_coverage" and not res.met(2020, res.judged_metric)


def test_with_the_limit_off_effective_coverage_is_plain_coverage():
    res = simulate(three_communities(1.0), progress=False)
    assert res.effective_ids(2020) == {"A", "B"}
    assert res.coverage_row(2020, "effective_coverage") == dict(
        res.coverage_row(2020, "facility_coverage"), metric="effective_coverage")
    assert res.judged_metric == "facility_coverage"


def test_a_community_near_the_limit_gets_a_real_interval():
    # B's centre sized by day_start_places so its turned-away share sits just under 5 %:
    # replications of 3 days disagree on it, so effective coverage has a spread across
    # replications while facility coverage has none
    sc = three_communities(0.05)
    places = day_start_places(30.0, sc.daycare, 0.05)
    sc = replace(sc, centres=(sc.centres[0], replace(sc.centres[1], places=places)),
                 simulation=Simulation(replications=12, seed=5, sampled_days=3))
    res = simulate(sc, progress=False)
    share = {r["community_id"]: r["turned_away_share"] for r in res.community_load}["B"]
    assert 0.01 < share < 0.12
    eff = res.coverage_row(2020, "effective_coverage")
    assert eff["ci_low"] < eff["mean"] < eff["ci_high"]
    assert 0.0 < eff["p_target_met"] < 1.0
    plain = res.coverage_row(2020, "facility_coverage")
    assert plain["ci_low"] == plain["mean"] == plain["ci_high"]
    reps = [r["effective_coverage"] for r in res.replication_rows]
    assert set(reps) == {1 / 3, 2 / 3}
