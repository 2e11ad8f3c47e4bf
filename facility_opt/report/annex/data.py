"""What the annex reads from a results folder, as typed records: money in cents that foot
(Decimal, rounded once by `model/money.py` when the folder is read), the funded projects and the
unfunded candidates, coverage rows and the target verdict."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

FALLBACK_TIME = datetime(2000, 1, 1, tzinfo=UTC)  # documents' date when manifest.json is absent


@dataclass(frozen=True)
class Project:
    """One funded project as selection.csv gives it; money exact, in the scenario's unit."""

    id: str
    name: str
    kind: str
    county: str
    community_id: str
    area_m2: float | None
    daycare_places: int | None
    start_year: int | None
    completion_year: int | None
    cost: Decimal  # rounded to 0.01 of the unit
    cost_by_year: dict[int, Decimal]  # split by largest remainder: adds up to `cost` exactly
    community_name: str = ""
    description: str = ""  # 建设内容
    justification: str = ""  # 必要性
    performance_target: str = ""  # 绩效目标
    funding_source: str = ""  # 资金来源


@dataclass(frozen=True)
class Unfunded:
    """A candidate left out, and what forcing it in would do (force.csv of solve)."""

    id: str
    name: str
    kind: str
    county: str
    cost: Decimal
    feasible: bool | None  # None: force.csv absent or silent on it
    objective_change: float | None  # objective after forcing it in − objective now
    status: str = ""  # of the forced re-solve (optimal, feasible, infeasible, …)


@dataclass(frozen=True)
class CoverageRow:
    year: int
    metric: str
    mean: float
    ci_low: float
    ci_high: float
    p_target_met: float | None


@dataclass
class AnnexData:
    """Everything the annex shows, validated: exact money (Decimal) and the raw records."""

    results_dir: Path
    scenario_name: str
    unit: str
    years: list[int]
    status: str
    summary: dict[str, Any]
    projects: list[Project]  # selected only, by start year then id
    candidates: int  # rows in selection.csv
    budget_by_year: dict[int, Decimal]
    spend_by_year: dict[int, Decimal]  # Σ selection.csv cost_<year>, checked against summary.json
    total_cost: Decimal  # Σ selection.csv cost of selected projects, checked likewise
    has_year_costs: bool  # selection.csv has cost_<year> columns
    scenario: dict[str, Any] | None
    manifest: dict[str, Any] | None
    plan: dict[str, Any] | None
    least_cost: dict[str, Any] | None
    coverage: list[CoverageRow] | None
    plots: list[Path]
    file_hashes: dict[str, tuple[str, str | None]]  # results file → (sha256 now, in manifest)
    unfunded: list[Unfunded] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)  # manifest.json: files of other inputs
    coverage_block: dict[str, Any] | None = None  # summary.json `coverage` (the one verdict)
    robustness: dict[str, Any] | None = None  # robustness.json of futures
    objective_kind: str = ""

    @property
    def ended(self) -> datetime:
        """When the results were computed (manifest end time): the annex's date."""
        text = (self.manifest or {}).get("ended")
        if isinstance(text, str):
            try:
                t = datetime.fromisoformat(text)
            except ValueError:
                return FALLBACK_TIME
            return t if t.tzinfo else t.replace(tzinfo=UTC)
        return FALLBACK_TIME

    @property
    def title(self) -> str:
        return str((self.scenario or {}).get("title") or self.summary.get("scenario_title")
                   or self.scenario_name)
