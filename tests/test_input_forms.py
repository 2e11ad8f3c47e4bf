"""Input tables as planners write them: lon/lat instead of km, Chinese kind names, numbers with
thousands separators — and the messages when such a cell is wrong."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pytest

from facility_opt.errors import InputError
from facility_opt.scenario import load_scenario
from facility_opt.scenario.schema import CANDIDATE_COLUMNS
from facility_opt.scenario.tables import BadCell, parse_cell

VALID = Path(__file__).resolve().parent / "bad_inputs" / "_valid"
EARTH_KM = 6371.0088  # mean Earth radius (IUGG), for the haversine check


def _copy(tmp_path: Path) -> Path:
    d = tmp_path / "sc"
    shutil.copytree(VALID, d)
    return d


def _haversine(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_KM * math.asin(math.sqrt(a))


LONLAT = {"C1": (103.7656, 29.5521), "C2": (103.8012, 29.5600), "C3": (103.6502, 29.2401)}


def _lonlat_communities(d: Path) -> None:
    (d / "communities.csv").write_text(
        "id,name,county,type,households,population,elderly,lon,lat,facility_area_m2\n"
        + "".join(f"{cid},n{cid},市中区,city,3000,7600,1500,{lon},{lat},0\n"
                  for cid, (lon, lat) in LONLAT.items()), encoding="utf-8")


def test_lon_lat_projected_to_km_distances_match_the_sphere(tmp_path: Path) -> None:
    pytest.importorskip("pyproj")
    d = _copy(tmp_path)
    _lonlat_communities(d)
    (d / "centres.csv").write_text("id,community_id,places,lon,lat\nE1,C1,40,,\n"
                                   "E2,C3,30,103.6600,29.2450\n", encoding="utf-8")
    sc = load_scenario(d / "scenario.toml")
    pos = {c.id: (c.x_km, c.y_km) for c in sc.communities}
    for a in LONLAT:
        for b in LONLAT:
            km = math.dist(pos[a], pos[b])
            # an independent great-circle distance: within 0.5 % (ellipsoid vs sphere) over ~40 km
            assert km == pytest.approx(_haversine(*LONLAT[a], *LONLAT[b]), rel=5e-3, abs=1e-9)
    e1, e2 = sc.centres
    assert (e1.x_km, e1.y_km) == pos["C1"]  # blank: the community's position
    assert math.dist((e2.x_km, e2.y_km), pos["C3"]) == pytest.approx(
        _haversine(103.66, 29.245, *LONLAT["C3"]), rel=5e-3)


def test_lon_lat_bad_cells_and_mixed_systems_are_reported(tmp_path: Path) -> None:
    d = _copy(tmp_path)
    _lonlat_communities(d)
    text = (d / "communities.csv").read_text(encoding="utf-8").replace("103.7656", "203.7656")
    (d / "communities.csv").write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_scenario(d / "scenario.toml")
    msg = str(err.value)
    assert "communities.csv" in msg and "column lon" in msg and "203.766" in msg
    assert "between -180 and 180" in msg
    assert "centres.csv" in msg and "mix two coordinate systems" in msg  # centres give x_km


def test_no_position_columns_is_one_clear_problem(tmp_path: Path) -> None:
    d = _copy(tmp_path)
    rows = (d / "communities.csv").read_text(encoding="utf-8").splitlines()
    cut = [",".join(r.split(",")[:7] + r.split(",")[9:]) for r in rows]
    (d / "communities.csv").write_text("\n".join(cut) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"column x_km.*x_km and y_km .* or lon and lat"):
        load_scenario(d / "scenario.toml")


def test_chinese_kind_names_and_thousands_separators(tmp_path: Path) -> None:
    d = _copy(tmp_path)
    text = (d / "candidates.csv").read_text(encoding="utf-8")
    text = text.replace("R1,市中区 一号 改造,renovation,300,", 'R1,市中区 一号 改造,改扩建,"1,300.50",')
    assert "改扩建" in text
    (d / "candidates.csv").write_text(text, encoding="utf-8")
    toml = (d / "scenario.toml").read_text(encoding="utf-8")
    (d / "scenario.toml").write_text(toml.replace("annual = { 2022 = 1000", "annual = { 2022 = 3000"),
                                     encoding="utf-8")
    sc = load_scenario(d / "scenario.toml")
    r1 = sc.candidate("R1")
    assert r1.kind == "renovation" and r1.cost == 1300.5


@pytest.mark.parametrize("text,value", [("1,342.50", 1342.5), ("12,000", 12000.0),
                                        ("1,234,567.8", 1234567.8), ("-1,000", None)])
def test_thousands_separators_parse(text: str, value: float | None) -> None:
    cost = next(f for f in CANDIDATE_COLUMNS if f.key == "cost")
    if value is None:  # a negative cost is still refused
        with pytest.raises(BadCell):
            parse_cell(cost, text)
    else:
        assert parse_cell(cost, text) == value


@pytest.mark.parametrize("text", ["1,34.5", "1.342,50", "13,42", "1,,342"])
def test_misplaced_separators_are_bad_input(text: str) -> None:
    cost = next(f for f in CANDIDATE_COLUMNS if f.key == "cost")
    with pytest.raises(BadCell, match="every three digits"):
        parse_cell(cost, text)


def test_unknown_chinese_kind_is_bad_input(tmp_path: Path) -> None:
    d = _copy(tmp_path)
    text = (d / "candidates.csv").read_text(encoding="utf-8")
    (d / "candidates.csv").write_text(text.replace("R1,市中区 一号 改造,renovation", "R1,x,改造"),
                                      encoding="utf-8")
    with pytest.raises(InputError, match=r"candidates.csv.*row 1.*kind.*'改造'"):
        load_scenario(d / "scenario.toml")
