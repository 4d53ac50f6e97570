"""Contribution funds (fondi): who pays the part of the rent the household cannot.

The household pays its share, ``threshold x net monthly income`` (the
``rent_sustainable`` parameter, 30% by default, half-up to the cent); the
**contribution needed** for a pair is ``max(0, cost - share)``, where cost is
rent + charges - any fixed top-up already agreed for the offer
(``cases.cost_cents``). The pair is sustainable when the contribution is 0, or
when some fund may pay it:

- the fund is valid today (``valid_from <= today <= valid_until``, no end = open);
- it serves the offer's contract type (none listed: any);
- it serves the household's ETHOS group (``roofless``, ``houseless``,
  ``insecure``, ``inadequate``; none listed: any household; a household with no
  ETHOS category is served only by funds open to any);
- the contribution is within its per-household monthly cap;
- when the fund has an ISEE ceiling: the household's ISEE is in force and at
  most the ceiling. An ISEE is in force until 31 December of the year of its
  date (the DSU's validity since 2020); an older one counts as missing.

Choice of the fund, deterministic: among the funds that may pay, the first in
registry order (by id). The explanation names it. The batch may charge a pair
to any fund that may pay it (``batch`` respects the budgets); the rule itself
does not look at budgets, so that one pair's eligibility never depends on the
other pairs.

No Flask and no database: ``match_data`` builds the ``FundCase`` records.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import numpy as np

from .cases import HouseholdCase, OfferCase, cost_cents, day, eur, percent, to_cents

ETHOS_GROUPS = ("roofless", "houseless", "insecure", "inadequate")


@dataclass(frozen=True)
class FundCase:
    id: int
    name: str
    monthly_budget: Decimal            # EUR a month for all its contributions
    household_cap: Decimal             # EUR a month at most per household
    valid_from: date
    valid_until: date | None = None
    contract_types: frozenset = frozenset()   # empty = any
    ethos_groups: frozenset = frozenset()     # empty = any household
    isee_ceiling: Decimal | None = None       # EUR a year; None = no ceiling
    committed: Decimal = Decimal(0)           # monthly contributions of open tenancies charged to it

    def valid_on(self, today: date) -> bool:
        return self.valid_from <= today and (self.valid_until is None or today <= self.valid_until)

    def serves_contract(self, contract_type: str) -> bool:
        return not self.contract_types or contract_type in self.contract_types

    @property
    def cap_cents(self) -> int:
        return to_cents(self.household_cap)

    @property
    def available_cents(self) -> int:
        """The monthly budget left after the open tenancies' contributions (never below 0)."""
        return max(0, to_cents(self.monthly_budget) - to_cents(self.committed))


def ethos_group(category: str | None) -> str | None:
    """"houseless_3" -> "houseless"; None for no category."""
    return category.split("_", 1)[0] if category else None


def isee_valid_until(isee_date: date) -> date:
    return date(isee_date.year, 12, 31)


def isee_in_force(h: HouseholdCase, today: date) -> Decimal | None:
    """The household's ISEE if recorded and in force today, else None."""
    if h.isee_value is None or h.isee_date is None or today > isee_valid_until(h.isee_date):
        return None
    return Decimal(h.isee_value)


def serves_household(fund: FundCase, h: HouseholdCase, today: date) -> str | None:
    """None if the fund may serve the household, else the reason key (cap aside)."""
    if fund.ethos_groups and ethos_group(h.ethos_category) not in fund.ethos_groups:
        return "ethos"
    if fund.isee_ceiling is not None:
        if h.isee_value is not None and h.isee_date is not None and isee_in_force(h, today) is None:
            return "isee_expired"
        isee = isee_in_force(h, today)
        if isee is None:
            return "isee_missing"
        if isee > fund.isee_ceiling:
            return "isee_over"
    return None


def share_cents(h: HouseholdCase, share: Decimal) -> int:
    """share x income, half-up to the cent (as ``rents.sustainability``)."""
    p, q = share.as_integer_ratio()
    return (2 * p * to_cents(h.monthly_income) + q) // (2 * q)


def contribution_needed(h: HouseholdCase, o: OfferCase, share: Decimal) -> int:
    return max(0, cost_cents(o) - share_cents(h, share))


def refusal(fund: FundCase, h: HouseholdCase, o: OfferCase, need: int, today: date) -> str | None:
    """None if ``fund`` may pay ``need`` cents for the pair, else why not (a reason key)."""
    if not fund.valid_on(today):
        return "not_valid"
    if not fund.serves_contract(o.contract_type):
        return "contract"
    reason = serves_household(fund, h, today)
    if reason:
        return reason
    return "cap" if need > fund.cap_cents else None


@dataclass(frozen=True)
class Funding:
    """The rent rule on one pair: the household's share, the contribution, the fund."""
    income: int                 # cents
    share_cents: int            # what the household pays at most
    cost: int                   # cents a month
    need: int                   # contribution needed, cents
    fund: FundCase | None       # the fund that pays it (first by id), None if none may or none needed
    refusals: tuple = ()        # ((fund, reason key), ...) of the funds that may not

    @property
    def ok(self) -> bool:
        return self.need == 0 or self.fund is not None


