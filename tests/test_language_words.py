"""Free-text language words resolved by a person: mapped to a registry language
or created, for every household that wrote them, audited (issue 12)."""
import json

import pytest

import models as m
from housing import language_words, languages
from samples import make_household


def spoken(household_id):
    return sorted(code for (code,) in m.Language.select(m.Language.code).join(m.HouseholdLanguage)
                  .where(m.HouseholdLanguage.household == household_id).tuples())


def test_words_are_listed_once_with_their_households(database):
    make_household(code="NF-2026-0001", languages="mandinka, arabbo")
    make_household(code="NF-2026-0002", languages="Mandinka")
    make_household(code="NF-2026-0003", languages=None)
    assert language_words.words() == [("mandinka", 2), ("arabbo", 1)]


def test_mapping_a_misspelling_links_every_household_and_keeps_the_other_words(database):
    languages.sync()
    first = make_household(code="NF-2026-0001", languages="arabbo, mandinka")
    second = make_household(code="NF-2026-0002", languages="ARABBO")
    arabic = m.Language.get(m.Language.code == "ar")
    m.HouseholdLanguage.create(household=second, spoken=arabic)  # already linked: not twice
    assert language_words.map_word("Arabbo", arabic.id) == 2
    assert spoken(first.id) == ["ar"] and spoken(second.id) == ["ar"]
    assert m.Household.get_by_id(first.id).languages == "mandinka"
    assert m.Household.get_by_id(second.id).languages is None
    rows = m.AuditLog.select().where(m.AuditLog.entity == "household")
    assert {json.loads(r.changes)["languages"][0] for r in rows} == {"arabbo, mandinka", "ARABBO"}
    assert m.AuditLog.select().where(m.AuditLog.entity == "household_language").count() == 1
    assert language_words.words() == [("mandinka", 1)]


def test_creating_a_language_maps_the_word(database):
    household = make_household(languages="mandinka")
    language, changed = language_words.create_and_map("mandinka", "MNK", "Mandinka", "Mandinka")
    assert changed == 1 and language.code == "mnk" and spoken(household.id) == ["mnk"]
    assert m.Household.get_by_id(household.id).languages is None


@pytest.mark.parametrize("code, name_it, name_en, field", [
    ("m", "Mandinka", "Mandinka", "code"), ("mn1", "Mandinka", "Mandinka", "code"), ("", "Mandinka", "x", "code"),
    ("mnk", " ", "Mandinka", "name_it"), ("mnk", "Mandinka", None, "name_en"), ("ar", "Arabo", "Arabic", "code"),
])
def test_bad_creations_name_the_field_and_write_nothing(database, code, name_it, name_en, field):
    languages.sync()
    household = make_household(languages="mandinka")
    before = m.Language.select().count()
    with pytest.raises(language_words.WordError) as error:
        language_words.create_and_map("mandinka", code, name_it, name_en)
    assert error.value.field == field
    assert m.Language.select().count() == before and spoken(household.id) == []
    assert m.Household.get_by_id(household.id).languages == "mandinka" and m.AuditLog.select().count() == 0


def test_mapping_to_a_missing_language_writes_nothing(database):
    household = make_household(languages="mandinka")
    with pytest.raises(language_words.WordError):
        language_words.map_word("mandinka", 999999)
    assert m.Household.get_by_id(household.id).languages == "mandinka" and m.AuditLog.select().count() == 0
