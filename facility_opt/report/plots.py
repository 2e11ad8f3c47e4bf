"""Plots for plan, frontier and compare: each in two steps, data first, drawing second.

For every plot a `*_data` function turns the results files (CSV rows as read by `read_csv_rows`,
or `plan.json`) into plain lists — exactly the numbers drawn, so a test can hold them against the
CSVs — and a `draw_*` function draws them with matplotlib (Agg backend, imported only when a plot
is drawn) to PNG and SVG side by side. Labels are Chinese when a CJK font is installed
(`facility_opt.report.fonts`), otherwise English with one `PlotFontWarning`, so characters never
render as empty boxes. Money is in the scenario's budget unit (default 万元), coverage in percent.

Split by concept: `plot_data` (the records), `plot_style` (labels, fonts, matplotlib set-up),
`plot_draw` (comparison and plan figures), `plot_frontier` (the frontier). This module keeps the
one import path callers use.
"""

from __future__ import annotations

from facility_opt.report.plot_data import (  # noqa: F401
    COVERAGE_METRICS,
    BenefitCost,
    CoverageSeries,
    PlanIterations,
    SelectionMatrix,
    SpendData,
    benefit_cost_data,
    coverage_data,
    plan_iterations_data,
    read_csv_rows,
    selection_data,
    spend_data,
    to_float,
)
from facility_opt.report.plot_draw import (  # noqa: F401
    draw_benefit_cost,
    draw_coverage,
    draw_plan,
    draw_selection,
    draw_spend,
)
from facility_opt.report.plot_frontier import FrontierData, draw_frontier, frontier_data  # noqa: F401
from facility_opt.report.plot_style import (  # noqa: F401
    _COLOURS,
    DPI,
    PLOT_FORMATS,
    Labels,
    PlotFontWarning,
    _finite,
    _pct,
    _pyplot,
    _save,
    plot_labels,
)
