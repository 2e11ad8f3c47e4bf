"""Benchmark `solve`: the bundled scenario end to end, and a province-scale synthetic instance.

    python benchmarks/bench_solve.py [--candidates 3000] [--communities 3000] [--limit 60]

1. `facility-opt solve` on the bundled `leshan-base` (no explanations), wall clock, as a
   subprocess — what a planner waits for.
2. A seeded synthetic province: 3,000 communities, 3,000 candidates, 5 funding years, the benefit
   objective, carry-over off, one project per county — model build time and solve time apart,
   HiGHS and CBC side by side, each with a time limit (default 60 s).
"""

from __future__ import annotations

import argparse
import platform
import subprocess
import sys
import tempfile
import time

import numpy as np

from facility_opt.model_types import (
    Budget,
    Candidate,
    Centre,
    Community,
    Objective,
    Rules,
    Scenario,
)


def province(n_comm: int, n_cand: int, seed: int = 7) -> Scenario:
    """A synthetic province: counties as clusters, costs and areas in the Leshan ranges."""
    rng = np.random.default_rng(seed)
    years = (2022, 2023, 2024, 2025, 2026)
    counties = [f"county{k:02d}" for k in range(40)]
    seats = rng.uniform(0, 300, size=(len(counties), 2))
    comms = []
    for k in range(n_comm):
        c = rng.integers(len(counties))
        x, y = seats[c] + rng.normal(0, 6, size=2)
        hh = float(rng.integers(800, 3000))
        comms.append(Community(f"M{k:05d}", f"community {k}", counties[c],
                               str(rng.choice(["city", "town", "fringe", "relocation"])), hh,
                               hh * 2.54, hh * 2.54 * rng.uniform(0.15, 0.3), float(x), float(y),
                               facility_area_m2=float(rng.uniform(0, 0.35) * hh)))
    centres = [Centre(f"Z{k:05d}", comms[i].id, 40, comms[i].x_km, comms[i].y_km)
               for k, i in enumerate(rng.choice(n_comm, size=n_comm // 3, replace=False))]
    cands = []
    for k in range(n_cand):
        m = comms[rng.integers(n_comm)]
        big = rng.random() < 0.2
        area = float(rng.uniform(1500, 4000) if big else rng.uniform(300, 1000))
        cost = round(area * (0.35 if big else 0.16) * rng.uniform(0.85, 1.2), 2)
        cands.append(Candidate(f"P{k:05d}", f"project {k}", "complex" if big else "renovation",
                               cost, county=m.county, community_id=m.id, area_m2=area,
                               daycare_places=int(area / 12) if rng.random() < 0.5 else 0,
                               build_years=2 if big else 1))
    total = sum(c.cost for c in cands) * 0.5
    annual = {y: round(total / len(years), 2) for y in years}
    return Scenario(name="province", years=years, budget=Budget(annual), candidates=tuple(cands),
                    communities=tuple(comms), centres=tuple(centres),
                    objective=Objective("benefit", weight_households=1.0, weight_elderly=2.0),
                    rules=Rules(min_projects_per_county=1))


def bench_province(n_comm: int, n_cand: int, limit: float) -> list[dict]:
    from facility_opt import milp
    from facility_opt.solvers import SolverOptions, open_session

    t0 = time.perf_counter()
    sc = province(n_comm, n_cand)
    gen = time.perf_counter() - t0
    rows = []
    for solver in ("highs", "cbc"):
        t0 = time.perf_counter()
        model = milp.build_model(sc)
        form = milp.to_matrix(model)
        session = open_session(form, solver)
        build = time.perf_counter() - t0
        out = session.solve(SolverOptions(time_limit=limit, gap=0.0))
        rows.append({"solver": solver, "generate_s": gen, "build_s": build,
                     "solve_s": out.seconds, "status": out.status, "objective": out.objective,
                     "gap": out.gap, "size": model.stats(),
                     "build_share": build / (build + out.seconds)})
    return rows


def bench_cli(repeats: int = 3) -> list[float]:
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(repeats):
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-c", "from facility_opt.cli import main; main()",
                            "solve", "-o", f"{tmp}/r", "--no-explain"], check=True,
                           capture_output=True)
            times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "from facility_opt.cli import main; main()",
                        "solve", "-o", f"{tmp}/e"], check=True, capture_output=True)
        times.append(time.perf_counter() - t0)
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--candidates", type=int, default=3000)
    ap.add_argument("--communities", type=int, default=3000)
    ap.add_argument("--limit", type=float, default=60.0, help="seconds per solver")
    a = ap.parse_args()
    print(f"# {time.strftime('%Y-%m-%d')} · {platform.processor() or platform.machine()} · "
          f"Python {platform.python_version()}")
    t = bench_cli()
    print(f"facility-opt solve leshan-base --no-explain: "
          f"{', '.join(f'{x:.2f}' for x in t[:-1])} s (median {sorted(t[:-1])[1]:.2f} s); "
          f"with explanations: {t[-1]:.2f} s")
    for r in bench_province(a.communities, a.candidates, a.limit):
        gap = "—" if r["gap"] is None else f"{r['gap']:.4%}"
        print(f"province {a.candidates} candidates / {a.communities} communities, "
              f"{r['solver']}: build {r['build_s']:.2f} s, solve {r['solve_s']:.2f} s, "
              f"{r['status']} gap {gap}, objective {r['objective']}, build share "
              f"{r['build_share']:.0%}, size {r['size']}")


if __name__ == "__main__":
    main()
