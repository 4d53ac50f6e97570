#!/usr/bin/env python
"""The header's search box (``/admin/search/``) on the benchmark database, over HTTP.

    .venv/bin/python bench/search.py [--engines sqlite,postgresql] [--dwellings 100000] [--households 60000]
                                     [--queries 200] [--workers 2] [--database-url URL]

For each engine:

1. A fresh database (SQLite: a temporary file; PostgreSQL: ``housing_search_<random>``
   created on ``--pg-admin-url``'s server, dropped at the end), migrated (migration
   0012 makes the search indexes) and filled by ``bench/generate.py``'s own generator
   (``--dwellings`` homes, ``--households`` households with their members, landlords,
   offers), plus 200 partners; ``ANALYZE``. ``--database-url`` reuses a filled database
   instead (nothing is created or dropped).
2. One account per role (admin, operator, clerk, viewer); gunicorn on a loopback port
   (``bench/http_bench.py``'s ``Server``), each account logged in over HTTP.
3. ``--queries`` searches of varied kinds, taken from the data: household codes
   (whole and prefix), members' tax codes (whole and prefix), surnames, "surname
   first name", street names, districts, landlords' names, partners' names, terms
   that match nothing, two-letter terms and odd input (``%``, quotes, unicode);
   each sent by the four roles in turn. After a warm-up, p50/p95/max per kind and
   overall (the target: p95 <= 100 ms).
4. Baseline, in the same run and process: the same terms through
   ``housing.search.naive_search`` (one ``LOWER(column) LIKE '%x%'`` per column,
   which no index serves) against ``housing.search.search`` (SQL only, no HTTP):
   the ratio of their p95.

The load average (``os.getloadavg()``) is printed before and after: the machine is
shared, and the figures mean little under a load above the number of CPUs.
"""
import argparse
import os
import random
import sys
import tempfile
import time
import uuid
from urllib.parse import quote, urlsplit, urlunsplit

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
sys.path.insert(0, HERE)

import generate  # noqa: E402  (bench/generate.py)
import http_bench  # noqa: E402  (bench/http_bench.py)
from housing import accounts, schema, search  # noqa: E402
from housing.database import bind, is_sqlite  # noqa: E402
import models as m  # noqa: E402

ROLES = ("admin", "operator", "clerk", "viewer")
TARGET_MS = 100.0


def log(msg=""):
    print(msg, flush=True)


def load():
    return "load average %.2f %.2f %.2f (%d CPUs)" % (*os.getloadavg(), os.cpu_count())


# -- the database ------------------------------------------------------------------

def fresh_url(engine, admin_url, folder):
    if engine == "sqlite":
        return "sqlite:///" + os.path.join(folder, "search.db"), None
    name = "housing_search_" + uuid.uuid4().hex[:8]
    return urlunsplit(urlsplit(admin_url)._replace(path="/" + name)), name


def drop_postgres(admin_url, name):
    import psycopg2

    conn = psycopg2.connect(admin_url)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        conn.close()


def fill(url, dwellings, households, rng):
    generate.prepare_database(url, reset=False)
    database = bind(url)
    database.connect()
    try:
        schema.upgrade(database)
        started = time.perf_counter()
        counts = generate.seed_own(database, rng, dwellings, households, __import__("datetime").date.today())
        now = m.now()
        generate.insert_rows(database, m.Partner, ["name", "sector", "services", "created_at", "updated_at"], (
            (f"{rng.choice(('Cooperativa', 'Associazione', 'Fondazione'))} {rng.choice(generate.SURNAMES)} {i}",
             "third_sector", "Accompagnamento all'abitare", now, now) for i in range(200)))
        generate.analyze(database, url)
        log(f"   filled in {time.perf_counter() - started:.0f} s: {counts}")
    finally:
        database.close()


def accounts_for_roles(url):
    database = bind(url)
    password = accounts.random_password()
    with database.connection_context():
        for role in ROLES:
            if not m.User.select().where(m.User.username == f"search_{role}").exists():
                accounts.create_user(f"search_{role}", role, password, full_name=f"Search {role}")
            else:
                user = m.User.get(m.User.username == f"search_{role}")
                user.password_hash = accounts.hash_password(password)
                user.save()
    return password


# -- the queries --------------------------------------------------------------------

def sample_terms(url, n, rng):
    """(kind, term) pairs taken from the data, about ``n`` in all."""
    database = bind(url)
    with database.connection_context():
        def pick(query, k):
            rows = [r[0] for r in query.tuples()]
            return rng.sample(rows, min(k, len(rows))) if rows else []

        codes = pick(m.Household.select(m.Household.code).order_by(m.fn.RANDOM()).limit(200), 25)
        taxes = pick(m.Person.select(m.Person.tax_code).order_by(m.fn.RANDOM()).limit(200), 25)
        people = list(m.Person.select(m.Person.last_name, m.Person.first_name).order_by(m.fn.RANDOM()).limit(50).tuples())
        streets = pick(m.Dwelling.select(m.Dwelling.address).order_by(m.fn.RANDOM()).limit(200), 20)
        districts = pick(m.District.select(m.District.name), 10)
        landlords = pick(m.Landlord.select(m.Landlord.name).order_by(m.fn.RANDOM()).limit(200), 15)
        partners = pick(m.Partner.select(m.Partner.name), 10)
    terms = []
    terms += [("household code", c) for c in codes[:15]] + [("household prefix", c[:9]) for c in codes[15:]]
    terms += [("tax code", t) for t in taxes[:15]] + [("tax code prefix", t[:10]) for t in taxes[15:]]
    terms += [("surname", last) for last, _ in people[:15]] + [("surname first", f"{last} {first}") for last, first in people[15:25]]
    terms += [("street", " ".join(s.split()[1:-1]) or s) for s in streets]
    terms += [("district", d) for d in districts]
    terms += [("landlord", name.split()[-1]) for name in landlords]
    terms += [("partner", name.split()[0] + " " + name.split()[1]) for name in partners]
    terms += [("no match", w) for w in ("zzzqqq", "Xylofono", "Kwmbr", "Qatzel 77", "Nessunaparola", "Zwingli", "Yttrio",
                                        "Ljubljana", "Wolfsburg", "Quokka")]
    terms += [("two letters", w) for w in ("ru", "vi", "ma", "et", "co", "sa", "ce", "pa")]
    terms += [("odd", w) for w in ("%", "_", "'", '"', "Città", "東京", "a%b", "' OR 1=1 --", "\\", "x" * 100)]
    rng.shuffle(terms)
    while len(terms) < n:
        terms += terms[: n - len(terms)]
    return terms[:n]


