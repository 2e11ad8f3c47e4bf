"""Queueing: how many day-care places a demand needs.

A centre is a loss system: a visitor who finds every place taken is turned away (or tries the
next centre within reach). Erlang's loss formula is the steady-state answer, and holds for any
stay distribution with the same mean (insensitivity). One definition, used by the plan loop, the
simulation's tests and the benchmarks.

A day-care centre, though, opens empty every morning: `day_start_places` sizes it for that day,
by simulating one centre with the tool's own demand model (docs/simulation.md, "Sizing places
for a day that starts empty"). The optimiser's places requirements come from it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from functools import lru_cache

import numpy as np


def erlang_b(load_erlangs: float, places: int) -> float:
    """Erlang's loss formula B(a, c): the share of visits turned away by a centre with `places`
    places offered `load_erlangs` (arrivals per hour × mean stay in hours). Computed with the
    stable recursion B(a, 0) = 1, B(a, c) = a·B(a, c−1) / (c + a·B(a, c−1))."""
    if load_erlangs < 0 or places < 0:
        raise ValueError(f"Erlang loss needs load ≥ 0 and places ≥ 0, got {load_erlangs}, {places}")
    b = 1.0
    for c in range(1, places + 1):
        b = load_erlangs * b / (c + load_erlangs * b)
    return b


def erlang_places(load_erlangs: float, allowed_loss: float, max_places: int = 100_000) -> int:
    """The smallest number of places c with B(a, c) ≤ `allowed_loss`."""
    if load_erlangs <= 0:
        return 0
    if not 0 < allowed_loss < 1:
        raise ValueError(f"allowed loss must be in (0, 1), got {allowed_loss}")
    b, c = 1.0, 0
    while b > allowed_loss:
        c += 1
        b = load_erlangs * b / (c + load_erlangs * b)
        if c >= max_places:
            break
    return c


def offered_load(requests_per_day: float, stay_hours_mean: float, opening_hours: float) -> float:
    """Offered load in Erlangs: arrivals per open hour × mean stay (hours)."""
    return requests_per_day / opening_hours * stay_hours_mean


# --------------------------------------------------------------------------------------------
# Day-start sizing: a centre opens empty every morning
# --------------------------------------------------------------------------------------------
# Erlang's formula is the steady state of a system that never closes. A day-care centre opens
# empty, and with a morning peak most visitors arrive in the first hours, so the places a day
# needs differ from the steady-state answer (fewer when stays are long against the day and
# arrivals uniform, more under a strong morning peak). The sizing below simulates one centre
# with the tool's own demand model (facility_opt.model.demand, the draws the simulation uses).
SIZING_SEED = 20261201  # fixed: the same inputs always give the same places
SIZING_REQUESTS = 50_000  # visit requests simulated per sizing (days = this / requests per day)
SIZING_MIN_DAYS = 200
SIZING_MAX_DAYS = 200_000


@dataclass(frozen=True)
class DaySizing:
    """The places one centre needs for a day's demand, and the evidence."""

    places: int  # least places with turned-away share ≤ the limit (0: no demand or no limit)
    turned_away_share: float  # simulated share turned away at `places`
    turned_away_share_below: float | None  # … at places − 1 (None when places = 0)
    days: int  # open days simulated
    requests: int  # visit requests simulated


def day_start_places(requests_per_day: float, daycare, max_turned_away: float) -> int:
    """The least places such that a centre opening empty each morning turns away at most
    `max_turned_away` of its visit requests (the share over many days: turned away / requests),
    under `daycare`'s arrival profile, stay distribution, mean, cv and opening hours.

    `daycare` is a `model.types.Daycare` (the scenario's `[daycare]` table) or a `DemandModel`.
    An estimate by simulation with a fixed seed (≈ 50,000 requests, common random numbers
    across place counts); cached on the inputs rounded to 4 significant digits. Not the
    steady-state Erlang formula (`erlang_places`), which it approaches for long opening hours.
    """
    return day_start_sizing(requests_per_day, daycare, max_turned_away).places


def day_start_sizing(requests_per_day: float, daycare, max_turned_away: float) -> DaySizing:
    """`day_start_places` with the simulated turned-away shares at the answer and one below.
    Each answer is kept in the persistent cache (`facility_opt.cache`): the same inputs give
    the same answer, so later runs read it instead of simulating again."""
    return day_start_sizings((requests_per_day,), daycare, max_turned_away)[0]


