"""compare: scenarios run with one seed, results folders read as they are, one compare.csv row
per scenario, and every plot's data equal to the CSVs it was drawn from."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from builders import write_scenario

from facility_opt.decide.compare import compare
from facility_opt.report import plots

TOML = """name = "{name}"
title = "{title}"
[horizon]
base_year = 2021
years = [2022, 2023]
[budget]
annual = {{ 2022 = {b22}, 2023 = {b23} }}
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
[simulation]
replications = 3
seed = {seed}
sampled_days = 5
"""


def _scenarios(tmp_path: Path) -> tuple[Path, Path]:
    folder = tmp_path / "sc"
    base = write_scenario(
        folder, TOML.format(name="base", title="基准", b22=80, b23=30, seed=5),
        toml_name="base.toml",
        candidates="id,name,kind,cost,score,county,community_id,daycare_places\n"
        "R1,改造一,renovation,30,10,X,A,0\nR2,改造二,renovation,20,4,X,B,10\n"
        "C1,综合体,complex,50,8,X,A,20\n",
        communities="id,name,county,type,households,population,elderly,x_km,y_km\n"
        "A,社区A,X,city,1000,3000,1000,0,0\nB,社区B,X,city,500,1500,300,5,0\n",
        centres="id,community_id,places\nK1,A,5\n")
    cut = write_scenario(folder, TOML.format(name="cut", title="削减", b22=60, b23=22.5, seed=999),
                         toml_name="cut.toml")
    return base, cut


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("compare")
    base, cut = _scenarios(tmp)
    # a solve-only results folder: no coverage.csv
    res = compare([str(base)], out=tmp / "first")
    solo = tmp / "solo"
    shutil.copytree(tmp / "first" / "scenarios" / "base", solo)
    (solo / "coverage.csv").unlink()
    out = tmp / "out"
    return compare([str(base), str(cut), str(solo)], out=out), out, res


def test_compare_rows_and_common_seed(compared) -> None:
    res, out, _ = compared
    rows = plots.read_csv_rows(out / "compare.csv")
    assert [r["scenario"] for r in rows] == ["base", "cut", "base-2"]
    assert [r["source"] for r in rows] == ["scenario", "scenario", "results"]
    # the first scenario's seed (5) is used for both, not cut's own 999
    assert res.seed == 5
    for name in ("base", "cut"):
        man = json.loads((out / "scenarios" / name / "manifest.json").read_text("utf-8"))
        assert man["seed"] == 5
    base, cut, solo = rows
    assert float(base["budget_total"]) == 110 and float(cut["budget_total"]) == 82.5
    # by hand: base (80 in 2022) funds R1 + R2 + ... score; cut cannot fund more than base
    assert float(cut["objective"]) <= float(base["objective"])
    assert int(base["selected_count"]) == sum(int(base[f"selected_{k}"])
                                              for k in ("complex", "renovation")
                                              if f"selected_{k}" in base)
    assert solo["facility_coverage_mean"] == "" and "no coverage.csv" in solo["note"]
    assert base["coverage_year"] == "2023" and base["target_met"] in ("0", "1")
    cov = plots.read_csv_rows(out / "scenarios" / "base" / "coverage.csv")
    (fc,) = [r for r in cov if r["year"] == "2023" and r["metric"] == "facility_coverage"]
    assert float(base["facility_coverage_mean"]) == pytest.approx(float(fc["mean"]))


def test_compare_plots_match_the_csvs(compared) -> None:
    res, out, _ = compared
    for stem in ("compare_spend", "compare_selection", "compare_coverage",
                 "compare_benefit_cost"):
        for ext in ("png", "svg"):
            assert (out / f"{stem}.{ext}").stat().st_size > 15_000, stem
    sels = {s.name: plots.read_csv_rows(s.folder / "selection.csv") if s.source == "results"
            else plots.read_csv_rows(out / "scenarios" / s.name / "selection.csv")
            for s in res.scenarios}
    matrix = plots.selection_data(sels)
    for i, pid in enumerate(matrix.project_ids):
        for j, name in enumerate(matrix.scenarios):
            (row,) = [r for r in sels[name] if r["id"] == pid]
            expect = int(row["start_year"]) if row["selected"] == "1" else None
            assert matrix.start_year[i][j] == expect
    spend = plots.spend_data({"base": plots.read_csv_rows(out / "scenarios/base/spend.csv")})
    assert spend.budget["base"] == [80.0, 30.0]
    bc = plots.benefit_cost_data(plots.read_csv_rows(out / "compare.csv"))
    assert bc.budget_total == [110.0, 82.5, 110.0]
    cov = plots.coverage_data({s.name: s.coverage for s in res.scenarios if s.coverage})
    assert {s.scenario for s in cov} == {"base", "cut"}  # base-2 has no coverage.csv


def test_compare_command(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from facility_opt.cli import app

    base, cut = _scenarios(tmp_path)
    out = tmp_path / "o"
    r = CliRunner().invoke(app, ["compare", str(base), str(cut), "-o", str(out), "--seed", "3"])
    assert r.exit_code == 0, r.output
    assert "Scenarios compared" in r.output and "Same seed for every scenario: 3" in r.output
    assert (out / "compare.csv").is_file()
    bad = CliRunner().invoke(app, ["compare", str(tmp_path), "-o", str(tmp_path / "x")])
    assert bad.exit_code == 2 and "selection.csv" in bad.output


def test_an_infeasible_scenario_is_a_row_not_the_end_of_the_comparison(tmp_path: Path) -> None:
    """A scenario whose target no plan within its budget meets (proven) is listed with its
    reason and the money it needs; the other scenarios are compared as usual (exit 0)."""
    import csv as _csv

    from builders import SIM_SCENARIO, write_sim_mini
    from typer.testing import CliRunner

    from facility_opt.cli import app

    runner = CliRunner()
    write_sim_mini(tmp_path)
    (tmp_path / "tight.toml").write_text(
        SIM_SCENARIO.replace('name = "mini"', 'name = "tight"').replace(
            "annual = { 2022 = 100, 2023 = 100 }", "annual = { 2022 = 10, 2023 = 10 }"),
        encoding="utf-8")
    assert "tight" in (tmp_path / "tight.toml").read_text(encoding="utf-8")
    assert "2022 = 10," in (tmp_path / "tight.toml").read_text(encoding="utf-8")
    out = tmp_path / "cmp"
    res = runner.invoke(app, ["compare", str(tmp_path / "mini.toml"), str(tmp_path / "tight.toml"),
                              "-o", str(out), "--replications", "2"])
    assert res.exit_code == 0, res.output
    with open(out / "compare.csv", encoding="utf-8", newline="") as f:
        rows = {r["scenario"]: r for r in _csv.DictReader(f)}
    assert rows["tight"]["status"] == "infeasible"
    assert rows["tight"]["target_met"] == "0"
    assert "proven by the optimiser" in rows["tight"]["note"]
    assert rows["mini"]["status"] == "optimal" and rows["mini"]["target_met"] == "1"
    assert "tight" in res.output
