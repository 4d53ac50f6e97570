"""Notices to people outside the office: a household's proposal and viewing invitation,
a landlord's viewing notice and decision request.

Only with consent and only with the minimum data:

- a notice is queued only when its recipient (the household, the landlord) has
  an e-mail address and has consented (``notice_consent``); otherwise nothing
  is queued and the outcome says why (``NO_CONSENT``, ``NO_ADDRESS``), for the
  match board to show;
- templates are data (``models.NoticeTemplate``) that administrators edit;
  they are rendered in a Jinja2 ``SandboxedEnvironment`` over the kind's
  whitelist of plain values (``notice_texts.FIELDS``), and ``problems`` refuses
  on saving a template that names any other field or reaches into one
  (``{{ household.monthly_net_income }}``, ``{{ code.__class__ }}``): an
  income or a health note cannot be printed, since no context holds one;
- a household reads the notice in the first language it speaks (its links to
  the languages registry, in the order they were given) for which an active
  template exists, Italian otherwise;
- a viewing invitation carries the appointment as an ``.ics`` attachment.

Each notice is queued once per key (``notice:<kind>:<match>``; a viewing's
key holds its date and time, so a moved viewing sends a new invitation).
"""
import datetime
import functools
import html
import logging
import re
from typing import NamedTuple

import icalendar
from jinja2 import TemplateSyntaxError, nodes
from jinja2.meta import find_undeclared_variables
from jinja2.sandbox import SandboxedEnvironment

from housing import display
from housing import vocabulary as v
from housing.appointments import DEFAULT_LENGTH, PROGRAMME_ZONE
from housing.mail import outbox
from housing.messages import _
from housing.mail.notice_texts import DEFAULTS, FIELDS, KIND_BY_KEY, SAMPLE
from housing.settings import get as setting
from housing.workflow import STEP_BY_KEY
from models import District, Dwelling, Household, HouseholdLanguage, Landlord, Language, Match, NoticeTemplate, Offer, db

log = logging.getLogger("housing.mail")

QUEUED, ALREADY, NO_CONSENT, NO_ADDRESS, NO_TEMPLATE, REFUSED = (
    "queued", "already", "no_consent", "no_address", "no_template", "refused")
DEFAULT_LANGUAGE = "it"
# Nodes a template may not contain: it prints whitelisted values, it does not load other templates.
FORBIDDEN_NODES = (nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport)


class Outcome(NamedTuple):
    kind: str
    audience: str
    state: str  # QUEUED, ALREADY, NO_CONSENT...
    message_id: int = None


class Rendered(NamedTuple):
    subject: str
    text: str
    html: str


ENVIRONMENT = SandboxedEnvironment(autoescape=False, finalize=lambda value: "" if value is None else value)


# -- validation -----------------------------------------------------------------------

def problems(kind, subject, body):
    """{"subject"|"body"|"kind": [message]} of a template that cannot be saved (Italian,
    naming the field), or {} when it may be saved."""
    if kind not in FIELDS:
        return {"kind": [_("Tipo di avviso sconosciuto: %(kind)s.", kind=repr(kind))]}
    errors = {}
    for name, text in (("subject", subject), ("body", body)):
        found = _problems_of(kind, text or "")
        if not (text or "").strip():
            found.insert(0, _("Obbligatorio."))
        if name == "subject" and any(ch in (text or "") for ch in "\r\n"):
            found.append(_("L'oggetto deve stare su una riga."))
        if found:
            errors[name] = found
    return errors


def _problems_of(kind, text):
    allowed = FIELDS[kind]
    try:
        tree = ENVIRONMENT.parse(text)
    except TemplateSyntaxError as error:
        return [_("Errore di sintassi alla riga %(line)s: %(message)s", line=error.lineno, message=error.message)]
    found = [_("Il campo «%(name)s» non può essere stampato da questo tipo di avviso (campi ammessi: %(allowed)s).",
               name=name, allowed=", ".join(sorted(allowed)))
             for name in sorted(find_undeclared_variables(tree) - set(allowed))]
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        found.append(_("Il campo «%(name)s» non può essere stampato: un avviso stampa solo i campi ammessi, "
                       "non le loro parti.", name=_dotted(node)))
    if any(True for _node in tree.find_all(FORBIDDEN_NODES)):
        found.append(_("Un modello di avviso non può includere o importare altri modelli."))
    return found


def language_problem(code):
    """Why ``code`` cannot be a template's language (a message), or None: it must be in the languages registry."""
    code = (code or "").strip().lower()
    if code in ("it", "en") or Language.select().where(Language.code == code).exists():
        return None
    return _("Lingua «%(code)s» sconosciuta: usare il codice di una lingua del registro (it, en, ar...).", code=code)


