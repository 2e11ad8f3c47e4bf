"""The plan loop's cuts: a community the simulation saw turn away too many requests counts as
covered only with more new day-care places within reach.

A cut for community k and year Y asks for m new places within reach of k in service by Y, with

    m = max(previous cut + 1, new places the failed portfolio gave k + 1,
            day_start_places(k's requests a day) − existing places within reach of k open in Y)

The first two make the failed portfolio infeasible for k's coverage, so the requirement grows
every time k fails, up to what the candidates can add (then k cannot count). The third is what a
single centre opening empty each morning needs for k's requests alone
(`facility_opt.model.queueing.day_start_places`, the tool's own demand model): places shared
with neighbours or split across centres cannot do better, so it never asks for more than k
needs. A cut is conditional — k may instead be left uncounted and another community covered —
so cuts never force a project in on their own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from facility_opt.model.geometry import reach
from facility_opt.model.portfolio import Portfolio
from facility_opt.model.targets import CoverageVerdict, centre_open, covered_ids
from facility_opt.model.types import Scenario


def requirements_of(cuts: Iterable[Any]) -> tuple:
    """The cuts as `PlacesRequirement`s for the MILP (year, then community order)."""
    from facility_opt.solve.core import PlacesRequirement

    ordered = sorted(cuts, key=lambda c: (c.year, c.community_id))
    return tuple(PlacesRequirement(c.community_id, c.year, int(c.min_places)) for c in ordered)


def turned_away_shares(sim: Any, year: int) -> dict[str, tuple[float, float]]:
    """community → (requests a day, share turned away) in `year`, from the simulation."""
    out = {}
    for r in sim.community_load:
        if int(r["year"]) != int(year):
            continue
        req = float(r.get("requests") or 0.0)
        share = r.get("turned_away_share")
        if share is None or share == "":
            away = float(r.get("turned_away") or 0.0)
            share = away / req if req > 0 else 0.0
        out[str(r["community_id"])] = (req, float(share))
    return out


def new_places_within_reach(scenario: Scenario, portfolio: Portfolio, community_id: str,
                            year: int, where=None) -> int:
    """Places the portfolio's projects in service in `year` add within reach of a community."""
    where = where or reach(scenario)
    near = set(where.candidates_of(community_id))
    return sum(c.daycare_places for c in portfolio.in_service(scenario, year) if c.id in near)


def existing_places_within_reach(scenario: Scenario, community_id: str, year: int,
                                 where=None) -> int:
    where = where or reach(scenario)
    near = set(where.centres_of(community_id))
    return sum(k.places for k in scenario.centres or ()
               if k.id in near and centre_open(k.opening_year, year))


def new_cuts(scenario: Scenario, portfolio: Portfolio, sim: Any,
             verdicts: Mapping[int, CoverageVerdict], cuts: Mapping[tuple[str, int], Any],
             round_no: int) -> list:
    """Cuts for every community within reach that fails the turned-away limit, in the target
    years whose verdict is not met."""
    from facility_opt.decide.plan import Cut
    from facility_opt.model.population import project_population
    from facility_opt.model.queueing import community_requests_per_day, day_start_places

    where = reach(scenario)
    limit = scenario.targets.max_turned_away
    years = [y for y, v in sorted(verdicts.items()) if v.met is False]
    if not years or limit >= 1.0:
        return []
    projection = project_population(scenario, tuple(years))
    out = []
    for y in years:
        effective = set(sim.effective_ids(y))
        shares = turned_away_shares(sim, y)
        for cid in sorted(covered_ids(scenario, portfolio, y, where) - effective):
            lam = community_requests_per_day(scenario, cid, y, projection)
            now = new_places_within_reach(scenario, portfolio, cid, y, where)
            sized = max(0, day_start_places(lam, scenario.daycare, limit)
                        - existing_places_within_reach(scenario, cid, y, where))
            prev = cuts.get((cid, y))
            m = max(now + 1, sized, (prev.min_places + 1) if prev is not None else 0)
            out.append(Cut(cid, y, m, round_no, lam, shares.get(cid, (lam, 0.0))[1], now, sized))
    return out


