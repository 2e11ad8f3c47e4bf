"""Reading tables as planners save them, and typed checking of cells."""

from __future__ import annotations

from pathlib import Path

import pytest

from facility_opt.errors import InputError
from facility_opt.scenario import load_scenario
from facility_opt.scenario.schema import CANDIDATE_COLUMNS, COMMUNITY_COLUMNS, Field
from facility_opt.scenario.tables import BadCell, check_columns, parse_cell, read_table

HEADER = ["id", "name", "kind", "cost", "county"]
ROWS = [["R1", "市中区张公桥社区综合服务设施改造", "renovation", "320", "市中区"],
        ["X1", "峨眉山市绥山镇社区服务综合体", "complex", "2400.5", "峨眉山市"],
        ["D1", "沐川县沐溪镇日间照料中心", "daycare", "150", "沐川县"]]


def _csv_text(rows: list[list[str]] = ROWS) -> str:
    return "\r\n".join(",".join(r) for r in [HEADER, *rows]) + "\r\n"


def _as_lists(table) -> list[list[str]]:
    return [[r.cells[c] for c in table.columns] for r in table.rows]


def _xlsx(path: Path, sheets: dict[str, list[list]]) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
    wb.save(path)


def test_encodings_read_identically(tmp_path: Path) -> None:
    """UTF-8, UTF-8 with BOM (Excel 'CSV UTF-8'), GB18030 and GBK (Excel on Chinese Windows),
    UTF-16 and an .xlsx give the same columns and cells."""
    text = _csv_text()
    files = {"utf8.csv": text.encode("utf-8"), "bom.csv": b"\xef\xbb\xbf" + text.encode("utf-8"),
             "gb18030.csv": text.encode("gb18030"), "gbk.csv": text.encode("gbk"),
             "utf16.csv": text.encode("utf-16")}
    assert files["gb18030.csv"] != files["utf8.csv"]  # really a different byte encoding
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    numeric = [[r[0], r[1], r[2], float(r[3]), r[4]] for r in ROWS]
    _xlsx(tmp_path / "t.xlsx", {"项目": [HEADER, *numeric]})
    tables = [read_table(tmp_path / n) for n in [*files, "t.xlsx"]]
    for t in tables:
        assert t.columns == tuple(HEADER), t.label
        assert _as_lists(t) == ROWS, t.label
        assert [r.number for r in t.rows] == [1, 2, 3]


def test_xlsx_sheet_choice_and_errors(tmp_path: Path) -> None:
    _xlsx(tmp_path / "w.xlsx", {"notes": [["just text"]], "candidates": [HEADER, *ROWS]})
    assert read_table(tmp_path / "w.xlsx", sheet="candidates").columns == tuple(HEADER)
    assert read_table(tmp_path / "w.xlsx").columns == ("just text",)  # first sheet by default
    with pytest.raises(InputError, match=r"data\.sheet = 'candidate'.*did you mean 'candidates'"):
        read_table(tmp_path / "w.xlsx", sheet="candidate")
    (tmp_path / "broken.xlsx").write_bytes(b"not a zip")
    with pytest.raises(InputError, match="not a readable .xlsx"):
        read_table(tmp_path / "broken.xlsx")


def test_scenario_with_an_xlsx_table(tmp_path: Path) -> None:
    _xlsx(tmp_path / "c.xlsx", {"封面": [["cover"]],
                                "项目": [["id", "name", "kind", "cost", "must_fund"],
                                         ["A", "甲", "renovation", 12, True]]})
    (tmp_path / "s.toml").write_text('name = "x"\n[horizon]\nyears = [2022]\n[budget]\n'
                                     'annual = { 2022 = 20 }\n[data]\ncandidates = "c.xlsx"\n'
                                     'sheet = "项目"\n', encoding="utf-8")
    sc = load_scenario(tmp_path / "s.toml")
    assert sc.candidates[0].cost == 12 and sc.candidates[0].must_fund


def test_row_numbers_blank_rows_and_short_rows(tmp_path: Path) -> None:
    p = tmp_path / "t.csv"
    p.write_text("\nid,name,kind,cost\nA,a,renovation,1\n,,,\nB,b,complex\n", encoding="utf-8")
    t = read_table(p)
    assert t.header_line == 2
    assert [r.number for r in t.rows] == [1, 3]  # the blank row keeps its number
    assert t.rows[1].cells["cost"] == ""  # a short row is padded with blanks
    assert t.where(3, "cost") == "row 3 (line 5), column cost"


def test_delimiter_and_garbage_messages(tmp_path: Path) -> None:
    (tmp_path / "semi.csv").write_text("id;name;kind\nA;a;b\n", encoding="utf-8")
    with pytest.raises(InputError, match="semicolon ';' as delimiter"):
        read_table(tmp_path / "semi.csv")
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(InputError, match="header row"):
        read_table(tmp_path / "empty.csv")
    (tmp_path / "dup.csv").write_text("id,id\n1,2\n", encoding="utf-8")
    with pytest.raises(InputError, match="unique column names"):
        read_table(tmp_path / "dup.csv")
    (tmp_path / "nul.csv").write_bytes(b"id,name\n\x00\x00\n")
    with pytest.raises(InputError, match="NUL"):
        read_table(tmp_path / "nul.csv")
    with pytest.raises(InputError, match="no such file"):
        read_table(tmp_path / "absent.csv")


@pytest.mark.parametrize(("ftype", "text", "value"), [
    ("int", "3", 3), ("int", "3.0", 3), ("int", " 7 ", 7), ("year", "2024", 2024),
    ("float", "1e3", 1000.0), ("float", "0", 0.0), ("bool", "YES", True), ("bool", "0", False),
    ("bool", "false", False), ("str_list", "A; B;；C", ("A", "B", "C")), ("str", "", None),
])
def test_parse_cell_accepts(ftype: str, text: str, value) -> None:
    assert parse_cell(Field("c", ftype, "", None, ""), text) == value


@pytest.mark.parametrize(("ftype", "text"), [
    ("int", "3.5"), ("int", "-1"), ("int", "inf"), ("year", "1850"), ("year", "twenty"),
    ("float", "nan"), ("float", "-0.5"), ("float", "Infinity"), ("float", "1,20"),
    ("bool", "2"), ("bool", "maybe"),
])
def test_parse_cell_rejects(ftype: str, text: str) -> None:
    with pytest.raises(BadCell):
        parse_cell(Field("c", ftype, "", None, ""), text)


def test_positions_may_be_negative() -> None:
    f = Field("x_km", "float", "km", None, "")
    assert parse_cell(f, "-12.5", signed=True) == -12.5


def test_unknown_columns_hint_or_pass(tmp_path: Path) -> None:
    """Near misses are errors with a hint; a planner's own extra columns are kept."""
    p = tmp_path / "c.csv"
    p.write_text("id,name,kind,cost,notes,population_2025,comunity_id,Cost_2023,ID\n",
                 encoding="utf-8")
    problems: list = []
    cols = check_columns(read_table(p), CANDIDATE_COLUMNS, problems, cost_years=[2022, 2023])
    flagged = {pr.where.split("column ")[1] for pr in problems}
    assert flagged == {"comunity_id", "Cost_2023", "ID"}
    assert cols.extra == ["notes", "population_2025"]
    p.write_text("id,name,county,type,households,population,elderly,x_km,y_km,population_2025\n",
                 encoding="utf-8")
    problems = []
    cols = check_columns(read_table(p), COMMUNITY_COLUMNS, problems)
    assert problems == [] and cols.extra == ["population_2025"]
