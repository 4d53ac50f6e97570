"""Issue 11 on the records: a tenancy opened from a match carries the fund and the
contribution the match used; the indicators show each fund's commitments month by month
against its budget; the offer and journey sustainability checks read the matching's own
fund rule; the households' ranked choices are edited in the household form, audited, and
reach the matching."""
import datetime
import html
import json
import re
from decimal import Decimal
from types import SimpleNamespace

import models as m
from conftest import csrf_token, form_post
from housing import match_data, matches
from housing.accompaniment import indicators, sustainability
from housing.matching.rules import evaluate
from samples import district_id, make_dwelling, make_household, make_landlord, prepared
from test_workflow import CLERK, OPERATOR, ROUTES, run_route

TODAY = datetime.date.today()


def fund(name, cap, budget=2000, **fields):
    return m.ContributionFund.create(name=name, monthly_budget=budget, household_cap=cap,
                                     valid_from=TODAY - datetime.timedelta(days=400), **fields)


def an_offer(rent=500, charges=0, unit="1"):
    return m.Offer.create(dwelling=make_dwelling(make_landlord(), cadastral_unit=unit, rooms=1),
                          contract_type="concordato_3_2",
                          monthly_rent=rent, service_charges=charges, status="published", published=True)


def signed(household, offer, snapshot=None):
    matches.ensure_settings()
    match = matches.propose(household, offer, OPERATOR, snapshot=snapshot)
    run_route(match, [CLERK if step in ("landlord_decision", "contract_signed") else OPERATOR
                      for step in ROUTES["concordato_3_2"]])
    return m.Tenancy.get(m.Tenancy.match == match.id)


def test_the_tenancy_carries_the_fund_and_contribution_of_the_match_and_the_indicators_count_them(database):
    first, second = fund("Housing First", cap=400), fund("Fondo comunale", cap=400)
    household = make_household(monthly_net_income=Decimal(600))
    offer = an_offer(rent=450, charges=62)
    # the household pays 30% of 600 = 180; 512 - 180 = 332 from a fund; the batch chose the second fund
    tenancy = signed(household, offer, snapshot={"funding": {"fund_id": second.id, "contribution": "332.00"}})
    charge = m.FundCharge.get(m.FundCharge.tenancy == tenancy.id)
    assert (charge.fund_id, charge.monthly_contribution, tenancy.programme_contribution) == (
        second.id, Decimal("332.00"), Decimal("332.00"))
    assert m.AuditLog.select().where(m.AuditLog.entity == "fund_charge").count() == 1
    # the matching sees the commitment, and the indicators month by month against the budget
    assert {f.id: f.committed for f in match_data.fund_cases()} == {first.id: 0, second.id: Decimal("332.00")}
    by_fund = {row["fund_id"]: row["months"] for row in indicators.fund_commitments(TODAY)}
    this_month = by_fund[second.id][-1]
    assert (this_month["committed"], this_month["budget"], this_month["tenancies"]) == (
        Decimal("332.00"), Decimal("2000.00"), 1)
    assert by_fund[first.id][-1]["committed"] == 0 and len(by_fund[second.id]) == indicators.FUND_MONTHS
    rows = indicators.rows(indicators.compute(TODAY), "it")
    assert any(section.startswith("impegni dei fondi") and "Fondo comunale" in name and value == Decimal("332.00")
               for section, name, value in rows)


def test_without_a_choice_recorded_the_first_fund_that_may_pay_is_charged(database):
    fund("Piccolo", cap=100)
    big = fund("Housing First", cap=400)
    household = make_household(monthly_net_income=Decimal(0))
    tenancy = signed(household, an_offer(rent=350))
    charge = m.FundCharge.get(m.FundCharge.tenancy == tenancy.id)
    assert (charge.fund_id, charge.monthly_contribution) == (big.id, Decimal("350.00"))
    # a choice the fund may not pay (over its cap) falls back to the rule's
    assert json.loads(m.Match.get_by_id(tenancy.match_id).snapshot).get("funding") in (None, {})


def test_a_zero_income_without_a_fund_is_explained_and_the_tenancy_charges_nobody(database):
    fund("Piccolo", cap=100)
    household = make_household(monthly_net_income=Decimal(0))
    offer = an_offer(rent=300)
    check = sustainability.check(offer, household)
    assert check["funding"]["covered"] is False and check["funding"]["fund"] is None
    assert "non è coperto da nessun fondo" in check["funding"]["explanation"]
    assert "tetto di 100 € per nucleo" in check["funding"]["explanation"]
    # the same words as the matching's rent rule
    case, offer_case = match_data.household_case(household.id), match_data.offer_case(offer.id)
    rent_rule = dict(evaluate(case, offer_case, match_data.rule_config(), TODAY).failures)["rent_sustainable"]
    assert rent_rule == check["funding"]["explanation"]
    tenancy = signed(household, offer)
    assert tenancy.programme_contribution == Decimal("300.00")
    assert not m.FundCharge.select().exists()


