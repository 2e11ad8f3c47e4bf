"""Why no plan exists, in the planner's terms.

Two steps, cheapest first:

1. Arithmetic on the inputs (`cheap_reasons`): must-fund projects costing more than a year's
   budget, more complexes required than there are candidates, the cheapest way to meet the
   minimum counts costing more than all the money. Each reason names the figures.
2. If the arithmetic finds nothing, the solver does (`conflict_groups`): a deletion filter over
   the constraint groups (budget 2023, min_count complex, early-completion rule, …) finds an
   irreducible set that cannot hold together, and which single group's relaxation restores a plan.

`infeasible_error` assembles the message and, when money could help, prices it with the
least-cost mode: "meeting every rule and target needs at least 14,600 万元 … 5,200 万元 more".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from facility_opt.errors import InfeasibleError
from facility_opt.solve.milp import MilpModel, candidate_county, community_index
from facility_opt.solve.status import SolveStatus

# Deletion order: groups tried (and dropped when not needed) first come first, so the conflict a
# planner sees keeps the money and the targets, which are what a budget discussion is about.
_ORDER = ("extra", "requires", "exclusive groups", "early-completion rule", "county share cap",
          "county minimum", "day-care places required", "forced out", "forced in", "must_fund",
          "min_count", "budget")


def _money(v: float, unit: str) -> str:
    return f"{v:,.2f}".rstrip("0").rstrip(".") + f" {unit}"


def cheap_reasons(model: MilpModel, include_money: bool = True) -> list[str]:
    """Infeasibility provable by arithmetic on the inputs alone (each a planner's sentence)."""
    sc = model.scenario
    unit = sc.budget.unit
    cands = sc.candidates
    groups_of: dict[int, set[str]] = {}
    for name in model.row_group:
        for prefix in ("must_fund_", "force_in_", "force_out_"):
            if name.startswith(prefix):
                groups_of.setdefault(int(name[len(prefix):]), set()).add(prefix[:-1])
    must = [i for i, g in groups_of.items() if g & {"must_fund", "force_in"}]
    out_ids = {i for i, g in groups_of.items() if "force_out" in g}
    reasons: list[str] = []
    for i in sorted(must):
        c = cands[i]
        why = "must_fund" if "must_fund" in groups_of[i] else "--force-in"
        if i in out_ids:
            reasons.append(f"{c.id} is both required ({why}) and forced out (--force-out)")
        if not model.options[i]:
            reasons.append(f"{c.id} is required ({why}) but cannot be scheduled inside the "
                           f"funding years {sc.years[0]}–{sc.years[-1]} (build_years "
                           f"{c.build_years}, start window {c.earliest_start or '—'}–"
                           f"{c.latest_start or '—'})")
    # early completion: a required project that cannot finish in time
    if sc.rules.early_completion:
        comms = community_index(sc)
        for i in sorted(must):
            m = comms.get(cands[i].community_id or "")
            if m is not None and m.type in sc.rules.early_completion_types and model.options[i] \
                    and min(o.completion for o in model.options[i]) > \
                    sc.rules.early_completion_year:
                reasons.append(f"{cands[i].id} must be funded but, in a {m.type} community, "
                               f"cannot complete by {sc.rules.early_completion_year} "
                               "(rules.early_completion)")
    # exclusive groups holding two required projects
    by_group: dict[str, list[str]] = {}
    for i in must:
        if cands[i].exclusive_group:
            by_group.setdefault(cands[i].exclusive_group, []).append(cands[i].id)
    for g, ids in sorted(by_group.items()):
        if len(ids) > 1:
            reasons.append(f"{' and '.join(sorted(ids))} are all required but exclusive_group "
                           f"{g} allows only one")
    # requires: a required project needing one that is forced out or cannot be scheduled
    index = {c.id: i for i, c in enumerate(cands)}
    for i in sorted(must):
        for pid in cands[i].requires:
            p = index.get(pid)
            if p is not None and (p in out_ids or not model.options[p]):
                reasons.append(f"{cands[i].id} is required and requires {pid}, which "
                               + ("is forced out" if p in out_ids else "cannot be scheduled"))
    # must-fund money, per year for fixed spending, in total otherwise
    budgets = model.budget_by_year
    fixed_spend = {y: 0.0 for y in sc.years}
    min_total = 0.0
    for i in must:
        if model.options[i]:
            min_total += min(o.total for o in model.options[i])
            if len(model.options[i]) == 1:
                for y, a in model.options[i][0].spend.items():
                    fixed_spend[y] = fixed_spend.get(y, 0.0) + a
    if include_money:
        cum_s = cum_b = 0.0
        for y in sc.years:
            cum_s += fixed_spend[y]
            cum_b += budgets[y]
            s, b = (cum_s, cum_b) if sc.budget.carry_over else (fixed_spend[y], budgets[y])
            if s > b + 1e-6:
                span = f"up to the end of {y}" if sc.budget.carry_over else f"in {y}"
                reasons.append(f"must-fund projects cost {_money(s, unit)} {span}, the budget "
                               f"{span} is {_money(b, unit)} ({_money(s - b, unit)} short)")
        total_b = sum(budgets.values())
        if min_total > total_b + 1e-6 and not any("short" in r for r in reasons):
            reasons.append(f"must-fund projects cost {_money(min_total, unit)}, all budgets "
                           f"together {_money(total_b, unit)} ({_money(min_total - total_b, unit)}"
                           " short)")
    # minimum counts by kind
    need_total = sum(min(o.total for o in model.options[i]) for i in must if model.options[i])
    counted_must = set(must)
    parts = []
    for kind, n in sorted(sc.targets.min_count.items()):
        avail = [i for i, c in enumerate(cands) if c.kind == kind and model.options[i]
                 and i not in out_ids]
        if len(avail) < n:
            reasons.append(f"{n} {kind} projects required (targets.min_count) but only "
                           f"{len(avail)} {kind} candidate(s) can be funded")
            continue
        forced = [i for i in avail if i in counted_must]
        rest = sorted(min(o.total for o in model.options[i]) for i in avail
                       if i not in counted_must)
        extra = rest[: max(0, n - len(forced))]
        need_total += sum(extra)
        parts.append(f"{n} {kind}")
    if include_money and parts:
        total_b = sum(budgets.values())
        if need_total > total_b + 1e-6:
            reasons.append(f"the cheapest way to fund {', '.join(parts)} projects "
                           f"(targets.min_count) with every must-fund project costs "
                           f"{_money(need_total, unit)}, all budgets together are "
                           f"{_money(total_b, unit)}: at least {_money(need_total - total_b, unit)}"
                           " is missing")
    # county minimum
    m_min = sc.rules.min_projects_per_county
    if m_min > 0:
        comms = community_index(sc)
        counts: dict[str, int] = {}
        for i, c in enumerate(cands):
            k = candidate_county(c, comms)
            if k:
                counts[k] = counts.get(k, 0) + (1 if model.options[i] and i not in out_ids
                                                else 0)
        for k, n in sorted(counts.items()):
            if n < m_min:
                reasons.append(f"county {k} has {n} fundable candidate(s), fewer than the "
                               f"{m_min} rules.min_projects_per_county asks for")
    return reasons


def conflict_groups(model: MilpModel, session, keep: Sequence[str] = (),
                    time_limit: float = 20.0) -> tuple[list[str], list[str]]:
    """(conflict, singles): an irreducible set of constraint groups that cannot hold together
    (deletion filter), and those of them whose relaxation alone restores a plan. Groups whose
    name starts with a `keep` prefix are never relaxed. The session is restored afterwards."""
    from facility_opt.solve.solvers import INF, SolverOptions

    form = session.form
    rows_of: dict[str, list[int]] = {}
    for r, name in enumerate(form.row_names):
        g = model.row_group.get(name, "")
        if g and not any(g.startswith(k) for k in keep):
            rows_of.setdefault(g, []).append(r)
    groups = sorted(rows_of, key=_rank)
    session.set_objective(np.zeros(form.num_col), form.maximize)
    opts = SolverOptions(time_limit=time_limit, gap=0.0)

    def feasible(active: set[str]) -> bool:
        for g in groups:
            for r in rows_of[g]:
                if g in active:
                    session.set_row_bounds(r, form.row_lower[r], form.row_upper[r])
                else:
                    session.set_row_bounds(r, -INF, INF)
        out = session.solve(opts, label="diagnosis: " + (", ".join(sorted(active)) or "none"))
        return out.status.has_plan

    try:
        if not groups or not feasible(set()):
            return [], []
        active = set(groups)
        for g in groups:
            trial = active - {g}
            if not feasible(trial):
                active = trial
        conflict = [g for g in groups if g in active]
        singles = [g for g in conflict if feasible(set(groups) - {g})]
    finally:
        for g in groups:
            for r in rows_of[g]:
                session.set_row_bounds(r, form.row_lower[r], form.row_upper[r])
        session.set_objective(form.cost, form.maximize)
    return conflict, singles


def _rank(group: str) -> tuple[int, str]:
    for k, prefix in enumerate(_ORDER):
        if group.startswith(prefix):
            return (k, group)
    return (len(_ORDER), group)


def infeasible_error(scenario, reasons: list[str], conflict: tuple[list[str], list[str]] | list,
                     *, pricer: Callable[[], Any] | None = None,
                     budget_by_year=None) -> InfeasibleError:
    """The exit-3 error: the reasons, the conflicting groups, and the money missing.

    `pricer()` is the caller's least-cost search (a `LeastCostResult`); it runs only when money
    could help, so building the message never depends on the solve module (no import circle)."""
    groups, singles = (list(conflict[0]), list(conflict[1])) if conflict else ([], [])
    reasons = list(reasons)
    if not reasons:
        if groups:
            reasons.append("no plan meets all of these together: " + ", ".join(groups))
            if singles:
                reasons.append("relaxing any one of " + ", ".join(singles)
                               + " alone makes a plan possible")
        else:
            reasons.append("no plan meets the hard constraints")
    money_matters = any(g.startswith("budget") for g in groups) or any(
        "short" in r or "missing" in r for r in reasons)
    if pricer is not None and money_matters:
        unit = scenario.budget.unit
        budgets = budget_by_year if budget_by_year is not None else scenario.budget.annual
        have = float(sum(budgets.values()))
        try:
            lc = pricer()
            approx = "" if lc.status == SolveStatus.OPTIMAL else (
                f" (a plan exists at this amount; none below {_money(lc.lower_total or 0, unit)})")
            reasons.append(f"meeting every rule and target needs "
                           f"{_money(lc.total, unit)} in total{approx} (×{lc.scale:.3f} of each year's "
                           f"budget: " + ", ".join(f"{y} {_money(v, unit)}" for y, v in
                                                   sorted(lc.budget_by_year.items()))
                           + f"), {_money(max(0.0, lc.total - have), unit)} more than the "
                           f"{_money(have, unit)} budgeted; `--least-cost` gives that plan")
        except InfeasibleError as err:
            if err.status != SolveStatus.NO_SOLUTION:
                reasons.append("more money alone would not help: " + err.message)
    return InfeasibleError(reasons, groups)
