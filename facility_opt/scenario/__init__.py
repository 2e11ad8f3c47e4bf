"""Scenario input: the schema table, reading tables, bundled scenarios, loading and checks.

The documented path: ``from facility_opt.scenario import load_scenario``."""

from __future__ import annotations

from facility_opt.lazy import lazy_getattr

# public name -> module that defines it; loaded on first use (keeps imports light)
_PUBLIC = {
    "DEFAULT_SCENARIO": "facility_opt.scenario.bundled",
    "BundledScenario": "facility_opt.scenario.bundled",
    "bundled_dir": "facility_opt.scenario.bundled",
    "bundled_scenarios": "facility_opt.scenario.bundled",
    "resolve_scenario_path": "facility_opt.scenario.bundled",
    "FIELDS": "facility_opt.scenario.settings",
    "TOP_KEYS": "facility_opt.scenario.settings",
    "SECTIONS": "facility_opt.scenario.settings",
    "read_toml": "facility_opt.scenario.settings",
    "toml_value": "facility_opt.scenario.settings",
    "MAX_LINES": "facility_opt.scenario.loading",
    "TABLE_ROLES": "facility_opt.scenario.loading",
    "load_scenario": "facility_opt.scenario.loading",
    "scenario_from_tables": "facility_opt.scenario.loading",
    "candidate_position": "facility_opt.scenario.loading",
    "scenario_summary": "facility_opt.scenario.template",
    "TEMPLATE_EXAMPLES": "facility_opt.scenario.template",
    "template_scenario_toml": "facility_opt.scenario.template",
    "template_columns": "facility_opt.scenario.template",
    "copy_scenario_files": "facility_opt.scenario.template",
}

__all__ = list(_PUBLIC)

__getattr__ = lazy_getattr("facility_opt.scenario", _PUBLIC)
