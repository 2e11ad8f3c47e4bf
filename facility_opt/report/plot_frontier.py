"""The budget frontier in a planner's units: communities covered (plain and effective), households
and elderly residents reached, against money; the target line and the least budget reaching it;
the marginal benefit of one more budget unit below."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
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
