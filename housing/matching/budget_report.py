"""The per-fund report of the budgeted batch and the marginal figures (``budget`` module doc)."""
from __future__ import annotations

import time

import numpy as np

from .budget import Budgets


def fund_report(graph, held, charge, marginal=None):
    """Per fund: budget, committed, available, used by the proposal, left, and the marginal figures."""
    budgets = Budgets(graph)
    used = budgets.used(held, charge) if len(graph.funds) else []
    out = []
    for k, f in enumerate(graph.funds):
        row = {"fund_id": f.id, "name": f.name, "budget": int(round(f.monthly_budget * 100)),
               "committed": int(round(f.committed * 100)), "available": int(budgets.available[k]),
               "used": int(used[k]), "left": int(budgets.available[k] - used[k])}
        if marginal is not None:
            row.update(marginal.get(k, {}))
        out.append(row)
    return out


def marginal_figures(graph, order, housed_now):
    """{fund index: {"delta", "extra_housed", "per_euro", "binding"}}: stage 1 with one cap more."""
    out = {}
    t0 = time.perf_counter()
    for k, fund in enumerate(graph.funds):
        delta = fund.cap_cents
        extra = np.zeros(len(graph.funds), dtype=np.int64)
        extra[k] = delta
        held, _ = Budgets(graph, extra).housed_set(order)
        more = int((held >= 0).sum()) - housed_now
        out[k] = {"delta": int(delta), "extra_housed": more, "binding": more > 0,
                  "per_euro": more / (delta / 100) if delta else 0.0}
    out["time"] = time.perf_counter() - t0
    return out
