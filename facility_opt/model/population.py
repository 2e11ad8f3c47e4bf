"""Population projection: residents, residents aged 60+ and households per community and year.

The communities table holds the base-year *urban* population. The city's urban population in a
later year is urbanisation(year) × total residents(year); the growth of that urban population over
the base year is shared among communities, and the 60+ share of every community drifts upward.
Without a `[population]` table every year repeats the base-year figures. The rules are written up
in docs/simulation.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from facility_opt.errors import InputError
from facility_opt.model.types import Population, Scenario

MAX_PROJECTION_YEAR = 2035  # long-range vision year of the city's master plan
MAX_ELDERLY_SHARE = 0.95  # the drift never makes a community older than this


@dataclass(frozen=True)
class PopulationProjection:
    """Projected figures, community × year. Arrays are indexed [community, year index]."""

    years: tuple[int, ...]  # base_year .. last year, consecutive
    community_ids: tuple[str, ...]
    community_types: tuple[str, ...]
    counties: tuple[str, ...]
    population: np.ndarray  # residents
    elderly: np.ndarray  # residents aged 60+
    households: np.ndarray  # households
    urbanisation: np.ndarray  # share 0–1 of the city's residents living in towns, per year
    total_residents: np.ndarray  # city residents (urban + rural) implied by the path, per year
    projected: bool  # False: no [population] table, figures held at the base year

    def year_index(self, year: int) -> int:
        """Column of `year` in the arrays."""
        try:
            return self.years.index(int(year))
        except ValueError:
            raise KeyError(f"year {year} is outside the projection "
                           f"{self.years[0]}–{self.years[-1]}") from None

    def rows(self) -> Iterator[dict[str, Any]]:
        """Rows of population.csv, community by community, year by year (whole people)."""
        for i, cid in enumerate(self.community_ids):
            for j, year in enumerate(self.years):
                yield {
                    "community_id": cid,
                    "year": year,
                    "population": int(round(float(self.population[i, j]))),
                    "elderly": int(round(float(self.elderly[i, j]))),
                    "households": int(round(float(self.households[i, j]))),
                    "type": self.community_types[i],
                    "county": self.counties[i],
                }

    COLUMNS = ("community_id", "year", "population", "elderly", "households", "type", "county")


def interpolate_path(points: dict[int, float], years: list[int] | tuple[int, ...]) -> np.ndarray:
    """Linear interpolation of a year → value path; flat before its first and after its last
    year (extend the path with a later point, e.g. 2035, to project further growth)."""
    xs = sorted(points)
    ys = [float(points[x]) for x in xs]
    return np.interp(np.asarray(years, dtype=float), np.asarray(xs, dtype=float), ys)


def projection_years(scenario: Scenario, extra_years: tuple[int, ...] = ()) -> tuple[int, ...]:
    """base_year .. last year, where the last year is population.last_year (default: the last
    funding year), extended to cover `extra_years` (e.g. the simulated years)."""
    base = base_year(scenario)
    last = max(scenario.years)
    if scenario.population is not None and scenario.population.last_year is not None:
        last = scenario.population.last_year
    if extra_years:
        last = max(last, max(extra_years))
    if last < base:
        raise InputError.one(_source(scenario), "population.last_year", last,
                             f"a year at or after the base year {base}")
    if last > MAX_PROJECTION_YEAR:
        raise InputError.one(_source(scenario), "population.last_year", last,
                             f"a year up to {MAX_PROJECTION_YEAR}")
    return tuple(range(base, last + 1))


def base_year(scenario: Scenario) -> int:
    """Year of the communities table's figures (horizon.base_year; without it the first
    funding year, which only works when populations are held fixed)."""
    if scenario.base_year is not None:
        return int(scenario.base_year)
    if scenario.population is not None:
        raise InputError.one(_source(scenario), "horizon.base_year", "",
                             "the year of the communities table's figures (needed by the "
                             "[population] projection)")
    return int(min(scenario.years))


def project_population(scenario: Scenario, extra_years: tuple[int, ...] = ()
                       ) -> PopulationProjection:
    """Project every community from the base year to the last year (see the module docstring)."""
    if not scenario.communities:
        raise InputError.one(_source(scenario), "data.communities", "",
                             "a communities table (needed to project population and simulate)")
    years = projection_years(scenario, extra_years)
    comms = scenario.communities
    n_c, n_y = len(comms), len(years)
    pop0 = np.array([float(c.population) for c in comms])
    eld0 = np.array([float(c.elderly) for c in comms])
    hh0 = np.array([float(c.households) for c in comms])
    types = tuple(c.type for c in comms)
    p = scenario.population
    if p is None:
        pop = np.repeat(pop0[:, None], n_y, axis=1)
        eld = np.repeat(eld0[:, None], n_y, axis=1)
        hh = np.repeat(hh0[:, None], n_y, axis=1)
        urb = np.full(n_y, np.nan)
        total = np.full(n_y, np.nan)
    else:
        _check_population(scenario, p)
        urb = interpolate_path(p.urbanisation, years)
        steps = np.arange(n_y, dtype=float)
        # Residents of the whole city implied by the communities' urban total and the base
        # year's urbanisation rate, following the total trend.
        total = pop0.sum() / urb[0] * (1.0 + p.total_growth_per_year) ** steps
        urban = urb * total
        growth = urban - pop0.sum()  # residents gained (or lost) by the communities vs base year
        weights = np.array([p.growth_weights.get(t, 1.0) for t in types]) * pop0
        if weights.sum() <= 0:
            weights = pop0.copy()
        share_gain = weights / weights.sum() if weights.sum() > 0 else np.full(n_c, 1.0 / n_c)
        share_loss = pop0 / pop0.sum() if pop0.sum() > 0 else np.full(n_c, 1.0 / n_c)
        pop = np.empty((n_c, n_y))
        for j in range(n_y):
            share = share_gain if growth[j] >= 0 else share_loss
            pop[:, j] = pop0 + growth[j] * share
        elderly_share0 = np.divide(eld0, pop0, out=np.zeros(n_c), where=pop0 > 0)
        share = elderly_share0[:, None] + p.elderly_share_drift_per_year * steps[None, :]
        # capped (a community already older than the cap keeps its own share), never negative
        cap = np.maximum(MAX_ELDERLY_SHARE, elderly_share0)[:, None]
        share = np.minimum(np.maximum(share, 0.0), cap)
        eld = share * pop
        ratio = np.divide(pop, pop0[:, None], out=np.ones_like(pop), where=pop0[:, None] > 0)
        hh = hh0[:, None] * ratio
    return PopulationProjection(
        years=years,
        community_ids=tuple(c.id for c in comms),
        community_types=types,
        counties=tuple(c.county for c in comms),
        population=pop,
        elderly=eld,
        households=hh,
        urbanisation=urb,
        total_residents=total,
        projected=p is not None,
    )


def _check_population(scenario: Scenario, p: Population) -> None:
    """Values the projection cannot work with (the loader checks types; these are ranges)."""
    src = _source(scenario)
    if not p.urbanisation:
        raise InputError.one(src, "population.urbanisation", "{}",
                             "at least one year = share, e.g. { 2020 = 0.5311, 2025 = 0.60 }")
    for year, share in p.urbanisation.items():
        if not (0.0 < float(share) <= 1.0):
            raise InputError.one(src, f"population.urbanisation.{year}", share,
                                 "a share above 0 and at most 1")
    if not (-0.5 < p.total_growth_per_year < 0.5):
        raise InputError.one(src, "population.total_growth_per_year", p.total_growth_per_year,
                             "a yearly growth rate between -0.5 and 0.5 (e.g. -0.0024)")
    for t, w in p.growth_weights.items():
        if float(w) < 0:
            raise InputError.one(src, f"population.growth_weights.{t}", w, "a weight ≥ 0")


def _source(scenario: Scenario) -> str:
    return scenario.source.name if scenario.source else f"scenario {scenario.name}"
