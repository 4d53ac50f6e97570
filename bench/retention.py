"""Time the retention job over ten years of synthetic closed cases.

    python bench/retention.py --database-url sqlite:///bench/var/retention.db
    python bench/retention.py --database-url postgresql://postgres@127.0.0.1:5432/postgres

A new database is made (SQLite: the file, replaced; PostgreSQL: a database
``housing_retention_<hex>`` created on that server and dropped at the end),
migrated, given the demo's reference data (``housing.demo.seed(scale=1)``: places,
homes, instruments, staff) and then ``--cases-per-year`` closed cases for each of
the last ``--years`` years: an exited household with 1-4 members, an assessment
with 8 domain scores (notes, 2 of them sensitive), a support plan, 8 contacts
(notes, some sensitive), a stay or a tenancy ended at the closing date, and a
``create`` audit row for each of these records holding its personal values (the
trail the job must mask). Beside them, ``--audit-rows`` ordinary audit rows and
``--login-attempts`` failed logins spread over the years.

Then, with the default rules (migration 0010): the dry run (``retention.run``),
the job itself (``retention.run(apply=True)``: one transaction per record, an
audit row each, earlier audit rows masked), the rows it touched per table, a
second dry run (the next night: what a steady state costs), and the **baseline**
on a copy of the database taken before the job: a naive per-row loop that applies
the same field treatments to the same records (read, change, save, one
transaction each) and deletes the same log rows, with no planning, no audit rows
and no masking of the trail. Every figure comes with the load average.
"""
import argparse
import datetime
import json
import os
import pathlib
import random
import secrets
import shutil
import sys
import time
from collections import Counter

import peewee

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from backup import MAIN, VAR, load, log, run_from_snapshot, timed  # noqa: E402

TABLES = ("household", "person", "assessment", "assessment_score", "support_plan", "contact_log", "stay", "tenancy")
DAY = datetime.timedelta(days=1)


# -- the database -------------------------------------------------------------------------------------

def make_database(url):
    """(url of a new empty database, a function that removes it)."""
    import load_sessions

    if url.startswith("sqlite"):
        path = pathlib.Path(url.split(":///", 1)[-1])
        path.parent.mkdir(parents=True, exist_ok=True)
        remove_sqlite(path)
        return url, lambda: None
    name = f"housing_retention_{secrets.token_hex(4)}"
    new = load_sessions.create_pg_database(url, name)
    return new, lambda: load_sessions.drop_pg_database(url, name)


def remove_sqlite(path):
    for suffix in ("", "-wal", "-shm", "-journal"):
        pathlib.Path(str(path) + suffix).unlink(missing_ok=True)


def copy_database(url, database):
    """A copy of the database (for the baseline): (url, remove function)."""
    import load_sessions

    if url.startswith("sqlite"):
        source = pathlib.Path(url.split(":///", 1)[-1])
        database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        target = source.with_name(source.stem + "-baseline.db")
        remove_sqlite(target)
        shutil.copyfile(source, target)
        return f"sqlite:///{target}", lambda: remove_sqlite(target)
    name = f"{url.rsplit('/', 1)[1]}_baseline"
    admin = url.rsplit("/", 1)[0] + "/postgres"
    database.close()  # TEMPLATE needs the source without connections
    import psycopg2

    conn = psycopg2.connect(admin)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}" TEMPLATE "{url.rsplit("/", 1)[1]}"')
    conn.close()
    database.connect()
    return url.rsplit("/", 1)[0] + "/" + name, lambda: load_sessions.drop_pg_database(admin, name)


# -- ten years of closed cases -------------------------------------------------------------------------

