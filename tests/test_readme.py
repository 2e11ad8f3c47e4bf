"""The README is executable: its set-up commands are the ones CI runs, and every `$ facility-opt …`
command it shows runs from a fresh folder with the exit code the README implies."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"

# commands quick enough for every CI run; the rest (simulate, plan, compare …) have their own tests
QUICK = {"--version", "--help", "scenarios", "validate", "init", "solve", "annex", "frontier"}


def _readme_commands() -> list[tuple[str, int]]:
    """(`facility-opt …` command, expected exit code) for every `$ ` line in the README; a command
    followed by `# exit N` expects N."""
    out = []
    for line in README.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^\$ (facility-opt .*?)(?:\s+#\s*exit (\d+))?\s*$", line)
        if m:
            out.append((m.group(1), int(m.group(2) or 0)))
    return out


def test_readme_starts_with_the_two_setup_commands() -> None:
    text = README.read_text(encoding="utf-8")
    first_block = re.search(r"```(?:bash|sh)\n(.*?)```", text, re.S)
    assert first_block, "README must open with a shell block of set-up commands"
    lines = [ln for ln in first_block.group(1).splitlines() if ln and not ln.startswith("#")]
    assert len(lines) == 2, lines
    assert "pip install" in lines[0] and lines[0].endswith("facility-opt solve")
    assert 'pip install -e ".[test]" && python -m pytest' in lines[1]
    ci = (REPO / ".ci" / "run").read_text()
    assert 'pip install -e ".[test]" && python -m pytest' in ci, "CI must run the README's command"


def test_readme_shows_every_command_of_the_contract() -> None:
    shown = {shlex.split(cmd)[1] for cmd, _ in _readme_commands()}
    for command in ("solve", "simulate", "plan", "frontier", "compare", "annex", "validate",
                    "scenarios", "init", "--version", "map"):
        assert command in shown, f"README shows no `$ facility-opt {command}` example"


def _break_a_copy(exe: str, work: Path) -> None:
    """What the README describes: a copy of leshan-base with a negative cost in row 3 and `budgt`
    for `budget`."""
    subprocess.run([exe, "init", "broken", "--from", "leshan-base", "--force"], cwd=work,
                   capture_output=True, timeout=120, check=True)
    cand = work / "broken" / "candidates.csv"
    lines = cand.read_text(encoding="utf-8").splitlines()
    header, row = lines[0].split(","), lines[3].split(",")
    row[header.index("cost")] = "-5"
    lines[3] = ",".join(row)
    cand.write_text("\n".join(lines) + "\n", encoding="utf-8")
    toml = work / "broken" / "scenario.toml"
    text = toml.read_text(encoding="utf-8").replace("[budget]", "[budgt]", 1)
    toml.write_text(text, encoding="utf-8")


@pytest.mark.parametrize("command,expected", [c for c in _readme_commands()
                                              if shlex.split(c[0])[1] in QUICK] or [("", 0)])
def test_readme_command_runs(command: str, expected: int, tmp_path_factory) -> None:
    if not command:
        pytest.skip("README shows no quick commands")
    work = tmp_path_factory.getbasetemp() / "readme-walkthrough"  # one folder: commands build on
    work.mkdir(exist_ok=True)                                      # each other (init, then validate)
    exe = Path(sys.executable).with_name("facility-opt")
    argv = shlex.split(command)
    argv[0] = str(exe) if exe.exists() else argv[0]
    if "broken/" in command:
        _break_a_copy(argv[0], work)
    if argv[1] == "annex" and not (work / argv[2]).exists():
        subprocess.run([argv[0], "solve", "--no-explain", "-o", argv[2]], cwd=work,
                       capture_output=True, timeout=300)
    env = {**os.environ, "COLUMNS": "100"}
    proc = subprocess.run(argv, cwd=work, capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == expected, f"{command}\n{proc.stdout}\n{proc.stderr}"
    assert "Traceback" not in proc.stderr
    if "broken/" in command:
        for needle in ("candidates.csv", "row 3", "-5", "budgt", "did you mean"):
            assert needle in proc.stderr, needle
