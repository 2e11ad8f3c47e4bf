"""`plan --robust P`: the portfolio that meets the coverage target in at least a share P of the
sampled futures (the scenario's `[uncertainty]` table, drawn as `futures` draws them).

One MILP over every sampled future. Future f has its own demand (its visit scale, ageing,
urbanisation, stays), hence its own places requirement R_ktf for community k in target year t
(`solve.coverage.effective_places` on the future's scenario: the sizing every command uses).
For each distinct requirement a covered indicator z (as in `solve/coverage.py`):

    (R − E_kt) z ≤ Σ min(p_i, R − E_kt) x_is          (E_kt: existing places within reach)

a binary m_f per future, "future f is met":  Σ_k z_k,t,R_ktf ≥ (required − outright) m_f  for
every target year, and Σ_f m_f ≥ ⌈P·N⌉. The rules and budgets are the scenario's; the objective
is its own (benefit), so among the robust portfolios the best one is chosen.

The sizing is an estimate of what the simulation will show, so, as in `plan`, the portfolio is
then simulated in every future (same seeds: common random numbers). Where a future fails, each
community the MILP counted but the simulation saw turn away too many gets a cut for that future
only: "counts as covered in f only with more new places within reach than this portfolio gave
it" (`decide/plan_cuts.py`'s rule). The MILP is solved again; requirements only grow, so the
loop ends. The verdict kinds are plan's: met_simulated (the simulation meets the target in
≥ ⌈P·N⌉ futures), not_met_proven (HiGHS proves no portfolio within the budget meets the
requirements in that many futures: the missing money is then the exact least cost of the same
MILP, `solve.least_cost`), not_met_estimate (the rounds ran out).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from facility_opt.decide.futures import FuturesResult, FuturesSetup, futures_result
from facility_opt.decide.robust_milp import Needs, estimated_met, future_needs, robust_constraints
from facility_opt.errors import InfeasibleError, InputError
from facility_opt.model.portfolio import Portfolio
from facility_opt.model.targets import required_covered
from facility_opt.model.types import Scenario
from facility_opt.progress import stage

CURVE_SHARES = (0.25, 0.5, 0.75, 0.9, 1.0)  # shares of futures on the P(met)–budget curve


@dataclass
class RobustRound:
    """One solve → simulate-in-every-future round."""

    round: int
    status: str
    gap: float | None
    portfolio: Portfolio
    objective: float
    total_cost: float
    spend_by_year: dict[int, float]
    estimated_met: list[bool]  # per future: the portfolio meets the MILP's requirements
    simulated: FuturesResult
    cuts_added: int  # cuts this round's solve had that the previous one had not

    @property
    def met_count(self) -> int:
        return self.simulated.met_count


@dataclass(frozen=True)
class CurvePoint:
    """The least money with which a portfolio meets the requirements of ≥ `futures_met`
    futures: in the scenario's yearly proportions (`total`) and with a free split."""

    share: float
    futures_met: int
    total: float | None
    free_total: float | None
    status: str
    gap: float | None
    error: str = ""

    def record(self) -> dict[str, Any]:
        return {"share": self.share, "futures_met": self.futures_met, "total": self.total,
                "free_total": self.free_total, "status": self.status, "gap": self.gap,
                "error": self.error or None}


@dataclass
class RobustResult:
    scenario: Scenario
    share: float  # P asked for
    required: int  # ⌈P·N⌉ futures
    setup: FuturesSetup
    replications: int
    rounds: list[RobustRound]
    solve_result: Any  # SolveResult of the final portfolio
    verdict_kind: str
    reason: str
    cuts: dict[tuple[int, int, int], int] = field(default_factory=dict)  # (f, k, t) → places
    best_within_budget: int | None = None  # most futures the budget can meet (when not met)
    best_any_budget: int | None = None  # most futures any budget can meet (when none reaches P)
    least_cost: Any = None  # LeastCostResult of the robust requirements, when not met
    least_cost_error: str = ""
    least_cost_simulated: FuturesResult | None = None
    curve: list[CurvePoint] = field(default_factory=list)

    @property
    def met(self) -> bool:
        return self.verdict_kind == "met_simulated"

    @property
    def final(self) -> RobustRound:
        return self.rounds[-1]

    @property
    def extra_budget_by_year(self) -> dict[int, float]:
        return {} if self.least_cost is None else self.least_cost.extra_by_year(self.scenario)


# -- the loop ----------------------------------------------------------------------------------

