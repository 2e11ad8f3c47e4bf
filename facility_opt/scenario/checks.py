"""Typed settings: every scenario key type-checked against the schema table, and the checks that
relate keys to each other (years, budgets, targets).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from facility_opt.errors import Problem
from facility_opt.scenario.schema import (
    CANDIDATE_KINDS,
    COMMUNITY_TYPES,
    ENUMERATED_KEYS,
    KIND_ALIASES,
    SCENARIO_KEYS,
    SIGNED_KEYS,
    STAY_DISTRIBUTIONS,
    Field,
)
from facility_opt.scenario.settings import FIELDS, _PathValue, _Settings, _show
from facility_opt.scenario.tables import (
    YEAR_RANGE,
    did_you_mean,
)

KIND_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
POPULATION_LAST_YEAR_MAX = 2035


# -- typed settings ------------------------------------------------------------------------------

class _Checker:
    """Type-checks flattened settings against the schema; collects problems."""

    def __init__(self, settings: _Settings, default_label: str, problems: list[Problem]):
        self.s = settings
        self.label = default_label
        self.problems = problems
        self.ok: dict[str, Any] = {}
        self.bad: set[str] = set()

    def where(self, key: str) -> str:
        return self.s.origin.get(key, self.label)

    def add(self, key: str, found: Any, expected: str) -> None:
        self.problems.append(Problem(self.where(key), f"key {key}", _show(found), expected))
        self.bad.add(key)

    def run(self, required_skip: Iterable[str] = ()) -> dict[str, Any]:
        skip = set(required_skip)
        for f in SCENARIO_KEYS:
            if f.key == "extends":
                continue
            if f.key not in self.s.values:
                if f.required and f.key not in skip:
                    self.problems.append(Problem(self.label, f"key {f.key}", "missing",
                                                 f"a value ({f.description.rstrip('.')}); "
                                                 "this key is required"))
                    self.bad.add(f.key)
                continue
            value = self.s.values[f.key]
            try:
                self.ok[f.key] = self.convert(f, value)
            except _BadValue as e:
                if e.item is None:
                    self.add(f.key, value, str(e))
                else:
                    self.problems.append(Problem(self.where(f.key), f"key {f.key}.{e.item}",
                                                 _show(e.found), str(e)))
                    self.bad.add(f.key)
        return self.ok

    def convert(self, f: Field, v: Any) -> Any:
        signed = f.key in SIGNED_KEYS
        share = f.unit.startswith("share 0")
        t = f.type
        if t == "str":
            if not isinstance(v, str):
                raise _BadValue("text in quotes")
            allowed = ENUMERATED_KEYS.get(f.key)
            if allowed and v not in allowed:
                raise _BadValue("one of " + ", ".join(f'"{a}"' for a in allowed)
                                + did_you_mean(v, allowed))
            if f.key == "name" and not v.strip():
                raise _BadValue("a non-blank name")
            return v
        if t == "path":
            if isinstance(v, _PathValue):
                if not v.text.strip():
                    raise _BadValue("a file name")
                return v
            if isinstance(v, str) and v.strip():
                return _PathValue(v, Path.cwd())
            raise _BadValue("a file name in quotes")
        if t == "bool":
            if not isinstance(v, bool):
                raise _BadValue("true or false")
            return v
        if t == "int":
            return _int(v, signed)
        if t == "float":
            return _number(v, signed, share)
        if t == "year":
            return _year(v)
        if t == "years":
            if not isinstance(v, list) or not v:
                raise _BadValue("a list of years, e.g. [2022, 2023, 2024, 2025]")
            years = []
            for i, x in enumerate(v):
                try:
                    years.append(_year(x))
                except _BadValue as e:
                    raise _BadValue(str(e), f"[{i}]", x) from None
            if any(b <= a for a, b in zip(years, years[1:], strict=False)):
                raise _BadValue("years in increasing order, each once")
            return tuple(years)
        if t == "range":
            if isinstance(v, list):
                if len(v) != 2:
                    raise _BadValue("[low, high], e.g. [0.6, 1.6]")
                lo, hi = (_number(x, signed, share) for x in v)
                if hi < lo:
                    raise _BadValue("[low, high] with low ≤ high")
                return (lo, hi)
            x = _number(v, signed, share)
            return (x, x)
        if t == "choices":
            items = v if isinstance(v, list) else [v]
            if not items or not all(isinstance(x, str) for x in items):
                raise _BadValue('a list of choices in quotes, e.g. ["fixed", "lognormal"]')
            allowed = STAY_DISTRIBUTIONS
            for x in items:
                if x not in allowed:
                    raise _BadValue("choices among " + ", ".join(allowed)
                                    + did_you_mean(x, allowed))
            return tuple(items)
        if t == "str_list":
            if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
                raise _BadValue('a list of texts, e.g. ["relocation", "fringe"]')
            if f.key == "rules.early_completion_types":
                for x in v:
                    if x not in COMMUNITY_TYPES:
                        raise _BadValue("community types among " + ", ".join(COMMUNITY_TYPES)
                                        + did_you_mean(x, COMMUNITY_TYPES))
            return tuple(v)
        if not isinstance(v, Mapping):
            example = {"money_by_year": "{ 2022 = 5000, 2023 = 6000 }",
                       "count_by_kind": "{ complex = 10 }",
                       "float_by_type": "{ town = 0.01 }",
                       "float_by_year": "{ 2020 = 0.53, 2025 = 0.60 }"}.get(t, "{ ... }")
            raise _BadValue(f"an inline table, e.g. {example}")
        if t in ("money_by_year", "float_by_year"):
            out: dict[int, float] = {}
            for k, x in v.items():
                if not str(k).strip().isdigit():
                    raise _BadValue("years as keys, e.g. { 2022 = 5000 }", str(k), str(k))
                try:
                    year = _year(int(str(k)))
                except _BadValue as e:
                    raise _BadValue(str(e), str(k), str(k)) from None
                try:
                    out[year] = _number(x, signed, share)
                except _BadValue as e:
                    raise _BadValue(str(e), str(k), x) from None
            return dict(sorted(out.items()))
        if t == "count_by_kind":
            counts: dict[str, int] = {}
            for k, x in v.items():
                k = KIND_ALIASES.get(str(k).strip(), k)
                if not KIND_PATTERN.match(str(k)):
                    raise _BadValue("a project kind in lower case as key"
                                    + did_you_mean(str(k), CANDIDATE_KINDS), str(k), str(k))
                try:
                    counts[str(k)] = _int(x, False)
                except _BadValue as e:
                    raise _BadValue(str(e), str(k), x) from None
            return counts
        if t == "float_by_type":
            by_type: dict[str, float] = {}
            for k, x in v.items():
                if str(k) not in COMMUNITY_TYPES:
                    raise _BadValue("a community type as key: " + ", ".join(COMMUNITY_TYPES)
                                    + did_you_mean(str(k), COMMUNITY_TYPES), str(k), str(k))
                try:
                    by_type[str(k)] = _number(x, signed, share)
                except _BadValue as e:
                    raise _BadValue(str(e), str(k), x) from None
            return by_type
        raise _BadValue(f"a value of type {t}")  # pragma: no cover - schema types are exhaustive


class _BadValue(ValueError):
    """A value of the wrong type or range; `item` names the entry of an inline table."""

    def __init__(self, expected: str, item: str | None = None, found: Any = None):
        super().__init__(expected)
        self.item = item
        self.found = found


def _number(v: Any, signed: bool, share: bool) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise _BadValue("a number" + ("" if signed else " ≥ 0"))
    x = float(v)
    if not math.isfinite(x):
        raise _BadValue("a finite number")
    if share and not 0.0 <= x <= 1.0:
        raise _BadValue("a share between 0 and 1 (0.9 means 90 %)")
    if x < 0 and not signed:
        raise _BadValue("a number ≥ 0")
    return x


def _int(v: Any, signed: bool) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise _BadValue("a whole number" + ("" if signed else " ≥ 0"))
    if v < 0 and not signed:
        raise _BadValue("a whole number ≥ 0")
    return v


def _year(v: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or not YEAR_RANGE[0] <= v <= YEAR_RANGE[1]:
        raise _BadValue(f"a year between {YEAR_RANGE[0]} and {YEAR_RANGE[1]}, without quotes")
    return v


def _span(years: Iterable[int]) -> str:
    ys = list(years)
    return f"{ys[0]}–{ys[-1]}" if len(ys) > 1 else str(ys[0])


def _cross_check(ck: _Checker, has_communities: bool) -> None:
    """Rules between keys: budget years = funding years, windows inside the horizon, ranges."""
    ok = ck.ok
    years: tuple[int, ...] | None = ok.get("horizon.years")
    annual = ok.get("budget.annual")
    if years and annual is not None:
        if set(annual) != set(years):
            missing = sorted(set(years) - set(annual))
            extra = sorted(set(annual) - set(years))
            parts = []
            if missing:
                parts.append("missing " + ", ".join(map(str, missing)))
            if extra:
                parts.append("not funding years: " + ", ".join(map(str, extra)))
            ck.add("budget.annual", annual, "one amount for each funding year in horizon.years "
                   f"({', '.join(map(str, years))}); " + "; ".join(parts))
    base = ok.get("horizon.base_year")
    if years and base is not None and base > years[0]:
        ck.add("horizon.base_year", base, f"a year no later than the first funding year {years[0]}")
    positive = {"daycare.opening_hours": 24.0, "daycare.stay_hours_mean": None,
                "daycare.reach_km": None}
    for key, upper in positive.items():
        v = ok.get(key)
        if v is not None and (v <= 0 or (upper is not None and v > upper)):
            ck.add(key, v, "a number > 0" + (f" and ≤ {upper:g}" if upper else ""))
    for key in ("simulation.replications", "simulation.sampled_days", "plan.max_iterations"):
        v = ok.get(key)
        if v is not None and v < 1:
            ck.add(key, v, "a whole number ≥ 1")
    days = ok.get("daycare.open_days_per_week")
    if days is not None and not 1 <= days <= 7:
        ck.add("daycare.open_days_per_week", days, "a whole number from 1 to 7")
    if ok.get("objective.kind") == "benefit" and not has_communities:
        ck.add("objective.kind", "benefit",
               '"score", or data.communities (the benefit objective needs communities)')
    if not years:
        return
    last = years[-1]
    last_pop = ok.get("population.last_year")
    if last_pop is not None and not last <= last_pop <= POPULATION_LAST_YEAR_MAX:
        ck.add("population.last_year", last_pop,
               f"a year from the last funding year {last} to {POPULATION_LAST_YEAR_MAX}")
    until = ok.get("objective.benefit_until")
    if until is not None and until < last:
        ck.add("objective.benefit_until", until,
               f"a year no earlier than the last funding year {last} (the benefit counts years "
               "in service up to this year)")
    first_sim = min(years[0], base) if base is not None else years[0]
    last_sim = max(last, last_pop or last)
    for key in ("simulation.years", "targets.target_years"):
        for y in ok.get(key) or ():
            if not first_sim <= y <= last_sim:
                ck.add(key, list(ok[key]), f"years from {first_sim} to {last_sim} "
                       "(base year to last funding or projected year)")
                break
    if ok.get("rules.early_completion"):
        y = ok.get("rules.early_completion_year",
                   FIELDS["rules.early_completion_year"].default)
        if y not in years:
            ck.add("rules.early_completion_year", y,
                   f"a funding year ({', '.join(map(str, years))})")
