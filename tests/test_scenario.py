"""Scenario loading: extends and key-by-key merge, relative data paths, bundled names, the
in-memory constructor, and the `init` template (generated from the schema)."""

from __future__ import annotations

import csv
import re
import tomllib
from pathlib import Path

import pytest

from facility_opt.errors import InputError
from facility_opt.scenario import (
    MAX_LINES,
    bundled_dir,
    bundled_scenarios,
    candidate_position,
    load_scenario,
    scenario_from_tables,
    template_scenario_toml,
)
from facility_opt.scenario.schema import SCENARIO_KEYS

VALID = Path(__file__).resolve().parent / "bad_inputs" / "_valid"


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_valid_fixture_loads_with_known_values() -> None:
    sc = load_scenario(VALID / "scenario.toml")
    assert sc.name == "mini" and sc.years == (2022, 2023, 2024, 2025) and sc.base_year == 2020
    assert sc.budget.annual == {2022: 1000, 2023: 1200, 2024: 1200, 2025: 800}
    assert sc.budget.total == 4200 and sc.budget.unit == "万元"
    r2 = sc.candidate("R2")  # cost left blank: the sum of its cost_<year> cells
    assert r2.cost == 300 and r2.cost_by_year == {2022: 100.0, 2023: 200.0} and r2.fixed_timing
    r1 = sc.candidate("R1")
    assert r1.name == "市中区 一号 改造" and r1.cost_by_year is None and r1.row == 1
    assert (r1.earliest_start, r1.latest_start, r1.daycare_places) == (2022, 2024, 20)
    x1 = sc.candidate("X1")
    assert x1.must_fund and x1.exclusive_group == "g1" and x1.requires == ("R1",)
    assert sc.candidate("D1").requires == ("R1", "R2")
    assert sc.candidate("X2").earliest_start is None  # blank: the default window
    e1, e2 = sc.centres
    assert (e1.x_km, e1.y_km) == (0.0, 0.0)  # no position given: its community's
    assert (e2.x_km, e2.y_km, e2.opening_year) == (-11.5, 4.0, 2023)
    assert candidate_position(sc, sc.candidate("X1")) == (-12.0, 4.5)
    assert sc.objective.kind == "benefit" and sc.targets.min_count == {"complex": 1}
    assert sc.daycare.reach_km == 1.5 and sc.daycare.opening_hours == 8.5  # default kept
    assert sc.population is not None and sc.population.last_year == 2030
    assert set(sc.input_files) == {"scenario", "candidates", "communities", "centres"}
    assert sc.input_files["candidates"] == (VALID / "candidates.csv").resolve()


