"""Tenancies after move-in: opening one from a match, outcomes, retention.

The outcome at a milestone (6, 12, 24 months) is the one recorded by staff
when there is one; otherwise it follows from the tenancy's end: not ended by
the milestone = still housed; ended earlier = moved on positively if that was
the reason, lost the home otherwise. Retention counts still housed and moved
on positively among the tenancies old enough to have reached the milestone.
"""
import calendar
import datetime
import json
from decimal import Decimal

from housing import audit
from housing.accompaniment import sustainability
from models import Dwelling, FundCharge, Household, MatchEvent, Offer, Tenancy, TenancyOutcome

MILESTONES = (6, 12, 24)
RETAINED = ("still_housed", "moved_on")


def add_months(day, months):
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def open_from_match(match, user, today=None):
    """The tenancy of a match that ended in a signed contract (once per match).

    Starts on the day the contract was signed (its workflow event), else today.
    The contribution is the matching's (``sustainability.funding``, the rule of
    ``housing.matching.funds``): what the household cannot pay of rent and
    charges at its share of income; it is charged (``FundCharge``) to the fund
    the match used (stored in its snapshot when proposed, by the batch or by
    hand), else to the first fund that may pay it. No fund may pay: the
    contribution is recorded without a fund, for staff to settle.
    """
    existing = Tenancy.get_or_none(Tenancy.match == match.id)
    if existing:
        return existing
    offer = Offer.get_by_id(match.offer_id)
    household = Household.get_by_id(match.household_id)
    signed = (MatchEvent.select().where((MatchEvent.match == match.id) & (MatchEvent.to_step == "contract_signed"))
              .order_by(MatchEvent.at.desc()).first())
    # an unknown income leaves the contribution at 0, for staff to set; a zero income means the programme pays all
    used = matched_funding(match)
    check = sustainability.funding(offer, household, today, fund_id=used.get("fund_id"))
    contribution = check["contribution"] if check else Decimal("0.00")
    tenancy = Tenancy.create(
        household=household, dwelling=offer.dwelling_id, offer=offer, match=match.id, contract_type=offer.contract_type,
        monthly_rent=offer.monthly_rent, programme_contribution=contribution,
        start_on=signed.at.date() if signed else (today or datetime.date.today()),
        end_on=add_months(signed.at.date() if signed else (today or datetime.date.today()), offer.max_duration_months)
        if offer.max_duration_months else None)
    audit.record(user, "create", tenancy, None, audit.snapshot(tenancy))
    if check and check["fund"] is not None and contribution > 0:
        charge = FundCharge.create(tenancy=tenancy, fund=check["fund"].id, monthly_contribution=contribution)
        audit.record(user, "create", charge, None, audit.snapshot(charge))
    return tenancy


def matched_funding(match):
    """{"fund_id", "contribution"} stored in the match's snapshot when it was proposed (or {})."""
    try:
        found = json.loads(match.snapshot or "{}").get("funding") or {}
    except (TypeError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def outcome_at(tenancy, months, today=None, recorded=None):
    """still_housed / moved_on / lost_home at the milestone, or None if not reached yet."""
    today = today or datetime.date.today()
    milestone = add_months(tenancy.start_on, months)
    if milestone > today:
        return None
    if recorded is None:
        found = TenancyOutcome.get_or_none((TenancyOutcome.tenancy == tenancy.id)
                                           & (TenancyOutcome.milestone_months == months))
        recorded = found.outcome if found else None
    if recorded:
        return recorded
    if tenancy.ended_on is None or tenancy.ended_on >= milestone:
        return "still_housed"
    return "moved_on" if tenancy.end_reason == "moved_on" else "lost_home"


def retention(tenancies, months, today=None, recorded=None):
    """(retained, eligible, share or None) at the milestone over ``tenancies``.

    ``recorded`` is {(tenancy id, months): outcome} to avoid a query per tenancy.
    """
    recorded = recorded if recorded is not None else recorded_outcomes()
    outcomes = [outcome_at(t, months, today, recorded.get((t.id, months)) or "") for t in tenancies]
    eligible = [o for o in outcomes if o]
    retained = sum(1 for o in eligible if o in RETAINED)
    return retained, len(eligible), (retained / len(eligible) if eligible else None)


def recorded_outcomes():
    return {(t, m): o for t, m, o in TenancyOutcome.select(
        TenancyOutcome.tenancy, TenancyOutcome.milestone_months, TenancyOutcome.outcome).tuples()}


def check(data, current_id=None):
    """Field errors of a tenancy beyond single values."""
    errors = {}
    if data.get("ended_on") and not data.get("end_reason"):
        errors["end_reason"] = ["Indicare il motivo della fine della locazione."]
    if data.get("end_reason") and not data.get("ended_on"):
        errors["ended_on"] = ["Indicare quando è finita la locazione."]
    dwelling = data.get("dwelling")
    if dwelling is not None and data.get("start_on"):
        others = Tenancy.select().where((Tenancy.dwelling == getattr(dwelling, "id", dwelling))
                                        & (Tenancy.ended_on.is_null() | (Tenancy.ended_on > data["start_on"])))
        if current_id is not None:
            others = others.where(Tenancy.id != int(current_id))
        end = data.get("ended_on") or datetime.date.max
        if any(t.start_on < end for t in others):
            errors.setdefault("dwelling", []).append("L'alloggio ha già una locazione in corso in quel periodo.")
    return errors


def current_tenancy(household_id):
    return (Tenancy.select(Tenancy, Dwelling).join(Dwelling)
            .where((Tenancy.household == household_id) & Tenancy.ended_on.is_null())
            .order_by(Tenancy.start_on.desc()).first())
