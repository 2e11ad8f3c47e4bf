"""The simulation engine: an exact hand-traced event log, agreement with an independent reference
implementation, the exact shortcut, conservation, common random numbers and the demand model."""

from __future__ import annotations

import heapq

import numpy as np
import pytest

from facility_opt.model.portfolio import Portfolio
from facility_opt.model.types import (
    Budget,
    Candidate,
    Centre,
    Community,
    Daycare,
    Scenario,
    Simulation,
)
from facility_opt.simulate import simulate
from facility_opt.simulate.engine import MORNING_PEAK_QUARTER_SHARES, DemandModel, run_loss_system

A, B = 0, 1


def test_hand_traced_event_log_with_overflow_to_a_second_centre():
    # Centre A has 2 places, centre B 1; every visitor tries A first, then B.
    #   v0 t=0   stay 3 → A (1/2)        v3 t=2   stay 2 → v1 has left at 2 → A
    #   v1 t=1   stay 1 → A (2/2)        v4 t=2.5 stay 1 → A full, B full → turned away
    #   v2 t=1.5 stay 2 → A full → B     v5 t=3   stay 1 → v0 has left at 3 → A
    times = [0.0, 1.0, 1.5, 2.0, 2.5, 3.0]
    stays = [3.0, 1.0, 2.0, 2.0, 1.0, 1.0]
    log: list = []
    out = run_loss_system(times, stays, [0] * 6, [(A, B)], [2, 1], log=log)
    assert log == [
        (0.0, "arrive", 0, -1), (0.0, "served", 0, A),
        (1.0, "arrive", 1, -1), (1.0, "served", 1, A),
        (1.5, "arrive", 2, -1), (1.5, "full", 2, A), (1.5, "served", 2, B),
        (2.0, "leave", 1, A), (2.0, "arrive", 3, -1), (2.0, "served", 3, A),
        (2.5, "arrive", 4, -1), (2.5, "full", 4, A), (2.5, "full", 4, B),
        (2.5, "turned_away", 4, -1),
        (3.0, "leave", 0, A), (3.0, "arrive", 5, -1), (3.0, "served", 5, A),
        (3.5, "leave", 2, B),
        (4.0, "leave", 3, A), (4.0, "leave", 5, A),
    ]
    assert out.served_at.tolist() == [A, A, B, A, -1, A]
    assert out.centre_requests.tolist() == [6, 2]  # every visitor tried A; v2 and v4 tried B
    lazy = run_loss_system(times, stays, [0] * 6, [(A, B)], [2, 1])  # the fast release
    assert lazy.served_at.tolist() == out.served_at.tolist()
    assert lazy.centre_requests.tolist() == out.centre_requests.tolist()


def reference_loss_network(times, stays, groups, choices, places):
    """Independent plain-Python implementation: per-centre heaps of departure times."""
    busy: list[list[float]] = [[] for _ in places]
    out = []
    for t, s, g in zip(times, stays, groups, strict=True):
        for h in busy:
            while h and h[0] <= t:
                heapq.heappop(h)
        for k in choices[g]:
            if len(busy[k]) < places[k]:
                heapq.heappush(busy[k], t + s)
                out.append(k)
                break
        else:
            out.append(-1)
    return out


@pytest.mark.parametrize("trial", range(6))
def test_engine_agrees_with_an_independent_reference_on_random_networks(trial):
    rng = np.random.default_rng(100 + trial)
    n, n_k, n_g = 1500, 6, 8
    choices = [tuple(int(k) for k in rng.permutation(n_k)[: rng.integers(1, 4)])
               for _ in range(n_g)]
    places = [int(p) for p in rng.integers(1, 6, n_k)]
    times = np.sort(rng.random(n) * 100.0)
    if trial % 2:  # integer times and stays: many exact ties between departures and arrivals
        times = np.floor(times)
    stays = rng.exponential(2.0, n) if trial % 2 == 0 else rng.integers(1, 4, n).astype(float)
    groups = rng.integers(0, n_g, n)
    expected = reference_loss_network(times, stays, groups, choices, places)
    for release in ("lazy", "events"):
        got = run_loss_system(times, stays, groups, choices, places, release=release)
        assert got.served_at.tolist() == expected
        tried = sum(len(choices[g][: (choices[g].index(k) + 1) if k >= 0 else None])
                    for g, k in zip(groups, expected, strict=True))
        assert int(got.centre_requests.sum()) == tried


