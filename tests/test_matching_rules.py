"""Eligibility rules, their configuration, priority and scores (plain values, no database)."""
import datetime
import json
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from housing.matching import priority as prio
from housing.matching.rules import RULES, RuleConfig, evaluate, rule
from housing.matching.scoring import COMPONENTS, Weights, household_parts, score, score_arrays
from housing.matching.table import HouseholdTable
from housing.matching.cases import cost_cents
from test_matching_cases import TODAY, household, household_lists, offer, offer_lists

KEYS = ["size_fits_rooms", "rent_sustainable", "step_free", "district_acceptable",
        "contract_type_acceptable", "not_declined", "not_parked"]


def test_registry_order_and_keys_are_stable():
    assert [r.key for r in RULES] == KEYS
    for r in RULES:
        assert r.name_it and r.name_en and r.description_it and r.description_en


# -- the explanations state the threshold as applied ------------------------------

def test_rent_explanation_has_the_numbers():
    ok, text = rule("rent_sustainable").check(household(monthly_income=Decimal("1640")),
                                              offer(monthly_rent=Decimal("512")), Decimal("0.30"), TODAY)
    assert not ok
    assert text == "canone 512 € > 30% × 1.640 € = 492 €"


def test_rent_explanation_with_charges_and_contribution():
    o = offer(monthly_rent=Decimal("450"), service_charges=Decimal("62"), programme_contribution=Decimal("100"))
    ok, text = rule("rent_sustainable").check(household(monthly_income=Decimal("1640")), o, Decimal("0.30"), TODAY)
    assert ok
    assert text == "canone 450 € + spese 62 € − contributo del programma 100 € = 412 € ≤ 30% × 1.640 € = 492 €"


def test_rent_threshold_is_rounded_to_the_cent_like_rents_py():
    h = household(monthly_income=Decimal("1640.05"))             # 30% = 492.015 -> 492.02
    assert rule("rent_sustainable").check(h, offer(monthly_rent=Decimal("492.02")), Decimal("0.30"), TODAY)[0]
    assert not rule("rent_sustainable").check(h, offer(monthly_rent=Decimal("492.03")), Decimal("0.30"), TODAY)[0]
    from housing.rents import sustainability
    assert sustainability(Decimal("492.02"), 0, Decimal("1640.05"), Decimal("0.30"))["household_max"] == Decimal("492.02")


def test_a_per_type_setting_without_a_parameter_keeps_the_base_value_in_force():
    base = {"rent_sustainable": {"enabled": True, "parameter": "0.25"}}
    through_the_api = RuleConfig(base=base, by_contract_type={"erp": {"rent_sustainable": {"enabled": True}}})
    through_the_screen = RuleConfig(base=base).with_setting("rent_sustainable", enabled=True, contract_type="erp")
    assert through_the_api.setting("erp", "rent_sustainable").parameter == Decimal("0.25")
    assert through_the_api == through_the_screen
    assert RuleConfig.from_dict(through_the_api.to_dict()) == through_the_api


def test_size_explanations():
    r = rule("size_fits_rooms")
    assert r.check(household(size=3, min_rooms=1), offer(rooms=1), (0.5, 2.0), TODAY) == (
        False, "3 persone in 1 locale = 3,00 persone per locale > massimo 2")
    assert r.check(household(size=1), offer(rooms=3), (0.5, 2.0), TODAY) == (
        False, "1 persona in 3 locali = 0,33 persone per locale < minimo 0,5")
    # parameters print with the precision they have, and the ratio never prints as the bound it misses
    assert r.check(household(size=1), offer(rooms=3), (0.334, 2.0), TODAY) == (
        False, "1 persona in 3 locali = 0,333 persone per locale < minimo 0,334")
    assert r.check(household(size=2), offer(rooms=3), (0.6667, 2.0), TODAY) == (
        False, "2 persone in 3 locali = 0,66667 persone per locale < minimo 0,6667")  # one more decimal tells them apart
    assert r.check(household(size=2), offer(rooms=3), (0.25, 1.125), TODAY)[1].endswith(
        "tra 0,25 e 1,125; minimo del nucleo 1 locale")
    assert r.check(household(size=2, min_rooms=2), offer(rooms=1), (0.5, 2.0), TODAY) == (
        False, "alloggio di 1 locale < 2 locali minimi per il nucleo")


def test_other_explanations():
    h = household(needs_step_free=True, preferred_districts=frozenset({"Centro", "Picanello"}),
                  acceptable_contract_types=frozenset({"erp"}), declined_offer_ids=frozenset({7}),
                  parked_until=TODAY + datetime.timedelta(days=1))
    o = offer(id=7, district="Librino")
    failures = dict(evaluate(h, o, RuleConfig.default(), TODAY).failures)
    assert "senza barriere" in failures["step_free"]
    assert failures["district_acceptable"] == "quartiere Librino non tra quelli accettati (Centro, Picanello)"
    assert "«Canone concordato 3+2» non accettato" in failures["contract_type_acceptable"]
    assert "n. 7" in failures["not_declined"]
    assert failures["not_parked"].endswith("03/11/2026")


