"""What `plan --robust` writes and says: plan.json (plan's keys plus `robust`), futures.csv and
robustness.json of the final portfolio, the solve files, the futures and P(met)-budget plots."""

from __future__ import annotations

from typing import Any

from facility_opt.decide.plan_report import KIND_TEXT, STOP_REASONS, money
from facility_opt.decide.robust import RobustResult
from facility_opt.model.targets import effective_on, required_covered, target_years

ROBUST_PLOT = "robust_budget"


def _share_text(res: RobustResult) -> str:
    return f"in ≥ {res.required} of {res.setup.futures} futures ({res.share:.0%})"


def verdict_text(res: RobustResult) -> str:
    """The one line a planner reads first."""
    sc = res.scenario
    unit = sc.budget.unit
    fin = res.final if res.rounds else None
    target = (f"≥ {100 * sc.targets.daycare_coverage:g} % ({required_covered(sc)} of "
              f"{len(sc.communities or ())} communities) {_share_text(res)}")
    head = f"ROBUST {KIND_TEXT[res.verdict_kind]}: target {target}"
    if fin is not None:
        head += (f"; the {'' if res.met else 'best '}plan: {len(fin.portfolio)} projects costing "
                 f"{fin.total_cost:,.0f} of {money(sc.budget.total, unit)}, which "
                 f"{fin.simulated.verdict()}")
    if res.met:
        return head
    if res.verdict_kind == "not_met_estimate":
        head += f". Estimate: {res.reason}"
    lc = res.least_cost
    if lc is not None:
        how = "proven" if lc.status.value == "optimal" else "within a gap"
        extra = ", ".join(f"{y} +{v:,.0f}" for y, v in sorted(res.extra_budget_by_year.items()))
        head += (f". Least money meeting the requirements {_share_text(res)} ({how}): "
                 f"{money(lc.total, unit)} in the scenario's proportions, extra {extra}")
        if lc.free_total is not None:
            head += f"; with a free split across years {money(float(lc.free_total), unit)}"
        if res.least_cost_simulated is not None:
            head += f"; simulated with it, the plan {res.least_cost_simulated.verdict()}"
    elif res.least_cost_error:
        head += (f". No budget meets the target {_share_text(res)} with these candidates: "
                 f"{res.least_cost_error}")
    return head


def robust_record(res: RobustResult) -> dict[str, Any]:
    """plan.json of a robust plan: plan's verdict keys, every round, the futures used."""
    sc = res.scenario
    fin = res.final if res.rounds else None
    lc = res.least_cost
    least = None
    if lc is not None:
        least = {**lc.as_dict(), "extra_budget_by_year": {str(y): v for y, v in
                                                          sorted(res.extra_budget_by_year.items())},
                 "extra_budget_total": float(sum(res.extra_budget_by_year.values())),
                 "target_met_simulated": (None if res.least_cost_simulated is None else
                                          res.least_cost_simulated.met_count >= res.required),
                 "futures_met_simulated": (None if res.least_cost_simulated is None else
                                           res.least_cost_simulated.met_count),
                 "unit": sc.budget.unit}
    elif res.least_cost_error:
        least = {"error": res.least_cost_error}
    setup = res.setup
    return {
        "scenario": sc.name, "budget_unit": sc.budget.unit,
        "target": sc.targets.daycare_coverage, "criterion": sc.targets.criterion,
        "target_years": list(target_years(sc)), "required_covered": required_covered(sc),
        "communities": len(sc.communities or ()),
        "max_turned_away": sc.targets.max_turned_away, "effective": effective_on(sc),
        "met": res.met, "verdict_kind": res.verdict_kind, "verdict_reason": res.reason,
        "stop_reason": STOP_REASONS[res.verdict_kind],
        "verdict": verdict_text(res),
        "least_cost": least,
        "robust": {
            "share": res.share, "required_futures": res.required, "futures": setup.futures,
            "seed": setup.seed, "simulation_seed": sc.simulation.seed,
            "replications_per_future": res.replications, "sampled_days": setup.days,
            "inputs": list(sc.uncertainty.inputs),
            "futures_used": [{"future": i + 1, **f} for i, f in enumerate(setup.sampled)],
            "futures_met_simulated": fin.met_count if fin else None,
            "futures_met_estimated": sum(fin.estimated_met) if fin else None,
            "best_within_budget_estimated": res.best_within_budget,
            "best_any_budget_estimated": res.best_any_budget,
            "cuts": [{"future": f + 1, "community_id": (sc.communities or ())[k].id, "year": t,
                      "min_new_places": m} for (f, k, t), m in sorted(res.cuts.items())],
            "budget_curve": [p.record() for p in res.curve],
            "budget_curve_basis": "exact least budget for the MILP's requirements (each "
                                  "future's sizing and the simulation's cuts): an estimate of "
                                  "the simulated share",
        },
        "iterations": [{
            "iteration": r.round, "status": r.status, "gap": r.gap, "objective": r.objective,
            "total_cost": r.total_cost,
            "spend_by_year": {str(y): v for y, v in sorted(r.spend_by_year.items())},
            "selected": sorted(r.portfolio.starts), "cuts_added": r.cuts_added,
            "futures_met_estimated": sum(r.estimated_met),
            "futures_met_simulated": r.met_count,
            "met_estimated": [int(m) for m in r.estimated_met],
            "met": r.met_count >= res.required,
        } for r in res.rounds],
    }


