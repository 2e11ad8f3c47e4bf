"""The lockstep engine gives exactly the SimPy engine's admissions: visitor by visitor on random
loss networks (exact ties, multi-centre overflow, many days, centres spanning several place
rows), on a bundled scenario replication, and file for file through `simulate`; the batched
draws are exactly `draw_visits`."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from facility_opt.model.demand import DemandModel, draw_visits
from facility_opt.simulate.draws import draw_communities
from facility_opt.simulate.engine import run_loss_system
from facility_opt.simulate.fast_engine import SLOT_WIDTH, run_loss_fast


def random_network(seed: int, *, ties: bool, n_days: int = 1, n: int = 1200):
    """Visitors over `n_days` days 100 h apart (a day's stays end within it), time-sorted."""
    rng = np.random.default_rng(seed)
    n_k, n_g = int(rng.integers(2, 9)), int(rng.integers(2, 10))
    choices = [tuple(int(k) for k in rng.permutation(n_k)[: rng.integers(0 if g == 0 else 1,
                                                                         n_k + 1)])
               for g in range(n_g)]  # group 0 may have no centre within reach
    places = rng.integers(0, 7, n_k)  # a centre may have no places
    places[rng.integers(n_k)] = SLOT_WIDTH + int(rng.integers(1, 40))  # spans several rows
    day = np.sort(rng.integers(0, n_days, n))
    hour = rng.random(n) * 40.0
    stay = rng.exponential(6.0, n)
    if ties:  # integer times and stays: departures and arrivals at the same instants, and stays
        hour, stay = np.floor(hour), rng.integers(0, 5, n).astype(float)  # of zero hours
    stay = np.minimum(stay, 50.0)
    t = day * 100.0 + hour
    order = np.argsort(t, kind="stable")
    return (t[order], stay[order], rng.integers(0, n_g, n), choices, places, day[order])


@pytest.mark.parametrize("trial", range(12))
def test_lockstep_serves_every_visitor_where_simpy_does(trial):
    times, stays, groups, choices, places, day = random_network(
        500 + trial, ties=trial % 2 == 1, n_days=1 + 3 * (trial % 3))
    ref = run_loss_system(times, stays, groups, choices, places, release="events")
    assert ref.served_at.tolist() == run_loss_system(times, stays, groups, choices,
                                                     places).served_at.tolist()
    for method in ("lockstep", "loop", "auto"):
        served, tried = run_loss_fast(times, stays, groups, choices, places, days=day,
                                      method=method)
        assert served.tolist() == ref.served_at.tolist()
        assert tried.tolist() == ref.centre_requests.tolist()
        # one lane for everything (days ignored) is the same problem: same answer
        one, _ = run_loss_fast(times, stays, groups, choices, places, method=method)
        assert one.tolist() == served.tolist()


def test_lockstep_hand_traced_overflow_and_ties():
    # the hand-traced log of tests/test_simulation.py: A has 2 places, B 1; all try A then B
    times = [0.0, 1.0, 1.5, 2.0, 2.5, 3.0]
    stays = [3.0, 1.0, 2.0, 2.0, 1.0, 1.0]
    for method in ("lockstep", "loop"):
        served, tried = run_loss_fast(times, stays, [0] * 6, [(0, 1)], [2, 1], method=method)
        assert served.tolist() == [0, 0, 1, 0, -1, 0]  # v3, v5 take places freed as they come
        assert tried.tolist() == [6, 2]


def test_lockstep_a_wide_centre_is_one_centre():
    # 70 places (three place rows): 70 visitors at once are all served, the 71st is turned away
    # to B until the first of them leaves at t = 1, when a place is free again
    n = 73
    times = np.r_[np.zeros(71), 1.0, 1.0]
    stays = np.r_[np.full(70, 1.0), 5.0, 5.0, 5.0]
    served, tried = run_loss_fast(times, stays, [0] * n, [(0, 1)], [70, 1], method="lockstep")
    ref = run_loss_system(times, stays, [0] * n, [(0, 1)], [70, 1], release="events")
    assert served.tolist() == ref.served_at.tolist() == [0] * 70 + [1, 0, 0]
    assert tried.tolist() == ref.centre_requests.tolist() == [73, 1]


def small_leshan_simulation(days: int = 2):
    from facility_opt.model.population import project_population
    from facility_opt.model.portfolio import Portfolio
    from facility_opt.scenario import load_scenario
    from facility_opt.simulate.core import build_simulation, simulation_years

    sc = load_scenario("leshan-base")
    years = simulation_years(sc)
    sim, _ = build_simulation(sc, Portfolio(), project_population(sc, years), years, days)
    return sim


@pytest.mark.parametrize("shortcut", [True, False])
def test_a_leshan_replication_is_identical_with_every_engine(shortcut):
    from facility_opt.simulate.engine import simulate_replication

    sim = dataclasses.replace(small_leshan_simulation(), exact_shortcut=shortcut)
    ss = np.random.SeedSequence(7).spawn(1)[0]
    ref = simulate_replication(dataclasses.replace(sim, engine="simpy"), ss, 0)
    assert sum(y.simpy_visits for y in ref.years) > 1000  # overflow did happen
    for engine in ("fast", "lockstep", "loop"):
        fast = simulate_replication(dataclasses.replace(sim, engine=engine), ss, 0)
        for a, b in zip(fast.years, ref.years, strict=True):
            for f in dataclasses.fields(a):
                assert np.array_equal(getattr(a, f.name), getattr(b, f.name)), (engine, f.name)


def test_simulate_writes_the_same_files_with_either_engine(tmp_path, monkeypatch):
    import facility_opt.simulate.core as core
    from facility_opt.results.folder import ResultsFolder
    from facility_opt.scenario import load_scenario

    sc = load_scenario("leshan-base")
    build = core.build_simulation
    for engine in ("lockstep", "simpy"):  # lockstep: forced (two days are few, long lanes)
        monkeypatch.setattr(core, "build_simulation", lambda *a, _e=engine, **k: (
            lambda sim, cby: (dataclasses.replace(sim, engine=_e), cby))(*build(*a, **k)))
        result = core.simulate(sc, replications=2, days=2, progress=False)
        with ResultsFolder(tmp_path / engine, "simulate") as folder:
            core.write_simulation_outputs(folder, sc, result)
    names = sorted(p.name for p in (tmp_path / "simpy").glob("*.csv"))
    assert "centre_load.csv" in names and "replications.csv" in names
    for name in names:
        assert (tmp_path / "lockstep" / name).read_bytes() == (tmp_path / "simpy" / name).read_bytes()


def test_an_unknown_engine_is_refused():
    from facility_opt.simulate.engine import simulate_replication

    sim = dataclasses.replace(small_leshan_simulation(1), engine="turbo")
    with pytest.raises(ValueError, match="engine 'turbo'"):
        simulate_replication(sim, np.random.SeedSequence(1), 0)


@pytest.mark.parametrize("profile, stay", [("morning-peak", "lognormal"), ("uniform", "exponential"),
                                           ("morning-peak", "fixed")])
def test_batched_draws_are_draw_visits(profile, stay):
    model = DemandModel(arrival_profile=profile, stay_distribution=stay, sampled_days=7)
    lam = np.array([0.0, 3.5, 40.0, 0.2, 12.0])

    def streams():
        return [np.random.default_rng(np.random.SeedSequence(9, spawn_key=(c,)))
                for c in range(len(lam))]

    comm, day, hour, stay_h = draw_communities(model, streams(), lam)
    parts = [draw_visits(model, rng, float(x)) for rng, x in zip(streams(), lam, strict=True)]
    assert comm.tolist() == np.repeat(np.arange(len(lam)), [len(p[0]) for p in parts]).tolist()
    for got, k in ((day, 0), (hour, 1), (stay_h, 2)):
        want = np.concatenate([p[k] for p in parts])
        assert got.dtype == want.dtype and np.array_equal(got, want)


@pytest.mark.parametrize("entropy, spawn", [(20220531, 3), (0, 0), (2**70 + 3, 17),
                                            (2**128 - 1, 1)])
def test_community_streams_are_numpys_seed_sequence_streams(entropy, spawn, monkeypatch):
    from facility_opt.simulate import streams as st
    from facility_opt.simulate.engine import stream_key

    ss = np.random.SeedSequence(entropy).spawn(spawn + 1)[spawn]
    keys = tuple(stream_key(f"K{i}") for i in range(40)) + (0, 1, 2**32 - 1, 2**32, 2**64 - 1)

    def numpy_way(year, key):
        return np.random.Generator(np.random.PCG64(np.random.SeedSequence(
            ss.entropy, spawn_key=tuple(ss.spawn_key) + (year, key))))

    def same(streams, year):
        return all(g.bit_generator.state == numpy_way(year, k).bit_generator.state
                   and g.random(4).tolist() == numpy_way(year, k).random(4).tolist()
                   for g, k in zip(streams, keys, strict=True))

    calls = []
    real = st._generated_states
    monkeypatch.setattr(st, "_generated_states", lambda e: calls.append(1) or real(e))
    assert same(st.community_streams(ss, 2024, keys), 2024)
    assert calls  # the vectorised hash made them (the check against numpy passed)
    # a hash that went wrong is caught by the check on the first stream: numpy's own way
    monkeypatch.setattr(st, "_generated_states", lambda e: real(e) ^ np.uint64(1))
    assert same(st.community_streams(ss, 2025, keys), 2025)


@pytest.mark.parametrize("seed", range(5))
def test_components_are_the_connected_components(seed):
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    from facility_opt.simulate.fast_engine import components

    rng = np.random.default_rng(seed)
    n = 300
    a, b = rng.integers(0, n, 220), rng.integers(0, n, 220)  # many components, some chains
    label = components(n, a, b)
    _, ref = connected_components(coo_matrix((np.ones(len(a)), (a, b)), shape=(n, n)),
                                  directed=False)
    # the same partition, each labelled by its smallest node
    assert all(label[i] == np.flatnonzero(ref == ref[i]).min() for i in range(n))
