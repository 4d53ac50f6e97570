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
from decimal import Decimal, InvalidOperation

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
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def band(dwelling, monthly_rent=None):
    """The zone's band for the home, or None when its zone has no band.

    ``{zone, zone_name, area_m2, features, band, min_month, max_month,
    min_m2_year, max_m2_year, rent_m2_year, in_band}``; the last two only with
    a rent (EUR per m² per year of that rent, and whether it lies in the band).
    """
    if dwelling is None or dwelling.zone_id is None:
        return None
    allowed = sustainability.concordato_band(dwelling)
    if allowed is None:
        return None
    zone = AgreementZone.get_by_id(dwelling.zone_id)
    picked = RentBand.get((RentBand.zone == zone.id) & (RentBand.label == allowed["band"]))
    area = Decimal(dwelling.area_m2)
    result = {
        "zone": zone.code, "zone_name": zone.name, "area_m2": dwelling.area_m2,
        "features": counted_features(dwelling), "band": allowed["band"],
        "min_month": allowed["min_month"], "max_month": allowed["max_month"],
        "min_m2_year": Decimal(picked.min_eur_m2_year), "max_m2_year": Decimal(picked.max_eur_m2_year),
        "rent_m2_year": None, "in_band": None,
    }
    rent = _amount(monthly_rent)
    if rent is not None:
        result["rent_m2_year"] = (rent * 12 / area).quantize(Decimal("0.01"))
        result["in_band"] = allowed["min_month"] <= rent <= allowed["max_month"]
    return result


def duration_range(dwelling, contract_type):
    """(min, max) months the agreement of the home's zone allows for the type, or None."""
    if dwelling is None or dwelling.zone_id is None or not contract_type:
        return None
    zone = AgreementZone.get_or_none(AgreementZone.id == dwelling.zone_id)
    if zone is None:
        return None
    row = ContractDuration.get_or_none((ContractDuration.territorial_agreement == zone.territorial_agreement_id)
                                       & (ContractDuration.contract_type == contract_type))
    return (row.min_months, row.max_months) if row is not None else None


def _months(value):
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def problems(dwelling, contract_type, monthly_rent, min_months=None, max_months=None, justification=None):
    """Every way the offer's terms break the agreement, as ``Problem``s (none: it complies).

    A rent outside the band is a problem unless ``justification`` (an
    administrator's, the caller decides who may give one) is not blank; a home
    whose zone has no band cannot be checked and is not refused here.
    """
    found = []
    if dwelling is None:
        return found
    if is_controlled(contract_type):
        allowed = band(dwelling, monthly_rent)
        if allowed is not None and allowed["in_band"] is False and not (justification or "").strip():
            found.append(Problem("monthly_rent", "rent_out_of_band", {
                "rent": _amount(monthly_rent), "rent_m2_year": allowed["rent_m2_year"],
                "min_month": allowed["min_month"], "max_month": allowed["max_month"],
                "min_m2_year": allowed["min_m2_year"], "max_m2_year": allowed["max_m2_year"],
                "zone": allowed["zone"], "band": allowed["band"]}))
    limits = duration_range(dwelling, contract_type)
    if limits is not None:
        low, high = limits
        for name in ("min_duration_months", "max_duration_months"):
            months = _months(min_months if name == "min_duration_months" else max_months)
            if months is not None and not low <= months <= high:
                found.append(Problem(name, "duration_out_of_range", {"months": months, "min": low, "max": high}))
    return found


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


def publishable(offers):
    """The offers of ``offers`` that may go on the public site (the publication
    job's last guard: an offer saved before these checks is held back)."""
    return [offer for offer in offers if not offer_problems(offer)]


def publish_all(offer_ids):
    """(offers, {offer id: problems}) for publishing ``offer_ids`` all at once:
    the offers found, and the problems of those that may not be published.
    The caller changes nothing unless the dict is empty (atomic bulk action)."""
    offers = list(Offer.select().where(Offer.id.in_(offer_ids)).order_by(Offer.id))
    failed = {}
    for offer in offers:
        found = publish_problems(offer)
        if found:
            failed[offer.id] = found
    return offers, failed