def robust_plan(scenario: Scenario, share: float, *, solver: str = "highs",
                futures: int | None = None, seed: int | None = None, replications: int = 1,
                days: int | None = None, workers: int = 1, scheduler: str | None = None,
                max_iterations: int | None = None, curve: Sequence[float] | None = None
                ) -> RobustResult:
    """The best portfolio meeting the target in ≥ ⌈share·N⌉ of the sampled futures, checked by
    simulating it in each; priced exactly when the budget cannot (see the module docstring)."""
    from facility_opt.decide.futures import futures_setup, simulate_futures
    from facility_opt.simulate.inputs import check_simulation_tables
    from facility_opt.solve.core import solve

    check_simulation_tables(scenario)  # before minutes of sizing, not after
    if not (isinstance(share, int | float) and 0 < share <= 1):
        raise InputError.one("command line", "--robust", share,
                             "a share of the futures in (0, 1], e.g. 0.9")
    if required_covered(scenario) <= 0:
        raise InputError.one(scenario.source.name if scenario.source else "scenario",
                             "key targets.daycare_coverage", scenario.targets.daycare_coverage,
                             "a coverage target > 0 (the robust plan meets it in the futures)")
    setup = futures_setup(scenario, futures=futures, seed=seed, replications=replications,
                          days=days)
    required = math.ceil(share * setup.futures - 1e-9)
    needs = future_needs(setup, workers=workers, scheduler=scheduler)
    max_rounds = max(1, int(max_iterations or scenario.plan.max_iterations))
    cuts: dict[tuple[int, int, int], int] = {}
    rounds: list[RobustRound] = []
    kind = reason = ""
    result = None
    prev_cuts = 0

    def run(pf: Portfolio, what: str) -> FuturesResult:
        outcomes = simulate_futures(setup.base, pf, setup.sampled, replications=replications,
                                    days=setup.days, workers=workers, scheduler=scheduler,
                                    description=what)
        return futures_result(scenario, setup, replications, outcomes)

    with stage("robust plan rounds", max_rounds) as progress:
        while len(rounds) < max_rounds:
            n = len(rounds) + 1
            n_cuts = len(cuts)
            try:
                res = solve(scenario, solver=solver, coverage_target=False,
                            extra_constraints=robust_constraints(scenario, needs, required, cuts),
                            price_infeasible=False)
            except InfeasibleError as err:
                if str(err.status or "infeasible") != "infeasible":
                    kind, reason = "not_met_estimate", ("the solver found no plan within its "
                                                        f"limits, which proves nothing ({err.message})")
                else:
                    kind = "not_met_proven"
                    reason = (f"proven by the optimiser: no portfolio within the budget meets the "
                              f"places requirements of ≥ {required} of {setup.futures} futures "
                              f"(each future's own sizing{' and the simulation’s cuts' if cuts else ''})"
                              " with every rule (HiGHS: infeasible)")
                break
            pf = res.portfolio
            sim = run(pf, f"round {n}: {setup.futures} futures")
            rounds.append(RobustRound(n, str(res.status), res.gap, pf, float(res.objective),
                                      float(res.total_cost), dict(res.spend_by_year),
                                      estimated_met(scenario, needs, pf, cuts), sim,
                                      n_cuts - prev_cuts))
            prev_cuts = n_cuts
            result = res
            progress.advance()
            if sim.met_count >= required:
                kind = "met_simulated"
                reason = (f"simulated in round {n}: the target is met in {sim.met_count} of "
                          f"{setup.futures} futures (≥ {required} asked, {share:.0%})")
                break
            fresh = _new_cuts(scenario, needs, pf, sim, cuts)
            if not fresh:
                kind, reason = "not_met_estimate", (
                    "the simulation misses the target in too many futures, yet no community the "
                    "MILP counted fails the turned-away limit there: nothing to cut")
                break
            cuts.update(fresh)
        else:
            kind, reason = "not_met_estimate", (
                f"{max_rounds} round(s) (plan.max_iterations) ran without a simulated success or a "
                "proof; the last round's figures are estimates")
    out = RobustResult(scenario, float(share), required, setup, replications, rounds, result,
                       kind, reason, dict(cuts))
    if result is None:  # what the budget can do: the most futures it meets, and that portfolio
        best, res = _most_futures(scenario, solver, needs, cuts, required - 1)
        out.best_within_budget, out.solve_result = best, res
        if res is not None:
            pf = res.portfolio
            out.rounds.append(RobustRound(1, str(res.status), res.gap, pf, float(res.objective),
                                          float(res.total_cost), dict(res.spend_by_year),
                                          estimated_met(scenario, needs, pf, cuts),
                                          run(pf, f"best within budget: {setup.futures} futures"),
                                          len(cuts)))
    if not out.met:
        _price(out, solver, needs, run)
    n = setup.futures
    counts = {math.ceil(p * n - 1e-9) for p in (curve if curve is not None else CURVE_SHARES)}
    if curve is None or curve:  # the points the run already knows: the budget's best, the most
        counts |= {required} | {k for k in (out.best_within_budget, out.best_any_budget) if k}
    for k in sorted(c for c in counts if c > 0):
        if out.best_any_budget is not None and k > out.best_any_budget:  # proven above
            out.curve.append(CurvePoint(k / n, k, None, None, "infeasible", None,
                                        f"no budget meets the requirements of {k} futures "
                                        f"(proven: at most {out.best_any_budget})"))
        else:
            out.curve.append(_curve_point(scenario, solver, needs, cuts, k / n, n))
    return out


