"""Cold day-start sizing of every `leshan-base` community in its target years (the sizing cache
off), against the yardstick of the draws alone: the same ≈ 50,000 visits per community drawn
and sorted by arrival (`model.demand.draw_visits`, the sizing's seed), which any method giving
the same answers must pay. Each in a fresh process, so the first-run costs count.

    python benchmarks/bench_sizing.py [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

CHILD = """
import math, sys, time
import numpy as np
from facility_opt.model import queueing
from facility_opt.model.demand import DemandModel, draw_visits
from facility_opt.model.population import project_population
from facility_opt.model.targets import target_years
from facility_opt.scenario import load_scenario

sc = load_scenario("leshan-base")
years = target_years(sc)
proj = project_population(sc, years)
lams = [queueing.community_requests_per_day(sc, m.id, t, proj) for t in years for m in sc.communities]
d = sc.daycare
t0 = time.process_time()
if sys.argv[1] == "draws":
    for lam in lams:
        lam = queueing._sig(lam)
        days = int(min(queueing.SIZING_MAX_DAYS, max(queueing.SIZING_MIN_DAYS,
                                                      math.ceil(queueing.SIZING_REQUESTS / lam))))
        model = DemandModel(opening_hours=d.opening_hours, arrival_profile=d.arrival_profile,
                            stay_distribution=d.stay_distribution, stay_hours_mean=d.stay_hours_mean,
                            stay_hours_cv=d.stay_hours_cv, sampled_days=days)
        rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(queueing.SIZING_SEED)))
        day, hour, _ = draw_visits(model, rng, lam)
        np.argsort(day * (model.opening_hours + 1.0) + hour, kind="stable")
else:
    queueing.day_start_sizings(lams, d, sc.targets.max_turned_away)
print(len(lams), time.process_time() - t0)
"""


def _child(what: str) -> tuple[int, float]:
    env = {**os.environ, "FACILITY_OPT_CACHE": "off"}
    out = subprocess.run([sys.executable, "-c", CHILD, what], env=env, capture_output=True,
                         text=True, check=True).stdout.split()
    return int(out[0]), float(out[1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    opts = ap.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    for _ in range(opts.repeat):
        n, draws = _child("draws")
        _, sizing = _child("sizing")
        print(f"{n} sizings: {sizing:.2f} s CPU; the draws alone: {draws:.2f} s "
              f"(sizing ÷ draws {sizing / draws:.1f}×)")
    print(f"load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
