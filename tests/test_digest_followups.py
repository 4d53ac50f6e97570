"""The digest's follow-up visits, tenancy milestones and guarantee claims, per role and
case load, and the immediate notices of stalled steps (a preference, once per step)."""
import datetime

import pytest

import models as m
from housing.mail import digest, due, stalled
from samples import make_dwelling, make_household, make_landlord

TODAY = datetime.date(2026, 12, 7)
DAY = datetime.timedelta(days=1)
BASE = "https://bo.example.org/"


def user(username, role, language="it"):
    return m.User.create(username=username, full_name=username.title(), role=role, language=language,
                         password_hash="x", email=f"{username}@example.org")


@pytest.fixture
def office(database):
    staff = {name: user(name, role, lang) for name, role, lang in (
        ("boss", "admin", "it"), ("anna", "operator", "it"), ("ben", "operator", "en"), ("carla", "clerk", "en"),
        ("vera", "viewer", "it"))}
    h1 = make_household(code="NF-2026-0001", case_worker=staff["anna"], monthly_net_income=1234)
    h2 = make_household(code="NF-2026-0002", case_worker=staff["ben"])
    landlord = make_landlord()
    dwelling = make_dwelling(landlord)

    def tenancy(household, start):
        return m.Tenancy.create(household=household, dwelling=dwelling, contract_type="concordato_3_2",
                                monthly_rent=400, start_on=start)

    t1 = tenancy(h1, TODAY - 6 * 30 * DAY + 10 * DAY)  # its 6-month outcome falls in about ten days
    t2 = tenancy(h2, datetime.date(2025, 12, 20))  # 12 months on 20/12/2026
    t_far = tenancy(h2, TODAY - 60 * DAY)  # nothing for months
    m.TenancyOutcome.create(tenancy=t2, milestone_months=6, outcome="still_housed")
    visits = {
        "mine": m.FollowUpVisit.create(tenancy=t1, visited_on=TODAY + 2 * DAY),  # anna's household
        "bens": m.FollowUpVisit.create(tenancy=t_far, visited_on=TODAY + 5 * DAY, operator=staff["ben"]),
        "later": m.FollowUpVisit.create(tenancy=t1, visited_on=TODAY + 20 * DAY),  # not this week
        "past": m.FollowUpVisit.create(tenancy=t1, visited_on=TODAY - 3 * DAY),
    }
    incentive = m.Incentive.create(landlord=landlord, kind="guarantee_fund", amount=1200, budget_line="FG",
                                   requested_on=TODAY - 100 * DAY)
    claims = {status: m.GuaranteeClaim.create(incentive=incentive, claimed_on=TODAY - 10 * DAY, amount_claimed=800,
                                              status=status) for status in ("submitted", "approved", "paid", "refused")}
    return staff, dict(t1=t1, t2=t2, t_far=t_far, visits=visits, claims=claims, h1=h1, h2=h2)


def lines_of(person, items):
    return [(item.section, item.record_id) for item in due.for_user(items, person)]


def test_each_role_gets_visits_milestones_and_claims_by_case_load(office):
    staff, r = office
    items = due.collect(TODAY)
    assert lines_of(staff["anna"], items) == [
        ("follow_up_visits", r["t1"].id), ("tenancy_milestones", r["t1"].id)]
    assert lines_of(staff["ben"], items) == [("follow_up_visits", r["t_far"].id), ("tenancy_milestones", r["t2"].id)]
    assert lines_of(staff["carla"], items) == [
        ("guarantee_claims", r["claims"]["submitted"].id), ("guarantee_claims", r["claims"]["approved"].id)]
    assert len(lines_of(staff["boss"], items)) == 6
    assert lines_of(staff["vera"], items) == []


def test_the_new_lines_read_well_link_their_record_and_hide_incomes(office):
    staff, r = office
    items = due.collect(TODAY)
    english = digest.build(staff["ben"], items, TODAY, BASE)
    assert "NF-2026-0002: 12-month tenancy outcome on 20 Dec 2026" in english.text
    assert f"{BASE}admin/tenancy/details/?id={r['t2'].id}" in english.text
    italian = digest.build(staff["anna"], items, TODAY, BASE)
    assert "Visite di monitoraggio nei prossimi 7 giorni (1)" in italian.text
    assert "NF-2026-0001: visita di monitoraggio il 09/12/2026" in italian.text
    clerk = digest.build(staff["carla"], items, TODAY, BASE)
    assert f"Guarantee claim no. {r['claims']['approved'].id} of 27 Nov 2026: Approved" in clerk.text
    assert f"{BASE}admin/guarantee_claim/details/?id=" in clerk.html
    assert "1234" not in italian.text


@pytest.fixture
def stalls(database):
    staff = {name: user(name, role) for name, role in (("anna", "operator"), ("carla", "clerk"), ("olga", "operator"))}
    household = make_household(code="NF-2026-0009", case_worker=staff["anna"])
    offer = m.Offer.create(dwelling=make_dwelling(), contract_type="concordato_3_2", monthly_rent=400, status="reserved")
    stale = datetime.datetime.combine(TODAY - 20 * DAY, datetime.time(9))
    match = m.Match.create(household=household, offer=offer, route="concordato_3_2", step="viewing",
                           step_since=stale, proposed_by="anna")
    return staff, match


def test_immediate_notices_follow_the_preference_and_are_sent_once_per_stalled_step(stalls):
    staff, match = stalls
    at = datetime.datetime.combine(TODAY, datetime.time(10))
    assert stalled.queue_stalled(at, BASE) == {"queued": 0, "already": 0, "refused": 0}  # nobody asked
    for name in ("anna", "carla", "olga"):
        digest.set_preference(staff[name], immediate=True)
    digest.set_preference(staff["olga"], immediate=False)
    assert digest.immediate_notices(staff["anna"]) and not digest.immediate_notices(staff["olga"])
    assert stalled.queue_stalled(at, BASE)["queued"] == 1  # the viewing is the operators', anna's case
    assert stalled.queue_stalled(at + datetime.timedelta(hours=1), BASE) == {"queued": 0, "already": 1, "refused": 0}
    message = m.OutboxMessage.get()
    assert message.recipient == "anna@example.org" and message.subject.startswith("Abbinamento fermo: NF-2026-0009")
    assert f"{BASE}admin/match/details/?id={match.id}" in message.body_text
    m.Match.update(step="landlord_decision", step_since=datetime.datetime.combine(TODAY - 15 * DAY, datetime.time(9))).execute()
    assert stalled.queue_stalled(at, BASE)["queued"] == 1  # a new stalled step: the clerk's now
    assert m.OutboxMessage.select().where(m.OutboxMessage.recipient == "carla@example.org").count() == 1
    digest.set_preference(staff["anna"], daily_digest=False, hour=9)  # keeps the immediate choice
    assert digest.immediate_notices(staff["anna"])
