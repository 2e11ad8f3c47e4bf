"""The assumptions page (every scenario setting, translated) and the provenance page (what the
annex was built from, with sha256)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from facility_opt.report.annex.data import AnnexData
from facility_opt.report.annex.document import (
    GENERAL,
    TEXT,
    Col,
    Table,
    Val,
    beijing,
)
from facility_opt.report.terms import has_term, term
from facility_opt.results.folder import fmt_number

SETTINGS_ORDER = ("title", "description", "years", "base_year", "budget", "targets", "objective",
                  "rules", "daycare", "population", "simulation", "plan")
SKIPPED = ("name", "source", "counts", "annex")  # identifiers (provenance page) and the cover block


def _setting_rows(prefix: str, obj: Any, out: list[tuple[str, Any]]) -> None:
    if isinstance(obj, Mapping) and obj and not all(is_year(k) for k in obj):
        for k in obj:
            _setting_rows(f"{prefix}.{k}" if prefix else str(k), obj[k], out)
    else:
        out.append((prefix, obj))


def is_year(k: Any) -> bool:
    return str(k).isdigit() and len(str(k)) == 4


def has_cjk(text: str) -> bool:
    """Mostly Chinese: at least a third of its letters are CJK characters (an English paragraph
    quoting 一 is not)."""
    cjk = sum("\u2e80" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef" for ch in text)
    latin = sum(ch.isascii() and ch.isalpha() for ch in text)
    return cjk > 0 and cjk * 3 >= latin


def in_language(text: str, lang: str) -> str:
    """The parts of a bilingual text ("乐山 · Leshan …", split at ' · ') in one language; empty
    when it has none in that language."""
    parts = [p.strip() for p in str(text).split(" · ") if p.strip()]
    keep = [p for p in parts if has_cjk(p) == (lang == "zh")]
    return " · ".join(keep)


def _word(value: str, lang: str) -> str:
    """A setting's word value (morning-peak, lognormal, ci_low, city …) in `lang`."""
    key = f"value.{value}"
    if has_term(key):
        return term(key, lang)
    k = f"kind.{value}"
    return term(k, lang) if has_term(k) else value


def _text(key: str, v: Any, lang: str) -> str:
    out = _setting_value(key, v, lang)
    return fmt_number(out.value) if isinstance(out, Val) else str(out)


def _setting_value(key: str, v: Any, lang: str) -> Any:
    sep = "；" if lang == "zh" else "; "
    if isinstance(v, bool):
        return term("yes" if v else "no", lang)
    if isinstance(v, (int, float)):
        if key in PERCENT_KEYS:
            return f"{v:.1%}".replace(".0%", "%")
        return Val(v, GENERAL)
    if v is None or v == "" or (isinstance(v, (Mapping, list, tuple)) and not v):
        return term("value.unset", lang)
    if isinstance(v, Mapping):  # {year: value} or {kind: count}
        def label(k: Any) -> str:
            if is_year(k):
                return term("value.year", lang, year=k)
            return _word(str(k), lang)
        colon = "：" if lang == "zh" else ": "
        return sep.join(f"{label(k)}{colon}{_text(key, x, lang)}" for k, x in v.items())
    if isinstance(v, (list, tuple)):
        return ("、" if lang == "zh" else ", ").join(
            fmt_number(x) if isinstance(x, (int, float)) else _word(str(x), lang) for x in v)
    if key in ("title", "description"):
        return in_language(v, lang) or term("value.other_language", lang)
    return _word(str(v), lang)


PERCENT_KEYS = {"targets.daycare_coverage", "rules.max_county_share", "targets.max_turned_away",
                "population.total_growth_per_year", "population.elderly_share_drift_per_year"}


def assumptions_table(data: AnnexData, lang: str) -> Table:
    """Every setting the results were computed with, by its meaning in `lang` (no raw keys) and
    its value in `lang` (word values translated, shares as percentages, years as years)."""
    t = lambda key, **kw: term(key, lang, **kw)  # noqa: E731
    cols = [Col(t("col.setting")), Col(t("col.value"), TEXT)]
    rows: list[list[Any]] = []
    notes = []
    if data.scenario is None:
        notes.append(t("note.no_scenario"))
    else:
        notes.append(t("note.assumptions"))
        flat: list[tuple[str, Any]] = []
        order = {k: i for i, k in enumerate(SETTINGS_ORDER)}
        for key in sorted(data.scenario, key=lambda k: (order.get(k, len(order)), k)):
            if key in SKIPPED:
                continue
            _setting_rows(key, data.scenario[key], flat)
        for key, value in flat:
            rows.append([setting_label(key, lang), _setting_value(key, value, lang)])
    inputs = (data.manifest or {}).get("inputs") or {}
    if isinstance(inputs, Mapping):
        for role in sorted(inputs):
            rec = inputs[role]
            path = rec.get("path") if isinstance(rec, Mapping) else rec
            label = t(f"role.{role}") if has_term(f"role.{role}") else role
            rows.append([t("row.input", role=label), str(path)])
    return Table("assumptions", t("sheet.assumptions"), t("heading.assumptions"), cols, rows,
                 notes=notes)


def setting_label(key: str, lang: str) -> str:
    """A scenario key in words: its own term, else its parent's with the last part translated
    (daycare.visits_by_type.city → 分社区类型来访率：城区)."""
    if has_term("setting." + key):
        return term("setting." + key, lang)
    parent, _, last = key.rpartition(".")
    if parent and has_term("setting." + parent):
        return f"{term('setting.' + parent, lang)}{'：' if lang == 'zh' else ': '}{_word(last, lang)}"
    return term("value.unnamed_setting", lang, name=key)


def _when(text: Any, lang: str) -> str | None:
    """An ISO time of manifest.json in Beijing time."""
    try:
        return beijing(datetime.fromisoformat(str(text)), lang) if text else None
    except ValueError:
        return str(text)


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
    add(t("row.started"), _when(m.get("started"), lang))
    add(t("row.ended"), _when(m.get("ended"), lang))
    for n, run in enumerate(m.get("runs") or [], start=1):
        if isinstance(run, Mapping):
            add(t("row.run", n=n), t("value.run", command=run.get("command"),
                                     ended=_when(run.get("ended"), lang),
                                     files=len(run.get("files") or {})))
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
                add(t("row.input", role=t(f"role.{role}") if has_term(f"role.{role}") else role),
                    rec.get("path"), str(rec.get("sha256") or ""))
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
