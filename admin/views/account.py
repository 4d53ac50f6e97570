"""Il mio account: one's own password and language; an administrator's reset
of another account's password; the forced change that follows a reset.

A plain blueprint (registered by ``admin.auth.init_app``) whose pages render
inside the back office's layout through a Flask-Admin view that is not in the
menu. Every URL requires a login; every POST a CSRF token.
"""
import functools

from flask import Blueprint, abort, current_app, flash, redirect, request, session, url_for
from flask_admin import BaseView, expose
from flask_admin.form import SecureForm
from flask_babel import gettext, lazy_gettext
from flask_login import current_user
from wtforms import BooleanField, PasswordField, SelectField
from wtforms.validators import DataRequired, Length, Optional

from admin import roles
from admin.i18n import pair
from admin.views.base import find, record_id
from housing import accounts
from housing.mail import digest
from models import User

bp = Blueprint("account", __name__, url_prefix="/admin/account")

MAX_PASSWORD = 256
# What a user who must replace a temporary password may still reach.
OPEN_WHILE_CHANGE_DUE = frozenset({
    "account.index", "account.password", "auth.login", "auth.logout", "auth.language",
    "static", "admin.static", "health.health",
})


class PasswordChangeForm(SecureForm):
    current_password = PasswordField(lazy_gettext('Current password'),
                                     validators=[DataRequired(), Length(max=MAX_PASSWORD)])
    new_password = PasswordField(
        lazy_gettext('New password (at least %(MIN_PASSWORD_LENGTH)s characters)',
                     MIN_PASSWORD_LENGTH=accounts.MIN_PASSWORD_LENGTH),
        validators=[DataRequired(), Length(max=MAX_PASSWORD)])
    confirm_password = PasswordField(lazy_gettext('Repeat the new password'),
                                     validators=[DataRequired(), Length(max=MAX_PASSWORD)])


class LanguageForm(SecureForm):
    language = SelectField(lazy_gettext('Interface language'),
                           choices=[("it", "Italiano"), ("en", "English")], validators=[DataRequired()])


class NotificationsForm(SecureForm):
    daily_digest = BooleanField(lazy_gettext('Daily digest of what is due for me'))
    hour = SelectField(lazy_gettext('Hour of the digest'), choices=[(str(h), f"{h:02d}:00") for h in range(24)],
                       validators=[DataRequired()])
    immediate_notices = BooleanField(lazy_gettext('An e-mail at once when a match I work on stalls'))


class ResetForm(SecureForm):
    password = PasswordField(
        lazy_gettext('Temporary password (empty: one is generated)'),
        validators=[Optional(), Length(max=MAX_PASSWORD)])


class AccountPage(BaseView):
    """Lends the back office's layout (menu, header) to the blueprint's pages."""

    def is_visible(self):
        return False

    @expose("/")
    def index(self):  # never routed: the page is only rendered through
        abort(404)


def render(template, status=200, **kwargs):
    page = AccountPage(name=lazy_gettext('My account'), endpoint="account", url="/admin/account")
    page.admin = current_app.extensions["housing_admin"]
    response = current_app.make_response((page.render(template, it=_italian(), **kwargs), status))
    response.headers["Cache-Control"] = "no-store"  # a generated password must not stay in a cache
    return response


def _italian():
    from admin.i18n import current_language

    return current_language() == "it"


def login_required(view):
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path))
        return view(*args, **kwargs)

    return wrapper


def _me():
    return current_user._get_current_object()


def _field_error(form, error):
    field = getattr(form, error.field, None)
    field = form.new_password if field is None else field
    field.errors = list(field.errors) + [pair(error.it, error.en)]


def _notifications_form(me):
    enabled, hour = digest.preference(me)
    return NotificationsForm(daily_digest=enabled, hour=str(hour), immediate_notices=digest.immediate_notices(me))


def _account_page(password_form=None, language_form=None, status=200, notifications_form=None):
    me = _me()
    return render("admin/account/index.html", status=status, user=me,
                  password_form=password_form or PasswordChangeForm(),
                  language_form=language_form or LanguageForm(language=me.language),
                  notifications_form=notifications_form or _notifications_form(me),
                  forced=bool(me.must_change_password), min_length=accounts.MIN_PASSWORD_LENGTH)


