"""`compare`: scenarios side by side, in pictures that go straight into a report.

Inputs are scenarios (a .toml file or a bundled name) or results folders. A scenario is solved and
its portfolio simulated, all with one seed (common random numbers: the same visits are drawn in
every scenario, so differences are the scenarios', not the dice's); its files go into
`scenarios/<name>/` inside the comparison folder. A results folder is read as it is; if it has no
coverage.csv (a `solve` folder), its coverage is left out of the coverage plot and the note says
so. Every plot is drawn from the CSVs as written, through `facility_opt.report.plots`:

- compare_spend: spend by year against each scenario's budget;
- compare_selection: projects × scenarios, the start year of each chosen project;
- compare_coverage: coverage trajectories with 95 % bands and the target line;
- compare_benefit_cost: objective against total cost, with each total budget.

`compare.csv` holds one row of headline figures per scenario.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from facility_opt.errors import InfeasibleError, InputError
from facility_opt.model.targets import judge_simulated  # re-exported: the one judgement of a simulation

SUMMARY_COLUMNS = ["scenario", "title", "source", "status", "objective", "objective_kind",
                   "total_cost", "budget_total", "budget_unit", "selected_count"]
TAIL_COLUMNS = ["coverage_year", "facility_coverage_mean", "facility_coverage_ci_low",
                "service_coverage_mean", "service_coverage_ci_low", "target", "criterion",
                "target_met", "covered", "effective_covered", "note"]


@dataclass
class ComparedScenario:
    """One column of the comparison: the files it was read from and what they say."""

    name: str
    title: str
    source: str  # "scenario" (run here) or "results" (read as is)
    folder: Path
    summary: dict[str, Any]
    settings: dict[str, Any]  # scenario.json, when present
    selection: list[dict[str, str]]
    spend: list[dict[str, str]]
    coverage: list[dict[str, str]] | None
    notes: list[str] = field(default_factory=list)
    infeasible: bool = False  # proven: no plan within the budget meets every rule and target
    error: Exception | None = None  # why no plan (a scenario run here that has none)


@dataclass
class CompareResult:
    scenarios: list[ComparedScenario]
    rows: list[dict[str, Any]]
    columns: list[str]
    plots: list[Path]
    out: Path | None = None
    seed: int | None = None


class _SubFolder:
    """A subfolder of a results folder with the same writing methods, so `write_solve_outputs`
    and `write_simulation_outputs` can fill `scenarios/<name>/` of the comparison."""

    def __init__(self, parent, name: str):
        self.parent, self.prefix = parent, f"scenarios/{name}/"
        self.manifest: dict[str, Any] = {}

    @property
    def path(self) -> Path:
        p = self.parent.path / self.prefix
        p.mkdir(parents=True, exist_ok=True)
        return p

    def write_text(self, name: str, text: str) -> Path:
        return self.parent.write_text(self.prefix + name, text)

    def write_bytes(self, name: str, data: bytes) -> Path:
        return self.parent.write_bytes(self.prefix + name, data)

    def write_csv(self, name: str, columns, rows) -> Path:
        return self.parent.write_csv(self.prefix + name, columns, rows)

    def write_json(self, name: str, obj: Any) -> Path:
        return self.parent.write_json(self.prefix + name, obj)


def _read_csv(path: Path) -> list[dict[str, str]] | None:
    from facility_opt.report.plots import read_csv_rows

    return read_csv_rows(path) if path.is_file() else None


def _read_json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise InputError.one(str(path), "", "unreadable JSON", f"a results file ({err})") from None


def read_results_folder(folder: Path, source: str = "results") -> ComparedScenario:
    """What compare needs from a results folder of solve, simulate or plan."""
    folder = Path(folder)
    summary = _read_json(folder / "summary.json")
    settings = _read_json(folder / "scenario.json")
    selection = _read_csv(folder / "selection.csv")
    if selection is None:
        raise InputError.one(str(folder), "", "a folder without selection.csv",
                             "a results folder of facility-opt solve, simulate or plan, or a "
                             "scenario (.toml file or bundled name)")
    spend = _read_csv(folder / "spend.csv") or []
    coverage = _read_csv(folder / "coverage.csv")
    name = str(summary.get("scenario") or settings.get("name") or folder.name)
    notes = []
    if coverage is None:
        notes.append("no coverage.csv (not simulated): left out of the coverage plot")
    if not spend:
        notes.append("no spend.csv: left out of the spend plot")
    return ComparedScenario(name, str(settings.get("title") or ""), source, folder, summary,
                            settings, selection, spend, coverage, notes)


def _unique(name: str, taken: set[str]) -> str:
    out, k = name, 2
    while out in taken:
        out, k = f"{name}-{k}", k + 1
    taken.add(out)
    return out


def _run_scenario(ref: str, folder, name: str, *, solver: str, replications: int | None,
                  seed: int, workers: int) -> ComparedScenario:
    """Solve and simulate one scenario into `scenarios/<name>/` of the comparison folder."""
    from facility_opt.scenario.loading import load_scenario
    from facility_opt.simulate.core import simulate
    from facility_opt.simulate.outputs import write_simulation_outputs
    from facility_opt.solve.core import solve
    from facility_opt.solve.outputs import write_solve_outputs

    sc = load_scenario(ref)
    try:
        res = solve(sc, solver=solver)
    except InfeasibleError as err:  # a row that says so, not the end of the comparison
        return _infeasible_row(sc, folder, name, err)
    sub = _SubFolder(folder, name)
    write_solve_outputs(sub, sc, res)
    if sc.communities and sc.centres is not None:
        sim = simulate(sc, res.portfolio, replications=replications, seed=seed, workers=workers)
        write_simulation_outputs(sub, sc, sim)
        summary = _read_json(sub.path / "summary.json")
        summary["coverage"] = {str(y): v.record() for y, v in
                               sorted(judge_simulated(sc, res.portfolio, sim).items())}
        sub.write_json("summary.json", summary)
    sub.write_json("manifest.json", {"command": "compare", **sub.manifest})
    out = read_results_folder(sub.path, source="scenario")
    out.name = name
    return out


def _infeasible_row(sc, folder, name: str, err: InfeasibleError) -> ComparedScenario:
    """A scenario with no plan within its budget (proven, or the solver's limits): its row says
    why and the money a plan would need; no selection, spend or coverage to draw."""
    from facility_opt.results.folder import scenario_record

    status = str(err.status or "infeasible")
    summary = {"scenario": sc.name, "status": status, "budget_unit": sc.budget.unit,
               "budget_by_year": {str(y): v for y, v in sorted(sc.budget.annual.items())},
               "objective_kind": sc.objective.kind, "total_cost": None, "objective": None,
               "reasons": list(err.reasons)}
    sub = _SubFolder(folder, name)
    sub.write_json("summary.json", summary)
    sub.write_json("manifest.json", {"command": "compare", **sub.manifest})
    proof = "proven by the optimiser" if status == "infeasible" else "the solver's limits"
    return ComparedScenario(name, sc.title or "", "scenario", sub.path, summary,
                            scenario_record(sc), [], [], None,
                            [f"no plan within the budget ({proof}): {err.message}"],
                            infeasible=status == "infeasible", error=err)


RESULTS_FILES_READ = ("summary.json", "scenario.json", "selection.csv", "spend.csv",
                      "coverage.csv", "manifest.json")


def _input_files(s: ComparedScenario) -> dict[str, Any]:
    """The sha256 of what a compared scenario came from, for manifest.json: a scenario run here,
    its scenario file and tables (from its own manifest); a results folder, the files read."""
    from facility_opt.results.folder import sha256_file

    if s.source == "scenario":
        return _read_json(s.folder / "manifest.json").get("inputs", {})
    return {name: {"path": name, "sha256": sha256_file(s.folder / name)}
            for name in RESULTS_FILES_READ if (s.folder / name).is_file()}


def _is_results_folder(ref: str) -> bool:
    p = Path(ref)
    return p.is_dir() and (p / "selection.csv").is_file()


def _num(text: Any) -> float | None:
    from facility_opt.report.plots import to_float

    try:
        return to_float(text)
    except ValueError:
        return None


def headline(s: ComparedScenario, kinds: Sequence[str]) -> dict[str, Any]:
    """compare.csv's row for one scenario: money, what is chosen, coverage in the last year."""
    sel = [r for r in s.selection if str(r.get("selected", "")).strip() == "1"]
    budget = sum(_num(r.get("budget")) or 0.0 for r in s.spend) if s.spend else None
    if budget is None and s.summary.get("budget_by_year"):
        budget = float(sum(s.summary["budget_by_year"].values()))
    targets = s.settings.get("targets") or {}
    target = float(targets.get("daycare_coverage", 0.9))
    criterion = str(targets.get("criterion", "ci_low"))
    row: dict[str, Any] = {
        "scenario": s.name, "title": s.title, "source": s.source,
        "status": s.summary.get("status", ""), "objective": s.summary.get("objective"),
        "objective_kind": s.summary.get("objective_kind", ""),
        "total_cost": s.summary.get("total_cost"),
        "budget_total": budget,
        "budget_unit": s.summary.get("budget_unit") or (s.settings.get("budget") or {}
                                                         ).get("unit", ""),
        "selected_count": len(sel), "target": target, "criterion": criterion,
        "note": "; ".join(s.notes),
    }
    for k in kinds:
        row[f"selected_{k}"] = sum(1 for r in sel if r.get("kind") == k)
    if s.coverage:
        year = max(int(r["year"]) for r in s.coverage)
        cov = {r["metric"]: r for r in s.coverage if int(r["year"]) == year}
        row["coverage_year"] = year
        met = True
        for m in ("facility_coverage", "service_coverage"):
            r = cov.get(m)
            mean = _num(r["mean"]) if r else None
            low = _num(r["ci_low"]) if r else None
            row[f"{m}_mean"], row[f"{m}_ci_low"] = mean, low
            judged = low if criterion == "ci_low" and low is not None and not math.isnan(low) \
                else mean
            met = met and judged is not None and judged >= target - 1e-12
        row["target_met"] = met
    verdicts = s.summary.get("coverage") or {}
    if verdicts:  # the one judgement, as solve / plan wrote it: it decides
        last = verdicts[max(verdicts, key=int)]
        row["covered"], row["effective_covered"] = last.get("covered"), last.get("effective_covered")
        mets = [v.get("met") for v in verdicts.values()]
        row["target_met"] = None if any(m is None for m in mets) else all(mets)
        row["criterion"] = "effective coverage" if last.get("effective_covered") is not None \
            else f"communities covered ({last.get('basis', 'reach')})"
    if s.infeasible:
        row["target_met"] = False  # no plan within the budget meets every rule and target
    return row


def compare(inputs: Sequence[str], *, out: Path | None = None, replications: int | None = None,
            seed: int | None = None, workers: int = 1, solver: str = "highs",
            lang: str = "auto") -> CompareResult:
    """Run what is missing, write compare.csv and the four plots (PNG and SVG) into `out`
    (default results/compare/), atomically."""
    from contextlib import nullcontext

    from facility_opt.progress import SILENT, stage
    from facility_opt.results.folder import ResultsFolder, default_results_dir
    from facility_opt.scenario.loading import load_scenario

    if not inputs:
        raise InputError.one("command line", "SCENARIO_OR_RESULTS_DIR", "",
                             "at least one scenario or results folder")
    refs = list(inputs)
    for ref in refs:
        if Path(ref).is_dir() and not _is_results_folder(ref) and \
                not (Path(ref) / "scenario.toml").is_file():
            raise InputError.one("command line", "SCENARIO_OR_RESULTS_DIR", ref,
                                 "a results folder holding selection.csv (written by solve, "
                                 "simulate or plan), or a scenario")
    for ref in refs:  # a scenario that does not load stops the run before anything is written
        if not _is_results_folder(ref):
            load_scenario(ref)
    if seed is None:  # one seed for all: the first scenario's (common random numbers)
        first = next((r for r in refs if not _is_results_folder(r)), None)
        seed = load_scenario(first).simulation.seed if first is not None else None
    target = Path(out) if out is not None else default_results_dir("compare")
    taken: set[str] = set()
    compared: list[ComparedScenario] = []
    with ResultsFolder(target, "compare") as folder, \
            stage(f"comparing {len(refs)} scenarios", len(refs)) if len(refs) > 1 \
            else nullcontext(SILENT.stage("", 1)) as done:
        for ref in refs:
            if _is_results_folder(ref):
                s = read_results_folder(Path(ref))
                s.name = _unique(s.name, taken)
            else:
                name = _unique(load_scenario(ref).name, taken)
                s = _run_scenario(ref, folder, name, solver=solver, replications=replications,
                                  seed=seed, workers=workers)
            compared.append(s)
            done.advance()
        if all(s.error is not None for s in compared):  # nothing to compare: solve's exit 3
            raise compared[0].error
        kinds = sorted({r.get("kind", "") for s in compared for r in s.selection
                        if str(r.get("selected", "")).strip() == "1" and r.get("kind")})
        columns = [*SUMMARY_COLUMNS, *(f"selected_{k}" for k in kinds), *TAIL_COLUMNS]
        rows = [headline(s, kinds) for s in compared]
        folder.write_csv("compare.csv", columns, rows)
        folder.manifest.update({"inputs": refs, "seed": seed, "replications": replications,
                                "solver": solver, "scenarios": [s.name for s in compared],
                                "input_files": {s.name: _input_files(s) for s in compared}})
        if any(s.source == "scenario" for s in compared):
            from facility_opt.solve.solvers import solver_version

            folder.manifest["solver_version"] = solver_version(solver)
        drawn = _draw_all(folder, compared, lang)
    paths = [target / p.relative_to(folder.path) for p in drawn] if drawn else []
    return CompareResult(compared, rows, columns, paths, target, seed)


def _draw_all(folder, compared: list[ComparedScenario], lang: str) -> list[Path]:
    """The four comparison plots, each from the CSVs of the scenarios."""
    from facility_opt.report import plots

    labels = plots.plot_labels(lang)
    units = {str(s.summary.get("budget_unit") or (s.settings.get("budget") or {}).get("unit")
                 or "万元") for s in compared}
    unit = units.pop() if len(units) == 1 else "budget unit"
    kinds = {str(s.summary.get("objective_kind", "")) for s in compared}
    kind = kinds.pop() if len(kinds) == 1 else "objective"
    targets = {float((s.settings.get("targets") or {}).get("daycare_coverage", 0.9))
               for s in compared}
    shown = _display_names(compared, labels)
    drawn: list[Path] = []
    spend = {shown[s.name]: s.spend for s in compared if s.spend}
    if spend:
        drawn += plots.draw_spend(plots.spend_data(spend), folder.path / "compare_spend",
                                  unit=unit, labels=labels)
    drawn += plots.draw_selection(plots.selection_data({shown[s.name]: s.selection
                                                        for s in compared}),
                                  folder.path / "compare_selection", labels=labels)
    cov = {shown[s.name]: s.coverage for s in compared if s.coverage}
    if cov:
        drawn += plots.draw_coverage(plots.coverage_data(cov), folder.path / "compare_coverage",
                                     target=max(targets), labels=labels)
    bc_rows = [{**r, "scenario": shown.get(r["scenario"], r["scenario"])}
               for r in plots.read_csv_rows(folder.path / "compare.csv")]
    drawn += plots.draw_benefit_cost(
        plots.benefit_cost_data(bc_rows),
        folder.path / "compare_benefit_cost", unit=unit, objective_kind=kind, labels=labels)
    drawn += _draw_maps(folder, compared, lang)
    return drawn


def _display_names(compared: list[ComparedScenario], labels) -> dict[str, str]:
    """Scenario name → the title the plots show (the part in the plots' language), unique."""
    out: dict[str, str] = {}
    for s in compared:
        shown = labels.title(s.title, s.name)
        out[s.name] = shown if shown not in out.values() else f"{shown} ({s.name})"
    return out


def _draw_maps(folder, compared: list[ComparedScenario], lang: str) -> list[Path]:
    """The city map of every compared scenario whose folder holds positions (sites.csv), as
    map_<scenario>.png / .svg."""
    from facility_opt.report import maps

    labels = maps.map_labels(lang)
    drawn: list[Path] = []
    for s in compared:
        if (Path(s.folder) / "sites.csv").is_file():
            drawn += maps.draw_map(maps.map_data(s.folder), folder.path / f"map_{s.name}",
                                   labels=labels)
    return drawn
