"""The documented path ``facility_opt.plan``, kept for notebooks; the loop is ``facility_opt.decide.plan``."""

from __future__ import annotations

from facility_opt.lazy import lazy_getattr

# public name -> module that defines it; loaded on first use
_PUBLIC = {
    "erlang_b": "facility_opt.model.queueing",
    "erlang_places": "facility_opt.model.queueing",
    "offered_load": "facility_opt.model.queueing",
    "ReachMap": "facility_opt.decide.plan",
    "reach_map": "facility_opt.decide.plan",
    "covered_communities": "facility_opt.decide.plan",
    "facility_coverage": "facility_opt.decide.plan",
    "earliest_service_year": "facility_opt.decide.plan",
    "CommunityEvidence": "facility_opt.decide.plan",
    "CoverageFigure": "facility_opt.decide.plan",
    "coverage_figures": "facility_opt.decide.plan",
    "community_evidence": "facility_opt.decide.plan",
    "Proposal": "facility_opt.decide.plan",
    "target_years": "facility_opt.model.targets",
    "target_status": "facility_opt.decide.plan",
    "propose_requirements": "facility_opt.decide.plan",
    "protect_coverage": "facility_opt.decide.plan",
    "PlanIteration": "facility_opt.decide.plan",
    "PlanResult": "facility_opt.decide.plan",
    "plan": "facility_opt.decide.plan",
    "plan_record": "facility_opt.decide.plan",
    "verdict_text": "facility_opt.decide.plan",
    "write_plan_outputs": "facility_opt.decide.plan",
    "REACH_TOLERANCE_KM": "facility_opt.decide.plan",
    "METRICS": "facility_opt.decide.plan",
    "STOP_TEXT": "facility_opt.decide.plan",
}

__all__ = list(_PUBLIC)

__getattr__ = lazy_getattr("facility_opt.plan", _PUBLIC)
