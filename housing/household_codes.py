"""Household codes, numbered automatically per year: NF-2026-0001, NF-2026-0002...

The year is the household's intake year, as in the demo data.

``next_code`` reads the highest number of the year and adds one. It must run
inside the transaction that saves the household, after ``serialise`` (taken
here): two creations at once then queue on the lock (PostgreSQL) or on the
write lock of the IMMEDIATE transaction (SQLite), and the second reads the
first's code. An explicit code (an administrator's, the demo's) is still
allowed; a hand-made code of the year's pattern simply moves the count on.
"""
import datetime
import re

from peewee import fn

from housing.database import serialise
from models import Household, db

PREFIX = "NF"
LOCK = "housing.household_code"


def pattern(year):
    return re.compile(rf"{PREFIX}-{year}-(\d+)")


def format_code(year, number):
    return f"{PREFIX}-{year}-{number:04d}"


def next_code(today=None):
    """The next free code of ``today``'s year. Call inside ``db.atomic()``."""
    year = (today or datetime.date.today()).year
    serialise(db, LOCK)
    prefix = f"{PREFIX}-{year}-"
    numbered = pattern(year)
    # longest first, then highest: "NF-2026-10000" after "NF-2026-9999"
    query = (Household.select(Household.code).where(Household.code.startswith(prefix))
             .order_by(fn.LENGTH(Household.code).desc(), Household.code.desc()))
    highest = 0
    for (code,) in query.tuples().iterator():
        match = numbered.fullmatch(code)
        if match:
            highest = int(match.group(1))
            break
    number = highest + 1
    # a hand-made code that the order above misread ("NF-2026-00012") is skipped, never reused
    while Household.select().where(Household.code == format_code(year, number)).exists():
        number += 1
    return format_code(year, number)


def assign(household, today=None):
    """Give ``household`` the next code of its intake year (as the demo numbers
    them; else ``today``'s) when it has none. Inside ``db.atomic()``."""
    if not (household.code or "").strip():
        intake = household.intake_on if isinstance(household.intake_on, datetime.date) else None
        household.code = next_code(intake or today)
    return household.code
