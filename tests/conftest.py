"""Shared fixtures: a fresh, migrated database per test on real engines.

SQLite always; PostgreSQL too when ``TEST_DATABASE_URL`` names a server (for
example ``postgresql://postgres@127.0.0.1:5432/postgres``): the suite then
creates its own database, migrates it once and empties it between tests.
"""
import os
import shutil
import uuid
from urllib.parse import urlsplit, urlunsplit

import pytest

import models
from housing import schema
from housing.database import bind, open_database, sqlite_url

ENGINES = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("template") / "template.db"
    database = open_database(sqlite_url(path))
    with database.connection_context():
        schema.runner(database).up()
        database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture(scope="session")
def postgres_url():
    server = os.environ["TEST_DATABASE_URL"]
    name = "housing_test_" + uuid.uuid4().hex[:8]
    admin = open_database(server)
    admin.connect()
    admin.connection().autocommit = True
    admin.execute_sql(f'CREATE DATABASE "{name}"')
    parts = urlsplit(server)
    url = urlunsplit(parts._replace(path="/" + name))
    database = open_database(url)
    with database.connection_context():
        schema.runner(database).up()
    database.close()
    yield url
    admin.execute_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def _empty_postgres(url):
    database = open_database(url)
    with database.connection_context():
        tables = ", ".join(f'"{m._meta.table_name}"' for m in models.MODELS)
        database.execute_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    database.close()


@pytest.fixture(params=ENGINES)
def db_url(request, tmp_path):
    """URL of a fresh, migrated, empty database."""
    if request.param == "sqlite":
        path = tmp_path / "housing.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return sqlite_url(path)
    url = request.getfixturevalue("postgres_url")
    _empty_postgres(url)
    return url


@pytest.fixture
def database(db_url):
    """The models bound to a fresh database, connected for the test body."""
    database = bind(db_url)
    database.connect(reuse_if_open=True)
    yield database
    database.close()
