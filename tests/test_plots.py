"""Every plot's data is exactly what the results CSVs say, and every drawing lands as a readable
PNG and SVG. The CSVs here are written by hand, so the expected numbers are known."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import pytest

from facility_opt.report import plots

COVERAGE_A = """year,metric,mean,ci_low,ci_high,p_target_met
2022,facility_coverage,0.85,0.85,0.85,0
2022,service_coverage,0.9,0.88,0.92,0.4
2025,facility_coverage,0.92,0.92,0.92,1
2025,service_coverage,0.95,0.94,0.96,1
2025,facility_coverage_population,0.9,0.9,0.9,1
"""
COVERAGE_B = """year,metric,mean,ci_low,ci_high,p_target_met
2025,service_coverage,0.8,0.75,0.85,0
2022,service_coverage,0.7,0.65,0.75,0
"""
SPEND_A = """year,budget,spend,unused,cumulative_budget,cumulative_spend
2022,5000,4800,200,5000,4800
2023,6000,6000,0,11000,10800
"""
SPEND_B = """year,budget,spend,unused,cumulative_budget,cumulative_spend
2022,3750,3700,50,3750,3700
2023,4500,4400.5,99.5,8250,8100.5
2024,4500,0,4500,12750,8100.5
"""
SELECTION_A = """id,name,kind,selected,start_year,cost
R01,社区甲改造,renovation,1,2022,100
C01,综合体一,complex,1,2023,900
R02,社区乙改造,renovation,0,,120
R03,社区丙改造,renovation,0,,80
"""
SELECTION_B = """id,name,kind,selected,start_year,cost
R01,社区甲改造,renovation,0,,100
C01,综合体一,complex,1,2022,900
R02,社区乙改造,renovation,1,2024,120
R03,社区丙改造,renovation,0,,80
"""
COMPARE = """scenario,title,status,objective,total_cost,budget_total,selected_count
base,Base,optimal,1234.5,20000,21000,40
cut,Cut,optimal,987.25,15500,15750,31
"""
FRONTIER = ("budget_total,budget_2022,budget_2023,status,objective,gap,total_cost,"
            "selected_count,selected_ids,target_complex_count_met,"
            "target_facility_coverage_met,target_all_met\n") + """2000,1000,1000,infeasible,,,,,,0,0,0
1000,500,500,optimal,10,0,950,2,A;B,0,0,0
3000,1500,1500,optimal,40,0,2900,4,A;B;C;D,1,0,0
4000,2000,2000,optimal,45,0,3900,5,A;B;C;D;E,1,1,1
5000,2500,2500,optimal,45,0,3900,5,A;B;C;D;E,1,1,1
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def _rows(tmp_path: Path, name: str, text: str) -> list[dict[str, str]]:
    return plots.read_csv_rows(_write(tmp_path, name, text))


def test_coverage_data_matches_csv(tmp_path: Path) -> None:
    a = _rows(tmp_path, "a.csv", COVERAGE_A)
    b = _rows(tmp_path, "b.csv", COVERAGE_B)
    series = plots.coverage_data({"base": a, "cut": b})
    by = {(s.scenario, s.metric): s for s in series}
    assert set(by) == {("base", "facility_coverage"), ("base", "service_coverage"),
                       ("cut", "service_coverage")}
    s = by[("cut", "service_coverage")]
    assert s.years == [2022, 2025]  # sorted, though the CSV lists 2025 first
    assert s.mean == [0.7, 0.8] and s.ci_low == [0.65, 0.75] and s.ci_high == [0.75, 0.85]
    # every drawn number is a CSV cell
    for ser in series:
        rows = a if ser.scenario == "base" else b
        for y, m, lo, hi in zip(ser.years, ser.mean, ser.ci_low, ser.ci_high, strict=True):
            (row,) = [r for r in rows if r["metric"] == ser.metric and int(r["year"]) == y]
            assert (m, lo, hi) == (float(row["mean"]), float(row["ci_low"]),
                                   float(row["ci_high"]))


def test_spend_data_matches_csv(tmp_path: Path) -> None:
    data = plots.spend_data({"base": _rows(tmp_path, "a.csv", SPEND_A),
                             "cut": _rows(tmp_path, "b.csv", SPEND_B)})
    assert data.years == [2022, 2023, 2024]
    assert data.spend["base"] == [4800.0, 6000.0, None]  # base has no 2024: no bar, not zero
    assert data.budget["base"] == [5000.0, 6000.0, None]
    assert data.spend["cut"] == [3700.0, 4400.5, 0.0]
    assert data.budget["cut"] == [3750.0, 4500.0, 4500.0]


