"""The checks of an offer against the territorial agreement (accordo territoriale).

For the controlled-rent contract types (canone concordato: 3+2, transitory,
university students; law 431/1998 art. 2 c. 3 and art. 5) the rent must lie in
the band of the home's zone (fascia di oscillazione), unless an administrator
records why it does not (``Offer.band_justification``), and the duration must
lie in the range the agreement allows for the contract type
(``ContractDuration``). The offer form, the bulk "publish" action and the
publication job run the same ``problems``.

Plain functions over the records, no Flask: the band is the one
``housing.accompaniment.sustainability.concordato_band`` computes with
``housing.rents.concordato_range`` (never a second formula). Each problem is a
message code with its field and its values; the back office words it in the
user's language (``admin.views.offer_band``).
"""
from dataclasses import dataclass, field
from decimal import Decimal

from housing import amounts
from housing import rents
from housing.accompaniment import sustainability
from models import AgreementZone, ContractDuration, Dwelling, Offer, RentBand

# Contract types whose rent the territorial agreement bounds (canone concordato).
CONTROLLED_RENT_TYPES = frozenset({"concordato_3_2", "transitory", "students"})

# The qualifying features the registry records, as counted by
# ``sustainability.dwelling_features`` (kept in step by tests/test_offer_band.py).
FEATURES = (
    ("has_lift", lambda d: bool(d.has_lift)),
    ("good_condition", lambda d: d.condition in sustainability.GOOD_CONDITIONS),
    ("furnished", lambda d: bool(d.furnished)),
    ("second_bathroom", lambda d: (d.bathrooms or 0) >= 2),
)

# The dwelling's columns ``_band`` and ``FEATURES`` read (``held_back`` selects only these).
BAND_COLUMNS = ("area_m2", "has_lift", "condition", "furnished", "bathrooms")

MAX_AMOUNT = Decimal(10) ** 9

# Statuses an offer may be published from, or withdrawn from, by the bulk actions.
PUBLISHABLE_FROM = frozenset({"draft", "published", "withdrawn"})
WITHDRAWABLE_FROM = frozenset({"draft", "published"})


@dataclass(frozen=True)
class Problem:
    """One refusal: ``field`` of the offer, message ``code``, the values it names."""

    field: str
    code: str
    values: dict = field(default_factory=dict)


def is_controlled(contract_type):
    return contract_type in CONTROLLED_RENT_TYPES


def counted_features(dwelling):
    """The names of the qualifying features the home has (see ``FEATURES``)."""
    return [name for name, has in FEATURES if has(dwelling)]


def _amount(value):
    if value is None or value == "":
        return None
    try:
        number = amounts.parse(value)  # "900,00" as typed in the Italian form
        if number is None:
            return None
        # an amount no form holds (money() fields stop at 1,000,000) is no amount: never an error
        return number if number.is_finite() and abs(number) < MAX_AMOUNT else None
    except (ArithmeticError, ValueError):  # decimal's InvalidOperation and Overflow are ArithmeticErrors
        return None


def zone_bands(zone_ids):
    """``{zone id: {"code", "name", "bands": [...]}}`` of the zones that have bands, in one query."""
    zones = {}
    ids = [zone_id for zone_id in set(zone_ids) if zone_id is not None]
    if not ids:
        return zones
    rows = (RentBand.select(RentBand, AgreementZone).join(AgreementZone).where(RentBand.zone.in_(ids))
            .order_by(RentBand.zone, RentBand.min_features, RentBand.id))
    for row in rows:
        zone = zones.setdefault(row.zone_id, {"code": row.zone.code, "name": row.zone.name, "bands": []})
        zone["bands"].append({"label": row.label, "min_features": row.min_features,
                              "min_eur_m2_year": Decimal(row.min_eur_m2_year),
                              "max_eur_m2_year": Decimal(row.max_eur_m2_year)})
    return zones


def zone_durations(zone_ids):
    """``{(zone id, contract type): (min, max)}``: each zone's agreement's durations, in one query."""
    ids = [zone_id for zone_id in set(zone_ids) if zone_id is not None]
    if not ids:
        return {}
    rows = (ContractDuration.select(AgreementZone.id, ContractDuration.contract_type, ContractDuration.min_months,
                                    ContractDuration.max_months)
            .join(AgreementZone, on=(AgreementZone.territorial_agreement == ContractDuration.territorial_agreement))
            .where(AgreementZone.id.in_(ids)).tuples())
    return {(zone_id, kind): (low, high) for zone_id, kind, low, high in rows}


def _band(dwelling, zone, monthly_rent):
    """The band of ``dwelling`` among its ``zone``'s bands (``zone_bands``), by ``rents.concordato_range``."""
    if zone is None:
        return None
    allowed = rents.concordato_range(dwelling.area_m2, zone["bands"], sustainability.dwelling_features(dwelling))
    if allowed is None:
        return None
    picked = next(b for b in zone["bands"] if b["label"] == allowed["band"])
    result = {
        "zone": zone["code"], "zone_name": zone["name"], "area_m2": dwelling.area_m2,
        "features": counted_features(dwelling), "band": allowed["band"],
        "min_month": allowed["min_month"], "max_month": allowed["max_month"],
        "min_m2_year": picked["min_eur_m2_year"], "max_m2_year": picked["max_eur_m2_year"],
        "rent_m2_year": None, "in_band": None,
    }
    rent = _amount(monthly_rent)
    if rent is not None:
        result["rent_m2_year"] = (rent * 12 / Decimal(dwelling.area_m2)).quantize(Decimal("0.01"))
        result["in_band"] = allowed["min_month"] <= rent <= allowed["max_month"]
    return result


