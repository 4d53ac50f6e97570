"""The audit trail: every change to a registry record, with old and new values."""
import datetime
import json
from decimal import Decimal

from models import AuditLog

MASK = "•••"
# Never copied into the trail, even for admins.
SECRET_FIELDS = frozenset({"password_hash"})


def snapshot(instance):
    """The stored values of a record, by field name (foreign keys as ids)."""
    data = {}
    for name, field in instance._meta.fields.items():
        data[name] = instance.__data__.get(name)
    return data


def _plain(value):
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _same_amount(old, new):
    numbers = (Decimal, int, float)
    return (isinstance(old, numbers) and isinstance(new, numbers) and not isinstance(old, bool)
            and not isinstance(new, bool) and Decimal(str(old)) == Decimal(str(new)))


def diff(before, after, masked=()):
    """``{field: [old, new]}`` for every field whose value changed; secret and
    ``masked`` fields only say that they changed."""
    changes = {}
    for name in sorted(set(before) | set(after)):
        if _same_amount(before.get(name), after.get(name)):
            continue  # 564 and 564.00 are one amount
        old, new = _plain(before.get(name)), _plain(after.get(name))
        if str(old) != str(new) or (old is None) != (new is None):
            if name in SECRET_FIELDS or name in masked:  # compared in clear, stored masked
                old, new = (MASK if old else None), (MASK if new else None)
            changes[name] = [old, new]
    return changes


def record(user, action, instance, before=None, after=None):
    """Write one audit row; ``before``/``after`` are snapshots (or None)."""
    # special-category notes are never copied into the trail: it says that they changed, not what they say
    changes = diff(before or {}, after or {}, getattr(instance, "audit_masked", ()))
    if action == "update" and not changes:
        return None
    return AuditLog.create(
        user=user.id if user is not None else None,
        actor=getattr(user, "username", None) or "system",
        action=action,
        entity=instance._meta.table_name,
        record_id=str(instance.get_id()),
        changes=json.dumps(changes, ensure_ascii=False, sort_keys=True),
    )


def masked_changes(entry, personal_fields):
    """The changes of an entry with personal values replaced by a mask."""
    changes = json.loads(entry.changes or "{}")
    return {
        name: ([MASK, MASK] if name in personal_fields else values)
        for name, values in changes.items()
    }