def test_selection_matrix_matches_csv(tmp_path: Path) -> None:
    data = plots.selection_data({"base": _rows(tmp_path, "a.csv", SELECTION_A),
                                 "cut": _rows(tmp_path, "b.csv", SELECTION_B)})
    assert data.scenarios == ["base", "cut"]
    assert data.project_ids == ["R01", "C01", "R02"]  # R03: funded nowhere, left out
    assert data.start_year == [[2022, None], [2023, 2022], [None, 2024]]
    assert data.years == [2022, 2023, 2024]
    assert data.project_labels[1] == "C01 综合体一 (complex)"
    full = plots.selection_data({"base": _rows(tmp_path, "a.csv", SELECTION_A)},
                                only_chosen=False)
    assert full.project_ids == ["R01", "C01", "R02", "R03"]


def test_benefit_cost_matches_csv(tmp_path: Path) -> None:
    data = plots.benefit_cost_data(_rows(tmp_path, "c.csv", COMPARE))
    assert data.scenarios == ["base", "cut"]
    assert data.total_cost == [20000.0, 15500.0]
    assert data.objective == [1234.5, 987.25]
    assert data.budget_total == [21000.0, 15750.0]


def test_frontier_data_marginal_and_reach_points(tmp_path: Path) -> None:
    data = plots.frontier_data(_rows(tmp_path, "f.csv", FRONTIER))
    assert data.budget_total == [1000, 2000, 3000, 4000, 5000]
    assert data.objective == [10.0, None, 40.0, 45.0, 45.0]
    # by hand: (40-10)/(3000-1000) = 0.015 at 2000; (45-40)/1000 = 0.005 at 3500; 0 at 4500
    assert data.marginal_budget == [2000.0, 3500.0, 4500.0]
    assert data.marginal_benefit == pytest.approx([0.015, 0.005, 0.0])
    assert data.target_reached_at == {"target_complex_count_met": 3000.0,
                                      "target_facility_coverage_met": 4000.0,
                                      "target_all_met": 4000.0}


def test_plan_iterations_data() -> None:
    record = {"target_years": [2025], "target": 0.9, "iterations": [
        {"iteration": 1, "total_cost": 100.0, "coverage_after": {"2025": {
            "facility_coverage": {"mean": 0.8, "ci_low": 0.8, "ci_high": 0.8},
            "service_coverage": {"mean": 0.7, "ci_low": 0.65, "ci_high": 0.75}}}},
        {"iteration": 2, "total_cost": 120.0, "coverage_after": {"2025": {
            "facility_coverage": {"mean": 1.0, "ci_low": 1.0, "ci_high": 1.0},
            "service_coverage": {"mean": 0.95, "ci_low": 0.93, "ci_high": 0.97}}}}]}
    data = plots.plan_iterations_data(record)
    assert data.iterations == [1, 2] and data.target_year == 2025 and data.target == 0.9
    assert data.metrics["service_coverage"]["ci_low"] == [0.65, 0.93]
    assert data.metrics["facility_coverage"]["mean"] == [0.8, 1.0]
    assert data.total_cost == [100.0, 120.0]


def _check_files(paths: list[Path]) -> None:
    assert [p.suffix for p in paths] == [".png", ".svg"]
    png, svg = paths
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size > 15_000  # a real chart, not an empty canvas
    text = svg.read_text(encoding="utf-8")
    assert text.lstrip().startswith("<?xml") and "<svg" in text
    assert svg.stat().st_size > 15_000


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_plot_draws_png_and_svg(tmp_path: Path, lang: str) -> None:
    labels = plots.plot_labels(lang)
    if lang == "zh" and labels.lang != "zh":
        pytest.skip("no CJK font on this machine")
    cov = plots.coverage_data({"base": _rows(tmp_path, "a.csv", COVERAGE_A),
                               "cut": _rows(tmp_path, "b.csv", COVERAGE_B)})
    out = tmp_path / lang
    _check_files(plots.draw_coverage(cov, out / "coverage", labels=labels))
    spend = plots.spend_data({"base": _rows(tmp_path, "s1.csv", SPEND_A),
                              "cut": _rows(tmp_path, "s2.csv", SPEND_B)})
    _check_files(plots.draw_spend(spend, out / "spend", labels=labels))
    sel = plots.selection_data({"base": _rows(tmp_path, "x1.csv", SELECTION_A),
                                "cut": _rows(tmp_path, "x2.csv", SELECTION_B)})
    _check_files(plots.draw_selection(sel, out / "selection", labels=labels))
    bc = plots.benefit_cost_data(_rows(tmp_path, "c.csv", COMPARE))
    _check_files(plots.draw_benefit_cost(bc, out / "benefit", labels=labels))
    fr = plots.frontier_data(_rows(tmp_path, "f.csv", FRONTIER))
    _check_files(plots.draw_frontier(fr, out / "frontier", current_budget=3500.0,
                                     labels=labels))


def test_same_data_gives_identical_svg(tmp_path: Path) -> None:
    """Plots are reproducible byte for byte (no timestamps, fixed ids)."""
    labels = plots.plot_labels("en")
    fr = plots.frontier_data(_rows(tmp_path, "f.csv", FRONTIER))
    a = plots.draw_frontier(fr, tmp_path / "a" / "frontier", labels=labels)
    b = plots.draw_frontier(fr, tmp_path / "b" / "frontier", labels=labels)
    assert a[1].read_bytes() == b[1].read_bytes()
    assert a[0].read_bytes() == b[0].read_bytes()


