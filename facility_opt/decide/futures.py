"""`facility-opt futures`: how likely a portfolio is to meet the coverage target across plausible
futures of the inputs, and which input decides it.

The `[uncertainty]` table gives, for each uncertain input, a `[low, high]` range or a list of
choices. The futures are a Latin hypercube over them (scipy.stats.qmc; a choice input takes each
of its k choices in 1/k of the strata, so evenly). Each future is the scenario with those inputs
replaced, simulated in the target years with the scenario's own seed — the futures share their
random draws (common random numbers), so two futures differ only by their inputs, and a future
whose inputs equal the scenario's *is* a plain `simulate`. Futures run through the executor
(`--workers`, `--scheduler`) and are collected in future order: byte-identical files for any
worker count.

The deciding inputs come from an exact search over simple rules (one condition, or two on
different inputs: `x > t`, `x ≤ t` with t at a midpoint between sampled values, or `x = choice`),
scored by coverage × density of the failing futures (PRIM's two measures). With a few inputs and
64–1,000 futures every such rule can be scored outright, so no heuristic search (or extra
library) is needed and the answer is reproducible.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from facility_opt.errors import InputError
from facility_opt.model.portfolio import Portfolio
from facility_opt.model.targets import target_years
from facility_opt.model.types import Scenario

PAIR_GAIN = 0.05  # a two-condition rule must beat the best single condition by this score


# --------------------------------------------------------------------------------------------
# Sampling the futures
# --------------------------------------------------------------------------------------------
def sample_futures(scenario: Scenario, n: int, seed: int) -> list[dict[str, Any]]:
    """`n` futures: input name → value, from a Latin hypercube with `seed`."""
    unc = scenario.uncertainty
    inputs = unc.inputs
    if not inputs:
        return [{} for _ in range(n)]
    from scipy.stats import qmc

    u = qmc.LatinHypercube(d=len(inputs), rng=np.random.default_rng(seed)).random(n)
    out = []
    for row in u:
        f: dict[str, Any] = {}
        for j, name in enumerate(inputs):
            if name in unc.ranges:
                lo, hi = unc.ranges[name]
                f[name] = float(lo + row[j] * (hi - lo)) if hi > lo else float(lo)
            else:
                ch = unc.choices[name]
                f[name] = ch[min(int(row[j] * len(ch)), len(ch) - 1)]
        out.append(f)
    return out


def future_scenario(scenario: Scenario, inputs: dict[str, Any]) -> Scenario:
    """The scenario with a future's inputs put in place."""
    d, pop = scenario.daycare, scenario.population
    if "visits_scale" in inputs:
        s = float(inputs["visits_scale"])
        d = replace(d, visits_per_elderly_per_day=d.visits_per_elderly_per_day * s,
                    visits_by_type={k: v * s for k, v in d.visits_by_type.items()})
    if "stay_hours_mean" in inputs:
        d = replace(d, stay_hours_mean=float(inputs["stay_hours_mean"]))
    if "stay_distribution" in inputs:
        d = replace(d, stay_distribution=str(inputs["stay_distribution"]))
    if "urbanisation_final" in inputs:
        path = dict(pop.urbanisation)
        path[max(path)] = float(inputs["urbanisation_final"])
        pop = replace(pop, urbanisation=path)
    if "elderly_share_drift" in inputs:
        pop = replace(pop, elderly_share_drift_per_year=float(inputs["elderly_share_drift"]))
    return replace(scenario, daycare=d, population=pop)


# --------------------------------------------------------------------------------------------
# Result
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Condition:
    input: str
    op: str  # ">", "<=", "="
    value: Any

    def text(self) -> str:
        if self.input == "stay_distribution" and self.op == "=":
            return f"stays are {self.value}"
        v = self.value if isinstance(self.value, str) else f"{self.value:.3g}"
        return f"{self.input} {'≤' if self.op == '<=' else self.op} {v}"

    def record(self) -> dict[str, Any]:
        return {"input": self.input, "op": self.op, "value": self.value}


