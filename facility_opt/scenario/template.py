"""What `validate` and `init` produce: a scenario's one-screen summary, the commented template
generated from the schema, and a self-contained copy of an existing scenario.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from facility_opt.model.money import fmt_money
from facility_opt.model.types import (
    Scenario,
)
from facility_opt.scenario.bundled import _looks_like_path, bundled_dir, resolve_scenario_path
from facility_opt.scenario.checks import _span
from facility_opt.scenario.loading import TABLE_ROLES, load_scenario
from facility_opt.scenario.schema import (
    ENUMERATED_KEYS,
    SCENARIO_KEYS,
    Field,
)
from facility_opt.scenario.settings import _load_chain, _merge_chain, _PathValue, toml_value
from facility_opt.scenario.tables import (
    display_path,
)

# -- commands: validate, scenarios, init ---------------------------------------------------------

def _money(x: float) -> str:
    return fmt_money(x, compact=True)


def _counts(items: Iterable[str]) -> str:
    counts: dict[str, int] = {}
    for k in items:
        counts[k] = counts.get(k, 0) + 1
    return ", ".join(f"{k} {n}" for k, n in sorted(counts.items()))


def _source_label(source: Path) -> str:
    """Where a scenario came from, as a planner would say it: "bundled" for the packaged ones
    (their install path means nothing to a reader), else the path."""
    try:
        Path(source).resolve().relative_to(bundled_dir().resolve())
        return "bundled"
    except ValueError:
        return display_path(source)


def scenario_summary(sc: Scenario) -> list[str]:
    """The short summary `facility-opt validate` prints for a valid scenario."""
    unit = sc.budget.unit
    lines = [f"ok: {sc.name}" + (f" — {sc.title}" if sc.title else "")
             + (f" ({_source_label(sc.source)})" if sc.source else "")]
    years = f"  funding years: {_span(sc.years)} ({len(sc.years)})"
    if sc.base_year is not None:
        years += f"; base year {sc.base_year}"
    lines.append(years)
    per_year = "; ".join(f"{y}: {_money(v)}" for y, v in sc.budget.annual.items())
    lines.append(f"  budget: {_money(sc.budget.total)} {unit} in total ({per_year}); "
                 f"carry-over: {'yes' if sc.budget.carry_over else 'no'}")
    cost = sum(c.cost for c in sc.candidates)
    must = sum(1 for c in sc.candidates if c.must_fund)
    lines.append(f"  candidates: {len(sc.candidates)} ({_counts(c.kind for c in sc.candidates)}),"
                 f" costing {_money(cost)} {unit} together"
                 + (f"; {must} must be funded" if must else ""))
    if sc.communities is not None:
        lines.append(f"  communities: {len(sc.communities)} "
                     f"({_counts(c.type for c in sc.communities)})")
    else:
        lines.append("  communities: none (no data.communities)")
    if sc.centres is not None:
        places = sum(c.places for c in sc.centres)
        lines.append(f"  centres: {len(sc.centres)} with {places:,} day-care places")
    else:
        lines.append("  centres: none (no data.centres)")
    lines.append(f"  objective: {sc.objective.kind}")
    return lines


# Example values for keys without a default, used by the template `init` writes.
TEMPLATE_EXAMPLES: dict[str, Any] = {
    "name": "my-scenario",
    "extends": "leshan-base",
    "horizon.base_year": 2020,
    "horizon.years": [2022, 2023, 2024, 2025],
    "budget.annual": {2022: 5000, 2023: 6000, 2024: 6000, 2025: 4000},
    "data.candidates": "candidates.csv",
    "data.communities": "communities.csv",
    "data.centres": "centres.csv",
    "data.sheet": "Sheet1",
    "data.travel": "travel.csv",
    "daycare.reach_travel": 15,
    "objective.kind": "score",
    "objective.benefit_until": 2030,
    "targets.target_years": [2025],
    "population.last_year": 2030,
    "simulation.years": [2020, 2025],
    "uncertainty.urbanisation_final": [0.57, 0.63],
    "uncertainty.elderly_share_drift": [0.004, 0.010],
    "uncertainty.visits_scale": [0.6, 1.6],
    "uncertainty.stay_hours_mean": [4.0, 8.0],
    "uncertainty.stay_distribution": ["fixed", "lognormal"],
    "annex.organisation": "乐山市民政局",
    "annex.contact": "张三 0833-0000000",
    "annex.reviewer": "李四",
}
def _key_comment(f: Field) -> list[str]:
    bits = [f.description]
    if f.unit:
        bits.append(f"Unit: {f.unit}.")
    allowed = ENUMERATED_KEYS.get(f.key)
    if allowed:
        bits.append("One of: " + ", ".join(allowed) + ".")
    bits.append("Required." if f.required else "Optional.")
    text = " ".join(bits)
    import textwrap

    return ["# " + line for line in textwrap.wrap(text, 96)]


def template_scenario_toml() -> str:
    """The commented scenario.toml `facility-opt init` writes: every key of the schema with its
    unit and meaning. Required keys carry example values; optional ones are commented out at
    their default (or an example), so the file validates once candidates.csv has a row."""
    out = [
        "# facility-opt scenario, written by `facility-opt init` from the scenario schema.",
        "# Lines starting with # are comments. Required keys have example values to replace;",
        "# optional keys are shown commented out at their default: delete the leading '# ' to",
        "# change one. Paths are relative to this file. Amounts are in budget.unit (default 万元).",
        "# Reference of every key: docs/scenario-reference.md. Check with:",
        "#   facility-opt validate scenario.toml",
        "",
    ]
    current = ""
    for f in SCENARIO_KEYS:
        section, _, leaf = f.key.rpartition(".")
        if section != current:
            current = section
            out.append("")
            if section == "population":
                out += ["# Without a [population] table, populations stay as given in",
                        "# communities.csv in every year. Uncomment the next line (and any key",
                        "# below) to project them year by year.",
                        f"# [{section}]"]
            else:
                out.append(f"[{section}]")
        out += _key_comment(f)
        if f.key in TEMPLATE_EXAMPLES and (f.required or f.default is None):
            value = TEMPLATE_EXAMPLES[f.key]
        else:
            value = f.default
        commented = not f.required
        if f.key == "data.communities" or f.key == "data.centres":
            out.append(f"# (fill {TEMPLATE_EXAMPLES[f.key]} first, then uncomment)")
        line = f"{leaf} = {toml_value(value)}" if value is not None else f"{leaf} ="
        out.append(("# " if commented else "") + line)
        if f.key == "objective.benefit_until":
            out += _benefit_until_warning()
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def _benefit_until_warning() -> list[str]:
    """The trap of the default: a project serves from the year after completion, so with the
    benefit counted only up to the last funding year, that year's money buys no benefit."""
    last = TEMPLATE_EXAMPLES["horizon.years"][-1]
    text = (f"WARNING: left at its default (the last funding year, {last} here), the money of "
            f"{last} can earn no benefit: a project started in {last} serves from {last + 1} at "
            f"the earliest, after the years counted, so solve leaves it unspent. Set "
            f"benefit_until to the last year the facilities should count (e.g. "
            f"{TEMPLATE_EXAMPLES['objective.benefit_until']}).")
    import textwrap

    return ["# " + line for line in textwrap.wrap(text, 96)]


