"""Input tables: read CSV or .xlsx as typed by planners, then check each column against the schema.

Planners' tables come from spreadsheets. Excel on a Chinese Windows saves CSV as GB18030/GBK,
"CSV UTF-8" adds a byte-order mark, and a European locale writes `;` as the delimiter. `read_table`
accepts the first three and names the last; `.xlsx` is read directly (openpyxl, imported only when
an .xlsx is read). `check_columns` / `parse_rows` (scenario/cells.py) then turn the text cells
into typed values and collect every problem of the file as one `Problem` per cell, so a planner
fixes them all in one go.
"""

from __future__ import annotations

import csv
import difflib
import io
import math
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from facility_opt.errors import InputError, Problem
from facility_opt.lazy import lazy_getattr

TRUE_WORDS = ("1", "true", "yes", "y")
FALSE_WORDS = ("0", "false", "no", "n")
YEAR_RANGE = (1900, 2100)  # plausible calendar years; the horizon narrows this further
LIST_SEPARATORS = re.compile(r"[;；]")  # ASCII and full-width semicolon
COST_YEAR = re.compile(r"^cost_(\d{4})$")


def display_path(path: str | os.PathLike[str]) -> str:
    """A path as a planner recognises it: relative to the current folder when inside it."""
    p = Path(path)
    try:
        return p.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except (ValueError, OSError):
        return str(p)


@dataclass(frozen=True)
class Row:
    """One data row: its 1-based number among the data rows and its cells by column."""

    number: int
    cells: dict[str, str]


@dataclass(frozen=True)
class Table:
    """A table as read: column names in file order, rows of text cells.

    `label` is the file as shown in messages; `header_line` is the line (or sheet row) of the
    header, so data row N sits on line `header_line + N`.
    """

    label: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    path: Path | None = None
    header_line: int = 1
    sheet: str | None = None

    def where(self, row: int, column: str | None = None) -> str:
        """'row 3 (line 4), column cost' — the place of a cell in a message."""
        unit = "sheet row" if self.sheet is not None else "line"
        text = f"row {row} ({unit} {self.header_line + row})"
        return f"{text}, column {column}" if column else text

    @property
    def is_empty(self) -> bool:
        return not self.rows


def table_from_rows(label: str, rows: Iterable[Mapping[str, Any]],
                    columns: Sequence[str] | None = None) -> Table:
    """A `Table` from in-memory rows (dicts column → value), for notebooks and tests.

    Values may be text or numbers; None becomes a blank cell. Columns are the union of the rows'
    keys in first-seen order unless given.
    """
    rows = list(rows)
    problems: list[Problem] = []
    for i, r in enumerate(rows, start=1):
        if not isinstance(r, Mapping):
            problems.append(Problem(label, f"row {i}", _short(r),
                                    "a mapping of column name to value"))
    if problems:
        raise InputError(problems)
    if columns is None:
        seen: dict[str, None] = {}
        for r in rows:
            for k in r:
                seen.setdefault(str(k).strip(), None)
        columns = list(seen)
    cols = tuple(str(c).strip() for c in columns)
    out = []
    for i, r in enumerate(rows, start=1):
        cells = {c: "" for c in cols}
        for k, v in r.items():
            cells[str(k).strip()] = _cell_text(v)
        out.append(Row(i, cells))
    return Table(label=label, columns=cols, rows=tuple(out), header_line=0)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, (list, tuple)):
        return ";".join(str(v) for v in value)
    return str(value).strip()


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- reading ------------------------------------------------------------------------------------

def one_line(problems: Iterable[Problem]) -> list[Problem]:
    """Problems with line breaks and other control characters escaped, so that each stays on one
    line of the message (a header cell or key may contain a quoted newline)."""
    def clean(text: str) -> str:
        if text.isprintable():
            return text
        return "".join(ch if ch.isprintable() or ch == " " else repr(ch)[1:-1] for ch in text)

    return [Problem(clean(p.file), clean(p.where), clean(p.found), clean(p.expected))
            for p in problems]


def read_table(path: Path, sheet: str | None = None, label: str | None = None) -> Table:
    """Read a CSV (UTF-8, UTF-8 with BOM, GB18030/GBK) or an .xlsx table.

    Raises InputError when the file is missing, unreadable, in an unknown encoding, uses `;` or
    tabs as delimiter, has no header, duplicate or blank column names, or rows with more cells
    than the header. Fully blank rows (Excel leaves them) are skipped but keep their numbers.
    """
    try:
        return _read_table(Path(path), sheet, label)
    except InputError as err:
        if not err.problems:
            raise
        raise InputError(one_line(err.problems)) from None


def _read_table(path: Path, sheet: str | None, label: str | None) -> Table:
    label = label or display_path(path)
    if not path.is_file():
        what = "a folder" if path.is_dir() else "no such file"
        raise InputError(Problem(label, "", what, "a CSV or .xlsx table file"))
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        columns, raw_rows, header_line, sheet_name = _read_xlsx(path, sheet, label)
    elif suffix == ".xls":
        raise InputError(Problem(label, "", "an .xls workbook (Excel 97–2003)",
                                 "CSV or .xlsx: open it in Excel and save as .xlsx or CSV"))
    else:
        text = _decode(path.read_bytes(), label)
        columns, raw_rows, header_line = _parse_csv(text, label)
        sheet_name = None
    return _make_table(label, path, columns, raw_rows, header_line, sheet_name)


