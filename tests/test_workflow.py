"""The match workflow: step order, role ownership, declines, success, stalls."""
import datetime
import json
from types import SimpleNamespace

import pytest

import models as m
from housing import matches
from housing.workflow import CLOSED_DECLINED, CLOSED_SUCCESS, CLOSED_WITHDRAWN, ROUTES, WorkflowError
from samples import make_dwelling, make_landlord

OPERATOR = SimpleNamespace(username="op", role="operator", id=None)
CLERK = SimpleNamespace(username="clerk", role="clerk", id=None)
ADMIN = SimpleNamespace(username="boss", role="admin", id=None)


@pytest.fixture
def pair(database):
    matches.ensure_settings()
    owner = make_landlord()
    offers = [m.Offer.create(dwelling=make_dwelling(owner, cadastral_unit=str(i)), contract_type="concordato_3_2",
                             monthly_rent=400, status="published", published=True) for i in range(2)]
    households = [m.Household.create(code=f"NF-{i}", status="waiting") for i in range(2)]
    return households, offers


TODAY = datetime.date.today()
# every date a step may ask for: a move reads only those it needs
DATES = {"viewing_at": datetime.datetime.combine(TODAY, datetime.time(10, 30)), "viewing_place": "Via Etnea 1",
         "contract_on": TODAY, "move_in_on": TODAY}


def run_route(match, users):
    for user in users:
        matches.advance(match, user, dates=DATES)
    return match


def test_steps_follow_the_route_and_their_owners(pair):
    (household, _), (offer, _) = pair
    match = matches.propose(household, offer, OPERATOR, snapshot={"score": 1})
    assert match.step == "proposed" and m.Household.get_by_id(household.id).status == "matched"
    for expected in ROUTES["concordato_3_2"][1:]:
        owner = CLERK if match.step in ("landlord_decision", "contract_signed") else OPERATOR
        other = OPERATOR if owner is CLERK else CLERK
        with pytest.raises(WorkflowError, match=f"spetta al ruolo {owner.role}"):
            matches.advance(match, other)
        matches.advance(match, owner, dates=DATES)
        assert match.step == expected
    assert [e.to_step for e in m.MatchEvent.select().where(m.MatchEvent.match == match).order_by(m.MatchEvent.id)] \
        == list(ROUTES["concordato_3_2"])


def test_success_lets_the_offer_houses_the_household_and_closes_competitors(pair):
    (first, second), (offer, other_offer) = pair
    winner = matches.propose(first, offer, OPERATOR)
    rival_for_offer = matches.propose(second, offer, OPERATOR)
    rival_for_household = matches.propose(first, other_offer, OPERATOR)
    route = ROUTES["concordato_3_2"]
    users = [CLERK if step in ("landlord_decision", "contract_signed") else OPERATOR for step in route]
    run_route(winner, users)
    assert m.Match.get_by_id(winner.id).status == CLOSED_SUCCESS
    assert m.Offer.get_by_id(offer.id).status == "let"
    assert m.Dwelling.get_by_id(offer.dwelling_id).status == "let"
    assert m.Household.get_by_id(first.id).status == "housed"
    for rival in (rival_for_offer, rival_for_household):
        closed = m.Match.get_by_id(rival.id)
        assert closed.status == CLOSED_WITHDRAWN and closed.decline_reason == "admin_other_match"
    assert m.Household.get_by_id(second.id).status == "waiting"


def test_a_household_decline_parks_the_household_and_is_never_proposed_again(pair):
    (household, _), (offer, other_offer) = pair
    today = datetime.date(2026, 11, 24)
    match = matches.propose(household, offer, OPERATOR, today=today)
    matches.decline(match, "household_location", OPERATOR, today=today)
    stored = m.Match.get_by_id(match.id)
    assert stored.status == CLOSED_DECLINED and stored.decline_side == "household"
    assert m.Household.get_by_id(household.id).parked_until == today + datetime.timedelta(days=30)
    assert (household.id, offer.id) in matches.declined_pairs()
    household = m.Household.get_by_id(household.id)
    with pytest.raises(WorkflowError, match="sospeso"):
        matches.propose(household, other_offer, OPERATOR, today=today + datetime.timedelta(days=10))
    with pytest.raises(WorkflowError, match="rifiutata"):
        matches.propose(household, offer, OPERATOR, today=today + datetime.timedelta(days=31))
    # parking expires
    assert matches.propose(household, other_offer, OPERATOR, today=today + datetime.timedelta(days=31))


