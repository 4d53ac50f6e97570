"""Priorities equal by the formula are equal numbers: the random key decides (issue 11, part 2).

Before, the priority was a float sum: household A (houseless_6, 1 day, 1
vulnerability) and B (houseless_3, 74 days, 1 vulnerability) have the same
priority by the documented formula, yet 48.3675799086758 > 48.36757990867579
always housed A, whatever the stored random keys said.
"""
import dataclasses
import datetime
from decimal import Decimal
from fractions import Fraction

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from housing.matching import priority as prio
from housing.matching.batch import greedy_batch, propose_batch
from housing.matching.rules import RuleConfig
from housing.matching.scoring import Weights
from housing.matching.table import HouseholdTable
from test_matching_cases import TODAY, household, offer

ETHOS = (None,) + tuple(prio.ETHOS_SEVERITY)


def exact(ethos, days, vulnerabilities, need_millionths=None):
    """The documented formula in rationals: 100 x (0.5 severity + 0.25 waiting + 0.25 need)."""
    severity = Fraction(round(prio.severity(ethos) * 100), 100)
    waiting = Fraction(min(max(days, 0), 730), 730)
    need = Fraction(min(max(vulnerabilities, 0), 3), 3)
    if need_millionths is not None:
        need = Fraction(3, 10) * need + Fraction(7, 10) * Fraction(need_millionths, 1_000_000)
    return 100 * (Fraction(1, 2) * severity + Fraction(1, 4) * waiting + Fraction(1, 4) * need)


claims = st.tuples(st.sampled_from(ETHOS), st.integers(-5, 1000), st.integers(0, 5),
                   st.none() | st.integers(0, 1_000_000))


@settings(max_examples=400, deadline=None)
@given(claims, claims)
def test_the_order_of_priorities_is_the_order_of_the_exact_formula(a, b):
    def value(claim):
        ethos, days, vulnerabilities, need = claim
        return prio.priority(ethos, days, vulnerabilities, None if need is None else need / 1_000_000)

    exact_a, exact_b = exact(*a), exact(*b)
    assert (value(a) == value(b)) == (exact_a == exact_b)
    assert (value(a) < value(b)) == (exact_a < exact_b)


@settings(max_examples=100, deadline=None)
@given(st.lists(claims, min_size=1, max_size=20))
def test_the_vectorised_priorities_are_the_scalar_ones(many):
    needs = np.array([np.nan if need is None else need / 1_000_000 for _, _, _, need in many])
    values = prio.priority_array([prio.severity(e) for e, _, _, _ in many], [d for _, d, _, _ in many],
                                 [v for _, _, v, _ in many], needs)
    for value, (ethos, days, vulnerabilities, need) in zip(values, many):
        assert value == prio.priority(ethos, days, vulnerabilities, None if need is None else need / 1_000_000)


def tied_pair():
    # equal by the formula: 0.05 of severity is worth 73 days of waiting
    a = household(id=1, ethos_category="houseless_6", intake_on=TODAY - datetime.timedelta(days=1),
                  vulnerabilities=1, tie_break_key=0.9, monthly_income=Decimal("2000"))
    b = household(id=2, ethos_category="houseless_3", intake_on=TODAY - datetime.timedelta(days=74),
                  vulnerabilities=1, tie_break_key=0.1, monthly_income=Decimal("2000"))
    return a, b


def test_the_issue_s_tie_is_exact_and_the_random_key_decides():
    a, b = tied_pair()
    assert exact("houseless_6", 1, 1) == exact("houseless_3", 74, 1)
    assert prio.priority("houseless_6", 1, 1) == prio.priority("houseless_3", 74, 1)
    table = HouseholdTable([a, b])
    value, order, _ = table.ranking(TODAY)
    assert value[0] == value[1] and table.ids[order[0]] == b.id
    for households in ([a, b], [b, a]):
        for result in (propose_batch(households, [offer(id=7)], RuleConfig.default(), Weights(), TODAY),
                       greedy_batch(households, [offer(id=7)], RuleConfig.default(), Weights(), TODAY)):
            assert [pair[:2] for pair in result.pairs] == [(b.id, 7)]


def test_swapping_the_keys_swaps_the_winner():
    a, b = tied_pair()
    a = dataclasses.replace(a, tie_break_key=0.1)
    b = dataclasses.replace(b, tie_break_key=0.9)
    result = propose_batch([a, b], [offer(id=7)], RuleConfig.default(), Weights(), TODAY)
    assert [pair[:2] for pair in result.pairs] == [(a.id, 7)]
