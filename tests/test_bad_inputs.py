"""The bad-input corpus: every validation rule has a small case in tests/bad_inputs/<case>/.

Each case folder holds the files of one broken scenario (most extend the valid base in
`_valid/` and break one thing) and `expect.toml`: the command to run (default
`validate <case>`) and the texts its message must contain — the file, the row or key, and the
value found. Every case must exit 2 with one-line messages and no traceback.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from facility_opt.cli import app

CORPUS = Path(__file__).resolve().parent / "bad_inputs"
CASES = sorted(p.name for p in CORPUS.iterdir() if p.is_dir() and not p.name.startswith("_"))


def _expect(case: str) -> dict:
    return tomllib.loads((CORPUS / case / "expect.toml").read_text(encoding="utf-8"))


def _args(case: str) -> list[str]:
    return _expect(case).get("args", ["validate", case])


def _check_output(case: str, code: int, output: str) -> None:
    exp = _expect(case)
    assert code == 2, f"{case}: exit {code}\n{output}"
    assert "Traceback" not in output, output
    missing = [text for text in exp["contains"] if text not in output]
    assert not missing, f"{case}: message lacks {missing}:\n{output}"
    lines = [ln for ln in output.splitlines() if ln.strip()]
    assert lines, "no message"
    if any(ln.startswith("error:") for ln in lines):
        # our own messages: one problem per line, each naming a file and what is expected
        assert all(ln.startswith("error:") and "expected" in ln for ln in lines), output


def test_corpus_is_complete() -> None:
    """The issue's categories each have cases, and the base the cases break is itself valid."""
    assert len(CASES) >= 60
    for case in CASES:
        assert (CORPUS / case / "expect.toml").is_file(), case
    wanted = ["toml_syntax", "wrong_type_years", "unknown_key_budget", "cost_negative",
              "cost_nan", "duplicate_id", "dangling_community", "dangling_requires",
              "start_before_horizon", "empty_candidates", "semicolon_delimiter",
              "missing_data_file", "cli_solver_gurobi", "cli_replications_zero",
              "budget_years_differ", "many_problems"]
    assert not [w for w in wanted if w not in CASES]
    result = CliRunner().invoke(app, ["validate", str(CORPUS / "_valid")])
    assert result.exit_code == 0, result.output
    assert "candidates: 5 (complex 2, daycare 1, renovation 2)" in result.output


@pytest.mark.parametrize("case", CASES)
def test_bad_input_case(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(CORPUS)
    result = CliRunner().invoke(app, _args(case))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{case}: raised {result.exception!r}") from result.exception
    _check_output(case, result.exit_code, result.output)


@pytest.mark.parametrize("case", ["toml_syntax", "cost_negative", "semicolon_delimiter",
                                  "many_problems", "cli_solver_gurobi", "cli_replications_zero"])
def test_bad_input_case_as_subprocess(case: str) -> None:
    """The installed entry point behaves the same: exit 2, message on stderr, no traceback."""
    env = {k: v for k, v in os.environ.items() if k != "FACILITY_OPT_DEBUG"}
    proc = subprocess.run([sys.executable, "-m", "facility_opt.cli", *_args(case)], cwd=CORPUS,
                          capture_output=True, text=True, encoding="utf-8", env=env, timeout=60)
    _check_output(case, proc.returncode, proc.stderr)
    assert proc.stdout == ""


CLI_CASES = ["cli_frontier_budgets_text", "cli_annex_lang", "cli_annex_not_results",
             "cli_portfolio_missing", "cli_gap_negative", "cli_seed_text", "cli_force_in_unknown",
             "cli_compare_unknown_scenario", "cli_out_through_a_file"]


def test_every_command_has_a_bad_option_case() -> None:
    """Bad command-line options are covered for each command that takes options."""
    commands = {_args(case)[0] for case in CASES if case.startswith("cli_")}
    assert {"solve", "simulate", "plan", "frontier", "compare", "annex", "validate"} <= commands


@pytest.mark.parametrize("case", CLI_CASES)
def test_bad_option_as_subprocess(case: str) -> None:
    """Bad options of every command through the real entry point: exit 2, the message on
    stderr naming the option and the value, nothing on stdout, no traceback, and nothing
    written in the working folder."""
    env = {k: v for k, v in os.environ.items() if k != "FACILITY_OPT_DEBUG"}
    before = sorted(p.name for p in CORPUS.iterdir())
    proc = subprocess.run([sys.executable, "-m", "facility_opt.cli", *_args(case)], cwd=CORPUS,
                          capture_output=True, text=True, encoding="utf-8", env=env, timeout=120)
    _check_output(case, proc.returncode, proc.stderr)
    assert proc.stdout == ""
    assert sorted(p.name for p in CORPUS.iterdir()) == before
