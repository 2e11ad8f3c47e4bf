"""From a scenario and a portfolio to the engine's input (`SimulationInput`): the years simulated,
the demand model, the centres in service each year and which centres each community may use.
Checked here, so a bad key or table row is one clear message before any replication runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from facility_opt.errors import InputError, Problem
from facility_opt.model.geometry import Reach, reach
from facility_opt.model.population import PopulationProjection, base_year
from facility_opt.model.portfolio import Portfolio
from facility_opt.model.types import Scenario
from facility_opt.scenario.schema import ARRIVAL_PROFILES, STAY_DISTRIBUTIONS
from facility_opt.simulate.engine import (
    DemandModel,
    SimulationInput,
    build_year,
)


def simulation_years(scenario: Scenario) -> tuple[int, ...]:
    """simulation.years, or the base year and every funding year."""
    if scenario.simulation.years:
        return tuple(sorted(set(int(y) for y in scenario.simulation.years)))
    return tuple(sorted({base_year(scenario), *scenario.years}))


def demand_model(scenario: Scenario, days: int) -> DemandModel:
    """The `[daycare]` table as the engine needs it, checked."""
    d = scenario.daycare
    src = source_name(scenario)
    checks = [
        ("daycare.opening_hours", d.opening_hours, d.opening_hours > 0, "hours > 0"),
        ("daycare.stay_hours_mean", d.stay_hours_mean, d.stay_hours_mean > 0, "hours > 0"),
        ("daycare.stay_hours_cv", d.stay_hours_cv, d.stay_hours_cv >= 0, "a number ≥ 0"),
        ("daycare.reach_km", d.reach_km, d.reach_km >= 0, "km ≥ 0"),
        ("daycare.stay_distribution", d.stay_distribution,
         d.stay_distribution in STAY_DISTRIBUTIONS, " or ".join(STAY_DISTRIBUTIONS)),
        ("daycare.arrival_profile", d.arrival_profile,
         d.arrival_profile in ARRIVAL_PROFILES, " or ".join(ARRIVAL_PROFILES)),
    ]
    problems = [Problem(src, f"key {k}", repr(v) if isinstance(v, str) else str(v), exp)
                for k, v, ok, exp in checks if not ok]
    if problems:
        raise InputError(problems)
    return DemandModel(opening_hours=float(d.opening_hours), arrival_profile=d.arrival_profile,
                       stay_distribution=d.stay_distribution,
                       stay_hours_mean=float(d.stay_hours_mean),
                       stay_hours_cv=float(d.stay_hours_cv), sampled_days=int(days))


def centres_in_service(scenario: Scenario, portfolio: Portfolio, year: int
                       ) -> list[dict[str, Any]]:
    """Centres open in `year`: centres.csv (by opening_year) and the sites the portfolio adds
    (a project's daycare_places from the year after its completion, at its community)."""
    from facility_opt.scenario.loading import candidate_position

    rows = []
    for c in scenario.centres or ():
        if c.opening_year is None or c.opening_year <= year:
            rows.append({"centre_id": c.id, "source": "existing", "community_id": c.community_id,
                         "x_km": float(c.x_km), "y_km": float(c.y_km), "places": int(c.places),
                         "first_year": c.opening_year})
    existing = {c.id for c in scenario.centres or ()}
    for cid, places in sorted(portfolio.added_places(scenario, year).items()):
        cand = scenario.candidate(cid)
        pos = candidate_position(scenario, cand)
        if pos is None:
            raise InputError.one(_table(scenario, "candidates"), f"row {cand.row}, column community_id",
                                 cand.community_id or "",
                                 f"the community of {cid} (it adds {places} day-care places, "
                                 "which need a position to be reached)")
        if cid in existing:
            raise InputError.one(_table(scenario, "candidates"), f"row {cand.row}, column id", cid,
                                 "a project id not also used as a centre id in centres.csv")
        rows.append({"centre_id": cid, "source": "portfolio", "community_id": cand.community_id,
                     "x_km": pos[0], "y_km": pos[1], "places": int(places),
                     "first_year": Portfolio.completion_year(cand, portfolio.starts[cid]) + 1})
    return rows


def routing(where: Reach, rows: list[dict[str, Any]]) -> list[tuple[int, ...]]:
    """Per community (communities-table order), the indices of the centres in service `rows`
    within reach, in the order a visitor tries them: least travel first, ties by centre id."""
    per: dict[str, list[tuple[float, str, int]]] = {k: [] for k in where.community_ids}
    for j, r in enumerate(rows):
        table = where.centres if r["source"] == "existing" else where.candidates
        for k, t in table.get(r["centre_id"], ()):
            per[k].append((t, r["centre_id"], j))
    return [tuple(j for _, _, j in sorted(per[k])) for k in where.community_ids]


def check_simulation_tables(scenario: Scenario) -> None:
    """The tables a simulation needs (exit 2 naming the key): checked before long work starts."""
    if not scenario.communities:
        raise InputError.one(source_name(scenario), "key data.communities", "",
                             "a communities table (simulate needs where the elderly live)")
    if scenario.centres is None:
        raise InputError.one(source_name(scenario), "key data.centres", "",
                             "a centres table (existing day-care centres; may have no rows)")


def build_simulation(scenario: Scenario, portfolio: Portfolio, projection: PopulationProjection,
                     years: tuple[int, ...], days: int, exact_shortcut: bool = True
                     ) -> tuple[SimulationInput, dict[int, list[dict[str, Any]]]]:
    """The engine's input and, per year, the centres in service."""
    check_simulation_tables(scenario)
    model = demand_model(scenario, days)
    comms = scenario.communities
    where = reach(scenario)
    rate = np.array([scenario.daycare.visits_rate(c.type) for c in comms], dtype=float)
    setups = []
    centres_by_year = {}
    for y in years:
        rows = centres_in_service(scenario, portfolio, y)
        centres_by_year[y] = rows
        lam = rate * projection.elderly[:, projection.year_index(y)]
        setups.append(build_year(y, lam, routing(where, rows), [r["centre_id"] for r in rows],
                                 [r["places"] for r in rows]))
    sim = SimulationInput(model=model, community_ids=tuple(c.id for c in comms),
                          years=tuple(setups), exact_shortcut=exact_shortcut)
    return sim, centres_by_year



def _table(scenario: Scenario, role: str) -> str:
    """The file name of a scenario table, for messages."""
    path = scenario.input_files.get(role)
    return Path(path).name if path else f"{role} table"


def source_name(scenario: Scenario) -> str:
    return scenario.source.name if scenario.source else f"scenario {scenario.name}"
