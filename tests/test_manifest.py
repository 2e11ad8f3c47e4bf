"""Every command's manifest.json holds what the contract's manifest row promises (issue 7).

Tool version, command line, scenario name and the sha256 of every input file, solver and its
version where a solver ran, seed and replications where a simulation ran, start and end time of
the whole run, and the sha256 of every file written. The commands run as subprocesses (so the
command line is the real one) on a copy of the corpus' mini scenario; the hashes are checked
against hashlib on the files themselves.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from builders import copy_mini

from facility_opt import __version__

CLI = [sys.executable, "-m", "facility_opt.cli"]
MINI_FILES = {"scenario": "scenario.toml", "candidates": "candidates.csv",
              "communities": "communities.csv", "centres": "centres.csv"}


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _cli(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "FACILITY_OPT_DEBUG"}
    proc = subprocess.run([*CLI, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          encoding="utf-8", timeout=300)
    assert proc.returncode == 0, f"{args}: exit {proc.returncode}\n{proc.stderr}"
    return proc


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One results folder per command, on the mini scenario (two commands at a time)."""
    root = tmp_path_factory.mktemp("manifests")
    sc = str(copy_mini(root))
    out = {name: root / "results" / name for name in
           ("solve", "simulate", "plan", "frontier", "compare", "portfolio")}
    first = [["solve", sc, "-o", str(out["solve"])],
             ["simulate", sc, "-o", str(out["simulate"]), "--seed", "11", "--replications", "5"],
             ["plan", sc, "-o", str(out["plan"]), "--replications", "6"],
             ["frontier", sc, "-o", str(out["frontier"]), "--budgets", "1000,3000"],
             ["compare", sc, "-o", str(out["compare"]), "--replications", "4"]]
    with ThreadPoolExecutor(max_workers=2) as pool:
        seconds = dict(zip(out, pool.map(lambda args: _timed(args, root), first), strict=False))
    (root / "seconds.json").write_text(json.dumps(seconds), encoding="utf-8")
    # these read what the first batch wrote
    _cli(["simulate", sc, "-o", str(out["portfolio"]), "--replications", "3",
          "--portfolio", str(out["solve"] / "selection.csv")], root)
    _cli(["annex", str(out["solve"]), "--lang", "en"], root)
    out["annex"] = out["solve"] / "annex"
    out["scenario_dir"] = root / "mini"
    return out


def _timed(args: list[str], cwd: Path) -> float:
    t0 = time.perf_counter()
    _cli(args, cwd)
    return time.perf_counter() - t0


def _manifest(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


def _check_common(folder: Path, command: str) -> dict[str, Any]:
    """What every manifest holds: tool and version, the command line, start ≤ end, and the
    sha256 of every file written beside it."""
    m = _manifest(folder)
    assert m["tool"] == "facility-opt" and m["tool_version"] == __version__
    assert m["command"] == command
    line = m["command_line"]
    assert isinstance(line, list) and command in line and str(folder) in line or \
        str(folder.parent) in line, line
    started, ended = (datetime.fromisoformat(m[k]) for k in ("started", "ended"))
    assert started.tzinfo is not None and started <= ended
    written = {p.relative_to(folder).as_posix(): _sha(p) for p in folder.rglob("*")
               if p.is_file() and p.name != "manifest.json"
               and p.relative_to(folder).parts[0] != "annex"}  # the annex came later
    assert m["files"] == written
    return m


def _check_inputs(m: dict[str, Any], scenario_dir: Path) -> None:
    """The scenario's name and the sha256 of each of its files, by role."""
    assert m["scenario"] == "mini"
    for role, name in MINI_FILES.items():
        assert m["inputs"][role] == {"path": name, "sha256": _sha(scenario_dir / name)}, role


def _check_solver(m: dict[str, Any], solver: str = "highs") -> None:
    assert m["solver"] == solver
    assert m["solver_version"].startswith("HiGHS ") and any(c.isdigit()
                                                             for c in m["solver_version"])


@pytest.mark.parametrize("command", ["solve", "simulate", "plan", "frontier"])
def test_scenario_commands_record_the_contract_row(runs: dict[str, Path], command: str) -> None:
    m = _check_common(runs[command], command)
    _check_inputs(m, runs["scenario_dir"])
    _check_solver(m)  # simulate and plan solved first; frontier solved at each budget
    if command in ("simulate", "plan"):
        assert isinstance(m["seed"], int) and isinstance(m["replications"], int)
    if command == "simulate":
        assert (m["seed"], m["replications"]) == (11, 5)
    if command == "plan":
        assert m["replications"] == 6


@pytest.mark.parametrize("command", ["solve", "simulate", "plan"])
def test_start_time_is_the_start_of_the_run(runs: dict[str, Path], command: str) -> None:
    """`started` and `elapsed_seconds` cover the run (loading, solving, simulating), not just
    the writing of the files at its end (they did: simulate recorded 0.01 s of a 1 s run)."""
    wall = json.loads((runs["solve"].parent.parent / "seconds.json").read_text())[command]
    m = _manifest(runs[command])
    assert m["elapsed_seconds"] <= wall
    assert m["elapsed_seconds"] >= 0.25 * wall, (m["elapsed_seconds"], wall)
    started, ended = (datetime.fromisoformat(m[k]) for k in ("started", "ended"))
    assert abs((ended - started).total_seconds() - m["elapsed_seconds"]) <= 1.0


def test_simulate_of_a_given_portfolio_hashes_it(runs: dict[str, Path]) -> None:
    m = _check_common(runs["portfolio"], "simulate")
    _check_inputs(m, runs["scenario_dir"])
    selection = runs["solve"] / "selection.csv"
    assert m["inputs"]["portfolio"] == {"path": "selection.csv", "sha256": _sha(selection)}
    assert m["replications"] == 3
    assert "solver" not in m  # nothing was solved: the portfolio was given


def test_compare_records_each_scenario(runs: dict[str, Path]) -> None:
    m = _check_common(runs["compare"], "compare")
    assert m["scenarios"] == ["mini"]
    assert isinstance(m["seed"], int)
    _check_solver(m)
    for role, name in MINI_FILES.items():
        assert m["input_files"]["mini"][role]["sha256"] == _sha(runs["scenario_dir"] / name)
    sub = _manifest(runs["compare"] / "scenarios" / "mini")
    _check_inputs(sub, runs["scenario_dir"])
    assert sub["replications"] == 4 and sub["seed"] == m["seed"]


def test_annex_writes_a_manifest_of_its_own(runs: dict[str, Path]) -> None:
    """The annex is written into the results folder's annex/ with its own manifest: the results
    files it was built from, with their sha256, and the three documents."""
    m = _check_common(runs["annex"], "annex")
    assert m["scenario"] == "mini" and m["lang"] == "en"
    results = runs["solve"]
    for name in ("summary.json", "selection.csv", "spend.csv", "scenario.json", "manifest.json"):
        assert m["inputs"][name] == {"path": name, "sha256": _sha(results / name)}, name
    assert sorted(m["files"]) == ["annex_mini.md", "annex_mini.pdf", "annex_mini.xlsx",
                                  "map_city.png", "map_city.svg"]  # the city map it drew
    # the results folder's own manifest is left as the solve wrote it
    assert "annex/manifest.json" not in _manifest(results)["files"]
