"""Batch proposals: feasibility, exact optimum, priority, determinism (no database)."""
import datetime
import random
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import maximum_bipartite_matching

from housing.matching.batch import greedy_batch, propose_batch
from housing.matching.graph import build_graph
from housing.matching.rules import RuleConfig, evaluate
from housing.matching.scoring import Weights, score
from housing.matching.table import HouseholdTable
from test_matching_cases import TODAY, aims_key, brute_force, household, household_lists, offer, offer_lists

CONFIG, WEIGHTS = RuleConfig.default(), Weights()


def rank_of(households):
    _, order, _ = HouseholdTable(households).ranking(TODAY)
    return {households[i].id: k for k, i in enumerate(order.tolist())}


def objective_key(result, households, mode, resolution=100, offers=None, by_fit=False):
    """weighted: the sum of rounded totals; lexicographic: (housed in rank order, the aims'
    key of ``aims_key``, or with ``by_fit`` the sum of rounded totals)."""
    by_id = {h.id: h for h in households}
    ranks = rank_of(households)
    housed = {hid for hid, _, _ in result.pairs}
    total = sum(round(b.total * resolution) for _, _, b in result.pairs)
    if mode == "weighted":
        return total
    housed_key = tuple(int(h.id in housed) for h in sorted(households, key=lambda h: ranks[h.id]))
    if by_fit:
        return housed_key, total
    by_offer = {o.id: o for o in offers}
    return housed_key, aims_key([(by_id[hid], by_offer[oid]) for hid, oid, _ in result.pairs])


def check_valid(result, households, offers, config=CONFIG):
    by_h, by_o = {h.id: h for h in households}, {o.id: o for o in offers}
    hids = [hid for hid, _, _ in result.pairs]
    oids = [oid for _, oid, _ in result.pairs]
    assert len(hids) == len(set(hids)) and len(oids) == len(set(oids))
    assert result.housed == len(result.pairs)
    for hid, oid, breakdown in result.pairs:
        assert evaluate(by_h[hid], by_o[oid], config, TODAY).eligible
        assert breakdown == score(by_h[hid], by_o[oid], WEIGHTS, TODAY)


def direct_skips(result, households, offers):
    """Independent count: unhoused H with an eligible offer given to a lower-priority household."""
    ranks = rank_of(households)
    holder = {oid: hid for hid, oid, _ in result.pairs}
    housed = set(holder.values())
    return sum(1 for h in households if h.id not in housed and any(
        o.id in holder and ranks[holder[o.id]] > ranks[h.id] and evaluate(h, o, CONFIG, TODAY).eligible
        for o in offers))


@settings(max_examples=200, deadline=None)
@given(household_lists(min_size=2, max_size=6), offer_lists(min_size=1, max_size=4),
       st.sampled_from(["lexicographic", "weighted"]))
def test_batch_is_valid_and_equals_brute_force(households, offers, mode):
    result = propose_batch(households, offers, CONFIG, WEIGHTS, TODAY, mode=mode)
    check_valid(result, households, offers)
    best = brute_force(households, offers, CONFIG, WEIGHTS, TODAY, rank_of(households), mode)
    assert objective_key(result, households, mode, offers=offers) == best
    assert result.skipped_higher_priority == direct_skips(result, households, offers)
    if mode == "lexicographic":
        assert result.skipped_higher_priority == 0 and result.skipped_by_reassignment == 0
        assert result.objective["certified"] and result.objective["augmentable"] == 0


@settings(max_examples=60, deadline=None)
@given(household_lists(min_size=5, max_size=9), offer_lists(min_size=1, max_size=2))
def test_scarce_offers_use_a_prefix_and_stay_exact(households, offers):
    result = propose_batch(households, offers, CONFIG, WEIGHTS, TODAY)
    check_valid(result, households, offers)
    assert objective_key(result, households, "lexicographic", offers=offers) == brute_force(
        households, offers, CONFIG, WEIGHTS, TODAY, rank_of(households), "lexicographic")
    assert result.skipped_by_reassignment == 0


