"""The day-care demand model of one open day: when visitors arrive and how long they stay.

One definition, used by the simulation engine (`facility_opt.simulate.engine`) and by the
day-start sizing of places (`facility_opt.model.queueing.day_start_places`), so the sizing and
the simulation cannot drift apart. The model is described in docs/simulation.md §3.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Morning-peak arrival profile: share of the day's arrivals in each quarter of the opening hours
# (a piecewise-constant intensity: half of the visitors come in the first quarter of the day).
MORNING_PEAK_QUARTER_SHARES = (0.50, 0.25, 0.15, 0.10)


@dataclass(frozen=True)
class DemandModel:
    """How visits arrive and how long they stay (hours)."""

    opening_hours: float = 8.5
    arrival_profile: str = "morning-peak"  # or "uniform"
    stay_distribution: str = "lognormal"  # or "exponential", "fixed"
    stay_hours_mean: float = 6.0
    stay_hours_cv: float = 0.5
    sampled_days: int = 20

    def arrival_hours(self, u: np.ndarray) -> np.ndarray:
        """Times of day (hours since opening) from uniform draws in [0, 1), by inverse CDF."""
        if self.arrival_profile == "uniform":
            return u * self.opening_hours
        cdf = np.concatenate(([0.0], np.cumsum(MORNING_PEAK_QUARTER_SHARES)))
        cdf[-1] = 1.0
        edges = np.linspace(0.0, 1.0, len(MORNING_PEAK_QUARTER_SHARES) + 1)
        return np.interp(u, cdf, edges) * self.opening_hours

    def stay_hours(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """`n` visit lengths with mean `stay_hours_mean` (hours)."""
        mean = self.stay_hours_mean
        if self.stay_distribution == "exponential":
            return rng.exponential(mean, n)
        if self.stay_distribution == "lognormal" and self.stay_hours_cv > 0:
            sigma2 = np.log1p(self.stay_hours_cv ** 2)
            return rng.lognormal(np.log(mean) - sigma2 / 2.0, np.sqrt(sigma2), n)
        return np.full(n, float(mean))


def draw_visits(model: DemandModel, rng: np.random.Generator, requests_per_day: float
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Visits of one community over the sampled days: (day index, hour of day, stay hours).

    Draw order is fixed (daily counts, then arrival times, then stays) so the same stream gives
    the same visits whatever the centres are."""
    days = model.sampled_days
    counts = rng.poisson(max(requests_per_day, 0.0), days)
    n = int(counts.sum())
    day = np.repeat(np.arange(days, dtype=np.int64), counts)
    hour = model.arrival_hours(rng.random(n))
    stay = model.stay_hours(rng, n)
    return day, hour, stay
