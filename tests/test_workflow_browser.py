"""The match board's safety in a real browser: the confirmation dialog of "Fase
successiva" and "Chiudi" (admin/static/js/confirm.js under the back office's
CSP), the blank decline reason, the viewing's date, time and place, and "Torna
alla fase precedente".

Served by werkzeug on a free loopback port over the test database (SQLite, and
PostgreSQL with TEST_DATABASE_URL); Debian's chromium under Playwright
(tests/browser.py): the test skips where either is missing.
"""
import datetime
from decimal import Decimal

import pytest

import models as m
from browser import chromium_browser, log_in, require_browser, serve_app
from conftest import make_user
from housing import matches
from samples import make_dwelling, make_landlord

pytestmark = pytest.mark.browser
TIMEOUT = 15_000


def within(app):
    return app.extensions["database"].connection_context()


@pytest.fixture
def world(app):
    make_user(app, "opw", "operator")
    with within(app):
        matches.ensure_settings()
        landlord = make_landlord()
        offer = m.Offer.create(dwelling=make_dwelling(landlord), contract_type="concordato_3_2",
                               monthly_rent=Decimal("350"), status="published", published=True)
        household = m.Household.create(code="NF-W1", status="waiting")
        match = matches.propose(household, offer, None)
    return match


@pytest.fixture
def page(app, world):
    require_browser()
    with serve_app(app) as base, chromium_browser() as browser:
        context = browser.new_context(locale="it-IT")
        context.set_default_timeout(TIMEOUT)
        page = context.new_page()
        errors = []
        # the board's own scripts must load and run (favicon requests aside)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("response", lambda response: errors.append(response.url) if response.status >= 400
                and "favicon" not in response.url else None)
        log_in(page, base, "opw")
        page.goto(f"{base}/admin/matches/")
        page.base, page.errors = base, errors
        yield page
        context.close()


def stored(app, match):
    with within(app):
        return m.Match.get_by_id(match.id)


def card(page, match, step):
    row = page.locator(f"#step-{step} tr[data-match='{match.id}']")
    row.wait_for()
    return row


def answer_dialogs(page, answers, questions):
    """Answer the next confirmation dialogs with ``answers`` (True = OK), keeping their questions."""
    pending = list(answers)

    def handle(dialog):
        questions.append(dialog.message)
        dialog.accept() if pending.pop(0) else dialog.dismiss()

    page.on("dialog", handle)


def test_next_step_asks_and_a_dismissed_dialog_sends_nothing(app, world, page):
    match, questions = world, []
    answer_dialogs(page, [False, True, True, True, True], questions)
    card(page, match, "proposed").locator("button.btn-primary").click()
    page.wait_for_timeout(300)
    assert questions == ["Confermi il passaggio di NF-W1 alla fase: Verifica dell'équipe?"]
    assert stored(app, match).step == "proposed"
    for step in ("proposed", "staff_review"):
        with page.expect_navigation():
            card(page, match, step).locator("button.btn-primary").click()
    assert stored(app, match).step == "household_informed"
    # the viewing: the browser itself requires its date, time and place
    row = card(page, match, "household_informed")
    row.locator("button.btn-primary").click()
    page.wait_for_timeout(300)
    assert stored(app, match).step == "household_informed"
    row.locator("input[name=viewing_at]").fill("2026-12-10T15:30")
    row.locator("input[name=viewing_place]").fill("Via Etnea 12, portineria")
    with page.expect_navigation():
        row.locator("button.btn-primary").click()
    after = stored(app, match)
    assert after.step == "viewing" and after.viewing_place == "Via Etnea 12, portineria"
    shown = card(page, match, "viewing").inner_text()
    assert "15:30" in shown and "Via Etnea 12" in shown and "Prossima fase: Decisione del nucleo" in shown
    assert not page.errors, page.errors


def test_step_back_and_close_ask_first_and_need_a_reason(app, world, page):
    match, questions = world, []
    answer_dialogs(page, [True, True, True], questions)
    with page.expect_navigation():
        card(page, match, "proposed").locator("button.btn-primary").click()
    row = card(page, match, "staff_review")
    row.locator("input[name=note][required]").fill("avanzato per errore")
    with page.expect_navigation():
        row.locator("form.back-form button").click()
    assert questions[-1] == "Riportare NF-W1 alla fase: Proposto?"
    assert stored(app, match).step == "proposed"
    with within(app):
        event = m.MatchEvent.select().where(m.MatchEvent.match == match.id).order_by(m.MatchEvent.id.desc()).first()
        assert event.to_step == "proposed" and "avanzato per errore" in event.note
    # "Chiudi": no reason is preselected, the browser asks for one before the dialog
    row = card(page, match, "proposed")
    assert row.locator("select[name=reason]").input_value() == ""
    row.locator("form.close-form button").click()
    page.wait_for_timeout(300)
    assert len(questions) == 2 and stored(app, match).status == "open"
    row.locator("select[name=reason]").select_option("landlord_profile")
    with page.expect_navigation():
        row.locator("form.close-form button").click()
    assert questions[-1].startswith("Chiudere l'abbinamento di NF-W1?")
    closed = stored(app, match)
    assert (closed.status, closed.decline_reason) == ("closed_declined", "landlord_profile")
    assert not page.errors, page.errors
