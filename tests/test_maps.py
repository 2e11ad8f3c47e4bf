"""Maps: every mark is what the results folder's CSVs say. The folder here is written by hand, so
each community's status, each centre and each funded project is known in advance."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from facility_opt.cli.app import app
from facility_opt.report import maps

SITES = """site,id,name,county,community_id,kind,x_km,y_km,places,serves_from
community,A1,甲一,甲县,A1,city,0,0,,
community,A2,甲二,甲县,A2,town,0.9,0,,
community,A3,甲三,甲县,A3,town,5,5,,
community,B1,乙一,乙县,B1,town,20,0,,
community,B2,乙二,乙县,B2,fringe,22,0,,
centre,D1,,甲县,A1,daycare,0,0,20,
centre,D2,,乙县,B1,daycare,20,0,10,2026
candidate,P1,乙二站,乙县,B2,daycare,22,0,30,2024
candidate,P2,甲三综合体,甲县,A3,complex,5,5,0,
candidate,P3,乙一改造,乙县,B1,renovation,20,0,15,
"""
SELECTION = """id,name,kind,selected,start_year,cost
P1,乙二站,daycare,1,2023,100
P2,甲三综合体,complex,1,2022,900
P3,乙一改造,renovation,0,,80
"""
LOAD = """community_id,year,within_reach,requests,served,turned_away{extra}
A1,2025,1,10,10,0{a1}
A2,2025,1,5,4,1{a2}
A3,2025,0,3,0,3{a3}
B1,2025,0,4,0,4{b1}
B2,2025,1,6,6,0{b2}
A1,2022,0,10,0,10{a1}
"""
SETTINGS = {"name": "toy", "title": "玩具 Toy", "years": [2022, 2023, 2024, 2025],
            "daycare": {"reach_km": 1.0}, "targets": {"daycare_coverage": 0.9}}


def _folder(tmp_path: Path, *, load: str | None = None, effective: bool = False,
            settings: dict | None = None) -> Path:
    d = tmp_path / "res"
    d.mkdir(exist_ok=True)
    (d / "sites.csv").write_text(SITES, encoding="utf-8")
    (d / "selection.csv").write_text(SELECTION, encoding="utf-8")
    (d / "scenario.json").write_text(json.dumps(settings or SETTINGS), encoding="utf-8")
    if load is not None:
        cells = {"a1": ",1", "a2": ",0", "a3": ",0", "b1": ",0", "b2": ",1"} if effective else \
            dict.fromkeys(("a1", "a2", "a3", "b1", "b2"), "")
        extra = ",turned_away_share,effectively_covered" if effective else ""
        if effective:
            cells = {k: ",0.01" + v for k, v in cells.items()}
        (d / "community_load.csv").write_text(load.format(extra=extra, **cells), encoding="utf-8")
    return d


def _status(data: maps.MapData) -> dict[str, str]:
    return {c.id: c.status for c in data.communities}


def test_status_from_community_load(tmp_path: Path) -> None:
    data = maps.map_data(_folder(tmp_path, load=LOAD))
    assert data.year == 2025  # the last funding year (no target_years)
    assert _status(data) == {"A1": "covered", "A2": "covered", "A3": "uncovered",
                             "B1": "uncovered", "B2": "covered"}
    assert not data.effective_known
    assert data.count("covered") == 3 and len(data.communities) == 5


def test_effective_status_when_the_column_exists(tmp_path: Path) -> None:
    data = maps.map_data(_folder(tmp_path, load=LOAD, effective=True))
    assert data.effective_known
    assert _status(data) == {"A1": "effective", "A2": "covered", "A3": "uncovered",
                             "B1": "uncovered", "B2": "effective"}


def test_status_recomputed_by_distance_without_simulation(tmp_path: Path) -> None:
    """No community_load.csv: a community is covered when a serving site lies within reach_km.
    In 2025: D1 (at A1) serves A1 and A2 (0.9 km); D2 opens only in 2026; P1 (at B2) serves from
    2024; P2 adds no places; P3 is not funded."""
    data = maps.map_data(_folder(tmp_path))
    expected = {}
    sites = [(0.0, 0.0), (22.0, 0.0)]
    for cid, x, y in (("A1", 0, 0), ("A2", 0.9, 0), ("A3", 5, 5), ("B1", 20, 0), ("B2", 22, 0)):
        hit = any(math.hypot(x - a, y - b) <= 1.0 for a, b in sites)
        expected[cid] = "covered" if hit else "uncovered"
    assert _status(data) == expected
    assert [c.id for c in data.centres] == ["D1"]  # D2 opens after the map's year
    early = maps.map_data(_folder(tmp_path), year=2023)  # P1 serves from 2024
    assert _status(early)["B2"] == "uncovered"


def test_unknown_under_a_travel_table_without_simulation(tmp_path: Path) -> None:
    settings = {**SETTINGS, "daycare": {"reach_km": 1.0, "reach_travel": 15}}
    data = maps.map_data(_folder(tmp_path, settings=settings))
    assert set(_status(data).values()) == {"unknown"}
    assert data.reach_km is None


def test_projects_and_centres_match_the_csvs(tmp_path: Path) -> None:
    data = maps.map_data(_folder(tmp_path, load=LOAD))
    proj = {p.id: p for p in data.projects}
    assert proj["P1"].funded and proj["P1"].start_year == 2023 and proj["P1"].places == 30
    assert proj["P2"].funded and proj["P2"].start_year == 2022
    assert not proj["P3"].funded and proj["P3"].start_year is None
    assert {(c.id, c.places) for c in data.centres} == {("D1", 20)}
    assert [n for n, _, _ in data.county_labels] == ["甲县", "乙县"]
    name, x, y = data.county_labels[0]
    assert (x, y) == pytest.approx(((0 + 0.9 + 5) / 3, 5 / 3))


def test_county_map_keeps_only_that_county(tmp_path: Path) -> None:
    data = maps.map_data(_folder(tmp_path, load=LOAD), "乙县")
    assert {c.id for c in data.communities} == {"B1", "B2"}
    assert {p.id for p in data.projects} == {"P1", "P3"}
    assert data.centres == []  # D2 opens in 2026


def test_maps_draw_png_and_svg(tmp_path: Path) -> None:
    paths = maps.write_maps(_folder(tmp_path, load=LOAD), tmp_path / "out", lang="en")
    names = sorted(p.name for p in paths)
    assert names == sorted(["map_city.png", "map_city.svg", "map_甲县.png", "map_甲县.svg",
                            "map_乙县.png", "map_乙县.svg"])
    for p in paths:
        assert p.stat().st_size > 1000
    assert paths[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_map_command_and_bad_county(tmp_path: Path) -> None:
    folder = _folder(tmp_path, load=LOAD)
    runner = CliRunner()
    res = runner.invoke(app, ["map", str(folder), "-o", str(tmp_path / "m"), "--county", "甲县"])
    assert res.exit_code == 0, res.output
    assert "甲县, 2025: 2 of 3 communities covered; 1 funded project on the map" in res.stdout
    assert (tmp_path / "m" / "map_甲县.png").is_file()
    assert not (tmp_path / "m" / "map_city.png").exists()
    bad = runner.invoke(app, ["map", str(folder), "--county", "丙县"])
    assert bad.exit_code == 2
    assert "丙县" in bad.stderr and "甲县, 乙县" in bad.stderr
    missing = runner.invoke(app, ["map", str(tmp_path)])
    assert missing.exit_code == 2 and "sites.csv" in missing.stderr
    manifest = json.loads((tmp_path / "m" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["command"] == "map" and manifest["county"] == "甲县"
    assert set(manifest["inputs"]) == {"sites.csv", "selection.csv", "community_load.csv",
                                       "scenario.json"}
    assert set(manifest["files"]) == {"map_甲县.png", "map_甲县.svg"}
    into_results = runner.invoke(app, ["map", str(folder), "-o", str(folder)])
    assert into_results.exit_code == 2 and "other than RESULTS_DIR" in into_results.stderr
    (tmp_path / "solved").mkdir()
    (tmp_path / "solved" / "manifest.json").write_text('{"command": "solve"}', encoding="utf-8")
    foreign = runner.invoke(app, ["map", str(folder), "-o", str(tmp_path / "solved")])
    assert foreign.exit_code == 2 and "manifest.json of solve" in foreign.stderr


@pytest.mark.parametrize("setting", ["/nowhere/font.ttf", "none"])
def test_without_a_font_one_warning_and_no_glyph_noise(tmp_path: Path, setting: str) -> None:
    """Every map of a folder with Chinese names, drawn with no CJK font: English labels, one
    `warning:` line naming why and how to install one, no matplotlib glyph warnings."""
    import os
    import subprocess
    import sys

    folder = _folder(tmp_path, load=LOAD)
    env = {**os.environ, "FACILITY_OPT_CJK_FONT": setting}
    res = subprocess.run([sys.executable, "-m", "facility_opt.cli", "map", str(folder)],
                         capture_output=True, text=True, env=env, timeout=300)
    assert res.returncode == 0, res.stderr
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith("warning: no CJK font found") and "English labels" in lines[0]
    assert "apt-get install fonts-wqy-microhei" in lines[0]
    if setting != "none":
        assert setting in lines[0]
    assert "Glyph" not in res.stderr
    svg = (folder / "maps" / "map_city.svg").read_text(encoding="utf-8")  # the default folder
    assert "communities covered" in res.stdout and svg.count("<svg") == 1


def test_solve_under_a_travel_table_writes_the_links_the_map_draws(tmp_path: Path) -> None:
    """With a travel table there are no circles to draw: solve writes reach.csv (every pair
    within reach_travel, from the table) and the map draws those links."""
    from typer.testing import CliRunner

    from facility_opt.cli import app

    (tmp_path / "communities.csv").write_text(
        "id,name,county,type,households,population,elderly,x_km,y_km\n"
        "A,A,甲县,city,100,300,30,0,0\nB,B,甲县,city,100,300,30,2,0\nC,C,甲县,city,100,300,30,4,0\n",
        encoding="utf-8")
    (tmp_path / "candidates.csv").write_text(
        "id,name,kind,cost,community_id,daycare_places\nP1,P1,daycare,10,B,10\nP2,P2,daycare,10,C,10\n",
        encoding="utf-8")
    (tmp_path / "centres.csv").write_text("id,community_id,places\nD1,A,10\n", encoding="utf-8")
    travel = [("A", "D1", 3), ("B", "D1", 20), ("B", "P1", 2), ("C", "P1", 12), ("C", "P2", 4),
              ("A", "P2", 30)]
    (tmp_path / "travel.csv").write_text(
        "community_id,site_id,travel\n" + "".join(f"{a},{b},{t}\n" for a, b, t in travel),
        encoding="utf-8")
    (tmp_path / "t.toml").write_text(
        'name = "t"\n[horizon]\nyears = [2022, 2023]\n[budget]\nannual = { 2022 = 20, 2023 = 0 }\n'
        '[data]\ncandidates = "candidates.csv"\ncommunities = "communities.csv"\n'
        'centres = "centres.csv"\ntravel = "travel.csv"\n[objective]\nkind = "coverage"\n'
        '[targets]\ndaycare_coverage = 0\n[daycare]\nreach_travel = 10\ntravel_unit = "min"\n',
        encoding="utf-8")
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["solve", str(tmp_path / "t.toml"), "-o", str(out),
                                   "--no-explain"])
    assert res.exit_code == 0, res.output
    with open(out / "reach.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    within = {(a, b) for a, b, t in travel if t <= 10}
    assert {(r["community_id"], r["site_id"]) for r in rows} == within
    assert all(r["travel_unit"] == "min" for r in rows)
    data = maps.map_data(out)
    assert set(data.links) == within and data.reach_km is None
