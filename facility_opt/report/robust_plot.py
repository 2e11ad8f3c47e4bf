"""P(met) against the total budget for `plan --robust` (PNG and SVG).

Each point of the curve is exact for the MILP's requirements: the least total budget (in the
scenario's yearly proportions, and with a free split across years) at which some portfolio meets
the places requirements of at least that share of the sampled futures. The requirements are the
sizing estimate plus the simulation's cuts, so the curve is labelled an estimate; the robust plan
itself is drawn where it was simulated, with its 95 % Wilson interval.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from facility_opt.report.plots import _pyplot, _save, plot_labels


def draw_robust_budget(curve: Sequence[dict[str, Any]], stem: Path, *, budget_total: float,
                       unit: str, simulated: Sequence[dict[str, Any]] = (), title: str = "",
                       title_zh: str = "", most_any_budget: float | None = None,
                       lang: str = "auto") -> list[Path]:
    """`curve`: CurvePoint records (share, futures_met, total, free_total); `simulated`: points
    {"total", "p_met", "low", "high", "label", "label_zh", "kind"} of portfolios simulated in
    every future (kind "robust" or "least")."""
    labels = plot_labels(lang)
    plt, rc = _pyplot(labels)
    zh = labels.lang == "zh"
    pts = sorted((p for p in curve if p.get("total") is not None), key=lambda p: p["share"])
    free = sorted((p for p in curve if p.get("free_total") is not None), key=lambda p: p["share"])
    none = [p for p in curve if p.get("total") is None]
    with plt.rc_context(rc):
        fig, ax = plt.subplots(figsize=(7.5, 5.0))
        if pts:
            ax.step([p["total"] for p in pts], [p["share"] for p in pts], where="post",
                    color="#1f5fa8", marker="o",
                    label=("最少预算（按年度比例，MILP 估算）" if zh else
                           "least budget, scenario's yearly proportions (MILP sizing estimate)"))
        if free:
            ax.plot([p["free_total"] for p in free], [p["share"] for p in free], ls="none",
                    marker="s", mfc="none", color="#1f5fa8",
                    label="最少预算（年度自由分配）" if zh else "least budget, free split across years")
        ax.axvline(budget_total, color="#555555", ls="--", lw=1)
        if most_any_budget is not None:  # proven: no budget meets a larger share
            ax.axhline(most_any_budget, color="#c0392b", ls=":", lw=1)
            ax.annotate((f"任何预算至多 {most_any_budget:.0%}" if zh else
                         f"most any budget meets: {most_any_budget:.0%}"),
                        # at the left: small budgets meet few futures, so the line's left end
                        # is clear of the points and of the budget line at the right
                        (0.01, most_any_budget), xycoords=("axes fraction", "data"),
                        xytext=(0, 3), textcoords="offset points", ha="left", fontsize=8,
                        color="#c0392b")
        ax.annotate(("情景预算" if zh else "scenario budget") + f" {budget_total:,.0f}",
                    (budget_total, 0.02), xytext=(-3, 0), textcoords="offset points",
                    rotation=90, fontsize=8, ha="right", va="bottom")
        for s in simulated:
            ax.errorbar([s["total"]], [s["p_met"]], yerr=[[s["p_met"] - s["low"]],
                                                          [s["high"] - s["p_met"]]],
                        fmt="D", color="#2a7f3f" if s.get("kind") != "least" else "#8e44ad",
                        capsize=4, label=(s["label_zh"] if zh else s["label"]))
        if none:
            shares = ", ".join(f"≥ {p['futures_met']} ({100 * p['share']:.0f} %)"
                               for p in sorted(none, key=lambda p: p["share"]))
            ax.text(0.02, 0.98, ("任何预算都无法满足：" if zh else "no budget meets: ") + shares,
                    transform=ax.transAxes, va="top", fontsize=8, color="#c0392b")
        ax.set_xlabel(f"{'预算总额' if zh else 'total budget'} ({unit})")
        ax.set_ylabel("达标情景比例" if zh else "share of futures meeting the target")
        ax.set_ylim(0, 1.05)
        ax.grid(alpha=0.3)
        ax.legend(loc="lower left", frameon=False, fontsize=8)
        ax.margins(x=0.06)
        ax.set_title(title_zh if zh and title_zh else title, fontsize=9)
        paths = _save(fig, stem)
        plt.close(fig)
    return paths
