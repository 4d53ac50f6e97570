"""Landlords' proposals from the public site: read the form, queue it, throttle it, convert it.

The public endpoint (``admin.public_proposals``) is thin: it hands the posted
fields to ``read_form``, which gives the values as the columns hold them and
every field error (the same rules as the back office's forms:
``housing.validation``; decimal commas as ``housing.amounts`` reads them);
``submit`` writes exactly one row. Nothing here is ever read back to the
public. Staff turn a proposal into a landlord and a dwelling with
``convert``: validated as the forms validate them, all or nothing, audited.
No Flask here.
"""
import datetime
import hashlib
import hmac
import json

from housing import amounts, audit, validation
from housing.database import locked
from housing.messages import _
from models import (AuditLog, District, Dwelling, Landlord, LandlordProposal, ProposalAttempt, db, now)

TEXT_FIELDS = ("name", "email", "phone", "address", "postcode", "notes")
NUMBER_FIELDS = ("area_m2", "rooms", "floor", "monthly_rent")
FLAGS = ("has_lift", "step_free", "furnished")
FIELDS = TEXT_FIELDS + NUMBER_FIELDS + FLAGS + ("district", "available_from", "consent", "language")
MAX_FIELD = 5000  # characters of any one posted value (notes are the longest)
MAX_NOTES = 2000


class ProposalError(ValueError):
    """Field errors: {field: [messages]}."""

    def __init__(self, errors):
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors


def _flag(value):
    return str(value or "").strip().lower() in ("1", "on", "true", "yes", "si", "sì")


def _number(name, text, errors, whole):
    try:
        number = amounts.parse(text)
    except ValueError:
        errors.setdefault(name, []).append(_("Valore numerico non valido."))
        return None
    if number is None:
        return None
    if abs(number) >= 10**9:
        return number  # out of every range: the field's rule names it
    if name == "area_m2":
        # "75,5" m² is a surface as people type it: the registry keeps whole square metres.
        return int(number.quantize(1, rounding="ROUND_HALF_UP"))
    if whole and number != number.to_integral_value():
        errors.setdefault(name, []).append(_("Deve essere un numero intero."))
        return None
    return int(number) if whole else number


def _date(text, errors):
    text = (text or "").strip()
    if not text:
        return None
    for layout in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.datetime.strptime(text, layout).date()
        except ValueError:
            continue
    errors.setdefault("available_from", []).append(_("Data non valida (gg/mm/aaaa)."))
    return None


def read_form(form, today=None):
    """``form`` (a mapping of posted strings) as {column: value}; raise ``ProposalError`` naming each bad field."""
    today = today or datetime.date.today()
    errors, data = {}, {}
    for name in FIELDS:
        value = form.get(name)
        if value is not None and len(str(value)) > MAX_FIELD:
            errors.setdefault(name, []).append(_("Testo troppo lungo (massimo %(limit)s caratteri).", limit=MAX_FIELD))
    if errors:
        raise ProposalError(errors)
    for name in TEXT_FIELDS:
        value = (form.get(name) or "").strip()
        data[name] = value or None
    for name in NUMBER_FIELDS:
        data[name] = _number(name, form.get(name), errors, whole=name != "monthly_rent")
    for name in FLAGS:
        data[name] = _flag(form.get(name))
    data["available_from"] = _date(form.get("available_from"), errors)
    data["language"] = "en" if form.get("language") == "en" else "it"
    data["consent"] = _flag(form.get("consent"))
    # by name: the site is built from the exported registry (names, no ids), maybe on another host
    district_name = (form.get("district") or "").strip()
    district = District.get_or_none((District.name == district_name) & (District.active == True)  # noqa: E712
                                    & (District.to_review == False)) if 0 < len(district_name) <= 80 else None  # noqa: E712
    data["district"] = district.id if district else None

    for name in ("name", "area_m2", "rooms", "monthly_rent"):
        if data.get(name) is None and name not in errors:
            errors[name] = [_("Campo obbligatorio.")]
    if district is None:
        errors["district"] = [_("Scegliere il quartiere dall'elenco.")]
    if not data["email"] and not data["phone"]:
        errors["email"] = [_("Indicare un indirizzo email o un numero di telefono.")]
    if not data["consent"]:
        errors["consent"] = [_("Serve il consenso a essere ricontattati.")]
    if data["notes"] and len(data["notes"]) > MAX_NOTES:
        errors.setdefault("notes", []).append(_("Testo troppo lungo (massimo %(limit)s caratteri).", limit=MAX_NOTES))
    if data["available_from"] and data["available_from"] < today - datetime.timedelta(days=366):
        errors.setdefault("available_from", []).append(_("Data non plausibile."))
    checked = {k: v for k, v in data.items() if k not in errors and v is not None and k != "district"}
    for name, messages in validation.validate("landlord_proposal", checked).items():
        errors.setdefault(name, []).extend(messages)
    if errors:
        raise ProposalError(errors)
    return data