def day_start_sizings(requests_per_day: Iterable[float], daycare,
                      max_turned_away: float) -> list[DaySizing]:
    """`day_start_sizing` for many demands (requests per day) under one demand model and limit,
    in their order: each distinct cache key is read from the cache or sized once."""
    keys = [(_sig(lam), float(daycare.opening_hours), str(daycare.arrival_profile),
             str(daycare.stay_distribution), _sig(daycare.stay_hours_mean),
             _sig(daycare.stay_hours_cv), _sig(max_turned_away)) for lam in requests_per_day]
    disk = _disk()
    found: dict[tuple, DaySizing] = {}
    misses = []
    for args in dict.fromkeys(keys):
        hit = disk.get(json.dumps(args))
        if isinstance(hit, dict):
            try:
                found[args] = DaySizing(**hit)
                continue
            except TypeError:  # an entry of another shape: compute it again
                pass
        misses.append(args)
    for args, value in zip(misses, _size_all(misses), strict=True):
        found[args] = value
        disk.put(json.dumps(args), asdict(value))
    return [found[args] for args in keys]


def _size_all(misses: list[tuple]) -> list[DaySizing]:
    """Size the cache misses, in threads when there are many: NumPy releases Python's lock in
    its sorts and array passes, so two threads size 257 communities in 1.5 s instead of 2.1 s.
    Each answer depends only on its own inputs and fixed seed, so threads change nothing."""
    from facility_opt.executor import default_threads

    threads = default_threads()
    if threads < 2 or len(misses) < 16:
        return [_sizing(*args) for args in misses]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(lambda args: _sizing(*args), misses))


_DISK = None


def _disk():
    """The sizing's persistent cache, versioned by the code that computes it and numpy's version
    (whose generators draw the visits); written when the process ends (and every few entries)."""
    global _DISK
    if _DISK is None:
        import atexit
        import hashlib
        from pathlib import Path

        from facility_opt.cache import DiskCache
        from facility_opt.model import demand

        src = Path(__file__).read_bytes() + Path(demand.__file__).read_bytes()
        version = hashlib.sha256(src + np.__version__.encode()).hexdigest()[:16]
        _DISK = DiskCache("day-start-sizing", version)
        atexit.register(_DISK.flush)
    return _DISK


def flush_sizing_cache() -> None:
    """Write the sizing answers found so far (a worker process, which ends without atexit)."""
    if _DISK is not None:
        _DISK.flush()


def _sig(x: float, digits: int = 4) -> float:
    """Round to `digits` significant digits (the cache key; changes an input by < 0.05 %)."""
    x = float(x)
    return 0.0 if x == 0 else float(f"{x:.{digits - 1}e}")


