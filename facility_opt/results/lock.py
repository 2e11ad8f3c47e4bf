"""One writer at a time per results folder.

The lock is `filelock`'s (flock(2) on POSIX): the kernel drops it when the holding process ends in
any way, SIGKILL included, so a killed run never leaves a folder locked. Beside the lock file a
small JSON file names the holder (command, pid, start time) so that a second command can say
whom it waits for. The lock sits beside the results folder (`.NAME.lock`), not inside it, so a
folder that does not exist yet can be locked and the folder itself holds only results.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

#: --no-wait: a folder in use is an error (exit 2) rather than a wait. Set by the CLI.
NO_WAIT: ContextVar[bool] = ContextVar("facility_opt_no_wait", default=False)
#: Where "waiting for …" goes (the CLI writes it to stderr); None: nowhere.
WAIT_NOTICE: ContextVar[Callable[[str], None] | None] = ContextVar("facility_opt_wait_notice",
                                                                  default=None)


def lock_paths(target: Path) -> tuple[Path, Path]:
    """(lock file, holder info file) of a results folder."""
    return (target.parent / f".{target.name}.lock", target.parent / f".{target.name}.lock.json")


def _holder(info: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(info.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def describe_holder(info: Path) -> str:
    """'solve (pid 123, since 2026-12-01 21:50:03 UTC)' or 'another command'."""
    h = _holder(info)
    if not h:
        return "another facility-opt command"
    where = f" on {h['host']}" if h.get("host") and h.get("host") != socket.gethostname() else ""
    return f"`{h.get('command', '?')}` (pid {h.get('pid', '?')}{where}, since {h.get('since', '?')})"


class FolderLock:
    """Hold a results folder for one command: `with FolderLock(target, "solve"): ...`."""

    def __init__(self, target: Path, command: str, wait: bool | None = None):
        from filelock import FileLock

        self.target = target
        self.command = command
        self.wait = (not NO_WAIT.get()) if wait is None else wait
        self.path, self.info = lock_paths(target)
        self._lock = FileLock(str(self.path), thread_local=False)

    def __enter__(self) -> FolderLock:
        from filelock import Timeout

        from facility_opt.errors import InputError

        self.target.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._lock.acquire(timeout=0)
        except Timeout:
            other = describe_holder(self.info)
            if not self.wait:
                raise InputError.one(str(self.target), "results folder", f"in use by {other}",
                                     "a folder no other command is writing (run again when it "
                                     "is done, or leave out --no-wait to wait for it)") from None
            notice = WAIT_NOTICE.get()
            if notice is not None:
                notice(f"waiting: {self.target} is in use by {other}; this {self.command} "
                       "continues when it is done (--no-wait: stop instead)")
            self._lock.acquire()
        record = {"command": self.command, "pid": os.getpid(), "host": socket.gethostname(),
                  "since": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")}
        tmp = self.info.with_name(self.info.name + f".tmp-{os.getpid()}")
        tmp.write_text(json.dumps(record) + "\n", encoding="utf-8")
        os.replace(tmp, self.info)
        return self

    def __exit__(self, *exc: object) -> None:
        h = _holder(self.info)
        if h and h.get("pid") == os.getpid():
            self.info.unlink(missing_ok=True)
        self._lock.release()
