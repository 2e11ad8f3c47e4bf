"""Scenarios: read a TOML file (with `extends`), its tables, check everything, build a `Scenario`.

Two constructors share one validation path, so a notebook gets the same checks as the CLI:

- `load_scenario(ref)` — a `.toml` path or a bundled name (default `leshan-base`);
- `scenario_from_tables(settings, candidates, communities, centres)` — in-memory rows.

Every problem is collected (not just the first) and raised as one `InputError` whose lines name
the file, the key or row and column, the value found and what is expected. The schema table in
`facility_opt.scenario.schema` gives keys, types, units and defaults; `facility-opt init` writes a template
generated from it.
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from facility_opt.errors import InputError, Problem
from facility_opt.model.types import (
    Budget,
    Candidate,
    Centre,
    Community,
    Daycare,
    Objective,
    PlanLoop,
    Population,
    Rules,
    Scenario,
    Simulation,
    Targets,
)
from facility_opt.scenario.schema import (
    CANDIDATE_COLUMNS,
    CANDIDATE_KINDS,
    CENTRE_COLUMNS,
    COMMUNITY_COLUMNS,
    COMMUNITY_TYPES,
    ENUMERATED_KEYS,
    MAX_CANDIDATES,
    SCENARIO_KEYS,
    SIGNED_COLUMNS,
    SIGNED_KEYS,
    Field,
)
from facility_opt.scenario.tables import (
    YEAR_RANGE,
    Table,
    check_columns,
    did_you_mean,
    display_path,
    is_bad,
    one_line,
    parse_rows,
    read_table,
    table_from_rows,
)

DEFAULT_SCENARIO = "leshan-base"
MAX_LINES = 50  # problems shown before "… and N more"
TABLE_ROLES = ("candidates", "communities", "centres")
KIND_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
POPULATION_LAST_YEAR_MAX = 2035

FIELDS: dict[str, Field] = {f.key: f for f in SCENARIO_KEYS}
TOP_KEYS = [f.key for f in SCENARIO_KEYS if "." not in f.key]
SECTIONS: list[str] = list(dict.fromkeys(f.key.split(".")[0] for f in SCENARIO_KEYS
                                         if "." in f.key))


# -- bundled scenarios ---------------------------------------------------------------------------

@dataclass(frozen=True)
class BundledScenario:
    """A scenario shipped inside the package, addressable by name."""

    name: str
    title: str
    path: Path
    extends: str = ""


def bundled_dir() -> Path:
    """Folder of the bundled scenario files."""
    return Path(__file__).resolve().parents[1] / "data" / "scenarios"


def bundled_scenarios() -> list[BundledScenario]:
    """Every bundled scenario, sorted by name (a broken file still lists, with a blank title)."""
    out = []
    folder = bundled_dir()
    for p in sorted(folder.glob("*.toml")) if folder.is_dir() else []:
        try:
            raw = tomllib.loads(p.read_text(encoding="utf-8-sig"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError):
            raw = {}
        title = raw.get("title", "")
        extends = raw.get("extends", "")
        out.append(BundledScenario(name=p.stem, title=title if isinstance(title, str) else "",
                                   path=p, extends=extends if isinstance(extends, str) else ""))
    return sorted(out, key=lambda b: b.name)


def _bundled_path(name: str, label: str, where: str) -> Path:
    p = bundled_dir() / f"{name}.toml"
    if p.is_file():
        return p
    names = [b.name for b in bundled_scenarios()]
    listing = ", ".join(names) if names else "none are installed"
    raise InputError(Problem(label, where, repr(name),
                             "a .toml file or a bundled scenario name" + did_you_mean(name, names)
                             + f"; bundled: {listing}"))


def _looks_like_path(ref: str) -> bool:
    """A bare word is a bundled name unless a scenario file or folder of that name is here: a
    results folder called `leshan-base` in the current directory must not hide the bundled one."""
    p = Path(ref)
    return (ref.lower().endswith(".toml") or "/" in ref or "\\" in ref or ref.startswith(".")
            or p.is_file() or (p / "scenario.toml").is_file())


def resolve_scenario_path(ref: str | os.PathLike[str] | None) -> Path:
    """The TOML file a scenario reference names: a path, a folder holding scenario.toml, or a
    bundled name (None: the bundled default)."""
    if ref is None:
        return _bundled_path(DEFAULT_SCENARIO, "scenario", "")
    if isinstance(ref, str) and not _looks_like_path(ref):
        return _bundled_path(ref, "scenario", "")
    p = Path(ref)
    if p.is_dir():
        inner = p / "scenario.toml"
        if inner.is_file():
            return inner
        tomls = sorted(x.name for x in p.glob("*.toml"))
        raise InputError(Problem(display_path(p), "", "a folder without scenario.toml",
                                 "a scenario .toml file" + (
                                     f" (this folder has: {', '.join(tomls)})" if tomls else "")))
    if not p.is_file():
        raise InputError(Problem(display_path(p), "", "no such file",
                                 "a scenario .toml file or a bundled name (see "
                                 "`facility-opt scenarios`)"))
    return p


# -- TOML files and `extends` --------------------------------------------------------------------

@dataclass(frozen=True)
class _PathValue:
    """A data path with the folder of the TOML file that wrote it (paths are relative to it)."""

    text: str
    base: Path

    def resolve(self) -> Path:
        p = Path(self.text).expanduser()
        return p if p.is_absolute() else self.base / p


@dataclass
class _Settings:
    """Scenario keys flattened to dotted names, with the file each value came from."""

    values: dict[str, Any] = field(default_factory=dict)
    origin: dict[str, str] = field(default_factory=dict)
    sections: set[str] = field(default_factory=set)  # tables present, even if empty


_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")


def read_toml(path: Path, label: str) -> dict[str, Any]:
    """Parse a TOML file; syntax errors name the line and column."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise InputError(Problem(label, "", "unreadable", f"a readable file ({e.strerror})")) \
            from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise InputError(Problem(label, "", "text in an unknown encoding",
                                     "a TOML file in UTF-8")) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        msg = str(e)
        m = _TOML_POSITION.search(msg)
        where = f"line {m.group(1)}, column {m.group(2)}" if m else ""
        reason = _TOML_POSITION.sub("", msg).strip().rstrip(".")
        raise InputError(Problem(label, where, "invalid TOML",
                                 f"valid TOML syntax (the parser says: {reason})")) from None


