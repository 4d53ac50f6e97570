"""The job runner: records runs, isolates failures, one runner at a time."""
import pathlib
import subprocess
import sys

import pytest

import jobs
import models as m

REPO = pathlib.Path(__file__).resolve().parent.parent


def failing():
    raise ValueError("boom")


def test_a_failing_job_is_recorded_and_does_not_raise(database):
    run = jobs.recorded(database, jobs.Job("broken", 1, failing, ""))
    stored = m.JobRun.get_by_id(run.id)
    assert stored.outcome == "failed" and "boom" in stored.message
    assert stored.started_at and stored.finished_at


def test_a_successful_job_is_recorded(database):
    run = jobs.recorded(database, jobs.Job("ok", 1, lambda: ("success", "fatto"), ""))
    assert m.JobRun.get_by_id(run.id).outcome == "success"


def test_a_minutely_job_with_nothing_to_do_leaves_no_run_but_its_work_is_recorded(database):
    quiet = jobs.Job("mail", 1, lambda: ("skipped", "Nessuna e-mail da inviare."), "", keep_skipped=False)
    jobs.recorded(database, quiet)
    with database.connection_context():
        assert not m.JobRun.select().where(m.JobRun.name == "mail").exists()
    busy = quiet._replace(run=lambda: ("success", "E-mail: 3 inviate"))
    jobs.recorded(database, busy)
    with database.connection_context():
        assert [r.outcome for r in m.JobRun.select().where(m.JobRun.name == "mail")] == ["success"]
    assert {"mail", "digest"} <= set(jobs.registry())


def test_a_failing_job_does_not_stop_the_others(database):
    calls = []
    registry = {
        "first": jobs.Job("first", 1, failing, ""),
        "second": jobs.Job("second", 1, lambda: calls.append(1) or ("success", ""), ""),
    }
    scheduler = jobs.build_scheduler(database, registry)
    assert sorted(j.interval for j in scheduler.get_jobs()) == [1, 1]
    scheduler.run_all()
    assert calls == [1]
    assert {r.name: r.outcome for r in m.JobRun.select()} == {"first": "failed", "second": "success"}


def test_requested_runs_are_started_at_the_next_tick(database):
    request = m.JobRun.create(name="publish", outcome="requested", requested_by="anna", requested_at=m.now())
    unknown = m.JobRun.create(name="nonexistent", outcome="requested")
    jobs.run_requested(database, {"publish": jobs.Job("publish", 10, lambda: ("success", "ok"), "")})
    assert m.JobRun.get_by_id(request.id).outcome == "success"
    assert m.JobRun.get_by_id(request.id).requested_by == "anna"
    assert m.JobRun.get_by_id(unknown.id).outcome == "failed"


def test_the_publish_interval_is_configurable(monkeypatch):
    monkeypatch.setenv("HOUSING_PUBLISH_EVERY_MINUTES", "3")
    assert jobs.registry()["publish"].every_minutes == 3
    monkeypatch.setenv("HOUSING_PUBLISH_EVERY_MINUTES", "abc")
    assert jobs.registry()["publish"].every_minutes == 10


def test_two_runners_cannot_run_at_once(tmp_path):
    lock = tmp_path / "jobs.lock"
    with jobs.RunnerLock(lock):
        with pytest.raises(jobs.RunnerBusy):
            with jobs.RunnerLock(lock):
                pass
        other = subprocess.run([sys.executable, "jobs.py", "--once", "publish"], capture_output=True, text=True,
                               env={"HOUSING_JOBS_LOCK": str(lock), "PATH": "/usr/bin:/bin",
                                    "HOUSING_DATABASE_URL": "sqlite:///" + str(tmp_path / "x.db")}, timeout=60, cwd=REPO)
        assert other.returncode == 3 and "Another job runner" in other.stderr
    with jobs.RunnerLock(lock):
        pass  # free again


def test_cli_lists_jobs_and_refuses_unknown_ones():
    listed = subprocess.run([sys.executable, "jobs.py", "--list"], capture_output=True, text=True, timeout=60, cwd=REPO)
    assert listed.returncode == 0 and "publish" in listed.stdout
    unknown = subprocess.run([sys.executable, "jobs.py", "--once", "nope"], capture_output=True, text=True, timeout=60, cwd=REPO)
    assert unknown.returncode == 2 and "unknown job" in unknown.stderr and "Traceback" not in unknown.stderr
