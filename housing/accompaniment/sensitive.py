"""Special-category data (GDPR art. 9): who may read it, and the log of every read.

Health, addiction and legal notes of a household are read only by its case
worker and by admins; every read is an ``AuditLog`` row with action "read",
so the trail shows who looked, when and at which section.

Being named case worker opens those notes at once, so the assignment is not
an ordinary edit: only an admin or the current case worker (handing over)
changes it on a recorded household; whoever records a new household, which
has no notes yet, may name its case worker. The change is in the household's
audit row ("case_worker": [old id, new id]).
"""
import json

from models import AuditLog, now

SECTIONS = ("assessment_notes", "contact_notes")


def can_read(user, household):
    if not (user and getattr(user, "is_authenticated", False) and user.active):
        return False
    return user.role == "admin" or (household.case_worker_id is not None and household.case_worker_id == user.id)


def may_assign_case_worker(user, household, new_case_worker_id):
    """May ``user`` set ``household``'s case worker to ``new_case_worker_id``?
    ``household`` is the record as stored (None for a new one)."""
    if not (user and getattr(user, "is_authenticated", False) and user.active):
        return False
    if household is None or household.case_worker_id == new_case_worker_id or user.role == "admin":
        return True
    return household.case_worker_id is not None and household.case_worker_id == user.id


def log_read(user, household, section):
    """Record the read, or raise PermissionError if the user may not read it."""
    if section not in SECTIONS:
        raise ValueError(section)
    if not can_read(user, household):
        raise PermissionError(section)
    AuditLog.create(at=now(), user=user.id, actor=user.username, action="read", entity="household",
                    record_id=str(household.id), changes=json.dumps({"section": section}))
