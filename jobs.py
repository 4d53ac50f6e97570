"""The job runner of the programme: publishes the public site and backs up the database on a schedule.

    python jobs.py                      run the schedule until stopped (SIGTERM/Ctrl-C)
    python jobs.py --serve-site HOST:PORT   ... and serve the live site on that address
    python jobs.py --once publish       run one job now and exit (cron, tests)
    python jobs.py --once backup        take a verified backup of the database now
    python jobs.py --list               list the jobs and their schedules
    python jobs.py --health             print the runner's health as JSON; exit 1 when failing

Each job catches and logs its own errors and records every run (start, end,
outcome, message) in the database; a failing job never stops the others. One
runner at a time per database, on any number of hosts: a second one exits at once
(``housing/runner_lock.py``: PostgreSQL's advisory lock, or a lock file next to
SQLite). "Pubblica ora" in the back office asks for a run that this runner starts
at its next tick. While it lives, the runner touches its heartbeat file every few
seconds; ``--health`` reads it (``housing/health.py``).

A runner that dies in the middle of a run (SIGKILL, out of memory, power cut)
cannot record its end: its run stays "running". The next runner, once it holds
the lock, knows that no other runner is alive, so it marks every run still
"running" as failed, naming the runner that held it (``recover_abandoned``);
each run records its runner (``<host>:<pid>``) and a heartbeat, so that the
back office, and a runner on another host, can tell a silent runner too.
The dead runner's MkDocs children ended with it (``housing/publishing/children.py``)
and its unfinished release is swept by the next publication (``releases.py``).
"""
import argparse
import datetime
import http.server
import logging
import os
import pathlib
import re
import signal
import socket
import sys
import threading
import time
from typing import Callable, NamedTuple

import schedule

from housing import log_setup, settings
from housing.database import bind, configured_url
from housing.runner_lock import RunnerBusy, RunnerHeartbeat, RunnerLock, heartbeat_file  # noqa: F401 - jobs.RunnerLock is public
from models import JobRun, now

log = logging.getLogger("jobs")


# The runner's settings (the one registry: housing/settings.py; documented in the README).
SETTINGS = settings.read_by(settings.RUNNER)


class Job(NamedTuple):
    name: str
    every_minutes: int
    run: Callable[[], tuple]
    help: str
    at: str | None = None  # "HH:MM": once a day at that time instead of every_minutes
    at_start: bool = True  # also run when the runner starts (a nightly backup waits for its night)
    keep_skipped: bool = True  # False: a run with nothing to do leaves no JobRun (a job every minute)


def publish_job():
    from housing.publishing import pipeline

    return pipeline.publish()


def backup_job():
    from housing import backups

    return backups.job(configured_url())


def retention_job():
    from housing import retention

    return retention.job()


def mail_job():
    from housing.mail import runner

    return runner.send_job()


def digest_job():
    from housing.mail import runner

    return runner.digest_job()


def interval(setting, default):
    try:
        return max(1, int(settings.get(setting) or default))
    except ValueError:
        return default


def time_of_day(setting, default):
    value = settings.get(setting) or ""
    if re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
        return value
    if value:
        log.warning("%s=%r is not a time HH:MM: using %s.", setting, value, default)
    return default


def backup_schedule():
    """(every_minutes, at) of the backup job: nightly at HOUSING_BACKUP_AT unless HOUSING_BACKUP_EVERY_HOURS."""
    if settings.get("HOUSING_BACKUP_EVERY_HOURS"):
        return interval("HOUSING_BACKUP_EVERY_HOURS", 24) * 60, None
    return 24 * 60, time_of_day("HOUSING_BACKUP_AT", "02:30")


def registry():
    """The jobs, as data; later issues add reminders here."""
    every, at = backup_schedule()
    return {
        "publish": Job("publish", interval("HOUSING_PUBLISH_EVERY_MINUTES", 10), publish_job,
                       "Export the public data, build the site, check it and publish it if it changed."),
        "backup": Job("backup", every, backup_job,
                      "Back up the database, verify the copy, then rotate the old backups.", at=at, at_start=False),
        # not at start: a runner restarted often would otherwise apply the rules at every restart
        "retention": Job("retention", interval("HOUSING_RETENTION_EVERY_DAYS", 7) * 24 * 60, retention_job,
                         "Apply the personal-data retention rules (anonymise or delete, audited).", at_start=False),
        "mail": Job("mail", 1, mail_job, "Send the outbox's due e-mails over SMTP (retries with back-off; "
                    "nothing is sent without SMTP settings).", keep_skipped=False),
        "digest": Job("digest", 60, digest_job,
                      "Queue each staff member's daily digest once their hour has come (one a day)."),
    }


def schedule_text(job):
    return f"daily at {job.at}" if job.at else f"every {job.every_minutes} min"


