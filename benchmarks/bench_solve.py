"""Benchmark `solve`: the bundled scenario end to end, and a province-scale synthetic instance.

    python benchmarks/bench_solve.py [--candidates 3000] [--communities 3000] [--limit 60]
                                     [--skip-province] [--sizes 10000,30000]

1. `facility-opt solve` on the bundled `leshan-base`, wall clock, as a subprocess — what a
   planner waits for: without explanations, with them, and with them on 2 workers.
2. `--sizes`: candidate tables of those sizes (score objective), build and solve time against
   `--limit` and peak memory — the measurements behind the candidate-table limit.
3. A seeded synthetic province: 3,000 communities, 3,000 candidates, 5 funding years, the benefit
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
from pathlib import Path

import numpy as np

from facility_opt.model.types import (
    Budget,
    Candidate,
    Centre,
    Community,
    Objective,
    Rules,
    Scenario,
    Targets,
)


def province(n_comm: int, n_cand: int, seed: int = 7, n_years: int = 5) -> Scenario:
    """A synthetic province: counties as clusters, costs and areas in the Leshan ranges."""
    rng = np.random.default_rng(seed)
    years = tuple(range(2022, 2022 + n_years))
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
                    objective=Objective("benefit", weight_households=2.54, weight_elderly=1.0,
                                        benefit_until=2030),
                    rules=Rules(min_projects_per_county=1),
                    # the benefit MILP of the instance: no coverage target (a hard row
                    # since the coverage decision; 90 % of 3,000 random communities is infeasible)
                    targets=Targets(daycare_coverage=0.0))


def bench_province(n_comm: int, n_cand: int, limit: float) -> list[dict]:
    from facility_opt.solve import milp
    from facility_opt.solve.solvers import SolverOptions, open_session

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


def bench_province_command(n_comm: int, n_cand: int, limit: float) -> dict:
    """What `facility-opt solve --no-explain --time-limit LIMIT` does on the province, phase by
    phase, in a child process (so its peak memory is its own): build, main solve, tie-break,
    every output file; and the yardstick: the same matrix solved by a bare highspy.Highs in the
    same run (no session, no tie-break, no outputs)."""
    code = f"""
import resource, sys, time, tempfile, os
sys.path.insert(0, {str(Path(__file__).parent)!r})
from bench_solve import province
from facility_opt.results.folder import ResultsFolder
from facility_opt.solve import milp
from facility_opt.solve.core import solve
from facility_opt.solve.outputs import write_solve_outputs
from facility_opt.solve.deadline import Deadline
sc = province({n_comm}, {n_cand})
t0 = time.perf_counter()
r = solve(sc, deadline=Deadline.after({limit}))
t1 = time.perf_counter()
with tempfile.TemporaryDirectory() as tmp:
    with ResultsFolder(Path(tmp) / "out", "solve") as folder:
        write_solve_outputs(folder, sc, r)
t2 = time.perf_counter()
import highspy, numpy as np
form = milp.to_matrix(milp.build_model(sc))
h = highspy.Highs(); h.setOptionValue("output_flag", False); h.setOptionValue("mip_rel_gap", 0.0)
h.setOptionValue("time_limit", {limit})
lp = highspy.HighsLp(); lp.num_col_ = form.num_col; lp.num_row_ = form.num_row
lp.col_cost_ = form.cost; lp.col_lower_ = form.col_lower; lp.col_upper_ = form.col_upper
inf = highspy.kHighsInf
lp.row_lower_ = np.where(np.isfinite(form.row_lower), form.row_lower, -inf)
lp.row_upper_ = np.where(np.isfinite(form.row_upper), form.row_upper, inf)
lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
lp.a_matrix_.start_ = form.start.astype(np.int32); lp.a_matrix_.index_ = form.index.astype(np.int32)
lp.a_matrix_.value_ = form.value; lp.a_matrix_.num_col_ = form.num_col; lp.a_matrix_.num_row_ = form.num_row
lp.sense_ = highspy.ObjSense.kMaximize
V = highspy.HighsVarType
lp.integrality_ = [V.kInteger if i else V.kContinuous for i in form.integer]
h.passModel(lp); t3 = time.perf_counter(); h.run(); bare = time.perf_counter() - t3
print(r.build_seconds, r.solve_seconds, t1 - t0, t2 - t1, r.status.value, r.gap, r.tie_break,
      bare, h.modelStatusToString(h.getModelStatus()).replace(" ", "_"), h.getInfo().mip_gap,
      resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, os.getloadavg()[0])
