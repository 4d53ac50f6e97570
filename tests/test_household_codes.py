"""Household codes: numbered automatically per year, unique under concurrent
creation, changed only by an administrator ("Household codes must be invented
by hand", issue 12)."""
import datetime
import re

import models as m
from conftest import csrf_token, form_post
from housing import household_codes, validation
from samples import make_household, prepared
from test_record_races import ROUNDS, clients, held_at_first_check, post_together

YEAR = datetime.date.today().year


def code_input(page):
    """The <input> tag of the code field."""
    [tag] = re.findall(r'<input[^>]*name="code"[^>]*>', page)
    return tag


def new_household_data(app, **overrides):
    """A valid household form without a code and without members."""
    data = {k: v for k, v in prepared(app, "household").items() if not k.startswith("members-") and k != "code"}
    data["intake_on"] = datetime.date.today().isoformat()
    data.update(overrides)
    return data


def codes(app):
    with app.extensions["database"].connection_context():
        return [h.code for h in m.Household.select().order_by(m.Household.id)]


def test_a_new_household_gets_the_next_code_of_its_year(app, login):
    client = login("operator")
    page = client.get("/admin/household/new/").get_data(as_text=True)
    assert 'type="hidden"' in code_input(page)  # not asked
    for _ in range(2):
        assert form_post(client, "/admin/household/new/", new_household_data(app)).status_code == 302
    assert codes(app) == [f"NF-{YEAR}-0001", f"NF-{YEAR}-0002"]
    with app.extensions["database"].connection_context():
        created = m.AuditLog.select().where((m.AuditLog.entity == "household") & (m.AuditLog.action == "create"))
        assert all(f"NF-{YEAR}-000" in row.changes for row in created)


def test_numbering_follows_the_intake_year_and_skips_hand_made_codes(database):
    with database.atomic():
        make_household(code="NF-2025-0007")
        make_household(code="NF-2025-0007-bis")
        make_household(code="NF-2024-9999")
        make_household(code="NF-2024-10000")
        make_household(code="nf-2023-xx")
        assert household_codes.next_code(datetime.date(2025, 3, 1)) == "NF-2025-0008"
        assert household_codes.next_code(datetime.date(2024, 3, 1)) == "NF-2024-10001"
        assert household_codes.next_code(datetime.date(2023, 3, 1)) == "NF-2023-0001"
        household = m.Household(status="waiting", min_rooms=1, intake_on=datetime.date(2025, 5, 5))
        household_codes.assign(household)
        assert household.code == "NF-2025-0008"
        explicit = m.Household(code="NF-ALTRO-1", intake_on=datetime.date(2025, 5, 5))
        assert household_codes.assign(explicit) == "NF-ALTRO-1"  # an explicit code stays


def test_an_administrator_may_choose_the_code_at_creation_and_change_it(app, login):
    client = login("admin")
    page = client.get("/admin/household/new/").get_data(as_text=True)
    assert 'type="text"' in code_input(page) and "readonly" not in code_input(page)
    assert form_post(client, "/admin/household/new/", new_household_data(app, code="NF-2020-0042")).status_code == 302
    with app.extensions["database"].connection_context():
        household = m.Household.get(m.Household.code == "NF-2020-0042")
    url = f"/admin/household/edit/?id={household.id}"
    data = new_household_data(app, code="NF-2020-0043", version="1")
    assert form_post(client, url, data).status_code == 302
    assert codes(app) == ["NF-2020-0043"]


def test_only_an_administrator_changes_a_code(app, login):
    client = login("operator")
    assert form_post(client, "/admin/household/new/", new_household_data(app)).status_code == 302
    with app.extensions["database"].connection_context():
        household = m.Household.get()
    url = f"/admin/household/edit/?id={household.id}"
    page = client.get(url).get_data(as_text=True)
    assert "readonly" in code_input(page)
    response = form_post(client, url, new_household_data(app, code="NF-1999-0001", version="1"))
    assert response.status_code == 200
    assert "Solo un amministratore può cambiare il codice" in response.get_data(as_text=True)
    assert codes(app) == [f"NF-{YEAR}-0001"]
    # the same form, code untouched, saves
    assert form_post(client, url, new_household_data(app, code=f"NF-{YEAR}-0001", version="1",
                                                     email="altro@example.it")).status_code == 302


def test_two_creations_at_once_never_share_a_code(app, monkeypatch):
    anna, bruno = clients(app, "operator")
    for _ in range(ROUNDS):
        held_at_first_check(monkeypatch, validation, "duplicates")
        pairs = [(client, "/admin/household/new/", {
            **new_household_data(app), "csrf_token": csrf_token(client, "/admin/household/new/"),
        }) for client in (anna, bruno)]
        statuses = post_together(pairs)
        assert statuses == [302, 302], statuses  # both saved: never a database error
        monkeypatch.undo()
    found = codes(app)
    assert len(found) == 2 * ROUNDS
    assert sorted(found) == [f"NF-{YEAR}-{n:04d}" for n in range(1, 2 * ROUNDS + 1)]
