"""Which status may follow which, as data: one table per kind of record.

A new record may start in any status (staff also enter past cases); a change
of status must follow the table. A status missing from a table's keys is final.
"""
from housing.messages import _

TRANSITIONS = {
    "support_plan": {"draft": {"active", "closed"}, "active": {"closed"}, "closed": set()},
    "plan_goal": {"open": {"in_progress", "achieved", "dropped"}, "in_progress": {"achieved", "dropped"},
                  "achieved": set(), "dropped": {"open"}},
    "plan_action": {"planned": {"in_progress", "done", "cancelled"}, "in_progress": {"done", "cancelled"},
                    "done": set(), "cancelled": {"planned"}},
    "referral": {"sent": {"accepted", "refused"}, "accepted": {"in_progress", "completed", "refused"},
                 "in_progress": {"completed", "refused"}, "completed": set(), "refused": set()},
    "incentive": {"requested": {"approved", "refused"}, "approved": {"paid", "refused"}, "paid": set(),
                  "refused": set()},
    "guarantee_claim": {"submitted": {"approved", "refused"}, "approved": {"paid", "refused"}, "paid": set(),
                        "refused": set()},
}


def allowed(kind, old, new):
    """True when ``new`` may follow ``old`` (or is the same status)."""
    return old is None or old == new or new in TRANSITIONS[kind].get(old, set())


def error(kind, old, new, labels=None):
    """The message for a refused change (in the reader's language), or None."""
    if allowed(kind, old, new):
        return None
    name = (labels or {}).get
    nexts = sorted(TRANSITIONS[kind].get(old, set()))
    options = ", ".join(name(s, s) for s in nexts) if nexts else _("nessuno (stato finale)")
    return _("Da «%(old)s» non si può passare a «%(new)s». Stati ammessi: %(allowed)s.",
             old=name(old, old), new=name(new, new), allowed=options)
