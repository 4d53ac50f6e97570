"""Shared Hypothesis strategies and an independent brute-force solver for the matching tests.

Also tests the small helpers of ``housing.matching.cases``. No database: the
matching works on plain values only.
"""
import datetime
import itertools
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from housing.matching.cases import HouseholdCase, OfferCase, cost_cents, eur, number, percent, to_cents
from housing.matching.priority import ETHOS_SEVERITY
from housing.matching.rules import evaluate
from housing.matching.scoring import score

TODAY = datetime.date(2026, 11, 2)
DISTRICTS = ("Centro", "Librino", "Picanello")
CONTRACTS = ("concordato_3_2", "erp", "transitional", "emergency")
ETHOS = (None,) + tuple(ETHOS_SEVERITY)
money = st.integers(min_value=900, max_value=2500).map(Decimal) | st.sampled_from(
    [Decimal("0"), Decimal("1640"), Decimal("512.50"), Decimal("999.99"), Decimal("300")])
maybe_empty = st.sampled_from([True, True, False])     # about 2 in 3: no restriction


@st.composite
def household_lists(draw, min_size=0, max_size=7, offer_ids=range(1, 8)):
    n = draw(st.integers(min_size, max_size))
    keys = draw(st.lists(st.floats(0, 1, exclude_max=True), min_size=n, max_size=n, unique=True))
    ranks = iter(range(1, n + 1))
    out = []
    for i in range(n):
        size = draw(st.sampled_from([1, 1, 1, 2, 2, 3, 5]))
        districts = frozenset() if draw(maybe_empty) else frozenset(
            draw(st.sets(st.sampled_from(DISTRICTS), min_size=1, max_size=2)))
        contracts = frozenset() if draw(maybe_empty) else frozenset(
            draw(st.sets(st.sampled_from(CONTRACTS), min_size=1, max_size=3)))
        out.append(HouseholdCase(
            id=100 + i, size=size, min_rooms=draw(st.sampled_from([1, 1, 1, 2, 3])),
            needs_step_free=draw(st.sampled_from([False, False, False, True])),
            monthly_income=draw(money), preferred_districts=districts, acceptable_contract_types=contracts,
            parked_until=None if draw(st.integers(0, 9)) else TODAY + datetime.timedelta(
                days=draw(st.integers(-3, 3))),
            ethos_category=draw(st.sampled_from(ETHOS)),
            intake_on=TODAY - datetime.timedelta(days=draw(st.integers(0, 1500))),
            vulnerabilities=draw(st.integers(0, 4)),
            case_conference_rank=next(ranks) if draw(st.integers(0, 9)) == 0 else None,
            tie_break_key=keys[i],
            declined_offer_ids=frozenset(draw(st.sets(st.sampled_from(list(offer_ids)), max_size=1)))
            if draw(st.integers(0, 4)) == 0 else frozenset()))
    return out


@st.composite
def offer_lists(draw, min_size=0, max_size=6):
    m = draw(st.integers(min_size, max_size))
    out = []
    for j in range(m):
        rent = draw(st.integers(0, 650))
        out.append(OfferCase(
            id=1 + j, rooms=draw(st.sampled_from([1, 1, 2, 2, 3, 4])), step_free=draw(st.booleans()),
            district=draw(st.sampled_from(DISTRICTS)), contract_type=draw(st.sampled_from(CONTRACTS)),
            monthly_rent=Decimal(rent), service_charges=Decimal(draw(st.integers(0, 120))),
            programme_contribution=Decimal(draw(st.sampled_from([0, 0, 50, 200, 2000])))))
    return out


def household(**fields):
    base = dict(id=1, size=1, min_rooms=1, needs_step_free=False, monthly_income=Decimal("1640"),
                preferred_districts=frozenset(), acceptable_contract_types=frozenset(), parked_until=None,
                ethos_category="houseless_3", intake_on=TODAY - datetime.timedelta(days=100), vulnerabilities=0,
                case_conference_rank=None, tie_break_key=0.5, declined_offer_ids=frozenset())
    base.update(fields)
    return HouseholdCase(**base)


def offer(**fields):
    base = dict(id=1, rooms=1, step_free=False, district="Centro", contract_type="concordato_3_2",
                monthly_rent=Decimal("400"), service_charges=Decimal("0"), programme_contribution=Decimal("0"))
    base.update(fields)
    return OfferCase(**base)


