"""The offer form's band, in the user's language: the words of ``housing.offer_checks``.

``band_payload`` is what ``admin/static/js/offer_band.js`` reads as the clerk
types (the zone's band of the home, EUR a month and EUR/m²/year, the features
counted, and the problems of the rent and durations typed); ``messages`` gives
the form's field errors and the bulk actions' refusals. No personal data: a
home's zone, surface and features only.
"""
from decimal import Decimal

from admin.i18n import Text, format_money
from housing import offer_checks
from models import Dwelling

FEATURE_NAMES = {
    "has_lift": ("ascensore", "lift"),
    "good_condition": ("buono stato", "good condition"),
    "furnished": ("arredato", "furnished"),
    "second_bathroom": ("secondo bagno", "second bathroom"),
}
STATUS_NAMES = {"let": ("locata", "let"), "reserved": ("riservata", "reserved")}


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
        return Text(
            f"Canone mensile fuori fascia: {rent} al mese ({m2} €/m²/anno); la fascia «{values['band']}» della zona "
            f"{values['zone']} ammette da {low} a {high} al mese ({low2}-{high2} €/m²/anno). Solo un amministratore "
            "può accettarlo, scrivendo la motivazione in «Motivazione fuori fascia».",
            f"Monthly rent outside the band: {rent} a month ({m2} €/m²/year); band “{values['band']}” of zone "
            f"{values['zone']} allows {low} to {high} a month ({low2}-{high2} €/m²/year). Only an administrator "
            "may accept it, writing the reason in “Out-of-band justification”.")
    if problem.code == "duration_out_of_range":
        it = "Durata minima" if problem.field == "min_duration_months" else "Durata massima"
        en = "Minimum duration" if problem.field == "min_duration_months" else "Maximum duration"
        return Text(f"{it} di {values['months']} mesi fuori dall'accordo territoriale: per questo tipo di contratto "
                    f"da {values['min']} a {values['max']} mesi.",
                    f"{en} of {values['months']} months outside the territorial agreement: for this contract type "
                    f"{values['min']} to {values['max']} months.")
    if problem.code == "not_publishable":
        it, en = STATUS_NAMES.get(values["status"], (values["status"], values["status"]))
        return Text(f"Stato: un'offerta {it} non si pubblica.", f"Status: a {en} offer is not published.")
    return Text(problem.code)


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
        payload["lines"].append(str(Text(
            "Nessuna fascia per questo alloggio: la sua zona dell'accordo territoriale non ha fasce.",
            "No band for this home: its zone of the territorial agreement has no bands.")))
        return payload
    features = ", ".join(str(Text(*FEATURE_NAMES[name])) for name in band["features"]) or str(Text("nessuna", "none"))
    payload["band"] = {"zone": band["zone"], "label": band["band"], "in_band": band["in_band"],
                       "min_month": float(band["min_month"]), "max_month": float(band["max_month"])}
    payload["lines"] = [str(line) for line in (
        Text(f"Zona {band['zone']} ({band['zone_name']}), fascia «{band['band']}»: da {format_money(band['min_month'])} "
             f"a {format_money(band['max_month'])} al mese ({number(band['min_m2_year'])}-"
             f"{number(band['max_m2_year'])} €/m²/anno) per {band['area_m2']} m².",
             f"Zone {band['zone']} ({band['zone_name']}), band “{band['band']}”: {format_money(band['min_month'])} "
             f"to {format_money(band['max_month'])} a month ({number(band['min_m2_year'])}-"
             f"{number(band['max_m2_year'])} €/m²/year) for {band['area_m2']} m²."),
        Text(f"Caratteristiche contate ({len(band['features'])}): {features}.",
             f"Features counted ({len(band['features'])}): {features}."),
    )]
    if band["rent_m2_year"] is not None:
        payload["lines"].append(str(Text(
            f"Canone indicato: {number(band['rent_m2_year'])} €/m²/anno.",
            f"Rent typed: {number(band['rent_m2_year'])} €/m²/year.")))
    return payload


def column_text(offer, band):
    """The offers list's "Fascia e sostenibilità" cell without the sustainability page: the
    offer's ``band`` (``offer_checks.bands_for``, one query for the page)."""
    if not offer_checks.is_controlled(offer.contract_type):
        return ""
    if band is None:
        return Text("nessuna fascia", "no band")
    where = (Text("in fascia", "in band") if band["in_band"]
             else Text("fuori fascia (motivato)", "outside the band (justified)") if (offer.band_justification or "").strip()
             else Text("fuori fascia", "outside the band"))
    return Text(f"{band['zone']} {band['band']}: {format_money(band['min_month'])}-{format_money(band['max_month'])} · ",
                f"{band['zone']} {band['band']}: {format_money(band['min_month'])}-{format_money(band['max_month'])} · ") + where
