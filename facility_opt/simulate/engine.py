"""The day-care simulation engine: open days of visits to centres with a fixed number of places,
year by year, replication by replication; the SimPy model (`run_loss_system`) is the reference
that the fast engine (`simulate.fast_engine`, the default) reproduces exactly.

A visitor from a community goes to the nearest open centre within reach; when it is full, to the
next one within reach (distance order, ties by centre id); when all are full the visit is turned
away. Places are the only resource, so each centre is a loss system (no queue). Centres close at
night, so days are independent given the year's parameters; a replication simulates
`sampled_days` open days of every simulated year.

Speed (docs/simulation.md §7): visits are drawn with numpy per (replication, year, community)
(`simulate.draws`); a centre that never fills on a day (checked exactly from its first-choice
visitors) and cannot receive anyone turned away elsewhere serves exactly its first-choice
visitors, tallied directly; the other visits go through the loss network. That runs on the fast
engine (`simulate.fast_engine`: independent days and overflow groups served in numpy lockstep)
or on SimPy (`run_loss_system`, `SimulationInput(engine="simpy")`): the same admissions.

Random streams: replication r of root seed s uses `SeedSequence(s).spawn(R)[r]`; inside it the
visits of community c in year y come from the child with spawn key (r, y, key(c)), where key(c)
is derived from the community id. A portfolio change therefore never changes the visits drawn for
any community (common random numbers).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np

from facility_opt.model.demand import (  # noqa: F401  (re-exported: the engine's inputs)
    MORNING_PEAK_QUARTER_SHARES,
    DemandModel,
    draw_visits,
)
from facility_opt.simulate.shortcut import NIGHT_GAP_HOURS, centre_days_affected


# --------------------------------------------------------------------------------------------
# Inputs (the demand model itself is facility_opt.model.demand, shared with the sizing of places)
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class YearSetup:
    """Everything that is fixed within one simulated year."""

    year: int
    requests_per_day: np.ndarray  # expected visit requests per open day, per community
    centre_ids: tuple[str, ...]
    places: np.ndarray  # day-care places per centre (int)
    choices: tuple[tuple[int, ...], ...]  # per community: centres within reach, nearest first
    overflow_reach: np.ndarray  # [a, b]: a visitor turned away at a may go on to b (a→a too)

    @property
    def within_reach(self) -> np.ndarray:
        """Per community: is any centre within reach?"""
        return np.array([bool(ch) for ch in self.choices], dtype=bool)

    @property
    def first_choice(self) -> np.ndarray:
        """Per community: its nearest centre (-1: none within reach)."""
        return np.array([ch[0] if ch else -1 for ch in self.choices], dtype=np.int64)


@dataclass(frozen=True)
class SimulationInput:
    """A whole simulation, ready to be split into one task per replication (picklable)."""

    model: DemandModel
    community_ids: tuple[str, ...]
    years: tuple[YearSetup, ...]
    exact_shortcut: bool = True  # tally centre-days that cannot fill without SimPy
    engine: str = "fast"  # or "simpy": the SimPy reference (same admissions, slower); ENGINES

    @property
    def community_keys(self) -> tuple[int, ...]:
        return tuple(stream_key(c) for c in self.community_ids)


@dataclass
class YearOutcome:
    """Totals over the sampled days of one replication and year."""

    community_requests: np.ndarray  # int, per community
    community_served: np.ndarray
    centre_requests: np.ndarray  # int, per centre: every visitor who tried it
    centre_served: np.ndarray
    centre_place_hours: np.ndarray  # float, place-hours used
    simpy_visits: int = 0  # visits that went through the SimPy run (rest: tallied directly)


@dataclass
class ReplicationOutcome:
    replication: int
    years: list[YearOutcome] = field(default_factory=list)


def stream_key(community_id: str) -> int:
    """A stable 64-bit number for a community id, used in its random streams' spawn keys."""
    return int.from_bytes(hashlib.sha256(community_id.encode("utf-8")).digest()[:8], "little")


def build_year(year: int, requests_per_day: np.ndarray, choices: list[tuple[int, ...]],
               centre_ids: list[str], places: list[int]) -> YearSetup:
    """Where overflow can go, for a year whose reach lists (`choices`: per community, the
    centres within reach in routing order, from `facility_opt.model.geometry.reach`) are given."""
    n_k = len(centre_ids)
    # a visitor turned away at ch[j] tries ch[j+1]: transitive closure of those steps
    step = [set() for _ in range(n_k)]
    for ch in choices:
        for a, b in zip(ch, ch[1:], strict=False):
            step[a].add(b)
    reach = np.zeros((n_k, n_k), dtype=bool)
    for a in range(n_k):
        seen, todo = {a}, [a]
        while todo:
            for b in step[todo.pop()]:
                if b not in seen:
                    seen.add(b)
                    todo.append(b)
        reach[a, list(seen)] = True
    return YearSetup(year=year, requests_per_day=np.asarray(requests_per_day, dtype=float),
                     centre_ids=tuple(centre_ids), places=np.asarray(places, dtype=np.int64),
                     choices=tuple(choices), overflow_reach=reach)


