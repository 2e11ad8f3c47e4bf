"""Interrupted runs never cost the previous results (issue 7, part 3).

The real command runs as a subprocess on the small scenario of the bad-input corpus, writing to
a folder that already holds results (a shared workspace: a command replaces only its own
files). Killed (SIGKILL) at several moments — while starting,
mid-simulation with worker processes, while the results are being written, near the end — it
must leave the previous folder byte for byte as it was, no visible half-written folder and no
worker process behind; the next run tidies away the dead run's hidden temporary folder.
Ctrl-C (SIGINT to the whole process group, as a terminal sends it) must end the run within
seconds with exit 130, one line on stderr and no traceback, from the command or its workers.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import types
from collections.abc import Callable
from pathlib import Path

import pytest
from builders import MINI, copy_mini

from facility_opt.results.folder import sha256_file

pytestmark = pytest.mark.skipif(
    sys.platform == "win32" or not Path("/proc/self/stat").exists(),
    reason="needs POSIX signals and /proc to watch worker processes")

CLI = [sys.executable, "-m", "facility_opt.cli"]
# 1,000 replications × 365 days of the mini scenario: several seconds, time to interrupt it
LONG_SIMULATION = ["--replications", "1000", "--days", "365"]


# -- helpers -------------------------------------------------------------------------------------
def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "FACILITY_OPT_DEBUG"}


def _scenario(tmp_path: Path) -> Path:
    return copy_mini(tmp_path)


def _snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every entry of a folder: file → its bytes, sub-folder → None."""
    return {p.relative_to(folder).as_posix(): (p.read_bytes() if p.is_file() else None)
            for p in sorted(folder.rglob("*"))}


def _previous_results(target: Path) -> dict[str, bytes | None]:
    """Yesterday's results: files and a sub-folder that must survive any interruption."""
    (target / "plots").mkdir(parents=True)
    (target / "summary.json").write_text('{\n  "objective": 42.5,\n  "status": "optimal"\n}\n',
                                         encoding="utf-8")
    (target / "coverage.csv").write_text("year,metric,mean,ci_low,ci_high,p_target_met\n"
                                         "2025,facility_coverage,0.9,0.9,0.9,1\n", encoding="utf-8")
    (target / "plots" / "coverage.svg").write_bytes(b"<svg/>\n")
    return _snapshot(target)


def _ctrl_c_as_from_a_terminal() -> None:
    """In the child before exec: Ctrl-C at its default, as a terminal gives it. A test runner
    started in the background of a non-interactive shell inherits SIGINT *ignored*, and Python
    then never raises KeyboardInterrupt: the tests would measure the runner, not the tool."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class Run:
    """A command running in its own process group (as from a terminal), output to files."""

    def __init__(self, args: list[str], cwd: Path):
        self.out, self.err = cwd / "stdout.txt", cwd / "stderr.txt"
        with open(self.out, "wb") as out, open(self.err, "wb") as err:
            self.proc = subprocess.Popen([*CLI, *args], cwd=cwd, stdout=out, stderr=err,
                                         env=_env(), start_new_session=True,
                                         preexec_fn=_ctrl_c_as_from_a_terminal)
        self.pid = self.proc.pid

    def stderr(self) -> str:
        return self.err.read_text(encoding="utf-8", errors="replace")

    def wait(self, timeout: float = 60) -> int:
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.pid, signal.SIGKILL)
            self.proc.wait()
            raise AssertionError(f"still running {timeout} s later; stderr:\n{self.stderr()}"
                                 ) from None

    def cleanup(self) -> None:
        """Leave nothing running whatever the test found."""
        if self.proc.poll() is None:
            os.killpg(self.pid, signal.SIGKILL)
            self.proc.wait()
        for pid in _alive_in_group(self.pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def _alive_in_group(pgid: int) -> dict[int, str]:
    """Processes of a process group that still run (zombies excluded): pid → command line."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
            cmd = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        state, _ppid, pgrp = text[text.rindex(")") + 2:].split()[:3]
        if int(pgrp) == pgid and state not in ("Z", "X"):
            found[int(stat.parent.name)] = cmd.replace(b"\0", b" ").decode(errors="replace")
    return found