def test_a_landlord_decline_has_no_consequence_for_the_household(pair):
    (household, _), (offer, _) = pair
    match = matches.propose(household, offer, OPERATOR)
    matches.decline(match, "landlord_profile", CLERK)
    household = m.Household.get_by_id(household.id)
    assert household.parked_until is None and household.status == "waiting"
    assert m.Match.get_by_id(match.id).decline_side == "landlord"


def test_renaming_a_reason_never_rewrites_history(pair):
    (household, _), (offer, _) = pair
    match = matches.propose(household, offer, OPERATOR)
    matches.decline(match, "landlord_profile", CLERK)
    m.DeclineReasonSetting.update(label_it="Testo nuovo").where(m.DeclineReasonSetting.key == "landlord_profile").execute()
    assert m.Match.get_by_id(match.id).decline_reason_text == "Il locatore rifiuta il profilo"


def test_unknown_reasons_and_closed_matches_are_refused(pair):
    (household, _), (offer, _) = pair
    match = matches.propose(household, offer, OPERATOR)
    with pytest.raises(WorkflowError, match="Motivo sconosciuto"):
        matches.decline(match, "nope", OPERATOR)
    assert m.Match.get_by_id(match.id).status == "open"
    matches.withdraw(match, ADMIN)
    with pytest.raises(WorkflowError, match="già chiuso"):
        matches.advance(match, ADMIN)


def test_stalled_matches_are_flagged_by_step_limits(pair):
    (household, _), (offer, _) = pair
    match = matches.propose(household, offer, OPERATOR)
    limit = m.StepSetting.get(m.StepSetting.step == "proposed").stall_days
    today = datetime.date.today()
    assert matches.stalled(today) == []
    late = today + datetime.timedelta(days=limit + 1)
    assert [(s[0].id, s[2]) for s in matches.stalled(late)] == [(match.id, limit)]
    m.StepSetting.update(stall_days=limit + 5).where(m.StepSetting.step == "proposed").execute()
    assert matches.stalled(late) == []


def test_the_snapshot_is_stored_and_settings_sync_is_idempotent(pair):
    (household, _), (offer, _) = pair
    match = matches.propose(household, offer, OPERATOR, snapshot={"rules": {"rent_sustainable": 0.3}, "total": 0.8})
    assert json.loads(m.Match.get_by_id(match.id).snapshot)["rules"]["rent_sustainable"] == 0.3
    m.StepSetting.update(stall_days=99).where(m.StepSetting.step == "viewing").execute()
    count = m.DeclineReasonSetting.select().count()
    matches.ensure_settings()
    assert m.DeclineReasonSetting.select().count() == count
    assert m.StepSetting.get(m.StepSetting.step == "viewing").stall_days == 99


@pytest.mark.parametrize("contract_type", sorted(ROUTES))
def test_every_route_ends_with_a_move_in_and_starts_with_a_proposal(contract_type):
    route = ROUTES[contract_type]
    assert route[0] == "proposed" and route[-1] == "moved_in" and len(set(route)) == len(route)


