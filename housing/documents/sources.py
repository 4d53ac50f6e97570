"""The data each kind of document prints, gathered from the records as plain JSON values.

One function per kind, ``(record) -> dict``; what it returns is rendered and
stored with the document (``GeneratedDocument.data``), so a document can be
explained later from what it used. The letters to a household carry no health,
income or assessment data. The canone figures are those of ``housing.rents``
through ``housing.offer_checks`` (never a second formula); the funder's report
is ``housing.accompaniment.indicators``.
"""
import datetime
from decimal import Decimal

from housing import offer_checks, rents
from housing import vocabulary as v
from housing.accompaniment import indicators, sustainability
from models import Appointment, Dwelling, Household, Landlord, Offer, Person, PlanAction, PlanGoal

FEATURE_NAMES = {"has_lift": "ascensore", "good_condition": "buono stato o nuovo", "furnished": "arredato",
                 "second_bathroom": "secondo bagno"}


class DocumentError(ValueError):
    """The record lacks what the document must print (the message, in Italian, names it)."""


def plain(value):
    """JSON-safe: Decimal -> str, dates -> ISO text, containers recursively."""
    if isinstance(value, dict):
        return {str(k): plain(item) for k, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return value


def _cents(value):
    return None if value is None else rents.cents(value)


def _home(dwelling):
    return {"address": dwelling.address, "postcode": dwelling.postcode, "district": dwelling.district.name,
            "area_m2": dwelling.area_m2, "rooms": dwelling.rooms, "bedrooms": dwelling.bedrooms,
            "bathrooms": dwelling.bathrooms, "floor": dwelling.floor, "has_lift": dwelling.has_lift,
            "step_free": dwelling.step_free}


def _offer(offer):
    return {"contract_type": v.label(v.CONTRACT_TYPES, offer.contract_type), "monthly_rent": _cents(offer.monthly_rent),
            "service_charges": _cents(offer.service_charges), "deposit": _cents(offer.deposit),
            "available_from": offer.available_from, "min_months": offer.min_duration_months,
            "max_months": offer.max_duration_months}


def _addressee(household):
    """The household's reference person (name only), else its code."""
    person = (Person.select().where((Person.household == household.id) & (Person.relation == "reference"))
              .order_by(Person.id).first())
    return {"code": household.code, "name": f"{person.first_name} {person.last_name}" if person else None}


def proposal_letter(match):
    household = Household.get_by_id(match.household_id)
    offer = Offer.get_by_id(match.offer_id)
    return plain({"match_id": match.id, "household": _addressee(household),
                  "home": _home(Dwelling.get_by_id(offer.dwelling_id)), "offer": _offer(offer),
                  "today": datetime.date.today()})


def viewing_invitation(match):
    data = proposal_letter(match)
    when, place = match.viewing_at, match.viewing_place
    if when is None:  # the viewing may be planned as an appointment of the match instead
        planned = (Appointment.select().where((Appointment.match == match.id) & (Appointment.kind == "viewing")
                                              & (Appointment.status != "cancelled"))
                   .order_by(Appointment.starts_at.desc()).first())
        if planned is not None:
            when, place = planned.starts_at, planned.place
    if when is None:
        raise DocumentError("Manca la data della visita: indicarla nell'abbinamento o in un appuntamento "
                            "di tipo visita.")
    data["viewing"] = plain({"at": when, "place": place or data["home"]["address"]})
    return data


def canone_calculation(offer):
    dwelling = Dwelling.get_by_id(offer.dwelling_id)
    band = offer_checks.band(dwelling, offer.monthly_rent)
    if band is None:
        raise DocumentError("Nessuna fascia per questo alloggio: la sua zona dell'accordo territoriale non ha "
                            "fasce di oscillazione.")
    zone = offer_checks.zone_bands([dwelling.zone_id])[dwelling.zone_id]
    allowed = rents.concordato_range(dwelling.area_m2, zone["bands"], sustainability.dwelling_features(dwelling))
    rent = Decimal(offer.monthly_rent)
    span = band["max_month"] - band["min_month"]
    position = ((rent - band["min_month"]) / span * 100).quantize(Decimal("0.1")) if span else None
    return plain({
        "offer_id": offer.id, "home": _home(dwelling), "offer": _offer(offer),
        "landlord": Landlord.get_by_id(dwelling.landlord_id).name,
        "cadastre": " ".join(f"{k} {x}" for k, x in (("foglio", dwelling.cadastral_sheet),
                                                      ("particella", dwelling.cadastral_parcel),
                                                      ("sub", dwelling.cadastral_unit)) if x),
        "zone": {"code": band["zone"], "name": band["zone_name"]},
        "bands": zone["bands"], "band": band["band"],
        "features": [FEATURE_NAMES[name] for name in band["features"]],
        "features_checked": [FEATURE_NAMES[name] for name, _ in offer_checks.FEATURES],
        "min_m2_year": band["min_m2_year"], "max_m2_year": band["max_m2_year"],
        "min_month": band["min_month"], "max_month": band["max_month"],
        "min_year": allowed["min_year"], "max_year": allowed["max_year"],
        "rent_month": rents.cents(rent), "rent_year": rents.cents(rent * 12), "rent_m2_year": band["rent_m2_year"],
        "in_band": band["in_band"], "position_percent": position,
        "justification": offer.band_justification, "today": datetime.date.today(),
    })


def incentive_decision(incentive):
    landlord = Landlord.get_by_id(incentive.landlord_id)
    dwelling = Dwelling.get_or_none(Dwelling.id == incentive.dwelling_id) if incentive.dwelling_id else None
    return plain({
        "incentive_id": incentive.id,
        "landlord": {"name": landlord.name, "tax_code": landlord.tax_code, "vat_number": landlord.vat_number,
                     "address": landlord.address},
        "home": _home(dwelling) if dwelling else None,
        "kind": v.label(v.INCENTIVE_KINDS, incentive.kind), "kind_key": incentive.kind,
        "amount": _cents(incentive.amount), "months_covered": incentive.months_covered,
        "status": v.label(v.INCENTIVE_STATUSES, incentive.status), "status_key": incentive.status,
        "budget_line": incentive.budget_line, "requested_on": incentive.requested_on,
        "decided_on": incentive.decided_on, "today": datetime.date.today(),
    })


def support_plan(plan):
    household = Household.get_by_id(plan.household_id)
    goals = []
    for goal in PlanGoal.select().where(PlanGoal.plan == plan.id).order_by(PlanGoal.id):
        actions = [{"description": a.description, "target_on": a.target_on,
                    "status": v.label(v.ACTION_STATUSES, a.status),
                    "who": (str(a.responsible_partner) if a.responsible_partner_id
                            else a.responsible_user.username if a.responsible_user_id else "")}
                   for a in PlanAction.select().where(PlanAction.goal == goal.id).order_by(PlanAction.id)]
        goals.append({"domain": goal.domain, "description": goal.description, "target_on": goal.target_on,
                      "status": v.label(v.GOAL_STATUSES, goal.status), "actions": actions})
    members = [f"{p.first_name} {p.last_name}" for p in
               Person.select().where(Person.household == household.id).order_by(Person.id)]
    return plain({"plan_id": plan.id, "household": _addressee(household), "members": members,
                  "started_on": plan.started_on, "review_on": plan.review_on,
                  "status": v.label(v.PLAN_STATUSES, plan.status), "goals": goals, "today": datetime.date.today()})


def indicator_report(_record=None, today=None):
    data = indicators.compute(today)
    sections = []
    for section, name, value in indicators.rows(data, "it"):
        if not sections or sections[-1]["title"] != section:
            sections.append({"title": section, "rows": []})
        sections[-1]["rows"].append({"name": name, "value": "" if value is None else value})
    return plain({"today": data["today"], "sections": sections, "tenancies_open": data["tenancies_open"],
                  "assessed_households": data["assessed_households"]})
