"""Latency of the back office's big registries, through HTTP, logged in.

    python bench/http_bench.py --database-url sqlite:///bench/var/bench.db [--requests 60]

1. Creates a throw-away admin account directly in the database (random
   password; deleted at the end).
2. Starts gunicorn (2 sync workers) on a free loopback port with a random
   HOUSING_SECRET_KEY, waits for it and logs in over HTTP (GET /auth/login,
   CSRF token, POST).
3. For each big registry (dwelling, household, audit_log, offer, person)
   times the first list page, a filtered page, a search, a deep page
   (?page=500), the edit form (audit_log: details, it is read-only) and the
   edit form's ajax lookup where there is one; plus the dashboard. Each
   page: --warmup requests, then --requests timed requests, one at a time.
4. Prints p50/p95/max (ms) and flags p95 > --target-ms.
5. SQL audit, in process (Flask test client, same database): records every
   statement each page runs (count, total time, slowest statement and its
   plan) and every COUNT( statement, classified as bounded (LIMIT), filtered
   (WHERE but no LIMIT) or unbounded; on PostgreSQL each COUNT is also
   EXPLAIN ANALYZEd.
6. Writes everything to bench/results/http-<engine>.json.

Only loopback; every loop is bounded; gunicorn is stopped on exit and on errors.
"""
import argparse
import atexit
import datetime
import http.client
import json
import math
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from http.cookies import SimpleCookie
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
ROW_MARK = 'class="list-buttons-column"'
USER_AGENT = "housing-bench/1"
REGISTRIES = ("dwelling", "household", "audit_log", "offer", "person")
# Preferred filter per registry: (column name, value); the value falls back to
# one found in the data when the preferred one has no row. "link.field" names a
# field of a linked registry (a home's district is filtered by the district's name).
FILTERS = {
    "dwelling": ("district.name", "Librino"),
    "household": ("status", "waiting"),
    "audit_log": ("entity", "household"),
    "offer": ("status", "published"),
    "person": ("citizenship", "Romania"),
}
# Registries without a search box: the lookup is done with this equals filter.
LOOKUP_FILTERS = {"audit_log": "record_id"}
# Lookup typed in the edit form's ajax select: (view, ajax field, term)
AJAX = {
    "dwelling": ("landlord", "Russo"),
    "offer": ("dwelling", "Etnea"),
    "person": ("household", "NF-2024-01"),
}


def log(msg=""):
    print(msg, flush=True)


def normalise_url(url):
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        url = "sqlite:///" + os.path.abspath(url[len("sqlite:///"):])
    return url


def redact(url):
    parts = urlsplit(url)
    if not parts.password:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.replace(":" + parts.password + "@", ":***@")))


def percentile(sorted_values, q):
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(q / 100.0 * len(sorted_values)))
    return sorted_values[rank - 1]


# -- HTTP client: stdlib, one connection per request, tiny cookie jar ----------------------

