"""The built MILP as arrays for a solver session (`MatrixForm`, columns in `model.columns`
order), and the cost vectors of secondary objectives: a benefit expression held after coverage,
and the integer tie-break that makes the chosen plan unique."""

from __future__ import annotations

import numpy as np
import pulp

from facility_opt.solve.milp_data import cost_resolution
from facility_opt.solve.milp_model import MilpModel
from facility_opt.solve.solvers import INF, MatrixForm


def to_matrix(model: MilpModel) -> MatrixForm:
    """The PuLP problem as arrays, columns in `model.columns` order (extra variables added by
    `extra_constraints` follow, by name)."""
    prob = model.problem
    cols = list(model.columns)
    pos = {v.name: j for j, v in enumerate(cols)}
    extra = sorted((v for v in prob.variables() if v.name not in pos), key=lambda v: v.name)
    for v in extra:
        pos[v.name] = len(cols)
        cols.append(v)
    n = len(cols)
    lower = np.array([-INF if v.lowBound is None else float(v.lowBound) for v in cols])
    upper = np.array([INF if v.upBound is None else float(v.upBound) for v in cols])
    integer = np.array([v.cat == pulp.LpInteger for v in cols], dtype=bool)
    cost = np.zeros(n)
    for v, a in prob.objective.items():
        cost[pos[v.name]] += a
    names, rlo, rhi, start, index, value = [], [], [], [0], [], []
    for con in prob.constraints():
        name = con.name
        for v, a in con.items():
            if a:
                index.append(pos[v.name])
                value.append(a)
        start.append(len(index))
        lo, hi = con.getLb(), con.getUb()
        rlo.append(-INF if lo is None else float(lo))
        rhi.append(INF if hi is None else float(hi))
        names.append(name)
    return MatrixForm([v.name for v in cols], cost, lower, upper, integer, names,
                      np.array(rlo, dtype=float), np.array(rhi, dtype=float),
                      np.array(start, dtype=np.int64), np.array(index, dtype=np.int64),
                      np.array(value, dtype=float), maximize=prob.sense == pulp.LpMaximize)


def cost_vector(form: MatrixForm, expr: pulp.LpAffineExpression) -> np.ndarray:
    """An objective expression as a cost vector in the matrix's column order."""
    pos = {n: j for j, n in enumerate(form.col_names)}
    cost = np.zeros(len(form.col_names))
    for v, a in expr.items():
        cost[pos[v.name]] += a
    return cost


def tie_break_cost(model: MilpModel) -> np.ndarray:
    """Secondary objective (minimised with the main objective held at its optimum), in integer
    units: total cost in steps of the cost resolution first, then earlier candidates (table
    order), then earlier starts. Each level's weight exceeds the largest possible sum of the
    levels below it, so a lower level only decides between equal upper levels; levels are
    dropped from the bottom when the numbers would exceed 2**50 (docs/model.md, "Tie-breaking").
    """
    q = cost_resolution(model.scenario)
    n_cand = max(1, len(model.options))
    max_opts = max([len(o) for o in model.options] + [1])
    units = [[round(o.total / q) for o in opts] for opts in model.options]
    top = sum(max(u, default=0) for u in units) + 1
    tri = n_cand * (n_cand + 1) // 2
    # start level: a later start of an earlier candidate weighs more (r × (n − i)), so swapped
    # schedules of equal projects do not tie
    m_pos = (max_opts - 1) * tri + 1  # weight of one candidate position
    m_cost = tri * m_pos + 1  # weight of one cost unit
    use_start = use_pos = True
    if top * m_cost > 2**50:  # too big for exact arithmetic: drop the start-year level
        use_start, m_pos, m_cost = False, 1, tri + 1
    if top * m_cost > 2**50:  # still too big: cost only
        use_pos, m_cost = False, 1
    w = np.zeros(len(model.columns))
    col = {v.name: j for j, v in enumerate(model.columns)}
    for i, opts in enumerate(model.options):
        for r, o in enumerate(opts):
            w[col[model.x[i, o.start].name]] = (units[i][r] * m_cost
                                                + (i + 1) * m_pos * use_pos
                                                + r * (n_cand - i) * use_start)
    return w

