"""The home page of the back office: the registry counts at a glance."""
import datetime
import time

from flask import redirect, request, url_for
from flask_admin import AdminIndexView, expose
from flask_login import current_user
from peewee import fn

from admin import roles
from admin.i18n import term_text
from housing import vocabulary as v
from housing import matches
from housing.accompaniment import alerts
from models import Agreement, Dwelling, Household, JobRun, Offer

EXPIRY_DAYS = 60
# Whole-table counts are cached per worker for a minute: the dashboard stays
# fast on big registries (they would be sequential scans on PostgreSQL).
COUNTS_TTL = 60
_cache = {}


def raw_counts(model, field):
    key = (model.__name__, field.name)
    cached = _cache.get(key)
    if cached and time.monotonic() - cached[0] < COUNTS_TTL:
        return cached[1]
    found = dict(model.select(field, fn.COUNT(model.id)).group_by(field).tuples())
    _cache[key] = (time.monotonic(), found)
    return found


def counts_by(model, field, registry):
    found = raw_counts(model, field)
    return [(term_text(term), found.get(term.key, 0)) for term in registry]


def registry_counts(today=None):
    today = today or datetime.date.today()
    return {
        "dwellings": counts_by(Dwelling, Dwelling.status, v.DWELLING_STATUSES),
        "offers": counts_by(Offer, Offer.status, v.OFFER_STATUSES),
        "households": counts_by(Household, Household.status, v.HOUSEHOLD_STATUSES),
        "active_agreements": Agreement.select().where(Agreement.status == "active").count(),
        "expiring": list(Agreement.expiring(EXPIRY_DAYS, today).order_by(Agreement.valid_to)),
    }


class DashboardView(AdminIndexView):
    def is_accessible(self):
        return roles.can_read(current_user, "dashboard")

    def inaccessible_callback(self, name, **kwargs):
        return redirect(url_for("auth.login", next=request.full_path))

    @expose("/")
    def index(self):
        can_see_matches = roles.can_read(current_user, "match_board")
        return self.render(
            "admin/dashboard.html",
            counts=registry_counts(),
            expiry_days=EXPIRY_DAYS,
            can_see_households=roles.can_read(current_user, "household")
            or roles.can_read(current_user, "household_summary"),
            stalled=len(matches.stalled()) if can_see_matches else None,
            accompaniment=alerts.due() if roles.can_read(current_user, "journey") else None,
            # "skipped" counts: that run found the site current, so an older failure is no longer the news
            last_publish=JobRun.last_publication(),
        )
