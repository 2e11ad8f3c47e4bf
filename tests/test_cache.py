"""The persistent cache of the day-start sizing returns exactly what the sizing computes, across
processes, and only saves time: a damaged file is replaced, `off` writes nothing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from facility_opt.model import queueing
from facility_opt.model.types import Daycare

SIZE = ("from facility_opt.model.queueing import day_start_sizing\n"
        "from facility_opt.model.types import Daycare\n"
        "from dataclasses import asdict\nimport json\n"
        "d = Daycare(stay_distribution='fixed', stay_hours_mean=5.0)\n"
        "print(json.dumps([asdict(day_start_sizing(l, d, 0.05)) for l in (3.7, 12.2, 25.0)]))\n")


def _run(cache: str) -> list[dict]:
    proc = subprocess.run([sys.executable, "-c", SIZE], capture_output=True, text=True,
                          env={"FACILITY_OPT_CACHE": cache, "PATH": "/usr/bin:/bin"}, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def _fresh(monkeypatch, cache: str) -> None:
    monkeypatch.setenv("FACILITY_OPT_CACHE", cache)
    monkeypatch.setattr(queueing, "_DISK", None)
    queueing._sizing.cache_clear()


def test_a_second_process_reads_what_the_first_computed(tmp_path: Path, monkeypatch) -> None:
    first = _run(str(tmp_path))
    files = list(tmp_path.glob("day-start-sizing-*.json"))
    assert len(files) == 1 and len(json.loads(files[0].read_text(encoding="utf-8"))) == 3
    assert _run(str(tmp_path)) == first
    # and it is what the sizing computes, here without any cache
    _fresh(monkeypatch, "off")
    d = Daycare(stay_distribution="fixed", stay_hours_mean=5.0)
    from dataclasses import asdict

    assert [asdict(queueing.day_start_sizing(x, d, 0.05)) for x in (3.7, 12.2, 25.0)] == first


def test_a_damaged_cache_is_replaced_and_off_writes_nothing(tmp_path: Path) -> None:
    first = _run(str(tmp_path / "a"))
    (path,) = (tmp_path / "a").glob("day-start-sizing-*.json")
    path.write_text("{not json", encoding="utf-8")
    assert _run(str(tmp_path / "a")) == first
    assert len(json.loads(path.read_text(encoding="utf-8"))) == 3
    assert _run("off") == first


def test_a_cached_entry_is_used(tmp_path: Path, monkeypatch) -> None:
    """A planted entry is returned as it is: the cache is really read (so the tests above would
    see a wrong value if the cache stored one)."""
    _fresh(monkeypatch, str(tmp_path))
    d = Daycare()
    real = queueing.day_start_sizing(10.0, d, 0.05)
    queueing.flush_sizing_cache()
    (path,) = tmp_path.glob("day-start-sizing-*.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    key = next(iter(data))
    data[key]["places"] = real.places + 7
    path.write_text(json.dumps(data), encoding="utf-8")
    _fresh(monkeypatch, str(tmp_path))
    assert queueing.day_start_sizing(10.0, d, 0.05).places == real.places + 7


@pytest.mark.parametrize("value", ["off", "OFF"])
def test_off_is_no_folder(value: str, monkeypatch) -> None:
    from facility_opt.cache import cache_dir

    monkeypatch.setenv("FACILITY_OPT_CACHE", value)
    assert cache_dir() is None
