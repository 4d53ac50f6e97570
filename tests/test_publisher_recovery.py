"""A publisher killed in the middle of a build is recovered: real processes, real database, real MkDocs.

The runner (``python jobs.py``) is started on a small demo database and SIGKILLed
while its MkDocs children build; then the next start must mark the run failed
with a reason, the back office must offer "Pubblica ora" again, no MkDocs child
may survive, the unfinished release must be gone and not counted, and the live
site must be the one published before.
"""
import os
import pathlib
import re
import datetime
import signal
import socket
import subprocess
import sys
import time

import pytest

import jobs
import models as m
from conftest import csrf_token
from housing import demo
from housing.publishing import pipeline
from housing.publishing.releases import HASH_FILE, KEEP, Releases

REPO = pathlib.Path(__file__).resolve().parent.parent
BUTTON = re.compile(r"<button[^>]*>\s*Pubblica ora\s*</button>")

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


# -- processes, as the kernel sees them ------------------------------------------

def _stat(pid):
    """(state, parent pid, process group) of a process, or None when it is gone."""
    try:
        text = pathlib.Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = text[text.rindex(")") + 2:].split()
    return fields[0], int(fields[1]), int(fields[2])


def _cpu_seconds(pid):
    """User and system CPU time a process has used, or None when it is gone."""
    try:
        text = pathlib.Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = text[text.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _alive(pid):
    stat = _stat(pid)
    return stat is not None and stat[0] not in ("Z", "X")


def _processes_mentioning(text):
    """Live processes whose command line contains ``text``."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            command = pathlib.Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in command and _alive(int(entry)):
            found.append((int(entry), command))
    return found


def _wait_for(condition, timeout, step=0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    return condition()


# -- the back office view ----------------------------------------------------------

def _publish_button(client):
    html = client.get("/admin/job_run/").get_data(as_text=True)
    match = BUTTON.search(html)
    assert match, "the clerk sees the button"
    return match.group(), html


@pytest.fixture
def runner_env(db_url, tmp_path):
    site = tmp_path / "site"
    env = dict(os.environ, HOUSING_DATABASE_URL=db_url, HOUSING_SITE_ROOT=str(site),
               HOUSING_JOBS_LOCK=str(tmp_path / "jobs.lock"), HOUSING_PUBLISH_EVERY_MINUTES="60")
    env.pop("DATABASE_URL", None)
    return site, env


def test_a_publisher_killed_while_mkdocs_builds_is_recovered_at_the_next_start(app, login, runner_env, tmp_path):
    site, env = runner_env
    database = app.extensions["database"]
    with database.connection_context():
        demo.seed(scale=0.05)
        assert pipeline.publish(root=site)[0] == "success"
        m.Offer.update(monthly_rent=m.Offer.monthly_rent + 3).execute()  # the runner's start-up build is not skipped
    releases = Releases(site)
    first = releases.live()
    served = {path: path.read_bytes() for path in (first / "index.html", first / HASH_FILE, first / "en" / "index.html")}
    client = login("clerk")

    with open(tmp_path / "runner.log", "w") as output:
        runner = subprocess.Popen([sys.executable, "jobs.py"], cwd=REPO, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        def italian_build():
            return [p for p, command in _processes_mentioning(str(site)) if "mkdocs" in command
                    and "mkdocs.it" in command and _stat(p) and _stat(p)[1] == runner.pid]

        builders = _wait_for(italian_build, timeout=40)
        assert builders, (tmp_path / "runner.log").read_text()[-2000:]
        # Held where it is, whatever the machine's speed, once well into MkDocs (0.3 s of CPU:
        # past the launcher's few milliseconds, short of a build's seconds): a stopped build
        # can neither finish before the runner dies nor die of a broken pipe; only the kernel's
        # parent-death signal (SIGKILL, which ends a stopped process too) can end it.
        assert _wait_for(lambda: all((_cpu_seconds(p) or 0) >= 0.3 for p in builders), timeout=30, step=0.01)
        for pid in builders:
            os.kill(pid, signal.SIGSTOP)
        assert all(_alive(p) for p in builders), "the build is still running"
        children = [p for p, command in _processes_mentioning(str(site)) if _stat(p) and _stat(p)[1] == runner.pid]
        runner_group = _stat(runner.pid)[2]
        assert all(_stat(p)[2] == runner_group for p in children if _stat(p)), "the builds are in the runner's group"
        os.kill(runner.pid, signal.SIGKILL)
        runner.wait(timeout=10)
    finally:
        if runner.poll() is None:
            runner.kill()
            runner.wait()

    # No MkDocs child outlives the runner (they were killed with it, not left to finish their build).
    survivors = _wait_for(lambda: not _processes_mentioning(str(site)), timeout=0.4) or _processes_mentioning(str(site))
    for pid, _ in survivors if survivors is not True else []:
        os.kill(pid, signal.SIGKILL)
    assert survivors is True, f"MkDocs children survived their runner: {survivors}"

    # The live site is the one published before, untouched.
    assert releases.live() == first
    assert all(path.read_bytes() == content for path, content in served.items())
    with database.connection_context():
        [killed] = m.JobRun.select().where(m.JobRun.outcome == "running")
    button, _ = _publish_button(client)
    assert "disabled" in button, "while the run looks alive, the button waits"

    # The next start: the killed run is failed with a reason, leftovers are swept, the button is back.
    again = subprocess.run([sys.executable, "jobs.py", "--once", "publish"], cwd=REPO, env=env,
                           capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stdout + again.stderr
    with database.connection_context():
        killed = m.JobRun.get_by_id(killed.id)
        assert killed.outcome == "failed" and killed.finished_at is not None
        assert killed.runner == f"{socket.gethostname()}:{runner.pid}" and killed.heartbeat_at
        assert "Interrotta" in killed.message and killed.runner in killed.message, killed.message
        assert not m.JobRun.select().where(m.JobRun.outcome == "running").exists()
    button, html = _publish_button(client)
    assert "disabled" not in button
    assert "Interrotta" in html

    entries = sorted((site / "releases").iterdir())
    assert all((entry / HASH_FILE).is_file() for entry in entries), "only complete releases are left"
    assert [e.name for e in entries] == sorted(r.name for r in releases.kept())
    assert first in entries and releases.live() in entries and len(entries) == 2
    assert (releases.live() / "index.html").is_file() and not list(site.glob(".current-*"))
    assert not _processes_mentioning(str(site))


def test_the_next_runner_fails_what_a_dead_runner_left_running(database, tmp_path):
    here, moment = socket.gethostname(), m.now()
    recent, old = moment - datetime.timedelta(seconds=5), moment - jobs.STALE_AFTER - datetime.timedelta(seconds=5)
    dead = m.JobRun.create(name="publish", outcome="running", started_at=old, requested_by="anna",
                           runner=f"{here}:4242", heartbeat_at=recent)  # this host: the lock proves it dead
    silent = m.JobRun.create(name="publish", outcome="running", started_at=old, runner="elsewhere:77", heartbeat_at=old)
    alive = m.JobRun.create(name="publish", outcome="running", started_at=old, runner="elsewhere:78", heartbeat_at=recent)
    legacy = m.JobRun.create(name="publish", outcome="running", started_at=old)  # from before runners were recorded
    done = m.JobRun.create(name="publish", outcome="success", started_at=m.now(), finished_at=m.now(), message="ok")
    queued = m.JobRun.create(name="publish", outcome="requested", requested_by="anna", requested_at=m.now())
    with jobs.RunnerLock(tmp_path / "jobs.lock"):
        recovered = jobs.recover_abandoned(database)
    assert sorted(run.id for run in recovered) == sorted([dead.id, silent.id, legacy.id])
    for run, name in ((dead, f"{here}:4242"), (silent, "elsewhere:77"), (legacy, "job runner")):
        run = m.JobRun.get_by_id(run.id)
        assert run.outcome == "failed" and run.finished_at and name in run.message and "Interrotta" in run.message
    assert m.JobRun.get_by_id(alive.id).outcome == "running", "a runner on another host that still beats is left alone"
    assert m.JobRun.get_by_id(done.id).outcome == "success" and m.JobRun.get_by_id(queued.id).outcome == "requested"


def test_a_running_job_beats_and_records_its_runner(database, monkeypatch):
    monkeypatch.setattr(jobs, "HEARTBEAT_SECONDS", 0.05)
    seen = []

    def slow():
        started = m.JobRun.get(m.JobRun.name == "slow")
        time.sleep(1.3)
        seen.append((started, m.JobRun.get(m.JobRun.name == "slow")))
        return "success", "ok"

    run = jobs.recorded(database, jobs.Job("slow", 1, slow, ""))
    [(started, later)] = seen
    assert started.outcome == "running" and started.runner == f"{socket.gethostname()}:{os.getpid()}"
    assert later.heartbeat_at > started.heartbeat_at, "the heartbeat moves while the job runs"
    stored = m.JobRun.get_by_id(run.id)
    assert stored.outcome == "success" and stored.runner == started.runner and stored.heartbeat_at >= later.heartbeat_at


def test_incomplete_releases_are_never_counted_and_are_swept(tmp_path):
    releases = Releases(tmp_path)
    published = []
    for i in range(KEEP):
        release = releases.new()
        (release / "index.html").write_text(str(i))
        published.append(releases.publish(release, f"hash{i}"))
    abandoned = [releases.new(), releases.new()]  # builds whose publisher was killed
    (abandoned[0] / "index.html").write_text("half a site")
    (tmp_path / "releases" / "20000101-000000-000000").mkdir()  # left by an older publisher: no content hash
    os.symlink("releases/x", tmp_path / ".current-999999")  # a swap interrupted before its replace
    release = releases.new()
    (release / "index.html").write_text("last")
    published.append(releases.publish(release, "last"))
    assert [p.name for p in releases.kept()] == [p.name for p in published[-KEEP:]]
    assert all(p.is_dir() for p in published[-KEEP:]), "an incomplete folder takes no rollback slot"
    with releases.working():
        pass  # the publisher's start sweeps what a killed publisher left
    assert sorted(p.name for p in (tmp_path / "releases").iterdir()) == sorted(p.name for p in published[-KEEP:])
    assert not os.path.lexists(tmp_path / ".current-999999")
    assert releases.live() == published[-1] and releases.live_hash() == "last"


def test_publish_now_is_offered_again_once_the_dead_run_is_failed(app, login, tmp_path):
    client = login("clerk")
    database = app.extensions["database"]
    with database.connection_context():
        run = m.JobRun.create(name="publish", outcome="running", started_at=m.now(),
                              runner=f"{socket.gethostname()}:4242", heartbeat_at=m.now())
    assert "disabled" in _publish_button(client)[0], "a run whose runner beats is in progress"
    with database.connection_context(), jobs.RunnerLock(tmp_path / "jobs.lock"):
        jobs.recover_abandoned(database)
    button, html = _publish_button(client)
    assert "disabled" not in button and f"{socket.gethostname()}:4242" in html and "Interrotta" in html
    client.post("/admin/job_run/publish", data={"csrf_token": csrf_token(client, "/admin/job_run/")})
    with database.connection_context():
        assert m.JobRun.select().where(m.JobRun.outcome == "requested").count() == 1
        assert m.JobRun.get_by_id(run.id).outcome == "failed"


def test_a_run_whose_runner_stopped_beating_does_not_block_publish_now(app, login):
    """No runner has started since: the back office sees the silence, and queues a new request."""
    client = login("clerk")
    database = app.extensions["database"]
    silent_since = m.now() - jobs.STALE_AFTER - datetime.timedelta(seconds=1)
    with database.connection_context():
        m.JobRun.create(name="publish", outcome="running", started_at=silent_since, runner="example:4242",
                        heartbeat_at=silent_since)
    button, html = _publish_button(client)
    assert "disabled" not in button
    assert "non dà segni di vita" in html and "example:4242" in html
    client.post("/admin/job_run/publish", data={"csrf_token": csrf_token(client, "/admin/job_run/")})
    with database.connection_context():
        assert m.JobRun.select().where(m.JobRun.outcome == "requested").count() == 1


def test_a_child_whose_parent_is_already_gone_does_not_start(tmp_path):
    """The parent may die between the fork and the child's request to die with it: the child then exits."""
    from housing.publishing import children

    command = children.command("json.tool", "--help")
    ran = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert ran.returncode == 0 and "usage" in ran.stdout.lower(), ran.stderr  # runs as "python -m json.tool"
    command[2] = "1"  # not its parent
    orphan = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert orphan.returncode == children.ORPHANED and not orphan.stdout
