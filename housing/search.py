"""One search over the registries (ricerca unica): households, members, homes,
landlords, offers and partners, as plain data with no web framework.

Each *kind* is a function returning at most ``limit + 1`` hits (the extra one
tells the caller there are more). What a kind matches is chosen for speed on
the benchmark database (100,000 homes, 60,000 households):

- codes and tax codes are looked up by prefix through their unique index (a
  range ``code >= 'X' AND code < 'X\\uffff'``: both engines use the B-tree);
- names, addresses and descriptions by substring (``ILIKE '%x%'`` on
  PostgreSQL, served by the trigram indexes below; ``LIKE`` on SQLite, a scan
  that stops at the first ``limit + 1`` rows).

Which kinds a user may see, and which results, is decided by the caller
(``admin.views.search``): this module only knows the data. ``private`` on a
landlord hit says whether its name belongs to a private person.
"""
import re
from dataclasses import dataclass, field

from peewee import Index, JOIN, ModelIndex

import models as m

MAX_TERM_CHARS = 80
MIN_SUBSTRING_CHARS = 2   # one letter would match most of a registry: prefixes only
CODE_CHARS = re.compile(r"^[A-Za-z0-9-]+$")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
KINDS = ("household", "person", "dwelling", "landlord", "offer", "partner")


@dataclass
class Hit:
    kind: str
    id: int
    label: str
    detail: str = ""
    household_id: int = None   # a member's household: where the member is shown
    private: bool = False      # a landlord who is a private person (a personal name)
    extra: dict = field(default_factory=dict)


def clean(raw):
    """The term as searched: control characters dropped, spaces collapsed, at most ``MAX_TERM_CHARS``."""
    text = CONTROL.sub(" ", str(raw or ""))
    return " ".join(text.split())[:MAX_TERM_CHARS].strip()


def _prefix(field_, value):
    """``field`` starts with ``value`` (exact case), through the field's B-tree index on both engines."""
    return (field_ >= value) & (field_ < value + "\uffff")


def _contains(field_, term):
    """Case-insensitive substring, LIKE wildcards in ``term`` escaped (peewee's ``contains``)."""
    return field_.contains(term)


def _code_like(term):
    return bool(CODE_CHARS.match(term)) and len(term) >= 3


# Terms shaped like a code are looked up as codes only: no substring scan of names and addresses.
CODE_SHAPES = (
    re.compile(r"^NF-?\d", re.I),                       # a household code: NF-2024-0001
    re.compile(r"^[A-Z]{6}\d{2}", re.I),                 # a tax code (codice fiscale), at least its first 8 characters
    re.compile(r"^\d{4,}$"),                              # a VAT number (partita IVA)
)


def is_code(term):
    return any(shape.match(term) for shape in CODE_SHAPES)


def _word_prefix(field_, word):
    """``field`` starts with ``word``, case-insensitively, through an index: on
    PostgreSQL ``ILIKE 'word%'`` (the trigram index); on SQLite, whose LIKE
    cannot use a case-sensitive index, the usual spellings as index ranges."""
    from housing.database import is_postgres

    if is_postgres(m.db):
        return field_.startswith(word)
    condition = None
    for spelling in dict.fromkeys((word, word.capitalize(), word.title(), word.upper(), word.lower())):
        part = _prefix(field_, spelling)
        condition = part if condition is None else condition | part
    return condition


def households(term, limit, visible=None):
    """Households by code (prefix); ``visible``: a condition the reader's role adds
    (``housing.restriction``: restricted households only for their case worker)."""
    if not _code_like(term):
        return []
    condition = _prefix(m.Household.code, term.upper())
    query = (m.Household.select(m.Household.id, m.Household.code, m.Household.status)
             .where(condition if visible is None else condition & visible).order_by(m.Household.code).limit(limit + 1))
    return [Hit("household", h.id, h.code, extra={"status": h.status}) for h in query]


def people(term, limit, visible=None):
    """Members by tax code (prefix), or by name: each word starts the first or the last name."""
    fields = (m.Person.id, m.Person.first_name, m.Person.last_name, m.Person.tax_code, m.Person.household)
    if is_code(term):
        if not _code_like(term) or " " in term:
            return []
        condition = _prefix(m.Person.tax_code, term.upper())
        query = (m.Person.select(*fields).where(condition if visible is None else condition & visible)
                 .order_by(m.Person.tax_code).limit(limit + 1))
    else:
        words = [w for w in term.split() if len(w) >= MIN_SUBSTRING_CHARS][:4]
        if not words:
            return []
        condition = None
        for word in words:
            part = _word_prefix(m.Person.last_name, word) | _word_prefix(m.Person.first_name, word)
            condition = part if condition is None else condition & part
        query = m.Person.select(*fields).where(condition if visible is None else condition & visible).limit(limit + 1)
    return [Hit("person", p.id, f"{p.last_name} {p.first_name}", p.tax_code, household_id=p.household_id)
            for p in query]


