"""The code base stays ruff clean (configuration in pyproject.toml)."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest


def test_ruff_clean(repo_dir) -> None:
    ruff = shutil.which("ruff")
    cmd = [ruff] if ruff else [sys.executable, "-m", "ruff"]
    try:
        proc = subprocess.run([*cmd, "check", "--no-cache", "."], cwd=repo_dir,
                              capture_output=True, text=True, timeout=120)
    except FileNotFoundError:
        pytest.skip("ruff is not installed (it comes with the [test] extra)")
    assert proc.returncode == 0, proc.stdout + proc.stderr
