"""Random small instances: the MILP optimum equals brute-force enumeration of every schedule,
and the chosen portfolio never breaks a budget or a rule."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from facility_opt.errors import InfeasibleError
from facility_opt.model.types import Budget, Candidate, Objective, Rules, Scenario, Targets
from facility_opt.solve import solve
from facility_opt.solve.milp import build_model, start_options


@st.composite
def instances(draw):
    years = tuple(range(2022, 2022 + draw(st.integers(1, 3))))
    n = draw(st.integers(1, 7))
    cands = []
    for i in range(n):
        fixed = draw(st.booleans())
        cost = draw(st.integers(1, 9))
        cost_by_year = None
        if fixed:
            y = draw(st.sampled_from(years))
            cost_by_year = {y: float(cost)}
        cands.append(Candidate(
            id=f"P{i}", name=f"P{i}", kind=draw(st.sampled_from(["renovation", "complex"])),
            cost=float(cost), cost_by_year=cost_by_year, score=float(draw(st.integers(0, 9))),
            county=draw(st.sampled_from(["a", "b"])),
            build_years=draw(st.integers(1, 2)), must_fund=draw(st.booleans()) and i == 0,
            exclusive_group=draw(st.sampled_from([None, None, "g"])),
            requires=(("P0",) if i > 0 and draw(st.integers(0, 4)) == 0 else ())))
    annual = {y: float(draw(st.integers(0, 12))) for y in years}
    rules = Rules(min_projects_per_county=draw(st.sampled_from([0, 0, 1])),
                  max_county_share=draw(st.sampled_from([1.0, 1.0, 0.7])))
    targets = Targets(min_count={"complex": draw(st.integers(0, 2))}, daycare_coverage=0.0)
    return Scenario(name="h", years=years, budget=Budget(annual, carry_over=draw(st.booleans())),
                    candidates=tuple(cands), objective=Objective("score"), rules=rules,
                    targets=targets)


def feasible(sc: Scenario, plan: dict[int, object]) -> bool:
    """Every rule checked directly on a schedule {candidate index: StartOption}."""
    cands = sc.candidates
    spend = {y: 0.0 for y in sc.years}
    for o in plan.values():
        for y, a in o.spend.items():
            spend[y] += a
    cum_s = cum_b = 0.0
    for y in sc.years:
        cum_s += spend[y]
        cum_b += sc.budget.annual[y]
        if (cum_s if sc.budget.carry_over else spend[y]) > \
                (cum_b if sc.budget.carry_over else sc.budget.annual[y]) + 1e-9:
            return False
    if any(c.must_fund and i not in plan for i, c in enumerate(cands)):
        return False
    if sum(1 for i in plan if cands[i].exclusive_group == "g") > 1:
        return False
    ids = {c.id: i for i, c in enumerate(cands)}
    for i, o in plan.items():
        for pid in cands[i].requires:
            p = ids[pid]
            if p not in plan or plan[p].start > o.start:
                return False
    for k, n in sc.targets.min_count.items():
        if sum(1 for i in plan if cands[i].kind == k) < n:
            return False
    counties = {c.county for c in cands}
    if sc.rules.min_projects_per_county:
        for k in counties:
            if sum(1 for i in plan if cands[i].county == k) < sc.rules.min_projects_per_county:
                return False
    if sc.rules.max_county_share < 1:
        total = sum(o.total for o in plan.values())
        for k in counties:
            mine = sum(o.total for i, o in plan.items() if cands[i].county == k)
            if mine > sc.rules.max_county_share * total + 1e-9:
                return False
    return True


def brute_force(sc: Scenario) -> float | None:
    opts = [[None] + start_options(c, sc.years) for c in sc.candidates]
    best = None
    for combo in itertools.product(*opts):
        plan = {i: o for i, o in enumerate(combo) if o is not None}
        if feasible(sc, plan):
            v = sum(sc.candidates[i].score for i in plan)
            best = v if best is None else max(best, v)
    return best


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_optimum_equals_brute_force_and_breaks_no_rule(sc):
    expected = brute_force(sc)
    try:
        r = solve(sc)
    except InfeasibleError:
        assert expected is None
        return
    assert expected is not None
    assert r.objective == pytest.approx(expected, abs=1e-9)
    model = build_model(sc)
    ids = {c.id: i for i, c in enumerate(sc.candidates)}
    plan = {ids[cid]: next(o for o in model.options[ids[cid]] if o.start == s)
            for cid, s in r.portfolio.starts.items()}
    assert feasible(sc, plan)


def brute_force_where(sc: Scenario, value, keep=lambda plan: True) -> float | None:
    """The best `value(plan)` over every feasible schedule that `keep` accepts."""
    opts = [[None] + start_options(c, sc.years) for c in sc.candidates]
    best = None
    for combo in itertools.product(*opts):
        plan = {i: o for i, o in enumerate(combo) if o is not None}
        if keep(plan) and feasible(sc, plan):
            v = value(plan)
            best = v if best is None else max(best, v)
    return best


# -- the benefit objective against its definition, computed here without the model -----------
COMMUNITY_XY = {"M0": (0.0, 0.0), "M1": (0.8, 0.0), "M2": (3.0, 0.0)}


@st.composite
def benefit_instances(draw):
    from facility_opt.model.types import Centre, Community

    years = tuple(range(2022, 2022 + draw(st.integers(1, 3))))
    comms = tuple(
        Community(m, m, "a", "city", float(draw(st.integers(50, 200))), 500.0,
                  float(draw(st.integers(0, 300))), x, y,
                  facility_area_m2=float(draw(st.integers(0, 40))))
        for m, (x, y) in COMMUNITY_XY.items())
    cands = []
    for i in range(draw(st.integers(1, 6))):
        cands.append(Candidate(
            id=f"P{i}", name=f"P{i}", kind="renovation", cost=float(draw(st.integers(1, 9))),
            county="a", community_id=draw(st.sampled_from(list(COMMUNITY_XY))),
            area_m2=float(draw(st.sampled_from([0, 6, 15, 40]))),
            daycare_places=draw(st.sampled_from([0, 0, 10])),
            build_years=draw(st.integers(1, 2))))
    centres = (Centre("Z", "M2", 10, 3.0, 0.0),) if draw(st.booleans()) else ()
    until = years[-1] + draw(st.integers(0, 3))
    return Scenario(name="b", years=years, budget=Budget(
        {y: float(draw(st.integers(0, 12))) for y in years}), candidates=tuple(cands),
        communities=comms, centres=centres, targets=Targets(daycare_coverage=0.0),
        objective=Objective("benefit", weight_households=1.0,
                            weight_elderly=float(draw(st.sampled_from([0.5, 2.0]))),
                            benefit_until=until))


def benefit_by_definition(sc: Scenario, plan: dict[int, object]) -> float:
    """docs/model.md "Objective", read literally: per year t after the first funding year up to
    benefit_until, households brought up to 0.30 m² each (capped at the community's gap) plus
    weighted residents 60+ of communities newly within 1 km of an in-service day-care project."""
    ob = sc.objective
    total = 0.0
    for t in range(sc.years[0] + 1, ob.benefit_until + 1):
        live = [sc.candidates[i] for i, o in plan.items() if o.completion < t]
        for m in sc.communities:
            gap = max(0.0, m.households - m.facility_area_m2 / 0.30)
            added = sum(c.area_m2 for c in live if c.community_id == m.id)
            total += ob.weight_households * min(gap, added / 0.30)
            def near(x, y, m=m):
                return (x - m.x_km) ** 2 + (y - m.y_km) ** 2 <= 1.0 + 1e-9
            old = any(near(z.x_km, z.y_km) for z in sc.centres)
            new = any(c.daycare_places > 0 and near(*COMMUNITY_XY[c.community_id])
                      for c in live)
            if new and not old:
                total += ob.weight_elderly * m.elderly
    return total


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(benefit_instances())
def test_benefit_optimum_equals_brute_force_of_its_definition(sc):
    expected = brute_force_where(sc, lambda plan: benefit_by_definition(sc, plan))
    r = solve(sc)
    assert r.objective == pytest.approx(expected, abs=1e-6)
    model = build_model(sc)
    ids = {c.id: i for i, c in enumerate(sc.candidates)}
    plan = {ids[cid]: next(o for o in model.options[ids[cid]] if o.start == s)
            for cid, s in r.portfolio.starts.items()}
    assert benefit_by_definition(sc, plan) == pytest.approx(expected, abs=1e-6)


# -- explanations: every re-solved (or implied) answer against brute force ---------------------
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(), st.sampled_from([1, 3]))
def test_explanations_equal_brute_force(sc, threads):
    """Serial and with three solver threads sharing one queue and one pool of plans."""
    from facility_opt.solve.explain import explain_result

    try:
        r = solve(sc)
    except InfeasibleError:
        return
    e = explain_result(sc, r, budget_step=3.0, workers=threads)

    def score(plan):
        return sum(sc.candidates[i].score for i in plan)

    for row in e.force:
        i = int(row["id"][1:])
        if row["action"] == "force_out":
            expected = brute_force_where(sc, score, lambda plan, i=i: i not in plan)
        else:
            expected = brute_force_where(sc, score, lambda plan, i=i: i in plan)
        if expected is None:
            assert row["feasible"] == 0 and row["objective_after"] is None, row
        else:
            assert row["objective_after"] == pytest.approx(expected, abs=1e-6), row
            assert row["change"] == pytest.approx(expected - r.objective, abs=1e-6)
    for row in e.marginal_budget:
        from dataclasses import replace

        raised = dict(sc.budget.annual)  # one more step in that year (with carry-over, every
        raised[row["year"]] += 3.0  # later cumulative budget rises with it)

        wider = replace(sc, budget=replace(sc.budget, annual=raised))
        expected = brute_force_where(wider, score)
        assert row["objective_with_step"] == pytest.approx(expected, abs=1e-6), row
