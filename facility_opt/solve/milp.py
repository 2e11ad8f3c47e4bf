"""The investment MILP: build, solve and extract as separate steps.

`build_model(scenario, ...)` returns a `MilpModel` holding the PuLP problem, the decision
variables and, for every constraint, the planner's name of the rule it belongs to, so a test (or
a planner in a notebook) can inspect the model before solving and add constraints through the
`extra_constraints` hook, PyPSA-style. `to_matrix(model)` turns it into arrays for the solver;
`extract(model, values)` turns solver values back into a `Portfolio` and spending.

The formulation is written out in docs/model.md; the comments here refer to its sections.
Money is in the scenario's budget unit (default 万元), areas in m², distances in km.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pulp

from facility_opt.errors import InputError
from facility_opt.model.portfolio import Portfolio
from facility_opt.model.types import Candidate, Community, Scenario
from facility_opt.solve.solvers import INF, MatrixForm, new_var

# Constraint groups a diagnosis may relax, in the order a planner would give them up.
STRUCTURAL = ""  # rows that define the model (one start per project, benefit links): never relaxed


@dataclass(frozen=True)
class StartOption:
    """One way to schedule a candidate: start year, completion year and spend per funding year."""

    start: int
    completion: int  # last construction year; in service from completion + 1
    spend: dict[int, float]

    @property
    def total(self) -> float:
        return float(sum(self.spend.values()))


@dataclass
class MilpModel:
    """A built model. Inspect `problem` (PuLP), `x`, `row_group`; add rules with
    `add_constraint`."""

    scenario: Scenario
    problem: pulp.LpProblem
    options: list[list[StartOption]]  # per candidate (scenario order)
    x: dict[tuple[int, int], pulp.LpVariable]  # (candidate index, start year) → binary
    columns: list[pulp.LpVariable]  # solver column order: x first, then helper variables
    row_group: dict[str, str]  # constraint name → group a planner recognises ("" = structural)
    row_label: dict[str, str]  # constraint name → one-line description
    objective_kind: str  # score, benefit or least_cost
    budget_by_year: dict[int, float]
    benefit_years: tuple[int, ...] = ()
    one_start_row: dict[int, str] = field(default_factory=dict)  # candidate index → row name
    budget_rows: dict[int, str] = field(default_factory=dict)  # year → row name
    scale_var: pulp.LpVariable | None = None  # least-cost mode: budget scale
    reach: dict[int, list[int]] | None = None  # candidate → communities within day-care reach
    precovered: list[set[int]] | None = None  # community → years an existing centre reaches it

    # -- conveniences -------------------------------------------------------------------------
    @property
    def candidates(self) -> tuple[Candidate, ...]:
        return self.scenario.candidates

    def add_constraint(self, constraint: pulp.LpConstraint, name: str, group: str = "extra",
                       label: str = "") -> None:
        """Add a rule; `group` names it in explanations and infeasibility messages."""
        self.problem.addConstraint(constraint, name)
        self.row_group[name] = group
        self.row_label[name] = label or name

    @property
    def groups(self) -> list[str]:
        """Relaxable constraint groups, in first-appearance order."""
        seen: dict[str, None] = {}
        for g in self.row_group.values():
            if g:
                seen.setdefault(g, None)
        return list(seen)

    def stats(self) -> dict[str, int]:
        return {"variables": len(self.columns), "binaries": len(self.x),
                "constraints": len(self.problem.constraints())}


# -- scheduling -------------------------------------------------------------------------------
def start_options(c: Candidate, years: Sequence[int]) -> list[StartOption]:
    """Every feasible (start year, spend) of a candidate inside the funding years.

    Fixed timing (`cost_<year>` columns): one option. Otherwise one option per start year in
    `earliest_start..latest_start` (defaults: first funding year .. last start that finishes
    inside the horizon) whose build years are all funding years; cost spreads evenly over them.
    """
    yearset = set(years)
    if c.cost_by_year is not None:
        spend = {y: float(v) for y, v in sorted(c.cost_by_year.items()) if v}
        start = min(spend) if spend else years[0]
        return [StartOption(start, Portfolio.completion_year(c, start), spend)]
    b = max(1, int(c.build_years))
    earliest = c.earliest_start if c.earliest_start is not None else years[0]
    latest = c.latest_start if c.latest_start is not None else years[-1] - b + 1
    out = []
    for s in years:
        if earliest <= s <= latest and all(s + k in yearset for k in range(b)):
            out.append(StartOption(s, s + b - 1, {s + k: float(c.cost) / b for k in range(b)}))
    return out


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


def points_within(points: np.ndarray, centres: np.ndarray, reach_km: float) -> list[list[int]]:
    """For each centre, the sorted indices of `points` within `reach_km` (planar km).

    A uniform grid of cells one reach wide: each centre looks at the 3 × 3 cells around it, so
    the work grows with the number of near pairs, not with points × centres (a province has
    thousands of each). Plain NumPy: importing scipy's KD-tree cost more time than the search."""
    pts = np.asarray(points, dtype=float).reshape(-1, 2)
    ctr = np.asarray(centres, dtype=float).reshape(-1, 2)
    if len(pts) == 0 or len(ctr) == 0:
        return [[] for _ in range(len(ctr))]
    reach = float(reach_km) * (1 + 1e-9) + 1e-12
    cell = max(reach, 1e-9)
    keys = np.floor(pts / cell).astype(np.int64)
    buckets: dict[tuple[int, int], list[int]] = {}
    for j, (a, b) in enumerate(keys.tolist()):
        buckets.setdefault((a, b), []).append(j)
    arrays = {k: np.array(v, dtype=np.int64) for k, v in buckets.items()}
    out: list[list[int]] = []
    r2 = reach * reach
    for (cx, cy), (kx, ky) in zip(ctr.tolist(), np.floor(ctr / cell).astype(np.int64).tolist(),
                                  strict=True):
        cand = [arrays[(kx + dx, ky + dy)] for dx in (-1, 0, 1) for dy in (-1, 0, 1)
                if (kx + dx, ky + dy) in arrays]
        if not cand:
            out.append([])
            continue
        idx = np.concatenate(cand)
        d2 = (pts[idx, 0] - cx) ** 2 + (pts[idx, 1] - cy) ** 2
        out.append(sorted(idx[d2 <= r2].tolist()))
    return out


