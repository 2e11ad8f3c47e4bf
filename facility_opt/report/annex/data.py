"""What the annex reads from a results folder, as typed records: exact money (Decimal), the
funded projects, coverage rows."""

from __future__ import annotations

from dataclasses import dataclass
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
    cost: Decimal
    cost_by_year: dict[int, Decimal]


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
