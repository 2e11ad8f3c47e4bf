"""`facility-opt futures`: futures sampled over the inputs, checked against answers known without
the futures code — a collapsed range is a plain `simulate`; with one community, one centre and
only `visits_scale` uncertain the failing share is the part of the range above the visits at
which the centre starts turning away too many (found by the one-centre sizing simulation)."""

from __future__ import annotations

import csv
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from facility_opt.cli import app
from facility_opt.decide.futures import (
    deciding_inputs,
    run_futures,
    sample_futures,
    wilson_interval,
)
from facility_opt.model.portfolio import Portfolio
from facility_opt.model.types import (
    Budget,
    Centre,
    Community,
    Daycare,
    Population,
    Scenario,
    Simulation,
    Targets,
    Uncertainty,
)
from facility_opt.simulate import simulate

runner = CliRunner()


def town(uncertainty: Uncertainty, places: int = 8, replications: int = 3,
         days: int = 5) -> Scenario:
    comms = tuple(Community(f"K{i}", f"K{i}", "A", "city", 500, 2000, 300 + 60 * i,
                            x_km=0.7 * i, y_km=0.0) for i in range(4))
    return Scenario(
        name="town", years=(2022, 2023), base_year=2021,
        budget=Budget(annual={2022: 1.0, 2023: 1.0}), candidates=(), communities=comms,
        centres=(Centre("D0", "K0", places, 0.0, 0.0), Centre("D2", "K2", places, 1.4, 0.0)),
        daycare=Daycare(visits_per_elderly_per_day=0.02),
        population=Population(urbanisation={2021: 0.55, 2023: 0.60}),
        targets=Targets(daycare_coverage=0.5, max_turned_away=0.05),
        simulation=Simulation(replications=replications, seed=11, sampled_days=days),
        uncertainty=uncertainty,
    )


def test_latin_hypercube_covers_each_stratum_once_and_choices_evenly():
    unc = Uncertainty(ranges={"visits_scale": (0.5, 1.5), "stay_hours_mean": (4.0, 8.0)},
                      choices={"stay_distribution": ("fixed", "lognormal")}, futures=20, seed=3)
    fs = sample_futures(town(unc), 20, 3)
    for name, (lo, hi) in unc.ranges.items():
        strata = sorted(int((f[name] - lo) / (hi - lo) * 20) for f in fs)
        assert strata == list(range(20))
    assert sorted(f["stay_distribution"] for f in fs).count("fixed") == 10
    assert sample_futures(town(unc), 20, 3) == fs  # same seed, same futures
    assert sample_futures(town(unc), 20, 4) != fs


def test_collapsed_ranges_give_a_plain_simulate_in_every_future():
    unc = Uncertainty(ranges={"urbanisation_final": (0.60, 0.60),
                              "elderly_share_drift": (0.007, 0.007), "visits_scale": (1.0, 1.0),
                              "stay_hours_mean": (6.0, 6.0)},
                      choices={"stay_distribution": ("lognormal",)}, futures=3, seed=1)
    sc = town(unc)
    res = run_futures(sc, Portfolio(), replications=3, progress=False)
    plain = simulate(sc, replications=3, progress=False)
    assert res.years == (2023,)
    for row in res.rows:
        assert row["facility_coverage_2023"] == plain.coverage_row(2023)["mean"]
        assert row["effective_coverage_2023"] == plain.coverage_row(
            2023, "effective_coverage")["mean"]
        assert row["met"] == int(plain.met(2023, "effective_coverage"))
    # and a range that is not collapsed does change the futures
    wide = replace(sc, uncertainty=replace(unc, ranges={**unc.ranges, "visits_scale": (0.3, 3.0)}))
    eff = {r["effective_coverage_2023"]
           for r in run_futures(wide, Portfolio(), replications=3, progress=False).rows}
    assert len(eff) > 1


