"""Build the Leshan reference data: communities, day-care centres and candidate projects.

The tables are a *synthetic but calibrated* picture of Leshan (乐山市, Sichuan) in 2020, made so
that the 14th Five-Year Plan's questions can be asked of them: which of the 40 renovations and
10 service complexes to fund, and whether the ≥ 90 % day-care coverage target is met. Counts and
totals come from the plan and the 2020 census; everything else (positions, sizes, facility areas,
centre places, costs) is drawn from documented assumptions. `facility_opt/data/leshan/README.md`
states, figure by figure, which is which. Names are synthetic: no row is a real community.

Run ``python -m facility_opt.data.build_leshan`` to rebuild the CSVs in place (byte for byte:
one seeded ``numpy.random.Generator``, fixed text formatting), or ``--out DIR`` to write elsewhere.

Source labels: [S#] and §# refer to the domain facts collected for this data, "plan 三(一)1" and
"专栏1" to sections of the Leshan 14th Five-Year urban–rural community plan; [A] marks an
assumption, [K] general knowledge not verified against a source.
"""

from __future__ import annotations

import argparse
import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SEED = 20220531  # the plan's issue date (2022-05-31); any fixed seed would do
LESHAN_DIR = Path(__file__).resolve().parent / "leshan"

# --- plan and census totals -------------------------------------------------------------------
LESHAN_RESIDENTS_2020 = 3_160_168  # 2020 census [S1]
URBANISATION_2020 = 0.5311  # plan 一(二)
URBAN_RESIDENTS_2020 = round(LESHAN_RESIDENTS_2020 * URBANISATION_2020)  # 1,678,365
N_CITY = 131  # 城市社区, plan 一(一)
N_TOWN = 132  # 集镇社区, plan 一(一)
N_CENTRES = 357  # 社区日间照料中心 built, plan 一(一)
N_RENOVATIONS = 40  # plan 专栏2.1
N_COMPLEXES = 10  # plan 专栏2.3
PERSONS_PER_HOUSEHOLD = 2.54  # 2020 census family households [S1]
REACH_KM = 1.0  # the [daycare] reach of the bundled scenarios

# Where day care is missing in 2020 and how much of it the candidates can close [A]: about 44
# communities without a centre within reach (2020 coverage ≈ 83 %), of which the candidates reach
# about 20, so that funding every candidate gives ≈ 91 % and the ≥ 90 % target needs nearly all
# of them: a real question for the budget, not a foregone one.
GAPS_FRINGE = 9
GAPS_RELOCATION = 12
GAPS_TOWN = 23
GAP_COMPLEXES = 3
GAP_RENOVATIONS = 17
AREA_STANDARD = 30.0  # m² per 100 households, plan 专栏1

# Community size norms, plan 三(一)1 (residents); the town band is an assumption [A].
CITY_RANGE = (4500, 12000)
FRINGE_RANGE = (3000, 6000)
RELOCATION_RANGE = (800, 2000)
TOWN_RANGE = (1000, 9000)

# Day-care places per centre (≈ 1 place per 12 m² GFA applied to 建标143 classes, §2 [A]).
M2_PER_PLACE = 12.0
CLASS_III, CLASS_II, CLASS_I = 60, 90, 130

# Costs (§5 [A]): yuan per m² and the mountain / Yi-county surcharge.
RENOVATION_YUAN_M2 = (1200.0, 1600.0, 2200.0)  # low, central, high
COMPLEX_YUAN_M2 = (3000.0, 3500.0, 4200.0)
COMPLEX_OTHER_COSTS = 0.10
NEW_BUILD_YUAN_M2 = (3000.0, 3500.0, 4200.0)
RENOVATION_COST_BAND = (50.0, 200.0)  # 万元 each, before the surcharge
COMPLEX_COST_BAND = (600.0, 1500.0)


