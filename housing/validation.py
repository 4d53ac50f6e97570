"""Validation of registry records, shared by the back office and the imports.

Tables of rules, as data:
- ``FIELD_RULES``: checks of one value, by field name (the same name means the
  same thing in every model);
- ``TEXT_RULES``: checks of every text value, whatever its field;
- ``RECORD_RULES``: checks across the fields of one record, by model.
Each check returns a message (``housing.messages``: Italian unless the
reader chose English) or None. ``validate(model, data)``
returns ``{field: [messages]}``; an empty dict means the record is valid.
"""
import datetime
import re
from decimal import Decimal, InvalidOperation

from peewee import (AutoField, BooleanField, CharField, DateField, DateTimeField, DecimalField, FloatField,
                    ForeignKeyField, IntegerField)
from stdnum.it import codicefiscale, iva

from housing.messages import N_, _

MAX_TEXT = 5000
MAX_MONEY = Decimal("1000000")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Invisible marks that reverse how text is shown: a code could read as another.
BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
LINE_BREAK = re.compile("[\r\n\x85\u2028\u2029]")


def _number(value):
    """``value`` as a finite Decimal, or None (NaN and infinities are not numbers)."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def between(low, high, unit=""):
    def check(value):
        number = _number(value)
        if number is None:
            return _("Valore numerico non valido.")
        if not (low <= number <= high):
            return _("Deve essere compreso tra %(low)s e %(high)s%(unit)s.", low=low, high=high, unit=unit)
        return None

    return check


def money_amount(value):
    number = _number(value)
    if number is None:
        return _("Importo non valido.")
    if number < 0:
        return _("L'importo non può essere negativo.")
    if number > MAX_MONEY:
        return _("Importo fuori scala (massimo 1.000.000 €).")
    return None


def pattern(regex, message):
    """A check that ``value`` matches ``regex``; ``message`` is marked with ``N_``."""
    compiled = re.compile(regex)

    def check(value):
        return None if compiled.fullmatch(str(value)) else _(message)

    return check


def person_tax_code(value):
    code = str(value).strip().upper()
    if len(code) != 16:
        return _("Il codice fiscale di una persona ha 16 caratteri.")
    if not codicefiscale.is_valid(code):
        return _("Codice fiscale non valido (formato o carattere di controllo).")
    return None


def landlord_tax_code(value):
    code = str(value).strip().upper()
    if len(code) == 11:  # a company's tax code is its VAT number
        return None if iva.is_valid(code) else _("Codice fiscale numerico non valido.")
    return person_tax_code(code)


def vat_number(value):
    return None if iva.is_valid(str(value).strip()) else _("Partita IVA non valida (11 cifre con carattere di controllo).")


def not_in_future(value):
    if isinstance(value, datetime.date) and value > datetime.date.today():
        return _("La data non può essere nel futuro.")
    return None


def plausible_date(value):
    if isinstance(value, datetime.date) and not (datetime.date(1900, 1, 1) <= value <= datetime.date(2100, 12, 31)):
        return _("Data fuori dall'intervallo 1900-2100.")
    return None


def one_of(*keys):
    def check(value):
        return None if str(value) in keys else _("Valore non previsto (ammessi: %(allowed)s).", allowed=", ".join(keys))

    return check


def no_control_characters(value):
    # NUL and the other control characters (tab and newlines aside) are never
    # data, and PostgreSQL refuses NUL outright.
    return _("Contiene caratteri di controllo non ammessi.") if CONTROL.search(value) else None


def no_bidi_controls(value):
    return _("Contiene segni invisibili di direzione del testo non ammessi.") if BIDI.search(value) else None


def text_length(value):
    return _("Testo troppo lungo (massimo %(limit)s caratteri).", limit=MAX_TEXT) if len(str(value)) > MAX_TEXT else None


def outline(value):
    """A simplified polygon: at least 3 "lat lon" points separated by ";"."""
    points = [point.split() for point in str(value).split(";") if point.strip()]
    if len(points) < 3 or any(len(point) != 2 for point in points):
        return _("Contorno non valido: almeno 3 punti «lat lon» separati da «;» (es. «37.50 15.08; 37.51 15.09; …»).")
    for lat, lon in points:
        lat, lon = _number(lat), _number(lon)
        if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
            return _("Contorno non valido: ogni punto è «latitudine longitudine» in gradi decimali.")
    return None


email = pattern(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}", N_("Indirizzo email non valido."))
phone = pattern(r"\+?[0-9][0-9 ./-]{5,19}", N_("Numero di telefono non valido."))
website = pattern(r"https?://[^\s/$.?#].[^\s]*", N_("Indirizzo web non valido (deve iniziare con http:// o https://)."))
postcode = pattern(r"\d{5}", N_("Il CAP è di 5 cifre."))
name_text = pattern(r"[^<>{}\x00-\x1f]{1,200}", N_("Contiene caratteri non ammessi."))
username = pattern(r"[A-Za-z0-9][A-Za-z0-9._-]{1,63}",
                   N_("Nome utente non valido: 2-64 caratteri tra a-z, 0-9, '.', '_' e '-'."))

FIELD_RULES = {
    "email": [email],
    "phone": [phone],
    "website": [website],
    "postcode": [postcode],
    "vat_number": [vat_number],
    "monthly_rent": [money_amount],
    "service_charges": [money_amount],
    "deposit": [money_amount],
    "social_rent": [money_amount],
    "arrears_amount": [money_amount],
    "monthly_net_income": [money_amount],
    "isee_value": [money_amount],
    "min_eur_m2_year": [money_amount],
    "max_eur_m2_year": [money_amount],
    "area_m2": [between(10, 1000, " m²")],
    "rooms": [between(1, 20)],
    "bedrooms": [between(0, 10)],
    "bathrooms": [between(0, 10)],
    "floor": [between(-2, 60)],
    "min_rooms": [between(1, 20)],
    "latitude": [between(-90, 90)],
    "longitude": [between(-180, 180)],
    "disability_percent": [between(0, 100, "%")],
    "orientation_sessions": [between(0, 500)],
    "min_features": [between(0, 20)],
    "min_months": [between(1, 120)],
    "max_months": [between(1, 120)],
    "min_duration_months": [between(1, 120)],
    "max_duration_months": [between(1, 120)],
    "case_conference_rank": [between(1, 100000)],
    "park_days": [between(0, 3650)],
    "stall_days": [between(0, 365)],
    "label_it": [name_text],
    "label_en": [name_text],
    "birth_date": [not_in_future, plausible_date],
    "isee_date": [not_in_future, plausible_date],
    "privacy_consent_on": [not_in_future, plausible_date],
    "notice_consent_on": [not_in_future, plausible_date],
    "intake_on": [not_in_future, plausible_date],
    "last_income_check": [not_in_future, plausible_date],
    "arrears_since": [not_in_future, plausible_date],
    "vacant_since": [plausible_date],
    "act_date": [plausible_date],
    "contract_start": [plausible_date],
    "signed_on": [plausible_date],
    "valid_from": [plausible_date],
    "valid_to": [plausible_date],
    "available_from": [plausible_date],
    "parked_until": [plausible_date],
    "last_orientation_on": [plausible_date],
    "name": [name_text],
    "first_name": [name_text],
    "last_name": [name_text],
    "full_name": [name_text],
    "username": [username],
    "language": [one_of("it", "en")],
    "notes": [text_length],
    "services": [text_length],
    "commitments": [text_length],
    "services_en": [text_length],
    "commitments_en": [text_length],
    "public_description": [text_length],
    "case_conference_reason": [text_length],
    "municipality": [name_text],
    "outline": [text_length, outline],
    # accompaniment
    "amount": [money_amount],
    "amount_claimed": [money_amount],
    "amount_paid": [money_amount],
    "programme_contribution": [money_amount],
    "capacity": [between(1, 500)],
    "duration_minutes": [between(0, 1440)],
    "sessions": [between(0, 1000)],
    "months_covered": [between(1, 36)],
    "milestone_months": [one_of("6", "12", "24")],
    "assessed_on": [not_in_future, plausible_date],
    "contact_on": [not_in_future, plausible_date],
    "sent_on": [not_in_future, plausible_date],
    "status_on": [not_in_future, plausible_date],
    "entry_on": [plausible_date],
    "exit_on": [not_in_future, plausible_date],
    "planned_exit_on": [plausible_date],
    "visited_on": [not_in_future, plausible_date],
    "since": [not_in_future, plausible_date],
    "resolved_on": [not_in_future, plausible_date],
    "claimed_on": [not_in_future, plausible_date],
    "requested_on": [not_in_future, plausible_date],
    "decided_on": [not_in_future, plausible_date],
    "paid_on": [not_in_future, plausible_date],
    "recorded_on": [not_in_future, plausible_date],
    "reviewed_on": [not_in_future, plausible_date],
    "consent_on": [not_in_future, plausible_date],
    "started_on": [plausible_date],
    "closed_on": [not_in_future, plausible_date],
    "review_on": [plausible_date],
    "reassess_on": [plausible_date],
    "target_on": [plausible_date],
    "start_on": [plausible_date],
    "end_on": [plausible_date],
    "ended_on": [not_in_future, plausible_date],
    "description": [text_length],
    "outcome_note": [text_length],
    "sensitive_note": [text_length],
    "note": [text_length],
    "guarantee": [text_length],
    "facility": [text_length],
    "mediator": [name_text],
    "mediation_language": [name_text],
    "budget_line": [name_text],
}

TEXT_RULES = [no_control_characters, no_bidi_controls]

def max_length(limit):
    def check(value):
        return _("Testo troppo lungo (massimo %(limit)s caratteri).", limit=limit) if len(str(value)) > limit else None

    return check


def not_before(day, message):
    """``message`` (marked with ``N_``) for a date before ``day``."""
    def check(value):
        return _(message) if isinstance(value, datetime.date) and value < day else None

    return check


# Fields whose rule depends on the model.
MODEL_FIELD_RULES = {
    ("person", "tax_code"): [person_tax_code],
    ("landlord", "tax_code"): [landlord_tax_code],
    # a notice's language is any of the languages registry (admin.views.notices checks it), not only the UI's
    ("notice_template", "language"): [max_length(3)],
    # housing.accompaniment.assessments applies these too: one definition
    ("assessment_score", "note"): [max_length(2000)],
    ("assessment", "assessed_on"): [not_in_future, plausible_date,
                                    not_before(datetime.date(1990, 1, 1), N_("Data non plausibile."))],
}


def _order(data, first, second, message):
    """``message`` (marked with ``N_``) on ``second`` when it comes before ``first``."""
    a, b = data.get(first), data.get(second)
    if a is not None and b is not None and b < a:
        return {second: [_(message)]}
    return {}


def agreement_rules(data):
    return _order(data, "valid_from", "valid_to", N_("La fine della validità precede l'inizio."))


def range_rules(low, high):
    def check(data):
        return _order(data, low, high, N_("Il massimo è inferiore al minimo."))

    return check


def notice_consent_rules(data):
    """Consent to e-mail notices: given on a date, to an address (a household's or a landlord's)."""
    errors = {}
    if data.get("notice_consent"):
        if not data.get("notice_consent_on"):
            errors["notice_consent_on"] = [_("Indicare la data del consenso agli avvisi per e-mail.")]
        if not (data.get("email") or "").strip():
            errors["email"] = [_("Il consenso agli avvisi per e-mail richiede un indirizzo e-mail.")]
    return errors


def landlord_rules(data):
    errors = notice_consent_rules(data)
    if data.get("kind") == "private_person" and not data.get("tax_code"):
        errors["tax_code"] = [_("Obbligatorio per una persona fisica.")]
    if data.get("kind") in ("company", "agency") and not (data.get("vat_number") or data.get("tax_code")):
        errors["vat_number"] = [_("Obbligatoria per una società o un'agenzia (o il codice fiscale).")]
    return errors


def dwelling_rules(data):
    errors = {}
    rooms, bedrooms = data.get("rooms"), data.get("bedrooms")
    if rooms is not None and bedrooms is not None and bedrooms > rooms:
        errors["bedrooms"] = [_("Le camere da letto non possono superare i vani.")]
    parts = [data.get(k) for k in ("cadastral_sheet", "cadastral_parcel", "cadastral_unit")]
    if any(parts) and not all(parts):
        errors["cadastral_unit"] = [_("Il riferimento catastale richiede foglio, particella e subalterno.")]
    return errors


def offer_rules(data):
    return _order(data, "min_duration_months", "max_duration_months", N_("La durata massima è inferiore alla minima."))


def preference_rules(data):
    """A household's ranked choice names a district or an offer, not both."""
    if bool(data.get("district")) == bool(data.get("offer")):
        return {"district": [_("Indicare un quartiere oppure un'offerta (uno solo dei due).")]}
    return {}


