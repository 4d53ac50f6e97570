"""Valid form data for each registry, and the records they depend on.

Shared by the round-trip tests and the bad-input tests: a bad-input case is a
valid sample with one value spoiled.
"""
import datetime

from stdnum.it import codicefiscale

import models as m


def tax_code(stem="RSSMRA80A01C351"):
    return stem + codicefiscale.calc_check_digit(stem)


MARIO = tax_code("RSSMRA80A01C351")  # born 1 Jan 1980
ANNA = tax_code("BNCNNA85M41C351")  # born 1 Aug 1985, female
COMPANY_VAT = "00743110157"


def make_landlord(**overrides):
    data = dict(kind="company", name="Immobiliare Etna srl", vat_number=COMPANY_VAT)
    data.update(overrides)
    return m.Landlord.create(**data)


def make_district(name="Centro", **overrides):
    """The registry's district named ``name``, created (active, confirmed) when missing."""
    found = m.District.get_or_none(m.District.name == name)
    return found or m.District.create(name=name, **overrides)


def district_id(name="Centro"):
    return make_district(name).id


def make_dwelling(landlord=None, **overrides):
    if isinstance(overrides.get("district"), str):
        overrides["district"] = make_district(overrides["district"])
    data = dict(
        landlord=landlord or make_landlord(), ownership="private", address="Via Etnea 100",
        postcode="95124", district=make_district("Centro") if "district" not in overrides else overrides["district"], area_m2=60, rooms=3, bedrooms=2, status="available",
        cadastral_sheet="10", cadastral_parcel="200", cadastral_unit="3",
    )
    data.update(overrides)
    return m.Dwelling.create(**data)


def make_household(**overrides):
    """A household; ``preferred_districts`` (names) become ``HouseholdDistrict`` links."""
    preferred = overrides.pop("preferred_districts", None)
    if isinstance(preferred, str):
        preferred = [part.strip() for part in preferred.split(",") if part.strip()]
    data = dict(code="NF-2026-0001", status="waiting", min_rooms=1)
    data.update(overrides)
    household = m.Household.create(**data)
    for name in preferred or ():
        m.HouseholdDistrict.create(household=household, district=make_district(name))
    return household


def make_territorial_agreement():
    return m.TerritorialAgreement.create(name="Accordo di prova", city="Catania")


def make_zone():
    return m.AgreementZone.create(territorial_agreement=make_territorial_agreement(), code="Z1", name="Centro")


def make_partner(**overrides):
    data = dict(name="Caritas diocesana", sector="third_sector")
    data.update(overrides)
    return m.Partner.create(**data)


