"""Accessibility: no axe-core violation of impact "serious" or "critical" on the
back office's main kinds of page, at desktop width and at 390 px, in Italian
and in English.

The pages: the login, a registry list and its form, the dashboard, a
household's journey, and the matching pages (batch proposal, census, an offer's
shortlist, the board of open matches), over the demo data set. axe-core is
vendored (tests/vendor/axe.min.js, see tests/vendor/README.md) and injected by
Playwright into a context that bypasses the Content-Security-Policy: the
application's own scripts still run as served, and the test never goes to the
network. Debian's chromium (tests/browser.py): skipped where it is missing.
"""
import datetime
import pathlib

import pytest

import models as m
from browser import chromium_browser, log_in, require_browser, serve_app
from conftest import make_user
from housing import demo, matches

pytestmark = pytest.mark.browser

AXE = pathlib.Path(__file__).parent / "vendor" / "axe.min.js"
BLOCKING = ("serious", "critical")
WIDTHS = {"desktop": 1280, "narrow": 390}
TIMEOUT = 15_000  # ms
STYLESHEET = "/static/css/housing.css"
# Violations whose fix lies in a template this test does not cover the ownership of,
# reported with the fix needed: {rule id: why it is tolerated for now}. Each is still
# printed (pytest -rA shows it), so that it stays visible until it is gone.
PENDING = {}


@pytest.fixture
def world(app):
    """The demo data set (small) with one open match; an administrator; the pages' URLs."""
    require_browser()
    with app.extensions["database"].connection_context():
        demo.seed(scale=0.1)
        matches.ensure_settings()
        offer = m.Offer.select().where(m.Offer.status == "published").order_by(m.Offer.id).first()
        household = m.Household.select().order_by(m.Household.id).first()
        m.Match.create(household=household, offer=offer, route="emergency", step="proposed", proposed_by="boss",
                       step_since=m.now() - datetime.timedelta(days=40))
        assessed = m.Assessment.select(m.Assessment.household).order_by(m.Assessment.id).first().household_id
    make_user(app, "boss", "admin")
    pages = {
        "list": "/admin/dwelling/",
        "form": "/admin/dwelling/new/",
        "dashboard": "/admin/",
        "journey": f"/admin/journey/{assessed}",
        "batch proposal": "/admin/matching/batch",
        "census": "/admin/census/",
        "shortlist": f"/admin/matching/offer/{offer.id}",
        "match board": "/admin/matches/",
    }
    with serve_app(app) as base:
        yield base, pages


def with_styles(page, base):
    """Every page links the back office's stylesheet (contrast and the narrow layout depend on it)."""
    assert page.locator(f'link[rel=stylesheet][href^="{STYLESHEET}"]').count(), page.url


def blocking_violations(page, pending=None):
    """axe-core's violations of impact serious or critical on the page, as readable lines
    (those named in PENDING go to ``pending``)."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    lines = []
    for violation in result["violations"]:
        if violation["impact"] in BLOCKING:
            if violation["id"] in PENDING and pending is not None:
                pending.add(violation["id"])
                continue
            targets = [" ".join(node["target"]) for node in violation["nodes"][:5]]
            summary = violation["nodes"][0].get("failureSummary", "").replace("\n", " ")[:300]
            lines.append(f'{violation["id"]} ({violation["impact"]}, {len(violation["nodes"])}×): {targets} — {summary}')
    return lines


@pytest.mark.parametrize("language", ["it", "en"])
def test_no_serious_or_critical_violation(app, world, language):
    base, pages = world
    with app.extensions["database"].connection_context():
        m.User.update(language=language).where(m.User.username == "boss").execute()
    found, pending = [], set()
    with chromium_browser() as browser:
        for width_name, width in WIDTHS.items():
            # reduced motion: Bootstrap's colour transitions would let axe read a colour halfway
            context = browser.new_context(bypass_csp=True, locale="it-IT" if language == "it" else "en-GB",
                                          viewport={"width": width, "height": 900}, reduced_motion="reduce")
            context.set_default_timeout(TIMEOUT)
            page = context.new_page()
            page.goto(f"{base}/auth/login")
            with_styles(page, base)
            found += [f"[{width_name}] login: {line}" for line in blocking_violations(page, pending)]
            log_in(page, base, "boss")
            for name, url in pages.items():
                response = page.goto(base + url)
                assert response.status == 200, f"{url}: {response.status}"
                with_styles(page, base)
                found += [f"[{width_name}] {name} ({url}): {line}" for line in blocking_violations(page, pending)]
            context.close()
    for rule in sorted(pending):
        print(f"axe-core: {rule} still pending: {PENDING[rule]}")
    assert not found, "axe-core violations:\n" + "\n".join(found)
