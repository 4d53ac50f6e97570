"""The candidates' cases are cached per process and rebuilt whenever an input changes."""
import datetime

import models as m
from housing import demo, match_data
from housing.matching.table import as_table


def fresh(today):
    return match_data._load_household_cases(None, today)


def test_cache_follows_every_input(database):
    demo.seed(scale=0.3)
    m.Household.update(status="waiting").where(m.Household.status.in_(["matched", "intake"])).execute()
    today = datetime.date.today()
    for model in (m.Household, m.Assessment, m.District):  # data saved in the last seconds is not cached
        model.update(updated_at=datetime.datetime(2020, 1, 1)).execute()
    first = match_data.household_cases(today=today)
    assert first == fresh(today) and first and first.table is not None
    again = match_data.household_cases(today=today)
    assert again is not first and again.table is first.table, "the table is reused while nothing changed"
    assert as_table(again) is again.table

    # callers may change their list: the cache and the table stay right
    again.reverse()
    assert as_table(again) is not first.table
    assert match_data.household_cases(today=today) == first

    # a member's disability, through the model (Person has no updated_at)
    person = m.Person.select().where(m.Person.household == first[0].id).first()
    person.has_disability = not person.has_disability
    person.save()
    assert match_data.household_cases(today=today) == fresh(today) != first

    # a bulk status change that bypasses save()
    household = m.Household.get_by_id(first[-1].id)
    m.Household.update(status="housed").where(m.Household.id == household.id).execute()
    assert household.id not in {c.id for c in match_data.household_cases(today=today)}

    # a household edited through the model, twice in the same second
    other = m.Household.get_by_id(first[1].id)
    other.min_rooms += 1
    other.save()
    recent = match_data.household_cases(today=today)
    # saved in the last seconds: not cached, as a save in the same second would not move max(updated_at)
    assert recent == fresh(today) and getattr(recent, "table", None) is None
    other.min_rooms += 1
    other.save()
    assert match_data.household_cases(today=today) == fresh(today)

    # a household's preferred districts: a link added, then its district renamed
    district = m.District.select().order_by(m.District.name).first()
    m.HouseholdDistrict.delete().where(m.HouseholdDistrict.household == other.id).execute()
    m.HouseholdDistrict.create(household=other.id, district=district)
    assert match_data.household_cases(today=today) == fresh(today)
    m.District.update(name="Rinominato", version=m.District.version + 1).where(m.District.id == district.id).execute()
    renamed = match_data.household_cases(today=today)
    assert renamed == fresh(today) and "Rinominato" in next(c for c in renamed if c.id == other.id).preferred_districts

    # another day: ages and parking depend on it
    tomorrow = today + datetime.timedelta(days=1)
    assert match_data.household_cases(today=tomorrow) == fresh(tomorrow)


def test_single_household_query_is_not_cached(database):
    demo.seed(scale=0.3)
    household = m.Household.select().first()
    case = match_data.household_case(household.id)
    assert case is not None and case.id == household.id
    assert case.size == max(1, m.Person.select().where(m.Person.household == household.id).count())
