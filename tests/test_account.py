"""Il mio account: one's own password and language, an administrator's reset
that forces a change at the next login, the password policy, the login's autofocus."""
import json
import re

import pytest
from argon2 import PasswordHasher

import models as m
from conftest import PASSWORD, csrf_token, log_in, make_user
from housing import accounts

NEW = "a quiet harbour at dawn"
ACCOUNT = "/admin/account/"


@pytest.fixture(autouse=True)
def cheap_hasher(monkeypatch):
    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def logged_in(app, username):
    client = app.test_client()
    assert log_in(client, username).status_code == 302
    return client


def user(app, username):
    with app.extensions["database"].connection_context():
        return m.User.get(m.User.username == username)


def trail(app, username):
    with app.extensions["database"].connection_context():
        target = m.User.get(m.User.username == username)
        return list(m.AuditLog.select().where((m.AuditLog.entity == "user")
                                              & (m.AuditLog.record_id == str(target.id))).order_by(m.AuditLog.id))


def change(client, current=PASSWORD, new=NEW, confirm=None, **extra):
    data = {"current_password": current, "new_password": new,
            "confirm_password": new if confirm is None else confirm,
            "csrf_token": csrf_token(client, ACCOUNT)}
    data.update(extra)
    return client.post("/admin/account/password", data=data)


# -- the login page ---------------------------------------------------------------

def test_the_login_page_focuses_the_username(client):
    html = client.get("/auth/login").get_data(as_text=True)
    username = re.search(r"<input[^>]*name=\"username\"[^>]*>", html).group(0)
    password = re.search(r"<input[^>]*name=\"password\"[^>]*>", html).group(0)
    assert "autofocus" in username and "autofocus" not in password


# -- the password policy ------------------------------------------------------------

@pytest.mark.parametrize("password, rule", [
    ("short", 0),
    ("password1234", 2),
    ("qwertyuiop123", 2),
    ("iloveyou1234", 2),
    ("123456789012", 2),
    ("Password123!", 2),
    ("aaaaaaaaaaaaaaa", 2),
    ("GiuliaRossi1987", 1),
    ("giulia.rossi.2026", 1),
    ("rossi-giulia-99!", 1),
])
def test_the_policy_refuses_short_common_and_personal_passwords(password, rule):
    with pytest.raises(accounts.AccountError) as refused:
        accounts.check_password(password, "giulia", "Giulia Rossi", "g.rossi@example.org")
    assert refused.value.field == "password"
    assert str(refused.value) == accounts.PASSWORD_RULES[rule][1]
    assert refused.value.en == accounts.PASSWORD_RULES[rule][2]


@pytest.mark.parametrize("password", [PASSWORD, NEW, "una nuova password lunga", "Giulia ama il mare di Ognina"])
def test_the_policy_accepts_phrases(password):
    accounts.check_password(password, "giulia", "Giulia Rossi", "g.rossi@example.org")


def test_generated_passwords_pass_the_policy():
    for _ in range(50):
        accounts.check_password(accounts.random_password(), "giulia", "Giulia Rossi")


def test_the_policy_names_the_field_in_both_languages():
    with pytest.raises(accounts.AccountError) as refused:
        accounts.check_password("password1234")
    assert "password" in str(refused.value).lower() and "password" in refused.value.en.lower()
    assert refused.value.it != refused.value.en


def test_create_user_applies_the_policy(app):
    with app.extensions["database"].connection_context():
        with pytest.raises(accounts.AccountError):
            accounts.create_user("giulia", "operator", "giuliarossi2026", full_name="Giulia Rossi")
        with pytest.raises(accounts.AccountError):
            accounts.create_user("giulia", "operator", "password1234")
        assert not m.User.select().where(m.User.username == "giulia").exists()


# -- one's own password ---------------------------------------------------------------

@pytest.mark.parametrize("role", ["admin", "clerk", "operator", "viewer"])
def test_every_role_changes_its_own_password(app, role):
    make_user(app, "anna", role)
    client, other = logged_in(app, "anna"), logged_in(app, "anna")
    page = client.get(ACCOUNT)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Il mio account" in html and 'name="current_password"' in html
    assert change(client).status_code == 302
    assert client.get("/admin/").status_code == 200, "the session that changed it goes on"
    refused = other.get("/admin/")
    assert refused.status_code == 302 and "/auth/login" in refused.location, "the other sessions end"
    assert log_in(app.test_client(), "anna", PASSWORD).status_code == 401
    assert log_in(app.test_client(), "anna", NEW).status_code == 302
    changed = user(app, "anna")
    assert changed.password_changed_at is not None and not changed.must_change_password


def test_a_password_change_is_audited_without_the_password(app):
    make_user(app, "anna", "operator")
    client = logged_in(app, "anna")
    before = len(trail(app, "anna"))
    assert change(client).status_code == 302
    entries = trail(app, "anna")[before:]
    assert len(entries) == 1 and entries[0].actor == "anna" and entries[0].action == "update"
    changes = json.loads(entries[0].changes)
    assert changes["password_hash"] == ["•••", "•••"] and "password_changed_at" in changes
    assert NEW not in entries[0].changes and "argon2" not in entries[0].changes
    assert "session_version" not in changes


