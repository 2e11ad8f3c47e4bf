"""The in-memory scenario: typed records every part of the tool works from.

`facility_opt.scenario.load_scenario` builds a `Scenario` from a TOML file; a notebook can also
build one directly from these records (`Scenario(...)`) and call solve / simulate on it.
Money is in the scenario's budget unit (default 万元), areas in m², positions in km.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Candidate:
    """A project that may be funded."""

    id: str
    name: str
    kind: str
    cost: float  # total capital cost, budget unit
    cost_by_year: dict[int, float] | None = None  # fixed spend per funding year (fixes timing)
    score: float | None = None
    county: str | None = None
    community_id: str | None = None
    area_m2: float = 0.0
    daycare_places: int = 0
    build_years: int = 1
    earliest_start: int | None = None
    latest_start: int | None = None
    must_fund: bool = False
    exclusive_group: str | None = None
    requires: tuple[str, ...] = ()
    row: int = 0  # 1-based data row in the source table, for messages
    description: str | None = None  # 建设内容 (annex only)
    justification: str | None = None  # 必要性 (annex only)
    performance_target: str | None = None  # 绩效目标 (annex only)
    funding_source: str | None = None  # 资金来源 (annex only; totals by source)

    @property
    def fixed_timing(self) -> bool:
        return self.cost_by_year is not None


@dataclass(frozen=True)
class Community:
    id: str
    name: str
    county: str
    type: str  # city, town, fringe, relocation
    households: float
    population: float
    elderly: float  # residents aged 60+
    x_km: float
    y_km: float
    facility_area_m2: float = 0.0


@dataclass(frozen=True)
class Centre:
    id: str
    community_id: str
    places: int
    x_km: float
    y_km: float
    opening_year: int | None = None


@dataclass(frozen=True)
class Budget:
    annual: dict[int, float]  # budget unit per funding year
    unit: str = "万元"
    carry_over: bool = False

    @property
    def total(self) -> float:
        return float(sum(self.annual.values()))


@dataclass(frozen=True)
class Objective:
    kind: str = "score"  # "benefit" or "score"
    weight_households: float = 1.0
    weight_elderly: float = 1.0
    area_standard_m2_per_100_households: float = 30.0
    tie_break: bool = True
    benefit_until: int | None = None  # last year of service counted (None: last funding year)
    coverage_weight: str = "communities"  # kind "coverage": "communities", "population", "elderly"


@dataclass(frozen=True)
class Targets:
    min_count: dict[str, int] = field(default_factory=dict)
    daycare_coverage: float = 0.90
    target_years: tuple[int, ...] | None = None
    criterion: str = "ci_low"
    coverage_basis: str = "reach"  # "reach": a centre within reach; "own": in the community itself
    max_turned_away: float = 1.0  # effective coverage: share of requests that may be turned away


@dataclass(frozen=True)
class Rules:
    early_completion: bool = False
    early_completion_types: tuple[str, ...] = ("relocation", "fringe")
    early_completion_year: int = 2023
    min_projects_per_county: int = 0
    max_county_share: float = 1.0


@dataclass(frozen=True)
class Daycare:
    visits_per_elderly_per_day: float = 0.015
    visits_by_type: dict[str, float] = field(default_factory=dict)
    open_days_per_week: int = 5
    opening_hours: float = 8.5
    arrival_profile: str = "morning-peak"
    stay_hours_mean: float = 6.0
    stay_distribution: str = "lognormal"
    stay_hours_cv: float = 0.5
    reach_km: float = 1.0
    reach_travel: float | None = None  # threshold in the travel table's unit (with data.travel)
    travel_unit: str = ""  # label of the travel table's unit: "min", "m", "km"

    def visits_rate(self, community_type: str) -> float:
        """Visits per resident 60+ per open day in a community of this type."""
        return self.visits_by_type.get(community_type, self.visits_per_elderly_per_day)


@dataclass(frozen=True)
class Population:
    urbanisation: dict[int, float] = field(default_factory=lambda: {2020: 0.5311, 2025: 0.60})
    total_growth_per_year: float = -0.0024
    elderly_share_drift_per_year: float = 0.007
    growth_weights: dict[str, float] = field(
        default_factory=lambda: {"city": 1.0, "town": 0.6, "fringe": 1.6, "relocation": 0.3}
    )
    last_year: int | None = None


@dataclass(frozen=True)
class Simulation:
    replications: int = 30
    seed: int = 20250101
    sampled_days: int = 20
    years: tuple[int, ...] | None = None


@dataclass(frozen=True)
class PlanLoop:
    max_iterations: int = 6


@dataclass(frozen=True)
class AnnexCover:
    """The cover block of the budget-request annex (编制单位, 联系人, 审核); blank lines to sign
    by hand when not given."""

    organisation: str = ""  # 编制单位
    contact: str = ""  # 联系人 (name and telephone)
    reviewer: str = ""  # 审核


@dataclass(frozen=True)
class Scenario:
    """Everything one run needs, validated."""

    name: str
    years: tuple[int, ...]
    budget: Budget
    candidates: tuple[Candidate, ...]
    title: str = ""
    description: str = ""
    base_year: int | None = None
    communities: tuple[Community, ...] | None = None
    centres: tuple[Centre, ...] | None = None
    objective: Objective = field(default_factory=Objective)
    targets: Targets = field(default_factory=Targets)
    rules: Rules = field(default_factory=Rules)
    daycare: Daycare = field(default_factory=Daycare)
    population: Population | None = None  # None: populations fixed as in communities.csv
    travel: dict[tuple[str, str], float] | None = None  # (community id, site id) → travel
    simulation: Simulation = field(default_factory=Simulation)
    plan: PlanLoop = field(default_factory=PlanLoop)
    annex: AnnexCover = field(default_factory=AnnexCover)
    source: Path | None = None  # the TOML file, when loaded from one
    input_files: dict[str, Path] = field(default_factory=dict)  # role → file, for the manifest

    def candidate(self, candidate_id: str) -> Candidate:
        for c in self.candidates:
            if c.id == candidate_id:
                return c
        raise KeyError(candidate_id)