def test_extends_merges_key_by_key_and_keeps_parent_paths(tmp_path: Path) -> None:
    """Three files in three folders: inline tables merge entry by entry, lists replace, the
    inherited data path stays relative to the file that wrote it, names are never inherited."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "cands.csv").write_text(
        "id,name,kind,cost\nP1,One,renovation,10\nP2,Two,complex,20\n", encoding="utf-8")
    (tmp_path / "a" / "base.toml").write_text(
        'name = "base"\ntitle = "Base"\n[horizon]\nyears = [2022, 2023]\n'
        '[budget]\nannual = { 2022 = 5, 2023 = 6 }\n[data]\ncandidates = "cands.csv"\n'
        "[daycare]\nreach_km = 2.0\nopening_hours = 9.0\n", encoding="utf-8")
    (tmp_path / "b" / "mid.toml").write_text(
        'extends = "../a/base.toml"\nname = "mid"\n[budget]\nannual = { 2023 = 60 }\n'
        "[daycare]\nreach_km = 0.5\n", encoding="utf-8")
    (tmp_path / "top.toml").write_text(
        'extends = "b/mid.toml"\nname = "top"\n[horizon]\nyears = [2022, 2023, 2024]\n'
        "[budget]\nannual = { 2024 = 7 }\n", encoding="utf-8")
    sc = load_scenario(tmp_path / "top.toml")
    assert sc.name == "top" and sc.title == "Base"
    assert sc.years == (2022, 2023, 2024)  # list replaced
    assert sc.budget.annual == {2022: 5, 2023: 60, 2024: 7}  # merged across three files
    assert sc.daycare.reach_km == 0.5 and sc.daycare.opening_hours == 9.0
    assert [c.id for c in sc.candidates] == ["P1", "P2"]
    assert sc.input_files["candidates"] == (tmp_path / "a" / "cands.csv").resolve()
    assert sc.input_files["extends:base"] == (tmp_path / "a" / "base.toml").resolve()
    assert sc.input_files["extends:mid"] == (tmp_path / "b" / "mid.toml").resolve()
    assert sc.objective.kind == "score"  # no communities: the score objective
    assert sc.population is None  # no [population] table: populations stay as given


def test_child_overrides_a_data_path_relative_to_itself(tmp_path: Path) -> None:
    (tmp_path / "cands.csv").write_text("id,name,kind,cost\nQ,Q,daycare,1\n", encoding="utf-8")
    (tmp_path / "s.toml").write_text(
        f'extends = "{(VALID / "scenario.toml").as_posix()}"\nname = "s"\n'
        '[data]\ncandidates = "cands.csv"\n[targets]\nmin_count = {}\n', encoding="utf-8")
    sc = load_scenario(str(tmp_path / "s.toml"))
    assert [c.id for c in sc.candidates] == ["Q"]
    assert len(sc.communities) == 3  # still the parent's communities.csv
    assert sc.targets.min_count == {"complex": 1}  # an empty inline table merges nothing


def test_self_extension_is_a_cycle(tmp_path: Path) -> None:
    (tmp_path / "s.toml").write_text('extends = "s.toml"\nname = "s"\n', encoding="utf-8")
    with pytest.raises(InputError, match="cycle"):
        load_scenario(tmp_path / "s.toml")


def test_folder_with_scenario_toml_and_unknown_paths(tmp_path: Path) -> None:
    assert load_scenario(VALID).name == "mini"
    with pytest.raises(InputError, match="no such file"):
        load_scenario(tmp_path / "missing.toml")
    with pytest.raises(InputError, match="without scenario.toml"):
        load_scenario(tmp_path)


def test_bundled_default_and_names() -> None:
    names = [b.name for b in bundled_scenarios()]
    if "leshan-base" not in names:
        pytest.skip("bundled Leshan data not present yet")
    assert names == sorted(names)
    sc = load_scenario()  # the contract: no argument = bundled leshan-base
    assert sc.name == "leshan-base"
    assert sc.source == bundled_dir() / "leshan-base.toml"
    kinds = sorted(c.kind for c in sc.candidates)
    assert kinds.count("renovation") == 40 and kinds.count("complex") == 10
    assert len(sc.communities) == 263 and len(sc.centres) == 357
    assert load_scenario("leshan-base") == sc
    with pytest.raises(InputError) as err:
        load_scenario("leshan-bsae")
    assert "did you mean 'leshan-base'" in str(err.value) and "bundled:" in str(err.value)


def test_extends_a_bundled_name(tmp_path: Path) -> None:
    if not (bundled_dir() / "leshan-base.toml").is_file():
        pytest.skip("bundled Leshan data not present yet")
    base = load_scenario("leshan-base")
    first = base.years[0]
    (tmp_path / "mine.toml").write_text(
        f'extends = "leshan-base"\nname = "mine"\n[budget]\nannual = {{ {first} = 1 }}\n',
        encoding="utf-8")
    sc = load_scenario(tmp_path / "mine.toml")
    assert sc.budget.annual[first] == 1
    assert {y: v for y, v in sc.budget.annual.items() if y != first} == {
        y: v for y, v in base.budget.annual.items() if y != first}
    assert sc.candidates == base.candidates  # data paths still relative to the bundled file
    assert "extends:leshan-base" in sc.input_files


def test_scenario_from_tables_matches_the_file() -> None:
    settings = tomllib.loads((VALID / "scenario.toml").read_text(encoding="utf-8"))
    del settings["data"]
    sc = scenario_from_tables(settings, _rows(VALID / "candidates.csv"),
                              _rows(VALID / "communities.csv"), _rows(VALID / "centres.csv"))
    ref = load_scenario(VALID / "scenario.toml")
    assert sc.candidates == ref.candidates and sc.communities == ref.communities
    assert sc.centres == ref.centres and sc.budget == ref.budget and sc.daycare == ref.daycare
    # numbers in notebook rows work as well as text
    rows = [{"id": "A", "name": "a", "kind": "renovation", "cost": 12.5, "must_fund": True}]
    one = scenario_from_tables({"name": "n", "horizon": {"years": [2022]},
                                "budget": {"annual": {"2022": 20}}}, rows)
    assert one.candidates[0].cost == 12.5 and one.candidates[0].must_fund


def test_scenario_from_tables_reports_every_problem() -> None:
    rows = [{"id": "A", "name": "a", "kind": "renovation", "cost": -1},
            {"id": "A", "name": "b", "kind": "complex", "cost": "x"}]
    with pytest.raises(InputError) as err:
        scenario_from_tables({"name": "n", "horizon": {"years": [2022]},
                              "budget": {"annual": {"2022": 20}, "anual": 3}}, rows)
    text = str(err.value)
    assert "settings: key budget.anual" in text and "did you mean 'budget.annual'" in text
    assert "candidates: row 1" in text and "column cost = '-1'" in text
    assert "row 2" in text and "column id = 'A'" in text and "column cost = 'x'" in text
    assert len(err.value.problems) == 4


def test_long_reports_are_capped(tmp_path: Path) -> None:
    lines = ["id,name,kind,cost"] + [f"P{i},n,renovation,-{i + 1}" for i in range(60)]
    (tmp_path / "c.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "s.toml").write_text('name = "s"\n[horizon]\nyears = [2022]\n'
                                     '[budget]\nannual = { 2022 = 5 }\n[data]\n'
                                     'candidates = "c.csv"\n', encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_scenario(tmp_path / "s.toml")
    text = str(err.value).splitlines()
    assert len(text) == MAX_LINES + 1 and text[-1] == "… and 10 more problems"
    assert len(err.value.problems) == 60


def test_template_lists_every_key_and_validates_when_uncommented(tmp_path: Path) -> None:
    text = template_scenario_toml()
    for f in SCENARIO_KEYS:
        leaf = f.key.rpartition(".")[2]
        assert re.search(rf"^(# )?{re.escape(leaf)} = ", text, re.M), f.key
    raw = tomllib.loads(text)
    assert set(raw) >= {"name", "horizon", "budget", "data"}
    # uncomment every optional key (except extends): the defaults themselves must be valid
    opened = "\n".join(ln[2:] if re.match(r"^# (\[\w+\]|\w+ = )", ln) and
                       not ln.startswith("# extends") else ln for ln in text.splitlines())
    (tmp_path / "scenario.toml").write_text(opened, encoding="utf-8")
    (tmp_path / "candidates.csv").write_text("id,name,kind,cost,community_id\n"
                                             "A,Alpha,renovation,100,C1\n", encoding="utf-8")
    (tmp_path / "communities.csv").write_text(
        "id,name,county,type,households,population,elderly,x_km,y_km\n"
        "C1,One,X,town,10,25,5,0,0\n", encoding="utf-8")
    (tmp_path / "centres.csv").write_text("id,community_id,places\n", encoding="utf-8")
    (tmp_path / "travel.csv").write_text("community_id,site_id,travel\nC1,A,5\n", encoding="utf-8")
    sc = load_scenario(tmp_path / "scenario.toml")
    assert sc.travel == {("C1", "A"): 5.0} and sc.daycare.reach_travel == 15
    assert sc.population is not None and sc.population.last_year == 2030
    assert sc.objective.kind == "score" and sc.targets.daycare_coverage == 0.90
    assert sc.rules.early_completion_types == ("relocation", "fringe")


def test_a_folder_named_like_a_bundled_scenario_does_not_hide_it(tmp_path, monkeypatch):
    """`results/leshan-base`-style folders in the working directory are not scenarios."""
    from facility_opt.scenario import load_scenario

    (tmp_path / "leshan-base").mkdir()
    (tmp_path / "leshan-base" / "summary.json").write_text("{}")
    monkeypatch.chdir(tmp_path)
    assert load_scenario("leshan-base").name == "leshan-base"


def test_init_from_copies_a_bundled_scenario_that_then_breaks_clearly(tmp_path, monkeypatch):
    """A planner copies a bundled scenario, gets the same scenario, breaks it and is told where."""
    from typer.testing import CliRunner

    from facility_opt.cli import app
    from facility_opt.scenario import load_scenario

    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    res = runner.invoke(app, ["init", "mine", "--from", "leshan-budget-cut"])
    assert res.exit_code == 0, res.output
    text = (tmp_path / "mine" / "scenario.toml").read_text(encoding="utf-8")
    assert "\nextends" not in text and 'name = "leshan-budget-cut-copy"' in text
    copy, original = load_scenario("mine/scenario.toml"), load_scenario("leshan-budget-cut")
    assert copy.name == "leshan-budget-cut-copy"
    for part in ("years", "budget", "candidates", "communities", "centres", "objective",
                 "targets", "rules", "daycare", "population", "simulation"):
        assert getattr(copy, part) == getattr(original, part), part
    # break it: a negative cost in row 3 of the copied candidates table
    cand = tmp_path / "mine" / "candidates.csv"
    lines = cand.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    row = lines[3].split(",")
    row[header.index("cost")] = "-5"
    lines[3] = ",".join(row)
    cand.write_text("\n".join(lines) + "\n", encoding="utf-8")
    res = runner.invoke(app, ["validate", "mine/scenario.toml"])
    assert res.exit_code == 2
    assert "candidates.csv" in res.output and "row 3" in res.output and "-5" in res.output
    assert "cost" in res.output and "Traceback" not in res.output
    # the copy refuses to overwrite
    res = runner.invoke(app, ["init", "mine", "--from", "leshan-base"])
    assert res.exit_code == 2 and "--force" in res.output
