"""Which robustness.json (P(met) across futures) belongs to a results folder."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any


def robustness_of(root: Path, read_json: Callable[[Path, bool], dict[str, Any] | None]
                  ) -> dict[str, Any] | None:
    """robustness.json of the folder, or of its `futures/` subfolder (where `futures` writes by
    default) when that run simulated the same portfolio: the same projects with the same start
    years in both selection.csv files. Another portfolio's P(met) is not this plan's."""
    own = read_json(root / "robustness.json", False)
    sub = root / "futures"
    if own is not None or not (sub / "robustness.json").is_file():
        return own

    def chosen(path: Path) -> set[tuple[str, str]] | None:
        if not path.is_file():
            return None
        with open(path, encoding="utf-8-sig", newline="") as f:
            return {(r.get("id", ""), r.get("start_year", "")) for r in csv.DictReader(f)
                    if str(r.get("selected", "")).strip() == "1"}

    mine, theirs = chosen(root / "selection.csv"), chosen(sub / "selection.csv")
    if mine is None or mine != theirs:
        return None
    return read_json(sub / "robustness.json", False)
