"""From the database to the matching's plain values, and back.

The matching (``housing.matching``) never reads the database: this module
builds its ``HouseholdCase`` and ``OfferCase`` records, its rule configuration
from the ``RuleSetting`` rows, and stores the census snapshots.
"""
import datetime
import json
from collections import Counter
from decimal import Decimal

from housing.accompaniment.assessments import need_indexes
from housing.matches import declined_pairs
from peewee import fn

from models import CensusSnapshot, Dwelling, Household, Offer, Person, RuleSetting, db

# Households the matching considers, and the offers it may propose.
CANDIDATE_STATUSES = ("assessed", "waiting", "matched")
OPEN_OFFER = (Offer.published == True) & (Offer.status == "published")  # noqa: E712
ELDERLY_AGE = 65


def _age(birth, today):
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def vulnerabilities(today=None):
    """Household id -> count of recorded vulnerabilities: members with a
    disability, minors, elderly people (the assessment will add to this)."""
    today = today or datetime.date.today()
    counts = Counter()
    for household_id, birth, disabled in Person.select(Person.household, Person.birth_date, Person.has_disability).tuples():
        age = _age(birth, today)
        counts[household_id] += int(bool(disabled)) + int(age < 18) + int(age >= ELDERLY_AGE)
    return counts


def household_cases(query=None, today=None):
    from housing.matching.cases import HouseholdCase

    today = today or datetime.date.today()
    query = query or Household.select().where(Household.status.in_(CANDIDATE_STATUSES))
    sizes = Counter(dict(Person.select(Person.household, fn.COUNT(Person.id)).group_by(Person.household).tuples()))
    vulnerable = vulnerabilities(today)
    needs = need_indexes()
    declined = {}
    for household_id, offer_id in declined_pairs():
        declined.setdefault(household_id, set()).add(offer_id)
    return [HouseholdCase(
        id=h.id, size=max(1, sizes.get(h.id, 1)), min_rooms=h.min_rooms, needs_step_free=h.needs_step_free,
        monthly_income=Decimal(h.monthly_net_income or 0),
        preferred_districts=frozenset(h.preferred_district_list),
        acceptable_contract_types=frozenset(h.acceptable_contract_type_list),
        parked_until=h.parked_until, ethos_category=h.ethos_category, intake_on=h.intake_on,
        vulnerabilities=vulnerable.get(h.id, 0), case_conference_rank=h.case_conference_rank,
        tie_break_key=h.tie_break_key, declined_offer_ids=frozenset(declined.get(h.id, ())),
        need_index=needs.get(h.id),
    ) for h in query]


def offer_cases(query=None):
    from housing.matching.cases import OfferCase

    query = query or Offer.select(Offer, Dwelling).join(Dwelling).where(OPEN_OFFER)
    return [OfferCase(
        id=o.id, rooms=o.dwelling.rooms, step_free=o.dwelling.step_free, district=o.dwelling.district,
        contract_type=o.contract_type, monthly_rent=Decimal(o.monthly_rent), service_charges=Decimal(o.service_charges or 0),
    ) for o in query]


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
