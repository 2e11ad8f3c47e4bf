"""Where everything stands: the positions a map needs, written as `sites.csv` in each results
folder so `facility-opt map` draws a results folder without re-reading the scenario's tables.

One row per community, existing centre and candidate project; positions in km (projected from
lon/lat when communities.csv gave them, `facility_opt.scenario.geo`). Candidates stand at their
community; a funded one records the first year it serves (the year after completion).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from facility_opt.model.portfolio import Portfolio
from facility_opt.model.types import Scenario

SITE_COLUMNS = ("site", "id", "name", "county", "community_id", "kind", "x_km", "y_km", "places",
                "serves_from")


def site_rows(scenario: Scenario, starts: Mapping[str, int] | None = None) -> list[dict[str, Any]]:
    """Rows of sites.csv. `starts`: the chosen start year of each funded project (its
    `serves_from` is then the year after completion; blank for projects not funded)."""
    comms = {c.id: c for c in scenario.communities or ()}
    rows: list[dict[str, Any]] = []
    for c in scenario.communities or ():
        rows.append({"site": "community", "id": c.id, "name": c.name, "county": c.county,
                     "community_id": c.id, "kind": c.type, "x_km": round(c.x_km, 4),
                     "y_km": round(c.y_km, 4), "places": "", "serves_from": ""})
    for c in scenario.centres or ():
        home = comms.get(c.community_id)
        rows.append({"site": "centre", "id": c.id, "name": "", "county": home.county if home else "",
                     "community_id": c.community_id, "kind": "daycare", "x_km": round(c.x_km, 4),
                     "y_km": round(c.y_km, 4), "places": int(c.places),
                     "serves_from": c.opening_year if c.opening_year is not None else ""})
    starts = starts or {}
    for cand in scenario.candidates:
        home = comms.get(cand.community_id or "")
        serves = ""
        if cand.id in starts and cand.daycare_places > 0:
            serves = Portfolio.completion_year(cand, int(starts[cand.id])) + 1
        rows.append({"site": "candidate", "id": cand.id, "name": cand.name,
                     "county": cand.county or (home.county if home else ""),
                     "community_id": cand.community_id or "", "kind": cand.kind,
                     "x_km": round(home.x_km, 4) if home else "",
                     "y_km": round(home.y_km, 4) if home else "",
                     "places": int(cand.daycare_places), "serves_from": serves})
    return rows
