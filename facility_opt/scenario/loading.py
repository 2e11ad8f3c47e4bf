"""Loading a scenario: settings + tables → a checked `Scenario`.

Two constructors share one validation path, so a notebook gets the same checks as the CLI:

- `load_scenario(ref)` — a `.toml` path or a bundled name (default `leshan-base`);
- `scenario_from_tables(settings, candidates, communities, centres)` — in-memory rows.

Every problem is collected (not just the first) and raised as one `InputError` whose lines name
the file, the key or row and column, the value found and what is expected.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from facility_opt.errors import InputError, Problem
from facility_opt.model.types import (
    AnnexCover,
    Budget,
    Candidate,
    Daycare,
    Objective,
    PlanLoop,
    Population,
    Rules,
    Scenario,
    Simulation,
    Targets,
    Uncertainty,
)
from facility_opt.scenario.build import (
    _build_candidates,
    _build_centres,
    _build_communities,
    _build_travel,
    _ids,
)
from facility_opt.scenario.bundled import resolve_scenario_path
from facility_opt.scenario.checks import _Checker, _cross_check
from facility_opt.scenario.schema import (
    CANDIDATE_KINDS,
)
from facility_opt.scenario.settings import (
    FIELDS,
    _flatten,
    _load_chain,
    _merge_chain,
    _PathValue,
    _Settings,
    _show,
)
from facility_opt.scenario.tables import (
    Table,
    did_you_mean,
    display_path,
    one_line,
    read_table,
    table_from_rows,
)

MAX_LINES = 50
TABLE_ROLES = ("candidates", "communities", "centres", "travel")


# -- assembling a scenario -----------------------------------------------------------------------

def _raise_if(problems: list[Problem]) -> None:
    if not problems:
        return
    unique = list(dict.fromkeys(one_line(problems)))
    shown = unique[:MAX_LINES]
    text = "\n".join(str(p) for p in shown)
    if len(unique) > MAX_LINES:
        text += f"\n… and {len(unique) - MAX_LINES} more problems"
    err = InputError(text)
    err.problems = unique
    raise err


def _get(ok: Mapping[str, Any], key: str) -> Any:
    if key in ok:
        return ok[key]
    d = FIELDS[key].default
    if isinstance(d, dict):
        return dict(d)
    if isinstance(d, list):
        return tuple(d)
    return d


def _assemble(settings: _Settings, label: str, tables: dict[str, Table | None],
              table_problems: list[Problem], source: Path | None,
              input_files: dict[str, Path], require_data: bool) -> Scenario:
    """Check the settings and tables together and build the Scenario, or raise every problem."""
    problems: list[Problem] = []
    ck = _Checker(settings, label, problems)
    skip = () if require_data else ("data.candidates",)
    ok = ck.run(required_skip=skip)
    # a communities file that is named but failed to read is reported once, not again as
    # "the benefit objective needs communities"
    named = isinstance(settings.values.get("data.communities"), _PathValue)
    _cross_check(ck, has_communities=tables.get("communities") is not None or named)
    problems.extend(table_problems)
    years: tuple[int, ...] | None = ok.get("horizon.years")

    communities = None
    geo: dict = {}  # the lon/lat projection of communities.csv, for centres.csv
    comm_table = tables.get("communities")
    if comm_table is not None:
        communities = _build_communities(comm_table, problems, geo)
    comm_label = comm_table.label if comm_table is not None else "communities"
    centres = None
    centre_table = tables.get("centres")
    if centre_table is not None:
        if comm_table is None and named:
            pass  # the communities file failed: references cannot be checked yet
        elif comm_table is None:
            problems.append(Problem(ck.where("data.centres"), "key data.centres",
                                    _show(settings.values.get("data.centres", "centres")),
                                    "data.communities as well (centres stand in communities)"))
        else:
            last = max(years[-1], ok.get("population.last_year") or 0) if years else None
            centres = _build_centres(centre_table, problems, communities, comm_label, last,
                                     _ids(comm_table) or set(), geo.get("projection"))
    cand_table = tables.get("candidates")
    candidates: list[Candidate] = []
    if cand_table is not None:
        candidates = _build_candidates(cand_table, problems, years, _ids(comm_table), comm_label)
    travel = None
    travel_table = tables.get("travel")
    if travel_table is not None:
        travel = _build_travel(travel_table, problems, _ids(comm_table), comm_label,
                               {c.id for c in candidates} | {c.id for c in centres or ()})
        if ok.get("daycare.reach_travel") is None:
            problems.append(Problem(ck.where("data.travel"), "key daycare.reach_travel", "",
                                    "a reach threshold in the travel table's unit (data.travel "
                                    "is given)"))
    min_count = ok.get("targets.min_count") or {}
    known_kinds = set(CANDIDATE_KINDS) | {c.kind for c in candidates}
    for kind, count in min_count.items():
        if kind not in known_kinds:
            problems.append(Problem(ck.where("targets.min_count"), f"key targets.min_count.{kind}",
                                    str(count), "a kind of project ("
                                    + ", ".join(sorted(known_kinds)) + ")"
                                    + did_you_mean(kind, sorted(known_kinds))))
    _raise_if(problems)
    assert years is not None

    kind = ok.get("objective.kind") or ("benefit" if communities is not None else "score")
    population = None
    if "population" in settings.sections:
        population = Population(
            urbanisation=_get(ok, "population.urbanisation"),
            total_growth_per_year=_get(ok, "population.total_growth_per_year"),
            elderly_share_drift_per_year=_get(ok, "population.elderly_share_drift_per_year"),
            growth_weights={**FIELDS["population.growth_weights"].default,
                            **ok.get("population.growth_weights", {})},
            last_year=ok.get("population.last_year"))
    return Scenario(
        name=ok["name"],
        years=years,
        budget=Budget(annual={y: ok["budget.annual"][y] for y in years},
                      unit=_get(ok, "budget.unit"), carry_over=_get(ok, "budget.carry_over")),
        candidates=tuple(candidates),
        title=_get(ok, "title"),
        description=_get(ok, "description"),
        base_year=ok.get("horizon.base_year"),
        communities=tuple(communities) if communities is not None else None,
        centres=tuple(centres) if centres is not None else None,
        objective=Objective(
            kind=kind, weight_households=_get(ok, "objective.weight_households"),
            weight_elderly=_get(ok, "objective.weight_elderly"),
            area_standard_m2_per_100_households=_get(
                ok, "objective.area_standard_m2_per_100_households"),
            tie_break=_get(ok, "objective.tie_break"),
            benefit_until=ok.get("objective.benefit_until"),
            coverage_weight=_get(ok, "objective.coverage_weight")),
        targets=Targets(min_count=dict(min_count),
                        daycare_coverage=_get(ok, "targets.daycare_coverage"),
                        target_years=ok.get("targets.target_years"),
                        criterion=_get(ok, "targets.criterion"),
                        coverage_basis=_get(ok, "targets.coverage_basis"),
                        max_turned_away=_get(ok, "targets.max_turned_away")),
        rules=Rules(early_completion=_get(ok, "rules.early_completion"),
                    early_completion_types=tuple(_get(ok, "rules.early_completion_types")),
                    early_completion_year=_get(ok, "rules.early_completion_year"),
                    min_projects_per_county=_get(ok, "rules.min_projects_per_county"),
                    max_county_share=_get(ok, "rules.max_county_share")),
        daycare=Daycare(**{k.split(".")[1]: _get(ok, k) for k in FIELDS
                           if k.startswith("daycare.")}),
        population=population,
        travel=travel,
        simulation=Simulation(replications=_get(ok, "simulation.replications"),
                              seed=_get(ok, "simulation.seed"),
                              sampled_days=_get(ok, "simulation.sampled_days"),
                              years=ok.get("simulation.years")),
        plan=PlanLoop(max_iterations=_get(ok, "plan.max_iterations")),
        uncertainty=Uncertainty(
            ranges={k.split(".")[1]: ok[k] for k in FIELDS
                    if k.startswith("uncertainty.") and ok.get(k) is not None
                    and FIELDS[k].type == "range"},
            choices={k.split(".")[1]: ok[k] for k in FIELDS
                     if k.startswith("uncertainty.") and ok.get(k) is not None
                     and FIELDS[k].type == "choices"},
            futures=_get(ok, "uncertainty.futures"), seed=_get(ok, "uncertainty.seed")),
        annex=AnnexCover(**{k: str(ok.get(f"annex.{k}") or "")
                            for k in ("organisation", "contact", "reviewer")}),
        source=source,
        input_files=dict(input_files),
    )


def load_scenario(ref: str | os.PathLike[str] | None = None) -> Scenario:
    """Load and check a scenario: a .toml path, a folder with scenario.toml, or a bundled name
    (None: `leshan-base`). Raises InputError listing every problem found."""
    path = resolve_scenario_path(ref)
    chain = _load_chain(path)
    settings, problems = _merge_chain(chain)
    input_files: dict[str, Path] = {f"extends:{p.stem}": p.resolve() for p, _, _ in chain[:-1]}
    top_path, top_label, top_raw = chain[-1]
    input_files["scenario"] = top_path.resolve()
    if "name" not in top_raw:
        settings.values.pop("name", None)  # a scenario's name is its own, never inherited
    sheet = settings.values.get("data.sheet")
    sheet = sheet if isinstance(sheet, str) else None
    tables: dict[str, Table | None] = {}
    table_problems: list[Problem] = []
    for role in TABLE_ROLES:
        key = f"data.{role}"
        ref_value = settings.values.get(key)
        if not isinstance(ref_value, _PathValue) or not ref_value.text.strip():
            tables[role] = None
            continue
        file = ref_value.resolve()
        origin = settings.origin.get(key, top_label)
        if not file.is_file():
            table_problems.append(Problem(origin, f"key {key}", repr(ref_value.text),
                                          f"an existing {role} table (looked for "
                                          f"{display_path(file)})"))
            tables[role] = None
            continue
        input_files[role] = file.resolve()
        try:
            tables[role] = read_table(file, sheet=sheet)
        except InputError as e:
            table_problems.extend(e.problems or [Problem(display_path(file), "", "", str(e))])
            tables[role] = None
    problems.extend(table_problems)
    return _assemble(settings, top_label, tables, problems, top_path.resolve(), input_files,
                     require_data=True)


def scenario_from_tables(settings: Mapping[str, Any], candidates: Iterable[Mapping[str, Any]],
                         communities: Iterable[Mapping[str, Any]] | None = None,
                         centres: Iterable[Mapping[str, Any]] | None = None,
                         base_dir: str | os.PathLike[str] | None = None,
                         travel: Iterable[Mapping[str, Any]] | None = None) -> Scenario:
    """Build a Scenario from in-memory settings (nested like the TOML file) and table rows
    (dicts column → value), with the same checks as `load_scenario`.

    `settings["data"]` may be left out; tables passed as rows win over it. A table not passed
    but named in `settings["data"]` is read from that path, relative to `base_dir` (default: the
    current folder). `extends` is not followed here.
    """
    problems: list[Problem] = []
    base = Path(base_dir) if base_dir is not None else Path.cwd()
    flat = _Settings()
    if not isinstance(settings, Mapping):
        raise InputError(Problem("settings", "", _show(settings), "a mapping of scenario keys"))
    _flatten(settings, "settings", base, flat, problems)
    tables: dict[str, Table | None] = {}
    given = {"candidates": candidates, "communities": communities, "centres": centres,
             "travel": travel}
    input_files: dict[str, Path] = {}
    for role, rows in given.items():
        if rows is not None:
            try:
                tables[role] = rows if isinstance(rows, Table) else table_from_rows(role, rows)
            except InputError as e:
                problems.extend(e.problems)
                tables[role] = None
            continue
        ref_value = flat.values.get(f"data.{role}")
        tables[role] = None
        if isinstance(ref_value, _PathValue):
            file = ref_value.resolve()
            if not file.is_file():
                problems.append(Problem("settings", f"key data.{role}", repr(ref_value.text),
                                        f"an existing file (looked for {display_path(file)})"))
                continue
            input_files[role] = file.resolve()
            try:
                tables[role] = read_table(file, sheet=flat.values.get("data.sheet")
                                          if isinstance(flat.values.get("data.sheet"), str)
                                          else None)
            except InputError as e:
                problems.extend(e.problems)
    return _assemble(flat, "settings", tables, problems, None, input_files, require_data=False)


def candidate_position(scenario: Scenario, candidate: Candidate) -> tuple[float, float] | None:
    """(x_km, y_km) of a candidate for reach: its community's position, or None if unknown."""
    if candidate.community_id is None or scenario.communities is None:
        return None
    for c in scenario.communities:
        if c.id == candidate.community_id:
            return (c.x_km, c.y_km)
    return None
