"""From the database to the matching's plain values, and back.

The matching (``housing.matching``) never reads the database: this module
builds its ``HouseholdCase`` and ``OfferCase`` records, its rule configuration
from the ``RuleSetting`` rows, and stores the census snapshots.
"""
import datetime
import json
from collections import Counter
from decimal import Decimal

from peewee import JOIN

from housing.accompaniment.assessments import need_indexes
from housing.matches import declined_pairs

from housing.household_status import MATCHING_STATUSES
from models import (
    CensusSnapshot, ContributionFund, District, Dwelling, Household, HouseholdDistrict, HouseholdPreference, Offer,
    Person, RuleSetting, db,
)

# Households the matching considers (it proposes the offers of ``Offer.public()``): one list,
# also used to explain on every candidate page why a household is not there.
CANDIDATE_STATUSES = MATCHING_STATUSES
ELDERLY_AGE = 65


def _age(birth, today):
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


HOUSEHOLD_COLUMNS = (Household.id, Household.min_rooms, Household.needs_step_free, Household.monthly_net_income,
                     Household.acceptable_contract_types, Household.parked_until,
                     Household.ethos_category, Household.intake_on, Household.case_conference_rank,
                     Household.tie_break_key, Household.isee_value, Household.isee_date)


def _split(text):
    return frozenset(part.strip() for part in (text or "").split(",") if part.strip())


def _load_household_cases(query, today):
    """Build the cases from plain tuples (not model instances: 50,000 households in ~1 s less)."""
    from housing.matching.cases import HouseholdCase

    people = Person.select(Person.household, Person.birth_date, Person.has_disability)
    if query is not None:
        people = people.where(Person.household.in_(query.select(Household.id)))
    sizes, vulnerable = Counter(), Counter()
    # recorded vulnerabilities: members with a disability, minors, elderly people
    for household_id, birth, disabled in people.tuples():
        sizes[household_id] += 1
        age = _age(birth, today)
        vulnerable[household_id] += int(bool(disabled)) + int(age < 18) + int(age >= ELDERLY_AGE)
    needs = need_indexes()
    declined = {}
    for household_id, offer_id in declined_pairs():
        declined.setdefault(household_id, set()).add(offer_id)
    query = query if query is not None else Household.select().where(Household.status.in_(CANDIDATE_STATUSES))
    preferred = {}
    for household_id, name in (HouseholdDistrict.select(HouseholdDistrict.household, District.name).join(District)
                               .where(HouseholdDistrict.household.in_(query.select(Household.id))).tuples()):
        preferred.setdefault(household_id, set()).add(name)
    ranking = {}
    for household_id, _, offer_id, name in (
            HouseholdPreference.select(HouseholdPreference.household, HouseholdPreference.preference_rank,
                                       HouseholdPreference.offer, District.name)
            .join(District, JOIN.LEFT_OUTER, on=(HouseholdPreference.district == District.id))
            .where(HouseholdPreference.household.in_(query.select(Household.id)))
            .order_by(HouseholdPreference.household, HouseholdPreference.preference_rank, HouseholdPreference.id)
            .tuples()):
        ranking.setdefault(household_id, []).append(("offer", offer_id) if offer_id is not None else ("district", name))
    return [HouseholdCase(
        id=hid, size=max(1, sizes.get(hid, 1)), min_rooms=min_rooms, needs_step_free=step_free,
        monthly_income=Decimal(income or 0), preferred_districts=frozenset(preferred.get(hid, ())),
        acceptable_contract_types=_split(contracts), parked_until=parked, ethos_category=ethos, intake_on=intake,
        vulnerabilities=vulnerable.get(hid, 0), case_conference_rank=rank, tie_break_key=tie,
        declined_offer_ids=frozenset(declined.get(hid, ())), need_index=needs.get(hid),
        isee_value=None if isee is None else Decimal(isee), isee_date=isee_date,
        preferences=tuple(ranking.get(hid, ())),
    ) for (hid, min_rooms, step_free, income, contracts, parked, ethos, intake, rank, tie, isee, isee_date)
        in query.select(*HOUSEHOLD_COLUMNS).tuples()]


