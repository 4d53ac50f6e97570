"""Who may do what, as data: one row per registry, one access level per role.

``edit`` means create, edit and delete; ``read`` means list, details and
export; a missing role means no access at all (the view is hidden and its URLs
answer 403). Viewers reach people-related registries only through restricted
views that carry no personal field (see ``admin.views.base.restricted``).
"""
NONE, READ, EDIT = 0, 1, 2

PERMISSIONS = {
    "user": {"admin": EDIT},
    "audit_log": {"admin": READ},
    "partner": {"admin": EDIT, "clerk": EDIT, "operator": READ, "viewer": READ},
    "agreement": {"admin": EDIT, "clerk": EDIT, "operator": READ, "viewer": READ},
    "territorial_agreement": {"admin": EDIT, "clerk": EDIT, "operator": READ, "viewer": READ},
    "agreement_zone": {"admin": EDIT, "clerk": EDIT, "operator": READ, "viewer": READ},
    "rent_band": {"admin": EDIT, "clerk": EDIT, "operator": READ, "viewer": READ},
    "contract_duration": {"admin": EDIT, "clerk": EDIT, "operator": READ, "viewer": READ},
    "landlord": {"admin": EDIT, "clerk": EDIT, "operator": READ},
    "dwelling": {"admin": EDIT, "clerk": EDIT, "operator": READ, "viewer": READ},
    "offer": {"admin": EDIT, "clerk": EDIT, "operator": READ, "viewer": READ},
    "household": {"admin": EDIT, "operator": EDIT},
    "person": {"admin": EDIT, "operator": EDIT},
    "erp_assignment": {"admin": EDIT, "operator": EDIT, "clerk": READ},
    # matching: the board of matches, shortlists and batch proposals, census, settings
    "match_board": {"admin": EDIT, "operator": EDIT, "clerk": EDIT},
    "match": {"admin": READ, "operator": READ, "clerk": READ},
    "matching": {"admin": EDIT, "operator": EDIT},
    "census": {"admin": READ, "operator": READ, "clerk": READ, "viewer": READ},
    "step_setting": {"admin": EDIT, "operator": READ},
    "decline_reason_setting": {"admin": EDIT, "operator": READ},
    "rule_setting": {"admin": EDIT, "operator": READ},
    # accompaniment: case work with the households, and the landlords' incentives
    "journey": {"admin": EDIT, "operator": EDIT},
    "support_plan": {"admin": EDIT, "operator": EDIT},
    "plan_action": {"admin": EDIT, "operator": EDIT},
    "referral": {"admin": EDIT, "operator": EDIT},
    "contact_log": {"admin": EDIT, "operator": EDIT},
    "place": {"admin": EDIT, "operator": EDIT, "clerk": READ},
    "stay": {"admin": EDIT, "operator": EDIT},
    "occupancy": {"admin": READ, "operator": READ, "clerk": READ},
    "tenancy": {"admin": EDIT, "operator": EDIT},
    "incentive": {"admin": EDIT, "clerk": EDIT, "operator": READ},
    "guarantee_claim": {"admin": EDIT, "clerk": EDIT, "operator": READ},
    # aggregate indicators only (no person): everyone; EDIT = may fill in a fidelity review
    "indicators": {"admin": EDIT, "operator": EDIT, "clerk": READ, "viewer": READ},
    # the site's publication runs; EDIT here means "may ask for a publication now"
    "job_run": {"admin": EDIT, "clerk": EDIT, "operator": READ, "viewer": READ},
    # restricted variants, without personal fields, for the viewer role
    "landlord_summary": {"viewer": READ},
    "household_summary": {"viewer": READ},
    "erp_assignment_summary": {"viewer": READ},
    # pages that are not registries
    "dashboard": {"admin": READ, "operator": READ, "clerk": READ, "viewer": READ},
}


def access(role, registry):
    return PERMISSIONS.get(registry, {}).get(role, NONE)


def can_read(user, registry):
    return _active(user) and access(user.role, registry) >= READ


def can_edit(user, registry):
    return _active(user) and access(user.role, registry) >= EDIT


def _active(user):
    return bool(user and getattr(user, "is_authenticated", False) and user.active)
