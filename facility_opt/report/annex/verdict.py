"""The coverage verdict the annex states, and its coverage table."""

from __future__ import annotations

from collections.abc import Sequence

from facility_opt.report.annex.data import AnnexData, CoverageRow
from facility_opt.report.annex.document import (
    SHARE,
    YEAR,
    Col,
    Table,
    format_cell,
)
from facility_opt.report.terms import metric_label, term

JUDGED_METRICS = ("facility_coverage", "service_coverage")


def pct(x: float) -> str:
    return format_cell(x, SHARE)


def years_text(years: Sequence[int], lang: str) -> str:
    return ("、" if lang == "zh" else ", ").join(str(y) for y in years)


def coverage_judgement(data: AnnexData) -> tuple[float, str, list[int]]:
    """The day-care target, how it is judged, and its target years: as plan recorded them
    (plan.json), else as the scenario sets them, else the defaults (0.90, lower 95 % bound, the
    last funding year)."""
    targets = (data.scenario or {}).get("targets") or {}
    plan = data.plan or (data.summary.get("plan") if isinstance(data.summary.get("plan"), dict)
                         else None) or {}
    target = plan.get("target") or targets.get("daycare_coverage") or 0.90
    criterion = plan.get("criterion") or targets.get("criterion") or "ci_low"
    years = (plan.get("target_years") or targets.get("target_years")
             or ([data.years[-1]] if data.years else []))
    return float(target), str(criterion), [int(y) for y in years]


def coverage_met(row: CoverageRow, target: float, criterion: str) -> bool:
    value = row.mean if criterion == "mean" else row.ci_low
    return value >= target - 1e-12


def coverage_verdict(data: AnnexData) -> bool | None:
    """Met when every judged metric found in coverage.csv meets the target in every target year
    (a target year the simulation does not cover counts as not met, as in plan); None when
    nothing was simulated for the target years."""
    if not data.coverage:
        return None
    target, criterion, years = coverage_judgement(data)
    metrics = [m for m in JUDGED_METRICS if any(c.metric == m for c in data.coverage)]
    rows = {(c.year, c.metric): c for c in data.coverage}
    if not any((y, m) in rows for y in years for m in metrics):
        return None
    return all((y, m) in rows and coverage_met(rows[(y, m)], target, criterion)
               for y in years for m in metrics)


def coverage_table(data: AnnexData, lang: str) -> Table:
    t = lambda key, **kw: term(key, lang, **kw)  # noqa: E731
    cols = [Col(t("col.year"), YEAR), Col(t("col.metric")), Col(t("col.mean"), SHARE),
            Col(t("col.ci_low"), SHARE), Col(t("col.ci_high"), SHARE),
            Col(t("col.p_target_met"), SHARE), Col(t("col.target"), SHARE),
            Col(t("col.target_year")), Col(t("col.verdict"))]
    target, criterion, tyears = coverage_judgement(data)
    crit_key = f"criterion.{criterion}" if criterion in ("ci_low", "mean") else "criterion.ci_low"
    rows = []
    notes = []
    if data.coverage is None:
        notes.append(t("note.coverage_missing"))
    else:
        for c in data.coverage:
            met = coverage_met(c, target, criterion)
            rows.append([c.year, metric_label(c.metric, lang), c.mean, c.ci_low, c.ci_high,
                         c.p_target_met, target, t("yes" if c.year in tyears else "no"),
                         t("verdict.met" if met else "verdict.not_met")])
        metrics = ("、" if lang == "zh" else ", ").join(metric_label(m, lang)
                                                       for m in JUDGED_METRICS)
        notes.append(t("note.coverage_rule", criterion=t(crit_key, target=pct(target)),
                       years=years_text(tyears, lang), metrics=metrics))
        reps = (data.manifest or {}).get("replications") or (
            (data.scenario or {}).get("simulation") or {}).get("replications")
        if reps:
            notes.append(t("note.coverage_ci", replications=reps))
    return Table("coverage", t("sheet.coverage"), t("heading.coverage"), cols, rows, notes=notes)