def percentile(values, q):
    return http_bench.percentile(sorted(values), q)


def summary(values):
    return (f"n={len(values):4d}  p50 {percentile(values, 50) * 1000:7.1f} ms  p95 {percentile(values, 95) * 1000:7.1f} ms"
            f"  max {max(values) * 1000:7.1f} ms")


def over_http(url, terms, password, workers, folder):
    server = http_bench.Server(url, workers, os.path.join(folder, "gunicorn.log"))
    server.start()
    try:
        clients = {}
        for role in ROLES:
            clients[role] = http_bench.Client("127.0.0.1", server.port)
            http_bench.login(clients[role], f"search_{role}", password)
        for i, (_, term) in enumerate(terms[:20]):  # warm-up: templates compiled, caches filled
            clients[ROLES[i % 4]].get("/admin/search/?q=" + quote(term))
        times, by_kind, errors = [], {}, []
        for i, (kind, term) in enumerate(terms):
            role = ROLES[i % 4]
            status, _, _, elapsed = clients[role].get("/admin/search/?q=" + quote(term))
            if status != 200:
                errors.append((role, term, status))
            times.append(elapsed)
            by_kind.setdefault(kind, []).append(elapsed)
        return times, by_kind, errors
    finally:
        server.stop()


def in_process(url, terms):
    """p95 of the SQL alone: the search's queries, and the naive LIKE baseline."""
    database = bind(url)
    ours, naive = [], []
    with database.connection_context():
        for _, term in terms:
            started = time.perf_counter()
            search.search(term)
            ours.append(time.perf_counter() - started)
            started = time.perf_counter()
            search.naive_search(term)
            naive.append(time.perf_counter() - started)
    return ours, naive


def run(engine, args, rng):
    log(f"\n== {engine} ==")
    folder = tempfile.mkdtemp(prefix="search-bench-")
    name = None
    if args.database_url:
        url = args.database_url
    else:
        url, name = fresh_url(engine, args.pg_admin_url, folder)
        log(f"-- filling {http_bench.redact(url) if hasattr(http_bench, 'redact') else url} "
            f"({args.dwellings:,} homes, {args.households:,} households)")
        fill(url, args.dwellings, args.households, rng)
    try:
        password = accounts_for_roles(url)
        terms = sample_terms(url, args.queries, rng)
        log(f"-- {len(terms)} searches over HTTP, {args.workers} gunicorn workers; before: {load()}")
        times, by_kind, errors = over_http(url, terms, password, args.workers, folder)
        log(f"   after: {load()}")
        for kind in sorted(by_kind):
            log(f"   {kind:<18} {summary(by_kind[kind])}")
        p95 = percentile(times, 95) * 1000
        log(f"   {'ALL (HTTP)':<18} {summary(times)}  target p95 <= {TARGET_MS:.0f} ms: {'OK' if p95 <= TARGET_MS else 'MISSED'}")
        if errors:
            log(f"   ERRORS: {errors[:10]}")
        ours, naive = in_process(url, terms)
        log(f"-- SQL only, same terms: search {summary(ours)}")
        log(f"                         naive {summary(naive)}")
        log(f"   baseline ratio (naive p95 / search p95): {percentile(naive, 95) / percentile(ours, 95):.1f}x;"
            f" {load()}")
        return {"engine": engine, "p95_ms": p95, "errors": len(errors)}
    finally:
        if name:
            drop_postgres(args.pg_admin_url, name)
        elif not args.database_url and is_sqlite(url) and not args.keep:
            for suffix in ("", "-wal", "-shm"):
                path = url.split(":///", 1)[-1] + suffix
                if os.path.exists(path):
                    os.remove(path)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--dwellings", type=int, default=100_000)
    parser.add_argument("--households", type=int, default=60_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=2017)
    parser.add_argument("--pg-admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--database-url", help="a filled database to search (one engine; nothing created or dropped)")
    parser.add_argument("--keep", action="store_true", help="keep the SQLite file (its path is printed)")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    if args.database_url:
        engines = ["sqlite" if is_sqlite(args.database_url) else "postgresql"]
    log(f"start: {load()}")
    results = [run(engine, args, rng) for engine in engines]
    log("\nSummary: " + "; ".join(f"{r['engine']} p95 {r['p95_ms']:.1f} ms ({r['errors']} errors)" for r in results))
    return 0 if all(r["p95_ms"] <= TARGET_MS and not r["errors"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
