"""Export the public records from the database, through a whitelist of fields.

Nothing leaves the database unless it is named here. Every model field that
feeds the public site is classified in ``PUBLIC_FIELDS`` or ``PRIVATE_FIELDS``;
``tests/test_export.py`` fails when a model gains a field that is in neither,
so a new column can never leak by default.
"""
import re
from collections import Counter, defaultdict

from peewee import JOIN

from housing.vocabulary import PROTECTED_CONTRACT_TYPES
from models import (
    Agreement, AgreementPartner, AgreementZone, ContractDuration, District, Dwelling, Household, HouseholdDistrict,
    Landlord, Offer, Partner, RentBand, TerritorialAgreement,
)

SMALL_CELL = 5  # statistics: a cell under 5 is suppressed

PUBLIC_FIELDS = {
    "offer": {"id", "contract_type", "monthly_rent", "service_charges", "available_from",
              "min_duration_months", "max_duration_months", "public_description", "published_on"},
    "dwelling": {"district", "zone", "area_m2", "rooms", "bedrooms", "bathrooms", "floor", "has_lift",
                 "step_free", "energy_class", "furnished", "address"},  # address: street only, see street()
    # district: the registry's name (offers, statistics) and, for public entries, the "districts" data set
    "district": {"name", "municipality", "zone", "latitude", "longitude", "outline"},
    "landlord": {"name"},  # only with public_name_consent, see landlord_name()
    "partner": {"name", "sector", "email", "phone", "address", "website", "services", "services_en"},
    "agreement": {"id", "title", "kind", "status", "signed_on", "valid_from", "valid_to", "commitments",
                  "document_reference", "title_en", "commitments_en"},
}
PRIVATE_FIELDS = {
    "offer": {"dwelling", "deposit", "status", "published", "created_at", "updated_at", "version", "band_justification"},
    "district": {"id", "active", "to_review", "created_at", "updated_at", "version"},
    "dwelling": {"id", "landlord", "ownership", "postcode", "latitude", "longitude", "cadastral_sheet",
                 "cadastral_parcel", "cadastral_unit", "condition", "vacant_since", "status", "notes",
                 "created_at", "updated_at", "version"},
    "landlord": {"id", "kind", "tax_code", "vat_number", "email", "phone", "address", "public_name_consent",
                 "orientation_sessions", "last_orientation_on", "notes", "created_at", "updated_at", "version",
                 "notice_consent", "notice_consent_on"},
    "partner": {"id", "contact_person", "listed_publicly", "notes", "created_at", "updated_at", "version"},
    "agreement": {"published", "created_at", "updated_at", "version"},
}
# Everything from the first number on: the house number and what follows it.
HOUSE_NUMBER = re.compile(r"[\s,]+\d.*$")


def street(address):
    """The street without its number: 'Via Etnea 100' -> 'Via Etnea'.

    Privacy first: 'Via 4 Novembre 10' becomes just 'Via'.
    """
    return HOUSE_NUMBER.sub("", (address or "").strip()).strip(" ,")


def money(value):
    return None if value is None else float(value)


def day(value):
    return value.isoformat() if value else None


def landlord_name(landlord):
    return landlord.name if landlord.public_name_consent else None


def published_offers():
    # Plain tuples of the columns used, not model instances: 10,000 offers are read at every tick.
    query = (Offer.public(Offer.id, Offer.contract_type, Offer.monthly_rent, Offer.service_charges,
                          Offer.available_from, Offer.min_duration_months, Offer.max_duration_months,
                          Offer.public_description, District.name, Dwelling.address, Dwelling.area_m2,
                          Dwelling.rooms, Dwelling.bedrooms, Dwelling.bathrooms, Dwelling.floor, Dwelling.has_lift,
                          Dwelling.step_free, Dwelling.energy_class, Dwelling.furnished, AgreementZone.code,
                          AgreementZone.name, Landlord.name, Landlord.public_name_consent, Offer.published_on)
             .join(Dwelling).join(Landlord)
             .switch(Dwelling).join(District)
             .switch(Dwelling).join(AgreementZone, JOIN.LEFT_OUTER)
             .order_by(Offer.id))
    from housing import offer_checks

    held = offer_checks.held_back()  # marked published, but the territorial agreement's checks stop them
    for (offer_id, contract_type, rent, charges, available_from, min_months, max_months, description, district,
         address, area, rooms, bedrooms, bathrooms, floor, lift, step_free, energy_class, furnished, zone_code,
         zone_name, landlord, consent, published_on) in query.tuples():
        if offer_id in held:
            continue
        protected = contract_type in PROTECTED_CONTRACT_TYPES
        yield {
            "ref": f"O{offer_id:05d}",
            "district": district,
            "zone": zone_code,
            "zone_name": zone_name,
            # Never the street number; for homes of programme tenants not even the street.
            "street": None if protected else street(address),
            "area_m2": area,
            "rooms": rooms,
            "bedrooms": bedrooms,
            "bathrooms": bathrooms,
            "floor": floor,
            "lift": lift,
            "step_free": step_free,
            "energy_class": energy_class,
            "furnished": furnished,
            "contract_type": contract_type,
            "monthly_rent": money(rent),
            "service_charges": money(charges),
            "available_from": day(available_from),
            "min_duration_months": min_months,
            "max_duration_months": max_months,
            "description": description or "",
            "landlord": None if protected or not consent else landlord,
            "published_on": day(published_on),
        }


