"""The job runner's lock: one runner at a time per database, whichever host it runs on.

On PostgreSQL the lock lives in the database itself: a session-level advisory
lock taken on a connection kept open for the runner's whole life. Runners on
several hosts share that database, so they share the lock; the server drops it
the moment the holder's connection ends, however the runner died (SIGKILL,
power cut, network loss), so a crashed runner never keeps the next one out.

SQLite is one file on one host: an OS lock on a file next to it (``flock``
through ``filelock``) does the same job and is released by the kernel when the
process dies.
"""
import logging
import pathlib
import threading

import filelock
import peewee

from housing import paths, settings
from housing.database import is_sqlite, open_database

DEFAULT_LOCK_FILE = "var/jobs.lock"
DEFAULT_HEARTBEAT_FILE = "var/runner.heartbeat"
log = logging.getLogger(__name__)
# The advisory lock's key: a fixed name hashed by the server, so that other tools can find it in pg_locks.
LOCK_NAME = "housing-first:job-runner"
KEY_SQL = "hashtextextended(%s, 0)"
# pg_locks lists every database's locks; an advisory lock on a bigint key (objsubid 1) shows
# its high half as classid and its low half as objid. Another database's runner is not ours.
HELD_SQL = ("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            f" AND (classid::bigint << 32 | objid::bigint) = {KEY_SQL}::bigint")


class RunnerBusy(RuntimeError):
    pass


def lock_file(path=None):
    return pathlib.Path(path or settings.get("HOUSING_JOBS_LOCK") or paths.state_folder() / DEFAULT_LOCK_FILE)


def heartbeat_file(path=None):
    return pathlib.Path(path or settings.get("HOUSING_RUNNER_HEARTBEAT") or paths.state_folder() / DEFAULT_HEARTBEAT_FILE)


class RunnerLock:
    """Exclusive for the runner's life: ``with RunnerLock(url=...):`` raises ``RunnerBusy`` if held.

    ``url`` of a PostgreSQL database takes the advisory lock; otherwise (SQLite, or no URL)
    the lock file ``path`` (default ``HOUSING_JOBS_LOCK``).
    """

    def __init__(self, path=None, url=None):
        self.url = url if url and not is_sqlite(url) else None
        self.path = lock_file(path)
        self.connection = self.file = None

    @property
    def where(self):
        return "the database's advisory lock" if self.url else str(self.path)

    def __enter__(self):
        if self.url:
            self._take_advisory()
        else:
            self._take_file()
        return self

    def _take_advisory(self):
        # Its own connection, never the models' one: closing that (between requests, after
        # a job) would drop the lock. It sits idle, outside any transaction, until we exit.
        self.connection = open_database(self.url)
        self.connection.connect()
        taken = self.connection.execute_sql(f"SELECT pg_try_advisory_lock({KEY_SQL})", (LOCK_NAME,)).fetchone()[0]
        if not taken:
            self.connection.close()
            self.connection = None
            raise RunnerBusy("Another job runner holds the database's advisory lock.")

    def _take_file(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # No "soft" fallback: a lock file that merely exists would outlive a killed runner.
        self.file = filelock.FileLock(self.path, thread_local=False, fallback_to_soft=False)
        try:
            self.file.acquire(blocking=False)
        except filelock.Timeout:
            self.file = None
            raise RunnerBusy(f"Another job runner holds {self.path}.") from None

    def still_held(self):
        """False once the lock is lost: the lock's session ended under us (a server restart, a
        connection cut by the network), so another runner may have taken it meanwhile."""
        if self.connection is None:
            return self.file is not None
        try:
            return bool(self.connection.execute_sql(HELD_SQL + " AND pid = pg_backend_pid()", (LOCK_NAME,)).fetchone()[0])
        except (peewee.DatabaseError, peewee.InterfaceError):
            return False

    def __exit__(self, *exc):
        if self.connection is not None:
            try:
                self.connection.execute_sql(f"SELECT pg_advisory_unlock({KEY_SQL})", (LOCK_NAME,))
            except (peewee.DatabaseError, peewee.InterfaceError):
                pass  # the session is already gone, and the lock with it
            finally:
                self.connection.close()  # ends the session: the lock goes with it in any case
                self.connection = None
        if self.file is not None:
            self.file.release()
            self.file = None


def held_elsewhere(database):
    """On PostgreSQL, True when some session holds the runner's advisory lock; None on SQLite.

    Read from ``pg_locks`` without trying to take the lock, so a health check never keeps a
    starting runner out.
    """
    from housing.database import is_postgres

    if not is_postgres(database):
        return None
    return bool(database.execute_sql(HELD_SQL, (LOCK_NAME,)).fetchone()[0])


class RunnerHeartbeat:
    """Touch the heartbeat file every ``interval`` seconds while the runner lives, from a thread.

    A file rather than a row: an idle runner has no JobRun to beat, a write to the database every
    few seconds would contend with the back office on SQLite, and ``jobs.py --health`` must tell a
    dead runner from an unreachable database. It is this host's sign of life; on PostgreSQL the
    health check also sees a runner on another host through the advisory lock (``held_elsewhere``).
    """

    def __init__(self, path=None, interval=5):
        self.path, self.interval, self.stopping = heartbeat_file(path), interval, threading.Event()
        self.thread = threading.Thread(target=self._beat, name="runner-heartbeat", daemon=True)

    def _beat(self):
        while True:
            try:
                self.path.touch()
            except OSError:
                log.warning("Heartbeat file %s not written", self.path, exc_info=True)
            if self.stopping.wait(self.interval):
                return

    def __enter__(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.touch()  # beating before the first job starts, not after
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        self.thread.join()
        self.path.unlink(missing_ok=True)  # stopped on purpose: no runner here any more
