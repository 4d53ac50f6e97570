"""The rent sustainability check of a household for an offer: ONE function.

It is ``housing.rents.sustainability`` (the formula the public calculator and
the matching's ``rent_sustainable`` rule share, with common test vectors)
applied to the records: the incidence of rent and charges on the household's
net income, the programme contribution that brings its share to the threshold
(30% by default, ``content/figures.yaml``), and the canone concordato band of
the dwelling from its zone's bands.
"""
from decimal import Decimal

from housing import rents
from models import Dwelling, RentBand

GOOD_CONDITIONS = ("new", "good")


def dwelling_features(dwelling):
    """How many of the agreement's qualifying features the registry records for the home.

    The registry knows lift, condition, furnishing and a second bathroom; the
    other features (heating, parking, outdoor space) are not recorded, so the
    band shown is the one the recorded features alone reach.
    """
    return (int(bool(dwelling.has_lift)) + int(dwelling.condition in GOOD_CONDITIONS)
            + int(bool(dwelling.furnished)) + int((dwelling.bathrooms or 0) >= 2))


def concordato_band(dwelling):
    if dwelling.zone_id is None:
        return None
    bands = [{"label": b.label, "min_features": b.min_features, "min_eur_m2_year": b.min_eur_m2_year,
              "max_eur_m2_year": b.max_eur_m2_year}
             for b in RentBand.select().where(RentBand.zone == dwelling.zone_id).order_by(RentBand.min_features)]
    return rents.concordato_range(dwelling.area_m2, bands, dwelling_features(dwelling)) if bands else None


def threshold(figures=None):
    return rents.figure(figures or rents.load_figures(), "sustainability.threshold")


def check(offer, household=None, share=None, figures=None):
    """The whole check: {cost, incidence, contribution, ...} for the household
    (None without one), and the dwelling's concordato band with whether the
    rent lies in it."""
    dwelling = Dwelling.get_by_id(offer.dwelling_id)
    band = concordato_band(dwelling)
    result = {
        "band": band,
        "in_band": (band["min_month"] <= Decimal(offer.monthly_rent) <= band["max_month"]) if band else None,
        "sustainability": None,
    }
    if household is not None and household.monthly_net_income is not None:
        result["sustainability"] = rents.sustainability(offer.monthly_rent, offer.service_charges,
                                                        household.monthly_net_income, share or threshold(figures))
    return result
