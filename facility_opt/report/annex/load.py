"""Reading a results folder for the annex: every file checked, money exact (Decimal), totals
reconciled with summary.json to the yuan before anything is written."""

from __future__ import annotations

import csv
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from facility_opt.errors import InputError, Problem
from facility_opt.model.money import cents, split_cents
from facility_opt.report.annex.data import AnnexData, CoverageRow, Project, Unfunded
from facility_opt.report.annex.robustness import robustness_of
from facility_opt.results.folder import sha256_file

# yuan per unit of money, to check totals "correct to the yuan" in whatever unit the scenario uses
YUAN_PER_UNIT = {"元": 1, "千元": 1_000, "万元": 10_000, "百万元": 1_000_000, "亿元": 100_000_000}
METRIC_ORDER = ("facility_coverage", "facility_coverage_population", "service_coverage")
SOLVED = ("optimal", "feasible")
TEXT_COLUMNS = ("description", "justification", "performance_target", "funding_source")


def _tolerance(unit: str) -> Decimal:
    """One yuan, in the scenario's unit (0.0001 万元)."""
    return Decimal(1) / Decimal(YUAN_PER_UNIT.get(unit, 10_000))


def _read_json(path: Path, required: bool) -> dict[str, Any] | None:
    if not path.is_file():
        if required:
            raise InputError.one(str(path), "", "",
                                 "a results folder written by facility-opt solve or plan "
                                 f"(no {path.name} in {path.parent})")
        return None
    try:
        obj = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise InputError.one(str(path), "", str(err), "valid JSON (UTF-8)") from None
    if not isinstance(obj, dict):
        raise InputError.one(str(path), "", type(obj).__name__, "a JSON object")
    return obj


def _read_csv(path: Path, required_cols: Sequence[str]) -> tuple[list[str], list[dict[str, str]]]:
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            cols = list(reader.fieldnames or [])
            rows = list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        raise InputError.one(str(path), "", str(err), "a readable UTF-8 CSV file") from None
    missing = [c for c in required_cols if c not in cols]
    if missing:
        raise InputError.one(str(path), "header", ", ".join(cols),
                             "columns " + ", ".join(required_cols) + " (missing: "
                             + ", ".join(missing) + ")")
    return cols, rows


def _dec(text: Any, file: str, where: str, problems: list[Problem],
         blank: Decimal | None = None) -> Decimal:
    """An exact amount from CSV text or a JSON number; records a problem when it is not one."""
    if text is None or (isinstance(text, str) and text.strip() == ""):
        if blank is not None:
            return blank
        problems.append(Problem(file, where, "''", "an amount (a number)"))
        return Decimal(0)
    try:
        value = Decimal(str(text).strip())
    except InvalidOperation:
        problems.append(Problem(file, where, repr(text), "an amount (a number)"))
        return Decimal(0)
    if not value.is_finite():
        problems.append(Problem(file, where, repr(text), "a finite amount"))
        return Decimal(0)
    return value


def _opt_int(text: str | None, file: str, where: str, problems: list[Problem]) -> int | None:
    if text is None or text.strip() == "":
        return None
    try:
        return int(float(text))
    except ValueError:
        problems.append(Problem(file, where, repr(text), "a whole number or blank"))
        return None


def _opt_float(text: str | None, file: str, where: str, problems: list[Problem]) -> float | None:
    if text is None or text.strip() == "":
        return None
    try:
        v = float(text)
    except ValueError:
        problems.append(Problem(file, where, repr(text), "a number or blank"))
        return None
    return None if math.isnan(v) else v


def _year_map(obj: Any, file: str, key: str, problems: list[Problem]) -> dict[int, Decimal]:
    if not isinstance(obj, Mapping):
        problems.append(Problem(file, f"key {key}", repr(obj), "an object {year: amount}"))
        return {}
    out = {}
    for y, v in obj.items():
        try:
            year = int(y)
        except (TypeError, ValueError):
            problems.append(Problem(file, f"key {key}", repr(y), "a year"))
            continue
        out[year] = _dec(v, file, f"key {key}.{y}", problems)
    return out


def _show(v: Decimal) -> str:
    return f"{v.quantize(Decimal('0.0001'), ROUND_HALF_UP):,}"


