"""The offer form's band, in the user's language: the words of ``housing.offer_checks``.

``band_payload`` is what ``admin/static/js/offer_band.js`` reads as the clerk
types (the zone's band of the home, EUR a month and EUR/m²/year, the features
counted, and the problems of the rent and durations typed); ``messages`` gives
the form's field errors and the bulk actions' refusals. No personal data: a
home's zone, surface and features only.
"""
from decimal import Decimal

from flask_babel import gettext, lazy_gettext

from admin.i18n import format_money, pair
from housing import offer_checks
from models import Dwelling

FEATURE_NAMES = {
    "has_lift": lazy_gettext('lift'),
    "good_condition": lazy_gettext('good condition'),
    "furnished": lazy_gettext('furnished'),
    "second_bathroom": lazy_gettext('second bathroom'),
}
STATUS_NAMES = {"let": lazy_gettext('let'), "reserved": lazy_gettext('reserved')}


def number(value):
    """1.234,56 in Italian, 1,234.56 in English (through Babel)."""
    from flask_babel import format_decimal

    return format_decimal(Decimal(value), format="#,##0.00")


def message(problem):
    """The problem in the user's language, naming the field."""
    values = problem.values
    if problem.code == "rent_out_of_band":
        rent, low, high = (format_money(values[k]) for k in ("rent", "min_month", "max_month"))
        m2, low2, high2 = (number(values[k]) for k in ("rent_m2_year", "min_m2_year", "max_m2_year"))
        return gettext('Monthly rent outside the band: %(rent)s a month (%(m2)s €/m²/year); band “%(band)s” of zone '
                       '%(zone)s allows %(low)s to %(high)s a month (%(low2)s-%(high2)s €/m²/year). Only an '
                       'administrator may accept it, writing the reason in “Out-of-band justification”.',
                       rent=rent, m2=m2, band=values['band'], zone=values['zone'], low=low, high=high, low2=low2, high2=high2)
    if problem.code == "duration_out_of_range":
        it = "Durata minima" if problem.field == "min_duration_months" else "Durata massima"
        en = "Minimum duration" if problem.field == "min_duration_months" else "Maximum duration"
        return pair(f"{it} di {values['months']} mesi fuori dall'accordo territoriale: per questo tipo di contratto "
                    f"da {values['min']} a {values['max']} mesi.",
                    f"{en} of {values['months']} months outside the territorial agreement: for this contract type "
                    f"{values['min']} to {values['max']} months.")
    if problem.code == "not_publishable":
        return gettext("Status: a %(status)s offer is not published.",
                       status=STATUS_NAMES.get(values["status"], values["status"]))
    return problem.code


def errors(found):
    """``{field: [messages]}`` for a form."""
    result = {}
    for problem in found:
        result.setdefault(problem.field, []).append(message(problem))
    return result


def _dwelling(value):
    try:
        number_ = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return Dwelling.get_or_none(Dwelling.id == number_) if 0 < number_ < 2**63 else None


def band_payload(args):
    """The JSON of ``/admin/offer/band``: the band for the home and the problems of the terms typed."""
    dwelling = _dwelling(args.get("dwelling"))
    contract_type = (args.get("contract_type") or "").strip()
    controlled = offer_checks.is_controlled(contract_type)
    payload = {"controlled": controlled, "band": None, "lines": [], "problems": []}
    if dwelling is None:
        return payload
    rent = args.get("monthly_rent")
    found = offer_checks.problems(dwelling, contract_type, rent, args.get("min_duration_months"),
                                  args.get("max_duration_months"))
    payload["problems"] = [{"field": p.field, "text": str(message(p))} for p in found]
    if not controlled:
        return payload
    band = offer_checks.band(dwelling, rent)
    if band is None:
        payload["lines"].append(str(gettext('No band for this home: its zone of the territorial agreement has no '
                                            'bands.')))
        return payload
    features = ", ".join(str(FEATURE_NAMES[name]) for name in band["features"]) or str(gettext('none'))
    payload["band"] = {"zone": band["zone"], "label": band["band"], "in_band": band["in_band"],
                       "min_month": float(band["min_month"]), "max_month": float(band["max_month"])}
    payload["lines"] = [str(line) for line in (
        gettext('Zone %(zone)s (%(zone_name)s), band “%(band)s”: %(low)s to %(high)s a month (%(low_m2)s-%(high_m2)s'
                ' €/m²/year) for %(area)s m².',
                zone=band['zone'], zone_name=band['zone_name'], band=band['band'], low=format_money(band['min_month']), high=format_money(band['max_month']), low_m2=number(band['min_m2_year']), high_m2=number(band['max_m2_year']), area=band['area_m2']),
        gettext('Features counted (%(count)s): %(features)s.', count=len(band['features']), features=features),
    )]
    if band["rent_m2_year"] is not None:
        payload["lines"].append(str(gettext('Rent typed: %(rent)s €/m²/year.', rent=number(band['rent_m2_year']))))
    return payload


def column_text(offer, band):
    """The offers list's "Fascia e sostenibilità" cell without the sustainability page: the
    offer's ``band`` (``offer_checks.bands_for``, one query for the page)."""
    if not offer_checks.is_controlled(offer.contract_type):
        return ""
    if band is None:
        return lazy_gettext('no band')
    where = (lazy_gettext('in band') if band["in_band"]
             else lazy_gettext('outside the band (justified)') if (offer.band_justification or "").strip()
             else lazy_gettext('outside the band'))
    return gettext('%(zone)s %(band)s: %(low)s-%(high)s · ',
                   zone=band['zone'], band=band['band'], low=format_money(band['min_month']), high=format_money(band['max_month'])) + where
