"""The robust plan's MILP (`plan --robust`, `decide/robust.py`): every sampled future's places
requirements, sized on the future's own scenario, and the rows that say a future is met.

For every distinct requirement R of community k in target year t, one covered indicator z:
(R − E_kt)·z ≤ Σ min(p_i, R − E_kt)·x_is (E_kt: existing places within reach); a binary m_f per
future: Σ_k z_{k,t,R_ktf} ≥ (required − covered outright)·m_f in every target year; and
Σ_f m_f ≥ the futures asked for.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from facility_opt.decide.futures import FuturesSetup
from facility_opt.model.portfolio import Portfolio
from facility_opt.model.targets import effective_on, required_covered
from facility_opt.model.types import Scenario


@dataclass(frozen=True)
class Needs:
    """Per future and target year: new places each community needs within reach beyond the
    existing ones (`rest`; ≤ 0: the existing centres cover it), from the future's sizing."""

    rest: tuple[dict[tuple[int, int], int], ...]  # future → (community index, year) → places


def _sized(scenario: Scenario) -> tuple[list[int], dict[tuple[int, int], int]]:
    """Communities some site can serve (the others cannot count in any future), and the
    existing places within reach of each community per target year."""
    from facility_opt.model.geometry import reach
    from facility_opt.model.targets import target_years
    from facility_opt.solve.coverage import existing_places_of, serving

    where = reach(scenario) if scenario.targets.coverage_basis == "reach" else None
    cen_of, can_of = serving(scenario, where)
    existing_of = existing_places_of(scenario, cen_of)
    ks, existing = [], {}
    for k, m in enumerate(scenario.communities or ()):
        if cen_of[m.id] or can_of[m.id]:
            ks.append(k)
        for t in target_years(scenario):
            existing[k, t] = existing_of(m.id, t)
    return ks, existing


def _needs_task(task: tuple[Scenario, tuple[int, ...], tuple[int, ...]]) -> dict[tuple[int, int], int]:
    """One future's places requirement (total places within reach) per community and year."""
    from facility_opt.model.population import project_population
    from facility_opt.solve.coverage import effective_places_of

    sc, years, ks = task
    comms = sc.communities or ()
    if not effective_on(sc):
        return {(k, t): 1 for t in years for k in ks}
    from facility_opt.model.queueing import flush_sizing_cache

    projection = project_population(sc, years)
    keys = [(k, t) for t in years for k in ks]
    needs = effective_places_of(sc, [(comms[k].id, t) for k, t in keys], projection)
    out = dict(zip(keys, needs, strict=True))
    flush_sizing_cache()  # a pool worker ends without atexit: keep its answers for the next run
    return out


def future_needs(setup: FuturesSetup, *, workers: int = 1, scheduler: str | None = None) -> Needs:
    """Size every future's places requirement (through the executor: one task per future)."""
    from facility_opt.decide.futures import future_scenario
    from facility_opt.executor import run_tasks

    ks, existing = _sized(setup.base)
    tasks = [(future_scenario(setup.base, f), setup.years, tuple(ks)) for f in setup.sampled]
    sized = run_tasks(_needs_task, tasks, workers=workers, scheduler=scheduler,
                      description="sizing the futures' places")
    return Needs(tuple({key: need - existing[key] for key, need in s.items()} for s in sized))


# -- the MILP ----------------------------------------------------------------------------------

def robust_constraints(scenario: Scenario, needs: Needs, required: int,
                       cuts: Mapping[tuple[int, int, int], int]):
    """`extra_constraints` for `solve` / `least_cost` (see the module docstring)."""
    import pulp

    from facility_opt.model.geometry import reach
    from facility_opt.solve.coverage import places_indicator, serving
    from facility_opt.solve.solvers import new_var

    need_n = required_covered(scenario)

    def add(model) -> None:
        sc = scenario
        where = reach(sc) if sc.targets.coverage_basis == "reach" else None
        _, can_of = serving(sc, where)
        comms = list(sc.communities or ())
        index = {c.id: i for i, c in enumerate(sc.candidates)}
        indicator: dict[tuple[int, int, int], Any] = {}

        def covered(k: int, t: int, rest: int):
            """z for "≥ rest new places within reach of k in service in t" (None: impossible)."""
            key = (k, t, rest)
            if key not in indicator:
                indicator[key] = places_indicator(
                    model, can_of[comms[k].id], index, t, rest, name=f"robust_z_{k}_{t}_{rest}",
                    row=f"robust_reached_{k}_{t}_{rest}", group="robust coverage",
                    label=f"{comms[k].id} has ≥ {rest} new places within reach in {t}",
                    binary=rest > 1)
            return indicator[key]

        met = []
        for f, rest_f in enumerate(needs.rest):
            m = new_var(model.problem, f"future_met_{f}", 0, 1, pulp.LpBinary)
            model.columns.append(m)
            met.append(m)
            for t in sorted({t for _, t in rest_f}):
                outright, terms = 0, []
                for (k, y), rest in sorted(rest_f.items()):
                    if y != t:
                        continue
                    rest = max(rest, cuts.get((f, k, t), 0))
                    if rest <= 0:
                        outright += 1
                        continue
                    z = covered(k, t, rest)
                    if z is not None:
                        terms.append((z, 1.0))
                short = need_n - outright
                if short > 0:
                    model.add_constraint(
                        pulp.LpAffineExpression(terms + [(m, -float(short))]) >= 0,
                        f"future_{f}_{t}", "robust target",
                        f"future {f + 1} meets the target in {t} only with ≥ {need_n} "
                        "communities covered")
        model.add_constraint(pulp.lpSum(met) >= required, "robust_share", "robust target",
                             f"the target met in ≥ {required} of {len(met)} sampled futures")

    return add


def estimated_met(scenario: Scenario, needs: Needs, portfolio: Portfolio,
                  cuts: Mapping[tuple[int, int, int], int]) -> list[bool]:
    """Per future: does the portfolio meet the MILP's requirements (sizing and cuts)? Computed
    from the projects directly, not from solver values."""
    from facility_opt.model.geometry import reach
    from facility_opt.solve.coverage import serving

    need_n = required_covered(scenario)
    comms = list(scenario.communities or ())
    where = reach(scenario) if scenario.targets.coverage_basis == "reach" else None
    _, can_of = serving(scenario, where)  # the MILP's own sites per community and basis
    places = {c.id: c.daycare_places for c in scenario.candidates}
    have: dict[tuple[int, int], int] = {}
    out = []
    for f, rest_f in enumerate(needs.rest):
        ok = True
        for t in sorted({t for _, t in rest_f}):
            n = 0
            for (k, y), rest in rest_f.items():
                if y != t:
                    continue
                rest = max(rest, cuts.get((f, k, t), 0))
                if rest > 0 and (k, t) not in have:
                    serve = set(can_of[comms[k].id])
                    have[k, t] = sum(places[c.id] for c in portfolio.in_service(scenario, t)
                                     if c.id in serve)
                n += rest <= 0 or have[k, t] >= rest
            ok = ok and n >= need_n
        out.append(ok)
    return out
