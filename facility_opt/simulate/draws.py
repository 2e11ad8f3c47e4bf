"""Every community's visits of one replication-year: `model.demand.draw_visits`, batched.

Each community keeps its own stream and the same calls on it in the same order (daily counts,
then the uniforms of the arrival times, then the stays), so the random numbers are exactly those
of `draw_visits`; only the deterministic steps (days from counts, arrival times from uniforms by
`DemandModel.arrival_hours`) run once over all communities instead of once per community.
Equality with `draw_visits` is tested for every arrival profile and stay distribution.
"""

from __future__ import annotations

import numpy as np

from facility_opt.model.demand import DemandModel


def draw_communities(model: DemandModel, streams: list[np.random.Generator],
                     requests_per_day: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(community, day index, hour of day, stay hours) of every visit, community by community
    in stream order, each community's visits as `draw_visits` gives them."""
    days = model.sampled_days
    n_c = len(streams)
    counts = np.zeros((n_c, days), dtype=np.int64)
    uniforms, stays = [], []
    for c, rng in enumerate(streams):  # the per-stream calls of draw_visits, in its order
        counts[c] = rng.poisson(max(float(requests_per_day[c]), 0.0), days)
        n = int(counts[c].sum())
        uniforms.append(rng.random(n))
        stays.append(model.stay_hours(rng, n))
    per_comm = counts.sum(axis=1)
    comm = np.repeat(np.arange(n_c, dtype=np.int64), per_comm)
    day = np.repeat(np.tile(np.arange(days, dtype=np.int64), n_c), counts.ravel())
    if not n_c:
        return comm, day, np.zeros(0), np.zeros(0)
    hour = model.arrival_hours(np.concatenate(uniforms))
    return comm, day, hour, np.concatenate(stays).astype(float, copy=False)
