"""The fast pass of the loss network: the SimPy engine's admissions, many independent days at once.

Every open day starts empty and ends before the next one opens, so the visitors of one day never
meet those of another; within a day, a visitor only ever touches the centres on its reach list.
The (year, day, centre) *places* therefore fall into independent **lanes**: the connected groups
of places linked by some visitor's reach list. Inside a lane, visitors are served one at a time in
arrival order by exactly the rule of `engine.run_loss_system` (first centre on the list with a
place free at the arrival instant; a place freed at that same instant is free). Across lanes
nothing is shared, so the r-th arrival of every lane is served in the same numpy step:

- state: per place row (year, day, centre) the time each of its places is next free (−inf: free
  from the opening; +inf: padding beyond the centre's places), plus the row's earliest such time;
- a centre has a free place for a visitor arriving at t iff its earliest free time is ≤ t — the
  lazy heap's test (count of stays still running at t < places), with the same ties;
- the admitted visitor takes that earliest place until t + stay.

The served centre of every visitor is identical to the SimPy run's (tested on random networks
with exact ties and multi-centre overflow, and on whole scenarios, file for file). Cost: one
numpy step per arrival rank of the longest lane (≈ 1,300 per Leshan replication, all five years
at once) instead of one SimPy event per visit (≈ 200,000).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np


@dataclass(frozen=True)
class LossProblem:
    """One `run_loss_system` call's inputs, with the day of each visitor (visitors of different
    days never meet: the caller's guarantee, true of simulated open days)."""

    arrival_times: np.ndarray  # hours, non-decreasing
    durations: np.ndarray  # hours
    groups: np.ndarray  # index into choices
    days: np.ndarray  # int, per visitor
    choices: tuple[tuple[int, ...], ...]
    places: np.ndarray  # int, per centre


SLOT_WIDTH = 32  # places per row; a larger centre spans several rows (any free place will do)
LOOP_WHEN_LANE_SHARE = 50  # a lane with over 1/50 of the visitors: the plain loop is faster


def _choice_matrix(choices, width: int) -> np.ndarray:
    """Reach lists as a matrix, −1 padded."""
    mat = np.full((len(choices), max(width, 1)), -1, dtype=np.int64)
    for g, ch in enumerate(choices):
        mat[g, :len(ch)] = ch
    return mat


@dataclass
class _Layout:
    """Where one problem's places sit among the state rows: per open day a block of rows (each
    centre's rows, then one dummy row that is never free)."""

    mat: np.ndarray  # [group, level] centre (−1: past the end of the reach list)
    columns: np.ndarray  # [group, column] row within a day's block (the dummy row pads)
    column_level: np.ndarray  # [group, column] the reach-list level of that column
    block: int  # rows per day
    row_caps: np.ndarray  # places per row of a day's block (dummy: 0)


def _layout(p: LossProblem, depth: int, width: int) -> _Layout:
    return _layout_of(tuple(p.choices), tuple(int(c) for c in p.places), depth, width)


