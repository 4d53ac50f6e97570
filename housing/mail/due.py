"""What is due in the programme today, and for whom: the items of the daily digest.

``collect(today)`` reads every due item once (the same rules as the back
office's dashboard: stalled steps from ``housing.matches.stalled``, the
accompaniment alerts of ``housing.accompaniment.alerts``); ``for_user`` keeps
those a staff member must act on, by role and case load, as the data in
``SECTIONS`` says:

- a section goes to the roles that act on it (``roles``);
- a stalled step goes to the role that owns the step (``owner_matters``);
- for the roles in ``case_load_roles``, an item about a household goes to the
  household's case worker, or to all of them when it has none;
- an administrator gets every item.

Items carry only what a line needs: the household's pseudonymous code, never a
name, a contact, an income or a health note.
"""
import datetime
from typing import NamedTuple

from housing import matches
from housing.accompaniment import assessments, tenancies
from housing.workflow import STEP_BY_KEY
from models import (
    Agreement, Assessment, FollowUpVisit, GuaranteeClaim, Household, Offer, Place, Stay, SupportPlan, Tenancy,
)

AGREEMENT_EXPIRY_DAYS = 60  # as the dashboard's "expiring agreements"
VISIT_AHEAD_DAYS = 7  # follow-up visits planned in the coming week
MILESTONE_AHEAD_DAYS = 30  # a tenancy's 6/12/24-month outcome falling in the coming month
WAITING_CLAIMS = ("submitted", "approved")  # a claim waits for a decision, then for the payment
CHUNK = 500  # ids per IN (...) query


class Section(NamedTuple):
    key: str
    roles: tuple
    list_path: str  # the back office's list of the section's records (a digest shows the first lines)
    case_load_roles: tuple = ()
    owner_matters: bool = False


SECTIONS = (
    Section("stalled_steps", ("admin", "operator", "clerk"), "admin/matches/",
            case_load_roles=("operator",), owner_matters=True),
    Section("reassessments", ("admin", "operator"), "admin/due/reassessments", case_load_roles=("operator",)),
    Section("plan_reviews", ("admin", "operator"), "admin/support_plan/", case_load_roles=("operator",)),
    Section("overdue_stays", ("admin", "operator"), "admin/due/stays", case_load_roles=("operator",)),
    Section("follow_up_visits", ("admin", "operator"), "admin/tenancy/", case_load_roles=("operator",)),
    Section("tenancy_milestones", ("admin", "operator"), "admin/tenancy/", case_load_roles=("operator",)),
    Section("expiring_agreements", ("admin", "clerk"), "admin/agreement/"),
    Section("guarantee_claims", ("admin", "clerk"), "admin/guarantee_claim/"),
    Section("unpublished_offers", ("admin", "clerk"), "admin/offer/"),
)
SECTION_BY_KEY = {section.key: section for section in SECTIONS}


class DueItem(NamedTuple):
    section: str
    table: str  # the record a line links to
    record_id: int
    day: datetime.date  # when it became or becomes due (lines are sorted by it)
    facts: dict  # the values the line prints
    household_id: int = None
    case_worker_id: int = None
    owner_role: str = None


def for_user(items, user):
    """The items ``user`` must act on, in the order of ``items`` (``collect`` sorts them)."""
    return [item for item in items if applies(SECTION_BY_KEY[item.section], item, user)]


def sort(items):
    """``items`` in the order of ``SECTIONS`` then by day (``collect`` returns them so)."""
    order = {section.key: position for position, section in enumerate(SECTIONS)}
    return sorted(items, key=lambda item: (order[item.section], item.day, item.record_id))


def applies(section, item, user):
    if user.role == "admin":
        return True
    if user.role not in section.roles:
        return False
    if section.owner_matters and item.owner_role != user.role:
        return False
    if user.role in section.case_load_roles and item.household_id is not None:
        return item.case_worker_id in (None, user.id)
    return True


def collect(today=None):
    """Every due item of the programme on ``today``."""
    today = today or datetime.date.today()
    items = (stalled_steps(today) + reassessments(today) + plan_reviews(today) + overdue_stays(today)
             + follow_up_visits(today) + tenancy_milestones(today))
    households = household_facts({item.household_id for item in items})
    # a visit assigned to an operator goes to that operator; the rest to the household's case worker
    items = [item._replace(case_worker_id=item.case_worker_id or households[item.household_id][1],
                           facts={**item.facts, "code": households[item.household_id][0]}) for item in items]
    return sort(items + expiring_agreements(today) + guarantee_claims(today) + unpublished_offers(today))


def household_facts(ids):
    """{household id: (code, case worker id)}, read in chunks."""
    ids, found = sorted(ids), {}
    for start in range(0, len(ids), CHUNK):
        query = (Household.select(Household.id, Household.code, Household.case_worker)
                 .where(Household.id.in_(ids[start:start + CHUNK])))
        found.update({hid: (code, worker) for hid, code, worker in query.tuples()})
    return found


