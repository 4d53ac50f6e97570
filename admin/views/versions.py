"""Optimistic locking for the back office's edit forms.

Every staff-edited model has a ``version`` that grows at each save
(``models.BaseModel.save``). An edit form carries the version it was opened
at, its inline rows too; the save re-reads the stored versions inside its
transaction, locked, and refuses to write over a newer one. The second of two
people editing the same record gets a message naming who changed what
meanwhile, and the form keeps what they typed, now at the stored version, so
that saving again (after a look) is a deliberate overwrite.
"""
import json

from wtforms import HiddenField

from housing.database import locked
from models import AuditLog

IGNORED = frozenset({"version", "updated_at"})


class VersionField(HiddenField):
    """The version a form was opened at; never copied onto the record."""

    def populate_obj(self, obj, name):
        pass

    def opened_at(self):
        """The submitted version. A post without the field (a script, not a
        browser form) takes the record's own: it is not checked."""
        try:
            return int(self.data)
        except (TypeError, ValueError):
            return None


def with_version_field(form_class):
    """``form_class`` with a hidden ``version`` field."""
    return type(form_class.__name__, (form_class,), {"version": VersionField()})


class Conflict(Exception):
    """A save over a newer version of the record or of some of its inline rows."""

    def __init__(self, conflicts):
        super().__init__("stale form")
        self.conflicts = conflicts  # [what ``check`` returns]


def stored_version(model, record_id):
    row = locked(model.select(model.version).where(model._meta.primary_key == record_id)).first()
    return row.version if row is not None else None


def check(form, model, record_id):
    """(form, model, record id, version opened, version stored) when ``form``
    was opened at another version than the stored one."""
    field = form._fields.get("version")
    if field is None or record_id is None:
        return None
    opened, stored = field.opened_at(), stored_version(model, record_id)
    if stored is not None and opened != stored:
        return (form, model, record_id, opened, stored)
    return None


def changes_since(model, record_id, opened):
    """[(actor, at, [field names])] of the saves after version ``opened``, oldest first."""
    entries = (AuditLog.select()
               .where((AuditLog.entity == model._meta.table_name) & (AuditLog.record_id == str(record_id))
                      & (AuditLog.action == "update"))
               .order_by(AuditLog.at.desc(), AuditLog.id.desc()).limit(50))
    found = []
    for entry in entries:
        changes = json.loads(entry.changes or "{}")
        new_version = (changes.get("version") or [None, None])[1]
        if opened is not None and isinstance(new_version, int) and new_version <= opened:
            break
        found.append((entry.actor, entry.at, sorted(set(changes) - IGNORED)))
    return list(reversed(found))


def bring_forward(form, stored):
    """Let the next save of this form go through: it now carries the stored version."""
    field = form._fields["version"]
    field.data = str(stored)
    field.raw_data = [str(stored)]
