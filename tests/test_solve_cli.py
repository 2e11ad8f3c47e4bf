"""`facility-opt solve` as a planner runs it: exit codes, files, columns, a silent solver."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

CONTRACT_SELECTION = ["id", "name", "kind", "selected", "start_year", "cost"]
CONTRACT_SUMMARY = {"status", "objective", "gap", "total_cost", "spend_by_year",
                    "budget_by_year", "solver", "scenario"}


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-c", "from facility_opt.cli import main; main()", *args]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=300)


def _small(tmp_path: Path, min_complex: int = 0) -> Path:
    (tmp_path / "candidates.csv").write_text(
        "id,name,kind,cost,score\nA,甲,renovation,6,10\nB,乙,renovation,5,7\n"
        "C,丙,complex,5,7\n", encoding="utf-8")
    targets = f"\n[targets]\nmin_count = {{ complex = {min_complex} }}\n" if min_complex else ""
    (tmp_path / "s.toml").write_text(
        'name = "small"\n[horizon]\nyears = [2022, 2023]\n[budget]\n'
        "annual = { 2022 = 6, 2023 = 5 }\n[data]\ncandidates = \"candidates.csv\"\n"
        '[objective]\nkind = "score"\n' + targets, encoding="utf-8")
    return tmp_path / "s.toml"


def test_solve_writes_contract_files_and_no_banner(tmp_path):
    out = tmp_path / "res"
    p = _run("solve", str(_small(tmp_path)), "-o", str(out), cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert "HiGHS" not in p.stdout and "Copyright" not in p.stdout  # banner kept out
    assert "Running HiGHS" in (out / "solver.log").read_text(encoding="utf-8")
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert CONTRACT_SUMMARY <= set(summary)
    assert summary["status"] == "optimal" and summary["objective"] == 17
    assert summary["spend_by_year"] == {"2022": 6.0, "2023": 5.0}
    with open(out / "selection.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0])[:6] == CONTRACT_SELECTION
    assert {"cost_2022", "cost_2023", "completion_year", "benefit"} <= set(rows[0])
    assert [r["id"] for r in rows] == ["A", "B", "C"]
    assert sum(int(r["selected"]) for r in rows) == 2
    for name in ("spend.csv", "binding.csv", "marginal_budget.csv", "force.csv",
                 "scenario.json", "manifest.json"):
        assert (out / name).is_file(), name
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["solver"] == "highs" and "HiGHS" in manifest["solver_version"]


def test_solve_is_byte_identical_across_runs(tmp_path):
    sc = _small(tmp_path)
    for name in ("r1", "r2"):
        assert _run("solve", str(sc), "-o", str(tmp_path / name), cwd=tmp_path).returncode == 0
    for f in ("summary.json", "selection.csv", "spend.csv", "binding.csv", "force.csv",
              "marginal_budget.csv"):
        assert (tmp_path / "r1" / f).read_bytes() == (tmp_path / "r2" / f).read_bytes(), f


def test_infeasible_exits_3_with_the_money_missing(tmp_path):
    p = _run("solve", str(_small(tmp_path, min_complex=2)), "-o", str(tmp_path / "x"),
             cwd=tmp_path)
    assert p.returncode == 3
    assert "2 complex projects required" in p.stderr
    assert "Traceback" not in p.stderr
    assert not (tmp_path / "x").exists()


def test_verbose_shows_the_solver_log(tmp_path):
    p = _run("solve", str(_small(tmp_path)), "-o", str(tmp_path / "v"), "--verbose",
             "--no-explain", cwd=tmp_path)
    assert p.returncode == 0
    assert "MIP" in p.stderr or "HiGHS" in p.stderr


def test_cbc_gives_the_same_answer(tmp_path):
    p = _run("solve", str(_small(tmp_path)), "-o", str(tmp_path / "c"), "--solver", "cbc",
             "--no-explain", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert json.loads((tmp_path / "c" / "summary.json").read_text())["objective"] == 17


def test_missing_cbc_names_highs(monkeypatch):
    import pulp

    from facility_opt.errors import SolverError
    from facility_opt.solve import solvers

    monkeypatch.setattr(pulp.COIN_CMD, "available", lambda self: False)
    monkeypatch.setattr(pulp.PULP_CBC_CMD, "available", lambda self: False)
    with pytest.raises(SolverError, match="--solver highs"):
        solvers.check_solver("cbc")


def test_bundled_default_runs(tmp_path):
    p = _run("solve", "-o", str(tmp_path / "base"), "--no-explain", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    summary = json.loads((tmp_path / "base" / "summary.json").read_text(encoding="utf-8"))
    assert summary["status"] == "optimal" and summary["scenario"] == "leshan-base"
    for y, s in summary["spend_by_year"].items():
        assert s <= summary["budget_by_year"][y] + 1e-6


def test_plan_targets_reports_money_missing(tmp_path):
    p = _run("solve", "leshan-plan-targets", "-o", str(tmp_path / "pt"), "--no-explain",
             cwd=tmp_path)
    assert p.returncode == 3
    assert "missing" in p.stderr and "万元" in p.stderr


def test_explanations_on_two_workers_are_identical(tmp_path):
    """One solver thread, two (HiGHS), and two CBC threads (each its own subprocess) give the
    same tables."""
    sc = _small(tmp_path)
    for name, workers, solver in (("w1", "1", "highs"), ("w2", "2", "highs"),
                                  ("cbc2", "2", "cbc")):
        p = _run("solve", str(sc), "-o", str(tmp_path / name), "--workers", workers,
                 "--solver", solver, cwd=tmp_path)
        assert p.returncode == 0, p.stderr
    for f in ("force.csv", "marginal_budget.csv", "binding.csv", "selection.csv",
              "summary.json"):
        assert (tmp_path / "w1" / f).read_bytes() == (tmp_path / "w2" / f).read_bytes(), f
    for f in ("force.csv", "marginal_budget.csv", "selection.csv"):
        assert (tmp_path / "w1" / f).read_bytes() == (tmp_path / "cbc2" / f).read_bytes(), f
    with open(tmp_path / "w2" / "force.csv", encoding="utf-8") as f:
        rows = {r["id"]: r for r in csv.DictReader(f)}
    # hand-solved: A (6, score 10) in 2022, B or C (5, score 7) in 2023 → 17. Forcing A out:
    # B and C (5 + 5) fit 2022/2023 → 14; forcing in the one left out gives up nothing
    # (B and C tie).
    assert float(rows["A"]["objective_after"]) == 14
    assert {float(rows[k]["change"]) for k in ("B", "C")} == {0.0}


def test_highs_error_names_cbc(monkeypatch, tmp_path):
    # HiGHS failing on a model (run() returns an error status) is a SolverError that names the
    # other solver, and the command exits 1 with that one line, no traceback
    import highspy

    from facility_opt.errors import SolverError
    from facility_opt.scenario import load_scenario
    from facility_opt.solve import solve

    monkeypatch.setattr(highspy.Highs, "run", lambda self: highspy.HighsStatus.kError)
    with pytest.raises(SolverError, match="--solver cbc"):
        solve(load_scenario(_small(tmp_path)))


def test_highs_error_exits_1_with_one_line(tmp_path):
    code = ("import highspy; highspy.Highs.run = lambda self: highspy.HighsStatus.kError; "
            "from facility_opt.cli import main; main()")
    p = subprocess.run([sys.executable, "-c", code, "solve", str(_small(tmp_path)), "-o",
                        str(tmp_path / "e"), "--no-explain"], cwd=tmp_path, capture_output=True,
                       text=True, timeout=120)
    assert p.returncode == 1, p.stderr
    assert "--solver cbc" in p.stderr and "Traceback" not in p.stderr
    assert not (tmp_path / "e").exists()


def test_missing_cbc_exits_1_naming_highs(tmp_path):
    code = ("import pulp; pulp.COIN_CMD.available = lambda self: False; "
            "pulp.PULP_CBC_CMD.available = lambda self: False; "
            "from facility_opt.cli import main; main()")
    p = subprocess.run([sys.executable, "-c", code, "solve", str(_small(tmp_path)), "-o",
                        str(tmp_path / "c"), "--solver", "cbc", "--no-explain"], cwd=tmp_path,
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 1, p.stderr
    assert "--solver highs" in p.stderr and "Traceback" not in p.stderr


def test_a_100000_row_candidates_table_is_refused_with_the_limit(tmp_path):
    import time

    from facility_opt.scenario.schema import MAX_CANDIDATES

    rows = "".join(f"P{i},p{i},renovation,{50 + i % 150},{i % 100}\n" for i in range(100_000))
    (tmp_path / "big.csv").write_text("id,name,kind,cost,score\n" + rows, encoding="utf-8")
    (tmp_path / "big.toml").write_text(
        'name = "big"\n[horizon]\nyears = [2022, 2023]\n[budget]\n'
        'annual = { 2022 = 100000, 2023 = 100000 }\n[data]\ncandidates = "big.csv"\n'
        '[objective]\nkind = "score"\n', encoding="utf-8")
    t0 = time.perf_counter()
    p = _run("solve", str(tmp_path / "big.toml"), "-o", str(tmp_path / "out"), cwd=tmp_path)
    seconds = time.perf_counter() - t0
    assert p.returncode == 2, p.stderr
    assert "big.csv" in p.stderr and "100,000" in p.stderr
    assert f"{MAX_CANDIDATES:,}" in p.stderr and "Traceback" not in p.stderr
    assert not (tmp_path / "out").exists()
    assert seconds < 30  # refused after counting rows, not after building a 400,000-column MILP
