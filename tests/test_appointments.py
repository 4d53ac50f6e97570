"""Appointments: conflicts shown, one's week, and a calendar feed that real parsers read (issue 15)."""
import datetime
import re

import icalendar

import models as m
from conftest import form_post
from housing import appointments
from samples import MARIO, make_dwelling, make_household

NINE = datetime.datetime(2026, 12, 9, 9, 0)


def staff(app, username="operator1"):
    with app.extensions["database"].connection_context():
        return m.User.get(m.User.username == username)


def add(user, **values):
    data = dict(kind="assessment_meeting", starts_at=NINE, place="Ufficio Housing First, via Etnea 1", staff=user)
    data.update(values)
    return m.Appointment.create(**data)


def test_overlaps_of_the_same_staff_member_are_conflicts_cancelled_ones_are_not(app, login):
    login("operator")
    user = staff(app)
    with app.extensions["database"].connection_context():
        first = add(user)
        second = add(user, starts_at=NINE + datetime.timedelta(minutes=30))
        later = add(user, starts_at=NINE + datetime.timedelta(hours=1))  # starts when the first ends
        add(user, starts_at=NINE, status="cancelled")
        assert [a.id for a in appointments.conflicts(first)] == [second.id]
        assert [a.id for a in appointments.conflicts(second)] == [first.id, later.id]
        assert appointments.check({"starts_at": NINE, "ends_at": NINE - datetime.timedelta(hours=1)}) == {
            "ends_at": ["La fine precede l'inizio."]}


def test_the_feed_parses_and_carries_only_the_code_and_a_viewings_address(app, login):
    login("operator")
    user = staff(app)
    with app.extensions["database"].connection_context():
        household = make_household()
        m.Person.create(household=household, first_name="Mario", last_name="Rossi", tax_code=MARIO,
                        birth_date=datetime.date(1980, 1, 1), sex="M", relation="reference")
        add(user, kind="viewing", household=household, place="Via Etnea 120, Catania")
        add(user, kind="home_visit", household=household, place="Via dei Mille 3, Catania",
            starts_at=NINE + datetime.timedelta(days=1), notes="parlare con Mario del reddito")
        token = appointments.new_feed(user.id)
    client = app.test_client()  # no login: the secret address is the key
    response = client.get(f"/calendar/{token}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    events = list(icalendar.Calendar.from_ical(response.data).walk("VEVENT"))
    assert [str(e["summary"]) for e in events] == ["Visita dell'alloggio · NF-2026-0001",
                                                   "Visita domiciliare · NF-2026-0001"]
    viewing, visit = events
    assert str(viewing["location"]) == "Via Etnea 120, Catania" and "location" not in visit
    assert viewing.decoded("dtstart").utcoffset() == datetime.timedelta(hours=1)  # Europe/Rome in December
    body = response.get_data(as_text=True)
    for secret in ("Mario", "Rossi", MARIO, "reddito", "Via dei Mille"):
        assert secret not in body


def test_a_revoked_or_unknown_address_answers_404(app, login):
    client = login("operator")
    with app.extensions["database"].connection_context():
        token = appointments.new_feed(staff(app).id)
    assert app.test_client().get(f"/calendar/{token}.ics").status_code == 200
    page = client.get("/admin/calendar/").get_data(as_text=True)
    assert "Revoca l'indirizzo" in page
    client.post("/admin/calendar/feed/revoke", data={"csrf_token": _token(client)})
    assert app.test_client().get(f"/calendar/{token}.ics").status_code == 404
    assert app.test_client().get("/calendar/guessed-token.ics").status_code == 404
    assert client.post("/admin/calendar/feed", data={}).status_code in (200, 302)  # no token: refused, nothing made
    with app.extensions["database"].connection_context():
        assert not m.CalendarFeed.select().exists()


def test_a_new_address_is_shown_once_and_replaces_the_old_one(app, login):
    client = login("operator")
    with app.extensions["database"].connection_context():
        old = appointments.new_feed(staff(app).id)
    page = client.post("/admin/calendar/feed", data={"csrf_token": _token(client)}).get_data(as_text=True)
    new = re.search(r"/calendar/([\w-]+)\.ics", page).group(1)
    assert new != old and app.test_client().get(f"/calendar/{old}.ics").status_code == 404
    assert app.test_client().get(f"/calendar/{new}.ics").status_code == 200
    assert new not in client.get("/admin/calendar/").get_data(as_text=True)
    with app.extensions["database"].connection_context():
        assert new not in m.CalendarFeed.get().token_hash  # only its hash is kept


def test_the_week_lists_ones_appointments_and_saving_an_overlap_warns(app, login):
    client = login("operator")
    user = staff(app)
    with app.extensions["database"].connection_context():
        add(user, starts_at=NINE)
        household = make_household()
        make_dwelling()
    page = client.get("/admin/calendar/?day=2026-12-09").get_data(as_text=True)
    assert "Colloquio di valutazione" in page and "09:00" in page and 'data-day="2026-12-07"' in page
    day = client.get("/admin/calendar/?day=2026-12-09&view=day").get_data(as_text=True)
    assert day.count('class="mb-3 calendar-day"') == 1
    response = form_post(client, "/admin/appointment/new/", {
        "kind": "home_visit", "status": "planned", "starts_at": "2026-12-09 09:30:00", "place": "Domicilio",
        "staff": str(user.id), "household": str(household.id)})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    follow = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "si sovrappone a" in follow
    with app.extensions["database"].connection_context():
        assert m.Appointment.select().count() == 2
        assert m.AuditLog.select().where(m.AuditLog.entity == "appointment").count() == 1


def _token(client):
    from conftest import csrf_token

    return csrf_token(client, "/admin/calendar/")