def band(dwelling, monthly_rent=None):
    """The zone's band for the home, or None when its zone has no band.

    ``{zone, zone_name, area_m2, features, band, min_month, max_month,
    min_m2_year, max_m2_year, rent_m2_year, in_band}``; the last two only with
    a rent (EUR per m² per year of that rent, and whether it lies in the band).
    """
    if dwelling is None or dwelling.zone_id is None:
        return None
    return _band(dwelling, zone_bands([dwelling.zone_id]).get(dwelling.zone_id), monthly_rent)


def bands_for(offers):
    """``{offer id: band}`` for a page of offers whose dwellings are loaded: one query in all."""
    zones = zone_bands(offer.dwelling.zone_id for offer in offers)
    return {offer.id: _band(offer.dwelling, zones.get(offer.dwelling.zone_id), offer.monthly_rent)
            for offer in offers if is_controlled(offer.contract_type)}


def duration_range(dwelling, contract_type):
    """(min, max) months the agreement of the home's zone allows for the type, or None."""
    if dwelling is None or dwelling.zone_id is None or not contract_type:
        return None
    return zone_durations([dwelling.zone_id]).get((dwelling.zone_id, contract_type))


def _months(value):
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _problems(allowed, limits, contract_type, monthly_rent, min_months, max_months, justification):
    found = []
    if is_controlled(contract_type) and allowed is not None and allowed["in_band"] is False \
            and not (justification or "").strip():
        found.append(Problem("monthly_rent", "rent_out_of_band", {
            "rent": _amount(monthly_rent), "rent_m2_year": allowed["rent_m2_year"],
            "min_month": allowed["min_month"], "max_month": allowed["max_month"],
            "min_m2_year": allowed["min_m2_year"], "max_m2_year": allowed["max_m2_year"],
            "zone": allowed["zone"], "band": allowed["band"]}))
    if limits is not None:
        low, high = limits
        for name, value in (("min_duration_months", min_months), ("max_duration_months", max_months)):
            months = _months(value)
            if months is not None and not low <= months <= high:
                found.append(Problem(name, "duration_out_of_range", {"months": months, "min": low, "max": high}))
    return found


def problems(dwelling, contract_type, monthly_rent, min_months=None, max_months=None, justification=None):
    """Every way the offer's terms break the agreement, as ``Problem``s (none: it complies).

    A rent outside the band is a problem unless ``justification`` (an
    administrator's, the caller decides who may give one) is not blank; a home
    whose zone has no band cannot be checked and is not refused here.
    """
    if dwelling is None:
        return []
    allowed = band(dwelling, monthly_rent) if is_controlled(contract_type) else None
    return _problems(allowed, duration_range(dwelling, contract_type), contract_type, monthly_rent,
                     min_months, max_months, justification)


def held_back():
    """Ids of the offers marked published that the agreement's checks stop: the
    publication job leaves them off the site (an offer saved before the checks,
    a band or a duration changed after it was published). Three queries in all."""
    # only the columns the checks read (``_band``, ``FEATURES``, ``_problems``), as plain rows: building
    # 10,000 offers and dwellings as model instances was most of an incremental publication's export.
    # A row stands for both: the dwelling's columns keep their names, the offer's id is ``offer_id``.
    rows = (Offer.public(Offer.id.alias("offer_id"), Offer.contract_type, Offer.monthly_rent,
                         Offer.min_duration_months, Offer.max_duration_months, Offer.band_justification,
                         Dwelling.zone.alias("zone_id"), *(getattr(Dwelling, name) for name in BAND_COLUMNS))
            .join(Dwelling).where(Dwelling.zone.is_null(False)).namedtuples())
    rows = list(rows)
    zone_ids = {row.zone_id for row in rows}
    zones, durations = zone_bands(zone_ids), zone_durations(zone_ids)
    stopped = set()
    for row in rows:
        allowed = _band(row, zones.get(row.zone_id), row.monthly_rent) if is_controlled(row.contract_type) else None
        if _problems(allowed, durations.get((row.zone_id, row.contract_type)), row.contract_type, row.monthly_rent,
                     row.min_duration_months, row.max_duration_months, row.band_justification):
            stopped.add(row.offer_id)
    return stopped


def offer_problems(offer):
    """``problems`` for a stored offer (before it is published)."""
    dwelling = Dwelling.get_or_none(Dwelling.id == offer.dwelling_id)
    return problems(dwelling, offer.contract_type, offer.monthly_rent, offer.min_duration_months,
                    offer.max_duration_months, offer.band_justification)


def publish_problems(offer):
    """What stops publishing a stored offer: its status, then the agreement's checks."""
    if offer.status not in PUBLISHABLE_FROM:
        return [Problem("status", "not_publishable", {"status": offer.status})]
    return offer_problems(offer)
