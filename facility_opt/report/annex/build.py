"""The annex's content in one language: the same tables feed Excel, PDF and Markdown."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from typing import Any

from facility_opt import __version__
from facility_opt.model.money import UNIT_EN
from facility_opt.report.annex.assumptions import assumptions_table, is_year, provenance_table
from facility_opt.report.annex.data import AnnexData
from facility_opt.report.annex.document import (
    AREA,
    COUNT,
    GAP,
    MONEY,
    NUMBER,
    SHARE,
    TEXT,
    AnnexDoc,
    Col,
    Table,
    Val,
    format_cell,
)
from facility_opt.report.annex.tables import county_table, funding_table, projects_table
from facility_opt.report.annex.verdict import (
    JUDGED_METRICS,
    coverage_judgement,
    coverage_table,
    coverage_verdict,
    pct,
    years_text,
)
from facility_opt.report.terms import has_term, kind_label, metric_label, term


def build_doc(data: AnnexData, lang: str = "zh", no_cjk_note: bool = False) -> AnnexDoc:
    """The annex's content in one language: the same tables feed Excel, PDF and Markdown.

    `no_cjk_note`: the document will be printed without a CJK font, so it says so and names the
    money unit in English (万元 → 10,000 yuan)."""
    if no_cjk_note:
        data = replace(data, unit=UNIT_EN.get(data.unit, data.unit))
    t = lambda key, **kw: term(key, lang, **kw)  # noqa: E731
    plots = {p.name: p for p in data.plots}
    spend_plots = [p for n, p in plots.items() if n.startswith("spend")]
    coverage_plots = [p for n, p in plots.items() if n.startswith(("coverage", "plan"))]
    other_plots = [p for p in data.plots if p not in spend_plots and p not in coverage_plots]
    tables = [
        summary_table(data, lang),
        projects_table(data, lang),
        funding_table(data, lang),
        county_table(data, lang),
        coverage_table(data, lang),
        assumptions_table(data, lang),
        provenance_table(data, lang),
    ]
    tables[2].figures = spend_plots
    tables[4].figures = coverage_plots
    ended = data.ended.strftime("%Y-%m-%d %H:%M UTC")
    version = str((data.manifest or {}).get("tool_version") or __version__)
    return AnnexDoc(lang=lang, title=t("doc.title", title=data.title),
                    subtitle=t("doc.subtitle", scenario=data.scenario_name, version=version,
                               ended=ended),
                    tables=tables, figures=other_plots, created=data.ended,
                    no_cjk_note=no_cjk_note)


def summary_table(data: AnnexData, lang: str) -> Table:
    u = data.unit
    t = lambda key, **kw: term(key, lang, **kw)  # noqa: E731
    s = data.summary
    rows: list[list[Any]] = []
    rows.append([t("row.scenario"), data.scenario_name, "", data.title])
    budget_total = sum(data.budget_by_year.values(), Decimal(0))
    rows.append([t("row.budget_requested"), Val(data.total_cost, MONEY), u,
                 t("note.share_of_budget", share=pct(float(data.total_cost / budget_total)))
                 if budget_total else ""])
    for y in data.years:
        rows.append([t("row.budget_requested_year", year=y), Val(data.spend_by_year[y], MONEY),
                     u, ""])
    rows.append([t("row.budget_available"), Val(budget_total, MONEY), u,
                 t("note.carry_over") if ((data.scenario or {}).get("budget") or {})
                 .get("carry_over") else t("note.no_carry_over")])
    rows.append([t("row.budget_unused"), Val(budget_total - data.total_cost, MONEY), u, ""])
    rows.append([t("row.funded_projects"), Val(len(data.projects), COUNT), t("unit.projects"),
                 t("note.of_candidates", n=data.candidates)])
    by_kind: dict[str, int] = {}
    for p in data.projects:
        by_kind[p.kind] = by_kind.get(p.kind, 0) + 1
    for kind in sorted(by_kind):
        rows.append([t("row.funded_kind", kind=kind_label(kind, lang)), Val(by_kind[kind], COUNT),
                     t("unit.projects"), ""])
    area = sum(p.area_m2 or 0.0 for p in data.projects)
    places = sum(p.daycare_places or 0 for p in data.projects)
    rows.append([t("row.area_added"), Val(area, AREA), t("unit.m2"), ""])
    rows.append([t("row.places_added"), Val(places, COUNT), t("unit.places"), ""])
    # count targets: summary.json's own record when present, else the scenario's minimums
    min_count = (((s.get("targets") or {}).get("min_count")) if isinstance(s.get("targets"), dict)
                 else None)
    if not min_count:
        req = ((data.scenario or {}).get("targets") or {}).get("min_count") or {}
        min_count = {k: {"required": v, "selected": by_kind.get(k, 0)} for k, v in req.items()}
    for kind in sorted(min_count):
        rec = min_count[kind] if isinstance(min_count[kind], Mapping) else {
            "required": min_count[kind]}
        required = int(rec.get("required") or 0)
        selected = int(rec.get("selected", by_kind.get(kind, 0)))
        met = bool(rec.get("met", selected >= required))
        rows.append([t("row.target_count", kind=kind_label(kind, lang)), Val(selected, COUNT),
                     t("unit.projects"),
                     t("verdict.count", required=required, selected=selected,
                       verdict=t("verdict.met" if met else "verdict.not_met"))])
    target, criterion, tyears = coverage_judgement(data)
    verdict = coverage_verdict(data)
    metrics = ("、" if lang == "zh" else ", ").join(
        metric_label(m, lang) for m in JUDGED_METRICS
        if any(c.metric == m for c in data.coverage or ()))
    rows.append([t("row.coverage_target"), Val(target, SHARE), "",
                 t(f"criterion.{criterion}" if criterion in ("ci_low", "mean")
                   else "criterion.ci_low", target=pct(target))])
    rows.append([t("row.coverage_verdict"),
                 t("verdict.not_simulated") if verdict is None
                 else t("verdict.met" if verdict else "verdict.not_met"), "",
                 "" if verdict is None else t("verdict.coverage", years=years_text(tyears, lang),
                                              metrics=metrics,
                                              verdict=t("verdict.met" if verdict
                                                        else "verdict.not_met"))])
    if data.plan:
        met = _plan_target_met(data.plan)
        if met is not None:
            reason = str(data.plan.get("stop_reason") or "")
            rows.append([t("row.plan_target"), t("verdict.met" if met else "verdict.not_met"),
                         "", t(f"plan.stop.{reason}") if has_term(f"plan.stop.{reason}")
                         else str(data.plan.get("stop_text") or reason)])
        iters = data.plan.get("iterations")
        n_iter = len(iters) if isinstance(iters, list) else iters
        if isinstance(n_iter, int):
            rows.append([t("row.plan_iterations"), Val(n_iter, COUNT), t("unit.times"), ""])
        extra = _plan_extra_budget(data.plan)
        for y, v in sorted(extra.items()):
            rows.append([t("row.extra_budget", year=y), Val(v, MONEY), u, ""])
        if len(extra) > 1:
            rows.append([t("row.extra_budget_total"), Val(sum(extra.values(), Decimal(0)),
                                                           MONEY), u, ""])
    least = data.least_cost or ((data.plan or {}).get("least_cost") or None)
    if isinstance(least, Mapping):
        lc_total = least.get("total")
        if isinstance(lc_total, (int, float)):
            scale = least.get("scale")
            rows.append([t("row.least_cost"), Val(Decimal(str(lc_total)), MONEY), u,
                         t("note.least_cost_scale", scale=f"{scale:.4f}")
                         if isinstance(scale, (int, float)) else ""])
            by_year = least.get("budget_by_year") or {}
            if isinstance(by_year, Mapping):
                for y in sorted(by_year, key=lambda k: int(k)):
                    if isinstance(by_year[y], (int, float)):
                        rows.append([t("row.least_cost_year", year=y),
                                     Val(Decimal(str(by_year[y])), MONEY), u, ""])
    rows.append([t("row.status"), t(f"status.{data.status}"), "", str(s.get("solver") or "")])
    gap = s.get("gap")
    if isinstance(gap, (int, float)):
        rows.append([t("row.gap"), Val(float(gap), GAP), "", ""])
    obj = s.get("objective")
    if isinstance(obj, (int, float)):
        rows.append([t("row.objective", kind=str(s.get("objective_kind")
                                                 or ((data.scenario or {}).get("objective") or {})
                                                 .get("kind") or "")),
                     Val(float(obj), NUMBER), "", ""])
    bound = s.get("best_bound")
    if isinstance(bound, (int, float)):
        rows.append([t("row.best_bound"), Val(float(bound), NUMBER), "", ""])
    notes = [t("note.money", unit=u)]
    if not data.has_year_costs:
        notes.append(t("note.no_year_costs"))
    if data.status == "feasible" and isinstance(gap, (int, float)):
        notes.append(t("note.feasible", gap=format_cell(float(gap), GAP)))
    return Table("summary", t("sheet.summary"), t("heading.summary"),
                 [Col(t("col.item")), Col(t("col.value"), TEXT), Col(t("col.unit")),
                  Col(t("col.note"))], rows, notes=notes)


def _plan_target_met(plan: Mapping[str, Any]) -> bool | None:
    """plan.json's own verdict ("met"), when it gives one."""
    for key in ("met", "target_met"):
        if isinstance(plan.get(key), bool):
            return plan[key]
    return None


def _plan_extra_budget(plan: Mapping[str, Any]) -> dict[int, Decimal]:
    """Extra money per year the least-cost plan needs beyond the budget (plan.json)."""
    for source in (plan.get("least_cost"), plan):
        if not isinstance(source, Mapping):
            continue
        v = source.get("extra_budget_by_year")
        if isinstance(v, Mapping):
            return {int(y): Decimal(str(x)) for y, x in v.items()
                    if is_year(y) and isinstance(x, (int, float)) and x}
    return {}
