"""Concurrent actions on matches: each action decides on the rows as committed
when it runs, never on what its request read before, and two actions on the
same match, offer or household never interleave.

The "stale" tests replay, one after the other, what two requests do when they
overlap: both read the match (``get_or_404``), then both act. The threaded
tests race real threads, each with its own connection, 20 times; the last one
races real requests against a served app.
"""
import threading
from types import SimpleNamespace

import pytest
import requests
from werkzeug.serving import make_server

import models as m
from browser import serving
from conftest import PASSWORD, TOKEN, make_user
from housing import matches
from housing.workflow import CLOSED_DECLINED, CLOSED_SUCCESS, CLOSED_WITHDRAWN, OPEN, WorkflowError
from samples import make_dwelling, make_landlord

OPERATOR = SimpleNamespace(username="op", role="operator", id=None)
OTHER_OPERATOR = SimpleNamespace(username="op2", role="operator", id=None)
ROUNDS = 20
CLOSED = (CLOSED_SUCCESS, CLOSED_DECLINED, CLOSED_WITHDRAWN)


def make_offer(label):
    landlord = m.Landlord.select().first() or make_landlord()
    return m.Offer.create(dwelling=make_dwelling(landlord, cadastral_unit=str(label)),
                          contract_type="concordato_3_2", monthly_rent=400, status="published", published=True)


def make_household(label):
    return m.Household.create(code=f"NF-{label}", status="waiting")


def at_step(match, step):
    m.Match.update(step=step).where(m.Match.id == match.id).execute()
    return m.Match.get_by_id(match.id)


def closing_events(match):
    return list(m.MatchEvent.select().where((m.MatchEvent.match == match.id) & (m.MatchEvent.to_step.in_(CLOSED))))


@pytest.fixture
def world(database):
    matches.ensure_settings()
    return database


# -- two requests read the match, then both act (replayed in order) ------------------

def test_a_stale_advance_never_reopens_a_closed_match(world):
    match = matches.propose(make_household(1), make_offer(1), OPERATOR)
    first, second = m.Match.get_by_id(match.id), m.Match.get_by_id(match.id)
    matches.decline(first, "landlord_profile", OPERATOR)
    with pytest.raises(WorkflowError, match="già chiuso"):
        matches.advance(second, OPERATOR)
    stored = m.Match.get_by_id(match.id)
    assert (stored.status, stored.step, stored.decline_reason) == (CLOSED_DECLINED, "proposed", "landlord_profile")
    assert [e.to_step for e in m.MatchEvent.select().where(m.MatchEvent.match == match.id)] == ["proposed", CLOSED_DECLINED]


def test_a_stale_decline_never_overwrites_a_success(world):
    household = make_household(1)
    match = at_step(matches.propose(household, make_offer(1), OPERATOR), "moved_in")
    first, second = m.Match.get_by_id(match.id), m.Match.get_by_id(match.id)
    matches.advance(first, OPERATOR)
    with pytest.raises(WorkflowError, match="già chiuso"):
        matches.decline(second, "household_location", OPERATOR)
    with pytest.raises(WorkflowError, match="già chiuso"):
        matches.withdraw(second, OPERATOR)
    assert m.Match.get_by_id(match.id).status == CLOSED_SUCCESS and len(closing_events(match)) == 1
    stored = m.Household.get_by_id(household.id)
    assert stored.status == "housed" and stored.parked_until is None


def test_two_stale_clicks_on_the_last_step_succeed_once(world):
    match = at_step(matches.propose(make_household(1), make_offer(1), OPERATOR), "moved_in")
    first, second = m.Match.get_by_id(match.id), m.Match.get_by_id(match.id)
    matches.advance(first, OPERATOR)
    with pytest.raises(WorkflowError, match="già chiuso"):
        matches.advance(second, OPERATOR)
    assert [e.to_step for e in closing_events(match)] == [CLOSED_SUCCESS]
    assert m.Tenancy.select().count() == 1
    assert m.AuditLog.select().where((m.AuditLog.entity == "match") & (m.AuditLog.record_id == str(match.id))).count() == 2