def daycare_reach(scenario: Scenario) -> tuple[dict[int, list[int]], list[Community]]:
    """Candidate index → indices of communities within `daycare.reach_km` of its site (its
    community's position), for candidates that add day-care places."""
    comms = list(scenario.communities or ())
    by_id = {m.id: k for k, m in enumerate(comms)}
    sites, owners = [], []
    for i, c in enumerate(scenario.candidates):
        if c.daycare_places > 0 and c.community_id in by_id:
            m = comms[by_id[c.community_id]]
            sites.append((m.x_km, m.y_km))
            owners.append(i)
    out: dict[int, list[int]] = {}
    if not sites:
        return out, comms
    xy = np.array([(m.x_km, m.y_km) for m in comms], dtype=float)
    for i, near in zip(owners, points_within(xy, np.array(sites), scenario.daycare.reach_km),
                       strict=True):
        out[i] = near
    return out, comms


def precovered_years(scenario: Scenario, comms: list[Community],
                     years: Sequence[int]) -> list[set[int]]:
    """Per community, the years in which an existing centre is already within reach."""
    out: list[set[int]] = [set() for _ in comms]
    centres = list(scenario.centres or ())
    if not centres or not comms:
        return out
    xy = np.array([(m.x_km, m.y_km) for m in comms], dtype=float)
    pts = np.array([(c.x_km, c.y_km) for c in centres], dtype=float)
    for centre, near in zip(centres, points_within(xy, pts, scenario.daycare.reach_km),
                            strict=True):
        if centre.places <= 0:
            continue
        opened = [y for y in years if centre.opening_year is None or centre.opening_year <= y]
        for k in near:
            out[k].update(opened)
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