def _until(condition: Callable[[], bool], timeout: float, every: float = 0.002) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(every)
    return condition()


def _workers_started(run: Run, workers: int) -> bool:
    """The fork server and `workers` processes forked from it are running."""
    group = _alive_in_group(run.pid)
    return sum("multiprocessing.forkserver" in c for c in group.values()) >= 1 + workers


def _temp_folders(target: Path) -> list[str]:
    return sorted(p.name for p in target.parent.glob(f".{target.name}.tmp-*"))


def _assert_previous_untouched(target: Path, before: dict[str, bytes | None]) -> None:
    after = _snapshot(target)
    assert after.keys() == before.keys(), f"entries changed: {sorted(after)} != {sorted(before)}"
    changed = [name for name in before if after[name] != before[name]]
    assert not changed, f"previous results changed: {changed}"
    visible = sorted(p.name for p in target.parent.iterdir() if not p.name.startswith("."))
    assert visible == [target.name], f"a visible half-written folder appeared: {visible}"
    assert not [p for p in target.rglob(".*.tmp-*")], "a half-written file appeared"


def _assert_group_ends(run: Run, timeout: float = 15) -> None:
    assert _until(lambda: not _alive_in_group(run.pid), timeout, every=0.1), (
        f"processes left behind: {_alive_in_group(run.pid)}")


# -- SIGKILL -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def simulate_seconds(tmp_path_factory: pytest.TempPathFactory) -> float:
    """How long an uninterrupted `simulate` of the mini scenario takes here (the time scale of
    the kill moments), checked to succeed."""
    tmp = tmp_path_factory.mktemp("timing")
    scenario = _scenario(tmp)
    t0 = time.perf_counter()
    run = Run(["simulate", str(scenario), "-o", str(tmp / "results" / "mini")], tmp)
    assert run.wait() == 0, run.stderr()
    return time.perf_counter() - t0


def _assert_complete_new_results(target: Path, before: dict[str, bytes | None]) -> None:
    """A run that got as far as moving its files in before the kill: once the next command has
    completed the move (it does so first, under the folder's lock), every file it wrote is there
    as its manifest.json lists it (sha256), and every previous file it did not write is as it
    was (a results folder is shared: other commands' files are never touched)."""
    from facility_opt.results.folder import recover_interrupted

    recover_interrupted(target)
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    listed = manifest["runs"][-1]["files"]
    assert all(sha256_file(target / name) == digest for name, digest in listed.items())
    for name, data in before.items():
        if name not in listed and data is not None:
            assert (target / name).read_bytes() == data, name


@pytest.mark.parametrize("moment", [0.15, 0.5, 0.9, "writing"])
def test_sigkill_leaves_the_previous_results_untouched(tmp_path: Path, moment: float | str,
                                                       simulate_seconds: float) -> None:
    """Killed at a share of its usual run time (starting, solving, simulating), or as soon as
    its hidden temporary folder appears (writing). A run that wins the race and renames its
    results into place first must have replaced the folder with its complete results."""
    scenario = _scenario(tmp_path)
    target = tmp_path / "results" / "mini"
    before = _previous_results(target)
    run = Run(["simulate", str(scenario), "-o", str(target)], tmp_path)
    try:
        if moment == "writing":
            _until(lambda: bool(_temp_folders(target)) or run.proc.poll() is not None, 60,
                   every=0.0005)
        else:
            time.sleep(float(moment) * simulate_seconds)
        run.proc.kill()
        run.wait()
        if _snapshot(target) != before and moment in (0.9, "writing"):
            _assert_complete_new_results(target, before)  # it was moving its files in
        else:
            _assert_previous_untouched(target, before)
        _assert_group_ends(run)
    finally:
        run.cleanup()