def submit(data):
    """Queue one proposal (``data`` from ``read_form``); return it."""
    with db.atomic():
        return LandlordProposal.create(**data)


# -- the per-address limit ------------------------------------------------------------------------

def client_key(secret, address):
    """A keyed hash of the client's address: enough to count, useless to find the person."""
    key = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(key, (address or "unknown").encode(), hashlib.sha256).hexdigest()[:32]


def throttled(key, limit, window_minutes, moment=None):
    """Record one submission by ``key``; True when it is over ``limit`` in the window (then nothing is kept).

    Recorded before counting, as the login throttle does, so that concurrent
    submissions cannot all pass a count taken before any of them was recorded.
    """
    moment = moment or now()
    start = moment - datetime.timedelta(minutes=window_minutes)
    ProposalAttempt.delete().where(ProposalAttempt.at < start).execute()  # the window's rows only, ever
    attempt = ProposalAttempt.create(client_key=key, at=moment)
    count = ProposalAttempt.select().where((ProposalAttempt.client_key == key) & (ProposalAttempt.at >= start)).count()
    if count > limit:
        attempt.delete_instance()
        return True
    return False


# -- the staff's side ---------------------------------------------------------------------------------

LANDLORD_FIELDS = ("name", "email", "phone")
DWELLING_FIELDS = ("address", "postcode", "area_m2", "rooms", "floor", "has_lift", "step_free", "furnished")


def _errors_named(prefix, errors):
    return {f"{prefix}{name}": messages for name, messages in errors.items()}


