"""The home page of the back office (cruscotto): the registry counts at a glance.

Every count is a link to exactly the records it counts: a registry's list with
Flask-Admin filter arguments, the match board (whose late rows are marked), or
one of the dashboard's own "to do" lists (``/admin/due/<kind>``) where no list
view can filter the records (a member's latest assessment, a tenancy's missing
outcome). A count whose records the role may not open is not shown.
"""
import datetime
import time

from flask import abort, current_app, redirect, request, url_for
from flask_admin import AdminIndexView, expose
from flask_admin.contrib.peewee.filters import DateBetweenFilter, DateSmallerFilter, FilterEqual
from flask_babel import format_decimal, lazy_gettext
from flask_login import current_user
from peewee import fn

from admin import roles
from admin.i18n import term_text
from housing import matches
from housing import vocabulary as v
from housing.accompaniment import alerts, assessments, tenancies
from models import Agreement, Assessment, Dwelling, Household, JobRun, Offer, Person, Stay, SupportPlan, Tenancy

EXPIRY_DAYS = 60
DAY = datetime.timedelta(days=1)
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
    """[(label, count, key)] of each value of a vocabulary."""
    found = raw_counts(model, field)
    return [(term_text(term), found.get(term.key, 0), term.key) for term in registry]


def registry_counts(today=None):
    today = today or datetime.date.today()
    return {
        "dwellings": counts_by(Dwelling, Dwelling.status, v.DWELLING_STATUSES),
        "offers": counts_by(Offer, Offer.status, v.OFFER_STATUSES),
        "households": counts_by(Household, Household.status, v.HOUSEHOLD_STATUSES),
        "active_agreements": Agreement.select().where(Agreement.status == "active").count(),
        "expiring": list(Agreement.expiring(EXPIRY_DAYS, today).order_by(Agreement.valid_to)),
    }


def count_text(n):
    """A count in the user's locale: 1.234 in Italian, 1,234 in English."""
    return format_decimal(n, format="#,##0")


# -- links to the filtered lists ---------------------------------------------------

def admin_view(endpoint):
    """The registered view of ``endpoint``, or None."""
    admin = current_app.extensions["housing_admin"]
    return next((view for view in admin._views if view.endpoint == endpoint), None)


def filter_arg(view, field, kind):
    """The URL name of ``view``'s filter of class ``kind`` on ``field`` (the first one), or None."""
    for arg, (_, flt) in (view._filter_args or {}).items():
        if isinstance(flt, kind) and getattr(flt, "column", None) is field:
            return arg
    return None


def list_url(endpoint, *conditions):
    """The list of ``endpoint`` filtered by ``conditions`` ((field, filter class, value), all
    applying), or None when the role may not open it or the view lacks one of the filters."""
    view = admin_view(endpoint)
    if view is None or not view.is_accessible():
        return None
    args = {}
    for position, (field, kind, value) in enumerate(conditions):
        arg = filter_arg(view, field, kind)
        if arg is None:
            return None
        args[f"flt{position}_{arg}"] = value
    return url_for(f"{endpoint}.index_view", **args)


def status_links(endpoint, field, counts):
    """The status counts as (label, count, URL of the list of exactly those records)."""
    return [(label, n, list_url(endpoint, (field, FilterEqual, key))) for label, n, key in counts]


def household_endpoint():
    """The household registry the role reads: the full one, else the summary without personal fields."""
    for endpoint in ("household", "household_summary"):
        view = admin_view(endpoint)
        if view is not None and view.is_accessible():
            return endpoint
    return None


# -- the "to do" lists that no registry view can filter --------------------------

def due_reassessments(today):
    """Members whose latest assessment asks for a reassessment by ``today``: (household, member or None, day)."""
    latest = assessments.latest_per_member(Assessment.reassess_on)
    due = [(household_id, person_id, day) for (household_id, person_id), (day,) in latest.items()
           if day is not None and day <= today]
    households = {h.id: h for h in Household.select().where(Household.id.in_([d[0] for d in due]))} if due else {}
    people = {p.id: p for p in Person.select().where(Person.id.in_([d[1] for d in due if d[1]]))} if due else {}
    return sorted(((households[h], people.get(p), day) for h, p, day in due), key=lambda row: (row[2], row[0].code))


