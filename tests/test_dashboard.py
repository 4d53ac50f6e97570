"""The home dashboard: registry counts, each a link to exactly its records, and
red only where something is late."""
import datetime
import re

import pytest

import models as m
from conftest import log_in, make_user
from housing import demo, matches
from samples import make_dwelling, make_landlord

TODAY = datetime.date.today()
DAY = datetime.timedelta(days=1)
COUNT_LINK = re.compile(r'<a class="badge [^"]*"(?: id="[^"]*")? href="([^"]+)">(\d+)</a>')
LIST_ROWS = re.compile(r'<table class="[^"]*model-list">.*?</thead>(.*?)</table>', re.S)
PAGE_SIZE = 20  # admin.views.base.SecureModelView.page_size


def within(app):
    return app.extensions["database"].connection_context()


def test_dashboard_counts(app, login):
    client = login("clerk")
    with within(app):
        owner = make_landlord()
        for unit, status in enumerate(["available", "available", "let"]):
            make_dwelling(owner, status=status, cadastral_unit=str(unit))
        m.Agreement.create(title="In scadenza", kind="convention", status="active",
                           valid_from=TODAY - 300 * DAY, valid_to=TODAY + 30 * DAY)
        m.Agreement.create(title="Lontano", kind="convention", status="active", valid_to=TODAY + 300 * DAY)
        m.Agreement.create(title="Scaduto", kind="convention", status="expired", valid_to=TODAY - 3 * DAY)
    html = client.get("/admin/").get_data(as_text=True)
    assert re.search(r'<th scope="row">Disponibile</th><td class="text-right"><a [^>]*>2</a>', html)
    assert re.search(r'<th scope="row">Locato</th><td class="text-right"><a [^>]*>1</a>', html)
    assert re.search(r'id="active-agreements" href="[^"]+">2</a>', html)
    assert "In scadenza" in html and "Lontano" not in html
    assert "Nuclei per stato" not in html, "a clerk does not see household figures"
    assert "accompaniment-alerts" not in html, "nor the case workers' to-do counts"


def test_dashboard_in_english(app, login):
    client = login("operator")
    token = __import__("conftest").csrf_token(client, "/admin/")
    client.post("/auth/language/en", data={"csrf_token": token, "next": "/admin/"})
    html = client.get("/admin/").get_data(as_text=True)
    assert "Households by status" in html and "Nuclei per stato" not in html
    assert "None" not in html


def test_dashboard_flags_stalled_matches_and_a_failed_publication(app, login):
    with within(app):
        matches.ensure_settings()
        household = m.Household.create(code="NF-D1", status="matched")
        offer = m.Offer.create(dwelling=make_dwelling(), contract_type="emergency", monthly_rent=0, status="published")
        m.Match.create(household=household, offer=offer, route="emergency", step="proposed", proposed_by="x",
                       step_since=m.now() - datetime.timedelta(days=40))
        m.JobRun.create(name="publish", outcome="failed", finished_at=m.now(), message="boom")
    html = login("operator").get("/admin/").get_data(as_text=True)
    assert re.search(r'<a class="badge badge-danger" id="stalled-matches" href="/admin/matches/">1</a>', html)
    assert "pubblicazione fallita" in html


def test_no_red_badge_when_nothing_is_late(app, login):
    """Zero stalled matches and nothing overdue: every count is neutral."""
    with within(app):
        matches.ensure_settings()
        household = m.Household.create(code="NF-D2", status="matched")
        offer = m.Offer.create(dwelling=make_dwelling(), contract_type="emergency", monthly_rent=0, status="published")
        m.Match.create(household=household, offer=offer, route="emergency", step="proposed", proposed_by="x",
                       step_since=m.now())
    html = login("admin").get("/admin/").get_data(as_text=True)
    assert 'id="stalled-matches"' in html and 'id="reassessments-due"' in html
    assert "badge-danger" not in html and "text-danger" not in html


# -- every count links to a list showing that many records ---------------------------

@pytest.fixture
def demo_app(app):
    """The demo data set (small), with one stalled match, one open stay past its planned exit."""
    with within(app):
        demo.seed(scale=0.1, today=TODAY)
        matches.ensure_settings()
        household = m.Household.select().where(m.Household.status == "waiting").first() or m.Household.select().first()
        offer = m.Offer.select().first()
        m.Match.create(household=household, offer=offer, route="emergency", step="proposed", proposed_by="x",
                       step_since=m.now() - 40 * DAY)
        place = m.Place.select().where(m.Place.active == True).first()  # noqa: E712
        stayer = m.Household.select().where(~m.Household.id.in_(m.Stay.select(m.Stay.household))).first()
        m.Stay.create(household=stayer, place=place, entry_on=TODAY - 100 * DAY, planned_exit_on=TODAY - 5 * DAY)
    for role in ("admin", "operator", "clerk", "viewer"):
        make_user(app, f"{role}1", role)
    return app


def listed(client, url):
    """How many records the page at ``url`` lists."""
    html = page(client, url)
    if "/admin/due/" in url:
        return html.count('class="due-row"')
    if url.startswith("/admin/matches/"):
        return html.count('class="table-danger stalled"')
    # a registry's list: no total is shown (simple pager), so its rows are counted page by page
    total = 0
    for number in range(100):
        rows = list_rows(page(client, f"{url}&page={number}" if number else url))
        total += rows
        if rows < PAGE_SIZE:
            return total
    raise AssertionError(f"{url}: too many pages")


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def list_rows(html):
    """The records on one page of a Flask-Admin list (its empty message is one cell spanning the table)."""
    body = LIST_ROWS.search(html)
    assert body, "no list table"
    return 0 if 'colspan="999"' in body.group(1) else body.group(1).count("<tr")


@pytest.mark.parametrize("role", ["admin", "operator", "clerk", "viewer"])
def test_each_count_links_to_exactly_its_records(demo_app, role):
    client = demo_app.test_client()
    assert log_in(client, f"{role}1").status_code == 302
    html = client.get("/admin/").get_data(as_text=True)
    links = [(url.replace("&amp;", "&"), int(n)) for url, n in COUNT_LINK.findall(html)]
    assert len(links) >= 10
    assert not re.search(r'<span class="badge', html), "every count shown is a link"
    followed = 0
    for url, n in links:
        assert listed(client, url) == n, f"{role}: {url} lists another number than the dashboard's {n}"
        followed += n > 0
    assert followed >= 5, "the demo data gives most counts a value"
    if role in ("admin", "operator"):
        assert 'id="overdue-stays"' in html and re.search(r'class="badge badge-danger" id="overdue-stays"', html)
    else:
        assert "/admin/due/" not in html and client.get("/admin/due/stays").status_code == 403
    assert ("Nuclei per stato" in html) == (role != "clerk")
    if role == "viewer":
        assert "/admin/household_summary/" in html and "/admin/household/?" not in html


def test_due_lists_refuse_unknown_kinds(app, login):
    client = login("operator")
    assert client.get("/admin/due/nothing").status_code == 404


def test_counts_are_written_in_the_users_locale(app):
    from admin.views.dashboard import count_text

    with app.test_request_context(headers={"Accept-Language": "it"}):
        assert count_text(1234) == "1.234"
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert count_text(1234) == "1,234"
