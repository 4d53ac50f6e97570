"""A migrated database is identical to one created from models.py."""
import contextlib

from playhouse.schema_diff import diff_models

import models
from housing import schema
from housing.database import open_database


def describe(database):
    """Tables, columns, indexes, foreign keys and checks, engine-neutral where possible."""
    tables = sorted(t for t in database.get_tables() if t != "schema_migration")
    shape = {}
    for table in tables:
        shape[table] = {
            "columns": sorted((c.name, c.data_type.lower(), c.null, c.primary_key) for c in database.get_columns(table)),
            "indexes": sorted((i.name, tuple(i.columns), i.unique) for i in database.get_indexes(table)),
            "foreign_keys": sorted((f.column, f.dest_table, f.dest_column) for f in database.get_foreign_keys(table)),
            "checks": sorted(checks(database, table)),
        }
    return shape


def checks(database, table):
    if database.__class__.__name__.startswith("Sqlite"):
        sql = database.execute_sql("SELECT sql FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
        return [" ".join(sql.split())]  # the whole CREATE TABLE, checks and ON DELETE included
    rows = database.execute_sql(
        "SELECT pg_get_constraintdef(c.oid) FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid "
        "WHERE t.relname = %s AND c.contype IN ('c', 'f')", (table,))
    return [row[0] for row in rows]


def fresh_database(db_url, suffix):
    """A second, empty database next to the test's one, on the same engine."""
    if db_url.startswith("sqlite"):
        return open_database(db_url.replace("housing.db", f"{suffix}.db")), None
    import uuid
    from urllib.parse import urlsplit, urlunsplit

    name = f"housing_{suffix}_{uuid.uuid4().hex[:6]}"
    server = open_database(db_url)
    server.connect()
    server.connection().autocommit = True
    server.execute_sql(f'CREATE DATABASE "{name}"')
    return open_database(urlunsplit(urlsplit(db_url)._replace(path="/" + name))), (server, name)


def drop(handle):
    if handle:
        server, name = handle
        server.execute_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.close()


@contextlib.contextmanager
def migrated_until(db_url, target):
    """A second database on the test's engine, migrated up to ``target`` only (to test the next migration)."""
    database, handle = fresh_database(db_url, "before_" + target[:4])
    try:
        with database.connection_context():
            schema.runner(database).up(target=target)
        yield database
    finally:
        database.close()
        drop(handle)


def test_migrated_schema_equals_a_fresh_one(db_url):
    migrated, handle_a = fresh_database(db_url, "migrated")
    created, handle_b = fresh_database(db_url, "created")
    try:
        with migrated.connection_context():
            assert schema.runner(migrated).up() == [m.name for m in schema.runner(migrated).migrations()]
            assert schema.pending(migrated) == []
            migrated_shape = describe(migrated)
        with created.connection_context():
            with created.bind_ctx(models.MODELS):
                created.create_tables(models.MODELS)
            created_shape = describe(created)
        assert migrated_shape == created_shape
        with migrated.connection_context(), migrated.bind_ctx(models.MODELS):
            assert not diff_models(migrated, models.MODELS)
    finally:
        migrated.close()
        created.close()
        drop(handle_a)
        drop(handle_b)


def test_upgrade_is_idempotent(database):
    assert schema.upgrade(database) == []
