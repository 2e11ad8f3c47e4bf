"""Each selected project's contribution to the objective (the `benefit` column of selection.csv).

The contribution of project P is the objective lost if P alone were dropped from the portfolio,
the others unchanged: `evaluate(all) − evaluate(all without P)`. Evaluating the portfolio once
per project costs (projects × portfolio) work — on a province (1,777 selected of 3,000
candidates) 193 s of a 208 s command. Here the portfolio is evaluated once, into per-community,
per-year tallies, and each project's loss read from them:

* households: in community k and year t the benefit is `w_h · min(G_k, A_kt / σ)` (A_kt the
  new area in service, σ m² per household, G_k the gap); dropping P with area a takes it to
  `w_h · min(G_k, (A_kt − a) / σ)`;
* elderly: community k counts in year t when at least one in-service day-care project reaches
  it (and no existing centre did); dropping P loses k in t exactly when P is the only one.

Work: linear in the portfolio's (project, year, community in reach) triples. The result is the
same as the re-evaluation (`milp.evaluate`), which a test checks on random portfolios.
"""

from __future__ import annotations

from typing import Any

from facility_opt.model.types import Scenario


def project_benefits(scenario: Scenario, result: Any) -> dict[str, float]:
    """Project id → the objective lost if it alone were dropped (rounded to 6 decimals).

    Exact for `score`; for `benefit` the shares of shared caps and overlapping coverage go to no
    single project, so the contributions may sum to less than the objective. `result` is a
    `SolveResult` (its portfolio, completion years and objective kind are read)."""
    if result.objective_kind == "score":
        by_id = {c.id: c for c in scenario.candidates}
        return {cid: float(by_id[cid].score or 0.0) for cid in _in_table_order(scenario, result)}
    if result.objective_kind != "benefit":
        return {}
    completion = {cid: int(result.completion_year[cid]) for cid in result.portfolio.starts}
    return benefit_losses(scenario, completion)


def _in_table_order(scenario: Scenario, result: Any) -> list[str]:
    chosen = result.portfolio.starts
    return [c.id for c in scenario.candidates if c.id in chosen]


def benefit_losses(scenario: Scenario, completion: dict[str, int]) -> dict[str, float]:
    """Project id (selected, with its last construction year) → benefit lost without it."""
    from facility_opt.solve import milp

    sc = scenario
    ob = sc.objective
    years = milp.benefit_years(sc)
    comms = list(sc.communities or ())
    cidx = {m.id: k for k, m in enumerate(comms)}
    index = {c.id: i for i, c in enumerate(sc.candidates)}
    chosen = sorted(index[cid] for cid in completion)  # table order, as the old evaluation
    done = {i: completion[sc.candidates[i].id] for i in chosen}
    loss = {i: 0.0 for i in chosen}
    per_household = ob.area_standard_m2_per_100_households / 100.0  # m² per household

    if ob.weight_households and per_household > 0:
        area: dict[tuple[int, int], float] = {}
        mine: dict[int, list[tuple[int, int]]] = {}
        for i in chosen:
            c = sc.candidates[i]
            if c.area_m2 > 0 and c.community_id in cidx:
                k = cidx[c.community_id]
                keys = [(k, t) for t in years if done[i] < t]
                for key in keys:
                    area[key] = area.get(key, 0.0) + c.area_m2
                mine[i] = keys
        for i, keys in mine.items():
            a = sc.candidates[i].area_m2
            for k, t in keys:
                m = comms[k]
                gap = max(0.0, m.households - m.facility_area_m2 / per_household)
                with_p = min(gap, area[k, t] / per_household)
                rest = area[k, t] - a
                without = min(gap, rest / per_household) if rest > 1e-9 else 0.0
                loss[i] += ob.weight_households * (with_p - without)

    if ob.weight_elderly:
        reach = milp.daycare_reach(sc)[0]
        pre = milp.precovered_years(sc, comms, years)
        count: dict[tuple[int, int], int] = {}
        serving = [i for i in chosen if i in reach]
        for i in serving:
            for t in years:
                if done[i] < t:
                    for k in reach[i]:
                        count[k, t] = count.get((k, t), 0) + 1
        for i in serving:
            for t in years:
                if done[i] < t:
                    for k in reach[i]:
                        if count[k, t] == 1 and t not in pre[k] and comms[k].elderly > 0:
                            loss[i] += ob.weight_elderly * comms[k].elderly
    return {sc.candidates[i].id: round(loss[i], 6) for i in chosen}
