"""The back office works in a real browser under its Content-Security-Policy:
inline rows, select2 fields, delete confirmations, filters and select-all."""
import pytest

import models as m
from browser import chromium_browser, require_browser, serve_app
from conftest import PASSWORD, make_user
from housing import demo

pytestmark = pytest.mark.browser


@pytest.fixture
def live_server(app):
    require_browser()
    with app.extensions["database"].connection_context():
        demo.seed(scale=0.3)
    make_user(app, "boss", "admin")
    with serve_app(app) as base:
        yield base


@pytest.fixture
def page(live_server):
    with chromium_browser() as browser:
        page = browser.new_page()
        page.violations = []
        page.on("console", lambda msg: page.violations.append(msg.text)
                if "Content Security Policy" in msg.text and "JavaScript URL" not in msg.text else None)
        page.goto(f"{live_server}/auth/login")
        page.fill("input[name=username]", "boss")
        page.fill("input[name=password]", PASSWORD)
        with page.expect_navigation():
            page.click("form button[type=submit]")
        assert "/auth/login" not in page.url
        yield page


def test_forms_lists_and_confirmations_work_under_the_policy(app, live_server, page):
    page.goto(f"{live_server}/admin/agreement/new/")
    assert page.locator(".daterangepicker").count() > 0, "form.js ran: date pickers"
    rows = page.locator(".inline-field").count()
    page.click("a[id$='-button'].btn-primary")
    assert page.locator(".inline-field").count() == rows + 1, "the inline row 'Add' button works"

    page.goto(f"{live_server}/admin/partner/")
    partners = page.locator("form.icon button").count()
    assert partners > 0
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.locator("form.icon button").first.click()
    page.wait_for_timeout(300)
    with app.extensions["database"].connection_context():
        assert m.Partner.select().count() == partners, "a dismissed confirmation deletes nothing"

    page.goto(f"{live_server}/admin/dwelling/")
    page.locator(".field-filters").locator("xpath=..").locator("a[data-toggle=dropdown]").click()
    page.locator("a.filter").first.click()
    assert page.locator("table.filters tr").count() == 1, "the filter menu adds a filter row"
    assert page.violations == []


def test_select_all_works_under_the_policy(live_server, page):
    page.goto(f"{live_server}/admin/matching/batch")
    boxes = page.locator("input[name=pair]")
    assert boxes.count() > 0
    page.check("#select-all")
    assert all(boxes.nth(i).is_checked() for i in range(boxes.count()))
    page.uncheck("#select-all")
    assert not any(boxes.nth(i).is_checked() for i in range(boxes.count()))
    assert page.violations == []
