"""One household's journey through the back office, in a real browser.

An operator who is the household's case worker records the intake through the
household form (with its reference person), the multidimensional assessment
(/admin/journey/<id>/assess), a support plan with a goal, a mediation referral
to a partner and a stay in a transitional place; proposes the household from
the offer's shortlist and moves the match along the board (the landlord's
decision and the contract are a clerk's steps, in a second browser); the match
succeeds and opens the tenancy; the stay ends into it, and six months later the
follow-up visit and the outcome at 6 months go in through the tenancy form.
The journey page is checked at each stage.

The app is served by werkzeug on a free loopback port over the test database
(SQLite, and PostgreSQL with TEST_DATABASE_URL); Debian's chromium is driven
by Playwright (tests/browser.py): the test skips where either is missing.
"""
import contextlib
import datetime
from decimal import Decimal

import pytest

import models as m
from browser import chromium_browser, log_in, require_browser, serve_app
from conftest import make_user
from housing import matches
from housing import vocabulary as v
from housing.accompaniment import instruments
from housing.demo import tax_code
from housing.vocabulary import label

pytestmark = pytest.mark.browser

TODAY = datetime.date.today()
DAY = datetime.timedelta(days=1)
TIMEOUT = 15_000  # ms, for every wait
DOMAINS = ["self_care", "home_care", "daily_management", "health", "addictions", "relationships",
           "conflict_legality", "money_management", "work", "education", "housing"]
# The first assessment: long on the street, little support around him.
SCORES = {"self_care": 3, "home_care": 2, "daily_management": 2, "health": 2, "addictions": 3, "relationships": 2,
          "conflict_legality": 4, "money_management": 2, "work": 1, "education": 2, "housing": 1}
BORN = datetime.date(1979, 4, 12)
MEMBER = ("Moussa", "Ndiaye", "M")  # fictional
# the journey page shows coded values with their Italian labels
WORK = next(d["it"] for d in instruments.items(instruments.read_definition("assessment")) if d["key"] == "work")


def iso(day):
    return day.isoformat()


def within(app):
    return app.extensions["database"].connection_context()


@pytest.fixture
def live_server(app):
    """The app served on a free port, in a thread; yields its base URL."""
    require_browser()
    with serve_app(app) as base:
        yield base


@pytest.fixture
def browser():
    with chromium_browser() as instance:
        yield instance


@pytest.fixture
def world(app):
    """Staff, a partner, a transitional place and a published concordato offer of a private landlord."""
    operator = make_user(app, "casew", "operator")
    clerk = make_user(app, "clerk1", "clerk")
    with within(app):
        m.User.update(full_name="Giulia Sciacca").where(m.User.id == operator.id).execute()
        matches.ensure_settings()
        partner = m.Partner.create(name="Associazione Mediterraneo accoglienza", sector="third_sector")
        place = m.Place.create(name="Casa ponte Zagara", kind="transitional", capacity=4,
                               facility="Appartamento condiviso di transizione, Via Plebiscito 12, Catania")
        landlord = m.Landlord.create(kind="company", name="Immobiliare Ciclopi S.r.l.", vat_number="00743110157")
        dwelling = m.Dwelling.create(landlord=landlord, ownership="private", address="Via Caronda 41", postcode="95128",
                                     district=m.District.get_or_create(name="Borgo")[0], area_m2=38, rooms=1, bedrooms=1, status="offered",
                                     cadastral_sheet="21", cadastral_parcel="1187", cadastral_unit="4")
        offer = m.Offer.create(dwelling=dwelling, contract_type="concordato_3_2", monthly_rent=Decimal("290"),
                               service_charges=Decimal("20"), deposit=Decimal("580"), available_from=TODAY,
                               min_duration_months=36, max_duration_months=60, status="published", published=True,
                               public_description="Monolocale al 2° piano, zona semicentro.")
    return {"operator": operator, "clerk": clerk, "partner": partner, "place": place, "offer": offer}


# -- page helpers -----------------------------------------------------------------

def fill_date(page, selector, day):
    """Type a date into a Flask-Admin date field and close its picker."""
    page.fill(selector, iso(day))
    # a press outside closes the daterangepicker (as a click elsewhere would) without touching the page
    page.evaluate("document.body.dispatchEvent(new MouseEvent('mousedown', {bubbles: true}))")
    assert page.input_value(selector) == iso(day)


def choose(page, selector, value):
    """Select ``value``, or type it where the field is rendered as a text input (see the goal's domain)."""
    if page.locator(selector).evaluate("e => e.tagName") == "SELECT":
        page.select_option(selector, value)
    else:
        page.fill(selector, value)


