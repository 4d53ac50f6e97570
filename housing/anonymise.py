"""What anonymising one record means: field treatments, applied in memory, then saved with an audit row.

``housing.retention`` decides which records are due and which treatment each field gets; this module
carries it out for one record at a time. A step is a (Change, apply) pair: the change says what would
happen (the dry run prints it), ``apply(user)`` does it in the caller's transaction. The audit row of an
erasure masks every value, and the record's earlier audit rows are masked too: the trail must say which
fields were erased, never what they held.
"""
import datetime
import json
from typing import NamedTuple

from housing import audit
from models import AuditLog, Household, Person

ANONYMISE, DELETE = "anonymise", "delete"

# What anonymisation does to a field.
KEEP, CLEAR, PSEUDONYM, YEAR, SCRUB = "keep", "clear", "pseudonym", "year", "scrub"
HOW = {
    KEEP: "conservato (dato aggregato o codice, serve agli indicatori)",
    CLEAR: "cancellato",
    PSEUDONYM: "sostituito da un segnaposto («Anonimo»; il codice fiscale da un codice senza significato)",
    YEAR: "ridotto all'anno",
    SCRUB: "ripulito dei dati personali",
}
PSEUDONYM_NAME = "Anonimo"


def pseudonym(record):
    return f"ANON{record.id:012d}"  # 16 characters, unique as a tax code must be



class Change(NamedTuple):
    kind: str
    action: str
    table: str
    record_id: str
    fields: tuple  # the fields that change (empty for a deletion)



def anonymise_record(record, how):
    """Apply ``how`` ({field: treatment}) to ``record`` in memory; return the fields that changed."""
    changed = []
    for name, treatment in how.items():
        value = getattr(record, name + "_id" if name in record._meta.fields
                        and hasattr(record._meta.fields[name], "rel_model") else name)
        if treatment == CLEAR and value is not None:
            setattr(record, name, None)
        elif treatment == PSEUDONYM:
            new = pseudonym(record) if name == "tax_code" else PSEUDONYM_NAME
            if value == new:
                continue
            setattr(record, name, new)
        elif treatment == YEAR and value is not None and (value.month, value.day) != (1, 1):
            setattr(record, name, datetime.date(value.year, 1, 1))
        elif treatment == SCRUB and value:
            new = _scrubbed_snapshot(value)
            if new == value:
                continue
            setattr(record, name, new)
        else:
            continue
        changed.append(name)
    return tuple(changed)


SNAPSHOT_PERSONAL = frozenset({"monthly_income", "vulnerabilities", "name", "notes"})


def _scrub(value, names):
    if isinstance(value, dict):
        return {k: (None if k in names else _scrub(v, names)) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, names) for v in value]
    return value


def _scrubbed_snapshot(text):
    try:
        data = json.loads(text)
    except ValueError:
        return "{}"
    # a match's snapshot copies the household's fields (admin.views.matching.snapshot: HouseholdCase),
    # some under their own names, the income as "monthly_income"
    names = {name for model in (Household, Person) for name in model.personal_fields} | SNAPSHOT_PERSONAL
    return json.dumps(_scrub(data, names), ensure_ascii=False, sort_keys=True, default=str)


def update_step(kind_key, record, how, trail_fields=()):
    """A (Change, apply) pair for anonymising ``record``, or None when nothing would change.

    ``trail_fields``: more fields to mask in the record's earlier audit rows, beside its own personal ones."""
    probe = type(record).get_by_id(record.id)
    fields = anonymise_record(probe, how)
    if not fields:
        return None
    change = Change(kind_key, ANONYMISE, record._meta.table_name, str(record.id), fields)

    def apply(user):
        current = type(record).get_by_id(record.id)
        before = audit.snapshot(current)
        anonymise_record(current, how)
        current.save()
        mask_trail(current, trail_fields)  # before this run's own row, whose values are masked already
        record_erasure(user, "update", current, before, audit.snapshot(current), kind_key)
    return change, apply


def delete_step(kind_key, record):
    change = Change(kind_key, DELETE, record._meta.table_name, str(record.id), ())

    def apply(user):
        before = audit.snapshot(record)
        record.delete_instance()
        record_erasure(user, "delete", record, before, None, kind_key)
    return change, apply


def record_erasure(user, action, instance, before, after, reason):
    # Every value masked: the trail says which fields were erased, never what they held;
    # "retention" names the rule (or "erasure", a data subject's request) that erased them.
    changes = audit.diff(before or {}, after or {}, masked=set(before or {}) | set(after or {}))
    AuditLog.create(user=getattr(user, "id", None), actor=getattr(user, "username", None) or "system",
                    action=action, entity=instance._meta.table_name, record_id=str(instance.get_id()),
                    changes=json.dumps({**changes, "retention": [None, reason]}, ensure_ascii=False, sort_keys=True))


def mask_trail(instance, trail_fields=()):
    """Mask the erased values in the earlier audit rows of ``instance`` (they would keep them)."""
    personal = set(getattr(instance, "personal_fields", ())) | set(trail_fields)
    rows = AuditLog.select().where((AuditLog.entity == instance._meta.table_name)
                                   & (AuditLog.record_id == str(instance.get_id())))
    for row in rows:
        masked = audit.masked_changes(row, personal)
        if json.loads(row.changes or "{}") != masked:
            AuditLog.update(changes=json.dumps(masked, ensure_ascii=False, sort_keys=True)).where(
                AuditLog.id == row.id).execute()
