"""Stage 2 under the funds' budgets by the office's aims (``aims``), one MILP per aim.

The housed set is stage 1's (``budget.Budgets.housed_set``) and each of its
households stays housed. Budgets only remove assignments, so when the aims'
assignment of that set (``aims.stage2``, no budgets) can be charged to the funds
(``Budgets.allocate``), it is also the best one under the budgets. Otherwise the
aims are applied in their order by a sequence of MILPs (HiGHS through
``scipy.optimize.milp``) over ``Budgets.solve``'s variables (a pair and the fund
that pays it) and rows (each housed household exactly once, each offer at most
once, each fund's contributions within its budget left):

- ``choice``: minimise the sum of the ranks, then keep it (<= that optimum);
- ``worst_burden``: the min-max first. No assignment does better than the
  worst of the households' own best burdens: with the pairs above it excluded,
  the MILP minimising the sum of the burdens settles both when it is feasible
  (the usual case); else a MILP minimises t >= every household's burden, the
  pairs above its optimum are excluded, and then the sum is minimised. The sum
  is then kept;
- ``contribution``, ``size``: minimise the sum, then keep it.

An aim whose sum is the same for every assignment (each household's pairs all
equal, as ``choice`` when nobody ranks anything) needs no MILP. Above
``budget.SMALL`` variables, a known solution (stage 1's, then the previous
aim's) allows reduced-cost fixing (``_Program._run``) before each MILP.

Each objective is a sum of integers in the units ``aims`` uses, so keeping an
optimum is exact (the row is <= optimum + 0.5); the aims are never folded into
one large cost, so HiGHS sees small coefficients. ``mip_rel_gap`` is 0: HiGHS's
default (1e-4) would stop short of the optimum on sums of basis points.

Where this cannot be exact, it says so in the report (``objective["stage2"]``):
more than ``aims.MAX_ROWS`` housed households or ``MAX_VARS`` variables, the
score's fit decides as before (``budget_fit``; ``"by": "score fit under
budgets"``); a MILP stopped by its node limit (``NODES``, above ``budget.SMALL``
variables) keeps its best solution and reports HiGHS's gap for its aim
(``gaps``, ``exact`` False; the first such gap is also ``fit_gap``).
"""
from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from . import aims, budget
from .budget_fit import fit_under_budgets

# Above this many variables the score's fit under the budgets decides (labelled). HiGHS spends seconds in
# its root heuristics however few nodes it may use: with the relaxation first (``_Program._run``) stage 2
# took 0.4 s at 200 x 200 (4,906 variables) and 19 s at 300 x 300 (12,877), and at 400 x 400 (21,000) a
# MILP failed after 59 s (load 2-4.5 on 2 cores); the fit's single MILP runs up to FIT_MAX_VARS.
MAX_VARS = 6000
NODES = budget.FIT_NODES           # per MILP above budget.SMALL variables (then its best solution and gap)
DISP = False                       # HiGHS's log of each MILP, for diagnosis
SHORTCUT = True                    # keep the aims' own assignment when the funds can pay it (tests turn it off)


def stage2(budgets, rows, held1, charge1, fit, q, aim_keys, solve):
    """(held per graph row, {row: fund}, report) for the housed set ``rows`` within the budgets.

    ``held1``/``charge1``: stage 1's assignment (within the budgets). ``solve(cost, first)``:
    an exact min-cost assignment of ``rows`` without budgets (``batch._solve``)."""
    t0 = time.perf_counter()
    graph = budgets.graph
    aim_keys = tuple(aim_keys)
    for key in aim_keys:
        if key not in aims.AIMS:
            raise ValueError(f"unknown aim {key!r}; known: {', '.join(aims.AIMS)}")
    final = np.full(graph.n, -1, dtype=np.int64)
    if len(rows) > aims.MAX_ROWS:
        final, charge, info = _by_fit(budgets, rows, held1, charge1, fit, q, solve)
        info.update(reason="more housed households than aims.MAX_ROWS", max_rows=aims.MAX_ROWS)
        return final, charge, dict(info, time=time.perf_counter() - t0)
    values = aims.pair_values(graph)
    final[rows], info = aims.stage2(graph, rows, held1[rows], solve, aim_keys, values)
    charge = budgets.allocate(final)
    info["aims_time"] = time.perf_counter() - t0       # the aims' own assignment and its charging
    if SHORTCUT and charge is not None and not info["aims_left_out"]:
        info.update(by="aims", budgets="the aims' assignment is within the budgets", exact=True)
        return final, charge, dict(info, time=time.perf_counter() - t0)
    if len(rows) == 0:                              # nobody housed: nothing to choose
        return final, {}, dict(info, by="aims", exact=True, time=time.perf_counter() - t0)
    program = _Program(budgets, rows, values, aim_keys, info["units"], held1, charge1)
    solved = budgets.solve(rows, required=True, program=program) if _variables(budgets, rows) <= MAX_VARS else None
    if solved is None and program.failure is None:
        program.failure = f"more than {MAX_VARS} variables"
    if solved is None:
        aims_time = info["aims_time"]
        final, charge, info = _by_fit(budgets, rows, held1, charge1, fit, q, solve)
        info.update(reason=program.failure, aims_time=aims_time)
        return final, charge, dict(info, time=time.perf_counter() - t0)
    final = np.full(graph.n, -1, dtype=np.int64)
    final[rows] = solved[0]
    report = solved[2]
    if not report["exact"]:
        budgets.fit_gap = next(g for g in report["gaps"].values() if g is not None)
    return final, solved[1], dict(report, time=time.perf_counter() - t0)


