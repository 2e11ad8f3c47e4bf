"""The coverage target inside the MILP, checked against answers computed another way.

- brute force on small random instances: every subset of candidates × every start year, with
  budgets (carry-over or not), must-fund and min_count rules and the coverage target checked
  by plain distance arithmetic written here (not the tool's reach or coverage code); compared:
  the best score under a hard coverage target (and infeasibility exactly when no plan meets
  it), the most covered communities (objective.kind = "coverage"), and the least-cost scale
  and the least total with a free split across years;
- spopt's San Francisco maximal-covering data (205 tracts, 16 candidate stores, network
  distances): p = 4 stores within 5,000 m weighted by POP2000, through a scenario with a travel
  table; spopt's own test suite asserts 89.756 % of tracts covered (21 uncovered), and a brute
  force over all C(16, 4) = 1,820 subsets here gives the most population coverable.
"""

from __future__ import annotations

import csv
import itertools
import math
import random
from pathlib import Path

import pytest

from facility_opt.errors import InfeasibleError
from facility_opt.model.types import (
    Budget,
    Candidate,
    Centre,
    Community,
    Daycare,
    Objective,
    Scenario,
    Targets,
)
from facility_opt.solve import least_cost, solve

YEARS = (2022, 2023, 2024)
REACH = 1.0


def random_instance(seed: int, kind: str = "score", target: float | None = None) -> Scenario:
    rnd = random.Random(seed)
    comms = tuple(Community(f"M{k}", f"M{k}", "k", "city", 100, 300, 60,
                            rnd.choice([0.0, 0.7, 1.5, 2.2]), rnd.choice([0.0, 0.8, 1.6]))
                  for k in range(5))
    cands = []
    for i in range(rnd.randint(3, 5)):
        cands.append(Candidate(
            f"P{i}", f"P{i}", rnd.choice(["daycare", "daycare", "renovation"]),
            float(rnd.randint(1, 6)), score=float(rnd.randint(0, 9)),
            community_id=rnd.choice(comms).id, daycare_places=rnd.choice([0, 5, 5]),
            build_years=rnd.choice([1, 1, 2]), must_fund=(i == 0 and rnd.random() < 0.2)))
    centres = ()
    if rnd.random() < 0.5:
        m = rnd.choice(comms)
        centres = (Centre("K", m.id, 4, m.x_km, m.y_km, opening_year=rnd.choice([None, 2024])),)
    share = target if target is not None else rnd.choice([0.0, 0.4, 0.6, 0.8])
    return Scenario(
        "bf", YEARS, Budget({y: float(rnd.randint(1, 7)) for y in YEARS},
                            carry_over=rnd.random() < 0.4),
        tuple(cands), communities=comms, centres=centres,
        objective=Objective(kind), daycare=Daycare(reach_km=REACH),
        targets=Targets(daycare_coverage=share,
                        target_years=rnd.choice([(2024,), (2023, 2024)]),
                        min_count={"daycare": 1} if rnd.random() < 0.3 else {},
                        coverage_basis=rnd.choice(["reach", "reach", "own"])))


def plans(sc: Scenario):
    """Every plan: per candidate None or a start year whose build years fit the horizon."""
    choices = []
    for c in sc.candidates:
        b = max(1, c.build_years)
        choices.append([None] + [s for s in YEARS if s + b - 1 <= YEARS[-1]])
    for combo in itertools.product(*choices):
        yield dict(zip((c.id for c in sc.candidates), combo, strict=True))


def spend(sc: Scenario, plan) -> dict[int, float]:
    out = dict.fromkeys(YEARS, 0.0)
    for c in sc.candidates:
        s = plan[c.id]
        if s is not None:
            b = max(1, c.build_years)
            for k in range(b):
                out[s + k] += c.cost / b
    return out


def covered(sc: Scenario, plan, year: int) -> int:
    pos = {m.id: (m.x_km, m.y_km) for m in sc.communities}
    sites = []  # (position, community) of every day-care site open in `year`
    for k in sc.centres:
        if k.places > 0 and (k.opening_year is None or k.opening_year <= year):
            sites.append(((k.x_km, k.y_km), k.community_id))
    for c in sc.candidates:
        s = plan[c.id]
        if s is not None and c.daycare_places > 0 and s + max(1, c.build_years) - 1 < year:
            sites.append((pos[c.community_id], c.community_id))
    n = 0
    for m in sc.communities:
        if sc.targets.coverage_basis == "own":
            n += any(home == m.id for _, home in sites)
        else:
            n += any(math.dist(p, pos[m.id]) <= REACH + 1e-9 for p, _ in sites)
    return n


def rules_ok(sc: Scenario, plan) -> bool:
    if any(c.must_fund and plan[c.id] is None for c in sc.candidates):
        return False
    for kind, n in sc.targets.min_count.items():
        if sum(1 for c in sc.candidates if c.kind == kind and plan[c.id] is not None) < n:
            return False
    need = math.ceil(sc.targets.daycare_coverage * len(sc.communities) - 1e-9)
    return all(covered(sc, plan, t) >= need for t in sc.targets.target_years)


