"""Batch proposal for all open offers at once: an exact optimum over all feasible pairs.

Modes
-----
``lexicographic`` (default): house the highest-priority households first, then
maximise fit. Precisely: among all matchings of the feasibility graph, take
those whose set of housed households is best when the households are compared
in priority order (``priority.order_key``: case-conference rank, priority,
stored random key); among those, maximise the sum of the pairs' score totals
rounded to 1/``resolution`` (hundredths by default) in ``weighted`` mode; in
``lexicographic`` mode, the office's aims of ``aims`` decide among them.

Method (two exact stages, integer costs, SciPy's LAPJVsp
``min_weight_full_bipartite_matching``):

1. Housed set. Each household gets a private dummy column ("unhoused", cost
   K + 1) and every eligible pair costs 1 + its rank (0 = first). The minimum
   is the matching of largest total weight K - rank; with strictly decreasing
   weights the matroid greedy property makes its housed set the
   lexicographically best one (the greedy basis of the transversal matroid).
   It is therefore also a maximum matching: nobody who could be housed is left
   out. Costs are at most K + 1, so floats are exact.
2. The office's aims (``aims``: the household's own choice, then the lowest
   rent burden for the worst-off, then the funds' contributions, then size
   fit). Only the stage-1 households, each required to be housed (no dummy);
   the aims folded into one exact integer cost, plus a bisection for the
   min-max burden. ``aim_keys`` gives their order (data, ``aims.DEFAULT_AIMS``);
   the report compares each aim with the greedy baseline (``objective["aims"]``).

When offers are scarce only a prefix of the ranking can be housed: stage 1
first takes the best 2 x m households and doubles the prefix until no household
beyond it can reach a free offer through a chain of moves (then the prefix
holds the whole lexicographic housed set). After solving, the housed set is
certified with integer graph logic (``graph.priority_checks``).

``weighted``: one assignment maximising the sum of the rounded score totals
(priority is one weighted component): it may skip higher-priority households
for better fits, and the report counts them.

``greedy_batch``: the priority-first baseline: one household at a time, in
priority order, takes its best-scoring free eligible offer (ties: lower offer id).

Determinism: households are handled in ranking order and offers by id, so the
result depends on the data, not on the order of the input lists.

Contribution funds: when offers carry funds (``cases.OfferCase.funds``), each
pair whose household cannot pay the whole cost is charged to a fund that may
pay it, and no fund's monthly budget is exceeded (``budget``: the exact staged
method, its work limits, the per-fund report with the marginal figures in
``objective["funds"]``, and ``result.funding``). The greedy baseline takes only
offers whose contribution a fund can still pay.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from . import aims, budget, budget_aims
from .budget import Budgets, fund_report, marginal_figures
from .budget_fit import LARGE_PAIRS, relaxed_fit
from .cases import cost_cents
from .graph import Graph, build_graph, priority_checks, rows_reaching_free_offers
from .rules import RuleConfig
from .scoring import Weights, breakdown_at, household_parts, score_arrays
from .table import as_table

MODES = ("lexicographic", "weighted")
RESOLUTION = 100            # fits compared in hundredths of the score total


@dataclass(frozen=True)
class BatchResult:
    pairs: list             # [(household_id, offer_id, ScoreBreakdown)], households in priority order
    housed: int
    skipped_higher_priority: int
    objective: dict
    mode: str
    timings: dict
    skipped_by_reassignment: int = 0
    baseline: dict | None = None   # the greedy baseline's ``summary()`` (propose_batch only)
    feasible_pairs: int = 0
    funding: dict | None = None    # {household_id: (fund_id, contribution in cents)} of the pairs a fund pays

    def summary(self) -> dict:
        return {"mode": self.mode, "housed": self.housed,
                "skipped_higher_priority": self.skipped_higher_priority,
                "skipped_by_reassignment": self.skipped_by_reassignment,
                "priority_total": self.objective.get("priority_total"),
                "score_total": self.objective.get("score_total")}


def _solve(graph: Graph, rows: np.ndarray, edge_cost: np.ndarray, dummy_cost=None, first=None,
           col_order=None) -> np.ndarray:
    """Min-cost assignment of household table ``rows`` (LAPJVsp handles them in this order).

    ``edge_cost``: cost of every pair (by pair id), or a ``("row", costs)`` tuple
    giving one cost per row of ``rows`` for all its pairs. ``dummy_cost``: if given, each
    row also gets a private dummy column at that cost (it may stay unhoused);
    otherwise every row must be housed. ``first``: a known feasible column per
    row, moved to the front of the row so that SciPy's feasibility check
    (Hopcroft-Karp) finds a full matching at once. ``col_order``: a permutation
    of the offer columns, the order in which LAPJVsp sees them (it breaks its
    ties by column position; the optimum does not depend on it).
    Returns the offer column of each row, or -1.
    """
    n, m = graph.n, graph.m
    k = len(rows)
    if k == 0:
        return np.zeros(0, dtype=np.int64)
    pos = np.full(n, -1, dtype=np.int32)
    pos[rows] = np.arange(k, dtype=np.int32)
    by_row = isinstance(edge_cost, tuple)
    p = pos[graph.col_rows]
    keep = p >= 0
    if keep.all():
        ptr = graph.col_ptr
        data = None if by_row else np.asarray(edge_cost, dtype=np.float64)
    else:
        running = np.zeros(len(keep) + 1, dtype=np.int32)
        np.cumsum(keep, dtype=np.int32, out=running[1:])
        ptr = running[graph.col_ptr]
        del running
        data = None if by_row else np.asarray(edge_cost[keep], dtype=np.float64)
        p = p[keep]
    del keep
    if by_row:
        data = np.asarray(edge_cost[1], dtype=np.float64)[p]
    # offer-major -> row-major (SciPy, C code): columns sorted within each row
    mat = sp.csr_matrix((data, p, ptr.astype(np.int32)), shape=(m, k))
    del data, p
    if col_order is not None:
        mat = mat[col_order]                    # position i holds offer col_order[i]
        label = np.empty(m, dtype=np.int64)
        label[col_order] = np.arange(m)
        if first is not None:
            first = label[first]
    mat = mat.tocsc()
    indptr, indices, values = mat.indptr, mat.indices, mat.data
    if first is not None:
        key = np.repeat(np.arange(k, dtype=np.int64), np.diff(indptr)) * (m + 1) + indices
        at = np.searchsorted(key, np.arange(k, dtype=np.int64) * (m + 1) + first)
        del key
        head = indptr[:-1]
        indices[at], indices[head] = indices[head], indices[at].copy()
        values[at], values[head] = values[head], values[at].copy()
    if dummy_cost is not None:
        ends = indptr[1:]
        indices = np.insert(indices, ends, np.arange(m, m + k, dtype=np.int32))
        values = np.insert(values, ends, np.broadcast_to(np.asarray(dummy_cost, dtype=np.float64), (k,)))
        indptr = (indptr + np.arange(k + 1, dtype=indptr.dtype))
    matrix = sp.csr_matrix((values, indices, indptr), shape=(k, m + (k if dummy_cost is not None else 0)))
    del mat, values, indices
    row_ind, col_ind = min_weight_full_bipartite_matching(matrix)
    out = np.full(k, -1, dtype=np.int64)
    real = col_ind < m
    out[row_ind[real]] = col_ind[real] if col_order is None else np.asarray(col_order)[col_ind[real]]
    return out


def _lexicographic(graph: Graph, rank: np.ndarray, fit: np.ndarray, q: int, aim_keys=aims.DEFAULT_AIMS,
                  stage1_only: bool = False):
    n, m = graph.n, graph.m
    by_rank = np.argsort(rank)
    has_pairs = np.diff(graph.row_ptr) > 0
    k = n if n <= 2 * m else 2 * m
    rounds, t0 = 0, time.perf_counter()
    while True:
        rounds += 1
        considered = by_rank[:k]
        active = considered[has_pairs[considered]]         # households with no pair stay unhoused
        held = np.full(n, -1, dtype=np.int64)
        stage1 = ("row", 1 + rank[active])                            # rank 0 -> 1, ...
        held[active] = _solve(graph, active, stage1, dummy_cost=float(k + 1))
        if k >= n or rows_reaching_free_offers(graph, held, by_rank[k:]).size == 0:
            break
        k = min(n, 2 * k)
    t1 = time.perf_counter()
    chosen = considered[held[considered] >= 0]
    if stage1_only:                 # the budgets' pre-check (propose_batch): stage 1's assignment only
        return held, {"method": "two-stage", "considered_households": int(k), "rounds": rounds}
    # LAPJVsp is much faster with the poorest households first, and with the
    # offers by rooms, then cost, both descending (measured on the benchmark
    # instances: stage 2 about 20% faster than with the offers by id); the optimum
    # does not depend on these orders, only the choice among equal-cost optima
    chosen = chosen[np.argsort(graph.table.income_cents[chosen], kind="stable")]
    rooms = np.array([o.rooms for o in graph.offers], dtype=np.int64)
    cost = np.array([cost_cents(o) for o in graph.offers], dtype=np.int64)
    col_order = np.lexsort((np.arange(m), -cost, -rooms))
    final = np.full(n, -1, dtype=np.int64)
    if len(chosen) > aims.MAX_ROWS:           # too large for the aims: the score's fit, labelled
        final[chosen] = _solve(graph, chosen, (q + 1 - fit).astype(np.float64), first=held[chosen], col_order=col_order)
        stage2 = {"aims": [], "aims_left_out": list(aim_keys), "by": "score fit", "max_rows": aims.MAX_ROWS}
    else:
        final[chosen], stage2 = _stage2(graph, chosen, held[chosen], aim_keys, col_order)
    if (final[chosen] < 0).any() or (final >= 0).sum() != len(chosen):
        raise RuntimeError("stage 2 did not house the stage-1 households")
    info = {"method": "two-stage", "considered_households": int(k), "rounds": rounds,
            "stage1_time": t1 - t0, "stage2_time": time.perf_counter() - t1, "stage2": stage2}
    return final, info


# -- stage 2 by the office's aims (``aims`` module doc) -------------------------

def _stage2(graph: Graph, rows: np.ndarray, first: np.ndarray, aim_keys, col_order=None):
    """Stage 2's columns for ``rows`` (each housed) by the aims, and its report."""
    return aims.stage2(graph, rows, first,
                       lambda cost, first: _solve(graph, rows, cost, first=first, col_order=col_order), aim_keys)


