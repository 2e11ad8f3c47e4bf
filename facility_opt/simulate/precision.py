"""The sequential stopping rule of `simulate --precision HALF_WIDTH` (docs/simulation.md, "How
many replications"): its settings and the half-width it watches. The loop itself is in
`facility_opt.simulate.core.simulate`."""

from __future__ import annotations

import math
from typing import Any

from facility_opt.errors import InputError

PRECISION_BATCH = 10  # replications added per step of the sequential rule (not worker-dependent)
MAX_REPLICATIONS = 1000  # default cap of the sequential rule


def check_precision(src: str, precision: float | None, max_replications: int | None,
                     replications: int) -> int:
    """The replication cap of the sequential rule, after checking its settings."""
    if precision is None:
        return replications
    if not (math.isfinite(precision) and 0 < precision < 1):
        raise InputError.one("command line", "--precision", precision,
                             "a 95 % half-width as a share in (0, 1), e.g. 0.005")
    if replications < 2:
        raise InputError.one(src, "key simulation.replications", replications,
                             "at least 2 replications to start --precision from (an interval "
                             "needs two)")
    cap = MAX_REPLICATIONS if max_replications is None else int(max_replications)
    return max(cap, replications)


def widest_half_width(coverage: list[dict[str, Any]]) -> float | None:
    """The widest 95 % half-width over the coverage rows that have an interval (None: none has:
    a single replication)."""
    widths = [(r["ci_high"] - r["ci_low"]) / 2 for r in coverage
              if not (math.isnan(r["ci_low"]) or math.isnan(r["ci_high"]))]
    return max(widths) if widths else None
