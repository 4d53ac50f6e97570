"""The home dashboard shows the registry counts."""
import datetime

import models as m
from samples import make_dwelling, make_landlord


def test_dashboard_counts(app, login):
    client = login("clerk")
    today = datetime.date.today()
    with app.extensions["database"].connection_context():
        owner = make_landlord()
        for unit, status in enumerate(["available", "available", "let"]):
            make_dwelling(owner, status=status, cadastral_unit=str(unit))
        m.Agreement.create(title="In scadenza", kind="convention", status="active",
                           valid_from=today - datetime.timedelta(days=300), valid_to=today + datetime.timedelta(days=30))
        m.Agreement.create(title="Lontano", kind="convention", status="active", valid_to=today + datetime.timedelta(days=300))
        m.Agreement.create(title="Scaduto", kind="convention", status="expired", valid_to=today - datetime.timedelta(days=3))
    html = client.get("/admin/").get_data(as_text=True)
    assert '<th scope="row">Disponibile</th><td class="text-right">2</td>' in html
    assert '<th scope="row">Locato</th><td class="text-right">1</td>' in html
    assert '<span id="active-agreements">2</span>' in html
    assert "In scadenza" in html and "Lontano" not in html
    assert "Nuclei per stato" not in html, "a clerk does not see household figures"


def test_dashboard_in_english(app, login):
    client = login("operator")
    token = __import__("conftest").csrf_token(client, "/admin/")
    client.post("/auth/language/en", data={"csrf_token": token, "next": "/admin/"})
    html = client.get("/admin/").get_data(as_text=True)
    assert "Households by status" in html and "Nuclei per stato" not in html


def test_dashboard_flags_stalled_matches_and_a_failed_publication(app, login):
    from housing import matches
    from samples import make_dwelling

    with app.extensions["database"].connection_context():
        matches.ensure_settings()
        household = m.Household.create(code="NF-D1", status="matched")
        offer = m.Offer.create(dwelling=make_dwelling(), contract_type="emergency", monthly_rent=0, status="published")
        m.Match.create(household=household, offer=offer, route="emergency", step="proposed", proposed_by="x",
                       step_since=m.now() - datetime.timedelta(days=40))
        m.JobRun.create(name="publish", outcome="failed", finished_at=m.now(), message="boom")
    html = login("operator").get("/admin/").get_data(as_text=True)
    assert 'id="stalled-matches" class="text-danger"' in html and ">1</a>" in html
    assert "pubblicazione fallita" in html