def test_a_stale_success_for_an_offer_let_meanwhile_is_refused(world):
    offer, first, second = make_offer(1), make_household(1), make_household(2)
    winner = at_step(matches.propose(first, offer, OPERATOR), "moved_in")
    rival = at_step(matches.propose(second, offer, OPERATOR), "moved_in")
    stale_rival = m.Match.get_by_id(rival.id)
    matches.advance(winner, OPERATOR)
    with pytest.raises(WorkflowError, match="già chiuso"):
        matches.advance(stale_rival, OPERATOR)
    assert m.Match.get_by_id(rival.id).decline_reason == "admin_other_match"
    assert m.Household.get_by_id(second.id).status == "waiting"
    assert m.Tenancy.select().count() == 1


def test_a_proposal_for_an_offer_let_meanwhile_is_refused(world):
    offer, first, second = make_offer(1), make_household(1), make_household(2)
    stale_offer = m.Offer.get_by_id(offer.id)
    matches.advance(at_step(matches.propose(first, offer, OPERATOR), "moved_in"), OPERATOR)
    with pytest.raises(WorkflowError, match="non è aperta"):
        matches.propose(second, stale_offer, OPERATOR)
    assert m.Match.select().where(m.Match.household == second.id).count() == 0
    assert m.Household.get_by_id(second.id).status == "waiting"


def test_a_proposal_for_a_household_housed_meanwhile_is_refused_and_keeps_it_housed(world):
    household, offer, other_offer = make_household(1), make_offer(1), make_offer(2)
    stale_household = m.Household.get_by_id(household.id)
    matches.advance(at_step(matches.propose(household, offer, OPERATOR), "moved_in"), OPERATOR)
    with pytest.raises(WorkflowError, match="non è in attesa"):
        matches.propose(stale_household, other_offer, OPERATOR)
    assert m.Household.get_by_id(household.id).status == "housed"
    assert m.Match.select().where(m.Match.offer == other_offer.id).count() == 0


def test_a_proposal_never_writes_back_a_stale_household(world):
    household = make_household(1)
    stale = m.Household.get_by_id(household.id)
    m.Household.update(notes="written meanwhile", version=m.Household.version + 1).where(
        m.Household.id == household.id).execute()
    matches.propose(stale, make_offer(1), OPERATOR)
    stored = m.Household.get_by_id(household.id)
    assert (stored.status, stored.notes, stored.version) == ("matched", "written meanwhile", 3)
    assert (stale.status, stale.version) == ("matched", 3)


def test_an_action_on_the_step_the_person_saw_is_refused_once_the_match_moved(world):
    match = matches.propose(make_household(1), make_offer(1), OPERATOR)
    matches.advance(match, OPERATOR, expected_step="proposed")
    for act in (lambda: matches.advance(match, OPERATOR, expected_step="proposed"),
                lambda: matches.decline(match, "household_other", OPERATOR, expected_step="proposed"),
                lambda: matches.withdraw(match, OPERATOR, expected_step="proposed")):
        with pytest.raises(WorkflowError, match="già passato alla fase «Verifica dell'équipe»"):
            act()
    stored = m.Match.get_by_id(match.id)
    assert (stored.status, stored.step) == (OPEN, "staff_review")
    matches.decline(match, "household_other", OPERATOR, expected_step="staff_review")
    assert m.Match.get_by_id(match.id).status == CLOSED_DECLINED


# -- real threads, each with its own connection ------------------------------------