def household_rules(data):
    errors = notice_consent_rules(data)
    if data.get("privacy_consent") and not data.get("privacy_consent_on"):
        errors["privacy_consent_on"] = [_("Indicare la data del consenso privacy.")]
    if data.get("case_conference_rank") and not (data.get("case_conference_reason") or "").strip():
        errors["case_conference_reason"] = [_("Una posizione decisa dall'équipe richiede la motivazione.")]
    return errors


def person_rules(data):
    code, birth = (data.get("tax_code") or "").strip().upper(), data.get("birth_date")
    if birth and len(code) == 16 and codicefiscale.is_valid(code):
        try:
            encoded = codicefiscale.get_birth_date(code)
        except Exception:
            return {}
        if (encoded.month, encoded.day, encoded.year % 100) != (birth.month, birth.day, birth.year % 100):
            return {"birth_date": [_("Non corrisponde alla data di nascita del codice fiscale.")]}
    return {}


def erp_rules(data):
    errors = _order(data, "act_date", "contract_start", N_("L'inizio del contratto precede l'atto di assegnazione."))
    arrears = _number(data.get("arrears_amount") or 0)
    if arrears and arrears > 0 and not data.get("arrears_since"):
        errors["arrears_since"] = [_("Indicare da quando c'è morosità.")]
    return errors


