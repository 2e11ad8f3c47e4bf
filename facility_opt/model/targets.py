"""Targets: the one judgement of the day-care coverage target (社区日间照料机构覆盖率).

Every command that says whether the target is met (solve, simulate, plan, frontier, compare,
annex) asks `judge` here, so they cannot disagree. A community is *covered* in a year when a
day-care site is open for it that year: on basis "reach" (default) an existing centre open that
year or a funded project in service by then within reach (`facility_opt.model.geometry`); on
basis "own" such a site in the community itself. A project is in service in year t when its
construction finished before t begins (`Portfolio.in_service`, the benefit model's and the
plan's definition too). *Effective* coverage also asks that the community turns away no more
than `targets.max_turned_away` of its requests (from the simulation, or the MILP's places
requirement); the target is judged on it when that limit is on (< 1) and known.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from facility_opt.model.geometry import Reach, reach
from facility_opt.model.portfolio import Portfolio
from facility_opt.model.types import Scenario

BASES = ("reach", "own")
SHARE_TOLERANCE = 1e-9  # a share equal to the target within rounding meets it


@dataclass(frozen=True)
class CoverageVerdict:
    """The judgement of the coverage target in one target year."""

    year: int
    covered: int  # communities covered on the scenario's basis
    communities: int
    share: float  # covered / communities
    basis: str  # "reach" | "own"
    effective_covered: int | None  # also turning away ≤ targets.max_turned_away (None: unknown)
    target: float | None  # targets.daycare_coverage (None: no target)
    met: bool | None

    def record(self) -> dict[str, Any]:
        """summary.json's `coverage` entry of this year (keys in full, null where unknown)."""
        return {"covered": self.covered, "communities": self.communities, "share": self.share,
                "basis": self.basis, "effective_covered": self.effective_covered,
                "target": self.target, "met": self.met}


def target_years(scenario: Scenario) -> tuple[int, ...]:
    """Years in which the coverage target must hold (default: the last funding year)."""
    return tuple(scenario.targets.target_years or (scenario.years[-1],))


def coverage_target(scenario: Scenario) -> float | None:
    """The target share, or None when there is none (no communities, or a target of 0)."""
    t = scenario.targets.daycare_coverage
    if not scenario.communities or t is None or t <= 0:
        return None
    return float(t)


def effective_on(scenario: Scenario) -> bool:
    """Whether the effective-coverage limit is on (`targets.max_turned_away` < 1)."""
    return scenario.targets.max_turned_away < 1.0


def required_covered(scenario: Scenario) -> int:
    """The least number of communities whose share meets the target (0 without a target)."""
    t = coverage_target(scenario)
    if t is None:
        return 0
    n = len(scenario.communities or ())
    return min(n, max(0, math.ceil(t * n - SHARE_TOLERANCE * max(1, n))))


def centre_open(opening_year: int | None, year: int) -> bool:
    """An existing centre serves in `year` from its opening year on (no year: always)."""
    return opening_year is None or opening_year <= year


def covered_ids(scenario: Scenario, portfolio: Portfolio | None, year: int,
                where: Reach | None = None) -> set[str]:
    """Communities covered in `year` on the scenario's basis (see the module docstring)."""
    comms = scenario.communities or ()
    if not comms:
        return set()
    in_service = [c for c in portfolio.in_service(scenario, year) if c.daycare_places > 0] \
        if portfolio else []
    open_centres = [k for k in scenario.centres or ()
                    if k.places > 0 and centre_open(k.opening_year, year)]
    if scenario.targets.coverage_basis == "own":
        ids = {m.id for m in comms}
        return ({k.community_id for k in open_centres}
                | {c.community_id for c in in_service if c.community_id}) & ids
    where = where or reach(scenario)
    out: set[str] = set()
    for k in open_centres:
        out.update(where.communities_of(k.id, candidate=False))
    for c in in_service:
        out.update(where.communities_of(c.id))
    return out


def judge(scenario: Scenario, portfolio: Portfolio | None, *,
          effective_ids: Mapping[int, set[str]] | None = None,
          where: Reach | None = None) -> dict[int, CoverageVerdict]:
    """The verdict of every target year. `effective_ids` (year → communities that also turn away
    ≤ max_turned_away, e.g. from the simulation) gives effective coverage where known."""
    n = len(scenario.communities or ())
    target = coverage_target(scenario)
    need = required_covered(scenario)
    basis = scenario.targets.coverage_basis
    where = where or (reach(scenario) if n and basis == "reach" else None)
    out: dict[int, CoverageVerdict] = {}
    for y in target_years(scenario):
        cov = covered_ids(scenario, portfolio, y, where)
        eff = None
        if effective_ids is not None and y in effective_ids:
            eff = len(set(effective_ids[y]) & cov)
        met: bool | None = None
        if target is not None:
            judged = eff if (effective_on(scenario) and eff is not None) else len(cov)
            met = judged >= need
        out[y] = CoverageVerdict(y, len(cov), n, len(cov) / n if n else 0.0, basis, eff,
                                 target, met)
    return out


def judge_simulated(scenario: Scenario, portfolio: Portfolio | None,
                    sim: Any) -> dict[int, CoverageVerdict]:
    """`judge` of a simulated portfolio: effective coverage from the simulation's per-community
    verdicts (`sim.effective_ids(year)`) when targets.max_turned_away is on. The one place
    simulate, futures, plan, frontier and compare turn a simulation into the verdict."""
    eff = ({y: set(sim.effective_ids(y)) for y in target_years(scenario)}
           if effective_on(scenario) else None)
    return judge(scenario, portfolio, effective_ids=eff)