def load_results(results_dir: Path | str) -> AnnexData:
    """Read a results folder of `solve` or `plan` and check that its money adds up.

    Raises InputError naming the file and what is wrong when summary.json or selection.csv is
    missing or malformed, when the plan has no solution, or when selection.csv's totals (per year
    and overall) disagree with summary.json (or spend.csv) by one yuan or more.
    """
    root = Path(results_dir)
    if not root.is_dir():
        raise InputError.one(str(root), "RESULTS_DIR", str(root),
                             "a results folder written by facility-opt solve or plan")
    summary = _read_json(root / "summary.json", required=True)
    assert summary is not None
    sfile = str(root / "summary.json")
    problems: list[Problem] = []
    for key in ("status", "total_cost", "spend_by_year", "budget_by_year", "scenario"):
        if key not in summary:
            problems.append(Problem(sfile, f"key {key}", "missing", "present (contract: "
                                    "status, total_cost, spend_by_year, budget_by_year, scenario)"))
    if problems:
        raise InputError(problems)
    status = str(summary["status"])
    if status not in SOLVED:
        raise InputError.one(sfile, "key status", status,
                             "optimal or feasible: there is no plan to request money for "
                             "(solve again with more budget or fewer hard targets)")
    scenario = _read_json(root / "scenario.json", required=False)
    manifest = _read_json(root / "manifest.json", required=False)
    unit = str(summary.get("budget_unit") or ((scenario or {}).get("budget") or {}).get("unit")
               or "万元")
    tol = _tolerance(unit)
    total_cost = _dec(summary["total_cost"], sfile, "key total_cost", problems)
    spend_summary = _year_map(summary["spend_by_year"], sfile, "spend_by_year", problems)
    budget = _year_map(summary["budget_by_year"], sfile, "budget_by_year", problems)

    sel_path = root / "selection.csv"
    if not sel_path.is_file():
        raise InputError.one(str(sel_path), "", "", "selection.csv (one row per candidate) beside "
                             "summary.json")
    sfile_sel = str(sel_path)
    cols, rows = _read_csv(sel_path, ("id", "name", "kind", "selected", "start_year", "cost"))
    year_cols = {}
    for c in cols:
        m = re.fullmatch(r"cost_(\d{4})", c)
        if m:
            year_cols[int(m.group(1))] = c
    projects: list[Project] = []
    unfunded: list[tuple[str, dict[str, str], Decimal]] = []
    seen: set[str] = set()
    for i, r in enumerate(rows, start=2):  # line 1 is the header
        where = f"row {i - 1} (line {i})"
        pid = (r.get("id") or "").strip()
        if not pid:
            problems.append(Problem(sfile_sel, f"{where}, column id", "''", "a project id"))
            continue
        if pid in seen:
            problems.append(Problem(sfile_sel, f"{where}, column id", pid, "a unique id"))
        seen.add(pid)
        flag = (r.get("selected") or "").strip()
        if flag not in ("0", "1"):
            problems.append(Problem(sfile_sel, f"{where} ({pid}), column selected", repr(flag),
                                    "0 or 1"))
            continue
        cost = _dec(r.get("cost"), sfile_sel, f"{where} ({pid}), column cost", problems,
                    blank=Decimal(0) if flag == "0" else None)
        by_year = {y: _dec(r.get(c), sfile_sel, f"{where} ({pid}), column {c}", problems,
                           blank=Decimal(0)) for y, c in sorted(year_cols.items())}
        if flag == "0":
            unfunded.append((pid, r, cost))
            spent = {y: v for y, v in by_year.items() if v != 0}
            if spent:
                y = min(spent)
                problems.append(Problem(sfile_sel, f"{where} ({pid}), column cost_{y}",
                                        str(spent[y]), "0 for a project that is not selected"))
            continue
        if year_cols and abs(sum(by_year.values(), Decimal(0)) - cost) >= tol:
            problems.append(Problem(
                sfile_sel, f"{where} ({pid}), columns cost_<year>",
                f"sum {_show(sum(by_year.values(), Decimal(0)))}",
                f"equal to its cost {_show(cost)} {unit} (within one yuan)"))
        projects.append(Project(
            id=pid, name=(r.get("name") or "").strip(), kind=(r.get("kind") or "").strip(),
            county=(r.get("county") or "").strip(),
            community_id=(r.get("community_id") or "").strip(),
            area_m2=_opt_float(r.get("area_m2"), sfile_sel, f"{where}, column area_m2", problems),
            daycare_places=_opt_int(r.get("daycare_places"), sfile_sel,
                                    f"{where}, column daycare_places", problems),
            start_year=_opt_int(r.get("start_year"), sfile_sel, f"{where}, column start_year",
                                problems),
            completion_year=_opt_int(r.get("completion_year"), sfile_sel,
                                     f"{where}, column completion_year", problems),
            cost=cost, cost_by_year={y: v for y, v in by_year.items()},
            community_name=(r.get("community_name") or "").strip(),
            **{k: (r.get(k) or "").strip() for k in TEXT_COLUMNS},
        ))
    if problems:
        raise InputError(problems)

    # reconcile: exact sums of selection.csv against summary.json, to the yuan
    exact_total = sum((p.cost for p in projects), Decimal(0))
    if abs(exact_total - total_cost) >= tol:
        problems.append(Problem(
            sfile_sel, "column cost, sum over selected projects", _show(exact_total),
            f"{_show(total_cost)} {unit} as summary.json total_cost says (within one yuan)"))
    years = sorted(set(budget) | set(spend_summary) | set(year_cols)
                   | set((scenario or {}).get("years") or []))
    if year_cols:
        spend = {y: sum((p.cost_by_year.get(y, Decimal(0)) for p in projects), Decimal(0))
                 for y in years}
        for y in years:
            if abs(spend[y] - spend_summary.get(y, Decimal(0))) >= tol:
                problems.append(Problem(
                    sfile_sel, f"column cost_{y}, sum over selected projects", _show(spend[y]),
                    f"{_show(spend_summary.get(y, Decimal(0)))} {unit} as summary.json "
                    f"spend_by_year.{y} says (within one yuan)"))
    else:
        spend = {y: spend_summary.get(y, Decimal(0)) for y in years}
        if abs(sum(spend.values(), Decimal(0)) - exact_total) >= tol:
            problems.append(Problem(
                sfile, "key spend_by_year, sum", _show(sum(spend.values(), Decimal(0))),
                f"{_show(exact_total)} {unit}, the sum of selection.csv column cost"))
    n_selected = summary.get("selected_count")
    if isinstance(n_selected, int) and n_selected != len(projects):
        problems.append(Problem(sfile_sel, "column selected, count of 1", str(len(projects)),
                                f"{n_selected} as summary.json selected_count says"))
    _check_spend_csv(root / "spend.csv", spend, budget, tol, unit, problems)
    if problems:
        raise InputError(problems)

    coverage = _read_coverage(root / "coverage.csv")
    projects, spend, budget = _footed(projects, spend, budget, years, bool(year_cols))
    projects.sort(key=lambda p: (p.start_year if p.start_year is not None else 10**6, p.id))
    hashes: dict[str, tuple[str, str | None]] = {}
    listed = (manifest or {}).get("files") or {}
    for name in ("summary.json", "selection.csv", "spend.csv", "coverage.csv", "plan.json",
                 "least_cost.json", "scenario.json", "force.csv", "robustness.json"):
        p = root / name
        if p.is_file():
            hashes[name] = (sha256_file(p), listed.get(name) if isinstance(listed, dict)
                            else None)
    block = summary.get("coverage")
    return AnnexData(
        results_dir=root, scenario_name=str(summary["scenario"]), unit=unit, years=years,
        status=status, summary=summary, projects=projects, candidates=len(rows),
        budget_by_year=budget, spend_by_year=spend,
        total_cost=sum((p.cost for p in projects), Decimal(0)), has_year_costs=bool(year_cols),
        scenario=scenario, manifest=manifest, plan=_read_json(root / "plan.json", required=False),
        least_cost=_read_json(root / "least_cost.json", required=False), coverage=coverage,
        plots=_plots(root),
        file_hashes=hashes,
        unfunded=_unfunded(unfunded, root / "force.csv"),
        mismatches=[str(m.get("message")) for m in (manifest or {}).get("mismatches") or ()
                    if isinstance(m, dict)],
        coverage_block=_simulated_block(root) or (block if isinstance(block, dict) and block else None),
        robustness=robustness_of(root, _read_json),
        objective_kind=str(summary.get("objective_kind")
                           or ((scenario or {}).get("objective") or {}).get("kind") or ""),
    )


