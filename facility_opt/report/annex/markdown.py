"""The annex as Markdown, for pasting into other documents."""

from __future__ import annotations

import os
from pathlib import Path

from facility_opt.report.annex.document import (
    NUMERIC_KINDS,
    AnnexDoc,
    cell_kind,
    format_cell,
)
from facility_opt.report.terms import term


def _md_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def markdown_text(doc: AnnexDoc, md_dir: Path) -> str:
    """The annex as Markdown for pasting into other documents; plots linked relative to it."""
    out = [f"# {doc.title}", "", doc.subtitle, ""]
    for table in doc.tables:
        out += [f"## {table.heading}", ""]
        if table.rows or table.total:
            out.append("| " + " | ".join(_md_escape(c.label) for c in table.columns) + " |")
            out.append("|" + "|".join("---:" if c.kind in NUMERIC_KINDS else "---"
                                      for c in table.columns) + "|")
            body = list(table.rows) + ([table.total] if table.total else [])
            for i, row in enumerate(body):
                cells = [_md_escape(format_cell(*cell_kind(c, v)))
                         for c, v in zip(table.columns, row, strict=True)]
                if table.total is not None and i == len(body) - 1:
                    cells = [f"**{c}**" if c else "" for c in cells]
                out.append("| " + " | ".join(cells) + " |")
            out.append("")
        for note in table.notes:
            out += [note, ""]
        for fig in table.figures:
            out += [_md_image(doc, fig, md_dir), ""]
    if doc.figures:
        out += [f"## {term('doc.figures', doc.lang)}", ""]
        for fig in doc.figures:
            out += [_md_image(doc, fig, md_dir), ""]
    return "\n".join(out).rstrip("\n") + "\n"


def _md_image(doc: AnnexDoc, fig: Path, md_dir: Path) -> str:
    rel = Path(os.path.relpath(fig.resolve(), md_dir.resolve())).as_posix()
    return f"![{doc.caption(fig)}]({rel})"
