"""The coverage constraint family of the MILP (docs/model.md, "Coverage").

For every target year t (`targets.target_years`) and community k, a covered indicator z_kt:

- basis "reach": some day-care site within reach (`facility_opt.model.geometry.reach`) is open
  in t; basis "own": such a site is in k itself;
- an existing centre (places > 0, open in t) makes z_kt = 1 outright; otherwise
  z_kt ≤ Σ x_is over the start options of the sites serving k that are in service in t
  (completion < t — `Portfolio.in_service`, the benefit model's and the plan's definition);
- effective coverage (`targets.max_turned_away` < 1): k counts only if the places within its
  reach in t reach its requirement R_kt = `effective_places(...)` (a day that starts empty, from
  the tool's own demand model). Existing places E_kt count toward it:
  (R_kt − E_kt) z_kt ≤ Σ min(p_i, R_kt − E_kt) x_is, z_kt binary.

`targets.daycare_coverage` > 0 adds Σ_k z_kt ≥ ⌈target × communities⌉ per target year (a hard
constraint, as `min_count`); `objective.kind = "coverage"` maximises Σ_t Σ_k w_kt z_kt with w =
1, or the projected population / residents 60+ of k in t (`objective.coverage_weight`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pulp

from facility_opt.model.geometry import Reach, reach
from facility_opt.model.targets import (
    centre_open,
    coverage_target,
    effective_on,
    required_covered,
    target_years,
)
from facility_opt.model.types import Scenario
from facility_opt.solve.solvers import new_var

COVERAGE_WEIGHTS = ("communities", "population", "elderly")


@dataclass
class CoverageTerms:
    """What `define_coverage` added: per target year, the covered indicator of each community
    (a variable, or a constant 0/1), and the objective weights of `objective.kind = "coverage"`."""

    years: tuple[int, ...]
    covered: dict[int, dict[int, pulp.LpVariable | float]] = field(default_factory=dict)
    weight: dict[int, list[float]] = field(default_factory=dict)  # year → per community
    requirement: dict[tuple[int, int], int] = field(default_factory=dict)  # (k, t) → places
    target_rows: dict[int, str] = field(default_factory=dict)  # year → row name

    def objective(self) -> tuple[pulp.LpAffineExpression, float]:
        """Weighted covered communities: (expression over the indicators, constant part)."""
        terms, const = [], 0.0
        for t in self.years:
            for k, z in self.covered[t].items():
                w = self.weight[t][k]
                if isinstance(z, float):
                    const += w * z
                elif w:
                    terms.append((z, w))
        return pulp.LpAffineExpression(terms), const


def coverage_wanted(scenario: Scenario, hard: bool = True) -> bool:
    """Whether the model carries coverage: a target to meet (when `hard`) or coverage to
    maximise."""
    if not scenario.communities:
        return False
    return (hard and coverage_target(scenario) is not None) or scenario.objective.kind == "coverage"


def effective_places(scenario: Scenario, community_id: str, year: int, projection) -> int:
    """Places a community needs within reach in `year` to turn away ≤ `targets.max_turned_away`
    of its requests (a centre that opens empty each morning; `model.queueing`). At least 1: a
    community with no requests still needs a centre to count as covered."""
    return effective_places_of(scenario, [(community_id, year)], projection)[0]


def effective_places_of(scenario: Scenario, pairs: Sequence[tuple[str, int]],
                        projection) -> list[int]:
    """`effective_places` of many (community id, year) pairs, sized in one batch."""
    from facility_opt.model.queueing import community_requests_per_day, day_start_sizings

    lams = [community_requests_per_day(scenario, cid, year, projection) for cid, year in pairs]
    sized = iter(day_start_sizings([lam for lam in lams if lam > 0], scenario.daycare,
                                   scenario.targets.max_turned_away))
    return [max(1, next(sized).places if lam > 0 else 0) for lam in lams]


def serving(scenario: Scenario, where: Reach | None) -> tuple[dict[str, list[str]],
                                                              dict[str, list[str]]]:
    """Community id → ids of the existing centres and of the candidates (with places) that
    serve it on the scenario's basis."""
    comms = [m.id for m in scenario.communities or ()]
    if scenario.targets.coverage_basis == "own":
        cen: dict[str, list[str]] = {k: [] for k in comms}
        can: dict[str, list[str]] = {k: [] for k in comms}
        for c in scenario.centres or ():
            if c.community_id in cen:
                cen[c.community_id].append(c.id)
        for c in scenario.candidates:
            if c.daycare_places > 0 and c.community_id in can:
                can[c.community_id].append(c.id)
        return cen, can
    assert where is not None
    return ({k: list(where.centres_of(k)) for k in comms},
            {k: list(where.candidates_of(k)) for k in comms})


def existing_places_of(scenario: Scenario, cen_of: dict[str, list[str]]) -> Callable[[str, int], int]:
    """(community id, year) → places of the existing centres serving it (`serving`) that are
    open in that year: what counts toward its requirement before any project."""
    places = {c.id: int(c.places) for c in scenario.centres or ()}
    opening = {c.id: c.opening_year for c in scenario.centres or ()}

    def existing(community_id: str, year: int) -> int:
        return sum(places[c] for c in cen_of[community_id]
                   if places[c] > 0 and centre_open(opening[c], year))

    return existing


