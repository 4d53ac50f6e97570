"""GET /health and ``jobs.py --health``: open without login, statuses only, never personal data."""
import datetime
import json
import os
import shutil
import subprocess
import sys
import time

import models as m
from housing import health, runner_lock, schema
from housing.database import is_sqlite, sqlite_url
from samples import MARIO, make_household

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def get_health(client):
    response = client.get("/health")
    assert response.mimetype == "application/json"
    return response.status_code, response.get_json()


def finished(name, outcome, hours_ago, message="ok"):
    at = m.now() - datetime.timedelta(hours=hours_ago)
    return m.JobRun.create(name=name, outcome=outcome, started_at=at, finished_at=at, message=message)


def seed_good_runs(app):
    with app.extensions["database"].connection_context():
        finished("publish", "skipped", 0.1)
        finished("backup", "success", 5)


def test_a_fresh_database_is_degraded_and_needs_no_login(client):
    status, body = get_health(client)
    assert status == 200 and body["status"] == "degraded", body
    checks = body["checks"]
    assert checks["database"] == {"status": "ok", "reachable": True}
    assert checks["migrations"] == {"status": "ok", "pending": 0}
    for name in ("publication", "backup"):
        assert checks[name]["status"] == "degraded" and checks[name]["last_outcome"] is None


def test_recent_good_runs_are_ok(app, client):
    seed_good_runs(app)
    status, body = get_health(client)
    assert status == 200 and body["status"] == "ok", body
    publication = body["checks"]["publication"]
    assert publication["last_outcome"] == "skipped" and publication["last_success_age_seconds"] < 3600
    assert publication["max_age_seconds"] == 3 * 3600


def test_a_pending_migration_is_failing(app, client, tmp_path, monkeypatch):
    seed_good_runs(app)
    # The code one migration ahead of the database, as after a deployment without "flask migrate".
    shutil.copytree(schema.MIGRATIONS_DIR, tmp_path / "migrations")
    (tmp_path / "migrations" / "9999_ahead.py").write_text("def up(migrator, db):\n    pass\n")
    monkeypatch.setattr(schema, "MIGRATIONS_DIR", str(tmp_path / "migrations"))
    status, body = get_health(client)
    assert status == 503 and body["status"] == "failing"
    assert body["checks"]["migrations"] == {"status": "failing", "pending": 1}


def test_a_stale_publication_is_degraded(app, client, monkeypatch):
    with app.extensions["database"].connection_context():
        finished("publish", "success", 5)
        finished("backup", "success", 1)
    status, body = get_health(client)
    assert status == 200 and body["status"] == "degraded"
    assert body["checks"]["publication"]["status"] == "degraded" and body["checks"]["backup"]["status"] == "ok"
    monkeypatch.setenv("HOUSING_HEALTH_MAX_PUBLICATION_AGE_HOURS", "6")
    assert get_health(client)[1]["status"] == "ok", "the threshold is a setting"


def test_a_failed_publication_is_degraded_even_after_a_recent_success(app, client):
    seed_good_runs(app)
    with app.extensions["database"].connection_context():
        finished("publish", "failed", 0, message="MkDocs build failed")
    status, body = get_health(client)
    publication = body["checks"]["publication"]
    assert status == 200 and body["status"] == "degraded"
    assert publication["status"] == "degraded" and publication["last_outcome"] == "failed"
    assert publication["last_success_at"] is not None
    assert "MkDocs" not in json.dumps(body), "messages stay in the back office"


def test_a_failed_backup_is_degraded(app, client):
    seed_good_runs(app)
    with app.extensions["database"].connection_context():
        finished("backup", "failed", 0)
    status, body = get_health(client)
    assert status == 200 and body["status"] == "degraded"
    assert body["checks"]["backup"]["last_outcome"] == "failed" and body["checks"]["publication"]["status"] == "ok"