def test_no_cjk_font_means_english_and_a_warning(monkeypatch) -> None:
    from facility_opt.report import fonts

    fonts.find_cjk_font.cache_clear()
    fonts._WARNED.clear()
    monkeypatch.setenv("FACILITY_OPT_CJK_FONT", "none")
    try:
        with pytest.warns(plots.PlotFontWarning, match="English labels"):
            labels = plots.plot_labels("auto")
        assert labels.lang == "en"
        assert labels("year") == "year"
    finally:
        fonts.find_cjk_font.cache_clear()


def test_cjk_labels_when_font_found() -> None:
    from facility_opt.report import fonts

    if fonts.find_cjk_font() is None:
        pytest.skip("no CJK font on this machine")
    with warnings.catch_warnings():
        warnings.simplefilter("error", plots.PlotFontWarning)
        labels = plots.plot_labels("auto")
    assert labels.lang == "zh" and labels.family
    assert labels("year") == "年份"


def test_blank_cells_are_none() -> None:
    assert plots.to_float("") is None and plots.to_float(None) is None
    assert plots.to_float("1.5") == 1.5
    assert math.isnan(plots._pct([None])[0])


FRONTIER_UNITS = ("budget_total,status,objective,max_covered,covered,effective_covered,"
                  "households_reached,elderly_reached,target_all_met\n"
                  "1000,optimal,10,8,,,,,0\n"
                  "3000,optimal,40,9,9,7,\"1,200\",500,1\n"
                  "2000,optimal,25,9,8,6,1100,450.5,0\n")


def test_frontier_in_planner_units_matches_csv(tmp_path: Path) -> None:
    rows = _rows(tmp_path, "fu.csv", FRONTIER_UNITS.replace('"1,200"', "1200"))
    data = plots.frontier_data(rows, communities=10, target_share=0.9, least_budget_total=2500)
    assert data.budget_total == [1000, 2000, 3000]  # sorted by budget
    assert data.max_covered == [8, 9, 9]
    assert data.covered == [None, 8, 9]  # blank: no plan meets every target at 1000
    assert data.effective_covered == [None, 6, 7]
    assert data.households_reached == [None, 1100, 1200]
    assert data.elderly_reached == [None, 450.5, 500]
    assert data.required == 9 and data.in_units  # ⌈0.9 × 10⌉
    assert data.least_budget_total == 2500
    paths = plots.draw_frontier(data, tmp_path / "fr", labels=plots.plot_labels("en"))
    _check_files(paths)


def test_frontier_without_unit_columns_draws_the_objective(tmp_path: Path) -> None:
    data = plots.frontier_data(_rows(tmp_path, "f.csv", FRONTIER))
    assert not data.in_units and data.required is None
    _check_files(plots.draw_frontier(data, tmp_path / "fr", labels=plots.plot_labels("en")))


def test_required_communities_is_the_least_whole_number() -> None:
    d = plots.frontier_data([], communities=263, target_share=0.9)
    assert d.required == 237  # 0.9 × 263 = 236.7
    assert plots.frontier_data([], communities=10, target_share=0.9).required == 9  # not 10


def test_bilingual_titles_give_the_part_in_the_plot_language() -> None:
    title = "乐山 · 老龄化加快 · Leshan with faster ageing and higher day-care use"
    en = plots.Labels("en")
    assert en.title(title, "leshan-high-ageing") == "Leshan with faster ageing and higher day-care use"
    zh = plots.Labels("zh", family="WenQuanYi Micro Hei")
    assert zh.title(title, "leshan-high-ageing") == "乐山 · 老龄化加快"
    assert en.title("", "base") == "base"
    assert en.title("只有中文", "base") == "base"  # no font for it, no English part: the name


def _legends(svg: Path) -> int:
    return svg.read_text(encoding="utf-8").count('id="legend_')


def test_plan_and_coverage_plots_have_one_legend(tmp_path: Path) -> None:
    labels = plots.plot_labels("en")
    record = {"target_years": [2025], "target": 0.9, "iterations": [
        {"iteration": 1, "total_cost": 100, "coverage_after": {"2025": {
            "facility_coverage": {"mean": 0.85, "ci_low": 0.85, "ci_high": 0.85},
            "service_coverage": {"mean": 0.9, "ci_low": 0.88, "ci_high": 0.92}}}}]}
    cov = plots.coverage_data({"base": _rows(tmp_path, "a.csv", COVERAGE_A)})
    paths = plots.draw_plan(plots.plan_iterations_data(record), cov, tmp_path / "plan",
                            labels=labels)
    assert _legends(paths[1]) == 1
    paths = plots.draw_coverage(cov, tmp_path / "cov", labels=labels)
    assert _legends(paths[1]) == 1