# While a job runs, its runner refreshes JobRun.heartbeat_at this often (seconds) ...
HEARTBEAT_SECONDS = 5
# ... and a run that has not beaten for this long is taken for dead by anyone: the back office,
# or a runner on another host (a dozen beats missed: far above a busy database's pauses).
STALE_AFTER = datetime.timedelta(seconds=60)


def runner_id():
    """This runner, as JobRun.runner records it: ``<host>:<pid>``."""
    return f"{socket.gethostname()}:{os.getpid()}"


def runner_gone(run, at=None):
    """True when the runner of a "running" run has given no sign of life for ``STALE_AFTER``."""
    last = run.heartbeat_at or run.started_at
    return last is None or (at or now()) - last > STALE_AFTER


def recover_abandoned(database, warned=None):
    """Fail the runs that a dead runner left "running"; return them.

    Call only while holding the ``RunnerLock`` and between jobs. A run is abandoned when its
    runner was on this host (the lock proves that no runner here is alive, and this one is
    between jobs), was never recorded (runs from before the column), or has stopped beating
    (``runner_gone``: a runner on another host). A run that another host's runner still beats
    for is left alone: with SQLite's per-host lock file two runners may share a database, and
    ``flask backup`` records its runs without the runner's lock.
    """
    host, abandoned = socket.gethostname(), []
    with database.connection_context():
        for run in JobRun.running():
            local = run.runner is None or run.runner.rpartition(":")[0] == host
            if not local and not runner_gone(run):
                if warned is None or run.id not in warned:
                    log.warning("Run %s of %s is held by the runner %s on another host, still alive: "
                                "two runners share this database.", run.id, run.name, run.runner)
                if warned is not None:
                    warned.add(run.id)
                continue
            dead = f"job runner {run.runner}" if run.runner else "job runner"
            beat = run.heartbeat_at
            last = f", ultimo segnale alle {beat:%H:%M:%S} del {beat:%d/%m/%Y}" if beat else ""
            # What the interruption left behind, which differs by job.
            kept = {"publish": " Il sito pubblico è rimasto alla versione precedente.",
                    "backup": " Nessun nuovo backup: i precedenti sono intatti."}.get(run.name, "")
            run.outcome, run.finished_at = "failed", now()
            run.message = (f"Interrotta: il {dead} è terminato prima della fine (processo ucciso o spento{last}); "
                           f"rilevato dal job runner {runner_id()}.{kept} "
                           f"/ Interrupted: the {dead} ended before the run finished.")
            # Only if still "running": the condition keeps this true even without the lock.
            changed = JobRun.update(outcome=run.outcome, finished_at=run.finished_at, message=run.message).where(
                (JobRun.id == run.id) & (JobRun.outcome == "running")).execute()
            if changed:
                abandoned.append(run)
                log.warning("Run %s of %s was left running by the %s: marked failed.", run.id, run.name, dead)
    return abandoned