"""
    code = code.replace("Path(tmp)", "__import__('pathlib').Path(tmp)")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=max(900, 10 * limit))
    if p.returncode:
        raise RuntimeError(p.stderr[-2000:])
    f = p.stdout.split()
    return {"build_s": float(f[0]), "solve_s": float(f[1]), "command_s": float(f[2]),
            "outputs_s": float(f[3]), "status": f[4], "gap": f[5], "tie_break": f[6],
            "bare_highs_s": float(f[7]), "bare_status": f[8], "bare_gap": f[9],
            "peak_mb": int(f[10]) // 1024, "load": float(f[11])}


def bench_scaling(cand_counts: list[int], year_counts: list[int], limit: float) -> None:
    """Build and solve seconds (no explanations, tie-break included) of the province generator
    at several candidates × funding years (communities = candidates), each under `limit`."""
    from facility_opt.solve.core import solve

    print(f"scaling: build s / solve s (status) — candidates × years, limit {limit:g} s")
    for n in cand_counts:
        cells = []
        for y in year_counts:
            r = solve(province(n, n, n_years=y), time_limit=limit)
            gap = "" if r.status.value == "optimal" else f" gap {r.gap:.2%}"
            cells.append(f"{r.build_seconds:.2f} / {r.solve_seconds:.2f} ({r.status.value}{gap})")
        print(f"  {n:>6} candidates: " + " | ".join(f"{y} years {c}"
                                                   for y, c in zip(year_counts, cells, strict=True)))


def _cli(*args: str) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "from facility_opt.cli import main; main()", *args],
                   check=True, capture_output=True)
    return time.perf_counter() - t0


def bench_cli(repeats: int = 3) -> dict[str, list[float]]:
    """Wall clock of `facility-opt solve` as a planner runs it (Python start included), beside
    two yardsticks measured in the same run: a bare interpreter and `facility-opt --help`."""
    out: dict[str, list[float]] = {"bare_python": [], "help": [], "no_explain": [],
                                   "explain": [], "explain_2_workers": []}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(repeats):
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-c", "pass"], check=True)
            out["bare_python"].append(time.perf_counter() - t0)
            out["help"].append(_cli("--help"))
            out["no_explain"].append(_cli("solve", "-o", f"{tmp}/r", "--no-explain"))
        for _ in range(max(1, repeats // 2)):
            out["explain"].append(_cli("solve", "-o", f"{tmp}/e"))
            out["explain_2_workers"].append(_cli("solve", "-o", f"{tmp}/w", "--workers", "2"))
    return out


def bench_size(n_cand: int, limit: float) -> dict:
    """A score-objective table of `n_cand` one-year projects over 4 years: build and solve time
    and peak memory, to see where the exact MILP stops honouring its time limit. Runs in a
    child process so its memory is measured alone."""
    code = f"""
import resource, time
from facility_opt.model.types import Budget, Candidate, Objective, Scenario
from facility_opt.solve import milp
from facility_opt.solve.solvers import SolverOptions, open_session
import numpy as np
rng = np.random.default_rng(1)
cands = tuple(Candidate(f"P{{i}}", f"p{{i}}", "renovation", float(rng.integers(50, 200)),
                        score=float(rng.integers(0, 100))) for i in range({n_cand}))
years = (2022, 2023, 2024, 2025)
sc = Scenario("size", years, Budget({{y: {n_cand} * 10.0 for y in years}}), cands,
              objective=Objective("score"))
t0 = time.perf_counter(); form = milp.to_matrix(milp.build_model(sc)); b = time.perf_counter() - t0
out = open_session(form).solve(SolverOptions(time_limit={limit}))
print(b, out.seconds, out.status, out.gap, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=max(600, 10 * limit))
    build, solve, status, gap, rss = p.stdout.split()
    return {"candidates": n_cand, "build_s": float(build), "solve_s": float(solve),
            "status": status, "gap": gap, "peak_mb": int(rss) // 1024}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--candidates", type=int, default=3000)
    ap.add_argument("--communities", type=int, default=3000)
    ap.add_argument("--limit", type=float, default=60.0, help="seconds per solver")
    ap.add_argument("--skip-province", action="store_true")
    ap.add_argument("--scaling", default="", help="e.g. 100,300,1000: candidates × years "
                    "(3 and 5) table of build and solve time")
    ap.add_argument("--sizes", default="", help="e.g. 10000,30000: candidate-table sizes to "
                    "time against --limit (score objective)")
    a = ap.parse_args()
    import os

    print(f"# {time.strftime('%Y-%m-%d %H:%M')} · {platform.processor() or platform.machine()} · "
          f"{os.cpu_count()} CPUs · Python {platform.python_version()} · load average "
          + ", ".join(f"{x:.2f}" for x in os.getloadavg()))
    t = bench_cli()
    for key, xs in t.items():
        print(f"facility-opt solve leshan-base [{key}]: "
              f"{', '.join(f'{x:.2f}' for x in xs)} s (best {min(xs):.2f} s)")
    if a.scaling:
        bench_scaling([int(v) for v in a.scaling.split(",")], [3, 5], a.limit)
    for n in [int(v) for v in a.sizes.split(",") if v]:
        print("size", bench_size(n, a.limit))
    if a.skip_province:
        return
    print("province command", bench_province_command(a.communities, a.candidates, a.limit))
    for r in bench_province(a.communities, a.candidates, a.limit):
        gap = "—" if r["gap"] is None else f"{r['gap']:.4%}"
        print(f"province {a.candidates} candidates / {a.communities} communities, "
              f"{r['solver']}: build {r['build_s']:.2f} s, solve {r['solve_s']:.2f} s, "
              f"{r['status']} gap {gap}, objective {r['objective']}, build share "
              f"{r['build_share']:.0%}, size {r['size']}")


if __name__ == "__main__":
    main()
