"""The match workflow as data: steps, routes per offer type, decline reasons.

A match (abbinamento) proposes one household for one offer and moves through
ordered steps, each owned by a role. The contract of a step is written once
here: who may act, how long it may wait before it is flagged as stalled.
Decline reasons are coded and split by side (household, landlord,
administrative); their consequence (parking the household for N days) is
configurable in the back office, and their text is copied onto the decision so
renaming a reason never rewrites history.
"""
import datetime
from typing import NamedTuple

from housing import display
from housing.messages import _


class Step(NamedTuple):
    key: str
    it: str
    en: str
    owner: str  # role that acts at this step ("admin" may always act)
    stall_days: int  # default; editable per step in the back office
    # Dates of the step (``DATE_FIELDS``): asked when the match enters the step
    # (the viewing is booked), or when it leaves it (the contract was signed).
    on_enter: tuple = ()
    on_leave: tuple = ()


class StepDate(NamedTuple):
    """A date a step records on the match (``Match.viewing_at``...)."""
    name: str
    it: str
    en: str
    kind: str  # datetime | date | text


class DeclineReason(NamedTuple):
    key: str
    it: str
    en: str
    side: str  # household | landlord | administrative
    park_days: int  # default consequence; 0 = none


STEPS = (
    Step("proposed", "Proposto", "Proposed", "operator", 3),
    Step("staff_review", "Verifica dell'équipe", "Staff review", "operator", 5),
    Step("household_informed", "Nucleo informato", "Household informed", "operator", 5),
    Step("viewing", "Visita dell'alloggio", "Viewing", "operator", 10, on_enter=("viewing_at", "viewing_place")),
    Step("household_decision", "Decisione del nucleo", "Household decision", "operator", 7),
    Step("landlord_decision", "Decisione del locatore", "Landlord decision", "clerk", 10),
    Step("contract_signed", "Contratto firmato", "Contract signed", "clerk", 20, on_leave=("contract_on",)),
    Step("moved_in", "Ingresso nell'alloggio", "Moved in", "operator", 15, on_enter=("move_in_on",)),
)
STEP_BY_KEY = {step.key: step for step in STEPS}

DATE_FIELDS = (
    StepDate("viewing_at", "Data e ora della visita", "Viewing date and time", "datetime"),
    StepDate("viewing_place", "Luogo dell'appuntamento", "Meeting place", "text"),
    StepDate("contract_on", "Data del contratto", "Contract date", "date"),
    StepDate("move_in_on", "Data d'ingresso", "Move-in date", "date"),
)
DATE_FIELD_BY_NAME = {field.name: field for field in DATE_FIELDS}

# "Torna alla fase precedente": the owner of the step a match came from may undo
# a move within this many days of it (an administrator at any time).
STEP_BACK_DAYS = 3

# Closing states of a match (not steps: nobody acts on them).
CLOSED_SUCCESS, CLOSED_DECLINED, CLOSED_WITHDRAWN = "closed_success", "closed_declined", "closed_withdrawn"
OPEN = "open"

FULL_ROUTE = tuple(step.key for step in STEPS)
# One route per offer type: public and emergency homes have no private landlord to decide.
ROUTES = {
    "concordato_3_2": FULL_ROUTE,
    "transitory": FULL_ROUTE,
    "students": FULL_ROUTE,
    "free_4_4": FULL_ROUTE,
    "erp": ("proposed", "staff_review", "household_informed", "viewing", "household_decision", "contract_signed", "moved_in"),
    "transitional": ("proposed", "staff_review", "household_informed", "household_decision", "moved_in"),
    "emergency": ("proposed", "staff_review", "household_informed", "moved_in"),
}

DECLINE_REASONS = (
    DeclineReason("household_location", "Il nucleo rifiuta: zona non adatta", "Household declined: unsuitable area", "household", 30),
    DeclineReason("household_size", "Il nucleo rifiuta: alloggio non adatto al nucleo", "Household declined: unsuitable home", "household", 0),
    DeclineReason("household_cost", "Il nucleo rifiuta: costi non sostenibili", "Household declined: costs", "household", 0),
    DeclineReason("household_unreachable", "Nucleo non raggiungibile", "Household unreachable", "household", 14),
    DeclineReason("household_other", "Il nucleo rifiuta: altro motivo", "Household declined: other", "household", 30),
    DeclineReason("landlord_profile", "Il locatore rifiuta il profilo", "Landlord rejected the profile", "landlord", 0),
    DeclineReason("landlord_guarantees", "Il locatore chiede garanzie non disponibili", "Landlord asked for unavailable guarantees", "landlord", 0),
    DeclineReason("landlord_withdrew", "Il locatore ritira l'alloggio", "Landlord withdrew the home", "landlord", 0),
    DeclineReason("admin_other_match", "Chiuso: altro abbinamento riuscito", "Closed: another match succeeded", "administrative", 0),
    DeclineReason("admin_eligibility", "Chiuso: requisiti non più soddisfatti", "Closed: no longer eligible", "administrative", 0),
    DeclineReason("admin_error", "Annullato: errore di inserimento", "Cancelled: data-entry error", "administrative", 0),
)
REASON_BY_KEY = {reason.key: reason for reason in DECLINE_REASONS}
SIDES = ("household", "landlord", "administrative")


