"""Shortlist for one offer, and the reverse: the offers one household is eligible for.

``shortlist`` ranks the eligible households for an offer and groups the others
by the FIRST rule they fail (registry order), each with the rule's explanation
and the threshold as applied. With a ``HouseholdTable`` built once, one offer
among 50,000 households takes about a millisecond: the rules run as NumPy masks
and the ranked and excluded lists are sequences that build each row (its
``ScoreBreakdown`` or its explanation) only when it is read, e.g. for the page
a screen shows.

Ranking: ``mode="lexicographic"`` (default, like the batch) orders by
``priority.order_key``: case-conference rank, then priority, then the stored
random key; ``mode="weighted"`` orders case-conference households first, then
by score total (descending), then the random key.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from .cases import OfferCase, cost_cents
from .rules import RuleConfig, evaluate
from .scoring import Weights, breakdown_at, household_parts, score, score_arrays
from .table import HouseholdTable, as_table


class RankedList(Sequence):
    """[(HouseholdCase, ScoreBreakdown, rank)], rank 1 = first; rows built on access."""

    def __init__(self, table, rows, components, totals, weights):
        self._table, self._rows, self._c, self._t, self._w = table, rows, components, totals, weights

    def __len__(self):
        return len(self._rows)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        k = range(len(self))[i]
        return (self._table.households[self._rows[k]], breakdown_at(self._c, self._t, k, self._w), k + 1)

    @property
    def household_ids(self) -> list[int]:
        return self._table.ids[self._rows].tolist()


class ExcludedList(Sequence):
    """[(HouseholdCase, explanation)] for one rule; explanations built on access, in ``lang``."""

    def __init__(self, table, rows, rule, parameter, offer, today, lang="it"):
        self._table, self._rows = table, rows
        self._rule, self._parameter, self._offer, self._today, self._lang = rule, parameter, offer, today, lang

    def __len__(self):
        return len(self._rows)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        h = self._table.households[self._rows[range(len(self))[i]]]
        return (h, self._rule.check(h, self._offer, self._parameter, self._today, lang=self._lang)[1])

    @property
    def household_ids(self) -> list[int]:
        return self._table.ids[self._rows].tolist()


@dataclass(frozen=True)
class Shortlist:
    offer: OfferCase
    ranked: RankedList      # [(HouseholdCase, ScoreBreakdown, rank)]
    excluded: dict          # {rule_key: ExcludedList [(HouseholdCase, explanation)]}, registry order

    def summary(self) -> dict:
        return {"offer_id": self.offer.id, "eligible": len(self.ranked),
                "excluded": {key: len(rows) for key, rows in self.excluded.items()}}


def shortlist(offer: OfferCase, households, config: RuleConfig, weights: Weights, today: date,
              mode: str = "lexicographic", lang: str = "it") -> Shortlist:
    """The ranked eligible households for ``offer`` and the excluded ones by first failed rule.

    ``households``: a list of ``HouseholdCase`` or, much faster when called
    repeatedly, a ``HouseholdTable`` built once. ``lang``: the language of the
    exclusions' explanations ("it" or "en").
    """
    if mode not in ("lexicographic", "weighted"):
        raise ValueError(f"unknown mode {mode!r}")
    table: HouseholdTable = as_table(households)
    weights = weights or Weights()
    config = config or RuleConfig.default()
    cost = cost_cents(offer)
    alive = np.ones(table.n, dtype=bool)
    excluded = {}
    for rule, parameter in config.for_offer(offer):
        mask = table.rule_mask(rule, offer, parameter, today, cost)
        failed = alive & ~mask
        rows = np.flatnonzero(failed)
        if rows.size:
            excluded[rule.key] = ExcludedList(table, rows, rule, parameter, offer, today, lang)
            alive &= mask
    rows = np.flatnonzero(alive)
    comps, totals = score_arrays(table, rows, offer.rooms, cost, table.district_hit(offer.district)[rows],
                                 weights, today, household_parts(table, weights, today))
    _, _, rank = table.ranking(today)
    if mode == "lexicographic":
        order = np.argsort(rank[rows], kind="stable")
    else:
        order = np.lexsort((table.ids[rows], table.tie[rows], -totals, table.ccr[rows], ~table.has_ccr[rows]))
    rows = rows[order]
    comps = {k: v[order] for k, v in comps.items()}
    return Shortlist(offer, RankedList(table, rows, comps, totals[order], weights), excluded)


def eligible_offers(household, offers, config: RuleConfig, weights: Weights, today: date, lang: str = "it"):
    """For one household: (eligible [(OfferCase, ScoreBreakdown)] best score first,
    not_eligible [(OfferCase, failures)] with every failed rule and its explanation in ``lang``)."""
    config = config or RuleConfig.default()
    weights = weights or Weights()
    eligible, not_eligible = [], []
    for offer in sorted(offers, key=lambda o: o.id):
        result = evaluate(household, offer, config, today, lang)
        if result.eligible:
            eligible.append((offer, score(household, offer, weights, today)))
        else:
            not_eligible.append((offer, result.failures))
    eligible.sort(key=lambda pair: (-pair[1].total, pair[0].id))
    return eligible, not_eligible
