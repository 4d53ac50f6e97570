"""Appointments in the back office: the registry, one's week, and the calendar feed.

The registry lists and edits every appointment (roles as the ``appointment``
row of ``admin.roles``); saving one that overlaps another of the same staff
member or in the same home warns, naming them. "I miei appuntamenti" shows a
staff member's week or day and manages the secret address of their iCalendar
feed (``GET /calendar/<token>.ics``, the feed's one public URL: no login, a
token that only its owner saw, answered with 404 once revoked).
"""
import datetime

from flask import Blueprint, Response, abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.form import SecureForm
from flask_babel import gettext, lazy_gettext
from flask_login import current_user

from admin.i18n import current_language
from admin.views.base import SecureBaseView, SecureModelView
from housing import appointments
from housing import vocabulary as v
from models import Household

AJAX = {"page_size": 15, "minimum_input_length": 0}


class AppointmentView(SecureModelView):
    category_key = "support"
    choices = {"kind": v.APPOINTMENT_KINDS, "status": v.APPOINTMENT_STATUSES}
    column_list = ["starts_at", "kind", "status", "place", "staff", "household", "landlord"]
    column_default_sort = ("starts_at", True)
    column_filters = ["kind", "status", "starts_at"]
    column_searchable_list = ["place", Household.code]
    form_columns = ["kind", "status", "starts_at", "ends_at", "place", "staff", "household", "landlord", "partner",
                    "match", "notes"]
    form_ajax_refs = {"household": {"fields": ["code"], **AJAX}, "landlord": {"fields": ["name"], **AJAX},
                      "partner": {"fields": ["name"], **AJAX}, "match": {"fields": ["id"], **AJAX},
                      "staff": {"fields": ["username", "full_name"], **AJAX}}

    def record_checks(self, data, current_id):
        return appointments.check(data, current_id)

    def create_form(self, obj=None):
        form = super().create_form(obj)
        if request.method == "GET" and getattr(form, "staff", None) is not None and form.staff.data is None:
            form.staff.data = current_user._get_current_object()  # one's own appointment, unless changed
        return form

    def after_model_change(self, form, model, is_created):
        super().after_model_change(form, model, is_created)
        clashes = appointments.conflicts(model)
        if clashes:
            flash(gettext("Saved, but it overlaps: %(others)s.",
                          others="; ".join(f"{other} ({other.staff.username})" for other in clashes)), "warning")


class CalendarView(SecureBaseView):
    """A staff member's own week (or day) of appointments and their calendar feed."""

    registry = "appointment"

    @expose("/")
    def index(self):
        return self._page(_day(request.args.get("day")), request.args.get("view") == "day")

    def _page(self, day, single=False, feed_url=None):
        """The week (or the day) of ``day``; ``feed_url``: a new calendar address, shown this once."""
        first = day if single else appointments.week_of(day)
        days = appointments.agenda(current_user.id, first, 1 if single else 7)
        step = datetime.timedelta(days=1 if single else 7)
        return self.render("admin/appointments/calendar.html", days=days, single=single, first=first,
                           previous=first - step, following=first + step, today=datetime.date.today(),
                           has_feed=appointments.has_feed(current_user.id), form=SecureForm(),
                           feed_url=feed_url, lang=current_language(), conflicts=appointments.conflicts)

    @expose("/feed", methods=["POST"])
    def new_feed(self):
        if not SecureForm(request.form).validate():
            flash(gettext("Expired request: try again."), "error")
            return redirect(url_for(".index"))
        token = appointments.new_feed(current_user.id)
        return self._page(datetime.date.today(), feed_url=url_for("calendar_feed.feed", token=token, _external=True))

    @expose("/feed/revoke", methods=["POST"])
    def revoke_feed(self):
        if SecureForm(request.form).validate():
            appointments.revoke_feed(current_user.id)
            flash(gettext("The calendar address is revoked: calendars that used it no longer receive "
                          "appointments."), "success")
        else:
            flash(gettext("Expired request: try again."), "error")
        return redirect(url_for(".index"))


def _day(text):
    try:
        return datetime.date.fromisoformat(text) if text else datetime.date.today()
    except ValueError:
        return datetime.date.today()


# -- the feed: the one URL here open without login -------------------------------

feed_blueprint = Blueprint("calendar_feed", __name__)


@feed_blueprint.route("/calendar/<token>.ics", methods=["GET"])
def feed(token):
    user = appointments.feed_owner(token)
    if user is None:
        abort(404)
    body = appointments.calendar(user, user.language if user.language in ("it", "en") else "it")
    response = Response(body, mimetype="text/calendar")
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Disposition"] = 'inline; filename="housing-first.ics"'
    return response


def init_app(app):
    app.register_blueprint(feed_blueprint)


MENU_NAME = lazy_gettext("My appointments")