# -- build ------------------------------------------------------------------------------------
def build_model(
    scenario: Scenario,
    *,
    force_in: Sequence[str] = (),
    force_out: Sequence[str] = (),
    requirements: Sequence = (),
    budget_by_year: dict[int, float] | None = None,
    least_cost: bool = False,
    extra_constraints: Callable[[MilpModel], None] | None = None,
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
        raise InputError.one(_src(sc), "horizon.years", "[]", "at least one funding year")
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
    comms = community_index(sc)
    kind = sc.objective.kind
    if kind not in ("score", "benefit"):
        raise InputError.one(_src(sc), "objective.kind", kind, '"benefit" or "score"')
    if kind == "benefit" and not sc.communities:
        raise InputError.one(_src(sc), "objective.kind", kind,
                             '"score", or a communities table (data.communities) for "benefit"')
    if sc.rules.early_completion and not sc.communities:
        raise InputError.one(_src(sc), "rules.early_completion", True,
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
                      budgets, benefit_years(sc) if kind == "benefit" else ())

    def add(name: str, pairs, sense: int, rhs: float, group: str, label: str) -> None:
        expr = pulp.LpAffineExpression(_summed(pairs))
        model.add_constraint(pulp.LpConstraint(expr, sense, rhs=rhs), name, group, label)

    def sel(i: int) -> list[tuple[pulp.LpVariable, float]]:
        return [(x[i, o.start], 1.0) for o in options[i]]

    # (1) at most one start per candidate — structural; forcing in/out changes its bounds
    for i, c in enumerate(cands):
        if options[i]:
            name = f"one_start_{i}"
            add(name, sel(i), pulp.LpConstraintLE, 1, STRUCTURAL, f"{c.id}: at most one start")
            model.one_start_row[i] = name

    # (2) budgets per year; carry-over makes them cumulative
    if least_cost:
        model.scale_var = new_var(prob, "budget_scale", 0, None)
        columns.append(model.scale_var)
    spend_terms: dict[int, list[tuple[pulp.LpVariable, float]]] = {y: [] for y in years}
    for i, opts in enumerate(options):
        for o in opts:
            for y, amount in o.spend.items():
                if y in spend_terms and amount:
                    spend_terms[y].append((x[i, o.start], amount))
    unit = sc.budget.unit
    cum_terms: list[tuple[pulp.LpVariable, float]] = []
    cum_budget = 0.0
    for y in years:
        if sc.budget.carry_over:
            cum_terms = cum_terms + spend_terms[y]
            cum_budget += budgets[y]
            terms, bound = cum_terms, cum_budget
            label = f"spend to end of {y} ≤ budget to end of {y} ({_money(bound)} {unit})"
        else:
            terms, bound = spend_terms[y], budgets[y]
            label = f"spend in {y} ≤ budget {y} ({_money(bound)} {unit})"
        if least_cost:
            terms = terms + [(model.scale_var, -bound)]
            bound = 0.0
        name = f"budget_{y}"
        add(name, terms, pulp.LpConstraintLE, bound, f"budget {y}", label)
        model.budget_rows[y] = name

    # (3) must_fund, forced in / out
    for i, c in enumerate(cands):
        if c.must_fund:
            add(f"must_fund_{i}", sel(i), pulp.LpConstraintGE, 1, "must_fund",
                f"{c.id} must be funded (must_fund)")
    for cid in force_in:
        i = ids[cid]
        add(f"force_in_{i}", sel(i), pulp.LpConstraintGE, 1, "forced in",
            f"{cid} forced in (--force-in)")
    for cid in force_out:
        i = ids[cid]
        add(f"force_out_{i}", sel(i), pulp.LpConstraintLE, 0, "forced out",
            f"{cid} forced out (--force-out)")

    # (4) exclusive groups
    groups: dict[str, list[int]] = {}
    for i, c in enumerate(cands):
        if c.exclusive_group:
            groups.setdefault(c.exclusive_group, []).append(i)
    for g, members in groups.items():
        if len(members) > 1:
            pairs = [p for i in members for p in sel(i)]
            add(f"exclusive_{_safe(g)}", pairs, pulp.LpConstraintLE, 1, "exclusive groups",
                f"at most one of group {g}: " + ", ".join(cands[i].id for i in members))

    # (5) requires: prerequisite selected and starting no later (cumulative form, tight)
    for i, c in enumerate(cands):
        for pid in c.requires:
            if pid not in ids:
                raise InputError.one(_src(sc, "candidates"), f"row {c.row}, column requires",
                                     pid, "ids of projects in the candidates table")
            p = ids[pid]
            if not options[i]:
                continue
            for o in options[i]:
                mine = [(x[i, q.start], 1.0) for q in options[i] if q.start <= o.start]
                theirs = [(x[p, q.start], -1.0) for q in options[p] if q.start <= o.start]
                add(f"requires_{i}_{p}_{o.start}", mine + theirs, pulp.LpConstraintLE, 0,
                    "requires", f"{c.id} requires {pid}, starting no later (start ≤ {o.start})")

    # (6) minimum counts by kind
    for k, n in sorted(sc.targets.min_count.items()):
        pairs = [p for i, c in enumerate(cands) if c.kind == k for p in sel(i)]
        add(f"min_count_{_safe(k)}", pairs, pulp.LpConstraintGE, n, f"min_count {k}",
            f"at least {n} {k} projects (targets.min_count)")

    # (7) plan rule: early completion in listed community types
    r = sc.rules
    if r.early_completion:
        types = set(r.early_completion_types)
        for i, c in enumerate(cands):
            m = comms.get(c.community_id or "")
            if m is None or m.type not in types:
                continue
            late = [(x[i, o.start], 1.0) for o in options[i] if o.completion > r.early_completion_year]
            if late:
                add(f"early_{i}", late, pulp.LpConstraintLE, 0, "early-completion rule",
                    f"{c.id} ({m.type} community) completes by {r.early_completion_year}")

    # (8) county equity
    county_of = [candidate_county(c, comms) for c in cands]
    counties = sorted({k for k in county_of if k})
    if r.min_projects_per_county > 0:
        for k in counties:
            pairs = [p for i in range(len(cands)) if county_of[i] == k for p in sel(i)]
            add(f"county_min_{_safe(k)}", pairs, pulp.LpConstraintGE, r.min_projects_per_county,
                "county minimum", f"at least {r.min_projects_per_county} project(s) in {k} "
                "(rules.min_projects_per_county)")
    if r.max_county_share < 1.0 and counties:
        share = float(r.max_county_share)
        for k in counties:
            pairs = []
            for i, opts in enumerate(options):
                for o in opts:
                    w = o.total * ((1.0 if county_of[i] == k else 0.0) - share)
                    if w:
                        pairs.append((x[i, o.start], w))
            add(f"county_share_{_safe(k)}", pairs, pulp.LpConstraintLE, 0, "county share cap",
                f"{k} takes at most {share:.0%} of the money (rules.max_county_share)")

    # (9) day-care places required near communities (from plan / simulate)
    if requirements:
        reach = model_reach(model)
        cidx = {m.id: k for k, m in enumerate(sc.communities or ())}
        for n, req in enumerate(requirements):
            if req.community_id not in cidx:
                raise InputError.one("requirements", f"requirement {n + 1}", req.community_id,
                                     "a community id from the communities table")
            k = cidx[req.community_id]
            pairs = [(x[i, o.start], float(cands[i].daycare_places))
                     for i, near in reach.items() if k in near
                     for o in options[i] if o.completion < req.year]
            add(f"places_{n}", pairs, pulp.LpConstraintGE, req.min_places, "day-care places "
                "required", f"≥ {req.min_places} new places within reach of {req.community_id} "
                f"in {req.year}")

    # (10) objective
    if least_cost:
        prob.setObjective(pulp.LpAffineExpression([(model.scale_var, 1.0)]))
    elif kind == "score":
        prob.setObjective(pulp.LpAffineExpression(
            [(x[i, o.start], float(cands[i].score or 0.0))
             for i, opts in enumerate(options) for o in opts if cands[i].score]))
    else:
        prob.setObjective(_benefit(model, add))

    if extra_constraints is not None:
        extra_constraints(model)
    return model


def _year_groups(years: Sequence[int], key_of: Callable[[int], tuple]) -> list[tuple[tuple, list[int]]]:
    """Years with the same set of in-service start options, grouped (first-seen order).

    Within one community, years whose constraint would read the same (e.g. every year after the
    last possible completion) share one variable weighted by the number of years: identical
    copies add nothing to the model but symmetric columns the MIP search has to wade through."""
    groups: dict[tuple, list[int]] = {}
    for t in years:
        key = key_of(t)
        if key:
            groups.setdefault(key, []).append(t)
    return list(groups.items())


def _span(ts: list[int]) -> str:
    if len(ts) == 1:
        return str(ts[0])
    if ts == list(range(ts[0], ts[-1] + 1)):
        return f"{ts[0]}–{ts[-1]}"
    return ", ".join(map(str, ts))


def _benefit(model: MilpModel, add) -> pulp.LpAffineExpression:
    """Households brought up to the area standard + residents 60+ newly within reach of a
    day-care place, each per year in service (docs/model.md, "Benefit")."""
    sc = model.scenario
    ob = sc.objective
    cands, options, x = sc.candidates, model.options, model.x
    per_household = ob.area_standard_m2_per_100_households / 100.0  # m² per household
    years = model.benefit_years
    terms: list[tuple[pulp.LpVariable, float]] = []
    comms = list(sc.communities or ())
    cidx = {m.id: k for k, m in enumerate(comms)}
    # households, as the share u ∈ [0, 1] of the community's gap G_k closed:
    # u ≤ Σ min(1, area/(σ G_k)) x over the options in service in the years of the group (the
    # coefficient capped at the whole gap: exact on 0/1 points, a tighter LP bound). A share,
    # not a household count, so the column's range is [0, 1] whatever the community's size.
    by_comm: dict[int, list[int]] = {}
    for i, c in enumerate(cands):
        if c.area_m2 > 0 and c.community_id in cidx:
            by_comm.setdefault(cidx[c.community_id], []).append(i)
    if ob.weight_households and per_household > 0:
        for k in sorted(by_comm):
            m = comms[k]
            gap = max(0.0, m.households - m.facility_area_m2 / per_household)
            if gap <= 0:
                continue

            def serving(t: int, k: int = k) -> tuple:
                return tuple((i, o.start) for i in by_comm[k] for o in options[i]
                             if o.completion < t)

            for key, ts in _year_groups(years, serving):
                pairs = [(x[i, s], -min(1.0, cands[i].area_m2 / per_household / gap))
                         for i, s in key]
                u = new_var(model.problem, f"households_{k}_{ts[0]}", 0, 1)
                model.columns.append(u)
                add(f"hh_{k}_{ts[0]}", [(u, 1.0)] + pairs, pulp.LpConstraintLE, 0, STRUCTURAL,
                    f"share of the {gap:,.1f} households of {m.id} below the area standard "
                    f"brought up to it, each year of {_span(ts)}")
                terms.append((u, float(ob.weight_households) * gap * len(ts)))
    # elderly: covered ≤ Σ in-service day-care projects within reach (maximal covering)
    if ob.weight_elderly:
        reach = model_reach(model)
        near_of: dict[int, list[int]] = {}
        for i, near in reach.items():
            for k in near:
                near_of.setdefault(k, []).append(i)
        pre = model_precovered(model)
        for k in sorted(near_of):
            m = comms[k]
            if m.elderly <= 0:
                continue

            def reaching(t: int, k: int = k) -> tuple:
                if t in pre[k]:
                    return ()
                return tuple((i, o.start) for i in near_of[k] for o in options[i]
                             if o.completion < t)

            for key, ts in _year_groups(years, reaching):
                v = new_var(model.problem, f"covered_{k}_{ts[0]}", 0, 1)
                model.columns.append(v)
                add(f"cov_{k}_{ts[0]}", [(v, 1.0)] + [(x[i, s], -1.0) for i, s in key],
                    pulp.LpConstraintLE, 0, STRUCTURAL,
                    f"{m.id} newly within reach of day-care, each year of {_span(ts)}")
                terms.append((v, float(ob.weight_elderly) * m.elderly * len(ts)))
    return pulp.LpAffineExpression(terms)


# -- to arrays --------------------------------------------------------------------------------
def to_matrix(model: MilpModel) -> MatrixForm:
    """The PuLP problem as arrays, columns in `model.columns` order (extra variables added by
    `extra_constraints` follow, by name)."""
    prob = model.problem
    cols = list(model.columns)
    pos = {v.name: j for j, v in enumerate(cols)}
    extra = sorted((v for v in prob.variables() if v.name not in pos), key=lambda v: v.name)
    for v in extra:
        pos[v.name] = len(cols)
        cols.append(v)
    n = len(cols)
    lower = np.array([-INF if v.lowBound is None else float(v.lowBound) for v in cols])
    upper = np.array([INF if v.upBound is None else float(v.upBound) for v in cols])
    integer = np.array([v.cat == pulp.LpInteger for v in cols], dtype=bool)
    cost = np.zeros(n)
    for v, a in prob.objective.items():
        cost[pos[v.name]] += a
    names, rlo, rhi, start, index, value = [], [], [], [0], [], []
    for con in prob.constraints():
        name = con.name
        for v, a in con.items():
            if a:
                index.append(pos[v.name])
                value.append(a)
        start.append(len(index))
        lo, hi = con.getLb(), con.getUb()
        rlo.append(-INF if lo is None else float(lo))
        rhi.append(INF if hi is None else float(hi))
        names.append(name)
    return MatrixForm([v.name for v in cols], cost, lower, upper, integer, names,
                      np.array(rlo, dtype=float), np.array(rhi, dtype=float),
                      np.array(start, dtype=np.int64), np.array(index, dtype=np.int64),
                      np.array(value, dtype=float), maximize=prob.sense == pulp.LpMaximize)


def tie_break_cost(model: MilpModel) -> np.ndarray:
    """Secondary objective (minimised with the main objective held at its optimum), in integer
    units: total cost in steps of the cost resolution first, then earlier candidates (table
    order), then earlier starts. Each level's weight exceeds the largest possible sum of the
    levels below it, so a lower level only decides between equal upper levels; levels are
    dropped from the bottom when the numbers would exceed 2**50 (docs/model.md, "Tie-breaking").
    """
    q = cost_resolution(model.scenario)
    n_cand = max(1, len(model.options))
    max_opts = max([len(o) for o in model.options] + [1])
    units = [[round(o.total / q) for o in opts] for opts in model.options]
    top = sum(max(u, default=0) for u in units) + 1
    tri = n_cand * (n_cand + 1) // 2
    # start level: a later start of an earlier candidate weighs more (r × (n − i)), so swapped
    # schedules of equal projects do not tie
    m_pos = (max_opts - 1) * tri + 1  # weight of one candidate position
    m_cost = tri * m_pos + 1  # weight of one cost unit
    use_start = use_pos = True
    if top * m_cost > 2**50:  # too big for exact arithmetic: drop the start-year level
        use_start, m_pos, m_cost = False, 1, tri + 1
    if top * m_cost > 2**50:  # still too big: cost only
        use_pos, m_cost = False, 1
    w = np.zeros(len(model.columns))
    col = {v.name: j for j, v in enumerate(model.columns)}
    for i, opts in enumerate(model.options):
        for r, o in enumerate(opts):
            w[col[model.x[i, o.start].name]] = (units[i][r] * m_cost
                                                + (i + 1) * m_pos * use_pos
                                                + r * (n_cand - i) * use_start)
    return w


# -- extract ----------------------------------------------------------------------------------
def chosen_options(model: MilpModel, values: np.ndarray) -> dict[int, StartOption]:
    """Candidate index → chosen start option, from solver values (rounded binaries)."""
    out: dict[int, StartOption] = {}
    for j, v in enumerate(model.columns[: len(model.x)]):
        if values[j] > 0.5:
            i, s = _parse_x(v.name)
            out[i] = next(o for o in model.options[i] if o.start == s)
    return dict(sorted(out.items()))


def _parse_x(name: str) -> tuple[int, int]:
    _, i, s = name.split("_")
    return int(i), int(s)


def portfolio_of(model: MilpModel, chosen: dict[int, StartOption]) -> Portfolio:
    return Portfolio({model.candidates[i].id: o.start for i, o in sorted(chosen.items())})


def spend_by_year(model: MilpModel, chosen: dict[int, StartOption]) -> dict[int, float]:
    out = {y: 0.0 for y in model.scenario.years}
    for o in chosen.values():
        for y, a in o.spend.items():
            out[y] = out.get(y, 0.0) + a
    return out


def evaluate(model: MilpModel, chosen: dict[int, StartOption]) -> float:
    """The main objective of a portfolio, computed directly (no solver): the score sum, or the
    benefit with every capped quantity at its best value. Used to check solver answers."""
    sc = model.scenario
    if model.objective_kind == "score":
        return float(sum(sc.candidates[i].score or 0.0 for i in chosen))
    if model.objective_kind != "benefit":
        raise ValueError("evaluate() needs a score or benefit model")
    ob = sc.objective
    per_household = ob.area_standard_m2_per_100_households / 100.0
    comms = list(sc.communities or ())
    cidx = {m.id: k for k, m in enumerate(comms)}
    total = 0.0
    years = model.benefit_years
    if ob.weight_households and per_household > 0:
        area: dict[tuple[int, int], float] = {}
        for i, o in chosen.items():
            c = sc.candidates[i]
            if c.area_m2 > 0 and c.community_id in cidx:
                for t in years:
                    if o.completion < t:
                        key = (cidx[c.community_id], t)
                        area[key] = area.get(key, 0.0) + c.area_m2
        for (k, _t), a in sorted(area.items()):
            m = comms[k]
            gap = max(0.0, m.households - m.facility_area_m2 / per_household)
            total += ob.weight_households * min(gap, a / per_household)
    if ob.weight_elderly:
        reach = model_reach(model)
        pre = model_precovered(model)
        for t in years:
            covered: set[int] = set()
            for i, o in chosen.items():
                if i in reach and o.completion < t:
                    covered.update(reach[i])
            for k in covered:
                if t not in pre[k] and comms[k].elderly > 0:
                    total += ob.weight_elderly * comms[k].elderly
    return float(total)


def _summed(pairs) -> list[tuple[pulp.LpVariable, float]]:
    """(variable, coefficient) pairs with repeated variables added up (PuLP would keep only the
    last one: a project spending in two years appears twice in a cumulative budget)."""
    acc: dict[str, list] = {}
    for v, a in pairs:
        if v.name in acc:
            acc[v.name][1] += a
        else:
            acc[v.name] = [v, a]
    return [(v, a) for v, a in acc.values()]


# -- helpers ----------------------------------------------------------------------------------
def _safe(text: str) -> str:
    """A constraint-name-safe version of a label (ASCII letters, digits and _)."""
    out = "".join(ch if (ch.isascii() and ch.isalnum()) else "_" for ch in str(text))
    if out != text:
        out += "_" + format(abs(hash_text(text)) % 10**8, "d")
    return out


def hash_text(text: str) -> int:
    """A stable (not randomised per process) hash for names."""
    import zlib

    return zlib.crc32(text.encode("utf-8"))


def _src(sc: Scenario, role: str | None = None) -> str:
    if role and role in sc.input_files:
        return str(sc.input_files[role].name)
    return sc.source.name if sc.source else f"scenario {sc.name}"


def _money(v: float) -> str:
    if math.isfinite(v) and v == int(v):
        return f"{int(v):,}"
    return f"{v:,.2f}"
