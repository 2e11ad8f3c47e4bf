"""Results folders are a workspace several commands share: each command replaces only its own files,
one rename per file, so a crash or a kill never leaves a half-written file and never destroys the
previous results (issue 7 part 3, issue 12)."""

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


def _visible(folder: Path) -> list[str]:
    """Entries of a folder other than the results lock (`.NAME.lock`, kept by flock)."""
    return sorted(p.name for p in folder.iterdir() if not p.name.endswith(".lock"))


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
    assert _visible(tmp_path) == ["run"]


def test_exception_keeps_previous_results(tmp_path: Path) -> None:
    target = tmp_path / "run"
    before = _write_previous(target)
    with pytest.raises(RuntimeError), ResultsFolder(target, "test") as rf:
        rf.write_csv("a.csv", ["x"], [[99]])
        raise RuntimeError("boom")
    assert {p.name: p.read_bytes() for p in target.iterdir()} == before
    assert _visible(tmp_path) == ["run"]


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
    assert sorted(visible) == ["run", "writer.py"], "no half-written file may appear"
    # the next run tidies the dead run's hidden temporary folder
    recover_interrupted(target)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".run.")] == [".run.lock"]


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


# -- a workspace several commands share (issue 12) -------------------------------------------------
def _write(target: Path, command: str, files: dict[str, str], **manifest) -> None:
    with ResultsFolder(target, command, argv=["facility-opt", command]) as rf:
        rf.manifest.update(manifest)
        for name, text in files.items():
            rf.write_text(name, text)


def _inputs(sha: str) -> dict:
    return {"scenario": "s", "inputs": {"candidates": {"path": "candidates.csv", "sha256": sha}}}


def test_each_command_replaces_only_its_own_files(tmp_path: Path) -> None:
    target = tmp_path / "run"
    _write(target, "solve", {"summary.json": "{}\n", "selection.csv": "id\n", "force.csv": "f\n",
                             "plots/spend.png": "png"}, **_inputs("a" * 64))
    _write(target, "simulate", {"coverage.csv": "c\n"}, **_inputs("a" * 64))
    assert sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file()) == [
        "coverage.csv", "force.csv", "manifest.json", "plots/spend.png", "selection.csv",
        "summary.json"]
    # solve again, without force.csv and its plot: its own stale files go, simulate's stay
    _write(target, "solve", {"summary.json": '{"n": 2}\n', "selection.csv": "id\n"},
           **_inputs("a" * 64))
    assert sorted(p.name for p in target.iterdir()) == ["coverage.csv", "manifest.json",
                                                         "selection.csv", "summary.json"]
    m = json.loads((target / "manifest.json").read_text())
    assert [r["command"] for r in m["runs"]] == ["solve", "simulate", "solve"]
    assert m["written_by"] == {"coverage.csv": 1, "selection.csv": 2, "summary.json": 2}
    assert m["command"] == "solve" and set(m["files"]) == {"coverage.csv", "selection.csv",
                                                            "summary.json"}
    assert m["runs"][1]["files"] == {"coverage.csv": m["files"]["coverage.csv"]}
    assert m["mismatches"] == []


def test_changed_inputs_are_named_in_the_manifest(tmp_path: Path) -> None:
    target = tmp_path / "run"
    _write(target, "solve", {"summary.json": "{}\n", "selection.csv": "id\nA\n"},
           **_inputs("a" * 64))
    _write(target, "simulate", {"coverage.csv": "c\n"}, **_inputs("b" * 64))
    (mismatch,) = json.loads((target / "manifest.json").read_text())["mismatches"]
    assert mismatch["earlier"]["command"] == "solve" and mismatch["later"]["command"] == "simulate"
    assert mismatch["earlier"]["files"] == ["selection.csv", "summary.json"]
    assert "candidates input candidates.csv changed" in mismatch["message"]
    # a simulation of another portfolio is named too
    _write(target, "simulate", {"coverage.csv": "c\n"}, scenario="s",
           inputs={"candidates": {"path": "candidates.csv", "sha256": "a" * 64},
                   "portfolio": {"path": "selection.csv", "sha256": "c" * 64}})
    (mismatch,) = json.loads((target / "manifest.json").read_text())["mismatches"]
    assert mismatch["reasons"] == [mismatch["reasons"][0]]
    assert mismatch["reasons"][0].startswith("another portfolio")


