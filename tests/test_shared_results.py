"""A results folder is a workspace several commands share (issue 12), through the real commands.

`solve` → `simulate --portfolio …/selection.csv` → `annex` in one folder keeps every file of each
command and the annex is written; two commands started at once on one folder both finish, the
second having said whom it waited for, and every file of both is there; `--no-wait` stops at
once (exit 2) naming the holder; files and folders follow the umask; a command run on changed
inputs is named in manifest.json and in the annex. And the annex foots: every money table of the
xlsx, the Markdown and the PDF adds up, row by row and column by column, to its totals.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
from decimal import Decimal
from pathlib import Path

import pytest
from builders import copy_mini

CLI = [sys.executable, "-m", "facility_opt.cli"]


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "FACILITY_OPT_DEBUG"}


def _run(args: list[str], cwd: Path, code: int = 0) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([*CLI, *args], cwd=cwd, env=_env(), capture_output=True, text=True,
                          encoding="utf-8", timeout=300)
    assert proc.returncode == code, f"{args}: exit {proc.returncode}\n{proc.stderr}"
    return proc


def _scenario(tmp_path: Path) -> Path:
    """The mini scenario with amounts that do not split evenly into cents (X1 2,000.01 over two
    years: 1,000.005 each) and the optional annex columns (建设内容 … 资金来源)."""
    toml = copy_mini(tmp_path)
    folder = toml.parent
    path = folder / "candidates.csv"
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    sources = ["市级财政", "专项债", "中央财政", ""]
    for i, r in enumerate(rows):
        if r["id"] == "X1":
            r["cost"] = "2000.01"
        r["description"] = f"新增服务用房 {r['area_m2']} m²"
        r["justification"] = "老年人口增长，现有设施不足"
        r["performance_target"] = "覆盖率达到 90%"
        r["funding_source"] = sources[i % len(sources)]
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    toml.write_text(toml.read_text(encoding="utf-8") + textwrap.dedent("""
        [annex]
        organisation = "乐山市民政局"
        contact = "张三 0833-0000000"
        """), encoding="utf-8")
    return toml


def _files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("shared")
    sc = _scenario(root)
    target = root / "results" / "mini"
    _run(["solve", str(sc), "-o", str(target)], root)
    solved = _files(target)
    _run(["simulate", str(sc), "-o", str(target), "--replications", "4",
          "--portfolio", str(target / "selection.csv")], root)
    annex = _run(["annex", str(target)], root)
    return {"root": root, "scenario": sc, "target": target, "solved": solved,  # type: ignore
            "annex_out": annex}  # type: ignore[dict-item]


def test_solve_then_simulate_then_annex_in_one_folder(workspace) -> None:
    target: Path = workspace["target"]
    files = _files(target)
    assert workspace["solved"] - {"manifest.json"} <= files, "simulate deleted solve's files"
    for name in ("summary.json", "force.csv", "binding.csv", "marginal_budget.csv", "spend.csv",
                 "coverage.csv", "centre_load.csv", "community_load.csv"):
        assert name in files, name
    m = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    assert [r["command"] for r in m["runs"]] == ["solve", "simulate"]
    assert m["written_by"]["summary.json"] == 0 and m["written_by"]["coverage.csv"] == 1
    assert m["written_by"]["selection.csv"] == 0  # simulated in place, not rewritten
    assert m["mismatches"] == []
    assert m["runs"][1]["inputs"]["portfolio"]["sha256"] == m["files"]["selection.csv"]
    md = (target / "annex" / "annex_mini.md").read_text(encoding="utf-8")
    assert "## 一、概要" in md and "服务满足率" in md  # the simulation reached the annex
    assert "乐山市民政局" in md and "北京时间" in md
    # the annex's verdict is the simulation's (verdict.json), not solve's sizing estimate
    from facility_opt.report.annex.load import load_results

    simulated = json.loads((target / "verdict.json").read_text(encoding="utf-8"))["coverage"]
    assert load_results(target).coverage_block == simulated


def test_two_commands_at_once_both_keep_every_file(tmp_path: Path) -> None:
    sc = _scenario(tmp_path)
    target = tmp_path / "results" / "mini"
    procs = [subprocess.Popen([*CLI, *args], cwd=tmp_path, env=_env(), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
             for args in (["solve", str(sc), "-o", str(target)],
                          ["simulate", str(sc), "-o", str(target), "--replications", "4"])]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [o[1] for o in outs]
    files = _files(target)
    for name in ("summary.json", "force.csv", "binding.csv", "spend.csv", "solver.log",
                 "coverage.csv", "centre_load.csv", "community_load.csv", "population.csv",
                 "selection.csv", "manifest.json"):
        assert name in files, name
    m = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    assert sorted(r["command"] for r in m["runs"]) == ["simulate", "solve"]
    assert set(m["files"]) == files - {"manifest.json"}


_HOLD = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from facility_opt.results.folder import ResultsFolder
    with ResultsFolder(Path(sys.argv[1]), "plan") as rf:
        rf.write_text("plan.json", "{}\\n")
        print("holding", flush=True)
        time.sleep(float(sys.argv[2]))
    """)


