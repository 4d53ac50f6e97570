"""The census of housing demand against supply, and the households no offer fits.

Cells cross four dimensions that both sides share:

- ``rooms``: the rooms the household needs (its minimum) / the rooms of the home,
  banded 1, 2, 3, 4+;
- ``district``: each district the household named (a household naming k
  districts counts 1/k in each: ``demand`` stays a head count, and
  ``demand_households`` counts every household naming it); "*" = no preference;
- ``cost band``: what the household can sustain (share x net income, the
  ``rent_sustainable`` parameter of the base configuration) / what the home
  costs the household (rent + charges - programme contribution), same bands;
- ``step_free``: the household needs step-free access / the home has it.

``gap`` = supply - demand (negative: homes missing). The "*" district has no
supply by definition: those households are counted in the margins, where each
dimension is tallied alone (sizes too) and every gap is a plain head count.

``infeasible``: households eligible for no offer at all, with the rule that
excludes them from the most offers and, as an example, the nearest offer (the
one failing the fewest rules) and why it does not fit.

``sensitive``: households the reader may not see (restricted households,
``housing.restriction``). They still count, but a cell or margin they are part
of is suppressed while fewer than ``threshold`` households make it (the public
statistics' small-cell rule), and they are never listed among the infeasible.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import numpy as np

from .cases import cost_cents, eur, number, to_cents
from .rules import RULES, RuleConfig, evaluate, household_max_cents, rule
from .table import as_table

COST_BANDS = (0, 15000, 30000, 45000, 60000)     # cents: 0-150, 150-300, 300-450, 450-600, 600+ EUR
ROOM_BANDS = (1, 2, 3, 4)                         # 1, 2, 3, 4+


def room_band(rooms: int) -> str:
    return f"{min(max(rooms, 1), 4)}" + ("+" if rooms >= 4 else "")


def cost_band(cents: int) -> str:
    k = int(np.searchsorted(COST_BANDS, cents, side="right")) - 1
    low = COST_BANDS[max(k, 0)]
    return f"{eur(low)}–{eur(COST_BANDS[k + 1])}" if k + 1 < len(COST_BANDS) else f"≥ {eur(low)}"


def size_band(size: int) -> str:
    return str(size) if size < 5 else "5+"


# The census's columns and coded values as staff read them (Italian, English):
# the cells keep their keys (the stored snapshots use them), pages print these.
COLUMNS = {
    "rooms": ("Locali", "Rooms"),
    "district": ("Quartiere", "District"),
    "cost_band": ("Fascia di costo mensile", "Monthly cost band"),
    "step_free": ("Senza barriere", "Step-free"),
    "demand": ("Domanda (nuclei)", "Demand (households)"),
    "demand_households": ("Nuclei che lo indicano", "Households naming it"),
    "supply": ("Offerta (alloggi)", "Supply (homes)"),
    "gap": ("Differenza", "Gap"),
}
ANY_DISTRICT = ("qualsiasi", "any")
YES_NO = {True: ("sì", "yes"), False: ("no", "no")}


def _pick(pair, lang):
    return pair[1] if lang == "en" else pair[0]


def column_label(key: str, lang: str = "it") -> str:
    return _pick(COLUMNS[key], lang) if key in COLUMNS else key


def cost_band_label(band: str, lang: str = "it") -> str:
    """A cost band (stored in Italian figures, "150 €–300 €") in ``lang``'s figures."""
    if lang != "en":
        return band
    for k, low in enumerate(COST_BANDS):
        if k + 1 < len(COST_BANDS) and band == f"{eur(low)}–{eur(COST_BANDS[k + 1])}":
            return f"{eur(low, 'en')}–{eur(COST_BANDS[k + 1], 'en')}"
        if band == f"≥ {eur(low)}":
            return f"≥ {eur(low, 'en')}"
    return band


def cell_text(key: str, value, lang: str = "it") -> str:
    """One value of a census cell as a page prints it: labels, not keys; local figures."""
    if key == "district" and value == "*":
        return _pick(ANY_DISTRICT, lang)
    if key == "step_free":
        return _pick(YES_NO[bool(value)], lang)
    if key == "cost_band":
        return cost_band_label(value, lang)
    if isinstance(value, float):
        return number(value, 0 if value == int(value) else 2, lang)
    if value is None:
        return SUPPRESSED
    return str(value)


