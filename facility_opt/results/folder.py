"""Results folders: a workspace several commands share, each replacing only its own files.

A command stages everything it writes in a hidden folder beside the target (`.NAME.tmp-PID-…`);
when it completes, holding the folder's lock (one writer at a time, `results/lock.py`), it moves
each of its files into place with one rename apiece (a reader sees the old file or the new one,
never half of it), removes the files its own previous run wrote and this one did not, and writes
`manifest.json` last (every command that wrote there, in order: `results/manifest.py`). Files of
other commands are never touched. A run that fails or is killed before that point leaves the
folder exactly as it was; one killed while moving its files leaves a `.commit` note in its
staging folder and the next command on the folder completes the move (roll forward), so a folder
never stays half-updated. Folders and files follow the user's umask.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import sys
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from facility_opt import __version__
from facility_opt.results.files import (  # noqa: F401  (re-exported: the documented names)
    csv_text,
    fmt_number,
    json_text,
    make_dirs,
    package_versions,
    sha256_file,
)
from facility_opt.results.lock import FolderLock, lock_paths
from facility_opt.results.manifest import merged, read_manifest

#: When the running command began: (UTC time, time.perf_counter()). The CLI sets it around every
#: command so that a manifest's `started` and `elapsed_seconds` cover the whole run (loading,
#: solving, simulating), not only the writing. Unset (a library call), a results folder counts
#: from its own creation.
COMMAND_STARTED: ContextVar[tuple[datetime, float] | None] = ContextVar("command_started",
                                                                        default=None)
COMMIT_NOTE = ".commit"


def default_results_dir(scenario_name: str) -> Path:
    """`results/<scenario name>/` under the current directory."""
    return Path.cwd() / "results" / scenario_name


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def read_manifest_like(path: Path) -> dict[str, Any] | None:
    """A small JSON object file, or None when absent or unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def _move_in(staging: Path, target: Path) -> None:
    """Move a staged run's files into `target` as its `.commit` note lists them, manifest last,
    then drop the stale files of its command's previous run and the staging folder."""
    note = json.loads((staging / COMMIT_NOTE).read_text(encoding="utf-8"))
    make_dirs(target)
    for name in note["files"]:
        src = staging / name
        if src.is_file():
            make_dirs((target / name).parent)
            os.replace(src, target / name)
    for name in note["delete"]:
        (target / name).unlink(missing_ok=True)
        parent = (target / name).parent
        while parent != target and parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent
    if (staging / "manifest.json").is_file():
        os.replace(staging / "manifest.json", target / "manifest.json")
    shutil.rmtree(staging, ignore_errors=True)


def recover_interrupted(target: Path, locked: bool = False) -> None:
    """Tidy up after a run that was killed (SIGKILL, power cut) while writing `target`.

    A killed run can leave a hidden `.NAME.tmp-PID-*` staging folder: without a `.commit` note it
    was incomplete (deleted); with one it was moving its complete results into place (the move is
    finished). Older versions could leave the previous results as `.NAME.old-PID` with no `NAME`
    (restored). `locked`: the caller holds the folder's lock, so every staging folder is an
    orphan (a run creates one only while holding the lock), whatever its pid; otherwise those of
    runs still alive are left alone.
    """
    parent = target.parent
    if not parent.is_dir():
        return
    info = lock_paths(target)[1]
    holder = read_manifest_like(info)
    if holder and isinstance(holder.get("pid"), int) and not _pid_alive(holder["pid"]):
        info.unlink(missing_ok=True)  # the note of a killed holder (its lock died with it)
    for p in sorted(parent.glob(f".{target.name}.old-*")):
        pid = p.name.rsplit("-", 1)[-1]
        if pid.isdigit() and _pid_alive(int(pid)):
            continue
        if not target.exists():
            os.replace(p, target)
        else:
            shutil.rmtree(p, ignore_errors=True)
    for p in sorted(parent.glob(f".{target.name}.tmp-*")):
        parts = p.name[len(f".{target.name}.tmp-"):].split("-", 1)
        if not locked and parts[0].isdigit() and _pid_alive(int(parts[0])):
            continue
        if (p / COMMIT_NOTE).is_file():
            try:
                _move_in(p, target)
                continue
            except (OSError, ValueError, KeyError):
                pass
        shutil.rmtree(p, ignore_errors=True)


