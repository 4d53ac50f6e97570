"""Bulk actions on ticked rows (issue 13): publish and withdraw offers, assign a
case worker, export the selected rows; each role-checked, atomic, audited, and
refused without the CSRF token."""
import datetime
import io
import json
from decimal import Decimal

import openpyxl
import pytest

import models as m
from conftest import csrf_token, make_user
from samples import make_dwelling, make_household
from test_offer_band import make_world


def within(app):
    return app.extensions["database"].connection_context()


def act(client, registry, name, ids, token=True):
    data = {"action": name, "rowid": [str(i) for i in ids], "url": f"/admin/{registry}/"}
    if token:
        data["csrf_token"] = csrf_token(client, f"/admin/{registry}/")
    return client.post(f"/admin/{registry}/action/", data=data)


def flashes(client, registry):
    return client.get(f"/admin/{registry}/").get_data(as_text=True)


@pytest.fixture
def offers(app):
    """Two offers in the band and one outside it (saved before the checks), all drafts."""
    with within(app):
        home = make_world()
        good = [m.Offer.create(dwelling=home, contract_type="concordato_3_2", monthly_rent=rent, status="draft",
                               min_duration_months=36, max_duration_months=60).id for rent in (550, 600)]
        bad = m.Offer.create(dwelling=home, contract_type="concordato_3_2", monthly_rent=900, status="draft").id
    return good, bad


def statuses(app, ids):
    with within(app):
        return {o.id: (o.status, o.published) for o in m.Offer.select().where(m.Offer.id.in_(ids))}


def test_publish_is_atomic_and_names_the_offers_that_fail(app, login, offers):
    good, bad = offers
    client = login("clerk")
    act(client, "offer", "publish", good + [bad])
    page = flashes(client, "offer")
    assert "Nessuna offerta pubblicata" in page and f"#{bad}: Canone mensile fuori fascia" in page
    assert set(statuses(app, good + [bad]).values()) == {("draft", False)}
    act(client, "offer", "publish", good)
    assert "Offerte pubblicate: 2." in flashes(client, "offer")
    assert set(statuses(app, good).values()) == {("published", True)}
    with within(app):
        entries = list(m.AuditLog.select().where((m.AuditLog.entity == "offer") & (m.AuditLog.action == "update")))
    assert sorted(int(e.record_id) for e in entries) == sorted(good)
    assert json.loads(entries[0].changes)["published"] == [False, True]


def test_withdraw(app, login, offers):
    good, bad = offers
    client = login("admin")
    act(client, "offer", "publish", good)
    act(client, "offer", "withdraw", good)
    assert "Offerte ritirate: 2." in flashes(client, "offer")
    assert set(statuses(app, good).values()) == {("withdrawn", False)}


def test_actions_without_the_csrf_token_are_refused(app, login, offers):
    good, _ = offers
    client = login("clerk")
    response = act(client, "offer", "publish", good, token=False)
    assert response.status_code in (302, 400)
    assert set(statuses(app, good).values()) == {("draft", False)}


def test_actions_are_role_checked_server_side(app, login, offers):
    good, _ = offers
    client = login("operator")  # reads offers, does not edit them
    page = client.get("/admin/offer/").get_data(as_text=True)
    assert "modelActions.execute('publish')" not in page
    act(client, "offer", "publish", good)
    assert set(statuses(app, good).values()) == {("draft", False)}


def test_the_list_has_row_checkboxes(app, login, offers):
    client = login("clerk")
    page = client.get("/admin/offer/").get_data(as_text=True)
    assert 'name="rowid"' in page and "Pubblica" in page and "Ritira" in page
    client.post("/auth/language/en", data={"csrf_token": csrf_token(client, "/admin/"), "next": "/admin/"})
    page = client.get("/admin/offer/").get_data(as_text=True)
    assert ">Publish<" in page and ">Withdraw<" in page and "Export selected (XLSX)" in page


def test_assign_case_worker(app, login):
    worker = make_user(app, "giulia", "operator")
    make_user(app, "clerk9", "clerk")
    with within(app):
        ids = [make_household(code=f"NF-2026-000{i}").id for i in (1, 2)]
    client = login("admin")
    page = act(client, "household", "assign_case_worker", ids).get_data(as_text=True)
    assert "NF-2026-0001, NF-2026-0002" in page and f'value="{worker.id}"' in page and "Clerk9" not in page
    token = csrf_token(client, "/admin/household/")
    response = client.post("/admin/household/bulk/assign-case-worker/",
                           data={"rowid": [str(i) for i in ids], "case_worker": str(worker.id), "csrf_token": token})
    assert response.status_code == 302
    with within(app):
        assert {h.case_worker_id for h in m.Household.select()} == {worker.id}
        audited = m.AuditLog.select().where((m.AuditLog.entity == "household") & (m.AuditLog.action == "update")).count()
    assert audited == 2


