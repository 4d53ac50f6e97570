"""Districts (quartieri) as a registry, not free text (issue 12).

What was seen: typing "Centro storico" as a home's district made a new public
filter option and new statistics rows, dropped the offer from the map, and a
household preferring "Centro" no longer saw it. Homes now point at a registry
entry; households name entries through links; spellings are one entry; two
entries are merged by moving every reference at once, audited.
"""
import datetime
import json

import pytest

import models as m
from housing import districts, match_data, schema
from housing.matching.rules import RuleConfig, evaluate
from samples import make_district, make_dwelling, make_household, make_landlord
from test_migrations import migrated_until

TODAY = datetime.date(2026, 12, 7)


def published_offer(district, rent=300):
    owner = m.Landlord.select().first() or make_landlord()
    dwelling = make_dwelling(owner, district=district, cadastral_unit=str(m.Dwelling.select().count() + 1))
    return m.Offer.create(dwelling=dwelling, contract_type="concordato_3_2", monthly_rent=rent, status="published",
                          published=True)


def district_verdict(household, offer_id):
    """The district rule's (passed, explanation) for a household and an offer."""
    (case,) = match_data.household_cases(m.Household.select().where(m.Household.id == household.id), today=TODAY)
    (offer_case,) = [o for o in match_data.offer_cases() if o.id == offer_id]
    result = evaluate(case, offer_case, RuleConfig.default(), TODAY)
    return ([(True, text) for key, text in result.passed if key == "district_acceptable"]
                + [(False, text) for key, text in result.failures if key == "district_acceptable"])[0]


def test_a_household_preferring_a_district_sees_its_offers_under_any_spelling(database):
    centro = make_district("Centro")
    offer = published_offer(centro)
    household = make_household(preferred_districts="Centro")
    assert district_verdict(household, offer.id)[0]
    # the registry resolves spellings: the same entry for every variant
    for spelling in ("centro", "CENTRO", "Céntro", "  Centro "):
        assert districts.lookup(spelling) == centro.id
    assert districts.lookup("Centro storico") is None
    assert "forse: Centro" in districts.unknown_message("Centro storic")


def test_renaming_a_district_moves_nothing_and_keeps_every_match(database):
    centro = make_district("Centro")
    offer = published_offer(centro)
    household = make_household(preferred_districts="Centro")
    centro.name = "Centro storico"
    centro.save()
    passed, text = district_verdict(household, offer.id)
    assert passed and "Centro storico" in text
    assert m.Dwelling.get_by_id(offer.dwelling_id).district.name == "Centro storico"


def test_merging_moves_every_reference_in_one_transaction_with_audit_rows(database):
    centro, variant = make_district("Centro"), make_district("Centro Storico", active=False, to_review=True)
    offer = published_offer(variant)
    both = make_household(code="NF-2026-0001", preferred_districts="Centro, Centro Storico")
    only_variant = make_household(code="NF-2026-0002", preferred_districts="Centro Storico")
    assert not district_verdict(make_household(code="NF-2026-0003", preferred_districts="Centro"), offer.id)[0]

    homes, households = districts.merge(variant.id, centro.id)
    assert (homes, households) == (1, 2)
    assert m.District.get_or_none(m.District.id == variant.id) is None
    assert m.Dwelling.get_by_id(offer.dwelling_id).district_id == centro.id
    assert both.preferred_district_list == ["Centro"]  # one link, not two
    assert only_variant.preferred_district_list == ["Centro"]
    assert district_verdict(m.Household.get(m.Household.code == "NF-2026-0003"), offer.id)[0]
    merged = m.AuditLog.get((m.AuditLog.entity == "district") & (m.AuditLog.record_id == str(centro.id)))
    assert json.loads(merged.changes)["merged"] == ["Centro Storico", "Centro"]
    assert m.AuditLog.select().where((m.AuditLog.entity == "district") & (m.AuditLog.action == "delete")).count() == 1
    moved = m.AuditLog.get((m.AuditLog.entity == "dwelling") & (m.AuditLog.record_id == str(offer.dwelling_id)))
    assert json.loads(moved.changes) == {"district": ["Centro Storico", "Centro"]}
    assert m.AuditLog.select().where(m.AuditLog.entity == "household").count() == 2