def budget_ok(sc: Scenario, plan) -> bool:
    s, cs, cb = spend(sc, plan), 0.0, 0.0
    for y in YEARS:
        cs += s[y]
        cb += sc.budget.annual[y]
        if (cs if sc.budget.carry_over else s[y]) > (cb if sc.budget.carry_over else
                                                      sc.budget.annual[y]) + 1e-9:
            return False
    return True


def scale_needed(sc: Scenario, plan) -> float:
    s, cs, cb, out = spend(sc, plan), 0.0, 0.0, 0.0
    for y in YEARS:
        cs += s[y]
        cb += sc.budget.annual[y]
        a, b = (cs, cb) if sc.budget.carry_over else (s[y], sc.budget.annual[y])
        if a > 1e-9:
            out = max(out, a / b)
    return out


@pytest.mark.parametrize("seed", range(16))
def test_best_score_under_the_coverage_target_matches_brute_force(seed: int) -> None:
    sc = random_instance(seed)
    feasible = [p for p in plans(sc) if rules_ok(sc, p) and budget_ok(sc, p)]
    if not feasible:
        with pytest.raises(InfeasibleError):
            solve(sc, price_infeasible=False)
        return
    best = max(sum(c.score for c in sc.candidates if p[c.id] is not None) for p in feasible)
    r = solve(sc, price_infeasible=False)
    assert r.objective == pytest.approx(best)
    plan = {c.id: r.portfolio.starts.get(c.id) for c in sc.candidates}
    assert rules_ok(sc, plan) and budget_ok(sc, plan)
    for t, v in r.coverage.items():  # the reported verdict is the brute-force count
        assert v.covered == covered(sc, plan, t)
        assert v.met is (True if sc.targets.daycare_coverage > 0 else None)


@pytest.mark.parametrize("seed", range(16))
def test_most_covered_communities_match_brute_force(seed: int) -> None:
    sc = random_instance(100 + seed, kind="coverage", target=0.0)
    feasible = [p for p in plans(sc) if rules_ok(sc, p) and budget_ok(sc, p)]
    if not feasible:
        return
    best = max(sum(covered(sc, p, t) for t in sc.targets.target_years) for p in feasible)
    r = solve(sc, price_infeasible=False)
    assert r.objective == pytest.approx(best)
    assert sum(v.covered for v in r.coverage.values()) == best


@pytest.mark.parametrize("seed", range(12))
def test_least_cost_and_free_split_match_brute_force(seed: int) -> None:
    sc = random_instance(200 + seed)
    meets = [p for p in plans(sc) if rules_ok(sc, p)]
    if not meets:
        with pytest.raises(InfeasibleError):
            least_cost(sc, with_plan=False)
        return
    lc = least_cost(sc, with_plan=False)
    assert lc.scale == pytest.approx(min(scale_needed(sc, p) for p in meets), abs=1e-9)
    assert lc.free_total == pytest.approx(min(sum(spend(sc, p).values()) for p in meets))


# -- spopt San Francisco -------------------------------------------------------------------------
SF = Path(__file__).resolve().parents[1].parent / "shared" / "validation" / "spopt-sf"  # ../shared
SPOPT_PERC_COV = 89.75609756097561  # spopt/tests/test_locate/test_mclp.py, test_mixin_mclp_get_percentage
SPOPT_UNCOVERED = 21  # same file, test_mixin_mclp_get_uncovered_clients


