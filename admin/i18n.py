"""Italian first, English selectable: locale choice, bilingual texts, formats.

Domain labels are bilingual data (``housing.vocabulary.Term`` and
``admin.labels``), resolved when rendered; Flask-Admin's own strings come from
its Italian catalogue through Flask-Babel.
"""
import datetime
from decimal import Decimal


from flask import request, session
from flask_babel import Babel, format_decimal, get_locale
from flask_login import current_user

from housing import display

LANGUAGES = ("it", "en")
DEFAULT_LANGUAGE = "it"


def select_locale():
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    if getattr(current_user, "is_authenticated", False) and current_user.language in LANGUAGES:
        return current_user.language
    return request.accept_languages.best_match(LANGUAGES, DEFAULT_LANGUAGE) if request else DEFAULT_LANGUAGE


def current_language():
    locale = get_locale()
    return locale.language if locale and locale.language in LANGUAGES else DEFAULT_LANGUAGE


class Text(str):
    """A bilingual string that renders in the request's language.

    It subclasses ``str`` (holding the Italian text) so that libraries that
    check ``isinstance(x, str)`` accept it. Every operation that makes a new
    string (concatenation, ``%``, ``format``, ``lower``, slicing...) works on
    the text of the request's language, never on the Italian it holds.
    """

    def __new__(cls, it, en=None):
        obj = super().__new__(cls, it)
        obj.it, obj.en = it, en or it
        return obj

    def __str__(self):
        try:
            return self.en if current_language() == "en" else self.it
        except Exception:  # outside a request: Italian
            return self.it

    def __html__(self):
        from markupsafe import escape

        return str(escape(str(self)))

    def __format__(self, spec):
        return format(str(self), spec)

    def __add__(self, other):
        return str(self) + str(other)

    def __radd__(self, other):
        return str(other) + str(self)

    def __mod__(self, other):
        return str(self) % other

    def __getitem__(self, index):
        return str(self)[index]

    def __reduce__(self):  # pickled/copied as itself, not as its Italian text
        return (Text, (self.it, self.en))

    def __getattribute__(self, name):
        # str's own methods (lower, upper, strip, replace, split, join,
        # startswith...) act on the current language's text.
        if name in _STR_METHODS:
            return getattr(str(self), name)
        return super().__getattribute__(name)


_STR_METHODS = frozenset(name for name in dir(str) if not name.startswith("_"))


def term_text(term):
    return Text(term.it, term.en)


def term_choices(registry):
    return [(term.key, term_text(term)) for term in registry]


def format_money(value):
    return display.money(value, current_language())


def format_value(value):
    """Dates, times and money in the user's locale (07/12/2026 and 1.234,56 in Italian)."""
    if isinstance(value, datetime.date):  # date-times too
        return display.date(value, current_language())
    if isinstance(value, Decimal):
        return format_money(value)
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, float):  # coordinates, shares: at most six decimals, locale separators
        return format_decimal(value, format="#,##0.######")
    return value


def format_number(value, digits=2):
    """A figure in the user's locale with a fixed number of decimals: 0,48 in Italian."""
    if value is None:
        return "—"
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(Decimal(str(value)), format=pattern)


def format_percent(fraction, digits=1):
    """A share (0.48) as a percentage in the user's locale: "48,0%" in Italian."""
    if fraction is None:
        return "—"
    return format_number(Decimal(str(fraction)) * 100, digits) + "%"


def yes_no(value):
    return str(Text("Sì", "Yes") if value else Text("No", "No"))


def init_app(app):
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Europe/Rome")
    Babel(app, locale_selector=select_locale)
    app.jinja_env.filters["money"] = format_money
    app.jinja_env.filters["localdate"] = format_value
    app.jinja_env.filters["number"] = format_number
    app.jinja_env.filters["percent"] = format_percent
    app.jinja_env.globals["current_language"] = current_language
    app.jinja_env.globals["term"] = term_label

    @app.before_request
    def display_in_the_users_language():
        # Records name themselves (models' __str__) in the reader's language.
        display.language.set(current_language())


def term_label(registry, key):
    """The label of a coded value in the current language: ``term('support_intensities', 'high')``."""
    from housing import vocabulary

    if key is None:
        return ""
    if registry == "domains":
        from housing.accompaniment import instruments

        for item in instruments.items(instruments.read_definition("assessment")):
            if item["key"] == key:
                return item[current_language()]
        return key
    return vocabulary.label(vocabulary.REGISTRIES[registry], key, current_language())