def test_parked_until_is_the_first_day_back():
    r = rule("not_parked")
    assert not r.check(household(parked_until=TODAY + datetime.timedelta(days=1)), offer(), None, TODAY)[0]
    assert r.check(household(parked_until=TODAY), offer(), None, TODAY)[0]
    assert r.check(household(parked_until=None), offer(), None, TODAY)[0]


# -- configuration -----------------------------------------------------------------

def test_default_config_has_every_rule_on():
    config = RuleConfig.default()
    assert [(r.key, p) for r, p in config.for_offer(offer())] == [(r.key, r.default) for r in RULES]


def test_switch_off_and_change_parameter_per_offer_type():
    config = (RuleConfig.default()
              .with_setting("district_acceptable", enabled=False, contract_type="emergency")
              .with_setting("rent_sustainable", parameter="0.24", contract_type="concordato_3_2"))
    emergency = [r.key for r, _ in config.for_offer(offer(contract_type="emergency"))]
    assert "district_acceptable" not in emergency and len(emergency) == 6
    params = dict((r.key, p) for r, p in config.for_offer(offer(contract_type="concordato_3_2")))
    assert params["rent_sustainable"] == Decimal("0.24")
    assert dict((r.key, p) for r, p in config.for_offer(offer(contract_type="erp")))["rent_sustainable"] == Decimal("0.30")


def test_config_round_trips_through_json():
    config = (RuleConfig.default().with_setting("size_fits_rooms", parameter=(1, 3))
              .with_setting("not_declined", enabled=False, contract_type="erp"))
    again = RuleConfig.from_dict(json.loads(json.dumps(config.to_dict())))
    assert again == config
    assert again.setting("erp", "size_fits_rooms").parameter == (1.0, 3.0)


@pytest.mark.parametrize("key, parameter", [("rent_sustainable", "1.5"), ("rent_sustainable", 0),
                                            ("rent_sustainable", "abc"), ("size_fits_rooms", (3, 1)),
                                            ("size_fits_rooms", 2)])
def test_bad_parameters_are_refused(key, parameter):
    with pytest.raises(ValueError):
        RuleConfig.default().with_setting(key, parameter=parameter)


def test_unknown_rule_is_refused():
    with pytest.raises(ValueError):
        RuleConfig(base={"no_such_rule": (True, None)})
    with pytest.raises(ValueError):
        RuleConfig.default().with_setting("no_such_rule", enabled=False)


# -- evaluate and the vectorised twins -------------------------------------------------

configs = st.builds(
    lambda low, high, share, off: RuleConfig(base={
        "size_fits_rooms": (True, (low, low + high)), "rent_sustainable": (True, share),
        **{key: (False, None) for key in off}}),
    st.sampled_from([0.0, 0.25, 0.5]), st.sampled_from([0.5, 1.5, 2.0]),
    st.sampled_from(["0.30", "0.24", "0.14", "1"]), st.sets(st.sampled_from(KEYS), max_size=3))


@settings(max_examples=150, deadline=None)
@given(household_lists(min_size=1), offer_lists(min_size=1), configs)
def test_vectorised_rules_agree_with_the_scalar_checks(households, offers, config):
    table = HouseholdTable(households)
    for o in offers:
        rules = config.for_offer(o)
        for r, parameter in rules:
            mask = table.rule_mask(r, o, parameter, TODAY)
            assert mask.tolist() == [r.check(h, o, parameter, TODAY)[0] for h in households], r.key
        eligible = table.eligible_mask(o, rules, TODAY)
        assert eligible.tolist() == [evaluate(h, o, config, TODAY).eligible for h in households]


@settings(max_examples=100, deadline=None)
@given(household_lists(min_size=1, max_size=3), offer_lists(min_size=1, max_size=3), configs)
def test_evaluate_lists_every_failure_in_registry_order(households, offers, config):
    order = [r.key for r in RULES]
    for h in households:
        for o in offers:
            result = evaluate(h, o, config, TODAY)
            keys = [k for k, _ in result.failures]
            assert keys == sorted(keys, key=order.index)
            assert result.eligible == (not keys)
            enabled = [r.key for r, _ in config.for_offer(o)]
            assert sorted(keys + [k for k, _ in result.passed], key=order.index) == enabled
            assert all(text for _, text in result.failures + result.passed)


# -- priority --------------------------------------------------------------------------

SEVERITY_ORDER = sorted(prio.ETHOS_SEVERITY, key=prio.ETHOS_SEVERITY.get)


@given(st.sampled_from([None] + SEVERITY_ORDER), st.integers(0, 3000), st.integers(0, 10),
       st.integers(0, 500), st.integers(0, 3))
