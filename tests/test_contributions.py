"""selection.csv's `benefit` column from one evaluation of the portfolio equals the objective lost
when each project alone is dropped, computed the slow way (a full re-evaluation per project)."""

from __future__ import annotations

import random

from facility_opt.scenario import load_scenario
from facility_opt.solve import milp
from facility_opt.solve.contributions import benefit_losses


def _by_re_evaluation(sc, starts: dict[str, int]) -> tuple[dict[str, float], dict[str, int]]:
    model = milp.build_model(sc)
    ids = {c.id: i for i, c in enumerate(sc.candidates)}
    chosen = {ids[cid]: next(o for o in model.options[ids[cid]] if o.start == s)
              for cid, s in starts.items()}
    whole = milp.evaluate(model, chosen)
    losses = {sc.candidates[i].id: round(whole - milp.evaluate(
        model, {k: o for k, o in chosen.items() if k != i}), 6) for i in chosen}
    return losses, {sc.candidates[i].id: o.completion for i, o in chosen.items()}


def test_one_evaluation_matches_dropping_each_project_on_random_portfolios():
    sc = load_scenario("leshan-base")
    rng = random.Random(5)
    shared_cap = shared_reach = 0
    for _ in range(8):
        starts = {}
        for c in sc.candidates:
            opts = milp.start_options(c, sc.years)
            if opts and rng.random() < 0.75:
                starts[c.id] = rng.choice(opts).start
        slow, completion = _by_re_evaluation(sc, starts)
        fast = benefit_losses(sc, completion)
        assert fast == slow
        shared_cap += sum(1 for cid in starts if fast[cid] == 0.0)
        shared_reach += len(starts)
    # the portfolios exercise the capped and overlapping cases (some projects add nothing alone)
    assert shared_cap > 0 and shared_reach > 100
