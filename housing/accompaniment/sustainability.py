"""The rent sustainability check of a household for an offer: ONE function.

It is ``housing.rents.sustainability`` (the formula the public calculator and
the matching's ``rent_sustainable`` rule share, with common test vectors)
applied to the records: the incidence of rent and charges on the household's
net income, the programme contribution that brings its share to the threshold
(30% by default, ``content/figures.yaml``), and the canone concordato band of
the dwelling from its zone's bands.

The share the household pays and the contribution funds come from the
matching's own rule (``housing.matching.funds``, through ``funding``): the
offer page, the journey page and the opening of a tenancy read the same
computation as the shortlist, the eligible offers, the census and the batch.
"""
import datetime
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


def rule_share(contract_type):
    """The ``rent_sustainable`` share in force for the contract type (the matching's rule)."""
    from housing import match_data

    setting = match_data.rule_config().setting(contract_type, "rent_sustainable")
    return Decimal(str(setting.parameter if setting.parameter is not None else "0.30"))


def funding(offer, household, today=None, lang="it", fund_id=None):
    """The matching's rent rule on the pair, or None when the income is not recorded.

    {"share", "household_pays", "contribution" (EUR), "fund" (a ``FundCase`` or
    None), "covered", "explanation"}. ``fund_id``: the fund the match was charged
    to (the batch may choose another fund than the first that may pay); used
    when it may still pay the contribution, else the rule's choice stands.
    """
    from housing import match_data
    from housing.matching import funds as fund_rule
    from housing.matching.rules import check_rent, cost_text

    if household is None or household.monthly_net_income is None:
        return None
    today = today or datetime.date.today()
    h, o = match_data.household_case(household.id, today), match_data.offer_case(offer.id)
    share = rule_share(offer.contract_type)
    result = fund_rule.funding(h, o, share, today)
    if fund_id is not None and result.need and (result.fund is None or result.fund.id != fund_id):
        chosen = next((f for f in o.funds if f.id == fund_id), None)
        if chosen is not None and fund_rule.refusal(chosen, h, o, result.need, today) is None:
            result = fund_rule.Funding(result.income, result.share_cents, result.cost, result.need, chosen)
    return {"share": share, "household_pays": Decimal(min(result.cost, result.share_cents)) / 100,
            "contribution": Decimal(result.need) / 100, "fund": result.fund, "covered": result.ok,
            # the rent rule's own words; with the match's fund, the same phrases naming that fund
            "explanation": check_rent(h, o, share, today, lang)[1] if fund_id is None
            else fund_rule.explain(h, result, share, cost_text(o, lang), today, lang)}


def check(offer, household=None, share=None, figures=None, lang="it", today=None):
    """The whole check: {cost, incidence, contribution, ...} for the household
    (None without one), and the dwelling's concordato band with whether the
    rent lies in it."""
    dwelling = Dwelling.get_by_id(offer.dwelling_id)
    band = concordato_band(dwelling)
    result = {
        "band": band,
        "in_band": (band["min_month"] <= Decimal(offer.monthly_rent) <= band["max_month"]) if band else None,
        "sustainability": None,
        "funding": None,
    }
    if household is not None and household.monthly_net_income is not None:
        share = share or rule_share(offer.contract_type)
        result["sustainability"] = rents.sustainability(offer.monthly_rent, offer.service_charges,
                                                        household.monthly_net_income, share)
        result["funding"] = funding(offer, household, today, lang)
    return result
