"""What a map shows, read from a results folder (`facility_opt.report.maps` draws it): the
`MapData` record — exactly what is drawn, so a test can hold it against the CSVs. Which file
each mark comes from: the docstring of `facility_opt.report.maps`."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from facility_opt.errors import InputError
from facility_opt.report.plots import read_csv_rows, to_float
from facility_opt.scenario.tables import did_you_mean

REACH_TOLERANCE_KM = 1e-9


@dataclass(frozen=True)
class MapCommunity:
    id: str
    name: str
    county: str
    x_km: float
    y_km: float
    status: str  # effective | covered | uncovered | unknown


@dataclass(frozen=True)
class MapSite:
    """An existing centre or a candidate project."""

    id: str
    name: str
    county: str
    x_km: float
    y_km: float
    places: int
    funded: bool  # existing centres: True
    start_year: int | None  # funded projects
    serves: bool  # serves in the map's year (draws its reach)


@dataclass(frozen=True)
class MapData:
    title: str
    year: int
    county: str | None  # None: the whole city
    communities: list[MapCommunity]
    centres: list[MapSite]  # existing centres open in the year
    projects: list[MapSite]  # every candidate with a position
    reach_km: float | None  # None when a travel table decides reach
    links: list[tuple[str, str]]  # (community id, site id) when a travel table decides reach
    county_labels: list[tuple[str, float, float]]  # name, centroid x, y (km)
    effective_known: bool
    max_turned_away: float | None
    name: str = ""  # the scenario's name (the title's fallback)
    county_tag: str = "county"  # "county k": the county as the city map numbers it (no CJK font)

    def count(self, *statuses: str) -> int:
        return sum(1 for c in self.communities if c.status in statuses)


def _need(path: Path, what: str) -> list[dict[str, str]]:
    if not path.is_file():
        raise InputError.one(str(path.parent), "", f"a folder without {path.name}",
                             f"a results folder of facility-opt solve, simulate or plan ({what})")
    return read_csv_rows(path)


def _true(text: Any) -> bool:
    return str(text).strip().lower() in ("1", "1.0", "true", "yes")


def _year_of(settings: dict[str, Any], sites: list[dict[str, str]]) -> int:
    tyears = (settings.get("targets") or {}).get("target_years")
    if tyears:
        return int(max(tyears))
    years = settings.get("years") or []
    if years:
        return int(max(years))
    raise InputError.one("scenario.json", "years", "missing", "the funding years")


def counties(results_dir: Path) -> list[str]:
    """The counties on the map of a results folder, in order of first appearance."""
    rows = _need(Path(results_dir) / "sites.csv", "sites.csv holds the positions")
    return list(dict.fromkeys(r["county"] for r in rows if r["site"] == "community" and r["county"]))


def map_data(results_dir: Path, county: str | None = None, year: int | None = None) -> MapData:
    """What the map of `results_dir` shows (the city, or one county), in the target year."""
    folder = Path(results_dir)
    sites = _need(folder / "sites.csv", "sites.csv holds the positions")
    selection = {r["id"]: r for r in _need(folder / "selection.csv", "selection.csv")}
    settings_path = folder / "scenario.json"
    settings = json.loads(settings_path.read_text(encoding="utf-8")) if settings_path.is_file() else {}
    year = year if year is not None else _year_of(settings, sites)
    daycare = settings.get("daycare") or {}
    targets = settings.get("targets") or {}
    travel = daycare.get("reach_travel") is not None
    reach_km = None if travel else float(daycare.get("reach_km", 1.0))
    basis = str(targets.get("coverage_basis") or "reach")
    mta = to_float(targets.get("max_turned_away"))

    comms = [r for r in sites if r["site"] == "community"]
    centres, projects = [], []
    for r in sites:
        if r["site"] == "centre":
            opens = to_float(r["serves_from"])
            if opens is None or opens <= year:
                centres.append(MapSite(r["id"], r["name"], r["county"], float(r["x_km"]),
                                       float(r["y_km"]), int(float(r["places"] or 0)), True, None,
                                       True))
        elif r["site"] == "candidate" and r["x_km"] != "":
            sel = selection.get(r["id"], {})
            funded = _true(sel.get("selected", "0"))
            start = to_float(sel.get("start_year")) if funded else None
            serves_from = to_float(r["serves_from"])
            projects.append(MapSite(r["id"], r["name"], r["county"], float(r["x_km"]),
                                    float(r["y_km"]), int(float(r["places"] or 0)), funded,
                                    int(start) if start is not None else None,
                                    funded and serves_from is not None and serves_from <= year))
    status = _statuses(folder, comms, centres + [p for p in projects if p.serves], year,
                       reach_km, basis, {r["id"]: r["community_id"] for r in sites})
    effective_known = any(s in ("effective",) for s in status.values()) or \
        _has_effective(folder / "community_load.csv")
    links: list[tuple[str, str]] = []
    if travel and (folder / "reach.csv").is_file():
        links = [(r["community_id"], r["site_id"]) for r in read_csv_rows(folder / "reach.csv")]
    all_comms = [MapCommunity(r["id"], r["name"], r["county"], float(r["x_km"]), float(r["y_km"]),
                              status[r["id"]]) for r in comms]
    labels = []
    for name in dict.fromkeys(c.county for c in all_comms):
        members = [c for c in all_comms if c.county == name]
        labels.append((name, sum(c.x_km for c in members) / len(members),
                       sum(c.y_km for c in members) / len(members)))
    known_counties = [n for n, _, _ in labels]
    if county is not None:
        known = known_counties
        if county not in known:
            raise InputError.one("command line", "--county", county, "one of " + ", ".join(known)
                                 + did_you_mean(county, known))
        all_comms = [c for c in all_comms if c.county == county]
        ids = {c.id for c in all_comms}
        centres = [s for s in centres if s.county == county]
        projects = [s for s in projects if s.county == county]
        links = [(c, s) for c, s in links if c in ids]
        labels = [x for x in labels if x[0] == county]
    title = str(settings.get("title") or "")
    name = str(settings.get("name") or folder.name)
    tag = f"county {known_counties.index(county) + 1}" if county else "city"
    return MapData(title, year, county, all_comms, centres, projects, reach_km, links, labels,
                   effective_known, mta, name, tag)


def _has_effective(path: Path) -> bool:
    if not path.is_file():
        return False
    with open(path, encoding="utf-8") as f:
        return "effectively_covered" in f.readline().split(",")


def _statuses(folder: Path, comms: list[dict[str, str]], serving: list[MapSite], year: int,
              reach_km: float | None, basis: str, home: dict[str, str]) -> dict[str, str]:
    """Coverage of each community in `year`: the simulation's verdict when it ran, else the
    distance rule recomputed from the positions (unknown under a travel table)."""
    load = folder / "community_load.csv"
    rows = [r for r in read_csv_rows(load) if int(float(r["year"])) == year] if load.is_file() else []
    if rows:
        out = {c["id"]: "unknown" for c in comms}
        for r in rows:
            if not _true(r.get("within_reach")):
                out[r["community_id"]] = "uncovered"
            elif "effectively_covered" in r and r["effectively_covered"] != "":
                out[r["community_id"]] = "effective" if _true(r["effectively_covered"]) else "covered"
            else:
                out[r["community_id"]] = "covered"
        return out
    out = {}
    for c in comms:
        if basis == "own":
            hit = any(home.get(s.id) == c["id"] for s in serving)
        elif reach_km is None:
            out[c["id"]] = "unknown"
            continue
        else:
            x, y = float(c["x_km"]), float(c["y_km"])
            hit = any(math.hypot(s.x_km - x, s.y_km - y) <= reach_km + REACH_TOLERANCE_KM
                      for s in serving)
        out[c["id"]] = "covered" if hit else "uncovered"
    return out
