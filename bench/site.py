#!/usr/bin/env python
"""Benchmark of incremental publication: full, one / ten offers changed, one withdrawn, nothing changed.

    .venv/bin/python bench/site.py --offers 10000 --partners 300

1. A fresh SQLite database in a temporary folder, seeded as ``bench/site_build.py``
   does (demo data topped up to exactly ``--offers`` offers, ``--partners`` partners).
2. A full publication (``pipeline.publish(force=True)``): the baseline of the run.
3. Incremental publications after: one offer's rent changed, ten offers'
   rents changed, one offer withdrawn, one offer added; then nothing changed
   (a tick). Each with its stage timings, its ratio to the full publication of
   the same run and the load average.
4. The axe-core release check (``HOUSING_AXE_CHECK``) on the live release, as a
   share of a full and of an incremental publication (skipped without chromium).
5. The Italian search index: its size as published and with the offer listing's
   fallback list indexed (as before issue 16; the listing's entry reconstructed
   with Material's own search parser).

Everything is written to a temporary folder (the exported YAML too). Results:
stdout and ``bench/results/site.json``. Wall times depend on the machine's other
work: the load average is printed beside each figure.
"""
import argparse
import datetime
import json
import os
import pathlib
import shutil
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
RESULTS = ROOT / "bench" / "results" / "site.json"


def load():
    return round(os.getloadavg()[0], 2)


def timed(site, folder, force=False):
    from housing.publishing import pipeline

    timings, before, started = {}, load(), time.perf_counter()
    outcome, message = pipeline.publish(force=force, root=site, folder=folder, timings=timings)
    seconds = time.perf_counter() - started
    return {"seconds": round(seconds, 3), "outcome": outcome, "message": message, "load_before": before,
            "load_after": load(), "stages": {k: round(v, 3) for k, v in timings.items()}}


def published_ids():
    import models as m

    return [o.id for o in m.Offer.select(m.Offer.id).where(
        (m.Offer.published == True) & (m.Offer.status == "published")).order_by(m.Offer.id)]  # noqa: E712


def change_rents(ids):
    import models as m

    m.Offer.update(monthly_rent=m.Offer.monthly_rent + 1).where(m.Offer.id.in_(ids)).execute()


def withdraw(offer_id):
    import models as m

    m.Offer.update(published=False).where(m.Offer.id == offer_id).execute()


def add_like(offer_id):
    import models as m

    row = dict(m.Offer.get_by_id(offer_id).__data__)
    row.pop("id")
    return m.Offer.create(**row).id


def index_sizes(release):
    """The Italian search index as published, and with the listing's fallback list indexed."""
    from material.plugins.search.plugin import Parser

    path = release / "search" / "search_index.json"
    raw = path.read_bytes()
    index = json.loads(raw)
    page = (release / "offerte" / "index.html").read_text(encoding="utf-8")
    article = page.split('<article class="md-content__inner md-typeset">', 1)[1].split("</article>", 1)[0]
    parser = Parser()
    parser.feed(article.replace(" data-search-exclude", ""))
    parser.close()
    texts = ["".join(section.text).strip() for section in parser.data]  # in the order of the page's entries
    entries = [entry for entry in index["docs"] if entry["location"].partition("#")[0] == "offerte/"]
    replaced = 0
    for entry, text in zip(entries, texts):
        if len(text) > len(entry["text"]):
            entry["text"], replaced = text, replaced + 1
    before = json.dumps(index, separators=(",", ":"), default=str).encode("utf-8")
    return {"published_bytes": len(raw), "with_fallback_list_bytes": len(before),
            "fallback_share": round(1 - len(raw) / len(before), 3), "entries_rebuilt": replaced}


def axe(release):
    from housing.publishing import accessibility

    reason = accessibility.missing()
    if reason:
        return {"skipped": reason}
    before, started = load(), time.perf_counter()
    pages = accessibility.sample(release)
    found = accessibility.violations(release, pages)
    return {"seconds": round(time.perf_counter() - started, 2), "pages": len(pages), "violations": len(found),
            "load_before": before, "load_after": load()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--offers", type=int, default=10000)
    parser.add_argument("--partners", type=int, default=300)
    parser.add_argument("--demo-scale", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=2017)
    parser.add_argument("--no-axe", action="store_true")
    parser.add_argument("--output", type=pathlib.Path, default=RESULTS)
    args = parser.parse_args()

    tmp = pathlib.Path(tempfile.mkdtemp(prefix="site-incremental-"))
    site, folder = tmp / "site", tmp / "content"
    os.environ["HOUSING_SITE_ROOT"] = str(site)
    from site_build import seed_database

    from housing.database import sqlite_url

    result = {"when": datetime.datetime.now().isoformat(timespec="seconds"), "cpus": os.cpu_count(),
              "args": {k: str(v) if isinstance(v, pathlib.Path) else v for k, v in vars(args).items()}}
    try:
        print(f"seeding {args.offers:,} offers, {args.partners:,} partners ...", flush=True)
        result["seed"] = seed_database(sqlite_url(tmp / "bench.db"), args.offers, args.partners, args.demo_scale,
                                       args.seed)
        ids = published_ids()
        runs = result["runs"] = {}
        steps = [
            ("full", lambda: None, True),
            ("one offer changed", lambda: change_rents(ids[len(ids) // 2:len(ids) // 2 + 1]), False),
            ("ten offers changed", lambda: change_rents(ids[100:1100:100]), False),
            ("one offer withdrawn", lambda: withdraw(ids[-5]), False),
            ("one offer added", lambda: add_like(ids[7]), False),
            ("nothing changed", lambda: None, False),
            ("full again", lambda: None, True),
        ]
        for name, change, force in steps:
            change()
            runs[name] = timed(site, folder, force=force)
            print(f"{name:22} {runs[name]['seconds']:8.3f} s  load {runs[name]['load_before']} -> "
                  f"{runs[name]['load_after']}  ({runs[name]['outcome']})", flush=True)
        full = min(runs["full"]["seconds"], runs["full again"]["seconds"])
        for run in runs.values():
            run["ratio_to_full"] = round(run["seconds"] / full, 3)
        release = (site / "current").resolve()
        result["search_index"] = index_sizes(release)
        if not args.no_axe:
            print("axe-core release check ...", flush=True)
            result["axe"] = check = axe(release)
            if "seconds" in check:
                check["share_of_full"] = round(check["seconds"] / (full + check["seconds"]), 3)
                one = runs["one offer changed"]["seconds"]
                check["share_of_one_offer_changed"] = round(check["seconds"] / (one + check["seconds"]), 3)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print()
    print(f"{'publication':22} {'seconds':>8} {'× full':>7}  load")
    for name, run in result["runs"].items():
        print(f"{name:22} {run['seconds']:8.3f} {run['ratio_to_full']:7.3f}  {run['load_before']}")
    for name in ("one offer changed", "full"):
        print(f"stages, {name}: " + ", ".join(f"{k} {v}" for k, v in result["runs"][name]["stages"].items()))
    print("search index:", result["search_index"])
    print("axe:", result.get("axe"))
    print(f"JSON: {args.output}")


if __name__ == "__main__":
    main()
