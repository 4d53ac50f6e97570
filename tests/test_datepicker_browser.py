"""The forms' date picker speaks the page's language and never covers "Salva" (issue 13).

Flask-Admin's picker (daterangepicker, created by its form.js) showed "Su Mo"
and "Dec" in the Italian UI and opened downwards over the Save button under
the last date field. admin/static/js/datepicker_locale.js (included by
admin/templates/admin/housing_base.html) gives it the page's day and month
names, Monday first, and opens it upwards when downwards it would cover one of
the form's buttons or leave the window.

Served by werkzeug over the test database (SQLite, PostgreSQL with
TEST_DATABASE_URL); Debian's chromium through Playwright (tests/browser.py).
"""
import pytest

from browser import chromium_browser, log_in, require_browser, serve_app
from conftest import make_user

TIMEOUT = 15_000
DESKTOP = {"width": 1280, "height": 900}
PICKER = ".daterangepicker:visible"
NAMES = {
    "it": {"days": ["Lu", "Ma", "Me", "Gi", "Ve", "Sa", "Do"], "month": "Dic", "save": "Salva", "english": ["Mo", "Dec"]},
    "en": {"days": ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"], "month": "Dec", "save": "Save", "english": []},
}
# Forms whose last date field sits right above the buttons, and the offer form.
FORMS = [("/admin/erp_assignment/new/", "#last_income_check"), ("/admin/offer/new/", "#available_from")]


@pytest.fixture
def browser_page(app):
    require_browser()
    make_user(app, "boss", "admin")
    with serve_app(app) as base, chromium_browser() as browser:
        context = browser.new_context(viewport=DESKTOP, locale="en-US", reduced_motion="reduce")
        context.set_default_timeout(TIMEOUT)
        page = context.new_page()
        log_in(page, base, "boss")
        yield base, page
        context.close()


def test_forms_load_the_locale_before_flask_admins_form_script(app, login):
    """No inline script (the CSP allows none): a served file, read before form.js creates the pickers."""
    client = login("admin")
    page = client.get("/admin/offer/new/").get_data(as_text=True)
    ours, theirs = page.find("/static/js/datepicker_locale.js"), page.find("/admin/js/form.js")
    assert 0 < ours < theirs
    script = client.get("/static/js/datepicker_locale.js")
    assert script.status_code == 200 and script.mimetype in ("text/javascript", "application/javascript")
    assert "adminFormReady" in script.get_data(as_text=True)
    script.close()


def switch_to_english(page, base):
    page.goto(f"{base}/admin/")
    with page.expect_navigation():
        page.click("li.lang-switch button")
    assert page.locator("html").get_attribute("lang") == "en"


def open_picker(page, base, url, field):
    page.goto(base + url)
    page.locator(field).click()
    picker = page.locator(PICKER)
    picker.wait_for()
    return picker


def picker_words(picker):
    days = [text.strip() for text in picker.locator(".calendar thead tr:last-child th").all_inner_texts() if text.strip()]
    months = [text.strip() for text in picker.locator("select.monthselect").first.locator("option").all_inner_texts()]
    return days, months


def boxes_overlap(a, b):
    return a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"] \
        and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"]


@pytest.mark.browser
@pytest.mark.parametrize("language", ["it", "en"])
def test_the_date_picker_speaks_the_pages_language(browser_page, language):
    base, page = browser_page
    if language == "en":
        switch_to_english(page, base)
    expected = NAMES[language]
    picker = open_picker(page, base, "/admin/offer/new/", "#available_from")
    days, months = picker_words(picker)
    assert days[:7] == expected["days"], days  # Monday first
    assert expected["month"] in months and len(months) == 12, months
    for english in expected["english"]:
        assert english not in days + months


@pytest.mark.browser
@pytest.mark.parametrize("url,field", FORMS)
def test_an_open_date_picker_leaves_the_save_button_clickable(browser_page, url, field):
    base, page = browser_page
    picker = open_picker(page, base, url, field)
    save = page.locator(f'form input[type=submit][value="{NAMES["it"]["save"]}"]')
    assert not boxes_overlap(picker.bounding_box(), save.bounding_box())
    for button in page.locator("form :is(input[type=submit], a.btn)").all():
        if button.is_visible():
            assert not boxes_overlap(picker.bounding_box(), button.bounding_box())
    save.click(trial=True, timeout=3_000)  # nothing covers it: a click would reach it
    assert page.locator(PICKER).count() == 1  # and the picker is still open


def test_search_and_choose_boxes_speak_italian(browser_page):
    """select2's own words ("No matches found", "Searching…") follow the page's language."""
    base, page = browser_page
    page.goto(base + "/admin/offer/new/")
    page.click("#s2id_dwelling .select2-choice")
    page.fill("#select2-drop input.select2-input", "zzzz-nessuna-via")
    page.locator("#select2-drop .select2-no-results").wait_for()
    text = page.inner_text("#select2-drop")
    assert "Nessun risultato" in text and "No matches" not in text
