"""Plot text in Chinese or English, the font decision, and the matplotlib set-up every figure
shares (Agg backend imported only when drawing; PNG and SVG side by side, byte-reproducible)."""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PLOT_FORMATS = ("png", "svg")
DPI = 150
_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
            "#17becf", "#7f7f7f", "#bcbd22")


def _has_cjk(text: str) -> bool:
    return any(ord(ch) >= 0x2E80 for ch in text)


from facility_opt.report.fonts import PlotFontWarning  # noqa: E402,F401  (its home is fonts)

# -- language and fonts -------------------------------------------------------------------------

_TEXT: dict[str, tuple[str, str]] = {
    # key: (Chinese, English)
    "year": ("年份", "year"),
    "coverage_pct": ("覆盖率 (%)", "coverage (%)"),
    "facility_coverage": ("日间照料中心覆盖率 (服务半径内有中心的社区占比)",
                          "Facility coverage (communities with a centre within reach)"),
    "effective_coverage": ("有效覆盖率 (服务半径内且拒收不超过限值的社区占比)",
                           "Effective coverage (within reach, turning away no more than the limit)"),
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
    "frontier_current": ("当前预算 {budget:,.0f} {unit}", "current budget {budget:,.0f} {unit}"),
    "fr_title": ("预算能覆盖多少社区", "What each budget covers"),
    "fr_max_covered": ("该预算最多可覆盖的社区数 (精确)",
                       "most communities coverable at this budget (exact)"),
    "fr_covered": ("满足全部目标的最优方案：覆盖社区数",
                   "best plan meeting every target: communities covered"),
    "fr_effective_covered": ("同一方案：有效覆盖社区数", "same plan: communities effectively covered"),
    "fr_target": ("{pct:g}% 目标：{n}/{total} 个社区", "{pct:g} % target: {n} of {total} communities"),
    "fr_share": ("社区占比 (%)", "share of communities (%)"),
    "fr_least": ("满足全部目标的最低预算 {budget:,.0f} {unit}",
                 "least budget meeting every target: {budget:,.0f} {unit}"),
    "fr_communities": ("覆盖的社区数", "communities covered"),
    "fr_households": ("服务半径内的户数", "households within reach"),
    "fr_elderly": ("服务半径内的 60 岁以上居民", "residents 60+ within reach"),
    "fr_people": ("户数 / 60 岁以上居民", "households / residents 60+"),
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

    def title(self, title: str, name: str) -> str:
        """A scenario's title as a legend shows it: bilingual titles ("乐山 · 老龄化加快 · Leshan
        with faster ageing") give the part in this language; no title (or no font for it) gives
        the name."""
        parts = [p.strip() for p in (title or "").split(" · ") if p.strip()]
        cjk = [p for p in parts if _has_cjk(p)]
        latin = [p for p in parts if not _has_cjk(p)]
        if self.lang == "zh" and cjk and self.family:
            return " · ".join(cjk)
        if latin:
            return latin[-1]
        return self.safe(title, name) if title else name

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
    from facility_opt.report.fonts import matplotlib_font_family, warn_no_font_once

    family = matplotlib_font_family()
    if lang == "en":
        return Labels("en", family)  # the font still renders Chinese project names
    if family is None:
        warn_no_font_once("plots and maps use English labels")
        return Labels("en")
    return Labels("zh", family)


def _pyplot(labels: Labels):
    """matplotlib.pyplot on the Agg backend, with the label font configured."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    if labels.family is None:
        # said once already (PlotFontWarning); Chinese names are replaced where drawn, and any
        # left must not print one matplotlib warning per glyph
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from", category=UserWarning)
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
