"""Queueing theory as the known answer: a single centre fed by a homogeneous Poisson stream over a
long day is an Erlang loss system, so the share of visits served must be 1 − B(a, c) whatever the
stay distribution (insensitivity), within a seeded statistical tolerance."""

from __future__ import annotations

import math

import pytest

from facility_opt.model.queueing import erlang_b
from facility_opt.model.types import Budget, Centre, Community, Daycare, Scenario, Simulation
from facility_opt.simulate import simulate


def test_erlang_b_matches_published_table_values():
    # Textbook values: B(1,1) = 1/2, B(2,2) = 2/5, and Erlang-B tables give B(8,10) ≈ 0.1217,
    # B(20,20) ≈ 0.1589.
    assert erlang_b(1.0, 1) == pytest.approx(0.5)
    assert erlang_b(2.0, 2) == pytest.approx(0.4)
    assert erlang_b(8.0, 10) == pytest.approx(0.12166, abs=5e-5)
    assert erlang_b(20.0, 20) == pytest.approx(0.15889, abs=5e-5)
    assert erlang_b(5.0, 0) == 1.0


def test_erlang_b_recursion_is_stable_for_large_centres():
    # the closed form a^c/c! / Σ a^k/k! overflows floats here; the recursion must not
    b = erlang_b(900.0, 1000)
    assert 0.0 < b < 1e-3 and math.isfinite(b)


def one_centre(stay_distribution: str, places: int, load: float, hours: float,
               cv: float = 0.5) -> Scenario:
    """One community, one centre; Poisson arrivals at `load` per hour, stays of mean 1 hour."""
    return Scenario(
        name="erlang", years=(2020,), base_year=2020,
        budget=Budget(annual={2020: 0.0}), candidates=(),
        communities=(Community("A", "A", "X", "city", households=1, population=1,
                               elderly=load * hours, x_km=0.0, y_km=0.0),),
        centres=(Centre("C", "A", places, 0.0, 0.0),),
        daycare=Daycare(visits_per_elderly_per_day=1.0, opening_hours=hours,
                        arrival_profile="uniform", stay_hours_mean=1.0,
                        stay_distribution=stay_distribution, stay_hours_cv=cv, reach_km=1.0),
        simulation=Simulation(replications=4, seed=7, sampled_days=1),
    )


@pytest.mark.parametrize("stay", ["exponential", "lognormal", "fixed"])
def test_served_share_is_one_minus_erlang_b_for_every_stay_distribution(stay):
    places, load, hours = 10, 8.0, 2500.0
    result = simulate(one_centre(stay, places, load, hours))
    expected = 1.0 - erlang_b(load, places)  # 0.8783
    served = result.coverage_row(2020, "service_coverage")
    # ≈ 80,000 visits; the standard error of the served share is about 0.002 (batch means of
    # the loss system), and the start of the day from empty biases it up by < 0.001
    assert served["mean"] == pytest.approx(expected, abs=0.008)
    assert served["ci_low"] - 0.004 <= expected <= served["ci_high"] + 0.004


def test_lognormal_with_high_variability_is_still_insensitive():
    places, load, hours = 5, 4.0, 4000.0
    result = simulate(one_centre("lognormal", places, load, hours, cv=1.5))
    served = result.coverage_row(2020, "service_coverage")["mean"]
    assert served == pytest.approx(1.0 - erlang_b(load, places), abs=0.012)


def test_a_centre_that_is_too_small_is_visibly_worse_than_erlang_allows():
    # The test above could pass by accident if the engine ignored places: check it does not.
    result = simulate(one_centre("exponential", 4, 8.0, 1500.0))
    served = result.coverage_row(2020, "service_coverage")["mean"]
    assert served == pytest.approx(1.0 - erlang_b(8.0, 4), abs=0.01)  # ≈ 0.42
    assert served < 0.5