def _load_chain(path: Path) -> list[tuple[Path, str, dict[str, Any]]]:
    """The file and its `extends` ancestors, oldest ancestor first. Cycles are errors."""
    chain: list[tuple[Path, str, dict[str, Any]]] = []
    seen: list[Path] = []
    current: Path | None = path
    while current is not None:
        real = current.resolve()
        label = display_path(current)
        if real in seen:
            loop = " → ".join(display_path(p) for p in [*seen, real])
            raise InputError(Problem(chain[-1][1], "key extends", repr(chain[-1][2]["extends"]),
                                     f"a chain of scenarios without a cycle (found {loop})"))
        seen.append(real)
        raw = read_toml(current, label)
        chain.append((current, label, raw))
        parent = raw.get("extends")
        if parent is None:
            current = None
        elif not isinstance(parent, str) or not parent.strip():
            raise InputError(Problem(label, "key extends", _show(parent),
                                     "a scenario file path or a bundled name (text)"))
        else:
            candidate = current.parent / parent
            if candidate.is_file():
                current = candidate
            elif _looks_like_path(parent):
                raise InputError(Problem(label, "key extends", repr(parent),
                                         f"an existing scenario file (looked for {candidate})"))
            else:
                current = _bundled_path(parent, label, "key extends")
    chain.reverse()
    return chain


def _merge_chain(chain: list[tuple[Path, str, dict[str, Any]]]) -> tuple[_Settings, list[Problem]]:
    """The settings of a scenario and its `extends` ancestors (oldest first), merged key by key,
    with the problems found on the way. Loading and `init --from` both read a scenario this way."""
    settings = _Settings()
    problems: list[Problem] = []
    for p, label, raw in chain:
        _flatten(raw, label, p.resolve().parent, settings, problems)
    return settings, problems


def _flatten(raw: Mapping[str, Any], label: str, base: Path | None, out: _Settings,
             problems: list[Problem]) -> None:
    """Merge one file's keys into `out` (later files override earlier ones key by key);
    unknown keys and misplaced tables become problems with a did-you-mean hint."""
    for key, value in raw.items():
        key = str(key)
        if key == "extends":
            continue
        if key in FIELDS:
            _set(out, key, value, label, base)
        elif key in SECTIONS:
            if not isinstance(value, Mapping):
                problems.append(Problem(label, f"key {key}", _show(value),
                                        f"a table [{key}] of keys"))
                continue
            out.sections.add(key)
            for sub, v in value.items():
                dotted = f"{key}.{sub}"
                if dotted in FIELDS:
                    _set(out, dotted, v, label, base)
                else:
                    problems.append(_unknown_key(label, dotted, v))
        else:
            problems.append(_unknown_key(label, key, value))


def _set(out: _Settings, key: str, value: Any, label: str, base: Path | None) -> None:
    f = FIELDS[key]
    if f.type == "path" and isinstance(value, str) and base is not None:
        value = _PathValue(value, base)
    old = out.values.get(key)
    if isinstance(old, Mapping) and isinstance(value, Mapping):
        merged = dict(old)
        merged.update({str(k): v for k, v in value.items()})
        value = merged
    out.values[key] = value
    out.origin[key] = label


