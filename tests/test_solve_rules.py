"""Hand-solved small cases, one per rule, with exact expected objectives and portfolios."""

from __future__ import annotations

import pytest

from facility_opt.errors import InfeasibleError, InputError
from facility_opt.model.types import (
    Budget,
    Candidate,
    Centre,
    Community,
    Objective,
    Rules,
    Scenario,
    Targets,
)
from facility_opt.solve import PlacesRequirement, SolveStatus, least_cost, solve

# these cases test other rules: no day-care coverage target (a hard constraint since the target
# moved into the optimiser; tests/test_coverage_milp.py tests it)
NO_COVERAGE_TARGET = Targets(daycare_coverage=0.0)


def cand(cid, cost, score, **kw) -> Candidate:
    return Candidate(id=cid, name=cid, kind=kw.pop("kind", "renovation"), cost=cost,
                     score=score, **kw)


def scen(cands, annual, **kw) -> Scenario:
    years = tuple(sorted(annual))
    return Scenario(name="t", years=years,
                    budget=Budget(annual=dict(annual), carry_over=kw.pop("carry_over", False)),
                    candidates=tuple(cands), objective=kw.pop("objective", Objective("score")),
                    targets=kw.pop("targets", NO_COVERAGE_TARGET), **kw)


def test_budget_knapsack():
    # budget 10: {A 6/10, B 5/7, C 5/7} → B+C = 14 beats A = 10
    sc = scen([cand("A", 6, 10), cand("B", 5, 7), cand("C", 5, 7)], {2022: 10})
    r = solve(sc)
    assert r.status == SolveStatus.OPTIMAL and r.objective == 14
    assert r.portfolio.starts == {"B": 2022, "C": 2022}
    assert r.spend_by_year == {2022: 10.0}


def test_carry_over_lets_early_money_pay_later():
    # A fixed to spend 8 in 2023; budgets 5 + 5: only with carry-over
    a = cand("A", 8, 10, cost_by_year={2023: 8.0})
    assert solve(scen([a], {2022: 5, 2023: 5})).objective == 0
    r = solve(scen([a], {2022: 5, 2023: 5}, carry_over=True))
    assert r.objective == 10 and r.portfolio.starts == {"A": 2023}


def test_schedule_spreads_cost_and_picks_start():
    # 2 build years, cost 10 → 5 a year; budgets 0, 5, 5 → must start 2023
    a = cand("A", 10, 3, build_years=2)
    r = solve(scen([a], {2022: 0, 2023: 5, 2024: 5}))
    assert r.portfolio.starts == {"A": 2023}
    assert r.completion_year == {"A": 2024}
    assert r.spend_by_project["A"] == {2023: 5.0, 2024: 5.0}


def test_must_fund_takes_money_first():
    sc = scen([cand("A", 6, 10), cand("B", 5, 1, must_fund=True)], {2022: 10})
    r = solve(sc)
    assert r.portfolio.starts == {"B": 2022} and r.objective == 1


def test_exclusive_group():
    sc = scen([cand("A", 1, 5, exclusive_group="g"), cand("B", 1, 4, exclusive_group="g"),
               cand("C", 1, 1)], {2022: 10})
    r = solve(sc)
    assert set(r.portfolio.starts) == {"A", "C"} and r.objective == 6


def test_requires_with_timing():
    # B requires A starting no later; A can only start 2023 → B cannot start 2022
    a = cand("A", 1, 1, earliest_start=2023)
    b = cand("B", 1, 10, requires=("A",))
    r = solve(scen([a, b], {2022: 5, 2023: 5}))
    assert r.portfolio.starts == {"A": 2023, "B": 2023}
    # without money for A, B is not possible at all
    r = solve(scen([cand("A", 9, 1), b], {2022: 5}))
    assert r.objective == 0 and len(r.portfolio) == 0


def test_min_count_by_kind():
    sc = scen([cand("A", 5, 10), cand("X", 4, 1, kind="complex"), cand("Y", 3, 1,
               kind="complex")], {2022: 8}, targets=Targets(min_count={"complex": 2}, daycare_coverage=0.0))
    r = solve(sc)
    assert set(r.portfolio.starts) == {"X", "Y"} and r.objective == 2


def _comms():
    return (Community("F", "F", "k1", "fringe", 100, 300, 50, 0, 0),
            Community("T", "T", "k2", "town", 100, 300, 50, 5, 0))


