"""The budget-request annex: every number in it is traceable to the results files, to the yuan.

The fixture is a small but complete results folder (6 candidates, 2 funding years, coverage.csv,
a plot) whose totals were worked out by hand:

  selected  P01 950.5 (500.25 in 2024 + 450.25 in 2025), P02 120.3456 (2024),
            P03 88.88 (2025), P05 1,234.5678 (2025)
  2024 spend  500.25 + 120.3456               =   620.5956 万元 (budget   800)
  2025 spend  450.25 + 88.88 + 1,234.5678     = 1,773.6978 万元 (budget 1,800)
  total                                       = 2,394.3034 万元 (budget 2,600)
  by county   市中区 950.5 + 88.88 = 1,039.38; 沙湾区 120.3456; 井研县 1,234.5678
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest

from facility_opt.errors import InputError
from facility_opt.report import fonts
from facility_opt.report.annex.core import load_results, write_annex
from facility_opt.report.annex.document import MONEY_FORMAT
from facility_opt.report.annex.verdict import coverage_verdict
from facility_opt.report.annex.xlsx import display_width
from facility_opt.report.terms import LANGS, TERMS, placeholders
from facility_opt.results.folder import csv_text, json_text, sha256_file

# What the annex shows: each amount rounded once to 0.01 万元 (P02 120.3456 → 120.35, P05
# 1234.5678 → 1234.57), and every total the sum of the rounded amounts it shows (2,394.30, where
# the unrounded total is 2,394.3034): the tables foot.
TOTAL = Decimal("2394.30")
SPEND = {2024: Decimal("620.60"), 2025: Decimal("1773.70")}
EXACT_SPEND = {2024: Decimal("620.5956"), 2025: Decimal("1773.6978")}  # what the solver reports
BUDGET = {2024: Decimal("800"), 2025: Decimal("1800")}
COUNTY_TOTALS = {"市中区": Decimal("1039.38"), "沙湾区": Decimal("120.35"),
                 "井研县": Decimal("1234.57")}
SELECTED = {  # id → (cost_2024, cost_2025, total)
    "P01": (Decimal("500.25"), Decimal("450.25"), Decimal("950.5")),
    "P02": (Decimal("120.35"), Decimal(0), Decimal("120.35")),
    "P03": (Decimal(0), Decimal("88.88"), Decimal("88.88")),
    "P05": (Decimal(0), Decimal("1234.57"), Decimal("1234.57")),
}
SEL_COLUMNS = ["id", "name", "kind", "selected", "start_year", "cost", "completion_year",
               "county", "community_id", "area_m2", "daycare_places", "score", "benefit",
               "cost_2024", "cost_2025"]
SEL_ROWS = [
    ["P01", "嘉州社区服务综合体", "complex", 1, 2024, 950.5, 2025, "市中区", "C001", 2500, 40,
     9, 120.5, 500.25, 450.25],
    ["P02", "福禄社区党群服务中心改造", "renovation", 1, 2024, 120.3456, 2024, "沙湾区", "C010",
     600, 0, 5, 30.25, 120.3456, 0],
    ["P03", "张公桥社区日间照料站扩建", "renovation", 1, 2025, 88.88, 2025, "市中区", "C002",
     400, 20, 4, 22.0, 0, 88.88],
    ["P04", "研城日间照料中心", "daycare", 0, None, 75.0, None, "井研县", "C020", 300, 30, 3,
     15.0, 0, 0],
    ["P05", "研城镇社区综合服务设施新建", "new_facility", 1, 2025, 1234.5678, 2025, "井研县",
     "C021", 800, 0, 8, 60.0, 0, 1234.5678],
    ["P06", "绥山社区服务站改造", "renovation", 0, None, 99.99, None, "峨眉山市", "C030", 500, 0,
     2, 10.0, 0, 0],
]
COVERAGE = [  # year, metric, mean, ci_low, ci_high, p_target_met
    [2024, "facility_coverage", 0.86, 0.84, 0.88, 0.0],
    [2024, "facility_coverage_population", 0.88, 0.86, 0.9, 0.05],
    [2024, "service_coverage", 0.93, 0.91, 0.95, 0.9],
    [2025, "facility_coverage", 0.92, 0.905, 0.935, 0.97],
    [2025, "facility_coverage_population", 0.93, 0.915, 0.945, 0.99],
    [2025, "service_coverage", 0.95, 0.94, 0.96, 1.0],
]


def _png(path: Path) -> None:
    """A small real PNG (a plot stand-in), written without matplotlib to keep the test fast."""
    import struct
    import zlib

    w, h = 60, 30
    raw = b"".join(b"\x00" + b"".join(bytes([40 + (x * 3) % 200, 90, 160]) for x in range(w))
                   for _ in range(h))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0,
                                                                       0, 0))
                     + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def make_results(root: Path, coverage: bool = True) -> Path:
    """Write a results folder as solve/plan do (same files, formats and manifest)."""
    root.mkdir(parents=True, exist_ok=True)
    total_float = 950.5 + 120.3456 + 88.88 + 1234.5678  # a float sum, as a solver reports it
    summary = {
        "status": "optimal", "objective": 248.75, "gap": 0.0, "best_bound": 248.75,
        "objective_kind": "benefit", "total_cost": total_float,
        "spend_by_year": {"2024": 500.25 + 120.3456, "2025": 450.25 + 88.88 + 1234.5678},
        "budget_by_year": {"2024": 800, "2025": 1800}, "budget_unit": "万元",
        "solver": "highs", "solver_version": "1.16.0", "scenario": "mini-leshan",
        "selected_count": 4,
        "selected_by_kind": {"complex": 1, "renovation": 2, "new_facility": 1},
        "targets": {"min_count": {"complex": {"required": 1, "selected": 1, "met": True},
                                  "renovation": {"required": 3, "selected": 2, "met": False}}},
    }
    scenario = {
        "name": "mini-leshan", "title": "乐山市社区设施示例", "description": "6 个备选项目",
        "base_year": 2020, "years": [2024, 2025],
        "budget": {"annual": {"2024": 800, "2025": 1800}, "unit": "万元", "carry_over": False},
        "objective": {"kind": "benefit", "weight_households": 1.0, "weight_elderly": 1.0,
                      "area_standard_m2_per_100_households": 30.0, "tie_break": True},
        "targets": {"min_count": {"complex": 1, "renovation": 3}, "daycare_coverage": 0.9,
                    "target_years": None, "criterion": "ci_low"},
        "rules": {"early_completion": False, "min_projects_per_county": 0,
                  "max_county_share": 1.0},
        "daycare": {"visits_per_elderly_per_day": 0.015, "opening_hours": 8.5,
                    "reach_km": 1.0},
        "population": None,
        "simulation": {"replications": 30, "seed": 20250101, "sampled_days": 20, "years": None},
        "source": "mini-leshan.toml",
        "counts": {"candidates": 6, "communities": 8, "centres": 3},
    }
    (root / "summary.json").write_text(json_text(summary), encoding="utf-8")
    (root / "scenario.json").write_text(json_text(scenario), encoding="utf-8")
    (root / "selection.csv").write_text(csv_text(SEL_COLUMNS, SEL_ROWS), encoding="utf-8")
    spend_rows = []
    cb = cs = 0.0
    for y, b in ((2024, 800.0), (2025, 1800.0)):
        s = float(EXACT_SPEND[y])
        cb += b
        cs += s
        spend_rows.append([y, b, s, b - s, cb, cs])
    (root / "spend.csv").write_text(csv_text(
        ["year", "budget", "spend", "unused", "cumulative_budget", "cumulative_spend"],
        spend_rows), encoding="utf-8")
    if coverage:
        (root / "coverage.csv").write_text(csv_text(
            ["year", "metric", "mean", "ci_low", "ci_high", "p_target_met"], COVERAGE),
            encoding="utf-8")
        _png(root / "coverage.png")
    _png(root / "spend.png")
    files = {p.name: sha256_file(p) for p in sorted(root.iterdir()) if p.is_file()}
    manifest = {
        "tool": "facility-opt", "tool_version": "0.1.0", "command": "plan",
        "command_line": ["facility-opt", "plan", "mini-leshan.toml"],
        "started": "2025-03-01T08:00:00+00:00", "ended": "2025-03-01T08:00:07+00:00",
        "files": files, "scenario": "mini-leshan", "solver": "highs", "seed": 20250101,
        "replications": 30,
        "inputs": {"candidates": {"path": "candidates.csv", "sha256": "ab" * 32},
                   "communities": {"path": "communities.csv", "sha256": "cd" * 32}},
        "packages": {"pulp": "3.3.2", "highspy": "1.16.0"},
    }
    (root / "manifest.json").write_text(json_text(manifest), encoding="utf-8")
    return root


@pytest.fixture
def results(tmp_path: Path) -> Path:
    return make_results(tmp_path / "results" / "mini-leshan")


@pytest.fixture(scope="module")
def annex_zh(tmp_path_factory: pytest.TempPathFactory):
    root = make_results(tmp_path_factory.mktemp("zh") / "mini-leshan")
    return root, write_annex(root)


@pytest.fixture(scope="module")
def annex_en(tmp_path_factory: pytest.TempPathFactory):
    root = make_results(tmp_path_factory.mktemp("en") / "mini-leshan")
    return root, write_annex(root, root / "annex-en", lang="en")


def _wb(path: Path):
    from openpyxl import load_workbook

    return load_workbook(path)


def _dec(x: float) -> Decimal:
    return Decimal(repr(x))


def _rows(ws) -> list[list]:
    return [list(r) for r in ws.iter_rows(values_only=True)]


def _find_row(ws, first: str) -> list:
    for row in ws.iter_rows():
        if row[0].value == first:
            return row
    raise AssertionError(f"no row starting with {first!r} in sheet {ws.title}")


# -- terms -----------------------------------------------------------------------------------------
def test_every_term_has_both_languages_with_the_same_placeholders():
    assert LANGS == ("zh", "en")
    for key, pair in TERMS.items():
        assert len(pair) == 2, key
        zh, en = pair
        assert zh.strip() and en.strip(), key
        assert placeholders(zh) == placeholders(en), key


def test_sheet_names_fit_excel_limits():
    for key, pair in TERMS.items():
        if key.startswith("sheet."):
            for name in pair:
                assert len(name) <= 31 and not set(name) & set("[]:*?/\\"), name


def test_cjk_characters_count_double_in_column_widths():
    assert display_width("项目清单") == 8
    assert display_width("P01") == 3
    assert display_width("2,394.30") == 8


# -- the workbook ----------------------------------------------------------------------------------
def test_workbook_projects_reconcile_to_the_yuan(annex_zh):
    root, files = annex_zh
    assert files.xlsx.name == "annex_mini-leshan.xlsx" and files.xlsx.parent == root / "annex"
    wb = _wb(files.xlsx)
    assert wb.sheetnames == ["封面", "概要", "项目清单", "年度资金", "分县汇总", "未纳入项目",
                             "覆盖率预测", "假设与数据来源", "来源追溯"]
    ws = wb["项目清单"]
    header = [c.value for c in ws[1]]
    assert header[:9] == ["编号", "项目名称", "类型", "县（市、区）", "社区", "新增面积（m²）",
                          "日间照料名额（个）", "开工年度", "完工年度"]
    assert header[9:] == ["2024年（万元）", "2025年（万元）", "合计（万元）"]
    assert ws.freeze_panes == "C2"
    seen = {}
    for row in ws.iter_rows(min_row=2):
        if row[0].value in SELECTED:
            seen[row[0].value] = row
            for cell in row[9:12]:
                assert cell.data_type == "n" and cell.number_format == MONEY_FORMAT
    assert set(seen) == set(SELECTED)  # every selected project, and no other
    for pid, (c24, c25, tot) in SELECTED.items():
        row = seen[pid]
        assert (_dec(row[9].value), _dec(row[10].value), _dec(row[11].value)) == (c24, c25, tot)
    assert seen["P01"][2].value == "社区服务综合体" and seen["P01"][1].value == "嘉州社区服务综合体"
    assert seen["P01"][5].value == 2500 and seen["P01"][6].value == 40
    # listed by start year: P01, P02 (2024) before P03, P05 (2025)
    assert [r[0] for r in _rows(ws)[1:5]] == ["P01", "P02", "P03", "P05"]
    total = _find_row(ws, "合计")
    assert _dec(total[9].value) == SPEND[2024]
    assert _dec(total[10].value) == SPEND[2025]
    assert _dec(total[11].value) == TOTAL
    summary = json.loads((root / "summary.json").read_text(encoding="utf-8"))
    # rounded once per project: the shown total is within half a cent per project of the exact one
    assert abs(total[11].value - summary["total_cost"]) <= 0.005 * len(SELECTED) + 1e-9
    assert total[11].number_format == MONEY_FORMAT


def test_workbook_funding_counties_and_summary_totals(annex_zh):
    root, files = annex_zh
    wb = _wb(files.xlsx)
    ws = wb["年度资金"]
    assert ws.freeze_panes == "A2"
    by_year = {r[0].value: r for r in ws.iter_rows(min_row=2) if isinstance(r[0].value, int)}
    for y in (2024, 2025):
        assert _dec(by_year[y][1].value) == BUDGET[y]
        assert _dec(by_year[y][2].value) == SPEND[y]
        assert _dec(by_year[y][3].value) == BUDGET[y] - SPEND[y]
        assert by_year[y][2].number_format == MONEY_FORMAT
    total = _find_row(ws, "合计")
    assert _dec(total[2].value) == TOTAL and _dec(total[1].value) == Decimal(2600)
    spend_csv = (root / "spend.csv").read_text(encoding="utf-8").splitlines()[1:]
    assert [Decimal(line.split(",")[2]) for line in spend_csv] == [EXACT_SPEND[2024],
                                                                  EXACT_SPEND[2025]]

    ws = wb["分县汇总"]
    counties = {r[0].value: r for r in ws.iter_rows(min_row=2) if r[0].value in COUNTY_TOTALS}
    assert {c: _dec(r[-2].value) for c, r in counties.items()} == COUNTY_TOTALS
    assert "峨眉山市" not in {r[0] for r in _rows(ws)}  # nothing funded there
    assert sum(COUNTY_TOTALS.values()) == TOTAL
    assert _dec(_find_row(ws, "合计")[-2].value) == TOTAL
    assert counties["市中区"][1].value == 2  # two projects

    ws = wb["概要"]
    requested = _find_row(ws, "申请资金合计")
    assert _dec(requested[1].value) == TOTAL and requested[1].number_format == MONEY_FORMAT
    assert requested[1].data_type == "n" and requested[2].value == "万元"
    assert _dec(_find_row(ws, "年度预算合计")[1].value) == Decimal(2600)
    assert _find_row(ws, "拟资助项目")[1].value == 4
    assert _find_row(ws, "覆盖率结论")[1].value == "达标"
    renov = _find_row(ws, "数量目标：改扩建")
    assert renov[1].value == 2 and "未达标" in renov[3].value
    assert _find_row(ws, "优化状态")[1].value == "最优（已证明）"
    # column widths fit their content (CJK counted double)
    for sheet in wb.worksheets:
        for row in sheet.iter_rows(min_row=1, max_row=1):
            for cell in row:
                width = sheet.column_dimensions[cell.column_letter].width
                assert width >= display_width(str(cell.value)), (sheet.title, cell.value)


def test_coverage_sheet_gives_intervals_and_verdicts(annex_zh):
    _, files = annex_zh
    ws = _wb(files.xlsx)["覆盖率预测"]
    rows = [r for r in ws.iter_rows(min_row=2) if isinstance(r[0].value, int)]
    assert len(rows) == 6
    first = rows[0]
    assert first[1].value == "设施覆盖率（社区）"
    assert (first[2].value, first[3].value, first[4].value) == (0.86, 0.84, 0.88)
    assert first[2].number_format == "0.0%"
    assert first[8].value == "未达标"  # 2024: lower bound 0.84 < 0.90
    verdicts = {(r[0].value, r[1].value): r[8].value for r in rows}
    assert verdicts[(2025, "设施覆盖率（社区）")] == "达标"  # 0.905 ≥ 0.90
    assert verdicts[(2025, "服务满足率")] == "达标"


def test_coverage_verdict_uses_the_lower_bound_not_the_mean(tmp_path):
    root = make_results(tmp_path / "r")
    text = (root / "coverage.csv").read_text(encoding="utf-8")
    # mean 0.92 clears 90 % but the lower 95 % bound (0.89) does not: not met
    (root / "coverage.csv").write_text(text.replace("2025,facility_coverage,0.92,0.905",
                                                    "2025,facility_coverage,0.92,0.89"),
                                       encoding="utf-8")
    assert coverage_verdict(load_results(root)) is False
    scen = json.loads((root / "scenario.json").read_text(encoding="utf-8"))
    scen["targets"]["criterion"] = "mean"
    (root / "scenario.json").write_text(json_text(scen), encoding="utf-8")
    assert coverage_verdict(load_results(root)) is True


def test_without_coverage_the_annex_says_it_was_not_simulated(tmp_path):
    root = make_results(tmp_path / "r", coverage=False)
    files = write_annex(root)
    wb = _wb(files.xlsx)
    assert _find_row(wb["概要"], "覆盖率结论")[1].value == "未模拟"
    texts = [r[0] for r in _rows(wb["覆盖率预测"]) if r[0]]
    assert any(str(t).startswith("本结果未包含需求模拟") for t in texts)
    assert "本结果未包含需求模拟" in files.md.read_text(encoding="utf-8")


def test_assumptions_and_provenance_are_listed(annex_zh):
    root, files = annex_zh
    wb = _wb(files.xlsx)
    keys = {r[0]: r for r in _rows(wb["假设与数据来源"])}
    assert keys["日间照料覆盖率目标"][1] == "90%"
    assert keys["预算可否结转"][1] == "否"
    assert keys["覆盖率判定标准"][1] == "95%置信下限达标"  # ci_low, in words
    assert keys["输入文件：备选项目表"][1] == "candidates.csv"
    prov = {r[0]: r for r in _rows(wb["来源追溯"])}
    assert prov["软件版本"][1] == "0.1.0"
    assert prov["随机种子"][1] == 20250101
    assert prov["输入文件：备选项目表"][2] == "ab" * 32
    sel = prov["结果文件：selection.csv"]
    assert sel[1] == "与 manifest.json 一致" and sel[2] == sha256_file(root / "selection.csv")


# -- PDF and Markdown -----------------------------------------------------------------------------
def _pdf_text(path: Path) -> str:
    try:
        from pypdf import PdfReader  # optional; not a dependency
    except ImportError:
        exe = shutil.which("pdftotext")
        if exe is None:
            pytest.skip("neither pypdf nor pdftotext (poppler-utils) is installed to read PDFs")
        return subprocess.run([exe, "-layout", str(path), "-"], check=True, capture_output=True,
                              text=True).stdout
    return "\n".join(p.extract_text() for p in PdfReader(str(path)).pages)


@pytest.fixture
def cjk_font():
    fonts.find_cjk_font.cache_clear()
    font = fonts.find_cjk_font()
    if font is None:
        pytest.skip(f"no CJK font on this machine: {fonts.INSTALL_HINT}")
    return font


def test_pdf_holds_the_key_figures_in_chinese(annex_zh, cjk_font):
    _, files = annex_zh
    assert files.pdf_lang == "zh" and not files.warnings
    text = _pdf_text(files.pdf)
    for figure in ("2,394.30", "620.60", "1,773.70", "1,039.38", "1,234.57", "2,600.00"):
        assert figure in text, figure
    for words in ("项目清单", "嘉州社区服务综合体", "市中区", "达标", "90.5%"):
        assert words in text, words
    funded, _, unfunded = text.partition("未纳入资助的备选项目及原因")
    assert "P04" not in funded and "P04" in unfunded  # listed only among those not funded


def test_pdf_repeats_table_headers_across_pages(tmp_path, cjk_font):
    root = make_results(tmp_path / "r")
    # 120 funded projects: the list runs over several pages
    rows = []
    for i in range(120):
        rows.append([f"Q{i:03d}", f"社区服务设施改造{i}", "renovation", 1, 2024 + i % 2, 10.0,
                     2024 + i % 2, "市中区", f"C{i:03d}", 300, 0, 1, 1.0,
                     10.0 if i % 2 == 0 else 0, 10.0 if i % 2 else 0])
    (root / "selection.csv").write_text(csv_text(SEL_COLUMNS, rows), encoding="utf-8")
    summary = json.loads((root / "summary.json").read_text(encoding="utf-8"))
    summary.update(total_cost=1200.0, spend_by_year={"2024": 600.0, "2025": 600.0},
                   selected_count=120, budget_by_year={"2024": 800, "2025": 800})
    summary.pop("targets")
    (root / "summary.json").write_text(json_text(summary), encoding="utf-8")
    (root / "spend.csv").unlink()
    files = write_annex(root)
    pages = _pdf_text(files.pdf).split("\f")
    with_list = [p for p in pages if "Q0" in p or "Q1" in p]
    assert len(with_list) >= 3
    assert all("项目名称" in p for p in with_list)  # header repeated on each page


def test_markdown_has_every_section_and_project(annex_zh):
    _, files = annex_zh
    md = files.md.read_text(encoding="utf-8")
    assert md.startswith("# 附件：乐山市社区设施示例资金申请明细")
    for heading in ("## 附件信息", "## 一、概要", "## 二、拟资助项目清单", "## 五、未纳入资助",
                    "## 六、日间照料覆盖率预测", "## 八、来源追溯"):
        assert heading in md
    for pid in SELECTED:
        assert f"| {pid} |" in md
    assert "| **合计** |" in md and "**2,394.30**" in md
    assert "![图2：日间照料覆盖率预测（95%置信区间）](../coverage.png)" in md


# -- English ---------------------------------------------------------------------------------------
def test_english_gives_the_same_numbers_with_english_labels(annex_zh, annex_en):
    _, zh = annex_zh
    _, en = annex_en
    wb_zh, wb_en = _wb(zh.xlsx), _wb(en.xlsx)
    assert wb_en.sheetnames == ["Cover", "Summary", "Projects", "Funding by year", "By county",
                                "Not funded", "Coverage", "Assumptions and data", "Provenance"]
    for s_zh, s_en in zip(wb_zh.worksheets, wb_en.worksheets, strict=True):
        nums_zh = [c.value for row in s_zh.iter_rows() for c in row
                   if isinstance(c.value, (int, float))]
        nums_en = [c.value for row in s_en.iter_rows() for c in row
                   if isinstance(c.value, (int, float))]
        assert nums_zh == nums_en, s_en.title
    ws = wb_en["Projects"]
    assert [c.value for c in ws[1]][-1] == "Total (10,000 yuan)"  # one language per document
    assert _dec(_find_row(ws, "Total")[-1].value) == TOTAL
    assert _find_row(wb_en["Summary"], "Coverage verdict")[1].value == "met"
    assert "## 2. Projects to fund, by start year" in en.md.read_text(encoding="utf-8")


def test_english_pdf_has_english_labels(annex_en, cjk_font):
    _, files = annex_en
    text = _pdf_text(files.pdf)
    assert "Projects to fund" in text and "2,394.30" in text and "嘉州社区服务综合体" in text


# -- determinism -----------------------------------------------------------------------------------
def test_rerunning_gives_identical_files(results):
    first = write_annex(results)
    digests = {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
               for p in (first.xlsx, first.pdf, first.md)}
    second = write_annex(results)
    assert {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in (second.xlsx, second.pdf, second.md)} == digests
    with zipfile.ZipFile(second.xlsx) as z:
        assert {i.date_time for i in z.infolist()} == {(2025, 3, 1, 8, 0, 6)}
    wb = _wb(second.xlsx)
    assert wb.properties.created.isoformat().startswith("2025-03-01T08:00:07")
    assert b"D:20250301080007" in second.pdf.read_bytes()  # dated by the results, not today
    assert not list((results / "annex").glob(".*tmp*"))  # no temporary files left


# -- bad input -------------------------------------------------------------------------------------
def test_totals_that_disagree_with_summary_are_refused(results):
    summary = json.loads((results / "summary.json").read_text(encoding="utf-8"))
    summary["total_cost"] = 2394.2934 + 0.0002  # two yuan more than selection.csv adds up to
    (results / "summary.json").write_text(json_text(summary), encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_results(results)
    msg = str(err.value)
    assert "selection.csv" in msg and "total_cost" in msg and "2,394.2934" in msg


def test_a_project_whose_years_do_not_add_up_is_named(results):
    text = (results / "selection.csv").read_text(encoding="utf-8")
    (results / "selection.csv").write_text(text.replace(",22,0,88.88", ",22,0,88.89"),
                                           encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_results(results)
    msg = str(err.value)
    assert "selection.csv: row 3 (line 4) (P03), columns cost_<year> = sum 88.8900" in msg
    assert "its cost 88.8800" in msg


def test_a_year_that_disagrees_with_summary_is_named(results):
    # P01 still costs 950.5 in all, but 100 万元 moved from 2024 to 2025
    text = (results / "selection.csv").read_text(encoding="utf-8")
    (results / "selection.csv").write_text(text.replace(",500.25,450.25", ",400.25,550.25"),
                                           encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_results(results)
    msg = str(err.value)
    assert "column cost_2024, sum over selected projects = 520.5956" in msg
    assert "620.5956 万元 as summary.json spend_by_year.2024 says" in msg
    assert "cost_2025" in msg


def test_a_non_number_cost_names_row_and_column(results):
    text = (results / "selection.csv").read_text(encoding="utf-8")
    (results / "selection.csv").write_text(text.replace(",950.5,", ",九百五十,"),
                                           encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_results(results)
    assert "row 1 (line 2) (P01), column cost = '九百五十'" in str(err.value)


def test_an_infeasible_result_has_no_annex(results):
    summary = json.loads((results / "summary.json").read_text(encoding="utf-8"))
    summary["status"] = "infeasible"
    (results / "summary.json").write_text(json_text(summary), encoding="utf-8")
    with pytest.raises(InputError, match="key status = 'infeasible'"):
        load_results(results)


def test_cli_exits_2_on_a_folder_without_summary(tmp_path):
    from typer.testing import CliRunner

    from facility_opt.cli import app

    (tmp_path / "empty").mkdir()
    result = CliRunner().invoke(app, ["annex", str(tmp_path / "empty")])
    assert result.exit_code == 2
    assert "summary.json" in result.output and "Traceback" not in result.output


def test_cli_writes_the_annex_where_asked(results, tmp_path):
    from typer.testing import CliRunner

    from facility_opt.cli import app

    out = tmp_path / "for-the-hearing"
    result = CliRunner().invoke(app, ["annex", str(results), "-o", str(out), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "2,394.30 万元 requested" in result.output
    assert sorted(p.name for p in out.iterdir()) == ["annex_mini-leshan.md",
                                                    "annex_mini-leshan.pdf",
                                                    "annex_mini-leshan.xlsx", "manifest.json"]


def test_results_edited_after_the_run_are_flagged(results):
    with open(results / "coverage.csv", "a", encoding="utf-8") as f:
        f.write("2023,service_coverage,0.5,0.4,0.6,0\n")
    files = write_annex(results)
    assert any("coverage.csv" in w and "manifest.json" in w for w in files.warnings)
    prov = {r[0]: r for r in _rows(_wb(files.xlsx)["来源追溯"])}
    assert prov["结果文件：coverage.csv"][1].startswith("与 manifest.json 不一致")


# -- no CJK font -----------------------------------------------------------------------------------
def test_without_a_cjk_font_the_pdf_is_english_with_a_warning(results, monkeypatch):
    from typer.testing import CliRunner

    from facility_opt.cli import app

    monkeypatch.setenv("FACILITY_OPT_CJK_FONT", "none")
    fonts.find_cjk_font.cache_clear()
    try:
        files = write_annex(results)
        assert files.lang == "zh" and files.pdf_lang == "en"
        assert any("fonts-wqy-microhei" in w for w in files.warnings)
        text = _pdf_text(files.pdf)
        assert "Projects to fund" in text and "2,394.30" in text
        assert "Amounts in 10,000 yuan" in text  # the unit too, not "?"
        assert "?" in text and "嘉州" not in text  # Chinese names replaced, never boxes
        assert _wb(files.xlsx).sheetnames[0] == "封面"  # Excel needs no font: still Chinese
        result = CliRunner().invoke(app, ["annex", str(results)])
        assert result.exit_code == 0
        assert "warning: no CJK font found" in result.output
        assert "fonts-wqy-microhei" in result.output
    finally:
        monkeypatch.delenv("FACILITY_OPT_CJK_FONT")
        fonts.find_cjk_font.cache_clear()


# -- plan results ----------------------------------------------------------------------------------
def test_plan_verdict_and_extra_budget_are_in_the_summary(results):
    plan = {"scenario": "mini-leshan", "met": False, "stop_reason": "budget_exhausted",
            "target": 0.9, "criterion": "ci_low", "target_years": [2025],
            "iterations": [{"iteration": 1}, {"iteration": 2}, {"iteration": 3}],
            "least_cost": {"scale": 1.25, "total": 3250.0,
                           "budget_by_year": {"2024": 1000.0, "2025": 2250.0},
                           "extra_budget_by_year": {"2024": 200.0, "2025": 450.5},
                           "target_met": True}}
    (results / "plan.json").write_text(json_text(plan), encoding="utf-8")
    ws = _wb(write_annex(results).xlsx)["概要"]
    verdict = _find_row(ws, "规划迭代结论（plan.json）")
    assert verdict[1].value == "未达标" and verdict[3].value == "预算已用尽"
    assert _find_row(ws, "规划迭代次数")[1].value == 3
    extra = _find_row(ws, "达标尚需追加预算（2025年）")
    assert _dec(extra[1].value) == Decimal("450.5") and extra[1].number_format == MONEY_FORMAT
    assert _dec(_find_row(ws, "达标尚需追加预算合计")[1].value) == Decimal("650.5")
    assert _dec(_find_row(ws, "满足全部目标的最低预算")[1].value) == Decimal(3250)


# -- real results from the solver ------------------------------------------------------------------
def test_annex_of_a_real_solve_of_leshan_base(tmp_path):
    pytest.importorskip("facility_opt.solve", reason="solve is not available")
    from typer.testing import CliRunner

    from facility_opt.cli import app

    out = tmp_path / "leshan-base"
    solved = CliRunner().invoke(app, ["solve", "leshan-base", "-o", str(out), "--no-explain"])
    if solved.exit_code != 0:
        pytest.skip(f"facility-opt solve failed here (exit {solved.exit_code}): "
                    f"{solved.output[-300:]}")
    files = write_annex(out)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    import csv

    with open(out / "selection.csv", encoding="utf-8") as f:
        selected = [r for r in csv.DictReader(f) if r["selected"] == "1"]
    exact = sum((Decimal(r["cost"]) for r in selected), Decimal(0))
    wb = _wb(files.xlsx)
    ws = wb["项目清单"]
    ids = {r[0].value for r in ws.iter_rows(min_row=2)}
    assert {r["id"] for r in selected} <= ids
    total = _find_row(ws, "合计")
    assert _dec(total[-1].value) == exact  # leshan-base costs are whole cents
    assert abs(total[-1].value - summary["total_cost"]) < 1e-4  # within one yuan
    years = sorted(int(y) for y in summary["spend_by_year"])
    funding = {r[0].value: r for r in wb["年度资金"].iter_rows(min_row=2)}
    for y in years:  # two-year projects' halves (663.105) split to cents, within half a cent each
        assert abs(funding[y][2].value - summary["spend_by_year"][str(y)]) <= 0.005 * len(selected)
        assert funding[y][1].value == summary["budget_by_year"][str(y)]
    assert sum(_dec(funding[y][2].value) for y in years) == exact  # the years foot to the total
    counties = [r for r in wb["分县汇总"].iter_rows(min_row=2)
                if isinstance(r[1].value, int) and r[0].value != "合计"]
    assert sum((_dec(r[-2].value) for r in counties), Decimal(0)) == exact
    text = _pdf_text(files.pdf) if fonts.find_cjk_font() else ""
    if text:
        assert f"{exact.quantize(Decimal('0.01')):,}" in text


def test_selection_without_year_columns_takes_the_years_from_summary(results):
    # the contract's core selection.csv has no cost_<year> columns
    import csv
    import io

    rows = list(csv.reader(io.StringIO((results / "selection.csv").read_text(encoding="utf-8"))))
    keep = [i for i, c in enumerate(rows[0]) if not c.startswith("cost_")]
    (results / "selection.csv").write_text(
        csv_text([rows[0][i] for i in keep], [[r[i] for i in keep] for r in rows[1:]]),
        encoding="utf-8")
    (results / "spend.csv").unlink()
    wb = _wb(write_annex(results).xlsx)
    header = [c.value for c in wb["项目清单"][1]]
    assert header[-1] == "合计（万元）" and not any("2024年" in str(h) for h in header)
    assert _dec(_find_row(wb["项目清单"], "合计")[-1].value) == TOTAL
    funding = {r[0].value: r for r in wb["年度资金"].iter_rows(min_row=2)}
    assert abs(funding[2025][2].value - float(SPEND[2025])) < 1e-9
    notes = [r[0] for r in _rows(wb["概要"]) if r[0]]
    assert any(str(n).startswith("selection.csv 无分年度金额列") for n in notes)


def test_a_plan_not_proven_optimal_says_so_with_its_gap(results):
    summary = json.loads((results / "summary.json").read_text(encoding="utf-8"))
    summary.update(status="feasible", gap=0.0123, best_bound=251.81)
    (results / "summary.json").write_text(json_text(summary), encoding="utf-8")
    files = write_annex(results, lang="en")
    ws = _wb(files.xlsx)["Summary"]
    assert _find_row(ws, "Optimisation status")[1].value.startswith("feasible (not proven")
    gap = _find_row(ws, "Optimality gap")[1]
    assert gap.value == 0.0123 and gap.number_format == "0.00%"
    md = files.md.read_text(encoding="utf-8")
    assert "Note: the plan is not proven optimal (gap 1.23%)." in md