SMALL_CELL = 5      # the public statistics' threshold (housing.publishing.export.SMALL_CELL)
SUPPRESSED = f"< {SMALL_CELL}"


@dataclass(frozen=True)
class Census:
    cells: list             # [{rooms, district, cost_band, step_free, demand, demand_households, supply, gap}]
    infeasible: list        # [(HouseholdCase, main_rule_key, explanation in the census's language)]
    margins: dict = field(default_factory=dict)   # {dimension: [{value, demand, supply, gap}]}
    totals: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """JSON-able, without personal data (ids only), for the daily snapshot."""
        return {"cells": self.cells, "margins": self.margins, "totals": self.totals,
                "infeasible": [{"household_id": h.id, "rule": key} for h, key, _ in self.infeasible]}


def census(households, offers, config: RuleConfig, today: date, lang: str = "it", sensitive=frozenset(),
           threshold: int = SMALL_CELL) -> Census:
    """The census; ``lang`` ("it" or "en") is the language of the infeasible households' explanations.

    ``sensitive``: ids of households the reader may not see (see the module's docstring).
    """
    config = config or RuleConfig.default()
    table = as_table(households)
    offers = sorted(offers, key=lambda o: o.id)
    base_share = config.base["rent_sustainable"].parameter or Decimal("0.30")
    demand = defaultdict(float)
    demand_households = defaultdict(int)
    supply = defaultdict(int)
    margins = {dim: defaultdict(lambda: [0.0, 0]) for dim in ("rooms", "district", "cost_band", "step_free", "size")}
    margin_heads = defaultdict(int)      # (dimension, value): households counted there
    touched = set()                      # cells and (dimension, value) margins a sensitive household is part of
    # (household sizes have no supply side: their margin has supply and gap None)
    for h in table.households:
        rooms, band = room_band(h.min_rooms), cost_band(household_max_cents(to_cents(h.monthly_income), base_share))
        districts = sorted(h.preferred_districts) or ["*"]
        hidden = h.id in sensitive
        for d in districts:
            key = (rooms, d, band, bool(h.needs_step_free))
            demand[key] += 1 / len(districts)
            demand_households[key] += 1
            margins["district"][d][0] += 1 / len(districts)
            margin_heads[("district", d)] += 1
            if hidden:
                touched.update((key, ("district", d)))
        for dim, value in (("rooms", rooms), ("cost_band", band), ("step_free", bool(h.needs_step_free)),
                           ("size", size_band(h.size))):
            margins[dim][value][0] += 1
            margin_heads[(dim, value)] += 1
            if hidden:
                touched.add((dim, value))
    for o in offers:
        rooms, band = room_band(o.rooms), cost_band(cost_cents(o))
        supply[(rooms, o.district, band, bool(o.step_free))] += 1
        for dim, value in (("rooms", rooms), ("district", o.district), ("cost_band", band),
                           ("step_free", bool(o.step_free))):
            margins[dim][value][1] += 1
    cells = []
    for key in sorted(set(demand) | set(supply), key=lambda k: (k[0], k[1], _band_order(k[2]), k[3])):
        d, s = round(demand.get(key, 0.0), 2), supply.get(key, 0)
        cell = {"rooms": key[0], "district": key[1], "cost_band": key[2], "step_free": key[3],
                "demand": d, "demand_households": demand_households.get(key, 0), "supply": s, "gap": round(s - d, 2)}
        if key in touched and demand_households[key] < threshold:
            cell.update(demand=None, demand_households=None, gap=None)
        cells.append(cell)
    margin_rows = {dim: [_margin(dim, v, dv, sv, (dim, v) in touched and margin_heads[(dim, v)] < threshold)
                         for v, (dv, sv) in sorted(values.items(), key=lambda kv: str(kv[0]))]
                   for dim, values in margins.items()}
    infeasible = [row for row in _infeasible(table, offers, config, today, lang) if row[0].id not in sensitive]
    totals = {"households": table.n, "offers": len(offers), "infeasible": len(infeasible),
              **contribution_gap(table, offers, config, today)}
    return Census(cells, infeasible, margin_rows, totals)


def _margin(dim, value, demand, supply, suppressed):
    row = {"value": value, "demand": round(demand, 2), "supply": None if dim == "size" else supply,
           "gap": None if dim == "size" else round(supply - demand, 2)}
    if suppressed:
        row.update(demand=None, gap=None)
    return row


