"""Shortlists for one offer, eligible offers for one household, and the census (no database)."""
import datetime
from collections import Counter
from decimal import Decimal

import pytest
from hypothesis import given, settings

from housing.matching import priority as prio
from housing.matching.census import census
from housing.matching.rules import RULES, RuleConfig, evaluate
from housing.matching.scoring import Weights, score
from housing.matching.shortlist import eligible_offers, shortlist
from housing.matching.table import HouseholdTable
from test_matching_cases import TODAY, household, household_lists, offer, offer_lists

CONFIG, WEIGHTS = RuleConfig.default(), Weights()


@settings(max_examples=120, deadline=None)
@given(household_lists(), offer_lists(min_size=1, max_size=3))
def test_shortlist_partitions_households_by_first_failed_rule(households, offers):
    table = HouseholdTable(households)
    for o in offers:
        result = shortlist(o, table, CONFIG, WEIGHTS, TODAY)
        seen = Counter([h.id for h, _, _ in result.ranked]
                       + [h.id for rows in result.excluded.values() for h, _ in rows])
        assert seen == Counter(h.id for h in households)
        for key, rows in result.excluded.items():
            for h, text in rows:
                failures = evaluate(h, o, CONFIG, TODAY).failures
                assert failures and failures[0] == (key, text)
        assert list(result.excluded) == [r.key for r in RULES if r.key in result.excluded]


@settings(max_examples=120, deadline=None)
@given(household_lists(min_size=1), offer_lists(min_size=1, max_size=3))
def test_switching_off_the_named_rule_makes_the_household_eligible_unless_another_fails(households, offers):
    for o in offers:
        result = shortlist(o, households, CONFIG, WEIGHTS, TODAY)
        for key, rows in result.excluded.items():
            relaxed = CONFIG.with_setting(key, enabled=False, contract_type=o.contract_type)
            again = shortlist(o, households, relaxed, WEIGHTS, TODAY)
            eligible_now = {h.id for h, _, _ in again.ranked}
            for h, _ in rows:
                others = [k for k, _ in evaluate(h, o, CONFIG, TODAY).failures if k != key]
                assert (h.id in eligible_now) == (not others)
                assert key not in [k for k, _ in evaluate(h, o, relaxed, TODAY).failures]


@settings(max_examples=120, deadline=None)
@given(household_lists(min_size=1), offer_lists(min_size=1, max_size=3))
def test_ranked_households_are_the_eligible_ones_in_priority_order(households, offers):
    table = HouseholdTable(households)
    value, _, _ = table.ranking(TODAY)
    for o in offers:
        result = shortlist(o, table, CONFIG, WEIGHTS, TODAY)
        ranked = list(result.ranked)
        expected = sorted((h for h in households if evaluate(h, o, CONFIG, TODAY).eligible),
                          key=lambda h: prio.order_key(h, value[table.index_of(h.id)]))
        assert [h.id for h, _, _ in ranked] == [h.id for h in expected]
        assert [r for _, _, r in ranked] == list(range(1, len(ranked) + 1))
        for h, breakdown, _ in ranked:
            assert breakdown == score(h, o, WEIGHTS, TODAY)
        assert result.ranked.household_ids == [h.id for h, _, _ in ranked]


@settings(max_examples=60, deadline=None)
@given(household_lists(min_size=1), offer_lists(min_size=1, max_size=2))
def test_weighted_ranking_puts_case_conference_first_then_score(households, offers):
    for o in offers:
        ranked = list(shortlist(o, households, CONFIG, WEIGHTS, TODAY, mode="weighted").ranked)
        keys = [(0 if h.case_conference_rank is not None else 1, h.case_conference_rank or 0, -b.total,
                 h.tie_break_key) for h, b, _ in ranked]
        assert keys == sorted(keys)


def test_case_conference_rank_overrides_priority():
    urgent = household(id=1, ethos_category="roofless_1", vulnerabilities=3,
                       intake_on=TODAY - datetime.timedelta(days=900), tie_break_key=0.1)
    chosen = household(id=2, ethos_category="inadequate_12", vulnerabilities=0, intake_on=TODAY,
                       case_conference_rank=1, tie_break_key=0.9)
    ranked = shortlist(offer(), [urgent, chosen], CONFIG, WEIGHTS, TODAY).ranked
    assert [h.id for h, _, _ in ranked] == [2, 1]


