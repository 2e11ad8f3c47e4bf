"""`plan`: the exact decision, checked by the simulation, with cuts from what it sees.

1. Round 1 solves the MILP with every target inside it: the coverage target
   (`targets.daycare_coverage` of the communities in every target year) is a hard constraint,
   so the portfolio covers enough communities by construction, or the MILP proves no plan
   within the budget does.
2. The portfolio is simulated (same seed every round: common random numbers). A community
   counts as *effectively* covered when it is within reach and turns away no more than
   `targets.max_turned_away` of its requests (`facility_opt.model.targets.judge`, the one
   judgement every command uses).
3. Where a community the MILP counted fails that limit, its places requirement is raised — a
   cut: "this community counts as covered in year Y only with ≥ m new places within reach",
   with m above what the failed portfolio gave it and at least what a day that starts empty
   needs for its requests (`model.queueing.day_start_places`) beyond the existing places
   within reach. The MILP is solved again. Requirements only grow and are bounded by the
   places the candidates can add, so the loop ends.

Its verdict is one of three kinds (`plan.json` → `verdict_kind`):

- `met_simulated`: the simulation shows the target met (effective coverage where it is on);
- `not_met_proven`: the MILP with the simulation's requirements has no plan within the budget
  (HiGHS proves infeasibility); the money missing is the exact least-cost of those requirements
  and every rule (`solve.least_cost`): per year in the scenario's proportions and the least total
  with a free split across years;
- `not_met_estimate`: the rounds ran out (`plan.max_iterations`) before either — the figures are
  the last round's, an estimate, and say so.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

from facility_opt.decide.plan_cuts import Cut, new_cuts
from facility_opt.errors import InfeasibleError, InputError
from facility_opt.model.portfolio import Portfolio
from facility_opt.model.targets import (
    CoverageVerdict,
    effective_on,
    judge_simulated,
    required_covered,
    target_years,
)
from facility_opt.model.types import Scenario
from facility_opt.progress import stage

VERDICT_KINDS = ("met_simulated", "not_met_proven", "not_met_estimate")


@dataclass(frozen=True)
class CoverageFigure:
    """A simulated coverage figure: mean and 95 % interval across replications."""

    mean: float
    ci_low: float
    ci_high: float
    p_target_met: float | None = None

    def as_dict(self) -> dict[str, float | None]:
        return {"mean": self.mean, "ci_low": self.ci_low, "ci_high": self.ci_high,
                "p_target_met": self.p_target_met}


def coverage_figures(sim_result: Any) -> dict[int, dict[str, CoverageFigure]]:
    """year → metric → figure, from a SimulationResult's coverage rows."""
    out: dict[int, dict[str, CoverageFigure]] = {}
    for r in sim_result.coverage:
        p = r.get("p_target_met")
        out.setdefault(int(r["year"]), {})[str(r["metric"])] = CoverageFigure(
            float(r["mean"]), float(r["ci_low"]), float(r["ci_high"]),
            None if p is None or p == "" else float(p))
    return out


@dataclass
class PlanRound:
    """One solve → simulate round."""

    round: int
    status: str
    gap: float | None
    portfolio: Portfolio
    objective: float
    total_cost: float
    spend_by_year: dict[int, float]
    added: list[str]
    removed: list[str]
    cuts_added: list[Cut]  # cuts this round's solve had that the previous one had not
    verdicts: dict[int, CoverageVerdict]
    figures: dict[int, dict[str, CoverageFigure]]
    # True for the round shown when no plan meets the target within the budget: the most
    # communities the money covers; its objective is that coverage, not the scenario's objective
    best_coverage: bool = False

    @property
    def met(self) -> bool:
        return all(v.met is not False for v in self.verdicts.values())