def pick(page, field, query, expected):
    """Choose ``expected`` in the select2 ajax widget of ``field`` by typing ``query``."""
    page.click(f"#s2id_{field} .select2-choice")
    page.fill("#select2-drop input.select2-input", query)
    page.locator("#select2-drop .select2-result-selectable", has_text=expected).first.click()
    page.wait_for_function(f"document.getElementById({field!r}).value !== ''", timeout=TIMEOUT)


def save(page):
    """Submit the model form and require that it was accepted (redirected away from it)."""
    form_url = page.url
    with page.expect_navigation():
        page.click("form.admin-form input[type=submit].btn-primary, form input[type=submit][value=Salva]")
    errors = page.locator(".is-invalid, .invalid-feedback, .alert-danger").all_inner_texts()
    assert page.url != form_url and not any(e.strip() for e in errors), (page.url, errors)


def journey(page, base, household_id):
    page.goto(f"{base}/admin/journey/{household_id}")
    page.wait_for_selector("#priority", timeout=TIMEOUT)
    return page


def advance(page, base, match_id, step):
    """Press 'next step' on the match's card, which must be in column ``step`` of the board."""
    page.goto(f"{base}/admin/matches/")
    card = page.locator(f"#step-{step} tr[data-match='{match_id}']")
    card.wait_for(timeout=TIMEOUT)
    # the dates the move asks for (the viewing when entering it, the contract and move-in dates)
    for name, value in (("viewing_at", f"{TODAY.isoformat()}T10:00"), ("viewing_place", "Via Caronda 41"),
                        ("contract_on", TODAY.isoformat()), ("move_in_on", TODAY.isoformat())):
        if card.locator(f"input[name={name}]").count():
            card.locator(f"input[name={name}]").fill(value)
    page.once("dialog", lambda dialog: dialog.accept())  # "Confermi il passaggio ...?"
    with page.expect_navigation():
        card.locator("button.btn-primary").click()
    assert page.locator(".alert-danger").count() == 0, page.locator(".alert-danger").all_inner_texts()


@contextlib.contextmanager
def new_page(browser):
    context = browser.new_context(locale="it-IT")
    context.set_default_timeout(TIMEOUT)
    try:
        yield context.new_page()
    finally:
        context.close()


# -- the journey --------------------------------------------------------------------