class WorkflowError(ValueError):
    """A refused workflow action; the message says why, in Italian."""


def route_for(contract_type):
    return ROUTES.get(contract_type, FULL_ROUTE)


def next_step(route, step):
    """The step after ``step`` on ``route``, or None when ``step`` is the last."""
    position = route.index(step)
    return route[position + 1] if position + 1 < len(route) else None


def may_act(role, step):
    return role == "admin" or STEP_BY_KEY[step].owner == role


def is_stalled(step_since, stall_days, today=None):
    today = today or datetime.date.today()
    return (today - step_since.date() if isinstance(step_since, datetime.datetime) else today - step_since).days > stall_days


def previous_step(route, step):
    """The step before ``step`` on ``route``, or None at the first."""
    position = route.index(step) if step in route else 0
    return route[position - 1] if position > 0 else None


def owner_label(step, lang="it"):
    """The label of the role that owns ``step`` (``vocabulary.ROLES``): "a cura di: Operatore"."""
    from housing.vocabulary import ROLES, label

    return label(ROLES, STEP_BY_KEY[step].owner, lang)


def step_label(step, lang="it"):
    found = STEP_BY_KEY.get(step)
    return (found.en if lang == "en" else found.it) if found else step


def may_step_back(role, route, step, step_since, now=None, limit_days=STEP_BACK_DAYS):
    """(allowed, reason in Italian): may ``role`` take a match at ``step`` back one step?

    The owner of the previous step (who made the move) may undo it within
    ``limit_days`` of it; an administrator always may."""
    previous = previous_step(route, step)
    if previous is None:
        return False, _("L'abbinamento è alla prima fase: non c'è una fase precedente.")
    if role == "admin":
        return True, None
    if STEP_BY_KEY[previous].owner != role:
        lang = display.language.get()
        return False, _("Solo il ruolo che cura la fase «%(step)s» (%(role)s) può tornarvi.",
                        step=step_label(previous, lang), role=owner_label(previous, lang))
    now = now or datetime.datetime.now()
    since = step_since if isinstance(step_since, datetime.datetime) else datetime.datetime.combine(
        step_since, datetime.time())
    if (now - since).days > limit_days:
        return False, _("Si può tornare alla fase precedente solo entro %(days)s giorni dal passaggio: "
                        "chiedere a un amministratore.", days=limit_days)
    return True, None


def dates_needed(route, step):
    """The date fields asked when a match at ``step`` moves to the next step of ``route``:
    those the step records when it is left, then those the next step records on entry."""
    following = next_step(route, step)
    names = list(STEP_BY_KEY[step].on_leave) + (list(STEP_BY_KEY[following].on_enter) if following else [])
    return tuple(DATE_FIELD_BY_NAME[name] for name in names)


def check_dates(needed, values, known=None, today=None):
    """{field name: [message]} for the ``needed`` fields of ``values`` (parsed values or None).

    ``known`` holds the dates the match already has (the contract date when the
    move-in date is given). Rules: each needed value present; a contract date not
    in the future and not before the viewing; a move-in date not before the contract."""
    today = today or datetime.date.today()
    merged = dict(known or {})
    merged.update({name: value for name, value in values.items() if value not in (None, "")})
    errors = {}
    for field in needed:
        if merged.get(field.name) in (None, ""):
            label = field.en if display.language.get() == "en" else field.it
            errors.setdefault(field.name, []).append(_("Indicare: %(field)s.", field=label.lower()))
    viewing, contract, move_in = merged.get("viewing_at"), merged.get("contract_on"), merged.get("move_in_on")
    viewing_day = viewing.date() if isinstance(viewing, datetime.datetime) else viewing
    if "contract_on" in values and contract:
        if contract > today:
            errors.setdefault("contract_on", []).append(_("La data del contratto non può essere futura."))
        if viewing_day and contract < viewing_day:
            errors.setdefault("contract_on", []).append(_("Il contratto non può precedere la visita."))
    if "move_in_on" in values and move_in and contract and move_in < contract:
        errors.setdefault("move_in_on", []).append(_("L'ingresso non può precedere il contratto."))
    if "viewing_place" in values and values["viewing_place"] and len(values["viewing_place"]) > 200:
        errors.setdefault("viewing_place", []).append(_("Al massimo 200 caratteri."))
    return errors
