"""Matches in the database: propose, advance, decline, succeed, find the stalled.

The rules of the workflow are data in ``housing.workflow``; this module applies
them to rows, each action in one transaction with its audit trail.

Every action checks then writes (is the match still open, at which step, is the
offer still open, is the household still waiting...), so every action runs the
same way: it takes the workflow lock first in its transaction, then re-reads
under a lock the rows it checks and writes, and decides on those. The objects a
caller passes in only say *which* rows: they were read before the transaction
(by the request) and may be stale; after the action they hold what was written.
"""
import datetime
import json

from housing import appointments, audit, display, household_status
from housing.database import locked, serialise
from housing.workflow import (
    CLOSED_DECLINED, CLOSED_SUCCESS, CLOSED_WITHDRAWN, DECLINE_REASONS, OPEN, STEP_BACK_DAYS, STEP_BY_KEY, STEPS,
    WorkflowError, check_dates, dates_needed, is_stalled, may_act, may_step_back, next_step, previous_step, route_for,
)
from housing.mail import notices
from housing.messages import _
from models import DeclineReasonSetting, Dwelling, Household, Match, MatchEvent, Offer, StepSetting, db, now

# One lock for every action of the workflow: an action may touch the match, its
# household, its offer and the competing matches of both (and their households),
# so finer locks would have to be taken in one global order to avoid deadlocks.
# Staff act a few times a minute: serialising them costs nothing (SQLite
# serialises every writer anyway).
WORKFLOW_LOCK = "housing.matches.workflow"


def ensure_settings():
    """Add the steps and decline reasons of the registries that have no row yet.

    Idempotent; never overwrites what staff changed (days, texts).
    """
    with db.atomic():
        serialise(db, "housing.matches.settings")
        have = {row.step for row in StepSetting.select(StepSetting.step)}
        for step in STEPS:
            if step.key not in have:
                StepSetting.create(step=step.key, stall_days=step.stall_days)
        have = {row.key for row in DeclineReasonSetting.select(DeclineReasonSetting.key)}
        for reason in DECLINE_REASONS:
            if reason.key not in have:
                DeclineReasonSetting.create(key=reason.key, label_it=reason.it, label_en=reason.en,
                                            side=reason.side, park_days=reason.park_days)


def stall_limits():
    limits = {step.key: step.stall_days for step in STEPS}
    limits.update({row.step: row.stall_days for row in StepSetting.select()})
    return limits


def declined_pairs():
    """(household id, offer id) of every pair that was declined: never proposed again."""
    return set(Match.select(Match.household, Match.offer).where(Match.status == CLOSED_DECLINED).tuples())


def _event(match, actor, from_step, to_step, note=None):
    MatchEvent.create(match=match, actor=actor, from_step=from_step, to_step=to_step, note=note)


def _actor(user):
    return getattr(user, "username", None) or "system"


# -- reading inside the transaction --------------------------------------------------

def _begin():
    """First statement of every action's transaction: wait for the other actions."""
    serialise(db, WORKFLOW_LOCK)


def _step_name(step):
    """A step's label (data, not a message) in the reader's language."""
    return STEP_BY_KEY[step].en if display.language.get() == "en" else STEP_BY_KEY[step].it


def _current(model, record_id, missing):
    """The row as committed now, locked until the transaction ends."""
    row = locked(model.select().where(model.id == record_id)).first()
    if row is None:
        raise WorkflowError(missing)
    return row


def _current_match(match):
    return _current(Match, match.id if isinstance(match, Match) else match, _("L'abbinamento non esiste più."))


def _current_household(household_id):
    return _current(Household, household_id, _("Il nucleo non esiste più."))


def _current_offer(offer_id):
    return _current(Offer, offer_id, _("L'offerta non esiste più."))


def _sync(stale, current):
    """Give the caller's object the values just written (it was read before the action)."""
    if stale is not None and stale is not current and isinstance(stale, type(current)):
        stale.__data__.update(current.__data__)
        stale._dirty.clear()
        stale.__rel__.clear()


def _require_open(match, expected_step=None):
    if match.status != OPEN:
        raise WorkflowError(_("L'abbinamento è già chiuso."))
    if expected_step is not None and match.step != expected_step:
        # the person acted on a page showing another step: someone moved the match meanwhile
        raise WorkflowError(_("L'abbinamento è già passato alla fase «%(step)s»: "
                              "controlla la pagina aggiornata e riprova.", step=_step_name(match.step)))


# -- the actions ---------------------------------------------------------------------

