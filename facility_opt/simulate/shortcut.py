"""The exact shortcut: which (centre, day) pairs can meet a full centre, so must go through the
loss network; every other visit is served by its first choice, tallied directly."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from facility_opt.model.demand import DemandModel

NIGHT_GAP_HOURS = 1.0  # idle time between consecutive simulated days on one clock


def centre_days_affected(first: np.ndarray, covered: np.ndarray, day: np.ndarray,
                         hour: np.ndarray, dur: np.ndarray, model: DemandModel,
                         places: np.ndarray, overflow_reach: np.ndarray) -> np.ndarray:
    """[centre, day] → True where the centre's day must run through the loss network.

    A centre *fills* on a day when a visitor would find it full counting only first-choice
    visitors (departures before arrivals at equal times, as in the SimPy run). Overflow starts
    only at a full centre and goes only where `overflow_reach` allows, so a centre that neither
    fills nor can receive overflow serves exactly its first-choice visitors, none turned away:
    those visits are tallied directly, exactly as the loss network would have served them. The
    centres affected on a day are closed under overflow, so the visits run through the network
    never need a centre outside the set.
    """
    n_k, days = len(places), model.sampled_days
    idx = np.flatnonzero(covered)
    if len(idx):  # a centre with no more first-choice visitors in a day than places cannot fill
        per_day = np.bincount(first[idx] * days + day[idx], minlength=n_k * days)
        idx = idx[per_day[first[idx] * days + day[idx]] > places[first[idx]]]
    if not len(idx):
        return np.zeros((n_k, days), dtype=bool)
    k = first[idx]
    t = day[idx] * (model.opening_hours + NIGHT_GAP_HOURS) + hour[idx]
    # each centre's departures (-1) and arrivals (+1) net to zero, so a running sum over events
    # sorted by (centre, time, departures first) is each centre's occupancy: stable sorts by
    # time, then by centre, of the departures followed by the arrivals
    n = len(idx)
    times = np.concatenate((t + dur[idx], t))
    centre = np.concatenate((k, k))
    delta = np.concatenate((-np.ones(n, np.int64), np.ones(n, np.int64)))
    order = np.argsort(times, kind="stable")
    key = centre[order].astype(np.uint16) if n_k <= 1 << 16 else centre[order]  # radix sort
    order = order[np.argsort(key, kind="stable")]
    occupancy = np.cumsum(delta[order])
    full = (delta[order] > 0) & (occupancy > places[centre[order]])
    fills = np.zeros((n_k, days), dtype=bool)
    hit = order[full] - n  # event positions ≥ n are arrivals, i.e. visitor idx[hit]
    fills[k[hit], day[idx[hit]]] = True
    if not fills.any():
        return fills
    # affected[b, d] = some centre a that fills on day d can send visitors on to b (per day an
    # OR over the filling centres' rows: no matrix product, whose BLAS threads would compete
    # with the other worker processes)
    affected = np.zeros((n_k, days), dtype=bool)
    for d in np.flatnonzero(fills.any(axis=0)).tolist():
        affected[:, d] = overflow_reach[fills[:, d]].any(axis=0)
    return affected
