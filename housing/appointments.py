"""Appointments: checks, conflicts, a staff member's week, and the iCalendar feed.

Appuntamenti (``models.Appointment``): viewings, home visits, assessment
meetings and case conferences. A conflict (the same staff member, or the same
home, busy at overlapping times) is shown, not refused: staff know when two
things may happen together. The feed lets the appointments appear in the
calendar people already use, through a secret address per staff member; it
carries no personal data beyond the household's code and the address of a
viewing (``FEED_SHOWS_PLACE``: a home visit's place is the household's home).
"""
import datetime
import hashlib
import secrets
from zoneinfo import ZoneInfo

import icalendar

from housing import audit
from housing import vocabulary as v
from models import Appointment, CalendarFeed, Dwelling, Match, Offer, User, db

PROGRAMME_ZONE = ZoneInfo("Europe/Rome")
DEFAULT_LENGTH = datetime.timedelta(hours=1)  # an appointment without an end takes an hour
# Which kinds may show their place in the feed (policy, as data): the place of a
# viewing is the home on offer; a home visit's is where the household lives.
FEED_SHOWS_PLACE = {"viewing": True, "home_visit": False, "assessment_meeting": True, "case_conference": True}
BUSY = ("planned", "done")  # a cancelled appointment conflicts with nothing


def ends(appointment):
    return appointment.ends_at or appointment.starts_at + DEFAULT_LENGTH


def check(data, current_id=None):
    """Field errors (Italian) of an appointment's values before it is saved."""
    errors = {}
    starts, finishes = data.get("starts_at"), data.get("ends_at")
    if starts and finishes and finishes < starts:
        errors["ends_at"] = ["La fine precede l'inizio."]
    if data.get("kind") == "viewing" and not (data.get("household") or data.get("match")):
        errors.setdefault("household", []).append("Indicare il nucleo (o l'abbinamento) della visita.")
    return errors


def record_viewing(match, user):
    """The viewing appointment of ``match``, created or moved to the viewing date and
    place the workflow just recorded (in the caller's transaction, audited). The
    staff member who records the viewing holds it; the place defaults to the home's address."""
    staff_id = getattr(user, "id", None)
    if match.viewing_at is None or staff_id is None:
        return None
    dwelling = Dwelling.select().join(Offer).where(Offer.id == match.offer_id).get()
    existing = Appointment.get_or_none((Appointment.match == match.id) & (Appointment.kind == "viewing")
                                       & (Appointment.status == "planned"))
    before = audit.snapshot(existing) if existing else {}
    appointment = existing or Appointment(kind="viewing", staff=staff_id, household=match.household_id,
                                          landlord=dwelling.landlord_id, match=match.id)
    appointment.starts_at = match.viewing_at
    appointment.place = (match.viewing_place or dwelling.address)[:200]
    appointment.save()
    audit.record(user, "update" if existing else "create", appointment, before, audit.snapshot(appointment))
    return appointment


def dwelling_of(appointment):
    """The home an appointment takes place in, when it serves a match's viewing."""
    if appointment.match_id is None:
        return None
    row = (Offer.select(Offer.dwelling).join(Match, on=(Match.offer == Offer.id))
           .where(Match.id == appointment.match_id).first())
    return row.dwelling_id if row else None


def conflicts(appointment):
    """Other appointments, still planned or held, that overlap this one for the
    same staff member or in the same home."""
    if appointment.status not in BUSY:
        return []
    start, end = appointment.starts_at, ends(appointment)
    overlapping = (Appointment.starts_at < end) & (Appointment.status.in_(BUSY))
    if appointment.id is not None:
        overlapping &= Appointment.id != appointment.id
    candidates = [other for other in Appointment.select().where(overlapping).order_by(Appointment.starts_at)
                  if ends(other) > start]
    home = dwelling_of(appointment)
    return [other for other in candidates
            if other.staff_id == appointment.staff_id or (home is not None and dwelling_of(other) == home)]


def week_of(day):
    """Monday of ``day``'s week."""
    return day - datetime.timedelta(days=day.weekday())


def agenda(user_id, first_day, days=7):
    """``{day: [appointments]}`` of a staff member, from ``first_day`` for ``days`` days."""
    start = datetime.datetime.combine(first_day, datetime.time())
    end = start + datetime.timedelta(days=days)
    rows = (Appointment.select().where((Appointment.staff == user_id) & (Appointment.starts_at >= start)
                                       & (Appointment.starts_at < end)).order_by(Appointment.starts_at))
    by_day = {first_day + datetime.timedelta(days=n): [] for n in range(days)}
    for row in rows:
        by_day[row.starts_at.date()].append(row)
    return by_day


# -- the iCalendar feed --------------------------------------------------------

def _hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def new_feed(user):
    """A new secret address for ``user`` (any earlier one stops working); the token, shown once."""
    token = secrets.token_urlsafe(24)
    with db.atomic():
        CalendarFeed.delete().where(CalendarFeed.user == user).execute()
        CalendarFeed.create(user=user, token_hash=_hash(token))
    return token


def revoke_feed(user):
    return CalendarFeed.delete().where(CalendarFeed.user == user).execute() > 0


def has_feed(user):
    return CalendarFeed.select().where(CalendarFeed.user == user).exists()


def feed_owner(token):
    """The active staff member whose feed ``token`` opens, or None (unknown or revoked)."""
    if not token or len(token) > 100:
        return None
    feed = CalendarFeed.get_or_none(CalendarFeed.token_hash == _hash(token))
    if feed is None:
        return None
    user = User.get_or_none(User.id == feed.user_id)
    return user if user is not None and user.active else None


def _local(moment):
    # Stored times are the programme's local wall-clock times (models.now()).
    return moment.replace(tzinfo=PROGRAMME_ZONE) if moment.tzinfo is None else moment


def summary(appointment, lang="it"):
    words = [v.label(v.APPOINTMENT_KINDS, appointment.kind, lang)]
    if appointment.household_id is not None:
        words.append(appointment.household.code)
    return " · ".join(words)


def calendar(user, lang="it", since_days=60):
    """The iCalendar document (bytes) of ``user``'s appointments from ``since_days`` ago on."""
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Housing First//Appuntamenti//IT")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "Housing First")
    since = datetime.datetime.now() - datetime.timedelta(days=since_days)
    rows = Appointment.select().where((Appointment.staff == user.id) & (Appointment.starts_at >= since))
    for appointment in rows.order_by(Appointment.starts_at):
        event = icalendar.Event()
        event.add("uid", f"appointment-{appointment.id}@housing-first")
        event.add("dtstamp", _local(appointment.updated_at))
        event.add("dtstart", _local(appointment.starts_at))
        event.add("dtend", _local(ends(appointment)))
        event.add("summary", summary(appointment, lang))
        if FEED_SHOWS_PLACE.get(appointment.kind):
            event.add("location", appointment.place)
        event.add("status", "CANCELLED" if appointment.status == "cancelled" else "CONFIRMED")
        event.add("sequence", appointment.version)
        cal.add_component(event)
    return cal.to_ical()

