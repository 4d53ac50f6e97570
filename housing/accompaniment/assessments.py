"""Multidimensional assessments: recording, locking, corrections, change over time.

An assessment may be edited for ``lock_days`` days after it was made (typing
mistakes); after that it is locked and a correction is a new assessment that
names the one it corrects and says why. The household's need index for the
priority is that of its most-in-need member, from each member's latest
assessment.
"""
import datetime

from housing import audit, household_status, validation
from housing.accompaniment import ValidationFailed, instruments
from housing.messages import _
from models import Assessment, AssessmentScore, Household, Person, db

DEFAULT_LOCK_DAYS = 14


def future_message():
    """The message of the forms' "not in the future" rule, in the reader's language:
    here the future starts after the ``today`` of the call (a correction or a test
    runs on a given day)."""
    return validation.not_in_future(datetime.date.max)


def is_locked(assessment, today=None, lock_days=DEFAULT_LOCK_DAYS):
    today = today or datetime.date.today()
    return (today - assessment.assessed_on).days > lock_days


def _field_errors(table, data):
    """The rules of the forms (``housing.validation``) on these values, by field."""
    return validation.validate(table, {name: value for name, value in data.items() if value not in (None, "")})


def _check(definition, person, assessed_on, scores, notes, consent, reassess_on, today, corrects, reason):
    errors, future = {}, future_message()
    low, high = definition["scale"]["min"], definition["scale"]["max"]
    for item in instruments.items(definition):
        key, value = item["key"], scores.get(item["key"])
        if value is None:
            errors.setdefault(f"score_{key}", []).append(_("Indicare un punteggio da %(low)s a %(high)s.", low=low, high=high))
        elif not isinstance(value, int) or not (low <= value <= high):
            errors.setdefault(f"score_{key}", []).append(
                _("Il punteggio deve essere compreso tra %(low)s e %(high)s.", low=low, high=high))
        for message in _field_errors("assessment_score", {"note": notes.get(key)}).get("note", []):
            errors.setdefault(f"note_{key}", []).append(message)
    unknown = set(scores) - {item["key"] for item in instruments.items(definition)}
    if unknown:
        errors.setdefault("scores", []).append(
            _("Domini non previsti dallo strumento: %(domains)s.", domains=", ".join(sorted(unknown))))
    if person is None:
        errors.setdefault("person", []).append(_("Indicare il componente valutato."))
    found = _field_errors("assessment", {"assessed_on": assessed_on, "reassess_on": reassess_on,
                                         "correction_reason": reason})
    on = [message for message in found.pop("assessed_on", []) if message != future]
    if assessed_on is None:
        errors.setdefault("assessed_on", []).append(_("Indicare la data della valutazione."))
    elif assessed_on > today:
        errors.setdefault("assessed_on", []).append(future)
    if on:
        errors.setdefault("assessed_on", []).extend(on)
    if not consent:
        errors.setdefault("consent", []).append(_("Serve il consenso della persona alla valutazione."))
    if reassess_on is not None and assessed_on is not None and reassess_on <= assessed_on:
        errors.setdefault("reassess_on", []).append(_("La rivalutazione deve seguire la valutazione."))
    for name, messages in found.items():
        errors.setdefault(name, []).extend(messages)
    if corrects is not None:
        if not (reason or "").strip():
            errors.setdefault("correction_reason", []).append(_("Una correzione richiede la motivazione."))
        if person is not None and corrects.person_id != person.id:
            errors.setdefault("person", []).append(_("La correzione riguarda un altro componente."))
    return errors