def aims_of(h, o, share=Decimal("0.30")):
    """The office's aims of one pair, written independently of ``housing.matching.aims``:
    (choice position, burden in basis points, contribution in cents, extra rooms)."""
    from housing.matching.funds import contribution_needed

    choice = 0
    if h.preferences:
        offers_ = [i for i, (kind, value) in enumerate(h.preferences) if kind == "offer" and value == o.id]
        districts = [i for i, (kind, value) in enumerate(h.preferences) if kind == "district" and value == o.district]
        choice = (offers_ or districts or [10])[0]
    need = contribution_needed(h, o, share)
    cost = round((o.monthly_rent + o.service_charges - o.programme_contribution) * 100)
    income = round(h.monthly_income * 100)
    pays = max(0, cost) - need
    burden = -(-pays * 10000 // income) if income else 0
    return choice, burden, need, max(0, o.rooms - h.min_rooms)


def aims_key(pairs):
    """The staged aims of a set of (household, offer) pairs, larger is better:
    choice total, worst burden, burden total, contributions, extra rooms (all minimised)."""
    values = [aims_of(h, o) for h, o in pairs]
    return (-sum(v[0] for v in values), -max((v[1] for v in values), default=0), -sum(v[1] for v in values),
            -sum(v[2] for v in values), -sum(v[3] for v in values))


def brute_force(households, offers, config, weights, today, rank_of, mode, resolution=100):
    """Best objective over ALL matchings of the eligible pairs, by enumeration.

    lexicographic: (housed indicator in rank order, then the office's aims, ``aims_key``);
    weighted: the sum of rounded score totals. Returns the best key.
    """
    fit = {}
    for h in households:
        for o in offers:
            if evaluate(h, o, config, today).eligible:
                fit[h.id, o.id] = (round(score(h, o, weights, today).total * resolution) if mode == "weighted"
                                   else (h, o))
    by_rank = sorted(households, key=lambda h: rank_of[h.id])
    best = None

    def walk(i, used, housed, total):
        nonlocal best
        if i == len(by_rank):
            key = (tuple(housed), aims_key(total)) if mode == "lexicographic" else total
            if best is None or key > best:
                best = key
            return
        h = by_rank[i]
        for o in offers:
            if o.id not in used and (h.id, o.id) in fit:
                walk(i + 1, used | {o.id}, housed + [1],
                     total + fit[h.id, o.id] if mode == "weighted" else total + [fit[h.id, o.id]])
        walk(i + 1, used, housed + [0], total)

    walk(0, frozenset(), [], 0 if mode == "weighted" else [])
    return best


# -- the helpers of cases.py -----------------------------------------------------

@pytest.mark.parametrize("cents, text", [(164000, "1.640 €"), (49200, "492 €"), (164050, "1.640,50 €"),
                                         (5, "0,05 €"), (0, "0 €"), (123456789, "1.234.567,89 €")])
def test_eur_is_italian(cents, text):
    assert eur(cents) == text


def test_percent_and_number():
    assert percent(Decimal("0.30")) == "30%"
    assert percent(Decimal("0.125")) == "12,5%"
    assert percent(0.24) == "24%"
    assert number(0.3333) == "0,33"
    assert number(1234.5, 1) == "1.234,5"


def test_cost_is_rent_plus_charges_minus_contribution_never_negative():
    assert cost_cents(offer(monthly_rent=Decimal("450"), service_charges=Decimal("62.5"))) == 51250
    assert cost_cents(offer(monthly_rent=Decimal("100"), programme_contribution=Decimal("300"))) == 0
    assert to_cents(Decimal("0.005")) == 1


@given(household_lists(max_size=3), offer_lists(max_size=3))
def test_generators_make_valid_cases(households, offers):
    assert len({h.id for h in households}) == len(households)
    assert len({h.tie_break_key for h in households}) == len(households)
    ranks = [h.case_conference_rank for h in households if h.case_conference_rank is not None]
    assert len(ranks) == len(set(ranks))
    assert all(cost_cents(o) >= 0 for o in offers)


def test_brute_force_on_a_tiny_case():
    from housing.matching.rules import RuleConfig
    from housing.matching.scoring import Weights
    hs = [household(id=1), household(id=2, tie_break_key=0.7)]
    os_ = [offer(id=1)]
    best = brute_force(hs, os_, RuleConfig.default(), Weights(), TODAY, {1: 0, 2: 1}, "lexicographic")
    assert best[0] == (1, 0)
    assert len(list(itertools.permutations(os_))) == 1
