"""The annex as a PDF for printing: A4 landscape, tables paginated with repeated headers, key plots.

Chinese needs a TrueType CJK font (see `fonts.py` for which to install); it is embedded as a
subset. Without one the PDF is written in English and any Chinese text in the data (project and
county names) is shown as "?" — never as empty boxes — with a note saying the Excel and Markdown
files hold it in full. The PDF is byte-identical across re-runs: reportlab's invariant mode, with
the document dated by the results' end time.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from facility_opt.report.fonts import INSTALL_HINT, CjkFont, find_cjk_font, no_font_reason
from facility_opt.report.terms import term

if TYPE_CHECKING:
    from facility_opt.report.annex.data import AnnexData
    from facility_opt.report.annex.document import AnnexDoc, Table

CJK_FONT_NAME = "FacilityOptCJK"
LATIN_FONT = "Helvetica"
LATIN_BOLD = "Helvetica-Bold"
BODY_SIZE = 7.5
HEADER_FILL = "#DDE4EE"
TOTAL_FILL = "#F2F2F2"
_UNBREAKABLE = re.compile(r"[^\s\u2e80-\uffff]+")  # runs a line cannot break inside (CJK can)
RIGHT_ALIGNED = ("money", "count", "area", "share", "gap", "number")  # GENERAL stays left
_NOT_WINANSI = re.compile(r"[^\x00-\x7f\u00a0-\u00ff\u2013\u2014\u2018\u2019\u201c\u201d\u2022"
                          r"\u2026\u20ac]+")


def _register(font: CjkFont) -> bool:
    """Register the CJK font with reportlab (a face of a .ttc collection when given)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if CJK_FONT_NAME in pdfmetrics.getRegisteredFontNames():
        registered = pdfmetrics.getFont(CJK_FONT_NAME)
        if getattr(registered.face, "filename", None) == str(font.path):
            return True
    try:
        pdfmetrics.registerFont(TTFont(CJK_FONT_NAME, str(font.path),
                                       subfontIndex=font.subfont_index))
    except Exception:  # noqa: BLE001 - any unreadable font file means "no CJK font"
        return False
    return True


def _has_non_latin(data: AnnexData) -> bool:
    texts = [p.name for p in data.projects] + [p.county for p in data.projects] + [data.title]
    return any(_NOT_WINANSI.search(t) for t in texts if t)


def pdf_font_plan(lang: str, data: AnnexData) -> tuple[CjkFont | None, str, str | None]:
    """Which font and language the PDF uses, and the warning to print when Chinese cannot be
    rendered: (font or None, pdf language, warning or None)."""
    font = find_cjk_font()
    if font is not None and not _register(font):
        bad = font
        font = None
        reason = f"the CJK font {bad.path} could not be read"
    else:
        reason = no_font_reason()
    if font is not None:
        return font, lang, None
    if lang == "zh":
        return None, "en", (f"{reason}: the PDF annex is written in English (the Excel and "
                            f"Markdown files are in Chinese); to print it in Chinese, "
                            f"{INSTALL_HINT}")
    if _has_non_latin(data):
        return None, "en", (f"{reason}: Chinese names in the PDF annex are shown as ?; "
                            f"{INSTALL_HINT}")
    return None, "en", None


class _Fonts:
    def __init__(self, cjk: bool):
        self.regular = CJK_FONT_NAME if cjk else LATIN_FONT
        self.bold = CJK_FONT_NAME if cjk else LATIN_BOLD
        self.cjk = cjk

    def text(self, s: str) -> str:
        """Text this font can draw: unchanged with a CJK font, else non-Latin runs become '?'."""
        if self.cjk:
            return s
        s = s.replace("≥", ">=").replace("≤", "<=").replace("×", "x")
        return _NOT_WINANSI.sub("?", s)


