"""Scenario TOML files: reading them with positions in messages, following `extends` chains, and
flattening tables into dotted keys checked against the schema.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from facility_opt.errors import InputError, Problem
from facility_opt.scenario.bundled import _bundled_path, _looks_like_path
from facility_opt.scenario.schema import (
    SCENARIO_KEYS,
    Field,
)
from facility_opt.scenario.tables import (
    did_you_mean,
    display_path,
)

FIELDS: dict[str, Field] = {f.key: f for f in SCENARIO_KEYS}
TOP_KEYS = [f.key for f in SCENARIO_KEYS if "." not in f.key]
SECTIONS: list[str] = list(dict.fromkeys(f.key.split(".")[0] for f in SCENARIO_KEYS
                                         if "." in f.key))


# -- TOML files and `extends` --------------------------------------------------------------------

@dataclass(frozen=True)
class _PathValue:
    """A data path with the folder of the TOML file that wrote it (paths are relative to it)."""

    text: str
    base: Path

    def resolve(self) -> Path:
        p = Path(self.text).expanduser()
        return p if p.is_absolute() else self.base / p


@dataclass
class _Settings:
    """Scenario keys flattened to dotted names, with the file each value came from."""

    values: dict[str, Any] = field(default_factory=dict)
    origin: dict[str, str] = field(default_factory=dict)
    sections: set[str] = field(default_factory=set)  # tables present, even if empty


_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")


def read_toml(path: Path, label: str) -> dict[str, Any]:
    """Parse a TOML file; syntax errors name the line and column."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise InputError(Problem(label, "", "unreadable", f"a readable file ({e.strerror})")) \
            from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise InputError(Problem(label, "", "text in an unknown encoding",
                                     "a TOML file in UTF-8")) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        msg = str(e)
        m = _TOML_POSITION.search(msg)
        where = f"line {m.group(1)}, column {m.group(2)}" if m else ""
        reason = _TOML_POSITION.sub("", msg).strip().rstrip(".")
        raise InputError(Problem(label, where, "invalid TOML",
                                 f"valid TOML syntax (the parser says: {reason})")) from None


def _load_chain(path: Path) -> list[tuple[Path, str, dict[str, Any]]]:
    """The file and its `extends` ancestors, oldest ancestor first. Cycles are errors."""
    chain: list[tuple[Path, str, dict[str, Any]]] = []
    seen: list[Path] = []
    current: Path | None = path
    while current is not None:
        real = current.resolve()
        label = display_path(current)
        if real in seen:
            loop = " → ".join(display_path(p) for p in [*seen, real])
            raise InputError(Problem(chain[-1][1], "key extends", repr(chain[-1][2]["extends"]),
                                     f"a chain of scenarios without a cycle (found {loop})"))
        seen.append(real)
        raw = read_toml(current, label)
        chain.append((current, label, raw))
        parent = raw.get("extends")
        if parent is None:
            current = None
        elif not isinstance(parent, str) or not parent.strip():
            raise InputError(Problem(label, "key extends", _show(parent),
                                     "a scenario file path or a bundled name (text)"))
        else:
            candidate = current.parent / parent
            if candidate.is_file():
                current = candidate
            elif _looks_like_path(parent):
                raise InputError(Problem(label, "key extends", repr(parent),
                                         f"an existing scenario file (looked for {candidate})"))
            else:
                current = _bundled_path(parent, label, "key extends")
    chain.reverse()
    return chain


def _merge_chain(chain: list[tuple[Path, str, dict[str, Any]]]) -> tuple[_Settings, list[Problem]]:
    """The settings of a scenario and its `extends` ancestors (oldest first), merged key by key,
    with the problems found on the way. Loading and `init --from` both read a scenario this way."""
    settings = _Settings()
    problems: list[Problem] = []
    for p, label, raw in chain:
        _flatten(raw, label, p.resolve().parent, settings, problems)
    return settings, problems


def _flatten(raw: Mapping[str, Any], label: str, base: Path | None, out: _Settings,
             problems: list[Problem]) -> None:
    """Merge one file's keys into `out` (later files override earlier ones key by key);
    unknown keys and misplaced tables become problems with a did-you-mean hint."""
    for key, value in raw.items():
        key = str(key)
        if key == "extends":
            continue
        if key in FIELDS:
            _set(out, key, value, label, base)
        elif key in SECTIONS:
            if not isinstance(value, Mapping):
                problems.append(Problem(label, f"key {key}", _show(value),
                                        f"a table [{key}] of keys"))
                continue
            out.sections.add(key)
            for sub, v in value.items():
                dotted = f"{key}.{sub}"
                if dotted in FIELDS:
                    _set(out, dotted, v, label, base)
                else:
                    problems.append(_unknown_key(label, dotted, v))
        else:
            problems.append(_unknown_key(label, key, value))


def _set(out: _Settings, key: str, value: Any, label: str, base: Path | None) -> None:
    f = FIELDS[key]
    if f.type == "path" and isinstance(value, str) and base is not None:
        value = _PathValue(value, base)
    old = out.values.get(key)
    if isinstance(old, Mapping) and isinstance(value, Mapping):
        merged = dict(old)
        merged.update({str(k): v for k, v in value.items()})
        value = merged
    out.values[key] = value
    out.origin[key] = label


def _unknown_key(label: str, key: str, value: Any) -> Problem:
    known = list(FIELDS)
    if "." not in key:
        hint = did_you_mean(key, TOP_KEYS + SECTIONS, cutoff=0.7)
        if hint and isinstance(value, Mapping) and hint.split("'")[1] in SECTIONS:
            hint = hint.replace("?)", "? tables are " + ", ".join(f"[{s}]" for s in SECTIONS)
                                + ")")
    else:
        hint = did_you_mean(key, known, cutoff=0.7)
    if not hint:
        leaf = key.split(".")[-1]
        same_leaf = [k for k in known if k.split(".")[-1] == leaf]
        if same_leaf:
            hint = f" (did you mean {same_leaf[0]!r}? it belongs in [{same_leaf[0].split('.')[0]}])"
        else:
            leaves = {k.split(".")[-1]: k for k in known}
            m = did_you_mean(leaf, list(leaves), cutoff=0.75)
            if m:
                close = m.split("'")[1]
                hint = f" (did you mean {leaves[close]!r}?)"
    where = f"key {key}"
    kind = "table" if isinstance(value, Mapping) and "." not in key else "key"
    return Problem(label, where, _show(value, 40),
                   f"a known {kind} — unknown keys are not ignored{hint}; see "
                   "docs/scenario-reference.md")


def _show(value: Any, limit: int = 60) -> str:
    """A value as the planner wrote it (TOML notation where possible), cut to `limit`."""
    if isinstance(value, _PathValue):
        value = value.text
    if isinstance(value, str):
        text = repr(value)
    elif isinstance(value, (bool, Mapping, list, tuple)):
        try:
            text = toml_value(value)
        except TypeError:
            text = str(value)
    else:
        text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def toml_value(value: Any) -> str:
    """A Python value as TOML text (the subset the schema uses)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        import json

        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        parts = []
        for k, v in value.items():
            key = str(k) if _BARE_KEY.match(str(k)) else toml_value(str(k))
            parts.append(f"{key} = {toml_value(v)}")
        return "{ " + ", ".join(parts) + " }"
    raise TypeError(f"no TOML form for {value!r}")
