"""The one coverage judgement (model/targets.py) and the one reach function (model/geometry.py),
on scenarios small enough to check by hand."""

from __future__ import annotations

import dataclasses

from facility_opt.model.geometry import REACH_TOLERANCE, reach
from facility_opt.model.portfolio import Portfolio
from facility_opt.model.targets import covered_ids, judge, required_covered, target_years
from facility_opt.model.types import (
    Budget,
    Candidate,
    Centre,
    Community,
    Daycare,
    Scenario,
    Targets,
)


def _comm(cid: str, x: float) -> Community:
    return Community(cid, cid, "k", "city", 100, 300, 50, x, 0.0)


def _scenario(**targets) -> Scenario:
    """Communities A..E on a line 0.6 km apart; centre K at A (opens 2024), candidates P at C
    (2 build years) and Q at E (no places)."""
    comms = tuple(_comm(c, 0.6 * n) for n, c in enumerate("ABCDE"))
    cands = (Candidate("P", "P", "daycare", 10, community_id="C", daycare_places=8, build_years=2),
             Candidate("Q", "Q", "renovation", 5, community_id="E"))
    return Scenario("t", (2022, 2023, 2024, 2025), Budget({y: 10 for y in (2022, 2023, 2024, 2025)}),
                    cands, communities=comms,
                    centres=(Centre("K", "A", 5, 0.0, 0.0, opening_year=2024),),
                    targets=Targets(**targets), daycare=Daycare(reach_km=1.2))


def test_reach_by_distance_with_the_tolerance():
    r = reach(_scenario())
    assert r.communities_of("K", candidate=False) == ("A", "B", "C")  # C at exactly 1.2 km
    assert r.communities_of("P") == ("A", "B", "C", "D", "E")
    assert "Q" not in r.candidates  # no day-care places: not a site
    assert r.centres_of("B") == ("K",) and r.candidates_of("E") == ("P",)
    assert abs(r.travel("C", "K", candidate=False) - 1.2) < 1e-12
    sc = _scenario()
    far = dataclasses.replace(sc, daycare=Daycare(reach_km=1.2 - 10 * REACH_TOLERANCE))
    assert reach(far).communities_of("K", candidate=False) == ("A", "B")


def test_reach_by_travel_table_ignores_positions():
    sc = dataclasses.replace(_scenario(), travel={("E", "K"): 9.0, ("A", "K"): 16.0,
                                                  ("B", "P"): 15.0, ("Z", "P"): 1.0},
                             daycare=Daycare(reach_km=1.2, reach_travel=15, travel_unit="min"))
    r = reach(sc)
    assert r.communities_of("K", candidate=False) == ("E",)
    assert r.communities_of("P") == ("B",)  # unknown community Z ignored, unlisted pairs out
    assert r.unit == "min"


def test_covered_ids_by_year_and_basis():
    sc = _scenario()
    pf = Portfolio({"P": 2022})  # completes 2023, in service from 2024
    assert covered_ids(sc, None, 2023) == set()
    assert covered_ids(sc, None, 2024) == {"A", "B", "C"}
    assert covered_ids(sc, pf, 2023) == set()
    assert covered_ids(sc, pf, 2024) == set("ABCDE")
    own = _scenario(coverage_basis="own")
    assert covered_ids(own, pf, 2024) == {"A", "C"}
    assert covered_ids(own, pf, 2023) == set()


def test_required_covered_rounds_up():
    assert required_covered(_scenario(daycare_coverage=0.9)) == 5  # 4.5 → 5
    assert required_covered(_scenario(daycare_coverage=0.8)) == 4  # exactly 4
    assert required_covered(_scenario(daycare_coverage=0.0)) == 0


def test_judge_records_and_effective_coverage():
    sc = _scenario(daycare_coverage=0.6, target_years=(2024, 2025))
    assert target_years(sc) == (2024, 2025)
    v = judge(sc, Portfolio())
    assert v[2024].record() == {"covered": 3, "communities": 5, "share": 0.6, "basis": "reach",
                                "effective_covered": None, "target": 0.6, "met": True}
    eff = _scenario(daycare_coverage=0.6, max_turned_away=0.05)
    v = judge(eff, Portfolio(), effective_ids={2025: {"A", "B", "E"}})
    assert (v[2025].covered, v[2025].effective_covered, v[2025].met) == (3, 2, False)
    v = judge(dataclasses.replace(eff, targets=Targets(daycare_coverage=0.6)), Portfolio(),
              effective_ids={2025: {"A", "B"}})
    assert v[2025].met is True  # limit off: judged on plain coverage
    none = dataclasses.replace(sc, communities=())
    assert judge(none, Portfolio())[2025].met is None
