"""What `solve` writes into a results folder (summary.json, selection.csv, spend.csv, …) and
the records behind them, built from a `SolveResult` in memory (never read back)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from facility_opt.model.types import Scenario
from facility_opt.results.folder import ResultsFolder

if TYPE_CHECKING:
    from facility_opt.solve.core import LeastCostResult, SolveResult



def selection_rows(scenario: Scenario, result: SolveResult) -> tuple[list[str], list[dict]]:
    """selection.csv: one row per candidate in table order, contract columns first."""
    from facility_opt.solve import milp

    years = list(scenario.years)
    cols = ["id", "name", "kind", "selected", "start_year", "cost", "completion_year", "county",
            "community_id", "area_m2", "daycare_places", "score", "benefit"]
    names = {m.id: m.name for m in scenario.communities or ()}
    text_cols = [k for k in ("description", "justification", "performance_target",
                             "funding_source") if any(getattr(c, k) for c in scenario.candidates)]
    cols += ["community_name", *text_cols]
    cols += [f"cost_{y}" for y in years]
    contrib = project_benefits(scenario, result)
    comms = milp.community_index(scenario)
    rows = []
    for c in scenario.candidates:
        sel = c.id in result.portfolio
        spend = result.spend_by_project.get(c.id, {})
        row = {"id": c.id, "name": c.name, "kind": c.kind, "selected": 1 if sel else 0,
               "start_year": result.portfolio.starts.get(c.id),
               "cost": float(c.cost), "completion_year": result.completion_year.get(c.id),
               "county": milp.candidate_county(c, comms) or "", "community_id": c.community_id
               or "", "area_m2": float(c.area_m2), "daycare_places": int(c.daycare_places),
               "score": c.score, "benefit": contrib.get(c.id),
               "community_name": names.get(c.community_id or "", ""),
               **{k: getattr(c, k) or "" for k in text_cols}}
        for y in years:
            row[f"cost_{y}"] = float(spend.get(y, 0.0))
        rows.append(row)
    return cols, rows


def project_benefits(scenario: Scenario, result: SolveResult) -> dict[str, float]:
    """Each selected project's contribution: the objective lost if it alone were dropped from the
    portfolio (others unchanged), from one evaluation of the portfolio
    (`facility_opt.solve.contributions`)."""
    from facility_opt.solve.contributions import project_benefits as contributions

    return contributions(scenario, result)


def summary_record(scenario: Scenario, result: SolveResult) -> dict[str, Any]:
    """summary.json: the contract keys plus what the annex and plots read. Deterministic: timings
    go to manifest.json, not here."""
    from facility_opt.solve import milp

    by_kind: dict[str, int] = {}
    for c in scenario.candidates:
        if c.id in result.portfolio:
            by_kind[c.kind] = by_kind.get(c.kind, 0) + 1
    targets = {"min_count": {k: {"required": n, "selected": by_kind.get(k, 0),
                                 "met": by_kind.get(k, 0) >= n}
                             for k, n in sorted(scenario.targets.min_count.items())}}
    r = scenario.rules
    rules = {"carry_over": scenario.budget.carry_over,
             "early_completion": r.early_completion,
             "early_completion_types": list(r.early_completion_types) if r.early_completion
             else [],
             "early_completion_year": r.early_completion_year if r.early_completion else None,
             "min_projects_per_county": r.min_projects_per_county,
             "max_county_share": r.max_county_share,
             "must_fund": [c.id for c in scenario.candidates if c.must_fund],
             "exclusive_groups": sorted({c.exclusive_group for c in scenario.candidates
                                         if c.exclusive_group}),
             "requires": {c.id: list(c.requires) for c in scenario.candidates if c.requires},
             "force_in": list(result.force_in), "force_out": list(result.force_out),
             "places_requirements": [{"community_id": q.community_id, "year": q.year,
                                      "min_places": q.min_places} for q in result.requirements]}
    rec = {
        "status": result.status.value,
        "objective": result.objective,
        "objective_kind": result.objective_kind,
        "best_bound": result.best_bound,
        "gap": result.gap,
        "gap_limit": result.gap_limit,
        "time_limit": result.time_limit,
        "total_cost": result.total_cost,
        "spend_by_year": {str(y): v for y, v in sorted(result.spend_by_year.items())},
        "budget_by_year": {str(y): v for y, v in sorted(result.budget_by_year.items())},
        "budget_unit": result.budget_unit,
        "solver": result.solver,
        "solver_version": result.solver_version,
        "scenario": scenario.name,
        "scenario_title": scenario.title,
        "selected_count": len(result.portfolio),
        "selected_by_kind": dict(sorted(by_kind.items())),
        "targets": targets,
        "rules": rules,
        "tie_break": result.tie_break,
        "model_size": result.model_size,
        "coverage": {str(y): v.record() for y, v in sorted(result.coverage.items())},
    }
    if result.benefit is not None:
        rec["benefit"] = result.benefit
    if result.objective_kind == "benefit":
        yrs = milp.benefit_years(scenario)
        rec["benefit_years"] = [yrs[0], yrs[-1]] if yrs else []
        rec["benefit_weights"] = {"households": scenario.objective.weight_households,
                                  "elderly": scenario.objective.weight_elderly}
    return rec


def spend_rows(result: SolveResult) -> list[dict[str, Any]]:
    rows, cb, cs = [], 0.0, 0.0
    for y in sorted(result.budget_by_year):
        b, s = result.budget_by_year[y], result.spend_by_year.get(y, 0.0)
        cb += b
        cs += s
        rows.append({"year": y, "budget": b, "spend": round(s, 6), "unused": round(b - s, 6),
                     "cumulative_budget": round(cb, 6), "cumulative_spend": round(cs, 6)})
    return rows


REACH_COLUMNS = ["community_id", "site_id", "site", "travel", "travel_unit"]


def reach_rows(scenario: Scenario) -> list[dict[str, Any]]:
    """reach.csv, written when a travel table decides reach: every (community, site) pair within
    `daycare.reach_travel` — existing centres, then candidates with places, nearest first — so
    the maps can draw what circles cannot."""
    from facility_opt.model.geometry import reach

    where = reach(scenario)
    rows = []
    for k in where.community_ids:
        for kind, ids, candidate in (("centre", where.centres_of(k), False),
                                     ("candidate", where.candidates_of(k), True)):
            for sid in ids:
                rows.append({"community_id": k, "site_id": sid, "site": kind,
                             "travel": where.travel(k, sid, candidate=candidate),
                             "travel_unit": where.unit})
    return rows


def write_solve_outputs(folder: ResultsFolder, scenario: Scenario, result: SolveResult,
                        explanation=None, least: LeastCostResult | None = None) -> None:
    """Write summary.json, selection.csv, spend.csv, scenario.json, solver.log, the explanation
    files and least_cost.json into a results folder, and the solver entries of the manifest."""
    from facility_opt.results.folder import scenario_manifest, scenario_record
    from facility_opt.scenario.sites import SITE_COLUMNS, site_rows

    folder.write_json("summary.json", summary_record(scenario, result))
    cols, rows = selection_rows(scenario, result)
    folder.write_csv("selection.csv", cols, rows)
    folder.write_csv("spend.csv", ["year", "budget", "spend", "unused", "cumulative_budget",
                                   "cumulative_spend"], spend_rows(result))
    folder.write_json("scenario.json", scenario_record(scenario))
    folder.write_csv("sites.csv", SITE_COLUMNS, site_rows(scenario, result.portfolio.starts))
    if scenario.daycare.reach_travel is not None and scenario.communities:
        folder.write_csv("reach.csv", REACH_COLUMNS, reach_rows(scenario))
    folder.write_text("solver.log", result.log)
    if explanation is not None:
        explanation.write(folder)
    if least is not None:
        folder.write_json("least_cost.json", least.as_dict())
    folder.manifest.update(scenario_manifest(scenario))
    folder.manifest.update({
        "solver": result.solver, "solver_version": result.solver_version,
        "solver_options": {"time_limit": result.time_limit, "gap": result.gap_limit,
                           "force_in": list(result.force_in),
                           "force_out": list(result.force_out),
                           "least_cost": least is not None,
                           "explain": explanation is not None},
        "timing_seconds": {"build": round(result.build_seconds, 4),
                           "solve": round(result.solve_seconds, 4),
                           **({"explain": round(explanation.seconds, 4)}
                              if explanation is not None else {})},
    })