# ------------------------------------------------------------------------------------------
# small scenarios
# ------------------------------------------------------------------------------------------
def town(centres, candidates=(), *, elderly=(600, 500, 400, 300), days=6, profile="morning-peak",
         stay="lognormal") -> Scenario:
    """Four communities on a line 0.8 km apart, plus a far-away one (no centre in reach)."""
    comms = [Community(f"K{i}", f"K{i}", "X", "city", households=1000, population=4000,
                       elderly=e, x_km=0.8 * i, y_km=0.0) for i, e in enumerate(elderly)]
    comms.append(Community("FAR", "FAR", "Y", "town", households=500, population=2000,
                           elderly=400, x_km=50.0, y_km=50.0))
    return Scenario(
        name="town", years=(2022, 2023), base_year=2021, budget=Budget(annual={2022: 100,
                                                                                2023: 100}),
        candidates=tuple(candidates), communities=tuple(comms), centres=tuple(centres),
        daycare=Daycare(visits_per_elderly_per_day=0.03, visits_by_type={"town": 0.02},
                        arrival_profile=profile, stay_distribution=stay, reach_km=1.0),
        simulation=Simulation(replications=3, seed=11, sampled_days=days),
    )


def tight_centres():
    return [Centre("D1", "K0", 6, 0.0, 0.0), Centre("D2", "K1", 4, 0.8, 0.0),
            Centre("D3", "K3", 30, 2.4, 0.0, opening_year=2023)]


def test_shortcut_gives_exactly_what_simpy_gives():
    sc = town(tight_centres())
    fast = simulate(sc, exact_shortcut=True)
    full = simulate(sc, exact_shortcut=False)
    assert full.simpy_share == 1.0  # of the visits with a centre in reach
    assert 0.0 < fast.simpy_share < 1.0  # D3 (30 places) never fills: tallied directly
    assert fast.coverage == full.coverage
    assert fast.centre_load == full.centre_load
    assert fast.community_load == full.community_load
    assert fast.replication_rows == full.replication_rows


def test_conservation_at_every_centre_and_community():
    r = simulate(town(tight_centres()))
    for row in r.centre_load:
        assert row["requests"] == pytest.approx(row["served"] + row["turned_away"])
        assert 0.0 <= row["utilisation"] <= 1.0
    for year in r.years:
        centres = [x for x in r.centre_load if x["year"] == year]
        comms = [x for x in r.community_load if x["year"] == year]
        # every visit served is served at exactly one centre
        assert sum(x["served"] for x in centres) == pytest.approx(sum(x["served"] for x in comms))
        for x in comms:
            assert x["requests"] == pytest.approx(x["served"] + x["turned_away"])
            if not x["within_reach"]:
                assert x["served"] == 0.0 and x["requests"] > 0
        # visitors try at least one centre each when one is within reach
        tried = sum(x["requests"] for x in centres)
        assert tried >= sum(x["requests"] for x in comms if x["within_reach"]) - 1e-9
    rep = r.replication_rows[0]
    assert rep["requests"] == pytest.approx(rep["served"] + rep["turned_away"])


def test_opening_year_and_coverage_metrics():
    r = simulate(town(tight_centres()))
    # 2022: K0, K1 (D1, D2) and K2 (0.8 km from D2) are within reach; K3 and FAR are not.
    assert r.coverage_row(2022, "facility_coverage")["mean"] == pytest.approx(3 / 5)
    # 2023: D3 opens in K3
    assert r.coverage_row(2023, "facility_coverage")["mean"] == pytest.approx(4 / 5)
    row = r.coverage_row(2023, "facility_coverage")
    assert row["ci_low"] == row["ci_high"] == row["mean"]  # deterministic given the portfolio
    assert row["p_target_met"] == 0.0  # 80 % < 90 %
    pop = r.coverage_row(2023, "facility_coverage_population")["mean"]
    assert pop == pytest.approx(16000 / 18000)
    served = r.coverage_row(2023, "service_coverage")
    assert served["ci_low"] < served["mean"] < served["ci_high"]
    assert not r.met(2023) and not r.met(2023, "service_coverage")


def test_a_portfolio_adds_places_from_the_year_after_completion():
    cand = Candidate("P1", "new centre K3", "daycare", cost=100, community_id="K3",
                     daycare_places=20, row=1)
    sc = town(tight_centres()[:2], [cand])
    r = simulate(sc, Portfolio(starts={"P1": 2022}))  # built in 2022, serves from 2023
    assert r.coverage_row(2022, "facility_coverage")["mean"] == pytest.approx(3 / 5)
    assert r.coverage_row(2023, "facility_coverage")["mean"] == pytest.approx(4 / 5)
    assert [x["year"] for x in r.centre_load if x["centre_id"] == "P1"] == [2023]
    used = {x["centre_id"]: x for x in r.centres_used}
    assert used["P1"]["source"] == "portfolio" and used["P1"]["first_year"] == 2023