def _weighted(graph: Graph, fit: np.ndarray, q: int):
    rows = np.argsort(graph.table.income_cents, kind="stable")
    held = np.full(graph.n, -1, dtype=np.int64)
    held[rows] = _solve(graph, rows, (q + 1 - fit).astype(np.float64), dummy_cost=float(q + 1))
    return held


def _greedy(graph: Graph, order: np.ndarray, budgets: Budgets | None = None):
    """Priority-first greedy: the best free eligible offer by score total (ties: lower offer id);
    with ``budgets``, only offers whose contribution a fund (the first by id with room) can still pay.
    Returns (held, {row: fund index})."""
    held = np.full(graph.n, -1, dtype=np.int64)
    charge = {}
    taken = np.zeros(graph.m, dtype=bool)
    left = graph.m
    row_ptr, row_cols, row_edge, total = graph.row_ptr, graph.row_cols, graph.row_edge, graph.total
    money = budgets.available.copy() if budgets is not None and budgets.binds_ever else None
    if money is not None:
        row_need, row_payers = budgets.by_row()
    for h in order.tolist():
        a, b = row_ptr[h], row_ptr[h + 1]
        if a == b:
            continue
        cols, edges = row_cols[a:b], row_edge[a:b]
        free = ~taken[cols]
        if money is not None:
            need, payers = row_need[a:b], row_payers[a:b]
            room = need == 0
            for k in range(len(money)):
                if money[k] > 0:
                    room |= ((payers >> k) & 1).astype(bool) & (need <= money[k])
            free &= room
        candidates = np.flatnonzero(free)
        if len(candidates) == 0:
            continue
        # columns ascending: the first maximum is the lowest id
        best = int(candidates[np.argmax(total[edges[candidates]])])
        held[h] = cols[best]
        taken[cols[best]] = True
        if money is not None and graph.need[edges[best]] > 0:
            e = edges[best]
            k = next(k for k in range(len(money)) if graph.payers[e] >> k & 1 and graph.need[e] <= money[k])
            money[k] -= graph.need[e]
            charge[h] = k
        left -= 1
        if left == 0:
            break
    return held, charge