@dataclass(frozen=True)
class Rule:
    """Futures inside the box: where the plan fails. coverage = failing futures inside / all
    failing futures; density = failing futures inside / futures inside."""

    conditions: tuple[Condition, ...]
    coverage: float
    density: float
    inside: int

    def text(self) -> str:
        return " and ".join(c.text() for c in self.conditions)

    def record(self) -> dict[str, Any]:
        return {"conditions": [c.record() for c in self.conditions], "text": self.text(),
                "coverage": self.coverage, "density": self.density, "futures_inside": self.inside}


@dataclass
class FuturesResult:
    scenario: str
    seed: int
    simulation_seed: int
    replications: int
    days: int
    inputs: tuple[str, ...]
    years: tuple[int, ...]
    target: float
    rows: list[dict[str, Any]]  # futures.csv rows
    rule: Rule | None = None
    ranking: list[dict[str, Any]] = field(default_factory=list)  # per input: its best condition
    # per future, per failed target year: communities within reach that turned away too many
    failing: list[dict[int, tuple[str, ...]]] = field(default_factory=list, repr=False)

    @property
    def futures(self) -> int:
        return len(self.rows)

    @property
    def met_count(self) -> int:
        return sum(int(r["met"]) for r in self.rows)

    @property
    def p_met(self) -> float:
        return self.met_count / self.futures if self.futures else math.nan

    @property
    def interval(self) -> tuple[float, float]:
        return wilson_interval(self.met_count, self.futures)

    @property
    def columns(self) -> tuple[str, ...]:
        per_year = [f"{m}_{y}" for y in self.years
                    for m in ("facility_coverage", "effective_coverage", "met")]
        return ("future", *self.inputs, *per_year, "met")

    def verdict(self) -> str:
        """One sentence a planner can repeat."""
        k, n = self.met_count, self.futures
        lo, hi = self.interval
        head = (f"meets the target in {k} of {n} futures ({k / n:.0%}, "
                f"{lo:.0%}–{hi:.0%} at 95 %)")
        if k == n:
            return head + "; it did not fail in any sampled future"
        if k == 0:
            return head + "; it fails in every sampled future"
        if self.rule is None:
            return head
        return head + f"; it fails when {self.rule.text()}"

    def robustness(self) -> dict[str, Any]:
        lo, hi = self.interval
        return {"p_met": self.p_met, "p_met_ci95": [lo, hi], "interval": "Wilson score, 95 %",
                "met": self.met_count, "futures": self.futures, "seed": self.seed,
                "simulation_seed": self.simulation_seed, "replications": self.replications,
                "sampled_days": self.days, "target": self.target, "target_years": list(self.years),
                "inputs": list(self.inputs), "verdict": self.verdict(),
                "fails_when": self.rule.record() if self.rule else None,
                "deciding_inputs": self.ranking,
                "method": "exact search over rules of one condition or two on different inputs "
                          "(thresholds at midpoints between sampled values), scored by coverage "
                          "× density of the failing futures"}


