"""The back office of the Housing First programme: a Flask application factory.

``flask --app admin run`` serves it; ``flask --app admin --help`` lists the
commands (migrate, create-user, seed-demo, ...).
"""
import datetime
import logging
import os
import secrets

from flask import Flask, g, redirect, render_template, url_for
from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme
from flask_babel import lazy_gettext, lazy_pgettext
from werkzeug.middleware.proxy_fix import ProxyFix

from admin import auth, cli, headers, health, i18n, public_proposals
from admin.views import appointments as appointment_feed
from admin.views import documents as documents_views
from admin.config import config_values
from admin.labels import category
from housing import log_setup, paths
from housing import search as _search  # noqa: F401 - declares the search indexes on the models (fresh databases)
from housing.database import bind, configured_url

log = logging.getLogger(__name__)


def load_config(app, test_config):
    app.config.update(config_values())  # housing.settings: the one place that reads the environment
    if test_config:
        app.config.update(test_config)
    if not app.config.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = configured_url(app.instance_path)
    if not app.config.get("SECRET_KEY"):
        # The key `make start` generated: the README's commands run as written beside it.
        app.config["SECRET_KEY"] = read_secret_key(app.instance_path)
    if not app.config.get("SECRET_KEY") and command_without_sessions():
        # Commands (migrate, create-user...) sign nothing: a throw-away key serves them.
        app.config["SECRET_KEY"] = secrets.token_hex(32)
    if not app.config.get("SECRET_KEY"):
        if app.config["ENV"] != "development":
            raise RuntimeError(
                "HOUSING_SECRET_KEY is not set and the instance folder has no secret_key file. "
                "Set it to a long random value (or HOUSING_ENV=development for a throw-away key)."
            )
        log.warning("No HOUSING_SECRET_KEY: using a throw-away key (development only).")
        app.config["SECRET_KEY"] = secrets.token_hex(32)
    secure = app.config["SESSION_COOKIE_SECURE"]
    if isinstance(secure, str):
        secure = secure.strip().lower() not in ("0", "false", "no", "off")
    app.config.update(
        SESSION_COOKIE_SECURE=secure,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=secure,
        PERMANENT_SESSION_LIFETIME=datetime.timedelta(hours=int(app.config["SESSION_HOURS"])),
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
    )


def command_without_sessions():
    """True when a ``flask --app admin`` command other than ``run`` creates the app
    (gunicorn and ``flask run`` serve sessions and need the real key)."""
    import click

    context, names = click.get_current_context(silent=True), set()
    if context is None:
        return False
    while context is not None:
        names |= {context.info_name, context.invoked_subcommand}
        context = context.parent
    return "run" not in names


def read_secret_key(instance_path):
    """The key kept in ``instance/secret_key`` (written by ``make start``), or None."""
    try:
        with open(os.path.join(instance_path, "secret_key"), encoding="utf-8") as handle:
            return handle.read().strip() or None
    except OSError:
        return None


def create_app(test_config=None):
    """Create and configure the back office."""
    instance = (test_config or {}).get("INSTANCE_PATH") or str(paths.instance_folder())
    app = Flask(__name__, instance_relative_config=True, instance_path=instance)
    load_config(app, test_config)
    os.makedirs(app.instance_path, exist_ok=True)
    if int(app.config["TRUSTED_PROXIES"]):
        # Only the given number of hops is believed: a client's own header is not.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=int(app.config["TRUSTED_PROXIES"]))

    database = bind(app.config["DATABASE_URL"])
    app.extensions["database"] = database

    @app.before_request
    def open_connection():
        database.connect(reuse_if_open=True)

    @app.teardown_request
    def close_connection(exc):
        if not database.is_closed():
            database.close()

    i18n.init_app(app)
    auth.init_app(app)
    headers.init_app(app)
    health.init_app(app)  # GET /health: open without login, for monitoring
    public_proposals.init_app(app)  # POST /public/landlord-proposal: the site's form, no login (queues only)
    appointment_feed.init_app(app)  # GET /calendar/<token>.ics: open to its secret token
    log_setup.init_app(app)  # structured logs and X-Request-Id
    cli.init_app(app)
    build_admin(app)
    documents_views.init_app(app)  # the records' pages list their generated documents
    register_error_pages(app)

    @app.route("/")
    def root():
        return redirect(url_for("admin.index"))

    return app


