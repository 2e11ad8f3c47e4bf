"""`simulate --precision`: a sequential stopping rule. Replications are added in batches until the
widest 95 % half-width is within the aim; the result is the fixed run of the same count (same
seed streams), whatever the worker count."""

from __future__ import annotations

import math
import subprocess
import sys

import pytest

from facility_opt.errors import InputError
from facility_opt.model.types import Budget, Centre, Community, Daycare, Scenario, Simulation
from facility_opt.simulate import simulate
from facility_opt.simulate.precision import PRECISION_BATCH


def town(days: int) -> Scenario:
    """Four communities 0.8 km apart around two small centres that fill (sampling error)."""
    comms = tuple(Community(f"K{i}", f"K{i}", "X", "city", households=1000, population=4000,
                            elderly=e, x_km=0.8 * i, y_km=0.0)
                  for i, e in enumerate((600, 500, 400, 300)))
    return Scenario(
        name="town", years=(2022,), base_year=2021, budget=Budget(annual={2022: 100}),
        candidates=(), communities=comms,
        centres=(Centre("D1", "K0", 6, 0.0, 0.0), Centre("D2", "K1", 4, 0.8, 0.0)),
        daycare=Daycare(visits_per_elderly_per_day=0.03, reach_km=1.0),
        simulation=Simulation(replications=3, seed=11, sampled_days=days))


def _half(rows) -> float:
    return max((r["ci_high"] - r["ci_low"]) / 2 for r in rows if not math.isnan(r["ci_low"]))


def test_stops_at_the_first_batch_within_the_aim_and_equals_a_fixed_run():
    sc = town(days=2)
    loose = simulate(sc, replications=3)
    aim = 0.6 * _half(loose.coverage)  # needs more than the first 3 replications
    got = simulate(sc, replications=3, precision=aim)
    assert got.precision_met and got.half_width <= aim
    assert got.replications > 3 and (got.replications - 3) % PRECISION_BATCH == 0
    # one batch fewer did not reach the aim: the rule stopped at the first count that does
    fewer = simulate(sc, replications=got.replications - PRECISION_BATCH)
    assert _half(fewer.coverage) > aim
    fixed = simulate(sc, replications=got.replications)
    assert got.coverage == fixed.coverage and got.replication_rows == fixed.replication_rows
    assert simulate(sc, replications=3, precision=aim, workers=2).coverage == got.coverage


def test_the_cap_is_reported_not_hidden():
    sc = town(days=1)
    got = simulate(sc, replications=3, precision=1e-9, max_replications=13)
    assert got.replications == 13 and got.precision_met is False and got.half_width > 1e-9


def test_bad_precision_is_an_input_error():
    sc = town(days=1)
    with pytest.raises(InputError, match="--precision"):
        simulate(sc, precision=1.5)
    with pytest.raises(InputError, match="at least 2"):
        simulate(sc, replications=1, precision=0.01)


def test_cli_prints_the_precision_reached(tmp_path):
    p = subprocess.run([sys.executable, "-m", "facility_opt.cli", "simulate", "leshan-base",
                        "--replications", "2", "--days", "1", "--precision", "0.5",
                        "-o", str(tmp_path / "r")], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    assert "precision: widest 95% half-width" in p.stdout and "≤ 0.5 after 2" in p.stdout