def _new_cuts(scenario: Scenario, needs: Needs, portfolio: Portfolio, sim: FuturesResult,
              cuts: Mapping[tuple[int, int, int], int]) -> dict[tuple[int, int, int], int]:
    """A cut for every community the MILP counted that turned away too many in a failing
    future: it counts there only with more new places within reach than it had."""
    from facility_opt.decide.plan_cuts import new_places_within_reach
    from facility_opt.model.geometry import reach

    where = reach(scenario)
    index = {m.id: k for k, m in enumerate(scenario.communities or ())}
    out: dict[tuple[int, int, int], int] = {}
    for f, failing in enumerate(sim.failing):
        for t, ids in failing.items():
            for cid in ids:
                k = index[cid]
                now = new_places_within_reach(scenario, portfolio, cid, t, where)
                rest = max(needs.rest[f].get((k, t), 1), cuts.get((f, k, t), 0))
                m = max(now + 1, rest, cuts.get((f, k, t), 0) + 1)
                if m > cuts.get((f, k, t), 0):
                    out[f, k, t] = m
    return out


def _most_futures(scenario: Scenario, solver: str, needs: Needs,
                  cuts: Mapping[tuple[int, int, int], int], upper: int,
                  budget_by_year: dict[int, float] | None = None, lower: int = 0):
    """The most futures (≤ upper) whose requirements a portfolio within the budget (or
    `budget_by_year`) meets — a bisection over exact solves, knowing `lower` are reachable —
    and that portfolio (None when the rules alone fail)."""
    from facility_opt.solve.core import solve

    def attempt(k: int):
        try:
            return solve(scenario, solver=solver, coverage_target=False, price_infeasible=False,
                         budget_by_year=budget_by_year,
                         extra_constraints=robust_constraints(scenario, needs, k, cuts))
        except InfeasibleError as err:
            if str(err.status or "infeasible") != "infeasible":
                raise
            return None

    best = attempt(lower)
    if best is None:
        raise InfeasibleError(["the rules alone have no plan within the budget"])
    lo = max(lower, sum(estimated_met(scenario, needs, best.portfolio, cuts)))
    hi = upper
    while lo < hi:
        mid = (lo + hi + 1) // 2
        res = attempt(mid)
        if res is None:
            hi = mid - 1
        else:
            best, lo = res, max(mid, sum(estimated_met(scenario, needs, res.portfolio, cuts)))
    return lo, best


def _price(out: RobustResult, solver: str, needs: Needs, run) -> None:
    """The exact least money meeting the requirements of ⌈P·N⌉ futures and every rule."""
    from facility_opt.solve.core import least_cost

    sc = out.scenario
    try:
        lc = least_cost(sc, solver=solver, coverage_target=False,
                        extra_constraints=robust_constraints(sc, needs, out.required, out.cuts))
    except InfeasibleError as err:
        if str(err.status or "infeasible") != "infeasible":
            out.least_cost_error = err.message
            return
        every = {y: float(sum(c.cost for c in sc.candidates)) for y in sc.years}
        low = out.best_within_budget or 0
        out.best_any_budget, _ = _most_futures(sc, solver, needs, out.cuts, out.required - 1,
                                               budget_by_year=every, lower=low)
        out.least_cost_error = (f"proven by the optimiser: even with every candidate affordable "
                                f"in every year, a portfolio meets the places requirements of "
                                f"at most {out.best_any_budget} of {out.setup.futures} futures")
        return
    out.least_cost = lc
    if lc.result is not None:
        out.least_cost_simulated = run(lc.result.portfolio, "least-cost plan in every future")


def _curve_point(scenario: Scenario, solver: str, needs: Needs,
                 cuts: Mapping[tuple[int, int, int], int], share: float, n: int) -> CurvePoint:
    """The least money meeting the requirements of ⌈share·n⌉ futures (exact least-cost MILP)."""
    from facility_opt.solve.core import least_cost

    k = math.ceil(share * n - 1e-9)
    try:
        lc = least_cost(scenario, solver=solver, coverage_target=False, with_plan=False,
                        extra_constraints=robust_constraints(scenario, needs, k, cuts))
    except InfeasibleError as err:
        proven = str(err.status or "infeasible") == "infeasible"
        return CurvePoint(share, k, None, None, "infeasible" if proven else str(err.status),
                          None, f"no budget meets the requirements of {k} futures"
                          + (" (proven)" if proven else f" found in the time limit ({err.message})"))
    return CurvePoint(share, k, float(lc.total), lc.free_total, lc.status.value,
                      float(lc.gap or 0.0))

