"""The day-start sizing (`model.queueing`) gives exactly the answers of the straightforward
algorithm it replaced: one pass of the admission rule per place count, found by bisection.

The reference below is that algorithm, kept here on purpose (not imported): the same draws
(`model.demand.draw_visits`, the sizing's fixed seed), an arrivals × days matrix, for each
place count a pass where each visitor takes the earliest-free place when it is free by the
arrival time. A second, independent reference walks each day's visitors in plain Python with
a heap of departure times. Every `DaySizing` must be equal, floats bitwise."""

from __future__ import annotations

import heapq
import math
from dataclasses import astuple

import numpy as np
import pytest

from facility_opt.model import demand, queueing
from facility_opt.model.demand import DemandModel
from facility_opt.model.queueing import (
    SIZING_MAX_DAYS,
    SIZING_MIN_DAYS,
    SIZING_REQUESTS,
    SIZING_SEED,
    day_start_sizing,
    day_start_sizings,
    erlang_places,
    offered_load,
)
from facility_opt.model.types import Daycare


class RefSample:
    """The former `_DaySample`: arrivals × days matrices, one pass per place count."""

    def __init__(self, model: DemandModel, lam: float) -> None:
        rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(SIZING_SEED)))
        day, hour, stay = demand.draw_visits(model, rng, lam)
        counts = np.bincount(day, minlength=model.sampled_days)
        order = np.argsort(day * (model.opening_hours + 1.0) + hour, kind="stable")
        day, hour, stay = day[order], hour[order], stay[order]
        rank = np.argsort(-counts, kind="stable")
        col_of_day = np.empty_like(rank)
        col_of_day[rank] = np.arange(len(rank))
        self.counts = counts[rank]
        width = int(self.counts[0]) if len(counts) else 0
        pos = np.arange(len(day)) - np.repeat(np.cumsum(counts) - counts, counts)
        self.arrive = np.full((width, len(counts)), np.inf)
        self.leave = np.full((width, len(counts)), np.inf)
        self.arrive[pos, col_of_day[day]] = hour
        self.leave[pos, col_of_day[day]] = hour + stay
        self.active = [int(np.count_nonzero(self.counts > j)) for j in range(width)]
        self.requests = int(len(day))
        self.visits = (day, hour, hour + stay)  # in processing order, for the heap reference

    def turned_away(self, places: int) -> int:
        if places <= 0:
            return self.requests
        days = len(self.counts)
        free_at = np.zeros(days * places)
        grid = free_at.reshape(days, places)
        base = np.arange(days) * places
        lost = 0
        for j, n in enumerate(self.active):
            slot = base[:n] + grid[:n].argmin(axis=1)
            ok = free_at[slot] <= self.arrive[j, :n]
            free_at[slot[ok]] = self.leave[j, :n][ok]
            lost += n - int(np.count_nonzero(ok))
        return lost


def heap_turned_away(sample: RefSample, places: int) -> int:
    """Day by day, visitor by visitor: a place whose occupant left by the arrival is free."""
    day, arrive, leave = (a.tolist() for a in sample.visits)
    lost, busy, current = 0, [], None
    for d, a, b in zip(day, arrive, leave, strict=True):
        if d != current:
            busy, current = [], d
        while busy and busy[0] <= a:
            heapq.heappop(busy)
        if len(busy) < places:
            heapq.heappush(busy, b)
        else:
            lost += 1
    return lost


