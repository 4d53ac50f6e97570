#!/usr/bin/env python
"""Benchmark of the public site's build: full publish, unchanged tick, naive baseline.

    .venv/bin/python bench/site_build.py --offers 10000 --partners 300 --naive-offers 1000

1. A fresh SQLite database in a temporary folder: ``housing.demo.seed`` at
   ``--demo-scale`` as a realistic base (households, people, landlords: the
   privacy scan's watchlist), topped up to exactly ``--offers`` published offers
   and ``--partners`` listed partners.
2. Full publish: ``pipeline.publish(force=True)`` itself, with its stage timings
   (``timings=``), and the CPU time of the child processes (MkDocs, check workers).
3. Unchanged-content ticks: ``pipeline.publish()`` must answer "skipped".
4. Sizes of the release and of each language's search index.
5. MkDocs alone, per language, on the same pages (ms a page); then
   ``build.build`` as the pipeline runs it (Italian sharded above
   ``shards.SHARD_THRESHOLD`` offers, merged, beside English).
6. Baseline: the first ``--naive-offers`` offers, Italian build, as published
   (offers out of the navigation) and naive (every offer in the navigation).

Everything is written to a temporary folder (``HOUSING_SITE_ROOT`` included)
except ``content/generated/*.yaml`` (git-ignored). Results: a table on stdout and
``bench/results/site-build.json``. Wall times are disturbed by other work on the
machine: the load average and the CPU times are printed beside them.
"""
import argparse
import datetime
import gzip
import json
import os
import pathlib
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results" / "site-build.json"


def seed_database(url, offers, partners, demo_scale, seed):
    from housing import demo, schema
    from housing.database import bind

    database = bind(url)
    database.connect()
    schema.upgrade(database)
    started = time.perf_counter()
    counts = demo.seed(scale=demo_scale, seed=seed) if demo_scale > 0 else {}
    rng = random.Random(seed + 1)
    with database.atomic():
        offer_delta = top_up_offers(rng, offers)
        partner_delta = top_up_partners(rng, partners)
        moved = separate_partner_addresses()
    database.execute_sql("ANALYZE")
    database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return {"demo_scale": demo_scale, "demo_counts": counts, "offers_added": offer_delta,
            "partners_added": partner_delta, "partner_addresses_moved": moved, "seconds": round(time.perf_counter() - started, 2)}


def _published():
    from models import Offer
    return (Offer.published == True) & (Offer.status == "published")  # noqa: E712


def _bulk(model, rows, size=500):
    for i in range(0, len(rows), size):
        model.insert_many(rows[i:i + size]).execute()