def test_common_random_numbers_a_new_far_centre_leaves_other_communities_untouched():
    cand = Candidate("P9", "centre at FAR", "daycare", cost=100, community_id="FAR",
                     daycare_places=50, row=1)
    sc = town(tight_centres(), [cand])
    without = simulate(sc)
    with_far = simulate(sc, Portfolio(starts={"P9": 2022}))
    for a, b in zip(without.community_load, with_far.community_load, strict=True):
        assert a["community_id"] == b["community_id"]
        assert a["requests"] == b["requests"]  # the same visits were drawn
        if a["community_id"] != "FAR" or a["year"] == 2022:
            assert a == b  # and nothing else changed for them
    far23 = with_far.community(2023)["FAR"]
    assert far23.within_reach and far23.served > 0


def test_same_seed_same_result_other_seed_other_result():
    sc = town(tight_centres())
    a, b = simulate(sc, seed=5), simulate(sc, seed=5)
    assert a.replication_rows == b.replication_rows
    c = simulate(sc, seed=6)
    assert c.replication_rows != a.replication_rows


def test_replications_are_prefix_stable():
    # replication r uses the r-th child stream, so asking for more replications keeps the first
    sc = town(tight_centres())
    three, five = simulate(sc, replications=3), simulate(sc, replications=5)
    assert five.replication_rows[: len(three.replication_rows)] == three.replication_rows


def test_morning_peak_profile_puts_half_the_arrivals_in_the_first_quarter():
    m = DemandModel(opening_hours=8.0, arrival_profile="morning-peak")
    hours = m.arrival_hours(np.random.default_rng(3).random(200_000))
    quarters = np.histogram(hours, bins=[0, 2, 4, 6, 8])[0] / len(hours)
    assert quarters == pytest.approx(MORNING_PEAK_QUARTER_SHARES, abs=0.005)
    uniform = DemandModel(opening_hours=8.0, arrival_profile="uniform")
    hours = uniform.arrival_hours(np.random.default_rng(3).random(200_000))
    assert np.histogram(hours, bins=[0, 2, 4, 6, 8])[0] / len(hours) == pytest.approx(
        [0.25] * 4, abs=0.005)


@pytest.mark.parametrize("dist,cv", [("lognormal", 0.5), ("exponential", 1.0), ("fixed", 0.0)])
def test_stay_distributions_have_the_stated_mean_and_variability(dist, cv):
    m = DemandModel(stay_distribution=dist, stay_hours_mean=6.0, stay_hours_cv=0.5)
    s = m.stay_hours(np.random.default_rng(4), 400_000)
    assert s.mean() == pytest.approx(6.0, rel=0.01)
    assert s.std() / s.mean() == pytest.approx(cv, abs=0.01)


def test_stays_past_closing_end_at_closing():
    # about one visitor a day, arriving uniformly over an 8.5 h day, who would stay 6 h: the
    # place-hours used are E[min(6, 8.5 − U·8.5)] = (2.5·6 + ∫0..6 s ds)/8.5 = 33/8.5 hours
    # per visit (not 6); ten places, so nobody is turned away
    sc = town([Centre("D1", "K0", 10, 0.0, 0.0)], elderly=(1, 0, 0, 0), days=3, stay="fixed")
    sc = Scenario(**{**sc.__dict__, "daycare": Daycare(
        visits_per_elderly_per_day=1.0, opening_hours=8.5, arrival_profile="uniform",
        stay_hours_mean=6.0, stay_distribution="fixed", reach_km=1.0)})
    r = simulate(sc, replications=1, days=4000)
    row = [x for x in r.centre_load if x["year"] == 2022][0]
    assert row["turned_away"] == 0.0 and row["served"] == pytest.approx(1.0, abs=0.05)
    assert row["utilisation"] == pytest.approx(row["served"] * (33 / 8.5) / (10 * 8.5), rel=0.02)


def test_a_funded_centre_without_a_community_is_an_input_error():
    from facility_opt.errors import InputError

    cand = Candidate("P5", "somewhere", "daycare", cost=10, daycare_places=10, row=7)
    sc = town(tight_centres(), [cand])
    with pytest.raises(InputError, match=r"row 7, column community_id"):
        simulate(sc, Portfolio(starts={"P5": 2022}))


def test_bad_demand_settings_are_input_errors_naming_the_key():
    from facility_opt.errors import InputError

    sc = town(tight_centres())
    bad = Scenario(**{**sc.__dict__, "daycare": Daycare(stay_distribution="gamma",
                                                        opening_hours=0.0)})
    with pytest.raises(InputError) as err:
        simulate(bad)
    text = str(err.value)
    assert "daycare.stay_distribution = 'gamma'" in text and "daycare.opening_hours" in text


def test_t_quantile_is_scipy_stats_value() -> None:
    """The interval's t quantile comes from scipy.special (a lighter import) and must be exactly
    scipy.stats.t.ppf's, or every coverage interval would move."""
    from scipy.special import stdtrit
    from scipy.stats import t

    for n in (2, 3, 5, 10, 30, 100, 1000):
        assert stdtrit(n - 1, 0.975) == t.ppf(0.975, n - 1)
