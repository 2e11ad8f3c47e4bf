"""Queueing: how many day-care places a demand needs.

A centre is a loss system: a visitor who finds every place taken is turned away (or tries the
next centre within reach). Erlang's loss formula is the steady-state answer, and holds for any
stay distribution with the same mean (insensitivity). One definition, used by the plan loop, the
simulation's tests and the benchmarks.
"""

from __future__ import annotations


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
