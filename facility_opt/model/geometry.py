"""Reach: which day-care sites serve which communities. One definition, one tolerance.

A site is an existing centre (centres.csv) or a candidate that adds day-care places (a
candidate sits at its community's position). Without a travel table a site serves every
community whose straight-line distance is within `daycare.reach_km` (planar km); with one
(`[data] travel`) a site serves exactly the communities listed with travel ≤
`daycare.reach_travel`, in the table's own unit, and a pair not listed is out of reach.
The MILP, the plan loop, the coverage judgement and the simulation all read `reach(scenario)`,
so they cannot disagree about who is within reach; the simulation also takes its routing order
(nearest first, ties by site id) from the travel values here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from facility_opt.model.types import Scenario

# Absolute slack on the reach test (km, or the travel table's unit): a community exactly at the
# threshold is within reach whatever the floating-point rounding of its coordinates.
REACH_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Reach:
    """Per site, the communities it serves with their travel values, and the reverse index.

    `centres` and `candidates` map a site id to ((community id, travel), ...) in communities-table
    order. Travel is the distance in km, or the travel table's value (`unit` says which)."""

    community_ids: tuple[str, ...]
    centres: dict[str, tuple[tuple[str, float], ...]]
    candidates: dict[str, tuple[tuple[str, float], ...]]
    unit: str = "km"
    threshold: float = 1.0
    _by_comm: dict[str, tuple[tuple[str, tuple[str, float], ...], ...]] = field(
        default=None, repr=False, compare=False)  # type: ignore[assignment]

    def communities_of(self, site_id: str, *, candidate: bool = True) -> tuple[str, ...]:
        """Communities served by a candidate (default) or an existing centre (`candidate=False`)."""
        table = self.candidates if candidate else self.centres
        return tuple(k for k, _ in table.get(site_id, ()))

    def centres_of(self, community_id: str) -> tuple[str, ...]:
        """Existing centres within reach of a community, nearest first (ties by id)."""
        return self._index()[community_id][0]

    def candidates_of(self, community_id: str) -> tuple[str, ...]:
        """Candidates with day-care places within reach of a community, nearest first."""
        return self._index()[community_id][1]

    def travel(self, community_id: str, site_id: str, *, candidate: bool = True) -> float | None:
        """Travel from a community to a site (None: out of reach)."""
        table = self.candidates if candidate else self.centres
        for k, t in table.get(site_id, ()):
            if k == community_id:
                return t
        return None

    def _index(self) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
        if self._by_comm is None:
            cen: dict[str, list[tuple[float, str]]] = {k: [] for k in self.community_ids}
            can: dict[str, list[tuple[float, str]]] = {k: [] for k in self.community_ids}
            for table, out in ((self.centres, cen), (self.candidates, can)):
                for sid, served in table.items():
                    for k, t in served:
                        out[k].append((t, sid))
            idx = {k: (tuple(s for _, s in sorted(cen[k])), tuple(s for _, s in sorted(can[k])))
                   for k in self.community_ids}
            object.__setattr__(self, "_by_comm", idx)
        return self._by_comm


def within(travel: float, threshold: float) -> bool:
    """The reach test itself: travel ≤ threshold, with the one tolerance."""
    return travel <= threshold + REACH_TOLERANCE


_CACHE: list[tuple[Scenario, Reach]] = []  # the last few scenarios (by identity) and their reach
_CACHE_SIZE = 4


def reach(scenario: Scenario) -> Reach:
    """Reach of every day-care site of a scenario (see the module docstring). Scenarios are
    immutable, so the answer is kept for the last few scenario objects a run asks about (one
    build asks several times: benefit, existing coverage, the coverage rows, the verdict)."""
    for sc, r in _CACHE:
        if sc is scenario:
            return r
    r = _reach(scenario)
    _CACHE.insert(0, (scenario, r))
    del _CACHE[_CACHE_SIZE:]
    return r


def _reach(scenario: Scenario) -> Reach:
    comms = tuple(scenario.communities or ())
    ids = tuple(m.id for m in comms)
    centres = tuple(scenario.centres or ())
    cands = tuple(c for c in scenario.candidates if c.daycare_places > 0)
    dc = scenario.daycare
    if scenario.travel is not None:
        threshold = float(dc.reach_travel if dc.reach_travel is not None else 0.0)
        order = {k: n for n, k in enumerate(ids)}
        by_site: dict[str, list[tuple[str, float]]] = {}
        for (k, sid), t in scenario.travel.items():
            if k in order and within(t, threshold):
                by_site.setdefault(sid, []).append((k, float(t)))
        for v in by_site.values():
            v.sort(key=lambda p: order[p[0]])
        cen = {c.id: tuple(by_site.get(c.id, ())) for c in centres}
        can = {c.id: tuple(by_site.get(c.id, ())) for c in cands}
        return Reach(ids, cen, can, dc.travel_unit or "", threshold)
    threshold = float(dc.reach_km)
    pos = {m.id: (m.x_km, m.y_km) for m in comms}
    xy = np.array([(m.x_km, m.y_km) for m in comms], dtype=float).reshape(-1, 2)
    cand_sites = [c for c in cands if c.community_id in pos]
    sites = [(c.x_km, c.y_km) for c in centres] + [pos[c.community_id] for c in cand_sites]
    near = _within_distance(xy, np.array(sites, dtype=float).reshape(-1, 2), threshold)
    served = [tuple((ids[j], d) for j, d in pairs) for pairs in near]
    cen = {c.id: served[n] for n, c in enumerate(centres)}
    can = {c.id: served[len(centres) + n] for n, c in enumerate(cand_sites)}
    return Reach(ids, cen, can, "km", threshold)


def _within_distance(points: np.ndarray, sites: np.ndarray, reach_km: float
                     ) -> list[list[tuple[int, float]]]:
    """For each site, (index of point, distance km) of the points within reach, by index.

    A uniform grid of cells one reach wide: each site looks at the 3 × 3 cells around it, so the
    work grows with the number of near pairs, not with points × sites (a province has thousands
    of each). Plain NumPy, no spatial-index dependency."""
    if len(points) == 0 or len(sites) == 0:
        return [[] for _ in range(len(sites))]
    limit = float(reach_km) + REACH_TOLERANCE
    cell = max(limit, 1e-9)
    keys = np.floor(points / cell).astype(np.int64)
    buckets: dict[tuple[int, int], list[int]] = {}
    for j, (a, b) in enumerate(keys.tolist()):
        buckets.setdefault((a, b), []).append(j)
    arrays = {k: np.array(v, dtype=np.int64) for k, v in buckets.items()}
    out: list[list[tuple[int, float]]] = []
    for (sx, sy), (kx, ky) in zip(sites.tolist(), np.floor(sites / cell).astype(np.int64).tolist(),
                                  strict=True):
        cand = [arrays[(kx + dx, ky + dy)] for dx in (-1, 0, 1) for dy in (-1, 0, 1)
                if (kx + dx, ky + dy) in arrays]
        if not cand:
            out.append([])
            continue
        idx = np.sort(np.concatenate(cand))
        d = np.hypot(points[idx, 0] - sx, points[idx, 1] - sy)
        ok = d <= limit
        out.append(list(zip(idx[ok].tolist(), d[ok].tolist(), strict=True)))
    return out
