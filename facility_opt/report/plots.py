"""Plots for plan, frontier and compare: each in two steps, data first, drawing second.

For every plot a `*_data` function turns the results files (CSV rows as read by `read_csv_rows`,
or `plan.json`) into plain lists — exactly the numbers drawn, so a test can hold them against the
CSVs — and a `draw_*` function draws them with matplotlib (Agg backend, imported only when a plot
is drawn) to PNG and SVG side by side. Labels are Chinese when a CJK font is installed
(`facility_opt.report.fonts`), otherwise English with a `PlotFontWarning`, so characters never render as
empty boxes. Money is in the scenario's budget unit (default 万元), coverage in percent.
"""

from __future__ import annotations

import csv
import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PLOT_FORMATS = ("png", "svg")
DPI = 150
_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
            "#17becf", "#7f7f7f", "#bcbd22")


class PlotFontWarning(UserWarning):
    """No CJK font was found: plots fall back to English labels."""


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


COVERAGE_METRICS = ("facility_coverage", "service_coverage")


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


# -- data: the budget–benefit frontier ----------------------------------------------------------

@dataclass(frozen=True)
class FrontierData:
    """Optimal objective by total budget, marginal benefit, where each target becomes reachable."""

    budget_total: list[float]
    objective: list[float | None]  # None where no plan exists (infeasible)
    status: list[str]
    marginal_budget: list[float]  # midpoints between consecutive solved budgets
    marginal_benefit: list[float]  # Δ objective / Δ budget (objective per budget unit)
    target_reached_at: dict[str, float | None]  # target column → smallest budget meeting it


def frontier_data(frontier_rows: Sequence[Mapping[str, str]]) -> FrontierData:
    """The frontier from frontier.csv: rows sorted by `budget_total`; marginal benefit between
    consecutive budgets with a plan; for every `target_*_met` column, the smallest budget from
    which the target is met at that budget and every larger one in the sweep."""
    rows = sorted(frontier_rows, key=lambda r: float(r["budget_total"]))
    budgets = [float(r["budget_total"]) for r in rows]
    objective = [to_float(r.get("objective")) if r.get("status") in ("optimal", "feasible")
                 else None for r in rows]
    solved = [(b, o) for b, o in zip(budgets, objective, strict=True) if o is not None]
    mid, marg = [], []
    for (b0, o0), (b1, o1) in zip(solved, solved[1:], strict=False):
        if b1 > b0:
            mid.append((b0 + b1) / 2)
            marg.append((o1 - o0) / (b1 - b0))
    reached: dict[str, float | None] = {}
    target_cols = [c for c in (rows[0].keys() if rows else ())
                   if c.startswith("target_") and c.endswith("_met")]
    for col in target_cols:
        met = [str(r.get(col, "")).strip() == "1" for r in rows]
        at = None
        for i in range(len(rows) - 1, -1, -1):
            if not met[i]:
                break
            at = budgets[i]
        reached[col] = at
    return FrontierData(budgets, objective, [r.get("status", "") for r in rows], mid, marg,
                        reached)


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


# -- language and fonts -------------------------------------------------------------------------

