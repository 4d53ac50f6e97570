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

from housing import audit
from housing.database import locked, serialise
from housing.workflow import (
    CLOSED_DECLINED, CLOSED_SUCCESS, CLOSED_WITHDRAWN, DECLINE_REASONS, OPEN, STEP_BY_KEY, STEPS, WorkflowError,
    is_stalled, may_act, next_step, route_for,
)
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


def _current(model, record_id, missing):
    """The row as committed now, locked until the transaction ends."""
    row = locked(model.select().where(model.id == record_id)).first()
    if row is None:
        raise WorkflowError(missing)
    return row


def _current_match(match):
    return _current(Match, match.id if isinstance(match, Match) else match, "L'abbinamento non esiste più.")


def _current_household(household_id):
    return _current(Household, household_id, "Il nucleo non esiste più.")


def _current_offer(offer_id):
    return _current(Offer, offer_id, "L'offerta non esiste più.")


def _sync(stale, current):
    """Give the caller's object the values just written (it was read before the action)."""
    if stale is not None and stale is not current and isinstance(stale, type(current)):
        stale.__data__.update(current.__data__)
        stale._dirty.clear()
        stale.__rel__.clear()


def _require_open(match, expected_step=None):
    if match.status != OPEN:
        raise WorkflowError("L'abbinamento è già chiuso.")
    if expected_step is not None and match.step != expected_step:
        # the person acted on a page showing another step: someone moved the match meanwhile
        raise WorkflowError(f"L'abbinamento è già passato alla fase «{STEP_BY_KEY[match.step].it}»: "
                            "controlla la pagina aggiornata e riprova.")


# -- the actions ---------------------------------------------------------------------

def propose(household, offer, user, snapshot=None, score_total=None, today=None):
    """Open a match for the pair; refuse pairs that cannot or may not be proposed."""
    today = today or datetime.date.today()
    with db.atomic():
        _begin()
        current_household, current_offer = _current_household(household.id), _current_offer(offer.id)
        if not current_offer.open_for_proposals:
            raise WorkflowError(f"L'offerta non è aperta (stato: {current_offer.status}).")
        if current_household.status in ("housed", "exited"):
            raise WorkflowError(f"Il nucleo {current_household.code} non è in attesa "
                                f"(stato: {current_household.status}).")
        if current_household.parked_until and current_household.parked_until > today:
            raise WorkflowError(f"Il nucleo {current_household.code} è sospeso dagli abbinamenti "
                                f"fino al {current_household.parked_until:%d/%m/%Y}.")
        existing = Match.get_or_none((Match.household == current_household.id) & (Match.offer == current_offer.id))
        if existing is not None:
            raise WorkflowError("Questa coppia nucleo-offerta è già stata proposta"
                                + (" e rifiutata: non si propone di nuovo." if existing.status == CLOSED_DECLINED else "."))
        route = route_for(current_offer.contract_type)
        match = Match.create(household=current_household, offer=current_offer, route=current_offer.contract_type,
                             step=route[0], proposed_by=_actor(user), score_total=score_total,
                             snapshot=json.dumps(snapshot or {}, ensure_ascii=False, sort_keys=True, default=str))
        _event(match, _actor(user), None, route[0], "Proposta")
        if current_household.status != "matched":
            before = audit.snapshot(current_household)
            current_household.status = "matched"
            current_household.save()
            audit.record(user, "update", current_household, before, audit.snapshot(current_household))
        audit.record(user, "create", match, None, audit.snapshot(match))
    _sync(household, current_household)
    _sync(offer, current_offer)
    return match


def advance(match, user, note=None, expected_step=None):
    """Move to the next step of the route; past the last step the match succeeds.

    ``expected_step`` is the step the person saw when acting: if the match has
    moved since, nothing happens (two clicks never advance it twice)."""
    role = getattr(user, "role", "admin")
    with db.atomic():
        _begin()
        current = _current_match(match)
        _require_open(current, expected_step)
        if not may_act(role, current.step):
            owner = STEP_BY_KEY[current.step].owner
            raise WorkflowError(f"La fase «{STEP_BY_KEY[current.step].it}» spetta al ruolo {owner}.")
        following = next_step(route_for(current.route), current.step)
        if following is None:
            _succeed(current, user, note)
        else:
            before = audit.snapshot(current)
            _event(current, _actor(user), current.step, following, note)
            current.step, current.step_since = following, now()
            current.save()
            audit.record(user, "update", current, before, audit.snapshot(current))
    _sync(match, current)
    return current


def _close(match, user, status, reason_key, note):
    reason = DeclineReasonSetting.get_or_none(DeclineReasonSetting.key == reason_key)
    if reason is None or not reason.active:
        raise WorkflowError(f"Motivo sconosciuto o non più in uso: {reason_key!r}.")
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
    if household.status == "matched" and not Match.select().where(
            (Match.household == household.id) & (Match.status == OPEN)).exists():
        before = audit.snapshot(household)
        household.status = "waiting"
        household.save()
        audit.record(user, "update", household, before, audit.snapshot(household))


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
    dwelling = _current(Dwelling, offer.dwelling_id, "L'alloggio non esiste più.")
    before = audit.snapshot(match)
    _event(match, _actor(user), match.step, CLOSED_SUCCESS, note)
    match.status, match.step, match.closed_at = CLOSED_SUCCESS, CLOSED_SUCCESS, now()
    match.save()
    audit.record(user, "update", match, before, audit.snapshot(match))
    for record, field, value in ((offer, "status", "let"), (dwelling, "status", "let"), (household, "status", "housed")):
        previous = audit.snapshot(record)
        setattr(record, field, value)
        record.save()
        audit.record(user, "update", record, previous, audit.snapshot(record))
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
