"""Login and logout of staff accounts (Flask-Login), with throttling.

A session is bound to its account's ``session_version`` and to a fingerprint
of its password hash: logout, a deactivation or a new password (written by
whatever code) make every session opened before useless, copied cookies too.
"""
import hashlib
import hmac
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_admin.form import SecureForm
from flask_babel import gettext, lazy_gettext
from flask_login import LoginManager, current_user, login_user, logout_user
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length


from admin.i18n import LANGUAGES
from housing import accounts
from models import User

bp = Blueprint("auth", __name__, url_prefix="/auth")
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.session_protection = "strong"


class LoginForm(SecureForm):
    username = StringField(lazy_gettext('Username'), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(lazy_gettext('Password'), validators=[DataRequired(), Length(max=256)])


def password_stamp(user):
    """A fingerprint of the password hash, keyed by the app secret (the cookie is readable)."""
    key = current_app.config["SECRET_KEY"]
    key = key.encode() if isinstance(key, str) else key
    return hmac.new(key, user.password_hash.encode(), hashlib.sha256).hexdigest()[:32]


def bind_session(user):
    session["session_version"] = user.session_version
    session["password_stamp"] = password_stamp(user)


@login_manager.user_loader
def load_user(user_id):
    user = User.get_or_none(User.id == int(user_id)) if str(user_id).isdigit() else None
    if user is None or not user.active or session.get("session_version") != user.session_version:
        return None
    return user if hmac.compare_digest(session.get("password_stamp") or "", password_stamp(user)) else None


# Flask-Login's user mixin methods, provided without touching models.py
User.is_authenticated = property(lambda self: True)
User.is_active = property(lambda self: bool(self.active))
User.is_anonymous = property(lambda self: False)
User.get_id = lambda self: str(self.id)


def safe_next(target):
    """Only a local path may follow a login: never another host (open redirect)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm(request.form)
    if request.method == "POST" and form.validate():
        try:
            user = accounts.authenticate(form.username.data, form.password.data, request.remote_addr)
        except accounts.Throttled:
            flash(gettext('Too many failed attempts: try again in 15 minutes.'), "error")
            return render_template("auth/login.html", form=form), 429
        if user is None:
            flash(gettext('Wrong username or password.'), "error")
            return render_template("auth/login.html", form=form), 401
        session.clear()
        login_user(user)
        bind_session(user)
        if user.must_change_password:  # a temporary password from an administrator's reset
            flash(gettext('Before going on, choose a new password.'), "warning")
            return redirect(url_for("account.index"))
        return redirect(safe_next(request.args.get("next")) or url_for("admin.index"))
    status = 400 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    form = SecureForm(request.form)
    if not form.validate():
        abort(400)
    if current_user.is_authenticated:
        accounts.end_sessions(current_user)
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


@bp.route("/language/<lang>", methods=["POST"])
def language(lang):
    form = SecureForm(request.form)
    if lang not in LANGUAGES or not form.validate():
        abort(400)
    session["lang"] = lang
    return redirect(safe_next(request.form.get("next")) or url_for("admin.index"))


def init_app(app):
    from admin.views import account  # "Il mio account", the reset and the forced change

    login_manager.init_app(app)
    app.register_blueprint(bp)
    account.init_app(app)

    @app.context_processor
    def csrf_form():
        return {"logout_form": lambda: SecureForm()}

