"""`facility-opt simulate`: does a portfolio keep the day-care coverage promise, year by year?

Public API (the CLI calls `run_simulate`; notebooks and `plan` call `simulate`):

- `simulate(scenario, portfolio)` → `SimulationResult` (coverage with 95 % intervals, centre load,
  per-community load, per-replication raw results, the population projection);
- `read_portfolio(path, scenario)` reads a `selection.csv`;
- `write_simulation_outputs(folder, scenario, result)` writes the result files.

The model is described in docs/simulation.md; the engine is `facility_opt.simulate.engine`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from facility_opt.errors import InputError
from facility_opt.lazy import lazy_getattr
from facility_opt.model.population import PopulationProjection, project_population
from facility_opt.model.portfolio import Portfolio
from facility_opt.model.types import Scenario
from facility_opt.simulate.engine import (
    ReplicationOutcome,
    SimulationInput,
    simulate_replication,
)
from facility_opt.simulate.inputs import (  # noqa: F401  (re-exported: simulate.core paths)
    build_simulation,
    centres_in_service,
    demand_model,
    routing,
    simulation_years,
    source_name,
)
from facility_opt.simulate.portfolio_file import (  # noqa: F401  (re-exported)
    SELECTION_COLUMNS,
    read_portfolio,
    selection_rows,
)
from facility_opt.simulate.precision import (
    PRECISION_BATCH,
    check_precision,
    widest_half_width,
)

METRICS = ("facility_coverage", "facility_coverage_population", "service_coverage",
           "effective_coverage")
COVERAGE_COLUMNS = ("year", "metric", "mean", "ci_low", "ci_high", "p_target_met")
CENTRE_LOAD_COLUMNS = ("centre_id", "year", "requests", "served", "turned_away", "utilisation",
                       "places")
COMMUNITY_LOAD_COLUMNS = ("community_id", "year", "within_reach", "requests", "served",
                          "turned_away", "turned_away_share", "effectively_covered")
REPLICATION_COLUMNS = ("replication", "year", "requests", "served", "turned_away",
                       "not_in_reach", "facility_coverage", "facility_coverage_population",
                       "service_coverage", "effective_coverage")
CENTRES_USED_COLUMNS = ("centre_id", "source", "community_id", "x_km", "y_km", "places",
                        "first_year")


# --------------------------------------------------------------------------------------------
# Result
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CommunityLoad:
    """Mean visit requests per open day of one community in one year, and their fate."""

    requests: float
    served: float
    turned_away: float  # not served anywhere (includes requests with no centre in reach)
    within_reach: bool
    turned_away_share: float = 0.0  # turned away / requests
    effectively_covered: bool = False  # within reach and share ≤ targets.max_turned_away


@dataclass
class SimulationResult:
    """Everything `simulate` found. Rows are plain dicts keyed by the CSV column names."""

    scenario: str
    years: tuple[int, ...]
    replications: int
    seed: int
    days: int
    workers: int
    target: float
    projection: PopulationProjection
    coverage: list[dict[str, Any]]
    centre_load: list[dict[str, Any]]
    community_load: list[dict[str, Any]]
    replication_rows: list[dict[str, Any]]
    centres_used: list[dict[str, Any]]
    criterion: str = "ci_low"  # targets.criterion: how `met` judges the target
    max_turned_away: float = 1.0  # targets.max_turned_away: the effective-coverage limit
    simpy_share: float = 0.0  # share of visits in reach run through the loss network (not shortcut)
    precision: float | None = None  # --precision: the 95 % half-width aimed at (None: fixed count)
    half_width: float | None = None  # widest 95 % half-width of any reported indicator
    precision_met: bool | None = None  # half_width ≤ precision (None without --precision)
    # (the rest could not meet a full centre and were tallied directly)
    _by_key: dict[tuple[int, str], dict[str, Any]] = field(default_factory=dict, repr=False)
    # each replication's per-year totals (what `simulate(reuse=…)` extends to more years)
    _outcomes: list[ReplicationOutcome] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self._by_key = {(r["year"], r["metric"]): r for r in self.coverage}

    def coverage_row(self, year: int, metric: str = "facility_coverage") -> dict[str, Any]:
        try:
            return self._by_key[(int(year), metric)]
        except KeyError:
            raise KeyError(f"no {metric} for {year}; simulated years: {self.years}") from None

    def met(self, year: int, metric: str = "facility_coverage",
            criterion: str | None = None) -> bool:
        """Is the day-care target met in `year`? criterion (default: the scenario's
        targets.criterion) "ci_low": the lower 95 % bound is at or above the target (with one
        replication there is no interval and the mean is used); "mean": the mean is."""
        criterion = criterion or self.criterion
        row = self.coverage_row(year, metric)
        value = row["mean"]
        if criterion == "ci_low" and not math.isnan(row["ci_low"]):
            value = row["ci_low"]
        elif criterion not in ("ci_low", "mean"):
            raise ValueError(f"criterion {criterion!r}: expected 'ci_low' or 'mean'")
        return bool(value >= self.target - 1e-12)

    def community(self, year: int) -> dict[str, CommunityLoad]:
        """Community id → its mean load per open day in `year` (for the plan loop)."""
        return {r["community_id"]: CommunityLoad(r["requests"], r["served"], r["turned_away"],
                                                 bool(r["within_reach"]), r["turned_away_share"],
                                                 bool(r["effectively_covered"]))
                for r in self.community_load if r["year"] == int(year)}

    @property
    def judged_metric(self) -> str:
        """The metric the coverage target is judged on: effective coverage when
        targets.max_turned_away is below 1, else plain facility coverage."""
        return "effective_coverage" if self.max_turned_away < 1.0 else "facility_coverage"

    def effective_ids(self, year: int) -> set[str]:
        """Communities effectively covered in `year`: within reach and turning away at most
        targets.max_turned_away of their requests, judged on the mean over every replication
        and sampled day (the `effectively_covered` column of community_load.csv)."""
        return {r["community_id"] for r in self.community_load
                if r["year"] == int(year) and r["effectively_covered"]}

    def __repr__(self) -> str:
        lines = [f"SimulationResult({self.scenario}: {self.replications} replications × "
                 f"{self.days} days, seed {self.seed})"]
        for y in self.years:
            parts = []
            for m in METRICS:
                r = self.coverage_row(y, m)
                parts.append(f"{m} {r['mean']:.3f}")
            lines.append(f"  {y}: " + ", ".join(parts))
        return "\n".join(lines)


def _replication_task(task: tuple[SimulationInput, np.random.SeedSequence, int]
                      ) -> ReplicationOutcome:
    sim, ss, r = task
    return simulate_replication(sim, ss, r)


# --------------------------------------------------------------------------------------------
# simulate
# --------------------------------------------------------------------------------------------
def simulate(scenario: Scenario, portfolio: Portfolio | None = None, *,
             replications: int | None = None, seed: int | None = None, days: int | None = None,
             workers: int = 1, scheduler: str | None = None, progress: bool = True,
             exact_shortcut: bool = True, precision: float | None = None,
             max_replications: int | None = None,
             years: Sequence[int] | None = None,
             reuse: SimulationResult | None = None) -> SimulationResult:
    """Simulate day-care visits for every simulated year with the centres of `scenario` plus the
    places `portfolio` adds (None: existing centres only).

    Replication r uses the r-th child of `SeedSequence(seed)`; results do not depend on
    `workers` or `scheduler`. `exact_shortcut=False` runs every visit through SimPy (same
    results, slower; kept for tests and benchmarks).

    `precision` (a share, e.g. 0.005): a sequential stopping rule — after the first
    `replications`, more are run in batches of `PRECISION_BATCH` until the 95 % t-interval of
    every reported indicator has a half-width ≤ `precision`, or `max_replications` (default
    `precision.MAX_REPLICATIONS`) are done (docs/simulation.md, "How many replications").
    Replication r
    still uses the r-th child of the seed, so the result equals a fixed run of the same count,
    whatever `workers`.

    `years`: only these of the simulated years (e.g. `plan`'s rounds, which judge the target
    years). Each year's visits come from streams keyed by the year and each day starts empty,
    so a year's figures are the same whether or not the other years are simulated with it.
    `reuse`: an earlier result of the same scenario and portfolio with the same seed,
    replications and days (e.g. for fewer `years`): its years are taken from it, the others
    simulated, and the whole summarised as one run — the same result as simulating every year.
    """
    from facility_opt.executor import run_tasks

    portfolio = portfolio if portfolio is not None else Portfolio()
    sim_cfg = scenario.simulation
    replications = int(replications if replications is not None else sim_cfg.replications)
    seed = int(seed if seed is not None else sim_cfg.seed)
    days = int(days if days is not None else sim_cfg.sampled_days)
    src = source_name(scenario)
    only = None if years is None else {int(y) for y in years}
    for key, value in (("simulation.replications", replications),
                       ("simulation.sampled_days", days)):
        if value < 1:
            raise InputError.one(src, f"key {key}", value, "a whole number ≥ 1")
    if seed < 0:
        raise InputError.one(src, "key simulation.seed", seed, "a whole number ≥ 0")
    years = simulation_years(scenario)
    if only is not None:
        years = tuple(y for y in years if y in only) or years
    projection = project_population(scenario, years)
    if years[0] < projection.years[0]:
        raise InputError.one(src, "key simulation.years", years[0],
                             f"years from the base year {projection.years[0]} on")
    sim, centres_by_year = build_simulation(scenario, portfolio, projection, years, days,
                                            exact_shortcut)
    cap = check_precision(src, precision, max_replications, replications)
    known = _reusable(reuse, seed, replications, days, precision)
    run = sim
    if known:
        run = replace(sim, years=tuple(ys for ys in sim.years if ys.year not in known))
    root = np.random.SeedSequence(seed)  # spawn() continues the children: r-th stream is fixed
    outcomes: list[ReplicationOutcome] = []
    batch = replications
    while True:
        streams = root.spawn(batch)
        tasks = [(run, streams[k], len(outcomes) + k) for k in range(batch)]
        new = (run_tasks(_replication_task, tasks, workers=workers, scheduler=scheduler,
                         description=f"simulating {scenario.name}: {batch} replications",
                         progress=progress) if run.years else
               [ReplicationOutcome(len(outcomes) + k) for k in range(batch)])
        if known:
            new = [_merged(out, run, reuse, sim) for out in new]
        outcomes += new
        result = _summarise(scenario, projection, sim, centres_by_year, outcomes, seed, days,
                            workers)
        result.half_width = widest_half_width(result.coverage)
        if precision is None:
            return result
        result.precision = float(precision)
        result.precision_met = (result.half_width is not None
                                and result.half_width <= precision + 1e-15)
        if result.precision_met or len(outcomes) >= cap:
            return result
        batch = min(PRECISION_BATCH, cap - len(outcomes))


def _reusable(reuse: SimulationResult | None, seed: int, replications: int, days: int,
              precision: float | None) -> set[int]:
    """The years of `reuse` a new run can take as they are (none unless it was drawn alike)."""
    if reuse is None or precision is not None or not reuse._outcomes:
        return set()
    if (reuse.seed, reuse.replications, reuse.days) != (seed, replications, days):
        raise ValueError("simulate(reuse=…) needs a result with the same seed, replications "
                         "and days")
    return set(reuse.years)


def _merged(out: ReplicationOutcome, run: SimulationInput, reuse: SimulationResult,
            sim: SimulationInput) -> ReplicationOutcome:
    """One replication's years: the new run's and `reuse`'s, in `sim`'s year order."""
    by_year = dict(zip((ys.year for ys in run.years), out.years, strict=True))
    old = reuse._outcomes[out.replication]
    by_year.update(zip(reuse.years, old.years, strict=True))
    return ReplicationOutcome(out.replication, [by_year[ys.year] for ys in sim.years])


def _t_interval(values: np.ndarray) -> tuple[float, float, float]:
    """Mean and 95 % t-interval across replications. Equal values (a quantity that does not
    depend on the random draws) give a collapsed interval; one replication gives no interval
    (NaN bounds) unless the value is known to be deterministic."""
    from scipy.special import stdtrit  # t quantile: scipy.stats.t.ppf's value, 1 s less import

    n = len(values)
    if np.ptp(values) == 0.0 and n >= 2:
        return float(values[0]), float(values[0]), float(values[0])
    mean = float(np.mean(values))
    if n < 2:
        return mean, math.nan, math.nan
    sd = float(np.std(values, ddof=1))
    half = float(stdtrit(n - 1, 0.975)) * sd / math.sqrt(n)
    return mean, mean - half, mean + half


def _summarise(scenario: Scenario, projection: PopulationProjection, sim: SimulationInput,
               centres_by_year: dict[int, list[dict[str, Any]]],
               outcomes: list[ReplicationOutcome], seed: int, days: int,
               workers: int) -> SimulationResult:
    from facility_opt.simulate.effective import effectively_covered, turned_away_share

    target = float(scenario.targets.daycare_coverage)
    limit = float(scenario.targets.max_turned_away)
    reps = len(outcomes)
    coverage: list[dict[str, Any]] = []
    centre_load: list[dict[str, Any]] = []
    community_load: list[dict[str, Any]] = []
    rep_rows: list[dict[str, Any]] = []
    simpy_visits = total_visits = 0
    hours = sim.model.opening_hours
    for j, ys in enumerate(sim.years):
        within = ys.within_reach
        pop = projection.population[:, projection.year_index(ys.year)]
        fc = float(within.mean())
        fcp = float(pop[within].sum() / pop.sum()) if pop.sum() > 0 else fc
        per_metric: dict[str, list[float]] = {m: [] for m in METRICS}
        comm_req = np.zeros(len(within))
        comm_srv = np.zeros(len(within))
        n_k = len(ys.centre_ids)
        c_req, c_srv, c_util = np.zeros(n_k), np.zeros(n_k), np.zeros(n_k)
        for out in outcomes:
            yo = out.years[j]
            req, srv = int(yo.community_requests.sum()), int(yo.community_served.sum())
            sc = srv / req if req else 1.0
            ec = float(effectively_covered(within, yo.community_requests, yo.community_served,
                                           limit).mean())
            per_metric["facility_coverage"].append(fc)
            per_metric["facility_coverage_population"].append(fcp)
            per_metric["service_coverage"].append(sc)
            per_metric["effective_coverage"].append(ec)
            rep_rows.append({
                "replication": out.replication, "year": ys.year,
                "requests": req / days, "served": srv / days, "turned_away": (req - srv) / days,
                "not_in_reach": float(yo.community_requests[~within].sum()) / days,
                "facility_coverage": fc, "facility_coverage_population": fcp,
                "service_coverage": sc, "effective_coverage": ec,
            })
            comm_req += yo.community_requests
            comm_srv += yo.community_served
            c_req += yo.centre_requests
            c_srv += yo.centre_served
            with np.errstate(divide="ignore", invalid="ignore"):
                c_util += np.where(ys.places > 0,
                                   yo.centre_place_hours / (ys.places * hours * days), 0.0)
            simpy_visits += yo.simpy_visits
            total_visits += int(yo.community_requests[within].sum())
        for m in METRICS:
            vals = np.asarray(per_metric[m])
            mean, lo, hi = _t_interval(vals)
            if m.startswith("facility_"):  # fixed by the centres in service: no sampling error
                lo = hi = mean
            coverage.append({"year": ys.year, "metric": m, "mean": mean, "ci_low": lo,
                             "ci_high": hi,
                             "p_target_met": float(np.mean(vals >= target - 1e-12))})
        scale = 1.0 / (reps * days)
        for k, cid in enumerate(ys.centre_ids):
            centre_load.append({"centre_id": cid, "year": ys.year,
                                "requests": c_req[k] * scale, "served": c_srv[k] * scale,
                                "turned_away": (c_req[k] - c_srv[k]) * scale,
                                "utilisation": c_util[k] / reps, "places": int(ys.places[k])})
        share = turned_away_share(comm_req, comm_srv)
        effective = effectively_covered(within, comm_req, comm_srv, limit)
        for i, cid in enumerate(sim.community_ids):
            community_load.append({"community_id": cid, "year": ys.year,
                                   "within_reach": bool(within[i]),
                                   "requests": comm_req[i] * scale,
                                   "served": comm_srv[i] * scale,
                                   "turned_away": (comm_req[i] - comm_srv[i]) * scale,
                                   "turned_away_share": float(share[i]),
                                   "effectively_covered": int(effective[i])})
    centre_load.sort(key=lambda r: (r["centre_id"], r["year"]))
    community_load.sort(key=lambda r: (r["community_id"], r["year"]))
    rep_rows.sort(key=lambda r: (r["replication"], r["year"]))
    used: dict[str, dict[str, Any]] = {}
    for y in sorted(centres_by_year):
        for r in centres_by_year[y]:
            if r["centre_id"] not in used:
                used[r["centre_id"]] = dict(r, first_year=r["first_year"] or y)
    return SimulationResult(
        scenario=scenario.name, years=tuple(ys.year for ys in sim.years), replications=reps,
        seed=seed, days=days, workers=workers, target=target, projection=projection,
        coverage=coverage, centre_load=centre_load, community_load=community_load,
        replication_rows=rep_rows, centres_used=[used[k] for k in sorted(used)],
        criterion=scenario.targets.criterion, max_turned_away=limit,
        simpy_share=simpy_visits / total_visits if total_visits else 0.0,
        _outcomes=list(outcomes))



# write_simulation_outputs lives in simulate/outputs.py (it reads this module's column contract);
# still importable from here, loaded on first use
__getattr__ = lazy_getattr("facility_opt.simulate.core",
                           {"write_simulation_outputs": "facility_opt.simulate.outputs"})
