"""Benchmark of the batch under the contribution funds' budgets (issue 11), in memory.

Run from the project root, one size per process (its peak memory is its own):

    .venv/bin/python bench/matching_funds.py --size 1000x1000
    .venv/bin/python bench/matching_funds.py --size 10000x10000 --no-marginal

The instance is ``bench/matching_data.py``'s (same seeds), with about 15% zero
incomes (the generator's 6% plus seeded draws) and two funds: the Housing First
fund (roofless and houseless households, any contract, cap 450 EUR, budget
``--hf-budget`` EUR per 1,000 households) and the municipal rent-support fund
(controlled, free-market and transitory contracts, ISEE up to 26,000 EUR, cap
250 EUR, budget ``--municipal-budget`` per 1,000 households; the generator has
no ISEE, so every household gets one dated this year, about 12 x income / 1.5).

It reports: the feasibility graph, the batch with the budgets (time, peak RSS,
the method that ran, the proofs that decided stage 1, ``exact``,
``first_undecided``, the proven upper bound on the households housed and the
gap, stage 2's proven fit bound and gap), households housed against the model
without contributions (the same instance without funds, also the time baseline
of the same run: ``batch_vs_without``) and against the greedy baseline under
the same budgets, zero-income households housed, each fund's use and marginal
figure, and the load average before and after. ``--exact-check`` also runs the
independent exact solver (``matching_funds_exact``, one MILP per household; small
sizes only) and prints the gap to its housed set.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import pathlib
import resource
import sys
import time
from decimal import Decimal

ROOT = pathlib.Path(__file__).resolve().parent.parent
HERE = ROOT / "bench"
sys.path[:0] = [str(ROOT), str(HERE)]

import numpy as np  # noqa: E402

import matching_data  # noqa: E402
import matching_funds_exact  # noqa: E402
from housing.matching.batch import propose_batch  # noqa: E402
from housing.matching import budget  # noqa: E402
from housing.matching.budget import Budgets  # noqa: E402
from housing.matching.funds import FundCase  # noqa: E402
from housing.matching.graph import build_graph  # noqa: E402
from housing.matching.rules import RuleConfig  # noqa: E402
from housing.matching.scoring import Weights  # noqa: E402
from housing.matching.table import HouseholdTable  # noqa: E402

TODAY = matching_data.TODAY
ZERO_SHARE = 0.15


def funds(n, hf_budget, municipal_budget):
    scale = n / 1000
    return (
        FundCase(id=1, name="Fondo sperimentazione Housing First", monthly_budget=Decimal(round(hf_budget * scale)),
                 household_cap=Decimal(450), valid_from=TODAY.replace(month=1, day=1),
                 ethos_groups=frozenset({"roofless", "houseless"})),
        FundCase(id=2, name="Fondo comunale sostegno affitto", monthly_budget=Decimal(round(municipal_budget * scale)),
                 household_cap=Decimal(250), valid_from=TODAY.replace(month=1, day=1),
                 contract_types=frozenset({"concordato_3_2", "free_4_4", "transitory"}),
                 isee_ceiling=Decimal(26000)),
    )


def instance(n, m, seed, hf_budget, municipal_budget):
    inst = matching_data.instance(n, m, seed=seed)
    rng = np.random.default_rng(seed + 100)
    zero = int(sum(h.monthly_income == 0 for h in inst.households))
    extra = max(0, round(ZERO_SHARE * n) - zero)
    pool = [i for i, h in enumerate(inst.households) if h.monthly_income > 0]
    to_zero = set(rng.choice(pool, size=min(extra, len(pool)), replace=False).tolist())
    households = [dataclasses.replace(
        h, monthly_income=Decimal(0) if i in to_zero else h.monthly_income,
        isee_value=(Decimal(0) if i in to_zero else (h.monthly_income * 12 / Decimal("1.5")).quantize(Decimal(1))),
        isee_date=TODAY.replace(month=3, day=1)) for i, h in enumerate(inst.households)]
    registry = funds(n, hf_budget, municipal_budget)
    return households, [dataclasses.replace(o, funds=registry) for o in inst.offers]


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", default="1000x1000")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--hf-budget", type=int, default=6000, help="EUR a month per 1,000 households")
    parser.add_argument("--municipal-budget", type=int, default=4000, help="EUR a month per 1,000 households")
    parser.add_argument("--no-marginal", action="store_true", help="skip the marginal figures (a re-solve per fund)")
    parser.add_argument("--method", choices=("auto", "exact", "bounded"), default="auto",
                        help="stage 1's exact tests: by size (auto), without limit, or none (proofs only)")
    parser.add_argument("--exact-check", action="store_true", help="also the independent exact solver (small sizes)")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    n, m = (int(x) for x in args.size.lower().split("x"))
    if args.method != "auto":
        budget.EXACT_PAIRS = 10 ** 12 if args.method == "exact" else 0
    households, offers = instance(n, m, args.seed, args.hf_budget, args.municipal_budget)
    config, weights = RuleConfig.default(), Weights()
    zero_ids = {h.id for h in households if h.monthly_income == 0}
    out = {"size": f"{n}x{m}", "method_option": args.method, "zero_income": len(zero_ids), "load_average_before": os.getloadavg()}
    t0 = time.perf_counter()
    table = HouseholdTable(households)
    graph = build_graph(table, offers, config, weights, TODAY)
    out["graph_s"] = round(time.perf_counter() - t0, 3)
    out["pairs"] = graph.pairs
    out["pairs_needing_a_fund"] = int((graph.need > 0).sum())
    t1 = time.perf_counter()
    result = propose_batch(table, offers, config, weights, TODAY, graph=graph, marginal_report=not args.no_marginal)
    out["batch_s"] = round(time.perf_counter() - t1, 3)
    out["timings"] = {k: round(v, 3) for k, v in result.timings.items() if isinstance(v, float)}
    out["peak_rss_mb"] = round(peak_mb())
    out["housed"] = result.housed
    out["zero_income_housed"] = sum(1 for hid, _, _ in result.pairs if hid in zero_ids)
    out["greedy_housed"] = result.baseline["housed"]
    out["budget_bound"] = result.objective.get("budget_bound")
    obj = result.objective
    for key in ("method", "budget_method", "exact", "proofs", "exact_tests", "milps", "undecided", "first_undecided",
                "housed_upper_bound", "housed_gap", "housed_gap_ratio", "fit_total", "fit_bound", "fit_gap",
                "fit_bound_method", "shortcut"):
        out[key] = obj.get(key)
    out["funds"] = result.objective.get("funds")
    plain = [dataclasses.replace(o, funds=()) for o in offers]
    t2 = time.perf_counter()
    without = propose_batch(HouseholdTable(households), plain, config, weights, TODAY, baseline=False)
    out["without_contributions_housed"] = without.housed
    out["without_contributions_zero_income_housed"] = sum(1 for hid, _, _ in without.pairs if hid in zero_ids)
    out["without_contributions_s"] = round(time.perf_counter() - t2, 3)
    out["batch_vs_without"] = round(out["batch_s"] / max(out["without_contributions_s"], 1e-9), 1)
    if args.exact_check:
        t3 = time.perf_counter()
        _, order, _ = table.ranking(TODAY)
        kept = matching_funds_exact.exact_housed(graph, order, Budgets(graph).available)
        ours = np.zeros(graph.n, dtype=bool)
        position = {int(i): r for r, i in enumerate(table.ids.tolist())}
        ours[[position[hid] for hid, _, _ in result.pairs]] = True
        differ = np.flatnonzero(kept[order] != ours[order])
        out["exact_check"] = {"exact_housed": int(kept.sum()), "gap": int(kept.sum()) - result.housed,
                              "first_difference_rank": int(differ[0]) if len(differ) else None,
                              "lexicographically_equal": not len(differ), "s": round(time.perf_counter() - t3, 1)}
    out["load_average_after"] = os.getloadavg()
    print(json.dumps(out, indent=1, default=str))
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(out, indent=1, default=str))


if __name__ == "__main__":
    main()