class Client:
    def __init__(self, host, port, timeout=60):
        self.host, self.port, self.timeout = host, port, timeout
        self.cookies = {}

    def request(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        hdrs = {"User-Agent": USER_AGENT, "Accept": "text/html"}
        if self.cookies:
            hdrs["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if headers:
            hdrs.update(headers)
        try:
            start = time.perf_counter()
            conn.request(method, path, body=body, headers=hdrs)
            resp = conn.getresponse()
            data = resp.read()
            elapsed = time.perf_counter() - start
        finally:
            conn.close()
        for header in resp.headers.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(header)
            for key, morsel in jar.items():
                if morsel["max-age"] == "0" or (morsel["expires"] and "1970" in morsel["expires"]):
                    self.cookies.pop(key, None)
                else:
                    self.cookies[key] = morsel.value
        return resp.status, resp.headers, data, elapsed

    def get(self, path):
        return self.request("GET", path)

    def post_form(self, path, fields):
        body = urlencode(fields)
        return self.request("POST", path, body=body, headers={"Content-Type": "application/x-www-form-urlencoded"})


def login(client, username, password):
    status, _, body, _ = client.get("/auth/login")
    match = TOKEN.search(body.decode("utf-8", "replace"))
    if status != 200 or not match:
        raise RuntimeError(f"GET /auth/login: status {status}, no CSRF token")
    status, headers, body, _ = client.post_form("/auth/login", {
        "username": username, "password": password, "csrf_token": match.group(1)})
    if status != 302:
        raise RuntimeError(f"login failed: status {status}: {body[:300]!r}")
    status, _, _, _ = client.get("/admin/dwelling/")
    if status != 200:
        raise RuntimeError(f"logged in but /admin/dwelling/ answers {status}")


# -- gunicorn ----------------------------------------------------------------------------

def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, url, workers, log_path, threads=1, app="admin:create_app()"):
        self.url, self.workers, self.threads, self.log_path, self.app = url, workers, threads, log_path, app
        self.proc = None
        self.port = None

    def start(self, timeout=90):
        self.port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("HOUSING_") and k != "DATABASE_URL"}
        env.update(HOUSING_SECRET_KEY=secrets.token_hex(32), HOUSING_DATABASE_URL=self.url,
                   HOUSING_SESSION_COOKIE_SECURE="false")
        cmd = [os.path.join(ROOT, ".venv", "bin", "gunicorn"), "--bind", f"127.0.0.1:{self.port}",
               "--workers", str(self.workers), "--timeout", "120", "--pythonpath", f"{ROOT},{HERE}", self.app]
        if self.threads > 1:
            cmd[-1:-1] = ["--threads", str(self.threads)]
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        log(f"gunicorn pid {self.proc.pid} on 127.0.0.1:{self.port} (log {self.log_path})")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}; see {self.log_path}:\n" + self.tail())
            try:
                status, _, _, _ = Client("127.0.0.1", self.port, timeout=5).get("/auth/login")
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.25)
        raise RuntimeError("gunicorn did not answer in time:\n" + self.tail())

    def tail(self, n=30):
        try:
            with open(self.log_path) as fh:
                return "".join(fh.readlines()[-n:])
        except OSError:
            return ""

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()  # gunicorn's arbiter stops its workers on SIGTERM
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        log(f"gunicorn pid {self.proc.pid} stopped")
        self._log.close()


# -- what to request -------------------------------------------------------------------------

def find_view(app, endpoint):
    for view in app.extensions["housing_admin"]._views:
        if getattr(view, "endpoint", None) == endpoint:
            return view
    raise LookupError(endpoint)


def equal_filter_arg(view, field):
    """The URL argument (``flt0_<arg>``) of the 'equals' filter on a model field."""
    from flask_admin.contrib.peewee.filters import FilterEqual

    for arg, (_, flt) in (view._filter_args or {}).items():
        column = flt.column
        if isinstance(flt, FilterEqual) and getattr(column, "name", None) == field.name \
                and getattr(column, "model", None) is field.model:
            return arg
    raise LookupError(f"no equals filter on {view.endpoint}.{field.model.__name__}.{field.name}")


def filter_field(model, column):
    """(query over ``model`` joining what the field needs, the field) of a FILTERS column."""
    if "." not in column:
        return model.select(), getattr(model, column)
    link, name = column.split(".")
    related = getattr(model, link).rel_model
    return model.select().join(related), getattr(related, name)