def _coverage_terms(model, scenario: Scenario, by_cut: Mapping[tuple[str, int], int], y: int,
                    where) -> list:
    """Per community, what counts it as covered in year `y`: 1.0 (an existing centre open, no
    cut) or a variable e ≤ sites in service within reach (binary e with e·m ≤ new places
    within reach, for a cut of m places)."""
    import pulp

    from facility_opt.solve.solvers import new_var

    own = scenario.targets.coverage_basis == "own"
    index = {c.id: i for i, c in enumerate(scenario.candidates)}
    open_near = covered_ids(scenario, None, y, where)  # existing centres alone
    terms: list = []
    for k, m in enumerate(scenario.communities or ()):
        sites = [c.id for c in scenario.candidates
                 if c.daycare_places > 0 and c.community_id == m.id] if own \
            else list(where.candidates_of(m.id))
        serving = [(model.x[index[s], o.start], float(scenario.candidates[index[s]].daycare_places))
                   for s in sites for o in model.options[index[s]] if o.completion < y]
        cut = by_cut.get((m.id, y))
        if cut is None and m.id in open_near:
            terms.append(1.0)
            continue
        if not serving:
            continue
        e = new_var(model.problem, f"cut_cov_{k}_{y}", 0, 1,
                    pulp.LpBinary if cut is not None else pulp.LpContinuous)
        terms.append(e)
        if cut is None:
            model.add_constraint(pulp.lpSum(v for v, _ in serving) - e >= 0,
                                 f"cut_reach_{k}_{y}", "coverage target",
                                 f"{m.id} counts as covered in {y} only with a site within reach")
        else:
            model.add_constraint(pulp.lpSum(a * v for v, a in serving) - cut * e >= 0,
                                 f"cut_places_{k}_{y}", "coverage target",
                                 f"{m.id} counts as covered in {y} only with ≥ {cut} new places "
                                 "within reach (the simulation's cut)")
    return terms


def cut_constraints(scenario: Scenario, cuts: Iterable[Any]):
    """`extra_constraints` for the MILP: in every target year at least `required_covered`
    communities count as covered, where a community with a cut counts only when the selected
    projects in service that year add ≥ its `min_places` within reach (conditional: the MILP
    may leave it uncounted and cover another). Without cuts this is the plain coverage target,
    so the rows agree with the MILP's own coverage constraint and only add the cuts to it."""
    import pulp

    from facility_opt.model.targets import required_covered, target_years

    by_cut = {(c.community_id, c.year): int(c.min_places) for c in cuts}
    need = required_covered(scenario)

    def add(model) -> None:
        if need <= 0:
            return
        where = reach(scenario)
        n = len(scenario.communities or ())
        for y in target_years(scenario):
            terms = _coverage_terms(model, scenario, by_cut, y, where)
            const = sum(t for t in terms if isinstance(t, float))
            model.add_constraint(pulp.lpSum(t for t in terms if not isinstance(t, float))
                                 >= need - const, f"cut_target_{y}", "coverage target",
                                 f"≥ {need} of {n} communities covered in {y} "
                                 "(targets.daycare_coverage, with the simulation's cuts)")
    return add


def coverage_objective(scenario: Scenario):
    """`extra_constraints` replacing the objective by the number of communities covered, summed
    over the target years (solve with `tie_break=False`; read the count with `judge`)."""
    import pulp

    from facility_opt.model.targets import target_years

    def add(model) -> None:
        where = reach(scenario)
        terms = [t for y in target_years(scenario)
                 for t in _coverage_terms(model, scenario, {}, y, where) if not isinstance(t, float)]
        model.problem.setObjective(pulp.lpSum(terms))
    return add
