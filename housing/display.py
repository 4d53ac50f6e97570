"""How records name themselves in lists, menus and messages: coded values by
their label, dates and money in the reader's language.

The back office sets ``language`` for each request; jobs and the command line
read Italian. No Flask here, so the models can use it in ``__str__``.
"""
import contextvars
import datetime
from decimal import Decimal

from babel import dates as babel_dates
from babel import numbers as babel_numbers

from housing import vocabulary

language = contextvars.ContextVar("display_language", default="it")

DATE_PATTERNS = {"it": "dd/MM/yyyy", "en": "d MMM yyyy"}  # never the US month-first short form


def label(registry, key):
    return "" if key is None else vocabulary.label(registry, key, language.get())


def coded(record, name):
    """The label of the record's coded field ``name`` (its registry found from the field's choices)."""
    key = getattr(record, name)
    choices = type(record)._meta.fields[name].choices
    registry = vocabulary.registry_of_keys(k for k, _ in choices) if choices else None
    return label(registry, key) if registry and key is not None else ("" if key is None else str(key))


def date(value, lang=None):
    """A date or date-time in ``lang`` (default: the reader's): 07/12/2026 14:30, 7 Dec 2026, 14:30.

    Stored date-times are local wall-clock times: printed as they are, never
    shifted as if they were UTC."""
    if value is None:
        return ""
    lang = lang or language.get()
    if isinstance(value, datetime.datetime):
        return babel_dates.format_datetime(value, DATE_PATTERNS[lang] + (", " if lang == "en" else " ") + "HH:mm",
                                           locale=lang)
    return babel_dates.format_date(value, DATE_PATTERNS[lang], locale=lang)


def money(value, lang=None):
    if value is None:
        return ""
    return "€ " + babel_numbers.format_decimal(Decimal(value), format="#,##0.00", locale=lang or language.get())
