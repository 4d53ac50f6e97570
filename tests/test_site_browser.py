"""The offers listing filters in a real browser, checked against the data."""
import re

import pytest
from playwright.sync_api import expect

import models as m
from browser import chromium_page, require_browser, serve_directory
from housing import demo
from housing.publishing import pipeline
from housing.publishing.releases import Releases

pytestmark = pytest.mark.browser


@pytest.fixture
def published_site(database, tmp_path):
    require_browser()
    demo.seed(scale=0.5)
    outcome, message = pipeline.publish(root=tmp_path / "site")
    assert outcome == "success", message
    return Releases(tmp_path / "site").live()


def visible_refs(page):
    return sorted(page.eval_on_selector_all("#hf-results li.hf-offer", "els => els.map(e => e.dataset.ref)"))


def expected_refs(district=None, max_rent=None, step_free=False):
    query = m.Offer.select(m.Offer.id).join(m.Dwelling).where((m.Offer.published == True) & (m.Offer.status == "published"))  # noqa: E712
    if district:
        query = query.join(m.District).where(m.District.name == district)
    if max_rent is not None:
        query = query.where(m.Offer.monthly_rent <= max_rent)
    if step_free:
        query = query.where(m.Dwelling.step_free == True)  # noqa: E712
    return sorted(f"O{o.id:05d}" for o in query)


