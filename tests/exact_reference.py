"""An independent referee for the decision commands: brute force over every selection × start
year of a small scenario, written from the documented rules (docs/model.md) without any of the
tool's model code, so the MILP, `plan` and `frontier` can be checked against answers computed
another way.

A scenario here is plain tables (the same rows `scenario_from_tables` reads); `brute_force`
enumerates every plan once and the questions (most communities covered, least money meeting the
targets, best benefit under the targets) are answered by scanning the list. Populations stay as
given (no `[population]` table), so the coverage count needs no projection.
"""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import dataclass, field
from typing import Any

TOL = 1e-9


@dataclass(frozen=True)
class Tables:
    """A small scenario as the tables a planner writes."""

    settings: dict[str, Any]
    candidates: list[dict[str, Any]]
    communities: list[dict[str, Any]]
    centres: list[dict[str, Any]]

    def scenario(self, **overrides: Any):
        """The tool's Scenario of these tables (settings overridden key by key, one level)."""
        from facility_opt.scenario import scenario_from_tables

        settings = {k: (dict(v) if isinstance(v, dict) else v) for k, v in self.settings.items()}
        for key, value in overrides.items():
            table, _, leaf = key.partition(".")
            if leaf:
                settings.setdefault(table, {})[leaf] = value
            else:
                settings[table] = value
        from facility_opt.scenario.tables import table_from_rows

        centres = table_from_rows("centres", self.centres, ["id", "community_id", "places"])
        return scenario_from_tables(settings, self.candidates, self.communities, centres)

    @property
    def years(self) -> list[int]:
        return [int(y) for y in self.settings["horizon"]["years"]]

    @property
    def budget(self) -> dict[int, float]:
        return {int(y): float(v) for y, v in self.settings["budget"]["annual"].items()}

    @property
    def target(self) -> float:
        return float(self.settings.get("targets", {}).get("daycare_coverage", 0.9))

    @property
    def target_years(self) -> list[int]:
        given = self.settings.get("targets", {}).get("target_years")
        return [int(y) for y in given] if given else [self.years[-1]]


@dataclass(frozen=True)
class Plan:
    """One way to fund: candidate id → start year, with what it spends and covers."""

    starts: dict[str, int]
    spend: dict[int, float]
    total: float
    covered: dict[int, frozenset[str]]  # target year → communities with a centre within reach
    benefit: float
    # (community, target year) → new places within reach
    places: dict[tuple[str, int], int] = field(default_factory=dict)

    @property
    def covered_total(self) -> int:
        return sum(len(v) for v in self.covered.values())


# -- a random small scenario ------------------------------------------------------------------------

KINDS = ("renovation", "complex", "daycare")


def random_tables(seed: int, *, n_cand: tuple[int, int] = (3, 6), n_comm: tuple[int, int] = (3, 8),
                  n_years: tuple[int, int] = (2, 3), rules: bool = True) -> Tables:
    """3–6 candidates, 3–8 communities on a line-ish plane, 2–3 funding years, with budgets,
    build years and start windows, and (with `rules`) must_fund / exclusive / requires."""
    rng = random.Random(seed)
    years = list(range(2022, 2022 + rng.randint(*n_years)))
    nm = rng.randint(*n_comm)
    comms = []
    for k in range(nm):
        comms.append({"id": f"M{k}", "name": f"M{k}", "county": rng.choice(["X", "Y"]),
                      "type": "city", "households": rng.randint(100, 900),
                      "population": 2000, "elderly": rng.randint(50, 600),
                      "x_km": round(rng.uniform(0, 4), 2), "y_km": round(rng.uniform(0, 1.5), 2),
                      "facility_area_m2": rng.choice([0, 20, 60])})
    nc = rng.randint(*n_cand)
    cands = []
    for i in range(nc):
        kind = rng.choice(KINDS)
        build = rng.choice([1, 1, 2]) if len(years) > 1 else 1
        row = {"id": f"P{i}", "name": f"P{i}", "kind": kind, "cost": rng.randint(5, 60),
               "community_id": f"M{rng.randrange(nm)}",
               "area_m2": rng.choice([0, 30, 80, 150]),
               "daycare_places": rng.choice([0, 6, 12, 20]) if kind != "renovation" or rng.random() < 0.5
               else 0,
               "build_years": build}
        if rng.random() < 0.3 and len(years) > build:
            row["earliest_start"] = years[1]
        cands.append(row)
    if rules and nc >= 3:
        if rng.random() < 0.4:
            cands[rng.randrange(nc)]["must_fund"] = 1
        if rng.random() < 0.5:
            a, b = rng.sample(range(nc), 2)
            cands[a]["exclusive_group"] = "G"
            cands[b]["exclusive_group"] = "G"
        if rng.random() < 0.5:
            a, b = rng.sample(range(nc), 2)
            if not cands[a].get("exclusive_group") or cands[a].get("exclusive_group") != cands[b].get(
                    "exclusive_group"):
                cands[a]["requires"] = cands[b]["id"]
    centres = []
    for j in range(rng.randint(0, 2)):
        centres.append({"id": f"K{j}", "community_id": f"M{rng.randrange(nm)}",
                        "places": rng.choice([5, 10])})
    total_cost = sum(c["cost"] for c in cands)
    budget = {str(y): float(rng.randint(10, max(11, int(total_cost * 0.6)))) for y in years}
    target_years = [years[-1]] if rng.random() < 0.7 or len(years) < 3 else years[-2:]
    settings = {"name": f"random-{seed}", "horizon": {"years": years},
                "budget": {"annual": budget, "carry_over": rng.random() < 0.3},
                "objective": {"kind": "benefit", "weight_households": 1.0,
                              "weight_elderly": rng.choice([1.0, 2.0])},
                "targets": {"daycare_coverage": rng.choice([0.5, 0.6, 0.75, 0.9]),
                            "target_years": target_years},
                "daycare": {"reach_km": rng.choice([0.8, 1.2, 1.6])}}
    return Tables(settings, cands, comms, centres)


