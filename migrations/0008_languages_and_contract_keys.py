"""Controlled vocabularies for households: spoken languages and contract types.

Creates the ``language`` registry (seeded with the languages common among the
programme's households) and the ``household_language`` link table, then turns
the existing free text into data:

- ``household.languages`` ("arabo, francese", "Wolof e francese") is split on
  commas, semicolons, "e"/"and" and slashes; each item matching a language's
  code or Italian/English name (case- and accent-insensitive) becomes a link;
  the items that match none stay in ``household.languages`` (now "other
  languages, free text"), listed by the households' "values to map" filter.
- ``household.acceptable_contract_types`` keeps only contract-type keys: an
  exact key, an Italian or English label, or a case/accent-insensitive match
  becomes its key; an item that matches none is appended to the household's
  notes after the marker ``[Da ricondurre ai registri]``, so that nothing is lost
  and the same filter lists it. (A household whose every item was unreadable
  accepted no offer at all; it now accepts any contract type until a person
  resolves the note.)

Frozen here: the seed and the matching rules as they were when this was written.
"""
import datetime
import re
import unicodedata

from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField, Model

MARKER = "[Da ricondurre ai registri]"

LANGUAGES = (
    ("it", "Italiano", "Italian"), ("en", "Inglese", "English"), ("fr", "Francese", "French"),
    ("ar", "Arabo", "Arabic"), ("es", "Spagnolo", "Spanish"), ("ro", "Romeno", "Romanian"),
    ("sq", "Albanese", "Albanian"), ("uk", "Ucraino", "Ukrainian"), ("ru", "Russo", "Russian"),
    ("zh", "Cinese", "Chinese"), ("bn", "Bengalese", "Bengali"), ("ur", "Urdu", "Urdu"),
    ("pa", "Panjabi", "Punjabi"), ("wo", "Wolof", "Wolof"), ("ti", "Tigrino", "Tigrinya"),
    ("am", "Amarico", "Amharic"), ("so", "Somalo", "Somali"), ("ha", "Hausa", "Hausa"),
    ("yo", "Yoruba", "Yoruba"), ("ig", "Igbo", "Igbo"), ("tl", "Tagalog", "Tagalog"),
    ("pt", "Portoghese", "Portuguese"), ("de", "Tedesco", "German"), ("fa", "Persiano", "Persian"),
    ("ps", "Pashto", "Pashto"), ("ku", "Curdo", "Kurdish"), ("tr", "Turco", "Turkish"),
    ("hi", "Hindi", "Hindi"), ("ta", "Tamil", "Tamil"), ("si", "Singalese", "Sinhala"),
    ("ml", "Malayalam", "Malayalam"), ("pl", "Polacco", "Polish"), ("bg", "Bulgaro", "Bulgarian"),
    ("sr", "Serbo", "Serbian"), ("mk", "Macedone", "Macedonian"), ("ff", "Fula (pular)", "Fula"),
    ("bm", "Bambara", "Bambara"), ("mn", "Mongolo", "Mongolian"),
)

CONTRACT_TYPES = (
    ("concordato_3_2", "Canone concordato 3+2", "Controlled rent 3+2"),
    ("transitory", "Transitorio", "Transitory"),
    ("students", "Studenti universitari", "University students"),
    ("free_4_4", "Libero 4+4", "Free market 4+4"),
    ("erp", "Edilizia residenziale pubblica (ERP)", "Public housing (ERP)"),
    ("transitional", "Transitorio a bassa protezione", "Transitional low-protection"),
    ("emergency", "Emergenza abitativa", "Emergency"),
)


def fold(text):
    plain = "".join(ch for ch in unicodedata.normalize("NFKD", str(text or "")) if not unicodedata.combining(ch))
    return " ".join(plain.casefold().split())


def split(text, conjunctions):
    separators = r"[,;]|\s+(?:e|ed|and)\s+|/" if conjunctions else r"[,;]"
    return [part.strip() for part in re.split(separators, str(text or ""), flags=re.I) if part.strip()]