def ref_sizing(lam: float, daycare, limit: float, turned_away=None) -> tuple:
    """The former `_sizing` (bisection from Erlang's answer) on the cache key's rounded inputs."""
    lam, limit = queueing._sig(lam), queueing._sig(limit)
    mean, cv = queueing._sig(daycare.stay_hours_mean), queueing._sig(daycare.stay_hours_cv)
    hours = float(daycare.opening_hours)
    if lam <= 0 or limit >= 1:
        return (0, 0.0, None, 0, 0)
    days = int(min(SIZING_MAX_DAYS, max(SIZING_MIN_DAYS, math.ceil(SIZING_REQUESTS / lam))))
    model = DemandModel(opening_hours=hours, arrival_profile=str(daycare.arrival_profile),
                        stay_distribution=str(daycare.stay_distribution), stay_hours_mean=mean,
                        stay_hours_cv=cv, sampled_days=days)
    day = RefSample(model, lam)
    if day.requests == 0:
        return (0, 0.0, None, days, 0)
    count = turned_away or day.turned_away
    share: dict[int, float] = {}

    def loss(c: int) -> float:
        if c not in share:
            share[c] = (count(day, c) if turned_away else count(c)) / day.requests
        return share[c]

    guess = max(1, erlang_places(offered_load(lam, mean, hours), max(limit, 1e-4)))
    hi, step = guess, 1
    while loss(hi) > limit:
        hi, step = hi + step, step * 2
    lo, step = hi - 1, 1
    while lo > 0 and loss(lo) <= limit:
        hi, lo, step = lo, max(0, lo - step), step * 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if loss(mid) <= limit:
            hi = mid
        else:
            lo = mid
    return (hi, loss(hi), loss(hi - 1) if hi > 0 else None, days, day.requests)


@pytest.fixture(autouse=True)
def _no_cache(monkeypatch):
    """Compute every answer: no persistent cache, no in-process memo."""
    monkeypatch.setenv("FACILITY_OPT_CACHE", "off")
    monkeypatch.setattr(queueing, "_DISK", None)
    queueing._sizing.cache_clear()


def _bundled_requests(every: int = 1) -> list[tuple[str, float, Daycare, float]]:
    from facility_opt.model.population import project_population
    from facility_opt.model.queueing import community_requests_per_day
    from facility_opt.model.targets import target_years
    from facility_opt.scenario import load_scenario
    from facility_opt.scenario.bundled import bundled_scenarios

    out, seen = [], set()
    for name in (b.name for b in bundled_scenarios()):
        sc = load_scenario(name)
        years = target_years(sc)
        proj = project_population(sc, years)
        for t in years:
            for m in sc.communities[::every]:
                lam = community_requests_per_day(sc, m.id, t, proj)
                key = (queueing._sig(lam), _model_key(sc.daycare), sc.targets.max_turned_away)
                if key not in seen:
                    seen.add(key)
                    out.append((name, lam, sc.daycare, sc.targets.max_turned_away))
    return out


def _model_key(d: Daycare) -> tuple:
    return (d.opening_hours, d.arrival_profile, d.stay_distribution, d.stay_hours_mean,
            d.stay_hours_cv)


def _assert_batch_matches(cases) -> None:
    by_model: dict = {}
    for name, lam, daycare, limit in cases:
        by_model.setdefault((_model_key(daycare), limit), (daycare, []))[1].append((name, lam))
    for (_, limit), (daycare, items) in by_model.items():
        got = day_start_sizings([lam for _, lam in items], daycare, limit)
        for (name, lam), size in zip(items, got, strict=True):
            assert astuple(size) == ref_sizing(lam, daycare, limit), (name, lam, daycare, limit)


def test_bundled_scenarios_sample_is_sized_exactly_as_before():
    cases = _bundled_requests(every=13)
    assert len(cases) >= 40
    _assert_batch_matches(cases)


@pytest.mark.slow
def test_every_bundled_community_and_target_year_is_sized_exactly_as_before():
    cases = _bundled_requests()
    assert len(cases) > 263  # several scenarios, each with its own demand
    _assert_batch_matches(cases)


PROFILES = ("morning-peak", "uniform")
STAYS = ("exponential", "lognormal", "fixed")
LIMITS = (0.0, 0.01, 0.05, 0.2)


