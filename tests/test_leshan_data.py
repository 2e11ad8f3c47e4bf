"""The bundled Leshan reference data: rebuilt byte for byte, counts and totals as the plan and the
2020 census give them, figures inside the documented ranges, and a day-care target that is a real
question (below 90 % in 2020, reachable with the candidates)."""

from __future__ import annotations

import csv
import math
import tomllib
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from facility_opt.data import build_leshan, leshan_places

DATA = Path(build_leshan.__file__).resolve().parent
LESHAN = DATA / "leshan"
SCENARIOS = DATA / "scenarios"
BUNDLED = ["leshan-base", "leshan-plan-targets", "leshan-fast-urbanisation",
           "leshan-high-ageing", "leshan-budget-cut"]


def _rows(name: str) -> list[dict[str, str]]:
    with open(LESHAN / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def communities() -> list[dict[str, str]]:
    return _rows("communities.csv")


@pytest.fixture(scope="module")
def centres() -> list[dict[str, str]]:
    return _rows("centres.csv")


@pytest.fixture(scope="module")
def candidates() -> list[dict[str, str]]:
    return _rows("candidates.csv")


def _toml(name: str) -> dict:
    return tomllib.loads((SCENARIOS / f"{name}.toml").read_text(encoding="utf-8"))


def _covered(community_xy: np.ndarray, site_xy: np.ndarray, reach_km: float) -> np.ndarray:
    """Which communities have a site within reach (computed here, independent of the generator)."""
    d = np.sqrt(((community_xy[:, None, :] - site_xy[None, :, :]) ** 2).sum(axis=2))
    return (d <= reach_km).any(axis=1)


# --- reproducibility --------------------------------------------------------------------------

def test_generator_rebuilds_the_committed_csvs_byte_for_byte(tmp_path: Path) -> None:
    written = build_leshan.write(tmp_path)
    assert set(written) == {"communities", "centres", "candidates"}
    for path in written.values():
        assert path.read_bytes() == (LESHAN / path.name).read_bytes(), path.name


def test_module_runs_as_a_script_into_a_folder(tmp_path: Path, capsys) -> None:
    assert build_leshan.main(["--out", str(tmp_path)]) == 0
    assert (tmp_path / "centres.csv").read_bytes() == (LESHAN / "centres.csv").read_bytes()
    assert "facility_coverage_2020" in capsys.readouterr().out


# --- counts and census totals -----------------------------------------------------------------

def test_counts_follow_the_plan(communities, centres, candidates) -> None:
    types = Counter(r["type"] for r in communities)
    assert len(communities) == 263
    # plan 一(一): 131 city communities (fringe among them) + 132 town (relocation among them)
    assert types["city"] + types["fringe"] == 131
    assert types["town"] + types["relocation"] == 132
    assert types["fringe"] > 0 and types["relocation"] > 0
    assert len({r["county"] for r in communities}) == 11
    assert len(centres) == 357
    kinds = Counter(r["kind"] for r in candidates)
    assert kinds["renovation"] == 40 and kinds["complex"] == 10
    assert len({r["id"] for r in communities}) == 263
    assert len({r["id"] for r in centres}) == 357
    assert len({r["id"] for r in candidates}) == len(candidates)


def test_populations_add_up_to_the_2020_urban_population(communities) -> None:
    total = sum(int(r["population"]) for r in communities)
    assert total == round(0.5311 * 3_160_168) == 1_678_365
    assert total / 263 > 6000  # "6000余人" per community, plan 一(一)
    by_county = Counter()
    for r in communities:
        by_county[r["county"]] += int(r["population"])
    # county urban residents from the census-based table (domain facts §1)
    assert by_county["马边彝族自治县"] == 69_203  # [S6] exact urban count
    assert by_county["井研县"] == round(280_641 * 0.407)  # [S3]
    assert by_county["沐川县"] == round(192_313 * 0.3338)  # [S2]
    assert by_county["峨边彝族自治县"] == round(121_554 * 0.377)  # [S5]
    assert by_county["夹江县"] == round(305_441 * 0.44)
    # 市中区 is the balancing item; its urban share must stay near the assumed 77 %
    assert 0.75 <= by_county["市中区"] / 814_600 <= 0.79
    residents = sum(c.residents for c in leshan_places.COUNTIES)
    assert residents == 3_160_168


def test_households_and_residents_aged_60_plus(communities) -> None:
    pop = sum(int(r["population"]) for r in communities)
    hh = sum(int(r["households"]) for r in communities)
    assert 2.45 <= pop / hh <= 2.65  # 2.54 persons per family household [S1]
    share: dict[str, float] = {}
    for county in {r["county"] for r in communities}:
        rows = [r for r in communities if r["county"] == county]
        share[county] = sum(int(r["elderly"]) for r in rows) / sum(int(r["population"])
                                                                     for r in rows)
    # the gradient of domain facts §1: 井研 oldest ([S3] 31.43 %), the Yi counties youngest
    assert max(share, key=share.get) == "井研县"
    assert set(sorted(share, key=share.get)[:2]) == {"峨边彝族自治县", "马边彝族自治县"}
    assert 0.21 <= sum(int(r["elderly"]) for r in communities) / pop <= 0.27


def test_community_sizes_follow_the_plan_norms(communities) -> None:
    sizes: dict[str, list[int]] = {}
    for r in communities:
        sizes.setdefault(r["type"], []).append(int(r["population"]))
    assert 3000 <= min(sizes["fringe"]) and max(sizes["fringe"]) <= 6000  # 三(一)1
    assert 800 <= min(sizes["relocation"]) and max(sizes["relocation"]) <= 2000  # 三(一)1
    assert 4500 <= min(sizes["city"]) and max(sizes["city"]) <= 12000  # 三(一)1 traditional
    assert 1000 <= min(sizes["town"]) and max(sizes["town"]) <= 9000  # [A]


def test_many_communities_are_below_the_facility_area_standard(communities) -> None:
    below = [r for r in communities
             if float(r["facility_area_m2"]) < 30.0 * int(r["households"]) / 100.0]
    assert 0.5 <= len(below) / len(communities) <= 0.9  # gaps to close, not everywhere
    assert all(float(r["facility_area_m2"]) >= 120 for r in communities)


def test_city_communities_are_dense_and_townships_spread_out(communities) -> None:
    xy = np.array([[float(r["x_km"]), float(r["y_km"])] for r in communities])
    d = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2))
    np.fill_diagonal(d, np.inf)
    near = (d <= 1.0).sum(axis=1)
    types = np.array([r["type"] for r in communities])
    assert np.median(near[types == "city"]) >= 3
    assert np.median(d[types == "town"].min(axis=1)) >= 0.3
    assert (near[types == "relocation"] == 0).all()