def race(database, *actions):
    """Run each ``(read, act)`` in its own thread: all read first, then all act at once.

    Returns, per action, what ``act(read())`` returned or the exception it raised."""
    barrier = threading.Barrier(len(actions))
    results = [None] * len(actions)

    def run(index, read, act):
        with database.connection_context():
            try:
                value = read()
            finally:
                barrier.wait(timeout=30)
            try:
                results[index] = act(value)
            except Exception as error:  # noqa: BLE001 - reported to the test
                results[index] = error

    threads = [threading.Thread(target=run, args=(i, read, act)) for i, (read, act) in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck"
    return results


def refusals(results):
    """The exceptions among ``results``: each must be a refusal, never a database error."""
    errors = [r for r in results if isinstance(r, Exception)]
    assert all(isinstance(error, WorkflowError) for error in errors), errors
    return errors


def read_match(match_id):
    return lambda: m.Match.get_by_id(match_id)


def test_concurrent_clicks_on_the_last_step_succeed_once(world):
    for round_ in range(ROUNDS):
        match = at_step(matches.propose(make_household(round_), make_offer(round_), OPERATOR), "moved_in")
        results = race(world, *[(read_match(match.id), lambda stale: matches.advance(stale, OPERATOR))] * 3)
        assert len(refusals(results)) == 2, (round_, results)
        assert [e.to_step for e in closing_events(match)] == [CLOSED_SUCCESS]
        assert m.Tenancy.select().where(m.Tenancy.match == match.id).count() == 1


def test_concurrent_success_and_decline_leave_one_decision(world):
    for round_ in range(ROUNDS):
        household, offer = make_household(round_), make_offer(round_)
        match = at_step(matches.propose(household, offer, OPERATOR), "moved_in")
        results = race(world, (read_match(match.id), lambda stale: matches.advance(stale, OPERATOR)),
                       (read_match(match.id), lambda stale: matches.decline(stale, "household_location", OTHER_OPERATOR)))
        assert len(refusals(results)) == 1, (round_, results)
        stored, events = m.Match.get_by_id(match.id), closing_events(match)
        assert [e.to_step for e in events] == [stored.status], round_
        household, offer = m.Household.get_by_id(household.id), m.Offer.get_by_id(offer.id)
        if stored.status == CLOSED_SUCCESS:
            assert (household.status, household.parked_until, offer.status) == ("housed", None, "let")
        else:
            assert stored.step == "moved_in" and stored.decline_reason == "household_location"
            assert (household.status, offer.status) == ("waiting", "published") and household.parked_until


def test_concurrent_successes_for_one_offer_let_it_once(world):
    for round_ in range(ROUNDS):
        offer = make_offer(round_)
        pair = [at_step(matches.propose(make_household(f"{round_}-{i}"), offer, OPERATOR), "moved_in") for i in range(2)]
        results = race(world, *[(read_match(match.id), lambda stale: matches.advance(stale, OPERATOR)) for match in pair])
        assert len(refusals(results)) == 1, (round_, results)
        statuses = sorted(m.Match.get_by_id(match.id).status for match in pair)
        assert statuses == [CLOSED_SUCCESS, CLOSED_WITHDRAWN], round_
        assert sorted(m.Household.get_by_id(match.household_id).status for match in pair) == ["housed", "waiting"]
        assert m.Tenancy.select().where(m.Tenancy.offer == offer.id).count() == 1


def test_concurrent_proposals_of_one_pair_make_one_match_and_no_database_error(world):
    for round_ in range(ROUNDS):
        household, offer = make_household(round_), make_offer(round_)
        read = lambda: (m.Household.get_by_id(household.id), m.Offer.get_by_id(offer.id))  # noqa: E731
        results = race(world, *[(read, lambda pair: matches.propose(*pair, OPERATOR))] * 3)
        assert all("già stata proposta" in str(error) for error in refusals(results)) and len(refusals(results)) == 2
        assert m.Match.select().where(m.Match.household == household.id).count() == 1


def test_a_decline_racing_a_new_proposal_leaves_the_household_matched(world):
    for round_ in range(ROUNDS):
        household, offer, other_offer = make_household(round_), make_offer(f"{round_}a"), make_offer(f"{round_}b")
        match = matches.propose(household, offer, OPERATOR)
        results = race(world,
                       (read_match(match.id), lambda stale: matches.decline(stale, "landlord_profile", OPERATOR)),
                       (lambda: (m.Household.get_by_id(household.id), m.Offer.get_by_id(other_offer.id)),
                        lambda pair: matches.propose(*pair, OTHER_OPERATOR)))
        assert refusals(results) == [], (round_, results)
        assert m.Household.get_by_id(household.id).status == "matched", round_


# -- real requests against a served app -----------------------------------------------

def logged_in(base, username):
    session = requests.Session()
    token = TOKEN.search(session.get(base + "auth/login").text).group(1)
    response = session.post(base + "auth/login", data={"username": username, "password": PASSWORD, "csrf_token": token},
                            allow_redirects=False)
    assert response.status_code == 302, response.text[:300]
    return session


@pytest.fixture
def board(app):
    """(base URL, two logged-in operators' sessions with their CSRF tokens, database) of a served app."""
    database = app.extensions["database"]
    with database.connection_context():
        matches.ensure_settings()
    for username in ("op-a", "op-b"):
        make_user(app, username, "operator")
    with serving(make_server("127.0.0.1", 0, app, threaded=True)) as base:
        sessions = [logged_in(base, "op-a"), logged_in(base, "op-b")]
        try:
            clients = [(s, TOKEN.search(s.get(base + "admin/matches/").text).group(1)) for s in sessions]
            yield base, clients, database
        finally:
            for session in sessions:
                session.close()


def post_together(base, posts):
    """POST every ``(session, path, data)`` at once, each from its own thread; the status codes."""
    barrier, statuses = threading.Barrier(len(posts)), []

    def post(session, path, data):
        barrier.wait(timeout=30)
        statuses.append(session.post(base + path, data=data, allow_redirects=False).status_code)

    threads = [threading.Thread(target=post, args=args) for args in posts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return statuses


def test_concurrent_board_requests_decide_once_and_never_fail(board):
    base, ((first, first_token), (second, second_token)), database = board
    for round_ in range(ROUNDS):
        with database.connection_context():
            match = at_step(matches.propose(make_household(round_), make_offer(round_), OPERATOR), "moved_in")
        advance = (first, f"admin/matches/{match.id}/advance", {"csrf_token": first_token, "confirm": "yes"})
        decline = (second, f"admin/matches/{match.id}/decline", {"csrf_token": second_token, "reason": "household_other", "confirm": "yes"})
        assert post_together(base, [advance, decline, advance]) == [302] * 3, round_
        with database.connection_context():
            stored = m.Match.get_by_id(match.id)
            assert [e.to_step for e in closing_events(match)] == [stored.status], round_
            assert m.Tenancy.select().where(m.Tenancy.match == match.id).count() == (stored.status == CLOSED_SUCCESS)


def test_two_clicks_on_next_step_move_the_match_one_step(board):
    base, ((first, first_token), (second, second_token)), database = board
    for round_ in range(ROUNDS):
        with database.connection_context():
            match = matches.propose(make_household(round_), make_offer(round_), OPERATOR)
        path = f"admin/matches/{match.id}/advance"
        assert post_together(base, [(first, path, {"csrf_token": first_token, "step": "proposed", "confirm": "yes"}),
                                    (second, path, {"csrf_token": second_token, "step": "proposed", "confirm": "yes"})]) == [302] * 2
        with database.connection_context():
            assert m.Match.get_by_id(match.id).step == "staff_review", round_
            assert m.MatchEvent.select().where(m.MatchEvent.match == match.id).count() == 2


def test_the_board_sends_the_step_it_shows_and_refuses_an_action_on_a_moved_match(board):
    base, ((first, token), _), database = board
    with database.connection_context():
        match = matches.propose(make_household(1), make_offer(1), OPERATOR)
    page = first.get(base + "admin/matches/").text
    assert page.count('<input type="hidden" name="step" value="proposed">') == 2
    with database.connection_context():
        matches.advance(match, OPERATOR)
    for path, data in ((f"admin/matches/{match.id}/advance", {}), (f"admin/matches/{match.id}/decline", {"reason": "household_other"})):
        page = first.post(base + path, data={"csrf_token": token, "step": "proposed", "confirm": "yes", **data}).text
        assert "già passato alla fase" in page
    with database.connection_context():
        stored = m.Match.get_by_id(match.id)
        assert (stored.status, stored.step) == (OPEN, "staff_review")
