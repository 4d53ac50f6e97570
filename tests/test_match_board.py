"""The matches board and the matching settings in the back office."""
import datetime

import models as m
from conftest import csrf_token, form_post
from housing import matches
from samples import make_dwelling


def open_match(app, step="proposed", days_ago=0):
    with app.extensions["database"].connection_context():
        matches.ensure_settings()
        household = m.Household.create(code="NF-B1", status="waiting")
        offer = m.Offer.create(dwelling=make_dwelling(), contract_type="concordato_3_2", monthly_rent=400,
                               status="published", published=True)
        match = m.Match.create(household=household, offer=offer, route="concordato_3_2", step=step, proposed_by="x",
                               step_since=m.now() - datetime.timedelta(days=days_ago))
    return match


def test_board_shows_steps_and_highlights_stalled_matches(app, login):
    match = open_match(app, days_ago=30)
    client = login("operator")
    html = client.get("/admin/matches/").get_data(as_text=True)
    assert 'id="step-proposed"' in html and "NF-B1" in html
    assert f'class="table-danger stalled" data-match="{match.id}"' in html
    assert '<span class="badge badge-danger" id="stalled-count">1' in html


def test_operator_advances_and_clerk_cannot_act_on_operator_steps(app, login, client):
    match = open_match(app)
    login("clerk")
    token = csrf_token(client, "/admin/matches/")
    response = client.post(f"/admin/matches/{match.id}/advance", data={"csrf_token": token}, follow_redirects=True)
    assert "spetta al ruolo operator" in response.get_data(as_text=True)
    with app.extensions["database"].connection_context():
        assert m.Match.get_by_id(match.id).step == "proposed"
    client.post("/auth/logout", data={"csrf_token": token})
    login("operator")
    token = csrf_token(client, "/admin/matches/")
    client.post(f"/admin/matches/{match.id}/advance", data={"csrf_token": token, "note": "ok"})
    with app.extensions["database"].connection_context():
        assert m.Match.get_by_id(match.id).step == "staff_review"
        assert m.MatchEvent.get(m.MatchEvent.match == match.id).note == "ok"


def test_decline_from_the_board_needs_csrf_and_a_known_reason(app, login):
    match = open_match(app)
    client = login("operator")
    client.post(f"/admin/matches/{match.id}/decline", data={"reason": "household_other"})
    with app.extensions["database"].connection_context():
        assert m.Match.get_by_id(match.id).status == "open"
    token = csrf_token(client, "/admin/matches/")
    response = client.post(f"/admin/matches/{match.id}/decline", data={"reason": "bogus", "csrf_token": token},
                           follow_redirects=True)
    assert "Motivo sconosciuto" in response.get_data(as_text=True)
    client.post(f"/admin/matches/{match.id}/decline", data={"reason": "household_other", "csrf_token": token})
    with app.extensions["database"].connection_context():
        stored = m.Match.get_by_id(match.id)
        assert stored.status == "closed_declined" and stored.decline_side == "household"
    assert client.post("/admin/matches/99999/advance", data={"csrf_token": token}).status_code == 404


def test_viewers_have_no_board(app, login):
    client = login("viewer")
    assert client.get("/admin/matches/").status_code == 403


def test_rule_settings_validate_their_parameter_and_are_audited(app, login):
    client = login("admin")
    bad = form_post(client, "/admin/rule_setting/new/", {"contract_type": "emergency", "rule": "rent_sustainable",
                                                          "enabled": "y", "parameter": "1.5"})
    assert bad.status_code == 200 and "Parametro non valido" in bad.get_data(as_text=True)
    good = form_post(client, "/admin/rule_setting/new/", {"contract_type": "emergency", "rule": "rent_sustainable",
                                                           "enabled": "y", "parameter": "0.4"})
    assert good.status_code == 302
    with app.extensions["database"].connection_context():
        from housing.match_data import rule_config

        assert str(rule_config().setting("emergency", "rent_sustainable").parameter) == "0.4"
        assert m.AuditLog.select().where(m.AuditLog.entity == "rule_setting").count() == 1


def test_decline_reason_days_are_editable_by_admins(app, login):
    client = login("admin")
    with app.extensions["database"].connection_context():
        matches.ensure_settings()
        reason = m.DeclineReasonSetting.get(m.DeclineReasonSetting.key == "household_location")
    data = {"label_it": reason.label_it, "label_en": reason.label_en, "park_days": "-3", "active": "y"}
    assert form_post(client, f"/admin/decline_reason_setting/edit/?id={reason.id}", data).status_code == 200
    data["park_days"] = "45"
    assert form_post(client, f"/admin/decline_reason_setting/edit/?id={reason.id}", data).status_code == 302
    with app.extensions["database"].connection_context():
        assert m.DeclineReasonSetting.get_by_id(reason.id).park_days == 45
