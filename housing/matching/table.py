"""NumPy columns of the households, and the vectorised rule checks over them.

Build a ``HouseholdTable`` once from the list of ``HouseholdCase`` (about
0.1 s for 50,000); then the mask of the households passing one rule for one
offer is a few array operations, and the masks that depend on the offer only
through a few fields (rooms, district, contract type, step-free) are cached.
Every vectorised check reproduces its scalar twin in ``rules`` exactly
(integers for money, the same float operations for ratios); the tests compare
them on random instances. A rule without a vectorised twin falls back to a
Python loop over the scalar check.
"""
from __future__ import annotations

from datetime import date

import numpy as np

from . import priority as prio
from .cases import OfferCase, cost_cents, to_cents
from .funds import payable


def _index_lists(sets, n):
    """{value: int32 array of the rows whose set contains value}."""
    buckets: dict = {}
    for i, values in enumerate(sets):
        for value in values:
            buckets.setdefault(value, []).append(i)
    return {value: np.asarray(rows, dtype=np.int32) for value, rows in buckets.items()}


class HouseholdTable:
    """Column arrays of a fixed list of households (row i = ``households[i]``)."""

    def __init__(self, households):
        self.households = list(households)
        hs = self.households
        self.n = n = len(hs)
        self.ids = np.fromiter((h.id for h in hs), dtype=np.int64, count=n)
        if len(set(self.ids.tolist())) != n:
            raise ValueError("household ids must be unique")
        self.size = np.fromiter((h.size for h in hs), dtype=np.int64, count=n)
        self.min_rooms = np.fromiter((h.min_rooms for h in hs), dtype=np.int64, count=n)
        self.needs_step_free = np.fromiter((h.needs_step_free for h in hs), dtype=bool, count=n)
        self.income_cents = np.fromiter((to_cents(h.monthly_income) for h in hs), dtype=np.int64, count=n)
        self.any_district = np.fromiter((not h.preferred_districts for h in hs), dtype=bool, count=n)
        self.any_contract = np.fromiter((not h.acceptable_contract_types for h in hs), dtype=bool, count=n)
        self.parked_until = np.fromiter((h.parked_until.toordinal() if h.parked_until else 0 for h in hs),
                                        dtype=np.int64, count=n)
        self.severity = np.fromiter((prio.severity(h.ethos_category) for h in hs), dtype=float, count=n)
        self.intake = np.fromiter((h.intake_on.toordinal() for h in hs), dtype=np.int64, count=n)
        self.vulnerabilities = np.fromiter((h.vulnerabilities for h in hs), dtype=np.int64, count=n)
        need = np.fromiter((np.nan if h.need_index is None else h.need_index for h in hs), dtype=float, count=n)
        self.need_index = None if np.isnan(need).all() else need  # NaN = not assessed
        self.has_ccr = np.fromiter((h.case_conference_rank is not None for h in hs), dtype=bool, count=n)
        self.ccr = np.fromiter((h.case_conference_rank or 0 for h in hs), dtype=np.int64, count=n)
        self.tie = np.fromiter((h.tie_break_key for h in hs), dtype=float, count=n)
        self.by_district = _index_lists((h.preferred_districts for h in hs), n)
        self.by_contract = _index_lists((h.acceptable_contract_types for h in hs), n)
        self.declined_by_offer = _index_lists((h.declined_offer_ids for h in hs), n)
        self._masks: dict = {}
        self._ranking: dict = {}

    def index_of(self, household_id: int) -> int:
        if not hasattr(self, "_index"):
            self._index = {int(i): k for k, i in enumerate(self.ids.tolist())}
        return self._index[household_id]

    # -- priority and order ------------------------------------------------------

    def waiting_days(self, today: date):
        return np.maximum(today.toordinal() - self.intake, 0)

    def priorities(self, today: date):
        return self.ranking(today)[0]

    def ranking(self, today: date):
        """(priority per row, rows in order-key order, rank per row), cached per day."""
        if today not in self._ranking:
            value = prio.priority_array(self.severity, self.waiting_days(today), self.vulnerabilities, self.need_index)
            # np.lexsort: last key first -> case conference, rank, -priority, tie key, id
            order = np.lexsort((self.ids, self.tie, -value, self.ccr, ~self.has_ccr))
            rank = np.empty(self.n, dtype=np.int64)
            rank[order] = np.arange(self.n)
            self._ranking = {today: (value, order, rank)}
        return self._ranking[today]

    # -- masks -------------------------------------------------------------------

    def _cached(self, key, build):
        mask = self._masks.get(key)
        if mask is None:
            mask = self._masks[key] = build()
            mask.flags.writeable = False
        return mask

    def _members(self, index, value, any_flag):
        def build():
            mask = any_flag.copy()
            rows = index.get(value)
            if rows is not None:
                mask[rows] = True
            return mask
        return build

    def district_mask(self, district: str):
        """Households accepting the district (listing it, or listing none)."""
        return self._cached(("district", district), self._members(self.by_district, district, self.any_district))

    def district_hit(self, district: str):
        """Households that named this district among their preferred ones."""
        none = np.zeros(self.n, dtype=bool)
        return self._cached(("district_hit", district), self._members(self.by_district, district, none))

    def household_max(self, share):
        """share x income, half-up to the cent, per household (int64 cents)."""
        def build():
            p, q = share.as_integer_ratio()
            return (2 * p * self.income_cents + q) // (2 * q)
        return self._cached(("household_max", share), build)

    def contribution_needed(self, share, cost: int):
        """max(0, cost - share x income) per household (int64 cents), as ``funds.contribution_needed``."""
        return np.maximum(cost - self.household_max(share), 0)

    def rent_mask(self, offer: OfferCase, share, today: date, cost: int):
        """Households for which the rent is sustainable: no contribution needed, or a fund may pay it."""
        need = self.contribution_needed(share, cost)
        mask = need == 0
        if offer.funds and not mask.all():
            mask = mask | payable(self, offer.funds, offer, need, today).any(axis=0)
        return mask

    def rule_mask(self, rule, offer: OfferCase, parameter, today: date, cost: int | None = None):
        """Boolean array: the households passing ``rule`` for ``offer``."""
        key = rule.key
        if key == "size_fits_rooms":
            low, high = parameter
            r = offer.rooms
            return self._cached((key, r, low, high), lambda: (
                (self.min_rooms <= r) & (self.size <= high * r) & (self.size >= low * r)))
        if key == "rent_sustainable":
            return self.rent_mask(offer, parameter, today, cost_cents(offer) if cost is None else cost)
        if key == "step_free":
            return self._cached((key, bool(offer.step_free)), lambda: (
                np.ones(self.n, dtype=bool) if offer.step_free else ~self.needs_step_free))
        if key == "district_acceptable":
            return self.district_mask(offer.district)
        if key == "contract_type_acceptable":
            return self._cached((key, offer.contract_type), self._members(
                self.by_contract, offer.contract_type, self.any_contract))
        if key == "not_declined":
            mask = np.ones(self.n, dtype=bool)
            rows = self.declined_by_offer.get(offer.id)
            if rows is not None:
                mask[rows] = False
            return mask
        if key == "not_parked":
            t = today.toordinal()
            return self._cached((key, t), lambda: ~(self.parked_until > t))
        # a rule added without a vectorised twin: the scalar check, row by row
        return np.fromiter((rule.check(h, offer, parameter, today)[0] for h in self.households),
                           dtype=bool, count=self.n)

    OFFER_ONLY = frozenset({"size_fits_rooms", "step_free", "district_acceptable",
                            "contract_type_acceptable", "not_parked"})

    def eligible_mask(self, offer: OfferCase, rules, today: date, cost: int | None = None):
        """Households passing every rule of ``rules`` ([(Rule, parameter)]) for the offer.

        The rules that depend on the offer only through a few fields are
        combined once per (contract type, rooms, step-free, district) and cached.
        """
        static = [(r, p) for r, p in rules if r.key in self.OFFER_ONLY]
        signature = ("static", today.toordinal(), offer.rooms, bool(offer.step_free), offer.district,
                     offer.contract_type, tuple((r.key, p) for r, p in static))

        def build():
            mask = np.ones(self.n, dtype=bool)
            for r, p in static:
                mask &= self.rule_mask(r, offer, p, today)
            return mask

        mask = self._cached(signature, build)
        for r, p in rules:
            if r.key not in self.OFFER_ONLY:
                mask = mask & self.rule_mask(r, offer, p, today, cost)
        return mask


def as_table(households) -> HouseholdTable:
    """``households`` itself if a table; the table a list carries (``match_data.HouseholdCases``)
    while the list still holds the very cases it was built from; else a new table."""
    if isinstance(households, HouseholdTable):
        return households
    table = getattr(households, "table", None)
    if isinstance(table, HouseholdTable) and table.households == households:
        return table
    return HouseholdTable(households)


__all__ = ["HouseholdTable", "as_table"]