def _sf_rows(name: str) -> list[dict[str, str]]:
    with open(SF / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def sf() -> tuple[list[dict], list[dict], list[dict]]:
    if not SF.is_dir():
        pytest.skip(f"spopt San Francisco data not found at {SF} (the shared validation folder "
                    "beside the repository)")
    return (_sf_rows("SF_demand_205_centroid_uniform_weight.csv"),
            _sf_rows("SF_store_site_16_longlat.csv"),
            _sf_rows("SF_network_distance_candidateStore_16_censusTract_205_new.csv"))


def test_spopt_san_francisco_mclp_p4_within_5000_m(sf, tmp_path: Path) -> None:
    from facility_opt.scenario import load_scenario

    tracts, stores, dist = sf
    pop = {r["NAME"]: float(r["POP2000"]) for r in tracts}
    with open(tmp_path / "communities.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "name", "county", "type", "households", "population", "elderly",
                    "x_km", "y_km"])
        for r in tracts:  # positions only for maps: reach comes from the travel table
            w.writerow([r["NAME"], r["NAME"], "SF", "city", 0, r["POP2000"], 0,
                        float(r["long"]) * 88.0, float(r["lat"]) * 111.0])
    with open(tmp_path / "candidates.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "name", "kind", "cost", "community_id", "daycare_places"])
        home = tracts[0]["NAME"]
        for r in stores:
            w.writerow([r["NAME"], r["NAME"], "daycare", 1, home, 1])
    with open(tmp_path / "travel.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["community_id", "site_id", "travel"])
        for r in dist:
            w.writerow([r["DestinationName"], r["name"], r["distance"]])
    (tmp_path / "sf.toml").write_text(
        'name = "spopt-sf"\n[horizon]\nyears = [2001, 2002]\n[budget]\nannual = { 2001 = 4, 2002 = 0 }\n'
        '[data]\ncandidates = "candidates.csv"\ncommunities = "communities.csv"\n'
        'travel = "travel.csv"\n[objective]\nkind = "coverage"\ncoverage_weight = "population"\n'
        '[targets]\ndaycare_coverage = 0\ntarget_years = [2002]\n'
        '[daycare]\nreach_travel = 5000\ntravel_unit = "m"\n', encoding="utf-8")
    sc = load_scenario(tmp_path / "sf.toml")
    r = solve(sc)
    # independent brute force over every 4 of the 16 stores
    serves: dict[str, set[str]] = {}
    for row in dist:
        if float(row["distance"]) <= 5000.0:
            serves.setdefault(row["name"], set()).add(row["DestinationName"])
    best_pop, best_counts = -1.0, set()
    for combo in itertools.combinations(sorted(serves | {s["NAME"]: set() for s in stores}), 4):
        cov = set().union(*(serves.get(s, set()) for s in combo))
        p = sum(pop[t] for t in cov)
        if p > best_pop + 1e-9:
            best_pop, best_counts = p, {len(cov)}
        elif abs(p - best_pop) <= 1e-9:
            best_counts.add(len(cov))
    assert r.status.value == "optimal" and len(r.portfolio) == 4
    assert r.objective == pytest.approx(best_pop)
    v = r.coverage[2002]
    assert best_counts == {v.covered}  # one optimal coverage count
    assert v.communities == 205 and v.communities - v.covered == SPOPT_UNCOVERED
    assert 100 * v.share == pytest.approx(SPOPT_PERC_COV)


# -- effective coverage, basis "own", travel in the simulation -----------------------------------
def _line_scenario(**targets) -> Scenario:
    """Community A (2,000 residents 60+ × 0.01 visits = 20 requests a day) with an existing
    3-place centre; B 0.5 km away (100 residents 60+). Candidates: S (5 places, at A, cost 1) and
    L (20 places, at B, cost 3); budget 3 in one year, served the year after."""
    comms = (Community("A", "A", "k", "city", 100, 3000, 2000, 0.0, 0.0),
             Community("B", "B", "k", "city", 100, 300, 100, 0.5, 0.0))
    cands = (Candidate("S", "S", "daycare", 1.0, score=5.0, community_id="A", daycare_places=5),
             Candidate("L", "L", "daycare", 3.0, score=1.0, community_id="B", daycare_places=20))
    return Scenario("eff", (2022, 2023), Budget({2022: 3.0, 2023: 0.0}), cands,
                    communities=comms, centres=(Centre("K", "A", 3, 0.0, 0.0),),
                    objective=Objective("score"),
                    daycare=Daycare(visits_per_elderly_per_day=0.01, opening_hours=8.0,
                                    stay_hours_mean=4.0, stay_distribution="exponential",
                                    arrival_profile="uniform", reach_km=1.0),
                    targets=Targets(target_years=(2023,), **targets))


def test_effective_coverage_sizes_places_by_the_day_start_requirement() -> None:
    from facility_opt.model.queueing import day_start_places

    need_a = day_start_places(20.0, _line_scenario().daycare, 0.05)
    assert 3 + 5 < need_a <= 3 + 20  # S alone is too small for A, L is enough
    plain = solve(_line_scenario(daycare_coverage=1.0))
    assert plain.portfolio.starts == {"S": 2022}  # best score; the 3 existing places cover A
    eff = solve(_line_scenario(daycare_coverage=1.0, max_turned_away=0.05))
    assert eff.portfolio.starts == {"L": 2022}
    v = eff.coverage[2023]
    assert (v.covered, v.effective_covered, v.met) == (2, 2, True)
    with pytest.raises(InfeasibleError, match="coverage target 2023"):
        solve(_line_scenario(daycare_coverage=1.0, max_turned_away=0.05, coverage_basis="own"),
              price_infeasible=False)  # L stands in B: A's own places stay 3 + 5 at most


def test_travel_table_decides_reach_and_the_simulations_routing() -> None:
    import dataclasses

    from facility_opt.model.population import project_population
    from facility_opt.model.portfolio import Portfolio
    from facility_opt.simulate.core import build_simulation

    sc = _line_scenario(daycare_coverage=0.0)
    # by travel, B is out of reach of K (in A) and reaches S before L
    sc = dataclasses.replace(sc, travel={("A", "K"): 1.0, ("A", "S"): 2.0, ("B", "S"): 3.0,
                                         ("B", "L"): 9.0},
                             daycare=dataclasses.replace(sc.daycare, reach_travel=10.0))
    sim, rows = build_simulation(sc, Portfolio({"S": 2022, "L": 2022}),
                                 project_population(sc, (2023,)), (2023,), 2)
    ids = [r["centre_id"] for r in rows[2023]]
    choices = sim.years[0].choices
    assert [ids[j] for j in choices[0]] == ["K", "S"]  # A: K, S (L not listed: out of reach)
    assert [ids[j] for j in choices[1]] == ["S", "L"]  # B: least travel first
