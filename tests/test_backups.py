"""Backups and restore (issue 14): consistent under writes, verified, encrypted, rotated, restorable."""
import datetime
import io
import os
import sqlite3
import threading
import uuid
from urllib.parse import urlsplit, urlunsplit

import pytest

import jobs
import models as m
from admin import create_app
from housing import backup_files, backup_rotation, backups, demo, schema
from housing.backup_rotation import Policy
from housing.database import open_database

UTC = datetime.timezone.utc
KEY = "una chiave di prova abbastanza lunga"


@pytest.fixture(scope="module")
def spare_databases():
    """PostgreSQL databases for the restores of this module, created once: a DROP DATABASE
    waits for a checkpoint, while emptying a schema does not."""
    made = []
    yield made
    for server, name in made:
        with server.connection_context():
            server.connection().autocommit = True
            server.execute_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def empty_url(db_url, tmp_path, spare_databases):
    """``empty_url()``: a second database on the test's engine, with no table at all."""
    handed = []

    def make(suffix="target"):
        handed.append(suffix)
        if db_url.startswith("sqlite"):
            return "sqlite:///" + str(tmp_path / f"{suffix}-{len(handed)}.db")
        if len(spare_databases) < len(handed):
            server, name = open_database(db_url), f"housing_restore_{uuid.uuid4().hex[:8]}"
            with server.connection_context():
                server.connection().autocommit = True
                server.execute_sql(f'CREATE DATABASE "{name}"')
            spare_databases.append((server, name))
        url = urlunsplit(urlsplit(db_url)._replace(path="/" + spare_databases[len(handed) - 1][1]))
        spare = open_database(url)
        with spare.connection_context():
            spare.execute_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        return url

    return make


def snapshot(url):
    """Every row of every table (schema_migration included), in a stable order."""
    database = open_database(url)
    with database.connection_context():
        tables = {}
        for table in sorted(database.get_tables()):
            width = len(database.get_columns(table))
            order = ", ".join(str(i) for i in range(1, width + 1))
            tables[table] = list(database.execute_sql(f'SELECT * FROM "{table}" ORDER BY {order}'))
    database.close()
    return tables


@pytest.fixture
def cli():
    """``cli(url, *args)``: a command of ``flask --app admin`` on the database at ``url``
    (one app per database: the settings are read at each command)."""
    apps = {}

    def invoke(url, *args):
        if url not in apps:
            apps[url] = create_app({"TESTING": True, "SECRET_KEY": "test", "DATABASE_URL": url,
                                    "SESSION_COOKIE_SECURE": False})
        m.db.initialize(apps[url].extensions["database"])  # the models follow the app in use, as in production
        return apps[url].test_cli_runner().invoke(args=list(args))

    yield invoke
    for app in apps.values():
        if not app.extensions["database"].is_closed():
            app.extensions["database"].close()


@pytest.fixture
def settings(tmp_path, monkeypatch):
    folder = tmp_path / "backups"
    monkeypatch.setenv("HOUSING_BACKUP_DIR", str(folder))
    monkeypatch.delenv("HOUSING_BACKUP_KEY", raising=False)
    return folder


# -- consistency while the back office writes -------------------------------------------------

class Writer(threading.Thread):
    """Writes, one transaction at a time, a job run and its audit entry: a backup that cut
    a transaction in two would hold one without the other."""

    def __init__(self, database):
        super().__init__(daemon=True)
        self.database, self.written, self.stopping, self.error = database, 0, threading.Event(), None
        self.progress = threading.Condition()

    def run(self):
        try:
            with self.database.connection_context():
                while not self.stopping.is_set():
                    with self.database.atomic():
                        run = m.JobRun.create(name="writer", outcome="success", message=str(self.written))
                        m.AuditLog.create(actor="writer", action="create", entity="JobRun", record_id=str(run.id))
                    with self.progress:
                        self.written += 1
                        self.progress.notify_all()
        except Exception as error:  # noqa: BLE001 - reported by the test
            self.error = error
            with self.progress:
                self.progress.notify_all()

    def wait_for(self, count):
        with self.progress:
            assert self.progress.wait_for(lambda: self.written >= count or self.error, timeout=60), "writer stalled"
        assert self.error is None, self.error


