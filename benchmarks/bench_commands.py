"""Wall-clock time of the main commands on `leshan-base`, cold (empty sizing cache) and warm,
against a yardstick measured in the same run (`facility-opt --help`: Python start and the CLI's
imports). Prints a Markdown table for benchmarks/README.md.

    python benchmarks/bench_commands.py [--skip-robust] [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COMMANDS = [
    ("solve --no-explain", ["solve", "--no-explain"]),
    ("solve (explanations, a solver thread per core: the default)", ["solve"]),
    ("solve --workers 1 (explanations, one thread)", ["solve", "--workers", "1"]),
    ("simulate --replications 30 --workers 2", ["simulate", "--replications", "30", "--workers", "2"]),
    ("plan --workers 2", ["plan", "--workers", "2"]),
    ("futures --workers 2 (64 futures)", ["futures", "--workers", "2"]),
    ("plan --robust 0.9 --workers 2", ["plan", "--robust", "0.9", "--workers", "2"]),
]


def _exe() -> str:
    exe = Path(sys.executable).with_name("facility-opt")
    return str(exe) if exe.exists() else "facility-opt"


def _run(args: list[str], work: Path, cache: Path) -> float:
    env = {**os.environ, "FACILITY_OPT_CACHE": str(cache)}
    out = work / f"out-{time.monotonic_ns()}"
    t0 = time.perf_counter()
    proc = subprocess.run([_exe(), "--quiet", *args, "-o", str(out)], cwd=work, env=env,
                          capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if proc.returncode not in (0, 3):
        raise SystemExit(f"{args}: exit {proc.returncode}\n{proc.stderr}")
    shutil.rmtree(out, ignore_errors=True)
    return seconds


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--skip-robust", action="store_true")
    ap.add_argument("--repeat", type=int, default=1)
    opts = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-commands-"))
    t0 = time.perf_counter()
    subprocess.run([_exe(), "--help"], capture_output=True, check=True)
    help_s = time.perf_counter() - t0
    print(f"load average {os.getloadavg()[0]:.2f}; yardstick `facility-opt --help`: {help_s:.2f} s")
    print("\n| command | cold (empty sizing cache) | warm | warm ÷ `--help` |\n|---|---:|---:|---:|")
    for name, args in COMMANDS:
        if opts.skip_robust and "--robust" in args:
            continue
        cache = work / f"cache-{name.split()[0]}-{len(args)}"
        cold = _run(args, work, cache)
        warm = min(_run(args, work, cache) for _ in range(opts.repeat))
        print(f"| `{name}` | {cold:.1f} s | {warm:.1f} s | {warm / help_s:.0f}× |", flush=True)
    print(f"\nload average at the end {os.getloadavg()[0]:.2f}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