def stalled_steps(today):
    return [DueItem("stalled_steps", "match", match.id, match.step_since.date(),
                    {"step": match.step, "offer": match.offer_id, "days": days, "limit": limit},
                    household_id=match.household_id, owner_role=STEP_BY_KEY[match.step].owner)
            for match, days, limit in matches.stalled(today) if match.step in STEP_BY_KEY]


def reassessments(today):
    """One line per household: its earliest member reassessment due by ``today``."""
    earliest = {}
    for (household_id, _), (day,) in assessments.latest_per_member(Assessment.reassess_on).items():
        if day is not None and day <= today and (household_id not in earliest or day < earliest[household_id]):
            earliest[household_id] = day
    return [DueItem("reassessments", "household", household_id, day, {"day": day}, household_id=household_id)
            for household_id, day in earliest.items()]


def plan_reviews(today):
    query = (SupportPlan.select(SupportPlan.id, SupportPlan.household, SupportPlan.review_on)
             .where((SupportPlan.status == "active") & (SupportPlan.review_on <= today)))
    return [DueItem("plan_reviews", "support_plan", plan_id, day, {"day": day}, household_id=household_id)
            for plan_id, household_id, day in query.tuples()]


def overdue_stays(today):
    query = (Stay.select(Stay.id, Stay.household, Stay.planned_exit_on, Place.name).join(Place)
             .where(Stay.exit_on.is_null() & (Stay.planned_exit_on < today)))
    return [DueItem("overdue_stays", "stay", stay_id, day, {"day": day, "place": place}, household_id=household_id)
            for stay_id, household_id, day, place in query.tuples()]


def follow_up_visits(today):
    """Follow-up visits of open tenancies planned from today to ``VISIT_AHEAD_DAYS`` ahead."""
    ahead = today + datetime.timedelta(days=VISIT_AHEAD_DAYS)
    query = (FollowUpVisit.select(FollowUpVisit.tenancy, FollowUpVisit.visited_on, FollowUpVisit.operator,
                                  Tenancy.household).join(Tenancy)
             .where(Tenancy.ended_on.is_null() & (FollowUpVisit.visited_on >= today) & (FollowUpVisit.visited_on <= ahead)))
    return [DueItem("follow_up_visits", "tenancy", tenancy_id, day, {"day": day}, household_id=household_id,
                    case_worker_id=operator_id)
            for tenancy_id, day, operator_id, household_id in query.tuples()]


def tenancy_milestones(today):
    """Open tenancies whose 6, 12 or 24-month outcome falls from today to ``MILESTONE_AHEAD_DAYS`` ahead, not yet recorded."""
    ahead = today + datetime.timedelta(days=MILESTONE_AHEAD_DAYS)
    earliest = today - datetime.timedelta(days=24 * 31 + 1)
    recorded = tenancies.recorded_outcomes()
    query = (Tenancy.select(Tenancy.id, Tenancy.household, Tenancy.start_on)
             .where(Tenancy.ended_on.is_null() & (Tenancy.start_on > earliest) & (Tenancy.start_on <= ahead)))
    items = []
    for tenancy_id, household_id, start in query.tuples():
        for months in tenancies.MILESTONES:
            day = tenancies.add_months(start, months)
            if today <= day <= ahead and (tenancy_id, months) not in recorded:
                items.append(DueItem("tenancy_milestones", "tenancy", tenancy_id, day, {"day": day, "months": months},
                                     household_id=household_id))
    return items


def guarantee_claims(today):
    """Guarantee claims submitted and not decided, or approved and not paid."""
    query = (GuaranteeClaim.select(GuaranteeClaim.id, GuaranteeClaim.claimed_on, GuaranteeClaim.status)
             .where(GuaranteeClaim.status.in_(WAITING_CLAIMS) & (GuaranteeClaim.claimed_on <= today)))
    return [DueItem("guarantee_claims", "guarantee_claim", claim_id, day, {"day": day, "status": status})
            for claim_id, day, status in query.tuples()]


def expiring_agreements(today):
    query = Agreement.expiring(AGREEMENT_EXPIRY_DAYS, today).select(Agreement.id, Agreement.title, Agreement.valid_to)
    return [DueItem("expiring_agreements", "agreement", agreement_id, day, {"day": day, "title": title})
            for agreement_id, title, day in query.tuples()]


def unpublished_offers(today):
    """Offers available before today and still not on the public site (a draft, or
    "published" without the publish flag)."""
    # a draft, or "published" but not public: Offer.public() is the one public condition
    unpublished = Offer.status.in_(("draft", "published")) & Offer.id.not_in(Offer.public(Offer.id))
    query = (Offer.select(Offer.id, Offer.contract_type, Offer.available_from)
             .where(unpublished & (Offer.available_from < today)))
    return [DueItem("unpublished_offers", "offer", offer_id, day, {"day": day, "contract_type": contract_type})
            for offer_id, contract_type, day in query.tuples()]