def support_plan_rules(data):
    errors = _order(data, "started_on", "review_on", N_("La verifica precede l'avvio del progetto."))
    errors.update(_order(data, "started_on", "closed_on", N_("La chiusura precede l'avvio del progetto.")))
    if data.get("status") == "active" and not data.get("consent_signed"):
        errors.setdefault("consent_signed", []).append(_("Un progetto attivo richiede il consenso firmato."))
    if data.get("consent_signed") and not data.get("consent_on"):
        errors.setdefault("consent_on", []).append(_("Indicare la data del consenso."))
    if data.get("status") == "closed" and not data.get("closed_on"):
        errors.setdefault("closed_on", []).append(_("Indicare la data di chiusura."))
    return errors


def referral_rules(data):
    errors = _order(data, "sent_on", "status_on", N_("Lo stato non può precedere l'invio."))
    if data.get("outcome") and data.get("status") not in ("completed", "refused"):
        errors.setdefault("outcome", []).append(_("L'esito si registra quando l'invio è concluso o rifiutato."))
    if data.get("service") == "mediation" and not data.get("mediation_language"):
        errors.setdefault("mediation_language", []).append(_("Indicare la lingua della mediazione."))
    return errors


def stay_rules(data):
    errors = _order(data, "entry_on", "exit_on", N_("L'uscita precede l'ingresso."))
    errors.update(_order(data, "entry_on", "planned_exit_on", N_("L'uscita prevista precede l'ingresso.")))
    return errors


