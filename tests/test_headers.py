"""Security headers on every response of the back office, error pages included,
and pages that still work under its Content-Security-Policy."""
import base64
import hashlib
import pathlib
import re
from html.parser import HTMLParser

import pytest

from conftest import log_in
from housing import demo

HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def directives(response):
    policy = response.headers.get("Content-Security-Policy", "")
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


def assert_secured(response, url):
    for name, value in HEADERS.items():
        assert response.headers.get(name) == value, (url, response.status_code, name)
    policy = directives(response)
    assert policy.get("frame-ancestors") == ["'none'"], (url, policy)
    assert policy.get("default-src") == ["'self'"], (url, policy)
    assert policy.get("script-src", [])[:1] == ["'self'"], (url, policy)
    extra = policy["script-src"][1:]
    assert not extra or (extra[0] == "'unsafe-hashes'" and all(s.startswith("'sha256-") for s in extra[1:])), policy
    assert policy.get("object-src") == ["'none'"] and policy.get("base-uri") == ["'none'"], url
    assert policy.get("form-action") == ["'self'"], url
    assert not any("http" in source or source == "*" for sources in policy.values() for source in sources), url


def test_every_kind_of_response_carries_the_headers(app, login, client):
    anonymous = app.test_client()
    cases = [
        (anonymous, "GET", "/auth/login", 200),
        (anonymous, "POST", "/auth/login", 400),          # no CSRF token
        (anonymous, "GET", "/", 302),
        (anonymous, "GET", "/admin/", 302),
        (anonymous, "GET", "/no/such/page", 404),
        (anonymous, "GET", "/auth/logout", 405),
        (anonymous, "GET", "/admin/static/bootstrap/bootstrap4/css/bootstrap.min.css", 200),
    ]
    for visitor, method, url, status in cases:
        response = visitor.open(url, method=method)
        assert response.status_code == status, (url, response.status_code)
        assert_secured(response, url)
        response.close()
    assert log_in(anonymous, "nobody", "wrong password!").status_code == 401
    login("viewer")
    for url, status in [("/admin/", 200), ("/admin/dwelling/", 200), ("/admin/household/", 403),
                        ("/admin/dwelling/export/csv/", 200), ("/admin/no-such-view/", 404)]:
        response = client.get(url)
        assert response.status_code == status, (url, response.status_code)
        assert_secured(response, url)


def test_an_internal_error_page_carries_the_headers(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.route("/boom")
    def boom():
        raise RuntimeError("boom")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert_secured(response, "/boom")


class Resources(HTMLParser):
    """What a page asks the browser to run or load, as the policy sees it."""

    EVENT_HANDLER = re.compile(r"^on[a-z]+$")

    def __init__(self):
        super().__init__()
        self.inline_scripts, self.handlers, self.scripts, self.styles, self.foreign = 0, set(), [], [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.handlers.update(value for name, value in attrs.items() if self.EVENT_HANDLER.match(name))
        for name in ("src", "href", "action"):
            value = (attrs.get(name) or "").strip()
            if re.match(r"^\s*javascript:", value, re.IGNORECASE) and value != "javascript:void(0)":
                self.handlers.add(value)
            if re.match(r"^(https?:)?//", value) and tag != "a":
                self.foreign.append(value)
        if tag == "script":
            if attrs.get("src"):
                self.scripts.append(attrs["src"])
            else:
                self.inline_scripts += 1
        if tag == "link" and attrs.get("rel") == "stylesheet":
            self.styles.append(attrs["href"])


@pytest.fixture
def seeded(app):
    with app.extensions["database"].connection_context():
        demo.seed(scale=0.05)
    return app


def admin_pages(app):
    """Every page without arguments, and every model view's list, form and details."""
    from admin.views.base import SecureModelView

    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and not rule.arguments and not rule.endpoint.startswith("auth."):
            if "/export/" not in rule.rule and "/ajax/" not in rule.rule:
                yield rule.rule
    for view in app.extensions["housing_admin"]._views:
        if isinstance(view, SecureModelView) and not view.endpoint.endswith("_summary"):
            yield f"/admin/{view.endpoint}/details/?id=1"
            if view.can_edit:
                yield f"/admin/{view.endpoint}/edit/?id=1"


def sha256(text):
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def test_the_pages_work_under_the_policy(seeded, login, client):
    """No inline script; every inline handler (Flask-Admin's) allowed by its hash and no
    other; nothing from other hosts; every script and stylesheet served with its own
    type (nosniff). ``javascript:void(0)`` links do nothing, blocked or not."""
    app = seeded
    login("admin")
    assets, checked, handlers_seen = set(), 0, set()
    for url in [*admin_pages(app), "/auth/login"]:
        response = client.get(url)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        page = Resources()
        page.feed(response.get_data(as_text=True))
        assert page.inline_scripts == 0, url
        allowed = directives(response)["script-src"]
        assert {sha256(text) for text in page.handlers} == set(allowed[2:]), (url, page.handlers, allowed)
        assert not page.foreign, (url, page.foreign)
        handlers_seen.update(text.split("(")[0].removeprefix("return ") for text in page.handlers)
        assets.update(("javascript", src) for src in page.scripts)
        assets.update(("css", href) for href in page.styles)
        checked += 1
    assert checked > 50, "the back office is walked"
    assert handlers_seen >= {"faForm.addInlineField", "faHelpers.safeConfirm"}, handlers_seen
    for kind, url in sorted(assets):
        response = client.get(url)
        assert response.status_code == 200, url
        assert kind in response.mimetype, (url, response.mimetype)
        assert_secured(response, url)
        response.close()


def test_no_template_has_inline_scripts_or_handlers():
    """Templates the walk above may not render (empty states, other roles) are read as text."""
    root = pathlib.Path(__file__).parent.parent / "admin" / "templates"
    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=|javascript:", re.IGNORECASE)
    offenders = [f"{path.relative_to(root)}: {match.group(0)}"
                 for path in sorted(root.rglob("*.html")) for match in inline.finditer(path.read_text("utf-8"))]
    assert not offenders, offenders


def test_an_injected_handler_is_not_allowed():
    from admin.headers import handler_hashes

    page = """<a onclick="faForm.addInlineField(this, 'x');">add</a>
              <a onclick="return faHelpers.safeConfirm('Sei sicuro?');">x</a>
              <img src=x onclick="fetch('/admin/user/')"><a onclick="return modelActions.execute('x');alert(1)">"""
    assert handler_hashes(page) == sorted([sha256("faForm.addInlineField(this, 'x');"),
                                           sha256("return faHelpers.safeConfirm('Sei sicuro?');")])