def test_a_failed_merge_writes_nothing(database):
    centro = make_district("Centro")
    with pytest.raises(districts.RegistryError):
        districts.merge(centro.id, centro.id)
    with pytest.raises(districts.RegistryError):
        districts.merge(centro.id, 999999)
    assert m.District.select().count() == 1 and m.AuditLog.select().count() == 0


def test_merging_refreshes_the_cached_candidates(database):
    centro, variant = make_district("Centro"), make_district("Centro Storico")
    make_household(preferred_districts="Centro Storico")
    before = match_data.household_cases(today=TODAY)
    assert before[0].preferred_districts == frozenset({"Centro Storico"})
    districts.merge(variant.id, centro.id)
    assert match_data.household_cases(today=TODAY)[0].preferred_districts == frozenset({"Centro"})


def test_confirming_an_entry_to_review_activates_it_audited(database):
    entry = m.District.get_by_id(districts.provisional("Borgo Nuovo"))
    assert entry.to_review and not entry.active
    assert districts.provisional("BORGO  nuovo") == entry.id  # one entry per spelling
    confirmed = districts.confirm(entry.id)
    assert confirmed.active and not confirmed.to_review
    assert m.AuditLog.select().where(m.AuditLog.entity == "district").count() == 1


def test_the_seed_fills_an_empty_registry_once_and_never_revives_a_merged_entry(database):
    added = districts.seed_if_empty()
    assert added == len(districts.seed_entries()) and m.District.select().count() == added
    civita, centro = m.District.get(m.District.name == "Civita"), m.District.get(m.District.name == "Centro")
    assert civita.municipality and civita.latitude is not None
    districts.merge(civita.id, centro.id)
    assert districts.seed_if_empty() == 0
    assert m.District.get_or_none(m.District.name == "Civita") is None


# -- the migration of existing free text ---------------------------------------

@pytest.fixture
def before_0009(db_url):
    with migrated_until(db_url, "0008_languages_and_contract_keys") as database:
        yield database


HOMES = [  # the text typed for a home -> the registry entry it ends up in, and whether it waits for review
    ("Centro", "Centro", False), ("centro", "Centro", False), ("CÉNTRO", "Centro", False),
    ("San  Berillo", "San Berillo", False), ("Centro storico", "Centro storico", True),
    ("centro Storico", "Centro storico", True), ("Picanelo", "Picanelo", True), ("Librino", "Librino", False),
]
HOUSEHOLDS = [  # preferred districts typed -> linked entries
    ("Centro, Borgo", ["Borgo", "Centro"]),
    ("centro storico; LIBRINO", ["Centro storico", "Librino"]),
    ("Ognina, ognina", ["Ognina"]),
    ("Quartiere Fantasma", ["Quartiere Fantasma"]),
    (None, []),
]


