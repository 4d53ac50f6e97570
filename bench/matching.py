"""Benchmark of the batch matching (housing.matching) from the database to the proposal.

Run from the project root:

    .venv/bin/python bench/matching.py                                  # SQLite, 1k x 1k, 10k x 10k, 50k x 5k
    .venv/bin/python bench/matching.py --database-url postgresql://postgres@127.0.0.1:5432/housing_bench_matching
    .venv/bin/python bench/matching.py --sizes 10000x10000 --tracemalloc

Each size runs in its own process, so that its peak memory is its own:

1. the seeded generator (``bench/matching_data.py``) makes the households,
   their members, the offers and the declined pairs;
2. they are written with the project's models into a freshly migrated
   database (SQLite ``bench/var/matching-<n>x<m>.db``, or the PostgreSQL
   database ``<name>_<n>x<m>`` on the server of ``--database-url``, dropped
   and recreated);
3. timed stages, each with its wall time and the peak RSS of the process
   during the stage (``/proc/self/clear_refs`` resets the high-water mark
   before each stage; ``--tracemalloc`` adds the traced Python/NumPy peak):
   load from the database (``housing.match_data``: household and offer cases,
   rule configuration; it also builds the household table it caches) - load
   again (the cached path: the fingerprint query, offers, rules) - household
   table (reused from the load) - rules (feasibility of every pair) -
   scoring - index - solving (stage 1: housed set; stage 2: fit) - priority
   checks (the certificate) - report; then the priority-first greedy baseline
   on the same graph in the same process;
4. checks: the loaded cases equal the generated ones; the optimum houses as
   many as a maximum matching found by SciPy's Hopcroft-Karp (every size);
   its fit equals a dense ``linear_sum_assignment`` on the housed set (when
   that matrix has at most ``--dense-max`` cells); its housed set equals the
   matroid-greedy set computed from prefix matchings (at most
   ``--prefix-max`` households).

Results: a table on stdout and ``bench/results/matching-<engine>.json``.
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import os
import pathlib
import subprocess
import sys
import time
import tracemalloc
from urllib.parse import urlsplit, urlunsplit

ROOT = pathlib.Path(__file__).resolve().parent.parent
HERE = ROOT / "bench"
sys.path[:0] = [str(ROOT), str(HERE)]

import numpy as np  # noqa: E402

import matching_data  # noqa: E402

TODAY = matching_data.TODAY
DEFAULT_SIZES = "1000x1000,10000x10000,50000x5000"
BATCH_STAGES = ("load from the database", "household table", "rules (feasibility)", "scoring", "index",
                "solve: stage 1 (housed set)", "solve: stage 2 (fit)", "priority checks", "report")


# -- memory ---------------------------------------------------------------------------

def _status(key):
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(key):
                return int(line.split()[1]) / 1024          # kB -> MB
    return float("nan")


def _reset_peak():
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")                                    # resets VmHWM (Linux >= 4.0)
        return True
    except OSError:
        return False


class Stages:
    """Wall time, peak RSS (and optionally tracemalloc peak) of each stage."""

    def __init__(self, trace=False):
        self.trace, self.rows = trace, {}
        self.resettable = _reset_peak()

    def run(self, name, fn, *args, **kwargs):
        _reset_peak()
        rss0 = _status("VmRSS")
        if self.trace:
            tracemalloc.reset_peak()
            traced0 = tracemalloc.get_traced_memory()[0]
        t = time.perf_counter()
        out = fn(*args, **kwargs)
        row = {"wall": time.perf_counter() - t, "rss_start_mb": rss0,
               "peak_rss_mb": _status("VmHWM") if self.resettable else float("nan")}
        if self.trace:
            row["traced_peak_mb"] = (tracemalloc.get_traced_memory()[1] - traced0) / 2 ** 20
        self.rows[name] = row
        print(f"   {name}: {row['wall']:.3f} s, peak RSS {row['peak_rss_mb']:.0f} MB", file=sys.stderr, flush=True)
        return out

    def split(self, measured, parts, name):
        """Rename the stage ``measured`` to ``name`` and list after it the parts timed inside it."""
        row = self.rows.pop(measured)
        self.rows[name] = row
        for key, wall in parts.items():
            self.rows[key] = dict(row, wall=wall, within=name)


# -- the database ----------------------------------------------------------------------

def database_url(base, n, m):
    if base.startswith("sqlite") or not base:
        return "sqlite:///" + str(HERE / "var" / f"matching-{n}x{m}.db")
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path=f"/{parts.path.lstrip('/') or 'housing_bench_matching'}_{n}x{m}"))


def create_database(url, inst):
    """Drop/recreate, migrate, fill; returns (row counts, seconds for migrate, seconds for fill)."""
    from generate import analyze, prepare_database
    from housing import schema
    from housing.database import bind

    prepare_database(url, reset=True)
    database = bind(url)
    with database.connection_context():
        t = time.perf_counter()
        schema.upgrade(database)
        migrate = time.perf_counter() - t
        t = time.perf_counter()
        counts = matching_data.write_instance(database, inst)
        analyze(database, url)
        fill = time.perf_counter() - t
    database.close()
    return counts, migrate, fill


def load_cases(url):
    """The stage timed as "load from the database": what a batch screen reads."""
    from housing import match_data
    from housing.database import bind

    if _bound.get("url") != url:                 # one database object per process, as in the app
        _bound.update(url=url, database=bind(url))
    database = _bound["database"]
    with database.connection_context():
        households = match_data.household_cases(today=TODAY)
        offers = match_data.offer_cases()
        config = match_data.rule_config()
    return households, offers, config


_bound = {}


# -- independent checks -------------------------------------------------------------

def independent_checks(graph, best, rank, dense_max, prefix_max):
    """The optimum against code it does not share: SciPy's Hopcroft-Karp and dense LSA."""
    import scipy.sparse as sp
    from scipy.optimize import linear_sum_assignment
    from scipy.sparse.csgraph import maximum_bipartite_matching

    n, m = graph.n, graph.m
    cols = graph.edge_cols()
    out = {}
    t = time.perf_counter()
    matrix = sp.csr_array((np.ones(graph.pairs, dtype=np.int8), (graph.col_rows, cols)), shape=(n, m))
    maximum = int((maximum_bipartite_matching(matrix, perm_type="column") >= 0).sum())
    out["maximum_matching"] = maximum
    out["housed_equals_maximum_matching"] = best.housed == maximum
    index = {int(h): i for i, h in enumerate(graph.table.ids.tolist())}
    chosen = np.array(sorted(index[hid] for hid, _, _ in best.pairs), dtype=np.int64)
    if len(chosen) * m <= dense_max:
        fit = np.rint(graph.total * 100)
        pos = np.full(n, -1, dtype=np.int64)
        pos[chosen] = np.arange(len(chosen))
        dense = np.full((len(chosen), m), -1e9)
        keep = pos[graph.col_rows] >= 0
        dense[pos[graph.col_rows[keep]], cols[keep]] = fit[keep]
        r, c = linear_sum_assignment(dense, maximize=True)
        value = int(dense[r, c].sum())
        out["dense_lsa_fit_hundredths"] = value
        out["fit_gap_hundredths"] = value - round(best.objective["fit_total"] * 100)
        del dense
    else:
        out["dense_lsa"] = f"skipped ({len(chosen)} x {m} cells > --dense-max)"
    if n <= prefix_max:
        # matroid greedy: h belongs to the lexicographically best housed set iff
        # adding h (in priority order) raises the size of a maximum matching
        order = np.argsort(rank)
        inset, previous = [], 0
        csr = sp.csr_array(matrix)
        for k in range(1, n + 1):
            rows = order[:k]
            size = int((maximum_bipartite_matching(csr[np.sort(rows)], perm_type="column") >= 0).sum())
            if size > previous:
                inset.append(int(order[k - 1]))
            previous = size
        out["housed_set_equals_matroid_greedy"] = sorted(inset) == chosen.tolist()
    out["seconds"] = time.perf_counter() - t
    return out


