"""The executor: results in task order whatever runs them — in process, in a process pool, or on
a Dask cluster (a LocalCluster here) — and clear messages when Dask is missing."""

from __future__ import annotations

import sys
import time

import pytest

from facility_opt.errors import FacilityOptError, InputError
from facility_opt.executor import run_tasks


def slow_square(x: int) -> int:
    time.sleep(0.02 * (5 - x % 5))  # later tasks finish first
    return x * x


def fail_on_three(x: int) -> int:
    if x == 3:
        raise ValueError("task 3 failed")
    return x


def test_in_process_and_pool_give_results_in_task_order():
    tasks = list(range(10))
    assert run_tasks(slow_square, tasks) == [x * x for x in tasks]
    assert run_tasks(slow_square, tasks, workers=2) == [x * x for x in tasks]


def test_a_failing_task_raises_its_error():
    with pytest.raises(ValueError, match="task 3"):
        run_tasks(fail_on_three, range(6), workers=2)


def test_zero_workers_is_an_input_error():
    with pytest.raises(InputError, match="--workers"):
        run_tasks(slow_square, [1], workers=0)


def test_missing_dask_names_the_extra_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "dask.distributed", None)  # import fails
    with pytest.raises(FacilityOptError, match=r'pip install "facility-opt\[dask\]"'):
        run_tasks(slow_square, [1, 2], scheduler="tcp://127.0.0.1:8786")


def test_progress_bar_goes_to_stderr_only(capsys):
    assert run_tasks(slow_square, [1, 2, 3], progress=True, description="squares") == [1, 4, 9]
    out, _err = capsys.readouterr()
    assert out == ""


def test_dask_local_cluster_gives_the_same_simulation_as_one_worker():
    distributed = pytest.importorskip("dask.distributed")
    from facility_opt.model.types import (
        Budget,
        Centre,
        Community,
        Daycare,
        Scenario,
        Simulation,
    )
    from facility_opt.simulate import simulate

    sc = Scenario(
        name="dask", years=(2022,), base_year=2022, budget=Budget(annual={2022: 1.0}),
        candidates=(),
        communities=(Community("A", "A", "X", "city", 1, 1000, 400, 0.0, 0.0),
                     Community("B", "B", "X", "city", 1, 1000, 300, 0.5, 0.0)),
        centres=(Centre("D", "A", 4, 0.0, 0.0), Centre("E", "B", 3, 0.6, 0.0)),
        daycare=Daycare(visits_per_elderly_per_day=0.02),
        simulation=Simulation(replications=4, seed=3, sampled_days=3),
    )
    local = simulate(sc)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster:
        on_dask = simulate(sc, scheduler=cluster.scheduler_address)
    assert on_dask.replication_rows == local.replication_rows
    assert on_dask.coverage == local.coverage
    assert on_dask.centre_load == local.centre_load



_KNAPSACK_MODULE = """
def solve_at(budget_scale):
    from facility_opt.scenario import load_scenario
    from facility_opt.solve import solve

    sc = load_scenario("leshan-base")
    by_year = {y: v * budget_scale for y, v in sc.budget.annual.items()}
    return round(solve(sc, budget_by_year=by_year, price_infeasible=False).objective, 2)
"""

_MAIN = """
import sys
from knap_worker import solve_at
import facility_opt.executor as ex
if __name__ == "__main__":
    if sys.argv[1:] == ["fork"]:  # the old behaviour, to show the test can fail
        import multiprocessing as mp
        ex._clean_context = lambda: mp.get_context("fork")
    full = solve_at(1.0)  # the parent solves first
    print(ex.run_tasks(solve_at, [1.0, 0.8], workers=2)[0] == full)  # both meet the target
"""


def _run_after_parent_solved(tmp_path, *args: str):
    import subprocess

    (tmp_path / "knap_worker.py").write_text(_KNAPSACK_MODULE)
    (tmp_path / "main.py").write_text(_MAIN)
    return subprocess.run([sys.executable, "main.py", *args], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60)


def test_workers_can_solve_after_the_parent_solved(tmp_path):
    """Regression: a worker forked from a parent that had solved with HiGHS inherited its thread
    pool without the threads and hung forever; workers now start from a clean process."""
    proc = _run_after_parent_solved(tmp_path)  # hung (TimeoutExpired) with forked workers
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().endswith("True")
