"""The budget frontier in a planner's units: communities covered (plain and effective), households
and elderly residents reached, against money; the target line and the least budget reaching it;
the marginal benefit of one more budget unit below."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from facility_opt.report.plot_data import to_float
from facility_opt.report.plot_style import _COLOURS, Labels, _pyplot, _save, plot_labels

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
    # in a planner's units (frontier.csv columns; None where blank or absent)
    max_covered: list[float | None] = field(default_factory=list)  # most coverable, exact
    covered: list[float | None] = field(default_factory=list)  # best-benefit plan, every target
    effective_covered: list[float | None] = field(default_factory=list)
    households_reached: list[float | None] = field(default_factory=list)
    elderly_reached: list[float | None] = field(default_factory=list)
    communities: int | None = None  # communities in the scenario
    target_share: float | None = None  # targets.daycare_coverage
    least_budget_total: float | None = None  # least total budget meeting every target

    @property
    def required(self) -> int | None:
        """Communities the coverage target needs (the least whole number ≥ share × total)."""
        if self.communities is None or self.target_share is None:
            return None
        return math.ceil(self.target_share * self.communities - 1e-9)

    @property
    def in_units(self) -> bool:
        """frontier.csv holds coverage columns: draw communities and people, not benefit."""
        return any(v is not None for v in self.max_covered + self.covered)


def _column(rows: Sequence[Mapping[str, str]], col: str) -> list[float | None]:
    return [to_float(r.get(col)) for r in rows]


def frontier_data(frontier_rows: Sequence[Mapping[str, str]], *, communities: int | None = None,
                  target_share: float | None = None, least_budget_total: float | None = None
                  ) -> FrontierData:
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
                        reached, _column(rows, "max_covered"), _column(rows, "covered"),
                        _column(rows, "effective_covered"), _column(rows, "households_reached"),
                        _column(rows, "elderly_reached"), communities, target_share,
                        to_float(least_budget_total))



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
    """The frontier in communities and people when frontier.csv has those columns, else the
    optimal objective against the budget."""
    labels = labels or plot_labels()
    if data.in_units:
        return _draw_in_units(data, stem, unit=unit, current_budget=current_budget, title=title,
                              labels=labels)
    return _draw_objective(data, stem, unit=unit, objective_kind=objective_kind,
                           current_budget=current_budget, title=title, labels=labels)


def _points(xs: Sequence[float], ys: Sequence[float | None]) -> tuple[list[float], list[float]]:
    pairs = [(x, y) for x, y in zip(xs, ys, strict=False) if y is not None]
    return [x for x, _ in pairs], [y for _, y in pairs]


def _draw_in_units(data: FrontierData, stem: Path, *, unit: str, current_budget: float | None,
                   title: str | None, labels: Labels) -> list[Path]:
    """Top: communities covered (most coverable, and the best-benefit plan meeting every target,
    plain and effective) with the target line and the least budget reaching it; bottom:
    households and residents 60+ reached by that plan. One legend for the figure."""
    plt, rc = _pyplot(labels)
    money = labels.unit(unit)
    with plt.rc_context(rc):
        fig, (ax, ax2) = plt.subplots(2, 1, figsize=(8.0, 7.6), sharex=True,
                                      gridspec_kw={"height_ratios": [1.6, 1]})
        b = data.budget_total
        series = [("max_covered", data.max_covered, "#7f7f7f", "--"),
                  ("covered", data.covered, _COLOURS[0], "-"),
                  ("effective_covered", data.effective_covered, _COLOURS[2], "-")]
        for key, ys, colour, style in series:
            x, y = _points(b, ys)
            if y:
                ax.plot(x, y, marker="o", markersize=4, color=colour, linestyle=style,
                        label=labels(f"fr_{key}"))
        if data.required is not None:
            ax.axhline(data.required, color="black", linestyle="--", linewidth=1.1,
                       label=labels("fr_target", pct=round(100 * data.target_share, 1),
                                    n=data.required, total=data.communities))
            secondary = ax.secondary_yaxis(
                "right", functions=(lambda n: 100.0 * n / data.communities,
                                    lambda p: p * data.communities / 100.0))
            secondary.set_ylabel(labels("fr_share"))
        lines = [(data.least_budget_total, "#d62728", "-.", "fr_least"),
                 (current_budget, "black", ":", "frontier_current")]
        for at, colour, style, key in lines:
            if at is not None:
                for a in (ax, ax2):
                    a.axvline(at, color=colour, linestyle=style, linewidth=1.2,
                              label=labels(key, budget=at, unit=money) if a is ax else None)
        ax.set_ylabel(labels("fr_communities"))
        ax.grid(alpha=0.3)
        for ys, colour, key in ((data.households_reached, "#8c564b", "fr_households"),
                                (data.elderly_reached, "#9467bd", "fr_elderly")):
            x, y = _points(b, ys)
            if y:
                ax2.plot(x, y, marker="o", markersize=4, color=colour, label=labels(key))
        ax2.set_ylabel(labels("fr_people"))
        ax2.yaxis.set_major_formatter(_thousands())
        ax2.xaxis.set_major_formatter(_thousands())
        ax2.set_xlabel(labels("frontier_budget", unit=money))
        ax2.grid(alpha=0.3)
        handles, names = [], []
        for a in (ax, ax2):
            h, n = a.get_legend_handles_labels()
            handles += h
            names += n
        fig.legend(handles, names, fontsize=8, loc="lower center", ncol=2, frameon=False,
                   bbox_to_anchor=(0.5, 0.0))
        ax.set_title(title or labels("fr_title"))
        fig.tight_layout(rect=(0, 0.13, 1, 1))
        paths = _save(fig, stem)
        plt.close(fig)
    return paths


def _thousands():
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _pos: f"{v:,.0f}")


def _draw_objective(data: FrontierData, stem: Path, *, unit: str, objective_kind: str,
                    current_budget: float | None, title: str | None, labels: Labels
                    ) -> list[Path]:
    """Top: the optimal objective against the total budget, with a marker where each target
    becomes reachable; bottom: the marginal benefit of one more budget unit between points."""
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
                       label=labels("frontier_current", budget=current_budget,
                                    unit=labels.unit(unit)))
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
