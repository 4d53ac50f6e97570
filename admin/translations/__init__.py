"""Flask-Admin's own words (its ``admin`` gettext domain) as the staff read them.

Flask-Admin 2.2.1's Italian catalogue mixes languages ("Record stato salvato
con successo.", "Nuovo Componenti") and its compiled file lacks messages its
code uses ("Failed to create record." shows in English). Our catalogues,
``<lang>/LC_MESSAGES/admin.po`` beside this file (compiled to ``admin.mo`` with
``pybabel compile -d admin/translations -D admin``), override those messages in
Italian and in English; every other message stays Flask-Admin's.

Why ``install``: Flask-Babel merges a domain's directories in order, a later
one winning, and Flask-Admin lists ``Admin(translations_path=...)`` *first*,
so its own catalogue would override ours. The domain keeps one merged
catalogue per locale in its cache: ``install`` puts there, for each language
of the back office, Flask-Admin's catalogue with ours merged on top. It also
makes the result independent of which request first asks for a translation
(Flask-Admin reads ``translations_path`` only inside one of its views).
"""
import os

from babel.support import Translations

DIRECTORY = os.path.dirname(os.path.abspath(__file__))
DOMAIN = "admin"
LANGUAGES = ("it", "en")  # admin.i18n.LANGUAGES (not imported: this module has one job)


def catalogue(language):
    """Flask-Admin's catalogue for ``language`` with ours merged on top (ours win)."""
    from flask_admin import translations as flask_admin_translations

    merged = Translations()
    for directory in (flask_admin_translations.__path__[0], DIRECTORY):
        loaded = Translations.load(directory, [language], DOMAIN)
        merged.merge(loaded)
        if hasattr(loaded, "plural"):
            merged.plural = loaded.plural
    return merged


def install():
    """Give Flask-Admin's domain our merged catalogues; return this directory
    (for ``Admin(translations_path=...)``)."""
    from flask_admin.babel import domain

    for language in LANGUAGES:
        domain.cache[(language, DOMAIN)] = catalogue(language)
    return DIRECTORY