def _unknown_key(label: str, key: str, value: Any) -> Problem:
    known = list(FIELDS)
    if "." not in key:
        hint = did_you_mean(key, TOP_KEYS + SECTIONS, cutoff=0.7)
        if hint and isinstance(value, Mapping) and hint.split("'")[1] in SECTIONS:
            hint = hint.replace("?)", "? tables are " + ", ".join(f"[{s}]" for s in SECTIONS)
                                + ")")
    else:
        hint = did_you_mean(key, known, cutoff=0.7)
    if not hint:
        leaf = key.split(".")[-1]
        same_leaf = [k for k in known if k.split(".")[-1] == leaf]
        if same_leaf:
            hint = f" (did you mean {same_leaf[0]!r}? it belongs in [{same_leaf[0].split('.')[0]}])"
        else:
            leaves = {k.split(".")[-1]: k for k in known}
            m = did_you_mean(leaf, list(leaves), cutoff=0.75)
            if m:
                close = m.split("'")[1]
                hint = f" (did you mean {leaves[close]!r}?)"
    where = f"key {key}"
    kind = "table" if isinstance(value, Mapping) and "." not in key else "key"
    return Problem(label, where, _show(value, 40),
                   f"a known {kind} — unknown keys are not ignored{hint}; see "
                   "docs/scenario-reference.md")


def _show(value: Any, limit: int = 60) -> str:
    """A value as the planner wrote it (TOML notation where possible), cut to `limit`."""
    if isinstance(value, _PathValue):
        value = value.text
    if isinstance(value, str):
        text = repr(value)
    elif isinstance(value, (bool, Mapping, list, tuple)):
        try:
            text = toml_value(value)
        except TypeError:
            text = str(value)
    else:
        text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


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


# -- tables --------------------------------------------------------------------------------------

def _value(values: Mapping[str, Any], key: str, default: Any = None) -> Any:
    v = values.get(key)
    return default if v is None or is_bad(v) else v


def _build_communities(table: Table, problems: list[Problem]) -> list[Community]:
    cols = check_columns(table, COMMUNITY_COLUMNS, problems)
    out = []
    for row, v in parse_rows(table, COMMUNITY_COLUMNS, problems, cols, signed=SIGNED_COLUMNS):
        t = _value(v, "type")
        if t is not None and t not in COMMUNITY_TYPES:
            problems.append(Problem(table.label, table.where(row.number, "type"), repr(t),
                                    "one of " + ", ".join(COMMUNITY_TYPES)
                                    + did_you_mean(t, COMMUNITY_TYPES)))
            t = None
        pop, eld, hh = _value(v, "population"), _value(v, "elderly"), _value(v, "households")
        if pop is not None and eld is not None and eld > pop:
            problems.append(Problem(table.label, table.where(row.number, "elderly"), f"{eld:g}",
                                    f"at most the population ({pop:g})"))
        if pop is not None and hh is not None and hh > pop:
            problems.append(Problem(table.label, table.where(row.number, "households"),
                                    f"{hh:g}", f"at most the population ({pop:g})"))
        needed = ("id", "name", "county", "households", "population", "elderly", "x_km", "y_km")
        if t is None or any(_value(v, k) is None for k in needed):
            continue
        out.append(Community(id=v["id"], name=v["name"], county=v["county"], type=t,
                             households=hh, population=pop, elderly=eld, x_km=v["x_km"],
                             y_km=v["y_km"], facility_area_m2=_value(v, "facility_area_m2", 0.0)))
    return out


def _ids(table: Table | None) -> set[str] | None:
    """Every id written in a table, valid row or not, so a bad row is reported once and not
    again as a dangling reference from another table."""
    if table is None:
        return None
    return {r.cells.get("id", "").strip() for r in table.rows} - {""}