def test_sigkill_mid_simulation_leaves_no_workers(tmp_path: Path) -> None:
    """Only the parent is killed (as the out-of-memory killer would): its two workers must end
    by themselves, and the previous results stay as they were."""
    scenario = _scenario(tmp_path)
    target = tmp_path / "results" / "mini"
    before = _previous_results(target)
    run = Run(["simulate", str(scenario), "-o", str(target), "--workers", "2",
               *LONG_SIMULATION], tmp_path)
    try:
        assert _until(lambda: _workers_started(run, 2), 60, every=0.05), run.stderr()
        time.sleep(0.3)
        assert run.proc.poll() is None, "finished before it could be interrupted"
        run.proc.kill()
        run.wait()
        _assert_group_ends(run)
        _assert_previous_untouched(target, before)
        assert _temp_folders(target) == []  # killed before writing: nothing half-written at all
    finally:
        run.cleanup()


def test_sigkill_while_writing_then_next_run_tidies_up(tmp_path: Path) -> None:
    """`plan` draws its plots inside the temporary folder: killed there, the folder stays hidden,
    the previous results intact, and the next run into the same place removes it."""
    scenario = _scenario(tmp_path)
    target = tmp_path / "results" / "mini"
    before = _previous_results(target)
    run = Run(["plan", str(scenario), "-o", str(target)], tmp_path)
    try:
        seen = _until(lambda: bool(_temp_folders(target)) or run.proc.poll() is not None, 60)
        run.proc.kill()
        run.wait()
        assert seen and run.proc.returncode == -signal.SIGKILL, (
            f"plan ended (exit {run.proc.returncode}) before its temporary folder was seen:\n"
            f"{run.stderr()}")
        dead = _temp_folders(target)
        assert dead and all(f"-{run.pid}-" in name for name in dead), dead
        _assert_previous_untouched(target, before)
        _assert_group_ends(run)
    finally:
        run.cleanup()
    nxt = Run(["solve", str(scenario), "-o", str(target), "--no-explain"], tmp_path)
    try:
        assert nxt.wait() == 0, nxt.stderr()
    finally:
        nxt.cleanup()
    assert _temp_folders(target) == [], "the dead run's temporary folder was not removed"
    hidden = [p.name for p in target.parent.iterdir() if p.name.startswith(".")]
    assert hidden == [f".{target.name}.lock"]  # the flock file stays; nothing else
    # solve replaced only its own files: the previous, unowned files are still there
    assert (target / "selection.csv").is_file() and (target / "plots" / "coverage.svg").is_file()


# -- Ctrl-C --------------------------------------------------------------------------------------
def _assert_clean_interrupt(run: Run, sent_at: float) -> None:
    code = run.wait(timeout=60)
    stopped_after = time.monotonic() - sent_at
    err = run.stderr()
    assert code == 130, f"exit {code}:\n{err}"
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    lines = [ln for ln in err.splitlines() if ln.strip() and not ln.startswith("… ")]  # progress
    assert len(lines) == 1 and lines[0].startswith("interrupted: "), err
    assert stopped_after < 10, f"took {stopped_after:.1f} s to stop after Ctrl-C"


@pytest.mark.parametrize("workers", [1, 2])
def test_ctrl_c_ends_cleanly(tmp_path: Path, workers: int) -> None:
    scenario = _scenario(tmp_path)
    target = tmp_path / "results" / "mini"
    before = _previous_results(target)
    run = Run(["simulate", str(scenario), "-o", str(target), "--workers", str(workers),
               *LONG_SIMULATION], tmp_path)
    try:
        if workers > 1:
            assert _until(lambda: _workers_started(run, workers), 60, every=0.05), run.stderr()
            time.sleep(0.3)  # tasks flowing
        else:
            time.sleep(1.5)  # solved, simulating
        assert run.proc.poll() is None, "finished before it could be interrupted"
        os.killpg(run.pid, signal.SIGINT)
        _assert_clean_interrupt(run, time.monotonic())
        _assert_previous_untouched(target, before)
        assert _temp_folders(target) == []
        _assert_group_ends(run)
    finally:
        run.cleanup()