def test_the_migration_links_free_text_lists_the_rest_and_loses_nothing(before_0009):
    database = before_0009
    now = datetime.datetime.now().replace(microsecond=0)
    stamps = dict(created_at=now, updated_at=now, version=1)
    with database.connection_context():
        sql = database.execute_sql
        param = "?" if database.__class__.__name__.startswith("Sqlite") else "%s"
        sql(f"INSERT INTO landlord (created_at, updated_at, version, kind, name, public_name_consent, "
            f"orientation_sessions) VALUES ({param}, {param}, 1, 'company', 'Etna srl', false, 0)", (now, now))
        sql(f"INSERT INTO territorial_agreement (created_at, updated_at, version, name, city, is_sample) "
            f"VALUES ({param}, {param}, 1, 'Accordo', 'Catania', false)", (now, now))
        sql("INSERT INTO agreement_zone (territorial_agreement_id, code, name, districts, version) "
            "VALUES (1, 'Z3', 'Periferia', 'librino, Monte Po, Zona Nuova', 1)")
        for index, (text, _, _) in enumerate(HOMES):
            sql(f"INSERT INTO dwelling (created_at, updated_at, version, landlord_id, ownership, address, postcode, "
                f"district, area_m2, rooms, bedrooms, bathrooms, floor, has_lift, step_free, condition, furnished, "
                f"status, cadastral_unit) VALUES ({param}, {param}, 1, 1, 'private', {param}, '95100', {param}, 50, 2,"
                f" 1, 1, 0, false, false, 'good', false, 'available', {param})",
                (now, now, f"Via Etnea {index + 1}", text, str(index)))
        for index, (text, _) in enumerate(HOUSEHOLDS):
            sql(f"INSERT INTO household (created_at, updated_at, version, code, min_rooms, needs_step_free, has_pets,"
                f" preferred_districts, needs_mediation, privacy_consent, status, intake_on, tie_break_key) VALUES "
                f"({param}, {param}, 1, {param}, 1, false, false, {param}, false, false, 'waiting', {param}, 0.5)",
                (now, now, f"NF-2025-{index:04d}", text, TODAY))
        assert schema.runner(database).up(target="0009_districts") == ["0009_districts"]
    with database.connection_context(), database.bind_ctx(m.MODELS):
        homes = list(m.Dwelling.select().order_by(m.Dwelling.cadastral_unit))
        assert len(homes) == len(HOMES)
        for home, (text, name, review) in zip(homes, HOMES):
            assert home.district.name == name, text
            assert home.district.to_review == review, text
            assert home.district.active != review, text
        for index, (text, names) in enumerate(HOUSEHOLDS):
            household = (m.Household.select(m.Household.id, m.Household.code)  # not the columns of later migrations
                         .where(m.Household.code == f"NF-2025-{index:04d}").get())
            assert household.preferred_district_list == names, text
        review = {d.name for d in m.District.select().where(m.District.to_review == True)}  # noqa: E712
        assert review == {"Centro storico", "Picanelo", "Quartiere Fantasma", "Zona Nuova"}
        assert {d.name for d, _, _ in districts.to_review()} == review
        seed = {entry["name"] for entry in districts.seed_entries()}
        assert seed <= {d.name for d in m.District.select()}
        zone = m.AgreementZone.get(m.AgreementZone.code == "Z3")
        assert {d.name for d in zone.districts} == {"Librino", "Monte Po", "Zona Nuova"}
        # the entries to review keep their homes until a person maps them
        storico = m.District.get(m.District.name == "Centro storico")
        homes_moved, households_moved = districts.merge(storico.id, m.District.get(m.District.name == "Centro").id)
        assert (homes_moved, households_moved) == (2, 1)


def test_the_migration_of_an_empty_database_leaves_the_seed_to_the_migrate_command(database):
    assert m.District.select().count() == 0  # migrated, empty: nothing invented


def test_a_home_without_a_zone_takes_its_district_s_zone(database):
    agreement = m.TerritorialAgreement.create(name="Accordo", city="Catania")
    periphery = m.AgreementZone.create(territorial_agreement=agreement, code="Z3", name="Periferia")
    centre = m.AgreementZone.create(territorial_agreement=agreement, code="Z1", name="Centro")
    librino, owner = make_district("Librino", zone=periphery), make_landlord()
    assert make_dwelling(owner, district=librino).zone_id == periphery.id
    chosen = make_dwelling(owner, district=librino, zone=centre, cadastral_unit="9")
    assert chosen.zone_id == centre.id  # a zone set on the home wins
    assert make_dwelling(owner, district=make_district("Civita"), cadastral_unit="10").zone_id is None