def up(migrator, db):
    class Household(Model):
        class Meta:
            database = db
            table_name = "household"

    class Language(Model):
        created_at = DateTimeField()
        updated_at = DateTimeField()
        code = CharField(max_length=3, unique=True)
        name_it = CharField(max_length=60)
        name_en = CharField(max_length=60)
        active = BooleanField(default=True)
        version = IntegerField(default=1)

        class Meta:
            database = db
            legacy_table_names = False
            table_name = "language"

    class HouseholdLanguage(Model):
        household = ForeignKeyField(Household, on_delete="CASCADE")
        spoken = ForeignKeyField(Language, on_delete="RESTRICT")

        class Meta:
            database = db
            legacy_table_names = False
            table_name = "household_language"
            indexes = ((("household", "spoken"), True),)

    db.create_tables([Language, HouseholdLanguage])

    now = datetime.datetime.now().replace(microsecond=0)
    have = {code for (code,) in db.execute_sql("SELECT code FROM language").fetchall()}
    for code, name_it, name_en in LANGUAGES:
        if code not in have:
            Language.insert(created_at=now, updated_at=now, code=code, name_it=name_it, name_en=name_en,
                            active=True, version=1).execute()
    known = {}
    for lid, code, name_it, name_en in db.execute_sql("SELECT id, code, name_it, name_en FROM language").fetchall():
        for text in (code, name_it, name_en):
            known.setdefault(fold(text), lid)
    contracts = {}
    for key, it, en in CONTRACT_TYPES:
        for text in (key, it, en):
            contracts.setdefault(fold(text), key)

    rows = db.execute_sql(
        "SELECT id, languages, acceptable_contract_types, notes FROM household "
        "WHERE languages IS NOT NULL OR acceptable_contract_types IS NOT NULL ORDER BY id").fetchall()
    param = "?" if db.__class__.__name__.startswith("Sqlite") else "%s"
    for hid, languages, accepted, notes in rows:
        linked, other = [], []
        for part in split(languages, conjunctions=True):
            lid = known.get(fold(part))
            if lid is None:
                other.append(part)
            elif lid not in linked:
                linked.append(lid)
        for lid in linked:
            db.execute_sql(f"INSERT INTO household_language (household_id, spoken_id) VALUES ({param}, {param})",
                           (hid, lid))
        keys, unread = [], []
        for part in split(accepted, conjunctions=False):
            key = contracts.get(fold(part))
            if key is None:
                unread.append(part)
            elif key not in keys:
                keys.append(key)
        if unread:
            line = f"{MARKER} Tipi di contratto accettati non riconosciuti: {', '.join(unread)}"
            notes = f"{notes}\n{line}" if notes else line
        db.execute_sql(
            f"UPDATE household SET languages = {param}, acceptable_contract_types = {param}, notes = {param} "
            f"WHERE id = {param}", (", ".join(other) or None, ",".join(keys) or None, notes, hid))


def down(migrator, db):
    # The links go back to free text; contract types stay as keys (labels are a display matter).
    rows = db.execute_sql(
        "SELECT hl.household_id, l.name_it FROM household_language hl JOIN language l ON l.id = hl.spoken_id "
        "ORDER BY hl.household_id, hl.id").fetchall()
    spoken = {}
    for hid, name in rows:
        spoken.setdefault(hid, []).append(name.lower())
    param = "?" if db.__class__.__name__.startswith("Sqlite") else "%s"
    for hid, names in spoken.items():
        (other,) = db.execute_sql(f"SELECT languages FROM household WHERE id = {param}", (hid,)).fetchone()
        text = ", ".join(names + ([other] if other else []))
        db.execute_sql(f"UPDATE household SET languages = {param} WHERE id = {param}", (text[:120], hid))
    migrator.migrate(migrator.drop_table("household_language"))
    migrator.migrate(migrator.drop_table("language"))
