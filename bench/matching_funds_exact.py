"""An independent exact solver of the budgeted stage 1, for the benchmark's gap figures (small sizes only).

It uses none of ``housing.matching.budget``: only the graph's pairs, contributions and paying funds.
Households are taken in ranking order; each is kept when a feasibility MILP (HiGHS through
``scipy.optimize.milp``, no limits) can house it together with every household kept so far, each
housed once, each offer at most once, each contribution charged to a fund that may pay it, each fund
within its budget left. The feasible sets are closed under removal, so this greedy with an exact test
gives the lexicographically best housed set. One MILP per household with an eligible pair: minutes
above a few hundred households.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp


def _variables(graph):
    """Per variable: household row, offer column, contribution (cents), fund (-1: none)."""
    rows = np.repeat(np.arange(graph.n), np.diff(graph.row_ptr))
    cols, edges = graph.row_cols.astype(np.int64), graph.row_edge.astype(np.int64)
    need, payers = graph.need[edges], graph.payers[edges]
    parts = [(rows[need == 0], cols[need == 0], need[need == 0], np.full(int((need == 0).sum()), -1))]
    for k in range(len(graph.funds)):
        sel = (need > 0) & (((payers >> k) & 1) == 1)
        parts.append((rows[sel], cols[sel], need[sel], np.full(int(sel.sum()), k)))
    return [np.concatenate(p) for p in zip(*parts)]


def exact_housed(graph, order, available):
    """The lexicographically best housed set under the budgets: a boolean per graph row."""
    v_row, v_col, v_need, v_fund = _variables(graph)
    n_var = len(v_row)
    idx = np.arange(n_var)
    a_rows = sp.csr_matrix((np.ones(n_var), (v_row, idx)), shape=(graph.n, n_var))
    a_cols = sp.csr_matrix((np.ones(n_var), (v_col, idx)), shape=(graph.m, n_var))
    charged = v_fund >= 0
    a_fund = sp.csr_matrix((v_need[charged].astype(float), (v_fund[charged], idx[charged])),
                           shape=(len(graph.funds), n_var))
    kept = np.zeros(graph.n, dtype=bool)
    has_pairs = np.diff(graph.row_ptr) > 0
    for h in order.tolist():
        if not has_pairs[h]:
            continue
        trial = kept.copy()
        trial[h] = True
        lower = trial.astype(float)                # kept households (and h) housed, the others may not be
        upper = trial.astype(float)
        res = milp(np.zeros(n_var), integrality=np.ones(n_var), bounds=Bounds(0, 1),
                   constraints=[LinearConstraint(a_rows, lower, upper), LinearConstraint(a_cols, 0, 1),
                                LinearConstraint(a_fund, -np.inf, np.asarray(available, dtype=float))])
        if res.status == 0:
            kept = trial
        elif res.status != 2:                      # 2: infeasible; anything else is not a proof
            raise RuntimeError(f"MILP status {res.status} at row {h}: {res.message}")
    return kept