def _build_centres(table: Table, problems: list[Problem], communities: list[Community] | None,
                   communities_label: str, last_year: int | None,
                   community_ids: set[str]) -> list[Centre]:
    cols = check_columns(table, CENTRE_COLUMNS, problems)
    by_id = {c.id: c for c in communities or []}
    out = []
    for row, v in parse_rows(table, CENTRE_COLUMNS, problems, cols, signed=SIGNED_COLUMNS):
        cid = _value(v, "community_id")
        home = by_id.get(cid) if cid is not None else None
        if cid is not None and cid not in community_ids:
            problems.append(Problem(table.label, table.where(row.number, "community_id"),
                                    repr(cid), f"an id in {communities_label}"
                                    + did_you_mean(cid, sorted(community_ids))))
        x, y = _value(v, "x_km"), _value(v, "y_km")
        if (x is None) != (y is None) and not (is_bad(v.get("x_km")) or is_bad(v.get("y_km"))):
            col = "y_km" if y is None else "x_km"
            problems.append(Problem(table.label, table.where(row.number, col), "''",
                                    "both x_km and y_km, or neither (then the community's "
                                    "position is used)"))
        opening = _value(v, "opening_year")
        if opening is not None and last_year is not None and opening > last_year:
            problems.append(Problem(table.label, table.where(row.number, "opening_year"),
                                    str(opening), f"a year no later than {last_year} (the last "
                                    "year of the horizon); blank means already open"))
        if x is None and home is not None:
            x, y = home.x_km, home.y_km
        if any(_value(v, k) is None for k in ("id", "places")) or cid is None or x is None:
            continue
        out.append(Centre(id=v["id"], community_id=cid, places=v["places"], x_km=x, y_km=y,
                          opening_year=opening))
    return out


def _build_candidates(table: Table, problems: list[Problem], years: tuple[int, ...] | None,
                      community_ids: set[str] | None, communities_label: str
                      ) -> list[Candidate]:
    if years:
        cost_years: list[int] | None = list(years)
    else:  # horizon broken (already reported): accept any cost_<year> column for now
        cost_years = sorted({int(c[5:]) for c in table.columns
                             if c.startswith("cost_") and c[5:].isdigit() and len(c) == 9})
    if len(table.rows) > MAX_CANDIDATES:  # refuse before validating every row (fast)
        raise InputError(Problem(table.label, "data rows", f"{len(table.rows):,}",
                                 f"at most {MAX_CANDIDATES:,} candidate projects: the exact MILP "
                                 "of larger tables does not stop within a time limit (split "
                                 "the scenario, e.g. by county)"))
    cols = check_columns(table, CANDIDATE_COLUMNS, problems, cost_years=cost_years)
    if table.is_empty:
        problems.append(Problem(table.label, "data rows", "0",
                                "at least one candidate project below the header"))
        return []
    parsed = parse_rows(table, CANDIDATE_COLUMNS, problems, cols, signed=SIGNED_COLUMNS)
    all_ids = {v["id"] for _, v in parsed if isinstance(v.get("id"), str)}
    out = []
    for row, v in parsed:
        where = lambda col, n=row.number: table.where(n, col)  # noqa: E731
        ok = True
        kind = _value(v, "kind")
        if kind is not None and not KIND_PATTERN.match(kind):
            problems.append(Problem(table.label, where("kind"), repr(kind),
                                    "a kind in lower case: " + ", ".join(CANDIDATE_KINDS)
                                    + " or another lower-case name"
                                    + did_you_mean(kind, CANDIDATE_KINDS)))
            ok = False
        # cost and the fixed yearly spend
        cost = _value(v, "cost")
        by_year = None
        if cols.cost_years:
            cells = {year: v.get(col) for col, year in cols.cost_years.items()}
            if any(is_bad(x) for x in cells.values()) or is_bad(v.get("cost")):
                ok = False
            elif any(x is not None for x in cells.values()):
                by_year = {y: float(x or 0.0) for y, x in sorted(cells.items())}
                total = sum(by_year.values())
                if cost is None:
                    cost = total
                elif abs(cost - total) > 1e-6 * max(1.0, abs(total)):
                    problems.append(Problem(table.label, where("cost"), f"{cost:g}",
                                            f"the sum of the cost_<year> values ({total:g}), "
                                            "or blank"))
                    ok = False
            elif cost is None:
                problems.append(Problem(table.label, where("cost"), "''",
                                        "a total cost, or cost_<year> values"))
                ok = False
        build = _value(v, "build_years", 1)
        if build < 1:
            problems.append(Problem(table.label, where("build_years"), str(build),
                                    "a whole number ≥ 1 (years of construction)"))
            ok = False
        es, ls = _value(v, "earliest_start"), _value(v, "latest_start")
        if years:
            for col, y in (("earliest_start", es), ("latest_start", ls)):
                if y is not None and y not in years:
                    problems.append(Problem(table.label, where(col), str(y),
                                            f"a funding year ({', '.join(map(str, years))})"))
                    ok = False
            if ok and es is not None and ls is not None and es > ls:
                problems.append(Problem(table.label, where("latest_start"), str(ls),
                                        f"a year no earlier than earliest_start ({es})"))
                ok = False
            if ok and by_year is None and build >= 1:
                start = es if es is not None else years[0]
                if start + build - 1 > years[-1]:
                    col = "build_years" if es is None else "earliest_start"
                    found = build if es is None else es
                    problems.append(Problem(
                        table.label, where(col), str(found),
                        f"a start window that lets the project finish by {years[-1]}: starting "
                        f"in {start} with build_years = {build} it finishes in "
                        f"{start + build - 1}"))
                    ok = False
        cid = _value(v, "community_id")
        if cid is not None and community_ids is not None and cid not in community_ids:
            problems.append(Problem(table.label, where("community_id"), repr(cid),
                                    f"an id in {communities_label}"
                                    + did_you_mean(cid, sorted(community_ids))))
            ok = False
        requires = _value(v, "requires", ())
        for r in requires:
            if r == v.get("id"):
                problems.append(Problem(table.label, where("requires"), repr(r),
                                        "ids of other projects (a project cannot require itself)"))
                ok = False
            elif r not in all_ids:
                problems.append(Problem(table.label, where("requires"), repr(r),
                                        "ids of projects in this table, ;-separated"
                                        + did_you_mean(r, sorted(all_ids))))
                ok = False
        if not ok or any(_value(v, k) is None for k in ("id", "name", "kind")) or cost is None:
            continue
        out.append(Candidate(
            id=v["id"], name=v["name"], kind=kind, cost=float(cost), cost_by_year=by_year,
            score=_value(v, "score"), county=_value(v, "county"), community_id=cid,
            area_m2=_value(v, "area_m2", 0.0), daycare_places=_value(v, "daycare_places", 0),
            build_years=build, earliest_start=es, latest_start=ls,
            must_fund=_value(v, "must_fund", False), exclusive_group=_value(v, "exclusive_group"),
            requires=tuple(requires), row=row.number))
    return out


