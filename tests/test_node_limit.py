"""A work limit (branch-and-bound nodes) instead of the clock: the least-cost figures stop at
the same point on any machine, so the "needs X more" of solve's message, `--least-cost` and
plan agree and repeat."""

from __future__ import annotations

import pytest
from builders import copy_mini

from facility_opt.scenario.loading import load_scenario
from facility_opt.solve import milp
from facility_opt.solve.solvers import SolverOptions, open_session
from facility_opt.solve.status import SolveStatus


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_a_node_limit_stops_the_search_and_is_lifted_for_the_next_solve(solver):
    sc = load_scenario("leshan-base")
    form = milp.to_matrix(milp.build_model(sc))
    session = open_session(form, solver)
    stopped = session.solve(SolverOptions(max_nodes=1, time_limit=60))
    assert stopped.status == SolveStatus.FEASIBLE and stopped.values is not None
    assert "limit" in stopped.raw_status.lower()
    again = session.solve(SolverOptions(time_limit=60))  # the limit does not stick
    assert again.status == SolveStatus.OPTIMAL
    assert again.objective >= stopped.objective - 1e-6


def test_least_cost_without_a_clock_uses_the_node_limit_and_with_one_does_not(tmp_path,
                                                                           monkeypatch):
    import facility_opt.solve.highs_session as hs
    from facility_opt.solve import least_cost
    from facility_opt.solve.least_cost_search import LEAST_COST_NODES

    seen: list[SolverOptions] = []
    real = hs.HighsSession.solve

    def spy(self, options, warm_start=None, label="solve"):
        seen.append(options)
        return real(self, options, warm_start, label)

    monkeypatch.setattr(hs.HighsSession, "solve", spy)
    sc = load_scenario(copy_mini(tmp_path))
    least_cost(sc, with_plan=False)
    assert [o.max_nodes for o in seen] == [LEAST_COST_NODES, LEAST_COST_NODES]
    seen.clear()
    least_cost(sc, with_plan=False, time_limit=20)
    assert [o.max_nodes for o in seen] == [None, None]
