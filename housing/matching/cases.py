"""The two inputs of the matching: a household and an offer, as plain values.

No Flask and no database: the adapters build these frozen records from the
models, the matching never reads anything else. Money is ``Decimal`` in euros
(net, per month); dates are ``datetime.date``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


@dataclass(frozen=True)
class HouseholdCase:
    id: int
    size: int                      # members
    min_rooms: int
    needs_step_free: bool
    monthly_income: Decimal        # net, EUR
    preferred_districts: frozenset  # empty = any district
    acceptable_contract_types: frozenset  # empty = any
    parked_until: date | None      # parked while today < parked_until
    ethos_category: str | None     # key like "roofless_1", "houseless_3", ...
    intake_on: date
    vulnerabilities: int           # count: disability, minors, elderly...
    case_conference_rank: int | None  # 1 = first; overrides the priority order
    tie_break_key: float           # stored random in [0, 1)
    declined_offer_ids: frozenset  # offers this household (or the landlord) declined
    need_index: float | None = None  # multidimensional assessment, [0, 1]; None = not assessed
    isee_value: Decimal | None = None  # EUR a year; None = no ISEE recorded
    isee_date: date | None = None    # the ISEE's date (its validity: ``funds.isee_in_force``)
    preferences: tuple = ()          # the household's ranking, first choice first: (("district", name) | ("offer", id), ...)


@dataclass(frozen=True)
class OfferCase:
    id: int
    rooms: int
    step_free: bool
    district: str
    contract_type: str             # "concordato_3_2", "transitory", "erp", ...
    monthly_rent: Decimal
    service_charges: Decimal
    programme_contribution: Decimal = Decimal(0)  # a fixed monthly top-up already agreed for this offer
    funds: tuple = ()              # ``funds.FundCase`` that may top the rent up (the registry, shared)


def to_cents(amount) -> int:
    """Whole cents of a euro amount, rounded half-up (the money rule of rents.py)."""
    return int((Decimal(amount) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def cost_cents(offer: OfferCase) -> int:
    """What the household pays a month: rent + charges - contribution, never below 0."""
    return max(0, to_cents(offer.monthly_rent) + to_cents(offer.service_charges)
               - to_cents(offer.programme_contribution))


def waiting_days(household: HouseholdCase, today: date) -> int:
    return max(0, (today - household.intake_on).days)


def is_parked(household: HouseholdCase, today: date) -> bool:
    return household.parked_until is not None and today < household.parked_until


# -- formatting of the explanations (Italian by default, English on request) ----
# The domain modules speak the staff's language without Flask: each helper takes
# ``lang`` ("it" or "en") and writes the locale's separators (1.640,50 / 1,640.50).

def _separators(text: str, lang: str) -> str:
    """A number written with Python's "," and "." in the locale's separators."""
    if lang == "en":
        return text
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def eur(cents: int, lang: str = "it") -> str:
    """1640 euros -> "1.640 €" ("€1,640" in English); 1640.5 -> "1.640,50 €" (cents only when present)."""
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(int(cents)), 100)
    text = f"{whole:,}" + (f".{rest:02d}" if rest else "")
    text = _separators(text, lang)
    return f"{sign}€{text}" if lang == "en" else f"{sign}{text} €"


def number(value: float, decimals: int = 2, lang: str = "it") -> str:
    """0.333 -> "0,33" in Italian (decimal comma, thousands dot), "0.33" in English."""
    return _separators(f"{value:,.{decimals}f}", lang)


def decimals_of(value) -> int:
    """Digits after the point of a parameter as written: 0.334 -> 3, 1.5 -> 1, 2 -> 0."""
    exponent = Decimal(repr(value) if isinstance(value, float) else str(value)).normalize().as_tuple().exponent
    return max(0, -exponent)


def parameter_number(value, lang: str = "it") -> str:
    """A parameter with the precision it has: 0.334 -> "0,334", 1.5 -> "1,5", 2.0 -> "2"."""
    return number(float(value), decimals_of(value), lang)


def beside(value: float, bound, lang: str = "it") -> str:
    """``value`` with enough decimals (at least 2) not to print as ``bound`` when it differs
    from it: 1/3 beside 0.334 -> "0,333", never "0,33 < minimo 0,33"."""
    places = max(2, decimals_of(bound))
    while places < 9 and value != float(bound) and Decimal(f"{value:.{places}f}") == Decimal(repr(float(bound))):
        places += 1
    return number(value, places, lang)


def percent(share, lang: str = "it") -> str:
    """Decimal("0.30") -> "30%"; 0.125 -> "12,5%" ("12.5%" in English)."""
    value = (Decimal(str(share)) * 100).normalize()
    text = format(value, "f")
    return (text if lang == "en" else text.replace(".", ",")) + "%"


MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def day(value: date, lang: str = "it") -> str:
    """07/12/2026 in Italian, "7 Dec 2026" in English (the back office's date formats)."""
    if lang == "en":
        return f"{value.day} {MONTHS_EN[value.month - 1]} {value.year}"
    return value.strftime("%d/%m/%Y")


def names(values) -> str:
    return ", ".join(sorted(str(v) for v in values))
