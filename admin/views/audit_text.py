"""The audit trail in the staff's words: the registry's name instead of its
table, and each change as "Field: old → new" with labels, local dates and
figures instead of raw JSON."""
import datetime
import json
import re

from markupsafe import Markup, escape

from admin.i18n import format_value, term_label, term_text
from admin.labels import field_label, registry_name

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2})?)?$")


def _model(table):
    import models

    return next((model for model in models.MODELS if model._meta.table_name == table), None)


def _value(value, labels):
    if value is None or value == "":
        return "—"
    if isinstance(value, str) and value in labels:
        return str(labels[value])
    if isinstance(value, str) and ISO_DATE.match(value):
        try:
            parsed = (datetime.datetime.fromisoformat(value) if len(value) > 10 else datetime.date.fromisoformat(value))
            return format_value(parsed)
        except ValueError:
            return value
    if isinstance(value, (bool, int, float)):
        return str(format_value(value))
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def readable_changes(entity, changes_json):
    """Markup: one line per changed field, labelled in the user's language."""
    from admin.views.base import vocabulary_fields

    try:
        changes = json.loads(changes_json or "{}")
    except ValueError:
        return changes_json
    if not isinstance(changes, dict):
        return _value(changes, {})
    model = _model(entity)
    coded = vocabulary_fields(model) if model is not None else {}
    lines = []
    for name, values in changes.items():
        labels = {term.key: term_text(term) for term in coded.get(name, ())}
        if name == "domain":  # the assessment instrument's domains are data of their own
            labels = {value: term_label("domains", value) for value in values if isinstance(value, str)} \
                if isinstance(values, list) else {}
        if isinstance(values, list) and len(values) == 2:
            old, new = (_value(v, labels) for v in values)
            lines.append(f"{escape(field_label(name))}: {escape(old)} → {escape(new)}")
        else:
            lines.append(f"{escape(field_label(name))}: {escape(_value(values, labels))}")
    return Markup("<br>".join(lines))


def changes_formatter(view, context, model, name):
    return readable_changes(model.entity, model.changes)


def entity_formatter(view, context, model, name):
    return registry_name(model.entity)
