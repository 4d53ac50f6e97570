"""Backups of the programme's database, and their restore.

A backup is taken while the back office keeps writing: SQLite through its
online backup API (one step, so one snapshot: WAL readers never block the
writers), PostgreSQL through ``pg_dump`` in its custom format (one repeatable-
read snapshot). The copy is compressed, optionally encrypted
(``housing.backup_files``), then read back and verified exactly as a restore
would read it (SQLite ``PRAGMA integrity_check``; ``pg_restore --list`` and a
full read of the dump); only then does it get its final name, so every named
file in the folder is a verified backup, and the rotation
(``housing.backup_rotation``) never deletes the newest one.

A restore goes into an empty database (or, when told, replaces everything in
it), after the same verification; the caller then migrates it.
"""
import datetime
import os
import pathlib
import re
import shutil
import sqlite3
import subprocess
import tempfile
from typing import NamedTuple
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

import peewee

from housing import paths
from housing import settings as registry
from housing import backup_files, backup_rotation
from housing.backup_rotation import Policy
from housing.database import is_sqlite, open_database

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"
# A work folder left by a killed backup is swept once it is this old (a running one is younger).
STALE_WORK = datetime.timedelta(hours=24)
WORK_PREFIX = ".partial-"
LIBPQ_PARAMETERS = {"host", "hostaddr", "port", "dbname", "user", "passfile", "connect_timeout", "options",
                    "application_name", "sslmode", "sslcert", "sslkey", "sslrootcert", "sslcrl", "target_session_attrs"}


class BackupError(Exception):
    """A failure told to a person, in Italian then English; never a stack trace."""

    def __init__(self, it, en):
        super().__init__(f"{it} / {en}")
        self.it, self.en = it, en


class NotEmpty(BackupError):
    pass


class Settings(NamedTuple):
    folder: pathlib.Path
    key: str | None
    policy: Policy


def _count(environ, name, default):
    try:
        return max(0, int(registry.get(name, environ) or default))
    except ValueError:
        raise BackupError(f"{name} deve essere un numero intero.", f"{name} must be a whole number.") from None


def settings(environ=None):
    """The backup settings from the environment (``HOUSING_BACKUP_...``, documented in the README)."""
    folder = registry.get("HOUSING_BACKUP_DIR", environ) or paths.instance_folder(environ) / "backups"
    policy = Policy(_count(environ, "HOUSING_BACKUP_KEEP_DAILY", 7), _count(environ, "HOUSING_BACKUP_KEEP_WEEKLY", 4),
                    _count(environ, "HOUSING_BACKUP_KEEP_MONTHLY", 12))
    return Settings(pathlib.Path(folder), registry.get("HOUSING_BACKUP_KEY", environ) or None, policy)


def engine_of(url):
    if is_sqlite(url):
        return "sqlite"
    if urlsplit(url).scheme.startswith("postgres"):
        return "postgresql"
    raise BackupError(f"Database non supportato per i backup: {urlsplit(url).scheme}.",
                      f"No backup for this kind of database: {urlsplit(url).scheme}.")


# -- the engines ----------------------------------------------------------------

def _sqlite_path(url):
    path = url.split(":///", 1)[-1].split("?", 1)[0]
    if not path or path == ":memory:":
        raise BackupError("Un database in memoria non ha backup.", "An in-memory database has no backup.")
    return pathlib.Path(path)


def _libpq(url):
    """A libpq address for ``url`` without its password, and the environment that carries it
    (a password on the command line would be visible to every user of the machine)."""
    parts = urlsplit(url)
    env = dict(os.environ)
    netloc = parts.netloc
    if parts.password is not None:
        env["PGPASSWORD"] = unquote(parts.password)
        user, _, host = netloc.rpartition("@")
        netloc = user.split(":", 1)[0] + "@" + host
    # peewee's own parameters (a pool's max_connections...) would make libpq refuse the address.
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k in LIBPQ_PARAMETERS])
    return urlunsplit(parts._replace(scheme="postgresql", netloc=netloc, query=query)), env


def _tool(name):
    found = shutil.which(name)
    if not found:
        raise BackupError(f"Il programma {name} non è installato (pacchetto postgresql-client della versione del server).",
                          f"{name} is not installed (the postgresql-client package of the server's version).")
    return found


def _run(command, env=None):
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        detail = " ".join((done.stderr or done.stdout).strip().splitlines()[-3:])
        raise BackupError(f"{pathlib.Path(command[0]).name} non è riuscito: {detail}",
                          f"{pathlib.Path(command[0]).name} failed: {detail}")
    return done.stdout


def _dump(url, engine, raw):
    if engine == "sqlite":
        path = _sqlite_path(url)
        if not path.is_file():
            raise BackupError(f"Il database {path} non esiste.", f"The database {path} does not exist.")
        source, copy = sqlite3.connect(path, timeout=30), sqlite3.connect(raw)
        try:
            source.backup(copy)  # pages=-1: one step, one consistent snapshot
            copy.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
        except sqlite3.Error as error:
            raise BackupError(f"Copia del database {path} non riuscita: {error}.",
                              f"Could not copy the database {path}: {error}.") from None
        finally:
            copy.close()
            source.close()
    else:
        address, env = _libpq(url)
        _run([_tool("pg_dump"), "--format=custom", "--compress=0", f"--file={raw}", f"--dbname={address}"], env)