def test_ctrl_c_while_writing_removes_the_temporary_folder(tmp_path: Path) -> None:
    scenario = _scenario(tmp_path)
    target = tmp_path / "results" / "mini"
    before = _previous_results(target)
    run = Run(["plan", str(scenario), "-o", str(target)], tmp_path)
    try:
        seen = _until(lambda: bool(_temp_folders(target)) or run.proc.poll() is not None, 60)
        assert seen and run.proc.poll() is None, f"plan ended before writing:\n{run.stderr()}"
        os.killpg(run.pid, signal.SIGINT)
        _assert_clean_interrupt(run, time.monotonic())
        _assert_previous_untouched(target, before)
        assert _temp_folders(target) == []
    finally:
        run.cleanup()


def test_ctrl_c_during_a_highs_solve(tmp_path: Path) -> None:
    """Ctrl-C while HiGHS runs (the explanations of leshan-base re-solve for many seconds) is an
    interruption, exit 130 — not "HiGHS failed" (exit 1), which it was: the KeyboardInterrupt
    surfaced in HiGHS's log callback and HiGHS reported a solver error."""
    target = tmp_path / "results" / "leshan-base"
    before = _previous_results(target)
    run = Run(["solve", "leshan-base", "-o", str(target)], tmp_path)
    try:
        time.sleep(2.5)
        assert run.proc.poll() is None, f"finished before it could be interrupted:\n{run.stderr()}"
        os.killpg(run.pid, signal.SIGINT)
        _assert_clean_interrupt(run, time.monotonic())
        _assert_previous_untouched(target, before)
    finally:
        run.cleanup()


class _CtrlCOnImport(types.ModuleType):
    """Stands in for a command's module: importing from it is interrupted."""

    def __getattr__(self, name: str):
        if name.startswith("run_"):  # `from facility_opt.cli.scenario_cmds import run_validate`
            raise KeyboardInterrupt
        raise AttributeError(name)


@pytest.mark.parametrize("where", ["importing the command", "inside the command"])
def test_ctrl_c_anywhere_in_main_is_one_line(where: str, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """Ctrl-C while the command's module loads (Typer itself exits 130 there, silently) and
    inside the command both give exit 130 and exactly one line."""
    from facility_opt import cli

    if where == "importing the command":
        monkeypatch.setitem(sys.modules, "facility_opt.cli.scenario_cmds",
                            _CtrlCOnImport("facility_opt.cli.scenario_cmds"))
    else:
        import facility_opt.cli.scenario_cmds

        def interrupted(**kwargs):
            raise KeyboardInterrupt

        monkeypatch.setattr(facility_opt.cli.scenario_cmds, "run_validate", interrupted)
    monkeypatch.setattr(sys, "argv", ["facility-opt", "validate", str(MINI)])
    with pytest.raises(SystemExit) as done:
        cli.main()
    assert done.value.code == 130
    err = capsys.readouterr().err
    assert err.splitlines() == ["interrupted: stopped cleanly; previous results are untouched"]


# -- the executor's part -------------------------------------------------------------------------
def _sleep_then_mark(task: tuple[float, str]) -> float:
    """A worker task: fail at once (negative seconds), or sleep then leave a marker file."""
    seconds, marker = task
    if seconds < 0:
        raise ValueError("this task failed")
    time.sleep(seconds)
    Path(marker).write_text("finished", encoding="utf-8")
    return seconds


def test_a_failed_task_ends_the_other_workers_at_once(tmp_path: Path) -> None:
    """When one task fails (or Ctrl-C is pressed) the pool's workers are ended, not left to
    finish long tasks nobody will read: the slow task never leaves its marker."""
    from facility_opt.executor import run_tasks

    marker = tmp_path / "slow-task-finished"
    t0 = time.monotonic()
    with pytest.raises(ValueError, match="this task failed"):
        run_tasks(_sleep_then_mark, [(2.5, str(marker)), (-1.0, "")], workers=2)
    time.sleep(max(0.0, t0 + 3.5 - time.monotonic()))  # the slow task would have finished
    assert not marker.exists(), "the slow task ran on after the run gave up"
