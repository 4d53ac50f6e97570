"""Eligibility rules as data: an ordered registry, and a per-offer-type configuration.

A rule has a stable key, an Italian and an English name, a default parameter,
a readable description, and a check ``(household, offer, parameter, today) ->
(ok, explanation)`` whose explanation states the threshold as applied
("canone 512 € > 30% × 1.640 € = 492 €"), in Italian or (``lang="en"``) English. ``housing.matching.table`` holds the
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

from . import funds
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
    shown: Callable[[Any, str], str] | None = None  # (parameter, lang) -> the parameter in words

    def name(self, lang: str = "it") -> str:
        return self.name_it if lang == "it" else self.name_en

    def parameter_text(self, parameter, lang: str = "it") -> str:
        """The parameter as staff read it ("tra 0,5 e 2 persone per locale"), "" for none."""
        if parameter is None:
            return ""
        return self.shown(parameter, lang) if self.shown else str(parameter)


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


def _occupancy_text(parameter, lang="it"):
    low, high = parameter
    template = ("tra {low} e {high} persone per locale" if lang != "en" else "{low} to {high} persons per room")
    return template.format(low=parameter_number(low, lang), high=parameter_number(high, lang))


def _share_text(parameter, lang="it"):
    return percent(parameter, lang) + (" del reddito netto" if lang != "en" else " of the net income")


def household_max_cents(income_cents: int, share: Decimal) -> int:
    """share x income, rounded half-up to the cent (as rents.sustainability does)."""
    p, q = share.as_integer_ratio()
    return (2 * p * income_cents + q) // (2 * q)


# The explanations in each language: a small table of phrases per language, the
# figures through the locale's separators (cases.number/eur/percent/day with ``lang``).
PHRASES = {
    "it": {
        "person": ("persona", "persone"), "room": ("locale", "locali"),
        "too_few_rooms": "alloggio di {rooms} < {min_rooms} minimi per il nucleo",
        "too_many": "{persons} in {rooms} = {ratio} persone per locale > massimo {high}",
        "too_few": "{persons} in {rooms} = {ratio} persone per locale < minimo {low}",
        "size_ok": "{persons} in {rooms} = {ratio} persone per locale, tra {low} e {high}; minimo del nucleo {min_rooms}",
        "rent": "canone {amount}", "charges": " + spese {amount}",
        "contribution": " − contributo del programma {amount}",
        "step_free_not_needed": "accesso senza barriere non richiesto",
        "step_free_ok": "accesso senza barriere richiesto e presente",
        "step_free_missing": "il nucleo ha bisogno di un accesso senza barriere: l'alloggio non lo ha",
        "district_any": "quartiere {district}: il nucleo accetta qualsiasi quartiere",
        "district_ok": "quartiere {district} tra quelli accettati",
        "district_no": "quartiere {district} non tra quelli accettati ({accepted})",
        "contract_any": "contratto «{contract}»: il nucleo accetta qualsiasi contratto",
        "contract_ok": "contratto «{contract}» accettato",
        "contract_no": "contratto «{contract}» non accettato (accetta: {accepted})",
        "declined": "abbinamento con l'offerta n. {offer} già rifiutato: non si ripropone",
        "never_declined": "abbinamento mai rifiutato",
        "parked": "nucleo sospeso dagli abbinamenti: di nuovo abbinabile dal {day}",
        "not_parked": "nucleo non sospeso",
    },
    "en": {
        "person": ("person", "persons"), "room": ("room", "rooms"),
        "too_few_rooms": "home of {rooms} < the household's minimum of {min_rooms}",
        "too_many": "{persons} in {rooms} = {ratio} persons per room > maximum {high}",
        "too_few": "{persons} in {rooms} = {ratio} persons per room < minimum {low}",
        "size_ok": "{persons} in {rooms} = {ratio} persons per room, between {low} and {high}; "
                   "household's minimum {min_rooms}",
        "rent": "rent {amount}", "charges": " + charges {amount}",
        "contribution": " − programme contribution {amount}",
        "step_free_not_needed": "step-free access not needed",
        "step_free_ok": "step-free access needed and present",
        "step_free_missing": "the household needs step-free access: the home does not have it",
        "district_any": "district {district}: the household accepts any district",
        "district_ok": "district {district} among those accepted",
        "district_no": "district {district} not among those accepted ({accepted})",
        "contract_any": "contract “{contract}”: the household accepts any contract",
        "contract_ok": "contract “{contract}” accepted",
        "contract_no": "contract “{contract}” not accepted (accepts: {accepted})",
        "declined": "match with offer no. {offer} already declined: never proposed again",
        "never_declined": "match never declined",
        "parked": "household parked from matching: can be matched again from {day}",
        "not_parked": "household not parked",
    },
}


def _words(lang):
    return PHRASES["en" if lang == "en" else "it"]


def _counted(n, kind, lang="it"):
    one, many = _words(lang)[kind]
    return f"{n} {one if n == 1 else many}"


def _persons(n, lang="it"):
    return _counted(n, "person", lang)


def _rooms(n, lang="it"):
    return _counted(n, "room", lang)


# -- the checks -----------------------------------------------------------------
# Each check is (household, offer, parameter, today, lang="it") -> (ok, explanation in ``lang``).

def check_size(h, o, parameter, today, lang="it"):
    low, high = parameter
    words = _words(lang)
    rooms, persons = _rooms(o.rooms, lang), _persons(h.size, lang)
    if o.rooms < h.min_rooms:
        return False, words["too_few_rooms"].format(rooms=rooms, min_rooms=_rooms(h.min_rooms, lang))
    ratio = h.size / o.rooms
    if h.size > high * o.rooms:
        return False, words["too_many"].format(persons=persons, rooms=rooms, ratio=beside(ratio, high, lang),
                                               high=parameter_number(high, lang))
    if h.size < low * o.rooms:
        return False, words["too_few"].format(persons=persons, rooms=rooms, ratio=beside(ratio, low, lang),
                                              low=parameter_number(low, lang))
    shown = beside(ratio, low, lang) if abs(ratio - low) <= abs(ratio - high) else beside(ratio, high, lang)
    return True, words["size_ok"].format(persons=persons, rooms=rooms, ratio=shown, low=parameter_number(low, lang),
                                         high=parameter_number(high, lang), min_rooms=_rooms(h.min_rooms, lang))


def cost_text(o: OfferCase, lang: str = "it") -> str:
    """'canone 450 € + spese 62 € − contributo 100 € = 412 €' (only the parts present)."""
    words = _words(lang)
    rent, charges, contribution = (to_cents(o.monthly_rent), to_cents(o.service_charges),
                                   to_cents(o.programme_contribution))
    text = words["rent"].format(amount=eur(rent, lang))
    if charges:
        text += words["charges"].format(amount=eur(charges, lang))
    if contribution:
        text += words["contribution"].format(amount=eur(contribution, lang))
    if charges or contribution:
        text += f" = {eur(cost_cents(o), lang)}"
    return text


def check_rent(h, o, parameter, today, lang="it"):
    """The household pays at most ``parameter`` x income; a fund may pay the rest
    (``funds.funding``). Without funds: "canone 512 € > 30% × 1.640 € = 492 €"."""
    f = funds.funding(h, o, parameter, today)
    if o.funds and f.need:
        return f.ok, funds.explain(h, f, parameter, cost_text(o, lang), today, lang)
    ok = f.need == 0
    return ok, (f"{cost_text(o, lang)} {'≤' if ok else '>'} {percent(parameter, lang)} × {eur(f.income, lang)}"
                f" = {eur(f.share_cents, lang)}")


def check_step_free(h, o, parameter, today, lang="it"):
    words = _words(lang)
    if not h.needs_step_free:
        return True, words["step_free_not_needed"]
    if o.step_free:
        return True, words["step_free_ok"]
    return False, words["step_free_missing"]


def check_district(h, o, parameter, today, lang="it"):
    words = _words(lang)
    if not h.preferred_districts:
        return True, words["district_any"].format(district=o.district)
    if o.district in h.preferred_districts:
        return True, words["district_ok"].format(district=o.district)
    return False, words["district_no"].format(district=o.district, accepted=names(h.preferred_districts))


def _contract(key, lang="it"):
    return v.label(v.CONTRACT_TYPES, key, "en" if lang == "en" else "it")


def check_contract(h, o, parameter, today, lang="it"):
    words = _words(lang)
    contract = _contract(o.contract_type, lang)
    if not h.acceptable_contract_types:
        return True, words["contract_any"].format(contract=contract)
    if o.contract_type in h.acceptable_contract_types:
        return True, words["contract_ok"].format(contract=contract)
    accepted = ", ".join(sorted(_contract(k, lang) for k in h.acceptable_contract_types))
    return False, words["contract_no"].format(contract=contract, accepted=accepted)


def check_declined(h, o, parameter, today, lang="it"):
    if o.id in h.declined_offer_ids:
        return False, _words(lang)["declined"].format(offer=o.id)
    return True, _words(lang)["never_declined"]


def check_parked(h, o, parameter, today, lang="it"):
    if is_parked(h, today):
        return False, _words(lang)["parked"].format(day=day(h.parked_until, lang))
    return True, _words(lang)["not_parked"]


RULES: tuple[Rule, ...] = (
    Rule("size_fits_rooms", "Dimensione adeguata ai locali", "Household size fits the rooms", (0.5, 2.0),
         "Almeno i locali minimi del nucleo, e persone per locale tra il minimo e il massimo indicati.",
         "At least the household's minimum rooms, and persons per room between the given minimum and maximum.",
         check_size, _occupancy_range, _occupancy_text),
    Rule("rent_sustainable", "Canone sostenibile", "Sustainable rent", Decimal("0.30"),
         "Il nucleo paga al massimo la quota indicata del reddito netto mensile; il resto di canone + spese "
         "può pagarlo un fondo del programma, entro il suo tetto per nucleo.",
         "The household pays at most the given share of the net monthly income; a programme fund may pay the "
         "rest of rent + charges, within its cap per household.",
         check_rent, _share, _share_text),
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
    failures: list      # [(rule_key, explanation)], registry order: failures[0] is the first
    passed: list = field(default_factory=list)  # [(rule_key, explanation)] of the rules met


def evaluate(household: HouseholdCase, offer: OfferCase, config: RuleConfig, today: date,
             lang: str = "it") -> Evaluation:
    """Every enabled rule on one pair (all of them, so that "why not" can list each failure),
    explained in ``lang``."""
    failures, passed = [], []
    for r, parameter in config.for_offer(offer):
        ok, text = r.check(household, offer, parameter, today, lang=lang)
        (passed if ok else failures).append((r.key, text))
    return Evaluation(not failures, failures, passed)
