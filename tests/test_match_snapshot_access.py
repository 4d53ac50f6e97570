"""The decision context of a match is read with the rights on its sources:
a clerk never reads a household's income, ETHOS category, need or vulnerabilities."""
import json

import pytest

import models as m
from housing import matches
from samples import make_dwelling, make_household

CASE = {"monthly_net_income": "612.34", "ethos_category": "roofless_1", "need_index": 4.75,
        "vulnerabilities": ["salute mentale"]}


@pytest.fixture
def match_id(app):
    with app.extensions["database"].connection_context():
        matches.ensure_settings()
        offer = m.Offer.create(dwelling=make_dwelling(), contract_type="concordato_3_2", monthly_rent=300,
                               status="published", published=True)
        snapshot = {"household": CASE, "offer": {"monthly_rent": "300.00"}, "score": {"need": 4.75, "total": 0.9},
                    "rules": {"sustainable_rent": 0.3}, "weights": {"need": 0.7}, "at": "2026-12-07T10:00:00"}
        return matches.propose(make_household(), offer, None, snapshot=snapshot).id


@pytest.mark.parametrize("role, sees_case", [("clerk", False), ("operator", True), ("admin", True)])
def test_the_snapshot_shows_the_household_case_only_to_who_may_read_households(app, login, match_id, role, sees_case):
    client = login(role)
    html = client.get(f"/admin/match/details/?id={match_id}").get_data(as_text=True)
    assert "300.00" in html  # the offer part
    for marker in ("612.34", "roofless_1", "4.75", "salute mentale"):
        assert (marker in html) == sees_case, (role, marker)
    exported = client.get("/admin/match/export/csv/").get_data(as_text=True)
    assert "612.34" not in exported and "roofless_1" not in exported
