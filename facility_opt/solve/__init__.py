"""Choose: the MILP, its solver sessions, diagnosis of infeasibility and explanations.

The documented path: ``from facility_opt.solve import solve, least_cost``."""

from __future__ import annotations

from facility_opt.lazy import callable_module, lazy_getattr

# public name -> module that defines it; loaded on first use (keeps imports light)
_PUBLIC = {
    "SolveStatus": "facility_opt.solve.core",
    "PlacesRequirement": "facility_opt.solve.core",
    "SolveResult": "facility_opt.solve.core",
    "LeastCostResult": "facility_opt.solve.core",
    "LEAST_COST_SECONDS": "facility_opt.solve.least_cost_search",
    "solve": "facility_opt.solve.core",
    "least_cost": "facility_opt.solve.least_cost_search",
    "start_values": "facility_opt.solve.core",
    "required_scale": "facility_opt.solve.least_cost_search",
    "explain": "facility_opt.solve.core",
    "selection_rows": "facility_opt.solve.outputs",
    "project_benefits": "facility_opt.solve.outputs",
    "summary_record": "facility_opt.solve.outputs",
    "spend_rows": "facility_opt.solve.outputs",
    "write_solve_outputs": "facility_opt.solve.outputs",
}

__all__ = list(_PUBLIC)

__getattr__ = lazy_getattr("facility_opt.solve", _PUBLIC)

callable_module(__name__, "solve")  # `from facility_opt import solve` keeps giving a callable
