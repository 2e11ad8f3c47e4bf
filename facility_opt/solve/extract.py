"""From solver values back to the planner's terms: the chosen start option of each candidate, the
`Portfolio`, spending by year, and the objective re-evaluated directly (no solver) to check the
solver's answer."""

from __future__ import annotations

import numpy as np

from facility_opt.model.portfolio import Portfolio
from facility_opt.solve.milp_data import model_precovered, model_reach
from facility_opt.solve.milp_model import MilpModel, StartOption


def chosen_options(model: MilpModel, values: np.ndarray) -> dict[int, StartOption]:
    """Candidate index → chosen start option, from solver values (rounded binaries)."""
    out: dict[int, StartOption] = {}
    for j, v in enumerate(model.columns[: len(model.x)]):
        if values[j] > 0.5:
            i, s = _parse_x(v.name)
            out[i] = next(o for o in model.options[i] if o.start == s)
    return dict(sorted(out.items()))


def _parse_x(name: str) -> tuple[int, int]:
    _, i, s = name.split("_")
    return int(i), int(s)


def portfolio_of(model: MilpModel, chosen: dict[int, StartOption]) -> Portfolio:
    return Portfolio({model.candidates[i].id: o.start for i, o in sorted(chosen.items())})


def spend_by_year(model: MilpModel, chosen: dict[int, StartOption]) -> dict[int, float]:
    out = {y: 0.0 for y in model.scenario.years}
    for o in chosen.values():
        for y, a in o.spend.items():
            out[y] = out.get(y, 0.0) + a
    return out


def evaluate(model: MilpModel, chosen: dict[int, StartOption]) -> float:
    """The main objective of a portfolio, computed directly (no solver): the score sum, or the
    benefit with every capped quantity at its best value. Used to check solver answers."""
    sc = model.scenario
    if model.objective_kind == "score":
        return float(sum(sc.candidates[i].score or 0.0 for i in chosen))
    if model.objective_kind == "coverage":
        from facility_opt.solve.coverage import coverage_value

        return coverage_value(model, chosen)
    return evaluate_benefit(model, chosen)


def evaluate_benefit(model: MilpModel, chosen: dict[int, StartOption]) -> float:
    """The benefit of a portfolio computed directly (the benefit or coverage model's)."""
    sc = model.scenario
    if model.objective_kind not in ("benefit", "coverage"):
        raise ValueError("evaluate() needs a score or benefit model")
    ob = sc.objective
    per_household = ob.area_standard_m2_per_100_households / 100.0
    comms = list(sc.communities or ())
    cidx = {m.id: k for k, m in enumerate(comms)}
    total = 0.0
    years = model.benefit_years
    if ob.weight_households and per_household > 0:
        area: dict[tuple[int, int], float] = {}
        for i, o in chosen.items():
            c = sc.candidates[i]
            if c.area_m2 > 0 and c.community_id in cidx:
                for t in years:
                    if o.completion < t:
                        key = (cidx[c.community_id], t)
                        area[key] = area.get(key, 0.0) + c.area_m2
        for (k, _t), a in sorted(area.items()):
            m = comms[k]
            gap = max(0.0, m.households - m.facility_area_m2 / per_household)
            total += ob.weight_households * min(gap, a / per_household)
    if ob.weight_elderly:
        reach = model_reach(model)
        pre = model_precovered(model)
        for t in years:
            covered: set[int] = set()
            for i, o in chosen.items():
                if i in reach and o.completion < t:
                    covered.update(reach[i])
            for k in covered:
                if t not in pre[k] and comms[k].elderly > 0:
                    total += ob.weight_elderly * comms[k].elderly
    return float(total)

