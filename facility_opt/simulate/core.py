"""`facility-opt simulate`: does a portfolio keep the day-care coverage promise, year by year?

Public API (the CLI calls `run_simulate`; notebooks and `plan` call `simulate`):

- `simulate(scenario, portfolio)` → `SimulationResult` (coverage with 95 % intervals, centre load,
  per-community load, per-replication raw results, the population projection);
- `read_portfolio(path, scenario)` reads a `selection.csv`;
- `write_simulation_outputs(folder, scenario, result)` writes the result files.

The model is described in docs/simulation.md; the engine is `facility_opt.simulate.engine`.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from facility_opt.errors import InputError, Problem
from facility_opt.model.geometry import Reach, reach
from facility_opt.model.population import PopulationProjection, base_year, project_population
from facility_opt.model.portfolio import Portfolio
from facility_opt.model.types import Scenario
from facility_opt.scenario.schema import ARRIVAL_PROFILES, STAY_DISTRIBUTIONS
from facility_opt.simulate.engine import (
    DemandModel,
    ReplicationOutcome,
    SimulationInput,
    build_year,
    simulate_replication,
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
SELECTION_COLUMNS = ("id", "name", "kind", "selected", "start_year", "cost")


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
    simpy_share: float = 0.0  # share of visits with a centre in reach that ran through SimPy
    precision: float | None = None  # --precision: the 95 % half-width aimed at (None: fixed count)
    half_width: float | None = None  # widest 95 % half-width of any reported indicator
    precision_met: bool | None = None  # half_width ≤ precision (None without --precision)
    # (the rest could not meet a full centre and were tallied directly)
    _by_key: dict[tuple[int, str], dict[str, Any]] = field(default_factory=dict, repr=False)

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


# --------------------------------------------------------------------------------------------
# Building the simulation
# --------------------------------------------------------------------------------------------
def simulation_years(scenario: Scenario) -> tuple[int, ...]:
    """simulation.years, or the base year and every funding year."""
    if scenario.simulation.years:
        return tuple(sorted(set(int(y) for y in scenario.simulation.years)))
    return tuple(sorted({base_year(scenario), *scenario.years}))


def demand_model(scenario: Scenario, days: int) -> DemandModel:
    """The `[daycare]` table as the engine needs it, checked."""
    d = scenario.daycare
    src = _source(scenario)
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


def build_simulation(scenario: Scenario, portfolio: Portfolio, projection: PopulationProjection,
                     years: tuple[int, ...], days: int, exact_shortcut: bool = True
                     ) -> tuple[SimulationInput, dict[int, list[dict[str, Any]]]]:
    """The engine's input and, per year, the centres in service."""
    if not scenario.communities:
        raise InputError.one(_source(scenario), "key data.communities", "",
                             "a communities table (simulate needs where the elderly live)")
    if scenario.centres is None:
        raise InputError.one(_source(scenario), "key data.centres", "",
                             "a centres table (existing day-care centres; may have no rows)")
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
             max_replications: int | None = None) -> SimulationResult:
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
    """
    from facility_opt.executor import run_tasks

    portfolio = portfolio if portfolio is not None else Portfolio()
    sim_cfg = scenario.simulation
    replications = int(replications if replications is not None else sim_cfg.replications)
    seed = int(seed if seed is not None else sim_cfg.seed)
    days = int(days if days is not None else sim_cfg.sampled_days)
    src = _source(scenario)
    for key, value in (("simulation.replications", replications),
                       ("simulation.sampled_days", days)):
        if value < 1:
            raise InputError.one(src, f"key {key}", value, "a whole number ≥ 1")
    if seed < 0:
        raise InputError.one(src, "key simulation.seed", seed, "a whole number ≥ 0")
    years = simulation_years(scenario)
    projection = project_population(scenario, years)
    if years[0] < projection.years[0]:
        raise InputError.one(src, "key simulation.years", years[0],
                             f"years from the base year {projection.years[0]} on")
    sim, centres_by_year = build_simulation(scenario, portfolio, projection, years, days,
                                            exact_shortcut)
    cap = check_precision(src, precision, max_replications, replications)
    root = np.random.SeedSequence(seed)  # spawn() continues the children: r-th stream is fixed
    outcomes: list[ReplicationOutcome] = []
    batch = replications
    while True:
        streams = root.spawn(batch)
        tasks = [(sim, streams[k], len(outcomes) + k) for k in range(batch)]
        outcomes += run_tasks(_replication_task, tasks, workers=workers, scheduler=scheduler,
                              description=f"simulating {scenario.name}: {batch} replications",
                              progress=progress)
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


def _t_interval(values: np.ndarray) -> tuple[float, float, float]:
    """Mean and 95 % t-interval across replications. Equal values (a quantity that does not
    depend on the random draws) give a collapsed interval; one replication gives no interval
    (NaN bounds) unless the value is known to be deterministic."""
    from scipy.stats import t

    n = len(values)
    if np.ptp(values) == 0.0 and n >= 2:
        return float(values[0]), float(values[0]), float(values[0])
    mean = float(np.mean(values))
    if n < 2:
        return mean, math.nan, math.nan
    sd = float(np.std(values, ddof=1))
    half = float(t.ppf(0.975, n - 1)) * sd / math.sqrt(n)
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
        simpy_share=simpy_visits / total_visits if total_visits else 0.0)


# --------------------------------------------------------------------------------------------
# Portfolio from a selection.csv
# --------------------------------------------------------------------------------------------
def read_portfolio(path: str | Path, scenario: Scenario) -> Portfolio:
    """The funded projects and start years of a `selection.csv` (written by solve or plan, or
    edited by hand). Every problem is reported with the file, row, column and value."""
    path = Path(path)
    label = path.name
    if not path.is_file():
        raise InputError.one(str(path), "--portfolio", str(path),
                             "an existing selection.csv (as written by facility-opt solve)")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = path.read_bytes().decode("gb18030")
        except UnicodeDecodeError:
            raise InputError.one(label, "", "undecodable bytes",
                                 "a CSV file in UTF-8 or GB18030") from None
    rows = list(csv.reader(text.splitlines()))
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise InputError.one(label, "", "an empty file",
                             "a header with at least the columns id, selected, start_year")
    header = [h.strip() for h in rows[0]]
    missing = [c for c in ("id", "selected", "start_year") if c not in header]
    if missing:
        raise InputError.one(label, "header", ",".join(header),
                             "the columns id, selected and start_year (missing: "
                             + ", ".join(missing) + ")")
    col = {name: header.index(name) for name in ("id", "selected", "start_year")}
    known = {c.id: c for c in scenario.candidates}
    problems: list[Problem] = []
    starts: dict[str, int] = {}
    seen: dict[str, int] = {}
    years = sorted(scenario.years)
    for n, row in enumerate(rows[1:], start=1):
        if not any(cell.strip() for cell in row):
            continue
        cells = [(row[col[k]].strip() if col[k] < len(row) else "") for k in col]
        cid, sel, start = cells
        where = f"row {n}"
        if cid not in known:
            problems.append(Problem(label, f"{where}, column id", repr(cid),
                                    f"a candidate id of scenario {scenario.name}"))
            continue
        if cid in seen:
            problems.append(Problem(label, f"{where}, column id", repr(cid),
                                    f"each id once (also on row {seen[cid]})"))
            continue
        seen[cid] = n
        if sel not in ("0", "1", ""):
            problems.append(Problem(label, f"{where}, column selected", repr(sel), "0 or 1"))
            continue
        if sel != "1":
            continue
        cand = known[cid]
        if start == "" and cand.cost_by_year:
            spend = [y for y, v in cand.cost_by_year.items() if v]
            start = str(min(spend)) if spend else ""
        try:
            year = int(float(start)) if start != "" else None
            if year is not None and float(start) != year:
                raise ValueError
        except ValueError:
            year = -1
        lo = cand.earliest_start if cand.earliest_start is not None else years[0]
        hi = cand.latest_start if cand.latest_start is not None else years[-1]
        if year is None or not (lo <= year <= hi):
            problems.append(Problem(label, f"{where}, column start_year", repr(start),
                                    f"the year {cid} starts, from {lo} to {hi}"))
            continue
        starts[cid] = year
    if problems:
        raise InputError(problems)
    return Portfolio(starts=starts)


def selection_rows(scenario: Scenario, portfolio: Portfolio) -> list[dict[str, Any]]:
    """selection.csv rows (contract columns) for a portfolio."""
    return [{"id": c.id, "name": c.name, "kind": c.kind, "selected": int(c.id in portfolio),
             "start_year": portfolio.starts.get(c.id), "cost": float(c.cost)}
            for c in scenario.candidates]


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------
def write_simulation_outputs(folder, scenario: Scenario, result: SimulationResult) -> None:
    """coverage.csv, centre_load.csv, community_load.csv, population.csv, replications.csv,
    centres_used.csv, scenario.json and the simulation's manifest entries."""
    from facility_opt.results.folder import scenario_manifest, scenario_record

    folder.write_csv("coverage.csv", COVERAGE_COLUMNS, result.coverage)
    folder.write_csv("centre_load.csv", CENTRE_LOAD_COLUMNS, result.centre_load)
    folder.write_csv("community_load.csv", COMMUNITY_LOAD_COLUMNS, result.community_load)
    folder.write_csv("population.csv", PopulationProjection.COLUMNS, result.projection.rows())
    folder.write_csv("replications.csv", REPLICATION_COLUMNS, result.replication_rows)
    folder.write_csv("centres_used.csv", CENTRES_USED_COLUMNS, result.centres_used)
    folder.write_json("scenario.json", scenario_record(scenario))
    folder.manifest.update(scenario_manifest(scenario))
    folder.manifest["simulation"] = {
        "seed": result.seed, "replications": result.replications, "sampled_days": result.days,
        "workers": result.workers, "years": list(result.years),
        "precision": result.precision, "precision_met": result.precision_met,
        "widest_half_width": result.half_width,
        "streams": "numpy SeedSequence(seed).spawn(replications); per replication, year and "
                   "community: spawn_key (replication, year, community key)",
    }
    folder.manifest["seed"] = result.seed
    folder.manifest["replications"] = result.replications


def _table(scenario: Scenario, role: str) -> str:
    """The file name of a scenario table, for messages."""
    path = scenario.input_files.get(role)
    return Path(path).name if path else f"{role} table"


def _source(scenario: Scenario) -> str:
    return scenario.source.name if scenario.source else f"scenario {scenario.name}"