def test_listing_filters_by_district_and_max_rent(published_site):
    offered = (m.District.select(m.District.name, m.fn.COUNT(m.Offer.id)).join(m.Dwelling).join(m.Offer)
               .where((m.Offer.published == True) & (m.Offer.status == "published"))  # noqa: E712
               .group_by(m.District.name).order_by(m.fn.COUNT(m.Offer.id).desc(), m.District.name).tuples())
    district = offered[0][0]
    with serve_directory(published_site) as base, chromium_page() as page:
        page.goto(base + "offerte/")
        page.wait_for_selector("#hf-results li")
        assert visible_refs(page) == expected_refs()
        options = page.eval_on_selector_all("#hf-district option", "els => els.map(e => e.value).filter(v => v)")
        assert sorted(options) == sorted(name for name, _ in offered), "the filter offers the registry's names"
        page.select_option("#hf-district", district)
        assert visible_refs(page) == expected_refs(district)
        rents = sorted(float(o.monthly_rent) for o in m.Offer.select().join(m.Dwelling).join(m.District).where(
            (m.District.name == district) & (m.Offer.published == True) & (m.Offer.status == "published")))  # noqa: E712
        limit = rents[len(rents) // 2]
        page.fill("#hf-max-rent", str(int(limit)))
        page.dispatch_event("#hf-max-rent", "input")
        assert visible_refs(page) == expected_refs(district, int(limit))
        count = page.text_content("#hf-count")
        assert count.startswith(str(len(expected_refs(district, int(limit)))))
        page.check("#hf-step-free")
        assert visible_refs(page) == expected_refs(district, int(limit), step_free=True)
        page.click(".hf-filters button[type=reset]")
        # a locator assertion, not wait_for_function: the site's CSP forbids evaluating a string
        expect(page.locator("#hf-results li.hf-offer")).to_have_count(len(expected_refs()))
        assert visible_refs(page) == expected_refs()


def test_listing_is_keyboard_usable_and_sorts(published_site):
    with serve_directory(published_site) as base, chromium_page() as page:
        page.goto(base + "offerte/")
        page.wait_for_selector("#hf-results li")
        page.focus("#hf-sort")
        page.select_option("#hf-sort", "rent_desc")
        rents = page.eval_on_selector_all("#hf-results li.hf-offer .hf-rent", "els => els.map(e => e.textContent)")
        values = [float(re.search(r"[\d.]+,\d\d", r).group(0).replace(".", "").replace(",", ".")) for r in rents]
        assert values == sorted(values, reverse=True)
        labels = page.eval_on_selector_all(".hf-filters select, .hf-filters input",
                                           "els => els.filter(e => e.type !== 'reset').map(e => !!document.querySelector(`label[for='${e.id}']`))")
        assert labels and all(labels), "every filter control has a label"


def test_english_listing_links_to_the_offer_pages(published_site):
    with serve_directory(published_site) as base, chromium_page() as page:
        page.goto(base + "en/offers/")
        page.wait_for_selector("#hf-results li")
        assert "offers of" in page.text_content("#hf-count")
        page.click("#hf-results li.hf-offer a >> nth=0")
        page.wait_for_load_state()
        assert "/offerte/O" in page.url and "Monthly rent" in page.content()


# Recorded before any script of the page runs (Playwright's init scripts are not subject to the page's policy).
WATCH = """window.__hf_blocked = [];
document.addEventListener("securitypolicyviolation", e => window.__hf_blocked.push(e.violatedDirective + " " + e.blockedURI));"""


@pytest.fixture
def watched_page():
    """A chromium page that records policy violations, dialogs (alert) and script errors; none may happen."""
    with chromium_page() as page:
        events = []
        page.add_init_script(WATCH)
        page.on("dialog", lambda dialog: events.append(f"dialog: {dialog.message}") or dialog.dismiss())
        page.on("pageerror", lambda error: events.append(f"error: {error}"))
        page.on("console", lambda msg: events.append(f"console: {msg.text}") if msg.type == "error" else None)

        def blocked():
            return events + page.evaluate("window.__hf_blocked")

        page.blocked = blocked
        yield page
        assert not events, events


def test_the_theme_and_the_site_scripts_work_under_the_policy(published_site, watched_page):
    page = watched_page
    with serve_directory(published_site) as base:
        page.goto(base)
        assert page.evaluate("document.querySelector('meta[http-equiv=Content-Security-Policy]').content").startswith(
            "default-src 'none'")
        assert page.evaluate("typeof __md_get") == "function", "the theme's inline scripts ran"
        page.click("input[data-md-component=search-query]")
        page.keyboard.type("canone")
        page.wait_for_selector(".md-search-result__item")  # the search worker and its index
        assert page.blocked() == []
        page.goto(base + "locatori/landlords-canone-concordato/")
        page.wait_for_selector(".hf-calculator[data-hf-ready=true]")
        assert page.locator("td[align=right]").count() > 0, "table columns aligned without an inline style"
        for path in ("offerte/", "en/offers/", "en/landlords/landlords-canone-concordato/", "404.html"):
            page.goto(base + path)
            page.wait_for_load_state("load")
            assert page.blocked() == [], path


def test_scripts_typed_into_the_agreement_run_nowhere(database, tmp_path, watched_page):
    """Issue 10: a zone's districts and a band's label holding scripts, published, then opened in a browser."""
    require_browser()
    demo.seed(scale=0.2)
    zone = m.AgreementZone.select().order_by(m.AgreementZone.id).first()
    # the zone's districts are the registry entries pointing at it
    m.District.create(name="Centro <script>alert(document.domain)</script>", zone=zone)
    zone.name = 'Centro" onmouseover="alert(2)'
    zone.save()
    band = m.RentBand.select().where(m.RentBand.zone == zone).first()
    band.label = "<img src=x onerror=alert(3)>"
    band.save()
    outcome, message = pipeline.publish(root=tmp_path / "site")
    assert outcome == "success", message
    page = watched_page
    with serve_directory(Releases(tmp_path / "site").live()) as base:
        for path in ("locatori/landlords-canone-concordato/", "en/landlords/landlords-canone-concordato/"):
            page.goto(base + path)
            page.wait_for_selector(".hf-calculator[data-hf-ready=true]")
            text = page.inner_text("article")
            assert "Centro <script>alert(document.domain)</script>" in text and "<img src=x onerror=alert(3)>" in text
            page.hover("text=alert(2)")
            assert page.evaluate("document.querySelectorAll('article script, article img[src=x]').length") == 0
            assert page.blocked() == [], path