def _variables(budgets, rows) -> int:
    """The MILP's variables (``Budgets.solve``): a pair needing nothing, or a pair and a fund that may pay it."""
    _, _, edges = budgets.edges(np.asarray(rows, dtype=np.int64))
    need, payers = budgets.need[edges], budgets.payers[edges]
    return int((need == 0).sum()) + sum(int(((need > 0) & ((payers >> k) & 1).astype(bool)).sum())
                                        for k in range(len(budgets.funds)))


def _per_row(values, owner, upper, rows, ufunc):
    """Per household (index into the rows), ``ufunc`` over the values of its allowed variables."""
    start = np.iinfo(np.int64).max if ufunc is np.minimum else np.iinfo(np.int64).min
    out = np.full(rows, start, dtype=np.int64)
    allowed = upper > 0
    ufunc.at(out, owner[allowed], values[allowed])
    return out


def _constant(values, owner, upper, rows) -> bool:
    """True when each household's allowed variables all have the same value (a fixed sum)."""
    return bool((_per_row(values, owner, upper, rows, np.minimum)
                 == _per_row(values, owner, upper, rows, np.maximum)).all())


def _by_fit(budgets, rows, held1, charge1, fit, q, solve):
    """The score's fit, as before the aims: the unconstrained best fit if the funds can pay it,
    else ``budget_fit`` (MILP on the fits, or prices with a proven bound)."""
    final = np.full(budgets.graph.n, -1, dtype=np.int64)
    final[rows] = solve((q + 1 - fit).astype(np.float64), held1[rows])
    charge = budgets.allocate(final)
    if charge is None:
        final, charge = fit_under_budgets(budgets, rows, fit, held1, charge1, final)
    return final, charge, {"by": "score fit under budgets", "aims": [], "aims_left_out": list(aims.AIMS),
                           "exact": False, "fit_gap": budgets.fit_gap}