def test_assign_case_worker_refusals(app, login):
    first = make_user(app, "giulia", "operator")
    other = make_user(app, "marco", "operator")
    with within(app):
        mine = make_household(code="NF-2026-0001", case_worker=None).id
        theirs = make_household(code="NF-2026-0002", case_worker=other.id).id
    client = login("operator")
    # without the token: nothing
    response = client.post("/admin/household/bulk/assign-case-worker/",
                           data={"rowid": [str(mine)], "case_worker": str(first.id)})
    with within(app):
        assert m.Household.get_by_id(mine).case_worker_id is None
    # an operator may not take over another worker's household: none change
    token = csrf_token(client, "/admin/household/")
    client.post("/admin/household/bulk/assign-case-worker/",
                data={"rowid": [str(mine), str(theirs)], "case_worker": str(first.id), "csrf_token": token})
    assert "NF-2026-0002" in flashes(client, "household")
    with within(app):
        assert m.Household.get_by_id(mine).case_worker_id is None
        assert m.Household.get_by_id(theirs).case_worker_id == other.id
    assert response.status_code == 302
    # a clerk does not edit households at all
    clerk = app.test_client()
    make_user(app, "clerk1", "clerk")
    from conftest import log_in

    log_in(clerk, "clerk1")
    assert clerk.post("/admin/household/bulk/assign-case-worker/", data={"rowid": [str(mine)]}).status_code == 403


def read_xlsx(response):
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    return rows[0], rows[1:]


def test_export_selected_offers_has_typed_cells(app, login, offers):
    good, bad = offers
    with within(app):
        m.Offer.update(available_from=datetime.date(2026, 12, 7)).where(m.Offer.id == good[0]).execute()
    client = login("clerk")
    header, rows = read_xlsx(act(client, "offer", "export_selected", [good[0]]))
    assert len(rows) == 1
    row = dict(zip(header, rows[0]))
    assert row["Canone mensile"] == 550 and isinstance(row["Canone mensile"], (int, float))
    assert row["Pubblicato"] is False
    assert isinstance(row["Disponibile dal"], datetime.datetime) and row["Disponibile dal"].date() == datetime.date(2026, 12, 7)
    assert row["Tipo di contratto"] == "Canone concordato 3+2"
    with within(app):
        assert m.AuditLog.select().where((m.AuditLog.action == "read") & (m.AuditLog.entity == "offer")).count() == 1


def test_export_selected_respects_field_access(app, login):
    with within(app):
        home = make_dwelling().id
    viewer = login("viewer")
    header, rows = read_xlsx(act(viewer, "dwelling", "export_selected", [home]))
    assert len(rows) == 1
    joined = " ".join(str(h) for h in header).lower()
    assert "catast" not in joined and "note" not in joined
    assert "10" not in [str(v) for v in rows[0]]  # the cadastral sheet never leaves
    # a clerk may not read households: no export of them
    clerk = app.test_client()
    make_user(app, "clerk1", "clerk")
    from conftest import log_in

    log_in(clerk, "clerk1")
    assert clerk.post("/admin/household/action/", data={"action": "export_selected", "rowid": ["1"]}).status_code == 403


def test_export_selected_households(app, login):
    with within(app):
        household = make_household(monthly_net_income=Decimal("650.50"), needs_step_free=True,
                                   intake_on=datetime.date(2026, 3, 1)).id
    header, rows = read_xlsx(act(login("operator"), "household", "export_selected", [household]))
    row = dict(zip(header, rows[0]))
    assert 650.5 in row.values() and True in row.values()
    assert any(isinstance(v, datetime.datetime) and v.date() == datetime.date(2026, 3, 1) for v in row.values())


def test_the_whole_list_export_has_typed_cells(app, login):
    """The list's own XLSX export: numbers as numbers, dates as dates, yes/no as booleans, labels for codes."""
    client = login("clerk")
    with within(app):
        home = make_dwelling(area_m2=75, step_free=False)
        m.Offer.create(dwelling=home, contract_type="free_4_4", monthly_rent=Decimal("612.50"),
                       available_from=datetime.date(2026, 3, 9))

    def first_row(url):
        response = client.get(url)
        assert response.status_code == 200 and response.data[:2] == b"PK", url
        sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
        return {cell.value: value.value for cell, value in zip(sheet[1], sheet[2])}

    homes = first_row("/admin/dwelling/export/xlsx/")
    assert homes["Superficie (m²)"] == 75 and homes["Accessibile senza gradini"] is False
    assert homes["Stato"] == "Disponibile"
    offers = first_row("/admin/offer/export/xlsx/")
    assert offers["Canone mensile"] == 612.5
    assert offers["Disponibile dal"] == datetime.datetime(2026, 3, 9)
