"""A persistent cache of deterministic, expensive results: today the day-start sizing of places
(`model.queueing`), a short simulation per community that `solve`, `plan`, `frontier` and
`plan --robust` repeat for the same inputs run after run.

A cached value is exactly what the computation returns: the key holds every input, and the
cache's name holds a version — a hash of the source that computes the values and numpy's version
(whose generators draw the random numbers) — so a change to either starts a new cache.
The cache only saves time: when its folder cannot be read or written it is silently skipped,
and a damaged file is ignored and replaced.

Where: `$FACILITY_OPT_CACHE` (a folder, or `off` to disable), else `$XDG_CACHE_HOME/facility-opt`,
else `~/.cache/facility-opt`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

CACHE_ENV = "FACILITY_OPT_CACHE"
FLUSH_EVERY = 64  # new entries kept in memory before they are written


def cache_dir() -> Path | None:
    """The cache folder, or None when the cache is off."""
    value = os.environ.get(CACHE_ENV, "").strip()
    if value.lower() == "off":
        return None
    if value:
        return Path(value)
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    return (Path(base) if base else Path.home() / ".cache") / "facility-opt"


class DiskCache:
    """One JSON file of key → value (JSON-able), merged under a file lock when written."""

    def __init__(self, name: str, version: str) -> None:
        self.name, self.version = name, version
        self._data: dict[str, Any] | None = None
        self._new: dict[str, Any] = {}
        self._folder: Path | None = None

    @property
    def path(self) -> Path | None:
        folder = cache_dir()
        return None if folder is None else folder / f"{self.name}-{self.version}.json"

    def _load(self) -> dict[str, Any]:
        path = self.path
        if self._data is None or self._folder != (path.parent if path else None):
            self._folder = path.parent if path else None
            self._data, self._new = {}, {}
            if path is not None:
                self._data = _read(path)
        return self._data

    def get(self, key: str) -> Any:
        return self._load().get(key)

    def put(self, key: str, value: Any) -> None:
        self._load()[key] = value
        if self.path is not None:
            self._new[key] = value
            if len(self._new) >= FLUSH_EVERY:
                self.flush()

    def flush(self) -> None:
        """Write the new entries (merged with what other processes wrote meanwhile)."""
        path = self.path
        if path is None or not self._new:
            return
        new, self._new = self._new, {}
        try:
            from filelock import FileLock

            path.parent.mkdir(parents=True, exist_ok=True)
            with FileLock(str(path) + ".lock", timeout=10):
                merged = {**_read(path), **new}
                tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
                tmp.write_text(json.dumps(merged, sort_keys=True), encoding="utf-8")
                os.replace(tmp, path)
        except Exception:  # noqa: BLE001 - a cache that cannot be written only costs time
            return


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