def generate(rng, today, years, per_year, audit_rows, login_attempts):
    import models as m

    place = m.Place.select().first()
    instrument = m.InstrumentVersion.select().first()
    dwellings = [i for (i,) in m.Dwelling.select(m.Dwelling.id).tuples()]
    operator = m.User.select().where(m.User.role == "operator").first() or m.User.select().first()
    operator = operator.id if operator else None
    ids = {t: (getattr(m, name).select(getattr(m, name).id).order_by(getattr(m, name).id.desc()).scalar() or 0)
           for t, name in zip(TABLES, ("Household", "Person", "Assessment", "AssessmentScore", "SupportPlan",
                                        "ContactLog", "Stay", "Tenancy"))}
    rows = {t: [] for t in TABLES}
    trail = []

    def add(table, row, at):
        ids[table] += 1
        row["id"] = ids[table]
        rows[table].append(row)
        changes = {k: [None, str(v)] for k, v in row.items() if k != "id" and v is not None}
        trail.append(dict(at=at, actor="a.lombardo", action="create", entity=table, record_id=str(row["id"]),
                          changes=json.dumps(changes, ensure_ascii=False, sort_keys=True)))
        return row["id"]

    serial = 0
    for year in range(years):
        for _ in range(per_year):
            serial += 1
            closed = today - datetime.timedelta(days=365 * year + rng.randint(1, 364))
            intake = closed - rng.randint(365, 3 * 365) * DAY
            at = datetime.datetime.combine(intake, datetime.time(9))
            household = add("household", dict(
                code=f"NF-R{serial:07d}", email=f"nucleo{serial}@example.org", phone=f"333 {serial:07d}",
                ethos_category="roofless_1", monthly_net_income=rng.randint(0, 1200), isee_value=rng.randint(0, 9000),
                isee_date=intake, languages=None, notes="Seguito dal servizio sociale di zona.", privacy_consent=True,
                privacy_consent_on=intake, status="exited", intake_on=intake, tie_break_key=rng.random(),
                created_at=at, updated_at=datetime.datetime.combine(closed, datetime.time(17))), at)
            members = []
            for n in range(rng.choice((1, 1, 2, 3, 4))):
                members.append(add("person", dict(
                    household=household, first_name="Mario", last_name=f"Rossi{serial}", tax_code=f"RTN{serial:09d}{n:04d}",
                    birth_date=datetime.date(1960 + rng.randint(0, 40), rng.randint(1, 12), rng.randint(2, 28)),
                    sex=rng.choice("FM"), citizenship="Italia", relation="reference" if n == 0 else "child",
                    has_disability=False, disability_percent=None, employment_status="unemployed"), at))
            assessed = intake + 30 * DAY
            assessment = add("assessment", dict(
                person=members[0], household=household, instrument=instrument.id, assessed_on=assessed,
                assessor=operator, assessor_name="A. Lombardo", consent=True, need_index=round(rng.random(), 3),
                support_intensity=rng.choice(("low", "medium", "high")),
                correction_reason="Corretto il punteggio abitativo." if rng.random() < 0.2 else None), at)
            for d in range(8):
                add("assessment_score", dict(assessment=assessment, domain=f"domain_{d}", score=rng.randint(1, 5),
                                             note=f"Nota sul dominio {d}.", sensitive=d < 2), at)
            add("support_plan", dict(household=household, started_on=assessed, status="closed", consent_signed=True,
                                     consent_on=assessed, closed_on=closed, notes="Obiettivi concordati."), at)
            for c in range(8):
                day = intake + (closed - intake) * (c + 1) // 9
                add("contact_log", dict(household=household, contact_on=day, contact_type="home_visit",
                                        duration_minutes=45, operator=operator, operator_name="A. Lombardo",
                                        note=f"Visita {c + 1}.", sensitive_note="Colloquio sanitario." if c % 3 == 0 else None),
                    at)
            if rng.random() < 0.5:
                add("stay", dict(household=household, place=place.id, entry_on=assessed + DAY, exit_on=closed,
                                 exit_destination="other_housing", notes="Permanenza regolare."), at)
            else:
                add("tenancy", dict(household=household, dwelling=rng.choice(dwellings), contract_type="concordato_3_2",
                                    monthly_rent=350, programme_contribution=100, start_on=assessed + DAY,
                                    guarantee="Fideiussione del fondo comunale.", ended_on=closed, end_reason="moved_on"),
                    at)
    start = datetime.datetime.combine(today, datetime.time()) - datetime.timedelta(days=365 * years)
    span = (datetime.datetime.combine(today, datetime.time()) - start).total_seconds()
    background = [dict(at=start + datetime.timedelta(seconds=span * i / audit_rows), actor="m.russo", action="update",
                       entity="dwelling", record_id=str(rng.choice(dwellings)), changes='{"notes": ["a", "b"]}')
                  for i in range(audit_rows)]
    attempts = [dict(at=start + datetime.timedelta(seconds=span * i / max(1, login_attempts)),
                     username=f"utente{i % 50}", remote_addr=f"10.0.{i % 250}.{i % 200}") for i in range(login_attempts)]
    database = m.db
    sqlite = isinstance(database.obj, peewee.SqliteDatabase)
    batch = 500 if sqlite else 2000
    with database.atomic():
        for table, model in (("household", m.Household), ("person", m.Person), ("assessment", m.Assessment),
                             ("assessment_score", m.AssessmentScore), ("support_plan", m.SupportPlan),
                             ("contact_log", m.ContactLog), ("stay", m.Stay), ("tenancy", m.Tenancy)):
            data = rows[table]
            for i in range(0, len(data), batch // 4):
                model.insert_many(data[i:i + batch // 4]).execute()
        for model, data in ((m.AuditLog, sorted(trail + background, key=lambda r: r["at"])), (m.LoginAttempt, attempts)):
            for i in range(0, len(data), batch):
                model.insert_many(data[i:i + batch]).execute()
    if not sqlite:
        for table in TABLES:
            database.execute_sql(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                                 f"(SELECT MAX(id) FROM \"{table}\"))")
    database.execute_sql("ANALYZE")
    return {t: len(v) for t, v in rows.items()} | {"audit_log": len(trail) + audit_rows, "login_attempt": login_attempts}


# -- the baseline -----------------------------------------------------------------------------------------

def naive_loop(changes):
    """The same treatments on the same records, one read and one save per record, nothing else."""
    import models as m
    from housing import retention

    by_table = {model._meta.table_name: model for model in vars(m).values()
                if isinstance(model, type) and issubclass(model, m.BaseModel)}
    for change in changes:
        model = by_table[change.table]
        with m.db.atomic():
            if change.action == retention.DELETE and change.record_id.endswith("righe"):
                continue  # the batch deletions: below, as one statement each
            if change.action == retention.DELETE:
                model.delete().where(model.id == int(change.record_id)).execute()
                continue
            how = (retention.HOUSEHOLD_RECORDS if change.kind == "closed_household"
                   else retention.TREATMENTS[change.kind])[change.table]
            record = model.get_by_id(int(change.record_id))
            retention.anonymise_record(record, how)
            record.save()
    return len(changes)


def naive_deletions(today):
    import models as m
    from housing import retention

    deleted = 0
    for key, model in (("audit_log", m.AuditLog), ("login_attempt", m.LoginAttempt)):
        rule = m.RetentionRule.get(m.RetentionRule.kind == key)
        moment = datetime.datetime.combine(retention.months_before(today, rule.months), datetime.time())
        with m.db.atomic():
            deleted += model.delete().where(model.at < moment).execute()
    return deleted


# -- the run ---------------------------------------------------------------------------------------------

def counts(database):
    return {t: database.execute_sql(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0]
            for t in TABLES + ("audit_log", "login_attempt")}


def trail_of(database, tables):
    rows = database.execute_sql("SELECT id, changes FROM audit_log WHERE entity IN (%s)" % ", ".join(
        f"'{t}'" for t in tables))
    return dict(rows.fetchall())


def measure(url, args):
    from housing import demo, retention, schema
    from housing.database import bind

    database = bind(url)
    database.connect()
    out = {}
    today = datetime.date.today()
    _, out["migrate"] = timed("migrate", schema.upgrade, database)
    retention.ensure_rules()
    _, out["reference_data"] = timed("demo.seed(scale=1)", demo.seed, scale=1, today=today)
    generated, out["generate"] = timed(f"{args.years} years x {args.cases_per_year} closed cases", generate,
                                       random.Random(args.seed), today, args.years, args.cases_per_year,
                                       args.audit_rows, args.login_attempts)
    out["generated"] = generated
    log(f"generated: {generated}")
    before = counts(database)
    out["rows_before"] = before
    changes, out["dry_run"] = timed("dry run (plan)", retention.run, apply=False, today=today)
    out["dry_run"]["changes"] = len(changes)
    baseline_url, remove_baseline = copy_database(url, database)
    trail_before = trail_of(database, TABLES)
    applied, out["apply"] = timed("retention job (apply)", retention.run, apply=True, today=today)
    after = counts(database)
    trail_after = trail_of(database, TABLES)
    per_table = Counter(c.table for c in applied if not c.record_id.endswith("righe"))
    batch = {c.table: int(c.record_id.split()[0]) for c in applied if c.record_id.endswith("righe")}
    out["touched"] = {
        "changes": len(applied),
        "records_changed_by_table": dict(per_table),
        "records_changed_by_kind": dict(Counter(c.kind for c in applied)),
        "log_rows_deleted": batch,
        "audit_rows_written": after["audit_log"] - before["audit_log"] + batch.get("audit_log", 0),
        "earlier_audit_rows_masked": sum(1 for k, v in trail_before.items() if k in trail_after and trail_after[k] != v),
    }
    out["touched"]["rows_touched_total"] = (sum(per_table.values()) + sum(batch.values())
                                            + out["touched"]["audit_rows_written"]
                                            + out["touched"]["earlier_audit_rows_masked"])
    log(f"touched: {json.dumps(out['touched'])}")
    again, out["next_night_dry_run"] = timed("next night's dry run", retention.run, apply=False, today=today)
    out["next_night_dry_run"]["changes"] = len(again)
    database.close()
    try:
        copy = bind(baseline_url)
        copy.connect()
        _, out["baseline_naive_loop"] = timed("baseline: naive per-row loop", naive_loop, changes)
        deleted, out["baseline_deletions"] = timed("baseline: DELETE of old log rows", naive_deletions, today)
        out["baseline_deletions"]["rows"] = deleted
        copy.close()
    finally:
        remove_baseline()
    base = out["baseline_naive_loop"]["seconds"] + out["baseline_deletions"]["seconds"]
    out["ratio_job_over_baseline"] = round(out["apply"]["seconds"] / max(base, 0.01), 1)
    out["ratio_dry_run_over_baseline"] = round(out["dry_run"]["seconds"] / max(base, 0.01), 1)
    log(f"job / naive baseline: {out['ratio_job_over_baseline']}x, dry run / baseline: "
        f"{out['ratio_dry_run_over_baseline']}x")
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=f"sqlite:///{VAR / 'retention.db'}",
                        help="a SQLite file (replaced) or a PostgreSQL server's database to create others from")
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--cases-per-year", type=int, default=200)
    parser.add_argument("--audit-rows", type=int, default=200_000, help="ordinary audit rows over the years")
    parser.add_argument("--login-attempts", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=2017)
    parser.add_argument("--output", default=None, help="JSON summary (default bench/results/retention-<engine>.json)")
    parser.add_argument("--code", choices=("head", "worktree"), default="head")
    args = parser.parse_args(argv)
    if args.code == "head" and "BENCH_MAIN_ROOT" not in os.environ:
        return run_from_snapshot(argv if argv is not None else sys.argv[1:], __file__)
    engine = "sqlite" if args.database_url.startswith("sqlite") else "postgresql"
    out = {"started": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"), "engine": engine,
           "code_commit": os.environ.get("BENCH_CODE_COMMIT", "working tree"), "cpus": os.cpu_count(),
           "load_start": load(), "settings": {k: v for k, v in vars(args).items() if k != "output"}}
    log(f"{engine}: load average {' '.join(map(str, out['load_start']))} (before)")
    url, remove = make_database(args.database_url)
    try:
        out.update(measure(url, args))
    finally:
        remove()
    out["load_end"] = load()
    log(f"load average {' '.join(map(str, out['load_end']))} (after)")
    path = pathlib.Path(args.output or MAIN / "bench" / "results" / f"retention-{engine}.json")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=2, default=str))
    log(f"JSON: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
