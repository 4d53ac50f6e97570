"""Time the outbox: queue 10,000 e-mails and send them to an SMTP server on loopback.

    python bench/mail.py                                   # a fresh SQLite file in bench/var/
    python bench/mail.py --database-url postgresql://postgres@127.0.0.1:5432/housing_mail_bench
    python bench/mail.py --digest-database-url sqlite:///bench/var/bench.db   # + 200 digests

The SMTP server is aiosmtpd in a child process on loopback (it accepts and
writes each Subject to a file, to count duplicates; it delivers nothing). The database's outbox must be empty of this script's keys
(``bench:``): they are deleted first. Phases, each with messages per second and
the load average (``uptime``) before and after it:

1. **queue**: ``outbox.queue`` of ``--messages`` digest-sized messages (text and HTML).
2. **baseline, SMTP only** (no database): ``--baseline`` messages built as the
   outbox builds them and sent with smtplib, one connection per message, then
   over one reused connection: what building and the SMTP dialogue alone cost.
3. **send_due, reused connection**: the outbox as the runner sends it (claims
   of 100, one connection for the run).
4. **send_due, one connection per message**: the messages queued again and
   sent with a connection opened and closed for each (the outbox's baseline).
5. **two runners at once**: queued again, two threads each running ``send_due``
   until nothing is due; the server must receive every message exactly once.

With ``--digest-database-url`` (a filled benchmark database, migrated here if
needed; its outbox gets the digests and they are deleted afterwards), the
digests of ``--staff`` staff members are built (``due.collect`` once, then one
``digest.build`` per member, the hourly job's work) and timed. Operators get a
case load (unassigned households shared among them) and, when the database
has none, ``--stalled-matches`` open matches stalled 40 days are added; the
accounts, case loads and matches added are removed at the end.
A JSON summary goes to ``bench/results/mail-<engine>.json``.
"""
import argparse
import datetime
import json
import multiprocessing
import os
import pathlib
import smtplib
import socket
import sys
import threading
import time

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent
VAR = ROOT / "bench" / "var"
sys.path.insert(0, str(ROOT))

from aiosmtpd.controller import Controller  # noqa: E402

from housing import schema  # noqa: E402
from housing.database import bind, is_sqlite, sqlite_url  # noqa: E402
from housing.mail import outbox  # noqa: E402
from housing.mail.settings import smtp_settings  # noqa: E402

BODY = "\n".join(f"- NF-2026-{n:04d}: rivalutazione prevista il 07/12/2026\n  https://bo.example.org/admin/household/details/?id={n}"
                 for n in range(12))


def load():
    return [round(x, 2) for x in os.getloadavg()]


def log(message=""):
    print(message, flush=True)


class Counter:
    """Accepts every message and writes its Subject line to a file (one a line)."""

    def __init__(self, path):
        self.out = open(path, "ab", buffering=0)

    async def handle_DATA(self, server, session, envelope):
        for line in envelope.content.split(b"\r\n"):
            if line.startswith(b"Subject: "):
                self.out.write(line[9:] + b"\n")
                break
        return "250 OK"