def _footed(projects: list[Project], spend: dict[int, Decimal], budget: dict[int, Decimal],
            years: list[int], by_year: bool
            ) -> tuple[list[Project], dict[int, Decimal], dict[int, Decimal]]:
    """Round once, to cents (model/money.py): each project's total, its years by largest
    remainder, the budgets; the yearly spend is then the sum of the rounded years, so every
    table built from these adds up to its totals exactly. Without cost_<year> columns the
    total is split over summary.json's yearly spend the same way."""
    out = []
    for p in projects:
        split = split_cents(p.cost, p.cost_by_year) if by_year else {}
        out.append(replace(p, cost=cents(p.cost), cost_by_year=split))
    if by_year:
        spent = {y: sum((p.cost_by_year.get(y, Decimal(0)) for p in out), Decimal(0))
                 for y in years}
    else:
        spent = split_cents(sum(spend.values(), Decimal(0)), spend)
        spent = {y: spent.get(y, Decimal(0)) for y in years}
    return out, spent, {y: cents(budget.get(y, Decimal(0))) for y in years}


def _unfunded(left: list[tuple[str, dict[str, str], Decimal]], force_csv: Path) -> list[Unfunded]:
    """The candidates not funded, with what forcing each in would do (force.csv rows of action
    force_in: feasible, objective change, status)."""
    forced: dict[str, dict[str, str]] = {}
    if force_csv.is_file():
        _, rows = _read_csv(force_csv, ("id", "action"))
        forced = {r["id"]: r for r in rows if (r.get("action") or "") == "force_in"}
    out = []
    for pid, r, cost in left:
        f = forced.get(pid)
        change = None
        if f and (f.get("change") or "").strip():
            try:
                change = float(f["change"])
            except ValueError:
                change = None
        feasible = None if not f else (f.get("feasible") or "").strip() == "1"
        out.append(Unfunded(id=pid, name=(r.get("name") or "").strip(),
                            kind=(r.get("kind") or "").strip(),
                            county=(r.get("county") or "").strip(), cost=cents(cost),
                            feasible=feasible, objective_change=change,
                            status=(f or {}).get("status", "") or ""))
    return out