def write_robust_outputs(folder, res: RobustResult, *, lang: str = "auto",
                         workers: int = 1) -> None:
    """The solve files of the final portfolio, its futures, plan.json, summary.json and plots."""
    from functools import partial

    from facility_opt.decide.futures import write_futures_files
    from facility_opt.report import maps
    from facility_opt.report.robust_plot import draw_robust_budget
    from facility_opt.solve.core import summary_record, write_solve_outputs

    sc = res.scenario
    write_solve_outputs(folder, sc, res.solve_result, least=res.least_cost)
    fin = res.final
    sim = fin.simulated
    write_futures_files(folder, sim, title=sc.title or sc.name, lang=lang)
    record = robust_record(res)
    folder.write_json("plan.json", record)
    summary = summary_record(sc, res.solve_result)
    summary["plan"] = {k: record[k] for k in ("met", "verdict_kind", "verdict_reason", "verdict",
                                              "target", "criterion", "target_years",
                                              "max_turned_away")}
    summary["plan"]["robust"] = {k: record["robust"][k] for k in (
        "share", "required_futures", "futures", "futures_met_simulated")}
    folder.write_json("summary.json", summary)
    folder.manifest["futures"] = {"futures": res.setup.futures, "seed": res.setup.seed,
                                  "simulation_seed": sc.simulation.seed,
                                  "replications_per_future": res.replications,
                                  "sampled_days": res.setup.days, "robust_share": res.share}
    points = []
    n = res.setup.futures
    for kind, total, s in (("robust", sc.budget.total, sim),
                           ("least", res.least_cost.total if res.least_cost else None,
                            res.least_cost_simulated)):
        if s is not None and total is not None:
            lo, hi = s.interval
            en = "robust plan" if kind == "robust" else "least-cost plan"
            zh = "稳健方案" if kind == "robust" else "最少预算方案"
            points.append({"total": float(total), "p_met": s.p_met, "low": lo, "high": hi,
                           "kind": kind,
                           "label": f"{en} at {total:,.0f}, simulated: {s.met_count}/{n} met",
                           "label_zh": f"{zh}（{total:,.0f}）模拟：{s.met_count}/{n} 个情景达标"})
    name = sc.title or sc.name
    budget_plot = partial(
        draw_robust_budget, [p.record() for p in res.curve], folder.path / ROBUST_PLOT,
        budget_total=float(sc.budget.total), unit=sc.budget.unit, simulated=points,
        title=f"{name}: share of futures meeting the target against the budget "
              f"(asked: ≥ {res.required}/{n})",
        title_zh=f"{name}：达标情景比例与预算（要求 ≥ {res.required}/{n}）",
        most_any_budget=None if res.best_any_budget is None else res.best_any_budget / n,
        lang=lang)
    # drawn with the maps, in the same processes
    maps.write_maps(folder.path, folder.path, lang=lang, workers=workers, also=[budget_plot])
