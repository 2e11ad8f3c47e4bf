"""Results folders are replaced atomically: a crash or a kill never leaves a half-written folder and
never destroys the previous results (issue 7 part 3)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from facility_opt.results.folder import ResultsFolder, csv_text, fmt_number, json_text, recover_interrupted


def _write_previous(target: Path) -> dict[str, bytes]:
    with ResultsFolder(target, "test") as rf:
        rf.write_csv("a.csv", ["x"], [[1], [2]])
        rf.write_json("summary.json", {"status": "optimal"})
    return {p.name: p.read_bytes() for p in target.iterdir()}


def test_folder_appears_only_when_complete(tmp_path: Path) -> None:
    target = tmp_path / "run"
    with ResultsFolder(target, "test") as rf:
        rf.write_csv("a.csv", ["x"], [[1]])
        assert not target.exists(), "the target must not exist before the run completes"
    assert (target / "a.csv").read_text() == "x\n1\n"
    manifest = json.loads((target / "manifest.json").read_text())
    assert manifest["files"]["a.csv"]
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


def test_exception_keeps_previous_results(tmp_path: Path) -> None:
    target = tmp_path / "run"
    before = _write_previous(target)
    with pytest.raises(RuntimeError), ResultsFolder(target, "test") as rf:
        rf.write_csv("a.csv", ["x"], [[99]])
        raise RuntimeError("boom")
    assert {p.name: p.read_bytes() for p in target.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


def test_keyboard_interrupt_keeps_previous_results(tmp_path: Path) -> None:
    target = tmp_path / "run"
    before = _write_previous(target)
    with pytest.raises(KeyboardInterrupt), ResultsFolder(target, "test") as rf:
        rf.write_csv("a.csv", ["x"], [[99]])
        raise KeyboardInterrupt
    assert {p.name: p.read_bytes() for p in target.iterdir()} == before


_SLOW_WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from facility_opt.results.folder import ResultsFolder
    target = Path(sys.argv[1])
    with ResultsFolder(target, "test") as rf:
        for i in range(40):
            rf.write_csv(f"part{i}.csv", ["x"], [[i]])
            print("wrote", i, flush=True)
            time.sleep(0.02)
    print("done", flush=True)
    """
)


@pytest.mark.parametrize("kill_after_lines", [1, 10, 25])
def test_sigkill_mid_run_leaves_previous_folder_untouched(tmp_path: Path,
                                                          kill_after_lines: int) -> None:
    target = tmp_path / "run"
    before = _write_previous(target)
    script = tmp_path / "writer.py"
    script.write_text(_SLOW_WRITER)
    proc = subprocess.Popen([sys.executable, str(script), str(target)], stdout=subprocess.PIPE,
                            text=True)
    assert proc.stdout is not None
    for _ in range(kill_after_lines):
        proc.stdout.readline()
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert {p.name: p.read_bytes() for p in target.iterdir()} == before
    visible = [p.name for p in tmp_path.iterdir() if not p.name.startswith(".")]
    assert sorted(visible) == ["run", "writer.py"], "no half-written folder may appear"
    # the next run tidies the dead run's hidden temporary folder
    recover_interrupted(target)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".run.")]


def test_killed_between_renames_restores_previous(tmp_path: Path) -> None:
    target = tmp_path / "run"
    before = _write_previous(target)
    # a run that died right after moving the old folder aside (pid that cannot be alive)
    dead = tmp_path / ".run.old-999999999"
    os.replace(target, dead)
    recover_interrupted(target)
    assert {p.name: p.read_bytes() for p in target.iterdir()} == before
    assert not dead.exists()


def test_number_format_is_fixed() -> None:
    assert fmt_number(1.0) == "1"
    assert fmt_number(0.1 + 0.2) == "0.3"
    assert fmt_number(1234.5678) == "1234.5678"
    assert fmt_number(None) == ""
    assert fmt_number(float("nan")) == ""
    assert fmt_number(True) == "1"
    assert fmt_number(1e-12) == "1e-12"
    assert csv_text(["a", "b"], [{"a": 1, "b": "x,y"}]) == 'a,b\n1,"x,y"\n'
    assert json_text({"b": 1.0, "a": [0.30000000000000004]}) == (
        '{\n  "a": [\n    0.3\n  ],\n  "b": 1.0\n}\n')


def test_manifest_is_written_last_and_lists_hashes(tmp_path: Path) -> None:
    target = tmp_path / "run"
    t0 = time.time()
    with ResultsFolder(target, "solve", argv=["facility-opt", "solve"]) as rf:
        rf.manifest["seed"] = 7
        rf.write_text("x.txt", "hello")
    m = json.loads((target / "manifest.json").read_text())
    assert m["seed"] == 7 and m["command"] == "solve"
    assert m["command_line"] == ["facility-opt", "solve"]
    assert m["files"]["x.txt"] == (
        "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824")
    assert "pulp" in m["packages"]
    assert time.time() - t0 < 30