def test_exact_on_a_medium_instance_against_a_dense_solver():
    rng = random.Random(7)
    hs = [household(id=i, size=rng.choice([1, 1, 2, 3]), min_rooms=rng.choice([1, 1, 2]),
                    monthly_income=Decimal(rng.randrange(0, 2500)), tie_break_key=rng.random(),
                    preferred_districts=frozenset(rng.sample(["Centro", "Librino", "Picanello"], rng.randint(0, 2))),
                    ethos_category=rng.choice(["roofless_1", "houseless_3", "insecure_9", None]),
                    intake_on=TODAY - datetime.timedelta(days=rng.randrange(900))) for i in range(1, 41)]
    os_ = [offer(id=j, rooms=rng.choice([1, 2, 3]), monthly_rent=Decimal(rng.randrange(50, 700)),
                 district=rng.choice(["Centro", "Librino", "Picanello"])) for j in range(1, 31)]
    result = propose_batch(hs, os_, CONFIG, WEIGHTS, TODAY, mode="weighted")
    check_valid(result, hs, os_)
    # linear_sum_assignment on a dense matrix with a private "unhoused" column per household
    n, m = len(hs), len(os_)
    gain = np.full((n, m + n), -1e9)
    for i, h in enumerate(hs):
        gain[i, m + i] = 0
        for j, o in enumerate(os_):
            if evaluate(h, o, CONFIG, TODAY).eligible:
                gain[i, j] = round(score(h, o, WEIGHTS, TODAY).total * 100)
    rows, cols = linear_sum_assignment(gain, maximize=True)
    assert objective_key(result, hs, "weighted") == int(gain[rows, cols].sum())
    lexi = propose_batch(hs, os_, CONFIG, WEIGHTS, TODAY)
    # the lexicographic optimum houses as many as any matching can: a maximum
    # bipartite matching over the eligible pairs, found independently
    feasible = csr_matrix(gain[:, :m] > -1e9)
    most = int((maximum_bipartite_matching(feasible, perm_type="column") >= 0).sum())
    assert lexi.housed == most
    assert lexi.housed >= result.housed


@settings(max_examples=60, deadline=None)
@given(household_lists(max_size=7), offer_lists(max_size=5), st.randoms(use_true_random=False))
def test_same_input_same_output_whatever_the_list_order(households, offers, rnd):
    a = propose_batch(households, offers, CONFIG, WEIGHTS, TODAY)
    b = propose_batch(households, offers, CONFIG, WEIGHTS, TODAY)
    assert a.pairs == b.pairs
    hs, os_ = households[:], offers[:]
    rnd.shuffle(hs)
    rnd.shuffle(os_)
    c = propose_batch(hs, os_, CONFIG, WEIGHTS, TODAY)
    assert objective_key(c, households, "lexicographic", offers=offers) == objective_key(
        a, households, "lexicographic", offers=offers)


@settings(max_examples=80, deadline=None)
@given(household_lists(max_size=7), offer_lists(max_size=5))
def test_greedy_baseline_is_priority_first_best_fit(households, offers):
    result = greedy_batch(households, offers, CONFIG, WEIGHTS, TODAY)
    check_valid(result, households, offers)
    ranks = rank_of(households)
    taken, expected = set(), []
    for h in sorted(households, key=lambda h: ranks[h.id]):
        options = [(-score(h, o, WEIGHTS, TODAY).total, o.id) for o in offers
                   if o.id not in taken and evaluate(h, o, CONFIG, TODAY).eligible]
        if options:
            oid = min(options)[1]
            taken.add(oid)
            expected.append((h.id, oid))
    assert [(hid, oid) for hid, oid, _ in result.pairs] == expected
    assert result.skipped_higher_priority == 0      # greedy never skips directly...
    lexi = propose_batch(households, offers, CONFIG, WEIGHTS, TODAY)
    assert lexi.housed >= result.housed             # ...but may house fewer
    assert lexi.baseline["housed"] == result.housed
    assert lexi.baseline["skipped_by_reassignment"] == result.skipped_by_reassignment