def one_centre(lo: float, hi: float, n: int) -> Scenario:
    """One community (20 requests a day at visits_scale 1), one 15-place centre; met iff the
    community turns away ≤ 5 % of its requests."""
    return Scenario(
        name="one", years=(2022,), base_year=2022, budget=Budget(annual={2022: 1.0}),
        candidates=(),
        communities=(Community("A", "A", "X", "city", 1, 1, 20.0, 0.0, 0.0),),
        centres=(Centre("C", "A", 15, 0.0, 0.0),),
        daycare=Daycare(visits_per_elderly_per_day=1.0),
        targets=Targets(daycare_coverage=0.9, max_turned_away=0.05, criterion="mean"),
        simulation=Simulation(replications=2, seed=5, sampled_days=300),
        uncertainty=Uncertainty(ranges={"visits_scale": (lo, hi)}, futures=n, seed=2),
    )


def test_one_centre_failing_share_matches_the_known_boundary():
    from facility_opt.model import queueing
    from facility_opt.model.demand import DemandModel

    lo, hi, n = 0.5, 1.5, 40
    sc = one_centre(lo, hi, n)
    # the boundary: the visits scale s* at which 15 places turn away exactly 5 %, from the
    # one-centre sizing simulation (vectorised, not the SimPy engine the futures run)
    model = DemandModel(sampled_days=4000)

    def loss(s: float) -> float:
        day = queueing._DaySample(model, 20.0 * s)
        return day.turned_away(15) / day.requests

    a, b = lo, hi
    for _ in range(14):
        m = (a + b) / 2
        a, b = (m, b) if loss(m) <= 0.05 else (a, m)
    s_star = (a + b) / 2
    expected_fail = (hi - s_star) / (hi - lo)
    res = run_futures(sc, Portfolio(), progress=False)
    failed = 1 - res.p_met
    # sampling error: the Latin hypercube puts one future in each 1/40 of the range (± 1/40),
    # and each future judges the share on 600 days (≈ 12,000 requests, standard error ≈ 0.003
    # near 5 %, so only futures within about ± 0.04 of s* can be misjudged: ± 2 futures)
    assert failed == pytest.approx(expected_fail, abs=3 / n)
    assert 0.2 < expected_fail < 0.8  # the boundary is inside the range: the test can fail
    scales = np.array([r["visits_scale"] for r in res.rows])
    met = np.array([r["met"] for r in res.rows], dtype=bool)
    assert scales[met].max() < s_star + 0.05 and scales[~met].min() > s_star - 0.05
    rule = res.rule
    assert rule is not None and len(rule.conditions) == 1
    cond = rule.conditions[0]
    assert cond.input == "visits_scale" and cond.op == ">"
    assert cond.value == pytest.approx(s_star, abs=0.05)
    assert "it fails when visits_scale >" in res.verdict()


def test_rule_search_finds_a_planted_two_input_rule():
    rng = np.random.default_rng(0)
    rows = [{"visits_scale": float(v), "stay_distribution": d, "stay_hours_mean": float(h)}
            for v, d, h in zip(rng.uniform(0.6, 1.6, 80), ["fixed", "lognormal"] * 40,
                               rng.uniform(4, 8, 80), strict=True)]
    failed = np.array([r["visits_scale"] > 1.3 and r["stay_distribution"] == "fixed"
                       for r in rows])
    rule, ranking = deciding_inputs(rows, ("visits_scale", "stay_hours_mean",
                                           "stay_distribution"), failed)
    assert rule.coverage == 1.0 and rule.density == 1.0
    assert {c.input for c in rule.conditions} == {"visits_scale", "stay_distribution"}
    assert "stays are fixed" in rule.text()
    assert ranking[-1]["input"] == "stay_hours_mean"


def test_wilson_interval_matches_the_textbook_formula():
    # the example: 52 of 64 futures is 81 %, 70–89 %
    lo, hi = wilson_interval(52, 64)
    assert round(100 * lo) == 70 and round(100 * hi) == 89
    # Wilson's bounds are the p solving |52/64 − p| = z·√(p(1 − p)/64)
    for p in (lo, hi):
        assert abs(52 / 64 - p) == pytest.approx(1.959964 * (p * (1 - p) / 64) ** 0.5, rel=1e-6)
    assert wilson_interval(0, 10)[0] == 0.0 and wilson_interval(10, 10)[1] == 1.0


UNC_TOML = """
[uncertainty]
visits_scale = [0.5, 2.5]
stay_distribution = ["fixed", "lognormal"]
futures = 6
seed = 4
"""


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())
            if p.suffix in (".csv", ".json") and p.name != "manifest.json"}


