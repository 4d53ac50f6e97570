#!/usr/bin/env python
"""Load of the back office: concurrent logged-in staff sessions, with and without the publisher.

    .venv/bin/python bench/load_sessions.py [--engines sqlite,postgresql] [--seconds 60] [--sessions 50]
                                            [--publisher both|no|yes] [--offers 10000] [--workers 4]

For each engine:

1. A fresh database (SQLite: a temporary file; PostgreSQL: a database of our own,
   ``housing_load_<random>``, created on ``--pg-admin-url``'s server and dropped at
   the end), migrated, loaded with the demo data (``housing.demo.seed``, as
   ``flask --app admin seed-demo``) and topped up to ``--offers`` published offers
   with ``bench/site_build.py``'s generator, so that the publisher has a
   10,000-offer site to build from the same database.
2. ``--sessions`` staff accounts (``housing.accounts.create_user``), split over the
   roles by ``--roles`` (default admin 5, operator 20, clerk 15, viewer 10).
3. gunicorn on a free loopback port (``bench/http_bench.py``'s ``Server``: sync
   workers, random ``HOUSING_SECRET_KEY``, ``HOUSING_SESSION_COOKIE_SECURE=false``),
   every session logged in over HTTP (``http_bench.login``).
4. Each session runs in its own thread with its own cookie jar (``http_bench.Client``,
   one connection per request like gunicorn's sync workers) and waits ``--think``
   seconds (1 s) between two requests. It picks an action by role: a list page, a
   later list page, a search, a filtered list, a record's details, the dashboard,
   or an edit (editing roles only): GET the edit form, think, POST it back as a
   browser would (every control of the form, CSRF token and hidden ``version``
   fields included) with one field changed to a marker unique to that save, and
   follow the redirect. A POST answered 200 with the optimistic-locking message
   ("Mentre modificavi...") is a *conflict*: the user re-submits the form that
   came back (now at the stored version) half of the time. Edits go to a hot set
   of ``--hot-records`` records per registry so that concurrent saves of the same
   record do happen.
5. Phases, back to back, sessions running throughout: ``--warmup`` seconds (not
   reported), ``--seconds`` without the publisher, then ``--seconds`` with the
   publisher (``jobs.py --once publish`` in a subprocess on the same database,
   each run into a fresh ``HOUSING_SITE_ROOT`` so each one is a full build;
   restarted whenever it finishes within the window, stopped at its end).
6. After the load: lost-save check (for every edited record, the number of saves
   answered 302 must equal its version's growth, and the stored marker must be one
   of those saves'), errors (5xx, connection errors, unexpected statuses, saves
   refused for another reason than a conflict), tracebacks and worker timeouts in
   gunicorn's log.

Reported per phase: requests, errors, conflicts, p50/p95/p99 per request kind and
overall, the load average (``os.getloadavg()``) at start and end (and its maximum),
and the publisher's runs; the p95 ratio with/without the publisher. Printed, and
written to ``bench/results/load-sessions.json``.

By default the server runs a snapshot of the committed code (``git archive HEAD``
into a temporary folder: other engineers' uncommitted edits of the working tree do
not leak into the figures, and the publisher writes its ``content/generated`` there);
``--code worktree`` serves the working tree as it is. Only loopback; every loop
is bounded in time; gunicorn, the publisher and the databases are cleaned up on exit.
"""
import argparse
import datetime
import html
import html.parser
import http.client
import importlib.util
import json
import os
import random
import resource
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from urllib.parse import urlencode, urlsplit

HERE = os.path.dirname(os.path.abspath(__file__))
MAIN_ROOT = os.path.dirname(HERE)
RESULTS = os.path.join(HERE, "results", "load-sessions.json")
VAR = os.path.join(HERE, "var")

DEFAULT_ROLES = "admin=5,operator=20,clerk=15,viewer=10"
# What each role reads (registry: weight), and what it edits.
READS = {
    "admin": {"dwelling": 3, "offer": 3, "household": 3, "landlord": 1, "partner": 1, "person": 1, "audit_log": 1},
    "operator": {"household": 5, "person": 2, "dwelling": 2, "offer": 2, "contact_log": 1, "support_plan": 1},
    "clerk": {"dwelling": 4, "offer": 4, "landlord": 2, "partner": 1, "incentive": 1},
    "viewer": {"dwelling": 3, "offer": 3, "partner": 2, "household_summary": 1, "landlord_summary": 1},
}
EDITS = {"admin": ("household", "offer", "dwelling"), "operator": ("household",), "clerk": ("offer", "dwelling"),
         "viewer": ()}
# Action weights (a session's next action); "edit" is GET form + POST + redirect.
ACTIONS = {"list": 25, "page": 8, "search": 15, "filter": 10, "details": 15, "dashboard": 7, "edit": 20}
# The field each edit changes (to a marker unique to the save).
MARKED_FIELD = {"household": "notes", "dwelling": "notes", "offer": "public_description"}
MARKER = re.compile(r"\s*\(carico ([\w.-]+)\)\s*$")
# Equal filters per registry (column), beyond http_bench.FILTERS.
EXTRA_FILTERS = {"partner": "sector", "landlord": "kind", "household_summary": "status"}
# {registry: column of its "equals" filter}; "link.field" for a related record's field (a home's district name)
FILTERS = {"dwelling": "district.name", "household": "status", "offer": "status", "person": "citizenship",
           "audit_log": "entity", **EXTRA_FILTERS}
