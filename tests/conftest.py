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


def module_db_url(request, tmp_path_factory, name):
    """URL of a fresh, migrated, empty database on ``request.param``'s engine, for a
    module-scoped fixture (one database shared by a module's tests)."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp(name) / "housing.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return sqlite_url(path)
    url = request.getfixturevalue("postgres_url")
    _empty_postgres(url)
    return url


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


# -- the web app --------------------------------------------------------------

import re  # noqa: E402

from admin import create_app  # noqa: E402
from housing import accounts  # noqa: E402

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
PASSWORD = "correct horse battery staple"


@pytest.fixture
def app(db_url):
    app = create_app({
        "TESTING": True,
        "ENV": "testing",
        "SECRET_KEY": "test-secret-key",
        "DATABASE_URL": db_url,
        "SESSION_COOKIE_SECURE": False,
    })
    yield app
    database = app.extensions["database"]
    if not database.is_closed():
        database.close()


@pytest.fixture(autouse=True)
def fresh_dashboard_counts():
    from admin.views import dashboard

    dashboard._cache.clear()


@pytest.fixture
def client(app):
    return app.test_client()


def csrf_token(client, url):
    """The CSRF token of the form at ``url``."""
    page = client.get(url)
    match = TOKEN.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {url} (status {page.status_code})"
    return match.group(1)


def make_user(app, username, role):
    database = app.extensions["database"]
    with database.connection_context():
        return accounts.create_user(username, role, PASSWORD, full_name=username.title())


def role_clients(app, roles):
    """A logged-in test client per role, for accounts named ``<role>1`` created beforehand."""
    clients = {}
    for role in roles:
        clients[role] = app.test_client()
        assert log_in(clients[role], f"{role}1").status_code == 302
    return clients


def log_in(client, username, password=PASSWORD):
    token = csrf_token(client, "/auth/login")
    return client.post("/auth/login", data={"username": username, "password": password, "csrf_token": token})


@pytest.fixture
def login(app, client):
    """``login(role)`` creates an account with that role and logs the client in."""

    def _login(role, username=None):
        username = username or f"{role}1"
        make_user(app, username, role)
        response = log_in(client, username)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return _login


def form_post(client, url, data):
    """POST ``data`` to the form at ``url`` with its CSRF token."""
    data = dict(data)
    data["csrf_token"] = csrf_token(client, url)
    return client.post(url, data=data)