def listed_partners():
    for partner in Partner.select().where(Partner.listed_publicly == True).order_by(Partner.name):  # noqa: E712
        yield {
            "name": partner.name, "sector": partner.sector, "services": partner.services or "",
            "services_en": partner.services_en or "",
            "website": partner.website, "email": partner.email, "phone": partner.phone,
            "address": partner.address,
        }


def published_agreements():
    agreements = list(Agreement.select().where(Agreement.published == True).order_by(Agreement.signed_on.desc(), Agreement.id))  # noqa: E712
    signatories = defaultdict(list)
    links = (AgreementPartner.select(AgreementPartner, Partner).join(Partner)
             .where(AgreementPartner.agreement.in_([a.id for a in agreements])))
    for link in links:
        if link.partner.listed_publicly:
            signatories[link.agreement_id].append({"name": link.partner.name, "role": link.role or ""})
        else:
            signatories[link.agreement_id].append({"name": None, "role": link.role or ""})
    for agreement in agreements:
        parties = signatories[agreement.id]
        yield {
            "ref": f"A{agreement.id:04d}", "title": agreement.title, "title_en": agreement.title_en or "",
            "kind": agreement.kind,
            "status": agreement.status, "signed_on": day(agreement.signed_on),
            "valid_from": day(agreement.valid_from), "valid_to": day(agreement.valid_to),
            "commitments": agreement.commitments or "", "commitments_en": agreement.commitments_en or "",
            "document_reference": agreement.document_reference,
            "partners": sorted(p["name"] for p in parties if p["name"]),
            "other_partners": sum(1 for p in parties if not p["name"]),
        }


def territorial_agreement():
    """The zones, bands and durations of the most recent territorial agreement; a zone's
    districts are the public registry entries that point at it."""
    agreement = TerritorialAgreement.select().order_by(TerritorialAgreement.valid_from.desc(nulls="last"), TerritorialAgreement.id.desc()).first()
    if agreement is None:
        return {"name": None, "is_sample": False, "zones": [], "durations": []}
    zones = list(AgreementZone.select().where(AgreementZone.territorial_agreement == agreement).order_by(AgreementZone.code))
    districts = defaultdict(list)
    for zone_id, name in (_public(District.select(District.zone, District.name))
                          .where(District.zone.in_([zone.id for zone in zones])).order_by(District.name).tuples()):
        districts[zone_id].append(name)
    exported = []
    for zone in zones:
        bands = RentBand.select().where(RentBand.zone == zone).order_by(RentBand.min_features)
        exported.append({
            # One string, as the guides and the rent calculator print it.
            "code": zone.code, "name": zone.name, "districts": ", ".join(districts[zone.id]),
            "bands": [{"label": b.label, "min_features": b.min_features,
                       "min_eur_m2_year": money(b.min_eur_m2_year), "max_eur_m2_year": money(b.max_eur_m2_year)}
                      for b in bands],
        })
    durations = [{"contract_type": d.contract_type, "min_months": d.min_months, "max_months": d.max_months}
                 for d in ContractDuration.select().where(ContractDuration.territorial_agreement == agreement)
                 .order_by(ContractDuration.contract_type)]
    return {"name": agreement.name, "city": agreement.city, "is_sample": agreement.is_sample,
            "zones": exported, "durations": durations}


def _public(query):
    """Only the registry's confirmed, active entries: an entry to review is free text typed about a
    home or a household that matched no district, not yet editorial data."""
    return query.where((District.active == True) & (District.to_review == False))  # noqa: E712