def _holder(tmp_path: Path, target: Path, seconds: float) -> subprocess.Popen[str]:
    script = tmp_path / "hold.py"
    script.write_text(_HOLD, encoding="utf-8")
    proc = subprocess.Popen([sys.executable, str(script), str(target), str(seconds)],
                            stdout=subprocess.PIPE, text=True, env=_env())
    assert proc.stdout is not None and proc.stdout.readline() == "holding\n"
    return proc


@pytest.mark.parametrize("where", ["before the command", "after the command"])
def test_no_wait_stops_at_once_naming_the_holder(tmp_path: Path, where: str) -> None:
    sc = _scenario(tmp_path)
    target = tmp_path / "results" / "mini"
    holder = _holder(tmp_path, target, 30)
    try:
        args = (["--no-wait", "solve", str(sc), "-o", str(target)] if where == "before the command"
                else ["solve", str(sc), "-o", str(target), "--no-wait"])
        t0 = time.monotonic()
        proc = _run(args, tmp_path, code=2)
        assert time.monotonic() - t0 < 20
        assert "in use by `plan` (pid" in proc.stderr and "Traceback" not in proc.stderr
        assert not (target / "summary.json").exists()
    finally:
        holder.kill()
        holder.wait()


def test_a_waiting_command_says_whom_it_waits_for(tmp_path: Path) -> None:
    """The second command waits (saying whom for, even with --quiet) and goes on as soon as the
    holder is gone — here killed, which must release the folder too."""
    sc = _scenario(tmp_path)
    target = tmp_path / "results" / "mini"
    holder = _holder(tmp_path, target, 120)
    err = tmp_path / "stderr.txt"
    try:
        with open(err, "w", encoding="utf-8") as f:
            proc = subprocess.Popen([*CLI, "--quiet", "solve", str(sc), "-o", str(target),
                                     "--no-explain"], cwd=tmp_path, env=_env(),
                                    stdout=subprocess.DEVNULL, stderr=f)
        deadline = time.monotonic() + 120
        while "waiting:" not in err.read_text(encoding="utf-8") and time.monotonic() < deadline:
            assert proc.poll() is None, err.read_text(encoding="utf-8")
            time.sleep(0.1)
        text = err.read_text(encoding="utf-8")
        assert re.search(r"waiting: .*mini is in use by `plan` \(pid \d+", text), text
        holder.kill()
        holder.wait()
        assert proc.wait(timeout=120) == 0, err.read_text(encoding="utf-8")
    finally:
        holder.kill()
        holder.wait()
    files = _files(target)
    assert {"summary.json", "selection.csv", "manifest.json"} <= files
    assert "plan.json" not in files  # the killed holder never moved its file in
    assert not list(tmp_path.glob("results/.mini.tmp-*")), "the dead holder's staging remains"


def test_results_open_for_colleagues_under_umask_022(tmp_path: Path) -> None:
    sc = _scenario(tmp_path)
    target = tmp_path / "results" / "mini"
    subprocess.run([*CLI, "solve", str(sc), "-o", str(target), "--no-explain"], cwd=tmp_path,
                   env=_env(), check=True, capture_output=True, preexec_fn=lambda: os.umask(0o022))
    subprocess.run([*CLI, "annex", str(target)], cwd=tmp_path, env=_env(), check=True,
                   capture_output=True, preexec_fn=lambda: os.umask(0o022))
    for p in [target, *target.rglob("*")]:
        want = 0o755 if p.is_dir() else 0o644
        assert p.stat().st_mode & 0o777 == want, f"{p}: {oct(p.stat().st_mode & 0o777)}"


