"""The funds' monthly budgets in the batch: the staged optimum under the budgets, exact or with a proven bound.

Each proposed pair whose household cannot pay the whole cost (``graph.need`` > 0)
is charged to one fund that may pay it (``graph.payers``); for each fund, the
contributions charged to it plus its open tenancies' (``FundCase.committed``)
never exceed its monthly budget. The objective is ``batch``'s, unchanged.

Method (HiGHS through ``scipy.optimize.milp`` only where needed):

0. Shortcut. Budgets only remove solutions: if the unconstrained optimum
   (``batch``'s two stages) can be charged to the funds within their budgets
   (``allocate``), it is also the optimum under the budgets. That optimum is a
   maximum matching: when the cheap housed bound (``budget_proofs.
   matching_bound``) is below nu, it cannot be charged and is not computed
   (``maximum_unfundable``).
1. Housed set. A set of households that can all be housed within the budgets
   stays so when one leaves (its offer and contribution are freed): the
   feasible sets are closed under removal, so the lexicographically best set
   (households compared in priority order) is the greedy one. Households are
   taken in ranking order; each joins when the set so far plus it can still
   all be housed within the budgets. Each decision is a proof, cheapest first
   (``budget_proofs``): a free offer within a fund's remaining budget (yes);
   the lower bounds per group of funds (no); an augmenting path along which
   no fund pays more (yes); up to ``MAX_REFRESHES`` times, the set's
   least-contribution matching replaces the assignment when the funds can pay
   it, and the two yes-tests run again; then the exact tests: the
   minimum-contribution matchings for all funds and every group (no), first-fit
   charging (yes), a feasibility MILP (binary variables per pair and paying
   fund; a row per household = 1, per offer <= 1, per fund contributions <=
   budget left).
2. The office's aims (``budget_aims``): the stage-1 households, each housed, by
   the aims within the budgets (one MILP per aim over ``solve``'s variables);
   when too large, the fit as before: the unconstrained best-fit assignment if
   it can be charged to the funds, else a MILP maximising the sum of the rounded
   fits under the budgets (up to ``FIT_MAX_VARS`` variables), else Lagrangian
   prices (``budget_fit``) with a proven bound. Above ``budget_fit.LARGE_PAIRS``
   pairs in the housed set neither runs, and the unconstrained best fit would
   only be a bound (or the result, were it chargeable): stage 1's assignment is
   kept with the assignment relaxation's bound (``budget_fit.relaxed_fit``; the report's
   ``fit_bound_method``).

Which method runs (``max_exact="auto"``): up to ``EXACT_PAIRS`` pairs the exact
tests run without limit and the result is exact (the tests compare it with
exhaustive solvers). Above, they cost seconds each (1k x 1k: 191 s with them,
against the 1 s target), so at most ``min(MAX_EXACT_TESTS, EXACT_WORK / pairs)``
of them run; a household that no proof settles is left out and counted in
``undecided``. The report (``report``) names the method (``budget_method``),
the proofs that decided, ``exact``, ``first_undecided`` (the housed set equals
the lexicographic optimum on every household ranked above it: all the
decisions up to there were proven), a proven upper bound on the households
any budget-feasible proposal houses with the gap, and stage 2's ``fit_bound``
and ``fit_gap``. Other work limits (nodes and counts, not seconds, so that
the same data give the same proposal): each feasibility MILP stops after
``MILP_NODES`` nodes, after ``MAX_MILPS`` of them a household needing one is
not tested, and stage 2's MILP stops after ``FIT_NODES`` nodes with its MIP gap.

Marginal figures: for each fund, stage 1 again with its budget raised by its
per-household cap (the most one more household can cost it): the households
housed in addition, and that number per euro. Discrete: one household more
needs a whole contribution, so a per-euro dual value would mislead.
"""
from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from .budget_proofs import Augmenter, LowerBounds, housed_upper_bound, matching_bound

# Work limits in branch-and-bound nodes and MILP counts, not seconds: the same data give the same proposal.
MILP_NODES = 10         # per feasibility MILP of stage 1
MAX_MILPS = 3           # larger feasibility MILPs per stage-1 run; beyond, a household needing one is left out
SMALL = 2000            # programs with at most this many variables run without limits
FIT_NODES = 200         # stage 2's MILP (then its best solution and its gap)
FIT_MAX_VARS = 20_000   # stage 2's MILP is not built above this many variables (stage 1's assignment kept)
EXACT_PAIRS = 20_000    # graphs up to this many pairs: exact tests without limit (``max_exact="auto"``)
MAX_EXACT_TESTS = 3     # above it: at most this many exact tests per stage 1, and at most
EXACT_WORK = 400_000    # this many pairs / the graph's pairs (1k x 1k: 3; 10k x 10k: none); the rest undecided
MAX_REFRESHES = 10       # exact refreshes of the lower bounds per stage 1 (minimum-cost matchings) ...
REFRESH_PAIRS = 500_000  # ... on graphs up to this many pairs (none above)