class HouseholdCases(list):
    """The candidate households' cases, with their ``HouseholdTable`` built once
    (``housing.matching.table.as_table`` uses it while the list is unchanged)."""

    table = None


# The candidates' cases of the last call, per database and day, reused while the
# database's fingerprint is unchanged. Every input of ``_load_household_cases``
# must be covered by ``_fingerprint``: add a new source there too.
_cache = {}
SETTLE_SECONDS = 2


def _fingerprint():
    """Aggregates that change when any input of the candidates' cases changes.

    Households: saved through the models (``updated_at``), or their status
    changed by a bulk update (count and sum of ids of the candidates); their
    preferred districts (links, and the registry's names: a rename or a merge); members:
    added, removed, moved, disability or birth date changed; declined matches;
    assessments; the households' rankings (``HouseholdPreference``). One statement of full scans: ~20 ms for 50,000 households
    with 100,000 members on SQLite, far less than building the cases again.
    """
    from peewee import SqliteDatabase

    from housing.workflow import CLOSED_DECLINED
    from models import Assessment, Match

    sqlite = isinstance(db.obj, SqliteDatabase)
    birth = "julianday(birth_date)" if sqlite else "(birth_date - DATE '2000-01-01')"
    flag = "has_disability" if sqlite else "has_disability::int"
    big = "" if sqlite else "::bigint"                      # PostgreSQL: no int4 overflow in the products
    statuses = ", ".join(f"'{s}'" for s in CANDIDATE_STATUSES)
    households, people, matches, assessments, links, districts, ranks = (
        f'"{model._meta.table_name}"' for model in (
            Household, Person, Match, Assessment, HouseholdDistrict, District, HouseholdPreference))
    sql = (
        f"SELECT * FROM (SELECT count(*), sum(id), max(updated_at) FROM {households}"
        f" WHERE status IN ({statuses})) h,"
        f" (SELECT count(*), sum(household_id{big} * (1 + {flag}) + id{big} * {birth}) FROM {people}) p,"
        f" (SELECT count(*), sum(household_id{big} * 7919 + offer_id) FROM {matches}"
        f" WHERE status = '{CLOSED_DECLINED}') m,"
        f" (SELECT count(*), max(updated_at), sum(need_index * id) FROM {assessments}) a,"
        f" (SELECT count(*), sum(household_id{big} * 7919 + district_id) FROM {links}) l,"
        f" (SELECT count(*), max(updated_at), sum(version) FROM {districts}) d,"
        f" (SELECT count(*), sum(household_id{big} * 7919 + preference_rank * 104729"
        f" + coalesce(district_id, 0) * 31 + coalesce(offer_id, 0) * 37 + id) FROM {ranks}) r")
    return tuple(str(value) for value in db.execute_sql(sql).fetchone())


def household_cases(query=None, today=None):
    """The households' cases: the candidates (default) or those of ``query``.

    The candidates' list is cached per process and reused, table included,
    while the database's ``_fingerprint`` and the day are unchanged; each call
    returns a new list (callers may change it; the cached one stays intact).
    """
    today = today or datetime.date.today()
    if query is not None:
        return _load_household_cases(query, today)
    key = (id(db.obj), getattr(db.obj, "database", None), today)
    fingerprint = _fingerprint()
    hit = _cache.get(key)
    if hit is None or hit[0] != fingerprint:
        from housing.matching.table import HouseholdTable

        _cache.clear()
        cases = _load_household_cases(None, today)
        # ``updated_at`` has whole seconds: a save in the same second as the
        # newest one would not move it, so data changed in the last seconds is
        # not cached (each call rebuilds until it has settled)
        cutoff = str(datetime.datetime.now().replace(microsecond=0) - datetime.timedelta(seconds=SETTLE_SECONDS))
        if any(stamp != "None" and stamp >= cutoff for stamp in (fingerprint[2], fingerprint[8], fingerprint[13])):
            return cases
        hit = _cache[key] = (fingerprint, cases, HouseholdTable(cases))
    result = HouseholdCases(hit[1])
    result.table = hit[2]
    return result