@lru_cache(maxsize=8192)
def _sizing(lam: float, hours: float, profile: str, distribution: str, mean: float, cv: float,
            limit: float) -> DaySizing:
    from facility_opt.model.demand import DemandModel

    if lam <= 0 or limit >= 1:
        return DaySizing(0, 0.0, None, 0, 0)
    if limit < 0:
        raise ValueError(f"max_turned_away must be in [0, 1], got {limit}")
    days = int(min(SIZING_MAX_DAYS, max(SIZING_MIN_DAYS, math.ceil(SIZING_REQUESTS / lam))))
    model = DemandModel(opening_hours=hours, arrival_profile=profile,
                        stay_distribution=distribution, stay_hours_mean=mean, stay_hours_cv=cv,
                        sampled_days=days)
    day = _DaySample(model, lam)
    if day.requests == 0:
        return DaySizing(0, 0.0, None, days, 0)
    # the steady-state answer is usually within a few places of the day-start one
    guess = max(1, erlang_places(offered_load(lam, mean, hours), max(limit, 1e-4)))
    if day.in_time_order:
        # every place count at once (`_DaySample.lost_up_to`); the turned-away count falls with
        # places on common draws, so the answer is the least place count meeting the limit
        top = min(day.width, guess + guess // 4 + 2)
        lost = day.lost_up_to(top)
        while int(lost[top]) / day.requests > limit:  # with `width` places none is lost
            top = min(day.width, 2 * top)
            lost = day.lost_up_to(top)
        share = [int(n) / day.requests for n in lost]
        hi = next(c for c in range(1, top + 1) if share[c] <= limit)
        return DaySizing(hi, share[hi], share[hi - 1], days, day.requests)
    share = lru_cache(maxsize=None)(lambda c: day.turned_away(c) / day.requests)
    hi = _bisect(share, guess, limit)  # the shares it computed are read again from the memo
    return DaySizing(hi, share(hi), share(hi - 1), days, day.requests)


def _bisect(at, guess: int, limit: float) -> int:
    """The least place count c ≥ 1 with at(c) ≤ limit, for a share `at` that falls with c (pass
    it memoised: points are asked more than once): bracket from `guess` (doubling steps), then
    bisect."""
    hi, step = guess, 1
    while at(hi) > limit:
        hi, step = hi + step, step * 2
    lo, step = hi - 1, 1
    while lo > 0 and at(lo) <= limit:
        hi, lo, step = lo, max(0, lo - step), step * 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if at(mid) <= limit:
            hi = mid
        else:
            lo = mid
    return hi


def community_requests_per_day(scenario, community, year: int, projection) -> float:
    """Expected visit requests per open day of `community` (a Community or its id) in `year`:
    its visit rate (`daycare.visits_by_type` or `visits_per_elderly_per_day`) × its projected
    residents aged 60+ — the same λ the simulation draws its Poisson day counts from."""
    cid = getattr(community, "id", community)
    i = projection.community_ids.index(cid)
    ctype = projection.community_types[i]
    return float(scenario.daycare.visits_rate(ctype)
                 * projection.elderly[i, projection.year_index(year)])


class _DaySample:
    """Many independent open days of one centre's visitors, drawn once (common random numbers
    for every place count), sorted by day and, within a day, by arrival time.

    Read rank by rank: the j-th visitors of all days that have one, `first[:active[j]] + j`
    (days ordered by their number of visitors, most first, so the days still receiving a j-th
    visitor are a prefix of `first`, `active[j]` of them)."""

    def __init__(self, model, lam: float) -> None:
        from facility_opt.model.demand import draw_visits

        rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(SIZING_SEED)))
        day, hour, stay = draw_visits(model, rng, lam)  # the simulation's own draws
        counts = np.bincount(day, minlength=model.sampled_days)
        order = np.argsort(day * (model.opening_hours + 1.0) + hour, kind="stable")
        day, self.arrive = day[order], hour[order]
        self.leave = self.arrive + stay[order]
        self.requests = int(len(day))
        self.width = int(counts.max()) if len(counts) else 0  # most visitors of one day
        # the key keeps days apart (a day's part of it grows by hours + 1 per day) ...
        assert np.all(day[1:] >= day[:-1]), "the sizing's sort key mixed two days"
        # ... and arrival order is time order within each day (ties allowed), which makes the
        # one pass of `lost_up_to` exact; a key that rounded two times together could break it
        self.in_time_order = bool(np.all((self.arrive[1:] >= self.arrive[:-1])
                                         | (day[1:] != day[:-1])))
        by_count = np.argsort((self.width - counts).astype(np.min_scalar_type(self.width)),
                              kind="stable")
        self.active = np.cumsum(np.bincount(counts, minlength=self.width + 1)[::-1])[::-1][1:]
        n0 = int(self.active[0]) if self.width else 0
        self.first = (np.cumsum(counts) - counts)[by_count[:n0]]  # a day's first visitor

    def _ranks(self):
        """(j, index of the j-th visitor of each day that has one), j = 0, 1, …"""
        for j, n in enumerate(self.active.tolist()):
            yield j, self.first[:n] + j

    def turned_away(self, places: int) -> int:
        """Visitors turned away over all days by a centre with `places` places that opens empty
        (a place freed at the instant of an arrival is free, as in the simulation: the
        admission test is "some place is free by the arrival time"): each visitor takes the
        earliest-free place (the first on ties)."""
        if places <= 0:
            return self.requests
        n0 = len(self.first)
        free_at = np.zeros(n0 * places)  # per day and place: when it is next free (hours)
        grid = free_at.reshape(n0, places)
        base = np.arange(n0) * places
        lost = 0
        for _, at in self._ranks():
            n = len(at)
            slot = base[:n] + grid[:n].argmin(axis=1)
            ok = free_at[slot] <= self.arrive[at]
            free_at[slot[ok]] = self.leave[at][ok]
            lost += n - int(np.count_nonzero(ok))
        return lost

    def lost_up_to(self, top: int) -> np.ndarray:
        """`turned_away(c)` for c = 0 … `top` in one pass (needs `in_time_order`): each visitor
        takes the lowest-numbered place free by its arrival, else is lost to `top` places.
        Places 1…c then serve exactly the visitors a centre of c places admits: a visitor is
        admitted there when one of them is free, and they change only through the visitors
        they admit; and, arrivals being in time order, which free place a visitor takes changes
        no later admission (a place free now is free for every later arrival of the day). The
        j-th visitor of a day finds at most j places taken, so it looks at places 0…j only."""
        n0, width = len(self.first), top + 1
        grid = np.zeros((n0, width))  # per day and place: when it is next free (hours)
        grid[:, top] = -np.inf  # "lost": always free, reset after every rank
        flat = grid.reshape(-1)
        base = np.arange(n0) * width
        served = np.zeros(width, dtype=np.int64)
        for j, at in self._ranks():
            n = len(at)
            free = (grid[:n, :j + 1] if j < top else grid[:n]) <= self.arrive[at][:, None]
            got = free.argmax(axis=1)
            flat[base[:n] + got] = self.leave[at]
            served += np.bincount(got, minlength=width)
            if j >= top:
                grid[:n, top] = -np.inf
        return self.requests - np.concatenate(([0], np.cumsum(served[:top])))