def _budgeted_lexicographic(graph: Graph, budgets: Budgets, order, fit, q, aim_keys=aims.DEFAULT_AIMS):
    """The two stages under the budgets (``budget`` module doc), stage 2 by the aims (``budget_aims``):
    (held, {row: fund index}, stage 2's report)."""
    held1, charge1 = budgets.housed_set(order)
    rows = np.flatnonzero(held1 >= 0)
    degree = int((graph.row_ptr[rows + 1] - graph.row_ptr[rows]).sum())
    if degree > max(LARGE_PAIRS, budget.FIT_MAX_VARS):
        # neither stage 2's MILP nor its prices run on so many pairs (``budget_fit``): the unconstrained best
        # fit (LAPJVsp, about 10 s at 10k x 10k) would only serve as the bound on the fit, or be the result if
        # the funds could pay it; stage 1's assignment is kept with the relaxation's bound, both in the report
        held, charge = relaxed_fit(budgets, rows, fit, held1, charge1)
        return held, charge, {"by": "stage 1 assignment under budgets", "aims": [], "aims_left_out": list(aims.AIMS),
                              "exact": False, "fit_gap": budgets.fit_gap, "fit_bound_method": budgets.fit_bound_method,
                              "reason": "more pairs in the housed set than budget_fit.LARGE_PAIRS"}
    # the orders that make LAPJVsp fast (``_lexicographic``): poorest first; offers by rooms, then cost, descending
    rows = rows[np.argsort(graph.table.income_cents[rows], kind="stable")]
    rooms = np.array([o.rooms for o in graph.offers], dtype=np.int64)
    cost = np.array([cost_cents(o) for o in graph.offers], dtype=np.int64)
    col_order = np.lexsort((np.arange(graph.m), -cost, -rooms))
    return budget_aims.stage2(budgets, rows, held1, charge1, fit, q, aim_keys,
                              lambda c, first: _solve(graph, rows, c, first=first, col_order=col_order))