# -- the rules, written out again -------------------------------------------------------------------

def start_years(c: dict, years: list[int]) -> list[int]:
    """Start years whose every build year is a funding year, inside the candidate's window."""
    b = max(1, int(c.get("build_years") or 1))
    lo = int(c.get("earliest_start") or years[0])
    hi = int(c.get("latest_start") or years[-1] - b + 1)
    return [s for s in years if lo <= s <= hi and all(s + k in years for k in range(b))]


def _dist(a: dict, b: dict) -> float:
    return math.hypot(float(a["x_km"]) - float(b["x_km"]), float(a["y_km"]) - float(b["y_km"]))


def _rules_ok(t: Tables, starts: dict[str, int]) -> bool:
    by_id = {c["id"]: c for c in t.candidates}
    for c in t.candidates:
        if int(c.get("must_fund") or 0) and c["id"] not in starts:
            return False
        for pid in str(c.get("requires") or "").split(";"):
            pid = pid.strip()
            if pid and c["id"] in starts and (pid not in starts or starts[pid] > starts[c["id"]]):
                return False
    groups: dict[str, int] = {}
    for cid in starts:
        g = by_id[cid].get("exclusive_group")
        if g:
            groups[g] = groups.get(g, 0) + 1
            if groups[g] > 1:
                return False
    counts: dict[str, int] = {}
    for cid in starts:
        counts[by_id[cid]["kind"]] = counts.get(by_id[cid]["kind"], 0) + 1
    for kind, n in t.settings.get("targets", {}).get("min_count", {}).items():
        if counts.get(kind, 0) < int(n):
            return False
    return True


def evaluate_plan(t: Tables, starts: dict[str, int]) -> Plan:
    years = t.years
    by_id = {c["id"]: c for c in t.candidates}
    comm = {m["id"]: m for m in t.communities}
    reach = float(t.settings.get("daycare", {}).get("reach_km", 1.0)) + 1e-9
    spend = {y: 0.0 for y in years}
    done: dict[str, int] = {}
    for cid, s in starts.items():
        c = by_id[cid]
        b = max(1, int(c.get("build_years") or 1))
        for k in range(b):
            spend[s + k] += float(c["cost"]) / b
        done[cid] = s + b - 1  # last construction year: serves from the next year

    def centre_near(m: dict, year: int) -> bool:
        for k in t.centres:
            site = comm[k["community_id"]] if "x_km" not in k else k
            oy = k.get("opening_year")
            if int(k["places"]) > 0 and (oy is None or int(oy) <= year) and _dist(m, site) <= reach:
                return True
        return False

    def project_near(m: dict, year: int) -> list[str]:
        return [cid for cid in starts if int(by_id[cid].get("daycare_places") or 0) > 0
                and done[cid] < year and _dist(m, comm[by_id[cid]["community_id"]]) <= reach]

    covered = {y: frozenset(m["id"] for m in t.communities
                            if centre_near(m, y) or project_near(m, y)) for y in t.target_years}
    places = {(m["id"], y): sum(int(by_id[c]["daycare_places"]) for c in project_near(m, y))
              for m in t.communities for y in t.target_years}
    # benefit (docs/model.md "Benefit"), every year after the first funding year to the last
    ob = t.settings.get("objective", {})
    wh, we = float(ob.get("weight_households", 1.0)), float(ob.get("weight_elderly", 1.0))
    per_household = float(ob.get("area_standard_m2_per_100_households", 30.0)) / 100.0
    benefit = 0.0
    for year in range(years[0] + 1, years[-1] + 1):
        for m in t.communities:
            gap = max(0.0, float(m["households"]) - float(m.get("facility_area_m2") or 0) / per_household)
            area = sum(float(by_id[cid].get("area_m2") or 0) for cid in starts
                       if by_id[cid]["community_id"] == m["id"] and done[cid] < year)
            benefit += wh * min(gap, area / per_household)
            if not centre_near(m, year) and project_near(m, year):
                benefit += we * float(m["elderly"])
    return Plan(dict(starts), spend, float(sum(spend.values())), covered, benefit, places)