def _kind(raw):
    with open(raw, "rb") as handle:
        start = handle.read(len(SQLITE_MAGIC))
    if start == SQLITE_MAGIC:
        return "sqlite"
    if start.startswith(PGDUMP_MAGIC):
        return "postgresql"
    raise BackupError("Il file non contiene un database SQLite né un dump PostgreSQL.",
                      "The file holds neither a SQLite database nor a PostgreSQL dump.")


def _verify_raw(raw):
    """Check an unpacked copy as a restore would read it; return its engine."""
    engine = _kind(raw)
    if engine == "sqlite":
        connection = sqlite3.connect(pathlib.Path(raw).resolve().as_uri() + "?mode=ro", uri=True)
        try:
            problems = [row[0] for row in connection.execute("PRAGMA integrity_check")]
            ours = connection.execute("SELECT 1 FROM sqlite_master WHERE name = 'schema_migration'").fetchone()
        except sqlite3.DatabaseError as error:
            problems, ours = [str(error)], True
        finally:
            connection.close()
        if problems != ["ok"]:
            raise BackupError(f"Il database nel backup è danneggiato: {'; '.join(problems[:3])}",
                              f"The database in the backup is damaged: {'; '.join(problems[:3])}")
    else:
        listing = _run([_tool("pg_restore"), "--list", str(raw)])
        ours = re.search(r"^\d+; .* TABLE \S+ schema_migration ", listing, re.M)
        _run([_tool("pg_restore"), "--file=/dev/null", str(raw)])  # reads every table's data
    if not ours:
        raise BackupError("Il backup non è un database di questo programma (manca schema_migration).",
                          "The backup is not a database of this programme (no schema_migration).")
    return engine


def _unpack(path, key, work):
    raw = pathlib.Path(work) / "unpacked"
    try:
        backup_files.unpack(path, raw, key)
    except backup_files.MissingKey:
        raise BackupError(f"Il backup {path.name} è cifrato: imposta la chiave in HOUSING_BACKUP_KEY.",
                          f"The backup {path.name} is encrypted: set its key in HOUSING_BACKUP_KEY.") from None
    except backup_files.WrongKey:
        raise BackupError(f"La chiave in HOUSING_BACKUP_KEY non è quella del backup {path.name}.",
                          f"HOUSING_BACKUP_KEY is not the key of the backup {path.name}.") from None
    except backup_files.Damaged as error:
        raise BackupError(f"Il file {path.name} è danneggiato o troncato ({error}).",
                          f"The file {path.name} is damaged or truncated ({error}).") from None
    return raw


def verify(path, key=None, work=None):
    """Verify the backup file ``path`` end to end; return its engine. Raises ``BackupError``."""
    path = pathlib.Path(path)
    if not path.is_file():
        raise BackupError(f"Il file {path} non esiste.", f"The file {path} does not exist.")
    try:
        with tempfile.TemporaryDirectory(dir=work, prefix=WORK_PREFIX) as folder:
            return _verify_raw(_unpack(path, key, folder))
    except OSError as error:
        raise _disk_error(error) from None


# -- taking a backup -------------------------------------------------------------

class Taken(NamedTuple):
    path: pathlib.Path
    size: int
    encrypted: bool
    deleted: list


def _sweep(folder, at):
    for leftover in folder.glob(WORK_PREFIX + "*"):
        if at - datetime.datetime.fromtimestamp(leftover.stat().st_mtime) > STALE_WORK:
            shutil.rmtree(leftover, ignore_errors=True)


def _free_name(folder, engine, at, encrypted):
    sequence = 0
    while (folder / backup_rotation.file_name(engine, at, encrypted, sequence)).exists():
        sequence += 1
    return folder / backup_rotation.file_name(engine, at, encrypted, sequence)


def take(url, folder, key=None, policy=None, at=None):
    """Back up the database at ``url`` into ``folder``, verify it, then rotate with ``policy``."""
    engine, folder = engine_of(url), pathlib.Path(folder)
    at = at or datetime.datetime.now(datetime.timezone.utc)
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as error:
        raise BackupError(f"Impossibile creare la cartella dei backup {folder}: {error.strerror}.",
                          f"Cannot create the backup folder {folder}: {error.strerror}.") from None
    try:
        _sweep(folder, datetime.datetime.now())
        with tempfile.TemporaryDirectory(dir=folder, prefix=WORK_PREFIX) as work:
            raw, packed = pathlib.Path(work) / "raw", pathlib.Path(work) / "packed"
            _dump(url, engine, raw)
            backup_files.pack(raw, packed, key)
            raw.unlink()
            verify(packed, key, work)
            final = _free_name(folder, engine, at, bool(key))
            os.replace(packed, final)  # named only once verified
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)  # the rename survives a power cut
        finally:
            os.close(descriptor)
        deleted = backup_rotation.rotate(folder, policy) if policy else []
    except OSError as error:  # a full disk, a folder without write permission
        raise _disk_error(error) from None
    return Taken(final, final.stat().st_size, bool(key), deleted)


