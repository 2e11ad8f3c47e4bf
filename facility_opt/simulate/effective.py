"""Effective coverage: a community counts as covered only if a centre is within reach *and* it
turns away no more than `targets.max_turned_away` of its day-care requests.

Plain facility coverage is fixed by the centres in service (reach does not depend on the random
draws); effective coverage depends on how full the centres are, so it is an estimate with a
real sampling interval. One definition, used for the per-community flags of
`community_load.csv`, for `SimulationResult.effective_ids` and for the replication-level metric
`effective_coverage` of `coverage.csv`.
"""

from __future__ import annotations

import numpy as np

TOLERANCE = 1e-12  # a share exactly at the limit counts as within it


def turned_away_share(requests: np.ndarray, served: np.ndarray) -> np.ndarray:
    """Share of each community's requests not served anywhere (0 where there were none; 1 for a
    community with requests and no centre within reach)."""
    requests = np.asarray(requests, dtype=float)
    served = np.asarray(served, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(requests > 0, (requests - served) / np.where(requests > 0, requests, 1.0),
                        0.0)


def effectively_covered(within_reach: np.ndarray, requests: np.ndarray, served: np.ndarray,
                        max_turned_away: float) -> np.ndarray:
    """Per community: within reach of a centre and turning away at most `max_turned_away` of
    its requests (with the limit at 1.0, the default, this is plain facility coverage)."""
    share = turned_away_share(requests, served)
    return np.asarray(within_reach, dtype=bool) & (share <= max_turned_away + TOLERANCE)