# --------------------------------------------------------------------------------------------
# The SimPy loss system
# --------------------------------------------------------------------------------------------
@dataclass
class LossOutcome:
    """Result of one SimPy run: where each visitor was served (-1: turned away everywhere)."""

    served_at: np.ndarray  # centre index per visitor, -1 when turned away
    centre_requests: np.ndarray  # visitors who tried each centre (first or later choice)


def run_loss_system(arrival_times: np.ndarray, durations: np.ndarray, groups: np.ndarray,
                    choices: tuple[tuple[int, ...], ...] | list[tuple[int, ...]],
                    places: np.ndarray | list[int], *, release: str = "lazy",
                    log: list | None = None) -> LossOutcome:
    """Simulate visitors arriving at `arrival_times` (hours, non-decreasing) who occupy a place
    for `durations` hours; visitor i tries the centres `choices[groups[i]]` in order and takes
    the first free place, or is turned away. A departure at the same instant as an arrival
    happens first (the freed place can be taken).

    Every arrival is a SimPy event (each one schedules the next, so the event queue stays
    short). Places are integer counters per centre. `release` says how they are freed:

    - "lazy" (default, fast): a centre keeps the departure times of its visitors in a small heap
      and frees those due only when an arrival finds it full — the same admissions as below;
    - "events": every departure is its own SimPy event that frees the place when it fires (the
      textbook model; with `log` it records the full event sequence in time order as
      (time, "arrive"|"served"|"full"|"turned_away"|"leave", visitor, centre) tuples).
    """
    import heapq

    import simpy
    from simpy.core import NORMAL, URGENT
    from simpy.events import Event

    if release not in ("lazy", "events"):
        raise ValueError(f"release {release!r}: expected 'lazy' or 'events'")
    if log is not None:
        release = "events"
    n = len(arrival_times)
    n_k = len(places)
    env = simpy.Environment()
    cap = [int(p) for p in places]
    occ = [0] * n_k
    req = [0] * n_k
    served_at = [-1] * n
    times = np.asarray(arrival_times, dtype=float).tolist()
    dur = np.asarray(durations, dtype=float).tolist()
    grp = np.asarray(groups, dtype=np.int64).tolist()
    schedule = env.schedule

    class _At(Event):
        """An already-triggered event at a given delay and priority (like simpy's Timeout,
        with only what `Environment.step` reads: callbacks and _ok)."""

        _ok = True
        _value = None

        def __init__(self, delay: float, priority: int, callback, who: int, where: int = -1):
            self.callbacks = [callback]
            self.who = who
            self.where = where
            schedule(self, priority, delay)

    due: list[list[float]] = [[] for _ in range(n_k)]  # lazy: departure times per centre
    push, pop = heapq.heappush, heapq.heappop
    visitor_choices = [choices[g] for g in grp]

    def arrive_lazy(ev: _At) -> None:
        i = ev.who
        now = times[i]
        if i + 1 < n:  # chain the next arrival: keeps the event queue short
            _At(times[i + 1] - env.now, NORMAL, arrive_lazy, i + 1)
        for k in visitor_choices[i]:
            if occ[k] >= cap[k]:
                h = due[k]
                while h and h[0] <= now:
                    pop(h)
                    occ[k] -= 1
                if occ[k] >= cap[k]:
                    req[k] += 1
                    continue
            occ[k] += 1
            push(due[k], now + dur[i])
            served_at[i] = k
            return

    def leave(ev: _At) -> None:
        occ[ev.where] -= 1
        if log is not None:
            log.append((env.now, "leave", ev.who, ev.where))

    def arrive_events(ev: _At) -> None:
        i = ev.who
        if i + 1 < n:
            _At(times[i + 1] - env.now, NORMAL, arrive_events, i + 1)
        if log is not None:
            log.append((env.now, "arrive", i, -1))
        for k in choices[grp[i]]:
            req[k] += 1
            if occ[k] < cap[k]:
                occ[k] += 1
                served_at[i] = k
                _At(dur[i], URGENT, leave, i, k)
                if log is not None:
                    log.append((env.now, "served", i, k))
                return
            if log is not None:
                log.append((env.now, "full", i, k))
        if log is not None:
            log.append((env.now, "turned_away", i, -1))

    if n:
        _At(times[0], NORMAL, arrive_lazy if release == "lazy" else arrive_events, 0)
    env.run()
    out = np.asarray(served_at, dtype=np.int64)
    tried = np.asarray(req, dtype=np.int64)
    if release == "lazy":  # req counted the tries that found a centre full; add the served
        tried += np.bincount(out[out >= 0], minlength=n_k)
    return LossOutcome(served_at=out, centre_requests=tried)


# --------------------------------------------------------------------------------------------
# One replication
# --------------------------------------------------------------------------------------------
# "fast": the lockstep pass or, for few long lanes, the plain loop (fast_engine); "lockstep" or
# "loop" force one; "simpy": the SimPy reference (run_loss_system). All give the same admissions.
ENGINES = ("fast", "lockstep", "loop", "simpy")


