"""Only whitelisted fields leave the database."""
import datetime

import pytest

import models as m
from housing.publishing import export, schemas
from samples import make_dwelling, make_landlord

EXPORTED_MODELS = {"offer": m.Offer, "dwelling": m.Dwelling, "landlord": m.Landlord, "partner": m.Partner,
                   "agreement": m.Agreement, "district": m.District}


@pytest.mark.parametrize("table", sorted(EXPORTED_MODELS))
def test_every_field_is_classified_public_or_private(table):
    """A new model field fails here until someone decides whether it may be published."""
    fields = set(EXPORTED_MODELS[table]._meta.fields)
    public, private = export.PUBLIC_FIELDS[table], export.PRIVATE_FIELDS[table]
    assert not public & private, table
    assert public | private == fields, f"unclassified: {fields - public - private}"


def test_export_has_exactly_the_schema_fields(database):
    owner = make_landlord(kind="private_person", name="Giuseppe Verdi", vat_number=None, public_name_consent=True)
    home = make_dwelling(owner, address="Via Etnea 100", district="Borgo")
    m.Offer.create(dwelling=home, contract_type="concordato_3_2", monthly_rent=400, status="published", published=True,
                   available_from=datetime.date(2026, 1, 1), public_description="Luminoso")
    m.Partner.create(name="Caritas", sector="third_sector", listed_publicly=True, contact_person="Maria Neri")
    m.Partner.create(name="Nascosto", sector="other", listed_publicly=False)
    data = export.export_all()
    schemas.validate_all(data)
    offer_keys = set(schemas.load("offers")["items"]["properties"])
    assert [set(o) for o in data["offers"]] == [offer_keys]
    offer = data["offers"][0]
    assert offer["district"] == "Borgo", "the registry's name, not its id"
    assert offer["street"] == "Via Etnea" and "100" not in str(offer)
    assert offer["landlord"] == "Giuseppe Verdi"
    assert [p["name"] for p in data["partners"]] == ["Caritas"]
    assert "Maria Neri" not in str(data)


def test_protected_homes_publish_neither_street_nor_landlord(database):
    owner = make_landlord(kind="private_person", name="Giuseppe Verdi", vat_number=None, public_name_consent=True)
    for unit, kind in enumerate(["transitional", "emergency", "erp", "students"]):
        m.Offer.create(dwelling=make_dwelling(owner, cadastral_unit=str(unit)), contract_type=kind,
                       monthly_rent=200, status="published", published=True)
    offers = {o["contract_type"]: o for o in export.export_all()["offers"]}
    for kind in ("transitional", "emergency", "erp"):
        assert offers[kind]["street"] is None and offers[kind]["landlord"] is None
    assert offers["students"]["street"] == "Via Etnea"


def test_landlord_name_needs_consent_and_drafts_stay_private(database):
    owner = make_landlord(kind="private_person", name="Giuseppe Verdi", vat_number=None, public_name_consent=False)
    m.Offer.create(dwelling=make_dwelling(owner, cadastral_unit="1"), contract_type="concordato_3_2", monthly_rent=1,
                   status="published", published=True)
    m.Offer.create(dwelling=make_dwelling(owner, cadastral_unit="2"), contract_type="concordato_3_2", monthly_rent=2,
                   status="draft", published=False)
    offers = export.export_all()["offers"]
    assert len(offers) == 1 and offers[0]["landlord"] is None


@pytest.mark.parametrize("address,street", [
    ("Via Etnea 100", "Via Etnea"), ("Via Etnea, 100/B", "Via Etnea"), ("Viale Mario Rapisardi 12 int. 3", "Viale Mario Rapisardi"),
    ("Corso Italia", "Corso Italia"), ("Via XX Settembre 5", "Via XX Settembre"), ("Via 4 Novembre 10", "Via"),
])
def test_street_drops_the_house_number(address, street):
    assert export.street(address) == street


def test_statistics_suppress_small_cells():
    counts = {("Centro", "1"): 12, ("Centro", "2"): 3, ("Centro", "3"): 7, ("Borgo", "1"): 2, ("Borgo", "2"): 1}
    table = {row["district"]: row for row in export.suppressed_table(counts, ["Centro", "Borgo"])}
    assert table["Centro"]["2"] is None, "primary suppression"
    assert table["Centro"]["3"] is None and table["Centro"]["1"] == 12, "secondary suppression of the smallest other cell"
    assert table["Borgo"]["1"] is None and table["Borgo"]["2"] is None
    for row in table.values():
        assert all(v is None or v == 0 or v >= 5 for k, v in row.items() if k != "district")
