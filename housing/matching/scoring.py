"""The score of a pair, with its parts: every proposal carries components, weights, total.

Components, each in [0, 1]:

- ``priority``: the household's priority / 100 (1 when a case conference ranked it);
- ``size_fit``: 1 when the home has exactly the household's minimum rooms, minus a
  third (``extra_rooms_zero_at``) for each extra room; 0 below the minimum;
- ``rent_effort``: 1 - incidence / ``rent_effort_zero_at``, where incidence =
  (rent + charges - programme contribution) / net income;
- ``district``: 1 in a district the household named, 0.5 when it named none, else 0;
- ``waiting``: waiting days / ``waiting_full_days``, at most 1.

total = sum(weight x component) / sum(weights). ``score_arrays`` computes the same
floats with NumPy over many pairs (same operations in the same order).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

import numpy as np

from . import priority as prio
from .cases import HouseholdCase, OfferCase, cost_cents, eur, number, to_cents, waiting_days

COMPONENTS = ("priority", "size_fit", "rent_effort", "district", "waiting")
LABELS = {
    "priority": ("priorità", "priority"),
    "size_fit": ("dimensione", "size fit"),
    "rent_effort": ("sforzo per il canone", "rent effort"),
    "district": ("quartiere preferito", "preferred district"),
    "waiting": ("tempo di attesa", "waiting time"),
}


@dataclass(frozen=True)
class Weights:
    priority: float = 0.40
    size_fit: float = 0.20
    rent_effort: float = 0.20
    district: float = 0.10
    waiting: float = 0.10
    # where the components reach 0 (or 1): scoring parameters, kept with the weights
    extra_rooms_zero_at: int = 3
    rent_effort_zero_at: float = 0.5
    waiting_full_days: int = 730

    def __post_init__(self):
        for name in COMPONENTS:
            w = getattr(self, name)
            if not (w >= 0) or w == float("inf"):
                raise ValueError(f"weight {name} must be a finite number >= 0, not {w!r}")
        if self.extra_rooms_zero_at <= 0 or self.rent_effort_zero_at <= 0 or self.waiting_full_days <= 0:
            raise ValueError("extra_rooms_zero_at, rent_effort_zero_at and waiting_full_days must be > 0")

    def as_dict(self) -> dict:
        return {name: float(getattr(self, name)) for name in COMPONENTS}

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data) -> "Weights":
        return cls(**data)


@dataclass(frozen=True)
class ScoreBreakdown:
    components: dict
    weights: dict
    total: float

    def describe(self, lang: str = "it") -> str:
        """'priorità 0,72 × 0,40 + dimensione 1,00 × 0,20 + ... = 0,81'."""
        k = 0 if lang == "it" else 1
        fmt = number if lang == "it" else (lambda x: number(x, 2, "en"))
        parts = [f"{LABELS[c][k]} {fmt(self.components[c])} × {fmt(self.weights[c])}" for c in COMPONENTS]
        tail = f" (/ {fmt(sum(self.weights.values()))})" if abs(sum(self.weights.values()) - 1) > 1e-9 else ""
        return " + ".join(parts) + tail + f" = {fmt(self.total)}"


def _combine(weights: Weights, p, s, r, d, w):
    total = (weights.priority * p + weights.size_fit * s + weights.rent_effort * r
             + weights.district * d + weights.waiting * w)
    wsum = weights.priority + weights.size_fit + weights.rent_effort + weights.district + weights.waiting
    return total / wsum if wsum > 0 else total * 0.0


def _size_fit(extra, weights):
    return np.where(extra < 0, 0.0, np.maximum(0.0, 1.0 - extra / weights.extra_rooms_zero_at))


def _rent_effort(cost, income, weights):
    with np.errstate(divide="ignore", invalid="ignore"):
        incidence = np.where(income > 0, cost / np.where(income > 0, income, 1), np.where(cost > 0, np.inf, 0.0))
    return 1.0 - np.minimum(incidence / weights.rent_effort_zero_at, 1.0)


def _waiting(days, weights):
    return np.minimum(days / weights.waiting_full_days, 1.0)


def priority_component(household: HouseholdCase, today: date) -> float:
    if household.case_conference_rank is not None:
        return 1.0
    return prio.priority(household.ethos_category, waiting_days(household, today), household.vulnerabilities,
                         household.need_index) / 100


def score(household: HouseholdCase, offer: OfferCase, weights: Weights, today: date) -> ScoreBreakdown:
    c = {
        "priority": priority_component(household, today),
        "size_fit": float(_size_fit(np.int64(offer.rooms - household.min_rooms), weights)),
        "rent_effort": float(_rent_effort(np.int64(cost_cents(offer)), np.int64(to_cents(household.monthly_income)),
                                          weights)),
        "district": (1.0 if offer.district in household.preferred_districts
                     else 0.5 if not household.preferred_districts else 0.0),
        "waiting": float(_waiting(np.int64(waiting_days(household, today)), weights)),
    }
    total = float(_combine(weights, *(np.float64(c[k]) for k in COMPONENTS)))
    return ScoreBreakdown(c, weights.as_dict(), total)


def household_parts(table, weights: Weights, today: date):
    """Per-household components (priority, waiting), computed once per batch or shortlist."""
    value, _, _ = table.ranking(today)
    return {"priority": np.where(table.has_ccr, 1.0, value / 100),
            "waiting": _waiting(table.waiting_days(today), weights)}


def score_arrays(table, rows, offer_rooms, offer_cost, district_hit, weights: Weights, today: date, parts=None):
    """Components and totals for the pairs (table row ``rows[k]``, offer k's fields).

    ``offer_rooms``, ``offer_cost`` (cents) and ``district_hit`` (the household
    named the offer's district) are arrays aligned with ``rows``, or scalars for
    one offer. ``parts``: ``household_parts`` output, to reuse across offers.
    Returns (dict of component arrays, total array).
    """
    parts = parts if parts is not None else household_parts(table, weights, today)
    c = {
        "priority": parts["priority"][rows],
        "size_fit": _size_fit(offer_rooms - table.min_rooms[rows], weights),
        "rent_effort": _rent_effort(offer_cost, table.income_cents[rows], weights),
        "district": np.where(district_hit, 1.0, np.where(table.any_district[rows], 0.5, 0.0)),
        "waiting": parts["waiting"][rows],
    }
    return c, _combine(weights, *(c[k] for k in COMPONENTS))


def pair_totals(table, rows, offer_rooms, offer_cost, district_hit, weights: Weights, parts) -> np.ndarray:
    """``score_arrays(...)[1]`` with fewer passes (lookup tables for the discrete parts).

    Same floats: the tables hold the very values the formulas give.
    """
    z = int(np.ceil(weights.extra_rooms_zero_at))
    size_table = _size_fit(np.arange(-1, z + 1), weights)
    extra = np.clip(offer_rooms - table.min_rooms[rows], -1, z)
    district_table = np.array([0.0, 0.5, 1.0, 1.0])
    district = district_table[np.asarray(district_hit, dtype=np.int8) * 2 + table.any_district[rows]]
    return _combine(weights, parts["priority"][rows], size_table[extra + 1],
                    _rent_effort(offer_cost, table.income_cents[rows], weights), district, parts["waiting"][rows])


def breakdown_at(components, totals, k, weights: Weights) -> ScoreBreakdown:
    """The ``ScoreBreakdown`` of pair k from ``score_arrays`` output."""
    return ScoreBreakdown({name: float(components[name][k]) for name in COMPONENTS}, weights.as_dict(),
                          float(totals[k]))


EXPLANATION = {
    "it": {"priority": "priorità {value}: ", "size": "dimensione {value}: {rooms} locali per un minimo di {min_rooms}",
           "exact": " (esatto)", "rent": "sforzo per il canone {value}: {cost} su un reddito di {income}",
           "incidence": " = {share}% (0 al {zero}%)", "district": "quartiere {value}: {district}, {how}",
           "district_hit": "quartiere tra quelli indicati", "district_any": "nessun quartiere indicato",
           "district_miss": "quartiere non tra quelli indicati",
           "waiting": "attesa {value}: {days} giorni (pieno a {full})", "total": "totale: "},
    "en": {"priority": "priority {value}: ", "size": "size fit {value}: {rooms} rooms for a minimum of {min_rooms}",
           "exact": " (exact)", "rent": "rent effort {value}: {cost} on an income of {income}",
           "incidence": " = {share}% (0 at {zero}%)", "district": "district {value}: {district}, {how}",
           "district_hit": "a district the household named", "district_any": "no district named",
           "district_miss": "not a district the household named",
           "waiting": "waiting {value}: {days} days (full at {full})", "total": "total: "},
}


def explain_score(household: HouseholdCase, offer: OfferCase, weights: Weights, today: date,
                  breakdown: ScoreBreakdown | None = None, lang: str = "it") -> list[str]:
    """Why each part of the score is what it is (one line per component, in ``lang``)."""
    lang = "en" if lang == "en" else "it"
    words = EXPLANATION[lang]
    b = breakdown or score(household, offer, weights, today)
    c = b.components
    days = waiting_days(household, today)
    pv = prio.priority(household.ethos_category, days, household.vulnerabilities, household.need_index)
    income, cost = to_cents(household.monthly_income), cost_cents(offer)
    extra = offer.rooms - household.min_rooms

    def fig(value, digits=2):
        return number(value, digits, lang)

    how = words["district_hit" if c["district"] == 1 else "district_any" if c["district"] == 0.5 else "district_miss"]
    return [
        words["priority"].format(value=fig(c["priority"]))
        + prio.explain(household.ethos_category, days, household.vulnerabilities, pv, household.case_conference_rank,
                       household.need_index, lang=lang),
        words["size"].format(value=fig(c["size_fit"]), rooms=offer.rooms, min_rooms=household.min_rooms)
        + (f" ({extra:+d})" if extra else words["exact"]),
        words["rent"].format(value=fig(c["rent_effort"]), cost=eur(cost, lang), income=eur(income, lang))
        + (words["incidence"].format(share=fig(100 * cost / income, 1), zero=fig(100 * weights.rent_effort_zero_at, 0))
           if income else ""),
        words["district"].format(value=fig(c["district"]), district=offer.district, how=how),
        words["waiting"].format(value=fig(c["waiting"]), days=days, full=weights.waiting_full_days),
        words["total"] + b.describe(lang),
    ]