def simulate_replication(sim: SimulationInput, seed_seq: np.random.SeedSequence,
                         replication: int) -> ReplicationOutcome:
    """All simulated years of one replication (a task for the executor); the lockstep engine
    serves the days of all years in one pass."""
    from facility_opt.simulate.streams import community_streams

    keys = sim.community_keys  # streams: SeedSequence(entropy, spawn_key + (year, key)) each
    visits = [_draw_year(sim.model, ys, community_streams(seed_seq, ys.year, keys),
                         sim.exact_shortcut) for ys in sim.years]
    _serve(visits, sim.years, sim.engine)
    return ReplicationOutcome(replication=replication,
                              years=[_outcome(v, ys) for v, ys in zip(visits, sim.years,
                                                                      strict=True)])


def simulate_year(model: DemandModel, ys: YearSetup, streams: list[np.random.Generator],
                  exact_shortcut: bool = True, engine: str = "fast") -> YearOutcome:
    """One replication of one year: draw every community's visits, then serve them."""
    visits = _draw_year(model, ys, streams, exact_shortcut)
    _serve([visits], (ys,), engine)
    return _outcome(visits, ys)


@dataclass
class _YearVisits:
    """One replication-year's visits, those tallied directly already served."""

    comm: np.ndarray  # community per visit
    day: np.ndarray
    dur: np.ndarray  # hours, clipped at closing
    served_at: np.ndarray  # centre per visit (-1: not served, or not yet)
    centre_req: np.ndarray  # per centre, tries so far
    idx: np.ndarray  # visits for the loss-network pass, in arrival order (stable)
    t: np.ndarray  # their arrival times on the year's clock (hours)


def _draw_year(model: DemandModel, ys: YearSetup, streams: list[np.random.Generator],
               exact_shortcut: bool) -> _YearVisits:
    """Draw every community's visits and tally those that cannot meet a full centre."""
    from facility_opt.simulate.draws import draw_communities

    n_k = len(ys.centre_ids)
    comm, day, hour, stay = draw_communities(model, streams, ys.requests_per_day)
    # a stay that would run past closing ends at closing (affects place-hours, not admission)
    dur = np.minimum(stay, model.opening_hours - hour)
    served_at = np.full(len(comm), -1, dtype=np.int64)
    centre_req = np.zeros(n_k, dtype=np.int64)
    idx, t = np.zeros(0, dtype=np.int64), np.zeros(0)
    if n_k and len(comm):
        first = ys.first_choice[comm]
        covered = first >= 0
        if exact_shortcut:
            affected = centre_days_affected(first, covered, day, hour, dur, model, ys.places,
                                            ys.overflow_reach)
        else:
            affected = np.ones((n_k, model.sampled_days), dtype=bool)
        in_sim = covered.copy()
        in_sim[covered] = affected[first[covered], day[covered]]
        direct = covered & ~in_sim
        served_at[direct] = first[direct]
        centre_req += np.bincount(first[direct], minlength=n_k)
        idx = np.flatnonzero(in_sim)
        t = day[idx] * (model.opening_hours + NIGHT_GAP_HOURS) + hour[idx]
        order = np.argsort(t, kind="stable")
        idx, t = idx[order], t[order]
    return _YearVisits(comm, day, dur, served_at, centre_req, idx, t)


def _serve(visits: list[_YearVisits], years, engine: str) -> None:
    """The loss-network pass over each year's remaining visits, by `engine` (same admissions)."""
    if engine not in ENGINES:
        raise ValueError(f"engine {engine!r}: expected one of {', '.join(ENGINES)}")
    todo = [(v, ys) for v, ys in zip(visits, years, strict=True) if len(v.idx)]
    if not todo:
        return
    if engine == "simpy":
        for v, ys in todo:
            res = run_loss_system(v.t, v.dur[v.idx], v.comm[v.idx], ys.choices, ys.places)
            v.served_at[v.idx] = res.served_at
            v.centre_req += res.centre_requests
        return
    from facility_opt.simulate.fast_engine import LossProblem, serve_problems

    problems = [LossProblem(v.t, v.dur[v.idx], v.comm[v.idx], v.day[v.idx], ys.choices,
                            ys.places) for v, ys in todo]
    method = "auto" if engine == "fast" else engine
    for (v, _), (served, tried) in zip(todo, serve_problems(problems, method=method),
                                       strict=True):
        v.served_at[v.idx] = served
        v.centre_req += tried


def _outcome(v: _YearVisits, ys: YearSetup) -> YearOutcome:
    n_c, n_k = len(ys.requests_per_day), len(ys.centre_ids)
    ok = v.served_at >= 0
    return YearOutcome(
        community_requests=np.bincount(v.comm, minlength=n_c),
        community_served=np.bincount(v.comm[ok], minlength=n_c),
        centre_requests=v.centre_req,
        centre_served=np.bincount(v.served_at[ok], minlength=n_k),
        centre_place_hours=np.bincount(v.served_at[ok], weights=v.dur[ok], minlength=n_k),
        simpy_visits=len(v.idx),
    )
