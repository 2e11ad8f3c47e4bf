"""The assumptions page (every scenario setting, translated) and the provenance page (what the
annex was built from, with sha256)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from facility_opt.report.annex.data import AnnexData
from facility_opt.report.annex.document import (
    GENERAL,
    TEXT,
    Col,
    Table,
    Val,
)
from facility_opt.report.terms import has_term, term
from facility_opt.results.folder import fmt_number

SETTINGS_ORDER = ("name", "title", "description", "source", "years", "base_year", "budget",
                  "targets", "objective", "rules", "daycare", "population", "simulation", "plan")


def _setting_rows(prefix: str, obj: Any, out: list[tuple[str, Any]]) -> None:
    if isinstance(obj, Mapping) and obj and not all(is_year(k) for k in obj):
        for k in obj:
            _setting_rows(f"{prefix}.{k}" if prefix else str(k), obj[k], out)
    else:
        out.append((prefix, obj))


def is_year(k: Any) -> bool:
    return str(k).isdigit() and len(str(k)) == 4


def _setting_value(v: Any, lang: str) -> Any:
    if isinstance(v, bool):
        return term("yes" if v else "no", lang)
    if isinstance(v, (int, float)):
        return Val(v, GENERAL)
    if v is None or (isinstance(v, (Mapping, list, tuple)) and not v):
        return "—"
    if isinstance(v, Mapping):
        sep = "；" if lang == "zh" else "; "
        return sep.join(f"{k}: {fmt_number(x) if isinstance(x, (int, float)) else x}"
                        for k, x in v.items())
    if isinstance(v, (list, tuple)):
        return ", ".join(fmt_number(x) if isinstance(x, (int, float)) else str(x) for x in v)
    return str(v)


def assumptions_table(data: AnnexData, lang: str) -> Table:
    t = lambda key, **kw: term(key, lang, **kw)  # noqa: E731
    cols = [Col(t("col.key")), Col(t("col.meaning")), Col(t("col.value"), TEXT)]
    rows: list[list[Any]] = []
    notes = []
    if data.scenario is None:
        notes.append(t("note.no_scenario"))
    else:
        notes.append(t("note.assumptions"))
        flat: list[tuple[str, Any]] = []
        order = {k: i for i, k in enumerate(SETTINGS_ORDER)}
        for key in sorted(data.scenario, key=lambda k: (order.get(k, len(order)), k)):
            if key in ("counts",):
                continue
            _setting_rows(key, data.scenario[key], flat)
        for key, value in flat:
            meaning = _setting_meaning(key, lang)
            if key == "budget.annual":
                value = {y: fmt_number(v) for y, v in value.items()} \
                    if isinstance(value, Mapping) else value
            rows.append([key, meaning, _setting_value(value, lang)])
    inputs = (data.manifest or {}).get("inputs") or {}
    if isinstance(inputs, Mapping):
        for role in sorted(inputs):
            rec = inputs[role]
            path = rec.get("path") if isinstance(rec, Mapping) else rec
            rows.append([f"data.{role}", t("row.input", role=role), str(path)])
    return Table("assumptions", t("sheet.assumptions"), t("heading.assumptions"), cols, rows,
                 notes=notes)


def _setting_meaning(key: str, lang: str) -> str:
    """What a scenario key means, from terms.py; a nested key (daycare.visits_by_type.city)
    takes its parent's meaning."""
    parts = key.split(".")
    for n in range(len(parts), 0, -1):
        k = "setting." + ".".join(parts[:n])
        if has_term(k):
            return term(k, lang)
    return ""


def provenance_table(data: AnnexData, lang: str) -> Table:
    t = lambda key, **kw: term(key, lang, **kw)  # noqa: E731
    m = data.manifest or {}
    s = data.summary
    cols = [Col(t("col.item")), Col(t("col.value"), TEXT), Col(t("col.sha256"))]
    rows: list[list[Any]] = []

    def add(label: str, value: Any, sha: str = "") -> None:
        if value is None or value == "":
            return
        if isinstance(value, (list, tuple)):
            value = " ".join(str(v) for v in value)
        rows.append([label, Val(value, GENERAL) if isinstance(value, (int, float))
                     and not isinstance(value, bool) else str(value), sha])

    add(t("row.tool_version"), m.get("tool_version"))
    add(t("row.command"), m.get("command"))
    add(t("row.command_line"), m.get("command_line"))
    add(t("row.started"), m.get("started"))
    add(t("row.ended"), m.get("ended"))
    add(t("row.scenario"), m.get("scenario") or data.scenario_name)
    add(t("row.scenario_source"), (data.scenario or {}).get("source"))
    add(t("row.solver"), s.get("solver") or m.get("solver"))
    add(t("row.solver_version"), s.get("solver_version") or m.get("solver_version"))
    add(t("row.seed"), m.get("seed"))
    add(t("row.replications"), m.get("replications"))
    inputs = m.get("inputs") or {}
    if isinstance(inputs, Mapping):
        for role in sorted(inputs):
            rec = inputs[role]
            if isinstance(rec, Mapping):
                add(t("row.input", role=role), rec.get("path"), str(rec.get("sha256") or ""))
    for name, (now, listed) in data.file_hashes.items():
        state = ("row.result_unlisted" if listed is None else
                 "row.result_ok" if listed == now else "row.result_changed")
        add(t("row.result_file", name=name), t(state), now)
    packages = m.get("packages") or {}
    if isinstance(packages, Mapping):
        for name in sorted(packages):
            add(t("row.package", name=name), packages[name])
    return Table("provenance", t("sheet.provenance"), t("heading.provenance"), cols, rows,
                 notes=[t("note.provenance")])


def changed_results_files(data: AnnexData) -> list[str]:
    """Results files whose hash differs from the one manifest.json recorded."""
    return [n for n, (now, listed) in data.file_hashes.items()
            if listed is not None and listed != now]
