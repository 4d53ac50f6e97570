"""Stage 2 of the batch by the office's aims (``housing.matching.aims``) against a one-aim stage 2.

Same process, same instance and feasibility graph (``bench/matching_data.py``'s
generator, without funds, a third of the households ranking two districts):
the batch with the default aims (choice, min-max burden, contributions, size)
and with the size aim alone (one plain assignment, the cost of the former
fit-only stage 2). Prints the times, the ratio, the aims' figures against the
greedy baseline, and the load average.

    .venv/bin/python bench/matching_aims.py --size 1000x1000
"""
import argparse
import dataclasses
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

import matching_data  # noqa: E402
from housing.matching.batch import propose_batch  # noqa: E402
from housing.matching.graph import build_graph  # noqa: E402
from housing.matching.rules import RuleConfig  # noqa: E402
from housing.matching.scoring import Weights  # noqa: E402
from housing.matching.table import as_table  # noqa: E402

DISTRICTS = ("Centro", "Librino", "Picanello", "San Cristoforo", "Borgo")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", default="1000x1000")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    n, m = map(int, args.size.lower().split("x"))
    inst = matching_data.instance(n, m, seed=args.seed)
    rng = np.random.default_rng(args.seed + 7)
    districts = sorted({o.district for o in inst.offers}) or list(DISTRICTS)
    households = [dataclasses.replace(h, preferences=tuple(("district", d) for d in rng.choice(
        districts, size=min(2, len(districts)), replace=False))) if rng.random() < 1 / 3 else h
        for h in inst.households]
    config, weights, today = RuleConfig.default(), Weights(), matching_data.TODAY
    graph = build_graph(as_table(households), inst.offers, config, weights, today)
    times = {}
    for label, keys in (("size only", ("size",)), ("aims", ("choice", "worst_burden", "contribution", "size"))):
        t0 = time.perf_counter()
        result = propose_batch(households, inst.offers, config, weights, today, graph=graph, baseline=label == "aims",
                               marginal_report=False, aim_keys=keys)
        times[label] = time.perf_counter() - t0
        print(f"{args.size} {label}: batch {times[label]:.2f} s, stage 2 {result.objective['stage2_time']:.2f} s, "
              f"housed {result.housed}, {result.objective['stage2']}")
    for row in result.objective["aims"]["comparison"]:
        print(f"  {row['figure']}: proposal {row['proposal']} greedy {row['greedy']} ({row['verdict']})")
    print(f"ratio aims / size only: {times['aims'] / times['size only']:.1f}; load average {os.getloadavg()}")


if __name__ == "__main__":
    main()
