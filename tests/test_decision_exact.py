"""The decision against a referee that shares no code with it: on random small scenarios (3–6
candidates, 3–8 communities, 2–3 years, budgets, must_fund / exclusive / requires, carry-over)
every selection × start year is enumerated (tests/exact_reference.py) and

- the most communities coverable within the budget equals `objective.kind = "coverage"`;
- the best benefit with every target as a hard constraint equals `solve` (or both say no plan);
- the least money meeting every target, coverage included, equals `least_cost` — as a scale of
  the scenario's budgets and as the least total with a free split;
- places requirements (the cuts `plan` adds) are honoured the same way.
"""

from __future__ import annotations

import pytest
from exact_reference import (
    Tables,
    best_benefit,
    brute_force,
    evaluate_plan,
    least_money,
    max_covered,
    random_tables,
    required_covered,
    within,
)

from facility_opt.errors import InfeasibleError

SEEDS = range(30)


def _with(t: Tables, **targets) -> Tables:
    settings = {**t.settings, "targets": {**t.settings["targets"], **targets}}
    return Tables(settings, t.candidates, t.communities, t.centres)


def test_referee_has_real_cases() -> None:
    """The random instances are not trivial: some targets are reachable within the budget, some
    only with more money, some not at all; the rules cut plans away."""
    kinds = {"within": 0, "more_money": 0, "never": 0}
    for seed in SEEDS:
        t = random_tables(seed)
        plans = brute_force(t)
        if best_benefit(t, plans) is not None:
            kinds["within"] += 1
        elif least_money(t, plans) is not None:
            kinds["more_money"] += 1
        else:
            kinds["never"] += 1
    assert all(n >= 2 for n in kinds.values()), kinds


@pytest.mark.parametrize("seed", SEEDS)
def test_best_benefit_without_target_matches_brute_force(seed: int) -> None:
    """The benefit MILP itself (target off): the referee and the tool agree."""
    from facility_opt.solve import solve

    t = _with(random_tables(seed), daycare_coverage=0.0)
    ref = best_benefit(t, brute_force(t), with_target=False)
    try:
        got = solve(t.scenario()).objective
    except InfeasibleError:
        got = None
    assert (got is None) == (ref is None)
    if ref is not None:
        assert got == pytest.approx(ref, abs=1e-6)


@pytest.mark.parametrize("seed", SEEDS)
def test_best_benefit_under_every_target_matches_brute_force(seed: int) -> None:
    """The coverage target is a hard constraint of solve: the best benefit among plans within
    the budget that cover the required communities in every target year."""
    from facility_opt.solve import solve

    t = random_tables(seed)
    plans = brute_force(t)
    ref = best_benefit(t, plans)
    try:
        res = solve(t.scenario())
    except InfeasibleError:
        assert ref is None, f"brute force finds a plan with benefit {ref}"
        return
    assert ref is not None, "solve found a plan the brute force says cannot exist"
    assert res.objective == pytest.approx(ref, abs=1e-6)
    mine = evaluate_plan(t, dict(res.portfolio.starts))
    assert all(len(mine.covered[y]) >= required_covered(t) for y in t.target_years)


@pytest.mark.parametrize("seed", SEEDS)
def test_most_communities_coverable_matches_brute_force(seed: int) -> None:
    """objective.kind = "coverage" (target off, so any budget has a plan when the rules do):
    the count covered, summed over the target years, is the brute-force maximum; ties go to
    the best benefit among the maximal plans."""
    from facility_opt.solve import solve

    t = _with(random_tables(seed), daycare_coverage=0.0)
    plans = brute_force(t)
    ref = max_covered(t, plans)
    try:
        res = solve(t.scenario(**{"objective.kind": "coverage"}))
    except InfeasibleError:
        assert ref is None
        return
    assert ref is not None
    mine = evaluate_plan(t, dict(res.portfolio.starts))
    assert mine.covered_total == ref
    verdicts = res.coverage
    assert sum(v.covered for v in verdicts.values()) == ref
    best_tied = max(p.benefit for p in plans if p.covered_total == ref and within(t, p, t.budget))
    assert mine.benefit == pytest.approx(best_tied, abs=1e-6)


@pytest.mark.parametrize("seed", SEEDS)
def test_least_cost_meets_every_target_at_the_brute_force_minimum(seed: int) -> None:
    """least_cost prices every target, coverage too: the scale of the scenario's budgets and the
    least total with a free split are the brute-force minima."""
    from facility_opt.solve import least_cost

    t = random_tables(seed)
    ref = least_money(t, brute_force(t))
    try:
        lc = least_cost(t.scenario(), with_plan=False, time_limit=20)
    except InfeasibleError:
        assert ref is None, f"brute force meets the target with scale {ref}"
        return
    assert ref is not None
    scale, free_total = ref
    assert lc.status.value == "optimal"
    assert lc.scale == pytest.approx(scale, rel=1e-6, abs=1e-9)
    assert lc.free_total == pytest.approx(free_total, abs=1e-6)
    assert sum(lc.free_budget_by_year.values()) == pytest.approx(free_total, abs=1e-6)


@pytest.mark.parametrize("seed", range(12))
def test_places_requirements_match_brute_force(seed: int) -> None:
    """The cut `plan` adds — ≥ m new places within reach of a community by a year — is kept by
    solve and priced by least_cost exactly as the referee counts places."""
    from facility_opt.solve import PlacesRequirement, least_cost, solve

    t = random_tables(seed)
    plans = brute_force(t)
    year = t.target_years[-1]
    # ask for the most places any plan puts near the first community (a real, binding cut)
    target_comm = t.communities[0]["id"]
    most = max(p.places.get((target_comm, year), 0) for p in plans)
    if most == 0:
        pytest.skip("no candidate with places reaches the first community in this instance")
    reqs = {(target_comm, year): most}
    req = [PlacesRequirement(target_comm, year, most)]
    ref = best_benefit(t, plans, requirements=reqs)
    try:
        got = solve(t.scenario(), requirements=req).objective
    except InfeasibleError:
        got = None
    assert (got is None) == (ref is None)
    if ref is not None:
        assert got == pytest.approx(ref, abs=1e-6)
    money = least_money(t, plans, requirements=reqs)
    try:
        lc = least_cost(t.scenario(), requirements=req, with_plan=False, time_limit=20)
    except InfeasibleError:
        assert money is None
        return
    assert money is not None
    assert lc.scale == pytest.approx(money[0], rel=1e-6, abs=1e-9)
    assert lc.free_total == pytest.approx(money[1], abs=1e-6)

