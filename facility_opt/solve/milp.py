"""The investment MILP: build, solve and extract as separate steps.

`build_model(scenario, ...)` returns a `MilpModel` holding the PuLP problem, the decision
variables and, for every constraint, the planner's name of the rule it belongs to, so a test (or
a planner in a notebook) can inspect the model before solving and add constraints through the
`extra_constraints` hook, PyPSA-style. `to_matrix(model)` turns it into arrays for the solver;
`chosen_options(model, values)` turns solver values back into a `Portfolio` and spending.

The formulation is written out in docs/model.md; the comments here refer to its sections. The
pieces live in their own modules and are re-exported here (`from facility_opt.solve import milp;
milp.X` is the path the rest of the package and notebooks use):

- `milp_model`: `MilpModel`, `StartOption`, `start_options` (the built model and its scheduling);
- `milp_data`: what the model reads from the scenario (reach, benefit years, counties, …);
- `constraints`: one `define_*` function per constraint family; coverage is `coverage.py`;
- `objective`: the objective (score, benefit, coverage, least cost);
- `matrix`: `to_matrix`, `cost_vector`, `tie_break_cost`;
- `extract`: `chosen_options`, `portfolio_of`, `spend_by_year`, `evaluate`.

Money is in the scenario's budget unit (default 万元), areas in m², distances in km.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pulp

from facility_opt.errors import InputError
from facility_opt.model.types import Scenario
from facility_opt.solve.constraints import (
    define_budgets,
    define_county_equity,
    define_early_completion,
    define_exclusive_groups,
    define_forced,
    define_min_count,
    define_one_start,
    define_places_required,
    define_requires,
    hash_text,
)
from facility_opt.solve.coverage import coverage_wanted, define_coverage
from facility_opt.solve.extract import (
    chosen_options,
    evaluate,
    evaluate_benefit,
    portfolio_of,
    spend_by_year,
)
from facility_opt.solve.matrix import cost_vector, tie_break_cost, to_matrix
from facility_opt.solve.milp_data import (
    benefit_until,
    benefit_years,
    candidate_county,
    community_index,
    cost_resolution,
    daycare_reach,
    model_precovered,
    model_reach,
    precovered_years,
    source_name,
)
from facility_opt.solve.milp_model import STRUCTURAL, MilpModel, StartOption, start_options
from facility_opt.solve.objective import define_objective
from facility_opt.solve.solvers import new_var

__all__ = [
    "STRUCTURAL", "MilpModel", "StartOption", "benefit_until", "benefit_years", "build_model",
    "candidate_county", "chosen_options", "community_index", "cost_resolution", "cost_vector",
    "daycare_reach", "evaluate", "evaluate_benefit", "hash_text", "model_precovered", "model_reach",
    "portfolio_of", "precovered_years", "spend_by_year", "start_options", "tie_break_cost",
    "to_matrix",
]


def build_model(
    scenario: Scenario,
    *,
    force_in: Sequence[str] = (),
    force_out: Sequence[str] = (),
    requirements: Sequence = (),
    budget_by_year: dict[int, float] | None = None,
    least_cost: bool = False,
    extra_constraints: Callable[[MilpModel], None] | None = None,
    coverage_target: bool = True,
) -> MilpModel:
    """Build the MILP of a scenario (docs/model.md). Nothing is solved here.

    `budget_by_year` overrides the scenario's budgets (frontier, least-cost). With `least_cost`
    the budgets become `scale × budget` and the objective is to minimise `scale`.
    `requirements` are `facility_opt.solve.PlacesRequirement`s (day-care places near a
    community by a year). `extra_constraints(model)` is called last to add planner rules.
    """
    sc = scenario
    years = tuple(sc.years)
    if not years:
        raise InputError.one(source_name(sc), "horizon.years", "[]", "at least one funding year")
    budgets = dict(budget_by_year if budget_by_year is not None else sc.budget.annual)
    for y in years:
        budgets.setdefault(y, 0.0)
    cands = sc.candidates
    ids = {c.id: i for i, c in enumerate(cands)}
    for role, given in (("--force-in", force_in), ("--force-out", force_out)):
        for cid in given:
            if cid not in ids:
                raise InputError.one("command line", role, cid, "a project id from the "
                                     "candidates table")
    kind = sc.objective.kind
    if kind not in ("score", "benefit", "coverage"):
        raise InputError.one(source_name(sc), "objective.kind", kind, '"benefit", "coverage" or "score"')
    if kind in ("benefit", "coverage") and not sc.communities:
        raise InputError.one(source_name(sc), "objective.kind", kind,
                             f'"score", or a communities table (data.communities) for "{kind}"')
    if sc.rules.early_completion and not sc.communities:
        raise InputError.one(source_name(sc), "rules.early_completion", True,
                             "a communities table (data.communities) to know community types")

    prob = pulp.LpProblem("facility_opt", pulp.LpMinimize if least_cost else pulp.LpMaximize)
    options = [start_options(c, years) for c in cands]
    x: dict[tuple[int, int], pulp.LpVariable] = {}
    columns: list[pulp.LpVariable] = []
    for i, opts in enumerate(options):
        for o in opts:
            v = new_var(prob, f"x_{i}_{o.start}", 0, 1, pulp.LpBinary)
            x[i, o.start] = v
            columns.append(v)
    model = MilpModel(sc, prob, options, x, columns, {}, {}, "least_cost" if least_cost else kind,
                      budgets, benefit_years(sc) if kind in ("benefit", "coverage") else ())

    define_one_start(model)  # (1)
    define_budgets(model, least_cost)  # (2)
    define_forced(model, force_in, force_out)  # (3)
    define_exclusive_groups(model)  # (4)
    define_requires(model)  # (5)
    define_min_count(model)  # (6)
    define_early_completion(model)  # (7)
    define_county_equity(model)  # (8)
    define_places_required(model, requirements)  # (9)
    # (10) coverage in every target year: the target as a hard row, indicators for the objective
    if coverage_wanted(sc, coverage_target):
        define_coverage(model, model.add_row, hard=coverage_target)
    define_objective(model, least_cost)  # (11)

    if extra_constraints is not None:
        extra_constraints(model)
    return model
