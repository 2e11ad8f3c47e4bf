"""The MILP's constraint families, one `define_*` function each (docs/model.md numbers them), as
PyPSA's optimization/constraints.py does: each reads the scenario and the model's variables and
adds its rows with the rule's group and label. `milp.build_model` calls them in a fixed order,
which fixes the row order the solver sees. Coverage is `solve/coverage.py`'s `define_coverage`.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulp

from facility_opt.errors import InputError
from facility_opt.model.money import fmt_bound
from facility_opt.solve.milp_data import (
    candidate_county,
    community_index,
    model_reach,
    source_name,
)
from facility_opt.solve.milp_model import STRUCTURAL, MilpModel
from facility_opt.solve.solvers import new_var


def _sel(model: MilpModel, i: int) -> list[tuple[pulp.LpVariable, float]]:
    """Every start option of candidate i, coefficient 1 (Σ = 1 when it is funded)."""
    return [(model.x[i, o.start], 1.0) for o in model.options[i]]


def _ids(model: MilpModel) -> dict[str, int]:
    return {c.id: i for i, c in enumerate(model.candidates)}


def define_one_start(model: MilpModel) -> None:
    """(1) At most one start per candidate — structural; forcing in/out changes its bounds."""
    add, cands, options = model.add_row, model.candidates, model.options
    for i, c in enumerate(cands):
        if options[i]:
            name = f"one_start_{i}"
            add(name, _sel(model, i), pulp.LpConstraintLE, 1, STRUCTURAL, f"{c.id}: at most one start")
            model.one_start_row[i] = name


def define_budgets(model: MilpModel, least_cost: bool) -> None:
    """(2) Budgets per year; carry-over makes them cumulative. With `least_cost` every bound
    becomes `scale × budget` (the `budget_scale` column, created here)."""
    add, sc, options, x, prob = model.add_row, model.scenario, model.options, model.x, model.problem
    years, budgets, columns = tuple(sc.years), model.budget_by_year, model.columns
    if least_cost:
        model.scale_var = new_var(prob, "budget_scale", 0, None)
        columns.append(model.scale_var)
    spend_terms: dict[int, list[tuple[pulp.LpVariable, float]]] = {y: [] for y in years}
    for i, opts in enumerate(options):
        for o in opts:
            for y, amount in o.spend.items():
                if y in spend_terms and amount:
                    spend_terms[y].append((x[i, o.start], amount))
    unit = sc.budget.unit
    cum_terms: list[tuple[pulp.LpVariable, float]] = []
    cum_budget = 0.0
    for y in years:
        if sc.budget.carry_over:
            cum_terms = cum_terms + spend_terms[y]
            cum_budget += budgets[y]
            terms, bound = cum_terms, cum_budget
            label = f"spend to end of {y} ≤ budget to end of {y} ({fmt_bound(bound)} {unit})"
        else:
            terms, bound = spend_terms[y], budgets[y]
            label = f"spend in {y} ≤ budget {y} ({fmt_bound(bound)} {unit})"
        if least_cost:
            terms = terms + [(model.scale_var, -bound)]
            bound = 0.0
        name = f"budget_{y}"
        add(name, terms, pulp.LpConstraintLE, bound, f"budget {y}", label)
        model.budget_rows[y] = name


def define_forced(model: MilpModel, force_in: Sequence[str], force_out: Sequence[str]) -> None:
    """(3) must_fund, forced in (--force-in) and forced out (--force-out)."""
    add, cands, ids = model.add_row, model.candidates, _ids(model)
    for i, c in enumerate(cands):
        if c.must_fund:
            add(f"must_fund_{i}", _sel(model, i), pulp.LpConstraintGE, 1, "must_fund",
                f"{c.id} must be funded (must_fund)")
    for cid in force_in:
        i = ids[cid]
        add(f"force_in_{i}", _sel(model, i), pulp.LpConstraintGE, 1, "forced in",
            f"{cid} forced in (--force-in)")
    for cid in force_out:
        i = ids[cid]
        add(f"force_out_{i}", _sel(model, i), pulp.LpConstraintLE, 0, "forced out",
            f"{cid} forced out (--force-out)")


def define_exclusive_groups(model: MilpModel) -> None:
    """(4) At most one project of each exclusive group."""
    add, cands = model.add_row, model.candidates
    groups: dict[str, list[int]] = {}
    for i, c in enumerate(cands):
        if c.exclusive_group:
            groups.setdefault(c.exclusive_group, []).append(i)
    for g, members in groups.items():
        if len(members) > 1:
            pairs = [p for i in members for p in _sel(model, i)]
            add(f"exclusive_{_safe(g)}", pairs, pulp.LpConstraintLE, 1, "exclusive groups",
                f"at most one of group {g}: " + ", ".join(cands[i].id for i in members))


def define_requires(model: MilpModel) -> None:
    """(5) requires: prerequisite selected and starting no later (cumulative form, tight)."""
    add, sc, cands, options, x, ids = (model.add_row, model.scenario, model.candidates,
                                       model.options, model.x, _ids(model))
    for i, c in enumerate(cands):
        for pid in c.requires:
            if pid not in ids:
                raise InputError.one(source_name(sc, "candidates"), f"row {c.row}, column requires",
                                     pid, "ids of projects in the candidates table")
            p = ids[pid]
            if not options[i]:
                continue
            for o in options[i]:
                mine = [(x[i, q.start], 1.0) for q in options[i] if q.start <= o.start]
                theirs = [(x[p, q.start], -1.0) for q in options[p] if q.start <= o.start]
                add(f"requires_{i}_{p}_{o.start}", mine + theirs, pulp.LpConstraintLE, 0,
                    "requires", f"{c.id} requires {pid}, starting no later (start ≤ {o.start})")


def define_min_count(model: MilpModel) -> None:
    """(6) Minimum counts by kind (targets.min_count)."""
    add, sc, cands = model.add_row, model.scenario, model.candidates
    for k, n in sorted(sc.targets.min_count.items()):
        pairs = [p for i, c in enumerate(cands) if c.kind == k for p in _sel(model, i)]
        add(f"min_count_{_safe(k)}", pairs, pulp.LpConstraintGE, n, f"min_count {k}",
            f"at least {n} {k} projects (targets.min_count)")


def define_early_completion(model: MilpModel) -> None:
    """(7) Plan rule: early completion in listed community types (rules.early_completion)."""
    add, sc, cands, options, x = model.add_row, model.scenario, model.candidates, model.options, model.x
    comms = community_index(sc)
    r = sc.rules
    if r.early_completion:
        types = set(r.early_completion_types)
        for i, c in enumerate(cands):
            m = comms.get(c.community_id or "")
            if m is None or m.type not in types:
                continue
            late = [(x[i, o.start], 1.0) for o in options[i] if o.completion > r.early_completion_year]
            if late:
                add(f"early_{i}", late, pulp.LpConstraintLE, 0, "early-completion rule",
                    f"{c.id} ({m.type} community) completes by {r.early_completion_year}")


def define_county_equity(model: MilpModel) -> None:
    """(8) County equity: a minimum number of projects per county and a cap on a county's share
    of the money (rules.min_projects_per_county, rules.max_county_share)."""
    add, sc, cands, options, x = model.add_row, model.scenario, model.candidates, model.options, model.x
    comms, r = community_index(sc), sc.rules
    county_of = [candidate_county(c, comms) for c in cands]
    counties = sorted({k for k in county_of if k})
    if r.min_projects_per_county > 0:
        for k in counties:
            pairs = [p for i in range(len(cands)) if county_of[i] == k for p in _sel(model, i)]
            add(f"county_min_{_safe(k)}", pairs, pulp.LpConstraintGE, r.min_projects_per_county,
                "county minimum", f"at least {r.min_projects_per_county} project(s) in {k} "
                "(rules.min_projects_per_county)")
    if r.max_county_share < 1.0 and counties:
        share = float(r.max_county_share)
        for k in counties:
            pairs = []
            for i, opts in enumerate(options):
                for o in opts:
                    w = o.total * ((1.0 if county_of[i] == k else 0.0) - share)
                    if w:
                        pairs.append((x[i, o.start], w))
            add(f"county_share_{_safe(k)}", pairs, pulp.LpConstraintLE, 0, "county share cap",
                f"{k} takes at most {share:.0%} of the money (rules.max_county_share)")


def define_places_required(model: MilpModel, requirements: Sequence) -> None:
    """(9) Day-care places required near communities (`PlacesRequirement`s from plan /
    simulate)."""
    add, sc, cands, options, x = model.add_row, model.scenario, model.candidates, model.options, model.x
    if requirements:
        reach = model_reach(model)
        cidx = {m.id: k for k, m in enumerate(sc.communities or ())}
        for n, req in enumerate(requirements):
            if req.community_id not in cidx:
                raise InputError.one("requirements", f"requirement {n + 1}", req.community_id,
                                     "a community id from the communities table")
            k = cidx[req.community_id]
            pairs = [(x[i, o.start], float(cands[i].daycare_places))
                     for i, near in reach.items() if k in near
                     for o in options[i] if o.completion < req.year]
            add(f"places_{n}", pairs, pulp.LpConstraintGE, req.min_places, "day-care places "
                "required", f"≥ {req.min_places} new places within reach of {req.community_id} "
                f"in {req.year}")


# -- helpers ----------------------------------------------------------------------------------
def _safe(text: str) -> str:
    """A constraint-name-safe version of a label (ASCII letters, digits and _)."""
    out = "".join(ch if (ch.isascii() and ch.isalnum()) else "_" for ch in str(text))
    if out != text:
        out += "_" + format(abs(hash_text(text)) % 10**8, "d")
    return out


def hash_text(text: str) -> int:
    """A stable (not randomised per process) hash for names."""
    import zlib

    return zlib.crc32(text.encode("utf-8"))
