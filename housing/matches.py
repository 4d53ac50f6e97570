"""Matches in the database: propose, advance, decline, succeed, find the stalled.

The rules of the workflow are data in ``housing.workflow``; this module applies
them to rows, each action in one transaction with its audit trail.
"""
import datetime
import json

from housing import audit
from housing.workflow import (
    CLOSED_DECLINED, CLOSED_SUCCESS, CLOSED_WITHDRAWN, DECLINE_REASONS, OPEN, STEP_BY_KEY, STEPS, WorkflowError,
    is_stalled, may_act, next_step, route_for,
)
from models import DeclineReasonSetting, Dwelling, Household, Match, MatchEvent, Offer, StepSetting, db, now

OPEN_OFFER_STATUSES = ("published", "reserved")


def ensure_settings():
    """Add the steps and decline reasons of the registries that have no row yet.

    Idempotent; never overwrites what staff changed (days, texts).
    """
    with db.atomic():
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


def propose(household, offer, user, snapshot=None, score_total=None, today=None):
    """Open a match for the pair; refuse pairs that cannot or may not be proposed."""
    today = today or datetime.date.today()
    if offer.status not in OPEN_OFFER_STATUSES:
        raise WorkflowError(f"L'offerta non è aperta (stato: {offer.status}).")
    if household.status in ("housed", "exited"):
        raise WorkflowError(f"Il nucleo {household.code} non è in attesa (stato: {household.status}).")
    if household.parked_until and household.parked_until > today:
        raise WorkflowError(f"Il nucleo {household.code} è sospeso dagli abbinamenti fino al {household.parked_until:%d/%m/%Y}.")
    existing = Match.get_or_none((Match.household == household) & (Match.offer == offer))
    if existing is not None:
        raise WorkflowError("Questa coppia nucleo-offerta è già stata proposta"
                            + (" e rifiutata: non si propone di nuovo." if existing.status == CLOSED_DECLINED else "."))
    route = route_for(offer.contract_type)
    with db.atomic():
        match = Match.create(household=household, offer=offer, route=offer.contract_type, step=route[0],
                             proposed_by=_actor(user), score_total=score_total,
                             snapshot=json.dumps(snapshot or {}, ensure_ascii=False, sort_keys=True, default=str))
        _event(match, _actor(user), None, route[0], "Proposta")
        if household.status != "matched":
            before = audit.snapshot(household)
            household.status = "matched"
            household.save()
            audit.record(user, "update", household, before, audit.snapshot(household))
        audit.record(user, "create", match, None, audit.snapshot(match))
    return match


def _require_open(match):
    if match.status != OPEN:
        raise WorkflowError("L'abbinamento è già chiuso.")


def advance(match, user, note=None):
    """Move to the next step of the route; past the last step the match succeeds."""
    _require_open(match)
    role = getattr(user, "role", "admin")
    if not may_act(role, match.step):
        owner = STEP_BY_KEY[match.step].owner
        raise WorkflowError(f"La fase «{STEP_BY_KEY[match.step].it}» spetta al ruolo {owner}.")
    following = next_step(route_for(match.route), match.step)
    if following is None:
        return succeed(match, user, note)
    with db.atomic():
        before = audit.snapshot(match)
        _event(match, _actor(user), match.step, following, note)
        match.step, match.step_since = following, now()
        match.save()
        audit.record(user, "update", match, before, audit.snapshot(match))
    return match


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
    """Back to waiting when the household has no other open match."""
    if household.status == "matched" and not Match.select().where(
            (Match.household == household) & (Match.status == OPEN)).exists():
        before = audit.snapshot(household)
        household.status = "waiting"
        household.save()
        audit.record(user, "update", household, before, audit.snapshot(household))


def decline(match, reason_key, user, note=None, today=None):
    """Close as declined with a coded reason; apply its consequence."""
    _require_open(match)
    today = today or datetime.date.today()
    with db.atomic():
        reason = _close(match, user, CLOSED_DECLINED, reason_key, note)
        household = Household.get_by_id(match.household_id)
        if reason.park_days and reason.side == "household":
            before = audit.snapshot(household)
            household.parked_until = max(household.parked_until or today, today + datetime.timedelta(days=reason.park_days))
            household.save()
            audit.record(user, "update", household, before, audit.snapshot(household))
        _release_household(household, user)
    return match


def withdraw(match, user, reason_key="admin_error", note=None):
    """Close without a decision (a data-entry error, eligibility lost...)."""
    _require_open(match)
    with db.atomic():
        _close(match, user, CLOSED_WITHDRAWN, reason_key, note)
        _release_household(Household.get_by_id(match.household_id), user)
    return match


def succeed(match, user, note=None):
    """The household moved in: the offer is let, the household housed, and the
    competing matches of both are closed with an administrative reason."""
    _require_open(match)
    with db.atomic():
        before = audit.snapshot(match)
        _event(match, _actor(user), match.step, CLOSED_SUCCESS, note)
        match.status, match.step, match.closed_at = CLOSED_SUCCESS, CLOSED_SUCCESS, now()
        match.save()
        audit.record(user, "update", match, before, audit.snapshot(match))
        offer = Offer.get_by_id(match.offer_id)
        household = Household.get_by_id(match.household_id)
        dwelling = Dwelling.get_by_id(offer.dwelling_id)
        for record, field, value in ((offer, "status", "let"), (dwelling, "status", "let"), (household, "status", "housed")):
            previous = audit.snapshot(record)
            setattr(record, field, value)
            record.save()
            audit.record(user, "update", record, previous, audit.snapshot(record))
        competing = Match.select().where(
            (Match.status == OPEN) & (Match.id != match.id)
            & ((Match.household == match.household_id) | (Match.offer == match.offer_id)))
        for other in competing:
            _close(other, user, CLOSED_WITHDRAWN, "admin_other_match", None)
            if other.household_id != household.id:
                _release_household(Household.get_by_id(other.household_id), user)
        # the follow-up after move-in hangs from the tenancy (housing.accompaniment)
        from housing.accompaniment.tenancies import open_from_match

        open_from_match(match, user)
    return match


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
