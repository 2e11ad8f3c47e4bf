"""The budget–benefit frontier: budgets parsed as written, optimal objective non-decreasing in the
budget, each point equal to a direct solve, target columns right, the plot's data the CSV's."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from facility_opt.decide.frontier import (
    default_budgets,
    frontier,
    parse_budgets,
    split_budget,
)
from facility_opt.errors import InputError
from facility_opt.scenario import scenario_from_tables

# -- --budgets -------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("100:300:100", [100, 200, 300]),
    ("0:1:0.25", [0, 0.25, 0.5, 0.75, 1.0]),
    ("1000:2000:300", [1000, 1300, 1600, 1900]),  # STOP not on a step: last step below it
    ("300,100,200,100", [100, 200, 300]),
    (" 5000 ", [5000]),
    ("1_000,2，3", [2, 3, 1000]),  # full-width comma from a Chinese keyboard
    ("0.1:0.3:0.1", [0.1, 0.2, 0.3]),  # no float drift drops the last point
])
def test_parse_budgets(text: str, expected: list[float]) -> None:
    assert parse_budgets(text) == pytest.approx(expected)


@pytest.mark.parametrize("text, says", [
    ("", "START:STOP:STEP or A,B,C"),
    ("a,b", "could not read 'a'"),
    ("1:2", "three numbers"),
    ("5:1:1", "STOP ≥ START"),
    ("1:5:0", "STEP greater than 0"),
    ("-1,2", "budgets ≥ 0"),
    ("1,,2", "none left empty"),
    ("0:1000000:1", "at most 500 budgets"),
    ("nan,1", "budgets ≥ 0"),
])
def test_bad_budgets_name_what_is_expected(text: str, says: str) -> None:
    with pytest.raises(InputError) as err:
        parse_budgets(text)
    msg = str(err.value)
    assert msg.startswith("command line: --budgets") and says in msg


# -- a small scenario ------------------------------------------------------------------------------

def _scenario(costs: list[float] | None = None, scores: list[float] | None = None,
              annual: dict[str, float] | None = None, min_count: dict[str, int] | None = None,
              coverage: float = 0.5):
    costs = costs or [30, 20, 50, 10, 40, 25]
    scores = scores or [9, 5, 12, 2, 10, 6]
    kinds = ["renovation", "renovation", "complex", "renovation", "complex", "renovation"]
    comms = [{"id": f"M{i}", "name": f"M{i}", "county": "X", "type": "city", "households": 500,
              "population": 1500, "elderly": 300, "x_km": 3.0 * i, "y_km": 0.0}
             for i in range(4)]
    cands = [{"id": f"P{i}", "name": f"P{i}", "kind": kinds[i % len(kinds)], "cost": c,
              "score": s, "community_id": f"M{i % 4}", "county": "X",
              "daycare_places": 10 if i % 2 == 0 else 0}
             for i, (c, s) in enumerate(zip(costs, scores, strict=True))]
    settings_ = {"name": "tiny", "horizon": {"years": [2022, 2023]},
                 "budget": {"annual": annual or {"2022": 60, "2023": 40}},
                 "objective": {"kind": "score"},
                 "targets": {"daycare_coverage": coverage,
                             "min_count": {"complex": 1} if min_count is None else min_count}}
    return scenario_from_tables(settings_, cands, comms,
                                [{"id": "K0", "community_id": "M3", "places": 10}])


def test_split_budget_keeps_annual_proportions() -> None:
    sc = _scenario()
    assert split_budget(sc, 50) == {2022: 30.0, 2023: 20.0}
    assert sum(split_budget(sc, 123.4).values()) == pytest.approx(123.4)
    assert default_budgets(sc) == pytest.approx([25 + 12.5 * k for k in range(11)])


def test_frontier_equals_solve_and_never_decreases() -> None:
    from facility_opt.model.targets import covered_ids
    from facility_opt.solve import solve

    sc = _scenario()
    budgets = [0, 10, 30, 50, 80, 100, 140, 200]
    res = frontier(sc, budgets)
    assert [p.budget_total for p in res.points] == budgets
    objs = [p.objective if p.solved else None for p in res.points]
    # min_count complex = 1: the cheapest complex costs 40 (> 60 % of a small budget in 2022)
    assert res.points[0].status == "infeasible" and res.points[0].reason
    solved = [o for o in objs if o is not None]
    assert solved == sorted(solved) and len(solved) >= 4
    for p in res.points:
        if not p.solved:
            continue
        direct = solve(sc, budget_by_year=split_budget(sc, p.budget_total))
        assert p.objective == pytest.approx(direct.objective)
        assert set(p.selected_ids) == set(direct.portfolio.starts)
        assert p.total_cost == pytest.approx(direct.total_cost)
        assert p.facility_coverage[2023] == len(covered_ids(sc, direct.portfolio, 2023)) / 4
        assert p.count_met["complex"] == (p.counts.get("complex", 0) >= 1)
    # at 200 every project fits (total cost 175): all selected, score 44
    assert res.points[-1].objective == pytest.approx(44)
    assert len(res.points[-1].selected_ids) == 6


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(costs=st.lists(st.integers(1, 40), min_size=6, max_size=6),
       scores=st.lists(st.integers(0, 15), min_size=6, max_size=6),
       budgets=st.lists(st.integers(0, 200), min_size=2, max_size=5, unique=True))
def test_frontier_is_non_decreasing_on_random_instances(costs, scores, budgets) -> None:
    sc = _scenario([float(c) for c in costs], [float(s) for s in scores], min_count={},
                   coverage=0.0)
    res = frontier(sc, budgets, with_least_budget=False)
    objs = [p.objective for p in res.points]
    assert all(p.solved for p in res.points)  # no hard target: the empty plan always fits
    assert all(a <= b + 1e-9 for a, b in zip(objs, objs[1:], strict=False))
    for p in res.points:
        assert p.total_cost <= p.budget_total + 1e-6


def test_parallel_workers_give_the_same_points() -> None:
    sc = _scenario()
    one = frontier(sc, [50, 100, 150])
    two = frontier(sc, [50, 100, 150], workers=2)
    assert one.rows() == two.rows()


def test_facility_coverage_matches_the_simulation() -> None:
    """The frontier's coverage (the one judgement) is the simulator's facility_coverage."""
    from facility_opt.model.portfolio import Portfolio
    from facility_opt.model.targets import covered_ids
    from facility_opt.simulate import simulate

    sc = _scenario()
    sc = scenario_from_tables(
        {"name": "tiny", "horizon": {"base_year": 2021, "years": [2022, 2023]},
         "budget": {"annual": {"2022": 60, "2023": 40}}, "objective": {"kind": "score"},
         "simulation": {"replications": 2, "sampled_days": 2}},
        [{"id": c.id, "name": c.name, "kind": c.kind, "cost": c.cost, "score": c.score,
          "community_id": c.community_id, "county": "X", "daycare_places": c.daycare_places}
         for c in sc.candidates],
        [{"id": m.id, "name": m.name, "county": "X", "type": "city", "households": 500,
          "population": 1500, "elderly": 300, "x_km": m.x_km, "y_km": m.y_km}
         for m in sc.communities],
        [{"id": "K0", "community_id": "M3", "places": 10}])
    for pf in (Portfolio(), Portfolio({"P0": 2022}), Portfolio({"P2": 2022, "P4": 2023})):
        sim = simulate(sc, pf)
        for y in (2022, 2023):
            assert sim.coverage_row(y, "facility_coverage")["mean"] == pytest.approx(
                len(covered_ids(sc, pf, y)) / len(sc.communities))


def test_frontier_command_writes_csv_and_plot(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from facility_opt.cli import app
    from facility_opt.report import plots

    folder = tmp_path / "sc"
    folder.mkdir()
    sc = _scenario()
    (folder / "s.toml").write_text(
        'name = "tiny"\n[horizon]\nyears = [2022, 2023]\n[budget]\n'
        'annual = { 2022 = 60, 2023 = 40 }\n[data]\ncandidates = "c.csv"\n'
        'communities = "m.csv"\ncentres = "k.csv"\n[objective]\nkind = "score"\n'
        '[targets]\ndaycare_coverage = 0.5\nmin_count = { complex = 1 }\n', encoding="utf-8")
    with open(folder / "c.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "name", "kind", "cost", "score", "county", "community_id",
                    "daycare_places"])
        for c in sc.candidates:
            w.writerow([c.id, c.name, c.kind, c.cost, c.score, "X", c.community_id,
                        c.daycare_places])
    with open(folder / "m.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "name", "county", "type", "households", "population", "elderly",
                    "x_km", "y_km"])
        for m in sc.communities:
            w.writerow([m.id, m.name, "X", "city", 500, 1500, 300, m.x_km, m.y_km])
    (folder / "k.csv").write_text("id,community_id,places\nK0,M3,10\n", encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["frontier", str(folder / "s.toml"), "-o", str(out),
                                      "--budgets", "0:200:50"])
    assert result.exit_code == 0, result.output
    rows = plots.read_csv_rows(out / "frontier.csv")
    assert [float(r["budget_total"]) for r in rows] == [0, 50, 100, 150, 200]
    assert list(rows[0])[:4] == ["budget_total", "budget_2022", "budget_2023", "status"]
    assert {"selected_ids", "count_complex", "target_complex_count_met",
            "facility_coverage_2023", "target_facility_coverage_met",
            "target_all_met"} <= set(rows[0])
    assert rows[2]["budget_2022"] == "60" and rows[2]["budget_2023"] == "40"
    for ext in ("png", "svg"):
        assert (out / f"frontier.{ext}").stat().st_size > 15_000
    data = plots.frontier_data(rows)
    assert data.objective == [float(r["objective"]) if r["status"] == "optimal" else None
                              for r in rows]
    for x, m in zip(data.marginal_budget, data.marginal_benefit, strict=True):
        solved = [r for r in rows if r["objective"]]
        lo = max((r for r in solved if float(r["budget_total"]) < x),
                 key=lambda r: float(r["budget_total"]))
        hi = min((r for r in solved if float(r["budget_total"]) > x),
                 key=lambda r: float(r["budget_total"]))
        assert m == pytest.approx((float(hi["objective"]) - float(lo["objective"]))
                                  / (float(hi["budget_total"]) - float(lo["budget_total"])))
    assert "Budget–benefit frontier" in result.output


def test_bad_budgets_exit_2(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from facility_opt.cli import app

    result = CliRunner().invoke(app, ["frontier", "leshan-base", "-o", str(tmp_path / "o"),
                                      "--budgets", "10:5:1"])
    assert result.exit_code == 2
    assert "--budgets" in result.output and "STOP ≥ START" in result.output


@pytest.mark.parametrize("seed", range(10))
def test_frontier_points_match_brute_force(seed: int) -> None:
    """Per budget: max_covered is the most communities any plan within it covers, the objective
    the best benefit under every target (blank when none exists), and the least budget at which
    the target is reachable is the referee's least scale × the scenario's total."""
    from exact_reference import (
        best_benefit,
        brute_force,
        least_money,
        max_covered,
        random_tables,
        required_covered,
    )

    t = random_tables(seed)
    plans = brute_force(t)
    sc = t.scenario()
    total = sc.budget.total
    budgets = [round(total * f, 6) for f in (0.5, 1.0, 1.5)]
    res = frontier(sc, budgets)
    for p, row in zip(res.points, res.rows(), strict=True):
        by_year = split_budget(sc, p.budget_total)
        most = max_covered(t, plans, by_year)  # summed over the target years
        if len(t.target_years) == 1:
            assert row["max_covered"] == most
        elif most is not None:
            assert sum(row[f"max_covered_{y}"] for y in t.target_years) == most
        else:
            assert row["max_covered"] is None
        ref = best_benefit(t, plans, by_year)
        assert (p.objective is None) == (ref is None)
        if ref is not None:
            assert p.objective == pytest.approx(ref, abs=1e-6)
            assert row["covered"] >= required_covered(t) and p.coverage_met is True
    money = least_money(t, plans)
    lb = res.least_cost["least_budget_total"]
    if money is None:
        assert lb is None
    else:
        assert lb == pytest.approx(money[0] * total, abs=len(t.years) * 1.0)
        assert res.least_cost["free_total"] == pytest.approx(money[1], abs=1e-6)