def test_the_offer_and_journey_pages_show_the_funds_rule(app, login):
    client = login("operator")
    with app.extensions["database"].connection_context():
        fund("Housing First", cap=400)
        household = make_household(monthly_net_income=Decimal(600))
        offer = an_offer(rent=450, charges=62)
        matches.ensure_settings()
        matches.propose(household, offer, OPERATOR)
    html = client.get(f"/admin/journey/offer/{offer.id}?household={household.code}").get_data(as_text=True)
    assert 'id="fund"' in html and "Housing First" in html
    assert "il nucleo paga 180 € (30% di 600 €)" in html and "332 €" in html
    html = client.get(f"/admin/journey/{household.id}").get_data(as_text=True)
    assert 'data-funding="covered"' in html and "tetto di 400 €" in html


def test_the_household_ranks_districts_and_offers_in_its_form(app, login):
    client = login("operator")
    data = prepared(app, "household")
    with app.extensions["database"].connection_context():
        offer = an_offer(unit="9")
        centro = district_id("Centro")
    form = client.get("/admin/household/new/").get_data(as_text=True)
    assert "preferences" in form
    bad = {**data, "preferences-0-preference_rank": "1", "preferences-0-district": str(centro),
           "preferences-0-offer": str(offer.id)}
    response = form_post(client, "/admin/household/new/", bad)
    assert response.status_code == 200 and "uno solo dei due" in response.get_data(as_text=True)
    with app.extensions["database"].connection_context():
        assert not m.Household.select().where(m.Household.code == "NF-2026-0100").exists()
    good = {**data, "preferences-0-preference_rank": "1", "preferences-0-offer": str(offer.id),
            "preferences-1-preference_rank": "2", "preferences-1-district": str(centro)}
    assert form_post(client, "/admin/household/new/", good).status_code == 302
    with app.extensions["database"].connection_context():
        household = m.Household.get(m.Household.code == "NF-2026-0100")
        assert match_data.household_case(household.id).preferences == (("offer", offer.id), ("district", "Centro"))
        assert m.AuditLog.select().where(m.AuditLog.entity == "household_preference").count() == 2
    # a viewer may not edit households at all
    client.get("/logout")


def test_the_ranked_offer_is_typed_and_only_open_offers_are_offered(app, login):
    """The household form does not list every offer (each with its dwelling and district: a query per
    option); the offer is looked up as typed, among the open offers, by number or street."""
    client = login("operator")
    with app.extensions["database"].connection_context():
        owner = make_landlord()
        open_offer, let = (m.Offer.create(dwelling=make_dwelling(owner, cadastral_unit=unit, address=address),
                                          contract_type="concordato_3_2", monthly_rent=400, status=status,
                                          published=status == "published")
                           for unit, address, status in (("11", "Via Crociferi 7", "published"),
                                                         ("12", "Via Crociferi 9", "let")))
        street = "Crociferi"
    # the new row's template is escaped inside the page
    form = html.unescape(client.get("/admin/household/new/").get_data(as_text=True))
    field = re.search(r'<[^>]*name="offer"[^>]*>', form)
    assert field and "householdpreference.offer" in field.group(0) and "data-url" in field.group(0), field
    assert "Via Crociferi" not in form  # no offer is listed in the page
    url = "/admin/household/ajax/lookup/?name=householdpreference.offer&query="
    found = [row[0] for row in json.loads(client.get(url).get_data(as_text=True))]
    assert open_offer.id in found and let.id not in found
    by_street = [row[0] for row in json.loads(client.get(url + street).get_data(as_text=True))]
    assert open_offer.id in by_street and let.id not in by_street
    by_number = [row[0] for row in json.loads(client.get(url + str(open_offer.id)).get_data(as_text=True))]
    assert by_number == [open_offer.id]
    client.get("/logout")


def test_a_ranking_change_reaches_the_cached_candidates(database):
    household = make_household(monthly_net_income=Decimal(900))
    before = {c.id: c.preferences for c in match_data.household_cases(today=TODAY)}
    assert before[household.id] == ()
    m.HouseholdPreference.create(household=household, preference_rank=1, district=district_id("Centro"))
    after = {c.id: c.preferences for c in match_data.household_cases(today=TODAY)}
    assert after[household.id] == (("district", "Centro"),)


def test_the_batch_page_compares_the_aims_and_carries_the_fund_to_the_match(app, login):
    client = login("operator")
    with app.extensions["database"].connection_context():
        fund("Piccolo", cap=50)
        chosen = fund("Housing First", cap=400)
        household = make_household(monthly_net_income=Decimal(600))
        offer = an_offer(rent=450, charges=62)
    html = client.get("/admin/matching/batch").get_data(as_text=True)
    assert 'id="aims"' in html and "Nuclei nella prima scelta" in html
    pairs = re.findall(r'name="pair" value="(\d+-\d+(?:-\d+)?)"', html)
    assert pairs == [f"{household.id}-{offer.id}-{chosen.id}"]
    client.post("/admin/matching/batch/accept", data={"pair": pairs, "csrf_token": csrf_token(client, "/admin/matching/batch")})
    with app.extensions["database"].connection_context():
        match = m.Match.get((m.Match.household == household.id) & (m.Match.offer == offer.id))
        assert json.loads(match.snapshot)["funding"] == {"fund_id": chosen.id, "contribution": "332.00"}
