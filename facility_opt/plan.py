"""The documented path ``facility_opt.plan``, kept for notebooks; the loop is ``facility_opt.decide.plan``."""

from __future__ import annotations

from importlib import import_module
from typing import Any

_PUBLIC = (
    "erlang_b",
    "erlang_places",
    "offered_load",
    "ReachMap",
    "reach_map",
    "covered_communities",
    "facility_coverage",
    "earliest_service_year",
    "CommunityEvidence",
    "CoverageFigure",
    "coverage_figures",
    "community_evidence",
    "Proposal",
    "target_years",
    "target_status",
    "propose_requirements",
    "protect_coverage",
    "PlanIteration",
    "PlanResult",
    "plan",
    "plan_record",
    "verdict_text",
    "print_plan",
    "write_plan_outputs",
    "run_plan",
    "REACH_TOLERANCE_KM",
    "METRICS",
    "STOP_TEXT",
)

__all__ = list(_PUBLIC)


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        return getattr(import_module("facility_opt.decide.plan"), name)
    raise AttributeError(f"module 'facility_opt.plan' has no attribute {name!r}")