def test_a_backup_taken_while_rows_are_written_restores_a_consistent_copy(database, db_url, empty_url, tmp_path):
    demo.seed(scale=0.02)
    writer = Writer(database)
    writer.start()
    try:
        writer.wait_for(20)
        taken = backups.take(db_url, tmp_path / "backups", KEY)
        after_backup = writer.written
        writer.wait_for(after_backup + 20)  # the writer outlived the backup: it ran across it
    finally:
        writer.stopping.set()
        writer.join()
    assert writer.error is None

    target = empty_url()
    backups.restore(taken.path, target, KEY, work=tmp_path)
    source, restored = snapshot(db_url), snapshot(target)
    assert restored.keys() == source.keys()
    written = {"job_run", "audit_log"}
    for table in source.keys() - written:
        assert restored[table] == source[table], table
    for table in written:  # the rows of the transactions committed before the snapshot, no others
        assert restored[table] == source[table][:len(restored[table])], table
    runs = [row for row in restored["job_run"] if row[1] == "writer"]
    audits = [row for row in restored["audit_log"] if row[3] == "writer"]
    assert 20 <= len(runs) <= after_backup and len(audits) == len(runs)
    assert [row[0] for row in runs] == [int(row[-2]) for row in audits]  # each run with its own audit entry


def test_a_backup_that_fails_verification_leaves_no_file(tmp_path):
    foreign = tmp_path / "other.db"
    connection = sqlite3.connect(foreign)
    connection.execute("CREATE TABLE note (id INTEGER PRIMARY KEY)")
    connection.close()
    with pytest.raises(backups.BackupError, match="non è un database di questo programma"):
        backups.take("sqlite:///" + str(foreign), tmp_path / "backups")
    assert list((tmp_path / "backups").iterdir()) == []
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not a database at all" * 200)
    with pytest.raises(backups.BackupError, match="Copia del database .* non riuscita"):
        backups.take("sqlite:///" + str(garbage), tmp_path / "backups")
    assert list((tmp_path / "backups").iterdir()) == []


def test_the_dump_tools_get_the_password_from_the_environment_not_the_command_line():
    address, env = backups._libpq("postgres+pool://anna:s%40greta@db.example:5433/housing?max_connections=8&sslmode=require")
    assert address == "postgresql://anna@db.example:5433/housing?sslmode=require"
    assert env["PGPASSWORD"] == "s@greta"


# -- damaged files, keys -----------------------------------------------------------------------