def _funding(graph: Graph, held, charge):
    if not charge:
        return {}
    rows = np.array(list(charge), dtype=np.int64)
    need = graph.need[graph.edge_ids(rows, held[rows])].tolist()
    return {int(graph.table.ids[r]): (graph.funds[k].id, int(c)) for (r, k), c in zip(charge.items(), need)}


def _fit_total(graph: Graph, held: np.ndarray, fit: np.ndarray) -> int:
    """Sum of the rounded fits of an assignment (exact integer)."""
    rows = np.flatnonzero(held >= 0)
    return int(np.asarray(fit, dtype=np.int64)[graph.edge_ids(rows, held[rows])].sum())


def _result(graph, held, mode, objective, timings, weights, today, fit, q, baseline=None, checks=None,
            charge=None):
    t0 = time.perf_counter()
    table = graph.table
    value, order, rank = table.ranking(today)
    checks = checks or priority_checks(graph, held, rank)
    rows = order[held[order] >= 0]
    cols = held[rows]
    offers = graph.offers
    hit = np.array([bool(table.district_hit(offers[j].district)[h]) for h, j in zip(rows.tolist(), cols.tolist())],
                   dtype=bool)
    comps, totals = score_arrays(table, rows, np.array([offers[j].rooms for j in cols], dtype=np.int64),
                                 np.array([cost_cents(offers[j]) for j in cols], dtype=np.int64), hit,
                                 weights, today, household_parts(table, weights, today))
    pairs = [(int(table.ids[h]), offers[j].id, breakdown_at(comps, totals, i, weights))
             for i, (h, j) in enumerate(zip(rows.tolist(), cols.tolist()))]
    objective = dict(objective, housed=len(pairs), resolution=q, fit_total=_fit_total(graph, held, fit) / q,
                     score_total=float(totals.sum()), priority_total=float(value[rows].sum()),
                     augmentable=checks["augmentable"])
    timings = dict(timings, report=time.perf_counter() - t0)
    return BatchResult(pairs, len(pairs), checks["skipped_higher_priority"], objective, mode, timings,
                       checks["skipped_by_reassignment"], baseline, graph.pairs, _funding(graph, held, charge))


def _prepare(households, offers, config, weights, today, graph):
    if graph is not None:
        return graph
    return build_graph(as_table(households), offers, config or RuleConfig.default(), weights, today)