# -- one size, in its own process --------------------------------------------------------

def one_size(n, m, args):
    from housing.matching.batch import greedy_batch, propose_batch
    from housing.matching.graph import build_graph
    from housing.matching.scoring import Weights
    from housing.matching.table import as_table

    if args.tracemalloc:
        tracemalloc.start()
    st = Stages(args.tracemalloc)
    url = database_url(args.database_url, n, m)
    engine = "sqlite" if url.startswith("sqlite") else "postgresql"
    print(f"== {n:,} x {m:,} ({engine})", file=sys.stderr, flush=True)
    inst = st.run("generate (seeded)", matching_data.instance, n, m, args.seed)
    counts, migrate_s, fill_s = st.run("write to the database", create_database, url, inst)
    households, offers, config = st.run("load from the database", load_cases, url)
    key = lambda c: c.id  # noqa: E731
    same = (sorted(households, key=key) == sorted(inst.households, key=key)
            and sorted(offers, key=key) == sorted(inst.offers, key=key))
    differing = sorted({f.name for a, b in zip(sorted(households, key=key), sorted(inst.households, key=key))
                        for f in dataclasses.fields(a) if getattr(a, f.name) != getattr(b, f.name)}
                       | {f.name for a, b in zip(sorted(offers, key=key), sorted(inst.offers, key=key))
                          for f in dataclasses.fields(a) if getattr(a, f.name) != getattr(b, f.name)})
    generated = (inst.households, inst.offers)
    del inst
    weights = Weights()
    st.run("load again (cache check only)", load_cases, url)
    table = st.run("household table", as_table, households)
    graph = st.run("graph", build_graph, table, offers, config, weights, TODAY)
    st.split("graph", {"rules (feasibility)": graph.timings["feasibility"], "scoring": graph.timings["scoring"],
                       "index": graph.timings["index"]}, "graph (rules + scoring + index)")
    best = st.run("propose", propose_batch, table, offers, config, weights, TODAY, baseline=False, graph=graph)
    st.split("propose", {"solve: stage 1 (housed set)": best.objective["stage1_time"],
                         "solve: stage 2 (fit)": best.objective["stage2_time"],
                         "priority checks": best.timings["priority_checks"], "report": best.timings["report"]},
             "propose (solve + checks + report)")
    greedy = st.run("greedy baseline (+ its checks)", greedy_batch, table, offers, config, weights, TODAY, graph=graph)
    out = {"households": n, "offers": m, "seed": args.seed, "engine": engine, "database": url.split("@")[-1],
           "rows_written": counts, "migrate_s": migrate_s, "fill_s": fill_s, "round_trip_equal": same, "round_trip_differing_fields": differing,
           "feasible_pairs": graph.pairs, "density": graph.pairs / max(1, n * m),
           "persons": counts.get("person"), "step_free_share": float(np.mean(table.needs_step_free)),
           "single_share": float(np.mean(table.size == 1))}
    if args.weighted:
        weighted = st.run("weighted mode (whole, for reference)", propose_batch, table, offers, config, weights, TODAY,
                          mode="weighted", baseline=False, graph=graph)
        out["weighted"] = weighted.summary()
    _, _, rank = table.ranking(TODAY)
    checks = st.run("independent checks", independent_checks, graph, best, rank, args.dense_max, args.prefix_max)
    out.update(stages=st.rows, checks=checks,
               batch_wall=sum(st.rows[k]["wall"] for k in ("load from the database", "household table",
                                                           "graph (rules + scoring + index)",
                                                           "propose (solve + checks + report)")),
               batch_peak_rss_mb=max(st.rows[k]["peak_rss_mb"] for k in ("load from the database", "household table",
                                                                         "graph (rules + scoring + index)",
                                                                         "propose (solve + checks + report)")),
               max_rss_mb=max(row["peak_rss_mb"] for row in st.rows.values()),
               optimal=dict(best.summary(), certified=best.objective["certified"],
                            considered=best.objective["considered_households"], rounds=best.objective["rounds"],
                            fit_total=best.objective["fit_total"], augmentable=best.objective["augmentable"]),
               greedy=dict(greedy.summary(), augmentable=greedy.objective["augmentable"],
                           fit_total=greedy.objective["fit_total"]))
    del generated
    return out


