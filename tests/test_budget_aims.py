"""Stage 2 by the office's aims when the funds' budgets bind (``housing.matching.budget_aims``), no
database: on small random instances the proposal equals an independent enumeration of every
matching with every charging of its contributions to the funds (the housed set in priority
order first, then the aims in their order); budgets and caps hold; and a constructed case where
the score's fit and the aims disagree under a binding budget follows the aims."""
import re
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from housing.matching import aims, budget_aims
from housing.matching.batch import propose_batch
from test_funds_batch import CONFIG, WEIGHTS, best_charging, check_budgets, fund
from test_matching_aims import ranked
from test_matching_batch import objective_key
from test_matching_cases import DISTRICTS, TODAY, aims_key, household, offer


def brute_force(households, offers, funds):
    """The best (housed in priority order, aims' key) over every matching x every charging, by enumeration."""
    return best_charging(households, offers, funds, aims_key)


# tight: low incomes, rents a fund must top up and small budgets, so that the aims' own
# assignment often cannot be paid and stage 2 runs under the budgets
tight_funds = st.tuples(
    st.builds(lambda b, c: fund(1, b, c), st.sampled_from([250, 400, 550, 700]), st.sampled_from([300, 450])),
    st.builds(lambda b, c, ct: fund(2, b, c, contract_types=ct), st.sampled_from([0, 150, 300]),
              st.sampled_from([200, 400]), st.sampled_from([frozenset(), frozenset({"erp"})])))


@st.composite
def tight_instance(draw):
    funds = draw(tight_funds)
    offers = [offer(id=j, rooms=draw(st.sampled_from([1, 1, 2])), district=draw(st.sampled_from(DISTRICTS)),
                    contract_type=draw(st.sampled_from(["concordato_3_2", "erp"])),
                    monthly_rent=Decimal(draw(st.integers(100, 450))), funds=funds)
              for j in range(1, draw(st.integers(3, 4)) + 1)]
    households = [household(id=i, monthly_income=draw(st.sampled_from([Decimal(0), Decimal(0), Decimal(0), Decimal(300),
                                                                          Decimal(700)])),
                            ethos_category=draw(st.sampled_from(["roofless_1", "houseless_3", "insecure_8"])),
                            tie_break_key=i / 10) for i in range(1, draw(st.integers(3, 5)) + 1)]
    return draw(ranked(households, offers)), offers, funds


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tight_instance())
def test_stage2_under_budgets_equals_the_lexicographic_optimum(case):
    households, offers, funds = case
    result = propose_batch(households, offers, CONFIG, WEIGHTS, TODAY)
    check_budgets(result, households, offers, funds)
    # housed set first (stage 1, unchanged), then the aims: the enumeration's optimum
    assert objective_key(result, households, "lexicographic", offers=offers) == brute_force(households, offers, funds)
    stage2 = result.objective.get("stage2", {})
    if result.objective.get("budget_bound"):
        assert stage2["by"] in ("aims", "aims under budgets") and stage2["exact"]
        assert stage2["aims_left_out"] == []
        # the MILPs alone, also where the aims' own assignment could be paid, and with the reduced-cost
        # fixing of large programs (above budget.SMALL variables, here all): the same optimum
        budget_aims.SHORTCUT, small = False, budget_aims.budget.SMALL
        budget_aims.budget.SMALL = 0
        try:
            milps = propose_batch(households, offers, CONFIG, WEIGHTS, TODAY, baseline=False)
        finally:
            budget_aims.SHORTCUT, budget_aims.budget.SMALL = True, small
        check_budgets(milps, households, offers, funds)
        assert milps.objective["stage2"]["by"] == "aims under budgets" or milps.housed == 0
        assert milps.objective["stage2"]["exact"]
        assert objective_key(milps, households, "lexicographic", offers=offers) == objective_key(
            result, households, "lexicographic", offers=offers)


def binding_case():
    """Two zero-income households (a fund pays the whole rent), budget 600 EUR: offers 1 (350 EUR)
    and 3 (300 EUR) together cost 650. A ranks offer 1 first, B offer 3. Housed both; by choice,
    A on 1 with B on 2 (600 EUR) ties A on 2 with B on 3 (550 EUR), and the smaller contribution wins.
    Offer 3 has a room more than B needs: the score's fit prefers A on 1 with B on 2."""
    hf = fund(1, 600, 400)
    a = household(id=1, monthly_income=Decimal(0), ethos_category="roofless_1", tie_break_key=0.1,
                  preferences=(("offer", 1),))
    b = household(id=2, monthly_income=Decimal(0), ethos_category="roofless_1", tie_break_key=0.2,
                  preferences=(("offer", 3),))
    offers = [offer(id=1, monthly_rent=Decimal(350), funds=(hf,)), offer(id=2, monthly_rent=Decimal(250), funds=(hf,)),
              offer(id=3, monthly_rent=Decimal(300), rooms=2, district="Picanello", funds=(hf,))]
    return [a, b], offers, (hf,)


