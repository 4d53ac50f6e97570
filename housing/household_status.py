"""A household's status follows what happens to it, by rules written as data.

Stato del nucleo: the statuses are ``housing.vocabulary.HOUSEHOLD_STATUSES``
(Accoglienza, Valutato, In attesa, Abbinato, Inserito in alloggio, Uscito dal
programma). Staff never have to remember to move a household on: each event of
the programme (a completed assessment, a proposal, a match closed without
success, a success, an exit) names the statuses it applies to and the status it
leads to, in ``TRANSITIONS``, like the coordinated access systems that keep
their domain concepts as tables. A status the event does not list is left alone
(an assessment of a housed household does not send it back to the queue).

``MATCHING_STATUSES`` is the one list of the statuses whose households take
part in the matching: the matching filters with it and the screens explain it.
"""
from typing import NamedTuple

from housing import audit
from housing.vocabulary import HOUSEHOLD_STATUSES, label
from models import Tenancy

# Households the matching considers: shortlists, batch proposals, census.
MATCHING_STATUSES = ("assessed", "waiting", "matched")


class Transition(NamedTuple):
    event: str
    it: str  # what happened, in the staff's words
    en: str
    from_statuses: tuple
    to_status: str


# Evento -> da quali stati -> a quale stato.
TRANSITIONS = (
    # Valutazione completata: the household leaves intake and joins the matching.
    Transition("assessment_completed", "Valutazione completata", "Assessment completed", ("intake",), "assessed"),
    # Proposta: a match was opened for the household (a second proposal keeps it matched).
    Transition("match_proposed", "Proposta di abbinamento", "Match proposed", ("intake", "assessed", "waiting"),
               "matched"),
    # Abbinamento chiuso senza esito, nessun altro in corso: back to waiting.
    Transition("match_released", "Abbinamento chiuso senza esito", "Match closed without success", ("matched",),
               "waiting"),
    # Esito positivo: the match reached its last step, the household moved in.
    Transition("match_succeeded", "Ingresso nell'alloggio", "Moved in", ("intake", "assessed", "waiting", "matched"),
               "housed"),
    # Uscita dal programma: from any status but the exit itself.
    Transition("exited", "Uscita dal programma", "Exit from the programme",
               ("intake", "assessed", "waiting", "matched", "housed"), "exited"),
    # Perdita dell'alloggio: Housing First does not end the support when a home is
    # lost; the household waits to be housed again.
    Transition("tenancy_lost", "Perdita dell'alloggio", "Home lost", ("housed",), "waiting"),
)

# Fine della locazione -> evento: how a tenancy's end reason moves the household on
# (``housing.vocabulary.TENANCY_END_REASONS``). A reason not listed ("other")
# leaves the status to the staff.
TENANCY_END_EVENTS = {
    "moved_on": "exited",       # moved on to a home of its own: the programme's success
    "death": "exited",
    "institution": "exited",    # a long stay in care or detention closes the case
    "eviction": "tenancy_lost",
    "abandoned": "tenancy_lost",
}
TRANSITION_BY_EVENT = {transition.event: transition for transition in TRANSITIONS}
EVENTS = tuple(TRANSITION_BY_EVENT)

STATUS_KEYS = tuple(term.key for term in HOUSEHOLD_STATUSES)


def next_status(event, status):
    """The status ``event`` leads to from ``status``, or None when the event leaves it alone."""
    transition = TRANSITION_BY_EVENT[event]  # an unknown event is a programming error
    return transition.to_status if status in transition.from_statuses else None


def apply(household, event, user=None):
    """Move ``household`` (a row read in the caller's transaction) on after ``event``.

    Saves and audits the change (the household's history is its audit trail);
    returns the new status, or None when the event does not change it."""
    status = next_status(event, household.status)
    if status is None or status == household.status:
        return None
    before = audit.snapshot(household)
    household.status = status
    household.save()
    audit.record(user, "update", household, before, audit.snapshot(household))
    return status


def tenancy_ended(tenancy, before, user=None):
    """Move the household on when a save records the end of ``tenancy`` (``before``:
    its stored values, empty for a new record), unless the household still has
    another tenancy in course. Correcting an end recorded earlier moves nobody."""
    event = TENANCY_END_EVENTS.get(tenancy.end_reason)
    if tenancy.ended_on is None or event is None:
        return None
    if before.get("ended_on") is not None and before.get("end_reason") == tenancy.end_reason:
        return None
    still_housed = (Tenancy.select().where((Tenancy.household == tenancy.household_id) & Tenancy.ended_on.is_null()
                                           & (Tenancy.id != tenancy.id)).exists())
    if still_housed:
        return None
    return apply(tenancy.household, event, user)


def takes_part(status):
    return status in MATCHING_STATUSES


def status_label(status, lang="it"):
    return label(HOUSEHOLD_STATUSES, status, lang)


def matching_statuses_text(lang="it"):
    """"Valutato, In attesa, Abbinato": the statuses that take part, by their labels."""
    return ", ".join(status_label(status, lang) for status in MATCHING_STATUSES)


def why_not_matched(status, lang="it"):
    """Why a household in ``status`` is absent from the shortlists, or None when it takes part."""
    if takes_part(status):
        return None
    if lang == "en":
        return (f"This household's status is {status_label(status, 'en')}: only households with status "
                f"{matching_statuses_text('en')} take part in the matching.")
    return (f"Questo nucleo è in stato {status_label(status, 'it')}: partecipano agli abbinamenti solo i nuclei "
            f"in stato {matching_statuses_text('it')}.")


def participation_text(lang="it"):
    """The sentence every page listing candidates shows."""
    if lang == "en":
        return f"Only households with status {matching_statuses_text('en')} take part in the matching."
    return f"Partecipano agli abbinamenti solo i nuclei in stato {matching_statuses_text('it')}."