class _Program:
    """The sequence of MILPs, called by ``Budgets.solve`` with its variables and rows."""

    def __init__(self, budgets, rows, values, aim_keys, units, held1, charge1):
        self.budgets, self.rows, self.values, self.aim_keys, self.units = budgets, rows, values, aim_keys, units
        self.held1, self.charge1 = held1, charge1
        self.failure = None
        self.times = []                             # seconds per MILP, in the report

    def _terms(self, edges):
        v, u = self.values, self.units
        burden = v["burden"][edges]
        return {"choice": v["choice"][edges].astype(np.int64),
                # the level as aims._stage2 compares it, the sum as aims._terms counts it
                "level": burden // u["burden"] if u["burden"] > 1 else burden,
                "burden": -(-burden // u["burden"]),
                "contribution": -(-v["contribution"][edges] // u["contribution"]),
                "size": v["size"][edges].astype(np.int64)}

    def __call__(self, owner, cols, edges, funds, constraints):
        n_var = len(edges)
        if n_var > MAX_VARS:
            self.failure = f"more than {MAX_VARS} variables"
            return None
        terms = self._terms(edges)
        upper = np.ones(n_var)
        kept = []                                   # LinearConstraint rows keeping the earlier optima
        report = {"by": "aims under budgets", "aims": list(self.aim_keys), "aims_left_out": [], "units": self.units,
                  "milps": 0, "variables": n_var, "gaps": {}, "exact": True}
        chosen = None
        start = self._stage1(owner, cols, funds)     # a known solution: stage 1's assignment and charges
        for aim in self.aim_keys:
            names = ["burden"] if aim == "worst_burden" else [aim]
            if aim == "worst_burden":
                # no assignment does better than the worst of the households' own best levels: with the
                # pairs above it excluded, the sum's MILP settles both when it is feasible (the usual case)
                bound = int(_per_row(terms["level"], owner, upper, len(self.rows), np.minimum).max(initial=0))
                trial = upper.copy()
                trial[terms["level"] > bound] = 0
                known = chosen if chosen is not None else start
                known = known if known is not None and trial[known].all() else None
                x, gap = self._run(terms["burden"], constraints + kept, trial, owner, known=known)
                report["milps"] += 1
                if x is not None:
                    upper, level, chosen = trial, bound, x
                    self._kept(report, kept, terms, "burden", x, gap)
                    names = []
                else:
                    x, gap = self._run(terms["level"], constraints + kept, upper, owner, minmax=bound)
                    report["milps"] += 1
                    if x is None:
                        return None
                    report["gaps"]["level"] = gap
                    report["exact"] &= gap is None
                    level = int(terms["level"][x].max(initial=0))
                    upper[terms["level"] > level] = 0
                    chosen = x
                report["worst_burden"] = level
            for name in names:
                if _constant(terms[name], owner, upper, len(self.rows)):
                    report["gaps"][name] = None         # the same sum for every assignment: nothing to choose
                    continue
                x, gap = self._run(terms[name], constraints + kept, upper, owner,
                                   known=chosen if chosen is not None else start)
                report["milps"] += 1
                if x is None:
                    return None
                chosen = x
                self._kept(report, kept, terms, name, x, gap)
        if chosen is None:                           # no aims: any assignment within the budgets
            x, _ = self._run(np.zeros(n_var, dtype=np.int64), constraints, upper, owner)
            if x is None:
                return None
            chosen = x
        held = np.full(len(self.rows), -1, dtype=np.int64)
        held[owner[chosen]] = cols[chosen]
        charge = {int(self.rows[owner[v]]): int(funds[v]) for v in chosen.tolist() if funds[v] >= 0}
        if not self._valid(held, charge):
            self.failure = "the MILP's solution did not check in integers"
            return None
        report["milp_times"] = self.times
        return held, charge, report

    @staticmethod
    def _kept(report, kept, terms, name, x, gap):
        """Record the aim's optimum (or best found) and keep it for the later aims."""
        report["gaps"][name] = gap
        report["exact"] &= gap is None
        best = int(terms[name][x].sum())
        kept.append(LinearConstraint(sp.csr_matrix(terms[name].astype(float)[None, :]), -np.inf, best + 0.5))

    def _stage1(self, owner, cols, funds):
        """The variables of stage 1's assignment (each household on its offer, charged to its fund), or None."""
        rows = self.rows
        want_col = self.held1[rows]
        want_fund = np.array([self.charge1.get(int(r), -1) for r in rows.tolist()], dtype=np.int64)
        found = np.flatnonzero((cols == want_col[owner]) & (funds == want_fund[owner]))
        return found if len(found) == len(rows) and len(np.unique(owner[found])) == len(rows) else None

    def _run(self, cost, constraints, upper, owner, minmax=None, known=None):
        """(indices of the chosen variables, HiGHS's gap or None when proven optimal), or (None, None).

        ``known``: the variables of a solution within ``constraints`` and ``upper``. Above
        ``budget.SMALL`` variables the LP relaxation comes first: a MILP restricted to the
        variables it prices at zero (plus ``known``) gives a good solution; when its value
        reaches the relaxation's bound (rounded up: the objective is integral) it is optimal;
        otherwise reduced-cost fixing leaves out every variable whose bound (the relaxation's
        optimum plus its reduced cost) exceeds that value by more than 0.5 (it is in no
        optimal solution), and the MILP runs on the others."""
        if minmax is None:
            keep = upper > 0
            if known is not None and len(cost) > budget.SMALL and keep[known].all():
                relaxed = self._relaxation(cost, constraints, keep)
                if relaxed is not None:
                    idx, bound, reduced = relaxed
                    near = np.zeros(len(cost), dtype=bool)
                    near[idx[reduced <= 1e-9]] = True
                    near[known] = True
                    x, _ = self._sub(cost, constraints, near, owner)
                    if x is not None and cost[x].sum() < cost[known].sum():
                        known = x
                    value = int(cost[known].sum())
                    if value <= np.ceil(bound - 1e-3):        # the relaxation's bound: proven optimal
                        return known, None
                    keep = keep.copy()
                    keep[idx[bound + reduced > value + 0.5]] = False
                    keep[known] = True
            return self._sub(cost, constraints, keep, owner)
        n_var = len(cost)
        integrality = np.ones(n_var)
        if minmax is not False:     # one more variable t >= each household's level (and >= minmax); minimise t
            cap = float(cost.max(initial=0))
            widen = [LinearConstraint(sp.hstack([c.A, sp.csr_matrix((c.A.shape[0], 1))]).tocsr(), c.lb, c.ub)
                     for c in constraints]
            a_level = sp.csr_matrix((cost.astype(float), (owner, np.arange(n_var))), shape=(len(self.rows), n_var))
            a_level = sp.hstack([a_level, sp.csr_matrix(-np.ones((len(self.rows), 1)))]).tocsr()
            constraints = widen + [LinearConstraint(a_level, -np.inf, 0)]
            c = np.zeros(n_var + 1)
            c[-1] = 1
            lower = np.zeros(n_var + 1)
            lower[-1] = minmax
            bounds = Bounds(lower, np.append(upper, max(cap, minmax)))
            integrality = np.append(integrality, 1)
        else:
            c, bounds = cost.astype(float), Bounds(np.zeros(n_var), upper)
        options = {"mip_rel_gap": 0.0, "disp": DISP}
        if n_var > budget.SMALL:
            options["node_limit"] = NODES
        self.budgets.milps += 1
        t0 = time.perf_counter()
        res = milp(c, integrality=integrality, bounds=bounds, constraints=constraints, options=options)
        self.times.append(round(time.perf_counter() - t0, 3))
        if res.x is None:           # infeasible (a trial level), or stopped before any solution
            self.failure = f"a MILP found no solution (HiGHS status {res.status})"
            return None, None
        gap = None
        if res.status != 0:                         # stopped by the node limit with a solution
            gap = getattr(res, "mip_gap", None)
            gap = 1.0 if gap is None else float(gap)
        return np.flatnonzero(res.x[:n_var] > 0.5), gap

    def _sub(self, cost, constraints, keep, owner):
        """The MILP on the ``keep`` variables only (the others at 0)."""
        idx = np.flatnonzero(keep)
        sub = [LinearConstraint(sp.csc_matrix(con.A)[:, idx], con.lb, con.ub) for con in constraints]
        x, gap = self._run(cost[idx], sub, np.ones(len(idx)), owner[idx], minmax=False)
        return (None, None) if x is None else (idx[x], gap)

    def _relaxation(self, cost, constraints, keep):
        """(the ``keep`` variables, the LP relaxation's optimum, their reduced costs), or None."""
        idx = np.flatnonzero(keep)
        a_ub, b_ub, a_eq, b_eq = [], [], [], []
        for con in constraints:
            a = sp.csr_matrix(con.A)[:, idx]
            lb = np.broadcast_to(np.asarray(con.lb, dtype=float), (a.shape[0],))
            ub = np.broadcast_to(np.asarray(con.ub, dtype=float), (a.shape[0],))
            eq = lb == ub
            up, lo = ~eq & np.isfinite(ub), ~eq & np.isfinite(lb)
            a_eq.append(a[eq])
            b_eq.append(ub[eq])
            a_ub += [a[up], -a[lo]]
            b_ub += [ub[up], -lb[lo]]
        t0 = time.perf_counter()
        lp = linprog(cost[idx].astype(float), A_ub=sp.vstack(a_ub).tocsr(), b_ub=np.concatenate(b_ub),
                     A_eq=sp.vstack(a_eq).tocsr(), b_eq=np.concatenate(b_eq), bounds=(0, 1), method="highs")
        self.times.append(round(time.perf_counter() - t0, 3))
        if lp.status != 0:
            return None
        return idx, float(lp.fun), np.asarray(lp.lower.marginals, dtype=float)

    def _valid(self, held, charge):
        """Every household housed once, offers at most once, each charge paid by a fund that may
        and within the budgets: the rounded solution checked in integers."""
        b = self.budgets
        if (held < 0).any() or len(np.unique(held)) != len(held):
            return False
        used = np.zeros(len(b.funds), dtype=np.int64)
        for i, r in enumerate(self.rows.tolist()):
            e = b.edge_of(r, held[i])
            if b.need[e] > 0:
                k = charge.get(r)
                if k is None or not (b.payers[e] >> k & 1):
                    return False
                used[k] += b.need[e]
            elif r in charge:
                return False
        return bool((used <= b.available).all())
