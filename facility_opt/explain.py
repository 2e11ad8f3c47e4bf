"""Why this portfolio: the numbers a planner defends in a budget hearing.

* `binding.csv` — every rule of the model (budgets, counts, county rules, exclusive groups, …)
  with the chosen plan's activity, its bound and the slack: which rules hold the plan back.
* `marginal_budget.csv` — for each funding year, what one more budget step is worth: the model is
  re-solved with that year's budget raised by the step (not LP duals, which mean nothing for a
  MIP). With carry-over the step also raises every later cumulative budget.
* `force.csv` — for every candidate, the objective if it were forced in (when left out) or out
  (when chosen), and whether a plan would still exist: what choosing differently costs.

All re-solves reuse one solver session, changing only bounds (`facility_opt.solvers`).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .model_types import Scenario
from .results import ResultsFolder

BINDING_COLUMNS = ["constraint", "group", "description", "activity", "bound", "slack", "binding"]
MARGINAL_COLUMNS = ["year", "budget", "step", "objective", "objective_with_step", "gain",
                    "gain_per_unit", "status"]
FORCE_COLUMNS = ["id", "name", "kind", "selected", "start_year", "action", "objective",
                 "objective_after", "change", "feasible", "status"]


@dataclass
class Explanation:
    """The three explanation tables and the time they took."""

    binding: list[dict[str, Any]] = field(default_factory=list)
    marginal_budget: list[dict[str, Any]] = field(default_factory=list)
    force: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    unit: str = "万元"
    solves: int = 0

    def write(self, folder: ResultsFolder) -> None:
        folder.write_csv("binding.csv", BINDING_COLUMNS, self.binding)
        folder.write_csv("marginal_budget.csv", MARGINAL_COLUMNS, self.marginal_budget)
        folder.write_csv("force.csv", FORCE_COLUMNS, self.force)

    def lines(self, limit: int = 6) -> list[str]:
        """The headline explanations, most telling first."""
        out = []
        tight = [r for r in self.binding if r["binding"]]
        if tight:
            names = list(dict.fromkeys(r["group"] for r in tight))
            out.append("Binding: " + ", ".join(names[:6]) + (" …" if len(names) > 6 else ""))
        budget_rows = [r for r in self.binding if r["group"].startswith("budget ")]
        if budget_rows:
            out.append("Unused budget: " + ", ".join(
                f"{r['group'][7:]} {r['slack']:,.2f}" for r in budget_rows) + f" {self.unit}")
        ok = [r for r in self.marginal_budget if r["gain"] is not None]
        if ok:
            best = max(ok, key=lambda r: (r["gain"], -r["year"]))
            out.append(f"One more {best['step']:,.0f} {self.unit} is worth most in "
                       f"{best['year']}: +{best['gain']:,.2f} objective "
                       + "(" + ", ".join(f"{r['year']} +{r['gain']:,.2f}" for r in ok) + ")")
        outs = [r for r in self.force if r["action"] == "force_out" and r["change"] is not None]
        if outs:
            w = max(outs, key=lambda r: (-r["change"], r["id"]))
            out.append(f"Most valuable choice: dropping {w['id']} ({w['name']}) would lose "
                       f"{-w['change']:,.2f}")
        ins = [r for r in self.force if r["action"] == "force_in" and r["change"] is not None]
        if ins:
            b = max(ins, key=lambda r: (r["change"], r["id"]))
            out.append(f"Closest project left out: forcing in {b['id']} ({b['name']}) would "
                       f"cost {-b['change']:,.2f} of objective")
        blocked = [r for r in self.force if r["feasible"] == 0]
        if blocked:
            out.append(f"{len(blocked)} change(s) would leave no feasible plan "
                       f"(e.g. {blocked[0]['action'].replace('_', ' ')} {blocked[0]['id']})")
        return out[:limit]


def nice_step(value: float) -> float:
    """Round to 1, 2 or 5 × 10^k (a budget step a planner would name)."""
    if value <= 0 or not math.isfinite(value):
        return 1.0
    k = math.floor(math.log10(value))
    base = value / 10**k
    m = 1 if base < 1.5 else 2 if base < 3.5 else 5 if base < 7.5 else 10
    return float(m * 10**k)


def explain_result(scenario: Scenario, result, *, solver: str = "highs",
                   budget_step: float | None = None, max_force: int = 400,
                   time_limit_each: float | None = None) -> Explanation:
    """Explain a `SolveResult` by re-solving its model with one thing changed at a time.

    `budget_step` defaults to a round tenth of the mean annual budget. With more than
    `max_force` candidates, forcing is computed for the chosen projects and the first unchosen
    ones up to that count; the rest are listed as not computed.
    """
    from . import milp
    from .solvers import SolverOptions, open_session

    t0 = time.perf_counter()
    model = milp.build_model(scenario, force_in=result.force_in, force_out=result.force_out,
                             requirements=result.requirements,
                             budget_by_year=result.budget_override)
    form = milp.to_matrix(model)
    session = open_session(form, solver)
    row_index = {name: r for r, name in enumerate(form.row_names)}
    values = result.values
    if values is None or len(values) != form.num_col:
        raise ValueError("the result does not come from this scenario's model")
    base = float(result.objective)
    each = time_limit_each or (result.time_limit or 30.0)
    opts = SolverOptions(time_limit=each, gap=result.gap_limit)
    expl = Explanation(unit=scenario.budget.unit)

    # binding rules
    act = form.activities(values)
    for r, name in enumerate(form.row_names):
        g = model.row_group.get(name, "")
        if not g:
            continue
        lo, hi = form.row_lower[r], form.row_upper[r]
        if hi < math.inf:
            bound, slack = hi, hi - act[r]
        else:
            bound, slack = lo, act[r] - lo
        tol = 1e-6 * max(1.0, abs(bound))
        expl.binding.append({"constraint": name, "group": g, "description":
                             model.row_label.get(name, name), "activity": round(act[r], 6),
                             "bound": round(bound, 6), "slack": round(max(0.0, slack), 6),
                             "binding": 1 if slack <= tol else 0})

    # worth of one more budget step per year
    step = budget_step or nice_step(0.1 * float(np.mean(list(result.budget_by_year.values()))
                                                 or [0.0]))
    years = list(scenario.years)
    for k, y in enumerate(years):
        rows = [model.budget_rows[z] for z in (years[k:] if scenario.budget.carry_over else [y])]
        for name in rows:
            r = row_index[name]
            session.set_row_bounds(r, form.row_lower[r], form.row_upper[r] + step)
        out = session.solve(opts, warm_start=values, label=f"budget {y} + {step:g}")
        expl.solves += 1
        for name in rows:
            r = row_index[name]
            session.set_row_bounds(r, form.row_lower[r], form.row_upper[r])
        gain = None if out.objective is None else max(0.0, out.objective - base)
        expl.marginal_budget.append({
            "year": y, "budget": result.budget_by_year[y], "step": step, "objective": base,
            "objective_with_step": out.objective, "gain": None if gain is None else round(gain, 6),
            "gain_per_unit": None if gain is None else round(gain / step, 6),
            "status": out.status})

    # forcing each candidate in or out
    chosen = set(result.portfolio.starts)
    order = [i for i, c in enumerate(scenario.candidates) if c.id in chosen]
    order += [i for i, c in enumerate(scenario.candidates) if c.id not in chosen]
    computed = set(order[:max_force]) | {i for i in order if scenario.candidates[i].id in chosen}
    for i, c in enumerate(scenario.candidates):
        sel = c.id in chosen
        row = {"id": c.id, "name": c.name, "kind": c.kind, "selected": 1 if sel else 0,
               "start_year": result.portfolio.starts.get(c.id),
               "action": "force_out" if sel else "force_in", "objective": base,
               "objective_after": None, "change": None, "feasible": None, "status": ""}
        if i not in computed:
            row["status"] = "not computed (over the max_force limit)"
        elif i not in model.one_start_row:
            row.update(feasible=0, status="cannot be scheduled in the funding years")
        else:
            r = row_index[model.one_start_row[i]]
            lo, hi = (-math.inf, 0.0) if sel else (1.0, 1.0)
            session.set_row_bounds(r, lo, hi)
            out = session.solve(opts, label=f"{row['action']} {c.id}")
            expl.solves += 1
            session.set_row_bounds(r, form.row_lower[r], form.row_upper[r])
            row["status"] = out.status
            if out.objective is not None:
                row.update(objective_after=round(out.objective, 6),
                           change=round(out.objective - base, 6), feasible=1)
            elif out.status == "infeasible":
                row["feasible"] = 0
        expl.force.append(row)
    expl.seconds = time.perf_counter() - t0
    return expl
