"""The public endpoint of the site's form "Offri il tuo alloggio": POST only, no login, no session.

It only queues a proposal for review and reads nothing back: every accepted
answer is the same page, whatever was written (a proposal, or nothing for a bot).

Why it is safe without a CSRF token (there is no session to tie one to):
- it carries no ambient authority: no cookie is read or set, so a forged post
  can do nothing a visitor could not do by hand; what remains is abuse from
  other sites, which the Origin check refuses: a browser always sends
  ``Origin`` on a cross-origin POST (``Referer`` is the fallback for old
  ones), and it must be the public site's (HOUSING_SITE_URL) or the
  endpoint's own; neither header: refused;
- form encoding only (``application/x-www-form-urlencoded``): a JSON or
  multipart body is refused, so no other kind of client request shape is read;
- small: the body is capped (``MAX_BYTES``) before it is parsed, every field's
  length too (``housing.landlord_proposals``).

Against bots: a honeypot field (``website``, hidden from people and assistive
technology; any value drops the post) and a minimum fill time. The site's
script writes into ``elapsed`` the milliseconds since the form was shown; the
static page holds 0, so a client that runs no script (most bots) is dropped.
A timestamp signed at build time was considered and left out: it says how old
the page is, not how long the form took, and the site is static (it could only
be signed once per publication, with a secret shared with the publisher). A
timestamp issued by the back office on page load would need a second public
endpoint and a connection from every visitor; a targeted bot defeats either by
waiting, as it defeats this one. People without JavaScript read the address
to write to instead (the page's <noscript>).
"""
import logging

from flask import Blueprint, current_app, render_template, request

from housing import landlord_proposals as proposals
from housing.display import language as reader_language
from housing.mail.settings import SettingError, smtp_settings

log = logging.getLogger(__name__)
bp = Blueprint("landlord_proposals", __name__)
MAX_BYTES = 16 * 1024
HONEYPOT = "website"


def allowed_origins():
    config = current_app.config
    own = proposals.origin(config.get("PROPOSAL_URL") or "") or proposals.origin(request.host_url)
    return {proposals.origin(config["SITE_URL"]), own} - {""}


def sent_from_site():
    """The post comes from a page of the public site (its Origin, else its Referer)."""
    origin = request.headers.get("Origin")
    if origin is not None:
        return origin != "null" and proposals.origin(origin) in allowed_origins()
    referer = request.headers.get("Referer")
    return bool(referer) and proposals.origin(referer) in allowed_origins()


def mail_configured():
    try:
        return smtp_settings() is not None
    except SettingError:
        return False


def answer(template, status, lang, **values):
    response = current_app.make_response((render_template(template, lang=lang, site_url=site_url(lang), **values),
                                          status))
    response.headers["Cache-Control"] = "no-store"
    return response


def site_url(lang):
    url = current_app.config["SITE_URL"].rstrip("/") + "/"
    return url + ("en/" if lang == "en" else "")


@bp.route("/public/landlord-proposal", methods=["POST"])
def submit():
    lang = "en" if request.args.get("lang") == "en" else "it"  # the form's action names it: read before the body
    if request.content_length is None or request.content_length > MAX_BYTES:
        return refused(413, lang, "The form is too large." if lang == "en" else "Il modulo è troppo grande.")
    if not sent_from_site():
        return refused(403, lang, "Send the form from the programme's site." if lang == "en" else
                       "Inviare il modulo dal sito del programma.")
    if request.mimetype != "application/x-www-form-urlencoded":
        return refused(415, lang, "Send the form from the programme's site." if lang == "en" else
                       "Inviare il modulo dal sito del programma.")
    form = request.form
    lang = "en" if form.get("language", lang) == "en" else "it"
    reader_language.set(lang)
    config = current_app.config
    key = proposals.client_key(config["SECRET_KEY"], request.remote_addr)
    if proposals.throttled(key, int(config["PROPOSAL_LIMIT"]), int(config["PROPOSAL_WINDOW_MINUTES"])):
        return answer("public/proposal_refused.html", 429, lang, errors=None)
    if form.get(HONEYPOT) or not too_slow_for_a_bot(form.get("elapsed")):
        log.info("landlord proposal dropped (honeypot or too fast)")
        return answer("public/proposal_received.html", 202, lang)
    try:
        data = proposals.read_form(form)
    except proposals.ProposalError as error:
        labels = field_labels(lang)
        return answer("public/proposal_refused.html", 422, lang,
                      errors=[(name, labels.get(name, name), messages) for name, messages in error.errors.items()])
    proposal = proposals.submit(data)
    proposals.log_submission(proposal)
    proposals.queue_confirmation(proposal, mail_configured())
    return answer("public/proposal_received.html", 202, lang)


def refused(status, lang, message):
    return answer("public/proposal_refused.html", status, lang, errors=None, message=message)


def too_slow_for_a_bot(elapsed):
    """The form was open at least HOUSING_PROPOSAL_MIN_SECONDS (``elapsed``: milliseconds, from the site's script)."""
    try:
        milliseconds = int(str(elapsed or "0").strip()[:12])
    except ValueError:
        return False
    return milliseconds >= 1000 * int(current_app.config["PROPOSAL_MIN_SECONDS"])


LABELS = {
    "name": ("Nome e cognome", "Name"), "email": ("Email", "E-mail"), "phone": ("Telefono", "Phone"),
    "district": ("Quartiere", "District"), "address": ("Indirizzo", "Address"), "postcode": ("CAP", "Postcode"),
    "area_m2": ("Superficie (m²)", "Surface (m²)"), "rooms": ("Vani", "Rooms"), "floor": ("Piano", "Floor"),
    "monthly_rent": ("Canone mensile desiderato", "Desired monthly rent"),
    "available_from": ("Disponibile dal", "Available from"), "notes": ("Note", "Notes"),
    "consent": ("Consenso a essere ricontattati", "Consent to be contacted"), "language": ("Lingua", "Language"),
    "has_lift": ("Ascensore", "Lift"), "step_free": ("Senza gradini", "Step-free"), "furnished": ("Arredato", "Furnished"),
}


def field_labels(lang):
    """The form's own labels, as the site's page shows them (the public site is not translated by Babel)."""
    index = 1 if lang == "en" else 0
    return {name: pair[index] for name, pair in LABELS.items()}


def init_app(app):
    app.register_blueprint(bp)
