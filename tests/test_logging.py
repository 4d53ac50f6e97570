"""Structured logs: JSON lines with request ids, the id echoed, personal data masked."""
import datetime
import io
import json
import logging
import re

import peewee
import pytest

import jobs
import models as m
from admin import create_app
from housing import log_setup
from samples import MARIO, make_household

EMAIL = "mario.rossi@example.it"
log = logging.getLogger("admin.test_probe")


@pytest.fixture
def capture():
    """``capture(fmt)`` sends the root logger's lines to a buffer in that format; undone afterwards."""
    root, handlers, level = logging.getLogger(), [], logging.getLogger().level

    def _capture(fmt="json"):
        buffer = io.StringIO()
        handlers.append(log_setup.configure(default_level=logging.INFO, fmt=fmt, stream=buffer))
        return buffer

    yield _capture
    for handler in handlers:
        root.removeHandler(handler)
    root.setLevel(level)


def lines(buffer):
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


@pytest.fixture
def probe_app(app):
    """The back office with one more URL, whose view logs personal data as a careless view might."""

    @app.route("/probe-log")
    def probe_log():
        log.warning("Refused for %s <%s>", MARIO, EMAIL)
        try:
            raise ValueError(f"bad value {MARIO} from {EMAIL}")
        except ValueError:
            log.exception("Probe failed")
        return "ok"

    return app


def test_json_lines_carry_the_request_id_that_the_response_echoes(probe_app, capture):
    buffer = capture("json")
    response = probe_app.test_client().get("/probe-log")
    request_id = response.headers["X-Request-Id"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    probe = [line for line in lines(buffer) if line["logger"] == "admin.test_probe"]
    assert [line["message"].split()[0] for line in probe] == ["Refused", "Probe"]
    for line in probe:
        assert set(line) >= {"time", "level", "logger", "message", "request_id"}
        assert line["request_id"] == request_id
    assert probe[0]["level"] == "WARNING" and "Traceback" in probe[1]["exc"]
    other = probe_app.test_client().get("/probe-log").headers["X-Request-Id"]
    assert other != request_id, "one id per request"


def test_tax_codes_and_emails_are_masked_in_messages_and_tracebacks(probe_app, capture):
    for fmt in ("json", "text"):
        buffer = capture(fmt)
        probe_app.test_client().get("/probe-log")
        output = buffer.getvalue()
        assert "Refused for [tax code] <[e-mail]>" in output and "bad value [tax code] from [e-mail]" in output
        assert MARIO not in output and MARIO.lower() not in output and EMAIL not in output


def test_values_quoted_by_the_database_are_masked(database, capture):
    buffer = capture("json")
    household = make_household(email=EMAIL)
    person = dict(household=household, first_name="Mario", last_name="Rossi", tax_code=MARIO,
                  birth_date=datetime.date(1980, 1, 1), sex="M", relation="reference")
    m.Person.create(**person)
    try:
        with database.atomic():
            m.Person.create(**person)  # the same tax code twice: refused by the database itself
    except peewee.IntegrityError:
        log.exception("Save refused by the database")
    [line] = [line for line in lines(buffer) if line["logger"] == "admin.test_probe"]
    assert "IntegrityError" in line["exc"] and MARIO not in json.dumps(line)


def test_the_request_id_of_a_trusted_proxy_is_kept_if_well_formed(db_url):
    def app_with(proxies):
        return create_app({"TESTING": True, "ENV": "testing", "SECRET_KEY": "x", "DATABASE_URL": db_url,
                           "SESSION_COOKIE_SECURE": False, "TRUSTED_PROXIES": proxies}).test_client()

    trusted, untrusted = app_with(1), app_with(0)
    assert trusted.get("/health", headers={"X-Request-Id": "edge-42.a"}).headers["X-Request-Id"] == "edge-42.a"
    forged = trusted.get("/health", headers={"X-Request-Id": "x" * 200}).headers["X-Request-Id"]
    assert re.fullmatch(r"[0-9a-f]{32}", forged), "an odd value is replaced, never written to the logs"
    ignored = untrusted.get("/auth/login", headers={"X-Request-Id": "edge-42.a"}).headers["X-Request-Id"]
    assert re.fullmatch(r"[0-9a-f]{32}", ignored), "without a trusted proxy a client's header is not believed"


def test_a_job_run_tags_its_lines(database, capture):
    buffer = capture("json")

    def chatty():
        logging.getLogger("housing.test_job").info("step one for %s", EMAIL)
        return "success", "done"

    run = jobs.recorded(database, jobs.Job("probe", 1, chatty, "test"))
    tagged = [line for line in lines(buffer) if line["request_id"] == f"probe-{run.id}"]
    assert [line["logger"] for line in tagged] == ["housing.test_job", "jobs"]
    assert tagged[0]["message"] == "step one for [e-mail]"


def test_a_refused_save_is_logged_by_its_type_and_constraint_never_its_values(database):
    from admin.views.base import refused_by

    household = make_household(email=EMAIL)
    person = dict(household=household, first_name="Mario", last_name="Rossi", tax_code=MARIO,
                  birth_date=datetime.date(1980, 1, 1), sex="M", relation="reference")
    m.Person.create(**person)
    with pytest.raises(peewee.IntegrityError) as refused:
        with database.atomic():
            m.Person.create(**person)
    said = refused_by(refused.value)
    assert said.startswith("IntegrityError") and MARIO not in said and "Rossi" not in said
    if database.__class__.__name__.startswith("Postgres"):
        assert "person_tax_code" in said