def _disk_error(error):
    where = f" ({error.filename})" if error.filename else ""
    return BackupError(f"Lettura o scrittura non riuscita: {error.strerror or error}{where}.",
                       f"Could not read or write: {error.strerror or error}{where}.")


def job(url, config=None):
    """The runner's ``backup`` job: (outcome, message) for its JobRun; never raises a ``BackupError``."""
    try:
        config = config or settings()
        taken = take(url, config.folder, config.key, config.policy)
    except BackupError as error:
        return "failed", str(error)
    kept = len(backup_rotation.backups(config.folder))
    return "success", describe(taken, kept)


def describe(taken, kept):
    size = (f"{taken.size / 1024 / 1024:.1f} MB" if taken.size >= 1024 * 1024 else f"{taken.size / 1024:.0f} kB").replace(".", ",")
    secret = "cifrato" if taken.encrypted else "NON cifrato"
    return (f"Backup verificato: {taken.path.name} ({size}, {secret}) in {taken.path.parent}; "
            f"rotazione: {len(taken.deleted)} eliminati, {kept} conservati. / Verified backup, "
            f"{'encrypted' if taken.encrypted else 'NOT encrypted'}; rotation deleted {len(taken.deleted)}, kept {kept}.")


# -- restoring -------------------------------------------------------------------

class Restored(NamedTuple):
    engine: str
    tables: int
    replaced: int


def tables_of(database):
    """The tables of ``database``; a ``BackupError`` when it cannot be opened."""
    try:
        with database.connection_context():
            return database.get_tables()
    except peewee.DatabaseError as error:
        detail = " ".join(str(error).split())
        raise BackupError(f"Impossibile aprire il database di destinazione ({detail}). Per PostgreSQL va creato "
                          "prima (createdb).", f"Cannot open the target database ({detail}). A PostgreSQL "
                          "database must be created first (createdb).") from None


def _drop_everything(database):
    """Empty the target of a forced PostgreSQL restore: every table, view and sequence of its schema."""
    with database.connection_context(), database.atomic():
        for kind, catalogue, only in (("VIEW", "views", ""), ("TABLE", "tables", " AND table_type = 'BASE TABLE'")):
            rows = database.execute_sql(f"SELECT table_name FROM information_schema.{catalogue} "
                                        f"WHERE table_schema = current_schema(){only}")
            for (name,) in list(rows):
                database.execute_sql(f'DROP {kind} IF EXISTS "{name}" CASCADE')
        rows = database.execute_sql("SELECT sequence_name FROM information_schema.sequences "
                                    "WHERE sequence_schema = current_schema()")
        for (name,) in list(rows):
            database.execute_sql(f'DROP SEQUENCE IF EXISTS "{name}" CASCADE')


def restore(path, url, key=None, force=False, work=None, before_replace=None):
    """Restore the backup file ``path`` into the database at ``url``.

    The file is verified first, then the target must be empty (no table) unless
    ``force``, which replaces all of its content, after calling ``before_replace()``
    (to back that content up). Migrate the target afterwards.
    """
    path, engine = pathlib.Path(path), engine_of(url)
    if not path.is_file():
        raise BackupError(f"Il file {path} non esiste.", f"The file {path} does not exist.")
    try:
        return _restore(path, url, engine, key, force, work, before_replace)
    except OSError as error:
        raise _disk_error(error) from None


def _restore(path, url, engine, key, force, work, before_replace):
    with tempfile.TemporaryDirectory(dir=work, prefix=WORK_PREFIX) as folder:
        raw = _unpack(path, key, folder)
        kind = _verify_raw(raw)
        if kind != engine:
            raise BackupError(f"Il backup è di un database {kind}, la destinazione è {engine}.",
                              f"The backup is of a {kind} database, the target is {engine}.")
        database = open_database(url)
        existing = tables_of(database)
        if existing and not force:
            raise NotEmpty(
                f"Il database di destinazione non è vuoto ({len(existing)} tabelle, per esempio {existing[0]}): "
                "usa --force per sostituirne tutto il contenuto.",
                f"The target database is not empty ({len(existing)} tables): use --force to replace all of it.")
        if existing and before_replace:
            before_replace()
        if engine == "sqlite":
            target = _sqlite_path(url)
            target.parent.mkdir(parents=True, exist_ok=True)
            source, destination = sqlite3.connect(raw), sqlite3.connect(target, timeout=30)
            try:
                # Through the backup API, not a file copy: connections still open on the
                # target (a running back office) see the new content, WAL included.
                source.backup(destination)
            except sqlite3.Error as error:
                raise BackupError(f"Ripristino non riuscito: {error}.", f"Restore failed: {error}.") from None
            finally:
                destination.close()
                source.close()
        else:
            if existing:
                _drop_everything(database)
            address, env = _libpq(url)
            _run([_tool("pg_restore"), "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error",
                  f"--dbname={address}", str(raw)], env)
        return Restored(engine, len(tables_of(database)), len(existing))