def test_killed_while_moving_files_in_is_completed_by_the_next_run(tmp_path: Path) -> None:
    """A run killed between two of its renames left a `.commit` note: the next command on the
    folder finishes the move, so the folder is never left half old, half new."""
    target = tmp_path / "run"
    _write(target, "solve", {"summary.json": "old\n", "selection.csv": "old\n"})
    staging = tmp_path / ".run.tmp-999999999-dead"
    staging.mkdir()
    (staging / "selection.csv").write_text("new\n")  # summary.json already moved in, then killed
    (target / "summary.json").write_text("new\n")
    (staging / "manifest.json").write_text('{"command": "solve", "files": {}}\n')
    (staging / ".commit").write_text(json.dumps({"files": ["summary.json", "selection.csv"],
                                                 "delete": []}))
    recover_interrupted(target)
    assert (target / "selection.csv").read_text() == "new\n"
    assert (target / "summary.json").read_text() == "new\n"
    assert json.loads((target / "manifest.json").read_text())["command"] == "solve"
    assert not staging.exists()


def test_permissions_follow_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        target = tmp_path / "new" / "run"
        _write(target, "solve", {"summary.json": "{}\n", "plots/a.png": "x"})
    finally:
        os.umask(old)
    assert (target.stat().st_mode & 0o777) == 0o755
    assert ((target / "plots").stat().st_mode & 0o777) == 0o755
    for f in ("summary.json", "plots/a.png", "manifest.json"):
        assert ((target / f).stat().st_mode & 0o777) == 0o644, f
    old = os.umask(0o077)
    try:
        _write(tmp_path / "private", "solve", {"summary.json": "{}\n"})
    finally:
        os.umask(old)
    assert ((tmp_path / "private").stat().st_mode & 0o777) == 0o700
    assert ((tmp_path / "private" / "summary.json").stat().st_mode & 0o777) == 0o600


_HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from facility_opt.results.folder import ResultsFolder
    with ResultsFolder(Path(sys.argv[1]), "solve") as rf:
        rf.write_text("summary.json", "{}\\n")
        print("holding", flush=True)
        time.sleep(float(sys.argv[2]))
    """
)


def test_a_second_writer_waits_or_stops_with_no_wait(tmp_path: Path) -> None:
    from facility_opt.errors import InputError
    from facility_opt.results.lock import WAIT_NOTICE

    target = tmp_path / "run"
    script = tmp_path / "holder.py"
    script.write_text(_HOLDER)
    proc = subprocess.Popen([sys.executable, str(script), str(target), "1.5"],
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline() == "holding\n"
        with pytest.raises(InputError, match=r"in use by `solve` \(pid \d+"), \
                ResultsFolder(target, "simulate", wait=False):
            pass
        said: list[str] = []
        token = WAIT_NOTICE.set(said.append)
        try:
            t0 = time.monotonic()
            with ResultsFolder(target, "simulate") as rf:
                rf.write_text("coverage.csv", "c\n")
            waited = time.monotonic() - t0
        finally:
            WAIT_NOTICE.reset(token)
        assert len(said) == 1 and "in use by `solve`" in said[0] and "simulate" in said[0], said
        assert waited > 0.5
    finally:
        proc.wait(timeout=30)
    assert sorted(p.name for p in target.iterdir()) == ["coverage.csv", "manifest.json",
                                                         "summary.json"]


def test_a_writer_killed_while_holding_the_lock_never_leaves_it_locked(tmp_path: Path) -> None:
    target = tmp_path / "run"
    script = tmp_path / "holder.py"
    script.write_text(_HOLDER)
    proc = subprocess.Popen([sys.executable, str(script), str(target), "60"],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline() == "holding\n"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    t0 = time.monotonic()
    with ResultsFolder(target, "simulate", wait=False) as rf:  # would raise if still locked
        rf.write_text("coverage.csv", "c\n")
    assert time.monotonic() - t0 < 5
    assert sorted(p.name for p in target.iterdir()) == ["coverage.csv", "manifest.json"]
