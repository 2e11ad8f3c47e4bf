"""`plan`: solve → simulate → add what the simulation says is missing → solve again.

The MILP chooses projects on its objective; it does not know whether the day-care places it buys
are where the visits are. The simulation knows, but cannot choose. The loop couples the two:

1. Solve (exact MILP) and simulate the chosen portfolio, with the same seed every round (common
   random numbers: a change in coverage is the portfolio's doing, not the dice's).
2. In each target year (`targets.target_years`, default the last funding year) the target holds
   when, by `targets.criterion`, both `facility_coverage` and `service_coverage` are ≥
   `targets.daycare_coverage` — "ci_low": the lower 95 % bound, "mean": the mean.
3. Where it does not hold, the simulation's evidence becomes `PlacesRequirement`s, constraints the
   MILP understands ("selected projects within reach of community C, in service in year Y, add ≥ m
   day-care places"):
   - uncovered communities (no centre within `daycare.reach_km`): ≥ 1 place within reach, most
     requested first, until enough would be covered to lift facility coverage to the target;
   - communities that turn visits away: m sized with the Erlang loss formula — the smallest c with
     B(a, c) ≤ the allowed loss, a = offered load (requests per open day × mean stay ÷ opening
     hours, in Erlangs), minus the community's share of the existing places within reach —
     most turned-away visits first, until the turned-away visits they hold would close the gap.
4. Solve again with the requirements. If the MILP becomes infeasible (the budget cannot pay for
   all of them), the least valuable new ones (fewest visits per day at stake) are dropped, by
   bisection on the ranked list.
5. Stop when the target is met, when nothing more helps (no candidate can serve the remaining
   gaps, or the portfolio does not change), when the budget is exhausted (not even the most
   valuable new requirement is affordable), or after `plan.max_iterations` rounds.

If the target is not met because the budget ran out, the least-cost mode prices every requirement
found (kept or dropped): the smallest budget in the scenario's annual proportions that pays for
them, reported as extra money per year, and that portfolio is simulated too so the report says
whether the extra money would indeed meet the target.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from facility_opt.errors import InfeasibleError, InputError
from facility_opt.model.portfolio import Portfolio
from facility_opt.model.queueing import erlang_places, offered_load
from facility_opt.model.targets import target_years
from facility_opt.model.types import Candidate, Scenario
from facility_opt.progress import reporter
from facility_opt.report.terms import counted

REACH_TOLERANCE_KM = 1e-9  # same tolerance as the simulation's reach test
METRICS = ("facility_coverage", "service_coverage")


# -- geometry: who is within reach of what -------------------------------------------------------

def _dist(a: tuple[float, float], b: tuple[float, float]) -> float:
    return math.hypot(a[0] - b[0], a[1] - b[1])


@dataclass(frozen=True)
class ReachMap:
    """Which existing centres and which candidates with day-care places are within reach of
    each community (positions in km; a candidate sits at its community's position)."""

    community_ids: tuple[str, ...]
    centres: dict[str, tuple[tuple[str, int, int | None], ...]]  # community → (centre, places, opening_year)
    candidates: dict[str, tuple[str, ...]]  # community → candidate ids with places within reach
    centre_communities: dict[str, tuple[str, ...]]  # centre → communities within its reach


def reach_map(scenario: Scenario) -> ReachMap:
    """Distances once, for every coverage test and requirement of a run."""
    comms = scenario.communities or ()
    reach = scenario.daycare.reach_km + REACH_TOLERANCE_KM
    pos = {c.id: (c.x_km, c.y_km) for c in comms}
    centres: dict[str, list[tuple[str, int, int | None]]] = {c.id: [] for c in comms}
    centre_comms: dict[str, list[str]] = {}
    for k in scenario.centres or ():
        centre_comms[k.id] = []
        for c in comms:
            if _dist(pos[c.id], (k.x_km, k.y_km)) <= reach:
                centres[c.id].append((k.id, int(k.places), k.opening_year))
                centre_comms[k.id].append(c.id)
    cands: dict[str, list[str]] = {c.id: [] for c in comms}
    for cand in scenario.candidates:
        if cand.daycare_places <= 0 or cand.community_id not in pos:
            continue
        site = pos[cand.community_id]
        for c in comms:
            if _dist(pos[c.id], site) <= reach:
                cands[c.id].append(cand.id)
    return ReachMap(tuple(c.id for c in comms),
                    {k: tuple(v) for k, v in centres.items()},
                    {k: tuple(v) for k, v in cands.items()},
                    {k: tuple(v) for k, v in centre_comms.items()})


def _centre_open(opening_year: int | None, year: int) -> bool:
    return opening_year is None or opening_year <= year


def covered_communities(scenario: Scenario, portfolio: Portfolio | None, year: int,
                        reach: ReachMap | None = None) -> set[str]:
    """Communities with a day-care centre within reach in `year`: an existing centre open that
    year, or a selected project with places that is in service (completed before `year`)."""
    reach = reach or reach_map(scenario)
    in_service = {c.id for c in portfolio.in_service(scenario, year)} if portfolio else set()
    out = set()
    for cid in reach.community_ids:
        if any(_centre_open(oy, year) for _, _, oy in reach.centres[cid]) or \
                any(k in in_service for k in reach.candidates[cid]):
            out.add(cid)
    return out


def facility_coverage(scenario: Scenario, portfolio: Portfolio | None, year: int,
                      reach: ReachMap | None = None) -> float | None:
    """Share of communities with a centre within reach in `year` (the plan's indicator);
    None when the scenario has no communities."""
    reach = reach or reach_map(scenario)
    if not reach.community_ids:
        return None
    return len(covered_communities(scenario, portfolio, year, reach)) / len(reach.community_ids)


def earliest_service_year(scenario: Scenario, cand: Candidate) -> int:
    """First year a candidate can be in service (the year after its earliest completion)."""
    if cand.cost_by_year:
        return Portfolio.completion_year(cand, min(cand.cost_by_year)) + 1
    start = cand.earliest_start if cand.earliest_start is not None else scenario.years[0]
    return start + max(1, cand.build_years)


def _servable_candidates(scenario: Scenario, reach: ReachMap, community_id: str,
                         year: int) -> list[Candidate]:
    return [scenario.candidate(k) for k in reach.candidates[community_id]
            if earliest_service_year(scenario, scenario.candidate(k)) <= year]


# -- evidence from the simulation ------------------------------------------------------------------

@dataclass(frozen=True)
class CommunityEvidence:
    """What the simulation saw in one community and year (means per open day)."""

    community_id: str
    year: int
    requests: float
    served: float
    turned_away: float  # requests not served anywhere (uncovered requests included)
    within_reach: bool  # some centre within reach


@dataclass(frozen=True)
class CoverageFigure:
    mean: float
    ci_low: float
    ci_high: float
    p_target_met: float | None = None

    def value(self, criterion: str) -> float:
        """The figure the criterion judges: the lower 95 % bound ("ci_low"; the mean when one
        replication gives no interval) or the mean."""
        if criterion == "ci_low" and not math.isnan(self.ci_low):
            return self.ci_low
        return self.mean

    def as_dict(self) -> dict[str, float | None]:
        return {"mean": self.mean, "ci_low": self.ci_low, "ci_high": self.ci_high,
                "p_target_met": self.p_target_met}


def _get(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def coverage_figures(sim_result: Any) -> dict[int, dict[str, CoverageFigure]]:
    """year → metric → figure, from a SimulationResult's coverage rows."""
    rows = _get(sim_result, "coverage") or []
    out: dict[int, dict[str, CoverageFigure]] = {}
    for r in rows:
        p = _get(r, "p_target_met")
        out.setdefault(int(_get(r, "year")), {})[str(_get(r, "metric"))] = CoverageFigure(
            float(_get(r, "mean")), float(_get(r, "ci_low")), float(_get(r, "ci_high")),
            None if p is None else float(p))
    return out


def community_evidence(sim_result: Any) -> dict[int, dict[str, CommunityEvidence]]:
    """year → community → evidence, from a SimulationResult's per-community rows."""
    rows = _get(sim_result, "community_load") or []
    out: dict[int, dict[str, CommunityEvidence]] = {}
    for r in rows:
        year = int(_get(r, "year"))
        req = float(_get(r, "requests", 0.0) or 0.0)
        served = float(_get(r, "served", 0.0) or 0.0)
        away = _get(r, "turned_away")
        away = req - served if away is None else float(away)
        wr = _get(r, "within_reach")
        out.setdefault(year, {})[str(_get(r, "community_id"))] = CommunityEvidence(
            str(_get(r, "community_id")), year, req, served, away,
            bool(int(wr)) if wr is not None else True)
    return out


# -- requirements ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Proposal:
    """A requirement the evidence asks for, with the visits per day at stake (its value)."""

    community_id: str
    year: int
    min_places: int
    reason: str  # "uncovered" or "turned_away"
    value: float  # visits per open day the requirement addresses
    detail: str  # a planner-readable sentence

    def as_dict(self) -> dict[str, Any]:
        return {"community_id": self.community_id, "year": self.year,
                "min_places": self.min_places, "reason": self.reason,
                "visits_per_day": self.value, "detail": self.detail}


def target_status(scenario: Scenario, cov: Mapping[int, Mapping[str, CoverageFigure]]
                  ) -> dict[int, dict[str, bool]]:
    """year → metric → met, by the scenario's criterion, for every target year."""
    t = scenario.targets.daycare_coverage
    crit = scenario.targets.criterion
    out: dict[int, dict[str, bool]] = {}
    for y in target_years(scenario):
        if y not in cov:
            raise InputError.one("scenario", "key targets.target_years", y,
                                 "target years that the simulation covers (simulation.years, "
                                 f"population.last_year); simulated: {sorted(cov)}")
        out[y] = {m: (m in cov[y] and cov[y][m].value(crit) >= t - 1e-12) for m in METRICS}
    return out


def _margin(fig: CoverageFigure, criterion: str) -> float:
    """How far the mean must sit above the target for the criterion to hold (the half-width of
    the interval under "ci_low")."""
    if criterion != "ci_low" or math.isnan(fig.ci_low):
        return 0.0
    return max(0.0, fig.mean - fig.ci_low)


def _added_places_within_reach(scenario: Scenario, reach: ReachMap, portfolio: Portfolio,
                               community_id: str, year: int) -> int:
    in_service = {c.id: c.daycare_places for c in portfolio.in_service(scenario, year)}
    return sum(in_service.get(k, 0) for k in reach.candidates[community_id])


def propose_requirements(
    scenario: Scenario, portfolio: Portfolio, cov: Mapping[int, Mapping[str, CoverageFigure]],
    evidence: Mapping[int, Mapping[str, CommunityEvidence]],
    current: Mapping[tuple[str, int], int], reach: ReachMap,
) -> tuple[list[Proposal], list[str]]:
    """New or raised requirements for every target year whose target is not met, ranked by the
    visits per day at stake; and sentences naming the gaps no candidate can serve."""
    t = scenario.targets.daycare_coverage
    crit = scenario.targets.criterion
    dc = scenario.daycare
    status = target_status(scenario, cov)
    props: dict[tuple[str, int], Proposal] = {}
    unservable: list[str] = []
    for year, met in status.items():
        ev = evidence.get(year, {})
        covered = covered_communities(scenario, portfolio, year, reach)
        n = len(reach.community_ids)
        # (1) communities without a centre within reach
        if not met["facility_coverage"] and n:
            fc = cov[year]["facility_coverage"]
            margin = _margin(fc, crit)
            need = math.ceil((t + margin) * n - 1e-9) - len(covered)
            uncovered = [c for c in reach.community_ids if c not in covered]
            servable = [c for c in uncovered if _servable_candidates(scenario, reach, c, year)]
            servable.sort(key=lambda c: (-(ev[c].requests if c in ev else 0.0), c))
            for cid in servable[:max(0, need)]:
                req = ev[cid].requests if cid in ev else 0.0
                if current.get((cid, year), 0) >= 1:
                    continue  # already required; the MILP must have placed it out of service
                props[(cid, year)] = Proposal(
                    cid, year, 1, "uncovered", req,
                    f"community {cid} has no centre within {dc.reach_km:g} km in {year} "
                    f"({req:.2f} visit requests per open day go unserved)")
            if len(servable) < need:
                unservable.append(
                    f"facility coverage {year}: {need} more communities must be covered but only "
                    f"{len(servable)} uncovered communities have a candidate with day-care places "
                    f"within {dc.reach_km:g} km that can open by {year}")
        # (2) communities that turn visits away
        if not met["service_coverage"] and ev:
            sc_fig = cov[year]["service_coverage"]
            margin = _margin(sc_fig, crit)
            allowed = max(0.005, 1.0 - t - margin)
            total_req = sum(e.requests for e in ev.values())
            total_served = sum(e.served for e in ev.values())
            gap_visits = (t + margin) * total_req - total_served
            ranked = sorted((e for e in ev.values()
                             if e.community_id in covered and e.turned_away > 1e-9),
                            key=lambda e: (-e.turned_away, e.community_id))
            # requests reaching each existing centre's communities, to share its places
            req_of = {c: e.requests for c, e in ev.items()}
            held = 0.0
            for e in ranked:
                if held >= gap_visits:
                    break
                cid = e.community_id
                if e.requests <= 0 or e.turned_away / e.requests <= allowed / 2:
                    continue
                cands = _servable_candidates(scenario, reach, cid, year)
                cap = sum(c.daycare_places for c in cands)
                load = offered_load(e.requests, dc.stay_hours_mean, dc.opening_hours)
                needed = erlang_places(load, allowed)
                share = 0.0
                for kid, places, oy in reach.centres[cid]:
                    if not _centre_open(oy, year):
                        continue
                    pool = sum(req_of.get(d, 0.0) for d in reach.centre_communities[kid])
                    share += places * (e.requests / pool if pool > 0 else 1.0)
                m = max(1, math.ceil(needed - share - 1e-9))
                have = _added_places_within_reach(scenario, reach, portfolio, cid, year)
                old = max(current.get((cid, year), 0), (props.get((cid, year)) or
                                                        Proposal("", 0, 0, "", 0, "")).min_places)
                if m <= max(old, have):
                    # sized requirement already met yet visits still turned away (shared
                    # places): ask for enough extra places to carry the lost load
                    lost = offered_load(e.turned_away, dc.stay_hours_mean, dc.opening_hours)
                    m = max(old, have) + max(1, erlang_places(lost, allowed))
                if cap <= max(old, have):
                    unservable.append(
                        f"service coverage {year}: community {cid} turns away "
                        f"{e.turned_away:.2f} visits per open day but every candidate within "
                        f"{dc.reach_km:g} km ({cap} places) is already required")
                    continue
                m = min(m, cap)
                held += e.turned_away
                prev = props.get((cid, year))
                value = e.turned_away + (prev.value if prev else 0.0)
                props[(cid, year)] = Proposal(
                    cid, year, max(m, prev.min_places if prev else 0), "turned_away", value,
                    f"community {cid} turns away {e.turned_away:.2f} of {e.requests:.2f} visit "
                    f"requests per open day in {year}; offered load {load:.2f} Erlangs needs "
                    f"{needed} places for ≤ {allowed:.1%} loss (Erlang B), about {share:.1f} "
                    f"existing places serve it")
            if held < gap_visits - 1e-9 and not ranked:
                unservable.append(
                    f"service coverage {year}: no covered community turns visits away; the "
                    "remaining gap is demand in communities without a centre within reach")
    ranked_props = sorted(props.values(), key=lambda p: (-p.value, p.year, p.community_id))
    return ranked_props, unservable


def protect_coverage(scenario: Scenario, portfolio: Portfolio, reach: ReachMap,
                     status: Mapping[int, Mapping[str, bool]]) -> list[Proposal]:
    """In target years whose facility coverage falls short, keep every community that the
    portfolio's own places cover (no existing centre within reach) covered: ≥ 1 place within
    reach. Without this, a requirement to cover one community could make the MILP drop the
    project that covered another, and coverage would not grow from round to round. The current
    portfolio meets these, so they never make the MILP infeasible on their own."""
    out = []
    for year, met in status.items():
        if met.get("facility_coverage", True):
            continue
        by_existing = covered_communities(scenario, None, year, reach)
        for cid in sorted(covered_communities(scenario, portfolio, year, reach) - by_existing):
            out.append(Proposal(cid, year, 1, "keep_covered", 0.0,
                                f"community {cid} is covered in {year} only by the portfolio's "
                                "places; keep it covered"))
    return out


# -- the loop --------------------------------------------------------------------------------------

@dataclass
class PlanIteration:
    """One solve → simulate round."""

    iteration: int
    portfolio: Portfolio
    objective: float
    total_cost: float
    spend_by_year: dict[int, float]
    added: list[str]
    removed: list[str]
    requirements_added: list[Proposal]
    requirements_dropped: list[Proposal]
    coverage_before: dict[int, dict[str, CoverageFigure]] | None
    coverage_after: dict[int, dict[str, CoverageFigure]]
    target_met: dict[int, dict[str, bool]]
    note: str = ""

    @property
    def met(self) -> bool:
        return all(all(v.values()) for v in self.target_met.values())


@dataclass
class PlanResult:
    """Everything `plan` found: the rounds, the final portfolio and the verdict."""

    scenario: Scenario
    iterations: list[PlanIteration]
    solve_result: Any  # SolveResult of the final portfolio
    simulation: Any  # SimulationResult of the final portfolio
    met: bool
    stop_reason: str  # met, no_candidate, no_change, budget_exhausted, max_iterations
    stop_detail: str
    requirements: list[Proposal]  # in force in the final solve
    unaffordable: list[Proposal] = field(default_factory=list)  # dropped for lack of money
    unservable: list[str] = field(default_factory=list)
    least_cost: Any = None  # LeastCostResult when the target was priced
    least_cost_error: str = ""
    extra_budget_by_year: dict[int, float] = field(default_factory=dict)
    least_cost_coverage: dict[int, dict[str, CoverageFigure]] | None = None
    least_cost_met: bool | None = None
    seed: int | None = None
    replications: int | None = None

    @property
    def final(self) -> PlanIteration:
        return self.iterations[-1]


STOP_TEXT = {
    "met": "the target is met",
    "no_candidate": "nothing more helps: no candidate can serve the remaining gaps",
    "no_change": "nothing more helps: the new requirements did not change the portfolio",
    "budget_exhausted": "the budget is exhausted: not even the most valuable new requirement "
                        "is affordable",
    "max_iterations": "the most rounds allowed (plan.max_iterations) were run",
}


def _requirements(props: Iterable[Proposal]):
    from facility_opt.solve.core import PlacesRequirement

    return tuple(PlacesRequirement(p.community_id, p.year, p.min_places) for p in props)


def _merge(kept: Mapping[tuple[str, int], Proposal], new: Iterable[Proposal]
           ) -> dict[tuple[str, int], Proposal]:
    out = dict(kept)
    for p in new:
        old = out.get((p.community_id, p.year))
        if old is None or p.min_places > old.min_places:
            out[(p.community_id, p.year)] = p
    return out


def _solve_with(scenario: Scenario, solver: str, reqs: Mapping[tuple[str, int], Proposal],
                price: bool = False):
    from facility_opt.solve.core import solve

    ordered = sorted(reqs.values(), key=lambda p: (p.year, p.community_id))
    return solve(scenario, solver=solver, requirements=_requirements(ordered),
                 price_infeasible=price)


def _simulate(scenario: Scenario, portfolio: Portfolio, replications: int | None,
              seed: int | None, workers: int, scheduler: str | None):
    from facility_opt.simulate.core import simulate

    return simulate(scenario, portfolio, replications=replications, seed=seed, workers=workers,
                    scheduler=scheduler)


def plan(scenario: Scenario, *, solver: str = "highs", replications: int | None = None,
         seed: int | None = None, workers: int = 1, scheduler: str | None = None,
         max_iterations: int | None = None) -> PlanResult:
    """Run the solve → simulate loop until the day-care target is met or nothing more helps.

    Raises InfeasibleError only when the first solve (no requirements) has no plan.
    """
    if not scenario.communities:
        raise InputError.one("scenario", "key data.communities", "",
                             "a communities table: plan tests day-care coverage, which needs "
                             "the communities")
    max_iter = max_iterations or scenario.plan.max_iterations
    seed = scenario.simulation.seed if seed is None else seed
    reach = reach_map(scenario)
    kept: dict[tuple[str, int], Proposal] = {}
    unaffordable: dict[tuple[str, int], Proposal] = {}
    iterations: list[PlanIteration] = []
    result = _solve_with(scenario, solver, kept, price=True)  # InfeasibleError: exit 3
    rounds = reporter().stage(f"plan {scenario.name}: at most {max_iter} solve → simulate rounds",
                              max_iter)  # closed after the loop, or by the CLI on an error
    sim = _simulate(scenario, result.portfolio, replications, seed, workers, scheduler)
    prev_cov = None
    added: list[Proposal] = []
    dropped: list[Proposal] = []
    prev_pf = Portfolio()
    stop, detail, unservable = "", "", []
    while True:
        pf: Portfolio = result.portfolio
        cov = coverage_figures(sim)
        status = target_status(scenario, cov)
        it = PlanIteration(
            iteration=len(iterations) + 1, portfolio=pf, objective=float(result.objective),
            total_cost=float(result.total_cost),
            spend_by_year={int(y): float(v) for y, v in dict(result.spend_by_year).items()},
            added=sorted(set(pf.starts) - set(prev_pf.starts)),
            removed=sorted(set(prev_pf.starts) - set(pf.starts)),
            requirements_added=added, requirements_dropped=dropped,
            coverage_before=prev_cov, coverage_after=cov, target_met=status)
        iterations.append(it)
        rounds.advance()
        if it.met:
            stop = "met"
            break
        props, unservable = propose_requirements(scenario, pf, cov, community_evidence(sim),
                                                 {k: p.min_places for k, p in kept.items()},
                                                 reach)
        if not props:
            stop = "no_candidate"
            detail = "; ".join(unservable) or "the evidence points at no requirement"
            break
        protect = [p for p in protect_coverage(scenario, pf, reach, status)
                   if (p.community_id, p.year) not in kept]
        if len(iterations) >= max_iter:
            stop = "max_iterations"
            detail = f"{len(props)} further requirements were found but not tried"
            unaffordable.update(_merge({}, props))
            break
        # every requirement the money can pay for, in rank order: one that cannot be afforded
        # (e.g. only a costly complex serves it) must not block cheaper ones ranked after it
        base = _merge(kept, protect)
        accepted: list[Proposal] = []
        skipped: list[Proposal] = []
        best = None
        try:
            best = _solve_with(scenario, solver, _merge(base, props))
            accepted = list(props)
        except InfeasibleError:
            for prop in props:
                try:
                    trial = _solve_with(scenario, solver, _merge(base, [*accepted, prop]))
                except InfeasibleError:
                    skipped.append(prop)
                    continue
                accepted.append(prop)
                best = trial
        if not accepted:
            stop = "budget_exhausted"
            unaffordable.update(_merge({}, props))
            detail = (f"{len(props)} requirement(s) found, the most valuable: "
                      f"{props[0].detail}")
            break
        added, dropped = [*accepted, *protect], skipped
        kept = _merge(kept, added)
        unaffordable = {k: v for k, v in unaffordable.items() if k not in kept}
        unaffordable.update(_merge({}, dropped))
        if best.portfolio.starts == pf.starts:
            stop = "no_change"
            detail = "the portfolio already satisfies the requirements the evidence gives"
            break
        prev_pf, prev_cov, result = pf, cov, best
        sim = _simulate(scenario, result.portfolio, replications, seed, workers, scheduler)
    rounds.close()
    out = PlanResult(scenario, iterations, result, sim, stop == "met", stop, detail,
                     sorted(kept.values(), key=lambda p: (p.year, p.community_id)),
                     sorted(unaffordable.values(), key=lambda p: (p.year, p.community_id)),
                     unservable, seed=seed, replications=replications)
    if not out.met and out.unaffordable:
        _price_target(out, solver, replications, seed, workers, scheduler)
    return out


def _price_target(out: PlanResult, solver: str, replications: int | None, seed: int | None,
                  workers: int, scheduler: str | None) -> None:
    """Least-cost budget (annual proportions) that pays for every requirement found; simulate
    that portfolio to say whether the extra money would meet the target."""
    from facility_opt.solve.core import least_cost

    sc = out.scenario
    every = _merge({(p.community_id, p.year): p for p in out.requirements}, out.unaffordable)
    ordered = sorted(every.values(), key=lambda p: (p.year, p.community_id))
    try:
        lc = least_cost(sc, solver=solver, requirements=_requirements(ordered))
    except InfeasibleError as err:
        out.least_cost_error = err.message
        return
    out.least_cost = lc
    out.extra_budget_by_year = {
        y: max(0.0, float(lc.budget_by_year.get(y, 0.0)) - float(sc.budget.annual.get(y, 0.0)))
        for y in sc.years}
    pf = getattr(lc.result, "portfolio", None)
    if pf is not None:
        sim = _simulate(sc, pf, replications, seed, workers, scheduler)
        cov = coverage_figures(sim)
        out.least_cost_coverage = cov
        status = target_status(sc, cov)
        out.least_cost_met = all(all(v.values()) for v in status.values())


# -- records and the command -----------------------------------------------------------------------

def _cov_dict(cov: Mapping[int, Mapping[str, CoverageFigure]] | None,
              years: Sequence[int]) -> dict[str, Any] | None:
    if cov is None:
        return None
    return {str(y): {m: f.as_dict() for m, f in sorted(cov.get(y, {}).items())} for y in years}


def plan_record(res: PlanResult) -> dict[str, Any]:
    """plan.json: every round, the requirements, why the loop stopped, and the verdict."""
    sc = res.scenario
    years = sorted({*target_years(sc), *(y for it in res.iterations
                                        for y in it.coverage_after)})
    rec: dict[str, Any] = {
        "scenario": sc.name,
        "budget_unit": sc.budget.unit,
        "target": sc.targets.daycare_coverage,
        "criterion": sc.targets.criterion,
        "target_years": list(target_years(sc)),
        "seed": res.seed,
        "met": res.met,
        "stop_reason": res.stop_reason,
        "stop_text": STOP_TEXT[res.stop_reason],
        "stop_detail": res.stop_detail,
        "verdict": verdict_text(res),
        "requirements": [p.as_dict() for p in res.requirements],
        "unaffordable_requirements": [p.as_dict() for p in res.unaffordable],
        "unservable_gaps": list(res.unservable),
        "iterations": [],
    }
    for it in res.iterations:
        rec["iterations"].append({
            "iteration": it.iteration,
            "objective": it.objective,
            "total_cost": it.total_cost,
            "spend_by_year": {str(y): v for y, v in sorted(it.spend_by_year.items())},
            "selected": sorted(it.portfolio.starts),
            "added": it.added,
            "removed": it.removed,
            "requirements_added": [p.as_dict() for p in it.requirements_added],
            "requirements_dropped": [p.as_dict() for p in it.requirements_dropped],
            "coverage_before": _cov_dict(it.coverage_before, years),
            "coverage_after": _cov_dict(it.coverage_after, years),
            "target_met": {str(y): v for y, v in sorted(it.target_met.items())},
            "met": it.met,
        })
    if res.least_cost is not None or res.least_cost_error:
        lc = res.least_cost
        rec["least_cost"] = {
            "error": res.least_cost_error or None,
            "scale": float(lc.scale) if lc is not None else None,
            "budget_by_year": ({str(y): float(v) for y, v in sorted(lc.budget_by_year.items())}
                               if lc is not None else None),
            "total": float(lc.total) if lc is not None else None,
            "extra_budget_by_year": {str(y): v for y, v in
                                     sorted(res.extra_budget_by_year.items())},
            "extra_budget_total": sum(res.extra_budget_by_year.values()),
            "coverage": _cov_dict(res.least_cost_coverage, years),
            "target_met": res.least_cost_met,
        }
    return rec


def format_coverage(f: CoverageFigure | None) -> str:
    if f is None:
        return "—"
    return f"{100 * f.mean:.1f} % [{100 * f.ci_low:.1f}, {100 * f.ci_high:.1f}]"


def verdict_text(res: PlanResult) -> str:
    """The one line a planner reads first: met or not, with what, at what cost, what is missing."""
    sc = res.scenario
    unit = sc.budget.unit
    fin = res.final
    ys = target_years(sc)
    crit = "lower 95 % bound" if sc.targets.criterion == "ci_low" else "mean"
    cov = "; ".join(
        f"{y}: facility {format_coverage(fin.coverage_after.get(y, {}).get('facility_coverage'))}, "
        f"service {format_coverage(fin.coverage_after.get(y, {}).get('service_coverage'))}" for y in ys)
    kinds: dict[str, int] = {}
    for c in sc.candidates:
        if c.id in fin.portfolio:
            kinds[c.kind] = kinds.get(c.kind, 0) + 1
    what = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())) or "no projects"
    cost = f"{fin.total_cost:,.0f} of {sc.budget.total:,.0f} {unit}"
    target = f"{100 * sc.targets.daycare_coverage:g} %"
    if res.met:
        return (f"TARGET MET ({crit} ≥ {target}) with {counted(len(fin.portfolio), 'project')} ({what}) "
                f"costing {cost} — {cov}")
    text = (f"TARGET NOT MET ({crit} ≥ {target}) after {len(res.iterations)} round(s): "
            f"{STOP_TEXT[res.stop_reason]}; best portfolio {counted(len(fin.portfolio), 'project')} ({what}) "
            f"costing {cost} — {cov}")
    if res.least_cost is not None:
        extra = ", ".join(f"{y} +{v:,.0f}" for y, v in sorted(res.extra_budget_by_year.items()))
        tot = sum(res.extra_budget_by_year.values())
        text += f". Extra budget needed ({unit}): {extra} (total +{tot:,.0f})"
        if res.least_cost_met is not None:
            text += (", simulated with it: target "
                     + ("met" if res.least_cost_met else "still not met"))
    elif res.least_cost_error:
        text += f". No budget pays for the requirements: {res.least_cost_error}"
    if res.unservable:
        text += ". Gaps no candidate can serve: " + "; ".join(res.unservable)
    return text


