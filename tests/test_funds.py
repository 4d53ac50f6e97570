"""Contribution funds in the rent rule (plain values, no database): the household pays its
share of income, a fund the rest within its cap; scalar and vectorised checks agree."""
import dataclasses
import datetime
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from housing.matching.funds import FundCase, funding, isee_in_force
from housing.matching.rules import rule
from housing.matching.table import HouseholdTable
from test_matching_cases import CONTRACTS, TODAY, household, household_lists, offer, offer_lists

SHARE = Decimal("0.30")
RENT = rule("rent_sustainable")
HOUSING_FIRST = FundCase(id=1, name="Housing First", monthly_budget=Decimal("5000"), household_cap=Decimal("400"),
                         valid_from=TODAY - datetime.timedelta(days=365))
MUNICIPAL = FundCase(id=2, name="Sostegno affitto", monthly_budget=Decimal("3000"), household_cap=Decimal("250"),
                     valid_from=TODAY - datetime.timedelta(days=30), contract_types=frozenset({"concordato_3_2"}),
                     isee_ceiling=Decimal("26000"))


def funded(**fields):
    return offer(funds=(HOUSING_FIRST, MUNICIPAL), **fields)


def test_the_household_pays_its_share_and_the_fund_the_rest():
    ok, text = RENT.check(household(monthly_income=Decimal("600")), funded(monthly_rent=Decimal("512")), SHARE, TODAY)
    assert ok
    assert text == ("canone 512 €; il nucleo paga 180 € (30% di 600 €); "
                    "il contributo di 332 € rientra nel tetto di 400 € del fondo «Housing First»")
    ok, text = RENT.check(household(monthly_income=Decimal("600")), funded(monthly_rent=Decimal("512")), SHARE, TODAY,
                          lang="en")
    assert text == ("rent €512; the household pays €180 (30% of €600); "
                    "the contribution of €332 is within the €400 cap of the “Housing First” fund")


def test_without_funds_the_rule_reads_as_before():
    ok, text = RENT.check(household(monthly_income=Decimal("1640")), offer(monthly_rent=Decimal("512")), SHARE, TODAY)
    assert (ok, text) == (False, "canone 512 € > 30% × 1.640 € = 492 €")


def test_zero_income_is_eligible_where_a_fund_covers_the_whole_cost():
    h = household(monthly_income=Decimal("0"))
    assert not RENT.check(h, offer(monthly_rent=Decimal("380")), SHARE, TODAY)[0]   # no fund: as before
    ok, text = RENT.check(h, funded(monthly_rent=Decimal("380")), SHARE, TODAY)
    assert ok and "il nucleo paga 0 € (30% di 0 €)" in text and "contributo di 380 €" in text


def test_zero_income_is_explained_when_no_fund_can_pay():
    h = household(monthly_income=Decimal("0"), isee_value=Decimal("3000"), isee_date=TODAY)
    ok, text = RENT.check(h, funded(monthly_rent=Decimal("450"), service_charges=Decimal("30")), SHARE, TODAY)
    assert not ok
    assert text == ("canone 450 € + spese 30 € = 480 €; il nucleo paga 0 € (30% di 0 €); "
                    "il contributo di 480 € non è coperto da nessun fondo "
                    "(«Housing First»: tetto di 400 € per nucleo; «Sostegno affitto»: tetto di 250 € per nucleo)")


def test_isee_ceiling_missing_expired_and_over():
    o = funded(monthly_rent=Decimal("600"))        # 600 - 180 = 420 > Housing First's cap: only the municipal fund
    o = dataclasses.replace(o, funds=(MUNICIPAL,))
    base = dict(monthly_income=Decimal("1400"))    # pays 420, needs 180
    assert not RENT.check(household(**base), o, SHARE, TODAY)[0]
    assert "richiede un ISEE (massimo 26.000 €): non registrato" in RENT.check(household(**base), o, SHARE, TODAY)[1]
    old = household(isee_value=Decimal("9000"), isee_date=datetime.date(TODAY.year - 1, 12, 1), **base)
    assert isee_in_force(old, TODAY) is None
    ok, text = RENT.check(old, o, SHARE, TODAY)
    assert not ok and "ISEE in corso di validità: quello del 01/12/2025 è scaduto" in text
    rich = household(isee_value=Decimal("30000"), isee_date=TODAY, **base)
    assert "ISEE 30.000 € oltre il massimo di 26.000 €" in RENT.check(rich, o, SHARE, TODAY)[1]
    assert RENT.check(household(isee_value=Decimal("9000"), isee_date=TODAY, **base), o, SHARE, TODAY)[0]