def test_a_successful_match_opens_the_tenancy_once(pair):
    (household, _), (offer, _) = pair
    household.monthly_net_income = 900
    household.save()
    offer.service_charges = 50
    offer.max_duration_months = 60
    offer.save()
    match = matches.propose(household, offer, OPERATOR)
    route = ROUTES["concordato_3_2"]
    run_route(match, [CLERK if step in ("landlord_decision", "contract_signed") else OPERATOR for step in route])
    tenancy = m.Tenancy.get(m.Tenancy.match == match.id)
    signed = m.MatchEvent.get((m.MatchEvent.match == match.id) & (m.MatchEvent.to_step == "contract_signed"))
    assert (tenancy.household_id, tenancy.dwelling_id, tenancy.offer_id) == (household.id, offer.dwelling_id, offer.id)
    assert tenancy.start_on == signed.at.date() and tenancy.contract_type == "concordato_3_2"
    # 400 + 50 on 900 EUR: the household pays 30% = 270, the programme 180
    assert tenancy.programme_contribution == 180 and tenancy.monthly_rent == 400
    assert tenancy.end_on.year == tenancy.start_on.year + 5
    from housing.accompaniment.tenancies import open_from_match

    assert open_from_match(m.Match.get_by_id(match.id), OPERATOR).id == tenancy.id
    assert m.AuditLog.select().where(m.AuditLog.entity == "tenancy").count() == 1


# -- household statuses follow the match (housing.household_status) ------------------

def test_statuses_follow_proposal_release_and_success(pair):
    (household, second), (offer, _) = pair
    match = matches.propose(household, offer, OPERATOR)
    assert m.Household.get_by_id(household.id).status == "matched"
    matches.decline(match, "landlord_profile", CLERK)
    assert m.Household.get_by_id(household.id).status == "waiting"
    changes = [json.loads(row.changes) for row in m.AuditLog.select().where(
        (m.AuditLog.entity == "household") & (m.AuditLog.record_id == str(household.id))).order_by(m.AuditLog.id)]
    assert [c["status"] for c in changes if "status" in c] == [["waiting", "matched"], ["matched", "waiting"]]


def test_an_exited_household_is_never_proposed(pair):
    (household, _), (offer, _) = pair
    m.Household.update(status="exited").where(m.Household.id == household.id).execute()
    with pytest.raises(WorkflowError, match="non è in attesa"):
        matches.propose(m.Household.get_by_id(household.id), offer, OPERATOR)


# -- dates on the steps that have one ---------------------------------------------

def at(match, step, days_ago=0):
    m.Match.update(step=step, step_since=m.now() - datetime.timedelta(days=days_ago)).where(
        m.Match.id == match.id).execute()
    return m.Match.get_by_id(match.id)


def test_entering_the_viewing_needs_its_date_time_and_place(pair):
    (household, _), (offer, _) = pair
    match = at(matches.propose(household, offer, OPERATOR), "household_informed")
    with pytest.raises(matches.DatesRefused) as refused:
        matches.advance(match, OPERATOR)
    assert set(refused.value.errors) == {"viewing_at", "viewing_place"}
    assert m.Match.get_by_id(match.id).step == "household_informed"
    when = datetime.datetime(2026, 12, 10, 15, 0)
    matches.advance(match, OPERATOR, dates={"viewing_at": when, "viewing_place": "Via Etnea 12"})
    stored = m.Match.get_by_id(match.id)
    assert (stored.step, stored.viewing_at, stored.viewing_place) == ("viewing", when, "Via Etnea 12")
    audited = json.loads(m.AuditLog.select().where((m.AuditLog.entity == "match") & (m.AuditLog.action == "update"))
                         .order_by(m.AuditLog.id.desc()).first().changes)
    assert audited["viewing_place"] == [None, "Via Etnea 12"]


def test_leaving_the_contract_step_needs_a_contract_date_and_a_move_in_not_before_it(pair):
    (household, _), (offer, _) = pair
    match = at(matches.propose(household, offer, OPERATOR), "contract_signed")
    day = datetime.date(2026, 11, 20)
    with pytest.raises(matches.DatesRefused) as refused:
        matches.advance(match, CLERK, today=day)
    assert set(refused.value.errors) == {"contract_on", "move_in_on"}
    with pytest.raises(matches.DatesRefused, match="non può precedere il contratto"):
        matches.advance(match, CLERK, dates={"contract_on": day, "move_in_on": day - datetime.timedelta(days=1)},
                        today=day)
    with pytest.raises(matches.DatesRefused, match="non può essere futura"):
        matches.advance(match, CLERK, dates={"contract_on": day + datetime.timedelta(days=1),
                                             "move_in_on": day + datetime.timedelta(days=2)}, today=day)
    assert m.Match.get_by_id(match.id).contract_on is None
    matches.advance(match, CLERK, dates={"contract_on": day, "move_in_on": day + datetime.timedelta(days=5)}, today=day)
    stored = m.Match.get_by_id(match.id)
    assert (stored.step, stored.contract_on, stored.move_in_on) == ("moved_in", day, day + datetime.timedelta(days=5))


