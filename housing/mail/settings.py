"""The e-mail settings, as data: read from the environment, checked, named in errors.

Without ``HOUSING_SMTP_HOST`` and ``HOUSING_MAIL_FROM`` no e-mail is sent:
messages stay queued in the outbox until SMTP is configured.
"""
from typing import NamedTuple

from housing import settings as registry

TLS_MODES = ("none", "starttls", "ssl")
DEFAULT_PORTS = {"none": 25, "starttls": 587, "ssl": 465}


class SettingError(ValueError):
    """A setting with a bad value; ``name`` is the environment variable."""

    def __init__(self, name, message):
        super().__init__(f"{name}: {message}")
        self.name = name


class SmtpSettings(NamedTuple):
    host: str
    port: int
    user: str
    password: str
    tls: str
    timeout: float
    sender: str


def value(name, environ=None):
    return registry.get(name, environ) or ""


def smtp_settings(environ=None):
    """The SMTP settings, or None when SMTP is not configured (no host or no sender).

    Raise ``SettingError`` naming the variable when a value is unusable."""
    host, sender = value("HOUSING_SMTP_HOST", environ), value("HOUSING_MAIL_FROM", environ)
    if not host or not sender:
        return None
    tls = value("HOUSING_SMTP_TLS", environ).lower()
    if tls not in TLS_MODES:
        raise SettingError("HOUSING_SMTP_TLS", f"{tls!r} is not one of {', '.join(TLS_MODES)}.")
    port = _number("HOUSING_SMTP_PORT", environ, int, DEFAULT_PORTS[tls])
    if not 0 < port < 65536:
        raise SettingError("HOUSING_SMTP_PORT", f"{port} is not a port (1-65535).")
    timeout = _number("HOUSING_SMTP_TIMEOUT", environ, float, 30.0)
    if timeout <= 0:
        raise SettingError("HOUSING_SMTP_TIMEOUT", "must be more than 0 seconds.")
    if "@" not in sender or any(ch in sender for ch in "\r\n"):
        raise SettingError("HOUSING_MAIL_FROM", f"{sender!r} is not an e-mail address.")
    return SmtpSettings(host, port, value("HOUSING_SMTP_USER", environ),
                        registry.raw("HOUSING_SMTP_PASSWORD", environ) or "",
                        tls, timeout, sender)


def backoffice_url(environ=None):
    """The back office's address, ending with one slash."""
    return value("HOUSING_BACKOFFICE_URL", environ).rstrip("/") + "/"


def _number(name, environ, kind, default):
    text = value(name, environ)
    if not text:
        return default
    try:
        return kind(text)
    except ValueError:
        raise SettingError(name, f"{text!r} is not a number.") from None
