"""Progress as the user sees it: a live bar on a terminal's stderr, one line per stage in a pipe,
nothing with --quiet — and stdout clean for piping in every case."""

from __future__ import annotations

import io
import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import pytest

from facility_opt.cli.progress_view import LineReporter, RichReporter, _line
from facility_opt.executor import run_tasks
from facility_opt.progress import reporting_to, stage

VALID = Path(__file__).resolve().parent / "bad_inputs" / "_valid" / "scenario.toml"
CMD = [sys.executable, "-m", "facility_opt.cli"]


def _env() -> dict[str, str]:
    return {**os.environ, "TERM": "xterm-256color", "COLUMNS": "100", "PYTHONHASHSEED": "0"}


def _simulate(tmp_path: Path, *extra: str) -> list[str]:
    return [*CMD, *extra, "simulate", str(VALID), "--replications", "3", "-o",
            str(tmp_path / "out")]


def test_pipe_gets_one_line_per_stage_and_stdout_stays_clean(tmp_path: Path) -> None:
    res = subprocess.run(_simulate(tmp_path), capture_output=True, text=True, env=_env(),
                         timeout=300)
    assert res.returncode == 0, res.stderr
    assert "… simulating mini: 3 replications\n" in res.stderr
    assert "\x1b[" not in res.stderr  # no terminal codes in a log file
    assert "…" not in res.stdout and "replications\n" not in res.stdout
    assert "results:" in res.stdout.lower()


def test_quiet_shows_no_progress(tmp_path: Path) -> None:
    res = subprocess.run(_simulate(tmp_path, "--quiet"), capture_output=True, text=True,
                         env=_env(), timeout=300)
    assert res.returncode == 0, res.stderr
    assert res.stderr == ""
    assert "results:" in res.stdout.lower()


def _read_all(fd: int, proc: subprocess.Popen) -> bytes:
    out = b""
    while True:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # the child closed its end
                break
            if not chunk:
                break
            out += chunk
        elif proc.poll() is not None:
            break
    return out


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_terminal_gets_a_live_bar_on_stderr_only(tmp_path: Path) -> None:
    master, slave = pty.openpty()
    proc = subprocess.Popen(_simulate(tmp_path), stdout=subprocess.PIPE, stderr=slave,
                            stdin=subprocess.DEVNULL, env=_env())
    os.close(slave)
    try:
        err = _read_all(master, proc)
        stdout, _ = proc.communicate(timeout=300)
    finally:
        os.close(master)
    assert proc.returncode == 0, err.decode("utf-8", "replace")
    text = err.decode("utf-8", "replace")
    assert "simulating mini: 3 replications" in text
    assert "\x1b[" in text  # drawn as a live bar, not a plain line
    assert "… simulating" not in text
    out = stdout.decode("utf-8")
    assert "\x1b[" not in out and "simulating mini" not in out


def test_stage_line_says_what_and_how_many() -> None:
    assert _line("explaining the choice: 24 what-ifs", 24) == "… explaining the choice: 24 what-ifs\n"
    assert _line("working", 3) == "… working (3 steps)\n"
    buf = io.StringIO()
    with reporting_to(LineReporter(buf)):
        run_tasks(abs, [-1, -2, -3], description="budgets")
        with stage("plan rounds", 1) as s:
            s.advance()
    assert buf.getvalue() == "… budgets (3 steps)\n… plan rounds (1 step)\n"


def test_weighted_steps_count_what_the_user_knows() -> None:
    """explain's worker shares advance the bar by the questions they answer."""
    seen: list[tuple[str, int, int]] = []

    class Rec:
        def stage(self, description: str, total: int):
            done = [0]

            class S:
                def advance(self, steps: int = 1) -> None:
                    done[0] += steps

                def close(self) -> None:
                    seen.append((description, total, done[0]))
            return S()

        def log(self, text: str) -> None:
            pass

    with reporting_to(Rec()):
        run_tasks(len, [(1, 2, 3), (4, 5)], description="questions", steps=[3, 2])
    assert seen == [("questions", 5, 5)]


def test_nested_rich_stages_share_one_display() -> None:
    """A stage inside another (simulate inside a plan round) must not raise rich's
    'only one live display' error."""
    rep = RichReporter()
    outer = rep.stage("outer", 2)
    inner = rep.stage("inner", 3)
    inner.advance(3)
    inner.close()
    outer.advance()
    outer.close()
    assert rep.bars is None
    rep.close()