def test_early_completion_rule():
    # A in a fringe community takes 2 years; only a 2022 start completes by 2023
    a = cand("A", 2, 5, build_years=2, community_id="F")
    base = dict(communities=_comms())
    r = solve(scen([a], {2022: 0, 2023: 1, 2024: 1}, **base))
    assert r.portfolio.starts == {"A": 2023}
    rules = Rules(early_completion=True, early_completion_year=2023)
    r = solve(scen([a], {2022: 0, 2023: 1, 2024: 1}, rules=rules, **base))
    assert len(r.portfolio) == 0
    r = solve(scen([a], {2022: 1, 2023: 1, 2024: 1}, rules=rules, **base))
    assert r.portfolio.starts == {"A": 2022}


def test_county_minimum():
    sc = scen([cand("A", 5, 10, county="k1"), cand("B", 5, 9, county="k1"),
               cand("C", 5, 1, county="k2")], {2022: 10},
              rules=Rules(min_projects_per_county=1))
    r = solve(sc)
    assert set(r.portfolio.starts) == {"A", "C"} and r.objective == 11


def test_county_share_cap():
    # cap 60 %: A+B (k1 only, 100 %) is not allowed; best is A + C (5/10 = 50 %)
    sc = scen([cand("A", 5, 10, county="k1"), cand("B", 5, 9, county="k1"),
               cand("C", 5, 1, county="k2")], {2022: 10},
              rules=Rules(max_county_share=0.6))
    r = solve(sc)
    assert set(r.portfolio.starts) == {"A", "C"} and r.objective == 11


def test_places_requirement():
    comms = _comms()
    a = cand("A", 5, 10, community_id="F")
    b = cand("B", 5, 1, community_id="T", daycare_places=20)
    sc = scen([a, b], {2022: 5}, communities=comms)
    assert solve(sc).portfolio.starts == {"A": 2022}
    r = solve(sc, requirements=[PlacesRequirement("T", 2023, 20)])
    assert r.portfolio.starts == {"B": 2022} and r.objective == 1
    with pytest.raises(InfeasibleError):  # in service only from 2023
        solve(sc, requirements=[PlacesRequirement("T", 2022, 20)])
    with pytest.raises(InfeasibleError):  # B is 5 km from F, reach 1 km
        solve(sc, requirements=[PlacesRequirement("F", 2023, 20)])


def test_force_in_and_out():
    sc = scen([cand("A", 6, 10), cand("B", 5, 7), cand("C", 5, 7)], {2022: 10})
    r = solve(sc, force_in=["A"])
    assert r.portfolio.starts == {"A": 2022} and r.objective == 10
    r = solve(sc, force_out=["B"])
    assert set(r.portfolio.starts) == {"A"} and r.objective == 10
    with pytest.raises(InputError):
        solve(sc, force_in=["nope"])


def test_least_cost_scale():
    # targets 2 complexes costing 6 and 4 (10), budgets 2 + 3 (5): scale 2, budgets 4 + 6
    x = cand("X", 6, 1, kind="complex", cost_by_year={2023: 6.0})
    y = cand("Y", 4, 1, kind="complex", cost_by_year={2022: 4.0})
    sc = scen([x, y], {2022: 2, 2023: 3}, targets=Targets(min_count={"complex": 2}, daycare_coverage=0.0))
    with pytest.raises(InfeasibleError) as err:
        solve(sc)
    assert "missing" in str(err.value)
    lc = least_cost(sc)
    assert lc.scale == pytest.approx(2.0)
    assert lc.budget_by_year == {2022: 4.0, 2023: 6.0} and lc.total == 10 and lc.extra == 5
    assert set(lc.result.portfolio.starts) == {"X", "Y"}


def test_infeasible_names_conflicting_groups():
    # the arithmetic cannot see it: one early project per county, but the only k1 project
    # cannot complete by 2023 under the early-completion rule
    a = cand("A", 1, 1, build_years=3, community_id="F", county="k1")
    b = cand("B", 1, 1, community_id="T", county="k2")
    sc = scen([a, b], {2022: 5, 2023: 5, 2024: 5}, communities=_comms(),
              rules=Rules(early_completion=True, min_projects_per_county=1))
    with pytest.raises(InfeasibleError) as err:
        solve(sc)
    assert set(err.value.conflict) == {"early-completion rule", "county minimum"}


def test_cheap_reason_must_fund_over_budget():
    sc = scen([cand("A", 8, 1, must_fund=True, cost_by_year={2022: 8.0})], {2022: 5})
    with pytest.raises(InfeasibleError) as err:
        solve(sc)
    assert "must-fund projects cost 8 万元 in 2022, the budget in 2022 is 5 万元" in str(err.value)


