"""Benchmark of `facility-opt simulate`.

Run from the repository root:  python benchmarks/bench_simulate.py  [--quick] [--skip-leshan]

1. Visits simulated per second on one loss system (one centre, c places, Poisson arrivals,
   exponential stays), the same pre-drawn visits for every variant:
   - the fast engine (`fast_engine.run_loss_fast`: on one long lane it takes the plain loop),
   - the SimPy engine (`run_loss_system`, lazy release, and with one SimPy event per departure),
   - a bare SimPy loop (a source process, one process per visitor, a `simpy.Resource`),
   - Ciw on the same system (queue capacity 0, the same inter-arrival and stay sequences),
   and the whole `simulate()` path (drawing included) on a one-centre scenario.
   Then the same centre over many independent open days (the shape of `simulate`'s work):
   the fast engine's lockstep pass against the SimPy engine and bare SimPy on the same visits.
2. `facility-opt simulate leshan-base --replications 30 --workers 2` end to end (it solves the
   portfolio first), plus the simulation alone through the API.
3. How time grows with centres × sampled days (synthetic grid of communities and centres).

Figures are written to benchmarks/README.md by hand, with the date and machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from facility_opt.model.queueing import erlang_b  # noqa: E402
from facility_opt.model.types import (  # noqa: E402
    Budget,
    Centre,
    Community,
    Daycare,
    Scenario,
    Simulation,
)
from facility_opt.simulate import simulate  # noqa: E402
from facility_opt.simulate.engine import run_loss_system  # noqa: E402
from facility_opt.simulate.fast_engine import run_loss_fast  # noqa: E402

PLACES = 10
LOAD = 8.0  # offered load, places (arrival rate 8 per hour × mean stay 1 hour)


def draw_loss_system(n: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    gaps = rng.exponential(1.0 / LOAD, n)
    return np.cumsum(gaps), rng.exponential(1.0, n)


def bare_simpy(times: np.ndarray, stays: np.ndarray, places: int) -> int:
    """The textbook SimPy model: a source process and one process per visitor."""
    import simpy

    env = simpy.Environment()
    centre = simpy.Resource(env, capacity=places)
    served = 0

    def visitor(stay: float):
        nonlocal served
        if centre.count < places:  # a loss system: nobody queues
            with centre.request() as req:
                yield req
                served += 1
                yield env.timeout(stay)

    def source():
        previous = 0.0
        for t, s in zip(times.tolist(), stays.tolist(), strict=True):
            yield env.timeout(t - previous)
            previous = t
            env.process(visitor(s))

    env.process(source())
    env.run()
    return served


def ciw_loss_system(times: np.ndarray, stays: np.ndarray, places: int) -> tuple[int, int]:
    """The same system in Ciw: queue capacity 0, the same gap and stay sequences."""
    import ciw

    gaps = np.diff(np.concatenate(([0.0], times))).tolist()
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Sequential(gaps)],
        service_distributions=[ciw.dists.Sequential(stays.tolist())],
        number_of_servers=[places],
        queue_capacities=[0],
    )
    sim = ciw.Simulation(network)
    sim.simulate_until_max_time(float(times[-1]) + 1e-9)
    records = sim.get_all_records()
    served = sum(1 for r in records if r.record_type == "service")
    rejected = sum(1 for r in records if r.record_type == "rejection")
    in_service = len(sim.nodes[1].all_individuals)  # admitted, still there at the end
    return served + in_service, served + in_service + rejected


def rate(n: int, seconds: float) -> str:
    return f"{n / seconds:>10,.0f} visits/s"


def bench_engines(n: int, n_ciw: int, rounds: int = 3) -> dict[str, float]:
    """Visits per second of each variant: the best of `rounds` interleaved rounds, so a burst of
    load from other programs does not favour whichever variant ran at a quiet moment."""
    times, stays = draw_loss_system(n)
    groups = np.zeros(n, dtype=np.int64)
    expected = 1.0 - erlang_b(LOAD, PLACES)
    print(f"\n1. One centre, {PLACES} places, offered load {LOAD} (served share by Erlang B: "
          f"{expected:.4f}); {n:,} visits ({n_ciw:,} for Ciw); best of {rounds} rounds")
    hours = n / LOAD
    sc = Scenario(
        name="one-centre", years=(2020,), base_year=2020, budget=Budget(annual={2020: 0.0}),
        candidates=(),
        communities=(Community("A", "A", "X", "city", 1, 1, LOAD * hours, 0.0, 0.0),),
        centres=(Centre("C", "A", PLACES, 0.0, 0.0),),
        daycare=Daycare(visits_per_elderly_per_day=1.0, opening_hours=hours,
                        arrival_profile="uniform", stay_hours_mean=1.0,
                        stay_distribution="exponential"),
        simulation=Simulation(replications=1, seed=1, sampled_days=1),
    )

    def fast():
        served, _ = run_loss_fast(times, stays, groups, [(0,)], [PLACES])
        return n, float((served >= 0).mean())

    def engine():
        r = run_loss_system(times, stays, groups, [(0,)], [PLACES])
        return n, float((r.served_at >= 0).mean())

    def engine_events():
        r = run_loss_system(times, stays, groups, [(0,)], [PLACES], release="events")
        return n, float((r.served_at >= 0).mean())

    def bare():
        return n, bare_simpy(times, stays, PLACES) / n

    def with_ciw():
        served, total = ciw_loss_system(times[:n_ciw], stays[:n_ciw], PLACES)
        return total, served / total

    def whole():
        r = simulate(sc)
        return n, r.coverage_row(2020, "service_coverage")["mean"]

    variants = {"fast": ("fast engine (plain loop here)", fast),
                "engine": ("SimPy engine (lazy release)", engine),
                "engine_events": ("SimPy engine (departure events)", engine_events),
                "bare_simpy": ("bare SimPy loop", bare),
                "ciw": ("Ciw", with_ciw),
                "simulate": ("simulate() incl. drawing", whole)}
    try:
        import ciw  # noqa: F401
    except ImportError:
        print("   Ciw not installed (pip install ciw)")
        del variants["ciw"]
    best: dict[str, float] = {}
    share: dict[str, float] = {}
    for _ in range(rounds):
        for key, (_label, fn) in variants.items():
            t0 = time.perf_counter()
            visits, served = fn()
            speed = visits / (time.perf_counter() - t0)
            best[key] = max(best.get(key, 0.0), speed)
            share[key] = served
    for key, (label, _fn) in variants.items():
        print(f"   {label:<32} {best[key]:>10,.0f} visits/s   served {share[key]:.4f}")
    print(f"   ratios: fast engine / bare SimPy = {best['fast'] / best['bare_simpy']:.1f}×, "
          f"SimPy engine / bare SimPy = {best['engine'] / best['bare_simpy']:.1f}×"
          + (f", fast engine / Ciw = {best['fast'] / best['ciw']:.0f}×" if "ciw" in best else ""))
    return best


def bench_days(n_days: int, per_day: float, rounds: int = 3) -> dict[str, float]:
    """The same centre over many open days that start empty (8.5 h, uniform arrivals, stays
    ending at closing): the fast engine serves the days in lockstep."""
    rng = np.random.default_rng(2)
    counts = rng.poisson(per_day, n_days)
    day = np.repeat(np.arange(n_days), counts)
    hour = rng.random(len(day)) * 8.5
    stays = np.minimum(rng.exponential(PLACES / (per_day / 8.5), len(day)), 8.5 - hour)
    times = day * 9.5 + hour
    order = np.argsort(times, kind="stable")
    times, stays, day = times[order], stays[order], day[order]
    n = len(times)
    groups = np.zeros(n, dtype=np.int64)
    print(f"\n1b. The same centre over {n_days:,} open days ({n:,} visits, offered load {PLACES} "
          f"places a day); best of {rounds} rounds")
    variants = {
        "fast": ("fast engine (lockstep)",
                 lambda: run_loss_fast(times, stays, groups, [(0,)], [PLACES], days=day)[0]),
        "engine": ("SimPy engine (lazy release)",
                   lambda: run_loss_system(times, stays, groups, [(0,)], [PLACES]).served_at),
        "bare_simpy": ("bare SimPy loop", lambda: bare_simpy(times, stays, PLACES)),
    }
    best: dict[str, float] = {}
    served: dict[str, int] = {}
    for _ in range(rounds):
        for key, (_label, fn) in variants.items():
            t0 = time.perf_counter()
            out = fn()
            best[key] = max(best.get(key, 0.0), n / (time.perf_counter() - t0))
            served[key] = int(out) if np.ndim(out) == 0 else int((out >= 0).sum())
    for key, (label, _fn) in variants.items():
        print(f"   {label:<32} {best[key]:>10,.0f} visits/s   served {served[key]:,}")
    print(f"   ratios: fast engine / bare SimPy = {best['fast'] / best['bare_simpy']:.1f}×, "
          f"fast engine / SimPy engine = {best['fast'] / best['engine']:.1f}×")
    return best


def bench_leshan(replications: int, workers: int) -> None:
    print(f"\n2. leshan-base, {replications} replications, --workers {workers}")
    exe = Path(sys.executable).with_name("facility-opt")
    cmd = [str(exe) if exe.exists() else "facility-opt", "simulate", "leshan-base",
           "--replications", str(replications), "--workers", str(workers)]
    import json

    def run(extra: list[str], out: Path, what: str) -> None:
        t0 = time.perf_counter()
        proc = subprocess.run(cmd + extra + ["-o", str(out)], capture_output=True, text=True,
                              cwd=out.parent)
        wall = time.perf_counter() - t0
        # CPU of the command and of its forkserver workers, as the command itself counted it:
        # RUSAGE_CHILDREN of this process misses the workers (children of the fork server)
        manifest = out / "manifest.json"
        cpu = json.loads(manifest.read_text())["cpu_seconds"] if manifest.exists() else float("nan")
        status = "ok" if proc.returncode == 0 else f"exit {proc.returncode}: {proc.stderr[-300:]}"
        print(f"   {' '.join(cmd[1:] + extra[:1])}: {wall:.1f} s wall ({what}), "
              f"{cpu:.1f} s CPU in all its processes, {status}, load average "
              + ", ".join(f"{x:.2f}" for x in os.getloadavg()))

    with tempfile.TemporaryDirectory() as tmp:
        run([], Path(tmp) / "out", "solve + simulate + files")
        run(["--portfolio", str(Path(tmp) / "out" / "selection.csv")], Path(tmp) / "again",
            "the same portfolio, no solve: simulate + files")

    from facility_opt.scenario import load_scenario
    from facility_opt.solve import solve

    sc = load_scenario("leshan-base")
    portfolio = solve(sc).portfolio
    t0, c0 = time.perf_counter(), time.process_time()
    r = simulate(sc, portfolio, replications=replications, workers=workers)
    wall = time.perf_counter() - t0
    visits = sum(row["requests"] for row in r.replication_rows) * r.days
    print(f"   simulate() alone: {wall:.1f} s wall, {visits:,.0f} visits "
          f"({visits / wall:,.0f} visits/s), {r.simpy_share:.0%} of the visits in reach went "
          f"through the loss network (main-process CPU {time.process_time() - c0:.1f} s)")


def bench_scaling(centre_counts: list[int], day_counts: list[int]) -> None:
    print("\n3. Time (s) for one replication of one year: centres × sampled days "
          "(one community per centre, 60 visits a day each, 40 places)")
    print("   centres " + "".join(f"{d:>10} days" for d in day_counts))
    for n in centre_counts:
        side = int(np.ceil(np.sqrt(n)))
        comms, centres = [], []
        for i in range(n):
            x, y = 0.9 * (i % side), 0.9 * (i // side)  # neighbours within reach: overflow
            comms.append(Community(f"K{i}", f"K{i}", "X", "city", 1, 4000, 4000, x, y))
            centres.append(Centre(f"D{i}", f"K{i}", 40, x, y))
        cells = []
        for d in day_counts:
            sc = Scenario(name="grid", years=(2020,), base_year=2020,
                          budget=Budget(annual={2020: 0.0}), candidates=(),
                          communities=tuple(comms), centres=tuple(centres),
                          daycare=Daycare(visits_per_elderly_per_day=0.015, reach_km=1.0),
                          simulation=Simulation(replications=1, seed=1, sampled_days=d))
            t0 = time.perf_counter()
            simulate(sc)
            cells.append(time.perf_counter() - t0)
        print(f"   {n:>7} " + "".join(f"{c:>15.2f}" for c in cells))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller sizes (a smoke run)")
    ap.add_argument("--skip-leshan", action="store_true")
    args = ap.parse_args()
    print(f"facility-opt simulate benchmark — {time.strftime('%Y-%m-%d %H:%M')} — "
          f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python "
          f"{platform.python_version()}, load average "
          + ", ".join(f"{x:.2f}" for x in os.getloadavg()))
    if args.quick:
        bench_engines(20_000, 5_000)
        bench_days(200, 60.0)
        if not args.skip_leshan:
            bench_leshan(4, 2)
        bench_scaling([16, 64], [5, 20])
    else:
        bench_engines(300_000, 50_000)
        bench_days(5_000, 60.0)
        if not args.skip_leshan:
            bench_leshan(30, 2)
        bench_scaling([25, 100, 400], [5, 20, 80])


if __name__ == "__main__":
    main()
