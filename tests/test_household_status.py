"""Household statuses follow the programme's events, by rules kept as data
(``housing.household_status``), and one list says who takes part in the matching."""
import datetime
import json
from types import SimpleNamespace

import pytest

import models as m
from housing import household_status as hs
from housing import match_data
from housing.accompaniment import assessments, instruments
from housing.vocabulary import HOUSEHOLD_STATUSES
from samples import MARIO, make_household

STATUSES = [term.key for term in HOUSEHOLD_STATUSES]
OPERATOR = SimpleNamespace(username="op", role="operator", id=None)
# Expected: (event, status before) -> status after; None = left alone. The whole table, written out.
EXPECTED = {
    "assessment_completed": {"intake": "assessed"},
    "match_proposed": {"intake": "matched", "assessed": "matched", "waiting": "matched"},
    "match_released": {"matched": "waiting"},
    "match_succeeded": {"intake": "housed", "assessed": "housed", "waiting": "housed", "matched": "housed"},
    "exited": {status: "exited" for status in ("intake", "assessed", "waiting", "matched", "housed")},
    "tenancy_lost": {"housed": "waiting"},
}


@pytest.mark.parametrize("event", sorted(EXPECTED))
@pytest.mark.parametrize("status", STATUSES)
def test_each_event_moves_each_status_as_the_table_says(event, status):
    assert hs.next_status(event, status) == EXPECTED[event].get(status)


def test_the_rules_name_only_known_statuses_and_the_matching_uses_the_one_list():
    for transition in hs.TRANSITIONS:
        assert set(transition.from_statuses) <= set(STATUSES) and transition.to_status in STATUSES
        assert transition.it and transition.en
    assert set(hs.MATCHING_STATUSES) <= set(STATUSES)
    # housing/match_data.py filters the candidates with this list (one place for both)
    assert tuple(match_data.CANDIDATE_STATUSES) == hs.MATCHING_STATUSES


def test_the_explanation_names_the_status_and_those_that_take_part():
    text = hs.why_not_matched("intake")
    assert text == ("Questo nucleo è in stato Accoglienza: partecipano agli abbinamenti solo i nuclei in stato "
                    "Valutato, In attesa, Abbinato.")
    assert "status is Intake" in hs.why_not_matched("intake", "en")
    assert hs.why_not_matched("waiting") is None


@pytest.mark.parametrize("before,after", [("intake", "assessed"), ("waiting", "waiting"), ("housed", "housed")])
def test_a_completed_assessment_moves_the_household_out_of_intake_audited(database, before, after):
    household = make_household(status=before)
    person = m.Person.create(household=household, first_name="Mario", last_name="Rossi", tax_code=MARIO,
                             birth_date=datetime.date(1980, 1, 1), sex="M", relation="reference")
    scores = {item["key"]: 3 for item in instruments.items(instruments.read_definition("assessment"))}
    assessments.record(person, datetime.date(2026, 11, 20), scores, consent=True, assessor=OPERATOR,
                       today=datetime.date(2026, 11, 20))
    assert m.Household.get_by_id(household.id).status == after
    changes = [json.loads(row.changes) for row in m.AuditLog.select().where(
        (m.AuditLog.entity == "household") & (m.AuditLog.record_id == str(household.id)) & (m.AuditLog.action == "update"))]
    assert [c["status"] for c in changes] == ([[before, after]] if before != after else [])


def test_apply_audits_the_exit_and_leaves_an_unchanged_status_alone(database):
    household = make_household(status="housed")
    assert hs.apply(household, "exited", OPERATOR) == "exited"
    assert m.Household.get_by_id(household.id).status == "exited"
    assert hs.apply(household, "exited", OPERATOR) is None
    assert m.AuditLog.select().where((m.AuditLog.entity == "household") & (m.AuditLog.action == "update")).count() == 1


def ended_tenancy(household, reason, ended=datetime.date(2026, 10, 1), dwelling=None):
    from samples import make_dwelling

    return m.Tenancy.create(household=household, dwelling=dwelling or make_dwelling(), contract_type="concordato_3_2",
                            monthly_rent=500, start_on=datetime.date(2025, 1, 1), ended_on=ended, end_reason=reason)


@pytest.mark.parametrize("reason, after", [("moved_on", "exited"), ("death", "exited"), ("institution", "exited"),
                                           ("eviction", "waiting"), ("abandoned", "waiting"), ("other", "housed")])
def test_an_ended_tenancy_moves_the_household_on_by_its_reason(database, reason, after):
    household = make_household(status="housed")
    hs.tenancy_ended(ended_tenancy(household, reason), {}, OPERATOR)
    assert m.Household.get_by_id(household.id).status == after


def test_an_end_moves_nobody_still_housed_and_a_corrected_end_moves_nobody(database):
    household = make_household(status="housed")
    old = ended_tenancy(household, "eviction")
    m.Tenancy.create(household=household, dwelling=old.dwelling, contract_type="concordato_3_2", monthly_rent=500,
                     start_on=datetime.date(2026, 11, 1))
    assert hs.tenancy_ended(old, {}, OPERATOR) is None  # housed again meanwhile
    alone = make_household(status="waiting", code="NF-2026-0002")
    earlier = ended_tenancy(alone, "moved_on", dwelling=old.dwelling)
    stored = {"ended_on": earlier.ended_on, "end_reason": "moved_on"}
    assert hs.tenancy_ended(earlier, stored, OPERATOR) is None  # a correction of an end already recorded
    assert m.Household.get_by_id(alone.id).status == "waiting"


def test_ending_a_tenancy_in_the_back_office_exits_the_household(app, login):
    """The exit is an event like the others: recording the end of the tenancy sets the status."""
    import re

    from conftest import form_post

    client = login("admin")
    with app.extensions["database"].connection_context():
        household = make_household(status="housed")
        tenancy = ended_tenancy(household, None, ended=None)
    url = f"/admin/tenancy/edit/?id={tenancy.id}"
    page = client.get(url).get_data(as_text=True)
    version = re.search(r'id="version" name="version" type="hidden" value="(\d+)"', page).group(1)
    response = form_post(client, url, {
        "household": household.id, "dwelling": tenancy.dwelling_id, "contract_type": "concordato_3_2",
        "monthly_rent": "500,00", "programme_contribution": "0,00", "start_on": "2025-01-01",
        "ended_on": "2026-10-01", "end_reason": "moved_on", "version": version})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    with app.extensions["database"].connection_context():
        assert m.Household.get_by_id(household.id).status == "exited"
        rows = m.AuditLog.select().where((m.AuditLog.entity == "household") & (m.AuditLog.action == "update"))
        assert [json.loads(row.changes)["status"] for row in rows] == [["housed", "exited"]]
