"""Tables into model types: communities, centres and candidates rows checked and built, every
problem collected with its file, row and column.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from facility_opt.errors import InputError, Problem
from facility_opt.model.types import (
    Candidate,
    Centre,
    Community,
)
from facility_opt.scenario.cells import check_columns, is_bad, parse_rows
from facility_opt.scenario.checks import KIND_PATTERN
from facility_opt.scenario.geo import LAT_RANGE, LON_RANGE, Projection
from facility_opt.scenario.schema import (
    CANDIDATE_COLUMNS,
    CANDIDATE_KINDS,
    CENTRE_COLUMNS,
    COMMUNITY_COLUMNS,
    COMMUNITY_TYPES,
    KIND_ALIASES,
    MAX_CANDIDATES,
    SIGNED_COLUMNS,
    TRAVEL_COLUMNS,
)
from facility_opt.scenario.tables import Table, did_you_mean

# -- tables --------------------------------------------------------------------------------------

ANNEX_TEXT_COLUMNS = ("description", "justification", "performance_target", "funding_source")


def _value(values: Mapping[str, Any], key: str, default: Any = None) -> Any:
    v = values.get(key)
    return default if v is None or is_bad(v) else v


def _positions(table: Table, problems: list[Problem], parsed: list, projection: Projection | None,
               *, required: bool) -> Projection | None:
    """Fill x_km, y_km of each parsed row from lon, lat when the table gives no x_km, y_km
    columns (projected with `projection`, or one centred on these rows). Returns the projection
    used (None when positions are planar)."""
    cols = set(table.columns)
    if {"x_km", "y_km"} <= cols:
        for row, v in parsed if required else ():
            for col in ("x_km", "y_km"):
                if v.get(col) is None:
                    problems.append(Problem(table.label, table.where(row.number, col), "''",
                                            "a value (planar position in km)"))
        return None
    if not {"lon", "lat"} <= cols:
        if required:
            col = "y_km" if "x_km" in cols else "x_km"
            problems.append(Problem(table.label, f"column {col}", "missing",
                                    "columns x_km and y_km (km, planar) or lon and lat "
                                    "(WGS 84 degrees)"))
        return projection
    for row, v in parsed:
        for col, (lo, hi) in (("lon", LON_RANGE), ("lat", LAT_RANGE)):
            val = _value(v, col)
            if val is not None and not lo <= val <= hi:
                problems.append(Problem(table.label, table.where(row.number, col), f"{val:g}",
                                        f"degrees between {lo:g} and {hi:g} (WGS 84)"))
                v[col] = None
    points = [(v["lon"], v["lat"]) for _, v in parsed
              if _value(v, "lon") is not None and _value(v, "lat") is not None]
    if not points:
        return projection
    projection = projection or Projection.centred_on(points)
    for row, v in parsed:
        lon, lat = _value(v, "lon"), _value(v, "lat")
        if lon is not None and lat is not None:
            v["x_km"], v["y_km"] = projection.to_km(lon, lat)
        elif required:
            col = "lat" if lon is not None else "lon"
            problems.append(Problem(table.label, table.where(row.number, col), "''",
                                    "a position: both lon and lat (WGS 84 degrees)"))
    return projection


def _build_communities(table: Table, problems: list[Problem],
                       geo: dict[str, Projection | None] | None = None) -> list[Community]:
    """Communities of a table; `geo["projection"]` receives the lon/lat projection, if any, so
    centres.csv is projected onto the same plane."""
    cols = check_columns(table, COMMUNITY_COLUMNS, problems)
    out = []
    parsed = parse_rows(table, COMMUNITY_COLUMNS, problems, cols, signed=SIGNED_COLUMNS)
    projection = _positions(table, problems, parsed, None, required=True)
    if geo is not None:
        geo["projection"] = projection
    for row, v in parsed:
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
                   community_ids: set[str], projection: Projection | None = None) -> list[Centre]:
    cols = check_columns(table, CENTRE_COLUMNS, problems)
    by_id = {c.id: c for c in communities or []}
    out = []
    parsed = parse_rows(table, CENTRE_COLUMNS, problems, cols, signed=SIGNED_COLUMNS)
    if projection is not None and {"x_km", "y_km"} & set(table.columns):
        problems.append(Problem(table.label, "column x_km", "x_km, y_km",
                                "lon, lat (communities.csv gives lon, lat, so planar x_km, y_km "
                                "would mix two coordinate systems), or no position columns"))
        parsed = [(row, {**v, "x_km": None, "y_km": None}) for row, v in parsed]
    elif projection is not None or {"lon", "lat"} <= set(table.columns):
        if projection is None:
            problems.append(Problem(table.label, "column lon", "lon, lat",
                                    "x_km, y_km (communities.csv gives planar x_km, y_km), or no "
                                    "position columns"))
        else:
            _positions(table, problems, parsed, projection, required=False)
    for row, v in parsed:
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
        kind = KIND_ALIASES.get(kind, kind) if isinstance(kind, str) else kind
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
            requires=tuple(requires), row=row.number,
            **{k: _value(v, k) for k in ANNEX_TEXT_COLUMNS}))
    return out


def _build_travel(table: Table, problems: list[Problem], community_ids: set[str] | None,
                  communities_label: str, site_ids: set[str]) -> dict[tuple[str, str], float]:
    """The travel table: (community id, site id) → travel (≥ 0), each pair once; ids must name a
    community and a centre or candidate."""
    cols = check_columns(table, TRAVEL_COLUMNS, problems)
    out: dict[tuple[str, str], float] = {}
    first: dict[tuple[str, str], int] = {}
    for row, v in parse_rows(table, TRAVEL_COLUMNS, problems, cols, id_column=None):
        cid, sid, t = _value(v, "community_id"), _value(v, "site_id"), _value(v, "travel")
        bad = False
        if cid is not None and community_ids is not None and cid not in community_ids:
            problems.append(Problem(table.label, table.where(row.number, "community_id"),
                                    repr(cid), f"an id in {communities_label}"
                                    + did_you_mean(cid, sorted(community_ids))))
            bad = True
        if sid is not None and sid not in site_ids:
            problems.append(Problem(table.label, table.where(row.number, "site_id"), repr(sid),
                                    "a centre id (centres table) or a candidate id (candidates "
                                    "table)" + did_you_mean(sid, sorted(site_ids))))
            bad = True
        if cid is None or sid is None or t is None or bad:
            continue
        if (cid, sid) in first:
            problems.append(Problem(table.label, table.where(row.number, "site_id"), repr(sid),
                                    f"each community_id, site_id pair once (first in row "
                                    f"{first[cid, sid]})"))
            continue
        first[cid, sid] = row.number
        out[cid, sid] = float(t)
    return out