def build_admin(app):
    # Built inside the factory: a module-level Admin breaks a second create_app().
    from admin.views import registries as r
    from admin.views.dashboard import DashboardView
    from admin.views.districts import DistrictMergeView, DistrictView
    from admin.views.language_words import LanguageWordsView
    from admin.views.matchboard import DeclineReasonSettingView, MatchBoardView, MatchView, RuleSettingView, StepSettingView
    from admin.views.matching import CensusView, MatchingView
    from admin.views import accompaniment as acc
    from admin.views import appointments as appointment_views
    from admin.views.funds import ContributionFundView
    from admin.views.imports import ImportsView
    from admin.views.notices import NoticeTemplateView
    from admin.views.outbox import OutboxView
    from admin.views.proposals import LandlordProposalView
    from admin.views.documents import DocumentsView
    from admin.views.indicators import IndicatorsView
    from admin.views.journey import JourneyView, OccupancyView
    from admin.views.publishing import JobRunView
    from admin import translations as flask_admin_words
    from admin.views.search import SearchView
    import models as m

    admin = Admin(
        app,
        name="Housing First",
        index_view=DashboardView(name=lazy_gettext('Dashboard'), url="/admin"),
        theme=Bootstrap4Theme(base_template="admin/housing_base.html", fluid=True),
        # Flask-Admin's own words, ours winning over its catalogue (admin/translations/__init__.py).
        translations_path=flask_admin_words.install(),  # our wording of Flask-Admin's own messages
    )
    views = [
        (r.DwellingView, m.Dwelling), (r.OfferView, m.Offer), (DistrictView, m.District), (r.LandlordView, m.Landlord),
        (r.LandlordSummaryView, m.Landlord),
        (LandlordProposalView, m.LandlordProposal),
        (r.HouseholdView, m.Household), (r.PersonView, m.Person), (r.HouseholdSummaryView, m.Household),
        (r.LanguageView, m.Language),
        (r.ErpAssignmentView, m.ErpAssignment), (r.ErpAssignmentSummaryView, m.ErpAssignment),
        (r.PartnerView, m.Partner), (r.AgreementView, m.Agreement),
        (r.TerritorialAgreementView, m.TerritorialAgreement), (r.AgreementZoneView, m.AgreementZone),
        (r.RentBandView, m.RentBand), (r.ContractDurationView, m.ContractDuration),
        (MatchView, m.Match), (RuleSettingView, m.RuleSetting), (StepSettingView, m.StepSetting),
        (DeclineReasonSettingView, m.DeclineReasonSetting),
        (acc.SupportPlanView, m.SupportPlan), (acc.PlanActionView, m.PlanAction), (acc.ReferralView, m.Referral),
        (acc.ContactLogView, m.ContactLog), (acc.PlaceView, m.Place), (acc.StayView, m.Stay),
        (acc.TenancyView, m.Tenancy), (acc.IncentiveView, m.Incentive), (acc.GuaranteeClaimView, m.GuaranteeClaim),
        (JobRunView, m.JobRun), (r.UserView, m.User), (r.AuditLogView, m.AuditLog),
        (appointment_views.AppointmentView, m.Appointment), (ContributionFundView, m.ContributionFund),
        (NoticeTemplateView, m.NoticeTemplate),
    ]
    admin.add_view(SearchView(name=lazy_pgettext('menu', 'Search'), endpoint="search", url="/admin/search"))
    admin.add_view(MatchBoardView(name=lazy_gettext('Open matches'), endpoint="match_board",
                                  url="/admin/matches", category=category("matching")))
    admin.add_view(MatchingView(name=lazy_gettext('Batch proposal'), endpoint="matching",
                                url="/admin/matching", category=category("matching")))
    admin.add_view(CensusView(name=lazy_gettext('Demand-supply census'), endpoint="census",
                              url="/admin/census", category=category("matching")))
    admin.add_view(JourneyView(name=lazy_gettext('Household journey'), endpoint="journey",
                               url="/admin/journey", category=category("support")))
    admin.add_view(OccupancyView(name=lazy_gettext('Occupancy of places'), endpoint="occupancy",
                                 url="/admin/occupancy", category=category("support")))
    admin.add_view(IndicatorsView(name=lazy_gettext('Housing First indicators'),
                                  endpoint="indicators", url="/admin/indicators", category=category("support")))
    admin.add_view(appointment_views.CalendarView(name=appointment_views.MENU_NAME, endpoint="calendar",
                                                  url="/admin/calendar", category=category("support")))
    admin.add_view(OutboxView(name=lazy_gettext("Outbox"), endpoint="outbox", url="/admin/outbox",
                              category=category("system")))
    admin.add_view(DocumentsView(name=lazy_gettext('Documents'), endpoint="documents", url="/admin/documents",
                                 category=category("system")))
    admin.add_view(ImportsView(name=lazy_gettext('Imports'), endpoint="imports", url="/admin/imports", category=category("system")))
    admin.add_view(DistrictMergeView(name=lazy_gettext('Districts to resolve and merge'),
                                     endpoint="district_merge", url="/admin/districts", category=category("homes")))
    admin.add_view(LanguageWordsView(name=lazy_gettext('Languages to map'),
                                     endpoint="language_words", url="/admin/language-words", category=category("people")))
    for view_class, model in views:
        key = view_class.category_key or "system"
        admin.add_view(view_class(model, category=category(key)))
    app.extensions["housing_admin"] = admin
    return admin


def register_error_pages(app):
    def page(code, message):
        def handler(error):
            return render_template("error.html", code=code, message=message), code

        return handler

    app.register_error_handler(400, page(400, lazy_gettext("Bad request (expired form? Reload the page).")))
    app.register_error_handler(403, page(403, lazy_gettext("You are not allowed to see this page.")))
    app.register_error_handler(404, page(404, lazy_gettext("Page not found.")))
    app.register_error_handler(413, page(413, lazy_gettext("Request too large.")))
    app.register_error_handler(500, page(500, lazy_gettext("Internal error: nothing was saved. It has been logged.")))