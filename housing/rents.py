"""Rent formulas of the programme: controlled rents, landlord income, sustainability.

Plain functions, no Flask and no database: the publisher, the back office and
the tests call them, and ``site/static/assets/calculators.js`` implements the
same formulas for the browser (``tests/vectors/calculators.json`` keeps the two
in step). Money is ``Decimal`` in euros; every result is rounded half-up to the
cent (ratios to four decimals). Every rate and amount comes from ``figures``,
the editorial ``content/figures.yaml``: none is a constant here.

Conventions shared with the JavaScript:

- a rent band is chosen by the number of qualifying features of the home: the
  band with the highest ``min_features`` not above it (the first one on ties);
- rent per year = conventional surface (m²) x EUR/m²/year; per month = / 12;
- each line of the landlord's breakdown is rounded to the cent, and the net
  income is the sum of the rounded lines.
"""
import datetime
import decimal
from decimal import ROUND_HALF_UP, Decimal

import yaml

from housing import paths

FIGURES_PATH = paths.content_folder() / "figures.yaml"
CENT = Decimal("0.01")
RATIO = Decimal("0.0001")
MONTHS = Decimal(12)
REGIMES = ("free_market", "concordato")


def _d(value):
    """A Decimal from an int, float, str or Decimal (floats through their repr)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool) or value is None:
        raise ValueError(f"not a number: {value!r}")
    if isinstance(value, float):
        value = repr(value)
    try:
        return Decimal(value)
    except decimal.InvalidOperation:
        raise ValueError(f"not a number: {value!r}") from None


def _non_negative(name, value):
    value = _d(value)
    if not value.is_finite() or value < 0:
        raise ValueError(f"{name} must be a number >= 0, not {value}")
    return value


def cents(value):
    return _d(value).quantize(CENT, rounding=ROUND_HALF_UP)


def figure(figures, path):
    """The ``value`` of a figure by dotted path, e.g. ``flat_tax.concordato``."""
    node = figures
    for key in path.split("."):
        if not isinstance(node, dict) or key not in node:
            raise KeyError(f"figures.yaml has no {path!r}")
        node = node[key]
    return _d(node["value"] if isinstance(node, dict) else node)


def load_figures(path=None):
    """The programme's figures from ``content/figures.yaml`` (or ``path``),
    checked against their schema: a figure out of its range stops every reader
    (publisher, calculators, back office, matching) with the same message."""
    from housing.publishing.schemas import load_figures as load_checked

    return load_checked(path or FIGURES_PATH)


# -- canone concordato ----------------------------------------------------------

def pick_band(bands, features):
    """The band with the highest ``min_features`` <= ``features``; None if none."""
    best = None
    for band in bands:
        if band["min_features"] <= features and (best is None or band["min_features"] > best["min_features"]):
            best = band
    return best


def concordato_range(area_m2, bands, features):
    """The allowed rent of a home: its band and the min-max per month and year.

    ``bands`` are the bands of the home's zone; returns None when no band
    applies (an empty zone, or fewer features than every band asks).
    """
    area = _non_negative("area_m2", area_m2)
    band = pick_band(bands, features)
    if band is None:
        return None
    low, high = _d(band["min_eur_m2_year"]), _d(band["max_eur_m2_year"])
    return {
        "band": band["label"],
        "min_month": cents(area * low / MONTHS),
        "max_month": cents(area * high / MONTHS),
        "min_year": cents(area * low),
        "max_year": cents(area * high),
    }


# -- what the landlord earns ----------------------------------------------------

def landlord_income(monthly_rent, months_vacant, imu_year, regime, figures, grant=0,
                    arrears_months=0, guarantee_months=0):
    """The landlord's yearly breakdown under the flat tax (cedolare secca).

    ``regime`` is "free_market" or "concordato": it sets the flat-tax rate and
    the IMU coefficient (``imu_year`` is the IMU due at the ordinary rate). The
    flat tax is computed on the whole rent due for the let months, a prudent
    assumption. Arrears are at most the let months; the guarantee fund covers
    up to ``guarantee_months`` of them, within ``programme.guarantee_max_amount``.
    Under the flat tax no registration or stamp duty is due on the contract.
    """
    if regime not in REGIMES:
        raise ValueError(f"regime must be one of {REGIMES}, not {regime!r}")
    rent = cents(_non_negative("monthly_rent", monthly_rent))
    vacant = _non_negative("months_vacant", months_vacant)
    if vacant > MONTHS:
        raise ValueError("months_vacant must be at most 12")
    let = MONTHS - vacant
    arrears_months = min(_non_negative("arrears_months", arrears_months), let)
    covered_months = min(arrears_months, _non_negative("guarantee_months", guarantee_months))
    rate = figure(figures, f"flat_tax.{regime}")
    coefficient = figure(figures, "imu.concordato_coefficient") if regime == "concordato" else Decimal(1)

    gross = cents(rent * let)
    flat_tax = cents(gross * rate)
    imu = cents(_non_negative("imu_year", imu_year) * coefficient)
    grant = cents(_non_negative("grant", grant))
    arrears = cents(rent * arrears_months)
    cover = min(arrears, cents(rent * covered_months))
    if covered_months:
        cover = min(cover, cents(figure(figures, "programme.guarantee_max_amount")))
    arrears_loss = arrears - cover
    return {
        "regime": regime,
        "months_let": let,
        "gross_rent": gross,
        "flat_tax_rate": rate,
        "flat_tax": flat_tax,
        "imu": imu,
        "grant": grant,
        "arrears": arrears,
        "guarantee_cover": cover,
        "arrears_loss": arrears_loss,
        "net_year": gross - flat_tax - imu + grant - arrears_loss,
    }


def compare_free_vs_concordato(free_rent, concordato_rent, months_vacant, imu_year, figures, arrears_months=0):
    """Both breakdowns for the same home and the same risks, and the difference.

    Only the canone concordato let through the programme gets the one-off grant
    (``programme.landlord_grant``, counted in the first year) and the guarantee
    fund (``programme.guarantee_months``); ``difference`` is concordato minus
    free market, positive when the concordato pays more.
    """
    free = landlord_income(free_rent, months_vacant, imu_year, "free_market", figures,
                           arrears_months=arrears_months)
    concordato = landlord_income(concordato_rent, months_vacant, imu_year, "concordato", figures,
                                 grant=figure(figures, "programme.landlord_grant"),
                                 arrears_months=arrears_months,
                                 guarantee_months=figure(figures, "programme.guarantee_months"))
    return {"free_market": free, "concordato": concordato,
            "difference": concordato["net_year"] - free["net_year"]}


# -- what the household can pay -------------------------------------------------

def sustainability(monthly_rent, service_charges, monthly_income, threshold):
    """Incidence of rent and charges on the household's income, and the gap.

    ``household_max`` is threshold x income; ``contribution`` is the monthly
    amount the programme must cover so that the household pays no more than
    that (the whole cost when the income is 0, where ``incidence`` is None).
    """
    cost = cents(_non_negative("monthly_rent", monthly_rent) + _non_negative("service_charges", service_charges))
    income = cents(_non_negative("monthly_income", monthly_income))
    threshold = _non_negative("threshold", threshold)
    household_max = cents(threshold * income)
    contribution = max(Decimal("0.00"), cost - household_max)
    return {
        "cost": cost,
        "incidence": (cost / income).quantize(RATIO, rounding=ROUND_HALF_UP) if income else None,
        "threshold": threshold,
        "above_threshold": cost > household_max,
        "household_max": household_max,
        "contribution": contribution,
        "household_share": cost - contribution,
    }


# -- what the browser reads -----------------------------------------------------

def _plain(value):
    """JSON-safe copy: Decimal -> float (int when whole), dates -> ISO text."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return value


def _districts(value):
    if value is None:
        return ""
    return value if isinstance(value, str) else ", ".join(str(d) for d in value)


def rent_data(zones, figures):
    """What ``calculators.js`` fetches as ``assets/rent-data.json``.

    ``zones``: ``[{"code", "name", "districts", "bands": [...]}]``; bands are
    sorted by ``min_features`` and their amounts made plain numbers.
    """
    return {
        "zones": [
            {
                "code": str(zone["code"]),
                "name": str(zone["name"]),
                "districts": _districts(zone.get("districts")),
                "bands": [
                    {
                        "label": str(band["label"]),
                        "min_features": int(band["min_features"]),
                        "min_eur_m2_year": _plain(_d(band["min_eur_m2_year"])),
                        "max_eur_m2_year": _plain(_d(band["max_eur_m2_year"])),
                    }
                    for band in sorted(zone.get("bands") or [], key=lambda b: int(b["min_features"]))
                ],
            }
            for zone in zones or []
        ],
        "figures": _plain(figures),
    }