@dataclass(frozen=True)
class County:
    """One county-level division and the assumptions that shape its communities."""

    name: str
    code: str  # two letters, prefix of community ids
    short: str  # used in synthetic community names
    residents: int  # 2020 census or the balancing estimate of §1
    urban_share: float  # §1; 市中区 takes the remainder so the city total is 53.11 %
    elderly_share: float  # residents aged 60+ (§1 where known, else the gradient [A])
    seat_km: tuple[float, float]  # county seat, km east / north of 市中区 [K]
    seat_share: float  # share of the urban residents living in the county seat [A]
    town_radius_km: float  # township seats lie 4 … this far from the seat [A]
    n_fringe: int  # city communities of type fringe [A]
    n_relocation: int  # town communities of type relocation [A]
    mountain: bool  # +10–20 % construction cost (§5 [A])


COUNTIES: tuple[County, ...] = (
    County("市中区", "SZ", "市中", 814_600, 0.77, 0.225, (0.0, 0.0), 0.85, 12.0, 5, 0, False),
    County("沙湾区", "SW", "沙湾", 140_668, 0.50, 0.260, (-20.9, -15.5), 0.55, 14.0, 1, 0, False),
    County("五通桥区", "WT", "五通桥", 240_000, 0.52, 0.270, (5.0, -16.2), 0.55, 12.0, 2, 0, False),
    County("金口河区", "JK", "金口河", 40_000, 0.45, 0.210, (-66.7, -34.0), 0.55, 15.0, 0, 2, True),
    County("犍为县", "QW", "犍为", 416_700, 0.42, 0.290, (17.8, -38.1), 0.50, 18.0, 1, 1, False),
    County("井研县", "JY", "井研", 280_641, 0.407, 0.3143, (29.4, 11.1), 0.50, 16.0, 1, 0, False),
    County("夹江县", "JJ", "夹江", 305_441, 0.44, 0.265, (-18.8, 20.6), 0.50, 14.0, 1, 0, False),
    County("沐川县", "MC", "沐川", 192_313, 0.3338, 0.2293, (13.2, -66.1), 0.50, 20.0, 1, 2, True),
    County("峨边彝族自治县", "EB", "峨边", 121_554, 0.377, 0.1635, (-48.7, -35.7), 0.55, 22.0,
           0, 4, True),
    County("马边彝族自治县", "MB", "马边", 188_251, 69_203 / 188_251, 0.155, (-21.3, -79.5), 0.55,
           22.0, 1, 5, True),
    County("峨眉山市", "EM", "峨眉山", 420_000, 0.56, 0.245, (-27.3, 5.4), 0.55, 16.0, 2, 0, False),
)


def _largest_remainder(weights: np.ndarray, total: int, minimum: np.ndarray) -> np.ndarray:
    """Integers ≥ minimum, the rest shared in proportion to weights, summing exactly to total."""
    base = minimum.astype(int)
    rest = total - base.sum()
    share = weights / weights.sum() * rest
    whole = np.floor(share).astype(int)
    left = rest - whole.sum()
    order = np.argsort(-(share - whole), kind="stable")
    whole[order[:left]] += 1
    return base + whole


def _split_integer(total: int, sizes: np.ndarray) -> np.ndarray:
    """Round sizes (already scaled to sum ≈ total) to integers summing exactly to total."""
    floor = np.floor(sizes).astype(int)
    left = total - floor.sum()
    order = np.argsort(-(sizes - floor), kind="stable")
    floor[order[:left]] += 1
    return floor


def _clip_to_total(sizes: np.ndarray, band: tuple[float, float], total: float) -> np.ndarray:
    """Move sizes into band while keeping their sum equal to total; when the total cannot fit
    the band (a small county seat), sizes are only scaled to the total."""
    lo, hi = band
    n = len(sizes)
    if not n * lo <= total <= n * hi:
        return sizes * total / sizes.sum()
    out = sizes.astype(float)
    for _ in range(200):
        out = np.clip(out, lo, hi)
        diff = total - out.sum()
        if abs(diff) < 1e-6:
            break
        free = (out > lo) if diff < 0 else (out < hi)
        out[free] += diff * out[free] / out[free].sum()
    return out


def urban_residents_by_county() -> dict[str, int]:
    """2020 urban residents per county; 市中区 is the balancing item (§1 footnote *)."""
    out = {c.name: round(c.residents * c.urban_share) for c in COUNTIES if c.code != "SZ"}
    out["市中区"] = URBAN_RESIDENTS_2020 - sum(out.values())
    return {c.name: out[c.name] for c in COUNTIES}


