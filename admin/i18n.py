"""Italian first, English selectable: locale choice, catalogues, formats.

The back office's words are gettext messages (English msgids, Italian in
``admin/translations/it/LC_MESSAGES/messages.po``; Flask-Admin's own words in
its ``admin`` domain, see ``admin/translations/__init__.py``). Coded values
keep their two labels as data (``housing.vocabulary.Term``), resolved when
rendered through ``pair``.
"""
import datetime
from decimal import Decimal


from flask import has_request_context, request, session
from flask_babel import Babel, LazyString, format_decimal, get_locale, gettext
from flask_login import current_user
from markupsafe import escape

from housing import display

LANGUAGES = ("it", "en")
DEFAULT_LANGUAGE = "it"


def select_locale():
    if not has_request_context():  # command line, jobs: the programme's language
        return DEFAULT_LANGUAGE
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    if getattr(current_user, "is_authenticated", False) and current_user.language in LANGUAGES:
        return current_user.language
    return request.accept_languages.best_match(LANGUAGES, DEFAULT_LANGUAGE) if request else DEFAULT_LANGUAGE


def current_language():
    locale = get_locale()
    return locale.language if locale and locale.language in LANGUAGES else DEFAULT_LANGUAGE


def pair(it, en):
    """A label kept as data in both languages (a vocabulary term, a rule's name,
    a domain module's error), picked in the reader's language when rendered.

    The back office's own words come from the gettext catalogues
    (``admin/translations``); this is only for words that are data.
    """
    return DataLabel(_pick, it, en)


def _pick(it, en):
    return en if current_language() == "en" else it


class DataLabel(LazyString):
    """Flask-Babel's lazy string, escaped when a template prints it: data
    labels may hold what someone typed (a district's or a language's name),
    and ``LazyString.__html__`` would let that through as markup."""

    def __html__(self):
        return str(escape(str(self)))


def term_text(term):
    return pair(term.it, term.en)


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
    return gettext("Yes") if value else gettext("No")


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

    @app.teardown_request
    def back_to_the_programme_language(error=None):
        # The language is a context variable of the thread: the next work there
        # (another request, a job, a test) starts in Italian, not in this reader's.
        display.language.set(DEFAULT_LANGUAGE)


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
