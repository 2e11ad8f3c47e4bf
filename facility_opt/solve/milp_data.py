"""What the MILP reads from a scenario besides the candidate table: communities and counties,
the years the benefit counts, day-care reach and the years existing centres already cover, and
the money step of the costs. Computed here once so the constraints, the objective and the direct
re-evaluation (`solve.extract`) all read the same numbers."""

from __future__ import annotations

from collections.abc import Sequence

from facility_opt.model.types import Candidate, Community, Scenario
from facility_opt.solve.milp_model import MilpModel


def community_index(scenario: Scenario) -> dict[str, Community]:
    return {m.id: m for m in (scenario.communities or ())}


def candidate_county(c: Candidate, communities: dict[str, Community]) -> str | None:
    if c.county:
        return c.county
    m = communities.get(c.community_id or "")
    return m.county if m else None


def benefit_until(scenario: Scenario) -> int:
    """Last year of service the benefit objective counts: `objective.benefit_until`, default the
    last funding year. Independent of `population.last_year` (how far simulate projects)."""
    until = scenario.objective.benefit_until
    return scenario.years[-1] if until is None else max(int(until), scenario.years[-1])


def benefit_years(scenario: Scenario) -> tuple[int, ...]:
    """Years counted by the benefit objective: after the first funding year (nothing can serve
    earlier) through `benefit_until`."""
    return tuple(range(scenario.years[0] + 1, benefit_until(scenario) + 1))


def daycare_reach(scenario: Scenario) -> tuple[dict[int, list[int]], list[Community]]:
    """Candidate index → indices of communities within reach of its site, for candidates that
    add day-care places (`facility_opt.model.geometry.reach`: distance or travel table)."""
    from facility_opt.model.geometry import reach

    comms = list(scenario.communities or ())
    by_id = {m.id: k for k, m in enumerate(comms)}
    where = reach(scenario)
    out: dict[int, list[int]] = {}
    for i, c in enumerate(scenario.candidates):
        if c.id in where.candidates:
            out[i] = sorted(by_id[k] for k in where.communities_of(c.id))
    return out, comms


def precovered_years(scenario: Scenario, comms: list[Community],
                     years: Sequence[int]) -> list[set[int]]:
    """Per community, the years in which an existing centre with places is open within reach."""
    from facility_opt.model.geometry import reach
    from facility_opt.model.targets import centre_open

    out: list[set[int]] = [set() for _ in comms]
    centres = list(scenario.centres or ())
    if not centres or not comms:
        return out
    by_id = {m.id: k for k, m in enumerate(comms)}
    where = reach(scenario)
    for centre in centres:
        if centre.places <= 0:
            continue
        opened = [y for y in years if centre_open(centre.opening_year, y)]
        for cid in where.communities_of(centre.id, candidate=False):
            out[by_id[cid]].update(opened)
    return out


def model_reach(model: MilpModel) -> dict[int, list[int]]:
    """`daycare_reach` of the model's scenario, computed once per model."""
    if model.reach is None:
        model.reach = daycare_reach(model.scenario)[0]
    return model.reach


def model_precovered(model: MilpModel) -> list[set[int]]:
    """`precovered_years` over the benefit years, computed once per model."""
    if model.precovered is None:
        sc = model.scenario
        model.precovered = precovered_years(sc, list(sc.communities or ()), model.benefit_years)
    return model.precovered


def cost_resolution(scenario: Scenario) -> float:
    """The finest money step in the candidates' costs (1, 0.1, … down to 0.0001 unit)."""
    for d in range(0, 5):
        q = 10.0 ** -d
        if all(abs(c.cost / q - round(c.cost / q)) < 1e-6 for c in scenario.candidates):
            return q
    return 1e-4


def source_name(sc: Scenario, role: str | None = None) -> str:
    if role and role in sc.input_files:
        return str(sc.input_files[role].name)
    return sc.source.name if sc.source else f"scenario {sc.name}"

