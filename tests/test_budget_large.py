"""The budgeted batch's large-instance shortcuts, forced on small random instances and checked against the
brute-force solver of test_funds_batch: the cheap bound that skips the unconstrained optimum never skips one
the funds could pay; stage 2 kept from stage 1 with the relaxation's fit bound stays within the rules and
its bound is a true bound; the aims' report on the assigned pairs equals the one on the whole graph."""
from unittest import mock

import numpy as np
from hypothesis import event, given, settings
from hypothesis import strategies as st

from housing.matching import aims, batch, budget
from housing.matching.batch import _greedy, propose_batch
from housing.matching.budget import Budgets
from housing.matching.budget_proofs import _max_matching, matching_bound
from housing.matching.graph import build_graph
from housing.matching.table import as_table
from test_budget_bounded import funds_strategy, incomes, simple_households, simple_offers
from test_funds_batch import CONFIG, TODAY, WEIGHTS, brute_force, check_budgets, instance
from test_matching_batch import objective_key


def _graph(households, offers):
    return build_graph(as_table(households), offers, CONFIG, WEIGHTS, TODAY)


@settings(max_examples=150, deadline=None)
@given(simple_households(), simple_offers(), funds_strategy, st.lists(incomes, min_size=6, max_size=6))
def test_the_cheap_bound_is_a_true_bound_and_skips_only_unfundable_maxima(households, offers, funds, incomes):
    households, offers = instance(households, offers, funds, incomes)
    graph = _graph(households, offers)
    budgets = Budgets(graph)
    nu, bound = matching_bound(budgets)
    best_housed, _ = brute_force(households, offers, funds)
    assert nu == _max_matching(graph, np.ones(graph.pairs, dtype=bool))
    assert sum(best_housed) <= bound <= nu
    event(f"skips={budgets.maximum_unfundable()}")
    if budgets.maximum_unfundable():
        assert sum(best_housed) < nu          # no budget-feasible proposal houses a maximum matching


@settings(max_examples=150, deadline=None)
@given(simple_households(), simple_offers(), funds_strategy, st.lists(incomes, min_size=6, max_size=6))
def test_stage1_assignment_kept_with_the_relaxation_bound(households, offers, funds, incomes):
    households, offers = instance(households, offers, funds, incomes)
    with mock.patch.object(batch, "LARGE_PAIRS", 0), mock.patch.object(budget, "FIT_MAX_VARS", 0):
        result = propose_batch(households, offers, CONFIG, WEIGHTS, TODAY, marginal_report=False)
    check_budgets(result, households, offers, funds)
    obj = result.objective
    if not obj.get("budget_bound") or result.housed == 0:
        return
    housed, total = objective_key(result, households, "lexicographic", by_fit=True)
    best_housed, best_total = brute_force(households, offers, funds)
    assert obj["fit_bound_method"].startswith("assignment relaxation")
    event(f"exact={obj['exact']}")
    if obj["undecided"] == 0:
        assert housed == best_housed
        assert total <= best_total <= round(obj["fit_bound"] * 100)
        assert (obj["fit_gap"] is None) == (total == round(obj["fit_bound"] * 100))
        assert obj["exact"] == (obj["fit_gap"] is None)


@settings(max_examples=60, deadline=None)
@given(simple_households(), simple_offers(), funds_strategy, st.lists(incomes, min_size=6, max_size=6))
def test_aims_report_on_the_assigned_pairs_equals_the_full_graph(households, offers, funds, incomes):
    households, offers = instance(households, offers, funds, incomes)
    graph = _graph(households, offers)
    _, order, _ = graph.table.ranking(TODAY)
    held, _ = _greedy(graph, order, Budgets(graph))
    other, _ = _greedy(graph, order[::-1], None)
    small = graph.restricted(held, other)
    assert small.pairs <= (held >= 0).sum() + (other >= 0).sum()
    assert aims.report(small, held, other) == aims.report(graph, held, other)


@settings(max_examples=1000, deadline=None)      # a wrong skip shows in about 1 example in 1,000
@given(simple_households(), simple_offers(), funds_strategy, st.lists(incomes, min_size=6, max_size=6))
def test_the_cheap_bound_skips_no_term_that_could_lower_it(households, offers, funds, incomes):
    """The skipped matchings are those whose term cannot be below the bound: the bound equals the
    minimum of every term computed."""
    from housing.matching.budget_proofs import _thresholds, least_costs

    households, offers = instance(households, offers, funds, incomes)
    graph = _graph(households, offers)
    budgets = Budgets(graph)
    total = int(max(0, budgets.available.sum()))
    terms = [_max_matching(graph)]
    has = np.diff(graph.row_ptr) > 0
    for least, fund_budget in zip(*least_costs(budgets)[1:]):
        paying = np.cumsum(np.sort(least[has & (least > 0)]))
        terms.append(_max_matching(graph, rows=has & (least == 0))
                     + int(np.searchsorted(paying, fund_budget, side="right")))
    for t in _thresholds(budgets, 4):
        terms.append(_max_matching(graph, budgets.need < t) + total // t)
    assert matching_bound(budgets)[1] == min(terms)
