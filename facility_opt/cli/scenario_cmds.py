"""`validate`, `scenarios` and `init`: what they print."""

from __future__ import annotations

from pathlib import Path

from facility_opt.errors import InputError, Problem
from facility_opt.scenario.bundled import bundled_scenarios
from facility_opt.scenario.loading import TABLE_ROLES, load_scenario
from facility_opt.scenario.tables import display_path
from facility_opt.scenario.template import (
    copy_scenario_files,
    scenario_summary,
    template_columns,
    template_scenario_toml,
)


def run_validate(scenario: str | None = None) -> int:
    """`facility-opt validate`: check a scenario and its tables; print a summary when valid."""
    sc = load_scenario(scenario)
    print("\n".join(scenario_summary(sc)))
    return 0


def _width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def run_scenarios() -> int:
    """`facility-opt scenarios`: list the bundled scenarios (name, title, extends)."""
    items = bundled_scenarios()
    if not items:
        print("no bundled scenarios are installed")
        return 0
    rows = [("name", "title", "extends")] + [(b.name, b.title, b.extends or "—") for b in items]
    widths = [max(_width(r[i]) for r in rows) for i in range(2)]
    for r in rows:
        print(f"{_pad(r[0], widths[0])}  {_pad(r[1], widths[1])}  {r[2]}".rstrip())
    print(f"\nUse a name as SCENARIO, e.g. `facility-opt validate {items[0].name}`; "
          "`facility-opt init DIR` starts your own.")
    return 0


def run_init(directory: Path, force: bool = False, source: str | None = None) -> int:
    """`facility-opt init DIR [--from SCENARIO]`: write a commented scenario.toml and header-only
    CSV tables, or a full editable copy of an existing scenario."""
    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise InputError(Problem(display_path(directory), "DIR", "a file",
                                 "a folder to write the templates into"))
    files: dict[str, str | bytes]
    if source:
        files = copy_scenario_files(source)
    else:
        files = {"scenario.toml": template_scenario_toml()}
        for role in TABLE_ROLES:
            files[f"{role}.csv"] = ",".join(template_columns(role)) + "\n"
    existing = [directory / n for n in files if (directory / n).exists()]
    if existing and not force:
        raise InputError([Problem(display_path(p), "", "",
                                  "no file here: it exists and init does not overwrite (use "
                                  "--force to replace the templates)") for p in existing])
    directory.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        if isinstance(content, bytes):
            (directory / name).write_bytes(content)
        else:
            (directory / name).write_text(content, encoding="utf-8", newline="\n")
    where = display_path(directory)
    print(f"wrote {', '.join(files)} to {where}/")
    print("next:")
    if source:
        print(f"  1. edit {where}/scenario.toml (budgets, targets, rules …) and the tables")
        print(f"  2. facility-opt validate {where}/scenario.toml")
        print(f"  3. facility-opt solve {where}/scenario.toml")
        return 0
    print(f"  1. fill {where}/candidates.csv, one project per row (id, name, kind, cost, …);")
    print("     communities.csv and centres.csv are optional: fill them, then uncomment their")
    print("     lines under [data] in scenario.toml")
    print(f"  2. set name, horizon.years and budget.annual in {where}/scenario.toml")
    print(f"  3. facility-opt validate {where}/scenario.toml")
    print(f"  4. facility-opt solve {where}/scenario.toml")
    return 0
