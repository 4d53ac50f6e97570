"""Health of the programme's services, as plain data for the city's monitoring.

``report(database)`` checks that the database answers, that no migration is
pending, and how the last publication and the last backup went and how long
ago they succeeded. Each check has a status, and the report the worst one:

- ``ok``: nothing to do;
- ``degraded``: the service works but someone should look (the last run
  failed, the last success is older than its threshold, or there was none yet);
- ``failing``: the service cannot work (database unreachable, schema behind
  the code, job runner gone).

Only outcomes, times and counts leave this module: never a run's message (an
error text may quote data), a host name, a path or a version.
"""
import datetime
import pathlib

import peewee

from housing import settings

STATUSES = ("ok", "degraded", "failing")


def threshold(name):
    """A threshold of ``housing.settings`` (HOUSING_HEALTH_...), its default when unusable."""
    try:
        return max(0.0, float(settings.get(name)))
    except ValueError:
        return float(settings.BY_NAME[name].default)


def worst(statuses):
    return max(statuses, key=STATUSES.index, default="ok")


def stamp(moment):
    # The database keeps the server's local time without a zone: the offset makes it unambiguous.
    return moment.astimezone().isoformat(timespec="seconds") if moment else None


def age_seconds(moment, at):
    return max(0, int((at - moment).total_seconds())) if moment else None


def check_database(database):
    try:
        database.connect(reuse_if_open=True)
        database.execute_sql("SELECT 1").fetchone()
    except (peewee.DatabaseError, peewee.InterfaceError, OSError):
        # The error text may name a host, a user or a path: monitoring only needs to know.
        return {"status": "failing", "reachable": False}
    return {"status": "ok", "reachable": True}


def check_migrations(database):
    from housing import schema

    try:
        pending = len(schema.pending(database))
    except (peewee.DatabaseError, peewee.InterfaceError):
        return {"status": "failing", "pending": None}
    return {"status": "failing" if pending else "ok", "pending": pending}


def check_job(name, max_age_hours, at):
    """The last finished run of job ``name`` and the age of its last success."""
    from models import JobRun

    finished = JobRun.finished(name)
    last = finished.order_by(JobRun.id.desc()).first()
    good = finished.where(JobRun.outcome != "failed").order_by(JobRun.id.desc()).first()
    success_at = good and (good.finished_at or good.started_at)
    max_age = int(max_age_hours * 3600)
    result = {
        "last_outcome": last.outcome if last else None,
        "last_finished_at": stamp(last and last.finished_at),
        "last_success_at": stamp(success_at),
        "last_success_age_seconds": age_seconds(success_at, at),
        "max_age_seconds": max_age,
    }
    fresh = success_at is not None and age_seconds(success_at, at) <= max_age
    result["status"] = "ok" if fresh and last.outcome != "failed" else "degraded"
    return result


def report(database, at=None):
    """The back office's health: ``{"status", "checked_at", "checks": {name: {"status", ...}}}``."""
    from models import now

    at = at or now()
    checks = {"database": check_database(database)}
    if checks["database"]["reachable"]:
        checks["migrations"] = check_migrations(database)
        if checks["migrations"]["status"] == "ok":
            try:
                checks["publication"] = check_job("publish", threshold("HOUSING_HEALTH_MAX_PUBLICATION_AGE_HOURS"), at)
                checks["backup"] = check_job("backup", threshold("HOUSING_HEALTH_MAX_BACKUP_AGE_HOURS"), at)
            except (peewee.DatabaseError, peewee.InterfaceError):
                checks["jobs"] = {"status": "failing"}
    return summary(checks, at)


def summary(checks, at):
    return {"status": worst(check["status"] for check in checks.values()), "checked_at": stamp(at), "checks": checks}


def check_runner(heartbeat, database=None, at=None):
    """The job runner's sign of life: its heartbeat file, written every few seconds while it lives.

    On PostgreSQL a runner on another host may be the one holding the lock: then this host's
    missing heartbeat is no failure (``runner_lock.held_elsewhere``).
    """
    from housing import runner_lock
    from models import now

    at = at or now()
    path = pathlib.Path(heartbeat)
    try:
        beat = datetime.datetime.fromtimestamp(path.stat().st_mtime).replace(microsecond=0)
    except OSError:
        beat = None
    silence = int(threshold("HOUSING_HEALTH_MAX_RUNNER_SILENCE_SECONDS"))
    result = {"last_beat_at": stamp(beat), "silence_seconds": age_seconds(beat, at), "max_silence_seconds": silence}
    alive_here = beat is not None and age_seconds(beat, at) <= silence
    elsewhere = None
    if not alive_here and database is not None:
        try:
            elsewhere = runner_lock.held_elsewhere(database)
        except (peewee.DatabaseError, peewee.InterfaceError):
            elsewhere = None
    result["lock_held_elsewhere"] = elsewhere
    result["status"] = "ok" if alive_here or elsewhere else "failing"
    return result


def runner_report(database, heartbeat, at=None):
    """The runner's health (``jobs.py --health``): the back office's checks plus its heartbeat."""
    from models import now

    at = at or now()
    checks = dict(report(database, at)["checks"])
    reachable = checks["database"]["reachable"]
    checks["runner"] = check_runner(heartbeat, database if reachable else None, at)
    return summary(checks, at)