def test_priority_is_monotone_in_each_input_and_bounded(ethos, days, vulnerabilities, more_days, more_vuln):
    p = prio.priority(ethos, days, vulnerabilities)
    assert 0 <= p <= 100
    assert prio.priority(ethos, days + more_days, vulnerabilities) >= p
    assert prio.priority(ethos, days, vulnerabilities + more_vuln) >= p
    ranks = [None] + SEVERITY_ORDER
    for worse in ranks[ranks.index(ethos):]:
        assert prio.priority(worse, days, vulnerabilities) >= p


@given(st.sampled_from(SEVERITY_ORDER), st.integers(0, 3000), st.integers(0, 10),
       st.floats(0, 1), st.floats(0, 1))
def test_assessment_hook_is_bounded_and_monotone(ethos, days, vulnerabilities, a, b):
    low, high = sorted((a, b))
    assert 0 <= prio.priority(ethos, days, vulnerabilities, low) <= prio.priority(ethos, days, vulnerabilities, high) <= 100


def test_unknown_ethos_category_is_an_error():
    with pytest.raises(ValueError):
        prio.priority("roofless_99", 0, 0)


@given(household_lists(min_size=1))
def test_ranking_follows_order_key_and_case_conference_overrides(households):
    table = HouseholdTable(households)
    value, order, rank = table.ranking(TODAY)
    for h, v in zip(households, value):
        assert v == prio.priority(h.ethos_category, (TODAY - h.intake_on).days, h.vulnerabilities)
    expected = sorted(households, key=lambda h: prio.order_key(h, value[table.index_of(h.id)]))
    assert [households[i].id for i in order] == [h.id for h in expected]
    ranked = [households[i] for i in order]
    conference = [h.case_conference_rank for h in ranked if h.case_conference_rank is not None]
    assert conference == sorted(conference)
    assert all(h.case_conference_rank is not None for h in ranked[:len(conference)])


def test_tie_break_is_the_stored_random_key_not_the_id():
    a = household(id=1, tie_break_key=0.9)
    b = household(id=2, tie_break_key=0.1)
    _, order, _ = HouseholdTable([a, b]).ranking(TODAY)
    assert order.tolist() == [1, 0]


# -- scores ------------------------------------------------------------------------------

weights = st.builds(Weights, *(st.sampled_from([0.0, 0.1, 0.4, 1.0]) for _ in COMPONENTS))


@settings(max_examples=100, deadline=None)
@given(household_lists(min_size=1), offer_lists(min_size=1), weights)
def test_score_components_are_in_unit_interval_and_vectorised_equals_scalar(households, offers, w):
    table = HouseholdTable(households)
    parts = household_parts(table, w, TODAY)
    rows = np.arange(len(households))
    for o in offers:
        comps, totals = score_arrays(table, rows, o.rooms, cost_cents(o), table.district_hit(o.district), w,
                                     TODAY, parts)
        for i, h in enumerate(households):
            b = score(h, o, w, TODAY)
            assert set(b.components) == set(COMPONENTS)
            assert all(0 <= v <= 1 for v in b.components.values())
            assert 0 <= b.total <= 1 + 1e-12
            assert b.weights == w.as_dict()
            assert b.total == totals[i]
            assert all(b.components[k] == comps[k][i] for k in COMPONENTS)
            wsum = sum(w.as_dict().values())
            expected = sum(b.components[k] * b.weights[k] for k in COMPONENTS) / wsum if wsum else 0.0
            assert b.total == pytest.approx(expected, abs=1e-12)


def test_score_parts_on_a_known_pair():
    h = household(min_rooms=1, monthly_income=Decimal("1000"), preferred_districts=frozenset({"Centro"}),
                  intake_on=TODAY - datetime.timedelta(days=365))
    b = score(h, offer(rooms=2, monthly_rent=Decimal("200"), district="Centro"), Weights(), TODAY)
    assert b.components["size_fit"] == pytest.approx(2 / 3)
    assert b.components["rent_effort"] == pytest.approx(1 - 0.2 / 0.5)
    assert b.components["district"] == 1.0
    assert b.components["waiting"] == pytest.approx(365 / 730)
    assert score(household(case_conference_rank=1), offer(), Weights(), TODAY).components["priority"] == 1.0
    assert "= " in b.describe() and "priorità" in b.describe()


def test_weights_are_validated():
    with pytest.raises(ValueError):
        Weights(priority=-1)
    with pytest.raises(ValueError):
        Weights(rent_effort_zero_at=0)
    assert Weights.from_dict(Weights(priority=0.5).to_dict()) == Weights(priority=0.5)


def test_explain_score_states_every_part_in_italian():
    from housing.matching.scoring import explain_score
    h = household(monthly_income=Decimal("1640"), min_rooms=1)
    o = offer(rooms=2, monthly_rent=Decimal("328"))
    lines = explain_score(h, o, Weights(), TODAY)
    assert len(lines) == len(COMPONENTS) + 1
    assert "328 €" in lines[2] and "1.640 €" in lines[2] and "20,0%" in lines[2]
    assert "2 locali per un minimo di 1 (+1)" in lines[1]
    assert lines[-1].startswith("totale: priorità")
