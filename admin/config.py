"""Settings of the back office, as data: name, default and meaning.

Each setting is read from the environment with the ``HOUSING_`` prefix
(``HOUSING_SECRET_KEY``...); ``DATABASE_URL`` is also read unprefixed, as is
customary. ``tests/test_config.py`` fails when a setting is not in the README.
"""
from typing import NamedTuple


class Setting(NamedTuple):
    name: str
    default: object
    help: str


SETTINGS = (
    Setting("SECRET_KEY", None, "Signs sessions and CSRF tokens. Read from the instance folder's secret_key file "
            "when not set; required unless HOUSING_ENV=development."),
    Setting("INSTANCE_PATH", None, "Folder of the SQLite database, the secret key file and the backups; "
            "default the project's instance/ folder."),
    Setting("ENV", "production", "'development' allows a throw-away secret key; anything else requires one."),
    Setting("DATABASE_URL", None, "peewee database URL; default a SQLite file in the instance folder."),
    Setting("SESSION_COOKIE_SECURE", True, "Send the session cookie over HTTPS only; set false for plain-HTTP local use."),
    Setting("SESSION_HOURS", 8, "Hours a login lasts."),
    Setting("ASSESSMENT_LOCK_DAYS", 14, "Days an assessment may still be amended; after that a correction is a new assessment with a reason."),
    Setting("SITE_URL", "", "Public address of the published site, shown in the back office."),
    Setting("TRUSTED_PROXIES", 0, "Reverse proxies in front of the back office whose X-Forwarded-For names the client "
            "(login throttling counts per client address); 0 trusts no header."),
)
