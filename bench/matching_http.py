"""Time the shortlist screen of an offer over HTTP, with tens of thousands of waiting households.

    .venv/bin/python bench/matching.py --sizes 50000x5000          # makes bench/var/matching-50000x5000.db
    .venv/bin/python bench/matching_http.py                         # serves it and times the screen
    .venv/bin/python bench/matching_http.py --database-url postgresql://postgres@127.0.0.1:5432/housing_bench_matching_50000x5000

The database is one written by ``bench/matching.py`` (``--database-url``,
default the SQLite file of the 50,000 x 5,000 instance). The real app is
served with gunicorn (``http_bench.Server``: 2 sync workers on loopback), a
throw-away admin account logs in over HTTP (``http_bench.login``), and
``/admin/matching/offer/<id>`` is requested for ``--offers`` offers spread
over the contract types and sizes, ``--warmup`` untimed then ``--requests``
timed requests each, one at a time (latency, not throughput). Time = from
sending the request to having read the whole body. p50/p95/max are over all
timed requests (nearest rank). ``--app "module:factory()"`` serves another
app factory (to measure a change before making it). ``--profile`` also runs one request of the
screen in process under cProfile and prints where the time goes.

Results: ``bench/results/matching-http-<engine>.json``.
"""
from __future__ import annotations

import argparse
import atexit
import datetime
import json
import os
import re
import secrets
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path[:0] = [ROOT, HERE]

from http_bench import Client, Server, log, login, normalise_url, percentile, redact  # noqa: E402

DEFAULT_DB = "sqlite:///" + os.path.join(HERE, "var", "matching-50000x5000.db")
RANKED_ROW = re.compile(r"<tr>\s*<td>\s*\d+\s*</td>")


def pick_offers(count):
    """Offer ids spread over (contract type, rooms), in a fixed order."""
    import models as m

    rows = list(m.Offer.select(m.Offer.id, m.Offer.contract_type, m.Dwelling.rooms).join(m.Dwelling)
                .where(m.Offer.published == True, m.Offer.status == "published")  # noqa: E712
                .order_by(m.Offer.id).tuples())
    groups = {}
    for offer_id, kind, rooms in rows:
        groups.setdefault((kind, rooms), []).append(offer_id)
    picked, k = [], 0
    keys = sorted(groups)
    while len(picked) < min(count, len(rows)):
        for key in keys:
            if k < len(groups[key]) and len(picked) < count:
                picked.append(groups[key][k])
        k += 1
    return picked