def test_weighted_mode_can_skip_and_says_so():
    # one home; the first household in priority order fits it poorly, the second perfectly
    first = household(id=1, ethos_category="houseless_3", size=1, min_rooms=1, tie_break_key=0.1,
                      monthly_income=Decimal("1000"))
    second = household(id=2, ethos_category="houseless_5", size=2, min_rooms=2, tie_break_key=0.2,
                       monthly_income=Decimal("2500"), preferred_districts=frozenset({"Centro"}))
    home = offer(id=9, rooms=2, monthly_rent=Decimal("290"), district="Centro")
    lexi = propose_batch([first, second], [home], CONFIG, WEIGHTS, TODAY)
    weighted = propose_batch([first, second], [home], CONFIG, WEIGHTS, TODAY, mode="weighted")
    assert [p[:2] for p in lexi.pairs] == [(1, 9)] and lexi.skipped_higher_priority == 0
    assert [p[:2] for p in weighted.pairs] == [(2, 9)]
    assert weighted.skipped_higher_priority == 1 and weighted.skipped_by_reassignment == 1


def test_case_conference_rank_wins_the_home():
    urgent = household(id=1, ethos_category="roofless_1", vulnerabilities=3, tie_break_key=0.1)
    chosen = household(id=2, ethos_category="inadequate_12", case_conference_rank=1, tie_break_key=0.9)
    result = propose_batch([urgent, chosen], [offer(id=3)], CONFIG, WEIGHTS, TODAY)
    assert [p[:2] for p in result.pairs] == [(2, 3)]
    assert result.skipped_higher_priority == 0


def test_lexicographic_houses_more_than_greedy_on_a_crossing():
    # greedy: A (first) takes its best home, the only one B can use; lexicographic houses both
    a = household(id=1, ethos_category="roofless_1", tie_break_key=0.1, monthly_income=Decimal("2000"))
    b = household(id=2, ethos_category="insecure_8", tie_break_key=0.2, monthly_income=Decimal("500"))
    cheap = offer(id=1, monthly_rent=Decimal("100"))
    dear = offer(id=2, monthly_rent=Decimal("500"))
    result = propose_batch([a, b], [cheap, dear], CONFIG, WEIGHTS, TODAY)
    assert sorted(p[:2] for p in result.pairs) == [(1, 2), (2, 1)]
    assert result.baseline["housed"] == 1 and result.baseline["skipped_by_reassignment"] == 1


def test_empty_inputs():
    for hs, os_ in (([], []), ([household()], []), ([], [offer()])):
        result = propose_batch(hs, os_, CONFIG, WEIGHTS, TODAY)
        assert result.pairs == [] and result.housed == 0 and result.skipped_higher_priority == 0


def test_bad_mode_is_refused():
    with pytest.raises(ValueError):
        propose_batch([household()], [offer()], CONFIG, WEIGHTS, TODAY, mode="fast")


def test_graph_totals_equal_scalar_scores():
    hs = [household(id=i, tie_break_key=i / 10, monthly_income=Decimal(400 * i)) for i in range(1, 6)]
    os_ = [offer(id=j, rooms=j, monthly_rent=Decimal(100 * j)) for j in range(1, 4)]
    g = build_graph(HouseholdTable(hs), os_, CONFIG, WEIGHTS, TODAY)
    cols = g.edge_cols()
    for k in range(g.pairs):
        h, o = hs[g.col_rows[k]], g.offers[cols[k]]
        assert g.total[k] == score(h, o, WEIGHTS, TODAY).total
    assert g.pairs == sum(evaluate(h, o, CONFIG, TODAY).eligible for h in hs for o in os_)


def test_prefix_grows_when_a_later_household_can_take_a_free_offer():
    # regression: the last household in input order has no pair (parked); with offers
    # scarce (5 > 2 x 2) the solver starts from the best 4 and must grow to reach id 103
    parked = TODAY + datetime.timedelta(days=1)
    hs = [household(id=100, size=3, case_conference_rank=1, tie_break_key=0.0),
          household(id=101, parked_until=parked, case_conference_rank=2, tie_break_key=0.5),
          household(id=102, size=3, case_conference_rank=3, tie_break_key=0.75),
          household(id=103, tie_break_key=0.25),
          household(id=104, parked_until=parked, case_conference_rank=4, tie_break_key=0.125)]
    os_ = [offer(id=1, rooms=2, monthly_rent=Decimal(0)), offer(id=2, rooms=1, monthly_rent=Decimal(0))]
    result = propose_batch(hs, os_, CONFIG, WEIGHTS, TODAY)
    assert sorted(p[:2] for p in result.pairs) == [(100, 1), (103, 2)]
    assert result.objective["rounds"] == 2 and result.skipped_by_reassignment == 0
