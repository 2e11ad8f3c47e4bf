"""The numbers each plot draws, read from results files: a `*_data` function per plot turns
CSV rows (as read by `read_csv_rows`) or `plan.json` into a typed record — exactly what is drawn,
so a test can hold it against the CSVs."""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# -- reading results files --------------------------------------------------------------------

def read_csv_rows(path: str | Path) -> list[dict[str, str]]:
    """Rows of a results CSV as dicts of text cells (header order kept)."""
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def to_float(text: Any) -> float | None:
    """A CSV cell as a number; blank (or missing) is None."""
    if text is None:
        return None
    if isinstance(text, (int, float)):
        return float(text)
    s = str(text).strip()
    if not s:
        return None
    return float(s)


# -- data: coverage trajectories ----------------------------------------------------------------

@dataclass(frozen=True)
class CoverageSeries:
    """One metric of one scenario over the simulated years (shares 0–1)."""

    scenario: str
    metric: str  # facility_coverage, service_coverage, ...
    years: list[int]
    mean: list[float]
    ci_low: list[float]
    ci_high: list[float]


# effective coverage is what the target is judged on when targets.max_turned_away < 1: drawn
# whenever the simulation wrote it, so no figure shows plain coverage above the line alone
COVERAGE_METRICS = ("facility_coverage", "effective_coverage", "service_coverage")


def coverage_data(coverage_by_scenario: Mapping[str, Sequence[Mapping[str, str]]],
                  metrics: Sequence[str] = COVERAGE_METRICS) -> list[CoverageSeries]:
    """Coverage trajectories with their 95 % confidence bands, from each scenario's coverage.csv.

    One series per (scenario, metric), years ascending; scenarios without rows for a metric are
    left out of that metric.
    """
    out = []
    for metric in metrics:
        for name, rows in coverage_by_scenario.items():
            picked = sorted((int(r["year"]), r) for r in rows if r.get("metric") == metric)
            if not picked:
                continue
            out.append(CoverageSeries(
                scenario=name, metric=metric, years=[y for y, _ in picked],
                mean=[to_float(r["mean"]) for _, r in picked],
                ci_low=[to_float(r["ci_low"]) for _, r in picked],
                ci_high=[to_float(r["ci_high"]) for _, r in picked],
            ))
    return out


# -- data: spend against budget -----------------------------------------------------------------

@dataclass(frozen=True)
class SpendData:
    """Spend and budget by funding year for each scenario (budget unit)."""

    scenarios: list[str]
    years: list[int]
    spend: dict[str, list[float | None]]  # scenario → per year (None: year not in that scenario)
    budget: dict[str, list[float | None]]


def spend_data(spend_by_scenario: Mapping[str, Sequence[Mapping[str, str]]]) -> SpendData:
    """Spend and budget per year from each scenario's spend.csv (columns year, budget, spend)."""
    years = sorted({int(r["year"]) for rows in spend_by_scenario.values() for r in rows})
    spend: dict[str, list[float | None]] = {}
    budget: dict[str, list[float | None]] = {}
    for name, rows in spend_by_scenario.items():
        by_year = {int(r["year"]): r for r in rows}
        spend[name] = [to_float(by_year[y]["spend"]) if y in by_year else None for y in years]
        budget[name] = [to_float(by_year[y]["budget"]) if y in by_year else None for y in years]
    return SpendData(list(spend_by_scenario), years, spend, budget)


# -- data: which projects, when -----------------------------------------------------------------

@dataclass(frozen=True)
class SelectionMatrix:
    """Projects (rows) × scenarios (columns): start year of each chosen project, None if not."""

    scenarios: list[str]
    project_ids: list[str]
    project_labels: list[str]  # "id name (kind)"
    project_kinds: list[str]
    start_year: list[list[int | None]]  # [project][scenario]

    @property
    def years(self) -> list[int]:
        return sorted({y for row in self.start_year for y in row if y is not None})


def selection_data(selection_by_scenario: Mapping[str, Sequence[Mapping[str, str]]],
                   *, only_chosen: bool = True) -> SelectionMatrix:
    """What each scenario funds and when, from each scenario's selection.csv.

    Projects keep the order of the first file they appear in; with `only_chosen`, projects that
    no scenario funds are left out (they would be empty rows).
    """
    order: list[str] = []
    labels: dict[str, str] = {}
    kinds: dict[str, str] = {}
    starts: dict[str, dict[str, int | None]] = {}
    for name, rows in selection_by_scenario.items():
        starts[name] = {}
        for r in rows:
            pid = r["id"]
            if pid not in labels:
                order.append(pid)
                kind = r.get("kind", "")
                kinds[pid] = kind
                labels[pid] = f"{pid} {r.get('name', '')}".strip() + (f" ({kind})" if kind else "")
            chosen = str(r.get("selected", "0")).strip() in ("1", "1.0", "true", "True")
            sy = r.get("start_year", "")
            starts[name][pid] = int(float(sy)) if chosen and sy not in ("", None) else None
    names = list(selection_by_scenario)
    ids = [p for p in order
           if not only_chosen or any(starts[n].get(p) is not None for n in names)]
    return SelectionMatrix(names, ids, [labels[p] for p in ids], [kinds[p] for p in ids],
                           [[starts[n].get(p) for n in names] for p in ids])


# -- data: benefit against cost -----------------------------------------------------------------

@dataclass(frozen=True)
class BenefitCost:
    """Each scenario's objective against its total cost (budget unit)."""

    scenarios: list[str]
    total_cost: list[float | None]
    objective: list[float | None]
    budget_total: list[float | None]


def benefit_cost_data(compare_rows: Sequence[Mapping[str, str]]) -> BenefitCost:
    """Benefit against cost from compare.csv (columns scenario, total_cost, objective,
    budget_total)."""
    return BenefitCost(
        [r["scenario"] for r in compare_rows],
        [to_float(r.get("total_cost")) for r in compare_rows],
        [to_float(r.get("objective")) for r in compare_rows],
        [to_float(r.get("budget_total")) for r in compare_rows],
    )


# -- data: the plan loop ------------------------------------------------------------------------

@dataclass(frozen=True)
class PlanIterations:
    """Coverage in the target year after each solve → simulate round of `plan`."""

    target_year: int
    target: float
    iterations: list[int]
    metrics: dict[str, dict[str, list[float | None]]]  # metric → {mean, ci_low, ci_high}
    total_cost: list[float | None]


def plan_iterations_data(plan_record: Mapping[str, Any]) -> PlanIterations:
    """Per-iteration coverage in the first target year, from plan.json."""
    year = int(plan_record["target_years"][0])
    iters = plan_record["iterations"]
    metrics: dict[str, dict[str, list[float | None]]] = {}
    for m in COVERAGE_METRICS:
        metrics[m] = {k: [] for k in ("mean", "ci_low", "ci_high")}
        for it in iters:
            cov = (it.get("coverage_after") or {}).get(str(year), {}).get(m) or {}
            for k in ("mean", "ci_low", "ci_high"):
                metrics[m][k].append(to_float(cov.get(k)))
    return PlanIterations(year, float(plan_record["target"]),
                          [int(it["iteration"]) for it in iters], metrics,
                          [to_float(it.get("total_cost")) for it in iters])
