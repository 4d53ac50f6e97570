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


class Step(NamedTuple):
    key: str
    it: str
    en: str
    owner: str  # role that acts at this step ("admin" may always act)
    stall_days: int  # default; editable per step in the back office


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
    Step("viewing", "Visita dell'alloggio", "Viewing", "operator", 10),
    Step("household_decision", "Decisione del nucleo", "Household decision", "operator", 7),
    Step("landlord_decision", "Decisione del locatore", "Landlord decision", "clerk", 10),
    Step("contract_signed", "Contratto firmato", "Contract signed", "clerk", 20),
    Step("moved_in", "Ingresso nell'alloggio", "Moved in", "operator", 15),
)
STEP_BY_KEY = {step.key: step for step in STEPS}

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
