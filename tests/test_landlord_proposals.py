"""The site's form "Offri il tuo alloggio": the public endpoint and the staff's queue, on both engines."""
import datetime
import re
from decimal import Decimal

import pytest

from conftest import csrf_token
from housing import landlord_proposals as proposals
from models import AuditLog, District, Dwelling, Landlord, LandlordProposal, OutboxMessage, ProposalAttempt

URL = "/public/landlord-proposal"
SITE = "http://127.0.0.1:8001"  # HOUSING_SITE_URL's default


@pytest.fixture
def district(app):
    with app.extensions["database"].connection_context():
        return District.create(name="Borgo-Sanzio")


def valid(home, **changes):
    data = {"name": "Maria Rossi", "email": "maria@example.org", "phone": "", "district": home.name,
            "area_m2": "75,5", "rooms": "3", "floor": "2", "has_lift": "on", "monthly_rent": "1.234,50",
            "available_from": "01/09/2030", "notes": "Terrazzo.", "consent": "on", "language": "it",
            "elapsed": "30000", "website": ""}
    data.update(changes)
    return data


def post(client, data, origin=SITE, headers=None, **options):
    headers = dict(headers or {})
    if origin is not None:
        headers["Origin"] = origin
    return client.post(URL, data=data, headers=headers, **options)


def count(app, model=LandlordProposal):
    with app.extensions["database"].connection_context():
        return model.select().count()


def test_a_valid_proposal_writes_exactly_one_row(app, client, district):
    response = post(client, valid(district))
    assert response.status_code == 202, response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers  # no session: nothing to ride on
    assert count(app) == 1
    with app.extensions["database"].connection_context():
        proposal = LandlordProposal.get()
        assert (proposal.area_m2, proposal.monthly_rent) == (76, Decimal("1234.50"))  # decimal commas
        assert proposal.available_from == datetime.date(2030, 9, 1) and proposal.has_lift and proposal.consent
        assert proposal.status == "new" and proposal.district_id == district.id
        assert AuditLog.select().where(AuditLog.entity == "landlord_proposal").count() == 1
        assert OutboxMessage.select().count() == 0  # e-mail is not configured


def test_every_invalid_field_is_named_and_nothing_is_written(app, client, district):
    bad = valid(district, name="", email="not-an-address", district="Atlantide", area_m2="75,5,1", rooms="0",
                monthly_rent="-3", available_from="31/02/2030", consent="", postcode="123")
    response = post(client, bad)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for field in ("name", "email", "district", "area_m2", "rooms", "monthly_rent", "available_from", "consent",
                  "postcode"):
        assert f'data-field="{field}"' in page, field
    assert "not-an-address" not in page  # nothing typed is echoed
    assert count(app) == 0
    # no contact at all is named too
    response = post(client, valid(district, email="", phone=""))
    assert response.status_code == 422 and 'data-field="email"' in response.get_data(as_text=True)
    assert count(app) == 0


@pytest.mark.parametrize("changes", [{"website": "http://spam.example"}, {"elapsed": "900"}, {"elapsed": ""},
                                     {"elapsed": "abc"}])
def test_bots_are_dropped_silently(app, client, district, changes):
    accepted = post(client, valid(district))
    dropped = post(client, valid(district, **changes))
    assert dropped.status_code == accepted.status_code == 202
    assert dropped.get_data() == accepted.get_data()
    assert count(app) == 1


def test_the_rate_limit_counts_per_client_address(app, client, district):
    app.config["PROPOSAL_LIMIT"] = 2
    assert [post(client, valid(district)).status_code for _ in range(3)] == [202, 202, 429]
    assert post(client, valid(district, website="x")).status_code == 429  # bots are counted too
    other = post(client, valid(district), environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 202
    assert count(app) == 3
    with app.extensions["database"].connection_context():
        assert "127.0.0.1" not in {a.client_key for a in ProposalAttempt.select()}  # never the address itself


def test_the_limit_follows_the_trusted_proxy_header(db_url, district):
    from admin import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "k", "DATABASE_URL": db_url, "TRUSTED_PROXIES": 1,
                      "PROPOSAL_LIMIT": 1})
    client = app.test_client()
    first = post(client, valid(district), headers={"X-Forwarded-For": "203.0.113.1"})
    assert first.status_code == 202
    assert post(client, valid(district), headers={"X-Forwarded-For": "203.0.113.1"}).status_code == 429
    assert post(client, valid(district), headers={"X-Forwarded-For": "203.0.113.2"}).status_code == 202


@pytest.mark.parametrize("headers", [{"Origin": "https://evil.example"}, {"Origin": "null"},
                                     {"Referer": "https://evil.example/offri-alloggio/"}, {}])
def test_a_post_from_elsewhere_is_refused(app, client, district, headers):
    response = client.post(URL, data=valid(district), headers=headers)
    assert response.status_code == 403
    assert count(app) == 0


def test_the_site_referer_is_enough_without_origin(app, client, district):
    response = client.post(URL, data=valid(district), headers={"Referer": SITE + "/offri-alloggio/"})
    assert response.status_code == 202 and count(app) == 1


def test_only_form_encoding_of_a_small_size_is_read(app, client, district):
    import json

    response = client.post(URL, data=json.dumps(valid(district)), content_type="application/json",
                           headers={"Origin": SITE})
    assert response.status_code == 415
    response = post(client, {**valid(district), "notes": "x" * 20000})
    assert response.status_code == 413
    assert count(app) == 0


def test_nothing_is_read_back(app, client, district):
    assert post(client, valid(district)).status_code == 202
    page = post(client, valid(district, name="Giulia Bianchi", email="giulia@example.org")).get_data(as_text=True)
    assert "Maria" not in page and "Giulia" not in page and "giulia@" not in page
    for method in (client.get, client.put, client.delete):
        assert method(URL).status_code == 405
    assert client.get("/public/landlord-proposal/1").status_code == 404