def _dotted(node):
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr):
        return f"{_dotted(node.node)}.{node.attr}"
    if isinstance(node, nodes.Getitem):
        key = node.arg.value if isinstance(node.arg, nodes.Const) else "…"
        return f"{_dotted(node.node)}[{key!r}]"
    return "…"


# -- rendering --------------------------------------------------------------------------

@functools.lru_cache(maxsize=64)
def compiled(source):
    """The sandboxed template of ``source``, compiled once (a batch of proposals reuses it)."""
    return ENVIRONMENT.from_string(source)


def render(kind, subject, body, context):
    """Render a template over ``context`` restricted to the kind's whitelist."""
    allowed = {name: context.get(name) for name in FIELDS[kind]}
    subject_text = " ".join(compiled(subject).render(allowed).split())
    text = compiled(body).render(allowed).strip() + "\n"
    return Rendered(subject_text, text, as_html(text))


URL = re.compile(r"https?://[^\s<>\"]+")


def as_html(text):
    """The plain text as HTML: escaped, paragraphs, addresses as links."""
    paragraphs = []
    for block in re.split(r"\n\s*\n", text.strip()):
        escaped = html.escape(block)
        escaped = URL.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', escaped)
        paragraphs.append("<p>" + escaped.replace("\n", "<br>\n") + "</p>")
    return "\n".join(paragraphs) + "\n"


def preview(template, context=None):
    """A template rendered over the invented sample values (or ``context``)."""
    return render(template.kind, template.subject, template.body, context or SAMPLE)


# -- templates as data ------------------------------------------------------------------

def ensure_templates():
    """Add the default templates that are missing (never overwrite an edited one): how many were added."""
    added = 0
    with db.atomic():
        have = set(NoticeTemplate.select(NoticeTemplate.kind, NoticeTemplate.language).tuples())
        for (kind, language), (subject, body) in DEFAULTS.items():
            if (kind, language) not in have:
                NoticeTemplate.create(kind=kind, language=language, subject=subject, body=body)
                added += 1
    return added


def template_for(kind, languages):
    """The active template of ``kind`` in the first of ``languages`` that has one, else Italian, else None."""
    found = {t.language: t for t in NoticeTemplate.select().where(
        (NoticeTemplate.kind == kind) & (NoticeTemplate.active == True))}  # noqa: E712
    for code in list(languages) + [DEFAULT_LANGUAGE]:
        if code in found:
            return found[code]
    return None


def household_languages(household_id):
    """The codes of the languages a household speaks, in the order they were linked."""
    return [code for (code,) in HouseholdLanguage.select(Language.code).join(Language)
            .where(HouseholdLanguage.household == household_id).order_by(HouseholdLanguage.id).tuples()]


# -- the facts of a match ----------------------------------------------------------------

def site_offer_url(offer):
    if not Offer.public(Offer.id).where(Offer.id == offer.id).exists():
        return None
    return (setting("HOUSING_SITE_URL") or "").rstrip("/") + f"/offerte/O{offer.id:05d}/"


def context_of(match, lang):
    """Every whitelisted value about ``match``, in ``lang`` (each kind takes its own)."""
    offer = Offer.get_by_id(match.offer_id)
    dwelling = Dwelling.get_by_id(offer.dwelling_id)
    landlord = Landlord.get_by_id(dwelling.landlord_id)
    district = District.get_or_none(District.id == dwelling.district_id)
    step_days = STEP_BY_KEY["landlord_decision"].stall_days
    values = {
        "code": Household.select(Household.code).where(Household.id == match.household_id).scalar(),
        "offer_ref": f"O{offer.id:05d}", "district": district.name if district else None,
        "rooms": str(dwelling.rooms), "monthly_rent": display.money(offer.monthly_rent, lang),
        "contract_type": v.label(v.CONTRACT_TYPES, offer.contract_type, lang),
        "available_from": display.date(offer.available_from, lang) if offer.available_from else None,
        "offer_url": site_offer_url(offer), "landlord_name": landlord.name, "address": dwelling.address,
        "reply_by": display.date(datetime.date.today() + datetime.timedelta(days=step_days), lang),
    }
    if match.viewing_at:
        values.update(viewing_day=display.date(match.viewing_at.date(), lang),
                      viewing_time=match.viewing_at.strftime("%H:%M"),
                      viewing_place=match.viewing_place or dwelling.address)
    return values, landlord


def viewing_ics(match, place):
    """The viewing as an iCalendar invitation: the offer's reference and the place, nothing personal."""
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Housing First//Visite//IT")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    event = icalendar.Event()
    start = match.viewing_at.replace(tzinfo=PROGRAMME_ZONE)
    event.add("uid", f"viewing-{match.id}@housing-first")
    event.add("dtstamp", datetime.datetime.now(datetime.timezone.utc))
    event.add("dtstart", start)
    event.add("dtend", start + DEFAULT_LENGTH)
    event.add("summary", f"Housing First: O{match.offer_id:05d}")
    event.add("location", place)
    cal.add_component(event)
    return cal.to_ical().decode()


