"""A restricted household is seen only by its case worker and the administrators (issue 14)."""
import datetime

import pytest

import models as m
from conftest import form_post, log_in, make_user
from housing import restriction
from samples import MARIO, make_household


@pytest.fixture
def world(app):
    """Two operators (one the case worker), an admin, a viewer; one restricted household with a member."""
    for username, role in (("worker", "operator"), ("other", "operator"), ("boss", "admin"), ("guest", "viewer")):
        make_user(app, username, role)
    with app.extensions["database"].connection_context():
        worker = m.User.get(m.User.username == "worker")
        hidden = make_household(code="NF-2026-0001", case_worker=worker, restricted=True)
        open_one = make_household(code="NF-2026-0002")
        person = m.Person.create(household=hidden, first_name="Anna", last_name="Bianchi", tax_code=MARIO,
                                 birth_date=datetime.date(1980, 1, 1), sex="F", relation="reference")
        m.ContactLog.create(household=hidden, contact_on=datetime.date(2026, 12, 1), contact_type="phone",
                            note="chiamata", operator=worker, operator_name="Worker")
    return {"hidden": hidden.id, "open": open_one.id, "person": person.id}


def client_of(app, username):
    client = app.test_client()
    assert log_in(client, username).status_code == 302
    return client


def test_lists_details_and_search_hide_the_household_from_other_staff(app, world):
    other, worker, boss = client_of(app, "other"), client_of(app, "worker"), client_of(app, "boss")
    for client, sees in ((other, False), (worker, True), (boss, True)):
        households = client.get("/admin/household/").get_data(as_text=True)
        assert ("NF-2026-0001" in households) is sees and "NF-2026-0002" in households
        people = client.get("/admin/person/").get_data(as_text=True)
        assert ("Bianchi" in people) is sees
        contacts = client.get("/admin/contact_log/").get_data(as_text=True)
        assert ("chiamata" in contacts) is sees
        details = client.get(f"/admin/household/details/?id={world['hidden']}")
        assert (details.status_code == 200 and "NF-2026-0001" in details.get_data(as_text=True)) is sees
        found = client.get("/admin/search/?q=NF-2026-000").get_data(as_text=True)
        assert ("NF-2026-0001" in found) is sees and "NF-2026-0002" in found
        by_name = client.get("/admin/search/?q=Bianchi").get_data(as_text=True)
        assert ("Bianchi Anna" in by_name) is sees
        lookup = client.get("/admin/contact_log/ajax/lookup/?name=household&query=NF").get_data(as_text=True)
        assert ("NF-2026-0001" in lookup) is sees
    assert other.get(f"/admin/person/edit/?id={world['person']}").status_code == 302  # "no such record"


def test_the_viewers_summary_hides_it_too(app, world):
    page = client_of(app, "guest").get("/admin/household_summary/").get_data(as_text=True)
    assert "NF-2026-0001" not in page and "NF-2026-0002" in page


def test_only_the_case_worker_or_an_admin_sets_or_lifts_the_flag(app, world):
    other = client_of(app, "other")
    url = f"/admin/household/edit/?id={world['open']}"
    page = other.get(url).get_data(as_text=True)
    assert 'name="restricted"' in page
    response = form_post(other, url, {"code": "NF-2026-0002", "status": "waiting", "min_rooms": "1",
                                      "restricted": "y", "version": "1"})
    assert response.status_code == 200 and "Solo un amministratore o l&#39;operatore" in response.get_data(as_text=True)
    with app.extensions["database"].connection_context():
        assert not m.Household.get_by_id(world["open"]).restricted
    boss = client_of(app, "boss")
    response = form_post(boss, url, {"code": "NF-2026-0002", "status": "waiting", "min_rooms": "1",
                                     "restricted": "y", "version": "1"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with app.extensions["database"].connection_context():
        assert m.Household.get_by_id(world["open"]).restricted
        assert m.AuditLog.select().where((m.AuditLog.entity == "household") & (m.AuditLog.action == "update")
                                         & m.AuditLog.changes.contains("restricted")).exists()
    assert "NF-2026-0002" not in other.get("/admin/household/").get_data(as_text=True)


def test_every_model_that_hangs_from_a_household_is_covered(database):
    """A new registry linked to households is restricted without code of its own."""
    user = m.User(id=1, role="operator")
    covered = {model.__name__ for model in m.MODELS if restriction.visible(model, user) is not None}
    linked = {model.__name__ for model in m.MODELS
              if any(getattr(f, "rel_model", None) is m.Household for f in model._meta.fields.values())}
    assert linked | {"Household", "Assessment", "AssessmentScore", "MatchEvent", "FollowUpVisit"} <= covered
    assert not {"Dwelling", "Offer", "Landlord", "Partner", "District"} & covered
    assert restriction.visible(m.Household, m.User(id=2, role="admin")) is None


def test_the_journey_page_and_the_board_of_matches_hide_it_too(app, world):
    with app.extensions["database"].connection_context():
        from samples import make_dwelling

        from housing import matches

        matches.ensure_settings()
        offer = m.Offer.create(dwelling=make_dwelling(), contract_type="concordato_3_2", monthly_rent=400,
                               status="published", published=True)
        m.Match.create(household=world["hidden"], offer=offer, route="concordato_3_2", step="proposed", proposed_by="x")
    other, worker = client_of(app, "other"), client_of(app, "worker")
    assert other.get(f"/admin/journey/{world['hidden']}").status_code == 404
    assert worker.get(f"/admin/journey/{world['hidden']}").status_code == 200
    assert "NF-2026-0001" not in other.get("/admin/matches/").get_data(as_text=True)
    assert "NF-2026-0001" in worker.get("/admin/matches/").get_data(as_text=True)
