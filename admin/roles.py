"""Who may do what, as data: one row per registry, one access level per role.

``edit`` means create, edit and delete; ``read`` means list, details and
export; a missing role means no access at all (the view is hidden and its URLs
answer 403). Viewers reach people-related registries only through restricted
views that carry no personal field (``admin.views.registries.RestrictedView``).

Fields have one classification too, read by every way out of a view (list,
details, export, search, sort, filters, ajax lookups, related labels: see
``admin.views.field_access``): a model's ``personal_fields`` belong to the
person the record describes, and a role reads them only with read access to
that person's own registry (not to a summary of it).
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
    # landlords' proposals from the public site's form: contacts of would-be landlords, handled like landlords
    "landlord_proposal": {"admin": EDIT, "clerk": EDIT, "operator": READ},
    "dwelling": {"admin": EDIT, "clerk": EDIT, "operator": READ, "viewer": READ},
    "offer": {"admin": EDIT, "clerk": EDIT, "operator": READ, "viewer": READ},
    # the districts registry (names and places, no person), kept with the homes; merges and reviews too
    "district": {"admin": EDIT, "clerk": EDIT, "operator": READ, "viewer": READ},
    "household": {"admin": EDIT, "operator": EDIT},
    # the languages registry (names only, no person); households' links are the household's data
    "language": {"admin": EDIT, "operator": READ},
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
    # the programme's rent-contribution funds: budgets are the administration's
    "contribution_fund": {"admin": EDIT, "operator": READ},
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
    # viewings, home visits, meetings: the staff who hold them; a clerk arranges viewings with landlords
    "appointment": {"admin": EDIT, "operator": EDIT, "clerk": EDIT},
    # aggregate indicators only (no person): everyone; EDIT = may fill in a fidelity review
    "indicators": {"admin": EDIT, "operator": EDIT, "clerk": READ, "viewer": READ},
    # the site's publication runs; EDIT here means "may ask for a publication now"
    "job_run": {"admin": EDIT, "clerk": EDIT, "operator": READ, "viewer": READ},
    # the office's generated documents (their data and files): each kind also needs the rights of its own
    # registry (housing.documents.KINDS: a household's letters the household registry's, and so on)
    "generated_document": {"admin": READ, "operator": READ, "clerk": READ, "viewer": READ},
    # outgoing e-mail and the digest previews: recipients' addresses and what is due for each colleague
    "outbox": {"admin": EDIT},
    # the notices' templates (what households and landlords receive): the administrators edit them
    "notice_template": {"admin": EDIT},
    # restricted variants, without personal fields, for the viewer role
    "landlord_summary": {"viewer": READ},
    "household_summary": {"viewer": READ},
    "erp_assignment_summary": {"viewer": READ},
    # spreadsheet imports: the page; each kind also needs the edit right on every registry it writes
    "imports": {"admin": EDIT, "operator": EDIT, "clerk": EDIT},
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


# -- fields: who reads which -----------------------------------------------------

SPECIAL = "special"  # GDPR art. 9 notes: read only on the household's page (housing.accompaniment.sensitive)
HIDDEN = "hidden"    # internal values that no view shows (hashes, version counters)

# The registry whose read access opens a table's personal fields, when it is not the table's own.
DATA_SUBJECT = {
    "assessment": "journey",
    "assessment_score": "journey",
    "follow_up_visit": "tenancy",
    "arrears_episode": "tenancy",
    "household_language": "household",
    "appointment": "household",  # notes of a visit may speak of the household
    "proposal_attempt": "landlord_proposal",  # the keyed hash of a form sender's address (no view shows it)
    "outbox_message": "outbox",  # addresses and texts of e-mails: the outbox page (administrators); record pages filter by audience
}

# Fields protected beyond the models' personal_fields: (table, field) -> registry, SPECIAL or HIDDEN.
FIELD_CLASSES = {
    # the cadastral reference and the notes of a dwelling name its owner
    ("dwelling", "cadastral_sheet"): "landlord",
    ("dwelling", "cadastral_parcel"): "landlord",
    ("dwelling", "cadastral_unit"): "landlord",
    ("dwelling", "notes"): "landlord",
    ("contact_log", "sensitive_note"): SPECIAL,
    ("user", "password_hash"): HIDDEN,
    ("user", "session_version"): HIDDEN,
    ("instrument_version", "version"): None,  # the instrument's own number, not a lock counter
}
# Any table: an optimistic-locking counter is never shown.
HIDDEN_FIELDS = frozenset({"version"})

# A protected field that its data subject agreed to make public, row by row: the field holding the consent.
CONSENTS = {("landlord", "name"): "public_name_consent"}


def field_class(model, name):
    """The registry whose read access opens ``model.name``, SPECIAL, HIDDEN, or None (free)."""
    table = model._meta.table_name
    if (table, name) in FIELD_CLASSES:
        return FIELD_CLASSES[(table, name)]
    if name in HIDDEN_FIELDS:
        return HIDDEN
    if name in getattr(model, "personal_fields", ()):
        return DATA_SUBJECT.get(table, table)
    return None


def role_reads(role, model, name):
    """May ``role`` read the field ``name`` of ``model`` in a registry view?"""
    needed = field_class(model, name)
    if needed is None:
        return True
    if needed in (SPECIAL, HIDDEN):
        return False
    return access(role, needed) >= READ


def role_reads_value(role, record, name):
    """As ``role_reads``, for one record: a consent given by the data subject opens the field."""
    if role_reads(role, type(record), name):
        return True
    consent = CONSENTS.get((record._meta.table_name, name))
    return bool(consent and getattr(record, consent, False))


def current_role(user):
    """The role whose rules apply to ``user`` (None for anonymous or inactive users)."""
    return user.role if _active(user) else None