def serve(port, path, ready, stop):
    """The SMTP server, in its own process (it must not share this one's GIL)."""
    controller = Controller(Counter(path), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    stop.wait()
    controller.stop()


class ConnectionPerMessage(outbox.SmtpConnection):
    """The baseline: a new SMTP connection for every message."""

    def send(self, mail):
        self.open()
        try:
            self.smtp.send_message(mail)
        finally:
            self.close()


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def timed(name, count, work, results):
    before = load()
    started = time.perf_counter()
    outcome = work()
    seconds = time.perf_counter() - started
    after = load()
    results[name] = {"messages": count, "seconds": round(seconds, 3), "per_second": round(count / seconds, 1),
                     "load_before": before, "load_after": after}
    log(f"{name:<40} {count:>6} in {seconds:7.2f} s = {count / seconds:8.1f}/s   load {before} -> {after}")
    return outcome


def requeue(at):
    return (outbox.OutboxMessage.update(state="queued", attempts=0, next_attempt_at=at, sent_at=None, last_error=None)
            .where(outbox.OutboxMessage.message_key.startswith("bench:")).execute())


def baseline(settings, count, reuse):
    """smtplib alone: each message built as the outbox builds it, no database."""
    smtp = smtplib.SMTP(settings.host, settings.port) if reuse else None
    for i in range(count):
        mail = outbox.build(outbox.OutboxMessage(message_key=f"bench:baseline:{i}", recipient="staff@example.org",
                                                 subject=f"baseline {i}", body_text=BODY,
                                                 body_html=f"<pre>{BODY}</pre>"), settings.sender)
        if not reuse:
            smtp = smtplib.SMTP(settings.host, settings.port)
        smtp.send_message(mail)
        if not reuse:
            smtp.quit()
    if reuse:
        smtp.quit()


def received(path):
    """Subjects the server got since the last call (the file is emptied)."""
    time.sleep(0.2)  # the last DATA reply precedes the write by a hair
    subjects = path.read_bytes().splitlines()
    path.write_bytes(b"")
    return subjects


def check_once(path, count, name):
    subjects = received(path)
    unique = len(set(subjects))
    log(f"{'':<40} server received {len(subjects)}, distinct {unique}")
    assert len(subjects) == count == unique, f"{name}: {len(subjects)} received, {unique} distinct"


def run_mail(database, args, results):
    at = datetime.datetime.now().replace(microsecond=0)
    outbox.OutboxMessage.delete().where(outbox.OutboxMessage.message_key.startswith("bench:")).execute()
    port = free_port()
    path = VAR / "mail-bench-received.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"")
    ready, stop = multiprocessing.Event(), multiprocessing.Event()
    server = multiprocessing.Process(target=serve, args=(port, path, ready, stop), daemon=True)
    server.start()
    ready.wait(30)
    settings = smtp_settings({"HOUSING_SMTP_HOST": "127.0.0.1", "HOUSING_SMTP_PORT": str(port),
                              "HOUSING_SMTP_TLS": "none", "HOUSING_MAIL_FROM": "casa@example.org"})
    n = args.messages
    try:
        def queue_all():
            with database.atomic():
                for i in range(n):
                    outbox.queue(f"bench:{i}", f"staff{i % 200}@example.org", f"Riepilogo {i}", BODY,
                                 body_html=f"<pre>{BODY}</pre>", related=("user", i % 200), at=at)

        timed("queue (one transaction)", n, queue_all, results)
        timed("baseline: SMTP only, connection/message", args.baseline, lambda: baseline(settings, args.baseline, False), results)
        timed("baseline: SMTP only, reused connection", args.baseline, lambda: baseline(settings, args.baseline, True), results)
        received(path)
        report = timed("send_due, reused connection", n, lambda: outbox.send_due(database, settings, at=at), results)
        assert report.sent == n, report
        check_once(path, n, "send_due")
        requeue(at)
        report = timed("send_due, connection per message", n,
                       lambda: outbox.send_due(database, settings, at=at, connection=ConnectionPerMessage(settings)), results)
        assert report.sent == n, report
        check_once(path, n, "per message")
        requeue(at)
        timed("two runners at once, reused connections", n, lambda: two_runners(database, settings, at), results)
        check_once(path, n, "two runners")
    finally:
        stop.set()
        server.join(10)
        outbox.OutboxMessage.delete().where(outbox.OutboxMessage.message_key.startswith("bench:")).execute()


def two_runners(database, settings, at):
    errors = []

    def runner():
        try:
            database.connect(reuse_if_open=True)
            while outbox.send_due(database, settings, at=at).sent:
                pass
        except Exception as error:  # noqa: BLE001 - reported by the caller
            errors.append(error)
        finally:
            database.close()

    threads = [threading.Thread(target=runner) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    database.connect(reuse_if_open=True)
    assert not errors, errors


def run_digests(args, results):
    import models
    from housing.mail import digest, due

    database = bind(args.digest_database_url)
    database.connect()
    schema.upgrade(database)
    staff = list(models.User.select().where(models.User.active == True).order_by(models.User.id).limit(args.staff))  # noqa: E712
    if len(staff) < args.staff:  # the benchmark database has ~20 accounts: add the rest for the run
        roles = ("operator", "operator", "clerk", "admin")
        with database.atomic():
            for i in range(len(staff), args.staff):
                staff.append(models.User.create(username=f"mailbench{i}", full_name=f"Mail Bench {i}", role=roles[i % 4],
                                                password_hash="x", email=f"mailbench{i}@example.org",
                                                language=("it", "en")[i % 2]))
    operators = [u for u in staff if u.role == "operator"]
    unassigned = models.Household.select(models.Household.id).where(models.Household.case_worker.is_null()).limit(20000)
    if operators and unassigned.count():  # a case load for each operator
        ids = [h.id for h in unassigned]
        with database.atomic():
            for position, operator in enumerate(operators):
                chunk = ids[position::len(operators)]
                for start in range(0, len(chunk), 500):
                    models.Household.update(case_worker=operator.id).where(
                        models.Household.id.in_(chunk[start:start + 500])).execute()
    today = datetime.date.today()
    added = add_stalled_matches(database, args.stalled_matches)
    items = timed("digest: collect the due items", 1, lambda: due.collect(today), results)
    built = timed(f"digest: build {len(staff)} digests", len(staff),
                  lambda: [digest.build(user, items, today, "https://bo.example.org/") for user in staff], results)
    lines = sum(d.count for d in built if d)
    sections = {}
    for item in items:
        sections[item.section] = sections.get(item.section, 0) + 1
    results["digest"] = {"staff": len(staff), "due_items": len(items), "sections": sections, "items_listed": lines,
                         "total_seconds": round(results["digest: collect the due items"]["seconds"]
                                                + results[f"digest: build {len(staff)} digests"]["seconds"], 3)}
    log(f"digest: {len(items)} due items {sections}, {lines} items over {len(staff)} digests, "
        f"total {results['digest']['total_seconds']} s (target <= 10 s)")
    with database.atomic():
        models.Household.update(case_worker=None).where(
            models.Household.case_worker.in_([u.id for u in staff if u.username.startswith("mailbench")])).execute()
        models.User.delete().where(models.User.username.startswith("mailbench")).execute()
        for start in range(0, len(added), 500):
            models.Match.delete().where(models.Match.id.in_(added[start:start + 500])).execute()
    database.close()


def add_stalled_matches(database, count):
    """Open matches stalled at the operators' and clerks' steps, when the database has
    fewer than ``count`` open ones (the generated databases have none): their ids."""
    import models
    from housing.workflow import FULL_ROUTE

    missing = count - models.Match.select().where(models.Match.status == "open").count()
    if missing <= 0:
        return []
    households = [h for (h,) in models.Household.select(models.Household.id).order_by(models.Household.id).limit(missing).tuples()]
    offers = [o for (o,) in models.Offer.select(models.Offer.id).order_by(models.Offer.id).limit(missing).tuples()]
    since = datetime.datetime.now().replace(microsecond=0) - datetime.timedelta(days=40)
    rows = [{"household": h, "offer": o, "route": "concordato_3_2", "step": FULL_ROUTE[i % 7], "status": "open",
             "step_since": since, "proposed_by": "mailbench", "snapshot": "{}", "created_at": since, "updated_at": since,
             "version": 1} for i, (h, o) in enumerate(zip(households, offers))]
    with database.atomic():
        for start in range(0, len(rows), 500):
            models.Match.insert_many(rows[start:start + 500]).execute()
    return [m for (m,) in models.Match.select(models.Match.id).where(models.Match.proposed_by == "mailbench").tuples()]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=sqlite_url(VAR / "mail-bench.db"))
    parser.add_argument("--messages", type=int, default=10000)
    parser.add_argument("--baseline", type=int, default=2000)
    parser.add_argument("--digest-database-url")
    parser.add_argument("--staff", type=int, default=200)
    parser.add_argument("--stalled-matches", type=int, default=3000, help="open stalled matches the digest run adds when missing")
    args = parser.parse_args(argv)
    results = {"started": datetime.datetime.now().isoformat(timespec="seconds"), "cpus": os.cpu_count()}
    log(f"uptime: load {load()}, {os.cpu_count()} CPUs")
    database = bind(args.database_url)
    database.connect()
    schema.upgrade(database)
    if args.messages:
        run_mail(database, args, results)
    database.close()
    if args.digest_database_url:
        run_digests(args, results)
    engine = "sqlite" if is_sqlite(args.database_url) else "postgresql"
    out = ROOT / "bench" / "results" / f"mail-{engine}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    log(f"results: {out}")


if __name__ == "__main__":
    main()