def _band_order(label: str) -> int:
    for k in range(len(COST_BANDS)):
        if label.startswith(eur(COST_BANDS[k])) or label == f"≥ {eur(COST_BANDS[k])}":
            return k
    return len(COST_BANDS)


INFEASIBLE = {
    "it": {"no_offers": "nessuna offerta disponibile",
           "why": "escluso da {failed} offerte su {total} per «{rule}»; l'offerta più vicina (n. {offer}) non va per: {why}"},
    "en": {"no_offers": "no offer available",
           "why": "excluded from {failed} offers out of {total} by “{rule}”; the nearest offer (no. {offer}) "
                  "does not fit because: {why}"},
}


def reason_label(key: str, lang: str = "it") -> str:
    """The name of the rule that keeps a household out (or "no offer available")."""
    if key == "no_offers":
        return _pick(("Nessuna offerta", "No offer"), lang)
    return rule(key).name(lang)


def contribution_gap(table, offers, config, today) -> dict:
    """The demand that only the funds can house, against their budgets (a gap of its own).

    ``needs_contribution``: households with eligible offers, every one of them
    needing a fund's contribution; ``contribution_demand``: the sum of their
    cheapest such contribution (cents a month); ``funds_available``: the budgets
    left of the funds in force today; ``budget_gap``: the demand the budgets cannot
    cover, and ``budget_gap_households``: how many of these households stay
    uncovered when the budget goes to the cheapest first (a lower bound:
    households compete for the same offers and funds' rules differ, which the
    batch accounts for exactly).
    """
    cheapest = np.full(table.n, np.iinfo(np.int64).max, dtype=np.int64)
    for offer in offers:
        rules = config.for_offer(offer)
        cost = cost_cents(offer)
        eligible = table.eligible_mask(offer, rules, today, cost)
        share = next((p for r, p in rules if r.key == "rent_sustainable"), None)
        need = table.contribution_needed(share, cost) if share is not None else np.zeros(table.n, np.int64)
        cheapest = np.where(eligible, np.minimum(cheapest, need), cheapest)
    reliant = (cheapest > 0) & (cheapest < np.iinfo(np.int64).max)
    funds = {f for o in offers for f in o.funds if f.valid_on(today)}
    available = sum(f.available_cents for f in funds)
    needs = np.sort(cheapest[reliant])
    covered = int(np.searchsorted(np.cumsum(needs), available, side="right"))
    return {"needs_contribution": int(reliant.sum()), "contribution_demand": int(needs.sum()),
            "funds_available": int(available), "budget_gap": max(0, int(needs.sum()) - int(available)),
            "budget_gap_households": int(len(needs) - covered)}


def _infeasible(table, offers, config, today, lang="it"):
    """Households with no eligible offer, the rule failing most offers, and the nearest offer."""
    n = table.n
    count = np.zeros(n, dtype=np.int64)
    for offer in offers:
        count += table.eligible_mask(offer, config.for_offer(offer), today)
    rows = np.flatnonzero(count == 0)
    if rows.size == 0:
        return []
    keys = [r.key for r in RULES]
    fails = np.zeros((len(keys), rows.size), dtype=np.int64)
    nearest = np.full(rows.size, -1, dtype=np.int64)
    nearest_fails = np.full(rows.size, len(keys) + 1, dtype=np.int64)
    for j, offer in enumerate(offers):
        cost = cost_cents(offer)
        failed_here = np.zeros(rows.size, dtype=np.int64)
        for r, parameter in config.for_offer(offer):
            bad = ~table.rule_mask(r, offer, parameter, today, cost)[rows]
            fails[keys.index(r.key)] += bad
            failed_here += bad
        better = failed_here < nearest_fails
        nearest[better], nearest_fails[better] = j, failed_here[better]
    out = []
    total = len(offers)
    words = INFEASIBLE["en" if lang == "en" else "it"]
    for i, row in enumerate(rows.tolist()):
        h = table.households[row]
        if total == 0:
            out.append((h, "no_offers", words["no_offers"]))
            continue
        main = keys[int(np.argmax(fails[:, i]))]      # first on ties: registry order
        offer = offers[nearest[i]]
        why = "; ".join(text for _, text in evaluate(h, offer, config, today, lang).failures)
        out.append((h, main, words["why"].format(failed=int(fails[keys.index(main), i]), total=total,
                                                 rule=rule(main).name(lang), offer=offer.id, why=why)))
    return out