@dataclass
class PlanResult:
    """The rounds, the final portfolio and its simulation, and the verdict with its proof."""

    scenario: Scenario
    rounds: list[PlanRound]
    solve_result: Any  # SolveResult of the final portfolio
    simulation: Any  # SimulationResult of the final portfolio
    verdict_kind: str
    reason: str  # why this kind: the proof, or what makes it an estimate
    cuts: list[Cut] = field(default_factory=list)
    least_cost: Any = None  # LeastCostResult of the cuts and every rule, when not met
    least_cost_error: str = ""
    least_cost_verdicts: dict[int, CoverageVerdict] | None = None  # its portfolio, simulated
    free_total: float | None = None  # least total with a free split across years
    free_budget_by_year: dict[int, float] | None = None
    seed: int | None = None
    replications: int | None = None

    @property
    def met(self) -> bool:
        return self.verdict_kind == "met_simulated"

    @property
    def final(self) -> PlanRound:
        return self.rounds[-1]

    @property
    def extra_budget_by_year(self) -> dict[int, float]:
        """Least-cost budget − scenario budget per year, in the scenario's proportions (≥ 0)."""
        return {} if self.least_cost is None else self.least_cost.extra_by_year(self.scenario)

    @property
    def free_extra_total(self) -> float | None:
        """Least total with a free split across years − the scenario's total (≥ 0)."""
        free = self.free_total
        return None if free is None else max(0.0, float(free) - self.scenario.budget.total)


# -- the loop ---------------------------------------------------------------------------------

def plan(scenario: Scenario, *, solver: str = "highs", replications: int | None = None,
         seed: int | None = None, workers: int = 1, scheduler: str | None = None,
         max_iterations: int | None = None) -> PlanResult:
    """Solve with every target, simulate, cut where the simulation disagrees, until the verdict
    is a simulated fact or a proof. Raises InfeasibleError (exit 3) only when the rules alone —
    without the coverage target — have no plan within the budget."""
    if not scenario.communities:
        raise InputError.one("scenario", "key data.communities", "",
                             "a communities table: plan tests day-care coverage, which needs "
                             "the communities")
    max_rounds = max(1, int(max_iterations or scenario.plan.max_iterations))
    seed = scenario.simulation.seed if seed is None else seed
    cuts: dict[tuple[str, int], Cut] = {}
    rounds: list[PlanRound] = []
    kind, reason = "", ""
    result = sim = None
    with ExitStack() as stack:
        progress = None  # opened after the first solve: an infeasible run prints one line only
        while len(rounds) < max_rounds:
            n = len(rounds) + 1
            try:
                res = _solve(scenario, solver, cuts)
            except InfeasibleError as err:
                if str(err.status or "infeasible") != "infeasible":  # stopped, not proven
                    kind, reason = "not_met_estimate", f"the solver found no plan within its " \
                        f"limits, which proves nothing ({err.message})"
                else:
                    kind, reason = "not_met_proven", _infeasible_reason(scenario, cuts, err)
                break
            if progress is None:
                progress = stack.enter_context(stage("plan rounds", max_rounds))
            pf = res.portfolio
            s = _simulate(scenario, pf, replications, seed, workers, scheduler, judged=True)
            verdicts = judge_simulated(scenario, pf, s)
            prev = rounds[-1].portfolio if rounds else Portfolio()
            added_cuts = [c for c in cuts.values() if c.round == n - 1]
            rounds.append(PlanRound(n, str(res.status), res.gap, pf, float(res.objective),
                                    float(res.total_cost), dict(res.spend_by_year),
                                    sorted(set(pf.starts) - set(prev.starts)),
                                    sorted(set(prev.starts) - set(pf.starts)), added_cuts,
                                    verdicts, coverage_figures(s)))
            result, sim = res, s
            progress.advance()
            if rounds[-1].met:
                kind = "met_simulated"
                reason = _met_reason(scenario, verdicts, n)
                break
            fresh = new_cuts(scenario, pf, s, verdicts, cuts, n)
            if not fresh:
                kind = "not_met_estimate"
                reason = ("the simulation misses the target, yet no community the MILP counted "
                          "fails the turned-away limit: nothing to cut (check targets.criterion "
                          "and simulation.years)")
                break
            cuts.update({(c.community_id, c.year): c for c in fresh})
        else:
            kind = "not_met_estimate"
            reason = (f"{max_rounds} round(s) (plan.max_iterations) ran without a simulated "
                      "success or a proof; the last round's figures are estimates")
    if result is not None and rounds and not rounds[-1].best_coverage:
        # the rounds simulated the target years only (what decides them); the plan kept is
        # simulated in every year for the results folder: the same target-year figures
        sim = _simulate(scenario, result.portfolio, replications, seed, workers, scheduler,
                        reuse=sim)
        rounds[-1].figures = coverage_figures(sim)
    if result is None:  # round 1 has no plan within the budget: show what the money does buy
        result = _best_coverage_within_budget(scenario, solver)
        sim = _simulate(scenario, result.portfolio, replications, seed, workers, scheduler)
        verdicts = judge_simulated(scenario, result.portfolio, sim)
        rounds.append(PlanRound(1, str(result.status), result.gap, result.portfolio,
                                float(result.objective), float(result.total_cost),
                                dict(result.spend_by_year), sorted(result.portfolio.starts), [], [],
                                verdicts, coverage_figures(sim), best_coverage=True))
    out = PlanResult(scenario, rounds, result, sim, kind, reason,
                     sorted(cuts.values(), key=lambda c: (c.year, c.community_id)),
                     seed=seed, replications=replications)
    if not out.met:
        _price(out, solver, replications, seed, workers, scheduler)
    return out


