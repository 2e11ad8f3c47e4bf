"""The annex as an Excel workbook: rounded values stored as shown, fixed dates so the same
content gives the same bytes."""

from __future__ import annotations

import io
import unicodedata
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from facility_opt import __version__
from facility_opt.report.annex.document import (
    EXCEL_FORMATS,
    NUMERIC_KINDS,
    TEXT,
    AnnexDoc,
    cell_kind,
    format_cell,
)


def display_width(text: str) -> int:
    """Columns a text needs in a spreadsheet: CJK (wide) characters count double."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _excel_value(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return float(value)
    if kind == TEXT and not isinstance(value, str):
        return str(value)
    return value


def xlsx_bytes(doc: AnnexDoc) -> bytes:
    """The workbook, byte-identical for the same content: fixed dates inside and on zip entries."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.writer.excel import ExcelWriter

    wb = Workbook()
    wb.remove(wb.active)
    header_font = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DDE4EE")
    total_font = Font(bold=True)
    total_fill = PatternFill("solid", fgColor="F2F2F2")
    for table in doc.tables:
        ws = wb.create_sheet(table.sheet)
        widths = [display_width(c.label) for c in table.columns]
        for j, col in enumerate(table.columns, start=1):
            cell = ws.cell(row=1, column=j, value=col.label)
            cell.font = header_font
            cell.fill = header_fill
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=False)
        body = list(table.rows) + ([table.total] if table.total else [])
        for i, row in enumerate(body, start=2):
            is_total = table.total is not None and i == len(body) + 1
            for j, (col, raw) in enumerate(zip(table.columns, row, strict=True), start=1):
                value, kind = cell_kind(col, raw)
                cell = ws.cell(row=i, column=j, value=_excel_value(value, kind))
                if kind in NUMERIC_KINDS and isinstance(value, (int, float, Decimal)) \
                        and not isinstance(value, bool):
                    cell.number_format = EXCEL_FORMATS[kind]
                    cell.alignment = Alignment(horizontal="right")
                if is_total:
                    cell.font = total_font
                    cell.fill = total_fill
                widths[j - 1] = max(widths[j - 1], display_width(format_cell(value, kind)))
        note_row = len(body) + 3
        for k, note in enumerate(table.notes):
            ws.cell(row=note_row + k, column=1, value=note)
        for j, w in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(j)].width = min(max(w + 2, 6), 80)
        ws.freeze_panes = ws.cell(row=2, column=table.freeze_cols + 1).coordinate
        ws.print_title_rows = "1:1"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    created = doc.created.astimezone(UTC).replace(tzinfo=None)
    wb.properties.created = created
    wb.properties.modified = created
    wb.properties.creator = f"facility-opt {__version__}"
    wb.properties.lastModifiedBy = f"facility-opt {__version__}"
    wb.properties.title = doc.title
    wb.properties.language = "zh-CN" if doc.lang == "zh" else "en"
    import zipfile

    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).save()
    return normalise_zip(raw.getvalue(), created)


def normalise_zip(data: bytes, when: datetime) -> bytes:
    """Rewrite a zip with every entry dated `when`, so the same content gives the same bytes."""
    import zipfile

    stamp = (max(when.year, 1980), when.month, when.day, when.hour, when.minute, when.second)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            entry.create_system = 0
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()
