"""facility-opt: choose, test and justify community-facility investments.

The Python API the CLI is a thin layer over::

    from facility_opt import load_scenario
    from facility_opt import solve
    from facility_opt import simulate
    sc = load_scenario("leshan-base")
    result = solve(sc)              # exact MILP (HiGHS by default)
    cov = simulate(sc, portfolio=result)

Heavy modules (pulp, simpy, matplotlib, scipy) load only when a function that needs them runs.
"""

from __future__ import annotations

from facility_opt.lazy import lazy_getattr

__version__ = "0.1.0"

# public name → module that defines it; imported on first use so `facility-opt --help` stays fast
_LAZY = {
    "load_scenario": "facility_opt.scenario",
    "bundled_scenarios": "facility_opt.scenario",
    "Scenario": "facility_opt.model.types",
    "solve": "facility_opt.solve",
    "least_cost": "facility_opt.solve",
    "SolveResult": "facility_opt.solve",
    "simulate": "facility_opt.simulate",
    "project_population": "facility_opt.model.population",
    "plan": "facility_opt.plan",
    "frontier": "facility_opt.decide.frontier",
    "compare": "facility_opt.decide.compare",
    "write_annex": "facility_opt.report.annex.core",
}

__all__ = ["__version__", *_LAZY]

__getattr__ = lazy_getattr("facility_opt", _LAZY)