# --- centres and coverage ---------------------------------------------------------------------

def test_centres_stand_in_or_beside_their_community(communities, centres) -> None:
    pos = {r["id"]: (float(r["x_km"]), float(r["y_km"])) for r in communities}
    for r in centres:
        cx, cy = pos[r["community_id"]]
        assert math.hypot(float(r["x_km"]) - cx, float(r["y_km"]) - cy) <= 0.5 + 1e-9, r["id"]
        assert int(r["places"]) in {10, 20, 30, 40, 60, 90, 130}


def test_2020_coverage_is_below_target_and_the_candidates_can_reach_it(
        communities, centres, candidates) -> None:
    reach = _toml("leshan-base")["daycare"]["reach_km"]
    assert reach == 1.0
    pos = {r["id"]: (float(r["x_km"]), float(r["y_km"])) for r in communities}
    cxy = np.array(list(pos.values()))
    sites = np.array([[float(r["x_km"]), float(r["y_km"])] for r in centres])
    cov_2020 = _covered(cxy, sites, reach).mean()
    assert 0.80 <= cov_2020 < 0.90
    new = np.array([pos[r["community_id"]] for r in candidates if int(r["daycare_places"]) > 0])
    cov_all = _covered(cxy, np.vstack([sites, new]), reach).mean()
    assert cov_all >= 0.90
    # the generator's own figure agrees with this independent computation
    assert build_leshan.summary(build_leshan.build())["facility_coverage_2020"] == cov_2020