def outline_points(text):
    """'lat lon; lat lon; ...' as [[lat, lon], ...]; text that does not read so is returned as it is,
    for the schema to refuse with the district's place in the data set."""
    try:
        points = [[float(number) for number in point.replace(",", " ").split()] for point in text.split(";") if point.strip()]
    except ValueError:
        return text
    return points if points and all(len(point) == 2 for point in points) else text


def public_districts():
    """The registry's public entries: name, municipality, zone code and centroid (the map places
    offers there, never at a home), with the outline when one is drawn."""
    query = _public(District.select(District.name, District.municipality, AgreementZone.code, District.latitude,
                                    District.longitude, District.outline)
                    .join(AgreementZone, JOIN.LEFT_OUTER)).order_by(District.name)
    for name, municipality, zone, lat, lon, outline in query.tuples():
        district = {"name": name, "municipality": municipality, "zone": zone, "lat": lat, "lon": lon}
        if outline and outline.strip():
            district["outline"] = outline_points(outline)
        yield district


def size_band(rooms):
    return "1" if rooms <= 1 else "2" if rooms == 2 else "3" if rooms == 3 else "4+"


SIZE_BANDS = ["1", "2", "3", "4+"]


def suppressed_table(counts, rows):
    """A district x size table with every cell under SMALL_CELL replaced by None.

    When a row has exactly one suppressed cell, its smallest other non-zero cell
    is suppressed too, so that the row total cannot reveal it.
    """
    table = []
    for row in rows:
        cells = {size: counts.get((row, size), 0) for size in SIZE_BANDS}
        hidden = {size for size, n in cells.items() if 0 < n < SMALL_CELL}
        if len(hidden) == 1:
            others = sorted((n, size) for size, n in cells.items() if n >= SMALL_CELL)
            if others:
                hidden.add(others[0][1])
        table.append({"district": row, **{size: (None if size in hidden else n) for size, n in cells.items()}})
    return table


# Statistics rows: a household naming no district, and the registry entries still to review.
ANY_DISTRICT = "Qualsiasi"
OTHER_DISTRICTS = "Altri quartieri"


def statistics():
    supply = Counter()
    # Rows are the registry's confirmed names only: an entry to review may be a spelling variant of one.
    for district, to_review, rooms in (Offer.public(District.name, District.to_review, Dwelling.rooms)
                                       .join(Dwelling).join(District).tuples()):
        supply[(OTHER_DISTRICTS if to_review else district, size_band(rooms))] += 1
    waiting = Household.select(Household.id).where(Household.status.in_(["assessed", "waiting"]))
    named = defaultdict(set)
    for household_id, name, to_review in (HouseholdDistrict.select(HouseholdDistrict.household, District.name,
                                                                   District.to_review)
                                          .join(District).where(HouseholdDistrict.household.in_(waiting)).tuples()):
        # An entry to review is free text typed about the household: counted, not named.
        named[household_id].add(OTHER_DISTRICTS if to_review else name)
    # A household naming k districts counts once in each of them (and once in "Qualsiasi" when it
    # names none): a cell is how many waiting households would take a home there, a whole number
    # that a 1/k share would not be, and links have no order that could pick a "first" one. A size
    # column therefore adds up to more than its households: the total counts each household once.
    demand = Counter()
    households = 0
    for household_id, min_rooms in waiting.select(Household.id, Household.min_rooms).tuples():
        households += 1
        for district in named.get(household_id) or (ANY_DISTRICT,):
            demand[(district, size_band(min_rooms))] += 1
    districts = sorted({d for d, _ in supply} | {d for d, _ in demand})
    return {
        "small_cell": SMALL_CELL,
        "size_bands": SIZE_BANDS,
        "supply": suppressed_table(supply, districts),
        "demand": suppressed_table(demand, districts),
        "supply_total": sum(supply.values()),
        "demand_total": _rounded_total(households),
    }


def _rounded_total(n):
    # A total under the threshold would itself be a small cell.
    return None if 0 < n < SMALL_CELL else n


def export_all():
    """Every public data set, as plain data ready for YAML."""
    from housing.publishing import offer_dates

    offer_dates.stamp()  # the "nuove dal ..." date of offers that just became public
    return {
        "offers": list(published_offers()),
        "partners": list(listed_partners()),
        "agreements": list(published_agreements()),
        "territorial_agreement": territorial_agreement(),
        "statistics": statistics(),
        "districts": list(public_districts()),
    }