def _grid_cases() -> list[tuple[float, Daycare, float]]:
    rng = np.random.default_rng(7)
    lams = np.exp(rng.uniform(np.log(0.01), np.log(500.0), 24))
    out = []
    for i, lam in enumerate(lams):
        profile, stay = PROFILES[i % 2], STAYS[(i // 2) % 3]
        daycare = Daycare(arrival_profile=profile, stay_distribution=stay,
                          stay_hours_mean=float(rng.uniform(1.0, 7.0)),
                          stay_hours_cv=float(rng.choice([0.0, 0.3, 0.5, 1.2])),
                          opening_hours=float(rng.choice([4.0, 8.5, 11.0])))
        out.append((float(lam), daycare, LIMITS[i % 4]))
    return out


@pytest.mark.parametrize("lam, daycare, limit", _grid_cases())
def test_random_demands_profiles_stays_and_limits_are_sized_exactly_as_before(lam, daycare,
                                                                              limit):
    assert astuple(day_start_sizing(lam, daycare, limit)) == ref_sizing(lam, daycare, limit)


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("stay", STAYS)
def test_every_profile_and_stay_distribution_matches_the_heap_walk(profile, stay):
    # the second reference: plain Python, one heap of departures per day, no matrices
    daycare = Daycare(arrival_profile=profile, stay_distribution=stay)
    for lam, limit in ((2.7, 0.05), (23.0, 0.01)):
        expected = ref_sizing(lam, daycare, limit, turned_away=heap_turned_away)
        assert astuple(day_start_sizing(lam, daycare, limit)) == expected
        assert expected == ref_sizing(lam, daycare, limit)


def test_no_demand_no_limit_and_a_limit_of_zero():
    d = Daycare()
    assert astuple(day_start_sizing(0.0, d, 0.05)) == ref_sizing(0.0, d, 0.05) == (0, 0.0, None,
                                                                                    0, 0)
    for limit in (1.0, 1.5):
        assert astuple(day_start_sizing(12.0, d, limit)) == ref_sizing(12.0, d, limit)
    zero = day_start_sizing(12.0, d, 0.0)
    assert astuple(zero) == ref_sizing(12.0, d, 0.0)
    assert zero.turned_away_share == 0.0 < zero.turned_away_share_below
    with pytest.raises(ValueError, match="max_turned_away"):
        day_start_sizing(12.0, d, -0.1)


def test_a_demand_with_no_request_drawn_needs_no_places():
    # 0.0001 requests a day over 200,000 days: about 20 requests, or none for some seeds; both
    # paths agree either way
    for lam in (1e-4, 1e-6):
        assert astuple(day_start_sizing(lam, Daycare(), 0.05)) == ref_sizing(lam, Daycare(), 0.05)


@pytest.mark.parametrize("lam", [0.4, 6.0, 31.0])
def test_one_pass_counts_every_place_count_as_the_per_count_passes(lam):
    model = DemandModel(sampled_days=int(math.ceil(20_000 / lam)))
    new, ref = queueing._DaySample(model, lam), RefSample(model, lam)
    assert new.in_time_order and new.requests == ref.requests
    lost = new.lost_up_to(new.width)
    assert lost.tolist() == [ref.turned_away(c) for c in range(new.width + 1)]
    assert lost[-1] == 0 and lost[0] == ref.requests
    # a table cut short counts the same for the place counts it holds
    assert new.lost_up_to(3).tolist() == lost[:4].tolist()
    assert [new.turned_away(c) for c in (0, 1, 2, 5)] == [ref.turned_away(c) for c in (0, 1, 2, 5)]


def test_arrivals_out_of_time_order_take_the_place_by_place_path(monkeypatch):
    # when a sort key could have rounded two arrival times together, the sizing counts place
    # count by place count (the admission rule itself) and bisects, as the reference does
    made = []

    class Unordered(queueing._DaySample):
        def __init__(self, model, lam):
            super().__init__(model, lam)
            self.in_time_order = False
            made.append(self)

        def lost_up_to(self, top):  # pragma: no cover - must not be reached
            raise AssertionError("the one-pass count needs arrivals in time order")

    monkeypatch.setattr(queueing, "_DaySample", Unordered)
    for lam, limit in ((3.3, 0.05), (18.0, 0.2)):
        assert astuple(day_start_sizing(lam, Daycare(), limit)) == ref_sizing(lam, Daycare(),
                                                                              limit)
    assert len(made) == 2


def test_the_batch_keeps_order_and_duplicates_and_reads_the_cache(tmp_path, monkeypatch):
    d = Daycare(stay_distribution="exponential")
    lams = [7.0, 0.0, 7.00001, 15.0, 7.0]  # 7.00001 has 7.0's cache key (4 significant digits)
    got = day_start_sizings(lams, d, 0.05)
    assert [astuple(g) for g in got] == [ref_sizing(x, d, 0.05) for x in lams]
    assert got[0] == got[2] == got[4]
    monkeypatch.setenv("FACILITY_OPT_CACHE", str(tmp_path))
    monkeypatch.setattr(queueing, "_DISK", None)
    queueing._sizing.cache_clear()
    assert day_start_sizings(lams, d, 0.05) == got
    queueing.flush_sizing_cache()
    monkeypatch.setattr(queueing, "_DISK", None)
    monkeypatch.setattr(queueing, "_sizing", None)  # nothing may be computed now
    assert day_start_sizings(lams[::-1], d, 0.05) == got[::-1]


def _hand_made(monkeypatch, days: int, visits: list[tuple[int, float, float]]) -> None:
    """Make the sizing's draws these visits: (day, arrival hour, stay hours), by day."""
    def draw(model, rng, lam):
        d, h, s = (np.array(v, dtype=float) for v in zip(*visits, strict=True))
        return d.astype(np.int64), h, s

    monkeypatch.setattr(demand, "draw_visits", draw)


def test_a_place_freed_at_the_instant_of_an_arrival_is_free(monkeypatch):
    # day 0: A 1–3 h, B and C both at 3 h; day 1: one visitor. One place: A, then B (A left at
    # the instant B came), C turned away; two places: nobody turned away
    _hand_made(monkeypatch, 2, [(0, 1.0, 2.0), (0, 3.0, 1.0), (0, 3.0, 1.5), (1, 0.5, 1.0)])
    model = DemandModel(sampled_days=2)
    new = queueing._DaySample(model, 1.0)
    assert new.in_time_order and new.width == 3
    assert new.lost_up_to(3).tolist() == [4, 1, 0, 0]
    assert [new.turned_away(c) for c in range(4)] == [4, 1, 0, 0]
    ref = RefSample(model, 1.0)
    assert [ref.turned_away(c) for c in range(4)] == [4, 1, 0, 0]
    assert [heap_turned_away(ref, c) for c in range(4)] == [4, 1, 0, 0]


def test_arrival_times_a_sort_key_cannot_tell_apart_are_detected(monkeypatch):
    # on day 150,000 the sort key day × (hours + 1) + hour cannot separate 1 h from 1 h + 1e-12,
    # so the stable sort keeps them in draw order, later first: not time order
    d = 150_000
    _hand_made(monkeypatch, d + 1, [(d, 1.0 + 1e-12, 2.0), (d, 1.0, 2.0)])
    sample = queueing._DaySample(DemandModel(sampled_days=d + 1), 1.0)
    assert not sample.in_time_order
    assert sample.turned_away(1) == 1 == RefSample(DemandModel(sampled_days=d + 1),
                                                   1.0).turned_away(1)


def test_many_misses_sized_in_threads_are_the_answers_sized_one_by_one(monkeypatch):
    """Sixteen or more cache misses are sized in threads: the same answers, in order."""
    import facility_opt.executor as executor

    d = Daycare()
    lams = [0.5 + 3.7 * k for k in range(20)]
    monkeypatch.setattr(executor, "available_cores", lambda: 3)
    threaded = day_start_sizings(lams, d, 0.05)
    for lam, size in zip(lams, threaded, strict=True):
        assert astuple(size) == ref_sizing(lam, d, 0.05), lam
