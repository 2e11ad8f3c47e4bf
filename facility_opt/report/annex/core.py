"""The budget-request annex (附件): Excel, PDF and Markdown written from a results folder.

Planners must not retype numbers: everything the annex shows is read from the files `solve` or
`plan` wrote, and every money total is recomputed from `selection.csv` with exact decimal
arithmetic and checked against `summary.json` to within one yuan before anything is written.
A folder whose files disagree is refused (InputError, exit 2) rather than turned into a wrong annex.

Three steps, so a notebook can use any of them:
  `load.load_results(dir)` → `AnnexData` (validated; money rounded once to cents that foot) →
  `build.build_doc(data, lang)` → the annex's tables, labelled from `terms.py` (money tables in
  `tables.py`, the verdict in `verdict.py`, assumptions and provenance in `assumptions.py`) →
  writers `xlsx.py`, `pdf.py`, `markdown.py`. This module writes the three files.

Totals in the workbook are values computed in Python (not Excel formulas), so any reader — a test,
pandas, a viewer that does not recalculate — sees the same numbers Excel shows.
Re-running on the same results gives byte-identical files: the documents are dated with the
results' end time (manifest.json), and the xlsx zip entries carry that same fixed time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from facility_opt.errors import InputError
from facility_opt.report.annex.assumptions import changed_results_files
from facility_opt.report.annex.build import build_doc
from facility_opt.report.annex.data import AnnexData
from facility_opt.report.annex.load import load_results
from facility_opt.report.annex.markdown import markdown_text
from facility_opt.report.annex.xlsx import xlsx_bytes
from facility_opt.results.folder import package_versions, sha256_file


@dataclass(frozen=True)
class AnnexFiles:
    """What `write_annex` wrote. `pdf_lang` differs from `lang` when no CJK font was found."""

    xlsx: Path
    pdf: Path
    md: Path
    lang: str
    pdf_lang: str
    warnings: tuple[str, ...] = ()
    total_cost: Decimal = Decimal(0)
    unit: str = "万元"
    projects: int = 0


def _safe_name(name: str) -> str:
    return re.sub(r"[^\w.\-]+", "_", name).strip("._") or "scenario"


def write_annex(results_dir: Path | str, out_dir: Path | str | None = None,
                lang: str = "zh") -> AnnexFiles:
    """Write annex_<scenario>.xlsx, .pdf and .md from a results folder of solve or plan.

    `out_dir` defaults to `<results_dir>/annex/`. Chinese (`zh`) by default; the PDF falls back
    to English (with a warning) when no CJK font is installed, so it never shows empty boxes.
    The results folder is held (its lock) while it is read, so a command writing it meanwhile
    waits, and the annex folder is written like any results folder: one rename per file.
    """
    from contextlib import ExitStack

    from facility_opt.report.annex.pdf import pdf_bytes, pdf_font_plan
    from facility_opt.results.folder import ResultsFolder, recover_interrupted
    from facility_opt.results.lock import FolderLock

    if lang not in ("zh", "en"):
        raise InputError.one("command line", "--lang", lang, "zh or en")
    root = Path(results_dir)
    out = Path(out_dir) if out_dir is not None else root / "annex"
    if out.exists() and not out.is_dir():
        raise InputError.one(str(out), "-o", str(out), "a folder for the annex (a file of that "
                             "name exists)")
    if not root.is_dir():
        load_results(root)  # the one message for a folder that is not there
    inside = root.resolve() in out.resolve().parents
    with ExitStack() as stack:
        if out.resolve() != root.resolve():
            stack.enter_context(FolderLock(root.resolve(), "annex"))
            recover_interrupted(root.resolve(), locked=True)
        # RESULTS_DIR/annex/ is covered by the results folder's lock (no second lock file there)
        folder = stack.enter_context(ResultsFolder(out, "annex", lock=not inside))
        data = load_results(root)
        warnings: list[str] = []
        changed = changed_results_files(data)
        if changed:
            warnings.append("results files changed after the run (hash differs from "
                            "manifest.json): " + ", ".join(changed))
        for mismatch in data.mismatches:
            warnings.append("results from different inputs side by side: " + mismatch)
        font, pdf_lang, font_warning = pdf_font_plan(lang, data)
        if font_warning:
            warnings.append(font_warning)
        data, pdf_data = _with_city_map(data, root, out, folder, lang, stack)
        doc = build_doc(data, lang)
        pdf_doc = build_doc(pdf_data, lang) if pdf_lang == lang and font is not None else build_doc(
            pdf_data, pdf_lang, no_cjk_note=font is None)
        base = f"annex_{_safe_name(data.scenario_name)}"
        files = AnnexFiles(xlsx=out / f"{base}.xlsx", pdf=out / f"{base}.pdf",
                           md=out / f"{base}.md", lang=lang, pdf_lang=pdf_lang,
                           warnings=tuple(warnings), total_cost=data.total_cost, unit=data.unit,
                           projects=len(data.projects))
        folder.write_bytes(files.xlsx.name, xlsx_bytes(doc))
        folder.write_bytes(files.pdf.name, pdf_bytes(pdf_doc, font))
        folder.write_text(files.md.name, markdown_text(doc, out))
        folder.manifest.update(annex_manifest(data, files))
    return files


def _with_city_map(data: AnnexData, root: Path, out: Path, folder: Any, lang: str,
                   stack: Any) -> tuple[AnnexData, AnnexData]:
    """The annex always shows the city map: when the results folder has none (a solve or
    simulate folder), it is drawn from the folder's sites.csv into the annex folder. Returns the
    data for the xlsx/Markdown (the map at its final place, linked relative to the annex) and for
    the PDF (the map where it can be read now, to embed)."""
    import dataclasses
    import tempfile

    if any(p.name == "map_city.png" for p in data.plots) or not (root / "sites.csv").is_file():
        return data, data
    from facility_opt.report.maps import city_map

    tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
    drawn = city_map(root, tmp / "map_city", lang=lang)
    for p in drawn:
        folder.write_bytes(p.name, p.read_bytes())
    png = [p for p in drawn if p.suffix == ".png"]
    if not png:
        return data, data
    return (dataclasses.replace(data, plots=[*data.plots, out / "map_city.png"]),
            dataclasses.replace(data, plots=[*data.plots, png[0]]))


def annex_manifest(data: AnnexData, files: AnnexFiles) -> dict[str, Any]:
    """The annex's own manifest entries (beside the ResultsFolder's tool, command line, times
    and the documents' sha256): the results files it was built from (sha256), language, warnings."""
    inputs = {name: {"path": name, "sha256": now} for name, (now, _) in data.file_hashes.items()}
    results_manifest = data.results_dir / "manifest.json"
    if results_manifest.is_file():
        inputs["manifest.json"] = {"path": "manifest.json", "sha256": sha256_file(results_manifest)}
    return {"packages": package_versions(("openpyxl", "reportlab")),
            "scenario": data.scenario_name, "lang": files.lang, "pdf_lang": files.pdf_lang,
            "inputs": inputs, "warnings": list(files.warnings)}