def test_changed_inputs_are_named_in_manifest_and_annex(tmp_path: Path) -> None:
    sc = _scenario(tmp_path)
    target = tmp_path / "results" / "mini"
    _run(["solve", str(sc), "-o", str(target), "--no-explain"], tmp_path)
    comm = sc.parent / "communities.csv"
    comm.write_text(comm.read_text(encoding="utf-8").replace("\n", "\r\n"), encoding="utf-8")
    _run(["simulate", str(sc), "-o", str(target), "--replications", "3",
          "--portfolio", str(target / "selection.csv")], tmp_path)
    (mismatch,) = json.loads((target / "manifest.json").read_text(encoding="utf-8"))["mismatches"]
    assert "communities input communities.csv changed" in mismatch["message"]
    proc = _run(["annex", str(target)], tmp_path)
    assert "results from different inputs side by side" in proc.stderr
    md = (target / "annex" / "annex_mini.md").read_text(encoding="utf-8")
    assert "由不同输入计算得出" in md and "communities.csv" in md


# -- the annex foots, in every format ---------------------------------------------------------------
MONEY_HEADER = re.compile(r"（万元）$")
YEAR_HEADER = re.compile(r"^(\d{4})年（万元）$")


def _money(text: object) -> Decimal | None:
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return Decimal(str(text)).quantize(Decimal("0.01"))
    s = str(text or "").strip().strip("*").replace(",", "")
    return Decimal(s) if re.fullmatch(r"-?\d+(\.\d+)?", s) else None


def _foot(name: str, header: list[str], body: list[list[object]], total: list[object]) -> int:
    """Check one table: money columns add up to the total row; per-year money columns add up to
    the row's 合计; 预算 − 申请 = 结余. Returns the number of sums checked."""
    checked = 0
    years = [j for j, h in enumerate(header) if YEAR_HEADER.match(h)]
    row_total = next((j for j, h in enumerate(header) if h == "合计（万元）"), None)
    for j, h in enumerate(header):
        if not MONEY_HEADER.search(h) or h.startswith("累计"):
            continue
        col = [_money(r[j]) for r in body]
        assert all(v is not None for v in col), (name, h, col)
        assert sum(col, Decimal(0)) == _money(total[j]), (name, h)
        checked += 1
    if years and row_total is not None:
        for r in [*body, total]:
            assert sum((_money(r[j]) for j in years), Decimal(0)) == _money(r[row_total]), (name, r)
            checked += 1
    cols = {h: j for j, h in enumerate(header)}
    if {"预算（万元）", "申请资金（万元）", "结余（万元）"} <= set(cols):
        for r in [*body, total]:
            assert (_money(r[cols["预算（万元）"]]) - _money(r[cols["申请资金（万元）"]])
                    == _money(r[cols["结余（万元）"]])), (name, r)
            checked += 1
    return checked


def _xlsx_tables(path: Path) -> dict[str, tuple[list[str], list[list[object]], list[object]]]:
    from openpyxl import load_workbook

    out = {}
    for ws in load_workbook(path).worksheets:
        rows = [[c.value for c in r] for r in ws.iter_rows()]
        header = [str(v or "") for v in rows[0]]
        body = []
        for r in rows[1:]:
            if r[0] == "合计":
                out[ws.title] = (header, body, r)
                break
            if r[0] is None:
                break
            body.append(r)
    return out


def _md_tables(text: str) -> dict[str, tuple[list[str], list[list[object]], list[object]]]:
    out = {}
    for section in text.split("\n## ")[1:]:
        heading, _, rest = section.partition("\n")
        lines = [ln for ln in rest.splitlines() if ln.startswith("| ")]
        if not lines:
            continue
        cells = [[c.strip() for c in ln.strip("|").split(" | ")] for ln in lines]
        header, body = cells[0], cells[1:]
        if body and body[-1][0] == "**合计**":
            out[heading] = (header, body[:-1], body[-1])
    return out


