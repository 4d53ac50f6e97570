"""Eligibility rules as data: an ordered registry, and a per-offer-type configuration.

A rule has a stable key, an Italian and an English name, a default parameter,
a readable description, and a check ``(household, offer, parameter, today) ->
(ok, explanation_it)`` whose explanation states the threshold as applied
("canone 512 € > 30% × 1.640 € = 492 €"). ``housing.matching.table`` holds the
NumPy version of each check (same arithmetic, tested to agree), used for
shortlists over tens of thousands of households and for the batch.

``RuleConfig`` says, per contract type, which rules are on and with which
parameter; what it does not say falls back to its ``base`` and then to the
rule's default. It round-trips through ``to_dict``/``from_dict`` (JSON), so the
adapters can store it, audit its changes and snapshot it with each proposal.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, Mapping

from housing import vocabulary as v

from .cases import (
    HouseholdCase, OfferCase, beside, cost_cents, day, eur, is_parked, names, parameter_number, percent, to_cents,
)


@dataclass(frozen=True)
class Rule:
    key: str
    name_it: str
    name_en: str
    default: Any
    description_it: str
    description_en: str
    check: Callable[[HouseholdCase, OfferCase, Any, date], tuple[bool, str]]
    normalise: Callable[[Any], Any] = lambda parameter: None

    def name(self, lang: str = "it") -> str:
        return self.name_it if lang == "it" else self.name_en


# -- parameters -----------------------------------------------------------------

def _occupancy_range(parameter):
    """(min, max) persons per room, floats with 0 <= min <= max, max > 0."""
    try:
        low, high = (float(x) for x in parameter)
    except (TypeError, ValueError):
        raise ValueError(f"size_fits_rooms needs (min, max) persons per room, not {parameter!r}") from None
    if not (0 <= low <= high) or high <= 0 or high != high:
        raise ValueError(f"size_fits_rooms range must satisfy 0 <= min <= max, max > 0: {parameter!r}")
    return (low, high)


def _share(parameter):
    """A share of income in (0, 1] as a Decimal (floats through their repr)."""
    try:
        share = Decimal(repr(parameter) if isinstance(parameter, float) else str(parameter))
    except InvalidOperation:
        raise ValueError(f"rent_sustainable needs a share such as 0.30, not {parameter!r}") from None
    if not share.is_finite() or not (0 < share <= 1):
        raise ValueError(f"rent_sustainable share must be in (0, 1], not {parameter!r}")
    return share


def household_max_cents(income_cents: int, share: Decimal) -> int:
    """share x income, rounded half-up to the cent (as rents.sustainability does)."""
    p, q = share.as_integer_ratio()
    return (2 * p * income_cents + q) // (2 * q)


def _persons(n):
    return f"{n} persona" if n == 1 else f"{n} persone"


def _rooms(n):
    return f"{n} locale" if n == 1 else f"{n} locali"


# -- the checks -----------------------------------------------------------------

def check_size(h, o, parameter, today):
    low, high = parameter
    if o.rooms < h.min_rooms:
        return False, f"alloggio di {_rooms(o.rooms)} < {_rooms(h.min_rooms)} minimi per il nucleo"
    ratio = h.size / o.rooms
    if h.size > high * o.rooms:
        return False, (f"{_persons(h.size)} in {_rooms(o.rooms)} = {beside(ratio, high)} persone per locale "
                       f"> massimo {parameter_number(high)}")
    if h.size < low * o.rooms:
        return False, (f"{_persons(h.size)} in {_rooms(o.rooms)} = {beside(ratio, low)} persone per locale "
                       f"< minimo {parameter_number(low)}")
    shown = beside(ratio, low) if abs(ratio - low) <= abs(ratio - high) else beside(ratio, high)
    return True, (f"{_persons(h.size)} in {_rooms(o.rooms)} = {shown} persone per locale, "
                  f"tra {parameter_number(low)} e {parameter_number(high)}; minimo del nucleo {_rooms(h.min_rooms)}")


def cost_text(o: OfferCase) -> str:
    """'canone 450 € + spese 62 € − contributo 100 € = 412 €' (only the parts present)."""
    rent, charges, contribution = (to_cents(o.monthly_rent), to_cents(o.service_charges),
                                   to_cents(o.programme_contribution))
    text = f"canone {eur(rent)}"
    if charges:
        text += f" + spese {eur(charges)}"
    if contribution:
        text += f" − contributo del programma {eur(contribution)}"
    if charges or contribution:
        text += f" = {eur(cost_cents(o))}"
    return text


def check_rent(h, o, parameter, today):
    income = to_cents(h.monthly_income)
    cost, limit = cost_cents(o), household_max_cents(income, parameter)
    ok = cost <= limit
    return ok, f"{cost_text(o)} {'≤' if ok else '>'} {percent(parameter)} × {eur(income)} = {eur(limit)}"


def check_step_free(h, o, parameter, today):
    if not h.needs_step_free:
        return True, "accesso senza barriere non richiesto"
    if o.step_free:
        return True, "accesso senza barriere richiesto e presente"
    return False, "il nucleo ha bisogno di un accesso senza barriere: l'alloggio non lo ha"


def check_district(h, o, parameter, today):
    if not h.preferred_districts:
        return True, f"quartiere {o.district}: il nucleo accetta qualsiasi quartiere"
    if o.district in h.preferred_districts:
        return True, f"quartiere {o.district} tra quelli accettati"
    return False, f"quartiere {o.district} non tra quelli accettati ({names(h.preferred_districts)})"


def _contract(key):
    return v.label(v.CONTRACT_TYPES, key)


def check_contract(h, o, parameter, today):
    if not h.acceptable_contract_types:
        return True, f"contratto «{_contract(o.contract_type)}»: il nucleo accetta qualsiasi contratto"
    if o.contract_type in h.acceptable_contract_types:
        return True, f"contratto «{_contract(o.contract_type)}» accettato"
    accepted = ", ".join(sorted(_contract(k) for k in h.acceptable_contract_types))
    return False, f"contratto «{_contract(o.contract_type)}» non accettato (accetta: {accepted})"


def check_declined(h, o, parameter, today):
    if o.id in h.declined_offer_ids:
        return False, f"abbinamento con l'offerta n. {o.id} già rifiutato: non si ripropone"
    return True, "abbinamento mai rifiutato"


def check_parked(h, o, parameter, today):
    if is_parked(h, today):
        return False, f"nucleo sospeso dagli abbinamenti: di nuovo abbinabile dal {day(h.parked_until)}"
    return True, "nucleo non sospeso"


RULES: tuple[Rule, ...] = (
    Rule("size_fits_rooms", "Dimensione adeguata ai locali", "Household size fits the rooms", (0.5, 2.0),
         "Almeno i locali minimi del nucleo, e persone per locale tra il minimo e il massimo indicati.",
         "At least the household's minimum rooms, and persons per room between the given minimum and maximum.",
         check_size, _occupancy_range),
    Rule("rent_sustainable", "Canone sostenibile", "Sustainable rent", Decimal("0.30"),
         "Canone + spese − contributo del programma al massimo la quota indicata del reddito netto mensile.",
         "Rent + charges − programme contribution at most the given share of the net monthly income.",
         check_rent, _share),
    Rule("step_free", "Accesso senza barriere", "Step-free access", None,
         "Se il nucleo ne ha bisogno, l'alloggio deve essere senza barriere.",
         "If the household needs it, the home must be step-free.", check_step_free),
    Rule("district_acceptable", "Quartiere accettato", "Acceptable district", None,
         "Il quartiere dell'alloggio è tra quelli indicati dal nucleo (nessuna indicazione: tutti).",
         "The home's district is one the household accepts (none given: any).", check_district),
    Rule("contract_type_acceptable", "Tipo di contratto accettato", "Acceptable contract type", None,
         "Il tipo di contratto è tra quelli accettati dal nucleo (nessuna indicazione: tutti).",
         "The contract type is one the household accepts (none given: any).", check_contract),
    Rule("not_declined", "Non già rifiutato", "Not already declined", None,
         "Un abbinamento rifiutato (dal nucleo o dal locatore) non si ripropone.",
         "A pair declined by the household or the landlord is never proposed again.", check_declined),
    Rule("not_parked", "Nucleo non sospeso", "Household not parked", None,
         "Il nucleo non è sospeso dagli abbinamenti (sospeso fino al giorno prima della data indicata).",
         "The household is not parked (parked until the day before the stored date).", check_parked),
)
RULES_BY_KEY = {rule.key: rule for rule in RULES}


def rule(key: str) -> Rule:
    try:
        return RULES_BY_KEY[key]
    except KeyError:
        raise ValueError(f"unknown rule {key!r}; known: {', '.join(RULES_BY_KEY)}") from None


# -- configuration --------------------------------------------------------------

@dataclass(frozen=True)
class RuleSetting:
    enabled: bool = True
    parameter: Any = None


def _setting(key, value, in_force: RuleSetting | None = None) -> RuleSetting:
    """A rule's setting; without a parameter it takes the one ``in_force`` (a
    per-type setting: the base's), else the rule's default."""
    if isinstance(value, RuleSetting):
        enabled, parameter = value.enabled, value.parameter
    elif isinstance(value, Mapping):
        enabled, parameter = value.get("enabled", True), value.get("parameter")
    else:
        enabled, parameter = value
    r = rule(key)
    if parameter is None:
        parameter = in_force.parameter if in_force is not None else r.default
    return RuleSetting(bool(enabled), r.normalise(parameter) if r.default is not None else None)


@dataclass(frozen=True)
class RuleConfig:
    """Rules on/off and parameters, per contract type; unknown types use ``base``."""

    base: Mapping[str, RuleSetting] = field(default_factory=dict)
    by_contract_type: Mapping[str, Mapping[str, RuleSetting]] = field(default_factory=dict)

    def __post_init__(self):
        base = {r.key: _setting(r.key, self.base.get(r.key, (True, None))) for r in RULES}
        unknown = set(self.base) - set(base)
        by_type = {}
        for ctype, settings in self.by_contract_type.items():
            unknown |= set(settings) - set(base)
            # a per-type setting without a parameter keeps the base value in force, as with_setting does
            by_type[ctype] = {key: _setting(key, value, base[key]) for key, value in settings.items() if key in base}
        if unknown:
            raise ValueError(f"unknown rules: {', '.join(sorted(unknown))}")
        object.__setattr__(self, "base", base)
        object.__setattr__(self, "by_contract_type", by_type)

    @classmethod
    def default(cls) -> "RuleConfig":
        """Every rule on with its default parameter, for every contract type."""
        return cls()

    def setting(self, contract_type: str, key: str) -> RuleSetting:
        return self.by_contract_type.get(contract_type, {}).get(key) or self.base[rule(key).key]

    def for_offer(self, offer: OfferCase) -> list[tuple[Rule, Any]]:
        """The enabled rules for this offer's contract type, in registry order."""
        return self.for_contract_type(offer.contract_type)

    def for_contract_type(self, contract_type: str) -> list[tuple[Rule, Any]]:
        return [(r, s.parameter) for r in RULES if (s := self.setting(contract_type, r.key)).enabled]

    def with_setting(self, key: str, enabled: bool | None = None, parameter: Any = None,
                     contract_type: str | None = None) -> "RuleConfig":
        """A copy with one rule changed, for one contract type or (None) as the base."""
        current = self.setting(contract_type, key) if contract_type else self.base[rule(key).key]
        new = _setting(key, (current.enabled if enabled is None else enabled,
                             current.parameter if parameter is None else parameter))
        if contract_type is None:
            return replace(self, base={**self.base, key: new})
        types = dict(self.by_contract_type)
        types[contract_type] = {**types.get(contract_type, {}), key: new}
        return replace(self, by_contract_type=types)

    def to_dict(self) -> dict:
        def dump(s):
            p = s.parameter
            return {"enabled": s.enabled, "parameter": str(p) if isinstance(p, Decimal) else
                    list(p) if isinstance(p, tuple) else p}
        return {"base": {k: dump(s) for k, s in self.base.items()},
                "by_contract_type": {t: {k: dump(s) for k, s in ss.items()}
                                     for t, ss in sorted(self.by_contract_type.items())}}

    @classmethod
    def from_dict(cls, data: Mapping) -> "RuleConfig":
        return cls(base=dict(data.get("base", {})), by_contract_type=dict(data.get("by_contract_type", {})))


# -- evaluation -----------------------------------------------------------------

@dataclass(frozen=True)
class Evaluation:
    eligible: bool
    failures: list      # [(rule_key, explanation_it)], registry order: failures[0] is the first
    passed: list = field(default_factory=list)  # [(rule_key, explanation_it)] of the rules met


def evaluate(household: HouseholdCase, offer: OfferCase, config: RuleConfig, today: date) -> Evaluation:
    """Every enabled rule on one pair (all of them, so that "why not" can list each failure)."""
    failures, passed = [], []
    for r, parameter in config.for_offer(offer):
        ok, text = r.check(household, offer, parameter, today)
        (passed if ok else failures).append((r.key, text))
    return Evaluation(not failures, failures, passed)
