"""The languages registry: its seed, and free text turned into links.

``sync`` adds the languages of ``vocabulary.LANGUAGE_SEED`` that the registry
lacks (idempotent: staff's names and active flags are never overwritten).
``link_free_text`` reads a household's free-text ``languages`` ("arabo,
francese"), links the languages it names and leaves in the text only what
names none, for a person to resolve: nothing is lost.
"""
import difflib

from housing import vocabulary as v
from housing.database import serialise
from housing.messages import _
from models import Household, HouseholdLanguage, Language, db


def sync():
    """Add the seed's missing languages; return how many were added."""
    added = 0
    with db.atomic():
        serialise(db, "housing.languages.sync")
        have = {code for (code,) in Language.select(Language.code).tuples()}
        for term in v.LANGUAGE_SEED:
            if term.key not in have:
                Language.create(code=term.key, name_it=term.it, name_en=term.en)
                added += 1
    return added


def index():
    """{folded code or name: language id} over the whole registry."""
    found = {}
    for lid, code, name_it, name_en in Language.select(
            Language.id, Language.code, Language.name_it, Language.name_en).tuples():
        for text in (code, name_it, name_en):
            found.setdefault(v.fold(text), lid)
    return found


def resolve(text, known=None):
    """(language ids, unmatched items) named by a free-text list: split on commas,
    semicolons, "e"/"and" and slashes; matched on code or name, case- and accent-insensitive."""
    known = index() if known is None else known
    ids, unmatched = [], []
    for part in v.split_words(text, conjunctions=True):
        lid = known.get(v.fold(part))
        if lid is None:
            unmatched.append(part)
        elif lid not in ids:
            ids.append(lid)
    return ids, unmatched


def suggest(text, limit=3):
    """The Italian names of the active registry languages closest to ``text`` ("did you mean"):
    matched on the code and on both names."""
    choices = {}
    for code, name_it, name_en in (Language.select(Language.code, Language.name_it, Language.name_en)
                                   .where(Language.active == True).order_by(Language.name_it).tuples()):  # noqa: E712
        for form in (name_it, name_en, code):
            choices.setdefault(v.fold(form), name_it)
    wanted = v.fold(text)
    close = difflib.get_close_matches(wanted, list(choices), n=limit * 2, cutoff=0.6)
    contained = [folded for folded in choices if len(wanted) > 2 and len(folded) > 2
                 and (wanted in folded or folded in wanted)]
    return list(dict.fromkeys(choices[folded] for folded in close + contained))[:limit]


def unknown_message(text):
    hint = suggest(text)
    if hint:
        return _("lingua «%(name)s» non presente nel registro delle lingue; forse: %(hints)s", name=text,
                 hints=", ".join(hint))
    return _("lingua «%(name)s» non presente nel registro delle lingue", name=text)


def link_free_text(households=None):
    """Link the languages named by the free text of ``households`` (a query;
    all by default), keep only the unmatched words in the text. Returns
    {household id: [unmatched words]} for those that kept some."""
    known = index()
    left = {}
    query = households if households is not None else Household.select()
    with db.atomic():
        rows = list(query.select(Household.id, Household.languages)
                    .where(Household.languages.is_null(False)).tuples())
        for hid, text in rows:
            ids, unmatched = resolve(text, known)
            have = {lid for (lid,) in HouseholdLanguage.select(HouseholdLanguage.spoken)
                    .where(HouseholdLanguage.household == hid).tuples()}
            new = [lid for lid in ids if lid not in have]
            if new:
                HouseholdLanguage.insert_many([(hid, lid) for lid in new],
                                              fields=[HouseholdLanguage.household, HouseholdLanguage.spoken]).execute()
            Household.update(languages=", ".join(unmatched) or None).where(Household.id == hid).execute()
            if unmatched:
                left[hid] = unmatched
    return left


def mediation_by_language():
    """[(language, households needing mediation that speak it)], most first; only
    households still in the programme (not exited)."""
    from peewee import fn

    count = fn.COUNT(HouseholdLanguage.household.distinct())
    rows = (Language.select(Language.code, Language.name_it, Language.name_en, count.alias("n"))
            .join(HouseholdLanguage).join(Household)
            .where(Household.needs_mediation & (Household.status != "exited"))
            .group_by(Language.id, Language.code, Language.name_it, Language.name_en)
            .order_by(count.desc(), Language.code).tuples())
    return [(code, it, en, n) for code, it, en, n in rows]
