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
from dataclasses import dataclass
from typing import Any

from facility_opt.model.geometry import reach
from facility_opt.model.portfolio import Portfolio
from facility_opt.model.targets import CoverageVerdict, centre_open, covered_ids
from facility_opt.model.types import Scenario


@dataclass(frozen=True)
class Cut:
    """A community counts as covered in `year` only with ≥ `min_places` new day-care places
    within reach, in service by then: the simulation saw it turn away too many requests."""

    community_id: str
    year: int
    min_places: int
    round: int  # the round whose simulation asked for it
    requests_per_day: float
    turned_away_share: float  # in the simulation that asked for it
    new_places_then: int  # new places within reach in that round's portfolio
    sized_places: int  # what a day starting empty needs beyond the existing places within reach

    def as_dict(self) -> dict[str, Any]:
        return {"community_id": self.community_id, "year": self.year,
                "min_places": self.min_places, "round": self.round,
                "requests_per_day": self.requests_per_day,
                "turned_away_share": self.turned_away_share,
                "new_places_then": self.new_places_then, "sized_places": self.sized_places,
                "detail": self.detail}

    @property
    def detail(self) -> str:
        return (f"{self.community_id} turned away {100 * self.turned_away_share:.1f} % of its "
                f"{self.requests_per_day:.1f} requests a day in {self.year} with "
                f"{self.new_places_then} new places within reach; it counts as covered only "
                f"with ≥ {self.min_places}")


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
    from facility_opt.model.population import project_population
    from facility_opt.model.queueing import community_requests_per_day, day_start_sizings

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
        cids = sorted(covered_ids(scenario, portfolio, y, where) - effective)
        lams = [community_requests_per_day(scenario, cid, y, projection) for cid in cids]
        places = day_start_sizings(lams, scenario.daycare, limit)
        for cid, lam, size in zip(cids, lams, places, strict=True):
            now = new_places_within_reach(scenario, portfolio, cid, y, where)
            sized = max(0, size.places - existing_places_within_reach(scenario, cid, y, where))
            prev = cuts.get((cid, y))
            m = max(now + 1, sized, (prev.min_places + 1) if prev is not None else 0)
            out.append(Cut(cid, y, m, round_no, lam, shares.get(cid, (lam, 0.0))[1], now, sized))
    return out


def cut_constraints(scenario: Scenario, cuts: Iterable[Any]):
    """`extra_constraints` for the MILP: the cuts, each on the MILP's own covered indicator
    (`solve/coverage.py`, z_kt of the target row Σ_k z_kt ≥ required): a community with a cut
    of m places counts as covered in year t only when the selected projects in service add
    ≥ m new places within reach — m·z_kt ≤ Σ places·x. Conditional: the MILP may leave that
    community uncounted and cover another. A community the existing centres alone covered
    (z_kt the constant 1) gets an indicator of its own, tied into the target row."""
    import pulp

    from facility_opt.solve.coverage import serving
    from facility_opt.solve.solvers import new_var

    by_cut = sorted(((c.year, c.community_id), int(c.min_places)) for c in cuts)

    def add(model) -> None:
        terms = getattr(model, "coverage", None)
        if not by_cut or terms is None:
            return
        where = reach(scenario) if scenario.targets.coverage_basis == "reach" else None
        _, can_of = serving(scenario, where)
        comms = {m.id: k for k, m in enumerate(scenario.communities or ())}
        index = {c.id: i for i, c in enumerate(scenario.candidates)}
        for (y, cid), m in by_cut:
            if y not in terms.covered or cid not in comms:
                continue
            k = comms[cid]
            z = terms.covered[y].get(k, 0.0)
            if isinstance(z, float) and z <= 0:
                continue  # cannot count anyway
            pairs = [(model.x[i, o.start], float(scenario.candidates[i].daycare_places))
                     for i in (index[c] for c in can_of[cid]) for o in model.options[i]
                     if o.completion < y]
            if isinstance(z, float):  # covered by existing centres alone: give it an indicator
                z = new_var(model.problem, f"cut_cov_{k}_{y}", 0, 1, pulp.LpBinary)
                terms.covered[y][k] = z
                row = terms.target_rows.get(y)
                if row is not None:  # the constant 1 moves into the row as z
                    # by name: PuLP 4 no longer maps names to rows (`constraints` is a list)
                    con = model.problem.get_constraint_by_name(row)
                    con.addInPlace(pulp.LpAffineExpression([(z, 1.0)]))
                    con.constant -= 1.0  # the row's right-hand side grows by 1
            else:
                z.cat = pulp.LpBinary
            model.add_constraint(pulp.lpSum(a * v for v, a in pairs) - m * z >= 0,
                                 f"cut_places_{k}_{y}", "places cuts from the simulation",
                                 f"{cid} counts as covered in {y} only with ≥ {m} new places "
                                 "within reach (the simulation saw it turn too many away)")
    return add
