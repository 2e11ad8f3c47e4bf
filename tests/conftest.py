"""Shared fixtures. `../shared` (the plan brief and validation data) sits beside the repository;
tests that read it skip with a clear reason where it is absent."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# the persistent sizing cache (facility_opt.cache) of this test session: never the user's own,
# shared by every test and subprocess of the session (a cached value is the computed one)
os.environ.setdefault("FACILITY_OPT_CACHE", tempfile.mkdtemp(prefix="facility-opt-cache-"))

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not (SHARED / "validation").is_dir():
        pytest.skip(f"../shared (validation data) is not beside the repository at {SHARED}")
    return SHARED


@pytest.fixture(scope="session")
def repo_dir() -> Path:
    return REPO