def brute_force(t: Tables) -> list[Plan]:
    """Every plan that keeps the project rules (must_fund, exclusive, requires, min_count), at
    any budget. Budgets and targets are checked by the questions below."""
    years = t.years
    choices = [[None, *start_years(c, years)] for c in t.candidates]
    out = []
    for combo in itertools.product(*choices):
        starts = {c["id"]: s for c, s in zip(t.candidates, combo, strict=True) if s is not None}
        if _rules_ok(t, starts):
            out.append(evaluate_plan(t, starts))
    return out


# -- the questions ----------------------------------------------------------------------------------

def required_covered(t: Tables) -> int:
    """Least number of communities whose share reaches the target."""
    n = len(t.communities)
    return next(c for c in range(n + 1) if c / n >= t.target - 1e-12) if n else 0


def within(t: Tables, p: Plan, budget: dict[int, float]) -> bool:
    """Spend ≤ budget every year (cumulatively with carry-over)."""
    carry = bool(t.settings["budget"].get("carry_over"))
    cs = cb = 0.0
    for y in t.years:
        s, b = p.spend[y], budget.get(y, 0.0)
        if carry:
            cs, cb = cs + s, cb + b
            s, b = cs, cb
        if s > b + 1e-6:
            return False
    return True


def meets_target(t: Tables, p: Plan, requirements: dict[tuple[str, int], int] | None = None) -> bool:
    need = required_covered(t)
    if not all(len(p.covered[y]) >= need for y in t.target_years):
        return False
    return all(p.places.get(k, 0) >= m for k, m in (requirements or {}).items())


def scale_needed(t: Tables, p: Plan) -> float:
    """The least s with spend ≤ s × budget every year (cumulatively with carry-over)."""
    carry = bool(t.settings["budget"].get("carry_over"))
    s_max, cs, cb = 0.0, 0.0, 0.0
    for y in t.years:
        s, b = p.spend[y], t.budget.get(y, 0.0)
        if carry:
            cs, cb = cs + s, cb + b
            s, b = cs, cb
        if s > 1e-9:
            s_max = max(s_max, s / b if b > 0 else math.inf)
    return s_max


def max_covered(t: Tables, plans: list[Plan], budget: dict[int, float] | None = None) -> int | None:
    """Most communities covered, summed over the target years, within the budget (no target)."""
    fits = [p for p in plans if within(t, p, budget or t.budget)]
    return max((p.covered_total for p in fits), default=None)


def least_money(t: Tables, plans: list[Plan], requirements: dict[tuple[str, int], int] | None = None,
                ) -> tuple[float, float] | None:
    """(least scale of the scenario's budgets, least total with a free split) over plans meeting
    every target; None when no plan does at any budget."""
    ok = [p for p in plans if meets_target(t, p, requirements)]
    if not ok:
        return None
    return min(scale_needed(t, p) for p in ok), min(p.total for p in ok)


def best_benefit(t: Tables, plans: list[Plan], budget: dict[int, float] | None = None,
                 requirements: dict[tuple[str, int], int] | None = None,
                 with_target: bool = True) -> float | None:
    """Best benefit within the budget, every target as a constraint; None when no plan exists."""
    ok = [p for p in plans if within(t, p, budget or t.budget)
          and (not with_target or meets_target(t, p, requirements))]
    return max((p.benefit for p in ok), default=None)