def test_more_required_than_candidates():
    sc = scen([cand("X", 1, 1, kind="complex")], {2022: 5},
              targets=Targets(min_count={"complex": 2}, daycare_coverage=0.0))
    with pytest.raises(InfeasibleError) as err:
        solve(sc)
    assert "2 complex projects required" in str(err.value)


def test_benefit_households_and_elderly_by_hand():
    # community F: 100 households, no facility → gap 100 households; A adds 15 m² (50 hh at
    # 0.30 m²/hh), completes 2022 → serves 2023, 2024: 2 × 50 = 100.
    # B adds day-care places in T (5 km from F, reach 1 km): T's 50 elderly covered 2 years,
    # weight 2 → 200. An existing centre already covers F, so a day-care project there adds 0.
    comms = _comms()
    a = cand("A", 1, 0, community_id="F", area_m2=15)
    b = cand("B", 1, 0, community_id="T", daycare_places=10)
    c = cand("C", 1, 0, community_id="F", daycare_places=10)
    centre = Centre("Z", "F", 20, 0, 0)
    sc = scen([a, b, c], {2022: 3, 2023: 0, 2024: 0}, communities=comms, centres=(centre,),
              objective=Objective("benefit", weight_households=1.0, weight_elderly=2.0))
    r = solve(sc)
    assert r.objective == pytest.approx(300.0)
    assert set(r.portfolio.starts) == {"A", "B"}  # C adds nothing; tie-break: lower cost


def test_benefit_until_counts_service_years_after_the_funding_years():
    # A (15 m² in F: 50 households of F's gap of 100) can only be built in 2024, the last funding
    # year, so it serves from 2025. Default horizon (benefit up to 2024): worth 0, not chosen.
    # benefit_until = 2027: serves 2025, 2026, 2027 → 3 × 50 = 150.
    comms = _comms()
    a = cand("A", 1, 0, community_id="F", area_m2=15, earliest_start=2024)
    annual = {2022: 0, 2023: 0, 2024: 1}
    r = solve(scen([a], annual, communities=comms, objective=Objective("benefit")))
    assert r.objective == 0 and len(r.portfolio) == 0
    r = solve(scen([a], annual, communities=comms,
                   objective=Objective("benefit", benefit_until=2027)))
    assert r.objective == pytest.approx(150.0) and r.portfolio.starts == {"A": 2024}


def test_benefit_ignores_how_far_the_population_is_projected():
    # population.last_year says how far simulate projects; it no longer stretches the benefit
    from facility_opt.model.types import Population

    comms = _comms()
    a = cand("A", 1, 0, community_id="F", area_m2=15)
    kw = dict(communities=comms, objective=Objective("benefit"))
    plain = solve(scen([a], {2022: 1, 2023: 0}, **kw))
    projected = solve(scen([a], {2022: 1, 2023: 0}, population=Population(last_year=2030), **kw))
    assert plain.objective == projected.objective == pytest.approx(50.0)


def test_benefit_until_before_the_last_funding_year_is_refused(tmp_path):
    from facility_opt.scenario import load_scenario

    (tmp_path / "c.csv").write_text("id,name,kind,cost\nA,A,renovation,1\n", encoding="utf-8")
    (tmp_path / "s.toml").write_text(
        'name = "s"\n[horizon]\nyears = [2022, 2023]\n[budget]\nannual = {2022 = 1, 2023 = 1}\n'
        '[data]\ncandidates = "c.csv"\n[objective]\nkind = "score"\nbenefit_until = 2022\n',
        encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_scenario(tmp_path / "s.toml")
    text = str(err.value)
    assert "objective.benefit_until" in text and "2022" in text and "2023" in text
    assert "s.toml" in text


def test_explanation_answers_implied_by_tied_plans_without_a_resolve():
    # four equal projects, money for two: dropping any chosen one costs nothing (another takes
    # its place). Once a re-solve has found a plan without P0, the next question whose answer
    # that plan already gives is answered without solving again.
    from facility_opt.solve.explain import explain_result

    sc = scen([cand(f"P{i}", 2, 3) for i in range(4)], {2022: 2, 2023: 2})
    r = solve(sc)
    e = explain_result(sc, r)
    outs = [row for row in e.force if row["action"] == "force_out"]
    ins = [row for row in e.force if row["action"] == "force_in"]
    assert len(outs) == 2 and all(row["change"] == 0 for row in outs)
    assert all(row["change"] == 0 and row["status"] == "optimal" for row in ins)
    assert e.implied >= 1 and e.solves + e.implied == len(e.force) + len(e.marginal_budget)
    assert {row["how"] for row in e.force} <= {"solved", "implied"}