def propose_batch(households, offers, config: RuleConfig, weights: Weights, today: date,
                  mode: str = "lexicographic", *, resolution: int = RESOLUTION, baseline: bool = True,
                  graph: Graph | None = None, marginal_report: bool = True,
                  aim_keys=aims.DEFAULT_AIMS) -> BatchResult:
    """The optimal proposal for all ``offers`` at once (see the module doc for the modes).

    ``households``: a list of ``HouseholdCase`` or a ``HouseholdTable``.
    ``baseline``: also run the greedy baseline on the same graph; its figures
    go in ``result.baseline``. ``graph``: a ``build_graph`` result to reuse.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
    q = int(resolution)
    if q < 1:
        raise ValueError("resolution must be a positive integer")
    weights = weights or Weights()
    graph = _prepare(households, offers, config, weights, today, graph)
    timings = dict(graph.timings)
    _, order, rank = graph.table.ranking(today)
    fit = np.rint(graph.total * q).astype(np.int64)
    t0 = time.perf_counter()
    budgets = Budgets(graph) if graph.need is not None else None
    # budgets: when no charging of the unconstrained housed set fits them, skip the unconstrained stage 2
    unfundable = False
    if mode == "lexicographic" and budgets is not None and budgets.binds_ever:
        if budgets.maximum_unfundable():      # the unconstrained optimum, a maximum matching, cannot be paid
            unfundable, objective = True, {"method": "two-stage", "shortcut": "skipped: budgets bind (bound < nu)"}
        else:
            held, objective = _lexicographic(graph, rank, fit, q, stage1_only=True)
            unfundable = budgets.allocate(held) is None
    if mode == "lexicographic" and not unfundable:
        held, objective = _lexicographic(graph, rank, fit, q, aim_keys)
    elif mode != "lexicographic":
        held, objective = _weighted(graph, fit, q), {"method": "weighted"}
    timings["solve"] = time.perf_counter() - t0
    charge, marginal = {}, None
    if budgets is not None and budgets.binds_ever:
        t0 = time.perf_counter()
        charge = None if unfundable else budgets.allocate(held)
        objective["budget_bound"] = charge is None
        if charge is None and mode == "lexicographic":
            held, charge, objective["stage2"] = _budgeted_lexicographic(graph, budgets, order, fit, q, aim_keys)
            objective["method"] = "two-stage under budgets (see budget_method)"
        elif charge is None:
            rows = np.flatnonzero(np.diff(graph.row_ptr) > 0)
            solved = budgets.solve(rows, required=False, fit=fit)
            if solved is None:                  # too large for the MILP: the lexicographic proposal, labelled
                held, charge, objective["stage2"] = _budgeted_lexicographic(graph, budgets, order, fit, q)
                objective["method"] = "weighted too large under budgets: two-stage lexicographic"
            else:
                held = np.full(graph.n, -1, dtype=np.int64)
                held[rows], charge = solved
        objective.update(budgets.report(int((held >= 0).sum()), q))   # method, proofs, bound and gap (budget.py)
        timings["budget"] = time.perf_counter() - t0
        if objective["budget_bound"] and mode == "lexicographic" and marginal_report:
            marginal = marginal_figures(graph, order, int((held >= 0).sum()))
            timings["marginal"] = marginal.pop("time")
        objective["funds"] = fund_report(graph, held, charge, marginal)
    t1 = time.perf_counter()
    checks = priority_checks(graph, held, rank)
    timings["priority_checks"] = time.perf_counter() - t1
    if mode == "lexicographic":
        # the chain checks ignore the budgets: under a binding budget a skip may be the budget's
        objective["certified"] = not (checks["augmentable"] or checks["skipped_higher_priority"]
                                      or checks["skipped_by_reassignment"]) or bool(objective.get("budget_bound"))
    base = None
    if baseline:
        t2 = time.perf_counter()
        held_g, charge_g = _greedy(graph, order, budgets)
        greedy = _result(graph, held_g, "greedy", {"method": "greedy"}, {}, weights, today, fit, q, charge=charge_g)
        base = dict(greedy.summary(), augmentable=greedy.objective["augmentable"], time=time.perf_counter() - t2)
        # the aims' figures need only the pairs of the two assignments (not per-pair values for all of them)
        objective["aims"] = aims.report(graph.restricted(held, held_g), held, held_g, aim_keys)
    return _result(graph, held, mode, objective, timings, weights, today, fit, q, base, checks, charge)


def greedy_batch(households, offers, config: RuleConfig, weights: Weights, today: date, *,
                 resolution: int = RESOLUTION, graph: Graph | None = None) -> BatchResult:
    """The priority-first greedy baseline, with the same report as ``propose_batch``."""
    weights = weights or Weights()
    graph = _prepare(households, offers, config, weights, today, graph)
    _, order, _ = graph.table.ranking(today)
    t0 = time.perf_counter()
    held, charge = _greedy(graph, order, Budgets(graph) if graph.need is not None else None)
    timings = dict(graph.timings, solve=time.perf_counter() - t0)
    fit = np.rint(graph.total * int(resolution)).astype(np.int64)
    return _result(graph, held, "greedy", {"method": "greedy"}, timings, weights, today, fit, int(resolution),
                   charge=charge)