def test_a_binding_budget_keeps_the_aims_where_the_score_fit_would_not(monkeypatch):
    households, offers, funds = binding_case()
    result = propose_batch(households, offers, CONFIG, WEIGHTS, TODAY)
    check_budgets(result, households, offers, funds)
    assert result.objective["budget_bound"]
    assert sorted((hid, oid) for hid, oid, _ in result.pairs) == [(1, 2), (2, 3)]
    assert result.objective["stage2"]["by"] == "aims under budgets" and result.objective["stage2"]["exact"]
    assert objective_key(result, households, "lexicographic", offers=offers) == brute_force(households, offers, funds)
    # the score's fit under the same budgets (what stage 2 did before) chooses otherwise, worse by the aims
    monkeypatch.setattr(budget_aims, "MAX_VARS", 1)
    by_fit = propose_batch(households, offers, CONFIG, WEIGHTS, TODAY)
    check_budgets(by_fit, households, offers, funds)
    assert by_fit.objective["stage2"]["by"] == "score fit under budgets"       # labelled, not silent
    assert {hid for hid, _, _ in by_fit.pairs} == {1, 2}                         # the same housed set
    assert sorted((hid, oid) for hid, oid, _ in by_fit.pairs) != [(1, 2), (2, 3)]
    assert (objective_key(by_fit, households, "lexicographic", offers=offers)
            < objective_key(result, households, "lexicographic", offers=offers))
    # the report compares every aim with greedy under budgets too
    assert {c["figure"] for c in result.objective["aims"]["comparison"]} == set(aims.BETTER)


def test_a_milp_stopped_by_its_limit_is_labelled(monkeypatch):
    """A MILP that stops at its node limit (above budget.SMALL variables) keeps its best solution;
    the report says which aim is not proven and HiGHS's gap, and the batch is not called exact."""
    households, offers, funds = binding_case()
    real = budget_aims.milp

    def stopped(*args, **kwargs):
        res = real(*args, **kwargs)
        res.status, res.mip_gap = 1, 0.25         # as if the node limit had stopped it
        return res

    monkeypatch.setattr(budget_aims, "milp", stopped)
    result = propose_batch(households, offers, CONFIG, WEIGHTS, TODAY)
    check_budgets(result, households, offers, funds)
    stage2 = result.objective["stage2"]
    assert stage2["by"] == "aims under budgets" and not stage2["exact"]
    assert 0.25 in stage2["gaps"].values() and result.objective["fit_gap"] == 0.25
    assert not result.objective["exact"]


def test_too_many_variables_fall_back_to_the_fit_labelled(monkeypatch):
    households, offers, funds = binding_case()
    monkeypatch.setattr(budget_aims, "MAX_VARS", 1)
    result = propose_batch(households, offers, CONFIG, WEIGHTS, TODAY)
    check_budgets(result, households, offers, funds)
    stage2 = result.objective["stage2"]
    assert stage2["by"] == "score fit under budgets" and "variables" in stage2["reason"]
    assert not stage2["exact"] and stage2["aims_left_out"] == list(aims.AIMS)


def test_the_batch_page_labels_the_fit_under_budgets_and_still_compares_the_aims(app, login, monkeypatch):
    """On the page: under binding budgets the aims decide within them (no warning); above the
    MILP's size the score's fit decides, and the page says so beside the per-aim comparison."""
    from decimal import Decimal as D

    import models as m
    from samples import make_dwelling, make_household, make_landlord
    from test_fund_commitments import fund as db_fund

    client = login("operator")
    with app.extensions["database"].connection_context():
        db_fund("Housing First", cap=400, budget=600)
        households = [make_household(code=f"NF-2026-000{i}", monthly_net_income=D(0)) for i in (1, 2)]
        owner = make_landlord()
        offers = [m.Offer.create(dwelling=make_dwelling(owner, cadastral_unit=unit, rooms=1),
                                 contract_type="concordato_3_2", monthly_rent=rent, service_charges=0,
                                 status="published", published=True)
                  for unit, rent in (("1", 350), ("2", 250), ("3", 300))]
        # their first choices together cost 650 EUR, more than the fund's 600: the budget binds in stage 2
        for household, offer_ in zip(households, (offers[0], offers[2])):
            m.HouseholdPreference.create(household=household, preference_rank=1, offer=offer_)
    html = client.get("/admin/matching/batch").get_data(as_text=True)
    assert 'id="aims"' in html and 'data-stage2="score fit under budgets"' not in html
    # A on offer 2 and B on its first choice, offer 3 (550 EUR), rather than A on its first choice (600 EUR)
    pairs = set(re.findall(r'name="pair" value="(\d+-\d+)-\d+"', html))
    assert pairs == {f"{households[0].id}-{offers[1].id}", f"{households[1].id}-{offers[2].id}"}
    limit = budget_aims.MAX_VARS
    monkeypatch.setattr(budget_aims, "MAX_VARS", 0)
    html = client.get("/admin/matching/batch").get_data(as_text=True)
    assert 'id="aims"' in html and 'data-stage2="score fit under budgets"' in html
    # a MILP stopped at its limit: the aims decided, not proven, and the page says so
    monkeypatch.setattr(budget_aims, "MAX_VARS", limit)
    real = budget_aims.milp

    def stopped(*args, **kwargs):
        res = real(*args, **kwargs)
        res.status, res.mip_gap = 1, 0.25
        return res

    monkeypatch.setattr(budget_aims, "milp", stopped)
    html = client.get("/admin/matching/batch").get_data(as_text=True)
    assert 'id="aims"' in html and 'data-stage2="aims under budgets"' in html
    # a housed set with more pairs than stage 2 can take: stage 1's assignment, kept, with its bound, labelled
    monkeypatch.setattr(budget_aims, "milp", real)
    from housing.matching import batch, budget
    monkeypatch.setattr(batch, "LARGE_PAIRS", 0)
    monkeypatch.setattr(budget, "FIT_MAX_VARS", 0)
    html = client.get("/admin/matching/batch").get_data(as_text=True)
    assert 'id="aims"' in html and 'data-stage2="stage 1 assignment under budgets"' in html
    assert len(set(re.findall(r'name="pair" value="(\d+-\d+)-\d+"', html))) == 2
