"""Every setting of the product, in one registry: name, default, meaning, who reads it.

The only module that reads the environment. The back office, the job runner,
the publisher and the commands ask ``get(name)``; an unregistered name is a
programming error (``KeyError``). ``tests/test_settings.py`` fails on an
environment read anywhere else and on a setting missing from the README.
Defaults are strings, as the environment gives them; ``None`` means unset: the
code then uses its own absolute default (a folder of the project), never a
path relative to wherever a process happens to run.
"""
import os
from typing import NamedTuple

BACK_OFFICE, RUNNER, BOTH = "back office", "job runner", "both"


class Setting(NamedTuple):
    name: str
    default: str | None
    help: str
    read_by: str = BOTH


SETTINGS = (
    # -- both processes ------------------------------------------------------------------
    Setting("HOUSING_DATABASE_URL", None, "peewee database URL (DATABASE_URL is read too); default a SQLite file "
            "in the instance folder."),
    Setting("DATABASE_URL", None, "The customary name of HOUSING_DATABASE_URL."),
    Setting("HOUSING_INSTANCE_PATH", None, "Folder of the SQLite database, the secret key file and the backups; "
            "default the project's instance/ folder in a checkout, <sys.prefix>/var/housing-instance once installed "
            "with pip (where the runner's files and the generated YAML go too)."),
    Setting("HOUSING_SITE_PROJECT", None, "Folder of the MkDocs project (mkdocs.yml, overrides, hooks, templates); "
            "default the checkout's site/, or the copy installed with the package."),
    Setting("HOUSING_CONTENT_DIR", None, "Folder of the editorial content (guides, pages, figures, districts, "
            "schemas); default the checkout's content/, or the copy installed with the package."),
    Setting("HOUSING_SITE_URL", "http://127.0.0.1:8001/", "Public address of the published site (shown in the back "
            "office, links of the 404 page)."),
    Setting("HOUSING_PROPOSAL_URL", "", "Public address of the back office's endpoint that receives the site's "
            "form \"Offri il tuo alloggio\" (the form's action, allowed by the site's Content-Security-Policy); "
            "empty: HOUSING_BACKOFFICE_URL + public/landlord-proposal."),
    Setting("HOUSING_LOG_FORMAT", "text", "'json': one JSON object a line (time, level, logger, message, request_id)."),
    Setting("HOUSING_LOG_LEVEL", "", "Log level (DEBUG, INFO, WARNING...; empty: INFO for the runner)."),
    # -- the back office -----------------------------------------------------------------
    Setting("HOUSING_SECRET_KEY", None, "Signs sessions and CSRF tokens. Read from the instance folder's "
            "secret_key file when not set; required unless HOUSING_ENV=development.", BACK_OFFICE),
    Setting("HOUSING_ENV", "production", "'development' allows a throw-away secret key; anything else requires one.",
            BACK_OFFICE),
    Setting("HOUSING_SESSION_COOKIE_SECURE", "true", "Send the session cookie over HTTPS only; set false for "
            "plain-HTTP local use.", BACK_OFFICE),
    Setting("HOUSING_SESSION_HOURS", "8", "Hours a login lasts.", BACK_OFFICE),
    Setting("HOUSING_ASSESSMENT_LOCK_DAYS", "14", "Days an assessment may still be amended; after that a "
            "correction is a new assessment with a reason.", BACK_OFFICE),
    Setting("HOUSING_TRUSTED_PROXIES", "0", "Reverse proxies in front of the back office whose X-Forwarded-For "
            "names the client (login throttling counts per client address); 0 trusts no header.", BACK_OFFICE),
    Setting("HOUSING_PROPOSAL_LIMIT", "5", "Landlords' proposals (the public form) accepted from one client address "
            "in HOUSING_PROPOSAL_WINDOW_MINUTES; more are refused (429).", BACK_OFFICE),
    Setting("HOUSING_PROPOSAL_WINDOW_MINUTES", "60", "Minutes of the proposals' per-address limit.", BACK_OFFICE),
    Setting("HOUSING_PROPOSAL_MIN_SECONDS", "5", "A proposal sent sooner after the form was opened is a bot's: "
            "dropped silently (nothing written, the same answer).", BACK_OFFICE),
    # -- the job runner ------------------------------------------------------------------
    Setting("HOUSING_PUBLISH_EVERY_MINUTES", "10", "Minutes between two publication checks.", RUNNER),
    Setting("HOUSING_SITE_ROOT", None, "Folder of the releases and of the 'current' symlink (default: var/site "
            "in the project, or in the instance folder once installed).", RUNNER),
    Setting("HOUSING_BUILD_TIMEOUT", "600", "Seconds before a MkDocs build is killed.", RUNNER),
    Setting("HOUSING_AXE_CHECK", "0", "'1': axe-core in chromium checks each release (refused on a violation or "
            "without a browser); 'auto': only where chromium and playwright are installed.", RUNNER),
    Setting("HOUSING_CHROMIUM", "/usr/bin/chromium", "The chromium the accessibility check drives.", RUNNER),
    Setting("HOUSING_MKDOCS_HOOKS", "1", "'0': build the site without the MkDocs hooks (site/hooks), as a "
            "successor of MkDocs that runs none would: the same pages, only slower.", RUNNER),
    Setting("HOUSING_INCREMENTAL", "1", "'0': every publication rebuilds the whole site; '1': only the offer pages "
            "whose data changed are rebuilt, the rest of the site from all the data.", RUNNER),
    Setting("HOUSING_SHELL_VERIFY_EVERY", "500", "After the first pages, one built page in this many is checked "
            "against the full theme rendering (a tripwire of the page-shell hook).", RUNNER),
    Setting("HOUSING_JOBS_LOCK", None, "Lock file that keeps a second runner out (SQLite; on PostgreSQL the lock "
            "is in the database; default: var/jobs.lock in the project, or in the instance folder once "
            "installed).", RUNNER),
    Setting("HOUSING_RUNNER_HEARTBEAT", None, "File the runner touches every few seconds while it lives (default: "
            "var/runner.heartbeat in the project, or in the instance folder once installed).", RUNNER),
    Setting("HOUSING_HEALTH_MAX_PUBLICATION_AGE_HOURS", "3", "Hours after the last good publication before health "
            "is degraded."),
    Setting("HOUSING_HEALTH_MAX_BACKUP_AGE_HOURS", "26", "Hours after the last good backup before health is "
            "degraded."),
    Setting("HOUSING_HEALTH_MAX_RUNNER_SILENCE_SECONDS", "60", "Seconds without a heartbeat before the runner is "
            "failing."),
    Setting("HOUSING_BACKUP_AT", "02:30", "Time of day (HH:MM, the machine's time) of the nightly backup.", RUNNER),
    Setting("HOUSING_BACKUP_EVERY_HOURS", "", "Hours between two backups instead of one a night (empty: nightly).",
            RUNNER),
    Setting("HOUSING_BACKUP_DIR", None, "Folder of the backups (default: backups/ in the instance folder).", RUNNER),
    Setting("HOUSING_BACKUP_KEY", "", "Secret that encrypts the backups (empty: not encrypted).", RUNNER),
    Setting("HOUSING_BACKUP_KEEP_DAILY", "7", "Days whose newest backup is kept.", RUNNER),
    Setting("HOUSING_BACKUP_KEEP_WEEKLY", "4", "Weeks whose newest backup is kept.", RUNNER),
    Setting("HOUSING_BACKUP_KEEP_MONTHLY", "12", "Months whose newest backup is kept.", RUNNER),
    Setting("HOUSING_RETENTION_EVERY_DAYS", "7", "Days between two applications of the personal-data retention "
            "rules.", RUNNER),
    # -- e-mail (the job runner sends, the back office shows the outbox) ---------------
    Setting("HOUSING_SMTP_HOST", "", "SMTP server that sends the outbox (empty: nothing is sent, messages stay "
            "queued)."),
    Setting("HOUSING_SMTP_PORT", "", "SMTP port (empty: 25, 587 with starttls, 465 with ssl)."),
    Setting("HOUSING_SMTP_USER", "", "SMTP login (empty: no authentication)."),
    Setting("HOUSING_SMTP_PASSWORD", "", "SMTP password."),
    Setting("HOUSING_SMTP_TLS", "starttls", "'none', 'starttls' or 'ssl' (TLS from the first byte)."),
    Setting("HOUSING_SMTP_TIMEOUT", "30", "Seconds before an SMTP connection or command is given up (the message "
            "is retried)."),
    Setting("HOUSING_MAIL_FROM", "", "Sender address of every e-mail (required to send)."),
    Setting("HOUSING_BACKOFFICE_URL", "http://127.0.0.1:5000/", "Address of the back office, for the links in "
            "e-mails."),
)
BY_NAME = {setting.name: setting for setting in SETTINGS}


def get(name, environ=None):
    """The value of setting ``name`` (a string), its default when unset or empty."""
    setting = BY_NAME[name]  # an unregistered setting is a programming error
    value = (os.environ if environ is None else environ).get(name)
    return setting.default if value is None or value.strip() == "" else value.strip()


def raw(name, environ=None):
    """The value as set, even empty (a password may hold spaces); None when unset."""
    BY_NAME[name]
    return (os.environ if environ is None else environ).get(name)


def read_by(process):
    """The settings a process reads (``BACK_OFFICE`` or ``RUNNER``), those of both included."""
    return tuple(setting for setting in SETTINGS if setting.read_by in (process, BOTH))
