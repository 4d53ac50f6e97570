"""On the demo data with its two contribution funds (real database): the census, the
shortlist, the household's eligible offers and the batch agree on every pair, and the
batch keeps within each fund's budget."""
import datetime

import numpy as np

from housing import demo, match_data
from housing.matching.batch import propose_batch
from housing.matching.census import census
from housing.matching.funds import contribution_needed
from housing.matching.rules import evaluate
from housing.matching.scoring import Weights
from housing.matching.shortlist import eligible_offers, shortlist
from models import ContributionFund

TODAY = datetime.date(2025, 6, 1)


def test_census_shortlist_eligible_offers_and_batch_agree_on_the_demo_data(database):
    demo.seed(scale=0.5, today=TODAY)
    assert ContributionFund.select().count() == 2
    households = match_data.household_cases(today=TODAY)
    offers = match_data.offer_cases()
    config, weights = match_data.rule_config(), Weights()
    assert offers and all(len(o.funds) == 2 for o in offers)
    truth = {(h.id, o.id): evaluate(h, o, config, TODAY).eligible for h in households for o in offers}
    for o in offers:
        ranked = set(shortlist(o, households, config, weights, TODAY).ranked.household_ids)
        assert ranked == {h.id for h in households if truth[h.id, o.id]}
    for h in households:
        eligible, _ = eligible_offers(h, offers, config, weights, TODAY)
        assert {o.id for o, _ in eligible} == {o.id for o in offers if truth[h.id, o.id]}
    result = census(households, offers, config, TODAY)
    assert {h.id for h, _, _ in result.infeasible} == {
        h.id for h in households if not any(truth[h.id, o.id] for o in offers)}
    share = config.base["rent_sustainable"].parameter
    # funds make households eligible that their income alone does not
    funded_only = [(h, o) for h in households for o in offers
                   if truth[h.id, o.id] and contribution_needed(h, o, share) > 0]
    assert funded_only
    batch = propose_batch(households, offers, config, weights, TODAY)
    by_h, by_o = {h.id: h for h in households}, {o.id: o for o in offers}
    spent = {}
    for hid, oid, _ in batch.pairs:
        assert truth[hid, oid]
        need = contribution_needed(by_h[hid], by_o[oid], share)
        if need:
            fund_id, cents = batch.funding[hid]
            assert cents == need
            spent[fund_id] = spent.get(fund_id, 0) + cents
    for fund in ContributionFund.select():
        assert spent.get(fund.id, 0) <= int(fund.monthly_budget * 100)
    report = {row["fund_id"]: row for row in batch.objective["funds"]}
    assert {k: report[k]["used"] for k in report} == {k: spent.get(k, 0) for k in report}
    assert result.totals["needs_contribution"] >= 1 and result.totals["funds_available"] > 0
    assert np.isfinite(result.totals["contribution_demand"])
