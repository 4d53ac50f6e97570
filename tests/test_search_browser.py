"""The header's search box in a real browser: type, submit, follow a result."""
import pytest

import models as m
from browser import chromium_browser, log_in, require_browser, serve_app
from conftest import make_user
from samples import MARIO, make_dwelling, make_household, make_landlord

pytestmark = pytest.mark.browser


@pytest.fixture
def live_server(app):
    require_browser()
    with app.extensions["database"].connection_context():
        home = make_dwelling(make_landlord(), address="Via Etnea 100", district="Centro")
        m.Offer.create(dwelling=home, contract_type="concordato_3_2", monthly_rent=500, status="published",
                       public_description="Bilocale luminoso.")
        household = make_household(code="NF-2026-0042")
        m.Person.create(household=household, first_name="Mario", last_name="Rossi", tax_code=MARIO,
                        birth_date="1980-01-01", sex="M", relation="reference")
    make_user(app, "operator1", "operator")
    make_user(app, "viewer1", "viewer")
    with serve_app(app) as base:
        yield base


def logged_in(browser, base, username):
    page = browser.new_page()
    log_in(page, base, username)
    return page


def test_typing_in_the_header_box_and_following_a_result(live_server):
    with chromium_browser() as browser:
        page = logged_in(browser, live_server, "operator1")
        page.goto(f"{live_server}/admin/dwelling/")
        page.fill("#header-search-q", "Etnea")
        with page.expect_navigation():
            page.press("#header-search-q", "Enter")
        assert "/admin/search/" in page.url
        assert page.locator("#search-offer li").count() == 1
        assert page.locator("#header-search-q").input_value() == "Etnea"
        with page.expect_navigation():
            page.locator("#search-offer a").first.click()
        assert "/admin/offer/details/" in page.url
        assert "Via Etnea 100" in page.content()

        page.fill("#header-search-q", MARIO)
        with page.expect_navigation():
            page.click(".header-search button[type=submit]")
        with page.expect_navigation():
            page.locator("#search-person a").first.click()
        assert "/admin/person/details/" in page.url and MARIO in page.content()


def test_a_viewer_finds_no_member(live_server):
    with chromium_browser() as browser:
        page = logged_in(browser, live_server, "viewer1")
        page.fill("#header-search-q", "Rossi")
        with page.expect_navigation():
            page.press("#header-search-q", "Enter")
        assert page.locator("#search-person").count() == 0
        assert page.locator("#search-none").count() == 1