def test_the_landlord_gets_a_confirmation_when_mail_is_configured(app, client, district, monkeypatch):
    monkeypatch.setenv("HOUSING_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("HOUSING_MAIL_FROM", "noreply@example.org")
    assert post(client, valid(district, language="en")).status_code == 202
    with app.extensions["database"].connection_context():
        message = OutboxMessage.get()
        assert message.recipient == "maria@example.org" and message.subject == proposals.CONFIRMATION["en"][0]
        assert message.related_table == "landlord_proposal"


# -- the staff's queue ---------------------------------------------------------------------------

def queued(app, district, **changes):
    with app.extensions["database"].connection_context():
        data = proposals.read_form(valid(district, **changes))
        return proposals.submit(data)


def test_staff_see_the_queue_and_convert_a_proposal(app, client, district, login):
    proposal = queued(app, district, address="Via Etnea 1", postcode="95100")
    login("clerk")
    page = client.get("/admin/landlord_proposal/")
    assert page.status_code == 200 and "Maria Rossi" in page.get_data(as_text=True)
    token = csrf_token(client, f"/admin/landlord_proposal/details/?id={proposal.id}")
    response = client.post("/admin/landlord_proposal/convert/", data={"id": proposal.id, "csrf_token": token,
                                                                     "kind": "private_person",
                                                                     "tax_code": "RSSMRA80A01H501U"})
    assert response.status_code == 302
    follow = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Not registered" not in follow, re.findall(r"Not registered[^<]*", follow)
    with app.extensions["database"].connection_context():
        landlord, dwelling = Landlord.get(), Dwelling.get()
        assert (landlord.name, landlord.email, landlord.kind) == ("Maria Rossi", "maria@example.org", "private_person")
        assert (dwelling.landlord_id, dwelling.district_id, dwelling.area_m2, dwelling.rooms) == (
            landlord.id, district.id, 76, 3)
        assert dwelling.has_lift and dwelling.address == "Via Etnea 1"
        again = LandlordProposal.get_by_id(proposal.id)
        assert (again.status, again.landlord_id, again.dwelling_id) == ("converted", landlord.id, dwelling.id)
        entities = {row.entity for row in AuditLog.select().where(AuditLog.actor == "clerk1")}
        assert {"landlord", "dwelling", "landlord_proposal"} <= entities
        with pytest.raises(proposals.ProposalError):  # twice is refused
            proposals.convert(proposal.id, None)
        assert Landlord.select().count() == 1


def test_a_conversion_is_all_or_nothing(app, district):
    proposal = queued(app, district)  # no address nor postcode yet
    with app.extensions["database"].connection_context():
        with pytest.raises(proposals.ProposalError) as refused:
            proposals.convert(proposal.id, None)
        assert {"address", "postcode"} <= set(refused.value.errors)
        assert Landlord.select().count() == Dwelling.select().count() == 0
        assert LandlordProposal.get_by_id(proposal.id).status == "new"


def test_the_queue_is_closed_to_anonymous_and_viewers(app, client, district, login):
    assert client.get("/admin/landlord_proposal/").status_code in (302, 403)
    login("viewer")
    assert client.get("/admin/landlord_proposal/").status_code == 403


def test_old_proposals_are_deleted_by_the_retention_rule(app, district):
    from housing import retention

    proposal = queued(app, district)
    with app.extensions["database"].connection_context():
        retention.ensure_rules()
        LandlordProposal.update(created_at=datetime.datetime(2020, 1, 1)).where(
            LandlordProposal.id == proposal.id).execute()
        changes = retention.run(apply=True, today=datetime.date(2021, 6, 1))
        assert [(c.kind, c.table) for c in changes] == [("landlord_proposal", "landlord_proposal")]
        assert LandlordProposal.select().count() == 0


def test_a_district_merge_carries_the_proposals(app, district):
    from housing import districts

    proposal = queued(app, district)
    with app.extensions["database"].connection_context():
        target = District.create(name="San Cristoforo")
        districts.merge(district.id, target.id)
        assert LandlordProposal.get_by_id(proposal.id).district_id == target.id


def test_rooms_must_be_whole_and_figures_out_of_range_are_named(app, client, district):
    response = post(client, valid(district, rooms="3,5", floor="99", area_m2="5", monthly_rent="2000000"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    for field in ("rooms", "floor", "area_m2", "monthly_rent"):
        assert f'data-field="{field}"' in page, field
    assert count(app) == 0


def test_a_clerk_completes_a_proposal_and_the_change_is_audited(app, client, district, login):
    from conftest import form_post

    proposal = queued(app, district)
    login("clerk")
    url = f"/admin/landlord_proposal/edit/?id={proposal.id}"
    response = form_post(client, url, {
        "status": "contacted", "name": "Maria Rossi", "email": "maria@example.org", "phone": "",
        "district": str(district.id), "address": "Via Etnea 1", "postcode": "95100", "area_m2": "76", "rooms": "3",
        "floor": "2", "has_lift": "y", "monthly_rent": "1234,50", "available_from": "2030-09-01", "notes": "",
        "contacted_on": datetime.date.today().isoformat()})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    with app.extensions["database"].connection_context():
        again = LandlordProposal.get_by_id(proposal.id)
        assert (again.status, again.address, again.postcode) == ("contacted", "Via Etnea 1", "95100")
        assert again.consent  # not in the staff's form: the landlord's own declaration
        row = AuditLog.get((AuditLog.entity == "landlord_proposal") & (AuditLog.actor == "clerk1"))
        assert "address" in row.changes