def tenancy_rules(data):
    errors = _order(data, "start_on", "end_on", N_("La scadenza precede l'inizio del contratto."))
    errors.update(_order(data, "start_on", "ended_on", N_("La fine precede l'inizio del contratto.")))
    return errors


def place_rules(data):
    if not data.get("dwelling") and not (data.get("facility") or "").strip():
        return {"facility": [_("Indicare l'alloggio del registro o la struttura.")]}
    return {}


RECORD_RULES = {
    "support_plan": [support_plan_rules],
    "referral": [referral_rules],
    "stay": [stay_rules],
    "tenancy": [tenancy_rules],
    "place": [place_rules],
    "arrears_episode": [range_rules("since", "resolved_on")],
    "agreement": [agreement_rules],
    "rent_band": [range_rules("min_eur_m2_year", "max_eur_m2_year")],
    "contract_duration": [range_rules("min_months", "max_months")],
    "landlord": [landlord_rules],
    "dwelling": [dwelling_rules],
    "offer": [offer_rules],
    "household": [household_rules],
    "household_preference": [preference_rules],
    "person": [person_rules],
    "erp_assignment": [erp_rules],
}


def _model(table):
    import models

    return {model._meta.table_name: model for model in models.MODELS}.get(table)


def declared_errors(table, data):
    """What a column's declaration implies, for every model: a value is given
    where the column cannot be empty, a coded value is one of its list, and a
    single-line field holds one line."""
    model = _model(table)
    if model is None:
        return {}
    errors = {}
    for name, value in data.items():
        field = model._meta.fields.get(name)
        if field is None or field.primary_key:
            continue
        if isinstance(value, str) and not value.strip():
            if not field.null:
                errors[name] = [_("Campo obbligatorio.")]
            continue
        if value is None:
            continue
        keys = {str(key) for key, _ in (field.choices or ())}
        if keys and str(value) not in keys:
            errors.setdefault(name, []).append(_("Valore non previsto: scegliere dall'elenco."))
        if isinstance(field, CharField) and isinstance(value, str) and LINE_BREAK.search(value):
            errors.setdefault(name, []).append(_("Deve stare su una sola riga (senza a capo)."))
    return errors