@lru_cache(maxsize=64)  # a year's layout serves every replication of it
def _layout_of(choices: tuple[tuple[int, ...], ...], places_: tuple[int, ...], depth: int,
               width: int) -> _Layout:
    places = np.asarray(places_, dtype=np.int64)
    parts = np.maximum(1, -(-places // width))  # rows per centre
    first_row = np.concatenate(([0], np.cumsum(parts)))
    block = int(first_row[-1]) + 1
    row_caps = np.zeros(block, dtype=np.int64)
    for k, (c, m) in enumerate(zip(places.tolist(), parts.tolist(), strict=True)):
        row_caps[first_row[k]:first_row[k] + m] = [c // m + (j < c % m) for j in range(m)]
    mat = _choice_matrix(choices, depth)
    n_cols = max(1, max((int(parts[list(ch)].sum()) for ch in choices if ch), default=1))
    columns = np.full((len(choices), n_cols), block - 1, dtype=np.int64)
    column_level = np.full((len(choices), n_cols), -1, dtype=np.int64)
    for g, ch in enumerate(choices):
        rows = [(first_row[k] + j, lv) for lv, k in enumerate(ch) for j in range(parts[k])]
        if rows:
            columns[g, :len(rows)] = [r for r, _ in rows]
            column_level[g, :len(rows)] = [lv for _, lv in rows]
    return _Layout(mat, columns, column_level, block, row_caps)


def serve_problems(problems: list[LossProblem], width: int = SLOT_WIDTH, method: str = "auto"
                   ) -> list[tuple[np.ndarray, np.ndarray]]:
    """Serve every problem; per problem (served_at: centre per visitor, −1 turned away;
    centre_requests: visitors who tried each centre), exactly as `run_loss_system` would.
    `method`: "lockstep", "loop" (`serve_in_order`), or "auto": the loop when one lane holds
    over 1/`LOOP_WHEN_LANE_SHARE` of the visitors (the lockstep pass takes a step per rank)."""
    if method not in ("auto", "lockstep", "loop"):
        raise ValueError(f"method {method!r}: expected 'auto', 'lockstep' or 'loop'")
    if not problems:
        return []
    depth = max((max((len(c) for c in p.choices), default=1) for p in problems), default=1)
    layouts = [_layout(p, depth, width) for p in problems]
    n_cols = max(lay.columns.shape[1] for lay in layouts)
    # nodes (problem, day, centre) for the lanes; rows (problem, day, row of the block) for state
    node_base, row_base, gids, first, ea, eb, caps = [], [], [], [], [], [], []
    n_nodes = n_rows = n_groups = 0
    for p, lay in zip(problems, layouts, strict=True):
        n_k, n_g = len(p.places), len(p.choices)
        days = np.asarray(p.days, dtype=np.int64)
        grp = np.asarray(p.groups, dtype=np.int64)
        n_days = int(days.max()) + 1 if len(days) else 0
        node_base.append(n_nodes + days * n_k)
        row_base.append(n_rows + days * lay.block)
        gids.append(n_groups + grp)
        first.append(lay.mat[grp, 0])
        pairs = np.unique(days * n_g + grp)  # a (day, reach list) with visitors links its places
        pd, pg = pairs // max(n_g, 1), pairs % max(n_g, 1)
        a, b = lay.mat[pg, :-1], lay.mat[pg, 1:]
        ok = b >= 0
        ea.append(((n_nodes + pd * n_k)[:, None] + a)[ok])
        eb.append(((n_nodes + pd * n_k)[:, None] + b)[ok])
        caps.append(np.tile(lay.row_caps, n_days))
        n_nodes += n_days * n_k
        n_rows += n_days * lay.block
        n_groups += n_g
    t = np.concatenate([np.asarray(p.arrival_times, dtype=float) for p in problems])
    tend = t + np.concatenate([np.asarray(p.durations, dtype=float) for p in problems])
    gid, first = np.concatenate(gids), np.concatenate(first)
    column = np.full(len(t), -1, dtype=np.int64)  # first column that fitted (−1: turned away)
    inside = np.flatnonzero(first >= 0)  # visitors with an empty reach list: turned away
    if len(inside):
        ea, eb = np.concatenate(ea), np.concatenate(eb)
        label = components(n_nodes, ea, eb)
        lane = label[np.concatenate(node_base)[inside] + first[inside]]
        present = np.zeros(len(label) + 1, dtype=np.int64)
        present[lane + 1] = 1
        lane = np.cumsum(present)[lane]  # lanes numbered 0, 1, … (only those with visitors)
        longest = int(np.bincount(lane).max())
        if method == "loop" or (method == "auto" and longest * LOOP_WHEN_LANE_SHARE > len(lane)):
            return [serve_in_order(p.arrival_times, p.durations, p.groups, p.choices, p.places)
                    for p in problems]
        columns = np.concatenate([np.pad(lay.columns, ((0, 0), (0, n_cols - lay.columns.shape[1])),
                                         constant_values=lay.block - 1) for lay in layouts])
        order, active = _rank_major(lane)
        sel = inside[order]
        column[sel] = _lockstep(t[sel], tend[sel], np.concatenate(row_base)[sel], gid[sel],
                                columns, np.concatenate(caps), width, active)
    return _outcomes(problems, layouts, column)


def components(n_nodes: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per node, the smallest node of its connected component (edges a[i]–b[i]): hook each
    edge's two roots onto the smaller, then jump pointers to the roots, until every edge joins
    equal labels. numpy only: a worker process need not import scipy (½ s) for it."""
    label = np.arange(n_nodes)
    while True:
        la, lb = label[a], label[b]
        if np.array_equal(la, lb):
            return label
        low = np.minimum(la, lb)
        np.minimum.at(label, la, low)
        np.minimum.at(label, lb, low)
        while True:  # every label a node of the same component, smaller or equal: jump
            up = label[label]
            if np.array_equal(up, label):
                break
            label = up


def _rank_major(lane: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Visitor order by (rank in lane, lane), longest lanes first: the lanes still receiving
    visitors at rank r are then a prefix, and each lockstep step is one contiguous slice.
    Also the number of lanes at each rank. The rank of a visitor is its place among its lane's
    visitors in the given (arrival) order."""
    counts = np.bincount(lane)
    key = lane.astype(np.uint16) if len(counts) <= 1 << 16 else lane  # uint16: radix sort
    by_lane = np.argsort(key, kind="stable")
    rank = np.empty(len(lane), dtype=np.int64)
    rank[by_lane] = np.arange(len(lane)) - np.repeat(np.cumsum(counts) - counts, counts)
    column = np.empty(len(counts), dtype=np.int64)
    column[np.argsort(-counts, kind="stable")] = np.arange(len(counts))
    active = np.bincount(rank)
    order = np.empty(len(lane), dtype=np.int64)
    order[np.cumsum(active)[rank] - active[rank] + column[lane]] = np.arange(len(lane))
    return order, active


def _lockstep(t: np.ndarray, tend: np.ndarray, base: np.ndarray, gid: np.ndarray,
              columns: np.ndarray, caps: np.ndarray, width: int, active: np.ndarray
              ) -> np.ndarray:
    """The serving loop: step r serves the r-th arrival of every lane (`active[r]` of them, a
    prefix of the rank-major visitors); visitor i may use the place rows base[i] +
    columns[gid[i]], in order. Returns the first column that had a free place, or −1."""
    n_rows = len(caps)
    free = np.full((n_rows, width), np.inf)  # when each place is next free (hours)
    free[np.arange(width)[None, :] < caps[:, None]] = -np.inf
    earliest = np.where(caps > 0, -np.inf, np.inf)
    slot = np.zeros(n_rows, dtype=np.int64)  # the place free at `earliest`
    fitted = np.full(len(t), -1, dtype=np.int64)
    ar = np.arange(int(active.max()) if len(active) else 0)
    start = 0
    for n in active.tolist():
        stop = start + n
        r = base[start:stop, None] + columns.take(gid[start:stop], axis=0)
        fits = earliest.take(r) <= t[start:stop, None]
        col = fits.argmax(axis=1)
        hit = fits[ar[:n], col]
        fitted[start:stop] = np.where(hit, col, -1)
        taken = r[ar[:n], col][hit]
        free[taken, slot[taken]] = tend[start:stop][hit]
        block = free.take(taken, axis=0)
        s = block.argmin(axis=1)
        slot[taken] = s
        earliest[taken] = block[ar[:len(s)], s]
        start = stop
    return fitted


def _outcomes(problems: list[LossProblem], layouts: list[_Layout], column: np.ndarray
              ) -> list[tuple[np.ndarray, np.ndarray]]:
    """Centre served and centres tried, from the column each visitor was served at."""
    out = []
    start = 0
    for p, lay in zip(problems, layouts, strict=True):
        n, n_k = len(p.arrival_times), len(p.places)
        grp = np.asarray(p.groups, dtype=np.int64)
        col = column[start:start + n]
        start += n
        depth = lay.mat.shape[1]
        level = np.where(col >= 0, lay.column_level[grp, np.maximum(col, 0)], depth)
        served = np.where(col >= 0, lay.mat[grp, np.minimum(level, depth - 1)], -1)
        # visitors of group g stopping at level l (depth: turned away) tried levels 0..l
        stops = np.bincount(grp * (depth + 1) + level, minlength=len(p.choices) * (depth + 1))
        stops = stops.reshape(len(p.choices), depth + 1)
        reached = np.cumsum(stops[:, ::-1], axis=1)[:, ::-1][:, :depth]
        valid = lay.mat >= 0
        tried = np.bincount(lay.mat[valid], weights=reached[valid], minlength=n_k)
        out.append((served, np.rint(tried).astype(np.int64)))
    return out


def serve_in_order(arrival_times, durations, groups, choices, places
                   ) -> tuple[np.ndarray, np.ndarray]:
    """`run_loss_system`'s (served_at, centre_requests) by a plain loop over the visitors in
    arrival order, with the body of its lazy-release arrival callback (per centre a heap of
    departure times, freed when an arrival finds the centre full) and no event queue. For few
    long lanes (one busy centre all day), where the lockstep pass would take one step a visit."""
    import heapq

    n_k = len(places)
    cap = [int(c) for c in places]
    occ, req = [0] * n_k, [0] * n_k
    due: list[list[float]] = [[] for _ in range(n_k)]
    push, pop = heapq.heappush, heapq.heappop
    served = []
    keep = served.append
    for now, d, g in zip(np.asarray(arrival_times, dtype=float).tolist(),
                         np.asarray(durations, dtype=float).tolist(),
                         np.asarray(groups, dtype=np.int64).tolist(), strict=True):
        for k in choices[g]:
            if occ[k] >= cap[k]:
                h = due[k]
                while h and h[0] <= now:
                    pop(h)
                    occ[k] -= 1
                if occ[k] >= cap[k]:
                    req[k] += 1
                    continue
            occ[k] += 1
            push(due[k], now + d)
            keep(k)
            break
        else:
            keep(-1)
    out = np.asarray(served, dtype=np.int64)
    tried = np.asarray(req, dtype=np.int64) + np.bincount(out[out >= 0], minlength=n_k)
    return out, tried


def run_loss_fast(arrival_times, durations, groups, choices, places, days=None,
                  method: str = "auto") -> tuple[np.ndarray, np.ndarray]:
    """`run_loss_system`'s (served_at, centre_requests) by `serve_problems`, for one problem
    (`days`: per visitor, when the visitors fall into independent days; None: one day)."""
    n = len(arrival_times)
    days = np.zeros(n, dtype=np.int64) if days is None else np.asarray(days, dtype=np.int64)
    problem = LossProblem(np.asarray(arrival_times, dtype=float), np.asarray(durations, float),
                          np.asarray(groups, dtype=np.int64), days, tuple(choices),
                          np.asarray(places, dtype=np.int64))
    return serve_problems([problem], method=method)[0]
