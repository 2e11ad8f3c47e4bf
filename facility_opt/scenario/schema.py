"""The scenario schema as one table: scenario keys and table columns.

Each row gives key (or column), type, unit, default, description and whether it is required. This one
table drives validation (`facility_opt.scenario`, `facility_opt.scenario.tables`), defaults, the template that
`facility-opt init` writes and the reference page `docs/scenario-reference.md` (kept in sync by a test),
so the three cannot drift apart. PyPSA's component attribute CSVs are the model.

Types: "str", "int", "float", "bool", "year", "years" (list of years), "money_by_year" (table year →
amount), "count_by_kind" (table kind → count), "float_by_type" (table community type → number),
"float_by_year" (table year → number), "str_list", "path".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

REQUIRED = object()  # marker default for required entries


@dataclass(frozen=True)
class Field:
    """One scenario key or table column."""

    key: str
    type: str
    unit: str
    default: Any
    description: str

    @property
    def required(self) -> bool:
        return self.default is REQUIRED


COMMUNITY_TYPES = ("city", "town", "fringe", "relocation")
CANDIDATE_KINDS = ("renovation", "complex", "new_facility", "daycare")
STAY_DISTRIBUTIONS = ("exponential", "lognormal", "fixed")
ARRIVAL_PROFILES = ("uniform", "morning-peak")
OBJECTIVE_KINDS = ("benefit", "score", "coverage")
COVERAGE_WEIGHTS = ("communities", "population", "elderly")
COVERAGE_BASES = ("reach", "own")

# Most candidate projects a scenario may hold. Measured (docs/model.md, "Limits"): at 30,000
# rows the MILP builds in about 3 s and HiGHS stops at its --time-limit with a plan and its gap;
# at 50,000 and 100,000 rows HiGHS's clique detection ran minutes past a 30–60 s limit, holding
# about 0.5–1 GB, before it was stopped. Larger tables are refused with this number in the message.
MAX_CANDIDATES = 30_000

# Scenario keys, dotted by table. Top-level keys have no dot.
SCENARIO_KEYS: list[Field] = [
    Field("name", "str", "", REQUIRED, "Scenario name; names the results folder."),
    Field("title", "str", "", "", "Title shown in plots and the annex."),
    Field("extends", "path", "", None,
          "Another scenario (path relative to this file, or a bundled name) whose keys this one "
          "overrides; tables merge key by key."),
    Field("description", "str", "", "", "Free text: what this scenario assumes and why."),
    # horizon
    Field("horizon.base_year", "year", "year", None,
          "Year of the population figures in communities.csv (needed by simulate)."),
    Field("horizon.years", "years", "year", REQUIRED, "Funding years, in increasing order."),
    # budget
    Field("budget.unit", "str", "", "万元", "Money unit of every amount (万元 = 10,000 CNY)."),
    Field("budget.annual", "money_by_year", "budget unit", REQUIRED,
          "Budget per funding year; its years must equal horizon.years."),
    Field("budget.carry_over", "bool", "", False,
          "true: money unspent in a year may be spent later (cumulative spend ≤ cumulative budget)."),
    # data
    Field("data.candidates", "path", "", REQUIRED, "Candidate projects table (CSV or .xlsx)."),
    Field("data.communities", "path", "", None,
          "Communities table; needed for the benefit objective, the plan's rules and coverage."),
    Field("data.centres", "path", "", None, "Existing day-care centres; needed by simulate."),
    Field("data.travel", "path", "", None,
          "Travel table (community_id, site_id, travel): where given it decides reach for the "
          "optimiser and the simulation (travel ≤ daycare.reach_travel); a pair not listed is out "
          "of reach. Sites are centre ids and candidate ids."),
    Field("data.sheet", "str", "", None, "Sheet name to read in .xlsx tables (default: first)."),
    # objective
    Field("objective.kind", "str", "", None,
          "\"benefit\" (documented benefit model), \"score\" (sum of candidates' score) or "
          "\"coverage\" (most communities covered in the target years, ties by benefit); "
          "default: benefit when communities are given, else score."),
    Field("objective.coverage_weight", "str", "", "communities",
          "objective.kind = \"coverage\": count each covered community once (\"communities\"), "
          "or weight it by its projected \"population\" or \"elderly\" (60+) in the target year."),
    Field("objective.weight_households", "float", "per household-year", 1.0,
          "Benefit weight of one household brought up to the facility-area standard, per year "
          "in service."),
    Field("objective.weight_elderly", "float", "per resident-year", 1.0,
          "Benefit weight of one resident aged 60+ newly within reach of a day-care centre, per "
          "year in service."),
    Field("objective.area_standard_m2_per_100_households", "float", "m² per 100 households", 30.0,
          "Facility-area standard of the plan (专栏1: ≥ 30 m² per 100 households)."),
    Field("objective.benefit_until", "year", "year", None,
          "Last year of service the benefit objective counts (a project serves from the year "
          "after its completion); default: the last funding year. Must not be earlier than it."),
    Field("objective.tie_break", "bool", "", True,
          "Break ties between equal optima deterministically (prefer lower cost, then earlier "
          "ids, then earlier starts) so HiGHS and CBC return the same portfolio."),
    # targets
    Field("targets.min_count", "count_by_kind", "projects", {},
          "Hard minimum number of selected projects per kind, e.g. { complex = 10 }."),
    Field("targets.daycare_coverage", "float", "share 0–1", 0.90,
          "Day-care coverage target: a hard constraint of solve in every target year (share of "
          "communities covered; 0 = none), tested by simulate and plan (plan: ≥ 90 %)."),
    Field("targets.coverage_basis", "str", "", "reach",
          "What covers a community: \"reach\" (a day-care site within reach) or \"own\" (a "
          "site in the community itself)."),
    Field("targets.target_years", "years", "year", None,
          "Years in which the coverage target must hold (default: the last funding year)."),
    Field("targets.max_turned_away", "float", "share 0–1", 1.0,
          "Effective coverage: a community counts as covered only if a centre is within reach "
          "and it turns away at most this share of its day-care requests (1.0 = off)."),
    Field("targets.criterion", "str", "", "ci_low",
          "How plan judges the target: \"ci_low\" (lower 95 % bound ≥ target) or \"mean\"."),
    # rules
    Field("rules.early_completion", "bool", "", False,
          "Plan 三(一)3: projects in the listed community types must complete by "
          "rules.early_completion_year."),
    Field("rules.early_completion_types", "str_list", "", ["relocation", "fringe"],
          "Community types bound by the early-completion rule."),
    Field("rules.early_completion_year", "year", "year", 2023,
          "Last year in which early-completion projects may finish."),
    Field("rules.min_projects_per_county", "int", "projects", 0,
          "Equity: at least this many selected projects in every county with candidates."),
    Field("rules.max_county_share", "float", "share 0–1", 1.0,
          "Equity: no county takes more than this share of the total spend."),
    # daycare demand model
    Field("daycare.visits_per_elderly_per_day", "float", "visits per resident 60+ per open day",
          0.015, "Mean day-care visits per resident aged 60+ per open day."),
    Field("daycare.visits_by_type", "float_by_type", "visits per resident 60+ per open day", {},
          "Per community type overrides of visits_per_elderly_per_day."),
    Field("daycare.open_days_per_week", "int", "days", 5, "Days a centre opens each week."),
    Field("daycare.opening_hours", "float", "hours", 8.5, "Hours a centre is open per day."),
    Field("daycare.arrival_profile", "str", "", "morning-peak",
          "\"uniform\" (homogeneous Poisson over the day) or \"morning-peak\"."),
    Field("daycare.stay_hours_mean", "float", "hours", 6.0, "Mean length of a visit."),
    Field("daycare.stay_distribution", "str", "", "lognormal",
          "\"exponential\", \"lognormal\" or \"fixed\"."),
    Field("daycare.stay_hours_cv", "float", "", 0.5, "Coefficient of variation for lognormal stays."),
    Field("daycare.reach_km", "float", "km", 1.0,
          "A centre within this distance serves a community (without a travel table)."),
    Field("daycare.reach_travel", "float", "travel table's unit", None,
          "With data.travel: a site serves a community when its travel ≤ this threshold."),
    Field("daycare.travel_unit", "str", "", "",
          "Label of the travel table's unit (\"min\", \"m\", \"km\"), shown in messages."),
    # population projection
    Field("population.urbanisation", "float_by_year", "share 0–1",
          {2020: 0.5311, 2025: 0.60},
          "Urbanisation path, interpolated linearly between the given years."),
    Field("population.total_growth_per_year", "float", "share per year", -0.0024,
          "Trend of the total resident population (Leshan: about −0.24 % a year)."),
    Field("population.elderly_share_drift_per_year", "float", "share points per year", 0.007,
          "Yearly rise of the 60+ share in every community (about +0.6–0.8 points a year)."),
    Field("population.growth_weights", "float_by_type", "", {
        "city": 1.0, "town": 0.6, "fringe": 1.6, "relocation": 0.3},
          "How urban growth is shared among communities: weight by type × population."),
    Field("population.last_year", "year", "year", None,
          "Last year projected (default: last funding year; up to 2035)."),
    # simulation
    Field("simulation.replications", "int", "", 30, "Independent replications."),
    Field("simulation.seed", "int", "", 20250101, "Root seed of every random stream."),
    Field("simulation.sampled_days", "int", "days per year", 20,
          "Open days simulated per year and replication (days are independent)."),
    Field("simulation.years", "years", "year", None,
          "Years to simulate (default: base year and every funding year)."),
    # plan loop
    Field("plan.max_iterations", "int", "", 6, "Most solve → simulate rounds."),
]

CANDIDATE_COLUMNS: list[Field] = [
    Field("id", "str", "", REQUIRED, "Unique project id."),
    Field("name", "str", "", REQUIRED, "Project name (any language)."),
    Field("kind", "str", "", REQUIRED, "renovation, complex, new_facility or daycare."),
    Field("cost", "float", "budget unit", REQUIRED,
          "Total capital cost; may be left out when cost_<year> columns are given."),
    Field("cost_<year>", "float", "budget unit", None,
          "Fixed spend in that funding year if selected (blank = 0); fixes the timing."),
    Field("score", "float", "", None, "Planner-assigned value for objective.kind = \"score\"."),
    Field("county", "str", "", None, "County-level division."),
    Field("community_id", "str", "", None, "Community the project serves (communities.csv id)."),
    Field("area_m2", "float", "m²", 0.0, "Facility floor area added."),
    Field("daycare_places", "int", "places", 0, "Day-care places added."),
    Field("build_years", "int", "years", 1, "Years of construction; cost spreads evenly over them."),
    Field("earliest_start", "year", "year", None, "First allowed start year (default: first year)."),
    Field("latest_start", "year", "year", None,
          "Last allowed start year (default: the last year that lets it finish in the horizon)."),
    Field("must_fund", "bool", "", False, "1: must be selected."),
    Field("exclusive_group", "str", "", None, "At most one project per group value is selected."),
    Field("requires", "str_list", "", None,
          "Ids (;-separated) of projects that must also be selected, starting no later."),
]

COMMUNITY_COLUMNS: list[Field] = [
    Field("id", "str", "", REQUIRED, "Unique community id."),
    Field("name", "str", "", REQUIRED, "Community name."),
    Field("county", "str", "", REQUIRED, "County-level division."),
    Field("type", "str", "", REQUIRED, "city, town, fringe or relocation."),
    Field("households", "float", "households", REQUIRED, "Households in the base year."),
    Field("population", "float", "residents", REQUIRED, "Residents in the base year."),
    Field("elderly", "float", "residents 60+", REQUIRED, "Residents aged 60+ in the base year."),
    Field("x_km", "float", "km", REQUIRED, "Planar position, east."),
    Field("y_km", "float", "km", REQUIRED, "Planar position, north."),
    Field("facility_area_m2", "float", "m²", 0.0, "Community service facility floor area today."),
]

CENTRE_COLUMNS: list[Field] = [
    Field("id", "str", "", REQUIRED, "Unique centre id."),
    Field("community_id", "str", "", REQUIRED, "Community the centre stands in."),
    Field("places", "int", "places", REQUIRED, "Day-care places open at the same time."),
    Field("x_km", "float", "km", None, "Position (default: the community's)."),
    Field("y_km", "float", "km", None, "Position (default: the community's)."),
    Field("opening_year", "year", "year", None, "Year it opens (default: already open)."),
]

TRAVEL_COLUMNS: list[Field] = [
    Field("community_id", "str", "", REQUIRED, "Community (communities.csv id)."),
    Field("site_id", "str", "", REQUIRED, "Existing centre id or candidate id."),
    Field("travel", "float", "travel unit", REQUIRED,
          "Travel from the community to the site (distance or time, daycare.travel_unit)."),
]

TABLE_COLUMNS: dict[str, list[Field]] = {
    "candidates": CANDIDATE_COLUMNS,
    "communities": COMMUNITY_COLUMNS,
    "centres": CENTRE_COLUMNS,
    "travel": TRAVEL_COLUMNS,
}


def scenario_field(key: str) -> Field:
    """The schema row of a dotted scenario key."""
    for f in SCENARIO_KEYS:
        if f.key == key:
            return f
    raise KeyError(key)


# Closed vocabularies of scenario keys (validation and the reference page list them).
TARGET_CRITERIA = ("ci_low", "mean")
ENUMERATED_KEYS: dict[str, tuple[str, ...]] = {
    "objective.kind": OBJECTIVE_KINDS,
    "daycare.stay_distribution": STAY_DISTRIBUTIONS,
    "daycare.arrival_profile": ARRIVAL_PROFILES,
    "targets.criterion": TARGET_CRITERIA,
    "objective.coverage_weight": COVERAGE_WEIGHTS,
    "targets.coverage_basis": COVERAGE_BASES,
}

# Numbers that may be negative (every other number, key or column, must be ≥ 0).
SIGNED_KEYS = frozenset({
    "population.total_growth_per_year",
    "population.elderly_share_drift_per_year",
})
SIGNED_COLUMNS = frozenset({"x_km", "y_km"})  # planar positions around an arbitrary origin