def test_every_table_of_every_format_foots(workspace) -> None:
    target: Path = workspace["target"]
    xlsx = target / "annex" / "annex_mini.xlsx"
    tables = _xlsx_tables(xlsx)
    assert {"项目清单", "年度资金", "分县汇总", "资金来源", "未纳入项目"} <= set(tables)
    checked = sum(_foot(name, *t) for name, t in tables.items())
    md_tables = _md_tables((target / "annex" / "annex_mini.md").read_text(encoding="utf-8"))
    assert len(md_tables) == len(tables)
    checked += sum(_foot(name, *t) for name, t in md_tables.items())
    assert checked > 40
    # the xlsx stores the rounded values it shows (two decimals, no hidden fractions of a cent)
    projects = tables["项目清单"]
    x1 = next(r for r in projects[1] if r[0] == "X1")
    years = [j for j, h in enumerate(projects[0]) if YEAR_HEADER.match(h)]
    shown = sorted(Decimal(str(x1[j])) for j in years if x1[j])
    assert shown == [Decimal("1000"), Decimal("1000.01")]  # 1,000.005 + 1,000.005 split to cents
    for header, body, total in tables.values():
        for r in [*body, total]:
            for h, v in zip(header, r, strict=False):
                if MONEY_HEADER.search(h) and isinstance(v, float):
                    assert Decimal(str(v)) == Decimal(str(v)).quantize(Decimal("0.01")), (h, v)
    # the PDF shows exactly the xlsx's figures: every money cell of every table is in its text
    exe = shutil.which("pdftotext")
    if exe is None:
        pytest.skip("pdftotext (poppler-utils) is not installed to read the PDF")
    from facility_opt.report import fonts

    if fonts.find_cjk_font() is None:
        pytest.skip(f"no CJK font: the PDF is the English fallback ({fonts.INSTALL_HINT})")
    text = subprocess.run([exe, "-layout", str(target / "annex" / "annex_mini.pdf"), "-"],
                          check=True, capture_output=True, text=True).stdout
    numbers = re.findall(r"-?\d{1,3}(?:,\d{3})*\.\d{2}", text)
    for header, body, total in tables.values():
        for r in [*body, total]:
            for h, v in zip(header, r, strict=False):
                if MONEY_HEADER.search(h) and isinstance(v, (int, float)):
                    assert f"{Decimal(str(v)):,.2f}" in numbers, (h, v)


def test_console_spend_table_foots(workspace) -> None:
    """solve's console table: each year's spend + unused = budget, and the total row is the sum."""
    proc = _run(["solve", str(workspace["scenario"]), "-o", str(workspace["root"] / "again"),
                 "--no-explain"], workspace["root"])
    rows = [[c.strip() for c in ln.strip("│ ").split("│")] for ln in proc.stdout.splitlines()
            if re.match(r"│\s*(\d{4}|total)\s*│", ln)]
    assert [r[0] for r in rows][-1] == "total" and len(rows) == 5
    body, total = rows[:-1], rows[-1]
    for r in rows:
        budget, spend, unused = (_money(c) for c in r[1:4])
        assert budget == spend + unused, r
    for j in (1, 2, 3):
        assert sum((_money(r[j]) for r in body), Decimal(0)) == _money(total[j])


def test_the_chinese_assumptions_page_has_no_english_and_the_english_none_chinese(
        workspace) -> None:
    """Every setting and value of the assumptions page in words of the page's language: no raw
    keys (ci_low, morning-peak, targets.criterion), no English on the Chinese page beyond file
    names, no Chinese on the English one."""
    target: Path = workspace["target"]
    md = (target / "annex" / "annex_mini.md").read_text(encoding="utf-8")
    section = md.split("、主要假设与数据来源")[1].split("\n## ")[0]
    names = re.sub(r"[\w\-]+\.(csv|toml|xlsx|json)", "", section)  # file names are names
    words = re.findall(r"[A-Za-z][A-Za-z_.\-]+", names)
    assert words == [], words
    _run(["annex", str(target), "--lang", "en", "-o", str(workspace["root"] / "en")],
         workspace["root"])
    en = (workspace["root"] / "en" / "annex_mini.md").read_text(encoding="utf-8")
    section = en.split(". Assumptions and data sources")[1].split("\n## ")[0]
    assert not re.search(r"[\u4e00-\u9fff]", section), section
    for raw in ("ci_low", "morning-peak", "targets.criterion"):
        assert raw not in section and raw not in md
    assert "lognormal" not in md
    title = md.splitlines()[0]
    assert not re.search(r"[A-Za-z]", title.replace("mini", "")), title  # one language per title