def top_up_offers(rng, target):
    """Exactly ``target`` published offers: add dwellings + offers, or withdraw the newest."""
    from housing import demo
    from housing import vocabulary as v
    from models import AgreementZone, Dwelling, Landlord, Offer

    current = Offer.select().where(_published()).count()
    if current > target:
        extra = [i for (i,) in Offer.select(Offer.id).where(_published()).order_by(Offer.id.desc())
                 .limit(current - target).tuples()]
        for i in range(0, len(extra), 500):
            Offer.update(published=False, status="withdrawn").where(Offer.id.in_(extra[i:i + 500])).execute()
        return -len(extra)
    n = target - current
    if n == 0:
        return 0
    today = datetime.date.today()
    stamp = datetime.datetime.combine(today, datetime.time(9))
    zones = {z.code: z.id for z in AgreementZone.select()}
    private = [i for (i,) in Landlord.select(Landlord.id).where(Landlord.kind == "private_person").tuples()]
    companies = [i for (i,) in Landlord.select(Landlord.id).where(Landlord.kind.in_(["company", "agency"])).tuples()]
    public = {k: i for k, i in Landlord.select(Landlord.kind, Landlord.id).where(Landlord.kind.in_(["iacp", "public_body"])).tuples()}
    if not private:  # no demo base: one landlord of each kind
        for kind, name in (("private_person", "Proprietario privato"), ("company", "Immobiliare Etna S.r.l."),
                           ("iacp", "IACP di Catania"), ("public_body", "Comune di Catania")):
            lid = Landlord.insert(kind=kind, name=name, public_name_consent=kind != "private_person").execute()
            {"private_person": private, "company": companies}.get(kind, []).append(lid)
            if kind in ("iacp", "public_body"):
                public[kind] = lid
    if not zones:
        raise SystemExit("no territorial agreement: use --demo-scale > 0")
    district_ids = registry_districts(zones)
    bands = {code: ranges for code, _, ranges in demo.ZONES}
    zone_names = {code: name for code, name, _ in demo.ZONES}
    public_districts = [d for d in demo.DISTRICTS if d[0] in demo.PUBLIC_HOUSING_DISTRICTS]
    conditions = {"new": "ristrutturato", "good": "in buono stato", "fair": "in discreto stato", "poor": "da rinfrescare"}
    words = ("Monolocale", "Bilocale", "Trilocale", "Quadrilocale", "Appartamento di 5 vani")

    dwellings, offers = [], []
    for k in range(n):
        protected = rng.random() < 0.3
        district = rng.choice(public_districts if protected else demo.DISTRICTS)
        kind = (rng.choices(("erp", "transitional", "emergency"), (50, 30, 20))[0] if protected else
                rng.choices(("concordato_3_2", "transitory", "students", "free_4_4"), (45, 15, 15, 25))[0])
        owner = (public["iacp"] if kind == "erp" or rng.random() < 0.8 else public["public_body"]) if protected else \
            rng.choice(private if rng.random() < 0.8 or not companies else companies)
        rooms = rng.choices((1, 2, 3, 4, 5), (10, 25, 35, 22, 8))[0]
        area = 22 + 17 * rooms + rng.randint(-6, 14)
        floors = rng.randint(1, 8)
        floor = rng.randint(0, floors)
        lift = floors >= 3 and rng.random() < 0.75
        energy = rng.choices(("A2", "B", "C", "D", "E", "F", "G", None), (2, 4, 8, 14, 22, 22, 18, 10))[0]
        condition = rng.choices(("new", "good", "fair", "poor"), (10, 40, 35, 15))[0]
        furnished = rng.random() < (0.05 if protected else 0.35)
        bathrooms = 2 if rooms >= 4 and rng.random() < 0.6 else 1
        dwellings.append(dict(
            landlord=owner, ownership="public" if protected else "private",
            address=f"{rng.choice(district[5].split('|'))} {rng.randint(1, 250)}", postcode=district[2],
            district=district_ids[district[0]], zone=zones[district[1]],
            latitude=round(district[3] + rng.uniform(-.004, .004), 6), longitude=round(district[4] + rng.uniform(-.004, .004), 6),
            cadastral_sheet="BENCH", cadastral_parcel=str(k // 50 + 1), cadastral_unit=str(k % 50 + 1),
            area_m2=area, rooms=rooms, bedrooms=max(1, rooms - 1) if rooms <= 3 else rooms - 2, bathrooms=bathrooms,
            floor=floor, has_lift=lift, step_free=(floor == 0 or lift) and rng.random() < 0.8, energy_class=energy,
            condition=condition, furnished=furnished, vacant_since=today - rng.randint(30, 900) * demo.DAY,
            status="offered", created_at=stamp, updated_at=stamp))
        low_high = bands[district[1]][0] if protected else rng.choice(bands[district[1]])
        rent = round(area * (low_high[0] + 0.5 if protected else rng.uniform(low_high[0] + 0.5, low_high[1] - 0.5)) / 12)
        low, high = demo.DURATIONS.get(kind) or demo.OTHER_DURATIONS[kind]
        where = f"Zona {zone_names[district[1]].lower()}" + ("" if protected else f", quartiere {district[0]}")
        text = (f"{words[rooms - 1]} di {area} m² {'al piano terra' if floor == 0 else f'al {floor}° piano'}"
                f"{' con' if lift else ' senza'} ascensore, {conditions[condition]}{', arredato' if furnished else ''}"
                f"{f', classe energetica {energy}' if energy else ''}. {where}. "
                f"Contratto: {v.label(v.CONTRACT_TYPES, kind).lower()}.")
        offers.append(dict(contract_type=kind, monthly_rent=Decimal(rent), service_charges=Decimal(rng.randint(15, 30) + (20 if lift else 0)),
                           deposit=Decimal(rent * 2), available_from=today + rng.randint(-30, 90) * demo.DAY,
                           min_duration_months=low, max_duration_months=high, status="published", published=True,
                           public_description=text, created_at=stamp, updated_at=stamp))
    start = Dwelling.select(Dwelling.id).order_by(Dwelling.id.desc()).scalar() or 0
    _bulk(Dwelling, dwellings)
    ids = [i for (i,) in Dwelling.select(Dwelling.id).where((Dwelling.id > start) & (Dwelling.cadastral_sheet == "BENCH"))
           .order_by(Dwelling.id).tuples()]
    assert len(ids) == n, (len(ids), n)
    for dwelling_id, offer in zip(ids, offers):
        offer["dwelling"] = dwelling_id
    _bulk(Offer, offers)
    return n


def registry_districts(zones):
    """{name: id} of the demo's districts in the district registry, adding those it lacks
    (with the demo's centroid and zone): homes point at registry entries."""
    from housing import demo, districts
    from models import District

    known, ids = districts.index(), {}
    for name, zone, _, latitude, longitude, _ in demo.DISTRICTS:
        ids[name] = districts.lookup(name, known) or District.create(
            name=name, zone=zones.get(zone), latitude=latitude, longitude=longitude).id
    return ids


def top_up_partners(rng, target):
    """Exactly ``target`` partners listed publicly: add organisations, or unlist the newest."""
    from housing import demo
    from housing import vocabulary as v
    from models import Partner

    listed = Partner.listed_publicly == True  # noqa: E712
    current = Partner.select().where(listed).count()
    if current > target:
        extra = [i for (i,) in Partner.select(Partner.id).where(listed).order_by(Partner.id.desc())
                 .limit(current - target).tuples()]
        Partner.update(listed_publicly=False).where(Partner.id.in_(extra)).execute()
        return -len(extra)
    kinds = {
        "third_sector": ("Cooperativa sociale", "Associazione di volontariato", "Centro d'ascolto", "Emporio solidale"),
        "tenant_association": ("Comitato inquilini",), "training_body": ("Centro di formazione",),
        "health_service": ("ASP Catania – Poliambulatorio",), "other": ("Parrocchia – Caritas", "Banco alimentare"),
        "public_administration": ("Comune di Catania – Municipalità",), "employers_association": ("Associazione commercianti",),
    }
    sectors = [s.key for s in v.PARTNER_SECTORS if s.key in kinds]
    stamp = datetime.datetime.combine(datetime.date.today(), datetime.time(9))
    rows = []
    for k in range(target - current):
        sector = rng.choices(sectors, [10 if s == "third_sector" else 1 for s in sectors])[0]
        district = rng.choice(demo.DISTRICTS)
        name = f"{rng.choice(kinds[sector])} {rng.choice(demo.BRANDS)} – {district[0]} {k + 1}"
        slug = "".join(c for c in name.lower() if c.isalnum())[:40]
        rows.append(dict(name=name, sector=sector, contact_person=None, email=f"info@{slug}.example.org",
                         phone=f"095 {rng.randint(100000, 9999999)}",
                         address=f"{rng.choice(district[5].split('|'))} {rng.randint(1, 250)}, Catania",
                         website=f"https://www.{slug}.example.org",
                         services="; ".join(rng.sample(demo.SERVICES, 2)).capitalize() + ".",
                         listed_publicly=True, created_at=stamp, updated_at=stamp))
    _bulk(Partner, rows)
    return len(rows)


def separate_partner_addresses():
    """Move a partner whose street and number is also a home's to number + 250.

    The demo draws both from the same streets and numbers 1-250: at a large
    scale an organisation's office lands on the address of a tenant's home, and
    the privacy scan rightly refuses to publish it.
    """
    import re

    from models import Dwelling, Partner

    homes = {a.strip().lower() for (a,) in Dwelling.select(Dwelling.address).distinct().tuples()}
    moved = 0
    for pid, address in Partner.select(Partner.id, Partner.address).tuples():
        street, _, rest = (address or "").partition(",")
        if street.strip().lower() in homes:
            number = re.search(r"(\d+)\s*$", street)
            street = street[:number.start()] + str(int(number.group(1)) + 250) if number else street + " 300"
            Partner.update(address=street + ("," + rest if rest else "")).where(Partner.id == pid).execute()
            moved += 1
    return moved


# --------------------------------------------------------------------------- measuring

def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def mkdocs_build(config, cwd):
    """One ``mkdocs build`` subprocess as build.build runs it: (wall seconds, CPU seconds)."""
    cpu, started = children_cpu(), time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--quiet", "--clean", "--config-file", str(config)],
                            cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"mkdocs build {config} failed:\n{result.stdout[-3000:]}")
    return time.perf_counter() - started, children_cpu() - cpu