# -- queueing ------------------------------------------------------------------------------

def _queue(kind, key, recipient_record, languages, context, related, attachment=None):
    audience = KIND_BY_KEY[kind].audience
    if not recipient_record.notice_consent:
        return Outcome(kind, audience, NO_CONSENT)
    if not (recipient_record.email or "").strip():
        return Outcome(kind, audience, NO_ADDRESS)
    template = template_for(kind, languages)
    if template is None:
        return Outcome(kind, audience, NO_TEMPLATE)
    rendered = render(kind, template.subject, template.body, context)
    try:
        message, created = outbox.queue(key, recipient_record.email, rendered.subject, rendered.text,
                                        body_html=rendered.html, related=related, attachment=attachment)
    except outbox.OutboxError as error:
        log.warning("notice %s not queued: %s", key, error)
        return Outcome(kind, audience, REFUSED)
    return Outcome(kind, audience, QUEUED if created else ALREADY, message.id)


def _household(match):
    return Household.get_by_id(match.household_id)


def proposal(match):
    """The household's proposal notice: one ``Outcome``."""
    household = _household(match)
    languages = household_languages(household.id)
    template = template_for("household_proposal", languages)
    context, _ = context_of(match, template.language if template else DEFAULT_LANGUAGE)
    return _queue("household_proposal", f"notice:household_proposal:{match.id}", household, languages, context,
                  ("match", match.id))


def viewing(match):
    """The viewing invitation to the household and the notice to the landlord (with the .ics): two ``Outcome``."""
    if match.viewing_at is None:
        return []
    household = _household(match)
    stamp = match.viewing_at.strftime("%Y%m%dT%H%M")
    languages = household_languages(household.id)
    template = template_for("household_viewing", languages)
    context, landlord = context_of(match, template.language if template else DEFAULT_LANGUAGE)
    ics = ("visita.ics", "text/calendar", viewing_ics(match, context["viewing_place"]))
    outcomes = [_queue("household_viewing", f"notice:household_viewing:{match.id}:{stamp}", household, languages,
                       context, ("match", match.id), ics)]
    context, _ = context_of(match, DEFAULT_LANGUAGE)
    outcomes.append(_queue("landlord_viewing", f"notice:landlord_viewing:{match.id}:{stamp}", landlord, [],
                           context, ("match", match.id), ics))
    return outcomes


def decision_request(match):
    """The landlord's decision request: one ``Outcome``."""
    context, landlord = context_of(match, DEFAULT_LANGUAGE)
    return _queue("landlord_decision", f"notice:landlord_decision:{match.id}", landlord, [], context,
                  ("match", match.id))


def after_step(match, entered_step, viewing_dated):
    """The notices a workflow move calls for (the caller's transaction is over): [Outcome]."""
    outcomes = []
    try:
        if entered_step == "proposed":
            outcomes.append(proposal(match))
        if viewing_dated:
            outcomes += viewing(match)
        if entered_step == "landlord_decision":
            outcomes.append(decision_request(match))
    except Exception:  # a notice must never undo or hide a recorded move
        log.exception("notices of match %s not queued", getattr(match, "id", None))
    return outcomes


def kind_of_key(message_key):
    """The notice kind of an outbox message key, or None for other messages."""
    parts = (message_key or "").split(":")
    return parts[1] if len(parts) > 2 and parts[0] in ("notice", "notice-test") and parts[1] in FIELDS else None


def audience_of_key(message_key):
    kind = kind_of_key(message_key)
    return KIND_BY_KEY[kind].audience if kind else None


def test_send(template, user, at=None):
    """Queue ``template`` rendered over the sample values to ``user``'s own address:
    (message, None) or (None, reason) when the user has no address."""
    if not (user.email or "").strip():
        return None, NO_ADDRESS
    rendered = preview(template)
    moment = at or datetime.datetime.now()
    key = f"notice-test:{template.kind}:{template.id}:{user.id}:{moment:%Y%m%dT%H%M%S%f}"
    message, _ = outbox.queue(key, user.email, "[TEST] " + rendered.subject, rendered.text,
                              body_html=rendered.html, related=("user", user.id))
    return message, None


def consent_status(record):
    """Why a household or a landlord gets no notice (NO_CONSENT, NO_ADDRESS), or None when they do."""
    if not record.notice_consent:
        return NO_CONSENT
    return None if (record.email or "").strip() else NO_ADDRESS


def match_recipients(match_id):
    """(household, landlord) of a match, for the board's words about their notices."""
    match = Match.get_by_id(match_id)
    landlord = (Landlord.select().join(Dwelling).join(Offer).where(Offer.id == match.offer_id).get())
    return _household(match), landlord