def damaged_copies(path):
    content = path.read_bytes()
    flipped = bytearray(content)
    flipped[len(content) // 2] ^= 0x01
    copies = {"cut": content[:len(content) // 2], "flipped": bytes(flipped), "empty": b"", "foreign": b"not a backup"}
    for name, data in copies.items():
        copy = path.with_name(f"{name}-{path.name}")
        copy.write_bytes(data)
        yield name, copy


@pytest.mark.parametrize("key", [None, KEY])
def test_a_damaged_or_truncated_backup_is_refused_at_verification_and_restore(database, db_url, empty_url, tmp_path, key):
    taken = backups.take(db_url, tmp_path / "backups", key)
    assert backups.verify(taken.path, key) == backups.engine_of(db_url)
    target = empty_url()
    for name, copy in damaged_copies(taken.path):
        with pytest.raises(backups.BackupError) as refused:
            backups.verify(copy, key)
        assert "danneggiato" in str(refused.value) or "né un dump" in str(refused.value), (name, refused.value)
        with pytest.raises(backups.BackupError, match=str(refused.value)[:30]):
            backups.restore(copy, target, key)
        assert backups.tables_of(open_database(target)) == [], "nothing was written"


@pytest.mark.parametrize("size", [0, 1, backup_files.CHUNK - 1, backup_files.CHUNK, backup_files.CHUNK + 1,
                                  3 * backup_files.CHUNK])
def test_the_encrypted_stream_round_trips_and_refuses_a_missing_last_chunk(size):
    data = os.urandom(size)
    sealed = io.BytesIO()
    sealer = backup_files._Sealer(sealed, KEY)
    sealer.write(data)
    sealer.close()
    sealed = sealed.getvalue()
    assert b"".join(backup_files._opened(io.BytesIO(sealed), KEY)) == data
    sealed_chunk = backup_files.CHUNK + backup_files.TAG
    chunks = -(-(len(sealed) - backup_files.HEADER) // sealed_chunk)
    assert chunks == size // backup_files.CHUNK + (1 if size % backup_files.CHUNK or not size else 0)
    # The last chunk dropped: the one before it was not sealed as the last, so the stream is refused.
    cut = sealed[:backup_files.HEADER + (chunks - 1) * sealed_chunk]
    with pytest.raises(backup_files.Damaged):
        b"".join(backup_files._opened(io.BytesIO(cut), KEY))


def test_an_encrypted_backup_needs_its_key(database, db_url, empty_url, tmp_path):
    taken = backups.take(db_url, tmp_path / "backups", KEY)
    assert taken.path.name.endswith(".gz.enc") and backup_files.is_encrypted(taken.path)
    assert taken.path.stat().st_mode & 0o077 == 0, "personal data: readable by its owner only"
    content = taken.path.read_bytes()
    assert backups.SQLITE_MAGIC not in content and b"schema_migration" not in content
    target = empty_url()
    with pytest.raises(backups.BackupError, match="non è quella del backup"):
        backups.restore(taken.path, target, "un'altra chiave")
    with pytest.raises(backups.BackupError, match="è cifrato: imposta la chiave in HOUSING_BACKUP_KEY"):
        backups.restore(taken.path, target, None)
    assert backups.tables_of(open_database(target)) == []
    backups.restore(taken.path, target, KEY)
    assert snapshot(target) == snapshot(db_url)


# -- rotation ----------------------------------------------------------------------------------

def test_rotation_keeps_the_newest_of_each_day_week_and_month(tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    moments = [datetime.datetime(2025, 10, 1, 2, 30, tzinfo=UTC) + datetime.timedelta(days=i) for i in range(133)]
    moments.append(datetime.datetime(2026, 2, 10, 14, 0, tzinfo=UTC))  # a second one on the last day (a Tuesday)
    for moment in moments:
        (folder / backup_rotation.file_name("sqlite", moment, encrypted=True)).write_bytes(b"x")
    (folder / "notes.txt").write_text("not a backup")
    (folder / ".partial-abc").mkdir()

    deleted = backup_rotation.rotate(folder, Policy(daily=3, weekly=2, monthly=4))

    kept = sorted(b.taken_at.strftime("%Y-%m-%d %H:%M") for b in backup_rotation.backups(folder))
    assert kept == [
        "2025-11-30 02:30",  # monthly: November, December, January, February
        "2025-12-31 02:30",
        "2026-01-31 02:30",
        "2026-02-08 02:30",  # daily (8, 9, 10 February) and weekly (the week ending Sunday 8, this week)
        "2026-02-09 02:30",
        "2026-02-10 14:00",  # the newest of its day: the 02:30 one of the same day goes
    ]
    assert len(deleted) == len(moments) - len(kept)
    assert (folder / "notes.txt").exists() and (folder / ".partial-abc").exists()


def test_two_backups_within_one_second_both_get_a_name_and_the_later_is_the_newest(tmp_path):
    moment = datetime.datetime(2026, 3, 1, 2, 30, tzinfo=UTC)
    for sequence in (0, 1):
        (tmp_path / backup_rotation.file_name("sqlite", moment, False, sequence)).write_bytes(b"x")
    newest = backup_rotation.backups(tmp_path)[0]
    assert newest.sequence == 1 and newest.path.name == "housing-sqlite-20260301T023000Z-1.sqlite.gz"
    backup_rotation.rotate(tmp_path, Policy(1, 0, 0))
    assert [p.name for p in tmp_path.iterdir()] == [newest.path.name]


def test_rotation_never_deletes_the_newest_backup(tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    for day in (1, 2, 3):
        (folder / backup_rotation.file_name("postgresql", datetime.datetime(2026, 3, day, tzinfo=UTC), False)).write_bytes(b"x")
    backup_rotation.rotate(folder, Policy(0, 0, 0))
    assert [p.name for p in folder.iterdir()] == ["housing-postgresql-20260303T000000Z.pgdump.gz"]


# -- the commands and the job -----------------------------------------------------------------

def test_restore_refuses_a_database_that_is_not_empty_unless_forced(database, db_url, settings, cli):
    m.JobRun.create(name="publish", outcome="success", message="before the backup")
    assert cli(db_url, "backup").exit_code == 0
    [taken] = backup_rotation.backups(settings)
    m.JobRun.create(name="publish", outcome="success", message="after the backup")
    before = snapshot(db_url)

    refused = cli(db_url, "restore", str(taken.path))
    assert refused.exit_code == 1 and "non è vuoto" in refused.output and "--force" in refused.output
    assert "Traceback" not in refused.output and snapshot(db_url) == before

    forced = cli(db_url, "restore", "--force", str(taken.path))
    assert forced.exit_code == 0, forced.output
    assert "Copia di sicurezza" in forced.output and "Migrazioni applicate" in forced.output
    messages = [row.message for row in m.JobRun.select().where(m.JobRun.name == "publish")]
    assert messages == ["before the backup"]
    safety = [b for b in backup_rotation.backups(settings) if b.path != taken.path]
    assert len(safety) == 1, "the replaced content was backed up first"


def test_a_forced_restore_backs_up_what_it_replaces_first(db_url, empty_url, settings, cli):
    taken = backups.take(db_url, settings)
    target = empty_url()
    foreign = open_database(target)
    with foreign.connection_context():
        foreign.execute_sql("CREATE TABLE note (id INTEGER PRIMARY KEY)")

    refused = cli(target, "restore", "--force", str(taken.path))
    assert refused.exit_code == 1 and "Copia di sicurezza del database da sostituire non riuscita" in refused.output
    assert "Traceback" not in refused.output and backups.tables_of(foreign) == ["note"]

    replaced = cli(target, "restore", "--force", "--no-safety-backup", str(taken.path))
    assert replaced.exit_code == 0, replaced.output
    restored, source = snapshot(target), snapshot(db_url)
    assert "note" not in restored and restored.keys() == source.keys()
    assert restored["schema_migration"] == source["schema_migration"]


def test_restore_migrates_an_older_backup(db_url, empty_url, settings, cli):
    old = empty_url("old")
    database = open_database(old)
    with database.connection_context():
        schema.runner(database).up(target="0008_languages_and_contract_keys")
        assert schema.pending(database)[0] == "0009_districts"
    taken = backups.take(old, settings)
    target = empty_url()

    result = cli(target, "restore", str(taken.path))

    assert result.exit_code == 0, result.output
    assert "0009_districts" in result.output
    restored = open_database(target)
    with restored.connection_context():
        assert schema.pending(restored) == []


def test_the_commands_explain_mistakes_without_a_trace(database, db_url, settings, tmp_path, monkeypatch, cli):
    missing = cli(db_url, "restore", str(tmp_path / "nope.sqlite.gz"))
    assert missing.exit_code == 1 and "non esiste" in missing.output and "Traceback" not in missing.output
    monkeypatch.setenv("HOUSING_BACKUP_KEY", KEY)
    assert cli(db_url, "backup", "--dir", str(tmp_path / "encrypted")).exit_code == 0
    [taken] = backup_rotation.backups(tmp_path / "encrypted")
    monkeypatch.setenv("HOUSING_BACKUP_KEY", "sbagliata")
    wrong = cli(db_url, "backup", "--verify", str(taken.path))
    assert wrong.exit_code == 1 and "HOUSING_BACKUP_KEY non è quella" in wrong.output
    monkeypatch.setenv("HOUSING_BACKUP_KEY", KEY)
    sound = cli(db_url, "backup", "--verify", str(taken.path))
    assert sound.exit_code == 0 and "Backup integro" in sound.output
    nowhere = (db_url.rsplit("/", 1)[0] + "/housing_never_created" if db_url.startswith("postgres")
               else "sqlite:///" + str(tmp_path))  # a folder, not a database file
    unreachable = cli(db_url, "backup", "--dir", str(settings))
    assert unreachable.exit_code == 0
    [taken] = backup_rotation.backups(settings)
    unopened = cli(nowhere, "restore", str(taken.path))
    assert unopened.exit_code == 1 and "Impossibile aprire il database di destinazione" in unopened.output
    assert "Traceback" not in unopened.output
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    failed = cli(db_url, "backup", "--dir", str(blocked / "sub"))
    assert failed.exit_code == 1 and "Impossibile creare la cartella" in failed.output
    key = cli(db_url, "backup", "--generate-key")
    assert key.exit_code == 0 and len(key.output.strip()) >= 40
    assert "HOUSING_BACKUP_KEY" in cli(db_url, "backup", "--help").output
    assert "--force" in cli(db_url, "restore", "--help").output


def test_the_backup_job_is_recorded_and_scheduled_nightly(database, db_url, settings, monkeypatch):
    monkeypatch.setenv("HOUSING_DATABASE_URL", db_url)
    monkeypatch.delenv("HOUSING_BACKUP_EVERY_HOURS", raising=False)
    monkeypatch.setenv("HOUSING_BACKUP_AT", "03:15")
    job = jobs.registry()["backup"]
    assert job.at == "03:15" and not job.at_start
    [scheduled] = [j for j in jobs.build_scheduler(database, {"backup": job}).get_jobs()]
    assert scheduled.unit == "days" and scheduled.at_time == datetime.time(3, 15)

    run = jobs.recorded(database, job)
    stored = m.JobRun.get_by_id(run.id)
    [taken] = backup_rotation.backups(settings)
    assert stored.name == "backup" and stored.outcome == "success" and taken.path.name in stored.message

    monkeypatch.setenv("HOUSING_BACKUP_KEEP_DAILY", "sette")
    failed = m.JobRun.get_by_id(jobs.recorded(database, jobs.registry()["backup"]).id)
    assert failed.outcome == "failed" and "HOUSING_BACKUP_KEEP_DAILY" in failed.message

    monkeypatch.setenv("HOUSING_BACKUP_EVERY_HOURS", "6")
    assert jobs.registry()["backup"].every_minutes == 360 and jobs.registry()["backup"].at is None
    assert jobs.registry()["publish"].at is None and jobs.registry()["publish"].at_start