@dataclass
class _Community:
    id: str
    name: str
    county: County
    type: str
    counted_as: str  # "city" or "town": the plan's 131 / 132 count it belongs to
    population: int = 0
    households: int = 0
    elderly: int = 0
    x: float = 0.0
    y: float = 0.0
    facility_area_m2: float = 0.0
    township: int = -1  # township seat index within the county (town and relocation only)


def _hex_cells(n: int, spacing: float) -> np.ndarray:
    """The n cells of a hexagonal grid nearest the origin (dense city blocks)."""
    r = int(math.ceil(math.sqrt(n))) + 2
    pts = []
    for i in range(-r, r + 1):
        for j in range(-r, r + 1):
            pts.append((spacing * (i + 0.5 * (j % 2)), spacing * j * math.sqrt(3) / 2))
    arr = np.array(pts)
    d = np.hypot(arr[:, 0], arr[:, 1])
    order = np.lexsort((arr[:, 1], arr[:, 0], np.round(d, 9)))
    return arr[order[:n]]


def _far_enough(p: np.ndarray, others: list[np.ndarray], gap: float) -> bool:
    return all(math.hypot(p[0] - q[0], p[1] - q[1]) >= gap for q in others)


def build_communities(rng: np.random.Generator) -> list[_Community]:
    """263 communities: sizes, households, residents 60+, positions and facility area today."""
    urban = urban_residents_by_county()
    seat_pop = np.array([urban[c.name] * c.seat_share for c in COUNTIES])
    town_pop = np.array([urban[c.name] * (1 - c.seat_share) for c in COUNTIES])
    # at least the fringe communities plus one traditional one in every seat, and the relocation
    # communities plus two townships' communities elsewhere; the rest in proportion to residents
    n_city = _largest_remainder(seat_pop, N_CITY, np.array([c.n_fringe + 1 for c in COUNTIES]))
    n_town = _largest_remainder(town_pop, N_TOWN,
                                np.array([c.n_relocation + 2 for c in COUNTIES]))
    out: list[_Community] = []
    for k, county in enumerate(COUNTIES):
        sx, sy = county.seat_km
        # --- county seat: fringe first, then traditional city communities packed densely
        comms: list[_Community] = []
        for i in range(int(n_city[k])):
            ctype = "fringe" if i < county.n_fringe else "city"
            comms.append(_Community("", "", county, ctype, "city"))
        n_reloc = county.n_relocation
        for i in range(int(n_town[k])):
            ctype = "relocation" if i < n_reloc else "town"
            comms.append(_Community("", "", county, ctype, "town"))
        # sizes: fringe and relocation drawn inside their plan norms (三(一)1); the traditional
        # city and town communities share the rest of the seat / township residents exactly
        city_c = [c for c in comms if c.counted_as == "city"]
        town_c = [c for c in comms if c.counted_as == "town"]
        seat_total = int(round(seat_pop[k]))
        for group, total, band in ((city_c, seat_total, CITY_RANGE),
                                   (town_c, urban[county.name] - seat_total, TOWN_RANGE)):
            for c in group:
                if c.type == "fringe":
                    c.population = int(rng.integers(3400, 5600))
                elif c.type == "relocation":
                    c.population = int(rng.integers(900, 1900))
            main = [c for c in group if c.type in ("city", "town")]
            rest = total - sum(c.population for c in group if c not in main)
            raw = rng.lognormal(0.0, 0.28, size=len(main))
            sizes = _clip_to_total(raw / raw.sum() * rest, band, rest)
            for c, v in zip(main, _split_integer(rest, sizes), strict=True):
                c.population = int(v)
        # --- positions
        n_main_city = sum(1 for c in city_c if c.type == "city")
        cells = _hex_cells(n_main_city, spacing=0.72)
        jitter = rng.uniform(-0.12, 0.12, size=cells.shape)
        city_radius = float(np.max(np.hypot(cells[:, 0], cells[:, 1]))) if len(cells) else 0.0
        placed: list[np.ndarray] = []
        it_cells = iter(cells + jitter)
        for c in city_c:
            if c.type == "city":
                p = next(it_cells)
                c.x, c.y = sx + p[0], sy + p[1]
        for c in city_c:
            if c.type == "fringe":
                for _ in range(500):
                    ang = rng.uniform(0, 2 * math.pi)
                    dist = city_radius + rng.uniform(1.6, 3.5)
                    p = np.array([sx + dist * math.cos(ang), sy + dist * math.sin(ang)])
                    if _far_enough(p, placed, 1.8):
                        break
                placed.append(p)
                c.x, c.y = float(p[0]), float(p[1])
        # township seats: 1–2 town communities each (plan 三(一)1); the pair stands 0.4–0.9 km apart
        main_town = [c for c in town_c if c.type == "town"]
        n_pairs = len(main_town) // 4
        n_seats = len(main_town) - n_pairs
        seats: list[np.ndarray] = []
        for _ in range(n_seats):
            for _ in range(1000):
                ang = rng.uniform(0, 2 * math.pi)
                dist = rng.uniform(city_radius + 4.0, city_radius + county.town_radius_km)
                p = np.array([sx + dist * math.cos(ang), sy + dist * math.sin(ang)])
                if _far_enough(p, seats + placed, 3.0):
                    break
            seats.append(p)
        for i, c in enumerate(main_town):
            if i < n_seats:
                c.township = i
                c.x, c.y = float(seats[i][0]), float(seats[i][1])
            else:
                j = i - n_seats  # the second community of township j
                c.township = j
                ang = rng.uniform(0, 2 * math.pi)
                d = rng.uniform(0.4, 0.9)
                c.x = float(seats[j][0] + d * math.cos(ang))
                c.y = float(seats[j][1] + d * math.sin(ang))
        town_pts = [np.array([c.x, c.y]) for c in main_town]
        for c in town_c:
            if c.type == "relocation":  # resettlement sites 2–5 km from a township seat
                for _ in range(1000):
                    j = int(rng.integers(0, n_seats))
                    ang = rng.uniform(0, 2 * math.pi)
                    d = rng.uniform(2.0, 5.0)
                    p = np.array([seats[j][0] + d * math.cos(ang), seats[j][1] + d * math.sin(ang)])
                    if _far_enough(p, town_pts + placed, 1.8):
                        break
                placed.append(p)
                c.township = j
                c.x, c.y = float(p[0]), float(p[1])
        # --- names and ids (synthetic)
        n_by_type: dict[str, int] = {}
        for i, c in enumerate(comms, start=1):
            c.id = f"{county.code}{i:03d}"
            n_by_type[c.type] = n_by_type.get(c.type, 0) + 1
            m = n_by_type[c.type]
            c.name = {
                "city": f"{county.short}城区{m:02d}社区",
                "fringe": f"{county.short}城郊{m:02d}新型社区",
                "town": f"{county.short}集镇{m:02d}社区",
                "relocation": f"{county.short}安置{m:02d}社区",
            }[c.type]
        out.extend(comms)
    # --- households, residents 60+ and facility area today
    for c in out:
        hh_size = {"city": 2.50, "fringe": 2.55, "town": 2.58, "relocation": 3.0}[c.type]
        hh_size *= float(np.clip(rng.normal(1.0, 0.04), 0.9, 1.1))
        c.households = int(round(c.population / hh_size))
        share = c.county.elderly_share + float(np.clip(rng.normal(0.0, 0.015), -0.035, 0.035))
        if c.type == "relocation":
            share *= 0.8  # resettled households are younger families [A]
        c.elderly = int(round(c.population * share))
        median = {"city": 26.0, "fringe": 17.0, "town": 20.0, "relocation": 22.0}[c.type]
        per100 = median * float(np.exp(rng.normal(0.0, 0.4)))
        area = max(120.0, per100 * c.households / 100.0)
        c.facility_area_m2 = float(round(area / 10.0) * 10.0)
    return out


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


