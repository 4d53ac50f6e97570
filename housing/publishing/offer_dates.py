"""The day each offer first appeared on the public site ("nuove dal ...", issue 16).

Offers become public through forms, bulk actions, imports and the demo; rather than
every one of those paths remembering a date, the publisher stamps it: every offer
public now and without a date gets today's, and an offer that left the site loses
its date (published again, it is new again). Two UPDATEs that touch no row on most
publications.
"""
import datetime

from models import Offer


def stamp(today=None):
    """Date the offers that are public and undated, clear the date of those no longer public.

    Returns (dated, cleared)."""
    today = today or datetime.date.today()
    public = Offer.public(Offer.id)
    dated = Offer.update(published_on=today).where(Offer.published_on.is_null() & Offer.id.in_(public)).execute()
    cleared = (Offer.update(published_on=None)
               .where(Offer.published_on.is_null(False) & Offer.id.not_in(public)).execute())
    return dated, cleared
