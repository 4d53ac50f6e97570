"""Languages still written as free text, resolved by a person.

Migration 0008 and the household form link the languages the registry knows
and leave the other words in ``Household.languages`` ("mandinka", "arabbo"),
so that nothing is lost. Here a person sees each such word once, with how many
households wrote it, and either maps it to a registry language (a misspelling)
or creates the language and maps it (a language the registry lacked). Either
way every household that wrote the word gets the link and loses the word from
its free text, in one transaction, audited like a form save.
"""
from housing import audit, vocabulary as v
from housing.database import serialise
from housing.messages import _
from models import Household, HouseholdLanguage, Language, db


class WordError(ValueError):
    """A mapping that cannot be done, said in Italian (``field`` names the input)."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


def words():
    """[(word, households that wrote it)], most written first; spellings that
    fold to one word ("Mandinka", "mandinka") are one entry, shown as first seen."""
    seen, counts = {}, {}
    for (text,) in Household.select(Household.languages).where(Household.languages.is_null(False)).tuples():
        for word in dict.fromkeys(v.fold(part) for part in v.split_words(text, conjunctions=True)):
            counts[word] = counts.get(word, 0) + 1
        for part in v.split_words(text, conjunctions=True):
            seen.setdefault(v.fold(part), part)
    return sorted(((seen[key], n) for key, n in counts.items()), key=lambda item: (-item[1], v.fold(item[0])))


def map_word(word, language_id, user=None):
    """Link every household that wrote ``word`` to the language ``language_id``
    and drop the word from its free text. Returns how many households changed."""
    key = v.fold(word)
    if not key:
        raise WordError(_("parola vuota"), "word")
    with db.atomic():
        serialise(db, "housing.languages")
        language = Language.get_or_none(Language.id == language_id)
        if language is None:
            raise WordError(_("lingua non trovata nel registro"), "language")
        changed = 0
        for household in Household.select().where(Household.languages.is_null(False)):
            parts = v.split_words(household.languages, conjunctions=True)
            kept = [part for part in parts if v.fold(part) != key]
            if len(kept) == len(parts):
                continue
            before = audit.snapshot(household)
            household.languages = ", ".join(kept) or None
            household.save()
            audit.record(user, "update", household, before, audit.snapshot(household))
            if not HouseholdLanguage.select().where((HouseholdLanguage.household == household.id)
                                                    & (HouseholdLanguage.spoken == language.id)).exists():
                link = HouseholdLanguage.create(household=household.id, spoken=language.id)
                audit.record(user, "create", link, None, audit.snapshot(link))
            changed += 1
    return changed


def create_and_map(word, code, name_it, name_en, user=None):
    """Add the language (ISO 639 code, Italian and English names) to the
    registry, then map ``word`` to it. Returns (language, households changed)."""
    code = (code or "").strip().lower()
    name_it, name_en = (name_it or "").strip(), (name_en or "").strip()
    if not (2 <= len(code) <= 3 and code.isascii() and code.isalpha()):
        raise WordError(_("codice ISO 639 di 2 o 3 lettere (es. «mnk»)"), "code")
    if not name_it:
        raise WordError(_("nome italiano obbligatorio"), "name_it")
    if not name_en:
        raise WordError(_("nome inglese obbligatorio"), "name_en")
    with db.atomic():
        serialise(db, "housing.languages")
        if Language.select().where(Language.code == code).exists():
            raise WordError(_("il codice «%(code)s» è già nel registro: scegli «riconduci a» quella lingua", code=code), "code")
        language = Language.create(code=code, name_it=name_it[:60], name_en=name_en[:60])
        audit.record(user, "create", language, None, audit.snapshot(language))
        return language, map_word(word, language.id, user)
