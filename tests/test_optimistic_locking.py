"""Two people editing the same record: the second save never silently reverts the first."""
import re

import pytest

import models as m
from conftest import csrf_token, log_in, make_user
from housing import matches
from samples import REGISTRIES, MODEL_OF, make_dwelling, prepared

VERSION = re.compile(r'name="([\w-]*version)" type="hidden" value="(\d*)"')


def opened(client, url):
    """The hidden versions and the CSRF token of the edit form at ``url``, as the browser would post them."""
    html = client.get(url).get_data(as_text=True)
    return {**dict(VERSION.findall(html)), "csrf_token": csrf_token(client, url)}


def two_operators(app):
    clients = []
    for name in ("anna", "bruno"):
        make_user(app, name, "operator")
        client = app.test_client()
        assert log_in(client, name).status_code == 302
        clients.append(client)
    return clients


def household_form(app, client):
    data = prepared(app, "household")
    token = csrf_token(client, "/admin/household/new/")
    assert client.post("/admin/household/new/", data={**data, "csrf_token": token}).status_code == 302
    with app.extensions["database"].connection_context():
        household = m.Household.get(m.Household.code == data["code"])
        data["members-0-id"] = str(household.members.get().id)
    return household.id, data


def test_the_second_save_is_refused_with_what_changed_and_keeps_what_was_typed(app):
    anna, bruno = two_operators(app)
    record_id, data = household_form(app, anna)
    url = f"/admin/household/edit/?id={record_id}"
    anna_form, bruno_form = opened(anna, url), opened(bruno, url)
    assert anna_form["version"] == bruno_form["version"] == "1"

    assert anna.post(url, data={**data, **anna_form, "notes": "Colloquio di Anna"}).status_code == 302
    refused = bruno.post(url, data={**data, **bruno_form, "notes": "Nota di Bruno", "phone": "3471112222"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 200
    assert "Mentre modificavi, anna ha salvato" in html and "Note" in html
    assert "Nota di Bruno" in html and "3471112222" in html  # what Bruno typed is still in the form
    with app.extensions["database"].connection_context():
        stored = m.Household.get_by_id(record_id)
        assert (stored.notes, stored.phone, stored.version) == ("Colloquio di Anna", data["phone"], 2)

    # Saving again from the form shown with the message is a deliberate overwrite.
    again = dict(VERSION.findall(html))
    assert again["version"] == "2"
    resent = bruno.post(url, data={**data, **again, "csrf_token": csrf_token(bruno, url), "notes": "Nota di Bruno"})
    assert resent.status_code == 302
    with app.extensions["database"].connection_context():
        assert m.Household.get_by_id(record_id).notes == "Nota di Bruno"


def test_an_inline_row_changed_elsewhere_refuses_the_parent_form(app):
    anna, bruno = two_operators(app)
    record_id, data = household_form(app, anna)
    url = f"/admin/household/edit/?id={record_id}"
    bruno_form = opened(bruno, url)
    assert bruno_form["members-0-version"] == "1"
    with app.extensions["database"].connection_context():
        member = m.Household.get_by_id(record_id).members.get()
        member.citizenship = "Romania"
        member.save()
    refused = bruno.post(url, data={**data, **bruno_form, "members-0-citizenship": "Tunisia"})
    assert refused.status_code == 200
    with app.extensions["database"].connection_context():
        assert m.Person.get_by_id(member.id).citizenship == "Romania"


def test_a_workflow_change_meanwhile_is_not_reverted_by_an_open_form(app):
    anna, bruno = two_operators(app)
    record_id, data = household_form(app, anna)
    url = f"/admin/household/edit/?id={record_id}"
    bruno_form = opened(bruno, url)
    with app.extensions["database"].connection_context():
        matches.ensure_settings()
        offer = m.Offer.create(dwelling=make_dwelling(), contract_type="concordato_3_2", monthly_rent=300,
                               status="published", published=True)
        matches.propose(m.Household.get_by_id(record_id), offer, None)
    refused = bruno.post(url, data={**data, **bruno_form, "notes": "Nota"})
    assert refused.status_code == 200
    with app.extensions["database"].connection_context():
        assert m.Household.get_by_id(record_id).status == "matched"


@pytest.mark.parametrize("registry", REGISTRIES)
def test_every_edit_form_carries_the_version_it_was_opened_at(app, login, registry):
    client = login("admin")
    data = prepared(app, registry)
    assert client.post(f"/admin/{registry}/new/", data={**data, "csrf_token": csrf_token(client, f"/admin/{registry}/new/")}).status_code == 302
    with app.extensions["database"].connection_context():
        record = MODEL_OF[registry].select().order_by(MODEL_OF[registry].id.desc()).first()
    form = opened(client, f"/admin/{registry}/edit/?id={record.id}")
    assert form.get("version") == str(record.version)


def test_a_new_inline_row_posts_an_empty_version_as_a_browser_does(app):
    anna, _ = two_operators(app)
    record_id, data = household_form(app, anna)
    url = f"/admin/household/edit/?id={record_id}"
    form = opened(anna, url)
    from samples import ANNA

    data.update({"members-1-first_name": "Anna", "members-1-last_name": "Bianchi", "members-1-tax_code": ANNA,
                 "members-1-birth_date": "1985-08-01", "members-1-sex": "F", "members-1-citizenship": "Italia",
                 "members-1-relation": "partner", "members-1-id": "", "members-1-version": ""})
    response = anna.post(url, data={**data, **form})
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    with app.extensions["database"].connection_context():
        assert m.Household.get_by_id(record_id).members.count() == 2


def test_saving_a_household_leaves_its_untouched_members_alone(app):
    """An unchanged inline row is not written: no new version, no audit row, no
    false conflict for whoever is editing that member on its own page."""
    anna, bruno = two_operators(app)
    record_id, data = household_form(app, anna)
    with app.extensions["database"].connection_context():
        member_id = m.Household.get_by_id(record_id).members.get().id
    member_url = f"/admin/person/edit/?id={member_id}"
    bruno_member = opened(bruno, member_url)
    url = f"/admin/household/edit/?id={record_id}"
    assert anna.post(url, data={**data, **opened(anna, url), "notes": "Solo le note"}).status_code == 302
    with app.extensions["database"].connection_context():
        assert m.Person.get_by_id(member_id).version == 1
        assert not m.AuditLog.select().where((m.AuditLog.entity == "person") & (m.AuditLog.action == "update")).exists()
    member = {k[len("members-0-"):]: v for k, v in data.items() if k.startswith("members-0-") and k != "members-0-id"}
    saved = bruno.post(member_url, data={**member, **bruno_member, "citizenship": "Romania"})
    assert saved.status_code == 302, saved.get_data(as_text=True)[-1500:]


def test_an_amount_written_with_other_decimals_is_not_a_change():
    from decimal import Decimal

    from housing import audit

    assert audit.diff({"monthly_rent": 564}, {"monthly_rent": Decimal("564.00")}) == {}
    assert audit.diff({"monthly_rent": 564}, {"monthly_rent": Decimal("564.50")}) == {"monthly_rent": [564, "564.50"]}