def sample(registry):
    """(form data, prerequisite-maker) for a valid new record of ``registry``.

    The prerequisite maker runs inside a database connection and returns a dict
    merged into the form data (foreign-key ids).
    """
    today = datetime.date.today()
    samples = {
        "partner": ({
            "name": "Cooperativa Prossima", "sector": "third_sector", "contact_person": "Referente",
            "email": "info@prossima.example", "phone": "+39 095 123456", "website": "https://prossima.example",
            "services": "Accompagnamento educativo", "listed_publicly": "y",
        }, None),
        "agreement": ({
            "title": "Protocollo con IACP", "kind": "memorandum", "status": "active",
            "signed_on": "2026-01-10", "valid_from": "2026-01-10", "valid_to": "2028-01-09",
            "commitments": "Messa a disposizione di alloggi", "document_reference": "Prot. 123/2026",
        }, None),
        "landlord": ({
            "kind": "private_person", "name": "Mario Rossi", "tax_code": MARIO, "email": "mario@example.it",
            "phone": "3331234567", "orientation_sessions": "2", "last_orientation_on": "2026-03-01",
        }, None),
        "territorial_agreement": ({"name": "Accordo territoriale 2026", "city": "Catania", "signed_on": "2026-02-01"}, None),
        "agreement_zone": ({"code": "Z9", "name": "Periferia"},
                           lambda: {"territorial_agreement": make_territorial_agreement().id}),
        "rent_band": ({"label": "fascia media", "min_features": "2", "min_eur_m2_year": "50", "max_eur_m2_year": "80"},
                      lambda: {"zone": make_zone().id}),
        "contract_duration": ({"contract_type": "transitory", "min_months": "1", "max_months": "18"},
                              lambda: {"territorial_agreement": make_territorial_agreement().id}),
        "dwelling": ({
            "ownership": "private", "address": "Via Garibaldi 12", "postcode": "95121",
            "area_m2": "55", "rooms": "3", "bedrooms": "2", "bathrooms": "1", "floor": "2", "has_lift": "y",
            "condition": "good", "status": "available", "energy_class": "C",
            "cadastral_sheet": "12", "cadastral_parcel": "345", "cadastral_unit": "7",
            "latitude": "37.5", "longitude": "15.08", "vacant_since": "2025-06-01",
        }, lambda: {"landlord": make_landlord().id, "district": district_id("Centro")}),
        "offer": ({
            "contract_type": "concordato_3_2", "monthly_rent": "420.00", "service_charges": "30",
            "deposit": "840", "available_from": today.isoformat(), "min_duration_months": "36",
            "max_duration_months": "60", "status": "published", "published": "y",
            "public_description": "Trilocale luminoso vicino ai servizi.",
        }, lambda: {"dwelling": make_dwelling().id}),
        "household": ({
            "code": "NF-2026-0100", "email": "nucleo@example.it", "phone": "3470000000",
            "ethos_category": "roofless_1", "monthly_net_income": "650", "isee_value": "4000",
            "isee_date": "2026-01-15", "min_rooms": "2",
            "languages": "siciliano", "privacy_consent": "y", "privacy_consent_on": "2026-01-15",
            "status": "waiting", "intake_on": "2026-01-15",
            "members-0-first_name": "Mario", "members-0-last_name": "Rossi", "members-0-tax_code": MARIO,
            "members-0-birth_date": "1980-01-01", "members-0-sex": "M", "members-0-citizenship": "Italia",
            "members-0-relation": "reference", "members-0-employment_status": "unemployed",
        }, lambda: {"preferred_districts": [str(district_id("Centro")), str(district_id("Borgo"))]}),
        "person": ({
            "first_name": "Anna", "last_name": "Bianchi", "tax_code": ANNA, "birth_date": "1985-08-01",
            "sex": "F", "citizenship": "Italia", "relation": "partner", "employment_status": "employed",
        }, lambda: {"household": make_household().id}),
        "erp_assignment": ({
            "act_number": "ERP-2026-001", "act_date": "2026-01-01", "contract_start": "2026-02-01",
            "social_rent": "85.50", "arrears_amount": "0", "occupancy_status": "regular",
            "last_income_check": "2026-01-01",
        }, lambda: {
            "dwelling": make_dwelling(ownership="public", landlord=make_landlord(kind="iacp", name="IACP di Catania", vat_number=None)).id,
            "household": make_household().id,
        }),
        "user": ({
            "username": "operatrice", "full_name": "Operatrice Uno", "email": "op@example.it",
            "role": "operator", "language": "it", "active": "y", "new_password": "una password lunga",
        }, None),
    }
    return samples[registry]


REGISTRIES = [
    "partner", "agreement", "landlord", "territorial_agreement", "agreement_zone", "rent_band",
    "contract_duration", "dwelling", "offer", "household", "person", "erp_assignment", "user",
]

MODEL_OF = {
    "partner": m.Partner, "agreement": m.Agreement, "landlord": m.Landlord,
    "territorial_agreement": m.TerritorialAgreement, "agreement_zone": m.AgreementZone,
    "rent_band": m.RentBand, "contract_duration": m.ContractDuration, "dwelling": m.Dwelling,
    "offer": m.Offer, "household": m.Household, "person": m.Person,
    "erp_assignment": m.ErpAssignment, "user": m.User,
}


def prepared(app, registry):
    """The full valid form data of ``registry``, its prerequisites created."""
    data, maker = sample(registry)
    data = dict(data)
    if maker:
        with app.extensions["database"].connection_context():
            data.update({key: (value if isinstance(value, list) else str(value)) for key, value in maker().items()})
    return data
