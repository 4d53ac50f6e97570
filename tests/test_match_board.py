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
    response = client.post(f"/admin/matches/{match.id}/advance", data={"csrf_token": token, "confirm": "yes"},
                           follow_redirects=True)
    assert "spetta al ruolo operator" in response.get_data(as_text=True)
    with app.extensions["database"].connection_context():
        assert m.Match.get_by_id(match.id).step == "proposed"
    client.post("/auth/logout", data={"csrf_token": token})
    login("operator")
    token = csrf_token(client, "/admin/matches/")
    client.post(f"/admin/matches/{match.id}/advance", data={"csrf_token": token, "note": "ok", "confirm": "yes"})
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
    response = client.post(f"/admin/matches/{match.id}/decline", data={"reason": "bogus", "csrf_token": token, "confirm": "yes"},
                           follow_redirects=True)
    assert "Motivo sconosciuto" in response.get_data(as_text=True)
    client.post(f"/admin/matches/{match.id}/decline", data={"reason": "household_other", "csrf_token": token,
                                                                 "confirm": "yes"})
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


# -- the workflow is safe (issue 13) ------------------------------------------------

def stored(app, match):
    with app.extensions["database"].connection_context():
        return m.Match.get_by_id(match.id)


def test_close_has_no_preselected_reason_and_every_action_asks_for_confirmation(app, login):
    match = open_match(app)
    client = login("operator")
    html = client.get("/admin/matches/").get_data(as_text=True)
    select = html[html.index(f'<select name="reason" id="reason-{match.id}"'):]
    select = select[:select.index("</select>")]
    assert "required" in select.split(">")[0]
    first = select[select.index("<option"):]
    assert first.startswith('<option value="" selected>') and "motivo della chiusura" in first.split("</option>")[0]
    assert html.count('data-confirm="') == 2 and html.count('<input type="hidden" name="confirm" value="">') == 2
    assert "js/confirm.js" in html and "onsubmit" not in html
    assert "Prossima fase: Verifica dell&#39;équipe — a cura di: Operatore" in html


def test_the_server_refuses_unconfirmed_actions_and_a_blank_reason(app, login, client):
    match = open_match(app)
    login("operator")
    token = csrf_token(client, "/admin/matches/")
    for path, data in (("advance", {}), ("decline", {"reason": "household_other"})):
        page = client.post(f"/admin/matches/{match.id}/{path}", data={"csrf_token": token, **data},
                           follow_redirects=True).get_data(as_text=True)
        assert "Azione non confermata" in page
    page = client.post(f"/admin/matches/{match.id}/decline", data={"csrf_token": token, "reason": "", "confirm": "yes"},
                       follow_redirects=True).get_data(as_text=True)
    assert "scegliere il motivo" in page
    assert (stored(app, match).status, stored(app, match).step) == ("open", "proposed")


def test_the_viewing_step_asks_for_date_time_and_place_and_shows_them(app, login, client):
    match = open_match(app, step="household_informed")
    login("operator")
    html = client.get("/admin/matches/").get_data(as_text=True)
    assert f'id="viewing_at-{match.id}" name="viewing_at" required' in html and 'type="datetime-local"' in html
    assert f'id="viewing_place-{match.id}" name="viewing_place" required' in html
    token = csrf_token(client, "/admin/matches/")
    base = {"csrf_token": token, "confirm": "yes", "step": "household_informed"}
    page = client.post(f"/admin/matches/{match.id}/advance", data=base, follow_redirects=True).get_data(as_text=True)
    assert "Data e ora della visita: Indicare" in page and stored(app, match).step == "household_informed"
    page = client.post(f"/admin/matches/{match.id}/advance", data={**base, "viewing_at": "domani", "viewing_place": "x"},
                       follow_redirects=True).get_data(as_text=True)
    assert "Data e ora della visita: valore non valido" in page and stored(app, match).step == "household_informed"
    client.post(f"/admin/matches/{match.id}/advance",
                data={**base, "viewing_at": "2026-12-10T15:30", "viewing_place": "Via Etnea 12"})
    after = stored(app, match)
    # the programme's wall-clock time, stored as typed
    assert (after.step, after.viewing_at, after.viewing_place) == (
        "viewing", datetime.datetime(2026, 12, 10, 15, 30), "Via Etnea 12")
    html = client.get("/admin/matches/").get_data(as_text=True)
    shown = html[html.index('class="small mb-1 step-dates"'):].split("</p>")[0]
    assert "10/12/" in shown and "Via Etnea 12" in shown and "Data e ora della visita" in shown
    # ... and the viewing is in the calendar of whoever recorded it, linked to the match
    with app.extensions["database"].connection_context():
        viewing = m.Appointment.get(m.Appointment.match == match.id)
        assert (viewing.kind, viewing.starts_at, viewing.place, viewing.staff.username, viewing.household_id) == (
            "viewing", datetime.datetime(2026, 12, 10, 15, 30), "Via Etnea 12", "operator1", after.household_id)
    assert "Via Etnea 12" in client.get("/admin/calendar/?day=2026-12-10").get_data(as_text=True)


def test_step_back_from_the_board_for_the_owner_only(app, login, client):
    match = open_match(app, step="staff_review")
    login("clerk")
    assert f"/admin/matches/{match.id}/back" not in client.get("/admin/matches/").get_data(as_text=True)
    token = csrf_token(client, "/admin/matches/")
    page = client.post(f"/admin/matches/{match.id}/back", data={"csrf_token": token, "confirm": "yes", "note": "x"},
                       follow_redirects=True).get_data(as_text=True)
    assert "Solo il ruolo" in page and stored(app, match).step == "staff_review"
    client.post("/auth/logout", data={"csrf_token": token})
    login("operator")
    assert f"/admin/matches/{match.id}/back" in client.get("/admin/matches/").get_data(as_text=True)
    token = csrf_token(client, "/admin/matches/")
    page = client.post(f"/admin/matches/{match.id}/back", data={"csrf_token": token, "note": "errore"},
                       follow_redirects=True).get_data(as_text=True)
    assert "Azione non confermata" in page and stored(app, match).step == "staff_review"
    client.post(f"/admin/matches/{match.id}/back",
                data={"csrf_token": token, "confirm": "yes", "note": "errore", "step": "staff_review"})
    assert stored(app, match).step == "proposed"
    with app.extensions["database"].connection_context():
        event = m.MatchEvent.select().where(m.MatchEvent.match == match.id).order_by(m.MatchEvent.id.desc()).first()
        assert (event.from_step, event.to_step) == ("staff_review", "proposed") and "errore" in event.note


def test_the_board_in_english_names_the_next_owner(app, login, client):
    open_match(app, step="landlord_decision")
    login("clerk")
    client.post("/auth/language/en", data={"csrf_token": csrf_token(client, "/admin/"), "next": "/admin/matches/"})
    html = client.get("/admin/matches/").get_data(as_text=True)
    assert "Next step: Contract signed — handled by: Registry clerk" in html
