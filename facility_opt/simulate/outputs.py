"""The files simulate writes into a results folder (coverage.csv, centre_load.csv, …) and its
manifest entries, from a `SimulationResult` in memory."""

from __future__ import annotations

from facility_opt.model.population import PopulationProjection
from facility_opt.model.types import Scenario
from facility_opt.simulate.core import (
    CENTRE_LOAD_COLUMNS,
    CENTRES_USED_COLUMNS,
    COMMUNITY_LOAD_COLUMNS,
    COVERAGE_COLUMNS,
    REPLICATION_COLUMNS,
    SimulationResult,
)


def write_simulation_outputs(folder, scenario: Scenario, result: SimulationResult) -> None:
    """coverage.csv, centre_load.csv, community_load.csv, population.csv, replications.csv,
    centres_used.csv, scenario.json and the simulation's manifest entries."""
    from facility_opt.results.folder import scenario_manifest, scenario_record

    folder.write_csv("coverage.csv", COVERAGE_COLUMNS, result.coverage)
    folder.write_csv("centre_load.csv", CENTRE_LOAD_COLUMNS, result.centre_load)
    folder.write_csv("community_load.csv", COMMUNITY_LOAD_COLUMNS, result.community_load)
    folder.write_csv("population.csv", PopulationProjection.COLUMNS, result.projection.rows())
    folder.write_csv("replications.csv", REPLICATION_COLUMNS, result.replication_rows)
    folder.write_csv("centres_used.csv", CENTRES_USED_COLUMNS, result.centres_used)
    folder.write_json("scenario.json", scenario_record(scenario))
    folder.manifest.update(scenario_manifest(scenario))
    folder.manifest["simulation"] = {
        "seed": result.seed, "replications": result.replications, "sampled_days": result.days,
        "workers": result.workers, "years": list(result.years),
        "precision": result.precision, "precision_met": result.precision_met,
        "widest_half_width": result.half_width,
        "streams": "numpy SeedSequence(seed).spawn(replications); per replication, year and "
                   "community: spawn_key (replication, year, community key)",
    }
    folder.manifest["seed"] = result.seed
    folder.manifest["replications"] = result.replications
