"""Why this portfolio: the numbers a planner defends in a budget hearing.

* `binding.csv` — every rule of the model (budgets, counts, county rules, exclusive groups, …)
  with the chosen plan's activity, its bound and the slack: which rules hold the plan back.
* `marginal_budget.csv` — for each funding year, what one more budget step is worth: the model is
  re-solved with that year's budget raised by the step (not LP duals, which mean nothing for a
  MIP). With carry-over the step also raises every later cumulative budget.
* `force.csv` — for every candidate, the objective if it were forced in (when left out) or out
  (when chosen), and whether a plan would still exist: what choosing differently costs.

Every answer is exact (or, when a re-solve hits its time limit, marked `feasible` with its gap).
What makes the dozens of re-solves fast:

* one solver session per process, changing a row's bounds between solves (`facility_opt.solve.solvers`);
* a pool of the plans found so far, all feasible for the scenario as given. A question whose
  answer is implied is not solved again: when a plan in the pool without project P (or with it)
  already reaches the optimum, forcing P out (in) costs exactly nothing, because forcing only
  restricts. Otherwise the best pool plan that obeys the forcing is the warm start;
* `workers > 1`: the questions are dealt round-robin to processes (`facility_opt.executor`), each
  with a single-threaded HiGHS so two solves do not fight over the same cores.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from facility_opt.model.types import Scenario
from facility_opt.results.folder import ResultsFolder
from facility_opt.solve.deadline import Deadline
from facility_opt.solve.resolver import (  # noqa: F401  (NOT_IN_TIME re-exported)
    NOT_IN_TIME,
    Answer,
    Question,
    Resolver,
    _Job,
    answer_in_threads,
    answer_questions,
)
from facility_opt.solve.status import SolveStatus

BINDING_COLUMNS = ["constraint", "group", "description", "activity", "bound", "slack", "binding"]
MARGINAL_COLUMNS = ["year", "budget", "step", "objective", "objective_with_step", "gain",
                    "gain_per_unit", "status", "gap"]
# `how` (solved or implied) stays out of the CSV: it depends on how the questions were spread
# over workers, and the files must not (the manifest counts both kinds instead).
FORCE_COLUMNS = ["id", "name", "kind", "selected", "start_year", "action", "objective",
                 "objective_after", "change", "feasible", "status", "gap"]

EACH_SECONDS = 30.0  # default time limit of one re-solve (seconds)


@dataclass
class Explanation:
    """The three explanation tables and the work they took."""

    binding: list[dict[str, Any]] = field(default_factory=list)
    marginal_budget: list[dict[str, Any]] = field(default_factory=list)
    force: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    unit: str = "万元"
    solves: int = 0  # re-solves run
    implied: int = 0  # questions answered from plans already found, without a re-solve
    limited: int = 0  # re-solves stopped by their time limit (answer feasible, gap shown)
    skipped: int = 0  # questions left unanswered: the command's --time-limit ran out first
    workers: int = 1

    def write(self, folder: ResultsFolder) -> None:
        folder.write_csv("binding.csv", BINDING_COLUMNS, self.binding)
        folder.write_csv("marginal_budget.csv", MARGINAL_COLUMNS, self.marginal_budget)
        folder.write_csv("force.csv", FORCE_COLUMNS,
                         [{k: r[k] for k in FORCE_COLUMNS} for r in self.force])
        folder.manifest["explanations"] = {"resolves": self.solves, "implied": self.implied,
                                           "stopped_at_time_limit": self.limited,
                                           "not_computed_time_limit": self.skipped,
                                           "workers": self.workers}

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
            cost = max(0.0, -b["change"])  # never "-0.00": a tie costs nothing
            out.append(f"Closest project left out: forcing in {b['id']} ({b['name']}) would "
                       + (f"cost {cost:,.2f} of objective" if cost >= 0.005 else
                          "cost nothing: an equally good plan includes it"))
        blocked = [r for r in self.force if r["feasible"] == 0]
        if blocked:
            out.append(f"{len(blocked)} change(s) would leave no feasible plan "
                       f"(e.g. {blocked[0]['action'].replace('_', ' ')} {blocked[0]['id']})")
        if self.skipped:
            out.append(f"{self.skipped} question(s) not computed: the --time-limit ran out "
                       "(marked in the CSVs)")
        if self.limited:
            out.append(f"{self.limited} re-solve(s) stopped at their time limit: their answers "
                       "are the best found, with the gap shown in the CSV")
        return out[:limit]


def nice_step(value: float) -> float:
    """Round to 1, 2 or 5 × 10^k (a budget step a planner would name)."""
    if value <= 0 or not math.isfinite(value):
        return 1.0
    k = math.floor(math.log10(value))
    base = value / 10**k
    m = 1 if base < 1.5 else 2 if base < 3.5 else 5 if base < 7.5 else 10
    return float(m * 10**k)



# -- the explanation --------------------------------------------------------------------------
def explain_result(scenario: Scenario, result, *, solver: str = "highs",
                   budget_step: float | None = None, max_force: int = 400,
                   time_limit_each: float | None = None, workers: int = 1,
                   scheduler: str | None = None, deadline: Deadline | None = None) -> Explanation:
    """Explain a `SolveResult` by re-solving its model with one thing changed at a time.

    `budget_step` defaults to a round tenth of the mean annual budget. With more than
    `max_force` candidates, forcing is computed for the chosen projects and the first unchosen
    ones up to that count; the rest are listed as not computed. Each re-solve stops after
    `time_limit_each` seconds (default: the solve's own limit, else 30 s) and then reports the
    best plan found with its gap. `workers > 1` spreads the re-solves over processes.
    `deadline` is the command's clock: questions it leaves no time for are marked
    "not computed (time limit)" rather than answered.
    """
    from facility_opt.executor import run_tasks
    from facility_opt.progress import stage

    t0 = time.perf_counter()
    if result.values is None:
        raise ValueError("the result holds no solution to explain")
    base = float(result.objective)
    each = float(time_limit_each or result.time_limit or EACH_SECONDS)
    job = _Job(scenario, tuple(result.force_in), tuple(result.force_out),
               tuple(result.requirements), result.budget_override, solver,
               tuple(map(float, result.values)), base, each, float(result.gap_limit), (),
               deadline=deadline or Deadline())
    local = Resolver(job)
    model, form = local.model, local.form
    expl = Explanation(unit=scenario.budget.unit, workers=max(1, workers))

    # binding rules
    values = np.asarray(result.values, dtype=float)
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

    # the questions: one budget step per year, then forcing out the chosen, in the left out
    step = budget_step or nice_step(0.1 * float(np.mean(list(result.budget_by_year.values()))
                                                 or [0.0]))
    questions = [Question("budget", y, step) for y in scenario.years]
    chosen = set(result.portfolio.starts)
    cands = scenario.candidates
    order = [i for i, c in enumerate(cands) if c.id in chosen]
    order += [i for i, c in enumerate(cands) if c.id not in chosen]
    computed = set(order[:max_force]) | {i for i in order if cands[i].id in chosen}
    forced = [i for i in order if i in computed and i in model.one_start_row]
    questions += [Question("force_out" if cands[i].id in chosen else "force_in", i)
                  for i in forced]

    what = (f"explaining the choice: {len(questions)} what-ifs ({len(scenario.years)} budget "
            f"steps, {len(forced)} projects forced in or out)")
    if workers > 1 and len(questions) > workers and not scheduler:
        with stage(what, len(questions)) as bar:
            answers = answer_in_threads(local, questions, workers, bar.advance)
    elif workers > 1 and len(questions) > workers:
        shares = [tuple(questions[w::workers]) for w in range(workers)]
        jobs = [_replace(job, questions=q, threads=1) for q in shares]
        parts = run_tasks(answer_questions, jobs, workers=workers, scheduler=scheduler,
                          description=what, steps=[len(q) for q in shares])
        answers: dict[Question, Answer] = {}
        for q_share, part in zip(shares, parts, strict=True):
            answers.update(zip(q_share, part, strict=True))
    else:
        answers = {}
        with stage(what, len(questions)) as bar:
            for q in questions:
                answers[q] = local.answer(q)
                bar.advance()
    expl.solves = sum(1 for a in answers.values() if a.how == "solved")
    expl.implied = sum(1 for a in answers.values() if a.how == "implied")
    expl.limited = sum(1 for a in answers.values()
                       if a.how == "solved" and a.status in (SolveStatus.FEASIBLE, SolveStatus.NO_SOLUTION))
    expl.skipped = sum(1 for a in answers.values() if a.how == "skipped")

    for y in scenario.years:
        a = answers[Question("budget", y, step)]
        gain = None if a.objective is None else max(0.0, a.objective - base)
        expl.marginal_budget.append({
            "year": y, "budget": result.budget_by_year[y], "step": step, "objective": base,
            "objective_with_step": None if a.objective is None else round(a.objective, 6),
            "gain": None if gain is None else round(gain, 6),
            "gain_per_unit": None if gain is None else round(gain / step, 6),
            "status": a.status, "gap": _gap(a)})

    for i, c in enumerate(cands):
        sel = c.id in chosen
        row = {"id": c.id, "name": c.name, "kind": c.kind, "selected": 1 if sel else 0,
               "start_year": result.portfolio.starts.get(c.id),
               "action": "force_out" if sel else "force_in", "objective": base,
               "objective_after": None, "change": None, "feasible": None, "status": "",
               "gap": None, "how": ""}
        if i not in computed:
            row["status"] = "not computed (over the max_force limit)"
        elif i not in model.one_start_row:
            row.update(feasible=0, status="cannot be scheduled in the funding years")
        else:
            a = answers[Question(row["action"], i)]
            row.update(status=a.status, gap=_gap(a), how=a.how)
            if a.objective is not None:
                row.update(objective_after=round(a.objective, 6),
                           change=round(a.objective - base, 6), feasible=1)
            elif a.status == "infeasible":
                row["feasible"] = 0
        expl.force.append(row)
    expl.seconds = time.perf_counter() - t0
    return expl



def _gap(a: Answer) -> float | None:
    return None if a.gap is None else round(float(a.gap), 9)


def _replace(job: _Job, **changes: Any) -> _Job:
    from dataclasses import replace

    return replace(job, **changes)

