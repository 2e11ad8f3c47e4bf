"""The schema table and the model dataclasses state each default once: a test ties them, so a
default changed in one place and not the other fails here instead of drifting silently."""

from __future__ import annotations

import dataclasses

import pytest

from facility_opt.model import types
from facility_opt.scenario.schema import REQUIRED, SCENARIO_KEYS

SECTION_CLASS = {
    "budget": types.Budget, "objective": types.Objective, "targets": types.Targets,
    "rules": types.Rules, "daycare": types.Daycare, "population": types.Population,
    "simulation": types.Simulation, "plan": types.PlanLoop,
}
# schema keys whose dataclass attribute has another name
RENAMED = {"population.elderly_share_drift": "elderly_share_drift_per_year",
           "population.total_growth": "total_growth_per_year"}


def _default(f: dataclasses.Field):
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:  # type: ignore[misc]
        return f.default_factory()  # type: ignore[misc]
    return dataclasses.MISSING


def _norm(v):
    if isinstance(v, (list, tuple)):
        return tuple(_norm(x) for x in v)
    if isinstance(v, dict):
        return {str(k): _norm(x) for k, x in v.items()}
    return v


def _pairs():
    for f in SCENARIO_KEYS:
        if "." not in f.key or f.default is REQUIRED or f.default is None:
            continue
        section, leaf = f.key.split(".", 1)
        cls = SECTION_CLASS.get(section)
        if cls is None:
            continue
        attr = RENAMED.get(f.key, leaf)
        fields = {x.name: x for x in dataclasses.fields(cls)}
        if attr in fields:
            yield f.key, f.default, _default(fields[attr])


@pytest.mark.parametrize("key,schema_default,class_default", list(_pairs()),
                         ids=[p[0] for p in _pairs()])
def test_schema_default_is_the_dataclass_default(key, schema_default, class_default) -> None:
    assert _norm(schema_default) == _norm(class_default), (
        f"{key}: schema says {schema_default!r}, the dataclass says {class_default!r}")


def test_enough_keys_are_tied() -> None:
    assert len(list(_pairs())) >= 20


def test_both_solver_sessions_offer_the_protocol() -> None:
    from facility_opt.solve.solvers import CbcSession, HighsSession, SolverSession

    wanted = [n for n in dir(SolverSession) if not n.startswith("_")]
    for cls in (HighsSession, CbcSession):
        missing = [n for n in wanted if n != "form" and not hasattr(cls, n)]
        assert not missing, f"{cls.__name__} lacks {missing}"
