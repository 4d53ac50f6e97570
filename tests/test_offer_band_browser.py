"""The offer form's band and a bulk action, in a real browser (issue 13).

A clerk opens a new offer, picks a 75 m² home of zone Z1 and the "Canone
concordato 3+2" type, types a rent: the band of the zone shows at once
(EUR a month, EUR/m²/year, the features counted); at 900 EUR (144 EUR/m²/year,
above the band's 110) the warning shows, and the save is refused. Then the clerk
ticks two offers in the list and publishes them with the bulk action.

Served by werkzeug over the test database (SQLite, PostgreSQL with
TEST_DATABASE_URL); Debian's chromium through Playwright (tests/browser.py).
"""
import pytest

import models as m
from browser import chromium_browser, log_in, require_browser, serve_app
from conftest import make_user
from test_offer_band import make_world

pytestmark = pytest.mark.browser
TIMEOUT = 15_000


@pytest.fixture
def live_server(app):
    require_browser()
    with serve_app(app) as base:
        yield base


def test_the_band_shows_as_the_clerk_types(app, live_server):
    make_user(app, "clerk1", "clerk")
    with app.extensions["database"].connection_context():
        make_world()
    with chromium_browser() as browser:
        page = browser.new_page()
        page.set_default_timeout(TIMEOUT)
        log_in(page, live_server, "clerk1")
        page.goto(f"{live_server}/admin/offer/new/")
        assert page.locator("#offer-band").is_hidden()
        page.click("#s2id_dwelling .select2-choice")
        page.fill("#select2-drop input.select2-input", "Etnea")
        page.locator("#select2-drop .select2-result-selectable", has_text="Via Etnea").first.click()
        page.select_option("#contract_type", "concordato_3_2")
        page.fill("#monthly_rent", "600")
        band = page.locator("#offer-band")
        band.locator("text=fascia media").wait_for()
        text = band.inner_text()
        assert "500,00" in text and "687,50" in text and "80,00-110,00 €/m²/anno" in text
        assert "ascensore, buono stato" in text and "96,00 €/m²/anno" in text
        assert page.locator("#offer-band-problems li").count() == 0
        page.fill("#monthly_rent", "900")
        page.locator("#offer-band-problems li", has_text="Canone mensile fuori fascia").wait_for()
        assert "144,00 €/m²/anno" in band.inner_text()
        assert band.get_attribute("data-state") == "problems"
        page.fill("#min_duration_months", "12")
        page.locator("#offer-band-problems li", has_text="Durata minima di 12 mesi").wait_for()
        # the save is refused on the server too, naming the field
        with page.expect_navigation():
            page.click("form input[type=submit].btn-primary")
        assert "Canone mensile fuori fascia" in page.content()
        with app.extensions["database"].connection_context():
            assert m.Offer.select().count() == 0
        browser.close()


def test_bulk_publish_from_the_list(app, live_server):
    make_user(app, "clerk1", "clerk")
    with app.extensions["database"].connection_context():
        home = make_world()
        ids = [m.Offer.create(dwelling=home, contract_type="concordato_3_2", monthly_rent=rent, status="draft",
                              min_duration_months=36, max_duration_months=60).id for rent in (550, 600)]
    with chromium_browser() as browser:
        page = browser.new_page()
        page.set_default_timeout(TIMEOUT)
        page.on("dialog", lambda dialog: dialog.accept())
        log_in(page, live_server, "clerk1")
        page.goto(f"{live_server}/admin/offer/")
        for offer_id in ids:
            page.check(f"input[name=rowid][value='{offer_id}']")
        page.click("a.dropdown-toggle:has-text('Con la selezione')")
        with page.expect_navigation():
            page.click("a.dropdown-item[onclick*=\"'publish'\"]")
        assert "Offerte pubblicate: 2." in page.content()
        with app.extensions["database"].connection_context():
            assert {(o.status, o.published) for o in m.Offer.select()} == {("published", True)}
