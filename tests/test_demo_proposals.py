"""The demo's landlords' proposals: a queue a clerk can work through, valid as the public form requires."""
import datetime

import pytest

from housing import demo, landlord_proposals
from models import LandlordProposal

TODAY = datetime.date(2025, 6, 1)


@pytest.fixture
def seeded(database):
    return demo.seed(today=TODAY)


def test_the_demo_queues_proposals_in_every_working_state(seeded):
    proposals = list(LandlordProposal.select().order_by(LandlordProposal.created_at))
    assert seeded["LandlordProposal"] == len(proposals) >= 5
    assert {p.status for p in proposals} >= {"new", "contacted"}
    assert {p.language for p in proposals} == {"it", "en"}
    for proposal in proposals:
        assert proposal.consent and (proposal.email or proposal.phone)
        assert proposal.district_id and proposal.area_m2 > 0 and proposal.rooms > 0
        assert proposal.created_at.date() <= TODAY
        assert proposal.email is None or proposal.email.endswith("@example.org")


def test_a_contacted_demo_proposal_can_be_registered(seeded):
    proposal = LandlordProposal.select().where(LandlordProposal.status == "contacted").first()
    landlord, dwelling = landlord_proposals.convert(proposal.id, None, tax_code="RSSMRA80A01H501U")
    assert dwelling.landlord_id == landlord.id and dwelling.district_id == proposal.district_id
    assert LandlordProposal.get_by_id(proposal.id).status == "converted"

