"""The money tables of the annex: projects, funding sources, funding by year, counties, unfunded
candidates. Every amount is in
cents that foot (rounded once, in load.py): rows and columns add to the totals shown, exactly."""

from __future__ import annotations

from decimal import Decimal

from facility_opt.model.money import cents
from facility_opt.report.annex.data import AnnexData, Project
from facility_opt.report.annex.document import (
    AREA,
    COUNT,
    MONEY,
    SHARE,
    YEAR,
    Col,
    Table,
)
from facility_opt.report.terms import has_term, kind_label, term

TEXT_COLUMNS = ("description", "justification", "performance_target", "funding_source")


def projects_table(data: AnnexData, lang: str) -> Table:
    """Every funded project by start year: names (county and community, not codes), what it
    adds, its years' spend (cents that add up to its total), and the optional 建设内容, 必要性,
    绩效目标 and 资金来源 columns when the candidates table gives them."""
    u = data.unit
    t = lambda key, **kw: term(key, lang, **kw)  # noqa: E731
    texts = [k for k in TEXT_COLUMNS if any(getattr(p, k) for p in data.projects)]
    cols = [Col(t("col.id")), Col(t("col.name")), Col(t("col.kind")), Col(t("col.county")),
            Col(t("col.community")), Col(t("col.area_m2"), AREA),
            Col(t("col.daycare_places"), COUNT), Col(t("col.start_year"), YEAR),
            Col(t("col.completion_year"), YEAR)]
    year_cols = data.years if data.has_year_costs else []
    cols += [Col(t("col.cost_year", year=y, unit=u), MONEY) for y in year_cols]
    cols.append(Col(t("col.total", unit=u), MONEY))
    cols += [Col(t(f"col.{k}")) for k in texts]
    rows = []
    for p in data.projects:
        rows.append([p.id, p.name, kind_label(p.kind, lang), p.county,
                     p.community_name or p.community_id,
                     p.area_m2, p.daycare_places, p.start_year, p.completion_year,
                     *[p.cost_by_year.get(y, Decimal(0)) for y in year_cols], p.cost,
                     *[getattr(p, k) for k in texts]])
    total = [t("total"), "", "", "", "",
             sum(p.area_m2 or 0.0 for p in data.projects),
             sum(p.daycare_places or 0 for p in data.projects), None, None,
             *[data.spend_by_year[y] for y in year_cols], data.total_cost, *["" for _ in texts]]
    return Table("projects", t("sheet.projects"), t("heading.projects"), cols, rows, total,
                 notes=[t("note.money", unit=u)], freeze_cols=2)


def sources_table(data: AnnexData, lang: str) -> Table | None:
    """Totals by funding source (资金来源) per year, when any project names one."""
    if not any(p.funding_source for p in data.projects):
        return None
    u = data.unit
    t = lambda key, **kw: term(key, lang, **kw)  # noqa: E731
    year_cols = data.years if data.has_year_costs else []
    groups: dict[str, list[Project]] = {}
    for p in data.projects:
        groups.setdefault(p.funding_source, []).append(p)
    cols = [Col(t("col.funding_source")), Col(t("col.projects"), COUNT)]
    cols += [Col(t("col.cost_year", year=y, unit=u), MONEY) for y in year_cols]
    cols += [Col(t("col.total", unit=u), MONEY), Col(t("col.share_of_total"), SHARE)]
    rows = []
    for source in sorted(groups, key=lambda k: (k == "", k)):
        ps = groups[source]
        tot = sum((p.cost for p in ps), Decimal(0))
        rows.append([source or t("unknown"), len(ps),
                     *[sum((p.cost_by_year.get(y, Decimal(0)) for p in ps), Decimal(0))
                       for y in year_cols], tot,
                     float(tot / data.total_cost) if data.total_cost else None])
    total = [t("total"), len(data.projects), *[data.spend_by_year[y] for y in year_cols],
             data.total_cost, 1.0 if data.total_cost else None]
    return Table("sources", t("sheet.sources"), t("heading.sources"), cols, rows, total,
                 notes=[t("note.money", unit=u), t("note.sources")])


def unfunded_table(data: AnnexData, lang: str) -> Table | None:
    """Candidates left out, each with what forcing it in would do (force.csv)."""
    if not data.unfunded:
        return None
    u = data.unit
    t = lambda key, **kw: term(key, lang, **kw)  # noqa: E731
    key = f"value.objective_{data.objective_kind}"
    kind = term(key, lang) if has_term(key) else term("value.objective_benefit", lang)
    cols = [Col(t("col.id")), Col(t("col.name")), Col(t("col.kind")), Col(t("col.county")),
            Col(t("col.cost", unit=u), MONEY), Col(t("col.reason"))]
    rows = []
    for c in sorted(data.unfunded, key=lambda c: c.id):
        if c.feasible is None:
            reason = t("reason.unknown")
        elif not c.feasible:
            reason = t("reason.infeasible")
        elif c.objective_change is not None and c.objective_change < -1e-9:
            reason = t("reason.cost", kind=kind, loss=f"{-c.objective_change:,.2f}")
        else:
            reason = t("reason.no_loss")
        if c.feasible and c.status == "feasible":
            reason += t("reason.estimate")
        rows.append([c.id, c.name, kind_label(c.kind, lang), c.county, c.cost, reason])
    total = [t("total"), "", "", "", sum((c.cost for c in data.unfunded), Decimal(0)), ""]
    return Table("unfunded", t("sheet.unfunded"), t("heading.unfunded"), cols, rows, total,
                 notes=[t("note.money", unit=u), t("note.unfunded")], freeze_cols=2)


