"""Notices in the back office: the templates (administrators; validation, preview, test
send), the staff's own notification preferences, each record's messages (role-checked),
and the board saying when a notice could not be sent."""
import datetime
import re

import pytest

import models as m
from conftest import csrf_token, form_post
from housing import matches
from housing.mail import digest, notices, outbox
from samples import make_dwelling, make_landlord
from smtp_server import LoopbackSmtp, settings_for

VIEWING = datetime.datetime.combine(datetime.date.today() + datetime.timedelta(days=3), datetime.time(10, 30))


@pytest.fixture
def seeded(app):
    with app.extensions["database"].connection_context():
        notices.ensure_templates()
        matches.ensure_settings()
    return app


def template_id(app, kind="household_proposal", language="it"):
    with app.extensions["database"].connection_context():
        return m.NoticeTemplate.get((m.NoticeTemplate.kind == kind) & (m.NoticeTemplate.language == language)).id


def test_a_template_naming_a_forbidden_field_is_refused_with_the_field_named(seeded, login):
    client = login("admin")
    tid = template_id(seeded)
    url = f"/admin/notice_template/edit/?id={tid}"
    response = form_post(client, url, {"kind": "household_proposal", "language": "it", "subject": "Proposta",
                                       "body": "Reddito: {{ monthly_net_income }} e {{ household.isee_value }}",
                                       "active": "y"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "«monthly_net_income»" in page and "«household»" in page
    response = form_post(client, url, {"kind": "household_proposal", "language": "xx", "subject": "S",
                                       "body": "{{ code }}", "active": "y"})
    assert "«xx»" in response.get_data(as_text=True)
    with seeded.extensions["database"].connection_context():
        assert "monthly_net_income" not in m.NoticeTemplate.get_by_id(tid).body
    response = form_post(client, url, {"kind": "household_proposal", "language": "it", "subject": "Proposta {{ offer_ref }}",
                                       "body": "Alloggio {{ offer_ref }} per {{ code }}", "active": "y"})
    assert response.status_code == 302
    with seeded.extensions["database"].connection_context():
        assert m.NoticeTemplate.get_by_id(tid).body == "Alloggio {{ offer_ref }} per {{ code }}"
        assert m.AuditLog.select().where((m.AuditLog.entity == "notice_template")).exists()


def test_the_preview_renders_sample_values_and_the_test_send_arrives(seeded, login):
    client = login("admin")
    with seeded.extensions["database"].connection_context():
        m.User.update(email="admin1@example.org").where(m.User.username == "admin1").execute()
    tid = template_id(seeded, "household_viewing", "en")
    page = client.get(f"/admin/notice_template/preview/?id={tid}").get_data(as_text=True)
    assert "Visit to home O00012: 15/02/2027 at 10:30" in page and "{{ viewing_place }}" in page
    token = csrf_token(client, f"/admin/notice_template/preview/?id={tid}")
    assert client.post(f"/admin/notice_template/test-send/?id={tid}", data={"csrf_token": token}).status_code == 302
    with seeded.extensions["database"].connection_context(), LoopbackSmtp() as server:
        assert outbox.send_due(m.db, settings_for(server.port)).sent == 1
    (_, recipients, mail), = server.received
    assert recipients == ["admin1@example.org"] and mail["Subject"].startswith("[TEST] Visit to home")


def test_only_administrators_edit_templates(seeded, login):
    client = login("operator")
    assert client.get("/admin/notice_template/").status_code == 403
    assert client.post(f"/admin/notice_template/test-send/?id={template_id(seeded)}").status_code == 403


def test_every_staff_member_sets_their_own_notifications(seeded, login):
    client = login("clerk")
    page = client.get("/admin/account/").get_data(as_text=True)
    assert 'id="notification-preferences"' in page
    token = csrf_token(client, "/admin/account/")
    response = client.post("/admin/account/notifications", data={"hour": "9", "immediate_notices": "y", "csrf_token": token})
    assert response.status_code == 302
    with seeded.extensions["database"].connection_context():
        clerk = m.User.get(m.User.username == "clerk1")
        assert digest.preference(clerk) == (False, 9) and digest.immediate_notices(clerk)
        assert m.AuditLog.select().where(m.AuditLog.entity == "digest_preference").exists()
    response = client.post("/admin/account/notifications", data={"hour": "25", "daily_digest": "y", "csrf_token": token})
    assert response.status_code == 400
    with seeded.extensions["database"].connection_context():
        assert digest.preference(m.User.get(m.User.username == "clerk1")) == (False, 9)
    assert client.post("/admin/account/notifications", data={"hour": "7"}).status_code == 400  # no CSRF token


@pytest.fixture
def proposed(seeded):
    with seeded.extensions["database"].connection_context():
        owner = make_landlord(email="locatore@example.org", notice_consent=True)
        offer = m.Offer.create(dwelling=make_dwelling(owner), contract_type="concordato_3_2", monthly_rent=400,
                               status="published", published=True)
        household = m.Household.create(code="NF-2026-0042", status="waiting", email="nucleo@example.org",
                                       notice_consent=True)
        other = m.Household.create(code="NF-2026-0043", status="waiting")
        from types import SimpleNamespace

        match = matches.propose(household, offer, SimpleNamespace(username="op", role="operator", id=None))
    return household, owner, match, other, offer


def test_records_show_their_messages_to_the_roles_that_may_read_them(proposed, login, app):
    household, owner, match, other, _ = proposed
    client = login("admin")
    page = client.get(f"/admin/household/details/?id={household.id}").get_data(as_text=True)
    assert "nucleo@example.org" in page and "Proposta di alloggio" in page
    assert "nucleo@example.org" in client.get(f"/admin/match/details/?id={match.id}").get_data(as_text=True)
    no_consent = client.get(f"/admin/household/details/?id={other.id}").get_data(as_text=True)
    assert 'class="text-muted notice-consent"' in no_consent
    client.get("/logout")
    clerk = app.test_client()
    from conftest import log_in, make_user

    make_user(app, "clerk9", "clerk")
    log_in(clerk, "clerk9")
    assert clerk.get(f"/admin/household/details/?id={household.id}").status_code == 403
    page = clerk.get(f"/admin/match/details/?id={match.id}").get_data(as_text=True)
    assert "nucleo@example.org" not in page and "Proposta di alloggio" not in page  # the household's, not the clerk's


def test_the_board_says_when_a_notice_is_not_sent(proposed, login, app):
    household, owner, match, other, offer = proposed
    client = login("operator")
    with app.extensions["database"].connection_context():
        m.Landlord.update(notice_consent=False).where(m.Landlord.id == owner.id).execute()
    for step in ("proposed", "staff_review", "household_informed"):
        data = {"csrf_token": csrf_token(client, "/admin/matches/"), "step": step, "confirm": "yes",
                "viewing_at": VIEWING.strftime("%Y-%m-%dT%H:%M"), "viewing_place": "Via Etnea 100"}
        response = client.post(f"/admin/matches/{match.id}/advance", data=data, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "E-mail notice to the household queued" in page or "Avviso per e-mail al nucleo" in page
    with app.extensions["database"].connection_context():
        kinds = sorted(notices.kind_of_key(row.message_key) for row in m.OutboxMessage.select())
    assert kinds == ["household_proposal", "household_viewing"]  # the landlord gave no consent