def places_indicator(model, candidate_ids: list[str], index: dict[str, int], year: int,
                     rest: int, *, name: str, row: str, group: str, label: str,
                     binary: bool) -> pulp.LpVariable | None:
    """A covered indicator z with rest·z ≤ Σ min(p_i, rest)·x_is over the start options of the
    candidates `candidate_ids` in service in `year` (completion < year): z = 1 only when they add
    ≥ `rest` new places. None when all of them together cannot (the community cannot count)."""
    sc: Scenario = model.scenario
    avail = [(model.x[i, o.start], float(min(sc.candidates[i].daycare_places, rest)))
             for i in (index[c] for c in candidate_ids) for o in model.options[i]
             if o.completion < year]
    if sum(a for _, a in avail) < rest - 1e-9:
        return None
    z = new_var(model.problem, name, 0, 1, pulp.LpBinary if binary else pulp.LpContinuous)
    model.columns.append(z)
    model.add_row(row, [(z, float(rest))] + [(v, -a) for v, a in avail], pulp.LpConstraintLE, 0,
                  group, label)
    return z


def define_coverage(model, add: Callable, projection=None, hard: bool = True) -> CoverageTerms:
    """Add the covered indicators and the target rows to a built model (see module docstring)."""
    sc: Scenario = model.scenario
    years = target_years(sc)
    terms = CoverageTerms(years)
    comms = list(sc.communities or ())
    if projection is None:
        from facility_opt.model.population import project_population

        projection = project_population(sc, years)
    where = reach(sc) if sc.targets.coverage_basis == "reach" else None
    cen_of, can_of = serving(sc, where)
    existing_of = existing_places_of(sc, cen_of)
    idx = {c.id: i for i, c in enumerate(sc.candidates)}
    eff = effective_on(sc)
    weight_kind = sc.objective.coverage_weight
    pairs = [(m.id, t) for t in years for m in comms] if eff else []
    needs = dict(zip(pairs, effective_places_of(sc, pairs, projection), strict=True))
    for t in years:
        col = projection.year_index(t)
        if weight_kind == "population":
            terms.weight[t] = [float(v) for v in projection.population[:, col]]
        elif weight_kind == "elderly":
            terms.weight[t] = [float(v) for v in projection.elderly[:, col]]
        else:
            terms.weight[t] = [1.0] * len(comms)
        row: dict[int, pulp.LpVariable | float] = {}
        for k, m in enumerate(comms):
            existing = existing_of(m.id, t)
            need = needs[m.id, t] if eff else 1
            if eff:
                terms.requirement[k, t] = need
            rest = need - existing
            if rest <= 0:
                row[k] = 1.0
                continue
            label = (f"{m.id} covered in {t} only with ≥ {need} places within reach "
                     f"({existing} existing)" if eff else
                     f"{m.id} covered in {t} only by a day-care project in service")
            z = places_indicator(model, can_of[m.id], idx, t, rest, name=f"reached_{k}_{t}",
                                 row=f"reached_{k}_{t}", group="", label=label,
                                 binary=eff and rest > 1)
            row[k] = 0.0 if z is None else z
        terms.covered[t] = row
        need_n = required_covered(sc) if hard else 0
        if need_n > 0:
            const = sum(z for z in row.values() if isinstance(z, float))
            pairs = [(z, 1.0) for z in row.values() if not isinstance(z, float)]
            share = coverage_target(sc) or 0.0
            name = f"coverage_{t}"
            kind = "effective " if eff else ""
            add(name, pairs, pulp.LpConstraintGE, need_n - const, f"coverage target {t}",
                f"at least {need_n} of {len(comms)} communities {kind}covered in {t} "
                f"(targets.daycare_coverage {share:.0%}, basis {sc.targets.coverage_basis})")
            terms.target_rows[t] = name
    model.coverage = terms
    return terms


def covered_sets(model, chosen: dict) -> dict[int, set[int]]:
    """Per target year, the indices of the communities a plan covers (effectively, with the
    places requirement, when the limit is on), computed from the chosen start options directly
    (no solver variables)."""
    terms: CoverageTerms = model.coverage
    sc: Scenario = model.scenario
    comms = list(sc.communities or ())
    where = reach(sc) if sc.targets.coverage_basis == "reach" else None
    cen_of, can_of = serving(sc, where)
    existing_of = existing_places_of(sc, cen_of)
    by_id = {sc.candidates[i].id: o for i, o in chosen.items()}
    out: dict[int, set[int]] = {}
    for t in terms.years:
        out[t] = set()
        for k, m in enumerate(comms):
            have = existing_of(m.id, t)
            have += sum(sc.candidate(c).daycare_places for c in can_of[m.id]
                        if c in by_id and by_id[c].completion < t)
            if have >= terms.requirement.get((k, t), 1):
                out[t].add(k)
    return out


def coverage_value(model, chosen: dict) -> float:
    """The coverage objective of a portfolio: Σ_t Σ_k w_kt over the communities it covers."""
    terms: CoverageTerms = model.coverage
    return float(sum(terms.weight[t][k] for t, ks in covered_sets(model, chosen).items()
                     for k in ks))


def effective_ids(model, chosen: dict) -> dict[int, set[str]] | None:
    """Year → ids of the communities meeting their places requirement (the MILP's estimate of
    effective coverage); None when the effective limit is off or the model has no coverage."""
    if model.coverage is None or not effective_on(model.scenario):
        return None
    ids = [m.id for m in model.scenario.communities or ()]
    return {t: {ids[k] for k in ks} for t, ks in covered_sets(model, chosen).items()}
