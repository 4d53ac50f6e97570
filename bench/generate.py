"""Fill a database with a benchmark-sized data set.

    python bench/generate.py --database-url sqlite:///bench/var/bench.db
    python bench/generate.py --database-url postgresql://postgres@127.0.0.1:5432/housing_bench

Defaults: 100,000 dwellings, 50,000 households (with their members) and
1,000,000 audit rows. The database is created if missing (PostgreSQL: CREATE
DATABASE on the server), migrated with ``housing.schema.upgrade`` and must be
empty (``--reset`` drops and recreates it first).

Homes and households come from ``housing.demo.seed(scale=dwellings/500)`` when
that module is importable (``--generator demo``): it also makes landlords,
offers, ERP assignments, partners and agreements, and its household count is
~0.6 x dwellings (it does not take a separate household count). ``--generator
own`` uses the simpler generator below, which honours ``--households``
exactly. The audit trail (the biggest table) is always made here.

Every stage prints its elapsed time; a JSON summary goes to
``bench/results/generate-<engine>-<dwellings>-<audit>.json``.
"""
import argparse
import datetime
import json
import os
import random
import sys
import time
from urllib.parse import urlsplit, urlunsplit

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

from housing import schema  # noqa: E402
from housing.database import bind, is_sqlite  # noqa: E402
import models as m  # noqa: E402

SQLITE_BATCH = 500          # rows per INSERT on SQLite (brief: <= 500)
POSTGRES_BATCH = 2000       # rows per INSERT on PostgreSQL
ROWS_PER_TRANSACTION = 50_000

STAFF = [
    ("admin", "m.russo"), ("admin", "g.ferrara"),
    ("operator", "a.lombardo"), ("operator", "c.messina"), ("operator", "s.marino"), ("operator", "r.greco"),
    ("operator", "f.rizzo"), ("operator", "l.caruso"), ("operator", "v.sciacca"), ("operator", "d.pappalardo"),
    ("operator", "e.scuderi"), ("operator", "p.privitera"), ("clerk", "t.musumeci"), ("clerk", "n.grasso"),
    ("clerk", "o.puglisi"), ("clerk", "b.nicolosi"), ("clerk", "i.santangelo"), ("clerk", "u.vitale"),
    ("viewer", "z.dimauro"), ("viewer", "k.cantarella"),
]


def log(msg):
    print(msg, flush=True)


class Stages:
    def __init__(self):
        self.times = {}

    def run(self, name, fn, *args, **kwargs):
        log(f"-- {name} ...")
        start = time.perf_counter()
        result = fn(*args, **kwargs)
        elapsed = time.perf_counter() - start
        self.times[name] = round(elapsed, 2)
        log(f"   {name}: {elapsed:.1f} s")
        return result


# -- the database itself -----------------------------------------------------------

def prepare_database(url, reset):
    """Create the database if missing (and drop it first with ``reset``)."""
    if is_sqlite(url):
        path = url.split(":///", 1)[-1]
        if reset and path and path != ":memory:":
            for suffix in ("", "-wal", "-shm", "-journal"):
                if os.path.exists(path + suffix):
                    os.remove(path + suffix)
        return
    import psycopg2

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name or name in ("postgres", "template0", "template1"):
        raise SystemExit(f"Refusing to fill the database {name!r}: name a dedicated one in the URL.")
    server = urlunsplit(parts._replace(path="/postgres"))
    conn = psycopg2.connect(server)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            exists = cur.fetchone() is not None
            if exists and reset:
                log(f"   dropping database {name}")
                cur.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
                exists = False
            if not exists:
                log(f"   creating database {name}")
                cur.execute(f'CREATE DATABASE "{name}"')
    finally:
        conn.close()


