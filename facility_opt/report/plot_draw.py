"""Drawing the comparison and plan plots from their data records (see `plot_data`)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

from facility_opt.report.plot_data import (
    COVERAGE_METRICS,
    BenefitCost,
    CoverageSeries,
    PlanIterations,
    SelectionMatrix,
    SpendData,
)
from facility_opt.report.plot_style import _COLOURS, Labels, _finite, _pct, _pyplot, _save, plot_labels

_MARKERS = ("o", "s", "D", "^", "v", "P", "X", "*")


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
        fig.suptitle(title or labels("coverage_title"))
        _one_legend(fig, axes[0])
        fig.tight_layout(rect=(0, 0.08 + 0.03 * len(scenarios), 1, 1))
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
        w = max(5.5, 1.6 * len(data.scenarios) + 4.0)
        fig, ax = plt.subplots(figsize=(w, h))
        ax.imshow(np.ma.masked_invalid(grid), cmap=cmap, norm=norm, aspect="auto",
                  interpolation="nearest")
        for i, row in enumerate(data.start_year):
            for j, y in enumerate(row):
                if y is not None:
                    dark = years.index(y) % len(palette) in (2, 3, 5, 6)
                    ax.text(j, i, str(y), ha="center", va="center", fontsize=7,
                            color="white" if dark else "black")
        ax.set_xticks(range(len(data.scenarios)), data.scenarios, rotation=30, ha="right")
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
            # named in the legend only: point labels of near-equal scenarios overlapped
            # earlier scenarios drawn larger, so one at the same point stays visible around a later one
            ax.scatter([cost], [obj], s=max(40, 190 - 45 * i), color=colour,
                       marker=_MARKERS[i % len(_MARKERS)], edgecolors="black", zorder=3 + i,
                       label=name)
            if bud is not None:
                ax.plot([bud, bud], [obj * 0.97, obj * 1.03], color=colour, linewidth=2)
                ax.plot([cost, bud], [obj, obj], color=colour, linestyle=":", linewidth=1)
        ax.plot([], [], color="grey", linewidth=2, label=labels("bc_budget"))
        ax.xaxis.set_major_formatter(_thousands())
        ax.yaxis.set_major_formatter(_thousands())
        ax.set_xlabel(labels("bc_cost", unit=labels.unit(unit)))
        ax.set_ylabel(labels("bc_objective", kind=kind))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="best")
        ax.set_title(title or labels("bc_title"))
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
        ax2.set_title(labels("plan_final"), fontsize=10)
        if title:
            fig.suptitle(labels.title(title, title))
        _one_legend(fig, (ax, ax2))
        fig.tight_layout(rect=(0, 0.1, 1, 1))
        paths = _save(fig, stem)
        plt.close(fig)
    return paths


def _one_legend(fig, axes) -> None:
    """One legend under the figure for every panel (each entry once, in order of first use)."""
    seen: dict[str, object] = {}
    for a in axes:
        for h, n in zip(*a.get_legend_handles_labels(), strict=True):
            seen.setdefault(n, h)
    fig.legend(list(seen.values()), list(seen), fontsize=8, loc="lower center",
               ncol=min(4, max(1, len(seen))), frameon=False, bbox_to_anchor=(0.5, 0.0))


def _thousands():
    """Axis numbers with thousands separators (600,000, not 600000)."""
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _pos: f"{v:,.0f}")