# -- assembling a scenario -----------------------------------------------------------------------

def _raise_if(problems: list[Problem]) -> None:
    if not problems:
        return
    unique = list(dict.fromkeys(one_line(problems)))
    shown = unique[:MAX_LINES]
    text = "\n".join(str(p) for p in shown)
    if len(unique) > MAX_LINES:
        text += f"\n… and {len(unique) - MAX_LINES} more problems"
    err = InputError(text)
    err.problems = unique
    raise err


def _get(ok: Mapping[str, Any], key: str) -> Any:
    if key in ok:
        return ok[key]
    d = FIELDS[key].default
    if isinstance(d, dict):
        return dict(d)
    if isinstance(d, list):
        return tuple(d)
    return d


def _assemble(settings: _Settings, label: str, tables: dict[str, Table | None],
              table_problems: list[Problem], source: Path | None,
              input_files: dict[str, Path], require_data: bool) -> Scenario:
    """Check the settings and tables together and build the Scenario, or raise every problem."""
    problems: list[Problem] = []
    ck = _Checker(settings, label, problems)
    skip = () if require_data else ("data.candidates",)
    ok = ck.run(required_skip=skip)
    # a communities file that is named but failed to read is reported once, not again as
    # "the benefit objective needs communities"
    named = isinstance(settings.values.get("data.communities"), _PathValue)
    _cross_check(ck, has_communities=tables.get("communities") is not None or named)
    problems.extend(table_problems)
    years: tuple[int, ...] | None = ok.get("horizon.years")

    communities = None
    comm_table = tables.get("communities")
    if comm_table is not None:
        communities = _build_communities(comm_table, problems)
    comm_label = comm_table.label if comm_table is not None else "communities"
    centres = None
    centre_table = tables.get("centres")
    if centre_table is not None:
        if comm_table is None and named:
            pass  # the communities file failed: references cannot be checked yet
        elif comm_table is None:
            problems.append(Problem(ck.where("data.centres"), "key data.centres",
                                    _show(settings.values.get("data.centres", "centres")),
                                    "data.communities as well (centres stand in communities)"))
        else:
            last = max(years[-1], ok.get("population.last_year") or 0) if years else None
            centres = _build_centres(centre_table, problems, communities, comm_label, last,
                                     _ids(comm_table) or set())
    cand_table = tables.get("candidates")
    candidates: list[Candidate] = []
    if cand_table is not None:
        candidates = _build_candidates(cand_table, problems, years, _ids(comm_table), comm_label)
    min_count = ok.get("targets.min_count") or {}
    known_kinds = set(CANDIDATE_KINDS) | {c.kind for c in candidates}
    for kind, count in min_count.items():
        if kind not in known_kinds:
            problems.append(Problem(ck.where("targets.min_count"), f"key targets.min_count.{kind}",
                                    str(count), "a kind of project ("
                                    + ", ".join(sorted(known_kinds)) + ")"
                                    + did_you_mean(kind, sorted(known_kinds))))
    _raise_if(problems)
    assert years is not None

    kind = ok.get("objective.kind") or ("benefit" if communities is not None else "score")
    population = None
    if "population" in settings.sections:
        population = Population(
            urbanisation=_get(ok, "population.urbanisation"),
            total_growth_per_year=_get(ok, "population.total_growth_per_year"),
            elderly_share_drift_per_year=_get(ok, "population.elderly_share_drift_per_year"),
            growth_weights={**FIELDS["population.growth_weights"].default,
                            **ok.get("population.growth_weights", {})},
            last_year=ok.get("population.last_year"))
    return Scenario(
        name=ok["name"],
        years=years,
        budget=Budget(annual={y: ok["budget.annual"][y] for y in years},
                      unit=_get(ok, "budget.unit"), carry_over=_get(ok, "budget.carry_over")),
        candidates=tuple(candidates),
        title=_get(ok, "title"),
        description=_get(ok, "description"),
        base_year=ok.get("horizon.base_year"),
        communities=tuple(communities) if communities is not None else None,
        centres=tuple(centres) if centres is not None else None,
        objective=Objective(
            kind=kind, weight_households=_get(ok, "objective.weight_households"),
            weight_elderly=_get(ok, "objective.weight_elderly"),
            area_standard_m2_per_100_households=_get(
                ok, "objective.area_standard_m2_per_100_households"),
            tie_break=_get(ok, "objective.tie_break"),
            benefit_until=ok.get("objective.benefit_until")),
        targets=Targets(min_count=dict(min_count),
                        daycare_coverage=_get(ok, "targets.daycare_coverage"),
                        target_years=ok.get("targets.target_years"),
                        criterion=_get(ok, "targets.criterion")),
        rules=Rules(early_completion=_get(ok, "rules.early_completion"),
                    early_completion_types=tuple(_get(ok, "rules.early_completion_types")),
                    early_completion_year=_get(ok, "rules.early_completion_year"),
                    min_projects_per_county=_get(ok, "rules.min_projects_per_county"),
                    max_county_share=_get(ok, "rules.max_county_share")),
        daycare=Daycare(**{k.split(".")[1]: _get(ok, k) for k in FIELDS
                           if k.startswith("daycare.")}),
        population=population,
        simulation=Simulation(replications=_get(ok, "simulation.replications"),
                              seed=_get(ok, "simulation.seed"),
                              sampled_days=_get(ok, "simulation.sampled_days"),
                              years=ok.get("simulation.years")),
        plan=PlanLoop(max_iterations=_get(ok, "plan.max_iterations")),
        source=source,
        input_files=dict(input_files),
    )


