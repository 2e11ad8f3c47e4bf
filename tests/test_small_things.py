"""Small things a planner trips on: the real default of -o in --help, the frontier's marginal
column, the benefit-horizon warning of `init`'s template, and why `solve` leaves money unused."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from facility_opt.cli.app import app
from facility_opt.cli.frontier_cmd import marginal_decimals, marginal_text
from facility_opt.report.terms import counted

VALID = Path(__file__).resolve().parent / "bad_inputs" / "_valid" / "scenario.toml"


@pytest.mark.parametrize("command,default", [
    ("solve", "results/<scenario name>/"), ("simulate", "results/<scenario name>/"),
    ("plan", "results/<scenario name>/"), ("frontier", "results/<scenario name>/frontier/"),
    ("compare", "results/compare/"), ("annex", "RESULTS_DIR/annex/"),
    ("map", "RESULTS_DIR/maps/"),
])
def test_help_shows_the_real_default_of_out(command: str, default: str) -> None:
    res = CliRunner().invoke(app, [command, "--help"], env={"COLUMNS": "200"})
    assert res.exit_code == 0
    text = re.sub(r"\s+", " ", res.stdout)
    assert f"(default: {default}" in text


def test_marginal_column_one_precision_and_no_negative_zero() -> None:
    assert marginal_text(-0.001) == "0.00"  # not "-0.00"
    assert marginal_text(12.3456) == "12.35"
    assert marginal_text(1234.5) == "1,234.50"
    places = marginal_decimals([0.0042, 0.0011, -0.0000001])
    assert places == 5  # three significant digits of the largest value
    assert [marginal_text(v, places) for v in (0.0042, 0.0011, -0.0000001)] == \
        ["0.00420", "0.00110", "0.00000"]
    assert marginal_decimals([25.0, 3.1]) == 2


def test_counts_agree_with_their_noun() -> None:
    assert counted(1, "project") == "1 project"
    assert counted(0, "project") == "0 projects"
    assert counted(2, "county", "counties") == "2 counties"


def test_init_template_warns_about_the_benefit_horizon(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["init", str(tmp_path / "new")])
    assert res.exit_code == 0, res.output
    text = (tmp_path / "new" / "scenario.toml").read_text(encoding="utf-8")
    block = re.sub(r"\s*#\s*", " ", text[text.index("# WARNING"):text.index("2030).") + 6])
    assert "the money of 2025 can earn no benefit" in block
    assert "serves from 2026" in block and "benefit_until" in block


def test_solve_says_why_money_stays_unused(tmp_path: Path) -> None:
    """The mini scenario's benefit ends with the last funding year (2025): its 800 of 2025 are
    unused because nothing started in 2025 serves in time; other years' leftovers are explained
    by the proven optimum."""
    res = CliRunner().invoke(app, ["solve", str(VALID), "--no-explain", "-o", str(tmp_path / "r")],
                             env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    text = re.sub(r"\s+", " ", res.stdout)
    assert ("2025: 800.00 万元 unused: a project started in 2025 serves from 2026, after "
            "objective.benefit_until = 2025, so it earns no benefit") in text
    assert "2022: 600.00 万元 unused: proven optimal" in text
    assert "2023: 0.00 万元 unused" not in text  # a year spent in full needs no reason