def profile(app, username, password, offer_id, top=25):
    import cProfile
    import pstats

    client = app.test_client()
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/auth/login", data={"username": username, "password": password, "csrf_token": token})
    client.get(f"/admin/matching/offer/{offer_id}")              # warm
    prof = cProfile.Profile()
    t = time.perf_counter()
    prof.enable()
    response = client.get(f"/admin/matching/offer/{offer_id}")
    prof.disable()
    log(f"\nin-process request (Flask test client): {1000 * (time.perf_counter() - t):.1f} ms under cProfile, "
        f"status {response.status_code}")
    pstats.Stats(prof).sort_stats("cumulative").print_stats(top)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DB)
    parser.add_argument("--offers", type=int, default=10, help="distinct offers")
    parser.add_argument("--requests", type=int, default=6, help="timed requests per offer")
    parser.add_argument("--warmup", type=int, default=2, help="untimed requests per offer first")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--target-ms", type=float, default=100.0)
    parser.add_argument("--profile", action="store_true", help="also cProfile one request in process")
    parser.add_argument("--label", default="")
    parser.add_argument("--app", default="admin:create_app()",
                        help='app factory, "module:factory()" (modules in bench/ or the project)')
    args = parser.parse_args(argv)
    url = normalise_url(args.database_url)
    engine = "sqlite" if url.startswith("sqlite") else "postgresql"
    os.environ.pop("DATABASE_URL", None)

    from housing import accounts
    import models as m

    module_name, _, factory = args.app.partition(":")
    create_app = getattr(__import__(module_name, fromlist=["_"]), factory.replace("()", "").strip())
    app = create_app({"SECRET_KEY": secrets.token_hex(32), "DATABASE_URL": url, "SESSION_COOKIE_SECURE": False,
                      "ENV": "production"})
    database = app.extensions["database"]
    username, password = f"bench-{secrets.token_hex(4)}", accounts.random_password()
    with database.connection_context():
        accounts.create_user(username, "admin", password, full_name="Benchmark")
        offers = pick_offers(args.offers)
        waiting = m.Household.select().where(m.Household.status.in_(("assessed", "waiting", "matched"))).count()
        people = m.Person.select().count()
        open_offers = m.Offer.select().where(m.Offer.status == "published").count()
    log(f"engine {engine}, {redact(url)}: {waiting:,} candidate households, {people:,} people, "
        f"{open_offers:,} published offers; offers timed: {offers}")

    def cleanup_user():
        with database.connection_context():
            m.LoginAttempt.delete().where(m.LoginAttempt.username == username).execute()
            m.User.delete().where(m.User.username == username).execute()

    os.makedirs(os.path.join(HERE, "var"), exist_ok=True)
    server = Server(url, args.workers, os.path.join(HERE, "var", f"gunicorn-matching-{engine}.log"), app=args.app)
    atexit.register(cleanup_user)
    atexit.register(server.stop)
    rows, load_before = [], os.getloadavg()
    try:
        server.start()
        client = Client("127.0.0.1", server.port)
        login(client, username, password)
        for offer_id in offers:
            path = f"/admin/matching/offer/{offer_id}"
            for _ in range(args.warmup):
                client.get(path)
            times, status, body = [], None, b""
            for _ in range(args.requests):
                status, _, body, elapsed = client.get(path)
                times.append(elapsed * 1000)
            text = body.decode("utf-8", "replace")
            rows.append({"offer": offer_id, "status": status, "times_ms": times, "bytes": len(body),
                         "ranked_rows_shown": len(RANKED_ROW.findall(text))})
            log(f"offer {offer_id:>6}: status {status}, median {sorted(times)[len(times) // 2]:7.1f} ms, "
                f"{len(body) / 1024:.0f} KiB")
    finally:
        server.stop()
    load_after = os.getloadavg()
    every = sorted(t for r in rows for t in r["times_ms"])
    summary = {"requests": len(every), "p50_ms": percentile(every, 50), "p95_ms": percentile(every, 95),
               "max_ms": every[-1] if every else None, "non_200": sum(r["status"] != 200 for r in rows)}
    log(f"\nshortlist screen over HTTP ({args.app}), {engine}, gunicorn {args.workers} sync workers, {len(offers)} offers x "
        f"{args.requests} requests: p50 {summary['p50_ms']:.1f} ms, p95 {summary['p95_ms']:.1f} ms, "
        f"max {summary['max_ms']:.1f} ms (target p95 <= {args.target_ms:.0f} ms: "
        f"{'met' if summary['p95_ms'] <= args.target_ms else 'NOT met'}); load average {load_before[0]:.1f} before, "
        f"{load_after[0]:.1f} after")
    if args.profile:
        profile(app, username, password, offers[0])
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    out = os.path.join(HERE, "results", f"matching-http-{engine}{('-' + args.label) if args.label else ''}.json")
    with open(out, "w") as fh:
        json.dump({"engine": engine, "database_url": redact(url), "when": datetime.datetime.now().isoformat(timespec="seconds"),
                   "cpus": os.cpu_count(), "load_average_before": load_before, "load_average_after": load_after,
                   "candidate_households": waiting, "people": people, "published_offers": open_offers,
                   "app": args.app, "workers": args.workers, "summary": summary, "offers": rows}, fh, indent=2)
    log(f"results written to {out}")
    return 0 if summary["p95_ms"] <= args.target_ms and not summary["non_200"] else 1


if __name__ == "__main__":
    sys.exit(main())