def test_a_contract_before_the_viewing_is_refused():
    from housing.workflow import STEP_BY_KEY, check_dates, dates_needed

    needed = dates_needed(ROUTES["concordato_3_2"], "contract_signed")
    errors = check_dates(needed, {"contract_on": datetime.date(2026, 1, 1), "move_in_on": datetime.date(2026, 1, 2)},
                         {"viewing_at": datetime.datetime(2026, 2, 1, 10)}, today=datetime.date(2026, 3, 1))
    assert errors == {"contract_on": ["Il contratto non può precedere la visita."]}
    assert STEP_BY_KEY["viewing"].on_enter == ("viewing_at", "viewing_place")


@pytest.mark.parametrize("contract_type", sorted(ROUTES))
def test_every_route_asks_for_the_move_in_date_on_its_way_in(contract_type):
    from housing.workflow import dates_needed

    route = ROUTES[contract_type]
    asked = [field.name for step in route for field in dates_needed(route, step)]
    assert asked.count("move_in_on") == 1
    assert asked.count("contract_on") == ("contract_signed" in route)
    assert asked.count("viewing_at") == ("viewing" in route)


# -- torna alla fase precedente ------------------------------------------------------

def test_the_owner_of_the_previous_step_takes_the_match_back_within_the_limit(pair):
    (household, _), (offer, _) = pair
    match = matches.propose(household, offer, OPERATOR)
    matches.advance(match, OPERATOR)
    with pytest.raises(WorkflowError, match="perché"):
        matches.step_back(match, OPERATOR, "  ")
    matches.step_back(match, OPERATOR, "premuto per errore", expected_step="staff_review")
    assert m.Match.get_by_id(match.id).step == "proposed"
    event = m.MatchEvent.select().where(m.MatchEvent.match == match.id).order_by(m.MatchEvent.id.desc()).first()
    assert (event.from_step, event.to_step, event.actor) == ("staff_review", "proposed", "op")
    assert "premuto per errore" in event.note
    assert m.AuditLog.select().where((m.AuditLog.entity == "match") & (m.AuditLog.record_id == str(match.id))
                                     & (m.AuditLog.action == "update")).count() == 2
    with pytest.raises(WorkflowError, match="prima fase"):
        matches.step_back(match, ADMIN, "di nuovo")


def test_step_back_is_refused_to_other_roles_and_after_the_limit(pair):
    from housing.workflow import STEP_BACK_DAYS

    (household, _), (offer, _) = pair
    match = at(matches.propose(household, offer, OPERATOR), "contract_signed")  # came from the clerk's step
    with pytest.raises(WorkflowError, match="Solo il ruolo"):
        matches.step_back(match, OPERATOR, "errore")
    match = at(match, "contract_signed", days_ago=STEP_BACK_DAYS + 1)
    with pytest.raises(WorkflowError, match=f"entro {STEP_BACK_DAYS} giorni"):
        matches.step_back(match, CLERK, "errore")
    assert m.Match.get_by_id(match.id).step == "contract_signed"
    matches.step_back(match, ADMIN, "correzione dell'amministratore")
    assert m.Match.get_by_id(match.id).step == "landlord_decision"
    match = at(match, "contract_signed", days_ago=STEP_BACK_DAYS - 1)
    matches.step_back(match, CLERK, "errore")
    assert m.Match.get_by_id(match.id).step == "landlord_decision"