_TEXT: dict[str, tuple[str, str]] = {
    # key: (Chinese, English)
    "year": ("年份", "year"),
    "coverage_pct": ("覆盖率 (%)", "coverage (%)"),
    "facility_coverage": ("日间照料中心覆盖率 (服务半径内有中心的社区占比)",
                          "Facility coverage (communities with a centre within reach)"),
    "service_coverage": ("服务满足率 (获得服务的照料需求占比)",
                         "Service coverage (day-care visit requests served)"),
    "facility_coverage_population": ("人口加权覆盖率", "Population-weighted facility coverage"),
    "target_line": ("目标 {pct:g}%", "target {pct:g} %"),
    "band": ("{name} 95% 置信区间", "{name} 95 % confidence band"),
    "coverage_title": ("日间照料覆盖率预测 (均值与 95% 置信区间)",
                       "Day-care coverage by year (mean and 95 % confidence band)"),
    "spend_title": ("各年度支出与预算", "Spend by year against budget"),
    "spend_axis": ("金额 ({unit})", "amount ({unit})"),
    "spend_bar": ("{name} 支出", "{name} spend"),
    "budget_marker": ("年度预算 (黑线)", "annual budget (black line)"),
    "matrix_title": ("各情景选中的项目及开工年份", "Projects chosen in each scenario and their start year"),
    "matrix_scenario": ("情景", "scenario"),
    "matrix_project": ("项目", "project"),
    "matrix_not_chosen": ("未选中", "not chosen"),
    "matrix_start": ("开工 {year}", "start {year}"),
    "bc_title": ("效益与成本", "Benefit against cost"),
    "bc_cost": ("总成本 ({unit})", "total cost ({unit})"),
    "bc_objective": ("目标值 ({kind})", "objective ({kind})"),
    "bc_budget": ("总预算 (竖线)", "total budget (vertical line)"),
    "frontier_title": ("预算–效益前沿", "Budget–benefit frontier"),
    "frontier_budget": ("总预算 ({unit}, 按年度比例分配)",
                        "total budget ({unit}, split in the scenario's annual proportions)"),
    "frontier_objective": ("最优目标值 ({kind})", "optimal objective ({kind})"),
    "frontier_marginal": ("边际效益 (每增加 1 {unit})", "marginal benefit (per extra 1 {unit})"),
    "frontier_curve": ("最优方案", "optimal portfolio"),
    "frontier_infeasible": ("无可行方案", "no feasible plan"),
    "frontier_reached": ("{target} 可达 ≥ {budget:,.0f}", "{target} reachable from {budget:,.0f}"),
    "frontier_current": ("当前预算 {budget:,.0f}", "current budget {budget:,.0f}"),
    "plan_title": ("规划循环: 每轮求解 → 仿真后的覆盖率 ({year} 年)",
                   "Plan loop: coverage in {year} after each solve → simulate round"),
    "plan_iteration": ("轮次", "iteration"),
    "plan_final": ("最终方案逐年覆盖率", "Final portfolio: coverage by year"),
    "benefit": ("效益", "benefit"),
    "score": ("评分", "score"),
}


@dataclass
class Labels:
    """Plot text in one language; `family` is the font family to use (None: matplotlib's)."""

    lang: str  # "zh" or "en"
    family: str | None = None
    extra: dict[str, tuple[str, str]] = field(default_factory=dict)

    def __call__(self, key: str, **fmt: Any) -> str:
        zh, en = self.extra.get(key) or _TEXT[key]
        text = zh if self.lang == "zh" else en
        return text.format(**fmt) if fmt else text

    def metric(self, metric: str) -> str:
        return self(metric) if metric in _TEXT else metric.replace("_", " ")

    def unit(self, unit: str) -> str:
        """A money unit as this language writes it (万元 is "10,000 yuan" in English)."""
        from facility_opt.model.money import unit_label

        return unit_label(unit, self.lang)

    def safe(self, text: str, fallback: str) -> str:
        """`text`, or `fallback` when it holds CJK characters and no CJK font is set (they would
        render as empty boxes)."""
        if self.family is None and any(ord(ch) >= 0x2E80 for ch in text):
            return fallback
        return text


def plot_labels(lang: str = "auto") -> Labels:
    """Chinese labels when a CJK font is found (or `lang="zh"` and one is found), else English.

    Falling back to English because no CJK font exists warns with `PlotFontWarning` and names
    how to install one.
    """
    from facility_opt.report.fonts import INSTALL_HINT, matplotlib_font_family

    family = matplotlib_font_family()
    if lang == "en":
        return Labels("en", family)  # the font still renders Chinese project names
    if family is None:
        warnings.warn(f"no CJK font found, plots use English labels; to get Chinese labels "
                      f"{INSTALL_HINT}", PlotFontWarning, stacklevel=2)
        return Labels("en")
    return Labels("zh", family)


