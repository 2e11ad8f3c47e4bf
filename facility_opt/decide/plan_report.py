"""What `plan` writes and says: plan.json, the verdict line, the results folder.

The verdict line states its kind in words a hearing can check: "TARGET MET (simulated)",
"TARGET NOT MET (proven)" with the exact extra money, or "… (estimate)" with the reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from facility_opt.decide.plan import CoverageFigure, PlanResult
from facility_opt.model.targets import CoverageVerdict, effective_on, required_covered, target_years

STOP_REASONS = {"met_simulated": "met", "not_met_proven": "infeasible",
                "not_met_estimate": "max_iterations"}  # plan.json stop_reason per verdict kind

KIND_TEXT = {
    "met_simulated": "TARGET MET (simulated)",
    "not_met_proven": "TARGET NOT MET (proven)",
    "not_met_estimate": "TARGET NOT MET (estimate)",
}


def money(v: float, unit: str) -> str:
    return f"{v:,.0f} {unit}" if abs(v - round(v)) < 5e-3 else f"{v:,.2f} {unit}"


def _verdicts(v: Mapping[int, CoverageVerdict] | None) -> dict[str, Any] | None:
    return None if v is None else {str(y): x.record() for y, x in sorted(v.items())}


def _figures(f: Mapping[int, Mapping[str, CoverageFigure]], years: Sequence[int]) -> dict:
    return {str(y): {m: x.as_dict() for m, x in sorted(f.get(y, {}).items())} for y in years}


def least_cost_record(res: PlanResult) -> dict[str, Any] | None:
    """The priced shortfall: proportional budgets and extra per year, the free split, status."""
    lc, sc = res.least_cost, res.scenario
    if lc is None:
        return {"error": res.least_cost_error} if res.least_cost_error else None
    extra = res.extra_budget_by_year
    free = res.free_budget_by_year
    return {
        "status": lc.status.value, "gap": lc.gap,
        "proof": ("optimal: HiGHS proved no smaller budget meets every rule, target and cut"
                  if lc.status.value == "optimal" else
                  f"within a gap of {100 * (lc.gap or 0):.2f} %: no budget below "
                  f"{lc.lower_total} meets them"),
        "scale": lc.scale,
        "budget_by_year": {str(y): float(v) for y, v in sorted(lc.budget_by_year.items())},
        "total": float(lc.total),
        "extra_budget_by_year": {str(y): v for y, v in sorted(extra.items())},
        "extra_budget_total": float(sum(extra.values())),
        "free_budget_by_year": ({str(y): float(v) for y, v in sorted(free.items())}
                                if free is not None else None),
        "free_total": res.free_total,
        "free_extra_total": res.free_extra_total,
        "selected": lc.result.selected_ids if lc.result is not None else None,
        "coverage": _verdicts(res.least_cost_verdicts),
        "target_met_simulated": (None if res.least_cost_verdicts is None else
                                 all(v.met is not False for v in res.least_cost_verdicts.values())),
        "unit": sc.budget.unit,
    }


def plan_record(res: PlanResult) -> dict[str, Any]:
    """plan.json: the verdict, its kind and proof, every round and every cut."""
    sc = res.scenario
    years = sorted({*target_years(sc), *(y for r in res.rounds for y in r.figures)})
    fin = res.final
    rec: dict[str, Any] = {
        "scenario": sc.name, "budget_unit": sc.budget.unit,
        "target": sc.targets.daycare_coverage, "criterion": sc.targets.criterion,
        "target_years": list(target_years(sc)), "required_covered": required_covered(sc),
        "communities": len(sc.communities or ()),
        "max_turned_away": sc.targets.max_turned_away, "effective": effective_on(sc),
        "seed": res.seed, "replications": res.replications,
        "met": res.met, "verdict_kind": res.verdict_kind, "verdict_reason": res.reason,
        "stop_reason": STOP_REASONS[res.verdict_kind],
        "verdict": verdict_text(res),
        "coverage": _verdicts(fin.verdicts),
        "requirements": [c.as_dict() for c in res.cuts],
        "least_cost": least_cost_record(res),
        "iterations": [],
    }
    for r in res.rounds:
        rec["iterations"].append({
            "iteration": r.round, "status": r.status, "gap": r.gap, "objective": r.objective,
            "objective_kind": "coverage" if r.best_coverage else sc.objective.kind,
            "total_cost": r.total_cost,
            "spend_by_year": {str(y): v for y, v in sorted(r.spend_by_year.items())},
            "selected": sorted(r.portfolio.starts), "added": r.added, "removed": r.removed,
            "requirements_added": [c.as_dict() for c in r.cuts_added],
            "coverage": _verdicts(r.verdicts),
            # the years this round simulated: the target years (the plan kept: every year)
            "coverage_after": _figures(r.figures, sorted(r.figures) or years),
            "met": r.met,
        })
    return rec


def _cov_text(sc, verdicts: Mapping[int, CoverageVerdict]) -> str:
    parts = []
    for y, v in sorted(verdicts.items()):
        text = f"{y}: {v.covered}/{v.communities} within reach ({100 * v.share:.1f} %)"
        if v.effective_covered is not None and effective_on(sc):
            text += (f", {v.effective_covered} effectively covered (≤ "
                     f"{100 * sc.targets.max_turned_away:g} % turned away)")
        parts.append(text)
    return "; ".join(parts)


def verdict_text(res: PlanResult) -> str:
    """The one line a planner reads first: which kind of verdict, with what, at what cost."""
    sc = res.scenario
    unit = sc.budget.unit
    fin = res.final
    kinds: dict[str, int] = {}
    for c in sc.candidates:
        if c.id in fin.portfolio:
            kinds[c.kind] = kinds.get(c.kind, 0) + 1
    what = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())) or "no projects"
    target = f"≥ {100 * sc.targets.daycare_coverage:g} %, {required_covered(sc)} of " \
             f"{len(sc.communities or ())} communities"
    head = (f"{KIND_TEXT[res.verdict_kind]} ({target}) with {len(fin.portfolio)} projects "
            f"({what}) costing {fin.total_cost:,.0f} of {money(sc.budget.total, unit)} — "
            f"{_cov_text(sc, fin.verdicts)}")
    if res.met:
        return head
    if res.verdict_kind == "not_met_estimate":
        head += f". Estimate: {res.reason}"
    lc = res.least_cost
    if lc is not None:
        extra = ", ".join(f"{y} +{v:,.0f}" for y, v in
                          sorted(res.extra_budget_by_year.items()))
        how = "proven" if lc.status.value == "optimal" else "within a gap"
        head += (f". Least money meeting every target ({how}): {money(lc.total, unit)} in the "
                 f"scenario's proportions, extra {extra} "
                 f"(total +{money(sum(res.extra_budget_by_year.values()), unit)})")
        free = res.free_total
        if free is not None:
            head += f"; with a free split across years {money(float(free), unit)}"
            head += f" (+{money(res.free_extra_total or 0.0, unit)})"
        if res.least_cost_verdicts is not None:
            ok = all(v.met is not False for v in res.least_cost_verdicts.values())
            head += (", simulated with it: target " + ("met" if ok else "not met — the money "
                     "is a proven minimum, more may be needed"))
    elif res.least_cost_error:
        head += f". No budget meets every target: {res.least_cost_error}"
    return head


def write_plan_outputs(folder, res: PlanResult, *, lang: str = "auto", workers: int = 1) -> None:
    """Everything solve and simulate write for the final portfolio, plus plan.json, the coverage
    entry of summary.json, least_cost.json when priced, and plan.png / plan.svg."""
    import json
    from functools import partial

    from facility_opt.report import maps, plots
    from facility_opt.simulate.core import write_simulation_outputs
    from facility_opt.solve.core import summary_record, write_solve_outputs

    sc = res.scenario
    write_solve_outputs(folder, sc, res.solve_result, least=res.least_cost)
    write_simulation_outputs(folder, sc, res.simulation)
    record = plan_record(res)
    folder.write_json("plan.json", record)
    summary = summary_record(sc, res.solve_result)
    summary["coverage"] = record["coverage"]
    summary["plan"] = {k: record[k] for k in ("met", "verdict_kind", "verdict_reason", "verdict",
                                              "target", "criterion", "target_years",
                                              "max_turned_away")}
    lc = record["least_cost"]
    if lc and "error" not in lc:
        summary["plan"]["extra_budget_by_year"] = lc["extra_budget_by_year"]
        summary["plan"]["free_total"] = lc["free_total"]
    folder.write_json("summary.json", summary)
    cov_path = folder.path / "coverage.csv"
    final = plots.coverage_data({sc.name: plots.read_csv_rows(cov_path)}) if cov_path.exists() else []
    plan_plot = partial(_draw_plan, plots.plan_iterations_data(json.loads(json.dumps(record))),
                        final, folder.path / "plan", sc.title or sc.name, lang)
    # plan.png/.svg, then map_city, map_<county> (.png, .svg): drawn in the same processes
    maps.write_maps(folder.path, folder.path, lang=lang, workers=workers, also=[plan_plot])


def _draw_plan(iterations, final, stem, title: str, lang: str) -> list:
    """plan.png/.svg, in whichever process draws it: the label font is set up there."""
    from facility_opt.report import plots

    return plots.draw_plan(iterations, final, stem, title=title, labels=plots.plot_labels(lang))