def folder_size(folder, exclude=None):
    total = files = 0
    for path in pathlib.Path(folder).rglob("*"):
        if path.is_file() and not (exclude and exclude in path.parents):
            total, files = total + path.stat().st_size, files + 1
    return {"bytes": total, "files": files}


def search_index(path):
    raw = path.read_bytes()
    docs = json.loads(raw)["docs"]
    return {"bytes": len(raw), "gzip_bytes": len(gzip.compress(raw, 6)), "entries": len(docs),
            "offer_entries": sum(1 for d in docs if d["location"].startswith("offerte/O"))}


def axe_check(release):
    """The accessibility release check's wall time and findings on the live release."""
    from housing.publishing import accessibility

    reason = accessibility.missing()
    if reason:
        return {"skipped": reason}
    load_before, started = load(), time.perf_counter()
    pages = accessibility.sample(release)
    found = accessibility.violations(release, pages)
    return {"seconds": round(time.perf_counter() - started, 2), "pages": len(pages), "violations": len(found),
            "examples": found[:5], "load_before": load_before, "load_after": load()}


def listing_text(release):
    """Characters of the offers listing that the search index holds, and those it would hold with the
    fallback list of every offer (for browsers without JavaScript) indexed as before issue 16."""
    from material.plugins.search.plugin import Parser

    page = (release / "offerte" / "index.html").read_text(encoding="utf-8")
    article = page.split('<article class="md-content__inner md-typeset">', 1)[1].split("</article>", 1)[0]

    def indexed(html):
        parser = Parser()
        parser.feed(html)
        parser.close()
        return sum(len("".join(section.text)) for section in parser.data)

    return {"indexed_chars": indexed(article), "with_fallback_list_chars": indexed(article.replace(" data-search-exclude", ""))}


