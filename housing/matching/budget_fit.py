"""Stage 2 under the budgets when its MILP is too large: Lagrangian prices with a proven bound.

The housed set is fixed (stage 1) and each of its households must stay housed.
For a price of 1/d fit point per cent of contribution, the assignment
maximising sum(d x fit - need) is one minimum-cost matching (LAPJVsp, integer
costs, exact in floats). Its value plus the total budget left, divided by d,
is an upper bound on the best fit any assignment within the budgets reaches
(weak duality on the relaxation that pools the funds). Prices are tried from
the weakest; the first assignment that can be charged to the funds (``Budgets.
allocate``) is kept if it fits better than stage 1's. The report gives the
bound and the relative gap (``fit_gap``: 0 means proven optimal).
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from . import budget
from .budget_proofs import relaxation_bound

PRICES = (1000, 100, 10, 1)     # d: fit points (1/resolution) per d cents
LARGE_PAIRS = 2_000_000         # above this many pairs in the housed set, no prices (bound None)


def _total(budgets, rows, held, fit) -> int:
    return int(np.asarray(fit, dtype=np.int64)[budgets.graph.edge_ids(rows, held)].sum())


def priced_fit(budgets, rows, fit, start_held, start_charge):
    """(held per row of ``rows``, {row: fund}, upper bound on the fit total, fit total of the result).

    ``start_held``/``start_charge``: stage 1's assignment of ``rows`` (within the budgets)."""
    rows = np.asarray(rows, dtype=np.int64)
    owner, cols, edges = budgets.edges(rows)
    fit_e = np.asarray(fit, dtype=np.int64)[edges]
    need_e = budgets.need[edges]
    top = int(fit_e.max()) + 1 if len(fit_e) else 1
    budget = int(budgets.available.sum())
    best_held, best_charge = start_held, start_charge
    best_total = _total(budgets, rows, start_held, fit)
    bound = None
    prices = PRICES if len(edges) <= LARGE_PAIRS else ()       # above: the caller's bound only
    for d in prices:
        cost = (top - fit_e) * d + need_e + 1                   # > 0: no explicit zeros
        matrix = sp.csr_matrix((cost.astype(np.float64), (owner, cols)), shape=(len(rows), budgets.graph.m))
        row_ind, col_ind = min_weight_full_bipartite_matching(matrix)
        held = np.full(len(rows), -1, dtype=np.int64)
        held[row_ind] = col_ind
        value = len(rows) * (top * d + 1) - int(cost[_positions(owner, cols, row_ind, col_ind)].sum())
        # value = max over matchings of sum(d x fit - need); + budget, / d: an upper bound on the fit
        limit = (value + budget) // d
        bound = limit if bound is None else min(bound, limit)
        total = _total(budgets, rows, held, fit)
        if total > best_total:
            full = np.full(budgets.graph.n, -1, dtype=np.int64)
            full[rows] = held
            charge = budgets.allocate(full)
            if charge is not None:
                best_held, best_charge, best_total = held, charge, total
                break
    return best_held, best_charge, bound, best_total


def _positions(owner, cols, row_ind, col_ind):
    """Positions in (owner, cols) of the chosen pairs (owner sorted by construction)."""
    key = owner * (int(cols.max()) + 1 if len(cols) else 1) + cols
    order = np.argsort(key, kind="stable")
    want = row_ind.astype(np.int64) * (int(cols.max()) + 1 if len(cols) else 1) + col_ind
    return order[np.searchsorted(key[order], want)]


def fit_under_budgets(budgets, rows, fit, held1, charge1, unconstrained):
    """Stage 2 on the housed set ``rows`` (``budgets``: a ``budget.Budgets``): (held per graph row,
    {row: fund}), always within the budgets.

    The MILP up to ``budget.FIT_MAX_VARS`` variables; above, Lagrangian prices (``budget_fit``), or stage 1's
    assignment when they do no better. The proven bound (``fit_bound``) is the least of the prices'
    bounds and ``unconstrained``'s fit (the best fit of the same set without budgets)."""
    degree = int((budgets.graph.row_ptr[np.asarray(rows) + 1] - budgets.graph.row_ptr[rows]).sum())
    if degree <= budget.FIT_MAX_VARS:
        solved = budgets.solve(rows, required=True, fit=fit)
        if solved is not None:
            final = np.full(budgets.graph.n, -1, dtype=np.int64)
            final[rows] = solved[0]
            return final, solved[1]
        if not budgets.fit_skipped:
            return held1, charge1
    budgets.fit_skipped = False
    held, charge, bound, total = priced_fit(budgets, rows, fit, held1[rows], charge1)
    ceiling = _total(budgets, rows, unconstrained[rows], fit)
    budgets.fit_bound = ceiling if bound is None else min(bound, ceiling)
    budgets.fit_gap = None if total >= budgets.fit_bound else round((budgets.fit_bound - total) / max(budgets.fit_bound, 1), 6)
    final = np.full(budgets.graph.n, -1, dtype=np.int64)
    final[rows] = held
    return final, charge


def relaxed_fit(budgets, rows, fit, held1, charge1):
    """Stage 2 on a housed set too large for the MILP and the prices (``budget_fit``): stage 1's
    assignment, kept, and a proven bound on the fit of any assignment of ``rows`` (with or without
    budgets) from the assignment relaxation: each household its best pair, or each offer its best
    household, whichever sums to less."""
    g = budgets.graph
    bound = relaxation_bound(g, rows, fit)
    total = int(np.asarray(fit, dtype=np.int64)[g.edge_ids(rows, held1[rows])].sum())
    budgets.fit_bound = bound
    budgets.fit_bound_method = "assignment relaxation (best pair per household or per offer)"
    budgets.fit_gap = None if total >= bound else round((bound - total) / max(bound, 1), 6)
    return held1, charge1
