"""`facility-opt compare`: compare scenarios and print the headline figures."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from facility_opt.decide.compare import CompareResult, compare


def print_compare(res: CompareResult, console=None) -> None:
    """The headline figures as a rich table, then the files and any notes."""
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    if not console.is_terminal:
        console = Console(width=160)
    table = Table(title="Scenarios compared", title_justify="left")
    cols = [("scenario", "left"), ("status", "left"), ("objective", "right"),
            ("total cost", "right"), ("budget", "right"), ("projects", "right"),
            ("facility cov. (mean / low)", "right"), ("service cov. (mean / low)", "right"),
            ("target met", "left")]
    for c, j in cols:
        table.add_column(c, justify=j)

    def pct(r: dict[str, Any], m: str) -> str:
        mean, low = r.get(f"{m}_mean"), r.get(f"{m}_ci_low")
        if mean is None:
            return "—"
        low_text = "—" if low is None or math.isnan(low) else f"{100 * low:.1f}"
        return f"{100 * mean:.1f} / {low_text} %"

    for r in res.rows:
        met = r.get("target_met")
        table.add_row(r["scenario"], str(r["status"]),
                      f"{r['objective']:,.1f}" if r.get("objective") is not None else "—",
                      f"{r['total_cost']:,.0f}" if r.get("total_cost") is not None else "—",
                      f"{r['budget_total']:,.0f} {r['budget_unit']}"
                      if r.get("budget_total") is not None else "—",
                      str(r["selected_count"]), pct(r, "facility_coverage"),
                      pct(r, "service_coverage"),
                      "—" if met is None else ("yes" if met else "no"))
    console.print(table)
    for s in res.scenarios:
        for n in s.notes:
            console.print(f"note: {s.name}: {n}")
    console.print(f"Same seed for every scenario: {res.seed}" if res.seed is not None else "")
    console.print(f"Results in {res.out}: compare.csv, "
                  + ", ".join(sorted({p.stem for p in res.plots})) + " (PNG and SVG)")


def run_compare(inputs: Sequence[str], out: Path | None, replications: int | None,
                seed: int | None, workers: int, solver: str) -> int:
    """`facility-opt compare`: exit 0 when the comparison is written."""
    res = compare(inputs, out=out, replications=replications, seed=seed, workers=workers,
                  solver=solver)
    print_compare(res)
    return 0