# --- output ------------------------------------------------------------------------------------

COMMUNITY_HEADER = ["id", "name", "county", "type", "households", "population", "elderly",
                    "x_km", "y_km", "facility_area_m2"]
CENTRE_HEADER = ["id", "community_id", "places", "x_km", "y_km"]
CANDIDATE_HEADER = ["id", "name", "kind", "cost", "score", "county", "community_id", "area_m2",
                    "daycare_places", "build_years", "earliest_start", "latest_start",
                    "must_fund", "exclusive_group", "requires"]


def _csv(header: list[str], rows: list[list[str]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


@dataclass(frozen=True)
class LeshanData:
    """The three tables as CSV text, plus the 2020 coverage figures the README quotes."""

    communities_csv: str
    centres_csv: str
    candidates_csv: str


def build() -> LeshanData:
    """Generate every table from the fixed seed (no files written)."""
    rng = np.random.default_rng(SEED)
    comms = build_communities(rng)
    gaps = _choose_uncovered(rng, comms)
    centres = build_centres(rng, comms, gaps)
    # the gaps as they really are (a community is a gap when no centre stands within reach)
    covered = _within(_xy(comms), _xy(centres), REACH_KM).any(axis=1)
    real_gaps = {c.id for c, cov in zip(comms, covered, strict=True) if not cov}
    cands = build_candidates(rng, comms, real_gaps)
    communities_csv = _csv(COMMUNITY_HEADER, [
        [c.id, c.name, c.county.name, c.type, str(c.households), str(c.population),
         str(c.elderly), f"{c.x:.3f}", f"{c.y:.3f}", f"{c.facility_area_m2:.0f}"]
        for c in comms])
    centres_csv = _csv(CENTRE_HEADER, [
        [ce.id, ce.community.id, str(ce.places), f"{ce.x:.3f}", f"{ce.y:.3f}"]
        for ce in centres])
    candidates_csv = _csv(CANDIDATE_HEADER, [
        [k.id, k.name, k.kind, f"{k.cost:.2f}", f"{k.score:.1f}", k.community.county.name,
         k.community.id, f"{k.area_m2:.0f}", str(k.daycare_places), str(k.build_years),
         str(k.earliest_start), str(k.latest_start), "1" if k.must_fund else "0",
         k.exclusive_group, k.requires]
        for k in cands])
    return LeshanData(communities_csv, centres_csv, candidates_csv)


def write(out_dir: Path = LESHAN_DIR) -> dict[str, Path]:
    """Write communities.csv, centres.csv and candidates.csv (UTF-8, `\\n`) into out_dir."""
    data = build()
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {
        "communities": out_dir / "communities.csv",
        "centres": out_dir / "centres.csv",
        "candidates": out_dir / "candidates.csv",
    }
    for role, text in (("communities", data.communities_csv), ("centres", data.centres_csv),
                       ("candidates", data.candidates_csv)):
        files[role].write_bytes(text.encode("utf-8"))
    return files


def summary(data: LeshanData, reach_km: float = REACH_KM) -> dict[str, float]:
    """The headline figures the README quotes, computed from the CSV text: 2020 facility
    coverage, coverage if every candidate with day-care places were built, total candidate
    cost (万元) and total places."""
    def rows(text: str) -> list[dict[str, str]]:
        return list(csv.DictReader(io.StringIO(text)))

    comms, centres, cands = rows(data.communities_csv), rows(data.centres_csv), \
        rows(data.candidates_csv)
    pos = {r["id"]: (float(r["x_km"]), float(r["y_km"])) for r in comms}
    cxy = np.array(list(pos.values()))
    sites = np.array([[float(r["x_km"]), float(r["y_km"])] for r in centres])
    new = np.array([pos[r["community_id"]] for r in cands if int(r["daycare_places"]) > 0])
    return {
        "facility_coverage_2020": facility_coverage(cxy, sites, reach_km),
        "facility_coverage_all_candidates": facility_coverage(cxy, np.vstack([sites, new]),
                                                              reach_km),
        "candidate_cost_total": round(sum(float(r["cost"]) for r in cands), 2),
        "places_total": float(sum(int(r["places"]) for r in centres)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m facility_opt.data.build_leshan",
        description="Rebuild the bundled Leshan reference CSVs (seeded; byte-identical).")
    parser.add_argument("--out", type=Path, default=LESHAN_DIR,
                        help="folder to write into (default: the bundled data folder)")
    args = parser.parse_args(argv)
    for role, path in write(args.out).items():
        print(f"{role}: {path}")
    for key, value in summary(build()).items():
        print(f"{key}: {value:.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
