"""Checking a read table against the schema: which columns map to which fields (`check_columns`),
and each text cell turned into a typed value (`parse_cell`, `parse_rows`), every problem of the
file collected as one `Problem` per cell so a planner fixes them all in one go."""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from facility_opt.errors import Problem
from facility_opt.scenario.schema import Field
from facility_opt.scenario.tables import (
    COST_YEAR,
    FALSE_WORDS,
    LIST_SEPARATORS,
    TRUE_WORDS,
    YEAR_RANGE,
    Row,
    Table,
)


@dataclass
class ColumnCheck:
    """How the columns of one table map onto the schema."""

    known: list[str] = field(default_factory=list)
    cost_years: dict[str, int] = field(default_factory=dict)  # column → year
    extra: list[str] = field(default_factory=list)  # accepted optional columns


def check_columns(table: Table, schema: Sequence[Field], problems: list[Problem],
                  cost_years: Sequence[int] | None = None) -> ColumnCheck:
    """Required columns present; unknown ones flagged when close to a known name.

    `cost_years`: the funding years, when the table may have `cost_<year>` columns (candidates).
    A `cost` column is not required when `cost_<year>` columns are given.
    """
    out = ColumnCheck()
    names = [f.key for f in schema if "<" not in f.key]
    hints = list(names)
    if cost_years is not None:
        hints += [f"cost_{y}" for y in cost_years]
    where_header = f"line {table.header_line}" if table.header_line else "columns"
    for col in table.columns:
        m = COST_YEAR.match(col)
        if col in names:
            out.known.append(col)
        elif m and cost_years is not None:
            year = int(m.group(1))
            if year in cost_years:
                out.cost_years[col] = year
            else:
                problems.append(Problem(table.label, f"{where_header}, column {col}", repr(col),
                                        "cost_<year> columns for funding years only: "
                                        + ", ".join(f"cost_{y}" for y in cost_years)))
        else:
            hint = _column_hint(col, hints)
            if hint:
                problems.append(Problem(table.label, f"{where_header}, column {col}", repr(col),
                                        f"a known column{hint}"))
            else:
                out.extra.append(col)
    for f in schema:
        if not f.required or "<" in f.key or f.key in table.columns:
            continue
        if f.key == "cost" and out.cost_years:
            continue
        also = " or cost_<year> columns" if f.key == "cost" and cost_years is not None else ""
        problems.append(Problem(table.label, f"column {f.key}", "missing",
                                f"a column {f.key!r}{also} ({f.description.rstrip('.')})"))
    return out


def _column_hint(col: str, names: Sequence[str]) -> str:
    """A hint only for near misses: a planner's extra column like `notes` or `population_2025`
    must pass, `comunity_id` or `cots_2023` must not."""
    low = col.lower().strip()
    for n in names:
        if low == n.lower() or low.replace(" ", "_") == n or low.replace("-", "_") == n:
            return f" (did you mean {n!r}?)"
    best = max(names, key=lambda n: difflib.SequenceMatcher(None, low, n).ratio(), default=None)
    if best is not None and difflib.SequenceMatcher(None, low, best).ratio() >= 0.84:
        return f" (did you mean {best!r}?)"
    return ""


class BadCell(ValueError):
    """A cell that does not parse; the text says what is expected."""


THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")


def _without_separators(text: str) -> str:
    """"1,342.50" → "1342.50" (thousands separators as Excel writes them); other text unchanged,
    so "1,34.5" or "1.342,50" still fail and are reported."""
    return text.replace(",", "") if THOUSANDS.match(text) else text


def parse_cell(f: Field, text: str, *, signed: bool = False) -> Any:
    """One cell → typed value (None when blank). Raises BadCell saying what is expected."""
    text = text.strip()
    if text == "":
        return None
    if f.type == "str":
        return text
    if f.type == "str_list":
        return tuple(p.strip() for p in LIST_SEPARATORS.split(text) if p.strip())
    if f.type == "bool":
        low = text.lower()
        if low in TRUE_WORDS:
            return True
        if low in FALSE_WORDS:
            return False
        raise BadCell("0 or 1 (also true/false, yes/no)")
    if f.type in ("int", "year"):
        what = "a year" if f.type == "year" else (
            "a whole number" if signed else "a whole number ≥ 0")
        if f.type == "int":
            text = _without_separators(text)
        try:
            number = float(text)
        except ValueError:
            raise BadCell(what) from None
        if not math.isfinite(number) or not number.is_integer():
            raise BadCell(what)
        value = int(number)
        if f.type == "year" and not YEAR_RANGE[0] <= value <= YEAR_RANGE[1]:
            raise BadCell(f"a year between {YEAR_RANGE[0]} and {YEAR_RANGE[1]}")
        if value < 0 and not signed:
            raise BadCell(what)
        return value
    if f.type == "float":
        what = "a finite number" if signed else "a finite number ≥ 0"
        try:
            value = float(_without_separators(text))
        except ValueError:
            raise BadCell(what + ("" if "," not in text else
                                  " (thousands separators every three digits, e.g. 1,342.50)"))\
                from None
        if not math.isfinite(value) or (value < 0 and not signed):
            raise BadCell(what)
        return value
    raise BadCell(f"a {f.type}")  # pragma: no cover - schema types above are exhaustive


def parse_rows(table: Table, schema: Sequence[Field], problems: list[Problem],
               columns: ColumnCheck, signed: Iterable[str] = (),
               id_column: str | None = "id") -> list[tuple[Row, dict[str, Any]]]:
    """Typed values of the schema's columns for every row; bad cells become problems.

    Returns (row, values) pairs; values hold every schema column (None when blank or bad) and
    `cost_<year>` columns under their names. Duplicate and blank ids are reported here.
    """
    fields = {f.key: f for f in schema}
    signed = set(signed)
    cost_field = fields.get("cost")
    out = []
    ids: dict[str, int] = {}
    for row in table.rows:
        values: dict[str, Any] = {}
        for col in columns.known:
            f = fields[col]
            try:
                values[col] = parse_cell(f, row.cells.get(col, ""), signed=col in signed)
            except BadCell as e:
                problems.append(Problem(table.label, table.where(row.number, col),
                                        repr(row.cells.get(col, "")), str(e)))
                values[col] = _BAD
        for col in columns.cost_years:
            try:
                assert cost_field is not None
                values[col] = parse_cell(cost_field, row.cells.get(col, ""))
            except BadCell as e:
                problems.append(Problem(table.label, table.where(row.number, col),
                                        repr(row.cells.get(col, "")), str(e)))
                values[col] = _BAD
        for f in schema:
            if f.required and f.key in columns.known and values.get(f.key) is None:
                if f.key == "cost" and columns.cost_years:
                    continue  # checked against the cost_<year> cells by the caller
                problems.append(Problem(table.label, table.where(row.number, f.key), "''",
                                        f"a value ({f.description.rstrip('.')})"))
        if id_column and isinstance(values.get(id_column), str):
            ident = values[id_column]
            if ident in ids:
                problems.append(Problem(table.label, table.where(row.number, id_column),
                                        repr(ident), f"a unique id (row {ids[ident]} has it too)"))
            else:
                ids[ident] = row.number
        out.append((row, values))
    return out


class _Bad:
    """Marker for a cell that failed to parse (already reported)."""

    def __repr__(self) -> str:
        return "<bad>"


_BAD: Any = _Bad()


def is_bad(value: Any) -> bool:
    return value is _BAD

