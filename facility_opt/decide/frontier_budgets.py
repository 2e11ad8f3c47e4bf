"""The budgets of a frontier: `--budgets` parsed (START:STOP:STEP or A,B,C), the default grid
(25 %–150 % of the scenario's total) and a total split across the funding years in the scenario's
own annual proportions, so "20 % more money" means 20 % more in every year."""

from __future__ import annotations

import math
import re

from facility_opt.errors import InputError
from facility_opt.model.types import Scenario

MAX_BUDGETS = 500  # more points than this is almost surely a typo in STEP
DEFAULT_SHARES = tuple(0.25 + 0.125 * k for k in range(11))  # 25 %, 37.5 %, …, 150 %



def _number(text: str, whole: str) -> float:
    try:
        value = float(text.replace("_", "").strip())
    except ValueError:
        raise InputError.one("command line", "--budgets", whole,
                             "START:STOP:STEP or A,B,C with numbers in the scenario's money "
                             f"unit (could not read {text.strip()!r} as a number)") from None
    if not math.isfinite(value) or value < 0:
        raise InputError.one("command line", "--budgets", whole,
                             f"budgets ≥ 0 in the scenario's money unit (found {text.strip()})")
    return value


def parse_budgets(text: str) -> list[float]:
    """Total budgets from `START:STOP:STEP` (STOP included when it falls on a step) or `A,B,C`.

    Returned sorted, without repeats. Bad text raises InputError naming what was expected.
    """
    whole = str(text)
    s = whole.strip()
    if not s:
        raise InputError.one("command line", "--budgets", whole,
                             "START:STOP:STEP or A,B,C (total budgets in the scenario's unit)")
    if ":" in s:
        parts = s.split(":")
        if len(parts) != 3:
            raise InputError.one("command line", "--budgets", whole,
                                 "START:STOP:STEP — three numbers separated by ':'")
        start, stop, step = (_number(p, whole) for p in parts)
        if step <= 0:
            raise InputError.one("command line", "--budgets", whole,
                                 "a STEP greater than 0 in START:STOP:STEP")
        if stop < start:
            raise InputError.one("command line", "--budgets", whole,
                                 "STOP ≥ START in START:STOP:STEP")
        count = math.floor((stop - start) / step + 1e-9) + 1
        if count > MAX_BUDGETS:
            raise InputError.one("command line", "--budgets", whole,
                                 f"at most {MAX_BUDGETS} budgets (this gives {count}; "
                                 "use a larger STEP)")
        values = [round(start + k * step, 9) for k in range(count)]
    else:
        parts = [p for p in re.split(r"[,，;]", s)]
        if any(not p.strip() for p in parts):
            raise InputError.one("command line", "--budgets", whole,
                                 "A,B,C — numbers separated by commas, none left empty")
        values = [_number(p, whole) for p in parts]
        if len(values) > MAX_BUDGETS:
            raise InputError.one("command line", "--budgets", whole,
                                 f"at most {MAX_BUDGETS} budgets")
    return sorted(set(values))


def default_budgets(scenario: Scenario) -> list[float]:
    """Eleven totals from 25 % to 150 % of the scenario's total budget, in steps of 12.5 %."""
    total = scenario.budget.total
    return sorted({round(total * share, 6) for share in DEFAULT_SHARES})


def split_budget(scenario: Scenario, total: float) -> dict[int, float]:
    """A total budget split across funding years in the scenario's annual proportions
    (equal shares when the scenario's own budget is zero)."""
    annual = scenario.budget.annual
    base = sum(annual.get(y, 0.0) for y in scenario.years)
    if base <= 0:
        return {y: round(total / len(scenario.years), 9) for y in scenario.years}
    return {y: round(total * annual.get(y, 0.0) / base, 9) for y in scenario.years}