def pdf_bytes(doc: AnnexDoc, font: CjkFont | None) -> bytes:
    """Render the annex; `font` None means Latin fonts only (English, '?' for Chinese names)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfgen.canvas import Canvas
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    fonts = _Fonts(cjk=font is not None and _register(font))
    page = landscape(A4)
    margin = 14 * mm
    styles = {
        "title": ParagraphStyle("title", fontName=fonts.bold, fontSize=15, leading=20,
                                spaceAfter=4, wordWrap="CJK" if fonts.cjk else None),
        "subtitle": ParagraphStyle("subtitle", fontName=fonts.regular, fontSize=8.5, leading=11,
                                   textColor=colors.HexColor("#444444"), spaceAfter=8),
        "heading": ParagraphStyle("heading", fontName=fonts.bold, fontSize=11.5, leading=15,
                                  spaceBefore=8, spaceAfter=5, keepWithNext=1),
        "note": ParagraphStyle("note", fontName=fonts.regular, fontSize=7.5, leading=10,
                               spaceBefore=3, textColor=colors.HexColor("#333333"),
                               wordWrap="CJK" if fonts.cjk else None),
        "cell": ParagraphStyle("cell", fontName=fonts.regular, fontSize=BODY_SIZE,
                               leading=BODY_SIZE + 2, wordWrap="CJK" if fonts.cjk else None),
        "head": ParagraphStyle("head", fontName=fonts.bold, fontSize=BODY_SIZE,
                               leading=BODY_SIZE + 2, wordWrap="CJK" if fonts.cjk else None),
    }
    frame_w = page[0] - 2 * margin
    frame_h = page[1] - 2 * margin - 10
    story: list[Any] = [Paragraph(escape(fonts.text(doc.title)), styles["title"]),
                        Paragraph(escape(fonts.text(doc.subtitle)), styles["subtitle"])]
    if doc.no_cjk_note:
        story.append(Paragraph(escape(fonts.text(term("note.pdf_no_cjk", "en"))),
                               styles["note"]))
    for table in doc.tables:
        story.append(Paragraph(escape(fonts.text(table.heading)), styles["heading"]))
        if table.rows or table.total:
            story.append(_table(table, fonts, styles, frame_w))
        story.extend(Paragraph(escape(fonts.text(n)), styles["note"]) for n in table.notes)
        for fig in table.figures:
            story.extend(_figure(fig, doc, fonts, styles, frame_w, frame_h))
    if doc.figures:
        story.append(Paragraph(escape(fonts.text(term("doc.figures", doc.lang))),
                               styles["heading"]))
        for fig in doc.figures:
            story.extend(_figure(fig, doc, fonts, styles, frame_w, frame_h))
        story.append(Spacer(1, 4))

    created = doc.created

    class _DatedCanvas(Canvas):
        """Invariant output (no random ids), dated with the results' end time."""

        def __init__(self, *args: Any, **kwargs: Any):
            kwargs["invariant"] = 1
            super().__init__(*args, **kwargs)
            ts = self._doc._timeStamp
            ts.YMDhms = tuple(created.utctimetuple())[:6]
            ts.dhh = ts.dmm = 0

    footer_title = fonts.text(doc.title)

    def on_page(canvas: Canvas, template: Any) -> None:
        canvas.saveState()
        canvas.setFont(fonts.regular, 7)
        canvas.setFillColor(colors.HexColor("#666666"))
        canvas.drawString(margin, margin / 2, footer_title)
        canvas.drawRightString(page[0] - margin, margin / 2,
                               fonts.text(term("doc.page", doc.lang,
                                               page=canvas.getPageNumber())))
        canvas.restoreState()

    buf = io.BytesIO()
    template = SimpleDocTemplate(buf, pagesize=page, leftMargin=margin, rightMargin=margin,
                                 topMargin=margin, bottomMargin=margin, title=footer_title,
                                 author="facility-opt", creator="facility-opt",
                                 subject=fonts.text(doc.subtitle), invariant=1)
    template.build(story, onFirstPage=on_page, onLaterPages=on_page, canvasmaker=_DatedCanvas)
    return buf.getvalue()