def _pyplot(labels: Labels):
    """matplotlib.pyplot on the Agg backend, with the label font configured."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    rc = {"axes.unicode_minus": False, "svg.fonttype": "path", "figure.dpi": 100,
          "axes.spines.top": False, "axes.spines.right": False, "svg.hashsalt": "facility-opt"}
    if labels.family:
        rc["font.family"] = "sans-serif"
        rc["font.sans-serif"] = [labels.family, "DejaVu Sans"]
    return plt, rc


def _save(fig, stem: Path) -> list[Path]:
    """Write the figure as PNG and SVG next to each other; return both paths."""
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = []
    for fmt in PLOT_FORMATS:
        p = stem.with_suffix(f".{fmt}")
        meta = {"Software": None} if fmt == "png" else {"Date": None}
        fig.savefig(p, format=fmt, dpi=DPI, bbox_inches="tight", metadata=meta)
        paths.append(p)
    return paths


def _finite(values: Iterable[float | None]) -> list[float]:
    return [v for v in values if v is not None and math.isfinite(v)]


def _pct(values: Sequence[float | None]) -> list[float]:
    return [math.nan if v is None else 100.0 * v for v in values]


# -- drawing ------------------------------------------------------------------------------------

def draw_coverage(series: Sequence[CoverageSeries], stem: Path, *, target: float = 0.90,
                  title: str | None = None, labels: Labels | None = None) -> list[Path]:
    """Coverage trajectories, one panel per metric, a line and 95 % band per scenario, and the
    target as a dashed line."""
    labels = labels or plot_labels()
    plt, rc = _pyplot(labels)
    metrics = [m for m in COVERAGE_METRICS if any(s.metric == m for s in series)]
    metrics += sorted({s.metric for s in series} - set(metrics))
    scenarios = list(dict.fromkeys(s.scenario for s in series))
    with plt.rc_context(rc):
        fig, axes = plt.subplots(1, max(1, len(metrics)), figsize=(6.2 * max(1, len(metrics)), 4.6),
                                 squeeze=False)
        for ax, metric in zip(axes[0], metrics, strict=False):
            for s in (s for s in series if s.metric == metric):
                colour = _COLOURS[scenarios.index(s.scenario) % len(_COLOURS)]
                ax.fill_between(s.years, _pct(s.ci_low), _pct(s.ci_high), color=colour,
                                alpha=0.18, linewidth=0,
                                label=labels("band", name=s.scenario))
                ax.plot(s.years, _pct(s.mean), marker="o", color=colour, label=s.scenario)
            ax.axhline(100 * target, color="black", linestyle="--", linewidth=1.2,
                       label=labels("target_line", pct=round(100 * target, 1)))
            ax.set_title(labels.metric(metric), fontsize=10)
            ax.set_xlabel(labels("year"))
            ax.set_ylabel(labels("coverage_pct"))
            years = sorted({y for s in series for y in s.years})
            ax.set_xticks(years)
            lows = _finite(v for s in series if s.metric == metric for v in _pct(s.ci_low))
            ax.set_ylim(max(0.0, min([*lows, 100 * target]) - 5), 101)
            ax.grid(axis="y", alpha=0.3)
            ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2,
                      frameon=False)
        fig.suptitle(title or labels("coverage_title"))
        fig.tight_layout()
        paths = _save(fig, stem)
        plt.close(fig)
    return paths


def draw_spend(data: SpendData, stem: Path, *, unit: str = "万元", title: str | None = None,
               labels: Labels | None = None) -> list[Path]:
    """Grouped bars of spend by year (one bar per scenario) with each scenario's budget as a
    marker over its bar."""
    labels = labels or plot_labels()
    plt, rc = _pyplot(labels)
    n = max(1, len(data.scenarios))
    width = 0.8 / n
    with plt.rc_context(rc):
        fig, ax = plt.subplots(figsize=(max(6.5, 1.6 * len(data.years) * (0.6 + 0.3 * n)), 4.6))
        for i, name in enumerate(data.scenarios):
            colour = _COLOURS[i % len(_COLOURS)]
            xs = [j + (i - (n - 1) / 2) * width for j in range(len(data.years))]
            spend = [math.nan if v is None else v for v in data.spend[name]]
            budget = [math.nan if v is None else v for v in data.budget[name]]
            ax.bar(xs, spend, width=width * 0.92, color=colour, alpha=0.85,
                   label=labels("spend_bar", name=name))
            ax.hlines(budget, [x - width * 0.5 for x in xs], [x + width * 0.5 for x in xs],
                      colors="black", linewidth=2.2, zorder=3,
                      label=labels("budget_marker") if i == 0 else None)
        ax.set_xticks(range(len(data.years)), [str(y) for y in data.years])
        ax.set_xlabel(labels("year"))
        ax.set_ylabel(labels("spend_axis", unit=labels.unit(unit)))
        ax.grid(axis="y", alpha=0.3)
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        ax.set_title(title or labels("spend_title"))
        fig.tight_layout()
        paths = _save(fig, stem)
        plt.close(fig)
    return paths


def draw_selection(data: SelectionMatrix, stem: Path, *, title: str | None = None,
                   labels: Labels | None = None) -> list[Path]:
    """Heat map of projects × scenarios: the cell's colour and text are the start year, blank
    where the scenario does not fund the project."""
    import numpy as np

    labels = labels or plot_labels()
    plt, rc = _pyplot(labels)
    years = data.years or [0]
    grid = np.full((max(1, len(data.project_ids)), max(1, len(data.scenarios))), np.nan)
    for i, row in enumerate(data.start_year):
        for j, y in enumerate(row):
            if y is not None:
                grid[i, j] = years.index(y)
    with plt.rc_context(rc):
        from matplotlib.colors import BoundaryNorm, ListedColormap
        from matplotlib.patches import Patch

        palette = ["#c6dbef", "#6baed6", "#2171b5", "#08306b", "#fdae6b", "#e6550d", "#a63603"]
        cmap = ListedColormap([palette[k % len(palette)] for k in range(len(years))])
        cmap = cmap.with_extremes(bad="#f2f2f2")
        norm = BoundaryNorm([k - 0.5 for k in range(len(years) + 1)], cmap.N)
        h = max(3.0, 0.28 * len(data.project_ids) + 1.6)
        w = max(5.5, 1.2 * len(data.scenarios) + 4.0)
        fig, ax = plt.subplots(figsize=(w, h))
        ax.imshow(np.ma.masked_invalid(grid), cmap=cmap, norm=norm, aspect="auto",
                  interpolation="nearest")
        for i, row in enumerate(data.start_year):
            for j, y in enumerate(row):
                if y is not None:
                    dark = years.index(y) % len(palette) in (2, 3, 5, 6)
                    ax.text(j, i, str(y), ha="center", va="center", fontsize=7,
                            color="white" if dark else "black")
        ax.set_xticks(range(len(data.scenarios)), data.scenarios, rotation=20, ha="right")
        ticks = [labels.safe(t, f"{p} ({k})" if k else p) for t, p, k
                 in zip(data.project_labels, data.project_ids, data.project_kinds, strict=True)]
        ax.set_yticks(range(len(data.project_ids)), ticks, fontsize=7)
        ax.set_xlabel(labels("matrix_scenario"))
        ax.set_ylabel(labels("matrix_project"))
        ax.spines[:].set_visible(False)
        ax.set_xticks([j - 0.5 for j in range(1, len(data.scenarios))], minor=True)
        ax.set_yticks([i - 0.5 for i in range(1, len(data.project_ids))], minor=True)
        ax.grid(which="minor", color="white", linewidth=1.5)
        ax.tick_params(which="minor", length=0)
        handles = [Patch(color=cmap(k), label=labels("matrix_start", year=y))
                   for k, y in enumerate(data.years)]
        handles.append(Patch(facecolor="#f2f2f2", edgecolor="#cccccc",
                             label=labels("matrix_not_chosen")))
        ax.legend(handles=handles, fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0))
        ax.set_title(title or labels("matrix_title"))
        fig.tight_layout()
        paths = _save(fig, stem)
        plt.close(fig)
    return paths


def draw_benefit_cost(data: BenefitCost, stem: Path, *, unit: str = "万元",
                      objective_kind: str = "benefit", title: str | None = None,
                      labels: Labels | None = None) -> list[Path]:
    """Each scenario as a point (total cost, objective), its total budget as a vertical tick."""
    labels = labels or plot_labels()
    plt, rc = _pyplot(labels)
    kind = labels(objective_kind) if objective_kind in ("benefit", "score") else objective_kind
    with plt.rc_context(rc):
        fig, ax = plt.subplots(figsize=(6.8, 4.8))
        for i, name in enumerate(data.scenarios):
            cost, obj, bud = data.total_cost[i], data.objective[i], data.budget_total[i]
            colour = _COLOURS[i % len(_COLOURS)]
            if cost is None or obj is None:
                continue
            ax.scatter([cost], [obj], s=70, color=colour, edgecolors="black", zorder=3,
                       label=name)
            ax.annotate(name, (cost, obj), textcoords="offset points", xytext=(6, 6),
                        fontsize=8)
            if bud is not None:
                ax.plot([bud, bud], [obj * 0.97, obj * 1.03], color=colour, linewidth=2)
                ax.plot([cost, bud], [obj, obj], color=colour, linestyle=":", linewidth=1)
        ax.plot([], [], color="grey", linewidth=2, label=labels("bc_budget"))
        ax.set_xlabel(labels("bc_cost", unit=labels.unit(unit)))
        ax.set_ylabel(labels("bc_objective", kind=kind))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="best")
        ax.set_title(title or labels("bc_title"))
        fig.tight_layout()
        paths = _save(fig, stem)
        plt.close(fig)
    return paths


def _target_name(col: str, labels: Labels) -> str:
    core = col[len("target_"):-len("_met")]
    if core == "facility_coverage":
        return "覆盖率目标" if labels.lang == "zh" else "coverage target"
    if core == "all":
        return "全部目标" if labels.lang == "zh" else "all targets"
    if core.endswith("_count"):
        kind = core[:-len("_count")]
        return f"{kind} 数量目标" if labels.lang == "zh" else f"{kind} count target"
    return core.replace("_", " ")


def draw_frontier(data: FrontierData, stem: Path, *, unit: str = "万元",
                  objective_kind: str = "benefit", current_budget: float | None = None,
                  title: str | None = None, labels: Labels | None = None) -> list[Path]:
    """Top: the optimal objective against the total budget, with a marker where each target
    becomes reachable; bottom: the marginal benefit of one more budget unit between points."""
    labels = labels or plot_labels()
    plt, rc = _pyplot(labels)
    kind = labels(objective_kind) if objective_kind in ("benefit", "score") else objective_kind
    with plt.rc_context(rc):
        fig, (ax, ax2) = plt.subplots(2, 1, figsize=(7.5, 7.0), sharex=True,
                                      gridspec_kw={"height_ratios": [2.2, 1]})
        xs = [b for b, o in zip(data.budget_total, data.objective, strict=True) if o is not None]
        ys = [o for o in data.objective if o is not None]
        ax.plot(xs, ys, marker="o", color=_COLOURS[0], label=labels("frontier_curve"))
        bad = [b for b, o in zip(data.budget_total, data.objective, strict=True) if o is None]
        if bad:
            y0 = min(ys) if ys else 0.0
            ax.scatter(bad, [y0] * len(bad), marker="x", color="grey",
                       label=labels("frontier_infeasible"))
        by_budget: dict[float, list[str]] = {}
        for col, at in data.target_reached_at.items():
            if at is not None:
                by_budget.setdefault(at, []).append(_target_name(col, labels))
        for k, (at, names) in enumerate(sorted(by_budget.items()), start=1):
            colour = _COLOURS[k % len(_COLOURS)]
            ax.axvline(at, color=colour, linestyle="--", linewidth=1.1,
                       label=labels("frontier_reached", target=" / ".join(names), budget=at))
            ax2.axvline(at, color=colour, linestyle="--", linewidth=1.1)
        if current_budget is not None:
            ax.axvline(current_budget, color="black", linestyle=":", linewidth=1.2,
                       label=labels("frontier_current", budget=current_budget))
            ax2.axvline(current_budget, color="black", linestyle=":", linewidth=1.2)
        ax.set_ylabel(labels("frontier_objective", kind=kind))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="lower right")
        widths = []
        bs = sorted(xs)
        for i in range(len(bs) - 1):
            widths.append((bs[i + 1] - bs[i]) * 0.8)
        if data.marginal_budget:
            ax2.bar(data.marginal_budget, data.marginal_benefit,
                    width=widths[:len(data.marginal_budget)] or 1.0,
                    color=_COLOURS[2], alpha=0.8)
        ax2.set_ylabel(labels("frontier_marginal", unit=labels.unit(unit)))
        ax2.set_xlabel(labels("frontier_budget", unit=labels.unit(unit)))
        ax2.grid(axis="y", alpha=0.3)
        ax.set_title(title or labels("frontier_title"))
        fig.tight_layout()
        paths = _save(fig, stem)
        plt.close(fig)
    return paths


def draw_plan(iterations: PlanIterations, final: Sequence[CoverageSeries], stem: Path, *,
              title: str | None = None, labels: Labels | None = None) -> list[Path]:
    """Left: coverage in the target year after each round (mean and 95 % interval); right: the
    final portfolio's coverage by year; the target as a dashed line in both."""
    labels = labels or plot_labels()
    plt, rc = _pyplot(labels)
    target_pct = 100 * iterations.target
    with plt.rc_context(rc):
        fig, (ax, ax2) = plt.subplots(1, 2, figsize=(12.0, 4.6))
        for k, (metric, vals) in enumerate(iterations.metrics.items()):
            mean = _pct(vals["mean"])
            lo = _pct(vals["ci_low"])
            hi = _pct(vals["ci_high"])
            err = [[max(0.0, m - a) if not math.isnan(a) else 0.0 for m, a in zip(mean, lo,
                                                                                   strict=True)],
                   [max(0.0, b - m) if not math.isnan(b) else 0.0 for m, b in zip(mean, hi,
                                                                                  strict=True)]]
            xs = [i + (k - 0.5) * 0.06 for i in iterations.iterations]
            ax.errorbar(xs, mean, yerr=err, marker="o", capsize=3, color=_COLOURS[k],
                        label=labels.metric(metric))
        ax.axhline(target_pct, color="black", linestyle="--", linewidth=1.2,
                   label=labels("target_line", pct=round(target_pct, 1)))
        ax.set_xticks(iterations.iterations)
        if iterations.iterations:
            ax.set_xlim(min(iterations.iterations) - 0.5, max(iterations.iterations) + 0.5)
        ax.set_xlabel(labels("plan_iteration"))
        ax.set_ylabel(labels("coverage_pct"))
        ax.grid(axis="y", alpha=0.3)
        ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2,
                  frameon=False)
        ax.set_title(labels("plan_title", year=iterations.target_year), fontsize=10)
        for k, s in enumerate(final):
            ax2.fill_between(s.years, _pct(s.ci_low), _pct(s.ci_high), color=_COLOURS[k],
                             alpha=0.18, linewidth=0)
            ax2.plot(s.years, _pct(s.mean), marker="o", color=_COLOURS[k],
                     label=labels.metric(s.metric))
        ax2.axhline(target_pct, color="black", linestyle="--", linewidth=1.2,
                    label=labels("target_line", pct=round(target_pct, 1)))
        if final:
            ax2.set_xticks(sorted({y for s in final for y in s.years}))
        ax2.set_xlabel(labels("year"))
        ax2.set_ylabel(labels("coverage_pct"))
        ax2.grid(axis="y", alpha=0.3)
        ax2.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2,
                   frameon=False)
        ax2.set_title(labels("plan_final"), fontsize=10)
        if title:
            fig.suptitle(title)
        fig.tight_layout()
        paths = _save(fig, stem)
        plt.close(fig)
    return paths
