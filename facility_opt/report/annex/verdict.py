"""The coverage verdict the annex states: the one target judgement of summary.json `coverage`
(plain and effective coverage per target year; solve and plan write it), the probability across
futures (robustness.json), and the simulated coverage table (coverage.csv). Without the
`coverage` record (results of older versions) the verdict falls back to coverage.csv."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from facility_opt.report.annex.data import AnnexData, CoverageRow
from facility_opt.report.annex.document import (
    COUNT,
    SHARE,
    YEAR,
    Col,
    Table,
    Val,
    format_cell,
)
from facility_opt.report.terms import has_term, metric_label, term

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


# -- the one target judgement (summary.json `coverage`, written by solve and plan) ---------------
def _block(data: AnnexData) -> list[tuple[int, dict[str, Any]]]:
    out = []
    for y, rec in (data.coverage_block or {}).items():
        if str(y).isdigit() and isinstance(rec, Mapping):
            out.append((int(y), dict(rec)))
    return sorted(out)


def _share(n: Any, of: Any) -> float | None:
    return n / of if isinstance(n, int) and isinstance(of, int) and of else None


def _met_word(met: Any, lang: str) -> str:
    return term("verdict.not_judged" if met is None else
                "verdict.met" if met else "verdict.not_met", lang)


def robustness_p(data: AnnexData) -> tuple[float, float | None, float | None, Any] | None:
    """(p_met, interval low, interval high, futures) of robustness.json, when futures ran."""
    r = data.robustness or {}
    p = r.get("p_met")
    if not isinstance(p, (int, float)):
        return None
    lo = hi = None
    v = r.get("p_met_ci95")  # the 95 % Wilson interval, as futures and plan --robust write it
    if isinstance(v, (list, tuple)) and len(v) == 2:
        lo, hi = v
    return float(p), lo, hi, r.get("futures")


def verdict_rows(data: AnnexData, lang: str) -> list[list[Any]]:
    """The summary's verdict lines: per target year plain coverage and, where computed, effective
    coverage against the target, and the probability across futures."""
    t = lambda key, **kw: term(key, lang, **kw)  # noqa: E731
    rows: list[list[Any]] = []
    block = _block(data)
    target = next((r.get("target") for _, r in block if r.get("target") is not None), None)
    if target is not None:
        rows.append([t("row.coverage_target"), Val(float(target), SHARE), "",
                     t(f"basis.{block[0][1].get('basis')}")
                     if has_term(f"basis.{block[0][1].get('basis')}") else ""])
    for y, r in block:
        tgt = pct(float(r["target"])) if r.get("target") is not None else "—"
        plain_met = (None if r.get("target") is None else
                     (_share(r.get("covered"), r.get("communities")) or 0) >= float(r["target"])
                     - 1e-12)
        rows.append([t("row.plain_verdict"), _met_word(plain_met, lang), "",
                     t("verdict.share", year=y, covered=r.get("covered"),
                       communities=r.get("communities"),
                       share=pct(_share(r.get("covered"), r.get("communities")) or 0.0),
                       target=tgt, verdict=_met_word(plain_met, lang))])
        if r.get("effective_covered") is not None:
            eff_met = (None if r.get("target") is None else
                       (_share(r["effective_covered"], r.get("communities")) or 0)
                       >= float(r["target"]) - 1e-12)
            rows.append([t("row.effective_verdict"), _met_word(eff_met, lang), "",
                         t("verdict.share", year=y, covered=r["effective_covered"],
                           communities=r.get("communities"),
                           share=pct(_share(r["effective_covered"], r.get("communities"))
                                     or 0.0), target=tgt, verdict=_met_word(eff_met, lang))])
        # the verdict itself: the one judgement (summary.json's `met`), on effective coverage when
        # the turned-away limit is on, else on coverage within reach — so value and note agree
        rows.append([t("row.coverage_verdict"), _met_word(r.get("met"), lang), "",
                     t("verdict.judged_effective" if r.get("effective_covered") is not None
                       else "verdict.judged_plain", year=y)])
    p = robustness_p(data)
    if p is not None:
        prob, lo, hi, futures = p
        rows.append([t("row.p_met"), Val(prob, SHARE), "",
                     t("verdict.p_met", p=pct(prob),
                       low=pct(float(lo)) if lo is not None else "—",
                       high=pct(float(hi)) if hi is not None else "—",
                       futures=futures if futures is not None else "—")])
    return rows


def verdict_table(data: AnnexData, lang: str) -> Table | None:
    """Per target year: basis, communities covered, share, effectively covered, target, verdict
    (summary.json `coverage`); None when the results hold no such record."""
    block = _block(data)
    if not block:
        return None
    t = lambda key, **kw: term(key, lang, **kw)  # noqa: E731
    cols = [Col(t("col.year"), YEAR), Col(t("col.basis")), Col(t("col.covered"), COUNT),
            Col(t("col.communities"), COUNT), Col(t("col.share"), SHARE),
            Col(t("col.effective_covered"), COUNT), Col(t("col.effective_share"), SHARE),
            Col(t("col.target"), SHARE), Col(t("col.verdict"))]
    rows = []
    for y, r in block:
        basis = str(r.get("basis") or "")
        rows.append([y, t(f"basis.{basis}") if has_term(f"basis.{basis}") else basis,
                     r.get("covered"), r.get("communities"),
                     _share(r.get("covered"), r.get("communities")), r.get("effective_covered"),
                     _share(r.get("effective_covered"), r.get("communities")),
                     r.get("target"), _met_word(r.get("met"), lang)])
    mta = ((data.scenario or {}).get("targets") or {}).get("max_turned_away")
    notes = [t("note.verdict", max_turned_away=pct(float(mta)))
             if isinstance(mta, (int, float)) and mta < 1 else t("note.verdict_plain")]
    p = robustness_p(data)
    if p is not None:
        prob, lo, hi, futures = p
        notes.append(t("row.p_met") + ("：" if lang == "zh" else ": ") + t(
            "verdict.p_met", p=pct(prob), low=pct(float(lo)) if lo is not None else "—",
            high=pct(float(hi)) if hi is not None else "—",
            futures=futures if futures is not None else "—"))
    return Table("verdict", t("sheet.verdict"), t("heading.verdict"), cols, rows, notes=notes)
