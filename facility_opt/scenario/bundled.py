"""Bundled scenarios: the ones shipped inside the package, and how a SCENARIO argument (a path or a
bundled name) resolves to a file.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from facility_opt.errors import InputError, Problem
from facility_opt.scenario.tables import (
    did_you_mean,
    display_path,
)

DEFAULT_SCENARIO = "leshan-base"


# -- bundled scenarios ---------------------------------------------------------------------------

@dataclass(frozen=True)
class BundledScenario:
    """A scenario shipped inside the package, addressable by name."""

    name: str
    title: str
    path: Path
    extends: str = ""


def bundled_dir() -> Path:
    """Folder of the bundled scenario files."""
    return Path(__file__).resolve().parents[1] / "data" / "scenarios"


def bundled_scenarios() -> list[BundledScenario]:
    """Every bundled scenario, sorted by name (a broken file still lists, with a blank title)."""
    out = []
    folder = bundled_dir()
    for p in sorted(folder.glob("*.toml")) if folder.is_dir() else []:
        try:
            raw = tomllib.loads(p.read_text(encoding="utf-8-sig"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError):
            raw = {}
        title = raw.get("title", "")
        extends = raw.get("extends", "")
        out.append(BundledScenario(name=p.stem, title=title if isinstance(title, str) else "",
                                   path=p, extends=extends if isinstance(extends, str) else ""))
    return sorted(out, key=lambda b: b.name)


def _bundled_path(name: str, label: str, where: str) -> Path:
    p = bundled_dir() / f"{name}.toml"
    if p.is_file():
        return p
    names = [b.name for b in bundled_scenarios()]
    listing = ", ".join(names) if names else "none are installed"
    raise InputError(Problem(label, where, repr(name),
                             "a .toml file or a bundled scenario name" + did_you_mean(name, names)
                             + f"; bundled: {listing}"))


def _looks_like_path(ref: str) -> bool:
    """A bare word is a bundled name unless a scenario file or folder of that name is here: a
    results folder called `leshan-base` in the current directory must not hide the bundled one."""
    p = Path(ref)
    return (ref.lower().endswith(".toml") or "/" in ref or "\\" in ref or ref.startswith(".")
            or p.is_file() or (p / "scenario.toml").is_file())


def resolve_scenario_path(ref: str | os.PathLike[str] | None) -> Path:
    """The TOML file a scenario reference names: a path, a folder holding scenario.toml, or a
    bundled name (None: the bundled default)."""
    if ref is None:
        return _bundled_path(DEFAULT_SCENARIO, "scenario", "")
    if isinstance(ref, str) and not _looks_like_path(ref):
        return _bundled_path(ref, "scenario", "")
    p = Path(ref)
    if p.is_dir():
        inner = p / "scenario.toml"
        if inner.is_file():
            return inner
        tomls = sorted(x.name for x in p.glob("*.toml"))
        raise InputError(Problem(display_path(p), "", "a folder without scenario.toml",
                                 "a scenario .toml file" + (
                                     f" (this folder has: {', '.join(tomls)})" if tomls else "")))
    if not p.is_file():
        raise InputError(Problem(display_path(p), "", "no such file",
                                 "a scenario .toml file or a bundled name (see "
                                 "`facility-opt scenarios`)"))
    return p