def load():
    return round(os.getloadavg()[0], 2)


def full_publish(site):
    from housing.publishing import pipeline

    timings, cpu, own, load_before, started = {}, children_cpu(), time.process_time(), load(), time.perf_counter()
    outcome, message = pipeline.publish(force=True, root=site, timings=timings)
    total = time.perf_counter() - started
    if outcome != "success":
        raise SystemExit(message)
    return {"seconds": round(total, 3), "stages": {k: round(v, 3) for k, v in timings.items()},
            "children_cpu_seconds": round(children_cpu() - cpu, 2), "own_cpu_seconds": round(time.process_time() - own, 2),
            "load_before": load_before, "load_after": load()}


def mkdocs_alone(data, tmp):
    """Each language's MkDocs build alone, on the pages the pipeline writes."""
    from housing.publishing import build, pages

    work = pathlib.Path(tempfile.mkdtemp(prefix="alone-", dir=tmp))
    navs = pages.write_site(data, work)
    out = {}
    for lang in ("it", "en"):
        count = sum(1 for _ in (work / f"docs_{lang}").rglob("*.md"))
        wall, cpu = mkdocs_build(build.write_config(work, lang, navs[lang], work / f"out-{lang}"), work)
        out[lang] = {"pages": count, "seconds": round(wall, 2), "cpu_seconds": round(cpu, 2),
                     "cpu_ms_per_page": round(1000 * cpu / count, 2), "load": load()}
    # What the pipeline runs: Italian in shards.shard_count() processes (merged) beside English.
    from housing.publishing import shards

    release = work / "out-both"
    release.mkdir()
    merge, merged = shards.merge, []

    def timed_merge(*args):
        started = time.perf_counter()
        try:
            return merge(*args)
        finally:
            merged.append(time.perf_counter() - started)

    shards.merge = timed_merge
    try:
        load_before, cpu, started = load(), children_cpu(), time.perf_counter()
        build.build(work, navs, release)
    finally:
        shards.merge = merge
    out["both"] = {"shards": shards.shard_count(len(data["offers"])), "seconds": round(time.perf_counter() - started, 2),
                   "cpu_seconds": round(children_cpu() - cpu, 2), "merge_seconds": round(sum(merged), 2), "load": load_before}
    shutil.rmtree(work, ignore_errors=True)
    return out


