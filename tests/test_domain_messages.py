"""The domain modules' messages in the reader's language (issue 13).

``housing/`` builds its messages to staff in Italian (``housing.messages._``,
Italian msgids); the English comes from the babel catalogue
``housing/translations/en/LC_MESSAGES/housing.po``, picked by the language the
back office sets for each request (``housing.display.language``). Italian
stays the default: the command line, jobs and direct calls are unchanged.
"""
import datetime
import pathlib
import re

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from conftest import csrf_token, form_post

ROOT = pathlib.Path(__file__).resolve().parents[1]
CATALOGUE = ROOT / "housing" / "translations" / "en" / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"%\(\w+\)[a-z]")
TODAY = datetime.date.today()


@pytest.fixture(autouse=True)
def programme_language_afterwards():
    """The back office sets the reader's language in a ``before_request`` hook and
    leaves it set: an English request would leak into the next tests' direct calls."""
    yield
    from housing import display

    display.language.set("it")


def extracted():
    """{msgid: file} of every message marked in housing/ (as ``make translations`` extracts them)."""
    found = {}
    for filename, _, message, _, _ in extract_from_dir(str(ROOT / "housing"), [("**.py", "python")],
                                                      keywords={"_": None, "N_": None}):
        found[message] = filename
    return found


def catalogue():
    with open(CATALOGUE / "housing.po", "rb") as po:
        return read_po(po)


def test_every_domain_message_has_an_english_translation_with_its_placeholders():
    po, found = catalogue(), extracted()
    assert len(found) > 100  # the validation rules, the workflow, the imports, the accounts...
    missing, mismatched = [], []
    for msgid, filename in sorted(found.items()):
        message = po.get(msgid)
        if message is None or not message.string:
            missing.append(f"{filename}: {msgid!r}")
        elif sorted(PLACEHOLDER.findall(message.string)) != sorted(PLACEHOLDER.findall(msgid)):
            mismatched.append(f"{filename}: {msgid!r} -> {message.string!r}")
    assert not missing, "messages without English (run `make translations`, then translate):\n" + "\n".join(missing)
    assert not mismatched, "translations that change the placeholders:\n" + "\n".join(mismatched)


def test_the_compiled_catalogue_matches_the_po_file():
    with open(CATALOGUE / "housing.mo", "rb") as mo_file:
        mo = read_mo(mo_file)
    expected = {m.id: m.string for m in catalogue() if m.id}
    compiled = {m.id: m.string for m in mo if m.id}
    assert compiled == expected, "housing.mo is stale: pybabel compile -d housing/translations -D housing -l en"


def reading(language, call, *args):
    from housing import display

    token = display.language.set(language)
    try:
        return call(*args)
    finally:
        display.language.reset(token)


def test_domain_functions_speak_the_readers_language_italian_by_default():
    from housing import validation
    from housing.accompaniment import stays, transitions
    from housing.messages import translated

    stay = {"entry_on": TODAY, "exit_destination": "family"}
    assert stays.check(stay) == {"exit_on": ["Indicare la data di uscita (o togliere la destinazione)."]}
    assert reading("en", stays.check, stay) == {"exit_on": ["Enter the exit date (or remove the destination)."]}
    assert reading("it", stays.check, stay) == stays.check(stay)

    percent = validation.FIELD_RULES["disability_percent"][0]  # a rule made at import time: translated when it runs
    assert percent("120") == "Deve essere compreso tra 0 e 100%."
    assert reading("en", percent, "120") == "Must be between 0 and 100%."
    assert reading("en", validation.validate, "offer", {"min_duration_months": 12, "max_duration_months": 6}) == {
        "max_duration_months": ["The maximum duration is shorter than the minimum."]}
    assert reading("en", transitions.error, "incentive", "paid", "requested") == \
        'Cannot go from "paid" to "requested". Allowed statuses: none (final status).'
    assert translated("Un messaggio senza traduzione.", "en") == "Un messaggio senza traduzione."


def test_account_errors_carry_both_languages():
    from housing import accounts

    for language in ("it", "en"):
        try:
            reading(language, accounts.check_username, "a b")
        except accounts.AccountError as error:
            assert error.it.startswith("Nome utente non valido") and error.en.startswith("Invalid username")
            assert str(error) == (error.en if language == "en" else error.it)
        else:
            raise AssertionError("a username with a space was accepted")


def test_a_domain_error_reaches_the_english_form_in_english(app, login):
    """A stay's missing exit date is refused by ``housing.accompaniment.stays``: in English in the English UI."""
    client = login("operator")
    with app.extensions["database"].connection_context():
        import models as m
        from samples import make_household

        household = make_household()
        place = m.Place.create(name="Posto unico", kind="emergency", capacity=1, facility="Via Plebiscito 1")
    data = {"household": household.id, "place": place.id, "entry_on": TODAY.isoformat(), "exit_destination": "family"}
    assert "togliere la destinazione" in form_post(client, "/admin/stay/new/", data).get_data(as_text=True)
    client.post("/auth/language/en", data={"csrf_token": csrf_token(client, "/admin/"), "next": "/admin/"})
    page = form_post(client, "/admin/stay/new/", data).get_data(as_text=True)
    assert "Enter the exit date (or remove the destination)." in page
    assert "togliere la destinazione" not in page
    with app.extensions["database"].connection_context():
        assert m.Stay.select().count() == 0