def propose(household, offer, user, snapshot=None, score_total=None, today=None):
    """Open a match for the pair; refuse pairs that cannot or may not be proposed."""
    today = today or datetime.date.today()
    with db.atomic():
        _begin()
        current_household, current_offer = _current_household(household.id), _current_offer(offer.id)
        if not current_offer.open_for_proposals:
            raise WorkflowError(_("L'offerta non è aperta (stato: %(status)s).",
                                   status=display.coded(current_offer, "status")))
        if current_household.status != "matched" and household_status.next_status(
                "match_proposed", current_household.status) is None:
            raise WorkflowError(_("Il nucleo %(code)s non è in attesa (stato: %(status)s).",
                                  code=current_household.code, status=display.coded(current_household, "status")))
        if current_household.parked_until and current_household.parked_until > today:
            raise WorkflowError(_("Il nucleo %(code)s è sospeso dagli abbinamenti fino al %(day)s.",
                                  code=current_household.code, day=display.date(current_household.parked_until)))
        existing = Match.get_or_none((Match.household == current_household.id) & (Match.offer == current_offer.id))
        if existing is not None:
            raise WorkflowError(_("Questa coppia nucleo-offerta è già stata proposta e rifiutata: non si propone di nuovo.")
                                if existing.status == CLOSED_DECLINED else
                                _("Questa coppia nucleo-offerta è già stata proposta."))
        route = route_for(current_offer.contract_type)
        match = Match.create(household=current_household, offer=current_offer, route=current_offer.contract_type,
                             step=route[0], proposed_by=_actor(user), score_total=score_total,
                             snapshot=json.dumps(snapshot or {}, ensure_ascii=False, sort_keys=True, default=str))
        _event(match, _actor(user), None, route[0], "Proposta")
        household_status.apply(current_household, "match_proposed", user)
        audit.record(user, "create", match, None, audit.snapshot(match))
    _sync(household, current_household)
    _sync(offer, current_offer)
    # the household's proposal notice, with its consent (after the commit: a notice never undoes a move)
    match.notice_outcomes = notices.after_step(match, route[0], viewing_dated=False)
    return match


class DatesRefused(WorkflowError):
    """The dates a step needs are missing or do not fit: ``errors`` {field: [message]}."""

    def __init__(self, errors):
        self.errors = errors
        super().__init__(" ".join(message for messages in errors.values() for message in messages))


def advance(match, user, note=None, expected_step=None, dates=None, today=None):
    """Move to the next step of the route; past the last step the match succeeds.

    ``expected_step`` is the step the person saw when acting: if the match has
    moved since, nothing happens (two clicks never advance it twice). ``dates``
    {field: value} gives the dates the move needs (``workflow.dates_needed``:
    the viewing when entering it, the contract date when leaving its step, the
    move-in date when entering the move-in step); they are checked, then stored
    on the match with the move."""
    role = getattr(user, "role", "admin")
    dates = dict(dates or {})
    with db.atomic():
        _begin()
        current = _current_match(match)
        _require_open(current, expected_step)
        if not may_act(role, current.step):
            owner = STEP_BY_KEY[current.step].owner
            raise WorkflowError(_("La fase «%(step)s» spetta al ruolo %(role)s.", step=_step_name(current.step),
                                   role=owner))
        route = route_for(current.route)
        needed = dates_needed(route, current.step)
        given = {field.name: dates.get(field.name) for field in needed if dates.get(field.name) not in (None, "")}
        known = {name: getattr(current, name) for name in ("viewing_at", "viewing_place", "contract_on", "move_in_on")}
        errors = check_dates(needed, given, known, today)
        if errors:
            raise DatesRefused(errors)
        before = audit.snapshot(current)
        for name, value in given.items():
            setattr(current, name, value)
        if "viewing_at" in given:  # the viewing goes into the staff member's calendar
            appointments.record_viewing(current, user)
        following = next_step(route, current.step)
        if following is None:
            if given:
                current.save()
                audit.record(user, "update", current, before, audit.snapshot(current))
            _succeed(current, user, note)
        else:
            _event(current, _actor(user), current.step, following, note)
            current.step, current.step_since = following, now()
            current.save()
            audit.record(user, "update", current, before, audit.snapshot(current))
    _sync(match, current)
    entered = None if current.status != OPEN else current.step
    current.notice_outcomes = notices.after_step(current, entered, viewing_dated="viewing_at" in given)
    return current


def step_back(match, user, note, expected_step=None, at=None, limit_days=STEP_BACK_DAYS):
    """"Torna alla fase precedente": undo the last move of an open match.

    Only the owner of the previous step (who moved it on) within ``limit_days``
    of the move, or an administrator; a note saying why is required. Recorded
    as a ``MatchEvent`` (with the note) and in the audit trail."""
    role = getattr(user, "role", "admin")
    if not (note or "").strip():
        raise WorkflowError(_("Indicare nella nota perché si torna alla fase precedente."))
    with db.atomic():
        _begin()
        current = _current_match(match)
        _require_open(current, expected_step)
        route = route_for(current.route)
        allowed, reason = may_step_back(role, route, current.step, current.step_since, at or now(), limit_days)
        if not allowed:
            raise WorkflowError(reason)
        previous = previous_step(route, current.step)
        before = audit.snapshot(current)
        _event(current, _actor(user), current.step, previous, "Torna alla fase precedente: " + note.strip())
        current.step, current.step_since = previous, now()
        current.save()
        audit.record(user, "update", current, before, audit.snapshot(current))
    _sync(match, current)
    return current