def load_scenario(ref: str | os.PathLike[str] | None = None) -> Scenario:
    """Load and check a scenario: a .toml path, a folder with scenario.toml, or a bundled name
    (None: `leshan-base`). Raises InputError listing every problem found."""
    path = resolve_scenario_path(ref)
    chain = _load_chain(path)
    settings, problems = _merge_chain(chain)
    input_files: dict[str, Path] = {f"extends:{p.stem}": p.resolve() for p, _, _ in chain[:-1]}
    top_path, top_label, top_raw = chain[-1]
    input_files["scenario"] = top_path.resolve()
    if "name" not in top_raw:
        settings.values.pop("name", None)  # a scenario's name is its own, never inherited
    sheet = settings.values.get("data.sheet")
    sheet = sheet if isinstance(sheet, str) else None
    tables: dict[str, Table | None] = {}
    table_problems: list[Problem] = []
    for role in TABLE_ROLES:
        key = f"data.{role}"
        ref_value = settings.values.get(key)
        if not isinstance(ref_value, _PathValue) or not ref_value.text.strip():
            tables[role] = None
            continue
        file = ref_value.resolve()
        origin = settings.origin.get(key, top_label)
        if not file.is_file():
            table_problems.append(Problem(origin, f"key {key}", repr(ref_value.text),
                                          f"an existing {role} table (looked for "
                                          f"{display_path(file)})"))
            tables[role] = None
            continue
        input_files[role] = file.resolve()
        try:
            tables[role] = read_table(file, sheet=sheet)
        except InputError as e:
            table_problems.extend(e.problems or [Problem(display_path(file), "", "", str(e))])
            tables[role] = None
    problems.extend(table_problems)
    return _assemble(settings, top_label, tables, problems, top_path.resolve(), input_files,
                     require_data=True)