HOMES_SCANNED = 200  # homes matched by address once per search, shared by the dwellings and the offers


def matching_homes(term, n=HOMES_SCANNED):
    """Ids of at most ``n`` dwellings whose address contains ``term`` (one scan on SQLite, trigrams on PostgreSQL)."""
    if len(term) < MIN_SUBSTRING_CHARS or is_code(term):
        return []
    return [i for i, in m.Dwelling.select(m.Dwelling.id).where(_contains(m.Dwelling.address, term)).limit(n).tuples()]


def dwellings(term, limit, homes=None):
    if len(term) < MIN_SUBSTRING_CHARS or is_code(term):
        return []
    homes = matching_homes(term, limit + 1) if homes is None else homes
    if not homes:
        return []
    query = (m.Dwelling.select(m.Dwelling.id, m.Dwelling.address, m.Dwelling.postcode, m.District.name)
             .join(m.District).where(m.Dwelling.id.in_(homes[:limit + 1])).order_by(m.Dwelling.id))
    return [Hit("dwelling", d.id, d.address, f"{d.postcode} {d.district.name}") for d in query]


def landlords(term, limit, public_only=False):
    """Landlords by name, or by tax code or VAT number (prefix). ``public_only``: only
    those whose name is public (not a private person, and consenting), by name only."""
    if len(term) < MIN_SUBSTRING_CHARS:
        return []
    if is_code(term):
        if public_only or not _code_like(term) or " " in term:
            return []
        condition = _prefix(m.Landlord.tax_code, term.upper()) | _prefix(m.Landlord.vat_number, term)
    else:
        condition = _contains(m.Landlord.name, term)
    if public_only:
        condition = condition & (m.Landlord.kind != "private_person") & (m.Landlord.public_name_consent == True)  # noqa: E712
    query = (m.Landlord.select(m.Landlord.id, m.Landlord.name, m.Landlord.kind, m.Landlord.public_name_consent)
             .where(condition).limit(limit + 1))
    return [Hit("landlord", ll.id, ll.name, ll.kind, private=ll.kind == "private_person",
                extra={"consent": ll.public_name_consent}) for ll in query]


def offers(term, limit, homes=None):
    """Offers by their home's address, their home's district or their public description.

    Three queries, each served by an index (the address's and the description's
    trigrams, the dwellings' district index), rather than one OR across the
    joined tables, which PostgreSQL can only answer by reading every offer."""
    if len(term) < MIN_SUBSTRING_CHARS or is_code(term):
        return []
    base = (m.Offer.select(m.Offer.id, m.Offer.status, m.Offer.monthly_rent, m.Dwelling.address, m.District.name)
            .join(m.Dwelling).join(m.District))
    districts = [d for d, in m.District.select(m.District.id).where(_contains(m.District.name, term)).tuples()]
    homes = matching_homes(term) if homes is None else homes
    conditions = [m.Offer.dwelling.in_(homes or [-1]), _contains(m.Offer.public_description, term)]
    if districts:
        conditions.insert(1, m.Dwelling.district.in_(districts))
    found = {}
    for condition in conditions:
        for o in base.where(condition).limit(limit + 1):
            found.setdefault(o.id, o)
        if len(found) > limit:
            break
    rows = sorted(found.values(), key=lambda o: -o.id)[:limit + 1]
    return [Hit("offer", o.id, f"{o.dwelling.address} ({o.dwelling.district.name})", o.status,
                extra={"rent": o.monthly_rent}) for o in rows]


def partners(term, limit):
    if len(term) < MIN_SUBSTRING_CHARS or is_code(term):
        return []
    query = (m.Partner.select(m.Partner.id, m.Partner.name, m.Partner.sector)
             .where(_contains(m.Partner.name, term) | _contains(m.Partner.services, term))
             .order_by(m.Partner.name).limit(limit + 1))
    return [Hit("partner", p.id, p.name, p.sector) for p in query]