def naive_baseline(data, n, tmp):
    """The Italian build of the first ``n`` offers, out of the navigation (as published) and in it (naive)."""
    import yaml

    from housing.publishing import build, pages

    work = pathlib.Path(tempfile.mkdtemp(prefix="naive-", dir=tmp))
    try:
        navs = pages.write_site(dict(data, offers=data["offers"][:n]), work)
        count = sum(1 for _ in (work / "docs_it").rglob("*.md"))
        offers = sorted(p.relative_to(work / "docs_it").as_posix() for p in (work / "docs_it" / "offerte").glob("O*.md"))
        normal = build.write_config(work, "it", navs["it"], work / "out-normal")
        config = yaml.safe_load(normal.read_text(encoding="utf-8"))
        config["nav"] = [{title: ["offerte/index.md"] + offers} if target == "offerte/index.md" else {title: target}
                         for entry in config["nav"] for title, target in entry.items()]
        config.pop("not_in_nav")
        config["site_dir"] = str(work / "out-naive")
        naive = work / "mkdocs.it-naive.yml"
        naive.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
        results = {"offers": n, "pages": count}
        for layout, config_file in (("normal", normal), ("naive", naive)):
            wall, cpu = mkdocs_build(config_file, work)
            results[layout] = {"seconds": round(wall, 2), "cpu_seconds": round(cpu, 2),
                               "ms_per_page": round(1000 * wall / count, 2), "load": load(),
                               "output": folder_size(work / f"out-{layout}")}
            shutil.rmtree(work / f"out-{layout}", ignore_errors=True)
        results["ratio"] = round(results["naive"]["seconds"] / results["normal"]["seconds"], 2)
        results["cpu_ratio"] = round(results["naive"]["cpu_seconds"] / results["normal"]["cpu_seconds"], 2)
        return results
    finally:
        shutil.rmtree(work, ignore_errors=True)


# --------------------------------------------------------------------------- main

