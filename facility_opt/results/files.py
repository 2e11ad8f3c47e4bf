"""Fixed text forms and whole-file writes for results files.

CSV and JSON are written deterministically (fixed column order, fixed float formatting, sorted keys)
so the same inputs and seed give byte-identical files. Every file is written beside its target and
renamed into place (`write_file_atomic`): a reader sees the old file or the new one, never half.
Files and folders are created with the ordinary `open`/`mkdir` modes, so they follow the user's
umask (0644 / 0755 under umask 022) and colleagues on a shared drive can read them.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import os
import uuid
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any


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


def make_dirs(path: Path) -> None:
    """`mkdir -p` with the umask's mode (never mkdtemp's 0700)."""
    path.mkdir(parents=True, exist_ok=True)


def write_file_atomic(path: Path, data: bytes) -> None:
    """Write beside the target and rename into place: a reader never sees half a file. Opened
    normally (not with mkstemp), so the file gets the umask's permissions."""
    make_dirs(path.parent)
    tmp = path.parent / f".{path.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        with open(tmp, "xb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