class ResultsFolder:
    """A command's files for a results folder, staged and then moved in.

    Use as a context manager: files go to a hidden staging folder beside `target`; on a clean
    exit each replaces its namesake in `target` (other commands' files stay), on an exception the
    staging folder is deleted and `target` is untouched. The folder's lock is held from entry to
    exit, so a second command on the same folder waits (or, with --no-wait, stops).
    """

    def __init__(self, target: Path, command: str, argv: Sequence[str] | None = None,
                 wait: bool | None = None, lock: bool = True):
        self.target = Path(target).resolve()
        self.command = command
        self.argv = list(sys.argv if argv is None else argv)
        self.started, self._t0 = COMMAND_STARTED.get() or (datetime.now(UTC), time.perf_counter())
        self.manifest: dict[str, Any] = {}
        self.tmp: Path | None = None
        self._wait = wait
        self._locking = lock  # False: the caller holds a lock that covers this folder
        self._lock: FolderLock | None = None
        self.previous_manifest: dict[str, Any] | None = None

    # -- lifecycle ---------------------------------------------------------------------------
    def __enter__(self) -> ResultsFolder:
        from facility_opt.errors import InputError

        def unwritable(err: OSError) -> InputError:  # the -o given, or its parent, is unusable
            return InputError.one(str(self.target), "-o", str(self.target),
                                  f"a folder where results can be written ({err.strerror or err}"
                                  f"{': ' + str(err.filename) if err.filename else ''})")

        try:
            make_dirs(self.target.parent)
        except OSError as err:
            raise unwritable(err) from None
        if self.target.exists() and not self.target.is_dir():
            raise InputError.one(str(self.target), "-o", str(self.target),
                                 "a folder for the results (a file of that name exists)")
        if self._locking:
            lock = FolderLock(self.target, self.command, wait=self._wait)
            try:
                lock.__enter__()
            except OSError as err:
                raise unwritable(err) from None
            self._lock = lock
        try:
            recover_interrupted(self.target, locked=True)
            self.previous_manifest = read_manifest(self.target)
            tmp = self.target.parent / f".{self.target.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
            tmp.mkdir()  # the umask's mode, unlike mkdtemp's 0700
            self.tmp = tmp
        except OSError as err:
            self._release()
            raise unwritable(err) from None
        except BaseException:
            self._release()
            raise
        return self

    def _release(self) -> None:
        if self._lock is not None:
            self._lock.__exit__(None, None, None)
            self._lock = None

    def __exit__(self, exc_type, exc, tb) -> None:
        assert self.tmp is not None
        try:
            if exc_type is not None:
                shutil.rmtree(self.tmp, ignore_errors=True)
                return
            self._commit()
        finally:
            self._release()

    def _commit(self) -> None:
        assert self.tmp is not None
        own = sorted(p.relative_to(self.tmp).as_posix() for p in self.tmp.rglob("*")
                     if p.is_file() and p.relative_to(self.tmp).as_posix() not in
                     ("manifest.json", COMMIT_NOTE))
        # a sub-folder's own manifest.json (compare's scenarios/<name>/) moves in, unlisted
        record = self._run_record([f for f in own if Path(f).name != "manifest.json"])
        top, stale = merged(read_manifest(self.target), self.target, record)
        (self.tmp / "manifest.json").write_text(json_text(top), encoding="utf-8", newline="")
        note = self.tmp / (COMMIT_NOTE + ".part")
        note.write_text(json.dumps({"files": own, "delete": stale}), encoding="utf-8")
        os.replace(note, self.tmp / COMMIT_NOTE)  # from here on the run completes, even if killed
        _move_in(self.tmp, self.target)

    # -- writing -----------------------------------------------------------------------------
    @property
    def path(self) -> Path:
        """The folder being written (the staging folder until the run completes)."""
        assert self.tmp is not None, "use ResultsFolder as a context manager"
        return self.tmp

    def write_text(self, name: str, text: str) -> Path:
        p = self.path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8", newline="")
        return p

    def write_bytes(self, name: str, data: bytes) -> Path:
        p = self.path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
        return p

    def write_csv(self, name: str, columns: Sequence[str],
                  rows: Iterable[Mapping[str, Any] | Sequence[Any]]) -> Path:
        return self.write_text(name, csv_text(columns, rows))

    def write_json(self, name: str, obj: Any) -> Path:
        return self.write_text(name, json_text(obj))

    def _run_record(self, own: list[str]) -> dict[str, Any]:
        ended = datetime.now(UTC)
        base = {
            "tool": "facility-opt",
            "tool_version": __version__,
            "command": self.command,
            "command_line": self.argv,
            "python": platform.python_version(),
            "platform": platform.platform(),
            "packages": package_versions(),
            "started": self.started.isoformat(timespec="seconds"),
            "ended": ended.isoformat(timespec="seconds"),
            "elapsed_seconds": round(time.perf_counter() - self._t0, 3),
            "cpu_seconds": round(_cpu_seconds(), 3),
            "files": {f: sha256_file(self.path / f) for f in own},
        }
        base.update(self.manifest)
        return base


def _cpu_seconds() -> float:
    """CPU time (user + system) of this process, its waited-for children and the executor's
    worker processes. Forkserver workers are children of the fork server, not of this process,
    so `RUSAGE_CHILDREN` misses them: each worker reports its own total (`facility_opt.executor`)."""
    import resource

    from facility_opt.executor import worker_cpu_seconds

    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime + worker_cpu_seconds()


def scenario_manifest(scenario) -> dict[str, Any]:
    """Manifest entries that identify a scenario: its name and the sha256 of every input file."""
    inputs = {role: {"path": Path(p).name, "sha256": sha256_file(Path(p))}
              for role, p in sorted(scenario.input_files.items()) if Path(p).exists()}
    return {"scenario": scenario.name, "scenario_title": scenario.title, "inputs": inputs}


def scenario_record(scenario) -> dict[str, Any]:
    """The resolved settings of a scenario (every key after `extends` and defaults), without its
    tables: written as `scenario.json` in each results folder so the annex and a later reader know
    exactly which assumptions produced the numbers."""
    from dataclasses import asdict

    rec: dict[str, Any] = {
        "name": scenario.name,
        "title": scenario.title,
        "description": scenario.description,
        "base_year": scenario.base_year,
        "years": list(scenario.years),
        "budget": asdict(scenario.budget),
        "objective": asdict(scenario.objective),
        "targets": asdict(scenario.targets),
        "rules": asdict(scenario.rules),
        "daycare": asdict(scenario.daycare),
        "population": asdict(scenario.population) if scenario.population else None,
        "simulation": asdict(scenario.simulation),
        "plan": asdict(scenario.plan),
        "annex": asdict(scenario.annex),
        "source": Path(scenario.source).name if scenario.source else None,
        "counts": {
            "candidates": len(scenario.candidates),
            "communities": len(scenario.communities or ()),
            "centres": len(scenario.centres or ()),
        },
    }
    return rec
