"""The MILP's objective (docs/model.md, "Objective" and "Benefit"): the score sum, the benefit
(households brought up to the area standard + residents 60+ newly within reach of day-care, per
year in service), coverage first with benefit as its tie-break, or the least-cost budget scale."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pulp

from facility_opt.solve.milp_data import model_precovered, model_reach
from facility_opt.solve.milp_model import STRUCTURAL, MilpModel
from facility_opt.solve.solvers import new_var


def define_objective(model: MilpModel, least_cost: bool) -> None:
    """(11) Set the problem's objective; the benefit's linking rows and columns are added here."""
    prob, cands, options, x, add = (model.problem, model.candidates, model.options, model.x,
                                    model.add_row)
    kind = model.scenario.objective.kind
    if least_cost:
        prob.setObjective(pulp.LpAffineExpression([(model.scale_var, 1.0)]))
    elif kind == "score":
        prob.setObjective(pulp.LpAffineExpression(
            [(x[i, o.start], float(cands[i].score or 0.0))
             for i, opts in enumerate(options) for o in opts if cands[i].score]))
    elif kind == "coverage":  # lexicographic: coverage first, then benefit (solve/core.py)
        expr, _const = model.coverage.objective()
        prob.setObjective(expr)
        model.benefit_expr = benefit_expression(model, add)
    else:
        prob.setObjective(benefit_expression(model, add))


def _year_groups(years: Sequence[int], key_of: Callable[[int], tuple]) -> list[tuple[tuple, list[int]]]:
    """Years with the same set of in-service start options, grouped (first-seen order).

    Within one community, years whose constraint would read the same (e.g. every year after the
    last possible completion) share one variable weighted by the number of years: identical
    copies add nothing to the model but symmetric columns the MIP search has to wade through."""
    groups: dict[tuple, list[int]] = {}
    for t in years:
        key = key_of(t)
        if key:
            groups.setdefault(key, []).append(t)
    return list(groups.items())


def _span(ts: list[int]) -> str:
    if len(ts) == 1:
        return str(ts[0])
    if ts == list(range(ts[0], ts[-1] + 1)):
        return f"{ts[0]}–{ts[-1]}"
    return ", ".join(map(str, ts))


def benefit_expression(model: MilpModel, add) -> pulp.LpAffineExpression:
    """Households brought up to the area standard + residents 60+ newly within reach of a
    day-care place, each per year in service (docs/model.md, "Benefit")."""
    sc = model.scenario
    ob = sc.objective
    cands, options, x = sc.candidates, model.options, model.x
    per_household = ob.area_standard_m2_per_100_households / 100.0  # m² per household
    years = model.benefit_years
    terms: list[tuple[pulp.LpVariable, float]] = []
    comms = list(sc.communities or ())
    cidx = {m.id: k for k, m in enumerate(comms)}
    # households, as the share u ∈ [0, 1] of the community's gap G_k closed:
    # u ≤ Σ min(1, area/(σ G_k)) x over the options in service in the years of the group (the
    # coefficient capped at the whole gap: exact on 0/1 points, a tighter LP bound). A share,
    # not a household count, so the column's range is [0, 1] whatever the community's size.
    by_comm: dict[int, list[int]] = {}
    for i, c in enumerate(cands):
        if c.area_m2 > 0 and c.community_id in cidx:
            by_comm.setdefault(cidx[c.community_id], []).append(i)
    if ob.weight_households and per_household > 0:
        for k in sorted(by_comm):
            m = comms[k]
            gap = max(0.0, m.households - m.facility_area_m2 / per_household)
            if gap <= 0:
                continue

            def serving(t: int, k: int = k) -> tuple:
                return tuple((i, o.start) for i in by_comm[k] for o in options[i]
                             if o.completion < t)

            for key, ts in _year_groups(years, serving):
                pairs = [(x[i, s], -min(1.0, cands[i].area_m2 / per_household / gap))
                         for i, s in key]
                u = new_var(model.problem, f"households_{k}_{ts[0]}", 0, 1)
                model.columns.append(u)
                add(f"hh_{k}_{ts[0]}", [(u, 1.0)] + pairs, pulp.LpConstraintLE, 0, STRUCTURAL,
                    f"share of the {gap:,.1f} households of {m.id} below the area standard "
                    f"brought up to it, each year of {_span(ts)}")
                terms.append((u, float(ob.weight_households) * gap * len(ts)))
    # elderly: covered ≤ Σ in-service day-care projects within reach (maximal covering)
    if ob.weight_elderly:
        reach = model_reach(model)
        near_of: dict[int, list[int]] = {}
        for i, near in reach.items():
            for k in near:
                near_of.setdefault(k, []).append(i)
        pre = model_precovered(model)
        for k in sorted(near_of):
            m = comms[k]
            if m.elderly <= 0:
                continue

            def reaching(t: int, k: int = k) -> tuple:
                if t in pre[k]:
                    return ()
                return tuple((i, o.start) for i in near_of[k] for o in options[i]
                             if o.completion < t)

            for key, ts in _year_groups(years, reaching):
                v = new_var(model.problem, f"covered_{k}_{ts[0]}", 0, 1)
                model.columns.append(v)
                add(f"cov_{k}_{ts[0]}", [(v, 1.0)] + [(x[i, s], -1.0) for i, s in key],
                    pulp.LpConstraintLE, 0, STRUCTURAL,
                    f"{m.id} newly within reach of day-care, each year of {_span(ts)}")
                terms.append((v, float(ob.weight_elderly) * m.elderly * len(ts)))
    return pulp.LpAffineExpression(terms)