def _solve(scenario: Scenario, solver: str, cuts: Mapping[tuple[str, int], Cut],
           budget_by_year: dict[int, float] | None = None):
    from facility_opt.decide.plan_cuts import cut_constraints
    from facility_opt.solve.core import solve

    return solve(scenario, solver=solver, extra_constraints=cut_constraints(scenario, cuts.values()),
                 budget_by_year=budget_by_year, price_infeasible=False)


def _best_coverage_within_budget(scenario: Scenario, solver: str):
    """The most communities coverable within the budget (the target off, objective coverage,
    ties by benefit): what the money buys when it cannot buy the target. InfeasibleError
    (exit 3) when the rules alone have no plan."""
    from dataclasses import replace

    from facility_opt.solve.core import solve

    sc = replace(scenario, objective=replace(scenario.objective, kind="coverage",
                                             coverage_weight="communities"),
                 targets=replace(scenario.targets, daycare_coverage=0.0))
    return solve(sc, solver=solver)


def _simulate(scenario: Scenario, portfolio: Portfolio, replications: int | None,
              seed: int | None, workers: int, scheduler: str | None, judged: bool = False,
              reuse=None):
    """The portfolio simulated in every simulated year, or with `judged` in the target years
    only: a round's verdict and cuts read nothing else, and a year's figures do not depend on
    the other years simulated with it (streams keyed by year, days that start empty), so a
    round costs one year's simulation instead of all of them. `reuse`: the last round's
    simulation of the same portfolio, whose years are kept as they are."""
    from facility_opt.simulate.core import simulate

    return simulate(scenario, portfolio, replications=replications, seed=seed, workers=workers,
                    scheduler=scheduler, years=target_years(scenario) if judged else None,
                    reuse=reuse)


def _met_reason(scenario: Scenario, verdicts: Mapping[int, CoverageVerdict], n: int) -> str:
    need = required_covered(scenario)
    parts = []
    for y, v in sorted(verdicts.items()):
        if effective_on(scenario):
            parts.append(f"{y}: {v.effective_covered} of {v.communities} communities within reach "
                         f"and turning away ≤ {100 * scenario.targets.max_turned_away:g} % in the "
                         f"simulation (≥ {need} needed)")
        else:
            parts.append(f"{y}: {v.covered} of {v.communities} communities within reach "
                         f"(≥ {need} needed)")
    return f"simulated in round {n}: " + "; ".join(parts)


def _infeasible_reason(scenario: Scenario, cuts: Mapping[tuple[str, int], Cut],
                       err: InfeasibleError) -> str:
    need = required_covered(scenario)
    years = ", ".join(map(str, target_years(scenario)))
    what = (f"the MILP with every rule and target — {need} of {len(scenario.communities or ())} "
            f"communities covered in {years}")
    if cuts:
        what += f", and the {len(cuts)} places requirement(s) the simulation set"
    return (f"proven by the optimiser: {what} — has no plan within the budget "
            f"({err.message})")


def _price(out: PlanResult, solver: str, replications: int | None, seed: int | None,
           workers: int, scheduler: str | None) -> None:
    """The exact least money for every rule, target and cut (scenario proportions and free
    split); its best plan is simulated so the report says whether that money meets the target."""
    from facility_opt.decide.plan_cuts import cut_constraints
    from facility_opt.solve.core import least_cost

    sc = out.scenario
    rows = cut_constraints(sc, out.cuts)
    try:
        lc = least_cost(sc, solver=solver, extra_constraints=rows)
    except InfeasibleError as err:
        out.least_cost_error = err.message
        return
    out.least_cost = lc
    out.free_total, out.free_budget_by_year = lc.free_total, lc.free_budget_by_year
    if lc.result is not None:
        s = _simulate(sc, lc.result.portfolio, replications, seed, workers, scheduler,
                      judged=True)
        out.least_cost_verdicts = judge_simulated(sc, lc.result.portfolio, s)