@pytest.mark.parametrize("data, field, message", [
    ({"current": "not my password at all"}, "current_password", "La password attuale non è corretta."),
    ({"confirm": "a quiet harbour at dusk"}, "confirm_password", "Le due nuove password non coincidono."),
    ({"new": "password1234"}, "new_password", "tra le più comuni"),
    ({"new": "short"}, "new_password", "almeno 12 caratteri"),
    ({"new": "Anna Anna 2026"}, "new_password", "somiglia troppo"),
    ({"new": PASSWORD}, "new_password", "diversa da quella attuale"),
    ({"current": ""}, "current_password", ""),
])
def test_a_refused_change_names_the_field_and_saves_nothing(app, data, field, message):
    make_user(app, "anna", "operator")
    client = logged_in(app, "anna")
    stored = user(app, "anna").password_hash
    response = change(client, **data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert re.search(rf'name="{field}"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*name="{field}"', html)
    assert message in html
    assert user(app, "anna").password_hash == stored and user(app, "anna").password_changed_at is None
    assert client.get("/admin/").status_code == 200


def test_errors_in_english(app):
    make_user(app, "anna", "operator")
    client = logged_in(app, "anna")
    client.post("/auth/language/en", data={"csrf_token": csrf_token(client, "/admin/")})
    html = change(client, new="password1234").get_data(as_text=True)
    assert "one of the most common" in html and "My account" in html


def test_guessing_the_current_password_is_throttled(app):
    make_user(app, "anna", "operator")
    client = logged_in(app, "anna")
    statuses = [change(client, current=f"wrong guess number {i}").status_code for i in range(7)]
    assert statuses[:5] == [400] * 5 and statuses[-1] == 429
    assert user(app, "anna").password_changed_at is None


def test_the_account_pages_need_a_login_and_a_token(app, client):
    make_user(app, "anna", "operator")
    anna = user(app, "anna")
    for url in [ACCOUNT, f"/admin/account/reset/{anna.id}"]:
        response = client.get(url)
        assert response.status_code == 302 and "/auth/login" in response.location
    for url in ["/admin/account/password", "/admin/account/language", f"/admin/account/reset/{anna.id}"]:
        response = client.post(url, data={"current_password": PASSWORD, "new_password": NEW,
                                          "confirm_password": NEW, "language": "en"})
        assert response.status_code == 302 and "/auth/login" in response.location
    client = logged_in(app, "anna")
    no_token = client.post("/admin/account/password", data={"current_password": PASSWORD, "new_password": NEW,
                                                            "confirm_password": NEW})
    assert no_token.status_code == 400
    assert client.post("/admin/account/language", data={"language": "en"}).status_code == 400
    assert user(app, "anna").password_changed_at is None and user(app, "anna").language == "it"


# -- language ------------------------------------------------------------------------

def test_one_chooses_the_interface_language(app):
    make_user(app, "anna", "operator")
    client = logged_in(app, "anna")
    html = client.get(ACCOUNT).get_data(as_text=True)
    select = re.search(r'<select[^>]*name="language".*?</select>', html, re.S).group(0)
    assert re.findall(r'<option[^>]*value="(\w+)"', select) == ["it", "en"]
    assert ">Italiano<" in select and ">English<" in select
    response = client.post("/admin/account/language",
                           data={"language": "en", "csrf_token": csrf_token(client, ACCOUNT)})
    assert response.status_code == 302
    assert user(app, "anna").language == "en"
    assert "My account" in client.get(ACCOUNT).get_data(as_text=True)
    fresh = logged_in(app, "anna")  # a new session follows the account's language
    assert "My account" in fresh.get(ACCOUNT).get_data(as_text=True)
    entry = trail(app, "anna")[-1]
    assert json.loads(entry.changes) == {"language": ["it", "en"]} and entry.actor == "anna"


def test_an_unknown_language_is_refused(app):
    make_user(app, "anna", "operator")
    client = logged_in(app, "anna")
    response = client.post("/admin/account/language",
                           data={"language": "fr", "csrf_token": csrf_token(client, ACCOUNT)})
    assert response.status_code == 400 and user(app, "anna").language == "it"


def test_the_account_menu_links_the_page(app):
    make_user(app, "anna", "operator")
    client = logged_in(app, "anna")
    with app.test_request_context():
        from flask import render_template_string
        from flask_login import login_user

        login_user(user(app, "anna"))
        html = render_template_string("{% include 'admin/account_menu.html' %}")
    assert '<li class="nav-item">' in html and 'href="/admin/account/"' in html and "Il mio account" in html


# -- an administrator's reset ----------------------------------------------------------

def reset(client, target_id, password=""):
    url = f"/admin/account/reset/{target_id}"
    return client.post(url, data={"password": password, "csrf_token": csrf_token(client, url)})


@pytest.mark.parametrize("role", ["clerk", "operator", "viewer"])
def test_only_an_administrator_resets_a_password(app, role):
    make_user(app, "boss", role)
    make_user(app, "anna", "operator")
    client = logged_in(app, "boss")
    target = user(app, "anna")
    assert client.get(f"/admin/account/reset/{target.id}").status_code == 403
    token = csrf_token(client, ACCOUNT)
    assert client.post(f"/admin/account/reset/{target.id}", data={"csrf_token": token}).status_code == 403
    assert user(app, "anna").password_hash == target.password_hash


def test_a_reset_forces_a_new_password_at_the_next_login(app):
    make_user(app, "boss", "admin")
    make_user(app, "anna", "operator")
    admin, anna = logged_in(app, "boss"), logged_in(app, "anna")
    target = user(app, "anna")
    assert admin.get(f"/admin/account/reset/{target.id}").status_code == 200
    response = reset(admin, target.id)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    temporary = re.search(r'id="temporary-password"[^>]*>([^<]+)<', response.get_data(as_text=True)).group(1)
    assert user(app, "anna").must_change_password
    assert anna.get("/admin/").status_code == 302, "the user's open sessions end"
    entry = trail(app, "anna")[-1]
    assert entry.actor == "boss" and temporary not in entry.changes
    assert json.loads(entry.changes)["must_change_password"] == [False, True]

    client = app.test_client()
    login = log_in(client, "anna", temporary)
    assert login.status_code == 302 and login.location.endswith(ACCOUNT)
    page = client.get(ACCOUNT).get_data(as_text=True)
    assert 'id="forced-change"' in page
    response = change(client, current=temporary, new=NEW)
    assert response.status_code == 302 and response.location.endswith("/admin/")
    assert not user(app, "anna").must_change_password
    assert client.get("/admin/household/").status_code == 200


def test_until_the_change_every_admin_url_leads_to_it(app):
    make_user(app, "anna", "admin")
    make_user(app, "bruno", "operator")
    with app.extensions["database"].connection_context():
        accounts.reset_password(user(app, "anna"), None, "a temporary passphrase")
    client = app.test_client()
    assert log_in(client, "anna", "a temporary passphrase").status_code == 302
    urls = sorted({rule.rule for rule in app.url_map.iter_rules()
                   if rule.rule.startswith("/admin") and "GET" in rule.methods and not rule.arguments
                   and "static" not in rule.endpoint and rule.endpoint not in ("account.index",)})
    assert len(urls) > 50
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and response.location.endswith(ACCOUNT), url
    token = csrf_token(client, ACCOUNT)
    bruno = user(app, "bruno")
    refused = client.post(f"/admin/user/edit/?id={bruno.id}", data={"csrf_token": token, "role": "admin"})
    assert refused.status_code == 403 and user(app, "bruno").role == "operator"
    assert client.post(f"/admin/account/reset/{bruno.id}", data={"csrf_token": token}).status_code == 403
    assert client.post("/admin/account/language", data={"csrf_token": token, "language": "en"}).status_code == 403
    assert client.get("/").status_code == 302


def test_a_chosen_temporary_password_follows_the_policy(app):
    make_user(app, "boss", "admin")
    make_user(app, "anna", "operator")
    admin = logged_in(app, "boss")
    target = user(app, "anna")
    refused = reset(admin, target.id, "password1234")
    assert refused.status_code == 400 and "tra le più comuni" in refused.get_data(as_text=True)
    assert not user(app, "anna").must_change_password
    chosen = reset(admin, target.id, "a temporary passphrase")
    assert chosen.status_code == 200 and "temporary-password" not in chosen.get_data(as_text=True)
    assert user(app, "anna").must_change_password
    assert log_in(app.test_client(), "anna", "a temporary passphrase").location.endswith(ACCOUNT)


def test_the_reset_of_oneself_or_of_no_one(app):
    make_user(app, "boss", "admin")
    admin = logged_in(app, "boss")
    me = user(app, "boss")
    own = admin.get(f"/admin/account/reset/{me.id}")
    assert own.status_code == 302 and own.location.endswith(ACCOUNT)
    assert admin.get("/admin/account/reset/999999").status_code == 404
    assert admin.get(f"/admin/account/reset/{2**70}").status_code == 404
    assert not user(app, "boss").must_change_password


# -- the user form (admin/views/registries.py, another change of issue 13) --------------
# Flask-Admin's peewee views ignore ``form_choices``: UserView overrides the form field.


def test_the_user_form_offers_the_languages_as_a_choice(app, login):
    client = login("admin")
    html = client.get("/admin/user/new/").get_data(as_text=True)
    select = re.search(r'<select[^>]*name="language".*?</select>', html, re.S)
    assert select, "the language is a choice, not free text"
    assert re.findall(r'<option[^>]*value="(\w+)"', select.group(0)) == ["it", "en"]


def test_the_user_list_links_each_account_s_reset(app, login):
    client = login("admin")
    make_user(app, "anna", "operator")
    html = client.get("/admin/user/").get_data(as_text=True)
    assert f'href="/admin/account/reset/{user(app, "anna").id}"' in html