@bp.route("/", methods=["GET"])
@login_required
def index():
    return _account_page()


@bp.route("/password", methods=["POST"])
@login_required
def password():
    form = PasswordChangeForm(request.form)
    if not form.validate():
        return _account_page(password_form=form, status=400)
    me = _me()
    forced = bool(me.must_change_password)
    try:
        accounts.change_own_password(me, form.current_password.data, form.new_password.data,
                                     form.confirm_password.data, request.remote_addr)
    except accounts.Throttled:
        flash(gettext('Too many failed attempts: try again in 15 minutes.'), "error")
        return _account_page(password_form=form, status=429)
    except accounts.AccountError as error:
        _field_error(form, error)
        return _account_page(password_form=form, status=400)
    from admin import auth

    auth.bind_session(me)  # the other sessions end, this one goes on
    flash(gettext('Password changed. The other sessions of this account have been closed.'), "success")
    return redirect(url_for("admin.index") if forced else url_for(".index"))


@bp.route("/language", methods=["POST"])
@login_required
def language():
    form = LanguageForm(request.form)
    if not form.validate():
        return _account_page(language_form=form, status=400)
    try:
        accounts.set_language(_me(), form.language.data, actor=_me())
    except accounts.AccountError as error:
        form.language.errors = [pair(error.it, error.en)]
        return _account_page(language_form=form, status=400)
    session["lang"] = form.language.data  # the choice applies at once
    flash(gettext('Language saved.'), "success")
    return redirect(url_for(".index"))


@bp.route("/notifications", methods=["POST"])
@login_required
def notifications():
    """One's own digest and immediate notices (every staff member)."""
    form = NotificationsForm(request.form)
    if not form.validate():
        return _account_page(notifications_form=form, status=400)
    from housing import audit
    from models import DigestPreference

    me = _me()
    existing = DigestPreference.get_or_none(DigestPreference.user == me.id)
    before = audit.snapshot(existing) if existing else None
    try:
        digest.set_preference(me, form.daily_digest.data, form.hour.data, immediate=form.immediate_notices.data)
    except digest.PreferenceError as error:
        form.hour.errors = [pair(f"Ora non valida: {error}", f"Not a valid hour: {error}")]
        return _account_page(notifications_form=form, status=400)
    stored = DigestPreference.get(DigestPreference.user == me.id)
    audit.record(me, "update" if existing else "create", stored, before, audit.snapshot(stored))
    flash(gettext('Notification preferences saved.'), "success")
    return redirect(url_for(".index"))


def _admin_target(user_id):
    """The account an administrator resets: 403 for others, 404 for no account,
    and one's own password goes through "Il mio account"."""
    if not roles.can_edit(current_user, "user"):
        abort(403)
    target = find(User, record_id(str(user_id)))
    if target is None:
        abort(404)
    return target


@bp.route("/reset/<int:user_id>", methods=["GET", "POST"])
@login_required
def reset(user_id):
    target = _admin_target(user_id)
    if target.id == current_user.id:
        flash(gettext("One's own password is changed from “My account”."), "info")
        return redirect(url_for(".index"))
    form = ResetForm(request.form)
    if request.method == "GET":
        return render("admin/account/reset.html", target=target, form=ResetForm())
    if not form.validate():
        return render("admin/account/reset.html", status=400, target=target, form=form)
    chosen = form.password.data or None
    try:
        temporary = accounts.reset_password(target, _me(), chosen)
    except accounts.AccountError as error:
        form.password.errors = list(form.password.errors) + [pair(error.it, error.en)]
        return render("admin/account/reset.html", status=400, target=target, form=form)
    return render("admin/account/reset_done.html", target=target,
                  temporary=None if chosen else temporary)


def require_password_change():
    """Before every request: an account with a temporary password reaches only
    the change-password page (and logout, language, static files)."""
    if request.endpoint in OPEN_WHILE_CHANGE_DUE or request.endpoint is None:
        return None
    if current_user.is_authenticated and current_user.must_change_password:
        if request.method != "GET":
            abort(403)
        return redirect(url_for("account.index"))
    return None


def init_app(app):
    app.register_blueprint(bp)
    app.before_request(require_password_change)
