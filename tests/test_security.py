"""Login, roles, CSRF, redirects and throttling: the back office is closed by default."""
import re

import pytest

import models as m
from admin import create_app
from conftest import PASSWORD, csrf_token, form_post, log_in, make_user
from samples import MARIO, prepared

# "health.health" (GET /health) is open on purpose, for the city's monitoring: tests/test_health.py
# checks that it shows no personal data and nothing but statuses, times and counts.
# "calendar_feed.feed" (GET /calendar/<token>.ics) opens only to its secret token: tests/test_appointments.py
# checks that an unknown or revoked token answers 404 and that the feed carries no names.
# "landlord_proposals.submit" (POST /public/landlord-proposal) is the public site's form: it only queues a
# proposal, refused from another origin; tests/test_landlord_proposals.py checks it reads nothing back.
CSRF_VALUE = re.compile(r'value="\d{14}##[0-9a-f]+"')
PUBLIC_ENDPOINTS = {"static", "admin.static", "auth.login", "auth.logout", "auth.language", "root", "health.health",
                    "calendar_feed.feed", "landlord_proposals.submit"}


def concrete_urls(app):
    """Every routed URL with its methods, arguments filled with plausible values."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS or rule.endpoint.endswith(".static"):
            continue
        url = rule.rule
        for arg in rule.arguments:
            url = re.sub(rf"<(?:\w+:)?{arg}>", {"export_type": "csv"}.get(arg, "1"), url)
        yield rule.endpoint, url, rule.methods - {"HEAD", "OPTIONS"}


def test_every_admin_url_requires_login(app, client):
    urls = list(concrete_urls(app))
    assert len(urls) > 100, "the whole back office is enumerated"
    for endpoint, url, methods in urls:
        for method in methods:
            response = client.open(url + "?id=1", method=method)
            assert response.status_code in (302, 400, 403), (endpoint, method, response.status_code)
            if response.status_code == 302:
                assert "/auth/login" in response.location, (endpoint, response.location)


# What each role may do, written out here on purpose: a change to admin/roles.py
# must be reflected consciously in this table.
READ, EDIT, NONE = "read", "edit", "none"
MATRIX = {
    #                       admin  operator clerk  viewer
    "dwelling":            (EDIT, READ, EDIT, READ),
    "offer":               (EDIT, READ, EDIT, READ),
    "district":            (EDIT, READ, EDIT, READ),
    "landlord":            (EDIT, READ, EDIT, NONE),
    "landlord_summary":    (NONE, NONE, NONE, READ),
    "household":           (EDIT, EDIT, NONE, NONE),
    "person":              (EDIT, EDIT, NONE, NONE),
    "household_summary":   (NONE, NONE, NONE, READ),
    "erp_assignment":      (EDIT, EDIT, READ, NONE),
    "erp_assignment_summary": (NONE, NONE, NONE, READ),
    "partner":             (EDIT, READ, EDIT, READ),
    "agreement":           (EDIT, READ, EDIT, READ),
    "territorial_agreement": (EDIT, READ, EDIT, READ),
    "agreement_zone":      (EDIT, READ, EDIT, READ),
    "rent_band":           (EDIT, READ, EDIT, READ),
    "contract_duration":   (EDIT, READ, EDIT, READ),
    "user":                (EDIT, NONE, NONE, NONE),
    "audit_log":           (READ, NONE, NONE, NONE),
    "job_run":             (READ, READ, READ, READ),  # runs are never edited; see test_publishing_admin
    "match":               (READ, READ, READ, NONE),
    "rule_setting":        (EDIT, READ, NONE, NONE),
    "notice_template":     (EDIT, NONE, NONE, NONE),  # what households and landlords receive
}
ROLES = ("admin", "operator", "clerk", "viewer")


@pytest.mark.parametrize("role", ROLES)
def test_role_matrix(app, login, role):
    client = login(role)
    assert client.get("/admin/").status_code == 200
    for endpoint, levels in MATRIX.items():
        level = levels[ROLES.index(role)]
        listing = client.get(f"/admin/{endpoint}/")
        assert listing.status_code == (403 if level == NONE else 200), (endpoint, role)
        new_form = client.get(f"/admin/{endpoint}/new/")
        if level == EDIT:
            assert new_form.status_code == 200, (endpoint, role)
        else:
            assert new_form.status_code in (302, 403), (endpoint, role)
            assert "/new/" not in (new_form.location or ""), (endpoint, role)
        if level == READ:
            assert f'href="/admin/{endpoint}/new/' not in listing.get_data(as_text=True)
            assert client.get(f"/admin/{endpoint}/export/csv/").status_code == 200


@pytest.mark.parametrize("role", ["operator", "viewer"])
def test_roles_cannot_write_where_they_only_read(app, login, role):
    client = login(role)
    data = prepared(app, "dwelling")
    data["csrf_token"] = csrf_token(client, "/admin/dwelling/")
    response = client.post("/admin/dwelling/new/", data=data)
    assert response.status_code in (302, 403)
    with app.extensions["database"].connection_context():
        assert m.Dwelling.select().count() == 0
        dwelling_id = m.Dwelling.create(**{**_dwelling_fields(data), "landlord": int(data["landlord"])}).id
    response = client.post("/admin/dwelling/delete/", data={"id": dwelling_id, "csrf_token": data["csrf_token"]})
    with app.extensions["database"].connection_context():
        assert m.Dwelling.select().count() == 1


def _dwelling_fields(data):
    fields = m.Dwelling._meta.fields
    return {k: v for k, v in data.items() if k in fields and k not in ("landlord", "has_lift")}


def test_viewer_never_sees_personal_data(app, login):
    admin = login("admin", "boss")
    response = form_post(admin, "/admin/household/new/", prepared(app, "household"))
    assert response.status_code == 302
    landlord = prepared(app, "landlord")
    assert form_post(admin, "/admin/landlord/new/", landlord).status_code == 302
    admin.post("/auth/logout", data={"csrf_token": csrf_token(admin, "/admin/")})

    viewer = login("viewer")
    secrets = ["Rossi", MARIO, "650", "nucleo@example.it", "3470000000", "mario@example.it"]
    pages = ["/admin/", "/admin/household_summary/", "/admin/household_summary/details/?id=1",
             "/admin/household_summary/export/csv/", "/admin/landlord_summary/",
             "/admin/landlord_summary/details/?id=1", "/admin/landlord_summary/export/csv/",
             "/admin/erp_assignment_summary/"]
    for url in pages:
        response = viewer.get(url)
        assert response.status_code == 200, url
        # a CSRF token is random hex: "650" may turn up in one by chance
        text = CSRF_VALUE.sub("", response.get_data(as_text=True))
        for secret in secrets:
            assert secret not in text, (url, secret)
    # searching by a member's name finds nothing: search never touches personal fields
    found = viewer.get("/admin/household_summary/?search=Rossi").get_data(as_text=True)
    assert "details/?id=1" not in found


def test_post_without_csrf_token_changes_nothing(app, login):
    client = login("admin")
    data = prepared(app, "partner")
    response = client.post("/admin/partner/new/", data=data)
    assert response.status_code == 200
    with app.extensions["database"].connection_context():
        assert m.Partner.select().count() == 0
        partner = m.Partner.create(name="Da non cancellare", sector="other")
    client.post("/admin/partner/delete/", data={"id": partner.id})
    client.post("/admin/partner/action/", data={"action": "delete", "rowid": partner.id})
    with app.extensions["database"].connection_context():
        assert m.Partner.select().count() == 1
    # with the token the same delete goes through
    token = csrf_token(client, "/admin/partner/")
    client.post("/admin/partner/delete/", data={"id": partner.id, "csrf_token": token})
    with app.extensions["database"].connection_context():
        assert m.Partner.select().count() == 0


def test_login_form_requires_csrf(app, client):
    make_user(app, "anna", "operator")
    response = client.post("/auth/login", data={"username": "anna", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/admin/").status_code == 302


@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example/", "/\\evil.example", "http:/evil.example", "javascript:alert(1)",
])
def test_login_refuses_open_redirects(app, client, target):
    make_user(app, "anna", "operator")
    token = csrf_token(client, "/auth/login")
    response = client.post("/auth/login?next=" + target, data={"username": "anna", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    assert response.location == "/admin/"


def test_login_follows_a_local_next(app, client):
    make_user(app, "anna", "operator")
    token = csrf_token(client, "/auth/login")
    response = client.post("/auth/login?next=/admin/household/", data={"username": "anna", "password": PASSWORD, "csrf_token": token})
    assert response.location == "/admin/household/"


def test_failed_logins_are_throttled(app, client):
    make_user(app, "anna", "operator")
    for _ in range(5):
        assert log_in(client, "anna", "wrong password!").status_code == 401
    response = log_in(client, "anna")
    assert response.status_code == 429
    assert client.get("/admin/").status_code == 302


def test_inactive_accounts_cannot_log_in(app, client):
    user = make_user(app, "anna", "operator")
    with app.extensions["database"].connection_context():
        m.User.update(active=False).where(m.User.id == user.id).execute()
    assert log_in(client, "anna").status_code == 401


def test_passwords_are_hashed_with_argon2(app):
    user = make_user(app, "anna", "operator")
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_session_cookie_flags(db_url):
    app = create_app({"SECRET_KEY": "x", "DATABASE_URL": db_url, "TESTING": True})
    assert app.config["SESSION_COOKIE_SECURE"] is True, "HTTPS-only unless told otherwise"
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    client = app.test_client()
    client.get("/auth/login", base_url="https://localhost")
    cookie = client.get_cookie("session", domain="localhost")
    assert cookie is not None and cookie.secure and cookie.http_only


def test_secret_key_is_required_outside_development(db_url, monkeypatch, tmp_path):
    monkeypatch.delenv("HOUSING_SECRET_KEY", raising=False)
    monkeypatch.setenv("HOUSING_INSTANCE_PATH", str(tmp_path))  # not the checkout's, where `make start` wrote a key
    with pytest.raises(RuntimeError, match="HOUSING_SECRET_KEY"):
        create_app({"DATABASE_URL": db_url})
    assert create_app({"DATABASE_URL": db_url, "ENV": "development"}).config["SECRET_KEY"]


def test_the_factory_can_build_two_apps(db_url):
    first = create_app({"SECRET_KEY": "a", "DATABASE_URL": db_url})
    second = create_app({"SECRET_KEY": "b", "DATABASE_URL": db_url})
    assert first.url_map is not second.url_map
    assert {r.endpoint for r in first.url_map.iter_rules()} == {r.endpoint for r in second.url_map.iter_rules()}


def test_logout_needs_a_post_with_token(app, login):
    client = login("operator")
    assert client.get("/auth/logout").status_code == 405
    assert client.post("/auth/logout").status_code == 400
    assert client.get("/admin/").status_code == 200
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/admin/")})
    assert client.get("/admin/").status_code == 302
