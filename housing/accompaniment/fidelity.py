"""The Housing First fidelity self-assessment: saving a review and its score over time."""
import datetime
import json

from housing import audit, validation
from housing.accompaniment import ValidationFailed, instruments
from housing.messages import _
from models import FidelityReview


def record(answers, reviewed_on, reviewer=None, notes=None, today=None):
    today = today or datetime.date.today()
    version = instruments.current_version("fidelity")
    definition = instruments.definition_of(version)
    low, high = definition["scale"]["min"], definition["scale"]["max"]
    errors = {}
    for item in instruments.items(definition):
        value = answers.get(item["key"])
        if not isinstance(value, int) or not (low <= value <= high):
            errors[f"q_{item['key']}"] = [_("Rispondere con un valore da %(low)s a %(high)s.", low=low, high=high)]
    if reviewed_on is None or reviewed_on > today:
        errors["reviewed_on"] = [_("Indicare una data non futura.")]
    for name, messages in validation.validate("fidelity_review", {"reviewed_on": reviewed_on, "notes": notes or None}).items():
        errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationFailed(errors)
    review = FidelityReview.create(instrument=version, reviewed_on=reviewed_on, reviewer=getattr(reviewer, "id", None),
                                   answers=json.dumps(answers, sort_keys=True),
                                   score=instruments.fidelity_score(answers, definition), notes=notes or None)
    audit.record(reviewer, "create", review, None, audit.snapshot(review))
    return review


def history():
    return [(r.reviewed_on, r.score) for r in FidelityReview.select().order_by(FidelityReview.reviewed_on, FidelityReview.id)]
