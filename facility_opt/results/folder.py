"""Results folders: written in a temporary folder beside the target, renamed into place when done.

A crashed or killed run never leaves a half-written results folder and never destroys the previous
one: the old folder is only moved aside (and then deleted) after the new one is complete.
CSV and JSON are written deterministically (fixed column order, fixed float formatting, sorted keys)
so the same inputs and seed give byte-identical files.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from facility_opt import __version__

#: When the running command began: (UTC time, time.perf_counter()). The CLI sets it around every
#: command so that a manifest's `started` and `elapsed_seconds` cover the whole run (loading,
#: solving, simulating), not only the writing. Unset (a library call), a results folder counts
#: from its own creation.
COMMAND_STARTED: ContextVar[tuple[datetime, float] | None] = ContextVar("command_started",
                                                                        default=None)


def default_results_dir(scenario_name: str) -> Path:
    """`results/<scenario name>/` under the current directory."""
    return Path.cwd() / "results" / scenario_name


def fmt_number(value: Any) -> str:
    """One fixed text form for numbers in CSV: integers plain, floats to 10 significant digits (so
    summation-order noise never changes a file), blank for None/NaN."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value == int(value) and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.10g}"
    return str(value)


def csv_text(columns: Sequence[str], rows: Iterable[Mapping[str, Any] | Sequence[Any]]) -> str:
    """CSV text with a header, `\\n` line ends and fixed number formatting."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for row in rows:
        if isinstance(row, Mapping):
            w.writerow([fmt_number(row.get(c)) for c in columns])
        else:
            w.writerow([fmt_number(v) for v in row])
    return buf.getvalue()


def _clean_json(obj: Any) -> Any:
    if isinstance(obj, float):
        if math.isnan(obj) or math.isinf(obj):
            return None
        return round(obj, 10)
    if isinstance(obj, Mapping):
        return {str(k): _clean_json(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean_json(v) for v in obj]
    if isinstance(obj, Path):
        return obj.as_posix()
    return obj


def json_text(obj: Any) -> str:
    return json.dumps(_clean_json(obj), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


def package_versions(names: Iterable[str] = ("pulp", "highspy", "simpy", "numpy", "scipy",
                                             "matplotlib", "openpyxl", "reportlab", "typer")
                     ) -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for n in names:
        try:
            out[n] = version(n)
        except PackageNotFoundError:
            out[n] = "not installed"
    return out


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


def recover_interrupted(target: Path) -> None:
    """Tidy up after a run that was killed (SIGKILL, power cut) while writing `target`.

    A killed run can leave a hidden `.NAME.tmp-PID-*` folder (incomplete: deleted) or, if it died
    between its two renames, the previous results as `.NAME.old-PID` with no `NAME` (restored).
    Folders of runs still alive are left alone.
    """
    parent = target.parent
    if not parent.is_dir():
        return
    for p in sorted(parent.glob(f".{target.name}.old-*")):
        pid = p.name.rsplit("-", 1)[-1]
        if pid.isdigit() and _pid_alive(int(pid)):
            continue
        if not target.exists():
            os.replace(p, target)
        else:
            shutil.rmtree(p, ignore_errors=True)
    for p in parent.glob(f".{target.name}.tmp-*"):
        parts = p.name[len(f".{target.name}.tmp-"):].split("-", 1)
        if parts[0].isdigit() and _pid_alive(int(parts[0])):
            continue
        shutil.rmtree(p, ignore_errors=True)


class ResultsFolder:
    """A results folder under construction.

    Use as a context manager: files go to a hidden temporary folder beside `target`; on a clean
    exit the folder replaces `target` in one rename (the previous one is moved aside first and
    removed after), on an exception the temporary folder is deleted and `target` is untouched.
    """

    def __init__(self, target: Path, command: str, argv: Sequence[str] | None = None):
        self.target = Path(target).resolve()
        self.command = command
        self.argv = list(sys.argv if argv is None else argv)
        self.started, self._t0 = COMMAND_STARTED.get() or (datetime.now(UTC), time.perf_counter())
        self.manifest: dict[str, Any] = {}
        self.tmp: Path | None = None

    # -- lifecycle ---------------------------------------------------------------------------
    def __enter__(self) -> ResultsFolder:
        from facility_opt.errors import InputError

        def unwritable(err: OSError) -> InputError:  # the -o given, or its parent, is unusable
            return InputError.one(str(self.target), "-o", str(self.target),
                                  f"a folder where results can be written ({err.strerror or err}"
                                  f"{': ' + str(err.filename) if err.filename else ''})")

        try:
            self.target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise unwritable(err) from None
        if self.target.exists() and not self.target.is_dir():
            raise InputError.one(str(self.target), "-o", str(self.target),
                                 "a folder for the results (a file of that name exists)")
        recover_interrupted(self.target)
        try:
            self.tmp = Path(tempfile.mkdtemp(prefix=f".{self.target.name}.tmp-{os.getpid()}-",
                                             dir=self.target.parent))
        except OSError as err:
            raise unwritable(err) from None
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        assert self.tmp is not None
        if exc_type is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            return
        self._write_manifest()
        old = None
        if self.target.exists():
            old = self.target.parent / f".{self.target.name}.old-{os.getpid()}"
            os.replace(self.target, old)
        os.replace(self.tmp, self.target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)

    # -- writing -----------------------------------------------------------------------------
    @property
    def path(self) -> Path:
        """The folder being written (temporary until the run completes)."""
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

    def _write_manifest(self) -> None:
        ended = datetime.now(UTC)
        files = sorted(p.relative_to(self.path).as_posix() for p in self.path.rglob("*")
                       if p.is_file() and p.name != "manifest.json")
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
            "files": {f: sha256_file(self.path / f) for f in files},
        }
        base.update(self.manifest)
        self.write_json("manifest.json", base)


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
        "source": Path(scenario.source).name if scenario.source else None,
        "counts": {
            "candidates": len(scenario.candidates),
            "communities": len(scenario.communities or ()),
            "centres": len(scenario.centres or ()),
        },
    }
    return rec