def test_gaps_are_where_the_facts_put_them(communities, centres) -> None:
    cxy = np.array([[float(r["x_km"]), float(r["y_km"])] for r in communities])
    sites = np.array([[float(r["x_km"]), float(r["y_km"])] for r in centres])
    covered = _covered(cxy, sites, 1.0)
    gap_types = Counter(r["type"] for r, c in zip(communities, covered, strict=True) if not c)
    assert gap_types["city"] == 0  # urban communities were to be covered by 2020 [S31]
    assert gap_types["relocation"] >= 8 and gap_types["town"] >= 15
    # clustered: some communities have several centres within reach
    d = np.sqrt(((cxy[:, None, :] - sites[None, :, :]) ** 2).sum(axis=2))
    assert ((d <= 1.0).sum(axis=1) >= 5).sum() >= 20


# --- candidates -------------------------------------------------------------------------------

def test_candidate_areas_costs_and_places_follow_the_documented_ranges(candidates) -> None:
    mountain = {c.name for c in leshan_places.COUNTIES if c.mountain}
    for r in candidates:
        area, cost = float(r["area_m2"]), float(r["cost"])
        uplift = 1.2 if r["county"] in mountain else 1.0
        yuan_m2 = cost * 10_000 / area
        assert round(cost, 2) == cost and len(r["cost"].split(".")[1]) == 2
        if r["kind"] == "renovation":
            assert 300 <= area <= 1000  # 专栏2.1: ≥ 300 m²
            assert 1200 <= yuan_m2 <= 2200 * uplift + 1e-6  # §5 [A]
            assert 50 <= cost <= 200 * uplift
            assert r["build_years"] == "1"
        elif r["kind"] == "complex":
            assert 1500 <= area <= 4000  # §5 [A]
            assert 600 <= cost <= 1500 * uplift
            assert int(r["daycare_places"]) > 0
            assert r["build_years"] == "2"
        elif r["kind"] == "new_facility":
            assert area >= 500  # 专栏2.1: new facilities generally ≥ 500 m²
        # places from ≈ 12 m² of floor area per day-care place (§2 [A])
        assert int(r["daycare_places"]) <= area / 12 + 0.5
        start0, start1 = int(r["earliest_start"]), int(r["latest_start"])
        assert 2022 <= start0 <= start1 and start1 + int(r["build_years"]) - 1 <= 2025
    renov = [r for r in candidates if r["kind"] == "renovation"]
    assert sum(int(r["daycare_places"]) > 0 for r in renov) >= 20


def test_candidate_links_are_consistent(candidates, communities) -> None:
    ids = {r["id"]: r for r in candidates}
    community_ids = {r["id"]: r for r in communities}
    assert all(r["community_id"] in community_ids for r in candidates)
    assert all(community_ids[r["community_id"]]["county"] == r["county"] for r in candidates)
    must = [r for r in candidates if r["must_fund"] == "1"]
    assert 1 <= len(must) <= 2 and all(r["latest_start"] == "2022" for r in must)
    groups = Counter(r["exclusive_group"] for r in candidates if r["exclusive_group"])
    assert len(groups) == 2 and set(groups.values()) == {2}
    # alternatives never block the plan's 40 + 10 (leshan-plan-targets asks for all of them)
    for g in groups:
        kinds = [r["kind"] for r in candidates if r["exclusive_group"] == g]
        assert sum(k in ("renovation", "complex") for k in kinds) == 1
    required = [r for r in candidates if r["requires"]]
    assert 1 <= len(required) <= 2
    for r in required:
        pre = ids[r["requires"]]
        assert int(pre["earliest_start"]) <= int(r["latest_start"])
        assert pre["must_fund"] == "0" or int(pre["latest_start"]) <= int(r["latest_start"])
    # every county has a candidate (so min_projects_per_county = 1 can hold)
    assert {r["county"] for r in candidates} == {c.name for c in leshan_places.COUNTIES}
    # early-completion types have candidates that can finish by 2023 (plan 三(一)3)
    early = [r for r in candidates
             if community_ids[r["community_id"]]["type"] in ("fringe", "relocation")]
    assert len(early) >= 5
    assert all(int(r["earliest_start"]) + int(r["build_years"]) - 1 <= 2023 for r in early)