def overdue_stays(today):
    """Stays still open past their planned exit (the same rule as ``alerts.due``)."""
    return list(Stay.select().where(Stay.exit_on.is_null() & (Stay.planned_exit_on < today))
                .order_by(Stay.planned_exit_on, Stay.id))


def outcomes_to_record(today):
    """(tenancy, months, due day) of each 6/12/24-month outcome reached but not recorded."""
    recorded = tenancies.recorded_outcomes()
    rows = []
    for tenancy in Tenancy.select().order_by(Tenancy.start_on, Tenancy.id):
        for months in tenancies.MILESTONES:
            day = tenancies.add_months(tenancy.start_on, months)
            if day <= today and (tenancy.id, months) not in recorded:
                rows.append((tenancy, months, day))
    return rows


DUE_LISTS = {
    "reassessments": (lazy_gettext('Reassessments due'), due_reassessments),
    "stays": (lazy_gettext('Stays past their planned exit'), overdue_stays),
    "outcomes": (lazy_gettext('Outcomes at 6/12/24 months to record'), outcomes_to_record),
}


def accompaniment_links(today):
    """The accompaniment alerts: (id, label, count, URL of exactly those records)."""
    counts = alerts.due(today)
    plans = list_url("support_plan", (SupportPlan.status, FilterEqual, "active"),
                     (SupportPlan.review_on, DateSmallerFilter, (today + DAY).isoformat()))
    return [
        ("reassessments-due", DUE_LISTS["reassessments"][0], counts["reassessments"], url_for(".due", kind="reassessments")),
        ("plan-reviews-due", lazy_gettext('Plan reviews due'), counts["plan_reviews"], plans),
        ("overdue-stays", DUE_LISTS["stays"][0], counts["overdue_stays"], url_for(".due", kind="stays")),
        ("outcomes-due", DUE_LISTS["outcomes"][0], counts["outcomes_to_record"], url_for(".due", kind="outcomes")),
    ]


class DashboardView(AdminIndexView):
    def is_accessible(self):
        return roles.can_read(current_user, "dashboard")

    def inaccessible_callback(self, name, **kwargs):
        return redirect(url_for("auth.login", next=request.full_path))

    @expose("/")
    def index(self):
        today = datetime.date.today()
        counts = registry_counts(today)
        households = household_endpoint()
        sections = [
            ("dwellings", lazy_gettext('Dwellings by status'),
             status_links("dwelling", Dwelling.status, counts["dwellings"]) if admin_view("dwelling").is_accessible() else None),
            ("offers", lazy_gettext('Offers by status'),
             status_links("offer", Offer.status, counts["offers"]) if admin_view("offer").is_accessible() else None),
            ("households", lazy_gettext('Households by status'),
             status_links(households, Household.status, counts["households"]) if households else None),
        ]
        horizon = today + datetime.timedelta(days=EXPIRY_DAYS)
        can_see_matches = roles.can_read(current_user, "match_board")
        return self.render(
            "admin/dashboard.html",
            count_text=count_text,
            sections=[section for section in sections if section[2] is not None],
            counts=counts,
            agreements_url=list_url("agreement", (Agreement.status, FilterEqual, "active")),
            expiring_url=list_url("agreement", (Agreement.status, FilterEqual, "active"),
                                  (Agreement.valid_to, DateBetweenFilter, f"{today.isoformat()} to {horizon.isoformat()}")),
            expiry_days=EXPIRY_DAYS,
            stalled=len(matches.stalled(today)) if can_see_matches else None,
            accompaniment=accompaniment_links(today) if roles.can_read(current_user, "journey") else None,
            # "skipped" counts: that run found the site current, so an older failure is no longer the news
            last_publish=JobRun.last_publication(),
        )

    @expose("/due/<kind>")
    def due(self, kind):
        """One accompaniment alert's records (the dashboard's count links here)."""
        if not roles.can_read(current_user, "journey"):
            abort(403)
        if kind not in DUE_LISTS:
            abort(404)
        title, rows = DUE_LISTS[kind]
        return self.render("admin/dashboard.html", due_kind=kind, due_title=title, count_text=count_text,
                           due_rows=rows(datetime.date.today()))
