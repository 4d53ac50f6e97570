"""Behaviour that lives in models.py itself."""
import datetime

import models as m
from samples import MARIO


def test_codes_are_stored_trimmed_and_in_capitals(database):
    household = m.Household.create(code="NF-1")
    person = m.Person.create(household=household, first_name=" Mario ", last_name="Rossi", tax_code=MARIO.lower() + " ",
                             birth_date=datetime.date(1980, 1, 1), sex="M", relation="reference")
    stored = m.Person.get_by_id(person.id)
    assert stored.tax_code == MARIO and stored.first_name == "Mario"


def test_empty_optional_text_becomes_null(database):
    partner = m.Partner.create(name="Rete", sector="other", email="  ")
    assert m.Partner.get_by_id(partner.id).email is None


def test_households_get_distinct_random_tie_break_keys(database):
    keys = {m.Household.create(code=f"NF-{i}").tie_break_key for i in range(20)}
    assert len(keys) == 20 and all(0 <= k < 1 for k in keys)


def test_expiring_agreements(database):
    today = datetime.date(2026, 6, 1)
    soon = m.Agreement.create(title="a", kind="convention", status="active", valid_to=datetime.date(2026, 7, 1))
    m.Agreement.create(title="b", kind="convention", status="active", valid_to=datetime.date(2026, 12, 1))
    m.Agreement.create(title="c", kind="convention", status="draft", valid_to=datetime.date(2026, 7, 1))
    assert [a.id for a in m.Agreement.expiring(60, today)] == [soon.id]


def test_tie_break_keys_keep_double_precision(database):
    # 4-byte floats would make some of 50,000 random keys collide (ties must never fall back to the id)
    key = 0.123456789012345
    household = m.Household.create(code="NF-2026-7777", tie_break_key=key)
    assert m.Household.get_by_id(household.id).tie_break_key == key
