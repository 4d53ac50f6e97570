"""``GET /health``: the back office's health as JSON, for the city's monitoring.

The one URL of the back office open without login, on purpose: a monitor holds
no account. It says only what ``housing.health`` reports (statuses, times,
counts), never personal data, messages, paths or versions. HTTP 200 when the
status is ok or degraded, 503 when failing, so a plain HTTP probe suffices.
"""
import peewee
from flask import Blueprint, current_app, jsonify

from housing import health as checks

bp = Blueprint("health", __name__)


def respond():
    body = checks.report(current_app.extensions["database"])
    response = jsonify(body)
    response.status_code = 503 if body["status"] == "failing" else 200
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/health", methods=["GET"])
def health():
    return respond()


@bp.errorhandler(peewee.DatabaseError)
@bp.errorhandler(peewee.InterfaceError)
def database_down(error):
    # The app opens the connection before every request: when that fails, the report says so
    # (503) instead of the error page.
    return respond()


def init_app(app):
    app.register_blueprint(bp)