def test_budgets_do_not_cover_every_candidate(candidates) -> None:
    base = _toml("leshan-base")["budget"]["annual"]
    plan_cost = sum(float(r["cost"]) for r in candidates if r["kind"] in ("renovation", "complex"))
    total = sum(base.values())
    assert total < sum(float(r["cost"]) for r in candidates)
    assert 0.55 <= total / plan_cost <= 0.75
    must = [r for r in candidates if r["must_fund"] == "1"]
    must_2022 = sum(float(r["cost"]) / int(r["build_years"]) for r in must)
    assert must_2022 < base["2022"]
    cut = _toml("leshan-budget-cut")["budget"]["annual"]
    assert cut == {y: v * 0.75 for y, v in base.items()}


def test_plan_targets_are_out_of_reach_of_the_base_budgets_only_by_money(candidates) -> None:
    """leshan-plan-targets must be infeasible because money is short, not because the data
    makes 40 + 10 impossible: no alternative pair holds two counted projects, and the 40 + 10
    fit in time (windows inside the horizon) but cost more than all the budgets."""
    counted = [r for r in candidates if r["kind"] in ("renovation", "complex")]
    groups = Counter(r["exclusive_group"] for r in counted if r["exclusive_group"])
    assert all(n == 1 for n in groups.values())
    budget = sum(_toml("leshan-plan-targets").get("budget", {}).get("annual", {}).values()) or \
        sum(_toml("leshan-base")["budget"]["annual"].values())
    assert sum(float(r["cost"]) for r in counted) > budget


def test_scenario_overrides_say_what_their_names_promise() -> None:
    assert _toml("leshan-plan-targets")["targets"]["min_count"] == {"renovation": 40,
                                                                     "complex": 10}
    assert _toml("leshan-fast-urbanisation")["population"]["urbanisation"]["2025"] == 0.63
    base_pop = _toml("leshan-base")["population"]
    assert base_pop["urbanisation"] == {"2020": 0.5311, "2025": 0.60}
    high = _toml("leshan-high-ageing")
    assert high["population"]["elderly_share_drift_per_year"] > \
        base_pop["elderly_share_drift_per_year"]
    base_visits = _toml("leshan-base")["daycare"]["visits_by_type"]
    for kind, rate in high["daycare"]["visits_by_type"].items():
        assert rate == pytest.approx(1.2 * base_visits[kind])


# --- loading ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", BUNDLED)
def test_every_bundled_scenario_loads(name: str) -> None:
    scenario_mod = pytest.importorskip("facility_opt.scenario",
                                       reason="the scenario loader is not in this build")
    sc = scenario_mod.load_scenario(name)
    assert sc.name == name
    assert sc.years == (2022, 2023, 2024, 2025) and sc.base_year == 2020
    assert len(sc.communities) == 263 and len(sc.centres) == 357
    assert sc.objective.kind == "benefit" and sc.rules.early_completion
    assert sc.population is not None and sc.daycare.reach_km == 1.0
    base_total = sum(_toml("leshan-base")["budget"]["annual"].values())
    if name == "leshan-budget-cut":
        assert sc.budget.total == pytest.approx(0.75 * base_total)
    else:
        assert sc.budget.total == pytest.approx(base_total)


def test_bundled_folder_holds_exactly_the_documented_scenarios() -> None:
    assert sorted(p.stem for p in SCENARIOS.glob("*.toml")) == sorted(BUNDLED)


def test_readme_quotes_the_figures_the_data_has() -> None:
    text = (LESHAN / "README.md").read_text(encoding="utf-8")
    figures = build_leshan.summary(build_leshan.build())
    assert f"{figures['facility_coverage_2020'] * 100:.1f} %" in text
    assert f"{figures['facility_coverage_all_candidates'] * 100:.1f} %" in text
    assert f"{figures['places_total']:,.0f}" in text


@pytest.mark.parametrize("example", ["leshan-more-money.toml", "small-town"])
def test_example_scenarios_a_planner_copies_load(example: str, repo_dir: Path) -> None:
    scenario_mod = pytest.importorskip("facility_opt.scenario",
                                       reason="the scenario loader is not in this build")
    sc = scenario_mod.load_scenario(repo_dir / "scenarios" / example)
    if example == "small-town":
        assert len(sc.communities) == 4 and len(sc.centres) == 1 and len(sc.candidates) == 4
        assert sc.budget.total < sum(c.cost for c in sc.candidates)
    else:
        base = scenario_mod.load_scenario("leshan-base")
        assert sc.budget.total == pytest.approx(1.25 * base.budget.total)
        assert sc.candidates == base.candidates