def wilson_interval(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson score interval for a binomial share k/n."""
    if n == 0:
        return math.nan, math.nan
    p = k / n
    den = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    lo = 0.0 if k == 0 else max(0.0, centre - half)
    hi = 1.0 if k == n else min(1.0, centre + half)
    return lo, hi


# --------------------------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------------------------
def _future_task(task: tuple[Scenario, Portfolio, int, int]
                 ) -> tuple[dict[str, Any], dict[int, tuple[str, ...]]]:
    """One future simulated: its futures.csv columns, and per target year the communities within
    reach that turned away too many (what `plan --robust` cuts on)."""
    from facility_opt.model.targets import covered_ids, judge_simulated
    from facility_opt.simulate.core import simulate

    sc, pf, reps, days = task
    res = simulate(sc, pf, replications=reps, days=days, progress=False)
    verdicts = judge_simulated(sc, pf, res)  # the one judgement, as plan and compare use
    out: dict[str, Any] = {}
    failing: dict[int, tuple[str, ...]] = {}
    ok = True
    for y in res.years:
        met = bool(verdicts[y].met) if y in verdicts else res.met(y, res.judged_metric)
        ok = ok and met
        out[f"facility_coverage_{y}"] = res.coverage_row(y, "facility_coverage")["mean"]
        out[f"effective_coverage_{y}"] = res.coverage_row(y, "effective_coverage")["mean"]
        out[f"met_{y}"] = int(met)
        if not met:
            failing[y] = tuple(sorted(covered_ids(sc, pf, y) - res.effective_ids(y)))
    out["met"] = int(ok)
    return out, failing


def simulate_futures(base: Scenario, portfolio: Portfolio, sampled: list[dict[str, Any]], *,
                     replications: int, days: int, workers: int = 1,
                     scheduler: str | None = None, description: str = "futures",
                     progress: bool = True
                     ) -> list[tuple[dict[str, Any], dict[int, tuple[str, ...]]]]:
    """`portfolio` simulated in every sampled future of `base` (whose simulation years are the
    target years), in future order, through the executor."""
    from facility_opt.executor import run_tasks

    tasks = [(future_scenario(base, f), portfolio, replications, days) for f in sampled]
    return run_tasks(_future_task, tasks, workers=workers, scheduler=scheduler,
                     description=description, progress=progress)


@dataclass(frozen=True)
class FuturesSetup:
    """The sampled futures of a scenario, checked: what `futures` and `plan --robust` share."""

    futures: int
    seed: int
    days: int
    years: tuple[int, ...]
    base: Scenario  # the scenario simulated in its target years
    sampled: list[dict[str, Any]]  # per future: input name → value


def futures_setup(scenario: Scenario, *, futures: int | None = None, seed: int | None = None,
                  replications: int = 1, days: int | None = None) -> FuturesSetup:
    """Check the `[uncertainty]` table and the options, and draw the futures."""
    unc = scenario.uncertainty
    n = int(futures if futures is not None else unc.futures)
    seed = int(seed if seed is not None else unc.seed)
    src = scenario.source.name if scenario.source else f"scenario {scenario.name}"
    if n < 1:
        raise InputError.one(src, "key uncertainty.futures", n, "a whole number ≥ 1")
    if replications < 1:
        raise InputError.one("command line", "--replications", replications, "a whole number ≥ 1")
    if not unc.inputs:
        raise InputError.one(src, "[uncertainty]", "no uncertain inputs",
                             "an [uncertainty] table with at least one of urbanisation_final, "
                             "elderly_share_drift, visits_scale, stay_hours_mean, "
                             "stay_distribution")
    for key in ("urbanisation_final", "elderly_share_drift"):
        if key in unc.inputs and scenario.population is None:
            raise InputError.one(src, f"key uncertainty.{key}", str(unc.ranges[key]),
                                 "a [population] table too (the projection this key varies)")
    years = target_years(scenario)
    days = int(days if days is not None else scenario.simulation.sampled_days)
    base = replace(scenario, simulation=replace(scenario.simulation, years=years))
    return FuturesSetup(n, seed, days, years, base, sample_futures(scenario, n, seed))


def futures_result(scenario: Scenario, setup: FuturesSetup, replications: int,
                   outcomes: list[tuple[dict[str, Any], Any]]) -> FuturesResult:
    """futures.csv rows, P(met) and the deciding inputs of simulated futures."""
    rows = [{"future": i + 1, **f, **o}
            for i, (f, (o, _)) in enumerate(zip(setup.sampled, outcomes, strict=True))]
    unc = scenario.uncertainty
    result = FuturesResult(scenario=scenario.name, seed=setup.seed,
                           simulation_seed=scenario.simulation.seed, replications=replications,
                           days=setup.days, inputs=unc.inputs, years=setup.years,
                           target=float(scenario.targets.daycare_coverage), rows=rows,
                           failing=[fails for _, fails in outcomes])
    failed = np.array([not r["met"] for r in rows])
    result.rule, result.ranking = deciding_inputs(rows, unc.inputs, failed)
    return result


def run_futures(scenario: Scenario, portfolio: Portfolio, *, futures: int | None = None,
                seed: int | None = None, replications: int = 1, days: int | None = None,
                workers: int = 1, scheduler: str | None = None,
                progress: bool = True) -> FuturesResult:
    """Simulate `portfolio` in every sampled future of `scenario`'s `[uncertainty]` table."""
    setup = futures_setup(scenario, futures=futures, seed=seed, replications=replications,
                          days=days)
    outcomes = simulate_futures(setup.base, portfolio, setup.sampled, replications=replications,
                                days=setup.days, workers=workers, scheduler=scheduler,
                                description=f"futures of {scenario.name}", progress=progress)
    return futures_result(scenario, setup, replications, outcomes)


FUTURES_PLOT = "futures"  # futures.png / .svg


def write_futures_files(folder, result: FuturesResult, *, title: str, lang: str = "auto") -> None:
    """futures.csv, robustness.json and the futures on their two decisive inputs (PNG, SVG):
    what `futures` and `plan --robust` write of the futures they simulated."""
    from facility_opt.report.futures_plot import decisive_pair, draw_futures

    folder.write_csv("futures.csv", result.columns, result.rows)
    folder.write_json("robustness.json", result.robustness())
    rule_inputs = [c.input for c in result.rule.conditions] if result.rule else []
    draw_futures(result.rows, decisive_pair(result.inputs, result.ranking, rule_inputs),
                 folder.path / FUTURES_PLOT, title=title, verdict=result.verdict(), lang=lang)


# --------------------------------------------------------------------------------------------
# Which inputs decide it
# --------------------------------------------------------------------------------------------
def _conditions(rows: list[dict[str, Any]], inputs: tuple[str, ...]
                ) -> tuple[list[Condition], np.ndarray]:
    conds: list[Condition] = []
    masks: list[np.ndarray] = []
    for name in inputs:
        vals = [r[name] for r in rows]
        if isinstance(vals[0], str):
            for c in sorted(set(vals)):
                conds.append(Condition(name, "=", c))
                masks.append(np.array([v == c for v in vals]))
            continue
        x = np.asarray(vals, dtype=float)
        distinct = np.unique(x)
        for t in (distinct[1:] + distinct[:-1]) / 2:
            t = float(f"{t:.3g}") if np.all((x > float(f"{t:.3g}")) == (x > t)) else float(t)
            for op, m in ((">", x > t), ("<=", x <= t)):
                conds.append(Condition(name, op, t))
                masks.append(m)
    return conds, np.array(masks, dtype=bool).reshape(len(conds), len(rows))


def deciding_inputs(rows: list[dict[str, Any]], inputs: tuple[str, ...], failed: np.ndarray
                    ) -> tuple[Rule | None, list[dict[str, Any]]]:
    """The rule (≤ 2 conditions) that best isolates the failing futures, and every input ranked
    by its best single condition. Score = coverage × density = TP² / (failures × inside)."""
    n_fail = int(failed.sum())
    if n_fail == 0 or n_fail == len(rows):
        return None, []
    conds, m = _conditions(rows, inputs)
    if not conds:
        return None, []
    f = failed.astype(float)
    mi = m.astype(float)
    tp1, in1 = mi @ f, mi.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        s1 = np.where(in1 > 0, tp1 ** 2 / (n_fail * in1), 0.0)
    best1 = int(np.argmax(s1))  # first maximum: schema order of inputs, then threshold order
    tp2 = (mi * f) @ mi.T
    in2 = mi @ mi.T
    same = np.array([[a.input == b.input for b in conds] for a in conds])
    with np.errstate(divide="ignore", invalid="ignore"):
        s2 = np.where((in2 > 0) & ~same, tp2 ** 2 / (n_fail * in2), 0.0)
    s2 = np.triu(s2, 1)
    i, j = np.unravel_index(int(np.argmax(s2)), s2.shape)

    def rule(idx: tuple[int, ...]) -> Rule:
        inside = np.logical_and.reduce([m[k] for k in idx])
        tp = int((inside & failed).sum())
        return Rule(tuple(conds[k] for k in idx), tp / n_fail,
                    tp / int(inside.sum()) if inside.any() else 0.0, int(inside.sum()))

    best = rule((best1,))
    if s2[i, j] >= s1[best1] + PAIR_GAIN:
        best = rule((int(i), int(j)))
    ranking = []
    for name in inputs:
        ks = [k for k, c in enumerate(conds) if c.input == name]
        if not ks:
            continue
        k = max(ks, key=lambda q: (s1[q], -q))
        r = rule((k,))
        ranking.append({"input": name, "best_condition": conds[k].text(), "score": float(s1[k]),
                        "coverage": r.coverage, "density": r.density})
    ranking.sort(key=lambda r: -r["score"])
    return best, ranking