def scenario_from_tables(settings: Mapping[str, Any], candidates: Iterable[Mapping[str, Any]],
                         communities: Iterable[Mapping[str, Any]] | None = None,
                         centres: Iterable[Mapping[str, Any]] | None = None,
                         base_dir: str | os.PathLike[str] | None = None) -> Scenario:
    """Build a Scenario from in-memory settings (nested like the TOML file) and table rows
    (dicts column → value), with the same checks as `load_scenario`.

    `settings["data"]` may be left out; tables passed as rows win over it. A table not passed
    but named in `settings["data"]` is read from that path, relative to `base_dir` (default: the
    current folder). `extends` is not followed here.
    """
    problems: list[Problem] = []
    base = Path(base_dir) if base_dir is not None else Path.cwd()
    flat = _Settings()
    if not isinstance(settings, Mapping):
        raise InputError(Problem("settings", "", _show(settings), "a mapping of scenario keys"))
    _flatten(settings, "settings", base, flat, problems)
    tables: dict[str, Table | None] = {}
    given = {"candidates": candidates, "communities": communities, "centres": centres}
    input_files: dict[str, Path] = {}
    for role, rows in given.items():
        if rows is not None:
            try:
                tables[role] = rows if isinstance(rows, Table) else table_from_rows(role, rows)
            except InputError as e:
                problems.extend(e.problems)
                tables[role] = None
            continue
        ref_value = flat.values.get(f"data.{role}")
        tables[role] = None
        if isinstance(ref_value, _PathValue):
            file = ref_value.resolve()
            if not file.is_file():
                problems.append(Problem("settings", f"key data.{role}", repr(ref_value.text),
                                        f"an existing file (looked for {display_path(file)})"))
                continue
            input_files[role] = file.resolve()
            try:
                tables[role] = read_table(file, sheet=flat.values.get("data.sheet")
                                          if isinstance(flat.values.get("data.sheet"), str)
                                          else None)
            except InputError as e:
                problems.extend(e.problems)
    return _assemble(flat, "settings", tables, problems, None, input_files, require_data=False)


def candidate_position(scenario: Scenario, candidate: Candidate) -> tuple[float, float] | None:
    """(x_km, y_km) of a candidate for reach: its community's position, or None if unknown."""
    if candidate.community_id is None or scenario.communities is None:
        return None
    for c in scenario.communities:
        if c.id == candidate.community_id:
            return (c.x_km, c.y_km)
    return None


# -- commands: validate, scenarios, init ---------------------------------------------------------

def _money(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.2f}"


def _counts(items: Iterable[str]) -> str:
    counts: dict[str, int] = {}
    for k in items:
        counts[k] = counts.get(k, 0) + 1
    return ", ".join(f"{k} {n}" for k, n in sorted(counts.items()))


def _source_label(source: Path) -> str:
    """Where a scenario came from, as a planner would say it: "bundled" for the packaged ones
    (their install path means nothing to a reader), else the path."""
    try:
        Path(source).resolve().relative_to(bundled_dir().resolve())
        return "bundled"
    except ValueError:
        return display_path(source)


def scenario_summary(sc: Scenario) -> list[str]:
    """The short summary `facility-opt validate` prints for a valid scenario."""
    unit = sc.budget.unit
    lines = [f"ok: {sc.name}" + (f" — {sc.title}" if sc.title else "")
             + (f" ({_source_label(sc.source)})" if sc.source else "")]
    years = f"  funding years: {_span(sc.years)} ({len(sc.years)})"
    if sc.base_year is not None:
        years += f"; base year {sc.base_year}"
    lines.append(years)
    per_year = "; ".join(f"{y}: {_money(v)}" for y, v in sc.budget.annual.items())
    lines.append(f"  budget: {_money(sc.budget.total)} {unit} in total ({per_year}); "
                 f"carry-over: {'yes' if sc.budget.carry_over else 'no'}")
    cost = sum(c.cost for c in sc.candidates)
    must = sum(1 for c in sc.candidates if c.must_fund)
    lines.append(f"  candidates: {len(sc.candidates)} ({_counts(c.kind for c in sc.candidates)}),"
                 f" costing {_money(cost)} {unit} together"
                 + (f"; {must} must be funded" if must else ""))
    if sc.communities is not None:
        lines.append(f"  communities: {len(sc.communities)} "
                     f"({_counts(c.type for c in sc.communities)})")
    else:
        lines.append("  communities: none (no data.communities)")
    if sc.centres is not None:
        places = sum(c.places for c in sc.centres)
        lines.append(f"  centres: {len(sc.centres)} with {places:,} day-care places")
    else:
        lines.append("  centres: none (no data.centres)")
    lines.append(f"  objective: {sc.objective.kind}")
    return lines