def _table(table: Table, fonts: _Fonts, styles: dict[str, Any], frame_w: float) -> Any:
    """A LongTable that repeats its header row on every page; numbers right-aligned."""
    from reportlab.lib import colors
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.platypus import LongTable, Paragraph

    from facility_opt.report.annex.document import NUMERIC_KINDS, cell_kind, format_cell

    ncols = len(table.columns)
    body = list(table.rows) + ([table.total] if table.total else [])
    texts: list[list[str]] = []
    numeric: list[list[bool]] = []
    for row in body:
        cells, nums = [], []
        for col, raw in zip(table.columns, row, strict=True):
            value, kind = cell_kind(col, raw)
            cells.append(fonts.text(format_cell(value, kind)))
            nums.append(kind in NUMERIC_KINDS and value not in (None, ""))
        texts.append(cells)
        numeric.append(nums)
    pad = 6.0

    def width(s: str, bold: bool = False) -> float:
        return stringWidth(s, fonts.bold if bold else fonts.regular, BODY_SIZE) + pad

    headers = [fonts.text(c.label) for c in table.columns]
    # columns of numbers never wrap; text columns (and headers) share what is left
    need = []
    floor = []
    for j in range(ncols):
        col_numeric = table.columns[j].kind in NUMERIC_KINDS
        cells_w = max([width(r[j]) for r in texts] or [0.0])
        head_w = width(headers[j], bold=True)
        longest_word = max([width(w, bold=True) for w in _UNBREAKABLE.findall(headers[j])]
                           or [0.0])
        if col_numeric:
            need.append(max(cells_w, min(head_w, 52.0), longest_word))
            floor.append(max(cells_w, longest_word))
        else:
            need.append(max(min(cells_w, 300.0), min(head_w, 90.0)))
            # short text (kind, county, community id) stays on one line; long names wrap
            floor.append(min(max(min(cells_w, 80.0), longest_word, 36.0), need[-1]))
    total = sum(need)
    if total > frame_w:
        slack = [n - f for n, f in zip(need, floor, strict=True)]
        excess = total - frame_w
        cut = sum(slack)
        if cut > 0:
            need = [n - s * min(1.0, excess / cut) for n, s in zip(need, slack, strict=True)]
    data: list[list[Any]] = [[Paragraph(escape(h), styles["head"]) for h in headers]]
    for i, row in enumerate(texts):
        out_row = []
        for j, s in enumerate(row):
            if numeric[i][j]:
                out_row.append(s)
            else:
                out_row.append(Paragraph(escape(s), styles["cell"]))
        data.append(out_row)
    style = [
        ("FONT", (0, 0), (-1, -1), fonts.regular, BODY_SIZE),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor(HEADER_FILL)),
        ("GRID", (0, 0), (-1, -1), 0.3, colors.HexColor("#999999")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    for j, col in enumerate(table.columns):
        if col.kind in NUMERIC_KINDS:
            style.append(("ALIGN", (j, 1), (j, -1), "RIGHT"))
    for i, row in enumerate(body, start=1):  # amounts in a key–value table's value column
        for j, (col, raw) in enumerate(zip(table.columns, row, strict=True)):
            if col.kind not in NUMERIC_KINDS and cell_kind(col, raw)[1] in RIGHT_ALIGNED:
                style.append(("ALIGN", (j, i), (j, i), "RIGHT"))
    if table.total:
        style += [("BACKGROUND", (0, -1), (-1, -1), colors.HexColor(TOTAL_FILL)),
                  ("FONT", (0, -1), (-1, -1), fonts.bold, BODY_SIZE)]
    return LongTable(data, colWidths=need, repeatRows=1, style=style, hAlign="LEFT")


def _figure(path: Any, doc: AnnexDoc, fonts: _Fonts, styles: dict[str, Any], frame_w: float,
            frame_h: float) -> Sequence[Any]:
    """A plot scaled to fit the page, with its caption; nothing when the file cannot be read."""
    from reportlab.lib.utils import ImageReader
    from reportlab.platypus import Image, KeepTogether, Paragraph

    try:
        w, h = ImageReader(str(path)).getSize()
    except Exception:  # noqa: BLE001 - a broken PNG is left out, not fatal
        return []
    scale = min(frame_w * 0.7 / w, frame_h * 0.6 / h, 1.0)
    img = Image(str(path), width=w * scale, height=h * scale, hAlign="CENTER")
    caption = Paragraph(escape(fonts.text(doc.caption(path))),
                        styles["note"])
    return [KeepTogether([img, caption])]