CONFLICT_TEXTS = ("Mentre modificavi", "While you were editing")
REFUSED_TEXTS = ("i dati sono cambiati nel frattempo", "the data changed meanwhile")
SAVE_FAILED_TEXTS = ("i dati sono in conflitto con altri record", "the data conflicts with other records")


def log(msg=""):
    print(msg, flush=True)


# -- code under test ---------------------------------------------------------------------------

def prepare_code(mode, tmp):
    """The folder whose code is served: a snapshot of HEAD (default) or the working tree."""
    commit = subprocess.run(["git", "-C", MAIN_ROOT, "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", MAIN_ROOT, "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    info = {"mode": mode, "commit": commit, "working_tree_dirty": bool(dirty)}
    if mode == "worktree":
        return MAIN_ROOT, info
    root = os.path.join(tmp, "code")
    os.makedirs(root)
    archive = subprocess.Popen(["git", "-C", MAIN_ROOT, "archive", "--format=tar", commit], stdout=subprocess.PIPE)
    subprocess.run(["tar", "-x", "-C", root], stdin=archive.stdout, check=True)
    archive.stdout.close()
    if archive.wait() != 0:
        raise SystemExit("git archive failed")
    os.symlink(os.path.join(MAIN_ROOT, ".venv"), os.path.join(root, ".venv"))
    return root, info


def import_from(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


# -- an HTML form, as a browser would submit it -------------------------------------------------

class FormParser(html.parser.HTMLParser):
    """The successful controls of the back office's edit form (``form.admin-form``)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.in_form = False
        self.fields = []          # [(name, value)] in document order
        self._select = None       # [name, multiple, options [(value, selected)]]
        self._option = None       # [value or None, text, selected]
        self._textarea = None     # [name, text]

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.in_form = "admin-form" in (a.get("class") or "").split()
            return
        if not self.in_form:
            return
        name = a.get("name")
        if tag == "input" and name and "disabled" not in a:
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields.append((name, a.get("value") or "on"))
                return
            self.fields.append((name, a.get("value") or ""))
        elif tag == "select" and name and "disabled" not in a:
            self._select = [name, "multiple" in a, []]
        elif tag == "option" and self._select is not None:
            self._option = [a.get("value"), "", "selected" in a]
        elif tag == "textarea" and name and "disabled" not in a:
            self._textarea = [name, ""]

    def handle_data(self, data):
        if self._option is not None:
            self._option[1] += data
        if self._textarea is not None:
            self._textarea[1] += data

    def _close_option(self):
        if self._option is not None and self._select is not None:
            value, text, selected = self._option
            self._select[2].append((value if value is not None else text.strip(), selected))
        self._option = None

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False
        elif tag == "option":
            self._close_option()
        elif tag == "select" and self._select is not None:
            self._close_option()
            name, multiple, options = self._select
            chosen = [v for v, s in options if s]
            if not chosen and not multiple and options:
                chosen = [options[0][0]]
            self.fields.extend((name, v) for v in chosen)
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            name, text = self._textarea
            # HTML drops one newline right after <textarea>; WTForms writes "\r\n" there.
            if text.startswith("\r\n"):
                text = text[2:]
            elif text.startswith("\n"):
                text = text[1:]
            self.fields.append((name, text))
            self._textarea = None


def form_fields(page):
    parser = FormParser()
    parser.feed(page)
    parser.close()
    return parser.fields


def with_marker(fields, name, tag):
    """``fields`` with ``name`` set to its text without an old marker plus ``(carico <tag>)``."""
    out, found = [], False
    for key, value in fields:
        if key == name and not found:
            value = MARKER.sub("", value).rstrip() + f" (carico {tag})"
            found = True
        out.append((key, value))
    if not found:
        out.append((name, f"(carico {tag})"))
    return out


def flashed_errors(page):
    """The flashed messages and field errors of a page, as text (for a report)."""
    found = re.findall(r'<div class="alert[^"]*"[^>]*>(.*?)</div>', page, re.S)
    found += re.findall(r'class="(?:invalid-feedback|help-block)[^"]*"[^>]*>(.*?)</', page, re.S)
    texts = (" ".join(html.unescape(re.sub(r"<[^>]+>", " ", f)).replace("\u00d7", " ").split()) for f in found)
    return [t[:300] for t in texts if t][:10]


# -- the database ---------------------------------------------------------------------------------

def create_pg_database(admin_url, name):
    import psycopg2

    conn = psycopg2.connect(admin_url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    parts = urlsplit(admin_url)
    return parts._replace(path="/" + name).geturl()


def drop_pg_database(admin_url, name):
    import psycopg2

    conn = psycopg2.connect(admin_url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()


def prepare_database(url, engine, args, code_root, roles):
    """Migrate, seed the demo, top up the offers, create the staff accounts; return what the load needs."""
    from housing import accounts, demo, matches, schema
    from housing.database import bind

    site_build = import_from(os.path.join(code_root, "bench", "site_build.py"), "site_build")
    database = bind(url)
    database.connect()
    started = time.perf_counter()
    schema.upgrade(database)                  # flask --app admin migrate
    matches.ensure_settings()
    counts = demo.seed(scale=args.demo_scale)  # flask --app admin seed-demo
    rng = random.Random(args.seed)
    with database.atomic():
        added = site_build.top_up_offers(rng, args.offers)
        site_build.separate_partner_addresses()
    database.execute_sql("ANALYZE")
    if engine == "sqlite":
        database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    seeded = time.perf_counter() - started
    users = []
    for role, n in roles:
        for i in range(n):
            username = f"load-{role}-{i + 1:02d}"
            password = accounts.random_password()
            accounts.create_user(username, role, password, full_name=f"Carico {role} {i + 1}")
            users.append((username, role, password))
    pools = build_pools(rng, args.hot_records)
    database.close()
    return {"demo_counts": counts, "offers_added": added, "seed_seconds": round(seeded, 1)}, users, pools


def filter_field(model, column):
    """(query over ``model`` joining what the field needs, the field) of a FILTERS column."""
    if "." not in column:
        return model.select(), getattr(model, column)
    link, name = column.split(".")
    related = getattr(model, link).rel_model
    return model.select().join(related), getattr(related, name)


def build_pools(rng, hot):
    """URLs and terms the sessions draw from, read from the database."""
    import models as m

    models = {"dwelling": m.Dwelling, "offer": m.Offer, "household": m.Household, "landlord": m.Landlord,
              "partner": m.Partner, "person": m.Person, "audit_log": m.AuditLog, "contact_log": m.ContactLog,
              "support_plan": m.SupportPlan, "incentive": m.Incentive, "household_summary": m.Household,
              "landlord_summary": m.Landlord}

    def ids(model, n=300):
        found = [i for (i,) in model.select(model.id).order_by(model.id).tuples()]
        return rng.sample(found, min(n, len(found)))

    def words(values, n=2):
        return sorted({" ".join(v.split()[:n]) for v in values if v and v.strip()})

    streets = words([re.sub(r"\s*\d+\w*$", "", a) for (a,) in m.Dwelling.select(m.Dwelling.address).tuples()], 4)
    terms = {
        "dwelling": streets,
        "offer": words([d for (d,) in m.Offer.select(m.Offer.public_description).limit(2000).tuples()], 2),
        "household": [c for (c,) in m.Household.select(m.Household.code).tuples()],
        "household_summary": [c for (c,) in m.Household.select(m.Household.code).tuples()],
        "landlord": words([n for (n,) in m.Landlord.select(m.Landlord.name).tuples()], 1),
        "partner": words([n for (n,) in m.Partner.select(m.Partner.name).tuples()], 1),
        "person": sorted({n for (n,) in m.Person.select(m.Person.last_name).tuples()}),
    }
    pools = {"details": {name: ids(model) for name, model in models.items()},
             "terms": {k: rng.sample(v, min(200, len(v))) for k, v in terms.items() if v},
             "hot": {name: sorted(ids(models[name], hot)) for name in MARKED_FIELD},
             "filter_values": {}}
    for registry, column in FILTERS.items():
        query, field = filter_field(models[registry], column)
        values = [v for (v,) in query.select(field).where(field.is_null(False)).distinct().limit(50).tuples()]
        if values:
            pools["filter_values"][registry] = (column, [str(v) for v in values])
    return pools


def read_versions(url, hot):
    """{(registry, id): (version, marked field value)} of the hot records."""
    import models as m
    from housing.database import bind

    models = {"household": m.Household, "offer": m.Offer, "dwelling": m.Dwelling}
    database = bind(url)
    out = {}
    with database.connection_context():
        for registry, ids in hot.items():
            model = models[registry]
            field = getattr(model, MARKED_FIELD[registry])
            for rid, version, value in model.select(model.id, model.version, field).where(model.id.in_(ids)).tuples():
                out[(registry, rid)] = (version, value)
    return out


# -- the sessions ------------------------------------------------------------------------------------

class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.samples = []          # (phase, kind, registry, status, ms, outcome)
        self.failures = []         # details of errors and unexpected answers
        self.saves = []            # (registry, id, tag, outcome)
        self.phase = "login"

    def add(self, phase, kind, registry, status, ms, outcome="ok"):
        with self.lock:
            self.samples.append((phase, kind, registry, status, ms, outcome))

    def fail(self, **detail):
        with self.lock:
            if len(self.failures) < 200:
                self.failures.append(detail)


class Session(threading.Thread):
    def __init__(self, http_bench, port, user, role, password, pools, filter_args, args, recorder, stop, seed):
        super().__init__(daemon=True, name=f"session-{user}")
        self.hb, self.user, self.role, self.password = http_bench, user, role, password
        self.client = http_bench.Client("127.0.0.1", port, timeout=60)
        self.pools, self.filter_args, self.args, self.rec, self.stop = pools, filter_args, args, recorder, stop
        self.rng = random.Random(seed)
        self.saves = 0
        self.reads = READS[role]
        self.edits = EDITS[role]
        self.actions = {k: w for k, w in ACTIONS.items() if k != "edit" or self.edits}

    def login(self):
        self.hb.login(self.client, self.user, self.password)

    # one HTTP exchange, recorded ------------------------------------------------------------
    def call(self, kind, registry, method, path, fields=None):
        phase = self.rec.phase
        started = time.perf_counter()
        try:
            if method == "GET":
                status, headers, body, elapsed = self.client.get(path)
            else:
                status, headers, body, elapsed = self.client.post_form(path, fields)
        except (OSError, http.client.HTTPException) as error:  # refused, reset, timeout, truncated answer
            ms = (time.perf_counter() - started) * 1000
            self.rec.add(phase, kind, registry, 0, ms, "error")
            self.rec.fail(phase=phase, kind=kind, method=method, path=path, status=0, user=self.user,
                          error=f"{type(error).__name__}: {error}", at=now_iso())
            return None
        page = body.decode("utf-8", "replace")
        return phase, status, headers, page, elapsed * 1000

    def expect(self, result, kind, registry, method, path, ok=(200,)):
        if result is None:
            return None
        phase, status, headers, page, ms = result
        if status in ok:
            self.rec.add(phase, kind, registry, status, ms)
            return result
        self.rec.add(phase, kind, registry, status, ms, "error")
        self.rec.fail(phase=phase, kind=kind, method=method, path=path, status=status, user=self.user,
                      location=headers.get("Location"), body=page[:1500], at=now_iso())
        return None

    def get(self, kind, registry, path):
        return self.expect(self.call(kind, registry, "GET", path), kind, registry, "GET", path)

    def think(self):
        self.stop.wait(self.args.think)

    # actions ---------------------------------------------------------------------------------
    def pick(self, weights):
        keys = list(weights)
        return self.rng.choices(keys, [weights[k] for k in keys])[0]

    def run(self):
        try:
            while not self.stop.is_set():
                action = self.pick(self.actions)
                if action == "dashboard":
                    self.get("dashboard", "-", "/admin/")
                elif action == "edit":
                    self.edit(self.rng.choice(self.edits))
                else:
                    self.read(action, self.pick(self.reads))
                self.think()
        except Exception as error:  # noqa: BLE001 - a bug of the benchmark, never silent
            self.rec.fail(phase=self.rec.phase, kind="session crashed", user=self.user,
                          error=f"{type(error).__name__}: {error}", at=now_iso())
            raise

    def read(self, action, registry):
        base = f"/admin/{registry}/"
        terms = self.pools["terms"].get(registry)
        flt = self.filter_args.get(registry)
        if action == "search" and terms:
            self.get("search", registry, base + "?" + urlencode({"search": self.rng.choice(terms)}))
        elif action == "filter" and flt:
            arg, values = flt
            self.get("filter", registry, base + "?" + urlencode({f"flt0_{arg}": self.rng.choice(values)}))
        elif action == "details" and self.pools["details"].get(registry):
            self.get("details", registry, f"{base}details/?id={self.rng.choice(self.pools['details'][registry])}")
        elif action == "page":
            self.get("list page 2-5", registry, f"{base}?page={self.rng.randint(1, 4)}")
        else:
            self.get("list", registry, base)

    def edit(self, registry):
        rid = self.rng.choice(self.pools["hot"][registry])
        path = f"/admin/{registry}/edit/?id={rid}"
        opened = self.get("edit form", registry, path)
        if opened is None:
            return
        page = opened[3]
        for attempt in range(2):
            fields = form_fields(page)
            if not any(k == "version" for k, _ in fields) or not any(k == "csrf_token" for k, _ in fields):
                self.rec.fail(phase=self.rec.phase, kind="edit form", method="GET", path=path, status=200,
                              user=self.user, error="no version or csrf_token field in the form", at=now_iso())
                return
            self.think()
            if self.stop.is_set():
                return
            self.saves += 1
            tag = f"{self.user}.{self.saves}"
            kind = "save" if attempt == 0 else "save again"
            result = self.call(kind, registry, "POST", path, with_marker(fields, MARKED_FIELD[registry], tag))
            if result is None:
                self.record_save(registry, rid, tag, "error")
                return
            phase, status, headers, page, ms = result
            if status == 302:
                location = headers.get("Location") or ""
                if "/auth/login" in location:
                    self.rec.add(phase, kind, registry, status, ms, "error")
                    self.rec.fail(phase=phase, kind=kind, method="POST", path=path, status=status, user=self.user,
                                  location=location, error="redirected to the login", at=now_iso())
                    self.record_save(registry, rid, tag, "error")
                    return
                self.rec.add(phase, kind, registry, status, ms, "saved")
                self.record_save(registry, rid, tag, "saved")
                target = urlsplit(location)
                self.get("after save (redirect)", registry, target.path + ("?" + target.query if target.query else ""))
                return
            if status == 200 and any(t in page for t in CONFLICT_TEXTS):
                self.rec.add(phase, kind, registry, status, ms, "conflict")
                self.record_save(registry, rid, tag, "conflict")
                if attempt == 0 and self.rng.random() < 0.5:
                    continue  # look at the message, then save again over the newer version
                return
            outcome = "error"
            if status == 200:
                outcome = ("refused" if any(t in page for t in REFUSED_TEXTS) else
                           "save failed" if any(t in page for t in SAVE_FAILED_TEXTS) else "invalid")
            self.rec.add(phase, kind, registry, status, ms, outcome)
            self.record_save(registry, rid, tag, outcome)
            self.rec.fail(phase=phase, kind=kind, method="POST", path=path, status=status, user=self.user,
                          outcome=outcome, messages=flashed_errors(page), body=page[:1500] if status >= 500 else None,
                          at=now_iso())
            return

    def record_save(self, registry, rid, tag, outcome):
        with self.rec.lock:
            self.rec.saves.append((registry, rid, tag, outcome))


def now_iso():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds")


# -- CPU accounting from /proc -------------------------------------------------------------------------

CLK_TCK = os.sysconf("SC_CLK_TCK")


def session_cpu(sid):
    """CPU seconds of the live processes of session ``sid`` (gunicorn's or the publisher's,
    both started in a session of their own), children they have reaped included."""
    total = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid:   # field 6 of stat: the session id
            total += sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
    return total / CLK_TCK


def own_cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def machine_cpu():
    """(busy, total) CPU seconds of the whole machine since boot."""
    with open("/proc/stat") as fh:
        values = [int(x) for x in fh.readline().split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return (sum(values) - idle) / CLK_TCK, sum(values) / CLK_TCK


# -- the publisher beside the load ---------------------------------------------------------------------

class Publisher(threading.Thread):
    """``jobs.py --once publish`` again and again (each into a fresh site root) until stopped."""

    def __init__(self, code_root, url, work, log_path):
        super().__init__(daemon=True, name="publisher")
        self.code_root, self.url, self.work, self.log_path = code_root, url, work, log_path
        self.halt = threading.Event()
        self.runs = []
        self.proc = None

    def run(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("HOUSING_") and k != "DATABASE_URL"}
        env.update(HOUSING_DATABASE_URL=self.url, HOUSING_JOBS_LOCK=os.path.join(self.work, "jobs.lock"))
        python = os.path.join(self.code_root, ".venv", "bin", "python")
        with open(self.log_path, "a") as out:
            n = 0
            while not self.halt.is_set():
                n += 1
                env["HOUSING_SITE_ROOT"] = os.path.join(self.work, f"site-{n}")
                started = time.perf_counter()
                load = os.getloadavg()[0]
                self.proc = subprocess.Popen([python, "jobs.py", "--once", "publish"], cwd=self.code_root, env=env,
                                             stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
                cpu, tick = 0.0, 0
                while self.proc.poll() is None and not self.halt.is_set():
                    time.sleep(0.2)
                    tick += 1
                    if tick % 5 == 0:
                        cpu = max(cpu, session_cpu(self.proc.pid))
                stopped = self.proc.poll() is None
                if stopped:
                    cpu = max(cpu, session_cpu(self.proc.pid))
                if stopped:
                    self.kill()
                seconds = time.perf_counter() - started
                self.runs.append({"run": n, "seconds": round(seconds, 1), "load_at_start": round(load, 2),
                                  "cpu_seconds_seen": round(cpu, 1),
                                  "outcome": "stopped at the end of the window" if stopped else
                                  ("success" if self.proc.returncode == 0 else f"exit {self.proc.returncode}")})
                shutil.rmtree(env["HOUSING_SITE_ROOT"], ignore_errors=True)

    def kill(self):
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, signal.SIGTERM)  # its own session: the runner and its MkDocs children
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        except ProcessLookupError:
            pass

    def stop(self):
        self.halt.set()
        self.join(timeout=60)
        self.kill()


# -- report ------------------------------------------------------------------------------------------

def summarise(http_bench, samples, phase):
    rows = [s for s in samples if s[0] == phase]
    by_kind, by_pair = defaultdict(list), defaultdict(list)
    for _, kind, registry, _, ms, _ in rows:
        by_kind[kind].append(ms)
        by_pair[(kind, registry)].append(ms)

    def stats(values):
        values = sorted(values)
        if not values:
            return {"n": 0}
        return {"n": len(values), "p50_ms": round(http_bench.percentile(values, 50), 1),
                "p95_ms": round(http_bench.percentile(values, 95), 1),
                "p99_ms": round(http_bench.percentile(values, 99), 1), "max_ms": round(values[-1], 1)}

    outcomes = Counter(s[5] for s in rows)
    statuses = Counter(str(s[3]) for s in rows)
    return {
        "requests": len(rows),
        "errors": outcomes.get("error", 0),
        "conflicts": outcomes.get("conflict", 0),
        "saves": outcomes.get("saved", 0),
        "refused_other": outcomes.get("refused", 0) + outcomes.get("save failed", 0) + outcomes.get("invalid", 0),
        "outcomes": dict(outcomes), "statuses": dict(statuses),
        "overall": stats([s[4] for s in rows]),
        "by_kind": {kind: stats(v) for kind, v in sorted(by_kind.items())},
        "by_kind_and_registry": {f"{kind} {registry}": stats(v) for (kind, registry), v in sorted(by_pair.items())},
    }


def lost_saves(before, after, saves):
    """Records whose version did not grow by the number of saves answered 302, or whose value is no saved marker."""
    per_record = defaultdict(list)
    for registry, rid, tag, outcome in saves:
        per_record[(registry, rid)].append((tag, outcome))
    problems, checked = [], 0
    for key, attempts in per_record.items():
        saved = [tag for tag, outcome in attempts if outcome == "saved"]
        (v0, _), (v1, value) = before[key], after[key]
        checked += 1
        match = MARKER.search(value or "")
        stored = match.group(1) if match else None
        if v1 - v0 != len(saved) or (saved and stored not in saved) or (not saved and stored is not None and v1 != v0):
            problems.append({"record": f"{key[0]} {key[1]}", "version_before": v0, "version_after": v1,
                             "saves_answered_302": len(saved), "stored_marker": stored,
                             "attempts": Counter(o for _, o in attempts)})
    return {"records_edited": checked, "problems": problems}


TRACEBACK = re.compile(r"^Traceback \(most recent call last\):")


def scan_log(path):
    try:
        with open(path, errors="replace") as fh:
            lines = fh.read().splitlines()
    except OSError:
        return {}
    blocks, i = [], 0
    while i < len(lines):
        if TRACEBACK.match(lines[i]):
            start = max(0, i - 1)
            j = i + 1
            while j < len(lines) and (lines[j].startswith((" ", "\t")) or not lines[j].strip()):
                j += 1
            blocks.append("\n".join(lines[start:j + 1]))
            i = j + 1
        else:
            i += 1
    return {"tracebacks": len(blocks), "first_tracebacks": blocks[:5],
            "worker_timeouts": sum("WORKER TIMEOUT" in line for line in lines),
            "workers_booted": sum("Booting worker" in line for line in lines),
            "error_lines": sum(" ERROR " in line or "[ERROR]" in line for line in lines)}


def print_phase(name, s, load):
    log(f"\n  phase {name!r}: {s['requests']} requests, errors {s['errors']}, conflicts {s['conflicts']}, "
        f"saves {s['saves']}, other refused saves {s['refused_other']}; statuses {s['statuses']}")
    log(f"  load average (1 min) {load['start'][0]:.2f} at start, {load['end'][0]:.2f} at end, "
        f"max {load['max_1min']:.2f}; CPU seconds: gunicorn {s['cpu']['gunicorn_cpu_seconds']}, load generator "
        f"{s['cpu']['load_generator_cpu_seconds']}, publisher {s['cpu'].get('publisher_cpu_seconds_seen', 0)}, "
        f"rest (PostgreSQL, other work) {s['cpu']['rest_of_machine_cpu_seconds']}, whole machine busy "
        f"{s['cpu']['machine_busy_cpu_seconds']} of {s['cpu']['machine_cpu_seconds']}")
    log(f"  {'kind':<24} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for kind, st in list(s["by_kind"].items()) + [("OVERALL", s["overall"])]:
        if st["n"]:
            log(f"  {kind:<24} {st['n']:>6} {st['p50_ms']:>8.1f} {st['p95_ms']:>8.1f} {st['p99_ms']:>8.1f} "
                f"{st['max_ms']:>8.1f}")


def markdown(out):
    """The figures as Markdown tables, for bench/LOAD.md and the README."""
    log("\nMarkdown summary\n")
    log("| engine | phase | requests | errors | conflicts | saves | p50 ms | p95 ms | p99 ms | load avg start → end "
        "| CPU s: gunicorn / publisher / rest |")
    log("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |")
    for engine, res in out["engines"].items():
        for phase, s in res.get("phases", {}).items():
            o, la, c = s["overall"], s["load_average"], s.get("cpu", {})
            log(f"| {engine} | {phase} | {s['requests']} | {s['errors']} | {s['conflicts']} | {s['saves']} | "
                f"{o.get('p50_ms')} | {o.get('p95_ms')} | {o.get('p99_ms')} | {la['start'][0]:.2f} → {la['end'][0]:.2f} | "
                f"{c.get('gunicorn_cpu_seconds')} / {c.get('publisher_cpu_seconds_seen', 0)} / "
                f"{c.get('rest_of_machine_cpu_seconds')} |")
    kinds = sorted({k for res in out["engines"].values() for s in res.get("phases", {}).values() for k in s["by_kind"]})
    columns = [(engine, phase) for engine, res in out["engines"].items() for phase in res.get("phases", {})]
    log("\n| p95 ms | " + " | ".join(f"{e} {p}" for e, p in columns) + " |")
    log("| --- |" + " ---: |" * len(columns))
    for kind in kinds + ["OVERALL"]:
        cells = []
        for engine, phase in columns:
            s = out["engines"][engine]["phases"][phase]
            st = s["overall"] if kind == "OVERALL" else s["by_kind"].get(kind, {})
            cells.append(str(st.get("p95_ms", "-")))
        log(f"| {kind} | " + " | ".join(cells) + " |")
    for engine, res in out["engines"].items():
        if "p95_ratio_with_over_without" in res:
            log(f"\n{engine}: p95 with / without the publisher = {res['p95_ratio_with_over_without']}")


# -- one engine ----------------------------------------------------------------------------------------

def run_engine(engine, args, code_root, http_bench, tmp, roles):
    name = f"housing_load_{secrets.token_hex(4)}"
    if engine == "sqlite":
        url = "sqlite:///" + os.path.join(tmp, f"{name}.db")
    else:
        url = create_pg_database(args.pg_admin_url, name)
        log(f"created PostgreSQL database {name}")
    server = publisher = None
    stop = threading.Event()
    sessions = []
    os.makedirs(VAR, exist_ok=True)
    glog = os.path.join(VAR, f"load-sessions-gunicorn-{engine}.log")
    plog = os.path.join(VAR, f"load-sessions-publisher-{engine}.log")
    open(plog, "w").close()
    result = {"engine": engine, "database": http_bench.redact(url), "gunicorn_log": os.path.relpath(glog, MAIN_ROOT),
              "publisher_log": os.path.relpath(plog, MAIN_ROOT)}
    try:
        log(f"\n=== {engine}: seeding (demo scale {args.demo_scale}, {args.offers:,} published offers), "
            f"{sum(n for _, n in roles)} accounts ...")
        result["data"], users, pools = prepare_database(url, engine, args, code_root, roles)
        log(f"  seeded in {result['data']['seed_seconds']} s: {result['data']['demo_counts'].get('Household')} households, "
            f"+{result['data']['offers_added']} offers")
        # filter URL arguments, read from the app as http_bench does
        filter_args = filter_arguments(http_bench, url, pools)
        server = http_bench.Server(url, args.workers, glog, args.threads)
        server.start()
        recorder = Recorder()
        for i, (user, role, password) in enumerate(users):
            sessions.append(Session(http_bench, server.port, user, role, password, pools, filter_args, args,
                                    recorder, stop, args.seed * 1000 + i))
        t0 = time.perf_counter()
        errors = []

        def log_in(chunk):
            for s in chunk:
                try:
                    s.login()
                except Exception as error:  # noqa: BLE001
                    errors.append(f"{s.user}: {error}")
        chunks = [sessions[i::4] for i in range(4)]
        threads = [threading.Thread(target=log_in, args=(c,)) for c in chunks]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=300)
        if errors:
            raise RuntimeError("logins failed: " + "; ".join(errors[:5]))
        log(f"  {len(sessions)} sessions logged in over HTTP in {time.perf_counter() - t0:.1f} s "
            f"(gunicorn {args.workers} workers x {args.threads} thread(s) on 127.0.0.1:{server.port})")
        before = read_versions(url, pools["hot"])

        phases = [("warmup", args.warmup)]
        if args.publisher in ("no", "both"):
            phases.append(("without publisher", args.seconds))
        if args.publisher in ("yes", "both"):
            phases.append(("with publisher", args.seconds))
        if args.publisher_first:
            phases = [phases[0]] + phases[1:][::-1]
        recorder.phase = "warmup"
        for i, s in enumerate(sessions):
            s.start()
            time.sleep(args.think / len(sessions))  # spread the sessions over one think time
        loads, cpus = {}, {}
        for phase, seconds in phases:
            if phase == "with publisher":
                publisher = Publisher(code_root, url, tmp, plog)
                publisher.start()
            recorder.phase = phase
            start_load, peak, end = os.getloadavg(), 0.0, time.monotonic() + seconds
            cpu0, machine0, own0 = session_cpu(server.proc.pid), machine_cpu(), own_cpu()
            log(f"  {phase}: {seconds} s (load average {start_load[0]:.2f}) ...")
            while time.monotonic() < end:
                time.sleep(min(1.0, max(0.0, end - time.monotonic())))
                peak = max(peak, os.getloadavg()[0])
            loads[phase] = {"start": [round(x, 2) for x in start_load], "end": [round(x, 2) for x in os.getloadavg()],
                            "max_1min": round(peak, 2)}
            machine1 = machine_cpu()
            cpus[phase] = {"gunicorn_cpu_seconds": round(session_cpu(server.proc.pid) - cpu0, 1),
                           "load_generator_cpu_seconds": round(own_cpu() - own0, 1),
                           "machine_busy_cpu_seconds": round(machine1[0] - machine0[0], 1),
                           "machine_cpu_seconds": round(machine1[1] - machine0[1], 1)}
            if phase == "with publisher":
                recorder.phase = "after"
                publisher.stop()
        recorder.phase = "after"
        stop.set()
        for s in sessions:
            s.join(timeout=90)
        after = read_versions(url, pools["hot"])
        result["sessions"] = dict(Counter(s.role for s in sessions))
        result["phases"] = {}
        for phase, seconds in phases[1:]:
            summary = summarise(http_bench, recorder.samples, phase)
            summary["seconds"] = seconds
            summary["load_average"] = loads[phase]
            summary["cpu"] = cpus[phase]
            if phase == "with publisher":
                summary["publisher_runs"] = publisher.runs
                summary["cpu"]["publisher_cpu_seconds_seen"] = round(sum(r["cpu_seconds_seen"] for r in publisher.runs), 1)
            summary["cpu"]["rest_of_machine_cpu_seconds"] = round(
                summary["cpu"]["machine_busy_cpu_seconds"] - summary["cpu"]["gunicorn_cpu_seconds"]
                - summary["cpu"]["load_generator_cpu_seconds"] - summary["cpu"].get("publisher_cpu_seconds_seen", 0), 1)
            summary["requests_per_second"] = round(summary["requests"] / seconds, 1)
            result["phases"][phase] = summary
        result["warmup"] = {"seconds": args.warmup, "requests": sum(1 for s in recorder.samples if s[0] == "warmup"),
                            "errors": sum(1 for s in recorder.samples if s[0] == "warmup" and s[5] == "error")}
        result["lost_saves"] = lost_saves(before, after, recorder.saves)
        result["save_outcomes"] = dict(Counter(o for *_, o in recorder.saves))
        result["failures"] = recorder.failures
        without, with_ = result["phases"].get("without publisher"), result["phases"].get("with publisher")
        if without and with_ and without["overall"]["n"] and with_["overall"]["n"]:
            result["p95_ratio_with_over_without"] = round(with_["overall"]["p95_ms"] / without["overall"]["p95_ms"], 2)
    finally:
        stop.set()
        if publisher is not None:
            publisher.stop()
        if server is not None:
            server.stop()
        result["gunicorn"] = scan_log(glog)
        if engine == "postgresql" and not args.keep:
            try:
                drop_pg_database(args.pg_admin_url, name)
                log(f"dropped PostgreSQL database {name}")
            except Exception as error:  # noqa: BLE001
                log(f"could not drop {name}: {error}")
    return result


def filter_arguments(http_bench, url, pools):
    """{registry: (filter URL argument, values)} for the equals filters the sessions use."""
    from admin import create_app

    app = create_app({"SECRET_KEY": secrets.token_hex(32), "DATABASE_URL": url, "SESSION_COOKIE_SECURE": False,
                      "ENV": "production"})
    out = {}
    for registry, (column, values) in pools["filter_values"].items():
        try:
            view = http_bench.find_view(app, registry)
            out[registry] = (http_bench.equal_filter_arg(view, filter_field(view.model, column)[1]), values)
        except LookupError as error:
            log(f"  (no filter for {registry}: {error})")
    return out


# -- main -------------------------------------------------------------------------------------------------

def parse_roles(text):
    roles = []
    for part in text.split(","):
        role, _, n = part.partition("=")
        if role.strip() not in READS:
            raise SystemExit(f"unknown role {role!r}")
        roles.append((role.strip(), int(n)))
    return roles


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--seconds", type=int, default=60, help="length of each measured phase")
    parser.add_argument("--warmup", type=int, default=5, help="seconds of load before the first measured phase")
    parser.add_argument("--sessions", type=int, default=None, help="scale --roles to this many sessions")
    parser.add_argument("--roles", default=DEFAULT_ROLES)
    parser.add_argument("--think", type=float, default=1.0, help="seconds between two requests of a session")
    parser.add_argument("--publisher", choices=("both", "no", "yes"), default="both",
                        help="phases: without then with the publisher (both), or only one")
    parser.add_argument("--with-publisher", action="store_true", help="same as --publisher yes")
    parser.add_argument("--publisher-first", action="store_true",
                        help="measure the phase with the publisher first (to tell drift from effect)")
    parser.add_argument("--offers", type=int, default=10000, help="published offers in the database")
    parser.add_argument("--demo-scale", type=float, default=1.0)
    parser.add_argument("--hot-records", type=int, default=25, help="records per edited registry that sessions edit")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=2017)
    parser.add_argument("--pg-admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--code", choices=("head", "worktree"), default="head",
                        help="serve a snapshot of HEAD (default) or the working tree as it is")
    parser.add_argument("--output", default=RESULTS)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder and PostgreSQL database")
    args = parser.parse_args(argv)
    if args.with_publisher:
        args.publisher = "yes"
    args.seconds = max(1, min(args.seconds, 3600))
    roles = parse_roles(args.roles)
    if args.sessions:
        total = sum(n for _, n in roles)
        scaled = [(r, max(0, round(n * args.sessions / total))) for r, n in roles]
        scaled[0] = (scaled[0][0], scaled[0][1] + args.sessions - sum(n for _, n in scaled))
        roles = scaled
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]

    tmp = tempfile.mkdtemp(prefix="load-sessions-")
    code_root, code = prepare_code(args.code, tmp)
    sys.path.insert(0, code_root)
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("HOUSING_DATABASE_URL", None)
    http_bench = import_from(os.path.join(code_root, "bench", "http_bench.py"), "http_bench")

    def on_signal(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    started = now_iso()
    load_start = os.getloadavg()
    log(f"code: {code['mode']} at {code['commit'][:12]} (working tree dirty: {code['working_tree_dirty']}); "
        f"{os.cpu_count()} CPUs; load average {load_start[0]:.2f} {load_start[1]:.2f} {load_start[2]:.2f}")
    out = {"started": started, "command": " ".join([os.path.relpath(sys.executable, MAIN_ROOT)] +
                                                    [os.path.relpath(__file__, MAIN_ROOT)] + sys.argv[1:]),
           "code": code, "cpus": os.cpu_count(), "load_average_start": [round(x, 2) for x in load_start],
           "settings": {k: v for k, v in vars(args).items() if k not in ("output",)},
           "roles": dict(roles), "engines": {}}
    status = 0
    try:
        for engine in engines:
            res = run_engine(engine, args, code_root, http_bench, tmp, roles)
            out["engines"][engine] = res
            log(f"\n=== {engine}: results ({res.get('sessions')} sessions, think {args.think} s, "
                f"gunicorn {args.workers} workers) ===")
            for phase, s in res.get("phases", {}).items():
                print_phase(phase, s, s["load_average"])
                for run in s.get("publisher_runs", []):
                    log(f"    publisher run {run['run']}: {run['outcome']} in {run['seconds']} s "
                        f"({run['cpu_seconds_seen']} CPU s seen)")
            if "p95_ratio_with_over_without" in res:
                log(f"\n  p95 with / without the publisher: {res['p95_ratio_with_over_without']}")
            ls = res.get("lost_saves", {})
            log(f"  save outcomes {res.get('save_outcomes')}; lost-save check over {ls.get('records_edited')} "
                f"records: {len(ls.get('problems', []))} problem(s)")
            g = res.get("gunicorn", {})
            log(f"  gunicorn log: {g.get('tracebacks')} traceback(s), {g.get('worker_timeouts')} worker timeout(s), "
                f"{g.get('workers_booted')} worker boot(s) ({res['gunicorn_log']})")
            for f in res.get("failures", [])[:10]:
                log(f"    FAILURE {json.dumps({k: v for k, v in f.items() if k != 'body'}, default=str)[:600]}")
            bad = (sum(s["errors"] + s["refused_other"] for s in res.get("phases", {}).values())
                   + len(ls.get("problems", [])) + (g.get("tracebacks") or 0))
            if bad:
                status = 1
        markdown(out)
    finally:
        out["finished"] = now_iso()
        out["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
        os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
        with open(args.output, "w") as fh:
            json.dump(out, fh, indent=2, default=str)
        log(f"\nJSON: {os.path.relpath(args.output, MAIN_ROOT)}")
        if args.keep:
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