def write_plan_outputs(folder, res: PlanResult, *, lang: str = "auto") -> None:
    """Everything solve and simulate write for the final portfolio, plus plan.json and the
    coverage plot (plan.png / plan.svg)."""
    import json

    from facility_opt.report import maps, plots
    from facility_opt.simulate.core import write_simulation_outputs
    from facility_opt.solve.core import write_solve_outputs

    sc = res.scenario
    write_solve_outputs(folder, sc, res.solve_result, least=res.least_cost)
    write_simulation_outputs(folder, sc, res.simulation)
    record = plan_record(res)
    folder.write_json("plan.json", record)
    summary_path = folder.path / "summary.json"
    if summary_path.exists():
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
        summary["plan"] = {k: record[k] for k in ("met", "stop_reason", "verdict", "target",
                                                  "criterion", "target_years")}
        if "least_cost" in record:
            summary["plan"]["extra_budget_by_year"] = record["least_cost"]["extra_budget_by_year"]
        folder.write_json("summary.json", summary)
    labels = plots.plot_labels(lang)
    cov_path = folder.path / "coverage.csv"
    final = []
    if cov_path.exists():
        final = plots.coverage_data({sc.name: plots.read_csv_rows(cov_path)})
    plots.draw_plan(plots.plan_iterations_data(json.loads(
        (folder.path / "plan.json").read_text(encoding="utf-8"))), final, folder.path / "plan",
        title=sc.title or sc.name, labels=labels)
    maps.write_maps(folder.path, folder.path, lang=lang)  # map_city, map_<county> (.png, .svg)