def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--offers", type=int, default=10000)
    parser.add_argument("--partners", type=int, default=300)
    parser.add_argument("--naive-offers", type=int, default=1000, help="0 skips the baseline")
    parser.add_argument("--demo-scale", type=float, default=10.0, help="housing.demo.seed scale of the base data")
    parser.add_argument("--seed", type=int, default=2017)
    parser.add_argument("--runs", type=int, default=1, help="full publishes to time")
    parser.add_argument("--ticks", type=int, default=3, help="unchanged-content ticks to time")
    parser.add_argument("--no-alone", action="store_true", help="skip the per-language MkDocs builds")
    parser.add_argument("--axe", action="store_true",
                        help="time the axe-core release check (housing/publishing/accessibility.py) on the live site")
    parser.add_argument("--target", type=float, default=15.0)
    parser.add_argument("--tick-target", type=float, default=1.0)
    parser.add_argument("--output", type=pathlib.Path, default=RESULTS)
    args = parser.parse_args()

    tmp = pathlib.Path(tempfile.mkdtemp(prefix="site-bench-"))
    site = tmp / "site"
    os.environ["HOUSING_SITE_ROOT"] = str(site)
    import material
    import mkdocs

    from housing.database import sqlite_url
    from housing.publishing import export, pipeline

    result = {"when": datetime.datetime.now().isoformat(timespec="seconds"),
              "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "mkdocs": mkdocs.__version__,
                          "material": getattr(material, "__version__", "?")},
              "args": {k: str(v) if isinstance(v, pathlib.Path) else v for k, v in vars(args).items()}}
    try:
        print(f"seeding {args.offers:,} offers, {args.partners:,} partners (demo scale {args.demo_scale}) ...", flush=True)
        result["seed"] = seed_database(sqlite_url(tmp / "bench-site.db"), args.offers, args.partners, args.demo_scale, args.seed)
        result["full"] = []
        for run in range(args.runs):
            print(f"full publish {run + 1}/{args.runs} (load {load()}) ...", flush=True)
            result["full"].append(full_publish(site))
            print(f"  {result['full'][-1]['seconds']} s", flush=True)
        # From the database, not content/generated/*.yaml: tests publishing beside the benchmark rewrite those files.
        data = export.export_all()
        print(f"exported: {len(data['offers']):,} offers, {len(data['partners']):,} partners", flush=True)
        print("unchanged-content ticks ...", flush=True)
        ticks = []
        for _ in range(args.ticks):
            started = time.perf_counter()
            outcome, message = pipeline.publish(root=site)
            ticks.append(round(time.perf_counter() - started, 3))
            if outcome != "skipped":
                raise SystemExit(f"the tick rebuilt ({message})")
        result["tick"] = {"seconds": ticks, "median": statistics.median(ticks)}
        live = site / "current"
        result["size"] = {"site": folder_size(live), "en": folder_size(live / "en"),
                          "search_index": {"it": search_index(live / "search" / "search_index.json"),
                                           "en": search_index(live / "en" / "search" / "search_index.json")},
                          "listing_in_search": listing_text(live.resolve())}
        if args.axe:
            print("axe-core release check ...", flush=True)
            result["axe"] = axe_check(live.resolve())
        if not args.no_alone:
            print("MkDocs alone, per language ...", flush=True)
            result["alone"] = mkdocs_alone(data, tmp)
        if args.naive_offers:
            print(f"baseline: {args.naive_offers:,} offers, normal then naive layout ...", flush=True)
            result["baseline"] = naive_baseline(data, args.naive_offers, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    report(result, args)
    print(f"\nJSON: {args.output}")


def mb(n):
    return f"{n / 1e6:,.1f} MB"


def report(r, args):
    best = min(r["full"], key=lambda run: run["seconds"])
    print(f"\n=== Full publish: {args.offers:,} offers, {args.partners:,} partners ({r['machine']['cpus']} CPUs) ===")
    for name, seconds in best["stages"].items():
        print(f"  {name:40} {seconds:8.2f} s")
    runs = ", ".join(f"{run['seconds']:.2f}" for run in r["full"])
    verdict = "met" if best["seconds"] <= args.target else "NOT met"
    print(f"  {'TOTAL':40} {best['seconds']:8.2f} s  (runs: {runs}; target <= {args.target} s: {verdict})")
    print(f"  CPU: publisher {best['own_cpu_seconds']} s, child processes (MkDocs, check workers) "
          f"{best['children_cpu_seconds']} s; load average {best['load_before']} -> {best['load_after']}")
    t = r["tick"]
    print(f"\n=== Unchanged tick: {', '.join(f'{s:.3f}' for s in t['seconds'])} s "
          f"(target <= {args.tick_target} s: {'met' if max(t['seconds']) <= args.tick_target else 'NOT met'}) ===")
    s = r["size"]
    print(f"\n=== Size: site {mb(s['site']['bytes'])}, {s['site']['files']:,} files (English {mb(s['en']['bytes'])}) ===")
    for lang, idx in s["search_index"].items():
        print(f"  search index {lang}: {mb(idx['bytes'])} ({mb(idx['gzip_bytes'])} gzip), {idx['entries']:,} entries, "
              f"{idx['offer_entries']:,} of them offer titles")
    if "axe" in r:
        a = r["axe"]
        if "skipped" in a:
            print(f"\n=== axe-core release check skipped: {a['skipped']} ===")
        else:
            print(f"\n=== axe-core release check: {a['seconds']} s for {a['pages']} pages x 2 widths "
                  f"({100 * a['seconds'] / best['seconds']:.0f}% of the full publish), {a['violations']} violation(s); "
                  f"load {a['load_before']} -> {a['load_after']} ===")
    listing = s.get("listing_in_search")
    if listing:
        it = s["search_index"]["it"]["bytes"]
        extra = listing["with_fallback_list_chars"] - listing["indexed_chars"]
        print(f"  offers listing in the Italian index: {listing['indexed_chars']:,} characters; the fallback list "
              f"would add {extra:,} (index {mb(it)} -> about {mb(it + extra)}, the list {100 * extra / (it + extra):.0f}% of it)")
    for lang, a in r.get("alone", {}).items():
        if lang == "both":
            print(f"  build.build (Italian in {a['shards']} process(es), merged, beside English): {a['seconds']} s wall, "
                  f"{a['cpu_seconds']} s CPU of the MkDocs processes; merge {a['merge_seconds']} s wall (load {a['load']})")
            continue
        print(f"  MkDocs alone {lang}: {a['pages']:,} pages, {a['seconds']} s wall, {a['cpu_seconds']} s CPU "
              f"({a['cpu_ms_per_page']} ms CPU a page; load {a['load']})")
    if "baseline" in r:
        b = r["baseline"]
        print(f"\n=== Baseline: Italian build, {b['offers']:,} offers ({b['pages']:,} pages) ===")
        for layout in ("normal", "naive"):
            x = b[layout]
            print(f"  {layout:7} {x['seconds']:8.2f} s ({x['ms_per_page']} ms a page, CPU {x['cpu_seconds']} s, "
                  f"load {x['load']}), output {mb(x['output']['bytes'])}")
        print(f"  naive / normal: {b['ratio']}x wall, {b['cpu_ratio']}x CPU")


if __name__ == "__main__":
    main()
