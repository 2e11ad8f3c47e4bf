"""`facility-opt annex`: write the annex and say where it is and what it asks for."""

from __future__ import annotations

import sys
from pathlib import Path

from facility_opt.model.money import fmt_money
from facility_opt.report.annex.core import write_annex
from facility_opt.report.terms import counted


def run_annex(results_dir: Path, out: Path | None, lang: str) -> int:
    """CLI: write the annex and say where it is and what it asks for."""
    files = write_annex(results_dir, out, lang)
    for w in files.warnings:
        sys.stderr.write(f"warning: {w}\n")
    total = fmt_money(files.total_cost)
    if lang == "zh":
        print(f"附件已生成：{files.projects} 个项目，申请资金合计 {total} {files.unit}")
    else:
        print(f"Annex written: {counted(files.projects, 'project')}, {total} {files.unit} requested")
    for p in (files.xlsx, files.pdf, files.md):
        print(f"  {p}")
    return 0