def test_excluded_explanation_has_the_threshold_as_applied():
    h = household(id=5, monthly_income=Decimal("1640"))
    result = shortlist(offer(monthly_rent=Decimal("512")), [h], CONFIG, WEIGHTS, TODAY)
    (who, text), = result.excluded["rent_sustainable"]
    assert who.id == 5
    assert "512" in text and "492" in text and "1.640" in text
    assert result.summary() == {"offer_id": 1, "eligible": 0, "excluded": {"rent_sustainable": 1}}
    assert result.excluded["rent_sustainable"][0:1] == [(h, text)]


def test_list_and_table_give_the_same_shortlist():
    hs = [household(id=i, tie_break_key=i / 10, monthly_income=Decimal(300 * i)) for i in range(1, 8)]
    a = shortlist(offer(), hs, CONFIG, WEIGHTS, TODAY)
    b = shortlist(offer(), HouseholdTable(hs), CONFIG, WEIGHTS, TODAY)
    assert list(a.ranked) == list(b.ranked)
    assert {k: list(v) for k, v in a.excluded.items()} == {k: list(v) for k, v in b.excluded.items()}


@settings(max_examples=80, deadline=None)
@given(household_lists(min_size=1, max_size=2), offer_lists())
def test_eligible_offers_is_the_reverse_view(households, offers):
    for h in households:
        eligible, not_eligible = eligible_offers(h, offers, CONFIG, WEIGHTS, TODAY)
        assert sorted([o.id for o, _ in eligible] + [o.id for o, _ in not_eligible]) == sorted(o.id for o in offers)
        for o, breakdown in eligible:
            assert evaluate(h, o, CONFIG, TODAY).eligible and breakdown == score(h, o, WEIGHTS, TODAY)
        for o, failures in not_eligible:
            assert failures == evaluate(h, o, CONFIG, TODAY).failures and failures
        totals = [(-b.total, o.id) for o, b in eligible]
        assert totals == sorted(totals)
        for o, _ in eligible:
            assert h.id in {x.id for x, _, _ in shortlist(o, households, CONFIG, WEIGHTS, TODAY).ranked}


# -- census ------------------------------------------------------------------------------

@settings(max_examples=80, deadline=None)
@given(household_lists(), offer_lists())
def test_census_counts_and_infeasible_households(households, offers):
    result = census(households, offers, CONFIG, TODAY)
    assert sum(c["supply"] for c in result.cells) == len(offers)
    assert sum(c["demand"] for c in result.cells) == pytest.approx(len(households))
    for c in result.cells:
        assert c["gap"] == pytest.approx(c["supply"] - c["demand"], abs=0.011)
    for dim in ("rooms", "cost_band", "step_free"):
        assert sum(r["demand"] for r in result.margins[dim]) == pytest.approx(len(households))
    infeasible = {h.id: key for h, key, _ in result.infeasible}
    expected = {h.id for h in households if not any(evaluate(h, o, CONFIG, TODAY).eligible for o in offers)}
    assert set(infeasible) == expected
    order = [r.key for r in RULES]
    for h, key, text in result.infeasible:
        if not offers:
            assert key == "no_offers"
            continue
        counts = Counter(k for o in offers for k, _ in evaluate(h, o, CONFIG, TODAY).failures)
        best = max(counts.values())
        assert counts[key] == best and key == min((k for k in counts if counts[k] == best), key=order.index)
        assert f"escluso da {best} offerte su {len(offers)}" in text
    assert result.to_dict()["totals"]["infeasible"] == len(expected)


def test_census_cells_example():
    hs = [household(id=1, preferred_districts=frozenset({"Centro", "Librino"}), monthly_income=Decimal("800")),
          household(id=2, needs_step_free=True, monthly_income=Decimal("0"))]
    os_ = [offer(id=1, district="Centro", monthly_rent=Decimal("200"))]
    result = census(hs, os_, CONFIG, TODAY)
    centro = [c for c in result.cells if c["district"] == "Centro"]
    assert centro == [{"rooms": "1", "district": "Centro", "cost_band": "150 €–300 €", "step_free": False,
                       "demand": 0.5, "demand_households": 1, "supply": 1, "gap": 0.5}]
    assert {h.id: key for h, key, _ in result.infeasible} == {2: "rent_sustainable"}
