"""The model before solving: variables, named rule groups, the extra-constraints hook, ties."""

from __future__ import annotations

import numpy as np
import pulp

from facility_opt.model.types import Budget, Candidate, Objective, Scenario
from facility_opt.solve import solve
from facility_opt.solve.milp import build_model, start_options, tie_break_cost, to_matrix


def _sc(cands, annual, **kw):
    return Scenario(name="m", years=tuple(sorted(annual)), budget=Budget(dict(annual)),
                    candidates=tuple(cands), objective=Objective("score"), **kw)


def test_start_window_defaults_finish_inside_the_horizon():
    c = Candidate("A", "A", "complex", 9.0, build_years=2)
    opts = start_options(c, (2022, 2023, 2024, 2025))
    assert [o.start for o in opts] == [2022, 2023, 2024]
    assert opts[0].spend == {2022: 4.5, 2023: 4.5} and opts[-1].completion == 2025
    fixed = Candidate("B", "B", "renovation", 5.0, cost_by_year={2023: 2.0, 2024: 3.0})
    (o,) = start_options(fixed, (2022, 2023, 2024))
    assert (o.start, o.completion, o.total) == (2023, 2024, 5.0)


def test_model_can_be_inspected_before_solving():
    sc = _sc([Candidate("A", "A", "renovation", 4.0, score=1.0, build_years=2),
              Candidate("B", "B", "renovation", 1.0, score=1.0, must_fund=True)],
             {2022: 5, 2023: 5, 2024: 5})
    m = build_model(sc)
    assert set(m.x) == {(0, 2022), (0, 2023), (1, 2022), (1, 2023), (1, 2024)}
    assert {"budget 2022", "budget 2023", "budget 2024", "must_fund"} <= set(m.groups)
    form = to_matrix(m)
    r = form.row_names.index("budget_2023")
    cols, vals = form.row(r)
    assert sorted(zip((form.col_names[j] for j in cols), vals, strict=True)) == [
        ("x_0_2022", 2.0), ("x_0_2023", 2.0), ("x_1_2023", 1.0)]
    assert form.row_upper[r] == 5 and form.maximize


def test_extra_constraints_hook():
    sc = _sc([Candidate("A", "A", "renovation", 1.0, score=5.0),
              Candidate("B", "B", "renovation", 1.0, score=4.0)], {2022: 10})

    def not_both_in_2022(model):
        pairs = [(model.x[0, 2022], 1.0), (model.x[1, 2022], 1.0)]
        model.add_constraint(pulp.LpConstraint(pulp.LpAffineExpression(pairs),
                                               pulp.LpConstraintLE, rhs=1), "planner_rule",
                             group="planner rule")

    assert solve(sc).objective == 9
    r = solve(sc, extra_constraints=not_both_in_2022)
    assert r.objective == 5 and r.portfolio.starts == {"A": 2022}


def test_tie_break_weights_order_cost_then_position_then_start():
    sc = _sc([Candidate("A", "A", "renovation", 3.0, score=1.0),
              Candidate("B", "B", "renovation", 2.0, score=1.0)], {2022: 9, 2023: 9})
    m = build_model(sc)
    w = tie_break_cost(m)
    col = {v.name: j for j, v in enumerate(m.columns)}
    a22, a23, b22 = w[col["x_0_2022"]], w[col["x_0_2023"]], w[col["x_1_2022"]]
    assert b22 < a22 < a23  # cheaper first, then earlier start
    assert np.all(w == np.round(w))  # integer units: exact in floating point


def test_highs_and_cbc_return_the_same_portfolio_when_optima_tie():
    # four identical projects, money for two, two start years: many tied optima
    cands = [Candidate(f"P{i}", f"P{i}", "renovation", 2.0, score=3.0) for i in range(4)]
    sc = _sc(cands, {2022: 2, 2023: 2})
    a, b = solve(sc, solver="highs"), solve(sc, solver="cbc")
    assert a.objective == b.objective == 6
    assert a.portfolio.starts == b.portfolio.starts == {"P0": 2022, "P1": 2023}


def test_a_known_plan_as_solver_start_carries_its_true_benefit():
    # least-cost hands its plan to the solve at that budget as a first incumbent: the start's
    # helper columns must make its objective the plan's benefit, and every row must hold
    from facility_opt.model.types import Community
    from facility_opt.solve import milp, start_values

    comms = (Community("F", "F", "k", "fringe", 100, 300, 50, 0, 0),
             Community("T", "T", "k", "town", 100, 300, 80, 0.5, 0))
    sc = Scenario(name="w", years=(2022, 2023), budget=Budget({2022: 5, 2023: 5}),
                  candidates=(Candidate("A", "A", "renovation", 2.0, community_id="F",
                                        area_m2=15, daycare_places=5),
                              Candidate("B", "B", "renovation", 2.0, community_id="T",
                                        area_m2=60)),
                  communities=comms,
                  objective=Objective("benefit", weight_households=2.0, benefit_until=2025))
    model = build_model(sc)
    form = to_matrix(model)
    values = start_values(model, form, {"A": 2022, "B": 2023})
    chosen = milp.chosen_options(model, values)
    # A serves 2023–2025: F's 50 households of gap 100 (15 m² / 0.30) and day care reaching F and
    # T (0.5 km): 3 × (2 × 50 + 50 + 80) = 690; B serves 2024–2025: T's whole gap of 100 → 400
    assert float(form.cost @ values) == milp.evaluate(model, chosen) == 1090.0
    act = form.activities(values)
    assert np.all(act <= form.row_upper + 1e-9) and np.all(act >= form.row_lower - 1e-9)