FINDERS = {"household": households, "person": people, "dwelling": dwellings, "landlord": landlords,
           "offer": offers, "partner": partners}


def search(term, kinds=KINDS, limit=10, options=None):
    """{kind: [Hit, ...]} for the kinds asked, each with at most ``limit + 1`` hits;
    ``options``: {kind: keyword arguments of its finder} (``{"landlord": {"public_only": True}}``)."""
    term = clean(term)
    options = options or {}
    if not term:
        return {kind: [] for kind in kinds}
    options = {kind: dict(options.get(kind, {})) for kind in kinds}
    if "dwelling" in kinds or "offer" in kinds:
        homes = matching_homes(term)  # one scan of the addresses for both kinds
        for kind in ("dwelling", "offer"):
            if kind in kinds:
                options[kind]["homes"] = homes
    return {kind: FINDERS[kind](term, limit, **options[kind]) for kind in kinds}


def naive_search(term, limit=10):
    """The baseline of ``bench/search.py``: one ``LIKE '%x%'`` per column, no index used, no prefix."""
    term = clean(term)
    found = {}
    for kind, model, columns in (
        ("household", m.Household, (m.Household.code,)),
        ("person", m.Person, (m.Person.tax_code, m.Person.first_name, m.Person.last_name)),
        ("dwelling", m.Dwelling, (m.Dwelling.address,)),
        ("landlord", m.Landlord, (m.Landlord.name, m.Landlord.tax_code)),
        ("offer", m.Offer, (m.Offer.public_description,)),
        ("partner", m.Partner, (m.Partner.name,)),
    ):
        condition = None
        for column in columns:
            part = m.fn.LOWER(column).contains(term.lower())
            condition = part if condition is None else condition | part
        found[kind] = list(model.select(model.id).where(condition).limit(limit + 1).tuples())
    return found


# -- indexes -----------------------------------------------------------------------

# (index name, table, columns): trigram (GIN) indexes on PostgreSQL, where a
# substring search would otherwise read the whole table.
TRIGRAM_INDEXES = (
    ("dwelling_address_trgm", m.Dwelling, ("address",)),
    ("person_names_trgm", m.Person, ("first_name", "last_name")),
    ("offer_public_description_trgm", m.Offer, ("public_description",)),
    # with ``kind``: on SQLite a plain index on ``name`` alone would repeat ``landlord_name``
    ("landlord_name_kind_trgm", m.Landlord, ("name", "kind")),
)


def index_sql(name, model, columns, postgres):
    """The statement creating one search index: GIN trigram on PostgreSQL; on SQLite
    (where LIKE cannot use it) a plain index of the same name and columns, so
    that both engines' schemas list the same indexes."""
    table = model._meta.table_name
    if postgres:
        cols = ", ".join(f'"{c}" gin_trgm_ops' for c in columns)
        return (f"CREATE EXTENSION IF NOT EXISTS pg_trgm; "
                f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin ({cols})')
    return f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ({", ".join(chr(34) + c + chr(34) for c in columns)})'


def create_indexes(database):
    """Create the search indexes (migration 0012; fresh databases get them from the models)."""
    from housing.database import is_postgres

    postgres = is_postgres(database)
    for name, model, columns in TRIGRAM_INDEXES:
        for statement in index_sql(name, model, columns, postgres).split("; "):
            database.execute_sql(statement)


def drop_indexes(database):
    for name, _, _ in TRIGRAM_INDEXES:
        database.execute_sql(f'DROP INDEX IF EXISTS "{name}"')


class SearchIndex(ModelIndex):
    """A search index declared on a model, so that ``create_tables`` (a fresh
    database) makes exactly what migration 0012 makes on a migrated one; schema
    comparisons see a plain index on the same columns."""

    def __init__(self, name, model, columns):
        super().__init__(model, [getattr(model, c) for c in columns], name=name)
        self.columns = columns

    def __sql__(self, ctx):
        postgres = ctx.state.param == "%s"  # psycopg2's placeholder: the one engine with trigrams here
        return ctx.literal(index_sql(self._name, self._model, self.columns, postgres))


def declare_indexes():
    """Add the search indexes to the models' declarations (once)."""
    for name, model, columns in TRIGRAM_INDEXES:
        if not any(isinstance(i, Index) and getattr(i, "_name", None) == name for i in model._meta.indexes):
            model._meta.indexes.append(SearchIndex(name, model, columns))


declare_indexes()
