"""Same inputs and seed, same files (issue 7, part 4).

Each command runs twice as separate processes — on one worker and on two, and with different
Python hash seeds so that no output depends on set or dict iteration order — and every file of
the two results folders must be byte-identical, except manifest.json, which may differ only in
its timestamps and timings and in how the run was launched (command line, worker count).
`solve` must also choose the same projects under HiGHS and CBC on the bundled leshan-base,
whose optimum is unique (ties are broken by a deterministic secondary objective).
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from builders import copy_mini

CLI = [sys.executable, "-m", "facility_opt.cli"]

# how a run was launched and how long it took: the only manifest entries allowed to differ
LAUNCH_AND_TIMING = {"started", "ended", "elapsed_seconds", "cpu_seconds", "timing_seconds",
                     "command_line", "workers"}


def _scenario(tmp_path: Path) -> Path:
    return copy_mini(tmp_path)


def _run_pair(tmp_path: Path, first: list[str], second: list[str]) -> tuple[Path, Path]:
    """Run two commands at once (separate processes, different hash seeds) into a/ and b/."""
    outs = (tmp_path / "a", tmp_path / "b")
    procs = []
    for args, out, hash_seed in zip((first, second), outs, ("1", "2"), strict=True):
        env = {k: v for k, v in os.environ.items() if k != "FACILITY_OPT_DEBUG"}
        env["PYTHONHASHSEED"] = hash_seed
        procs.append(subprocess.Popen([*CLI, *args, "-o", str(out)], cwd=tmp_path, env=env,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                      encoding="utf-8"))
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, f"{proc.args}: exit {proc.returncode}\n{err}"
    return outs


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _without_launch(manifest: Any) -> Any:
    if isinstance(manifest, dict):
        return {k: _without_launch(v) for k, v in manifest.items() if k not in LAUNCH_AND_TIMING}
    if isinstance(manifest, list):
        return [_without_launch(v) for v in manifest]
    return manifest


def _assert_same_results(a: Path, b: Path) -> dict[str, bytes]:
    fa, fb = _files(a), _files(b)
    assert fa.keys() == fb.keys()
    differ = [name for name in fa if fa[name] != fb[name] and Path(name).name != "manifest.json"]
    assert not differ, f"outputs differ between the runs: {differ}"
    for name in fa:
        if Path(name).name == "manifest.json":
            ma, mb = (json.loads(f[name].decode("utf-8")) for f in (fa, fb))
            assert _without_launch(ma) == _without_launch(mb), name
    assert any(n.endswith(".csv") for n in fa) and any(n.endswith(".json") for n in fa)
    return fa


def test_simulate_one_worker_and_two_give_the_same_files(tmp_path: Path) -> None:
    sc = str(_scenario(tmp_path))
    a, b = _run_pair(tmp_path, ["simulate", sc, "--seed", "7"],
                     ["simulate", sc, "--seed", "7", "--workers", "2"])
    files = _assert_same_results(a, b)
    assert {"coverage.csv", "centre_load.csv", "replications.csv"} <= files.keys()
    manifest = json.loads(files["manifest.json"])
    assert manifest["seed"] == 7 and manifest["simulation"]["workers"] == 1


def test_simulate_seed_matters(tmp_path: Path) -> None:
    """The comparison above can fail: another seed gives other replications."""
    sc = str(_scenario(tmp_path))
    few = ["--replications", "3", "--days", "3"]
    a, b = _run_pair(tmp_path, ["simulate", sc, "--seed", "7", *few],
                     ["simulate", sc, "--seed", "8", *few])
    assert (a / "replications.csv").read_bytes() != (b / "replications.csv").read_bytes()


def test_plan_one_worker_and_two_give_the_same_files(tmp_path: Path) -> None:
    sc = str(_scenario(tmp_path))
    a, b = _run_pair(tmp_path, ["plan", sc], ["plan", sc, "--workers", "2"])
    files = _assert_same_results(a, b)
    assert {"plan.json", "summary.json", "selection.csv", "coverage.csv", "plan.png",
            "plan.svg"} <= files.keys()


def test_frontier_one_worker_and_two_give_the_same_files(tmp_path: Path) -> None:
    sc = str(_scenario(tmp_path))
    budgets = ["--budgets", "1000:4200:800"]
    a, b = _run_pair(tmp_path, ["frontier", sc, *budgets],
                     ["frontier", sc, *budgets, "--workers", "2"])
    files = _assert_same_results(a, b)
    rows = list(csv.DictReader(files["frontier.csv"].decode("utf-8").splitlines()))
    assert len(rows) == 5


def test_solve_twice_gives_the_same_files(tmp_path: Path) -> None:
    sc = str(_scenario(tmp_path))
    a, b = _run_pair(tmp_path, ["solve", sc], ["solve", sc])
    files = _assert_same_results(a, b)
    assert {"summary.json", "selection.csv", "spend.csv"} <= files.keys()


def _selected(folder: Path) -> list[tuple[str, str]]:
    with open(folder / "selection.csv", encoding="utf-8", newline="") as f:
        return [(r["id"], r["start_year"]) for r in csv.DictReader(f) if r["selected"] == "1"]


def test_highs_and_cbc_choose_the_same_plan_on_leshan_base(tmp_path: Path) -> None:
    """Both solvers prove the same optimum and, ties broken deterministically, the same
    projects and start years: selection.csv is byte-identical."""
    a, b = _run_pair(tmp_path, ["solve", "leshan-base", "--no-explain"],
                     ["solve", "leshan-base", "--no-explain", "--solver", "cbc"])
    assert (a / "selection.csv").read_bytes() == (b / "selection.csv").read_bytes()
    assert (a / "spend.csv").read_bytes() == (b / "spend.csv").read_bytes()
    sa, sb = (json.loads((f / "summary.json").read_text(encoding="utf-8")) for f in (a, b))
    assert sa["status"] == sb["status"] == "optimal"
    assert sa["objective"] == pytest.approx(sb["objective"], rel=1e-9)
    assert (sa["solver"], sb["solver"]) == ("highs", "cbc")
    assert len(_selected(a)) >= 20  # a real portfolio, not an empty one
