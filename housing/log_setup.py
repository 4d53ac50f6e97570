"""Logs of the back office and of the job runner: optionally JSON, with request ids, masked.

``HOUSING_LOG_FORMAT=json`` writes one JSON object a line (time, level, logger,
message, request_id, and the traceback as ``exc`` when there is one), as log
collectors expect; anything else writes plain text lines. ``HOUSING_LOG_LEVEL``
sets the level (default: INFO for the runner, unchanged for the back office).

Every request of the back office gets an id (``RequestIds``): the proxy's
``X-Request-Id`` when the proxy is trusted (``HOUSING_TRUSTED_PROXIES`` > 0)
and the value is a plain token, else a new one; it is echoed in the response's
``X-Request-Id`` header and stamped on every line logged while serving it.

Our log calls never print form data. As a safety net against an error text
that quotes a value, every line is masked, in the message and in the traceback
alike: whatever looks like an Italian tax code or an e-mail address, and the
values PostgreSQL quotes in its errors ("Key (email)=(...) already exists",
"Failing row contains (...)").
"""
import contextlib
import contextvars
import datetime
import json
import logging
import re
import sys
import uuid

from housing import settings

request_id = contextvars.ContextVar("request_id", default=None)

TAX_CODE = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{6}[0-9LMNPQRSTUVlmnpqrstuv]{2}[A-EHLMPR-Ta-ehlmpr-t]"
                      r"[0-9LMNPQRSTUVlmnpqrstuv]{2}[A-Za-z][0-9LMNPQRSTUVlmnpqrstuv]{3}[A-Za-z](?![A-Za-z0-9])")
EMAIL = re.compile(r"[\w.%+-]+@[\w-]+(?:\.[\w-]+)+")
# PostgreSQL quotes the values of a refused row in its errors, a name as readily as a code:
# the rest of such a line goes, whatever it holds.
DATABASE_VALUES = re.compile(r"(Key \([^)\n]*\)=|Failing row contains |portal parameter \$\d+ = |invalid input syntax for type [\w ]+: ).*")
# A proxy's id is believed only in this shape: it is written to every log line.
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def mask(text):
    text = DATABASE_VALUES.sub(lambda match: match.group(1) + "[values]", text)
    return EMAIL.sub("[e-mail]", TAX_CODE.sub("[tax code]", text))


class PersonalDataFilter(logging.Filter):
    """Masks tax codes and e-mail addresses and stamps the request id; on a handler, so every logger's records pass."""

    def filter(self, record):
        record.request_id = request_id.get() or "-"
        message = record.getMessage()
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
        if record.stack_info:
            record.stack_info = mask(record.stack_info)
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record):
        line = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": request_id.get() or getattr(record, "request_id", None),
        }
        if line["request_id"] == "-":
            line["request_id"] = None
        if record.exc_info and not record.exc_text:
            record.exc_text = mask(self.formatException(record.exc_info))
        if record.exc_text:
            line["exc"] = record.exc_text
        if record.stack_info:
            line["stack"] = record.stack_info
        return json.dumps(line, ensure_ascii=False, default=str)


class StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time (a test's capture, a redirected stream)."""

    def __init__(self, stream=None):
        super().__init__(stream)
        self.fixed = stream

    @property
    def stream(self):
        return self.fixed or sys.stderr

    @stream.setter
    def stream(self, value):
        pass


def configure(default_level=None, fmt=None, stream=None):
    """Install our handler on the root logger (once: a second call replaces it) and return it."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "housing", False)]:
        root.removeHandler(handler)
    handler = StderrHandler(stream)
    handler.housing = True
    handler.addFilter(PersonalDataFilter())
    fmt = (fmt or settings.get("HOUSING_LOG_FORMAT") or "text").strip().lower()
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    root.addHandler(handler)
    level = settings.get("HOUSING_LOG_LEVEL").upper() or default_level
    if level:
        root.setLevel(level if isinstance(level, int) or level in logging.getLevelNamesMapping() else "INFO")
    return handler


@contextlib.contextmanager
def tagged(value):
    """Stamp ``value`` as the request id of what is logged inside (a job run, a request)."""
    token = request_id.set(value)
    try:
        yield value
    finally:
        request_id.reset(token)


def new_id():
    return uuid.uuid4().hex


class RequestIds:
    """WSGI middleware: an id per request, logged with every line and echoed in ``X-Request-Id``."""

    def __init__(self, app, trust_header=False):
        self.app, self.trust_header = app, trust_header

    def __call__(self, environ, start_response):
        given = environ.get("HTTP_X_REQUEST_ID", "") if self.trust_header else ""
        value = given if REQUEST_ID.fullmatch(given) else new_id()
        environ["housing.request_id"] = value

        def start(status, headers, exc_info=None):
            headers = [(k, v) for k, v in headers if k.lower() != "x-request-id"] + [("X-Request-Id", value)]
            return start_response(status, headers, exc_info)

        with tagged(value):
            return self.app(environ, start)


def init_app(app):
    """Wire the back office (duck-typed: no Flask import here): logging, then request ids."""
    configure()
    app.wsgi_app = RequestIds(app.wsgi_app, trust_header=int(app.config.get("TRUSTED_PROXIES") or 0) > 0)
