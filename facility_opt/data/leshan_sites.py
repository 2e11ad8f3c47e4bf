"""The Leshan reference data, part 2: existing day-care centres and the candidate projects (renovations,
complexes, alternatives) with costs, planner links and scores."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from facility_opt.data.leshan_places import (
    AREA_STANDARD,
    CLASS_I,
    CLASS_II,
    CLASS_III,
    COMPLEX_COST_BAND,
    COMPLEX_OTHER_COSTS,
    COMPLEX_YUAN_M2,
    COUNTIES,
    GAP_COMPLEXES,
    GAP_RENOVATIONS,
    GAPS_FRINGE,
    GAPS_RELOCATION,
    GAPS_TOWN,
    M2_PER_PLACE,
    N_CENTRES,
    N_COMPLEXES,
    N_RENOVATIONS,
    NEW_BUILD_YUAN_M2,
    REACH_KM,
    RENOVATION_COST_BAND,
    RENOVATION_YUAN_M2,
    _Community,
)


def _xy(items: list) -> np.ndarray:
    return np.array([[c.x, c.y] for c in items], dtype=float)


def _within(a: np.ndarray, b: np.ndarray, reach: float) -> np.ndarray:
    """Boolean matrix: point a[i] within reach km of point b[j]."""
    if len(a) == 0 or len(b) == 0:
        return np.zeros((len(a), len(b)), dtype=bool)
    d = np.hypot(a[:, None, 0] - b[None, :, 0], a[:, None, 1] - b[None, :, 1])
    return d <= reach + 1e-9


def facility_coverage(community_xy: np.ndarray, site_xy: np.ndarray,
                      reach_km: float = REACH_KM) -> float:
    """Share of communities with at least one site within reach_km (the plan's indicator)."""
    return float(_within(community_xy, site_xy, reach_km).any(axis=1).mean())


@dataclass
class _Centre:
    id: str
    community: _Community
    places: int
    x: float
    y: float


def _choose_uncovered(rng: np.random.Generator, comms: list[_Community]) -> set[str]:
    """Communities that have no day-care centre within reach in 2020 [A].

    City day-care was to cover every urban community by 2020 (MCA/MOHURD 2014 [S31]), so
    traditional city communities are all covered; the gaps are in the fringe (new estates), the
    relocation sites (built 2016–20) and town communities, more of them in mountain counties.
    """
    gaps: set[str] = set()
    fringe = [c for c in comms if c.type == "fringe"]
    reloc = [c for c in comms if c.type == "relocation"]
    for c in [fringe[i] for i in rng.permutation(len(fringe))[:GAPS_FRINGE]]:
        gaps.add(c.id)
    for c in [reloc[i] for i in rng.permutation(len(reloc))[:GAPS_RELOCATION]]:
        gaps.add(c.id)
    # whole townships at a time (a pair 0.4–0.9 km apart shares its fate)
    townships: dict[tuple[str, int], list[_Community]] = {}
    for c in comms:
        if c.type == "town":
            townships.setdefault((c.county.code, c.township), []).append(c)
    keys = sorted(townships)
    w = np.array([2.0 if townships[k][0].county.mountain else 1.0 for k in keys])
    order = rng.choice(len(keys), size=len(keys), replace=False, p=w / w.sum())
    n_town = 0
    for i in order:
        if n_town >= GAPS_TOWN:
            break
        members = townships[keys[i]]
        gaps.update(c.id for c in members)
        n_town += len(members)
    return gaps


def build_centres(rng: np.random.Generator, comms: list[_Community],
                  gaps: set[str]) -> list[_Centre]:
    """357 day-care centres: one in every covered community, the rest clustered in city areas."""
    gap_xy = _xy([c for c in comms if c.id in gaps])
    centres: list[_Centre] = []

    def place(c: _Community, max_offset: float) -> tuple[float, float]:
        for _ in range(200):
            ang = rng.uniform(0, 2 * math.pi)
            d = rng.uniform(0, max_offset)
            p = np.array([[c.x + d * math.cos(ang), c.y + d * math.sin(ang)]])
            if not _within(p, gap_xy, REACH_KM + 0.05).any():
                return float(p[0, 0]), float(p[0, 1])
        return c.x, c.y

    def primary_places(c: _Community) -> int:
        # most centres are small: 42.7 % of a surveyed district's centres have < 200 m² indoors
        # [S19], i.e. under ~17 places; 建标143 class sizes only for the largest communities
        if c.type == "city":
            if c.population >= 11000:
                return int(rng.choice([40, CLASS_III, CLASS_II, CLASS_I], p=[0.4, 0.4, 0.15, 0.05]))
            if c.population >= 7000:
                return int(rng.choice([20, 30, 40, CLASS_III], p=[0.2, 0.35, 0.3, 0.15]))
            return int(rng.choice([20, 30]))
        if c.type == "fringe":
            return int(rng.choice([20, 30]))
        if c.type == "town":
            return int(rng.choice([10, 20, 30], p=[0.3, 0.45, 0.25]))
        return 10  # relocation station

    hosts = [c for c in comms if c.id not in gaps]
    for c in hosts:
        x, y = place(c, 0.25)
        centres.append(_Centre("", c, primary_places(c), x, y))
    # the rest: embedded stations, weighted to big city communities (several per dense area)
    extra = N_CENTRES - len(centres)
    w = np.array([c.population * (3.0 if c.type == "city" else 0.5) for c in hosts], dtype=float)
    picks = rng.choice(len(hosts), size=extra, replace=True, p=w / w.sum())
    for i in np.sort(picks):
        c = hosts[int(i)]
        x, y = place(c, 0.5 if c.type == "city" else 0.3)
        small = int(rng.choice([10, 20])) if c.type == "city" else 10
        centres.append(_Centre("", c, small, x, y))
    order = sorted(range(len(centres)),
                   key=lambda i: (centres[i].community.id, centres[i].places, i))
    centres = [centres[i] for i in order]
    for i, ce in enumerate(centres, start=1):
        ce.id = f"DC{i:03d}"
    return centres


@dataclass
class _Candidate:
    id: str
    name: str
    kind: str
    community: _Community
    area_m2: float
    cost: float
    daycare_places: int
    build_years: int
    earliest_start: int
    latest_start: int
    must_fund: bool = False
    exclusive_group: str = ""
    requires: str = ""
    score: float = 0.0


def _cost(rng: np.random.Generator, area: float, yuan_m2: tuple[float, float, float],
          band: tuple[float, float], other: float, mountain: bool) -> float | None:
    """Cost in 万元 (area × unit cost, + other costs, + mountain surcharge); None if off-band."""
    lo, mid, hi = yuan_m2
    unit = float(rng.triangular(lo, mid, hi))
    base = area * unit * (1 + other) / 10_000.0
    if not band[0] <= base <= band[1]:
        return None
    factor = 1.0 + float(rng.uniform(0.10, 0.20)) if mountain else 1.0
    return round(base * factor, 2)


def build_candidates(rng: np.random.Generator, comms: list[_Community],
                     gaps: set[str]) -> list[_Candidate]:
    """40 renovations (300–1,000 m²) and 10 complexes (1,500–4,000 m²) with costs and windows."""
    by_id = {c.id: c for c in comms}
    below = [c for c in comms
             if c.facility_area_m2 < AREA_STANDARD * c.households / 100.0 and c.id not in gaps]
    gap_list = sorted(gaps)
    # complexes: GAP_COMPLEXES in uncovered fringe communities (the early-completion rule bites),
    # the rest in big city communities of sub-districts (plan 专栏1: ≥ 1 per 街道)
    fringe_gaps = [by_id[i] for i in gap_list if by_id[i].type == "fringe"]
    cx_sites = [fringe_gaps[i] for i in rng.permutation(len(fringe_gaps))[:GAP_COMPLEXES]]
    city_big = sorted([c for c in comms if c.type == "city" and c.population >= 7000],
                      key=lambda c: c.id)
    sz = [c for c in city_big if c.county.code == "SZ"]
    other = [c for c in city_big if c.county.code not in ("SZ",)]
    cx_sites += [sz[i] for i in rng.permutation(len(sz))[:4]]
    by_county: dict[str, list[_Community]] = {}
    for c in other:
        by_county.setdefault(c.county.code, []).append(c)
    for code in ("EM", "QW", "WT", "JJ")[: N_COMPLEXES - len(cx_sites)]:
        pool = by_county[code]
        cx_sites.append(pool[int(rng.integers(0, len(pool)))])
    # renovations: GAP_RENOVATIONS in communities without a centre in reach, the rest in
    # communities below the area standard; every county at least one
    gap_pool = [by_id[i] for i in gap_list if by_id[i].id not in {c.id for c in cx_sites}]
    rv_sites: list[_Community] = []
    for i in rng.permutation(len(gap_pool)):
        if len(rv_sites) >= GAP_RENOVATIONS:
            break
        rv_sites.append(gap_pool[int(i)])
    counties_done = {c.county.code for c in rv_sites + cx_sites}
    below_sorted = sorted(below, key=lambda c: c.id)
    for county in COUNTIES:
        if county.code not in counties_done:
            pool = [c for c in below_sorted if c.county.code == county.code]
            rv_sites.append(pool[int(rng.integers(0, len(pool)))])
    used = {c.id for c in rv_sites + cx_sites}
    pool = [c for c in below_sorted if c.id not in used]
    for i in rng.permutation(len(pool)):
        if len(rv_sites) >= N_RENOVATIONS:
            break
        rv_sites.append(pool[int(i)])
    # sort sites into a planner-readable order: by county, then community id
    county_rank = {c.code: k for k, c in enumerate(COUNTIES)}
    rv_sites.sort(key=lambda c: (county_rank[c.county.code], c.id))
    cx_sites.sort(key=lambda c: (county_rank[c.county.code], c.id))
    cands: list[_Candidate] = []
    for n, c in enumerate(cx_sites, start=1):
        while True:
            area = float(round(rng.triangular(1500, 2500, 4000) / 10) * 10)
            cost = _cost(rng, area, COMPLEX_YUAN_M2, COMPLEX_COST_BAND, COMPLEX_OTHER_COSTS,
                         c.county.mountain)
            if cost is not None:
                break
        daycare_share = float(rng.uniform(0.25, 0.35))  # day-care wing of the complex [A]
        places = int(round(area * daycare_share / M2_PER_PLACE))
        earliest = 2022 if c.type == "fringe" else int(rng.choice([2022, 2023]))
        cands.append(_Candidate(f"C{n:02d}", f"{c.name}服务综合体", "complex", c, area,
                                cost, places, 2, earliest, 2024))
    for n, c in enumerate(rv_sites, start=1):
        while True:
            area = float(round(rng.triangular(300, 600, 1000) / 10) * 10)
            cost = _cost(rng, area, RENOVATION_YUAN_M2, RENOVATION_COST_BAND, 0.0,
                         c.county.mountain)
            if cost is not None:
                break
        if c.id in gaps:
            daycare_share = float(rng.uniform(0.35, 0.5))  # a station where none is in reach
        elif rng.random() < 0.45:
            daycare_share = float(rng.uniform(0.2, 0.4))
        else:
            daycare_share = 0.0
        places = int(round(area * daycare_share / M2_PER_PLACE))
        if c.type in ("fringe", "relocation"):
            earliest, latest = 2022, 2025  # the early-completion rule decides (plan 三(一)3)
        else:
            earliest = int(rng.choice([2022, 2023, 2024], p=[0.55, 0.3, 0.15]))
            latest = 2025 if rng.random() < 0.8 else min(2025, earliest + 1)
        name = f"{c.name}服务用房改扩建" + ("(含日间照料站)" if places else "")
        cands.append(_Candidate(f"R{n:02d}", name, "renovation", c, area, cost, places, 1,
                                earliest, latest))
    _planner_links(cands)
    _alternatives(rng, cands, gaps)
    _planner_scores(cands, comms, gaps)
    return cands


def _planner_links(cands: list[_Candidate]) -> None:
    """Commitments a planner would record [A]: two must-funds (one complex and one renovation
    already committed for 2022) and two prerequisites."""
    cx = [c for c in cands if c.kind == "complex"]
    rv = [c for c in cands if c.kind == "renovation"]
    sz_cx = [c for c in cx if c.community.county.code == "SZ" and c.community.type == "city"]
    committed = sz_cx[0]
    committed.must_fund, committed.earliest_start, committed.latest_start = True, 2022, 2022
    plain = [c for c in rv if c.community.type in ("city", "town") and c.earliest_start == 2022]
    plain[0].must_fund = True
    plain[0].latest_start = 2022
    # a meal point that relies on the central kitchen of a complex in the same county
    for r in rv:
        host = next((c for c in cx if c.community.county.code == r.community.county.code
                     and c is not committed), None)
        if host and not r.exclusive_group and not r.must_fund and r.community.type == "city":
            r.requires = host.id
            r.earliest_start = max(r.earliest_start, host.earliest_start)
            r.name += "(依托综合体中央厨房)"
            break
    # a station to be run by the operator set up at a neighbouring renovation of the same
    # county: the later one requires the earlier (selected, starting no later)
    for a, b in zip(rv[::-1][1:], rv[::-1], strict=False):
        if (a.community.county.code == b.community.county.code
                and a.community is not b.community and not b.requires
                and not a.exclusive_group and not b.exclusive_group
                and not a.must_fund and not b.must_fund and a.daycare_places and b.daycare_places
                and a.community.type not in ("fringe", "relocation")
                and b.community.type not in ("fringe", "relocation")):
            b.requires = a.id
            b.earliest_start = max(b.earliest_start, a.earliest_start)
            b.latest_start = max(b.latest_start, b.earliest_start)
            b.name += f"(由{a.id}运营方托管)"
            break


def _alternatives(rng: np.random.Generator, cands: list[_Candidate], gaps: set[str]) -> None:
    """Two pairs of alternative sites (exclusive_group: at most one of each pair) [A].

    The alternatives are extra candidates of other kinds, so the plan's 40 renovations and 10
    complexes stay reachable (leshan-plan-targets asks for all of them):
    - N01 (`new_facility`): a new build on a fresh plot instead of expanding a town community's
      cramped building; ≥ 500 m² (专栏2.1 norm for new facilities), new-build unit costs (§5);
    - D01 (`daycare`): renting and fitting out a small day-care station instead of renovating the
      facility of a community with no centre within reach; all of its area is day care.
    """
    rv = [c for c in cands if c.kind == "renovation" and not c.must_fund and not c.requires
          and c.id not in {r.requires for r in cands}]
    town = next(r for r in rv if r.community.type == "town" and r.community.id not in gaps
                and r.daycare_places == 0)
    gap = next(r for r in rv if r.community.id in gaps and r.community.type == "town")
    c = town.community
    while True:
        area = float(round(rng.triangular(500, 650, 900) / 10) * 10)
        cost = _cost(rng, area, NEW_BUILD_YUAN_M2, (150.0, 400.0), 0.0, c.county.mountain)
        if cost is not None:
            break
    town.exclusive_group = f"{c.id.lower()}-site"
    town.name = town.name.replace("服务用房改扩建", "服务用房改扩建(甲址)", 1)
    cands.append(_Candidate("N01", f"{c.name}服务用房新建(乙址，替代{town.id})", "new_facility",
                            c, area, cost, 0, 2, town.earliest_start,
                            max(town.earliest_start, 2024), exclusive_group=town.exclusive_group))
    c = gap.community
    area = float(round(rng.uniform(180, 260) / 10) * 10)
    cost = round(area * float(rng.triangular(*RENOVATION_YUAN_M2)) / 10_000.0
                 * (1.15 if c.county.mountain else 1.0), 2)
    gap.exclusive_group = f"{c.id.lower()}-daycare"
    cands.append(_Candidate("D01", f"{c.name}日间照料站租赁改造(替代{gap.id})", "daycare", c,
                            area, cost, int(round(area / M2_PER_PLACE)), 1, gap.earliest_start,
                            gap.latest_start, exclusive_group=gap.exclusive_group))


def _planner_scores(cands: list[_Candidate], comms: list[_Community], gaps: set[str]) -> None:
    """The `score` column, 0–100, for `objective.kind = "score"` [A]:

    score = 50 × facility part + 35 × day-care part + 15 × priority part, where
    facility part = households brought up to 30 m²/100 households (min(area, gap) / 0.30),
    day-care part = residents 60+ of communities with no centre in reach that the site reaches,
    each divided by its largest value over all candidates, and priority part = 1 for
    relocation or fringe communities (plan 三(一)3 deadline), 0.5 for complexes (专栏2.3), else 0.
    """
    xy = _xy(comms)
    hh, eld = [], []
    for cand in cands:
        c = cand.community
        gap_m2 = max(0.0, AREA_STANDARD * c.households / 100.0 - c.facility_area_m2)
        hh.append(min(cand.area_m2, gap_m2) / (AREA_STANDARD / 100.0))
        if cand.daycare_places > 0:
            near = _within(xy, np.array([[c.x, c.y]]), REACH_KM)[:, 0]
            eld.append(sum(k.elderly for k, m in zip(comms, near, strict=True)
                           if m and k.id in gaps))
        else:
            eld.append(0.0)
    hh_max = max(hh) or 1.0
    eld_max = max(eld) or 1.0
    for cand, h, e in zip(cands, hh, eld, strict=True):
        prio = 1.0 if cand.community.type in ("fringe", "relocation") else (
            0.5 if cand.kind == "complex" else 0.0)
        cand.score = round(50 * h / hh_max + 35 * e / eld_max + 15 * prio, 1)
