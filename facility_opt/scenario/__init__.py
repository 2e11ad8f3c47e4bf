"""Scenario input: the schema table, reading tables, bundled scenarios, loading and checks.

The documented path: ``from facility_opt.scenario import load_scenario``."""

from __future__ import annotations

from importlib import import_module
from typing import Any

# public name -> module that defines it; loaded on first use (keeps imports light)
_PUBLIC = {
    "DEFAULT_SCENARIO": "facility_opt.scenario.loading",
    "MAX_LINES": "facility_opt.scenario.loading",
    "TABLE_ROLES": "facility_opt.scenario.loading",
    "KIND_PATTERN": "facility_opt.scenario.loading",
    "POPULATION_LAST_YEAR_MAX": "facility_opt.scenario.loading",
    "FIELDS": "facility_opt.scenario.loading",
    "TOP_KEYS": "facility_opt.scenario.loading",
    "SECTIONS": "facility_opt.scenario.loading",
    "BundledScenario": "facility_opt.scenario.loading",
    "bundled_dir": "facility_opt.scenario.loading",
    "bundled_scenarios": "facility_opt.scenario.loading",
    "resolve_scenario_path": "facility_opt.scenario.loading",
    "read_toml": "facility_opt.scenario.loading",
    "load_scenario": "facility_opt.scenario.loading",
    "scenario_from_tables": "facility_opt.scenario.loading",
    "candidate_position": "facility_opt.scenario.loading",
    "scenario_summary": "facility_opt.scenario.loading",
    "run_validate": "facility_opt.scenario.loading",
    "run_scenarios": "facility_opt.scenario.loading",
    "TEMPLATE_EXAMPLES": "facility_opt.scenario.loading",
    "toml_value": "facility_opt.scenario.loading",
    "template_scenario_toml": "facility_opt.scenario.loading",
    "template_columns": "facility_opt.scenario.loading",
    "copy_scenario_files": "facility_opt.scenario.loading",
    "run_init": "facility_opt.scenario.loading",
}

__all__ = list(_PUBLIC)


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        return getattr(import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'facility_opt.scenario' has no attribute {name!r}")
