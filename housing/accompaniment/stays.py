"""Emergency and transitional places: stays, overlaps, capacity and occupancy.

A stay occupies its place from the entry day up to, not including, the exit
day (the next guest may enter the day the previous one leaves).
"""
import datetime

from housing.messages import _
from models import Household, Place, Stay

FOREVER = datetime.date.max


def _end(stay_exit):
    return stay_exit or FOREVER


def overlapping(query, entry_on, exit_on):
    start, end = entry_on, _end(exit_on)
    return [s for s in query if s.entry_on < end and start < _end(s.exit_on)]


def check(data, current_id=None):
    """Field errors of a stay ``data`` (household, place, dates, destination) against the others."""
    errors = {}
    entry_on, exit_on = data.get("entry_on"), data.get("exit_on")
    if exit_on and not data.get("exit_destination"):
        errors["exit_destination"] = [_("Indicare dove è andato il nucleo all'uscita.")]
    if data.get("exit_destination") and not exit_on:
        errors["exit_on"] = [_("Indicare la data di uscita (o togliere la destinazione).")]
    if entry_on is None or (exit_on is not None and exit_on < entry_on):
        return errors
    household, place = data.get("household"), data.get("place")
    others = Stay.select()
    if current_id is not None:
        others = others.where(Stay.id != int(current_id))
    if household is not None:
        clash = overlapping(others.where(Stay.household == getattr(household, "id", household)), entry_on, exit_on)
        if clash:
            errors.setdefault("entry_on", []).append(
                _("Il nucleo ha già una permanenza in quel periodo (%(place)s, dal %(entry)s).",
                  place=clash[0].place, entry=f"{clash[0].entry_on:%d/%m/%Y}"))
    if place is not None:
        place = place if isinstance(place, Place) else Place.get_or_none(Place.id == place)
        if place is not None:
            peak = peak_occupancy(overlapping(others.where(Stay.place == place.id), entry_on, exit_on), entry_on, exit_on)
            if peak + 1 > place.capacity:
                errors.setdefault("place", []).append(
                    _("Nessun posto libero in quel periodo: %(place)s ha %(capacity)s posti e ne sono occupati %(taken)s.",
                      place=place.name, capacity=place.capacity, taken=peak))
            if not place.active:
                errors.setdefault("place", []).append(_("Il posto non è più attivo."))
    return errors


def peak_occupancy(stays, entry_on, exit_on):
    """The most stays present at once during [entry_on, exit_on)."""
    points = sorted({max(s.entry_on, entry_on) for s in stays} | {entry_on})
    end = _end(exit_on)
    return max((sum(1 for s in stays if s.entry_on <= day < _end(s.exit_on)) for day in points if day < end), default=0)


def occupancy(today=None):
    """Per active place: capacity, current stays, free places, stays past their planned exit."""
    today = today or datetime.date.today()
    current = (Stay.select(Stay, Household).join(Household)
               .where((Stay.entry_on <= today) & (Stay.exit_on.is_null() | (Stay.exit_on > today))))
    by_place = {}
    for stay in current:
        by_place.setdefault(stay.place_id, []).append(stay)
    rows = []
    for place in Place.select().where(Place.active == True).order_by(Place.kind, Place.name):  # noqa: E712
        stays = by_place.get(place.id, [])
        overdue = [s for s in stays if s.planned_exit_on and s.planned_exit_on < today]
        rows.append({"place": place, "capacity": place.capacity, "stays": stays, "occupied": len(stays),
                     "free": max(0, place.capacity - len(stays)), "overdue": overdue})
    return rows