def _check_spend_csv(path: Path, spend: dict[int, Decimal], budget: dict[int, Decimal],
                     tol: Decimal, unit: str, problems: list[Problem]) -> None:
    """spend.csv, when present, must tell the same story as selection.csv and summary.json."""
    if not path.is_file():
        return
    _, rows = _read_csv(path, ("year", "budget", "spend"))
    for i, r in enumerate(rows, start=1):
        y = _opt_int(r.get("year"), str(path), f"row {i}, column year", problems)
        if y is None:
            continue
        s = _dec(r.get("spend"), str(path), f"row {i}, column spend", problems)
        b = _dec(r.get("budget"), str(path), f"row {i}, column budget", problems)
        if abs(s - spend.get(y, Decimal(0))) >= tol:
            problems.append(Problem(str(path), f"row {i} (year {y}), column spend", _show(s),
                                    f"{_show(spend.get(y, Decimal(0)))} {unit}, the sum of "
                                    f"selection.csv cost_{y} over selected projects"))
        if y in budget and abs(b - budget[y]) >= tol:
            problems.append(Problem(str(path), f"row {i} (year {y}), column budget", _show(b),
                                    f"{_show(budget[y])} {unit} as summary.json budget_by_year "
                                    "says"))


def _read_coverage(path: Path) -> list[CoverageRow] | None:
    if not path.is_file():
        return None
    _, rows = _read_csv(path, ("year", "metric", "mean", "ci_low", "ci_high"))
    problems: list[Problem] = []
    out = []
    for i, r in enumerate(rows, start=1):
        vals = {}
        for c in ("mean", "ci_low", "ci_high", "p_target_met"):
            vals[c] = _opt_float(r.get(c), str(path), f"row {i}, column {c}", problems)
        year = _opt_int(r.get("year"), str(path), f"row {i}, column year", problems)
        if year is None or vals["mean"] is None:
            problems.append(Problem(str(path), f"row {i}", f"year={r.get('year')!r}, "
                                    f"mean={r.get('mean')!r}", "a year and a mean"))
            continue
        out.append(CoverageRow(year, (r.get("metric") or "").strip(), vals["mean"],
                               vals["ci_low"] if vals["ci_low"] is not None else vals["mean"],
                               vals["ci_high"] if vals["ci_high"] is not None else vals["mean"],
                               vals["p_target_met"]))
    if problems:
        raise InputError(problems)
    rank = {m: i for i, m in enumerate(METRIC_ORDER)}
    out.sort(key=lambda c: (c.year, rank.get(c.metric, len(rank)), c.metric))
    return out


def _plots(root: Path) -> list[Path]:
    """The folder's figures for the annex: every plot, and of the maps only the city map (from
    the folder itself, as plan writes it, or from `maps/`, as `facility-opt map` writes it)."""
    found = sorted(p for p in root.glob("*.png")
                   if not p.name.startswith("map_") or p.name == "map_city.png")
    if not any(p.name == "map_city.png" for p in found) and (root / "maps" / "map_city.png").is_file():
        found.append(root / "maps" / "map_city.png")
    return found


def _simulated_block(root: Path) -> dict[str, Any] | None:
    """The coverage verdict `simulate` judged in this folder (verdict.json), which takes
    precedence over solve's: solve's effective coverage is the optimiser's sizing estimate, the
    simulation's is what the target is judged on."""
    rec = _read_json(root / "verdict.json", required=False)
    block = (rec or {}).get("coverage")
    return block if isinstance(block, dict) and block else None
