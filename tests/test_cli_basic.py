"""What a new user does first: help, version, listing and validating scenarios, `init` then
editing then `validate`; and `--help` stays fast by importing no heavy module."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from facility_opt import __version__
from facility_opt.cli import app
from facility_opt.scenario import bundled_scenarios

COMMANDS = ["solve", "simulate", "plan", "frontier", "compare", "annex", "validate",
            "scenarios", "init"]
HEAVY = ["pulp", "simpy", "matplotlib", "scipy", "openpyxl", "reportlab", "highspy"]
runner = CliRunner()


def test_help_lists_every_command() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0, result.output
    for cmd in COMMANDS:
        assert cmd in result.output


@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_has_help(command: str) -> None:
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0, result.output
    assert f"facility-opt {command}" in result.output
    assert "Traceback" not in result.output


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"facility-opt {__version__}"


def test_help_and_validate_import_no_heavy_module(tmp_path: Path) -> None:
    """`--help` must stay fast; validating a CSV scenario needs no solver or plotting either."""
    valid = Path(__file__).resolve().parent / "bad_inputs" / "_valid"
    code = (
        "import sys\n"
        "from facility_opt.cli import app\n"
        "def run(args):\n"
        "    try:\n"
        "        app(args)\n"
        "    except SystemExit as e:\n"
        "        assert e.code in (0, None), e.code\n"
        "run(['--help'])\n"
        "help_mods = [m for m in " + repr(HEAVY) + " if m in sys.modules]\n"
        "run(['validate', sys.argv[1]])\n"
        "val_mods = [m for m in " + repr(HEAVY) + " if m in sys.modules]\n"
        "print('HELP', help_mods, 'VALIDATE', val_mods)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(valid)], capture_output=True,
                          text=True, timeout=60, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "HELP [] VALIDATE []" in proc.stdout, proc.stdout


def test_scenarios_lists_the_bundled_ones() -> None:
    result = runner.invoke(app, ["scenarios"])
    assert result.exit_code == 0, result.output
    names = [b.name for b in bundled_scenarios()]
    for n in names:
        assert n in result.output
    if names:
        assert result.output.splitlines()[0].split() == ["name", "title", "extends"]


def test_validate_the_bundled_default() -> None:
    if "leshan-base" not in [b.name for b in bundled_scenarios()]:
        pytest.skip("bundled Leshan data not present yet")
    result = runner.invoke(app, ["validate"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.startswith("ok: leshan-base")
    assert "万元 in total" in out and "complex 10" in out and "renovation 40" in out
    assert "communities: 263" in out and "centres: 357" in out


def test_init_edit_validate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["init", "mine"])
    assert result.exit_code == 0, result.output
    assert "facility-opt validate mine/scenario.toml" in result.output
    for name in ("scenario.toml", "candidates.csv", "communities.csv", "centres.csv"):
        assert (tmp_path / "mine" / name).is_file()
    header = (tmp_path / "mine" / "candidates.csv").read_text(encoding="utf-8").strip()
    assert header.startswith("id,name,kind,cost,")
    # the empty template is refused with a clear message ...
    result = runner.invoke(app, ["validate", "mine/scenario.toml"])
    assert result.exit_code == 2 and "mine/candidates.csv: data rows = 0" in result.output
    # ... and valid once the planner adds a project and edits the budget
    with open(tmp_path / "mine" / "candidates.csv", "a", encoding="utf-8") as f:
        f.write("P1,社区服务中心改造,renovation,450," + "," * (header.count(",") - 4) + "\n")
    toml = tmp_path / "mine" / "scenario.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("2022 = 5000", "2022 = 5500"),
                    encoding="utf-8")
    result = runner.invoke(app, ["validate", "mine/scenario.toml"])
    assert result.exit_code == 0, result.output
    assert "ok: my-scenario" in result.output
    assert "budget: 21,500 万元 in total" in result.output
    assert "candidates: 1 (renovation 1), costing 450 万元" in result.output
    # a typo in a budget key is never silently ignored
    toml.write_text(toml.read_text(encoding="utf-8").replace("annual =", "anual ="),
                    encoding="utf-8")
    result = runner.invoke(app, ["validate", "mine"])
    assert result.exit_code == 2
    assert "mine/scenario.toml: key budget.anual" in result.output
    assert "did you mean 'budget.annual'" in result.output


def test_init_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    assert runner.invoke(app, ["init", str(tmp_path)]).exit_code == 0
    (tmp_path / "scenario.toml").write_text("# my edits\n", encoding="utf-8")
    result = runner.invoke(app, ["init", str(tmp_path)])
    assert result.exit_code == 2 and "--force" in result.output and "scenario.toml" in result.output
    assert (tmp_path / "scenario.toml").read_text(encoding="utf-8") == "# my edits\n"
    result = runner.invoke(app, ["init", str(tmp_path), "--force"])
    assert result.exit_code == 0
    assert (tmp_path / "scenario.toml").read_text(encoding="utf-8").startswith("# facility-opt")