def convert(proposal_id, user, kind="private_person", ownership="private", tax_code=None, vat_number=None):
    """Create the landlord and the dwelling a proposal describes; return (landlord, dwelling).

    Validated as the forms validate a landlord and a dwelling (a missing address or
    postcode is named: staff complete the proposal after contacting the landlord),
    all in one transaction, audited (the two new records and the proposal's change).
    The tax code (or VAT number) is not asked on the public form: staff give it here.
    """
    with db.atomic():
        proposal = locked(LandlordProposal.select().where(LandlordProposal.id == proposal_id)).get_or_none()
        if proposal is None:
            raise ProposalError({"proposal": [_("Proposta non trovata.")]})
        if proposal.status == "converted" or proposal.landlord_id:
            raise ProposalError({"status": [_("Proposta già registrata come locatore e alloggio.")]})
        landlord_data = {"kind": kind, "tax_code": (tax_code or "").strip().upper() or None,
                         "vat_number": (vat_number or "").strip() or None,
                         **{name: getattr(proposal, name) for name in LANDLORD_FIELDS}}
        dwelling_data = {"ownership": ownership, "district": proposal.district_id,
                         **{name: getattr(proposal, name) for name in DWELLING_FIELDS}}
        dwelling_data["floor"] = 0 if dwelling_data["floor"] is None else dwelling_data["floor"]
        errors = {}
        for name, value in (("address", proposal.address), ("postcode", proposal.postcode),
                            ("district", proposal.district_id)):
            if value in (None, ""):
                errors[name] = [_("Campo obbligatorio per registrare l'alloggio: completare la proposta.")]
        errors.update(validation.validate("landlord", {k: v for k, v in landlord_data.items() if v is not None}))
        errors.update(validation.duplicates(Landlord, landlord_data))
        checked = {k: v for k, v in dwelling_data.items() if v is not None and k not in errors and k != "district"}
        for name, messages in validation.validate("dwelling", checked).items():
            errors.setdefault(name, []).extend(messages)
        if errors:
            raise ProposalError(errors)
        landlord = Landlord.create(**landlord_data)
        dwelling = Dwelling.create(landlord=landlord, status="registered",
                                   notes=_("Da proposta dal sito n. %(id)s.", id=proposal.id), **dwelling_data)
        before = audit.snapshot(proposal)
        proposal.status, proposal.landlord, proposal.dwelling = "converted", landlord, dwelling
        proposal.save()
        audit.record(user, "create", landlord, None, audit.snapshot(landlord))
        audit.record(user, "create", dwelling, None, audit.snapshot(dwelling))
        audit.record(user, "update", proposal, before, audit.snapshot(proposal))
    return landlord, dwelling


CONFIRMATION = {
    "it": ("Abbiamo ricevuto la sua proposta di alloggio",
           "Gentile {name},\n\nabbiamo ricevuto la sua proposta di alloggio (n. {id}) inviata dal sito del "
           "programma Housing First. Un operatore la esaminerà e la ricontatterà.\n\nSe non ha inviato lei "
           "questa proposta, ignori questo messaggio: i dati saranno cancellati.\n"),
    "en": ("We have received your home proposal",
           "Dear {name},\n\nwe have received the home you proposed (no. {id}) through the Housing First "
           "programme's site. A member of staff will review it and contact you.\n\nIf you did not send this "
           "proposal, please ignore this message: the data will be deleted.\n"),
}


def queue_confirmation(proposal, mail_configured):
    """Queue the landlord's confirmation e-mail through the outbox, when e-mail is configured
    and the landlord gave an address; the message names nothing but the landlord's own name."""
    if not (mail_configured and proposal.email):
        return None
    from housing.mail import outbox

    subject, body = CONFIRMATION.get(proposal.language, CONFIRMATION["it"])
    try:
        message, _created = outbox.queue(f"landlord-proposal-{proposal.id}", proposal.email, subject,
                                         body.format(name=proposal.name, id=proposal.id),
                                         related=("landlord_proposal", proposal.id))
    except outbox.OutboxError:
        return None  # an address the form's rule accepted but the outbox refuses: staff still see the proposal
    return message


def log_submission(proposal):
    """One audit row for a proposal the public sent (no user: the actor is the public form)."""
    AuditLog.create(user=None, actor="public-form", action="create", entity="landlord_proposal",
                    record_id=str(proposal.id), changes=json.dumps({"status": [None, proposal.status]}))


ENDPOINT_PATH = "public/landlord-proposal"


def endpoint_url(environ=None):
    """The address the site's form posts to (HOUSING_PROPOSAL_URL, else the back office's own)."""
    from housing import settings

    url = settings.get("HOUSING_PROPOSAL_URL", environ)
    return url or settings.get("HOUSING_BACKOFFICE_URL", environ).rstrip("/") + "/" + ENDPOINT_PATH


def origin(url):
    """scheme://host[:port] of ``url``, lower case, default ports dropped (how browsers send Origin)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url.strip())
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    if not scheme or not host:
        return ""
    port = parts.port
    default = {"http": 80, "https": 443}.get(scheme)
    return f"{scheme}://{host}" + (f":{port}" if port and port != default else "")
