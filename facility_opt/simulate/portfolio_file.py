"""A portfolio as a `selection.csv` says it (written by solve or plan, or edited by hand), and the
contract rows simulate writes back: the one reader of that file for simulate and futures."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from facility_opt.errors import InputError, Problem
from facility_opt.model.portfolio import Portfolio
from facility_opt.model.types import Scenario

SELECTION_COLUMNS = ("id", "name", "kind", "selected", "start_year", "cost")


def read_portfolio(path: str | Path, scenario: Scenario) -> Portfolio:
    """The funded projects and start years of a `selection.csv` (written by solve or plan, or
    edited by hand). Every problem is reported with the file, row, column and value."""
    path = Path(path)
    label = path.name
    if not path.is_file():
        raise InputError.one(str(path), "--portfolio", str(path),
                             "an existing selection.csv (as written by facility-opt solve)")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = path.read_bytes().decode("gb18030")
        except UnicodeDecodeError:
            raise InputError.one(label, "", "undecodable bytes",
                                 "a CSV file in UTF-8 or GB18030") from None
    rows = list(csv.reader(text.splitlines()))
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise InputError.one(label, "", "an empty file",
                             "a header with at least the columns id, selected, start_year")
    header = [h.strip() for h in rows[0]]
    missing = [c for c in ("id", "selected", "start_year") if c not in header]
    if missing:
        raise InputError.one(label, "header", ",".join(header),
                             "the columns id, selected and start_year (missing: "
                             + ", ".join(missing) + ")")
    col = {name: header.index(name) for name in ("id", "selected", "start_year")}
    known = {c.id: c for c in scenario.candidates}
    problems: list[Problem] = []
    starts: dict[str, int] = {}
    seen: dict[str, int] = {}
    years = sorted(scenario.years)
    for n, row in enumerate(rows[1:], start=1):
        if not any(cell.strip() for cell in row):
            continue
        cells = [(row[col[k]].strip() if col[k] < len(row) else "") for k in col]
        cid, sel, start = cells
        where = f"row {n}"
        if cid not in known:
            problems.append(Problem(label, f"{where}, column id", repr(cid),
                                    f"a candidate id of scenario {scenario.name}"))
            continue
        if cid in seen:
            problems.append(Problem(label, f"{where}, column id", repr(cid),
                                    f"each id once (also on row {seen[cid]})"))
            continue
        seen[cid] = n
        if sel not in ("0", "1", ""):
            problems.append(Problem(label, f"{where}, column selected", repr(sel), "0 or 1"))
            continue
        if sel != "1":
            continue
        cand = known[cid]
        if start == "" and cand.cost_by_year:
            spend = [y for y, v in cand.cost_by_year.items() if v]
            start = str(min(spend)) if spend else ""
        try:
            year = int(float(start)) if start != "" else None
            if year is not None and float(start) != year:
                raise ValueError
        except ValueError:
            year = -1
        lo = cand.earliest_start if cand.earliest_start is not None else years[0]
        hi = cand.latest_start if cand.latest_start is not None else years[-1]
        if year is None or not (lo <= year <= hi):
            problems.append(Problem(label, f"{where}, column start_year", repr(start),
                                    f"the year {cid} starts, from {lo} to {hi}"))
            continue
        starts[cid] = year
    if problems:
        raise InputError(problems)
    return Portfolio(starts=starts)


def selection_rows(scenario: Scenario, portfolio: Portfolio) -> list[dict[str, Any]]:
    """selection.csv rows (contract columns) for a portfolio."""
    return [{"id": c.id, "name": c.name, "kind": c.kind, "selected": int(c.id in portfolio),
             "start_year": portfolio.starts.get(c.id), "cost": float(c.cost)}
            for c in scenario.candidates]