def middle_row(model):
    """A row from the middle of the table (by id)."""
    from peewee import fn

    lo, hi = model.select(fn.MIN(model.id), fn.MAX(model.id)).tuples().get()
    if lo is None:
        raise RuntimeError(f"{model.__name__} is empty: run bench/generate.py first")
    return model.select().where(model.id >= (lo + hi) // 2).order_by(model.id).limit(1).get()


def search_term(registry, row):
    if registry == "dwelling":
        return row.address                          # "Via Etnea 120": a home looked up by address
    if registry == "household":
        return row.code                             # a household looked up by its code
    if registry == "person":
        return row.tax_code                         # a person looked up by tax code
    if registry == "audit_log":
        return row.record_id                        # the trail of one record id
    if registry == "offer":
        return " ".join((row.public_description or "Trilocale").split()[:3])
    raise LookupError(registry)


def build_plan(app):
    from admin import roles
    import models as m

    models = {"dwelling": m.Dwelling, "household": m.Household, "audit_log": m.AuditLog, "offer": m.Offer, "person": m.Person}
    plan = [("dashboard", "dashboard", "/admin/")]
    for registry in REGISTRIES:
        view = find_view(app, registry)
        model = models[registry]
        base = f"/admin/{registry}/"
        plan.append((registry, "list", base))
        column, value = FILTERS[registry]
        query, field = filter_field(model, column)
        if not query.where(field == value).exists():
            value = query.select(field).where(field.is_null(False)).limit(1).scalar()
        arg = equal_filter_arg(view, field)
        plan.append((registry, f"filter {column}={value}", base + "?" + urlencode({f"flt0_{arg}": value})))
        row = middle_row(model)
        term = search_term(registry, row)
        if view._search_supported:
            plan.append((registry, f"search '{term}'", base + "?" + urlencode({"search": term})))
        elif registry in LOOKUP_FILTERS:
            # no search box (e.g. the audit log offers exact, indexed filters instead): the same lookup, filtered
            column = LOOKUP_FILTERS[registry]
            arg = equal_filter_arg(view, getattr(model, column))
            plan.append((registry, f"lookup {column}={term} (filter)", base + "?" + urlencode({f"flt0_{arg}": term})))
        plan.append((registry, "page 500", base + "?page=500"))
        if roles.access("admin", view.registry) >= roles.EDIT:
            plan.append((registry, "edit form", f"{base}edit/?id={row.id}"))
        else:
            plan.append((registry, "details (read-only)", f"{base}details/?id={row.id}"))
        if registry == "household":
            # The edit form checks every member's tax code: the biggest household is the worst case.
            from peewee import fn

            biggest, members = (m.Person.select(m.Person.household, fn.COUNT(m.Person.id))
                                .group_by(m.Person.household).order_by(fn.COUNT(m.Person.id).desc(), m.Person.household)
                                .limit(1).tuples().get())
            plan.append((registry, f"edit form ({members} members)", f"{base}edit/?id={biggest}"))
        if registry in AJAX:
            name, term = AJAX[registry]
            plan.append((registry, f"ajax {name} '{term}'",
                         f"{base}ajax/lookup/?" + urlencode({"name": name, "query": term})))
    return plan


def describe(kind, body):
    text = body.decode("utf-8", "replace")
    if kind.startswith("ajax"):
        try:
            return f"{len(json.loads(text))} items"
        except ValueError:
            return "not JSON"
    if kind.startswith(("list", "filter", "search", "page")):
        return f"{text.count(ROW_MARK)} rows"
    if kind.startswith(("edit", "details")):
        return "form" if "<form" in text else "no form"
    return ""


# -- timing ---------------------------------------------------------------------------------------

def measure(client, plan, warmup, requests, target_ms):
    results = []
    for registry, kind, path in plan:
        for _ in range(warmup):
            client.get(path)
        times, statuses, sizes, note = [], set(), 0, ""
        for i in range(requests):
            status, _, body, elapsed = client.get(path)
            statuses.add(status)
            times.append(elapsed * 1000)
            if i == 0:
                note, sizes = describe(kind, body), len(body)
        times.sort()
        res = {
            "registry": registry, "page": kind, "path": path, "n": len(times),
            "p50_ms": round(percentile(times, 50), 1), "p95_ms": round(percentile(times, 95), 1),
            "max_ms": round(times[-1], 1), "mean_ms": round(sum(times) / len(times), 1),
            "status": sorted(statuses), "bytes": sizes, "content": note,
        }
        res["over_target"] = res["p95_ms"] > target_ms or statuses != {200}
        results.append(res)
        flag = "  <-- OVER" if res["over_target"] else ""
        log(f"  {registry:<10} {kind[:38]:<38} p50 {res['p50_ms']:>7.1f}  p95 {res['p95_ms']:>7.1f}  "
            f"max {res['max_ms']:>7.1f}  {res['status']} {note}{flag}")
    return results


def print_table(results, target_ms, title):
    log(f"\n{title}")
    log(f"{'registry':<10} {'page':<40} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}  status  content")
    log("-" * 100)
    for r in results:
        flag = f"  ** p95 > {target_ms:g} ms" if r["p95_ms"] > target_ms else ""
        if r["status"] != [200]:
            flag += "  ** non-200"
        log(f"{r['registry']:<10} {r['page'][:40]:<40} {r['p50_ms']:>8.1f} {r['p95_ms']:>8.1f} {r['max_ms']:>8.1f}"
            f"  {','.join(map(str, r['status'])):<6}  {r['content']}{flag}")
    over = [r for r in results if r["over_target"]]
    log(f"\n{len(results) - len(over)}/{len(results)} pages within p95 <= {target_ms:g} ms")


# -- SQL audit, in process -----------------------------------------------------------------------

OUTER_LIMIT = re.compile(r"\s+LIMIT\s+(\?|%s|\d+)(\s+OFFSET\s+(\?|%s|\d+))?\s*$", re.IGNORECASE)


def classify_count(sql):
    """How much a COUNT statement may read.

    A LIMIT only bounds the work when it sits inside the counted subquery
    (``SELECT COUNT(1) FROM (SELECT ... LIMIT n)``); a LIMIT on the outer
    statement limits the one result row, not the rows counted.
    """
    upper = " ".join(sql.upper().split())
    inner = OUTER_LIMIT.sub("", upper)
    if " LIMIT " in inner:
        return "bounded (LIMIT inside)"
    if " WHERE " in inner:
        return "filtered (WHERE, no LIMIT)"
    if " GROUP BY " in inner:
        return "UNBOUNDED (whole table, GROUP BY)"
    return "UNBOUNDED (whole table)"


def plan_of(database, sql, params, postgres, analyze=False):
    try:
        if postgres:
            prefix = "EXPLAIN (ANALYZE, FORMAT JSON) " if analyze else "EXPLAIN "
            rows = database.execute_sql(prefix + sql, params).fetchall()
            if analyze:
                doc = rows[0][0]
                doc = json.loads(doc) if isinstance(doc, str) else doc
                top = doc[0]
                nodes = []

                def walk(node):
                    if "Relation Name" in node or "Scan" in node["Node Type"]:
                        nodes.append(f"{node['Node Type']} on {node.get('Relation Name', '?')}"
                                     f" ({node.get('Actual Rows')} rows x{node.get('Actual Loops')})")
                    for child in node.get("Plans", []):
                        walk(child)

                walk(top["Plan"])
                return {"execution_ms": top.get("Execution Time"), "scans": nodes}
            return [r[0] for r in rows]
        rows = database.execute_sql("EXPLAIN QUERY PLAN " + sql, params).fetchall()
        return [r[-1] for r in rows]
    except Exception as error:  # noqa: BLE001 - a plan is a diagnostic, never fatal
        return [f"(no plan: {error})"]


def sql_audit(app, plan, username, password, postgres, keep_all=False, analyze_all=False):
    database = app.extensions["database"]
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = USER_AGENT
    records = []
    original = database.execute_sql

    class TimedCursor:
        """Adds the time spent fetching rows to the statement's time: SQLite
        runs a query step by step while its rows are fetched."""

        def __init__(self, cursor, slot):
            self._cursor, self._slot = cursor, slot

        def _timed(self, name, *args):
            start = time.perf_counter()
            try:
                return getattr(self._cursor, name)(*args)
            finally:
                self._slot[2] += (time.perf_counter() - start) * 1000

        def fetchone(self):
            return self._timed("fetchone")

        def fetchmany(self, *args):
            return self._timed("fetchmany", *args)

        def fetchall(self):
            return self._timed("fetchall")

        def __iter__(self):
            return iter(self.fetchone, None)

        def __getattr__(self, name):
            return getattr(self._cursor, name)

    def traced(sql, params=None, *args, **kwargs):
        slot = [sql, params, 0.0]
        records.append(slot)
        start = time.perf_counter()
        try:
            cursor = original(sql, params, *args, **kwargs)
        finally:
            slot[2] += (time.perf_counter() - start) * 1000
        return TimedCursor(cursor, slot)

    def log_in():
        page = client.get("/auth/login")
        token = TOKEN.search(page.get_data(as_text=True)).group(1)
        resp = client.post("/auth/login", data={"username": username, "password": password, "csrf_token": token})
        if resp.status_code != 302:
            raise RuntimeError(f"in-process login failed: {resp.status_code}")
        return resp

    report = []
    for registry, kind, path in [("login", "POST /auth/login", None)] + list(plan):
        if path is not None:
            client.get(path)                     # warm caches, then record one request
        database.execute_sql = traced
        records.clear()
        start = time.perf_counter()
        try:
            resp = client.get(path) if path is not None else log_in()
        finally:
            database.execute_sql = original
        elapsed = (time.perf_counter() - start) * 1000
        statements = list(records)
        counts = []
        for sql, params, ms in statements:
            if "COUNT(" in sql.upper():
                entry = {"sql": sql, "params": [str(p) for p in (params or [])], "ms": round(ms, 2),
                         "class": classify_count(sql)}
                if postgres:
                    database.connect(reuse_if_open=True)
                    entry["explain_analyze"] = plan_of(database, sql, params, True, analyze=True)
                counts.append(entry)
        slowest = max(statements, key=lambda s: s[2]) if statements else None
        item = {
            "registry": registry, "page": kind, "path": path or "/auth/login", "status": resp.status_code,
            "request_ms_in_process": round(elapsed, 1), "statements": len(statements),
            "sql_ms_total": round(sum(s[2] for s in statements), 1), "counts": counts,
        }
        if slowest:
            database.connect(reuse_if_open=True)
            item["slowest"] = {"sql": slowest[0], "params": [str(p) for p in (slowest[1] or [])],
                               "ms": round(slowest[2], 2), "plan": plan_of(database, slowest[0], slowest[1], postgres)}
        if keep_all:
            database.connect(reuse_if_open=True)
            item["all"] = [{"sql": sql, "params": [str(p) for p in (params or [])], "ms": round(ms, 2),
                            "plan": plan_of(database, sql, params, postgres, analyze=analyze_all)}
                           for sql, params, ms in statements]
        if not database.is_closed():
            database.close()
        report.append(item)
    return report


def print_sql_report(report):
    log("\nSQL per page (in process, one request after a warm-up; Flask test client)")
    log(f"{'registry':<10} {'page':<40} {'stmts':>5} {'sql ms':>8} {'req ms':>8}  slowest statement")
    log("-" * 100)
    for item in report:
        slow = item.get("slowest") or {}
        log(f"{item['registry']:<10} {item['page'][:40]:<40} {item['statements']:>5} {item['sql_ms_total']:>8.1f}"
            f" {item['request_ms_in_process']:>8.1f}  {slow.get('ms', 0):.1f} ms: {' '.join(slow.get('sql', '').split())[:90]}")
    log("\nCOUNT( statements seen")
    seen = 0
    for item in report:
        for c in item["counts"]:
            seen += 1
            sql = " ".join(c["sql"].split())
            log(f"  [{c['class']}] {item['registry']} / {item['page']}: {c['ms']:.1f} ms")
            log(f"      {sql[:300]}{'...' if len(sql) > 300 else ''}")
            if "explain_analyze" in c and isinstance(c["explain_analyze"], dict):
                ea = c["explain_analyze"]
                log(f"      EXPLAIN ANALYZE: {ea.get('execution_ms')} ms; {'; '.join(ea.get('scans', []))}")
    if not seen:
        log("  none")
    unbounded = [(i["registry"], i["page"]) for i in report for c in i["counts"] if c["class"].startswith("UNBOUNDED")]
    log(f"\nUnbounded COUNTs: {len(unbounded)}" + (f" on {sorted(set(unbounded))}" if unbounded else ""))


# -- main -----------------------------------------------------------------------------------------

def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--requests", type=int, default=60, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=5, help="untimed requests per page first")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1, help="gunicorn --threads (1: sync workers)")
    parser.add_argument("--target-ms", type=float, default=100.0)
    parser.add_argument("--only", default="", help="comma-separated registries to measure (default: all)")
    parser.add_argument("--no-sql-audit", action="store_true")
    parser.add_argument("--no-migrate", action="store_true",
                        help="do not apply pending migrations to the database first")
    parser.add_argument("--label", default="", help="suffix of the results file name")
    parser.add_argument("--app", default="admin:create_app()",
                        help="WSGI app factory for gunicorn and the SQL audit (modules in bench/ are importable)")
    args = parser.parse_args(argv)
    args.requests = max(1, min(args.requests, 10_000))
    args.warmup = max(0, min(args.warmup, 1_000))

    url = normalise_url(args.database_url)
    postgres = url.startswith(("postgres", "postgresql"))
    engine = "postgresql" if postgres else "sqlite"
    os.environ.pop("DATABASE_URL", None)

    from housing import accounts
    import models as m

    sys.path.insert(0, HERE)
    module_name, _, factory = args.app.partition(":")
    create_app = getattr(__import__(module_name, fromlist=["_"]), factory.replace("()", "").strip())
    app = create_app({"SECRET_KEY": secrets.token_hex(32), "DATABASE_URL": url, "SESSION_COOKIE_SECURE": False,
                      "ENV": "production"})
    database = app.extensions["database"]
    if not args.no_migrate:
        from housing import schema

        with database.connection_context():
            applied = schema.upgrade(database)   # the models may be newer than the benchmark database
        if applied:
            log(f"applied pending migrations: {applied}")
    username = f"bench-{secrets.token_hex(4)}"
    password = accounts.random_password()
    with database.connection_context():
        accounts.create_user(username, "admin", password, full_name="Benchmark")
        plan = build_plan(app)
        sizes = {name: model.select().count() for name, model in (
            ("dwelling", m.Dwelling), ("household", m.Household), ("person", m.Person),
            ("offer", m.Offer), ("audit_log", m.AuditLog), ("landlord", m.Landlord))}
    if args.only:
        wanted = set(args.only.split(","))
        plan = [p for p in plan if p[0] in wanted]
    log(f"engine {engine}, {redact(url)}; rows: {sizes}")

    def cleanup_user():
        try:
            with database.connection_context():
                m.LoginAttempt.delete().where(m.LoginAttempt.username == username).execute()
                m.User.delete().where(m.User.username == username).execute()
        except Exception as error:  # noqa: BLE001
            log(f"could not delete the account {username}: {error}")

    os.makedirs(os.path.join(HERE, "var"), exist_ok=True)
    server = Server(url, args.workers, os.path.join(HERE, "var", f"gunicorn-{engine}.log"), args.threads, args.app)
    atexit.register(server.stop)
    atexit.register(cleanup_user)

    def on_signal(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    results, report = [], []
    load_before = os.getloadavg()
    try:
        server.start()
        client = Client("127.0.0.1", server.port)
        login(client, username, password)
        log(f"logged in as {username}; {args.warmup} warm-up + {args.requests} timed requests per page\n")
        results = measure(client, plan, args.warmup, args.requests, args.target_ms)
    finally:
        server.stop()
    load_after = os.getloadavg()
    print_table(results, args.target_ms,
                f"HTTP latency, {engine}, gunicorn {args.workers} worker(s) x {args.threads} thread(s), "
                f"{os.cpu_count()} CPUs, n={args.requests}; load average {load_before[0]:.1f} before, "
                f"{load_after[0]:.1f} after (other processes share the CPUs)")
    if not args.no_sql_audit:
        report = sql_audit(app, plan, username, password, postgres)
        print_sql_report(report)

    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    out = os.path.join(HERE, "results", f"http-{engine}{('-' + args.label) if args.label else ''}.json")
    with open(out, "w") as fh:
        json.dump({
            "engine": engine, "database_url": redact(url), "when": datetime.datetime.now().isoformat(timespec="seconds"),
            "cpus": os.cpu_count(), "load_average_before": load_before, "load_average_after": load_after, "workers": args.workers, "threads": args.threads, "requests": args.requests,
            "warmup": args.warmup, "target_ms": args.target_ms, "app": args.app, "rows": sizes, "results": results, "sql": report,
        }, fh, indent=2, default=str)
    log(f"\nResults written to {out}")
    return 1 if any(r["over_target"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
