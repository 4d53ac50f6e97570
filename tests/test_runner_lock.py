"""One job runner at a time per database: two processes on two connections, both engines.

On PostgreSQL each runner gets its own lock file, as on two hosts: only the
database's advisory lock can keep them apart. SQLite lives on one host, so
there the lock file is shared.
"""
import os
import signal
import subprocess
import sys
import time

import pytest

import models as m
from housing import runner_lock
from housing.database import is_sqlite, open_database

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEADLINE = 30  # seconds: every wait below is bounded, none is a timing assertion

# A runner whose only job writes "started-<pid>" and then waits for "release" (at most DEADLINE).
RUNNER = """
import os, pathlib, sys, time
import jobs
folder = pathlib.Path(sys.argv[1])
def probe():
    (folder / f"started-{os.getpid()}").touch()
    end = time.monotonic() + %d
    while not (folder / "release").exists() and time.monotonic() < end:
        time.sleep(0.05)
    return "success", "probe done"
jobs.registry = lambda: {"probe": jobs.Job("probe", 1, probe, "test")}
sys.exit(jobs.main(["--once", "probe"]))
""" % DEADLINE


def start_runner(db_url, folder, lock):
    env = {"PATH": "/usr/bin:/bin", "HOUSING_DATABASE_URL": db_url, "HOUSING_JOBS_LOCK": str(lock)}
    return subprocess.Popen([sys.executable, "-c", RUNNER, str(folder)], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(condition, what):
    end = time.monotonic() + DEADLINE
    while not condition():
        assert time.monotonic() < end, f"gave up waiting for {what}"
        time.sleep(0.05)


def lock_paths(db_url, tmp_path):
    if is_sqlite(db_url):
        return tmp_path / "jobs.lock", tmp_path / "jobs.lock"
    return tmp_path / "host-a" / "jobs.lock", tmp_path / "host-b" / "jobs.lock"  # no file in common


def probe_runs():
    return list(m.JobRun.select().where(m.JobRun.name == "probe"))


def test_two_runners_on_two_connections_never_run_at_once(database, db_url, tmp_path):
    lock_a, lock_b = lock_paths(db_url, tmp_path)
    first, second = start_runner(db_url, tmp_path, lock_a), start_runner(db_url, tmp_path, lock_b)
    try:
        # Whichever wins waits for "release"; the other must give up meanwhile.
        wait_for(lambda: list(tmp_path.glob("started-*")) or first.poll() is not None and second.poll() is not None,
                 "a runner to start its job")
        started = [int(path.name.split("-")[1]) for path in tmp_path.glob("started-*")]
        assert started, (first.stderr.read(), second.stderr.read())
        winner, loser = (first, second) if started[0] == first.pid else (second, first)
        assert loser.wait(DEADLINE) == 3, loser.stderr.read()
        assert "Another job runner" in loser.stderr.read()
        assert len(list(tmp_path.glob("started-*"))) == 1
        (tmp_path / "release").touch()
        assert winner.wait(DEADLINE) == 0, winner.stderr.read()
    finally:
        for process in (first, second):
            if process.poll() is None:
                process.kill()
            process.wait()
            process.stdout.close(), process.stderr.close()
    runs = probe_runs()
    assert [run.outcome for run in runs] == ["success"], "one run, by one runner"


def lock_free(db_url):
    if is_sqlite(db_url):
        return True  # the kernel drops a flock with the process
    database = open_database(db_url)
    with database.connection_context():
        return not runner_lock.held_elsewhere(database)


def test_the_lock_dies_with_its_runner(database, db_url, tmp_path):
    lock_a, lock_b = lock_paths(db_url, tmp_path)
    holder = start_runner(db_url, tmp_path, lock_a)
    try:
        wait_for(lambda: list(tmp_path.glob("started-*")) or holder.poll() is not None, "the first runner's job")
        assert holder.poll() is None, holder.stderr.read()
        os.kill(holder.pid, signal.SIGKILL)  # no __exit__, no unlock: only the OS or the server can free it
        holder.wait(DEADLINE)
        # PostgreSQL ends the dead runner's session when it sees the socket closed.
        wait_for(lambda: lock_free(db_url), "the server to drop the dead runner's session")
        (tmp_path / "release").touch()
        successor = subprocess.run([sys.executable, "-c", RUNNER, str(tmp_path)], cwd=REPO, capture_output=True,
                                   text=True, timeout=DEADLINE * 2,
                                   env={"PATH": "/usr/bin:/bin", "HOUSING_DATABASE_URL": db_url,
                                        "HOUSING_JOBS_LOCK": str(lock_b)})
        assert successor.returncode == 0, successor.stderr
    finally:
        if holder.poll() is None:
            holder.kill()
        holder.wait()
        holder.stdout.close(), holder.stderr.close()
    outcomes = sorted(run.outcome for run in probe_runs())
    assert outcomes == ["failed", "success"], "the killed runner's run was failed by its successor"


def test_a_lock_in_the_same_process_is_refused_on_postgres_too(db_url, tmp_path):
    with runner_lock.RunnerLock(tmp_path / "a.lock", url=db_url):
        with pytest.raises(runner_lock.RunnerBusy):
            with runner_lock.RunnerLock(tmp_path / ("a.lock" if is_sqlite(db_url) else "b.lock"), url=db_url):
                pass
    with runner_lock.RunnerLock(tmp_path / "a.lock", url=db_url):
        pass  # free again after a clean exit


def test_a_runner_whose_lock_session_ends_stops_before_its_next_job(database, db_url, tmp_path, monkeypatch):
    import jobs

    with runner_lock.RunnerLock(tmp_path / "jobs.lock", url=db_url) as lock:
        assert lock.still_held()
        if is_sqlite(db_url):
            return  # a flock cannot be taken away from a living process
        # What a server restart or a connection cut by the network does to the lock's session.
        pid = lock.connection.execute_sql("SELECT pg_backend_pid()").fetchone()[0]
        database.execute_sql("SELECT pg_terminate_backend(%s)", (pid,))
        wait_for(lambda: not lock.still_held(), "the lock's session to end")
        monkeypatch.setattr(jobs, "LOCK_CHECK_SECONDS", 0)
        monkeypatch.setattr(jobs.signal, "signal", lambda *args: None)  # keep pytest's own handlers
        ran = []
        job = jobs.Job("probe", 1, lambda: ran.append(1) or ("success", "ran"), "test", at_start=False)
        m.JobRun.create(name="probe", outcome="requested", requested_at=m.now())
        with pytest.raises(jobs.LockLost):
            jobs.run_forever(database, {"probe": job}, tick=0.01, lock=lock)
        assert not ran, "no job started without the lock"
    # Leaving the block does not raise although the session is gone.


def test_a_runner_of_another_database_on_the_same_server_is_not_ours(database, db_url, tmp_path):
    if is_sqlite(db_url):
        pytest.skip("PostgreSQL only: advisory locks are per database, pg_locks lists them all")
    server = os.environ["TEST_DATABASE_URL"]  # the server's own database, not the suite's
    other = open_database(server)
    with runner_lock.RunnerLock(tmp_path / "a.lock", url=server), other.connection_context():
        assert runner_lock.held_elsewhere(other) is True
        assert runner_lock.held_elsewhere(database) is False