def template_columns(role: str) -> list[str]:
    """Header of the empty CSV template of a table (`cost_<year>` columns are optional extras)."""
    from facility_opt.scenario.schema import TABLE_COLUMNS

    return [f.key for f in TABLE_COLUMNS[role] if "<" not in f.key]


def copy_scenario_files(ref: str | os.PathLike[str]) -> dict[str, str | bytes]:
    """A scenario and its tables as files for a planner to edit: one self-contained scenario.toml
    with every key set along its `extends` chain (commented from the schema) and copies of its
    tables. The copy is named `<name>-copy`, so it never overwrites the original's results."""
    path = resolve_scenario_path(ref)
    load_scenario(path)  # only a valid scenario is copied
    settings, _ = _merge_chain(_load_chain(path))
    files: dict[str, str | bytes] = {}
    values = dict(settings.values)
    for role in TABLE_ROLES:
        v = values.get(f"data.{role}")
        if isinstance(v, _PathValue):
            src = v.resolve()
            name = f"{role}{src.suffix.lower()}"
            files[name] = src.read_bytes()
            values[f"data.{role}"] = name
    values["name"] = f"{values.get('name', path.stem)}-copy"
    origin = (f"the bundled scenario {ref}" if isinstance(ref, str) and not _looks_like_path(ref)
              else path.name)
    out = [f"# Copied from {origin} by `facility-opt init --from`: every setting of the",
           "# scenario (its `extends` chain merged), with the tables beside this file.",
           "# Edit freely, then: facility-opt validate scenario.toml", ""]
    current = ""
    for f in SCENARIO_KEYS:
        if f.key not in values or f.key == "extends":
            continue
        section, _, leaf = f.key.rpartition(".")
        if section != current:
            current = section
            out += ["", f"[{section}]"]
        value = values[f.key]
        if isinstance(value, str) and "\n" in value:
            line = f'{leaf} = """\n{value.strip()}\n"""'
        else:
            line = f"{leaf} = {toml_value(value)}"
        out += _key_comment(f) + [line]
    files["scenario.toml"] = "\n".join(out).strip() + "\n"
    return files
