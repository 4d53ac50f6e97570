"""The domain modules' messages to staff, in the reader's language.

Messages are written in Italian, the programme's language, and marked with
``_``: ``_("Il nucleo %(code)s non è in attesa.", code=household.code)``. The
text comes back as a plain ``str`` in the language of ``housing.display.language``
(set by the back office for each request; Italian on the command line, in jobs
and in tests that call the domain directly). English comes from the babel
catalogue ``housing/translations/en/LC_MESSAGES/housing.po`` (Italian msgids,
``make translations``); a message without English stays in Italian.

``N_`` marks a message defined at import time (a rule's message kept in a
table): it returns the Italian text unchanged, to be passed through ``_``
when the message is shown. No Flask here.
"""
import contextvars
import functools
import pathlib

from babel.support import NullTranslations, Translations

from housing import display

DIRECTORY = pathlib.Path(__file__).resolve().parent / "translations"
DOMAIN = "housing"
PROGRAMME_LANGUAGE = "it"


@functools.cache
def catalogue(language):
    """The compiled catalogue of ``language`` (loaded once); Italian has none: it is the msgid."""
    if language == PROGRAMME_LANGUAGE:
        return NullTranslations()
    return Translations.load(str(DIRECTORY), [language], DOMAIN)


def translated(template, language, **values):
    """``template`` (an Italian msgid) in ``language``, its ``%(name)s`` placeholders filled."""
    text = catalogue(language).gettext(template)
    return text % values if values else text


def _(template, **values):
    """``template`` in the current reader's language (Italian when none is set)."""
    return translated(template, display.language.get(), **values)


def N_(template):
    """Mark ``template`` for extraction; translate it with ``_`` when it is shown."""
    return template


def in_language(language, call, *args):
    """``call(*args)`` with the reader's language set to ``language`` (for a message
    kept in both languages, such as ``housing.accounts.AccountError``)."""
    def run():
        display.language.set(language)
        return call(*args)

    return contextvars.copy_context().run(run)