def test_no_personal_data_in_the_body(app, client):
    seed_good_runs(app)
    with app.extensions["database"].connection_context():
        household = make_household(code="NF-2026-0777", email="famiglia.rossi@example.it")
        m.Person.create(household=household, first_name="Mario", last_name="Rossi", tax_code=MARIO,
                        birth_date=datetime.date(1980, 1, 1), sex="M", relation="reference")
        finished("publish", "failed", 0, message=f"Errore su {MARIO} famiglia.rossi@example.it NF-2026-0777")
    status, body = get_health(client)
    text = json.dumps(body)
    assert status == 200
    for secret in ("NF-2026-0777", "famiglia.rossi@example.it", MARIO, "Rossi", "Mario"):
        assert secret not in text
    assert set(body) == {"status", "checked_at", "checks"}


def test_an_unreachable_database_is_503_without_details(tmp_path):
    from admin import create_app

    # A folder where the database file should be: SQLite cannot open it, even as root.
    url = sqlite_url(tmp_path / "not-a-database")
    (tmp_path / "not-a-database").mkdir()
    app = create_app({"TESTING": True, "ENV": "testing", "SECRET_KEY": "x", "DATABASE_URL": url,
                      "SESSION_COOKIE_SECURE": False})
    status, body = get_health(app.test_client())
    assert status == 503 and body["status"] == "failing"
    assert body["checks"] == {"database": {"status": "failing", "reachable": False}}
    assert str(tmp_path) not in json.dumps(body)


def test_the_runner_is_failing_without_a_fresh_heartbeat(database, db_url, tmp_path):
    heartbeat = tmp_path / "runner.heartbeat"
    assert health.check_runner(heartbeat, database)["status"] == "failing"
    heartbeat.touch()
    assert health.check_runner(heartbeat, database)["status"] == "ok"
    old = (m.now() - datetime.timedelta(minutes=5)).timestamp()
    os.utime(heartbeat, (old, old))
    assert health.check_runner(heartbeat, database)["status"] == "failing"
    if not is_sqlite(db_url):
        # A runner on another host holds the database's lock: this host's silence is no failure.
        with runner_lock.RunnerLock(tmp_path / "other.lock", url=db_url):
            runner = health.check_runner(heartbeat, database)
        assert runner["status"] == "ok" and runner["lock_held_elsewhere"] is True


def test_the_runner_beats_while_it_lives_and_says_so_when_it_stops(database, tmp_path):
    heartbeat = tmp_path / "var" / "runner.heartbeat"
    with runner_lock.RunnerHeartbeat(heartbeat, interval=0.05):
        assert health.check_runner(heartbeat, database)["status"] == "ok"
        before = heartbeat.stat().st_mtime_ns
        wait_until = time.monotonic() + 30
        while heartbeat.stat().st_mtime_ns == before and time.monotonic() < wait_until:
            time.sleep(0.01)
        assert heartbeat.stat().st_mtime_ns != before, "it beats again"
    assert not heartbeat.exists() and health.check_runner(heartbeat, database)["status"] == "failing"


def run_health(db_url, heartbeat):
    env = {"PATH": "/usr/bin:/bin", "HOUSING_DATABASE_URL": db_url, "HOUSING_RUNNER_HEARTBEAT": str(heartbeat)}
    return subprocess.run([sys.executable, "jobs.py", "--health"], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=60)


def test_jobs_health_prints_json_and_exits_1_when_failing(database, db_url, tmp_path):
    finished("publish", "success", 0)
    finished("backup", "success", 0)
    heartbeat = tmp_path / "runner.heartbeat"
    silent = run_health(db_url, heartbeat)
    assert silent.returncode == 1 and json.loads(silent.stdout)["checks"]["runner"]["status"] == "failing"
    heartbeat.touch()
    alive = run_health(db_url, heartbeat)
    assert alive.returncode == 0, alive.stdout + alive.stderr
    body = json.loads(alive.stdout)
    assert body["status"] == "ok" and set(body["checks"]) == {"database", "migrations", "publication", "backup", "runner"}
    (tmp_path / "folder.db").mkdir()
    down = run_health(sqlite_url(tmp_path / "folder.db"), heartbeat)
    assert down.returncode == 1 and json.loads(down.stdout)["checks"]["database"]["reachable"] is False
