"""The money tables of the annex: projects, funding by year, counties. Every amount is in
cents that foot (rounded once, in load.py): rows and columns add to the totals shown, exactly."""

from __future__ import annotations

from decimal import Decimal

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
from facility_opt.report.terms import kind_label, term


def projects_table(data: AnnexData, lang: str) -> Table:
    u = data.unit
    t = lambda key, **kw: term(key, lang, **kw)  # noqa: E731
    cols = [Col(t("col.id")), Col(t("col.name")), Col(t("col.kind")), Col(t("col.county")),
            Col(t("col.community")), Col(t("col.area_m2"), AREA),
            Col(t("col.daycare_places"), COUNT), Col(t("col.start_year"), YEAR),
            Col(t("col.completion_year"), YEAR)]
    year_cols = data.years if data.has_year_costs else []
    cols += [Col(t("col.cost_year", year=y, unit=u), MONEY) for y in year_cols]
    cols.append(Col(t("col.total", unit=u), MONEY))
    rows = []
    for p in data.projects:
        rows.append([p.id, p.name, kind_label(p.kind, lang), p.county, p.community_id,
                     p.area_m2, p.daycare_places, p.start_year, p.completion_year,
                     *[p.cost_by_year.get(y, Decimal(0)) for y in year_cols], p.cost])
    total = [t("total"), "", "", "", "",
             sum(p.area_m2 or 0.0 for p in data.projects),
             sum(p.daycare_places or 0 for p in data.projects), None, None,
             *[data.spend_by_year[y] for y in year_cols], data.total_cost]
    return Table("projects", t("sheet.projects"), t("heading.projects"), cols, rows, total,
                 notes=[t("note.money", unit=u)], freeze_cols=2)


def funding_table(data: AnnexData, lang: str) -> Table:
    u = data.unit
    t = lambda key, **kw: term(key, lang, **kw)  # noqa: E731
    cols = [Col(t("col.year"), YEAR), Col(t("col.budget", unit=u), MONEY),
            Col(t("col.spend", unit=u), MONEY), Col(t("col.unused", unit=u), MONEY),
            Col(t("col.share_used"), SHARE), Col(t("col.cumulative_budget", unit=u), MONEY),
            Col(t("col.cumulative_spend", unit=u), MONEY)]
    rows = []
    cum_b = cum_s = Decimal(0)
    for y in data.years:
        b, s = data.budget_by_year[y], data.spend_by_year[y]
        cum_b += b
        cum_s += s
        rows.append([y, b, s, b - s, float(s / b) if b else None, cum_b, cum_s])
    tb = sum(data.budget_by_year.values(), Decimal(0))
    total = [t("total"), tb, data.total_cost, tb - data.total_cost,
             float(data.total_cost / tb) if tb else None, None, None]
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
