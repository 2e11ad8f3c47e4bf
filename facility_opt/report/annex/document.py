"""The annex as a document model — tables of typed cells — that the xlsx, PDF and Markdown
writers all render, so the three formats show the same text for every cell."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from facility_opt.report.terms import term
from facility_opt.results.folder import fmt_number

# Money cells: thousands separators and two decimals, in the scenario's unit (万元 by default)
MONEY_FORMAT = "#,##0.00"
COUNT_FORMAT = "#,##0"
SHARE_FORMAT = "0.0%"
GAP_FORMAT = "0.00%"
YEAR_FORMAT = "0"

TEXT, MONEY, COUNT, AREA, YEAR, SHARE, GAP, NUMBER, GENERAL = (
    "text", "money", "count", "area", "year", "share", "gap", "number", "general")
NUMERIC_KINDS = (MONEY, COUNT, AREA, YEAR, SHARE, GAP, NUMBER, GENERAL)
EXCEL_FORMATS = {MONEY: MONEY_FORMAT, COUNT: COUNT_FORMAT, AREA: COUNT_FORMAT, YEAR: YEAR_FORMAT,
                 SHARE: SHARE_FORMAT, GAP: GAP_FORMAT, NUMBER: MONEY_FORMAT, GENERAL: "General"}


@dataclass(frozen=True)
class Val:
    """A cell whose kind differs from its column's (the value column of a key–value table)."""

    value: Any
    kind: str


@dataclass(frozen=True)
class Col:
    label: str
    kind: str = TEXT


@dataclass
class Table:
    """One sheet of the workbook, one section of the PDF and of the Markdown."""

    key: str
    sheet: str
    heading: str
    columns: list[Col]
    rows: list[list[Any]]
    total: list[Any] | None = None
    notes: list[str] = field(default_factory=list)
    freeze_cols: int = 0
    figures: list[Path] = field(default_factory=list)


@dataclass
class AnnexDoc:
    lang: str
    title: str
    subtitle: str
    tables: list[Table]
    figures: list[Path]  # plots not tied to a section
    created: datetime
    no_cjk_note: bool = False
    captions: dict[Path, str] = field(default_factory=dict)  # figure → "图1：…" (build_doc)

    def caption(self, fig: Path) -> str:
        return self.captions.get(fig, fig.stem)


def cell_kind(col: Col, value: Any) -> tuple[Any, str]:
    if isinstance(value, Val):
        return value.value, value.kind
    return value, col.kind


def format_cell(value: Any, kind: str) -> str:
    """The text a reader sees for a cell — the same in the PDF and the Markdown as in Excel."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        return value
    if kind == MONEY or kind == NUMBER:
        d = value if isinstance(value, Decimal) else Decimal(str(value))
        return f"{d.quantize(Decimal('0.01'), ROUND_HALF_UP):,}"
    if kind in (COUNT, AREA):
        d = Decimal(str(value)).quantize(Decimal(1), ROUND_HALF_UP)
        return f"{d:,}"
    if kind == YEAR:
        return str(int(value))
    if kind == SHARE:
        return f"{Decimal(str(value * 100)).quantize(Decimal('0.1'), ROUND_HALF_UP)}%"
    if kind == GAP:
        return f"{Decimal(str(value * 100)).quantize(Decimal('0.01'), ROUND_HALF_UP)}%"
    if kind == GENERAL:
        return fmt_number(value)
    return str(value)


BEIJING = timezone(timedelta(hours=8), "CST")
def beijing(when: datetime, lang: str) -> str:
    """A time as the bureau reads it: Beijing time (UTC+8), in the document's language."""
    local = when.astimezone(BEIJING)
    text = (f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}" if lang == "zh"
            else f"{local:%Y-%m-%d %H:%M}")
    return term("doc.beijing", lang, date=text)