def fund_cases():
    """The contribution funds' records, by id (the matching filters them by date itself), each
    with ``committed``: the monthly contributions of the running tenancies charged to it."""
    from housing.matching.funds import FundCase

    committed = commitments()
    return tuple(FundCase(
        id=f.id, name=f.name, monthly_budget=Decimal(f.monthly_budget), household_cap=Decimal(f.household_cap),
        valid_from=f.valid_from, valid_until=f.valid_until, contract_types=_split(f.contract_types),
        ethos_groups=_split(f.ethos_groups),
        isee_ceiling=None if f.isee_ceiling is None else Decimal(f.isee_ceiling),
        committed=committed.get(f.id, Decimal(0)),
    ) for f in ContributionFund.select().order_by(ContributionFund.id))


def commitments(today=None):
    """{fund id: monthly contributions of the tenancies not ended by today charged to it}."""
    from models import FundCharge, Tenancy, fn

    today = today or datetime.date.today()
    rows = (FundCharge.select(FundCharge.fund, fn.SUM(FundCharge.monthly_contribution)).join(Tenancy)
            .where(Tenancy.ended_on.is_null() | (Tenancy.ended_on > today))
            .group_by(FundCharge.fund).tuples())
    return {fund_id: Decimal(total or 0) for fund_id, total in rows}


def offer_cases(query=None):
    """The offers' cases (the public ones by default), each with the funds that may top their rent up."""
    from housing.matching.cases import OfferCase

    funds = fund_cases()
    query = (query or Offer.public(Offer, Dwelling).join(Dwelling)).switch(Dwelling).join(District)
    # plain tuples, not model instances (query must join Dwelling); the district by its registry name
    columns = (Offer.id, Dwelling.rooms, Dwelling.step_free, District.name, Offer.contract_type,
               Offer.monthly_rent, Offer.service_charges)
    return [OfferCase(
        id=offer_id, rooms=rooms, step_free=step_free, district=district, contract_type=contract_type,
        monthly_rent=Decimal(rent), service_charges=Decimal(charges or 0), funds=funds,
    ) for offer_id, rooms, step_free, district, contract_type, rent, charges in query.select(*columns).tuples()]


def household_case(household_id, today=None):
    found = household_cases(Household.select().where(Household.id == household_id), today=today)
    return found[0] if found else None


def offer_case(offer_id):
    found = offer_cases(Offer.select(Offer, Dwelling).join(Dwelling).where(Offer.id == offer_id))
    return found[0] if found else None


def rule_config():
    """The rule configuration in force: the defaults, with the staff's changes."""
    from housing.matching.rules import RuleConfig

    config = RuleConfig.default()
    for row in RuleSetting.select().order_by(RuleSetting.id):
        config = config.with_setting(row.rule, row.enabled, parse_parameter(row.parameter), contract_type=row.contract_type)
    return config


def parse_parameter(text):
    """A stored rule parameter (JSON text) as a value; None for the rule's default."""
    if text in (None, ""):
        return None
    value = json.loads(text)
    return tuple(value) if isinstance(value, list) else value


def check_rule_setting(rule_key, parameter_text):
    """An Italian error message for a bad rule or parameter, or None."""
    from housing.matching.rules import RULES_BY_KEY

    rule = RULES_BY_KEY.get(rule_key)
    if rule is None:
        return f"Regola sconosciuta: {rule_key!r}."
    if parameter_text in (None, ""):
        return None
    if rule.default is None:
        return "Questa regola non ha parametri."
    try:
        rule.normalise(parse_parameter(parameter_text))
    except (ValueError, TypeError) as error:
        return f"Parametro non valido: {error}"
    return None


def store_census(census, today=None):
    """Keep one census per day (the latest run of the day wins)."""
    today = today or datetime.date.today()
    data = json.dumps(census, ensure_ascii=False, sort_keys=True, default=str)
    with db.atomic():
        CensusSnapshot.delete().where(CensusSnapshot.taken_on == today).execute()
        return CensusSnapshot.create(taken_on=today, data=data)
