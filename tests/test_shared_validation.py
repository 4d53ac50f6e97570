"""One validation shared by the forms and the domain code.

The forms check a record with ``housing.validation``; the domain functions that
write without a form (``accounts.create_user``, ``assessments.record``) must
refuse exactly what those rules refuse. Each test fails when the two disagree
again, whichever side changes.
"""
import datetime
import unicodedata

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import models as m
from housing import accounts, validation
from housing.accompaniment import ValidationFailed, assessments, instruments
from samples import MARIO, make_household



def today():
    """Asked when a test runs, not when the module is collected: a run may cross midnight."""
    return datetime.date.today()
USERNAME_CHARACTERS = st.sampled_from(list("abzAZ09._- @\n\t") + ["é", "\u212a", "\uff41", "\u0130", "\u200f", "\x00"])


def accepted_by_accounts(name):
    try:
        accounts.check_username(name)
    except accounts.AccountError as error:
        assert error.field == "username"
        return False
    return True


def accepted_by_the_form(name):
    return "username" not in validation.validate("user", {"username": name})


@given(st.text(USERNAME_CHARACTERS, max_size=70))
@example("a")
@example("ab")
@example("Anna.Rossi")
@example("-anna")
@example("x" * 64)
@example("x" * 65)
def test_accounts_and_the_account_form_agree_on_usernames(name):
    stored = accounts.normalise_username(name)
    assert accepted_by_accounts(name) == accepted_by_the_form(stored), (name, stored)
    if name == name.strip() and unicodedata.normalize("NFKC", name) == name:
        # typed as it will be stored but for the case: the form sees what the account code sees
        assert accepted_by_the_form(name) == accepted_by_accounts(name), name


# -- assessments ---------------------------------------------------------------

DOMAIN = instruments.items(instruments.read_definition("assessment"))[0]["key"]


def refused_by_the_domain(field, **values):
    person = m.Person.create(household=make_household(), first_name="Mario", last_name="Rossi", tax_code=MARIO,
                             birth_date=datetime.date(1980, 1, 1), sex="M", relation="reference")
    kwargs = {"assessed_on": today(), "reassess_on": None, "notes": {}, "corrects": None, "correction_reason": None}
    kwargs.update(values)
    scores = {item["key"]: 3 for item in instruments.items(instruments.read_definition("assessment"))}
    try:
        with m.db.atomic() as transaction:
            assessments.record(person, kwargs["assessed_on"], scores, kwargs["notes"], True, kwargs["reassess_on"],
                               None, kwargs["corrects"], kwargs["correction_reason"], today=today())
            transaction.rollback()
    except ValidationFailed as failed:
        return field in failed.errors
    finally:
        m.Person.delete().execute()
        m.Household.delete().execute()
    return False


def refused_by_the_forms(table, field, value):
    return field in validation.validate(table, {field: value})


NOTES = ["nota", "x" * 1999, "x" * 2000, "x" * 2001, "x" * 4999, "x" * 5001, "a\x00b", "a\u202eb", "riga\nriga"]
DAYS = [datetime.date(1899, 12, 31), datetime.date(1900, 1, 1), datetime.date(1950, 6, 1),
        datetime.date(1989, 12, 31), datetime.date(1990, 1, 1), -1, 0, 1]  # ints: days from today
LATER = [1, datetime.date(2100, 12, 31), datetime.date(2101, 1, 1)]


def day_of(value):
    return today() + datetime.timedelta(days=value) if isinstance(value, int) else value
REASONS = ["svista", "a\x00b", "a\u202eb", "x" * 6000]


def test_assessments_refuse_exactly_what_the_forms_refuse(database):
    disagreements = []
    for note in NOTES:
        if refused_by_the_domain(f"note_{DOMAIN}", notes={DOMAIN: note}) != refused_by_the_forms("assessment_score", "note", note):
            disagreements.append(("note", len(note), note[:5]))
    for day in map(day_of, DAYS):
        if refused_by_the_domain("assessed_on", assessed_on=day) != refused_by_the_forms("assessment", "assessed_on", day):
            disagreements.append(("assessed_on", day))
    for day in map(day_of, LATER):
        if refused_by_the_domain("reassess_on", reassess_on=day) != refused_by_the_forms("assessment", "reassess_on", day):
            disagreements.append(("reassess_on", day))
    for reason in REASONS:
        corrected = refused_by_the_domain("correction_reason", correction_reason=reason)
        if corrected != refused_by_the_forms("assessment", "correction_reason", reason):
            disagreements.append(("correction_reason", reason[:5]))
    assert disagreements == []


@pytest.mark.parametrize("day, refused", [(datetime.date(1989, 12, 31), True), (datetime.date(1990, 1, 1), False),
                                          (0, False), (1, True)])
def test_the_assessment_date_rule(day, refused):
    assert refused_by_the_forms("assessment", "assessed_on", day_of(day)) is refused


@pytest.mark.parametrize("length, refused", [(2000, False), (2001, True)])
def test_the_assessment_note_rule(length, refused):
    assert refused_by_the_forms("assessment_score", "note", "x" * length) is refused