def funding(h: HouseholdCase, o: OfferCase, share: Decimal, today: date) -> Funding:
    income, cost = to_cents(h.monthly_income), cost_cents(o)
    paid = share_cents(h, share)
    need = max(0, cost - paid)
    if need == 0:
        return Funding(income, paid, cost, 0, None)
    refusals = []
    for fund in sorted(o.funds, key=lambda f: f.id):
        reason = refusal(fund, h, o, need, today)
        if reason is None:
            return Funding(income, paid, cost, need, fund, tuple(refusals))
        refusals.append((fund, reason))
    return Funding(income, paid, cost, need, None, tuple(refusals))


PHRASES = {
    "it": {
        "pays": "il nucleo paga {paid} ({share} di {income})",
        "no_need": "{cost} ≤ {share} di {income} = {limit}: nessun contributo",
        "fund": "il contributo di {need} rientra nel tetto di {cap} del fondo «{fund}»",
        "none": "il contributo di {need} non è coperto da nessun fondo",
        "no_funds": "il contributo di {need} non è coperto: nessun fondo registrato",
        "not_valid": "«{fund}» non è in vigore oggi",
        "contract": "«{fund}» non copre questo tipo di contratto",
        "ethos": "«{fund}» non copre questa categoria ETHOS",
        "isee_missing": "«{fund}» richiede un ISEE (massimo {ceiling}): non registrato",
        "isee_expired": "«{fund}» richiede un ISEE in corso di validità: quello del {date} è scaduto",
        "isee_over": "«{fund}»: ISEE {isee} oltre il massimo di {ceiling}",
        "cap": "«{fund}»: tetto di {cap} per nucleo",
    },
    "en": {
        "pays": "the household pays {paid} ({share} of {income})",
        "no_need": "{cost} ≤ {share} of {income} = {limit}: no contribution",
        "fund": "the contribution of {need} is within the {cap} cap of the “{fund}” fund",
        "none": "no fund covers the contribution of {need}",
        "no_funds": "the contribution of {need} is not covered: no fund recorded",
        "not_valid": "“{fund}” is not in force today",
        "contract": "“{fund}” does not cover this contract type",
        "ethos": "“{fund}” does not cover this ETHOS category",
        "isee_missing": "“{fund}” requires an ISEE (at most {ceiling}): none recorded",
        "isee_expired": "“{fund}” requires an ISEE in force: the one of {date} has expired",
        "isee_over": "“{fund}”: ISEE {isee} above the maximum of {ceiling}",
        "cap": "“{fund}”: cap of {cap} per household",
    },
}


def explain(h: HouseholdCase, f: Funding, share: Decimal, cost_words: str, today: date, lang: str = "it") -> str:
    """The rule in words: "canone 512 € ≤ 30% di 2.000 € = 600 €: nessun contributo", or
    "canone 512 €; il nucleo paga 180 € (30% di 600 €); il contributo di 332 € rientra nel tetto ..."."""
    w = PHRASES["en" if lang == "en" else "it"]
    money = lambda cents: eur(cents, lang)  # noqa: E731
    if f.need == 0:
        return w["no_need"].format(cost=cost_words, share=percent(share, lang), income=money(f.income),
                                   limit=money(f.share_cents))
    text = f"{cost_words}; " + w["pays"].format(paid=money(f.share_cents), share=percent(share, lang),
                                                income=money(f.income))
    if f.fund is not None:
        return text + "; " + w["fund"].format(need=money(f.need), cap=money(f.fund.cap_cents), fund=f.fund.name)
    if not f.refusals:
        return text + "; " + w["no_funds"].format(need=money(f.need))
    reasons = []
    for fund, reason in f.refusals:
        reasons.append(w[reason].format(
            fund=fund.name, cap=money(fund.cap_cents),
            ceiling=money(to_cents(fund.isee_ceiling)) if fund.isee_ceiling is not None else "",
            isee=money(to_cents(h.isee_value)) if h.isee_value is not None else "",
            date=day(h.isee_date, lang) if h.isee_date else ""))
    return text + "; " + w["none"].format(need=money(f.need)) + " (" + "; ".join(reasons) + ")"


# -- vectorised twins (over a ``table.HouseholdTable``) ------------------------

def household_mask(table, fund: FundCase, today: date) -> np.ndarray:
    """Households the fund may serve (ETHOS group and ISEE; cap and contract aside)."""
    return np.fromiter((serves_household(fund, h, today) is None for h in table.households),
                       dtype=bool, count=table.n)


def payable(table, funds, offer: OfferCase, need: np.ndarray, today: date, rows=None) -> np.ndarray:
    """(len(funds), len(need)) bool: fund k may pay ``need[i]`` for household ``rows[i]`` (all rows if None).

    The household part of each fund is cached on the table per (fund, day).
    """
    out = np.zeros((len(funds), len(need)), dtype=bool)
    for k, fund in enumerate(funds):
        if not (fund.valid_on(today) and fund.serves_contract(offer.contract_type)):
            continue
        mask = table._cached(("fund", fund, today.toordinal()), lambda f=fund: household_mask(table, f, today))
        out[k] = (mask if rows is None else mask[rows]) & (need <= fund.cap_cents)
    return out


__all__ = ["FundCase", "Funding", "funding", "explain", "contribution_needed", "share_cents", "payable",
           "isee_in_force", "ethos_group", "ETHOS_GROUPS"]
