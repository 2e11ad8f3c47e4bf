"""Exit codes per the contract, through the real entry point (issue 7).

0 done; 2 bad input (usage, scenario or data); 3 no plan meets the hard constraints — the
message says how much money is missing; 1 anything else (a solver failure, a bug), as one line
without a traceback; 130 interrupted. Each command that can end in each code is run as a
subprocess; the stderr text is checked as the planner sees it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from builders import MINI, copy_mini

CLI = [sys.executable, "-m", "facility_opt.cli"]

# the mini scenario with 100 万元 a year: its must-fund complex X1 costs 2,000 万元 over two years
SHORT_OF_MONEY = """\
extends = "mini/scenario.toml"
name = "mini-short"

[budget]
annual = { 2022 = 100, 2023 = 100, 2024 = 100, 2025 = 100 }
"""


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "FACILITY_OPT_DEBUG"}


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], cwd=cwd, env=_env(), capture_output=True, text=True,
                          encoding="utf-8", timeout=300)


def _python(code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run `code` then the CLI's main() with argv `validate <mini>`: for faults that no input
    can provoke (a solver failure, a bug)."""
    script = f"{code}\nimport sys\nfrom facility_opt.cli import main\n" \
             f"sys.argv = ['facility-opt', 'validate', {str(MINI)!r}]\nmain()\n"
    return subprocess.run([sys.executable, "-c", script], cwd=cwd, env=_env(),
                          capture_output=True, text=True, encoding="utf-8", timeout=120)


def _one_line(stderr: str, label: str) -> str:
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"{label}: "), stderr
    assert "Traceback" not in stderr
    return lines[0]


@pytest.fixture()
def scenarios(tmp_path: Path) -> Path:
    copy_mini(tmp_path)
    (tmp_path / "short.toml").write_text(SHORT_OF_MONEY, encoding="utf-8")
    return tmp_path


# -- 0 -------------------------------------------------------------------------------------------
def test_done_is_0(scenarios: Path) -> None:
    for args in (["validate", "mini/scenario.toml"],
                 ["solve", "mini/scenario.toml", "-o", "out", "--no-explain"]):
        proc = _run(args, scenarios)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout and "Traceback" not in proc.stderr
    assert (scenarios / "out" / "summary.json").is_file()


# -- 2 -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("args, names", [
    (["solve", "nothere.toml"], "nothere.toml"),                     # missing file
    (["simulate", "mini/scenario.toml", "--replications", "0"], "--replications"),  # usage
    (["plan", "mini/scenario.toml", "--bogus"], "--bogus"),          # unknown option
])
def test_bad_input_is_2(scenarios: Path, args: list[str], names: str) -> None:
    proc = _run(args, scenarios)
    assert proc.returncode == 2, proc.stderr
    assert names in proc.stderr and "Traceback" not in proc.stderr
    assert not (scenarios / "results").exists()  # nothing written


# -- 3 -------------------------------------------------------------------------------------------
def test_no_plan_within_the_money_is_3_and_names_the_money_missing(scenarios: Path) -> None:
    """solve, simulate (solves first), plan and compare all stop with 3 and the same reason:
    the must-fund complex costs 2,000 万元 and all budgets together are 400 万元 — 1,600 short."""
    commands = [[c, "short.toml", "-o", f"out-{c}"] for c in ("solve", "simulate", "plan")]
    commands.append(["compare", "short.toml", "-o", "out-compare"])
    with ThreadPoolExecutor(max_workers=2) as pool:
        procs = list(pool.map(lambda args: _run(args, scenarios), commands))
    for args, proc in zip(commands, procs, strict=True):
        assert proc.returncode == 3, (args, proc.stderr)
        line = _one_line(proc.stderr, "infeasible")
        assert "2,000 万元" in line and "400 万元" in line and "1,600 万元 short" in line, line
        assert not (scenarios / args[-1]).exists(), "an infeasible run wrote a results folder"


def test_frontier_reports_unreachable_budgets_as_points_not_an_error(scenarios: Path) -> None:
    proc = _run(["frontier", "short.toml", "-o", "front", "--budgets", "400,4000"], scenarios)
    assert proc.returncode == 0, proc.stderr
    text = (scenarios / "front" / "frontier.csv").read_text(encoding="utf-8")
    assert "infeasible" in text.splitlines()[1] and "optimal" in text.splitlines()[2]


def test_leshan_plan_targets_is_3_naming_the_money_missing(tmp_path: Path) -> None:
    """The bundled scenario with the plan's count targets cannot be afforded: exit 3, and the
    message says how much is missing and which targets need it."""
    proc = _run(["solve", "leshan-plan-targets", "-o", "out", "--no-explain"], tmp_path)
    assert proc.returncode == 3, proc.stderr
    line = _one_line(proc.stderr, "infeasible")
    assert re.search(r"at least [\d,]+(\.\d+)? 万元 is missing", line), line
    assert "targets.min_count" in line and "--least-cost" in line
    assert not (tmp_path / "out").exists()


# -- 1 -------------------------------------------------------------------------------------------
def test_a_bug_is_1_with_one_line_and_no_traceback(tmp_path: Path) -> None:
    proc = _python("import facility_opt.cli.scenario_cmds as s\n"
                   "def broken(**kw): raise ZeroDivisionError('division by zero')\n"
                   "s.run_validate = broken", tmp_path)
    assert proc.returncode == 1, proc.stderr
    line = _one_line(proc.stderr, "error")
    assert "internal error (ZeroDivisionError: division by zero)" in line
    assert "FACILITY_OPT_DEBUG=1" in line


def test_a_bug_shows_its_traceback_on_request(tmp_path: Path) -> None:
    env = {**_env(), "FACILITY_OPT_DEBUG": "1"}
    script = ("import facility_opt.cli.scenario_cmds as s\n"
              "def broken(**kw): raise ZeroDivisionError('division by zero')\n"
              "s.run_validate = broken\nimport sys\nfrom facility_opt.cli import main\n"
              f"sys.argv = ['facility-opt', 'validate', {str(MINI)!r}]\nmain()\n")
    proc = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=120)
    assert proc.returncode == 1 and "Traceback" in proc.stderr, proc.stderr


def test_a_solver_failure_is_1_naming_the_alternative(tmp_path: Path) -> None:
    proc = _python("import facility_opt.cli.scenario_cmds as s\n"
                   "from facility_opt.errors import SolverError\n"
                   "def broken(**kw): raise SolverError('HiGHS failed on this model; "
                   "try --solver cbc')\n"
                   "s.run_validate = broken", tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert "try --solver cbc" in _one_line(proc.stderr, "error")


# -- 130 -----------------------------------------------------------------------------------------
def test_interrupted_is_130(tmp_path: Path) -> None:
    """(tests/test_interrupt.py sends real Ctrl-C to running commands and their workers.)"""
    proc = _python("import facility_opt.cli.scenario_cmds as s\n"
                   "def pressed(**kw): raise KeyboardInterrupt\n"
                   "s.run_validate = pressed", tmp_path)
    assert proc.returncode == 130, proc.stderr
    _one_line(proc.stderr, "interrupted")