def test_household_journey_from_intake_to_the_six_month_follow_up(app, live_server, browser, world):
    base, intake = live_server, TODAY - 400 * DAY
    with new_page(browser) as page:
        log_in(page, base, "casew")

        # 1. Intake: the household and its reference person, the operator as case worker.
        page.goto(f"{base}/admin/household/new/")  # an operator leaves the code to the numbering
        page.select_option("#ethos_category", "roofless_1")
        page.fill("#monthly_net_income", "1100")
        page.fill("#min_rooms", "1")
        page.fill("#languages", "wolof, francese")
        page.check("#needs_mediation")
        page.check("#privacy_consent")
        fill_date(page, "#privacy_consent_on", intake)
        page.select_option("#status", "intake")
        fill_date(page, "#intake_on", intake)
        pick(page, "case_worker", "Sciacca", "Giulia Sciacca")
        page.click("#members-button")
        first, last, sex = MEMBER
        page.fill("#members-0-first_name", first)
        page.fill("#members-0-last_name", last)
        page.fill("#members-0-tax_code", tax_code(last, first, sex, BORN, "Z343"))
        fill_date(page, "#members-0-birth_date", BORN)
        page.select_option("#members-0-sex", sex)
        page.fill("#members-0-citizenship", "Senegal")
        page.select_option("#members-0-relation", "reference")
        page.select_option("#members-0-employment_status", "unemployed")
        save(page)
        with within(app):
            person = m.Person.get(m.Person.first_name == first)
            household = person.household
        code = household.code
        assert code == f"NF-{intake.year}-0001", code  # numbered in its intake year
        assert household.case_worker_id == world["operator"].id

        journey(page, base, household.id)
        assert code in page.inner_text("h1")
        header = page.inner_text("h1 + p")
        assert label(v.HOUSEHOLD_STATUSES, "intake") in header and "Giulia Sciacca" in header
        assert page.inner_text("#intensity") == "nessuna valutazione"
        assert "Non ancora valutato" in page.inner_text("body")
        assert page.locator("#show-sensitive").count() == 1  # the case worker may read the restricted notes

        # 2. Assessment: one score per domain, consent, a restricted note on health.
        with page.expect_navigation():
            page.click("#new-assessment")
        assert page.url.endswith(f"/admin/journey/{household.id}/assess")
        page.select_option("#person", str(person.id))
        fill_date(page, "#assessed_on", intake + 10 * DAY)
        fill_date(page, "#reassess_on", intake + 190 * DAY)
        for key, score in SCORES.items():
            page.check(f"#domain-{key} input[name=score_{key}][value='{score}']")
        page.fill("#note_work", "Vorrebbe lavorare nella ristorazione.")
        page.fill("#note_health", "Dolori alla schiena, nessun medico di base.")
        page.check("#consent")
        with page.expect_navigation():
            page.click("#assessment-form button[type=submit]")
        assert page.url.endswith(f"/admin/journey/{household.id}"), page.locator(".invalid-feedback").all_inner_texts()
        with within(app):
            assessment = m.Assessment.get(m.Assessment.household == household.id)
        need = round(sum((5 - s) / 4 for s in SCORES.values()) / len(SCORES), 4)
        assert assessment.need_index == pytest.approx(need) and assessment.support_intensity == "high"
        row = page.locator("table.assessments tbody tr, table.assessments tr").last.inner_text()
        assert (intake + 10 * DAY).strftime("%d/%m/%Y") in row and "Giulia Sciacca" in row and f"{need:.2f}".replace(".", ",") in row
        assert label(v.SUPPORT_INTENSITIES, "high") in row
        assert page.inner_text("#intensity") == label(v.SUPPORT_INTENSITIES, "high")
        assert page.locator(".chart figure").count() == len(DOMAINS)
        assert "Dolori alla schiena" not in page.content()  # restricted until asked for, and the read is logged
        with page.expect_navigation():
            page.click("#show-sensitive")
        notes = page.locator(".latest-scores .sensitive-note").all_text_contents()  # inside a closed <details>
        assert "Dolori alla schiena, nessun medico di base." in notes
        with within(app):
            assert m.AuditLog.select().where((m.AuditLog.action == "read") & (m.AuditLog.entity == "household")
                                             & (m.AuditLog.record_id == str(household.id))).count() == 2

        # The household now waits for a home.
        page.goto(f"{base}/admin/household/edit/?id={household.id}")
        page.select_option("#status", "waiting")
        save(page)

        # 3. Support plan with a goal on work.
        page.goto(f"{base}/admin/support_plan/new/")
        pick(page, "household", code, code)
        fill_date(page, "#started_on", intake + 20 * DAY)
        fill_date(page, "#review_on", intake + 200 * DAY)
        page.select_option("#status", "active")
        page.check("#consent_signed")
        fill_date(page, "#consent_on", intake + 20 * DAY)
        page.click("#goals-button")
        # the inline's form_choices are ignored by flask-admin's peewee inline forms: the domain may be a text field
        choose(page, "#goals-0-domain", "work")
        page.fill("#goals-0-description", "Tirocinio nella ristorazione con il SIL")
        fill_date(page, "#goals-0-target_on", intake + 380 * DAY)
        choose(page, "#goals-0-status", "in_progress")
        save(page)
        journey(page, base, household.id)
        plans = page.inner_text("#plans")
        assert label(v.PLAN_STATUSES, "active") in plans
        assert f"{WORK}: Tirocinio nella ristorazione con il SIL ({label(v.GOAL_STATUSES, 'in_progress')})" in plans

        # 4. Referral to linguistic-cultural mediation, with the language and the sessions held.
        page.goto(f"{base}/admin/referral/new/")
        pick(page, "household", code, code)
        pick(page, "partner", "Mediterraneo", world["partner"].name)
        page.select_option("#service", "mediation")
        fill_date(page, "#sent_on", intake + 25 * DAY)
        page.select_option("#status", "accepted")
        fill_date(page, "#status_on", intake + 30 * DAY)
        page.fill("#mediation_language", "wolof")
        page.fill("#mediator", "Awa Diop")
        page.fill("#sessions", "3")
        save(page)
        journey(page, base, household.id)
        referral = page.inner_text("#referrals")
        assert label(v.SERVICE_TYPES, "mediation") in referral and world["partner"].name in referral
        assert label(v.REFERRAL_STATUSES, "accepted") in referral

        # 5. A stay in a transitional place while waiting for the home.
        page.goto(f"{base}/admin/stay/new/")
        pick(page, "household", code, code)
        pick(page, "place", "Zagara", "Casa ponte Zagara")
        fill_date(page, "#entry_on", intake + 40 * DAY)
        fill_date(page, "#planned_exit_on", TODAY + 30 * DAY)
        save(page)
        journey(page, base, household.id)
        stay = page.inner_text("#stays")
        assert "Casa ponte Zagara" in stay and "in corso" in stay

        # 6. The match: proposed from the offer's shortlist...
        offer = world["offer"]
        page.goto(f"{base}/admin/matching/offer/{offer.id}")
        candidate = page.locator(f"#ranked tr[data-household='{household.id}']")
        candidate.wait_for()
        with page.expect_navigation():
            candidate.locator("button[type=submit]").click()
        with within(app):
            match = m.Match.get((m.Match.household == household.id) & (m.Match.offer == offer.id))
        journey(page, base, household.id)
        assert label(v.HOUSEHOLD_STATUSES, "matched") in page.inner_text("h1 + p")
        assert f"#{offer.id}" in page.inner_text("#sustainability")  # the rent check of the open match

        # ...and along the board: the operator's steps, then the clerk's, then the move-in.
        for step in ("proposed", "staff_review", "household_informed", "viewing", "household_decision"):
            advance(page, base, match.id, step)
        with new_page(browser) as clerk:
            log_in(clerk, base, "clerk1")
            for step in ("landlord_decision", "contract_signed"):
                advance(clerk, base, match.id, step)
        advance(page, base, match.id, "moved_in")
        with within(app):
            match = m.Match.get_by_id(match.id)
            tenancy = m.Tenancy.get(m.Tenancy.household == household.id)
            assert match.status == "closed_success" and tenancy.match_id == match.id
            assert (tenancy.start_on, tenancy.offer_id, tenancy.monthly_rent) == (TODAY, offer.id, Decimal("290.00"))
            assert m.Household.get_by_id(household.id).status == "housed"
        journey(page, base, household.id)
        assert label(v.HOUSEHOLD_STATUSES, "housed") in page.inner_text("h1 + p")
        row = page.inner_text("#tenancies")
        assert label(v.CONTRACT_TYPES, "concordato_3_2") in row and "290" in row and "6 mesi: —" in row
        assert "Nessun abbinamento in corso" in page.inner_text("#sustainability")

        # Six months pass: the workflow's dates move back (the server's clock cannot).
        moved_in = TODAY - 200 * DAY
        with within(app):
            m.Tenancy.update(start_on=moved_in, end_on=moved_in.replace(year=moved_in.year + 5)).where(
                m.Tenancy.id == tenancy.id).execute()
            stay_id = m.Stay.get(m.Stay.household == household.id).id

        # 7. The stay ends into the Housing First tenancy.
        page.goto(f"{base}/admin/stay/edit/?id={stay_id}")
        fill_date(page, "#exit_on", moved_in)
        page.select_option("#exit_destination", "housing_first")
        save(page)

        # 8. The 6-month follow-up: a visit and the outcome at 6 months in the tenancy form.
        visit_day = moved_in + 185 * DAY
        page.goto(f"{base}/admin/tenancy/edit/?id={tenancy.id}")
        page.click("#visits-button")
        fill_date(page, "#visits-0-visited_on", visit_day)
        page.fill("#visits-0-note", "Visita dei sei mesi: casa in ordine, affitto pagato.")
        page.click("#outcomes-button")
        choose(page, "#outcomes-0-milestone_months", "6")  # a number field for the same reason
        choose(page, "#outcomes-0-outcome", "still_housed")
        fill_date(page, "#outcomes-0-recorded_on", visit_day)
        save(page)
        with within(app):
            assert [(v.visited_on, v.note[:16]) for v in m.FollowUpVisit.select()] == [(visit_day, "Visita dei sei m")]
            outcome = m.TenancyOutcome.get(m.TenancyOutcome.tenancy == tenancy.id)
            assert (outcome.milestone_months, outcome.outcome, outcome.recorded_on) == (6, "still_housed", visit_day)
            tenancy = m.Tenancy.get_by_id(tenancy.id)
            assert (tenancy.match_id, tenancy.offer_id, tenancy.household_id) == (match.id, offer.id, household.id)

        journey(page, base, household.id)
        row = page.inner_text("#tenancies")
        assert moved_in.strftime("%d/%m/%Y") in row and "12 mesi: —" in row
        assert f"6 mesi: {label(v.TENANCY_OUTCOMES, 'still_housed')}" in row
        stay = page.inner_text("#stays")
        assert moved_in.strftime("%d/%m/%Y") in stay and label(v.EXIT_DESTINATIONS, "housing_first") in stay
        assert "in corso" not in stay
        assert WORK in page.inner_text("#plans") and label(v.SERVICE_TYPES, "mediation") in page.inner_text("#referrals")