@pytest.fixture()
def mini_futures(tmp_path: Path) -> Path:
    from builders import write_sim_mini

    return write_sim_mini(tmp_path, UNC_TOML)


def test_futures_cli_writes_the_contract_files_identically_for_any_workers(mini_futures: Path):
    outs = []
    for workers in ("1", "2"):
        out = mini_futures / f"out{workers}"
        res = runner.invoke(app, ["futures", str(mini_futures / "mini.toml"), "--portfolio",
                                  str(mini_futures / "selection.csv"), "-o", str(out),
                                  "--workers", workers])
        assert res.exit_code == 0, res.output
        assert "The plan meets the target in" in res.output and "of 6 futures" in res.output
        outs.append(out)
    assert _files(outs[0]) == _files(outs[1])
    with open(outs[0] / "futures.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 6 and list(rows[0])[:3] == ["future", "visits_scale", "stay_distribution"]
    assert {"facility_coverage_2023", "effective_coverage_2023", "met"} <= set(rows[0])
    rob = json.loads((outs[0] / "robustness.json").read_text(encoding="utf-8"))
    k = sum(int(r["met"]) for r in rows)
    assert rob["futures"] == 6 and rob["seed"] == 4 and rob["p_met"] == pytest.approx(k / 6)
    assert rob["p_met_ci95"] == pytest.approx(list(wilson_interval(k, 6)))
    for ext in ("png", "svg"):
        assert (outs[0] / f"futures.{ext}").stat().st_size > 1000


def test_futures_without_an_uncertainty_table_is_exit_2(tmp_path: Path):
    from builders import write_sim_mini

    write_sim_mini(tmp_path)  # no [uncertainty] table
    res = runner.invoke(app, ["futures", str(tmp_path / "mini.toml"), "-o", str(tmp_path / "o")])
    assert res.exit_code == 2
    assert "[uncertainty]" in res.output and "Traceback" not in res.output


def test_dask_local_cluster_gives_the_same_futures_as_one_worker():
    distributed = pytest.importorskip("dask.distributed")
    unc = Uncertainty(ranges={"visits_scale": (0.5, 2.0)}, futures=4, seed=1)
    sc = town(unc, days=3, replications=2)
    local = run_futures(sc, Portfolio(), progress=False)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster:
        on_dask = run_futures(sc, Portfolio(), scheduler=cluster.scheduler_address,
                              progress=False)
    assert on_dask.rows == local.rows


def test_annex_of_a_solve_folder_shows_p_met_of_its_futures_subfolder(mini_futures: Path):
    """`futures` writes to <results>/futures/ by default: the annex of <results> shows that
    P(met) when it was run on the same portfolio, and not when on another."""
    res_dir = mini_futures / "res"
    assert runner.invoke(app, ["solve", str(mini_futures / "mini.toml"), "-o", str(res_dir),
                               "--no-explain"]).exit_code == 0
    futures = runner.invoke(app, ["futures", str(mini_futures / "mini.toml"), "--portfolio",
                                  str(res_dir / "selection.csv"), "-o", str(res_dir / "futures")])
    assert futures.exit_code == 0, futures.output
    rob = json.loads((res_dir / "futures" / "robustness.json").read_text(encoding="utf-8"))
    ann = runner.invoke(app, ["annex", str(res_dir), "--lang", "en"])
    assert ann.exit_code == 0, ann.output
    md = next((res_dir / "annex").glob("*.md")).read_text(encoding="utf-8")
    assert f"{rob['futures']} futures" in md
    # another portfolio's futures are not this plan's
    sel = (res_dir / "futures" / "selection.csv").read_text(encoding="utf-8")
    other = sel.replace(",1,2022,", ",1,2023,") if ",1,2022," in sel else sel.replace(",1,2023,", ",1,2022,")
    assert other != sel
    (res_dir / "futures" / "selection.csv").write_text(other, encoding="utf-8")
    ann = runner.invoke(app, ["annex", str(res_dir), "--lang", "en", "-o", str(mini_futures / "a2")])
    assert ann.exit_code == 0, ann.output
    md = next((mini_futures / "a2").glob("*.md")).read_text(encoding="utf-8")
    assert f"{rob['futures']} futures" not in md
