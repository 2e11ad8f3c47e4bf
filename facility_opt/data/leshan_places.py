"""The Leshan reference data, part 1: plan and census totals, counties, and the communities (positions,
households, elderly) drawn from them. build_leshan.py builds the whole; the data README gives sources."""

from __future__ import annotations

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
