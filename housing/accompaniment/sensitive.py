"""Special-category data (GDPR art. 9): who may read it, and the log of every read.

Health, addiction and legal notes of a household are read only by its case
worker and by admins; every read is an ``AuditLog`` row with action "read",
so the trail shows who looked, when and at which section.
"""
import json

from models import AuditLog, now

SECTIONS = ("assessment_notes", "contact_notes")


def can_read(user, household):
    if not (user and getattr(user, "is_authenticated", False) and user.active):
        return False
    return user.role == "admin" or (household.case_worker_id is not None and household.case_worker_id == user.id)


def log_read(user, household, section):
    """Record the read, or raise PermissionError if the user may not read it."""
    if section not in SECTIONS:
        raise ValueError(section)
    if not can_read(user, household):
        raise PermissionError(section)
    AuditLog.create(at=now(), user=user.id, actor=user.username, action="read", entity="household",
                    record_id=str(household.id), changes=json.dumps({"section": section}))