class Budgets:
    """The graph's pairs with their contributions, and the funds' budgets left (cents)."""

    def __init__(self, graph, extra=None, milp_nodes=MILP_NODES, max_milps=MAX_MILPS, max_exact="auto",
                 max_refreshes="auto"):
        self.graph = graph
        self.milp_nodes, self.max_milps = milp_nodes, max_milps
        if max_exact == "auto":
            max_exact = None if graph.pairs <= EXACT_PAIRS else min(MAX_EXACT_TESTS, EXACT_WORK // graph.pairs)
        self.max_exact = max_exact          # exact tests (matchings, MILPs) per stage 1; None: no limit
        if max_refreshes == "auto":
            max_refreshes = MAX_REFRESHES if graph.pairs <= REFRESH_PAIRS else 0
        self.max_refreshes = max_refreshes  # exact refreshes of the lower bounds per stage 1
        self.exact_tests = 0
        self.fit_skipped = False            # stage 2's MILP too large to run
        self.fit_bound = None               # proven upper bound on stage 2's fit total (prices), if computed
        self.proofs = {"free offer": 0, "augmenting path": 0, "lower bound": 0, "exact test": 0}
        self.undecided = 0          # households left out by a stopped or skipped test (not proven)
        self.first_undecided = None  # position in the ranking of the first of them: exact above it
        self.fit_gap = None         # stage 2's relative MIP gap when stopped by the time limit
        self.funds = graph.funds
        self.need = graph.need
        self.payers = graph.payers
        self.available = np.array([f.available_cents for f in self.funds], dtype=np.int64)
        if extra is not None:
            self.available = self.available + extra
        self.milps = 0
        self.cache = {}             # maximum matchings shared by the shortcut test and the report
        self.fit_bound_method = None

    def by_row(self):
        """(need, payers) in household-major order: row h's pairs are ``graph.row_ptr[h]:row_ptr[h + 1]``,
        so the per-household proofs take slices instead of gathers; narrow dtypes (int32 cents, the
        fewest bits the funds need), computed once."""
        if "by_row" not in self.cache:
            g = self.graph
            need = self.need[g.row_edge]
            if len(need) and int(need.max()) < 2 ** 31:
                need = need.astype(np.int32)
            f = len(self.funds)
            small = np.int8 if f <= 7 else np.int16 if f <= 15 else np.int32 if f <= 31 else np.int64
            self.cache["by_row"] = (need, self.payers[g.row_edge].astype(small))
        return self.cache["by_row"]

    @property
    def binds_ever(self) -> bool:
        return self.need is not None and bool((self.need > 0).any())

    def edges(self, rows):
        """(row index into ``rows``, offer column, pair id) of every pair of ``rows``."""
        g = self.graph
        starts, ends = g.row_ptr[rows], g.row_ptr[np.asarray(rows) + 1]
        counts = ends - starts
        owner = np.repeat(np.arange(len(rows)), counts)
        entry = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts) + np.repeat(starts, counts)
        return owner, g.row_cols[entry].astype(np.int64), g.row_edge[entry].astype(np.int64)

    def edge_of(self, row, col) -> int:
        g = self.graph
        a, b = g.row_ptr[row], g.row_ptr[row + 1]
        return int(g.row_edge[a + int(np.searchsorted(g.row_cols[a:b], col))])

    def maximum_unfundable(self) -> bool:
        """True when no budget-feasible proposal houses a maximum matching's count (the cheap bound of
        ``budget_proofs.matching_bound``): then the unconstrained optimum, a maximum matching, cannot be
        charged to the funds and the shortcut (step 0) need not compute it."""
        nu, bound = matching_bound(self)
        return bound < nu

    # -- charging a matching to the funds ----------------------------------------

    def allocate(self, held: np.ndarray, exact: bool = True):
        """{row: fund index} charging every housed pair that needs it within the budgets, or None.

        First fit (pairs with the fewest paying funds and largest contribution
        first, each to its first fund by id with room left); when that fails,
        an exact MILP over these pairs only.
        """
        rows = np.flatnonzero(held >= 0)
        edges = self.graph.edge_ids(rows, held[rows])
        paying = self.need[edges] > 0
        pairs = list(zip(rows[paying].tolist(), edges[paying].tolist()))
        if not pairs:
            return {}
        left = self.available.copy()
        charge = {}
        ordered = sorted(pairs, key=lambda p: (bin(int(self.payers[p[1]])).count("1"), -int(self.need[p[1]]), p[0]))
        for r, e in ordered:
            for k in range(len(self.funds)):
                if self.payers[e] >> k & 1 and left[k] >= self.need[e]:
                    left[k] -= self.need[e]
                    charge[r] = k
                    break
            else:
                return self._allocate_exactly(pairs) if exact else None
        return charge

    def _allocate_exactly(self, pairs):
        variables = [(i, k) for i, (_, e) in enumerate(pairs) for k in range(len(self.funds))
                     if self.payers[e] >> k & 1]
        if not variables:
            return None
        n_var = len(variables)
        ii = np.array([i for i, _ in variables])
        kk = np.array([k for _, k in variables])
        need = np.array([self.need[pairs[i][1]] for i in ii], dtype=float)
        a_pair = sp.csr_matrix((np.ones(n_var), (ii, np.arange(n_var))), shape=(len(pairs), n_var))
        a_fund = sp.csr_matrix((need, (kk, np.arange(n_var))), shape=(len(self.funds), n_var))
        self.milps += 1
        res = milp(np.zeros(n_var), integrality=np.ones(n_var), bounds=Bounds(0, 1),
                   options={"node_limit": self.milp_nodes},
                   constraints=[LinearConstraint(a_pair, 1, 1), LinearConstraint(a_fund, -np.inf, self.available)])
        if res.x is None:
            return None
        chosen = np.flatnonzero(res.x > 0.5)
        return {pairs[ii[v]][0]: int(kk[v]) for v in chosen.tolist()}

    # -- the exact program over a set of households ------------------------------

    def solve(self, rows, required=True, fit=None, program=None):
        """A MILP over the pairs of ``rows``: each housed (``required``) or at most once,
        offers at most once, funds within their budgets left; maximise the sum of ``fit``
        (per pair id; None = feasibility). Returns (held per row or -1, {row: fund}) or None.
        ``program(owner, cols, edges, funds, constraints)``: given instead the variables (row index
        into ``rows``, offer column, pair id, fund or -1) and these rows, it solves (``budget_aims``)."""
        rows = np.asarray(rows, dtype=np.int64)
        owner, cols, edges = self.edges(rows)
        need = self.need[edges]
        var_entry, var_fund = [np.flatnonzero(need == 0)], [np.full(int((need == 0).sum()), -1)]
        for k in range(len(self.funds)):
            sel = np.flatnonzero((need > 0) & ((self.payers[edges] >> k) & 1).astype(bool))
            var_entry.append(sel)
            var_fund.append(np.full(len(sel), k))
        var_entry, var_fund = np.concatenate(var_entry), np.concatenate(var_fund)
        n_var = len(var_entry)
        if n_var == 0:
            return (np.full(len(rows), -1), {}) if not required or len(rows) == 0 else None
        one = np.ones(n_var)
        m, idx = self.graph.m, np.arange(n_var)
        a_rows = sp.csr_matrix((one, (owner[var_entry], idx)), shape=(len(rows), n_var))
        a_cols = sp.csr_matrix((one, (cols[var_entry], idx)), shape=(m, n_var))
        charged = var_fund >= 0
        a_fund = sp.csr_matrix((need[var_entry][charged].astype(float), (var_fund[charged], idx[charged])),
                               shape=(len(self.funds), n_var))
        if program is not None:
            return program(owner[var_entry], cols[var_entry], edges[var_entry], var_fund,
                           [LinearConstraint(a_rows, 1 if required else 0, 1), LinearConstraint(a_cols, 0, 1),
                            LinearConstraint(a_fund, -np.inf, self.available)])
        if fit is not None and n_var > FIT_MAX_VARS:
            self.fit_skipped = True
            return None
        c = np.zeros(n_var) if fit is None else -np.asarray(fit, dtype=float)[edges[var_entry]]
        self.milps += 1
        if fit is None and n_var > SMALL and self.milps > self.max_milps:
            self.undecided += 1
            return None
        options = {} if n_var <= SMALL else {"node_limit": self.milp_nodes if fit is None else FIT_NODES}
        if fit is not None:  # HiGHS stops at a relative gap of 1e-4 by default: an optimum called exact must be one
            options["mip_rel_gap"] = 0.0
        res = milp(c, integrality=one, bounds=Bounds(0, 1), options=options,
                   constraints=[LinearConstraint(a_rows, 1 if required else 0, 1), LinearConstraint(a_cols, 0, 1),
                                LinearConstraint(a_fund, -np.inf, self.available)])
        if res.x is None:
            if res.status == 1:
                self.undecided += 1
            return None
        if res.status != 0 and fit is not None:
            self.fit_gap = getattr(res, "mip_gap", None)
        held = np.full(len(rows), -1, dtype=np.int64)
        charge = {}
        for v in np.flatnonzero(res.x > 0.5).tolist():
            r = int(owner[var_entry[v]])
            held[r] = cols[var_entry[v]]
            if var_fund[v] >= 0:
                charge[int(rows[r])] = int(var_fund[v])
        return held, charge

    # -- stage 1: the greedy over households in ranking order -------------------

    def _take(self, h, col, k, held, holder, charge, left):
        """Give ``h`` the free offer ``col``, charged to fund ``k`` (-1: nothing to pay)."""
        held[h], holder[col] = col, h
        if k >= 0:
            charge[h] = k
            left[k] -= self.need[self.edge_of(h, col)]

    def _fits_now(self, h, holder, left):
        """An offer free now that ``h`` may take within a fund's remaining budget: (col, fund or -1).
        A free pair needing nothing first (lowest column); else the least contribution (then the lowest
        column), charged to the fund with the most budget left (then the first by id): a fund that many
        pairs may use is not spent on pairs another fund could pay."""
        g = self.graph
        a, b = g.row_ptr[h], g.row_ptr[h + 1]
        cols = g.row_cols[a:b]
        free = holder[cols] < 0
        row_need, row_payers = self.by_row()
        need, payers = row_need[a:b].astype(np.int64), row_payers[a:b]   # int64: the sentinel below
        zero = np.flatnonzero(free & (need == 0))
        if len(zero):
            return int(cols[zero[0]]), -1
        ok = np.zeros((len(self.funds), len(cols)), dtype=bool)
        for k in range(len(self.funds)):
            ok[k] = free & ((payers >> k) & 1).astype(bool) & (need <= left[k]) & (need > 0)
        anyok = ok.any(axis=0)
        if not anyok.any():
            return None
        i = int(np.argmin(np.where(anyok, need, np.iinfo(np.int64).max)))
        return int(cols[i]), int(np.argmax(np.where(ok[:, i], left, -1)))

    def _min_contribution(self, rows, only=None):
        """The matching housing all ``rows`` with the least total contribution (held per row), or None.

        ``only``: a bit mask of funds; then only the contributions that no fund
        outside it may pay count (the others cost 0)."""
        owner, cols, edges = self.edges(rows)
        need = self.need[edges]
        if only is not None:
            need = np.where((self.payers[edges] & ~np.int64(only)) == 0, need, 0)
        cost = need.astype(float) + 1.0                      # + 1: no explicit zeros in the sparse matrix
        matrix = sp.csr_matrix((cost, (owner, cols)), shape=(len(rows), self.graph.m))
        try:
            row_ind, col_ind = min_weight_full_bipartite_matching(matrix)
        except ValueError:
            return None
        held = np.full(len(rows), -1, dtype=np.int64)
        held[row_ind] = col_ind
        return held

    def _short_of_budget(self, rows) -> bool:
        """True when some group T of funds cannot pay what only T may pay (a necessary condition:
        every matching housing ``rows`` charges T at least that much), checked for each fund
        alone and, up to four funds, for every group."""
        f = len(self.funds)
        groups = range(1, 2 ** f) if f <= 4 else [1 << k for k in range(f)]
        for group in groups:
            if group == 2 ** f - 1:
                continue                                   # all funds: the total, checked already
            held = self._min_contribution(rows, only=group)
            if held is None:
                return True
            owner_edges = self.graph.edge_ids(rows, held)
            need = self.need[owner_edges]
            only = (self.payers[owner_edges] & ~np.int64(group)) == 0
            budget = sum(int(self.available[k]) for k in range(f) if group >> k & 1)
            if int(need[only].sum()) > budget:
                return True
        return False

    def housed_set(self, order):
        """Stage 1: (held per graph row, {row: fund}) of the lexicographically best housed set.

        Each household's admission is decided by the first proof that settles it: a free offer
        within a fund's remaining budget, the lower bounds (no), an augmenting path (yes)
        (``budget_proofs``), then the exact tests below while ``max_exact`` allows."""
        g = self.graph
        held = np.full(g.n, -1, dtype=np.int64)
        holder = np.full(g.m, -1, dtype=np.int64)
        left = self.available.copy()
        charge = {}
        members = []
        bounds, paths = LowerBounds(self), Augmenter(self)
        has_pairs = np.diff(g.row_ptr) > 0

        def admit(h, proof):
            members.append(h)
            bounds.add(h)
            self.proofs[proof] += 1

        for position, h in enumerate(order.tolist()):
            if not has_pairs[h]:
                continue
            if len(members) == g.m:
                break
            quick = self._fits_now(h, holder, left)
            if quick is not None:
                self._take(h, *quick, held, holder, charge, left)
                admit(h, "free offer")
                continue
            if bounds.excludes(h):
                self.proofs["lower bound"] += 1
                continue
            if paths.try_add(h, held, holder, charge, left):
                admit(h, "augmenting path")
                continue
            if bounds.stale and bounds.refreshes < self.max_refreshes:
                current = np.array(members, dtype=np.int64)
                cheapest = bounds.refresh(current)
                if bounds.excludes(h):
                    self.proofs["lower bound"] += 1
                    continue
                # the set's least-contribution matching, if the funds can pay it, leaves more budget: retry
                candidate = np.full(g.n, -1, dtype=np.int64)
                candidate[current] = cheapest
                again = self.allocate(candidate, exact=False) if cheapest is not None else None
                if again is not None and self.used(candidate, again).sum() < self.used(held, charge).sum():
                    held, charge = candidate, again
                    holder[:] = -1
                    holder[held[current]] = current
                    left = self.available - self.used(held, charge)
                    paths.clear()
                    quick = self._fits_now(h, holder, left)
                    if quick is not None:
                        self._take(h, *quick, held, holder, charge, left)
                        admit(h, "free offer")
                        continue
                    if paths.try_add(h, held, holder, charge, left):
                        admit(h, "augmenting path")
                        continue
            if self.max_exact is not None and self.exact_tests >= self.max_exact:
                self.undecided += 1
                if self.first_undecided is None:
                    self.first_undecided = position
                continue
            self.exact_tests += 1
            rows = np.array(members + [h], dtype=np.int64)
            trial = self._min_contribution(rows)
            if trial is None:
                self.proofs["exact test"] += 1
                continue
            edges = self.graph.edge_ids(rows, trial)
            if self.need[edges].sum() > self.available.sum() or self._short_of_budget(rows):
                self.proofs["exact test"] += 1
                continue
            candidate = np.full(g.n, -1, dtype=np.int64)
            candidate[rows] = trial
            found = self.allocate(candidate, exact=False)     # first fit; else the MILP below decides
            if found is None:
                before = self.undecided
                solved = self.solve(rows)
                if solved is None:
                    if self.undecided > before and self.first_undecided is None:
                        self.first_undecided = position
                    elif self.undecided == before:
                        self.proofs["exact test"] += 1
                    continue
                candidate[rows], found = solved[0], solved[1]
            admit(h, "exact test")
            paths.clear()
            held, charge = candidate, found
            holder[:] = -1
            holder[held[rows]] = rows
            left = self.available - self.used(held, charge)
        self.lower_bound_refreshes = bounds.refreshes
        return held, charge

    def report(self, housed: int, resolution: int = 1) -> dict:
        """How stage 1 was decided and how far it is proven (for ``objective``); ``fit_bound`` in score
        points like ``fit_total`` (the fits are in 1/``resolution``)."""
        out = {"milps": self.milps, "undecided": self.undecided, "fit_gap": self.fit_gap,
               "first_undecided": self.first_undecided, "exact_tests": self.exact_tests,
               "max_exact_tests": self.max_exact, "proofs": dict(self.proofs),
               "fit_bound": None if self.fit_bound is None else self.fit_bound / resolution,
               "exact": self.undecided == 0 and self.fit_gap is None}
        if self.fit_bound_method:
            out["fit_bound_method"] = self.fit_bound_method
        out["budget_method"] = ("exact (greedy with proven decisions, MILP)" if out["exact"] else
                                "bounded (greedy with proven decisions; undecided households left out)")
        if not out["exact"]:
            t0 = time.perf_counter()
            bound = housed_upper_bound(self)
            out.update(housed_upper_bound=bound, housed_gap=bound - housed,
                       housed_gap_ratio=round((bound - housed) / bound, 4) if bound else 0.0,
                       bound_time=time.perf_counter() - t0)
        return out

    def used(self, held, charge):
        used = np.zeros(len(self.funds), dtype=np.int64)
        if charge:
            rows = np.array(list(charge), dtype=np.int64)
            np.add.at(used, np.array(list(charge.values()), dtype=np.int64),
                      self.need[self.graph.edge_ids(rows, held[rows])])
        return used


from .budget_report import fund_report, marginal_figures  # noqa: E402,F401  (batch imports them from here)