def test_contract_type_ethos_and_dates_limit_a_fund():
    roofless_only = dataclasses.replace(HOUSING_FIRST, ethos_groups=frozenset({"roofless"}))
    o = offer(monthly_rent=Decimal("512"), funds=(roofless_only,))
    poor = dict(monthly_income=Decimal("600"))
    assert RENT.check(household(ethos_category="roofless_2", **poor), o, SHARE, TODAY)[0]
    assert not RENT.check(household(ethos_category="houseless_3", **poor), o, SHARE, TODAY)[0]
    assert not RENT.check(household(ethos_category=None, **poor), o, SHARE, TODAY)[0]
    expired = dataclasses.replace(HOUSING_FIRST, valid_until=TODAY - datetime.timedelta(days=1))
    assert "non è in vigore oggi" in RENT.check(household(**poor), offer(monthly_rent=Decimal("512"), funds=(expired,)),
                                                 SHARE, TODAY)[1]
    assert not RENT.check(household(**poor), offer(monthly_rent=Decimal("400"), contract_type="erp",
                                                   funds=(MUNICIPAL,)), SHARE, TODAY)[0]


def test_the_first_fund_by_id_pays_when_several_may():
    f = funding(household(monthly_income=Decimal("1000"), isee_value=Decimal("5000"), isee_date=TODAY),
                offer(monthly_rent=Decimal("400"), funds=(MUNICIPAL, HOUSING_FIRST)), SHARE, TODAY)
    assert (f.need, f.fund.name) == (10000, "Housing First")


funds_strategy = st.lists(st.builds(
    FundCase, id=st.integers(1, 5), name=st.just("F"), monthly_budget=st.just(Decimal("1000")),
    household_cap=st.sampled_from([Decimal(0), Decimal(150), Decimal(400), Decimal("650.50")]),
    valid_from=st.sampled_from([TODAY, TODAY + datetime.timedelta(days=1), TODAY - datetime.timedelta(days=9)]),
    valid_until=st.sampled_from([None, TODAY, TODAY - datetime.timedelta(days=1)]),
    contract_types=st.sets(st.sampled_from(CONTRACTS), max_size=2).map(frozenset),
    ethos_groups=st.sets(st.sampled_from(["roofless", "houseless", "insecure"]), max_size=2).map(frozenset),
    isee_ceiling=st.sampled_from([None, Decimal(8000), Decimal(26000)])), max_size=3, unique_by=lambda f: f.id)
isee = st.sampled_from([(None, None), (Decimal(5000), TODAY), (Decimal(20000), TODAY - datetime.timedelta(days=40)),
                        (Decimal(5000), datetime.date(TODAY.year - 1, 6, 1)), (Decimal(30000), TODAY)])


@settings(max_examples=80, deadline=None)
@given(household_lists(min_size=1, max_size=7), offer_lists(min_size=1, max_size=4), funds_strategy,
       st.lists(isee, min_size=7, max_size=7))
def test_vectorised_rent_rule_equals_the_scalar_one(households, offers, funds, isees):
    households = [dataclasses.replace(h, isee_value=v, isee_date=d) for h, (v, d) in zip(households, isees)]
    offers = [dataclasses.replace(o, funds=tuple(funds)) for o in offers]
    table = HouseholdTable(households)
    for o in offers:
        mask = table.rule_mask(RENT, o, SHARE, TODAY)
        assert mask.tolist() == [RENT.check(h, o, SHARE, TODAY)[0] for h in households]
        for lang in ("it", "en"):
            for h in households:
                assert RENT.check(h, o, SHARE, TODAY, lang)[1]
