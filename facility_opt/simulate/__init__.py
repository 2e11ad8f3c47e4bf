"""Test: the day-care demand simulation (engine) and its replications.

The documented path: ``from facility_opt.simulate import simulate``."""

from __future__ import annotations

from facility_opt.lazy import callable_module, lazy_getattr

# public name -> module that defines it; loaded on first use (keeps imports light)
_PUBLIC = {
    "METRICS": "facility_opt.simulate.core",
    "COVERAGE_COLUMNS": "facility_opt.simulate.core",
    "CENTRE_LOAD_COLUMNS": "facility_opt.simulate.core",
    "COMMUNITY_LOAD_COLUMNS": "facility_opt.simulate.core",
    "REPLICATION_COLUMNS": "facility_opt.simulate.core",
    "CENTRES_USED_COLUMNS": "facility_opt.simulate.core",
    "SELECTION_COLUMNS": "facility_opt.simulate.portfolio_file",
    "CommunityLoad": "facility_opt.simulate.core",
    "SimulationResult": "facility_opt.simulate.core",
    "simulation_years": "facility_opt.simulate.inputs",
    "demand_model": "facility_opt.simulate.inputs",
    "centres_in_service": "facility_opt.simulate.inputs",
    "build_simulation": "facility_opt.simulate.inputs",
    "simulate": "facility_opt.simulate.core",
    "read_portfolio": "facility_opt.simulate.portfolio_file",
    "selection_rows": "facility_opt.simulate.portfolio_file",
    "write_simulation_outputs": "facility_opt.simulate.outputs",
}

__all__ = list(_PUBLIC)

__getattr__ = lazy_getattr("facility_opt.simulate", _PUBLIC)

callable_module(__name__, "simulate")  # `from facility_opt import simulate` keeps giving a callable