# Example values for keys without a default, used by the template `init` writes.
TEMPLATE_EXAMPLES: dict[str, Any] = {
    "name": "my-scenario",
    "extends": "leshan-base",
    "horizon.base_year": 2020,
    "horizon.years": [2022, 2023, 2024, 2025],
    "budget.annual": {2022: 5000, 2023: 6000, 2024: 6000, 2025: 4000},
    "data.candidates": "candidates.csv",
    "data.communities": "communities.csv",
    "data.centres": "centres.csv",
    "data.sheet": "Sheet1",
    "objective.kind": "score",
    "objective.benefit_until": 2030,
    "targets.target_years": [2025],
    "population.last_year": 2030,
    "simulation.years": [2020, 2025],
}
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def toml_value(value: Any) -> str:
    """A Python value as TOML text (the subset the schema uses)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        import json

        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        parts = []
        for k, v in value.items():
            key = str(k) if _BARE_KEY.match(str(k)) else toml_value(str(k))
            parts.append(f"{key} = {toml_value(v)}")
        return "{ " + ", ".join(parts) + " }"
    raise TypeError(f"no TOML form for {value!r}")


def _key_comment(f: Field) -> list[str]:
    bits = [f.description]
    if f.unit:
        bits.append(f"Unit: {f.unit}.")
    allowed = ENUMERATED_KEYS.get(f.key)
    if allowed:
        bits.append("One of: " + ", ".join(allowed) + ".")
    bits.append("Required." if f.required else "Optional.")
    text = " ".join(bits)
    import textwrap

    return ["# " + line for line in textwrap.wrap(text, 96)]


def template_scenario_toml() -> str:
    """The commented scenario.toml `facility-opt init` writes: every key of the schema with its
    unit and meaning. Required keys carry example values; optional ones are commented out at
    their default (or an example), so the file validates once candidates.csv has a row."""
    out = [
        "# facility-opt scenario, written by `facility-opt init` from the scenario schema.",
        "# Lines starting with # are comments. Required keys have example values to replace;",
        "# optional keys are shown commented out at their default: delete the leading '# ' to",
        "# change one. Paths are relative to this file. Amounts are in budget.unit (default 万元).",
        "# Reference of every key: docs/scenario-reference.md. Check with:",
        "#   facility-opt validate scenario.toml",
        "",
    ]
    current = ""
    for f in SCENARIO_KEYS:
        section, _, leaf = f.key.rpartition(".")
        if section != current:
            current = section
            out.append("")
            if section == "population":
                out += ["# Without a [population] table, populations stay as given in",
                        "# communities.csv in every year. Uncomment the next line (and any key",
                        "# below) to project them year by year.",
                        f"# [{section}]"]
            else:
                out.append(f"[{section}]")
        out += _key_comment(f)
        if f.key in TEMPLATE_EXAMPLES and (f.required or f.default is None):
            value = TEMPLATE_EXAMPLES[f.key]
        else:
            value = f.default
        commented = not f.required
        if f.key == "data.communities" or f.key == "data.centres":
            out.append(f"# (fill {TEMPLATE_EXAMPLES[f.key]} first, then uncomment)")
        line = f"{leaf} = {toml_value(value)}" if value is not None else f"{leaf} ="
        out.append(("# " if commented else "") + line)
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def template_columns(role: str) -> list[str]:
    """Header of the empty CSV template of a table (`cost_<year>` columns are optional extras)."""
    from facility_opt.scenario.schema import TABLE_COLUMNS

    return [f.key for f in TABLE_COLUMNS[role] if "<" not in f.key]


def copy_scenario_files(ref: str | os.PathLike[str]) -> dict[str, str | bytes]:
    """A scenario and its tables as files for a planner to edit: one self-contained scenario.toml
    with every key set along its `extends` chain (commented from the schema) and copies of its
    tables. The copy is named `<name>-copy`, so it never overwrites the original's results."""
    path = resolve_scenario_path(ref)
    load_scenario(path)  # only a valid scenario is copied
    settings, _ = _merge_chain(_load_chain(path))
    files: dict[str, str | bytes] = {}
    values = dict(settings.values)
    for role in TABLE_ROLES:
        v = values.get(f"data.{role}")
        if isinstance(v, _PathValue):
            src = v.resolve()
            name = f"{role}{src.suffix.lower()}"
            files[name] = src.read_bytes()
            values[f"data.{role}"] = name
    values["name"] = f"{values.get('name', path.stem)}-copy"
    origin = (f"the bundled scenario {ref}" if isinstance(ref, str) and not _looks_like_path(ref)
              else path.name)
    out = [f"# Copied from {origin} by `facility-opt init --from`: every setting of the",
           "# scenario (its `extends` chain merged), with the tables beside this file.",
           "# Edit freely, then: facility-opt validate scenario.toml", ""]
    current = ""
    for f in SCENARIO_KEYS:
        if f.key not in values or f.key == "extends":
            continue
        section, _, leaf = f.key.rpartition(".")
        if section != current:
            current = section
            out += ["", f"[{section}]"]
        value = values[f.key]
        if isinstance(value, str) and "\n" in value:
            line = f'{leaf} = """\n{value.strip()}\n"""'
        else:
            line = f"{leaf} = {toml_value(value)}"
        out += _key_comment(f) + [line]
    files["scenario.toml"] = "\n".join(out).strip() + "\n"
    return files
