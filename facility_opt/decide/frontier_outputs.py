"""The files `facility-opt frontier` writes: frontier.csv, frontier.json (points with reasons) and
the frontier plot."""

from __future__ import annotations

from pathlib import Path

from facility_opt.decide.frontier import FrontierResult
from facility_opt.model.targets import target_years


def write_frontier_outputs(folder, result: FrontierResult, *, lang: str = "auto") -> list[Path]:
    """frontier.csv, frontier.json (points with reasons) and frontier.png / .svg."""
    import json

    from facility_opt.report import plots
    from facility_opt.results.folder import csv_text

    sc = result.scenario
    folder.write_csv("frontier.csv", result.columns, result.rows())
    folder.write_json("frontier.json", {
        "scenario": sc.name, "budget_unit": sc.budget.unit,
        "scenario_budget_total": sc.budget.total,
        "target_years": list(target_years(sc)),
        "daycare_coverage_target": sc.targets.daycare_coverage,
        "min_count": dict(sc.targets.min_count),
        "target": sc.targets.daycare_coverage,
        "max_turned_away": sc.targets.max_turned_away,
        "least_budget_total": (result.least_cost or {}).get("least_budget_total"),
        "least_budget": result.least_cost,
        "points": [{"budget_total": p.budget_total, "status": p.status,
                    "objective": p.objective, "reason": p.reason,
                    "max_covered_status": p.max_covered_status,
                    "coverage": {str(y): v.record() for y, v in sorted(p.verdicts.items())},
                    "selected_ids": list(p.selected_ids)} for p in result.points],
    })
    rows = list(_csv_rows(csv_text(result.columns, result.rows())))
    meta = json.loads((folder.path / "frontier.json").read_text(encoding="utf-8"))
    data = plots.frontier_data(rows, communities=len(sc.communities or ()) or None,
                               target_share=sc.targets.daycare_coverage if sc.communities else None,
                               least_budget_total=meta.get("least_budget_total"))
    return plots.draw_frontier(
        data, folder.path / "frontier", unit=sc.budget.unit,
        objective_kind=sc.objective.kind, current_budget=sc.budget.total,
        title=None, labels=plots.plot_labels(lang))


def _csv_rows(text: str) -> list[dict[str, str]]:
    import csv
    import io

    return list(csv.DictReader(io.StringIO(text)))

