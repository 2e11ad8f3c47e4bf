"""`facility-opt simulate` as a planner runs it: files and columns of the contract, exit codes and
messages for a bad selection.csv, and byte-identical results for the same seed across
`--workers 1` and `--workers 2`."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from builders import write_sim_mini
from typer.testing import CliRunner

from facility_opt.cli import app

runner = CliRunner()

@pytest.fixture()
def mini(tmp_path: Path) -> Path:
    return write_sim_mini(tmp_path)


def read_rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def run(mini: Path, *extra: str):
    return runner.invoke(app, ["simulate", str(mini / "mini.toml"), *extra])


def test_simulate_writes_the_contract_files(mini: Path):
    out = mini / "out"
    res = run(mini, "-o", str(out), "--portfolio", str(mini / "selection.csv"))
    assert res.exit_code == 0, res.output
    for name in ("coverage.csv", "centre_load.csv", "population.csv", "replications.csv",
                 "community_load.csv", "centres_used.csv", "selection.csv", "scenario.json",
                 "manifest.json"):
        assert (out / name).is_file(), name
    cov = read_rows(out / "coverage.csv")
    assert list(cov[0])[:6] == ["year", "metric", "mean", "ci_low", "ci_high", "p_target_met"]
    assert {(r["year"], r["metric"]) for r in cov} == {
        (y, m) for y in ("2021", "2022", "2023")
        for m in ("facility_coverage", "facility_coverage_population", "service_coverage",
                  "effective_coverage")}
    fc = {r["year"]: float(r["mean"]) for r in cov if r["metric"] == "facility_coverage"}
    # K2 is 4.2 km from D1: uncovered until P1 (started 2022) serves from 2023
    assert fc == {"2021": pytest.approx(2 / 3), "2022": pytest.approx(2 / 3), "2023": 1.0}
    load = read_rows(out / "centre_load.csv")
    assert list(load[0])[:6] == ["centre_id", "year", "requests", "served", "turned_away",
                                 "utilisation"]
    assert {r["centre_id"] for r in load} == {"D0", "D1", "P1"}
    for r in load:
        assert float(r["requests"]) == pytest.approx(float(r["served"])
                                                     + float(r["turned_away"]), abs=1e-8)
    pop = read_rows(out / "population.csv")
    assert len(pop) == 3 * 3 and list(pop[0]) == ["community_id", "year", "population",
                                                   "elderly", "households", "type", "county"]
    assert len(read_rows(out / "replications.csv")) == 4 * 3
    import json

    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["seed"] == 99 and manifest["replications"] == 4
    assert manifest["simulation"]["sampled_days"] == 3
    assert "2023" in res.output
    # effective coverage: beside the plain one on screen; per community in community_load.csv
    assert "effective coverage" in res.output
    comm = read_rows(out / "community_load.csv")
    assert list(comm[0]) == ["community_id", "year", "within_reach", "requests", "served",
                             "turned_away", "turned_away_share", "effectively_covered"]
    for r in comm:
        share = float(r["turned_away_share"])
        if float(r["requests"]) > 0:
            assert share == pytest.approx(float(r["turned_away"]) / float(r["requests"]))
        assert r["effectively_covered"] in ("0", "1")
        if r["within_reach"] == "0":
            assert r["effectively_covered"] == "0" and (share == 1.0 or float(r["requests"]) == 0)


def test_same_seed_gives_byte_identical_files_across_workers(mini: Path):
    a, b = mini / "a", mini / "b"
    sel = str(mini / "selection.csv")
    assert run(mini, "-o", str(a), "--portfolio", sel, "--workers", "1").exit_code == 0
    assert run(mini, "-o", str(b), "--portfolio", sel, "--workers", "2").exit_code == 0
    names = sorted(p.name for p in a.iterdir() if p.name != "manifest.json")
    assert names == sorted(p.name for p in b.iterdir() if p.name != "manifest.json")
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    c = mini / "c"
    assert run(mini, "-o", str(c), "--portfolio", sel, "--seed", "100").exit_code == 0
    assert (c / "replications.csv").read_bytes() != (a / "replications.csv").read_bytes()


def test_replications_and_days_options_override_the_scenario(mini: Path):
    out = mini / "o"
    res = run(mini, "-o", str(out), "--portfolio", str(mini / "selection.csv"),
              "--replications", "2", "--days", "1")
    assert res.exit_code == 0, res.output
    assert {r["replication"] for r in read_rows(out / "replications.csv")} == {"0", "1"}


@pytest.mark.parametrize("selection,where,found", [
    ("id,selected,start_year\nP9,1,2022\n", "row 1, column id", "'P9'"),
    ("id,selected,start_year\nP1,1,2031\n", "row 1, column start_year", "'2031'"),
    ("id,selected,start_year\nP1,1,\n", "row 1, column start_year", "''"),
    ("id,selected,start_year\nP1,yes,2022\n", "row 1, column selected", "'yes'"),
    ("id,selected,start_year\nP2,0,\nP1,1,2022\nP1,1,2022\n", "row 3, column id", "'P1'"),
    ("id,chosen\nP1,1\n", "header", "id,chosen"),
])
def test_bad_selection_is_exit_2_naming_file_row_and_value(mini: Path, selection, where, found):
    (mini / "bad.csv").write_text(selection, encoding="utf-8")
    res = run(mini, "-o", str(mini / "x"), "--portfolio", str(mini / "bad.csv"))
    assert res.exit_code == 2
    text = res.output
    assert "bad.csv" in text and where in text and found in text, text
    assert "Traceback" not in text
    assert not (mini / "x").exists()


def test_missing_selection_file_is_exit_2(mini: Path):
    res = run(mini, "-o", str(mini / "x"), "--portfolio", str(mini / "nope.csv"))
    assert res.exit_code == 2 and "nope.csv" in res.output


def test_without_a_portfolio_simulate_solves_first(mini: Path):
    pytest.importorskip("facility_opt.solve")
    out = mini / "solved"
    res = run(mini, "-o", str(out))
    assert res.exit_code == 0, res.output
    sel = read_rows(out / "selection.csv")
    assert {r["id"] for r in sel} == {"P1", "P2"}
    assert list(sel[0])[:6] == ["id", "name", "kind", "selected", "start_year", "cost"]


def test_bundled_leshan_base_runs_quickly_with_few_days(tmp_path: Path):
    out = tmp_path / "leshan"
    (tmp_path / "empty.csv").write_text("id,selected,start_year\n", encoding="utf-8")
    res = runner.invoke(app, ["simulate", "leshan-base", "-o", str(out), "--replications", "2",
                              "--days", "1", "--portfolio", str(tmp_path / "empty.csv")])
    assert res.exit_code == 0, res.output
    cov = read_rows(out / "coverage.csv")
    fc = [float(r["mean"]) for r in cov if r["metric"] == "facility_coverage"]
    assert all(0.5 < v < 0.9 for v in fc)  # below the 90 % target without new centres
    assert (out / "population.csv").is_file()
