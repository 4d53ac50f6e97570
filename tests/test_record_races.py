"""Saves that check other records (a place's capacity, a guarantee's cover)
cannot both pass when they arrive at the same moment.

Two clerks post at once, each in its own thread and database connection;
a barrier holds both at the check done while validating the form, so that
both have passed it before either saves: the race the save must survive.
"""
import datetime
import threading

import pytest

import models as m
from conftest import csrf_token, log_in, make_user
from housing.accompaniment import incentives, stays
from samples import make_household, make_landlord

ROUNDS = 20


def held_at_first_check(monkeypatch, module, name):
    """Make the first call of ``module.name`` in each thread wait for the other thread."""
    barrier, seen = threading.Barrier(2, timeout=3), threading.local()
    original = getattr(module, name)

    def check(*args, **kwargs):
        if not getattr(seen, "done", False):
            seen.done = True
            try:
                barrier.wait()
            except threading.BrokenBarrierError:
                pass
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, check)


def clients(app, role, count=2):
    found = []
    for number in range(count):
        make_user(app, f"{role}{number}", role)
        client = app.test_client()
        assert log_in(client, f"{role}{number}").status_code == 302
        found.append(client)
    return found


def post_together(pairs):
    """POST each (client, url, data) in its own thread at once; the status codes."""
    statuses = [None] * len(pairs)

    def send(index, client, url, data):
        statuses[index] = client.post(url, data=data).status_code

    threads = [threading.Thread(target=send, args=(i, *pair)) for i, pair in enumerate(pairs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return statuses


def test_two_stays_at_once_never_exceed_a_place_s_capacity(app, monkeypatch):
    anna, bruno = clients(app, "operator")
    today = datetime.date.today().isoformat()
    with app.extensions["database"].connection_context():
        households = [make_household(code=f"NF-RACE-{i}") for i in range(2 * ROUNDS)]
        places = [m.Place.create(name=f"Posto {i}", kind="emergency", capacity=1) for i in range(ROUNDS)]
    for index, place in enumerate(places):
        held_at_first_check(monkeypatch, stays, "check")
        pairs = [(client, "/admin/stay/new/", {
            "household": str(households[2 * index + side].id), "place": str(place.id), "entry_on": today,
            "csrf_token": csrf_token(client, "/admin/stay/new/"),
        }) for side, client in enumerate((anna, bruno))]
        statuses = post_together(pairs)
        assert sorted(statuses) == [200, 302], statuses  # one saved, one told why: never a 500
        monkeypatch.undo()
    with app.extensions["database"].connection_context():
        for place in places:
            assert m.Stay.select().where(m.Stay.place == place.id).count() == 1


def test_two_claims_at_once_never_exceed_a_guarantee_s_cover(app, monkeypatch):
    anna, bruno = clients(app, "clerk")
    today = datetime.date.today().isoformat()
    with app.extensions["database"].connection_context():
        owner = make_landlord()
        guarantees = [m.Incentive.create(landlord=owner, kind="guarantee_fund", amount=1000, months_covered=6,
                                         status="approved", budget_line="Fondo garanzia", requested_on=today,
                                         decided_on=today) for _ in range(ROUNDS)]
    for guarantee in guarantees:
        held_at_first_check(monkeypatch, incentives, "check_claim")
        pairs = [(client, "/admin/guarantee_claim/new/", {
            "incentive": str(guarantee.id), "claimed_on": today, "amount_claimed": "600", "amount_paid": "0",
            "status": "submitted", "csrf_token": csrf_token(client, "/admin/guarantee_claim/new/"),
        }) for client in (anna, bruno)]
        statuses = post_together(pairs)
        assert sorted(statuses) == [200, 302], statuses
        monkeypatch.undo()
    with app.extensions["database"].connection_context():
        for guarantee in guarantees:
            assert m.GuaranteeClaim.select().where(m.GuaranteeClaim.incentive == guarantee.id).count() == 1