def validate(table, data):
    """Check one record's values (a dict by field name); return field errors."""
    errors = declared_errors(table, data)
    for name, value in data.items():
        if value is None or value == "" or name in errors:
            continue
        checks = MODEL_FIELD_RULES.get((table, name), FIELD_RULES.get(name, []))
        for check in (TEXT_RULES + checks if isinstance(value, str) else checks):
            message = check(value)
            if message:
                errors.setdefault(name, []).append(message)
    if not errors:
        for rule in RECORD_RULES.get(table, []):
            for name, messages in rule(data).items():
                errors.setdefault(name, []).extend(messages)
    return errors


UNQUERYABLE = object()
INTEGER_RANGE = range(-2**63, 2**63)  # what a database integer holds


def queryable(field, value):
    """``value`` as ``field``'s column can compare it, or ``UNQUERYABLE``.

    Form data can hold values of another type than the column's: the text
    submitted for a choice that named no record, numbers beyond any integer,
    NaN. Compared in a query they are an error on PostgreSQL (and an overflow
    on SQLite), not "no match".
    """
    if isinstance(field, ForeignKeyField):
        value = getattr(value, "id", value)
        field = field.rel_field
    if isinstance(field, (IntegerField, AutoField)) and not isinstance(field, BooleanField):
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            return UNQUERYABLE
        if isinstance(value, str):
            if not re.fullmatch(r"-?\d{1,20}", value.strip()):
                return UNQUERYABLE
            value = int(value)
        return value if value in INTEGER_RANGE else UNQUERYABLE
    if isinstance(field, (DecimalField, FloatField)):
        number = _number(value)
        return value if number is not None and abs(number) < Decimal("1e15") else UNQUERYABLE
    if isinstance(field, (DateTimeField, DateField)):
        return value if isinstance(value, datetime.date) else UNQUERYABLE
    return value


# Unique codes that are the same whatever their case ("rssmra..." is "RSSMRA...").
CASE_INSENSITIVE = {"tax_code", "vat_number", "username"}


def unique_groups(model):
    """Field-name tuples that must be unique in ``model`` (columns and indexes)."""
    groups = [(name,) for name, field in model._meta.fields.items() if field.unique and not field.primary_key]
    for index in model._meta.indexes:
        # ((fields), unique) tuples; ModelIndex objects (expression or engine-specific
        # indexes, e.g. the search's trigram indexes) declare no uniqueness rule here.
        if isinstance(index, (tuple, list)) and index[1]:
            groups.append(tuple(index[0]))
    return groups


def duplicates(model, data, current_id=None):
    """Field errors for values already used by another record of ``model``.

    Checked before saving so that a duplicate is a clear field error, never a
    raw database message.
    """
    errors = {}
    for group in unique_groups(model):
        values = [data.get(name) for name in group]
        # A value refused by the text rules never reaches a query (PostgreSQL refuses NUL outright).
        if any(isinstance(value, str) and any(rule(value) for rule in TEXT_RULES) for value in values):
            continue
        if any(value in (None, "") for value in values):
            continue
        # Nor does a value the column cannot hold (an unknown choice is left as the text
        # submitted, "abc" or "99999999999999999999" for an id): its field refuses it.
        values = [queryable(model._meta.fields[name], value) for name, value in zip(group, values)]
        if any(value is UNQUERYABLE for value in values):
            continue
        query = model.select(model._meta.primary_key)
        for name, value in zip(group, values):
            field = model._meta.fields[name]
            if name in CASE_INSENSITIVE and isinstance(value, str):
                # Stored codes are normalised (models.normalise: capitals; usernames
                # in lower case), so an exact comparison uses the unique index.
                query = query.where(field == (value.lower() if name == "username" else value.upper()))
            else:
                query = query.where(field == value)
        if current_id is not None:
            query = query.where(model._meta.primary_key != current_id)
        if query.exists():
            errors.setdefault(group[-1], []).append(_("Valore già presente in un altro record."))
    return errors