def record(person, assessed_on, scores, notes=None, consent=False, reassess_on=None, assessor=None,
           corrects=None, correction_reason=None, today=None, version=None):
    """Save a new assessment with its scores (all or nothing) and audit it.

    ``scores`` {domain: int}, ``notes`` {domain: text}. Raises
    ``ValidationFailed`` naming the fields.
    """
    today = today or datetime.date.today()
    notes = {k: (v or "").strip() for k, v in (notes or {}).items()}
    version = version or instruments.current_version("assessment")
    definition = instruments.definition_of(version)
    errors = _check(definition, person, assessed_on, scores, notes, consent, reassess_on, today, corrects,
                    correction_reason)
    if errors:
        raise ValidationFailed(errors)
    need = instruments.need_index(scores, definition)
    with db.atomic():
        assessment = Assessment.create(
            person=person, household=person.household_id, instrument=version, assessed_on=assessed_on,
            assessor=assessor.id if assessor else None,
            assessor_name=getattr(assessor, "full_name", None) or getattr(assessor, "username", None) or "system",
            consent=True, need_index=need, support_intensity=instruments.support_intensity(need, definition),
            reassess_on=reassess_on, corrects=corrects, correction_reason=(correction_reason or "").strip() or None)
        audit.record(assessor, "create", assessment, None, audit.snapshot(assessment))
        for item in instruments.items(definition):
            row = AssessmentScore.create(assessment=assessment, domain=item["key"], score=scores[item["key"]],
                                         note=notes.get(item["key"]) or None, sensitive=bool(item.get("sensitive")))
            audit.record(assessor, "create", row, None, audit.snapshot(row))
        # a completed assessment moves the household on (out of intake: housing.household_status)
        household = Household.get_or_none(Household.id == person.household_id)
        if household is not None:
            household_status.apply(household, "assessment_completed", assessor)
    return assessment


def amend(assessment, scores, notes=None, user=None, today=None, lock_days=DEFAULT_LOCK_DAYS):
    """Fix the scores of an assessment that is not locked yet (audited)."""
    if is_locked(assessment, today, lock_days):
        raise ValidationFailed({"assessed_on": [
            _("Valutazione bloccata dopo %(days)s giorni: registrare una nuova valutazione di correzione "
              "con la motivazione.", days=lock_days)]})
    definition = instruments.definition_of(assessment.instrument)
    notes = {k: (v or "").strip() for k, v in (notes or {}).items()}
    errors = _check(definition, assessment.person, assessment.assessed_on, scores, notes, True, assessment.reassess_on,
                    today or datetime.date.today(), None, None)
    if errors:
        raise ValidationFailed(errors)
    with db.atomic():
        for row in assessment.scores:
            before = audit.snapshot(row)
            row.score, row.note = scores[row.domain], notes.get(row.domain) or None
            row.save()
            audit.record(user, "update", row, before, audit.snapshot(row))
        before = audit.snapshot(assessment)
        assessment.need_index = instruments.need_index(scores, definition)
        assessment.support_intensity = instruments.support_intensity(assessment.need_index, definition)
        assessment.save()
        audit.record(user, "update", assessment, before, audit.snapshot(assessment))
    return assessment


def latest_per_member(*fields, household_id=None):
    """{(household id, person id): (values of ``fields``)} of each member's latest
    assessment (date, then id), over every household or one."""
    query = Assessment.select(Assessment.household, Assessment.person, *fields)
    if household_id is not None:
        query = query.where(Assessment.household == household_id)
    latest = {}
    for household, person, *values in query.order_by(Assessment.assessed_on, Assessment.id).tuples():
        latest[(household, person)] = tuple(values)
    return latest


def most_in_need(household_id=None):
    """{household id: (need index, support intensity)} of its most-in-need member's
    latest assessment, over every household assessed or one."""
    best = {}
    for (household, _person), (need, intensity) in latest_per_member(
            Assessment.need_index, Assessment.support_intensity, household_id=household_id).items():
        if household not in best or need > best[household][0]:
            best[household] = (need, intensity)
    return best


def need_indexes():
    """{household id: need index of its most-in-need member}, over every household assessed."""
    return {household_id: need for household_id, (need, _) in most_in_need().items()}


def household_intensity(household_id):
    """The support intensity of the most-in-need member's latest assessment, or None."""
    return most_in_need(household_id).get(household_id, (None, None))[1]


def changes_by_domain(person_id):
    """Per domain, the scores of a member's assessments in date order: the data of the chart.

    Returns (dates, {domain: [score or None per date]}, labels {domain: (it, en)}).
    Domains of older instrument versions missing in newer ones keep their points.
    """
    assessments = list(Assessment.select().where(Assessment.person == person_id)
                       .order_by(Assessment.assessed_on, Assessment.id))
    dates = [a.assessed_on for a in assessments]
    series, labels = {}, {}
    for index, assessment in enumerate(assessments):
        for item in instruments.items(instruments.definition_of(assessment.instrument)):
            labels.setdefault(item["key"], (item["it"], item["en"]))
        for row in assessment.scores:
            series.setdefault(row.domain, [None] * len(assessments))[index] = row.score
    return dates, series, labels


def members_of(household_id):
    return list(Person.select().where(Person.household == household_id).order_by(Person.id))
