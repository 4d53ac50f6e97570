"""Every create, update and delete lands in the audit log, readable by admins only."""
import json

import models as m
from conftest import csrf_token, form_post
from housing import audit
from samples import make_dwelling, prepared


def test_update_and_delete_are_audited_with_old_and_new_values(app, login):
    client = login("clerk")
    data = prepared(app, "dwelling")
    with app.extensions["database"].connection_context():
        dwelling = make_dwelling(m.Landlord.get_by_id(int(data["landlord"])), rooms=2, bedrooms=1)
    data.update(rooms="4", address="Via Etnea 100")
    assert form_post(client, f"/admin/dwelling/edit/?id={dwelling.id}", data).status_code == 302
    token = csrf_token(client, "/admin/dwelling/")
    client.post("/admin/dwelling/delete/", data={"id": dwelling.id, "csrf_token": token})
    with app.extensions["database"].connection_context():
        update = m.AuditLog.get((m.AuditLog.action == "update") & (m.AuditLog.entity == "dwelling"))
        assert json.loads(update.changes)["rooms"] == [2, 4]
        assert update.actor == "clerk1" and update.user_id is not None
        deletion = m.AuditLog.get((m.AuditLog.action == "delete") & (m.AuditLog.entity == "dwelling"))
        assert json.loads(deletion.changes)["address"][0] == "Via Etnea 100"


def test_deleting_a_household_audits_its_members_too(app, login):
    client = login("operator")
    assert form_post(client, "/admin/household/new/", prepared(app, "household")).status_code == 302
    token = csrf_token(client, "/admin/household/")
    client.post("/admin/household/delete/", data={"id": 1, "csrf_token": token})
    with app.extensions["database"].connection_context():
        assert m.Household.select().count() == 0 and m.Person.select().count() == 0
        deleted = {(e.entity, e.action) for e in m.AuditLog.select().where(m.AuditLog.action == "delete")}
        # the sample prefers two districts: its links go with it, audited too
        assert deleted == {("household", "delete"), ("person", "delete"), ("household_district", "delete")}


def test_password_hashes_never_enter_the_trail(app, login):
    client = login("admin")
    assert form_post(client, "/admin/user/new/", prepared(app, "user")).status_code == 302
    with app.extensions["database"].connection_context():
        entry = m.AuditLog.get(m.AuditLog.entity == "user")
        assert json.loads(entry.changes)["password_hash"] == [None, audit.MASK]


def test_the_audit_view_is_for_admins_only(app, login, client):
    login("operator")
    assert client.get("/admin/audit_log/").status_code == 403
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/admin/")})
    login("admin")
    page = client.get("/admin/audit_log/")
    assert page.status_code == 200
    assert client.get("/admin/audit_log/new/").status_code in (302, 403)


def test_masked_changes_hide_personal_values(app, database):
    entry = m.AuditLog.create(actor="x", action="update", entity="person", record_id="1",
                              changes=json.dumps({"last_name": ["Rossi", "Bianchi"], "relation": ["child", "other"]}))
    masked = audit.masked_changes(entry, m.Person.personal_fields)
    assert masked["last_name"] == [audit.MASK, audit.MASK]


def test_the_audit_view_filters_by_record_and_actor(app, login, client):
    login("admin")
    with app.extensions["database"].connection_context():
        for record_id, actor in (("7", "anna"), ("77", "anna"), ("7", "marco")):
            m.AuditLog.create(actor=actor, action="update", entity="dwelling", record_id=record_id, changes="{}")
    view = next(v for v in app.extensions["housing_admin"]._views if getattr(v, "endpoint", "") == "audit_log")
    by_record = next(i for i, f in enumerate(view._filters) if f.column is m.AuditLog.record_id)
    import re

    def rows(url):
        html = client.get(url).get_data(as_text=True)
        return sorted(re.sub(r"\s+", "", cell) for cell in re.findall(r'<td class="col-record_id">(.*?)</td>', html, re.S))

    assert rows(f"/admin/audit_log/?flt0_{by_record}=7") == ["7", "7"]
    by_actor = next(i for i, f in enumerate(view._filters) if f.column is m.AuditLog.actor)
    assert rows(f"/admin/audit_log/?flt0_{by_actor}=anna") == ["7", "77"]


def test_the_audit_view_reads_as_words_not_json(app, login):
    """The trail names the registry and each change as "Field: old → new", with labels and local dates."""
    client = login("admin")
    with app.extensions["database"].connection_context():
        m.AuditLog.create(actor="admin1", action="update", entity="household", record_id="7",
                          changes=json.dumps({"status": ["waiting", "matched"], "intake_on": ["2026-03-09", None]}))
    page = client.get("/admin/audit_log/").get_data(as_text=True)
    assert "Stato: In attesa → Abbinato" in page and "09/03/2026 → —" in page
    assert '"status"' not in page and "Nuclei familiari" in page
    csv_text = client.get("/admin/audit_log/export/csv/").get_data(as_text=True)
    assert "household" in csv_text and "matched" in csv_text  # the export stays machine-readable