# -- the parent: one process per size, then the table -----------------------------------

def show(r):
    o, g, c = r["optimal"], r["greedy"], r["checks"]
    print(f"\n== {r['households']:,} households x {r['offers']:,} offers ({r['engine']}): "
          f"{r['feasible_pairs']:,} feasible pairs ({r['density']:.1%}); {r['persons']:,} people, "
          f"{r['single_share']:.0%} single, {r['step_free_share']:.1%} step-free; "
          f"loaded cases equal generated: {r['round_trip_equal']}"
          + (f" (differ: {', '.join(r['round_trip_differing_fields'])})" if r["round_trip_differing_fields"] else ""))
    print(f"   {'stage':40s} {'wall s':>8s} {'peak RSS MB':>12s}" + ("  traced MB" if any(
        'traced_peak_mb' in s for s in r["stages"].values()) else ""))
    for name, s in r["stages"].items():
        inner = "within" in s
        label = ("  - " if inner else "") + name
        peak = "" if inner else f"{s['peak_rss_mb']:12.0f}"
        traced = f"  {s['traced_peak_mb']:9.0f}" if "traced_peak_mb" in s and not inner else ""
        print(f"   {label:40s} {s['wall']:8.3f} {peak:>12s}{traced}")
    print(f"   batch (load + table + graph + propose): {r['batch_wall']:.2f} s, peak RSS {r['batch_peak_rss_mb']:.0f} MB"
          f" (process max {r['max_rss_mb']:.0f} MB)")
    more = (o["housed"] - g["housed"]) / g["housed"] if g["housed"] else float("nan")
    print(f"   optimal: housed {o['housed']:,}, priority total {o['priority_total']:,.1f}, fit {o['fit_total']:,.2f}, "
          f"skipped {o['skipped_higher_priority']}/{o['skipped_by_reassignment']} (direct/by reassignment), "
          f"certified {o['certified']}")
    print(f"   greedy:  housed {g['housed']:,}, priority total {g['priority_total']:,.1f}, fit {g['fit_total']:,.2f}, "
          f"skipped {g['skipped_higher_priority']}/{g['skipped_by_reassignment']}, augmentable {g['augmentable']}")
    print(f"   optimal houses {more:+.1%} vs greedy; priority total "
          f"{(o['priority_total'] - g['priority_total']) / g['priority_total']:+.1%}")
    if "weighted" in r:
        w = r["weighted"]
        print(f"   weighted mode: housed {w['housed']:,}, priority total {w['priority_total']:,.1f}, skipped "
              f"{w['skipped_higher_priority']}/{w['skipped_by_reassignment']}")
    print(f"   independent checks: {json.dumps({k: v for k, v in c.items() if k != 'seconds'})}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default=DEFAULT_SIZES, help="households x offers, comma-separated")
    parser.add_argument("--database-url", default="sqlite",
                        help="'sqlite' (files in bench/var/) or postgresql://.../<name> (<name>_<n>x<m> is created)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--tracemalloc", action="store_true", help="also the traced peak per stage (slower)")
    parser.add_argument("--weighted", action="store_true", help="also time the weighted mode")
    parser.add_argument("--dense-max", type=int, default=30_000_000,
                        help="largest housed x offers matrix for the dense LSA check")
    parser.add_argument("--prefix-max", type=int, default=2000, help="largest n for the prefix-matching check")
    parser.add_argument("--json", help="results file (default bench/results/matching-<engine>.json)")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        n, m = (int(x) for x in args.one.split("x"))
        print(json.dumps(one_size(n, m, args), default=float))
        return 0
    sys.stdout.reconfigure(line_buffering=True)
    engine = "sqlite" if args.database_url.startswith("sqlite") else "postgresql"
    load = os.getloadavg()
    print(f"load average before: {load[0]:.2f} ({os.cpu_count()} CPUs; timings are noisy when other work runs)")
    results = []
    for size in [s for s in args.sizes.split(",") if s]:
        cmd = [sys.executable, __file__, "--one", size] + [a for a in sys.argv[1:] if a not in ("--one",)]
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, cwd=ROOT)
        if proc.returncode:
            print(f"size {size} failed (exit {proc.returncode})")
            continue
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        results.append(result)
        show(result)
    after = os.getloadavg()
    print(f"\nload average after: {after[0]:.2f}")
    out = pathlib.Path(args.json or HERE / "results" / f"matching-{engine}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"when": datetime.datetime.now().isoformat(timespec="seconds"), "cpus": os.cpu_count(),
                               "load_average_before": load, "load_average_after": after, "results": results},
                              indent=2, default=float))
    print(f"results written to {out}")
    return 0 if len(results) == len([s for s in args.sizes.split(",") if s]) else 1


if __name__ == "__main__":
    sys.exit(main())
