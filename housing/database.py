"""Open the programme's database from a URL: SQLite by default, PostgreSQL too.

SQLite is tuned for a web app and a job runner writing at once: WAL, foreign
keys, a busy timeout and IMMEDIATE transactions (a deferred transaction that
reads then writes can fail without waiting for the lock).
"""
import os

from playhouse.db_url import connect

from housing import paths, settings

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "synchronous": "normal",
    "busy_timeout": 10000,
    "cache_size": -32000,
}


def is_sqlite(url):
    return url.startswith("sqlite")


def sqlite_url(path):
    return "sqlite:///" + os.path.abspath(path)


def open_database(url):
    """Return an unconnected peewee database for ``url``."""
    if is_sqlite(url):
        path = url.split(":///", 1)[-1]
        if path and path != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        return connect(url, pragmas=SQLITE_PRAGMAS, lock_type="IMMEDIATE")
    return connect(url)


def bind(url):
    """Open the database at ``url`` and make the models use it."""
    from models import db

    database = open_database(url)
    db.initialize(database)
    return database


def configured_url(instance_path=None):
    """The database URL from the environment, else the SQLite file of the instance folder."""
    url = settings.get("HOUSING_DATABASE_URL") or settings.get("DATABASE_URL")
    if url:
        return url
    return sqlite_url(os.path.join(instance_path or instance_folder(), "housing.db"))


def instance_folder():
    """The instance folder: ``HOUSING_INSTANCE_PATH``, else the project's ``instance/``."""
    return str(paths.instance_folder())


def is_postgres(database):
    """True for a PostgreSQL database (a peewee proxy is looked through)."""
    database = getattr(database, "obj", None) or database
    return database.__class__.__name__.startswith("Postgres")


def locked(query):
    """``query`` with its rows locked until the transaction ends.

    On PostgreSQL this is ``SELECT ... FOR UPDATE``; SQLite has no row locks,
    but our transactions are IMMEDIATE (``open_database``), so a writer already
    holds the database's write lock when it reads inside ``db.atomic()``.
    Call it inside the transaction: a row read before ``atomic()`` is stale.
    """
    return query.for_update() if is_postgres(query.model._meta.database) else query


def serialise(database, name):
    """Serialise the transactions that check then write ``name`` (a registry, a
    pair...): a transaction-scoped advisory lock on PostgreSQL; on SQLite the
    IMMEDIATE transaction already serialises every writer. Call inside
    ``db.atomic()``; the lock ends with the transaction."""
    if is_postgres(database):
        database.execute_sql("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (name,))
