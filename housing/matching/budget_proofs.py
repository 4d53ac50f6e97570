"""Cheap proofs for the budgeted stage 1 (``budget.Budgets.housed_set``), and a bound on the housed count.

Stage 1 is the greedy over households in ranking order: each joins when the set
so far plus it can all be housed within the funds' budgets. Every decision
taken here is a proof, never a guess:

* **yes, by an augmenting path** (``Augmenter``): the household takes an offer
  that is free, or held by someone who moves on, and so on up to a free offer.
  Every household that moves takes a pair that needs no contribution, or one
  the same fund may pay for no more than its current pair (so no fund pays
  more); the newcomer's own contribution fits a fund's remaining budget. The
  result is a feasible assignment, built and kept.
* **no, by a lower bound** (``LowerBounds``): for a group T of funds, cost_T of
  a pair is its contribution when only funds of T may pay it (else 0); every
  assignment housing a set S charges T at least mincost_T(S), the least cost_T
  of a matching housing S. Removing a household from a matching of S + {h}
  leaves a matching of S, so mincost_T(S + {h}) >= mincost_T(S) + the least
  cost_T of h's pairs; the bound kept for S is the sum of these steps (exact
  when refreshed with a minimum-cost matching). When it exceeds the budget of
  T, h cannot join.

What neither proves goes to ``budget``'s exact tests (minimum-cost matchings
and MILPs), within a work limit; beyond it the household is left out and
counted as undecided (the report's ``exact``, ``undecided``,
``first_undecided``).

``housed_upper_bound``: no budget-feasible proposal houses more than
nu(pairs needing less than t) + floor(total budget / t) for any threshold t
(the pairs needing t or more each cost at least t), nor more than nu(all
pairs), nor, for each fund group T, more than nu(pairs of the households
with a pair T need not pay) + the most of the other households whose least
cost_T fits T's budget; nu is the maximum matching (Hopcroft-Karp). On graphs up to
``PRICED_PAIRS`` pairs, the Lagrangian bound with the same thresholds is
tighter (``housed_upper_bound``'s doc). The report prints the bound and the gap.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import maximum_bipartite_matching, min_weight_full_bipartite_matching

MAX_VISITS = 400          # households a single augmenting-path search may visit (work, not seconds)
PRICED_PAIRS = 1_000_000  # graphs up to this many pairs: also the Lagrangian bound on the housed count
MAX_TOTAL_WORK = 20_000_000  # pairs looked at by all the searches of one stage 1; beyond, no more searches


def fund_groups(n_funds: int) -> list[int]:
    """Bit masks of the fund groups whose lower bounds are kept: all funds, each fund, and up to four
    funds every group."""
    full = (1 << n_funds) - 1
    if n_funds <= 4:
        return list(range(1, full + 1))
    return [full] + [1 << k for k in range(n_funds)]


def least_costs(budgets):
    """(groups, per group the least cost_T of each household's pairs, per group the budget of T), cached on
    ``budgets`` (the lower bounds and ``matching_bound`` share them)."""
    cache = budgets.cache
    if "least_costs" not in cache:
        g = budgets.graph
        groups = fund_groups(len(budgets.funds))
        least_all, budget_all = [], []
        nonempty = np.flatnonzero(np.diff(g.row_ptr) > 0)
        need_r, payers_r = budgets.by_row()
        for group in groups:
            cost_r = np.where((need_r > 0) & ((payers_r & np.array(~group, dtype=payers_r.dtype)) == 0), need_r, 0)
            least = np.zeros(g.n, dtype=np.int64)
            if len(nonempty):
                least[nonempty] = np.minimum.reduceat(cost_r, g.row_ptr[nonempty])
            del cost_r
            least_all.append(least)
            budget_all.append(sum(int(budgets.available[k]) for k in range(len(budgets.funds)) if group >> k & 1))
        cache["least_costs"] = (groups, least_all, budget_all)
    return cache["least_costs"]


class LowerBounds:
    """For each fund group T: a lower bound on mincost_T(S) of the current set S."""

    def __init__(self, budgets):
        self.budgets = budgets
        self.groups, self.least, self.budget = least_costs(budgets)
        self.bound = np.zeros(len(self.groups), dtype=np.int64)
        self.stale = False
        self.refreshes = 0

    def add(self, h: int):
        for i in range(len(self.groups)):
            self.bound[i] += self.least[i][h]
        self.stale = True

    def excludes(self, h: int) -> bool:
        """True when some group cannot pay what S + {h} needs at least (proof that h cannot join)."""
        return any(self.bound[i] + self.least[i][h] > self.budget[i] for i in range(len(self.groups)))

    def _cost(self, group, edges):
        """cost_T (module doc) of the pairs ``edges``."""
        need, payers = self.budgets.need[edges], self.budgets.payers[edges]
        return np.where((need > 0) & ((payers & ~np.int64(group)) == 0), need, 0).astype(np.int64)

    def refresh(self, rows):
        """Exact mincost_T(S) for every group (one minimum-cost matching per group); returns the
        least-contribution matching of ``rows`` (all funds), or None."""
        self.refreshes += 1
        full = (1 << len(self.budgets.funds)) - 1
        cheapest = None
        for i, group in enumerate(self.groups):
            held = self.budgets._min_contribution(rows, only=group)
            if held is None:
                return None
            if group == full:
                cheapest = held
            edges = self.budgets.graph.edge_ids(rows, held)
            self.bound[i] = max(int(self.bound[i]), int(self._cost(group, edges).sum()))
        self.stale = False
        return cheapest


class Augmenter:
    """Augmenting paths along which no fund pays more (see the module doc)."""

    def __init__(self, budgets, max_visits: int = MAX_VISITS, max_total: int = MAX_TOTAL_WORK):
        self.budgets = budgets
        self.max_visits, self.max_total = max_visits, max_total
        n = budgets.graph.n
        self.dead = np.zeros(n, dtype=bool)     # proven unable to reach a free offer; cleared on each change
        self.seen = np.zeros(n, dtype=bool)
        self.searches = self.visits = self.work = 0

    def clear(self):
        self.dead[:] = False

    def _allowed(self, u, h, held, charge, left):
        g, b = self.budgets.graph, self.budgets
        a, z = g.row_ptr[u], g.row_ptr[u + 1]
        self.work += int(z - a)
        cols, edges = g.row_cols[a:z], g.row_edge[a:z]
        row_need, row_payers = b.by_row()
        need, payers = row_need[a:z], row_payers[a:z]
        if u == h:
            ok = need == 0
            for k in range(len(left)):
                ok |= ((payers >> k) & 1).astype(bool) & (need <= left[k])
        else:
            k = charge.get(u, -1)
            ok = need == 0
            if k >= 0:
                old = b.need[b.edge_of(u, held[u])]
                ok |= ((payers >> k) & 1).astype(bool) & (need <= old)
            ok &= cols != held[u]
        return cols[ok], edges[ok]

    def try_add(self, h, held, holder, charge, left) -> bool:
        """House ``h`` along an augmenting path (updating held, holder, charge, left) or return False."""
        if self.work >= self.max_total:
            return False
        self.searches += 1
        parent = {h: None}
        self.seen[h] = True
        touched = [h]
        queue, visits, exhausted, found = [h], 0, True, None
        while queue and found is None and exhausted:
            nxt = []
            for u in queue:
                visits += 1
                if visits > self.max_visits:
                    exhausted = False
                    break
                cols, edges = self._allowed(u, h, held, charge, left)
                occupant = holder[cols]
                free = np.flatnonzero(occupant < 0)
                if len(free):
                    found = (u, int(cols[free[0]]), int(edges[free[0]]))
                    break
                new = ~self.seen[occupant] & ~self.dead[occupant]
                fresh, at = np.unique(occupant[new], return_index=True)
                self.seen[fresh] = True
                touched.extend(fresh.tolist())
                for o, c in zip(fresh.tolist(), cols[new][at].tolist()):
                    parent[o] = (u, c)
                nxt.extend(fresh.tolist())
            queue = nxt
        self.visits += visits
        self.seen[touched] = False
        if found is None:
            if exhausted:
                self.dead[touched] = True
                self.dead[h] = False
            return False
        self._apply(h, found, parent, held, holder, charge, left)
        self.clear()
        return True

    def _apply(self, h, found, parent, held, holder, charge, left):
        b = self.budgets
        cur, col, edge = found
        while True:
            old_col = held[cur]
            new_need = int(b.need[edge])
            if cur == h:
                k = -1
                if new_need > 0:
                    k = next(k for k in range(len(left)) if b.payers[edge] >> k & 1 and left[k] >= new_need)
                    left[k] -= new_need
                    charge[h] = k
            else:
                k = charge.pop(cur, -1)
                if k >= 0:
                    left[k] += int(b.need[b.edge_of(cur, old_col)])
                if new_need > 0:
                    left[k] -= new_need          # same fund, no more than before (the move rule)
                    charge[cur] = k
            held[cur], holder[col] = col, cur
            if cur == h:
                return
            prev, prev_col = parent[cur]
            if prev_col != old_col:
                raise AssertionError("augmenting path out of step")
            cur, col, edge = prev, old_col, b.edge_of(prev, old_col)


def _max_matching(graph, keep=None, rows=None) -> int:
    """Size of a maximum matching of the pairs with ``keep`` (by pair id; None: all pairs), or of the
    pairs of the households ``rows`` (a mask).

    The household-major index is handed to SciPy as a CSR matrix directly (no COO conversion)."""
    if rows is not None:
        degree = np.diff(graph.row_ptr)
        indptr = np.zeros(graph.n + 1, dtype=np.int64)
        np.cumsum(np.where(rows, degree, 0), out=indptr[1:])
        indices = graph.row_cols[np.repeat(rows, degree)]
    elif keep is None:
        indptr, indices = graph.row_ptr, graph.row_cols
    else:
        sel = keep[graph.row_edge]
        running = np.zeros(len(sel) + 1, dtype=np.int64)
        np.cumsum(sel, out=running[1:])
        indptr, indices = running[graph.row_ptr], graph.row_cols[sel]
        del sel, running
    if len(indices) == 0:
        return 0
    small = np.int32 if len(indices) < 2 ** 31 - 1 and graph.m < 2 ** 31 - 1 else np.int64
    mat = sp.csr_matrix((np.ones(len(indices), dtype=np.int8), indices.astype(small, copy=False),
                         indptr.astype(small)), shape=(graph.n, graph.m))
    return int((maximum_bipartite_matching(mat, perm_type="column") >= 0).sum())


def _priced_matching(graph, need, t) -> int:
    """max over matchings of sum(t - need) over its pairs needing less than t (LAPJVsp, a dummy per row)."""
    keep = need[graph.row_edge] < t
    rows = np.repeat(np.arange(graph.n), np.diff(graph.row_ptr))[keep]
    if len(rows) == 0:
        return 0
    used, rows = np.unique(rows, return_inverse=True)
    k = len(used)
    cols = graph.row_cols[keep].astype(np.int64)
    cost = need[graph.row_edge[keep]].astype(np.float64) + 1                # t + 1 - (t - need)
    matrix = sp.csr_matrix((np.concatenate([cost, np.full(k, t + 1.0)]),
                            (np.concatenate([rows, np.arange(k)]), np.concatenate([cols, graph.m + np.arange(k)]))),
                           shape=(k, graph.m + k))
    row_ind, col_ind = min_weight_full_bipartite_matching(matrix)
    return int(round(k * (t + 1) - matrix[row_ind, col_ind].sum()))


def _thresholds(budgets, thresholds: int) -> list:
    need = budgets.need
    positive = need[need > 0]
    if len(positive) == 0:
        return []
    if budgets.graph.pairs > PRICED_PAIRS:
        # one threshold, the median of a regular sample (any threshold gives a true bound; the sample
        # spares a selection over millions of pairs), and the least contribution
        thresholds = 1
        positive = np.concatenate([positive[::64], [positive.min()]])
    return [t for t in sorted({int(t) for t in np.quantile(positive, np.linspace(0, 1, thresholds + 2)[1:-1])} |
                              {int(positive.min())}) if t > 0]


def matching_bound(budgets, thresholds: int = 4) -> tuple[int, int]:
    """(nu of all pairs, min over the thresholds t of nu(pairs needing less than t) + floor(total budget / t)),
    both capped by nu; cached on ``budgets`` (``Budgets.cache``): the shortcut test and the report share it."""
    cache = budgets.cache
    if "matching_bound" not in cache:
        graph, need = budgets.graph, budgets.need
        total = int(max(0, budgets.available.sum()))
        nu = _max_matching(graph)
        best = nu
        # per fund group T: the households with a pair T need not pay (least cost_T = 0) house at most nu of
        # their pairs; each other one charges T at least its least cost_T, so at most k_T of them fit T's budget
        has = np.diff(graph.row_ptr) > 0
        for least, budget in zip(*least_costs(budgets)[1:]):
            free = has & (least == 0)
            paying = np.cumsum(np.sort(least[has & (least > 0)]))
            k = int(np.searchsorted(paying, budget, side="right"))
            if k < best:
                best = min(best, _max_matching(graph, rows=free) + k)
        for t in _thresholds(budgets, thresholds):
            if total // t < best:               # else this threshold cannot lower the bound (nu >= 0)
                best = min(best, _max_matching(graph, need < t) + total // t)
        cache["matching_bound"] = (nu, best)
    return cache["matching_bound"]


def housed_upper_bound(budgets, thresholds: int = 4) -> int:
    """An upper bound on the households any budget-feasible proposal houses (module doc).

    On graphs up to ``PRICED_PAIRS`` pairs, also the Lagrangian bound: for a price 1/t per cent,
    t x housed <= sum over the housed pairs of (t - need) + total budget <= max over matchings of
    sum((t - need)+) + total budget."""
    graph, need = budgets.graph, budgets.need
    total = int(max(0, budgets.available.sum()))
    best = matching_bound(budgets, thresholds)[1]
    if graph.pairs <= PRICED_PAIRS:
        for t in _thresholds(budgets, thresholds):
            if total // t < best:               # else this threshold cannot lower the bound
                best = min(best, (_priced_matching(graph, need, t) + total) // t)
    return best


def _segment_max(ptr, values, chunk=1 << 20):
    """Per segment ``ptr[i]:ptr[i + 1]``, the max of ``values(a, b)`` (the entries a:b, int64), taken about
    ``chunk`` entries at a time; the least int64 for an empty segment."""
    n = len(ptr) - 1
    out = np.full(n, np.iinfo(np.int64).min, dtype=np.int64)
    i = 0
    while i < n:
        j = min(n, max(i + 1, int(np.searchsorted(ptr, ptr[i] + chunk, side="right")) - 1))
        a, b = int(ptr[i]), int(ptr[j])
        if b > a:
            has = ptr[i + 1:j + 1] > ptr[i:j]
            out[i:j][has] = np.maximum.reduceat(np.asarray(values(a, b), dtype=np.int64), ptr[i:j][has] - a)
        i = j
    return out


def relaxation_bound(graph, rows, fit) -> int:
    """An upper bound on the fit total of any assignment housing ``rows`` (with or without budgets): the
    assignment relaxation, each household its best pair or each offer its best household of ``rows``,
    whichever sums to less; read in chunks of pairs (no arrays over all the set's pairs)."""
    g, lowest = graph, np.int64(np.iinfo(np.int64).min)
    inset = np.zeros(g.n, dtype=bool)
    inset[rows] = True
    per_row = _segment_max(g.row_ptr, lambda a, b: fit[g.row_edge[a:b]])[rows]
    per_col = _segment_max(g.col_ptr, lambda a, b: np.where(inset[g.col_rows[a:b]], fit[a:b], lowest))
    return min(int(per_row.sum()), int(per_col[per_col > lowest].sum()))
