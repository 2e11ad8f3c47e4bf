"""The documented path ``facility_opt.plan``, kept for notebooks; the loop is ``facility_opt.decide.plan``."""

from __future__ import annotations

from facility_opt.lazy import callable_module, lazy_getattr

# public name -> module that defines it; loaded on first use
_PUBLIC = {
    "erlang_b": "facility_opt.model.queueing",
    "erlang_places": "facility_opt.model.queueing",
    "offered_load": "facility_opt.model.queueing",
    "day_start_places": "facility_opt.model.queueing",
    "target_years": "facility_opt.model.targets",
    "required_covered": "facility_opt.model.targets",
    "covered_ids": "facility_opt.model.targets",
    "judge": "facility_opt.model.targets",
    "CoverageVerdict": "facility_opt.model.targets",
    "reach": "facility_opt.model.geometry",
    "Cut": "facility_opt.decide.plan_cuts",
    "CoverageFigure": "facility_opt.decide.plan",
    "coverage_figures": "facility_opt.decide.plan",
    "PlanRound": "facility_opt.decide.plan",
    "PlanResult": "facility_opt.decide.plan",
    "VERDICT_KINDS": "facility_opt.decide.plan",
    "plan": "facility_opt.decide.plan",
    "new_cuts": "facility_opt.decide.plan_cuts",
    "plan_record": "facility_opt.decide.plan_report",
    "verdict_text": "facility_opt.decide.plan_report",
    "write_plan_outputs": "facility_opt.decide.plan_report",
}

__all__ = list(_PUBLIC)

__getattr__ = lazy_getattr("facility_opt.plan", _PUBLIC)

callable_module(__name__, "plan")  # `from facility_opt import plan` keeps giving a callable