def scenario_budget_by_year(data: AnnexData) -> dict[int, Decimal] | None:
    """The scenario's own budgets (scenario.json budget.annual) in cents, when they differ from
    the budgets the plan was made under (a least-cost plan)."""
    annual = ((data.scenario or {}).get("budget") or {}).get("annual")
    if not isinstance(annual, dict):
        return None
    real = {y: cents(annual.get(str(y), annual.get(y, 0)) or 0) for y in data.years}
    return None if real == data.budget_by_year else real


def funding_table(data: AnnexData, lang: str) -> Table:
    """Per year: budget, requested, unused, share used, cumulative; beside them the scenario's
    real budget and the shortfall when the plan was made under another (least-cost) budget."""
    u = data.unit
    t = lambda key, **kw: term(key, lang, **kw)  # noqa: E731
    real = scenario_budget_by_year(data)
    cols = [Col(t("col.year"), YEAR), Col(t("col.budget", unit=u), MONEY),
            Col(t("col.spend", unit=u), MONEY), Col(t("col.unused", unit=u), MONEY),
            Col(t("col.share_used"), SHARE), Col(t("col.cumulative_budget", unit=u), MONEY),
            Col(t("col.cumulative_spend", unit=u), MONEY)]
    if real is not None:
        cols += [Col(t("col.scenario_budget", unit=u), MONEY), Col(t("col.gap", unit=u), MONEY)]
    rows = []
    cum_b = cum_s = Decimal(0)
    for y in data.years:
        b, s = data.budget_by_year[y], data.spend_by_year[y]
        cum_b += b
        cum_s += s
        extra = [real[y], s - real[y]] if real is not None else []
        rows.append([y, b, s, b - s, float(s / b) if b else None, cum_b, cum_s, *extra])
    tb = sum(data.budget_by_year.values(), Decimal(0))
    extra = []
    if real is not None:
        tr = sum(real.values(), Decimal(0))
        extra = [tr, data.total_cost - tr]
    total = [t("total"), tb, data.total_cost, tb - data.total_cost,
             float(data.total_cost / tb) if tb else None, None, None, *extra]
    carry = ((data.scenario or {}).get("budget") or {}).get("carry_over")
    return Table("funding", t("sheet.funding"), t("heading.funding"), cols, rows, total,
                 notes=[t("note.money", unit=u),
                        t("note.carry_over" if carry else "note.no_carry_over")])


def county_table(data: AnnexData, lang: str) -> Table:
    u = data.unit
    t = lambda key, **kw: term(key, lang, **kw)  # noqa: E731
    year_cols = data.years if data.has_year_costs else []
    groups: dict[str, list[Project]] = {}
    for p in data.projects:
        groups.setdefault(p.county, []).append(p)
    cols = [Col(t("col.county")), Col(t("col.projects"), COUNT), Col(t("col.area_m2"), AREA),
            Col(t("col.daycare_places"), COUNT)]
    cols += [Col(t("col.cost_year", year=y, unit=u), MONEY) for y in year_cols]
    cols += [Col(t("col.total", unit=u), MONEY), Col(t("col.share_of_total"), SHARE)]
    totals = {c: sum((p.cost for p in ps), Decimal(0)) for c, ps in groups.items()}
    rows = []
    for county in sorted(groups, key=lambda c: (-totals[c], c)):
        ps = groups[county]
        rows.append([county or t("unknown"), len(ps), sum(p.area_m2 or 0.0 for p in ps),
                     sum(p.daycare_places or 0 for p in ps),
                     *[sum((p.cost_by_year.get(y, Decimal(0)) for p in ps), Decimal(0))
                       for y in year_cols],
                     totals[county],
                     float(totals[county] / data.total_cost) if data.total_cost else None])
    total = [t("total"), len(data.projects), sum(p.area_m2 or 0.0 for p in data.projects),
             sum(p.daycare_places or 0 for p in data.projects),
             *[data.spend_by_year[y] for y in year_cols], data.total_cost,
             1.0 if data.total_cost else None]
    return Table("counties", t("sheet.counties"), t("heading.counties"), cols, rows, total,
                 notes=[t("note.money", unit=u)])