def _decode(data: bytes, label: str) -> str:
    """Text of a CSV file: UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030."""
    if data.startswith(b"PK\x03\x04"):
        raise InputError(Problem(label, "", "an Excel workbook saved under a CSV name",
                                 "a CSV text file, or rename it to .xlsx"))
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8")
        except UnicodeDecodeError as e:
            raise InputError(Problem(label, f"byte {e.start + 3}", "invalid UTF-8",
                                     "text in UTF-8 (the file starts with a UTF-8 mark)")) from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise InputError(Problem(label, "", "invalid UTF-16 text",
                                     "CSV in UTF-8 or GB18030")) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as e:
        raise InputError(Problem(label, f"byte {e.start}", "text in an unknown encoding",
                                 "CSV in UTF-8, UTF-8 with BOM, or GB18030/GBK")) from None


def _parse_csv(text: str, label: str) -> tuple[list[str], list[tuple[int, list[str]]], int]:
    if "\x00" in text:
        raise InputError(Problem(label, "", "NUL bytes (a binary file?)", "a CSV text file"))
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    header_line = 0
    rows: list[tuple[int, list[str]]] = []
    try:
        for cells in reader:
            if header is None:
                if not any(c.strip() for c in cells):
                    continue  # blank lines before the header
                header = cells
                header_line = reader.line_num
                continue
            rows.append((reader.line_num, cells))
    except csv.Error as e:
        raise InputError(Problem(label, f"line {reader.line_num}", "unreadable CSV",
                                 f"well-formed CSV ({e})")) from None
    if header is None:
        raise InputError(Problem(label, "", "an empty file", "a header row of column names"))
    return header, rows, header_line


def _read_xlsx(path: Path, sheet: str | None, label: str
               ) -> tuple[list[str], list[tuple[int, list[str]]], int, str]:
    import zipfile

    import openpyxl  # heavy: imported only when a workbook is read

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as e:
        raise InputError(Problem(label, "", "not a readable .xlsx workbook",
                                 f"an Excel .xlsx file ({type(e).__name__})")) from None
    try:
        names = list(wb.sheetnames)
        if sheet is None:
            ws = wb.worksheets[0]
        elif sheet in names:
            ws = wb[sheet]
        else:
            raise InputError(Problem(label, "key data.sheet", repr(sheet),
                                     "one of the workbook's sheets: " + ", ".join(names)
                                     + did_you_mean(sheet, names)))
        header: list[str] | None = None
        header_line = 0
        rows: list[tuple[int, list[str]]] = []
        for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
            cells = [_xlsx_cell(v) for v in values]
            if header is None:
                if not any(c.strip() for c in cells):
                    continue
                header, header_line = cells, number
                continue
            rows.append((number, cells))
        sheet_name = ws.title
    finally:
        wb.close()
    if header is None:
        raise InputError(Problem(label, f"sheet {sheet_name}", "an empty sheet",
                                 "a header row of column names"))
    return header, rows, header_line, sheet_name


def _xlsx_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _make_table(label: str, path: Path, header: list[str], raw_rows: list[tuple[int, list[str]]],
                header_line: int, sheet: str | None) -> Table:
    columns = [h.strip().lstrip("\ufeff") for h in header]
    while columns and columns[-1] == "":
        columns.pop()  # Excel's trailing empty header cells
    if len(columns) == 1:
        for sep, name in ((";", "semicolon ';'"), ("\t", "tab"), ("，", "full-width comma '，'"),
                          ("|", "bar '|'")):
            if sep in columns[0]:
                raise InputError(Problem(
                    label, f"line {header_line}", _short(columns[0]),
                    f"comma-separated columns; the header is one cell with a {name} in it, so "
                    f"the file seems to use {name} as delimiter: save it as CSV with commas "
                    "(Excel: 'CSV UTF-8 (comma delimited)')"))
    problems: list[Problem] = []
    unit = "sheet row" if sheet is not None else "line"
    seen: set[str] = set()
    for i, c in enumerate(columns, start=1):
        if c == "":
            problems.append(Problem(label, f"{unit} {header_line}, column {i}", "",
                                    "a column name (the header cell is blank)"))
        elif c in seen:
            problems.append(Problem(label, f"{unit} {header_line}, column {i}", repr(c),
                                    "unique column names (this name appears twice)"))
        seen.add(c)
    rows: list[Row] = []
    for n, (line, cells) in enumerate(raw_rows, start=1):
        extra = [c for c in cells[len(columns):] if c.strip()]
        if extra:
            problems.append(Problem(label, f"row {n} ({unit} {line})",
                                    f"{len(columns) + len(extra)} cells",
                                    f"at most {len(columns)} cells, one per header column "
                                    f"(extra: {_short(extra[0])})"))
            continue
        if not any(c.strip() for c in cells):
            continue
        padded = list(cells[: len(columns)]) + [""] * (len(columns) - len(cells))
        rows.append(Row(n, {c: v.strip() for c, v in zip(columns, padded, strict=True)}))
    if problems:
        raise InputError(problems)
    return Table(label=label, columns=tuple(columns), rows=tuple(rows), path=path,
                 header_line=header_line, sheet=sheet)


# -- names --------------------------------------------------------------------------------------

def did_you_mean(word: str, options: Iterable[str], cutoff: float = 0.75) -> str:
    """' (did you mean X?)' when a known word is close, else ''."""
    options = list(options)
    lowered = {o.lower(): o for o in options}
    if word.lower() in lowered and lowered[word.lower()] != word:
        return f" (did you mean {lowered[word.lower()]!r}?)"
    match = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=cutoff)
    return f" (did you mean {lowered[match[0]]!r}?)" if match else ""



# the schema checks of a read table live in scenario/cells.py; still importable from here
__getattr__ = lazy_getattr("facility_opt.scenario.tables", {
    name: "facility_opt.scenario.cells" for name in
    ("ColumnCheck", "check_columns", "BadCell", "THOUSANDS", "parse_cell", "parse_rows", "is_bad")})
