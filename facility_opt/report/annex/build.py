"""The annex's content in one language: the same tables feed Excel, PDF and Markdown."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from facility_opt import __version__
from facility_opt.model.money import UNIT_EN, cents
from facility_opt.report.annex.assumptions import assumptions_table, in_language, is_year, provenance_table
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
    beijing,
    format_cell,
)
from facility_opt.report.annex.tables import (
    county_table,
    funding_table,
    projects_table,
    sources_table,
    unfunded_table,
)
from facility_opt.report.annex.verdict import (
    JUDGED_METRICS,
    coverage_judgement,
    coverage_table,
    coverage_verdict,
    pct,
    verdict_rows,
    verdict_table,
    years_text,
)
from facility_opt.report.terms import has_term, kind_label, metric_label, term

FIGURE_KINDS = (("spend", "fig.spend"), ("coverage", "fig.coverage"), ("plan", "fig.plan"),
                ("map", "fig.map"), ("frontier", "fig.frontier"))


def doc_title(data: AnnexData, lang: str) -> str:
    """The title in one language: the scenario title's parts in that language (a bilingual title
    "乐山 · Leshan …" gives 乐山 in Chinese, Leshan … in English), else the scenario name."""
    return in_language(data.title, lang) or data.scenario_name


def cover_table(data: AnnexData, lang: str) -> Table:
    """编制单位, 编制日期 (Beijing time), 联系人, 审核, 盖章: from the scenario's [annex] table, blank
    lines to fill in by hand where it gives none."""
    t = lambda key, **kw: term(key, lang, **kw)  # noqa: E731
    given = ((data.scenario or {}).get("annex") or {})
    blank = t("cover.blank")
    rows = [[t("cover.organisation"), str(given.get("organisation") or blank)],
            [t("cover.date"), beijing(data.ended, lang)],
            [t("cover.contact"), str(given.get("contact") or blank)],
            [t("cover.reviewer"), str(given.get("reviewer") or blank)],
            [t("cover.seal"), t("cover.seal_blank")]]
    notes = [t("note.mismatch", text=m) for m in data.mismatches]
    return Table("cover", t("sheet.cover"), t("heading.cover"),
                 [Col(t("col.field")), Col(t("col.value"))], rows, notes=notes)


def _captions(tables: list[Table], others: list[Path], lang: str) -> dict[Path, str]:
    out: dict[Path, str] = {}
    for fig in [f for tb in tables for f in tb.figures] + others:
        key = next((k for prefix, k in FIGURE_KINDS if fig.name.startswith(prefix)), "fig.other")
        out[fig] = term("doc.figure", lang, n=len(out) + 1, caption=term(key, lang))
    return out


def _numeral(n: int, lang: str) -> str:
    """Section numbers: 一、二、… in Chinese, 1, 2, … in English."""
    if lang != "zh":
        return str(n)
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")


def build_doc(data: AnnexData, lang: str = "zh", no_cjk_note: bool = False) -> AnnexDoc:
    """The annex's content in one language: the same tables feed Excel, PDF and Markdown.

    `no_cjk_note`: the document will be printed without a CJK font, so it says so and names the
    money unit in English (万元 → 10,000 yuan)."""
    if no_cjk_note or lang == "en":  # one language: 万元 reads "10,000 yuan" in English
        data = replace(data, unit=UNIT_EN.get(data.unit, data.unit))
    t = lambda key, **kw: term(key, lang, **kw)  # noqa: E731
    plots = {p.name: p for p in data.plots}
    spend_plots = [p for n, p in plots.items() if n.startswith("spend")]
    coverage_plots = [p for n, p in plots.items() if n.startswith(("coverage", "plan"))]
    other_plots = [p for p in data.plots if p not in spend_plots and p not in coverage_plots]
    funding = funding_table(data, lang)
    funding.figures = spend_plots
    coverage = coverage_table(data, lang)
    coverage.figures = coverage_plots
    tables = [cover_table(data, lang), summary_table(data, lang), verdict_table(data, lang),
              projects_table(data, lang), sources_table(data, lang), funding,
              county_table(data, lang), unfunded_table(data, lang), coverage,
              assumptions_table(data, lang), provenance_table(data, lang)]
    tables = [tb for tb in tables if tb is not None]
    for n, tb in enumerate(tables[1:], start=1):  # the cover block is not numbered
        tb.heading = t("doc.section", n=_numeral(n, lang), heading=tb.heading)
    version = str((data.manifest or {}).get("tool_version") or __version__)
    return AnnexDoc(lang=lang, title=t("doc.title", title=doc_title(data, lang)),
                    subtitle=t("doc.subtitle", scenario=data.scenario_name, version=version,
                               ended=beijing(data.ended, lang)),
                    tables=tables, figures=other_plots, created=data.ended,
                    no_cjk_note=no_cjk_note, captions=_captions(tables, other_plots, lang))


def summary_table(data: AnnexData, lang: str) -> Table:
    u = data.unit
    t = lambda key, **kw: term(key, lang, **kw)  # noqa: E731
    s = data.summary
    rows: list[list[Any]] = []
    rows.append([t("row.scenario"), doc_title(data, lang), "", data.scenario_name])
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
    real = real_budget(data)
    if real is not None and real != budget_total:  # e.g. solve --least-cost past the budget
        rows.append([t("row.scenario_budget"), Val(real, MONEY), u, ""])
        rows.append([t("row.budget_gap"), Val(data.total_cost - real, MONEY), u, ""])
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
    if data.coverage_block:
        rows += verdict_rows(data, lang)
    else:
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
            rows.append([t("row.least_cost"), Val(cents(lc_total), MONEY), u,
                         t("note.least_cost_scale", scale=f"{scale:.4f}")
                         if isinstance(scale, (int, float)) else ""])
            if real is not None:
                rows.append([t("row.scenario_budget"), Val(real, MONEY), u, ""])
                rows.append([t("row.least_cost_gap"), Val(cents(lc_total) - real, MONEY), u,
                             ""])
            by_year = least.get("budget_by_year") or {}
            if isinstance(by_year, Mapping):
                for y in sorted(by_year, key=lambda k: int(k)):
                    if isinstance(by_year[y], (int, float)):
                        rows.append([t("row.least_cost_year", year=y),
                                     Val(cents(by_year[y]), MONEY), u, ""])
    rows.append([t("row.status"), t(f"status.{data.status}"), "", str(s.get("solver") or "")])
    gap = s.get("gap")
    if isinstance(gap, (int, float)):
        rows.append([t("row.gap"), Val(float(gap), GAP), "", ""])
    obj = s.get("objective")
    if isinstance(obj, (int, float)):
        kind = data.objective_kind
        label = f"value.objective_{kind}"
        rows.append([t("row.objective", kind=t(label) if has_term(label) else kind),
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


def real_budget(data: AnnexData) -> Decimal | None:
    """The scenario's own annual budgets in total (scenario.json), in cents: the real budget,
    which a least-cost result's budget_by_year is not."""
    annual = ((data.scenario or {}).get("budget") or {}).get("annual")
    if not isinstance(annual, Mapping):
        return None
    return sum((cents(v) for v in annual.values() if isinstance(v, (int, float))), Decimal(0))


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