def _close(match, user, status, reason_key, note):
    reason = DeclineReasonSetting.get_or_none(DeclineReasonSetting.key == reason_key)
    if reason is None or not reason.active:
        raise WorkflowError(_("Motivo sconosciuto o non più in uso: %(reason)r.", reason=reason_key))
    before = audit.snapshot(match)
    _event(match, _actor(user), match.step, status, note or reason.label_it)
    match.status, match.closed_at = status, now()
    # The text is copied: renaming the reason later never rewrites this decision.
    match.decline_reason, match.decline_reason_text, match.decline_side = reason.key, reason.label_it, reason.side
    match.save()
    audit.record(user, "update", match, before, audit.snapshot(match))
    return reason


def _release_household(household, user):
    """Back to waiting when the household (locked, current) has no other open match."""
    if not Match.select().where((Match.household == household.id) & (Match.status == OPEN)).exists():
        household_status.apply(household, "match_released", user)


def decline(match, reason_key, user, note=None, today=None, expected_step=None):
    """Close as declined with a coded reason; apply its consequence."""
    today = today or datetime.date.today()
    with db.atomic():
        _begin()
        current = _current_match(match)
        _require_open(current, expected_step)
        reason = _close(current, user, CLOSED_DECLINED, reason_key, note)
        household = _current_household(current.household_id)
        if reason.park_days and reason.side == "household":
            before = audit.snapshot(household)
            household.parked_until = max(household.parked_until or today, today + datetime.timedelta(days=reason.park_days))
            household.save()
            audit.record(user, "update", household, before, audit.snapshot(household))
        _release_household(household, user)
    _sync(match, current)
    return current


def withdraw(match, user, reason_key="admin_error", note=None, expected_step=None):
    """Close without a decision (a data-entry error, eligibility lost...)."""
    with db.atomic():
        _begin()
        current = _current_match(match)
        _require_open(current, expected_step)
        _close(current, user, CLOSED_WITHDRAWN, reason_key, note)
        _release_household(_current_household(current.household_id), user)
    _sync(match, current)
    return current


def succeed(match, user, note=None):
    """The household moved in: the offer is let, the household housed, and the
    competing matches of both are closed with an administrative reason."""
    with db.atomic():
        _begin()
        current = _current_match(match)
        _require_open(current)
        _succeed(current, user, note)
    _sync(match, current)
    return current


def _succeed(match, user, note):
    """``succeed`` on a match already re-read and locked in this transaction."""
    household = _current_household(match.household_id)
    offer = _current_offer(match.offer_id)
    dwelling = _current(Dwelling, offer.dwelling_id, _("L'alloggio non esiste più."))
    before = audit.snapshot(match)
    _event(match, _actor(user), match.step, CLOSED_SUCCESS, note)
    match.status, match.step, match.closed_at = CLOSED_SUCCESS, CLOSED_SUCCESS, now()
    match.save()
    audit.record(user, "update", match, before, audit.snapshot(match))
    for record, field, value in ((offer, "status", "let"), (dwelling, "status", "let")):
        previous = audit.snapshot(record)
        setattr(record, field, value)
        record.save()
        audit.record(user, "update", record, previous, audit.snapshot(record))
    household_status.apply(household, "match_succeeded", user)
    competing = locked(Match.select().where(
        (Match.status == OPEN) & (Match.id != match.id)
        & ((Match.household == match.household_id) | (Match.offer == match.offer_id))).order_by(Match.id))
    for other in competing:
        _close(other, user, CLOSED_WITHDRAWN, "admin_other_match", None)
        if other.household_id != household.id:
            _release_household(_current_household(other.household_id), user)
    # the follow-up after move-in hangs from the tenancy (housing.accompaniment)
    from housing.accompaniment.tenancies import open_from_match

    open_from_match(match, user)


def stalled(today=None):
    """Open matches waiting longer than their step allows: (match, days waiting, limit)."""
    today = today or datetime.date.today()
    limits = stall_limits()
    found = []
    for match in Match.select().where(Match.status == OPEN).order_by(Match.step_since):
        limit = limits.get(match.step, 0)
        if is_stalled(match.step_since, limit, today):
            found.append((match, (today - match.step_since.date()).days, limit))
    return found
