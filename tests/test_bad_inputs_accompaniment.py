"""Bad inputs on the accompaniment's forms: a field error, a 200 (never a 500
or a redirect) and nothing written, not even an audit row."""
import datetime

import pytest

import models as m
from conftest import form_post
from samples import make_dwelling, make_household, make_landlord, make_partner

TODAY = datetime.date.today()
TOMORROW = (TODAY + datetime.timedelta(days=1)).isoformat()
YESTERDAY = (TODAY - datetime.timedelta(days=1)).isoformat()
LONG = "Lorem ipsum " * 500


def referral():
    return {"household": make_household().id, "partner": make_partner().id, "service": "home_care",
            "sent_on": TODAY.isoformat(), "status": "sent"}


def place():
    return {"name": "Casa Nesima", "kind": "transitional", "capacity": "2", "facility": "Via Nesima 3", "active": "y"}


def stay():
    p = m.Place.create(name="Casa Librino", kind="emergency", capacity=2, facility="Viale Librino 1")
    return {"household": make_household().id, "place": p.id, "entry_on": YESTERDAY}


def tenancy():
    return {"household": make_household().id, "dwelling": make_dwelling().id, "contract_type": "concordato_3_2",
            "monthly_rent": "400", "programme_contribution": "100", "start_on": YESTERDAY}


def incentive():
    return {"landlord": make_landlord().id, "kind": "one_off_grant", "amount": "2000", "status": "requested",
            "budget_line": "PON 2026", "requested_on": TODAY.isoformat()}


def contact():
    return {"household": make_household().id, "contact_on": TODAY.isoformat(), "contact_type": "home_visit",
            "duration_minutes": "45", "note": "visita"}


def plan():
    return {"household": make_household().id, "started_on": TODAY.isoformat(), "status": "draft"}


SAMPLES = {"referral": referral, "place": place, "stay": stay, "tenancy": tenancy, "incentive": incentive,
           "contact_log": contact, "support_plan": plan}
MODEL = {"referral": m.Referral, "place": m.Place, "stay": m.Stay, "tenancy": m.Tenancy, "incentive": m.Incentive,
         "contact_log": m.ContactLog, "support_plan": m.SupportPlan}

CASES = [
    ("referral", "sent_on", {"sent_on": TOMORROW}),
    ("referral", "sent_on", {"sent_on": "31/02/2026"}),
    ("referral", "status_on", {"status_on": "2000-01-01"}),
    ("referral", "sessions", {"sessions": "-2"}),
    ("referral", "service", {"service": "astrology"}),
    ("referral", "partner", {"partner": "999999"}),
    ("referral", "outcome_note", {"outcome_note": LONG}),
    ("place", "capacity", {"capacity": "0"}),
    ("place", "capacity", {"capacity": "tre"}),
    ("place", "facility", {"facility": ""}),
    ("place", "kind", {"kind": "hotel"}),
    ("stay", "exit_on", {"exit_on": "2020-01-01", "exit_destination": "family"}),
    ("stay", "exit_destination", {"exit_on": TODAY.isoformat()}),
    ("stay", "exit_on", {"exit_on": TOMORROW, "exit_destination": "family"}),
    ("stay", "planned_exit_on", {"planned_exit_on": "2020-01-01"}),
    ("tenancy", "monthly_rent", {"monthly_rent": "-1"}),
    ("tenancy", "programme_contribution", {"programme_contribution": "NaN"}),
    ("tenancy", "end_on", {"end_on": "2020-01-01"}),
    ("tenancy", "end_reason", {"ended_on": YESTERDAY}),
    ("tenancy", "ended_on", {"end_reason": "eviction"}),
    ("incentive", "amount", {"amount": "-100"}),
    ("incentive", "amount", {"amount": "1e9"}),
    ("incentive", "months_covered", {"kind": "guarantee_fund"}),
    ("incentive", "months_covered", {"kind": "guarantee_fund", "months_covered": "99"}),
    ("incentive", "paid_on", {"status": "paid", "decided_on": TODAY.isoformat()}),
    ("incentive", "budget_line", {"budget_line": "x\x00y"}),
    ("contact_log", "duration_minutes", {"duration_minutes": "5000"}),
    ("contact_log", "contact_on", {"contact_on": TOMORROW}),
    ("support_plan", "review_on", {"review_on": "2020-01-01"}),
    ("support_plan", "consent_signed", {"status": "active"}),
    ("support_plan", "closed_on", {"status": "closed"}),
]


@pytest.mark.parametrize("registry, field, overrides", CASES, ids=[f"{r}-{f}-{i}" for i, (r, f, _) in enumerate(CASES)])
def test_bad_input_is_a_field_error_and_writes_nothing(app, login, registry, field, overrides):
    client = login("admin")
    with app.extensions["database"].connection_context():
        data = {k: str(v) for k, v in SAMPLES[registry]().items()}
        before, audit_before = MODEL[registry].select().count(), m.AuditLog.select().count()
    data.update(overrides)
    response = form_post(client, f"/admin/{registry}/new/", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page[-1500:]
    assert f'id="{field}"' in page
    # the error sits in the field's block: after its input, before the next field
    block = page[page.index(f'id="{field}"'):]
    block = block[:block.find('class="form-group', 10) if 'class="form-group' in block[10:] else len(block)]
    assert "text-danger" in block or "is-invalid" in block, block[:800]
    with app.extensions["database"].connection_context():
        assert MODEL[registry].select().count() == before
        assert m.AuditLog.select().count() == audit_before


@pytest.mark.parametrize("registry", sorted(SAMPLES))
def test_the_valid_sample_saves(app, login, registry):
    client = login("admin")
    with app.extensions["database"].connection_context():
        data = {k: str(v) for k, v in SAMPLES[registry]().items()}
    response = form_post(client, f"/admin/{registry}/new/", data)
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]


@pytest.mark.parametrize("url", [
    "/admin/journey/999999", "/admin/journey/999999/assess", "/admin/journey/assessment/999999/edit",
    "/admin/journey/offer/999999", "/admin/journey/1/assess?corrects=999999", "/admin/indicators/export.exe",
    "/admin/journey/offer/1?household=%00%01" + "x" * 500, "/admin/stay/?flt0_0=%00", "/admin/referral/?page=-5",
    f"/admin/matching/offer/{2**70}", f"/admin/matching/household/{2**70}",
])
def test_garbage_urls_never_make_a_server_error(app, login, url):
    client = login("admin")
    with app.extensions["database"].connection_context():
        household = make_household()
        m.Offer.create(dwelling=make_dwelling(), contract_type="transitory", monthly_rent=300)
        assert household.id == 1
    assert client.get(url).status_code in (200, 302, 404)
