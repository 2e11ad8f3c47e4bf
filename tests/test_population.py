"""Population projection: the urbanisation path, the total trend, the sharing rule by community
type, the 60+ drift and households — checked against hand-computed figures."""

from __future__ import annotations

import numpy as np
import pytest

from facility_opt.errors import InputError
from facility_opt.model.population import interpolate_path, project_population
from facility_opt.model.types import Budget, Community, Population, Scenario


def city(population: Population | None, last_year: int | None = None) -> Scenario:
    comms = (
        Community("C1", "C1", "市中区", "city", households=1000, population=3000, elderly=600,
                  x_km=0, y_km=0),
        Community("T1", "T1", "犍为县", "town", households=500, population=1000, elderly=300,
                  x_km=5, y_km=0),
        Community("F1", "F1", "市中区", "fringe", households=400, population=1000, elderly=150,
                  x_km=2, y_km=0),
    )
    if population is not None and last_year is not None:
        population = Population(**{**population.__dict__, "last_year": last_year})
    return Scenario(name="city", years=(2022, 2023, 2024, 2025), base_year=2020,
                    budget=Budget(annual={y: 1.0 for y in (2022, 2023, 2024, 2025)}),
                    candidates=(), communities=comms, population=population)


def test_without_population_table_figures_stay_as_given():
    p = project_population(city(None))
    assert p.years == (2020, 2021, 2022, 2023, 2024, 2025)
    assert not p.projected
    assert (p.population == np.array([[3000] * 6, [1000] * 6, [1000] * 6])).all()
    assert (p.elderly[:, -1] == [600, 300, 150]).all()


def test_urban_population_follows_the_urbanisation_path_and_total_trend():
    pop = Population()  # 53.11 % (2020) → 60 % (2025), total −0.24 %/year
    p = project_population(city(pop))
    # hand: urbanisation in 2022 = 0.5311 + 2/5 × (0.60 − 0.5311) = 0.55866
    assert p.urbanisation[p.year_index(2022)] == pytest.approx(0.55866)
    assert p.urbanisation[p.year_index(2025)] == pytest.approx(0.60)
    for j, year in enumerate(p.years):
        urban = p.population[:, j].sum()
        # urban / total = the path's value every year
        assert urban / p.total_residents[j] == pytest.approx(p.urbanisation[j], rel=1e-12)
        # and the total follows the trend from the base-year total 5000 / 0.5311
        assert p.total_residents[j] == pytest.approx(5000 / 0.5311 * 0.9976 ** (year - 2020))
    # 2025 by hand: 5000 × 0.60 / 0.5311 × 0.9976^5 = 5615.3…
    assert p.population[:, -1].sum() == pytest.approx(5000 * 0.60 / 0.5311 * 0.9976 ** 5)


def test_growth_is_shared_by_type_weight_times_population():
    pop = Population(growth_weights={"city": 1.0, "town": 0.6, "fringe": 1.6})
    p = project_population(city(pop))
    gain = p.population[:, -1] - p.population[:, 0]
    weights = np.array([1.0 * 3000, 0.6 * 1000, 1.6 * 1000])  # 3000, 600, 1600
    assert gain.sum() > 0
    assert gain == pytest.approx(gain.sum() * weights / weights.sum())


def test_a_falling_urban_population_is_shared_in_proportion_to_population():
    pop = Population(urbanisation={2020: 0.5, 2025: 0.45})
    p = project_population(city(pop))
    loss = p.population[:, -1] - p.population[:, 0]
    assert loss.sum() < 0
    assert loss == pytest.approx(loss.sum() * np.array([3000, 1000, 1000]) / 5000)


def test_elderly_share_drifts_up_and_households_scale_with_population():
    pop = Population(elderly_share_drift_per_year=0.007)
    p = project_population(city(pop))
    share = p.elderly / p.population
    assert share[:, 0] == pytest.approx([0.2, 0.3, 0.15])
    assert share[:, -1] == pytest.approx([0.2 + 0.035, 0.3 + 0.035, 0.15 + 0.035])
    assert p.households[:, -1] == pytest.approx([1000, 500, 400] * p.population[:, -1]
                                                / p.population[:, 0])


def test_path_is_flat_after_its_last_point_and_extends_with_a_2035_point():
    assert interpolate_path({2020: 0.5311, 2025: 0.60}, [2019, 2030]) == pytest.approx(
        [0.5311, 0.60])
    pop = Population(urbanisation={2020: 0.5311, 2025: 0.60, 2035: 0.70})
    p = project_population(city(pop, last_year=2035))
    assert p.years[-1] == 2035
    assert p.urbanisation[p.year_index(2030)] == pytest.approx(0.65)
    with pytest.raises(KeyError):
        p.year_index(2036)


def test_rows_for_population_csv():
    p = project_population(city(Population()))
    rows = list(p.rows())
    assert len(rows) == 3 * 6
    assert list(rows[0]) == list(p.COLUMNS)
    assert rows[0] == {"community_id": "C1", "year": 2020, "population": 3000, "elderly": 600,
                       "households": 1000, "type": "city", "county": "市中区"}


@pytest.mark.parametrize("population,key", [
    (Population(urbanisation={2020: 1.4}), "population.urbanisation.2020"),
    (Population(total_growth_per_year=-0.9), "population.total_growth_per_year"),
    (Population(growth_weights={"city": -1.0}), "population.growth_weights.city"),
])
def test_impossible_values_are_input_errors_naming_the_key(population, key):
    with pytest.raises(InputError, match=key.replace(".", r"\.")):
        project_population(city(population))


def test_projection_beyond_2035_is_refused():
    with pytest.raises(InputError, match="2035"):
        project_population(city(Population(), last_year=2040))


def test_bundled_leshan_base_reaches_60_percent_in_2025():
    from facility_opt.scenario import load_scenario

    sc = load_scenario("leshan-base")
    p = project_population(sc)
    j = p.year_index(2025)
    assert p.population[:, j].sum() / p.total_residents[j] == pytest.approx(0.60)
    # the communities hold the 2020 urban population: 53.11 % of the city's residents
    assert p.total_residents[0] == pytest.approx(p.population[:, 0].sum() / 0.5311)