def batch_size(database, fields):
    from peewee import SqliteDatabase

    rows = SQLITE_BATCH if isinstance(database, SqliteDatabase) else POSTGRES_BATCH
    return max(1, min(rows, 30000 // max(1, len(fields))))


def insert_rows(database, model, fields, rows):
    """Insert an iterable of tuples in batches, committing every ROWS_PER_TRANSACTION."""
    columns = [getattr(model, name) for name in fields]
    size = batch_size(database, fields)
    batch, total, in_tx = [], 0, 0
    tx = database.atomic()
    tx.__enter__()
    try:
        for row in rows:
            batch.append(row)
            if len(batch) >= size:
                model.insert_many(batch, fields=columns).execute()
                total += len(batch)
                in_tx += len(batch)
                batch = []
                if in_tx >= ROWS_PER_TRANSACTION:
                    tx.__exit__(None, None, None)
                    tx = database.atomic()
                    tx.__enter__()
                    in_tx = 0
        if batch:
            model.insert_many(batch, fields=columns).execute()
            total += len(batch)
    except BaseException:
        tx.__exit__(*sys.exc_info())
        raise
    tx.__exit__(None, None, None)
    return total


def staff_users(database):
    from housing.accounts import hash_password, random_password

    # One hash of a random throw-away password: these accounts exist for the
    # audit trail, nobody logs in with them.
    password_hash = hash_password(random_password())
    now = m.now()
    rows = [(username, username.replace(".", " ").title(), f"{username}@example.org", role, True, password_hash, "it", now, now)
            for role, username in STAFF]
    insert_rows(database, m.User, ["username", "full_name", "email", "role", "active", "password_hash", "language",
                                   "created_at", "updated_at"], rows)
    return {u.username: u.id for u in m.User.select(m.User.id, m.User.username)}


# -- homes and households ---------------------------------------------------------

def seed_with_demo(dwellings):
    from housing import demo

    return demo.seed(scale=dwellings / 500.0)


DISTRICTS = {  # district -> (postcode, streets)
    "Centro": ("95131", ("Via Etnea", "Via Garibaldi", "Via Crociferi")),
    "Borgo": ("95128", ("Via Caronda", "Via Umberto I")),
    "Picanello": ("95126", ("Corso Italia", "Via Imperia")),
    "Librino": ("95121", ("Viale Librino", "Viale Castagnola", "Viale Moncada")),
    "San Cristoforo": ("95121", ("Via Plebiscito", "Via della Concordia")),
    "Monte Po": ("95122", ("Via Monte Po", "Via Palermo")),
    "Nesima": ("95122", ("Via Nesima Superiore", "Viale Lorenzo Bolano")),
    "Ognina": ("95126", ("Viale Ruggero di Lauria", "Via Messina")),
    "Trappeto": ("95123", ("Via Trappeto",)),
    "Playa": ("95121", ("Viale Presidente Kennedy",)),
}
SURNAMES = ("Russo Ferrara Lombardo Messina Marino Greco Rizzo Caruso Sciacca Pappalardo Scuderi Privitera Musumeci "
            "Grasso Puglisi Nicolosi Santangelo Vitale Cantarella Popescu Trabelsi Diop Perera Okafor Hossain").split()
FIRST_NAMES = ("Salvatore Giuseppe Antonio Maria Agata Rosa Anna Carmela Ion Mohamed Fatou Nuwan Chioma Luca Sara").split()


def district_ids(database):
    """{name: id} of the generator's districts in the registry (seeded by ``housing.districts.sync``)."""
    from housing import districts

    with database.atomic():
        districts.sync()
        known = districts.index()
        ids = {}
        for name in DISTRICTS:
            ids[name] = districts.lookup(name, known) or m.District.create(name=name).id
    return ids


def seed_own(database, rng, n_dwellings, n_households, today):
    """A simple generator: landlords, dwellings, offers, households (with a preferred district) and members."""
    counts = {}
    registry = district_ids(database)
    n_landlords = max(2, n_dwellings // 6)
    stamp = datetime.datetime.combine(today, datetime.time(9))
    counts["Landlord"] = insert_rows(database, m.Landlord, ["kind", "name", "tax_code", "phone", "created_at", "updated_at"], (
        ("private_person", f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}", f"LLD{i:013d}", f"3{rng.randint(20, 99)} {rng.randint(1000000, 9999999)}", stamp, stamp)
        for i in range(n_landlords)))
    first_landlord = m.Landlord.select(m.fn.MIN(m.Landlord.id)).scalar()
    names = list(DISTRICTS)
    statuses = ("registered", "available", "offered", "let", "withdrawn", "renovation")

    def dwelling(i):
        district = rng.choice(names)
        postcode, streets = DISTRICTS[district]
        rooms = rng.choices((1, 2, 3, 4, 5), (10, 25, 35, 22, 8))[0]
        return (first_landlord + rng.randrange(n_landlords), rng.choice(("private", "public")),
                f"{rng.choice(streets)} {rng.randint(1, 250)}", postcode, registry[district], str(i // 10000 + 1),
                str(i // 10 % 1000 + 1), str(i % 10 + 1), 22 + 17 * rooms, rooms, rng.choice(statuses),
                today - datetime.timedelta(days=rng.randint(30, 3650)), stamp, stamp)

    counts["Dwelling"] = insert_rows(database, m.Dwelling, [
        "landlord", "ownership", "address", "postcode", "district", "cadastral_sheet", "cadastral_parcel",
        "cadastral_unit", "area_m2", "rooms", "status", "vacant_since", "created_at", "updated_at"],
        (dwelling(i) for i in range(n_dwellings)))
    first_dwelling = m.Dwelling.select(m.fn.MIN(m.Dwelling.id)).scalar()
    counts["Offer"] = insert_rows(database, m.Offer, [
        "dwelling", "contract_type", "monthly_rent", "available_from", "status", "public_description", "published",
        "created_at", "updated_at"], (
        (first_dwelling + i, rng.choice(("concordato_3_2", "transitory", "free_4_4")), rng.randint(250, 900),
         today + datetime.timedelta(days=rng.randint(-30, 90)), "published",
         f"Trilocale di {rng.randint(60, 110)} m² al {rng.randint(0, 6)}° piano. Zona {rng.choice(names)}.", True, stamp, stamp)
        for i in range(0, n_dwellings, 5)))
    hh_statuses = ("intake", "assessed", "waiting", "matched", "housed", "exited")
    preferred = []  # one district per household, linked once the households have their ids

    def household(i):
        row = (f"NF-{2022 + i % 4}-{i:06d}", rng.choice(hh_statuses), today - datetime.timedelta(days=rng.randint(0, 1095)),
               rng.randint(1, 3), rng.randint(0, 1500), rng.choice(names), rng.random(), stamp, stamp)
        preferred.append(registry[row[5]])
        return row[:5] + row[6:]

    counts["Household"] = insert_rows(database, m.Household, [
        "code", "status", "intake_on", "min_rooms", "monthly_net_income", "tie_break_key",
        "created_at", "updated_at"], (household(i) for i in range(n_households)))
    first_household = m.Household.select(m.fn.MIN(m.Household.id)).scalar()
    counts["HouseholdDistrict"] = insert_rows(database, m.HouseholdDistrict, ["household", "district"], (
        (first_household + h, district) for h, district in enumerate(preferred)))

    def members():
        serial = 0
        for h in range(n_households):
            for k in range(rng.choices((1, 2, 3, 4), (55, 20, 15, 10))[0]):
                serial += 1
                yield (first_household + h, rng.choice(FIRST_NAMES), rng.choice(SURNAMES), f"BNCPRS{serial:010d}",
                       today - datetime.timedelta(days=rng.randint(0, 80 * 365)), rng.choice("MF"),
                       "reference" if k == 0 else "child")

    counts["Person"] = insert_rows(database, m.Person, [
        "household", "first_name", "last_name", "tax_code", "birth_date", "sex", "relation"], members())
    return counts


# -- the audit trail --------------------------------------------------------------

AUDIT_ENTITIES = (  # (table, weight, model, sample changes)
    ("dwelling", 25, m.Dwelling, lambda r: {"status": [r.choice(("registered", "available")), r.choice(("offered", "let"))],
                                             "notes": [None, f"Sopralluogo del {r.randint(1, 28)}/{r.randint(1, 12)}: infissi da sostituire."]}),
    ("offer", 15, m.Offer, lambda r: {"monthly_rent": [f"{r.randint(250, 700)}.00", f"{r.randint(250, 700)}.00"],
                                      "status": ["draft", r.choice(("published", "reserved", "let"))]}),
    ("household", 20, m.Household, lambda r: {"status": [r.choice(("intake", "assessed")), r.choice(("waiting", "matched"))],
                                              "isee_value": ["•••", "•••"], "min_rooms": [1, r.randint(1, 3)]}),
    ("person", 25, m.Person, lambda r: {"employment_status": ["•••", "•••"], "citizenship": ["•••", "•••"],
                                        "household_id": [None, r.randint(1, 50000)]}),
    ("landlord", 8, m.Landlord, lambda r: {"orientation_sessions": [r.randint(0, 2), r.randint(1, 3)],
                                           "phone": ["•••", "•••"], "last_orientation_on": [None, "2024-03-12"]}),
    ("erp_assignment", 5, m.ErpAssignment, lambda r: {"occupancy_status": ["regular", r.choice(("verification", "irregular"))],
                                                      "arrears_amount": ["•••", "•••"]}),
    ("partner", 1, m.Partner, lambda r: {"listed_publicly": [False, True], "contact_person": ["Maria Russo", "Agata Greco"]}),
    ("agreement", 1, m.Agreement, lambda r: {"status": ["draft", "active"], "valid_to": [None, "2027-12-31"]}),
)


def audit_rows(database, n, users, today, rng):
    ranges = {}
    for table, _, model, _ in AUDIT_ENTITIES:
        lo, hi = model.select(m.fn.MIN(model.id), m.fn.MAX(model.id)).tuples().get()
        ranges[table] = (lo or 1, hi or 1000)
    tables = [e[0] for e in AUDIT_ENTITIES]
    weights = [e[1] for e in AUDIT_ENTITIES]
    makers = {e[0]: e[3] for e in AUDIT_ENTITIES}
    actors = [(name, uid) for name, uid in users.items()]
    start = datetime.datetime.combine(today - datetime.timedelta(days=3 * 365), datetime.time(0))
    span = 3 * 365 * 86400
    step = span / max(1, n)

    def rows():
        for i in range(n):
            # Appended in time order, like a real trail: ``at`` grows with the id.
            at = start + datetime.timedelta(seconds=int(i * step + rng.random() * step))
            table = rng.choices(tables, weights)[0]
            lo, hi = ranges[table]
            record_id = rng.randint(lo, hi)
            action = rng.choices(("create", "update", "delete"), (20, 75, 5))[0]
            if rng.random() < 0.04:
                actor, uid = "system", None   # nightly jobs (priority scores, expiries)
            else:
                actor, uid = rng.choice(actors)
            changes = makers[table](rng) if action == "update" else {"id": [None, record_id] if action == "create" else [record_id, None],
                                                                   "updated_at": ["2024-01-01T09:00:00", at.isoformat()]}
            yield (at, uid, actor, action, table, str(record_id),
                   json.dumps(changes, ensure_ascii=False, sort_keys=True))

    return insert_rows(database, m.AuditLog, ["at", "user", "actor", "action", "entity", "record_id", "changes"], rows())


# -- after the load ------------------------------------------------------------------

def analyze(database, url):
    if is_sqlite(url):
        database.execute_sql("ANALYZE")
        database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    else:
        conn = database.connection()
        old = conn.autocommit
        conn.autocommit = True
        try:
            database.execute_sql("VACUUM ANALYZE")
        finally:
            conn.autocommit = old


def table_counts():
    return {model.__name__: model.select().count() for model in m.MODELS}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--dwellings", type=int, default=100_000)
    parser.add_argument("--households", type=int, default=50_000,
                        help="honoured by --generator own; demo.seed makes ~0.6 x dwellings")
    parser.add_argument("--audit", type=int, default=1_000_000)
    parser.add_argument("--generator", choices=("auto", "demo", "own"), default="auto",
                        help="auto: housing.demo.seed when importable, else the simple generator here")
    parser.add_argument("--seed", type=int, default=2017)
    parser.add_argument("--reset", action="store_true", help="drop and recreate the database first")
    parser.add_argument("--no-analyze", action="store_true", help="skip ANALYZE (planner statistics) at the end")
    args = parser.parse_args(argv)

    url = args.database_url
    if is_sqlite(url) and url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        # relative path: make it absolute from the current directory, as peewee would
        url = "sqlite:///" + os.path.abspath(url[len("sqlite:///"):])
    engine = "sqlite" if is_sqlite(url) else "postgresql"
    generator = args.generator
    if generator == "auto":
        try:
            from housing import demo  # noqa: F401

            generator = "demo" if hasattr(demo, "seed") else "own"
        except Exception as error:  # noqa: BLE001
            log(f"housing.demo unavailable ({error}); using the simple generator")
            generator = "own"

    rng = random.Random(args.seed)
    today = datetime.date.today()
    stages = Stages()
    total_start = time.perf_counter()
    stages.run("prepare database", prepare_database, url, args.reset)
    database = bind(url)
    database.connect()
    try:
        stages.run("migrate", schema.upgrade, database)
        if any(model.select().exists() for model in (m.Dwelling, m.Household, m.AuditLog)):
            raise SystemExit("The database is not empty: use --reset to start again.")
        users = stages.run("staff users", staff_users, database)
        counts = None
        if generator == "demo":
            try:
                counts = stages.run(f"homes and households (demo.seed scale={args.dwellings / 500:g})",
                                    seed_with_demo, args.dwellings)
            except Exception as error:  # noqa: BLE001 - demo.py is edited by others: fall back
                if args.generator == "demo":
                    raise
                log(f"   demo.seed failed ({type(error).__name__}: {error}); using the simple generator")
                generator = "own"
        if counts is None:
            counts = stages.run("homes and households (own generator)", seed_own, database, rng, args.dwellings,
                                args.households, today)
        log(f"   {counts}")
        stages.run(f"audit log ({args.audit:,} rows)", audit_rows, database, args.audit, users, today, rng)
        if not args.no_analyze:
            stages.run("analyze", analyze, database, url)
        counts = stages.run("count rows", table_counts)
    finally:
        database.close()
    total = time.perf_counter() - total_start
    log("\nRows per table:")
    for name, n in counts.items():
        log(f"  {name:<22} {n:>10,}")
    if is_sqlite(url):
        path = url.split(":///", 1)[-1]
        log(f"  (file {path}: {os.path.getsize(path) / 1e6:,.0f} MB)")
    log(f"\nTotal: {total:.1f} s")
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    out = os.path.join(HERE, "results", f"generate-{engine}-{args.dwellings}-{args.audit}.json")
    with open(out, "w") as fh:
        json.dump({"engine": engine, "database_url": url, "generator": generator, "stages_s": stages.times,
                   "total_s": round(total, 2), "rows": counts, "analyzed": not args.no_analyze,
                   "when": datetime.datetime.now().isoformat(timespec="seconds")}, fh, indent=2)
    log(f"Summary written to {out}")


if __name__ == "__main__":
    main()
