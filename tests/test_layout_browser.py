"""A usable back office on a phone (390 px wide), in a real browser.

On every kind of page the page itself never scrolls sideways: a wide table
scrolls inside its own box; a form is one column (each label above its
field); the header collapses behind its toggle button and opens on a tap. At
desktop width the header is open. The styles
are admin/static/css/housing.css (served by the app; see test_axe_browser for
how a page that does not link it yet gets it). Debian's chromium
(tests/browser.py): skipped where it is missing.
"""
import pytest

import models as m
from browser import chromium_browser, log_in, require_browser, serve_app
from conftest import make_user
from housing import demo
from test_axe_browser import STYLESHEET, with_styles

NARROW = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
TIMEOUT = 15_000  # ms


def test_stylesheet_is_served(client):
    response = client.get(STYLESHEET)
    css = response.get_data(as_text=True)
    response.close()
    assert response.status_code == 200 and response.mimetype == "text/css"
    assert "@media (max-width: 767.98px)" in css and "overflow-x: auto" in css


@pytest.fixture
def site(app):
    require_browser()
    with app.extensions["database"].connection_context():
        demo.seed(scale=0.1)
        household = m.Assessment.select(m.Assessment.household).order_by(m.Assessment.id).first().household_id
        offer = m.Offer.select().where(m.Offer.status == "published").order_by(m.Offer.id).first().id
    make_user(app, "boss", "admin")
    pages = ["/admin/", "/admin/dwelling/", "/admin/dwelling/new/", "/admin/offer/new/", f"/admin/journey/{household}",
             "/admin/census/", "/admin/matching/batch", f"/admin/matching/offer/{offer}", "/admin/matches/"]
    with serve_app(app) as base, chromium_browser() as browser:
        yield base, browser, pages


def open_page(browser, base, viewport):
    context = browser.new_context(viewport=viewport, locale="it-IT", reduced_motion="reduce")
    context.set_default_timeout(TIMEOUT)
    page = context.new_page()
    log_in(page, base, "boss")
    return page


def visit(page, base, url):
    response = page.goto(base + url)
    assert response.status == 200, url
    with_styles(page, base)


SIDEWAYS = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [...document.querySelectorAll('body *')].filter(e => {
    const r = e.getBoundingClientRect();
    if (!r.width || r.right <= width + 1) return false;
    // inside a box that scrolls on its own: that box, not the page, scrolls
    for (let p = e.parentElement; p; p = p.parentElement) {
      const s = getComputedStyle(p);
      if (['auto', 'scroll', 'hidden'].includes(s.overflowX) && p.getBoundingClientRect().right <= width + 1) return false;
    }
    return getComputedStyle(e).visibility !== 'hidden';
  });
  return {scroll: document.documentElement.scrollWidth, width,
          wide: wide.slice(0, 5).map(e => e.tagName + (e.id ? '#' + e.id : '') + '.' + [...e.classList].join('.'))};
}"""

COLUMNS = """() => [...document.querySelectorAll('form.admin-form .form-group')].filter(g => g.offsetParent).map(g => {
  const label = g.querySelector('label'), field = g.querySelector('input:not([type=hidden]):not([type=checkbox]), select, textarea, .select2-container');
  if (!label || !field) return null;
  const l = label.getBoundingClientRect(), f = field.getBoundingClientRect();
  return {name: label.textContent.trim(), above: l.bottom <= f.top + 1, right: f.right};
}).filter(Boolean)"""


def test_pages_fit_a_phone(site):
    base, browser, pages = site
    page = open_page(browser, base, NARROW)
    problems = []
    for url in pages:
        visit(page, base, url)
        found = page.evaluate(SIDEWAYS)
        if found["scroll"] > found["width"] + 1 or found["wide"]:
            problems.append(f"{url}: page {found['scroll']} px wide for {found['width']} px; too wide: {found['wide']}")
    assert not problems, "\n".join(problems)


def test_a_wide_list_scrolls_inside_its_box(site):
    base, browser, _ = site
    page = open_page(browser, base, NARROW)
    visit(page, base, "/admin/dwelling/")
    box = page.locator(".table-responsive").first
    sizes = box.evaluate("e => ({scroll: e.scrollWidth, client: e.clientWidth, overflow: getComputedStyle(e).overflowX})")
    assert sizes["scroll"] > sizes["client"] and sizes["overflow"] == "auto", sizes
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]


def test_forms_are_one_column_on_a_phone(site):
    base, browser, _ = site
    page = open_page(browser, base, NARROW)
    for url in ("/admin/dwelling/new/", "/admin/offer/new/"):
        visit(page, base, url)
        groups = page.evaluate(COLUMNS)
        assert len(groups) >= 5, url
        assert all(g["above"] for g in groups), [g["name"] for g in groups if not g["above"]]
        assert all(g["right"] <= NARROW["width"] for g in groups), [g["name"] for g in groups if g["right"] > NARROW["width"]]
        lefts = page.evaluate("() => [...document.querySelectorAll('form.admin-form .form-group')]"
                              ".filter(g => g.offsetParent).map(g => Math.round(g.getBoundingClientRect().left))")
        assert len(set(lefts)) == 1, f"{url}: fields side by side ({sorted(set(lefts))})"


def test_the_header_collapses_on_a_phone(site):
    base, browser, _ = site
    page = open_page(browser, base, NARROW)
    visit(page, base, "/admin/")
    toggle = page.locator(".navbar-toggler")
    menu = page.locator("#admin-navbar-collapse")
    assert toggle.is_visible() and not menu.is_visible()
    toggle.click()
    menu.wait_for(state="visible")
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
    page.context.close()
    page = open_page(browser, base, DESKTOP)
    visit(page, base, "/admin/")
    assert not page.locator(".navbar-toggler").is_visible() and page.locator("#admin-navbar-collapse").is_visible()