class Heartbeat:
    """Refresh ``run.heartbeat_at`` from a thread while the job runs (its own connection)."""

    def __init__(self, database, run):
        self.database, self.run, self.stopping = database, run, threading.Event()
        self.thread = threading.Thread(target=self._beat, name=f"heartbeat-{run.id}", daemon=True)

    def _beat(self):
        while not self.stopping.wait(HEARTBEAT_SECONDS):
            try:
                with self.database.connection_context():
                    JobRun.update(heartbeat_at=now()).where(
                        (JobRun.id == self.run.id) & (JobRun.outcome == "running")).execute()
            except Exception:  # noqa: BLE001 - a missed beat is not a failed job
                log.warning("Heartbeat of run %s not recorded", self.run.id, exc_info=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        self.thread.join()


def recorded(database, job, request=None):
    """Run ``job`` and record the run; never raise (schedule would skip later jobs)."""
    with database.connection_context():
        run = request or JobRun(name=job.name)
        run.outcome, run.started_at, run.finished_at, run.message = "running", now(), None, None
        # Who runs it, and its sign of life: a run whose runner dies is recognised and failed.
        run.runner, run.heartbeat_at = runner_id(), run.started_at
        run.save()
    with log_setup.tagged(f"{job.name}-{run.id}"):  # the run's id on its log lines, as a request's
        try:
            with Heartbeat(database, run):
                outcome, message = job.run()
        except Exception as error:  # noqa: BLE001 - the record says what failed
            log.exception("Job %s failed", job.name)
            outcome, message = "failed", f"{type(error).__name__}: {error}"[:4000]
        with database.connection_context():
            if outcome == "skipped" and not job.keep_skipped and request is None:
                run.delete_instance()  # nothing done: no row a minute in the runs' history
            else:
                run.outcome, run.message, run.finished_at, run.heartbeat_at = outcome, message, now(), now()
                run.save()
        # a run with nothing to do (the mail job, every minute) leaves no row and no line at INFO
        quiet = outcome == "skipped" and not job.keep_skipped and request is None
        log.log(logging.DEBUG if quiet else logging.INFO, "Job %s: %s - %s", job.name, outcome, message)
    return run


def run_requested(database, jobs):
    """Start the runs asked for from the back office ("Pubblica ora")."""
    with database.connection_context():
        requests = list(JobRun.requested())
    for request in requests:
        job = jobs.get(request.name)
        if job is None:
            with database.connection_context():
                request.outcome, request.message, request.finished_at = "failed", "Job sconosciuto.", now()
                request.save()
            continue
        recorded(database, job, request)


def build_scheduler(database, jobs):
    scheduler = schedule.Scheduler()
    for job in jobs.values():
        when = scheduler.every().day.at(job.at) if job.at else scheduler.every(job.every_minutes).minutes
        when.do(recorded, database, job)
    return scheduler


def not_found_page(site, path):
    """The site's 404 page for a request path: the English one under /en/, else the Italian one; None if missing."""
    english = site / "en" / "404.html"
    page = english if path.split("?", 1)[0].startswith("/en/") and english.is_file() else site / "404.html"
    return page if page.is_file() else None


def serve_site(address, root):
    """Serve the live site (``root/current``) on ``HOST:PORT`` from a thread."""
    host, _, port = address.rpartition(":")
    current = pathlib.Path(root) / "current"

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            # Resolved per request, so that a new release is served at once.
            super().__init__(*args, directory=str(current.resolve()), **kwargs)

        def log_message(self, *args):
            pass

        def send_error(self, code, message=None, explain=None):
            """A missing page gets the site's own 404 page (the English one under /en/), not Python's."""
            page = not_found_page(pathlib.Path(self.directory), self.path) if code == 404 else None
            if page is None:
                return super().send_error(code, message, explain)
            body = page.read_bytes()
            self.send_response(404, message)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

    server = http.server.ThreadingHTTPServer((host or "127.0.0.1", int(port)), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def print_health():
    """``--health``: the runner's health as JSON on stdout; 1 when failing, else 0."""
    import json

    from housing import health

    database = bind(configured_url())
    try:
        body = health.runner_report(database, heartbeat_file())
    finally:
        if not database.is_closed():
            database.close()
    print(json.dumps(body, indent=2))
    return 1 if body["status"] == "failing" else 0


# How often (seconds) a runner makes sure it still holds its lock between jobs.
LOCK_CHECK_SECONDS = 30


class LockLost(RuntimeError):
    pass


def run_forever(database, jobs, tick=1.0, serve=None, lock=None):
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    scheduler = build_scheduler(database, jobs)
    if serve:
        from housing.publishing.pipeline import site_root

        serve_site(serve, site_root())
        log.info("Serving the live site on http://%s/", serve)
    for job in jobs.values():  # a build at start-up, then on schedule
        if job.at_start:
            recorded(database, job)
    warned, checked = set(), time.monotonic()
    while not stopping.is_set():
        if lock is not None and time.monotonic() - checked >= LOCK_CHECK_SECONDS:
            if not lock.still_held():
                # Another runner may hold it by now: starting one more job could run it twice.
                raise LockLost(f"The job runner lost {lock.where}.")
            checked = time.monotonic()
        scheduler.run_pending()
        recover_abandoned(database, warned)  # e.g. a run of another host's runner that stopped beating
        run_requested(database, jobs)
        stopping.wait(tick)
    log.info("Job runner stopped.")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n\n", 1)[1])
    parser.add_argument("--once", metavar="JOB", help="run one job now and exit")
    parser.add_argument("--list", action="store_true", help="list the jobs")
    parser.add_argument("--serve-site", metavar="HOST:PORT", help="also serve the live site on this address")
    parser.add_argument("--health", action="store_true", help="print the runner's health as JSON; exit 1 when failing")
    args = parser.parse_args(argv)
    log_setup.configure(default_level=logging.INFO)
    if args.health:
        return print_health()
    jobs = registry()
    if args.list:
        for job in jobs.values():
            print(f"{job.name:10} {schedule_text(job)}  {job.help}")
        return 0
    if args.once and args.once not in jobs:
        parser.error(f"unknown job {args.once!r}; known: {', '.join(jobs)}")
    url = configured_url()
    database = bind(url)
    try:
        with RunnerLock(url=url) as lock:
            recover_abandoned(database)
            if args.once:
                run = recorded(database, jobs[args.once])
                print(f"{run.name}: {run.outcome} - {run.message}")
                return 1 if run.outcome == "failed" else 0
            with RunnerHeartbeat(heartbeat_file(), HEARTBEAT_SECONDS):
                run_forever(database, jobs, serve=args.serve_site, lock=lock)
    except RunnerBusy as busy:
        print(f"{busy} Exiting.", file=sys.stderr)
        return 3
    except LockLost as lost:
        log.error("%s Exiting, for its supervisor (systemd) to start it again.", lost)
        return 4
    return 0


if __name__ == "__main__":
    sys.exit(main())
