"""Targets: the one judgement of when and how the day-care coverage target is assessed."""

from __future__ import annotations

from facility_opt.model.types import Scenario


def target_years(scenario: Scenario) -> tuple[int, ...]:
    """Years in which the coverage target must hold (default: the last funding year)."""
    return tuple(scenario.targets.target_years or (scenario.years[-1],))
