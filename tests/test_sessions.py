"""Sessions end on the server: logout, a new password or a deactivation make
an old session cookie useless, even if someone kept a copy of it."""
import pytest
from argon2 import PasswordHasher

import models as m
from conftest import csrf_token, log_in, make_user
from housing import accounts


@pytest.fixture(autouse=True)
def cheap_hasher(monkeypatch):
    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def logged_in(app, username="anna", role="operator"):
    client = app.test_client()
    assert log_in(client, username).status_code == 302
    assert client.get("/admin/").status_code == 200
    return client


def replay(app, client):
    """A new browser that presents a copy of ``client``'s session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def assert_refused(client):
    response = client.get("/admin/")
    assert response.status_code == 302 and "/auth/login" in response.location


def user_id(app, username="anna"):
    with app.extensions["database"].connection_context():
        return m.User.get(m.User.username == username).id


def test_a_copied_cookie_is_useless_after_logout(app):
    make_user(app, "anna", "operator")
    client = logged_in(app)
    copy = replay(app, client)
    assert copy.get("/admin/").status_code == 200, "the copy works while the session lives"
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/admin/")})
    assert_refused(client)
    assert_refused(copy)
    assert copy.get("/admin/household/").status_code == 302


def test_logout_ends_every_session_of_the_account(app):
    make_user(app, "anna", "operator")
    office, home = logged_in(app), logged_in(app)
    office.post("/auth/logout", data={"csrf_token": csrf_token(office, "/admin/")})
    assert_refused(home)
    assert logged_in(app).get("/admin/").status_code == 200, "a new login works"


def test_a_new_password_ends_the_old_sessions(app):
    make_user(app, "anna", "operator")
    client = logged_in(app)
    with app.extensions["database"].connection_context():
        accounts.set_password(m.User.get_by_id(user_id(app)), "a brand new passphrase")
    assert_refused(client)
    assert log_in(app.test_client(), "anna", "a brand new passphrase").status_code == 302


def test_a_password_hash_written_anywhere_ends_the_old_sessions(app):
    """Whatever writes the hash (the accounts form, a script), the sessions opened before end."""
    make_user(app, "anna", "operator")
    client = logged_in(app)
    with app.extensions["database"].connection_context():
        m.User.update(password_hash=accounts.hash_password("another passphrase")).where(
            m.User.id == user_id(app)).execute()
    assert_refused(client)


def test_a_deactivated_account_stays_logged_out_when_reactivated(app):
    make_user(app, "anna", "operator")
    client = logged_in(app)
    with app.extensions["database"].connection_context():
        user = m.User.get_by_id(user_id(app))
        accounts.set_active(user, False)
    assert_refused(client)
    with app.extensions["database"].connection_context():
        accounts.set_active(user, True)
    assert_refused(client)
    assert logged_in(app).get("/admin/").status_code == 200


def test_a_session_from_before_session_versions_is_refused(app):
    make_user(app, "anna", "operator")
    client = logged_in(app)
    with client.session_transaction() as session:
        session.pop("session_version")
    assert_refused(client)


def test_other_users_sessions_survive_a_logout(app):
    make_user(app, "anna", "operator")
    make_user(app, "bruno", "operator")
    anna, bruno = logged_in(app, "anna"), logged_in(app, "bruno")
    anna.post("/auth/logout", data={"csrf_token": csrf_token(anna, "/admin/")})
    assert bruno.get("/admin/").status_code == 200


def _user_form(app, client, record_id, **changes):
    import re

    url = f"/admin/user/edit/?id={record_id}"
    html = client.get(url).get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', html).group(1)
    token = csrf_token(client, url)
    with app.extensions["database"].connection_context():
        user = m.User.get_by_id(record_id)
        data = {"username": user.username, "full_name": user.full_name, "role": user.role, "language": "it",
                "active": "y", "version": version, "csrf_token": token}
    data.update(changes)
    return client.post(url, data={k: v for k, v in data.items() if v is not None})


def test_a_deactivation_in_the_accounts_form_ends_the_sessions_for_good(app):
    make_user(app, "boss", "admin")
    make_user(app, "anna", "operator")
    admin, anna = logged_in(app, "boss"), logged_in(app)
    assert _user_form(app, admin, user_id(app), active=None).status_code == 302  # unticked
    assert_refused(anna)
    assert _user_form(app, admin, user_id(app)).status_code == 302  # reactivated
    assert_refused(anna)


def test_changing_one_s_own_password_in_the_form_keeps_one_logged_in(app):
    make_user(app, "boss", "admin")
    admin = logged_in(app, "boss")
    assert _user_form(app, admin, user_id(app, "boss"), new_password="una nuova password lunga").status_code == 302
    assert admin.get("/admin/").status_code == 200
