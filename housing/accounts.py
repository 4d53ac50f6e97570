"""Staff accounts: password hashing (argon2id), creation, login throttling, sessions."""
import datetime
import functools
import secrets
import unicodedata

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from housing import validation
from housing.vocabulary import ROLES, keys
from models import LoginAttempt, User, db, now

_hasher = PasswordHasher()

MIN_PASSWORD_LENGTH = 12

# Throttling: failed logins counted over a sliding window. The tight limit is
# per (address, account) pair, so a guesser locks out only itself; an address
# trying many accounts (a spray) and an account tried from many addresses hit
# higher ceilings. The address is the client's own only when the proxy in
# front is trusted (setting TRUSTED_PROXIES): otherwise every colleague behind
# a reverse proxy shares one address, and its ceiling is the office's.
FAILURE_WINDOW = datetime.timedelta(minutes=15)
MAX_FAILURES_PER_PAIR = 5
MAX_FAILURES_PER_ACCOUNT = 20
MAX_FAILURES_PER_ADDRESS = 50


class Throttled(Exception):
    """Too many failed logins for this account or address: try again later."""


class AccountError(ValueError):
    """A refused account operation; ``field`` names the offending input."""

    def __init__(self, field, message):
        super().__init__(message)
        self.field = field


def normalise_username(username):
    """The one spelling of a username, for the login, the throttle and new accounts."""
    return unicodedata.normalize("NFKC", username or "").strip().lower()


def hash_password(password):
    return _hasher.hash(password)


@functools.lru_cache(maxsize=4)
def _dummy_hash(hasher):
    # A hash with the hasher's own cost, verified for unknown or inactive
    # accounts so that they take as long as a wrong password.
    return hasher.hash(secrets.token_urlsafe(16))


def verify_password(user, password):
    """True when ``password`` is ``user``'s; with ``user`` None, the same work and False."""
    stored = user.password_hash if user is not None else _dummy_hash(_hasher)
    try:
        return _hasher.verify(stored, password) and user is not None
    except (VerificationError, InvalidHashError):
        return False


def random_password():
    return secrets.token_urlsafe(15)


def check_password(password):
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise AccountError("password", f"La password deve avere almeno {MIN_PASSWORD_LENGTH} caratteri.")


def check_username(username):
    """``username`` in its one spelling, or ``AccountError``: the rule of the
    account form (``housing.validation``), applied to the spelling stored."""
    username = normalise_username(username)
    for message in validation.validate("user", {"username": username}).get("username", []):
        raise AccountError("username", message)
    return username


def create_user(username, role, password, full_name=None, email=None, language="it"):
    """Create an active staff account; raise ``AccountError`` on bad input."""
    username = check_username(username)
    if role not in keys(ROLES):
        raise AccountError("role", f"Ruolo sconosciuto: {role!r} (ammessi: {', '.join(keys(ROLES))}).")
    check_password(password)
    with db.atomic():
        if User.select().where(User.username == username).exists():
            raise AccountError("username", f"Esiste già un utente {username!r}.")
        return User.create(
            username=username,
            role=role,
            full_name=full_name or username,
            email=email,
            language=language,
            password_hash=hash_password(password),
        )


def end_sessions(user):
    """End every session ``user`` has opened so far (logout, new password, deactivation).

    The session keeps the account's ``session_version`` from its login and the
    back office refuses it once the two differ. An UPDATE, so that two bumps at
    once both count and the account's edit version is not touched.
    """
    User.update(session_version=User.session_version + 1).where(User.id == user.id).execute()
    user.session_version = User.select(User.session_version).where(User.id == user.id).scalar()


def set_password(user, password):
    """Give ``user`` a new password (checked) and end the sessions opened with the old one."""
    check_password(password)
    with db.atomic():
        user.password_hash = hash_password(password)
        User.update(password_hash=user.password_hash).where(User.id == user.id).execute()
        end_sessions(user)


def set_active(user, active):
    """Activate or deactivate ``user``; a deactivation ends the account's sessions for good."""
    with db.atomic():
        User.update(active=bool(active)).where(User.id == user.id).execute()
        user.active = bool(active)
        if not active:
            end_sessions(user)


def _throttle_key(username):
    return normalise_username(username)[:64]


def _over_limits(account, address, moment=None):
    """True when the recorded attempts (the caller's own included) exceed a limit."""
    recent = LoginAttempt.select().where(LoginAttempt.at >= (moment or now()) - FAILURE_WINDOW)
    by_account = recent.where(LoginAttempt.username == account)
    return (by_account.where(LoginAttempt.remote_addr == address).count() > MAX_FAILURES_PER_PAIR
            or by_account.count() > MAX_FAILURES_PER_ACCOUNT
            or recent.where(LoginAttempt.remote_addr == address).count() > MAX_FAILURES_PER_ADDRESS)


def authenticate(username, password, remote_addr):
    """Return the active user for these credentials, or None; raise ``Throttled``.

    The attempt is recorded before the limits are read and the password is
    checked, so that concurrent guesses cannot all pass a count taken before
    any of them was recorded; a throttled attempt removes its row. A wrong
    password keeps it as a failure. An unknown or inactive account costs the
    same password verification as a wrong password (no timing oracle). A
    success clears the failures of its own (address, account) pair only, so
    that the owner logging in elsewhere does not reset a guesser's count, and
    stamps ``last_login``.
    """
    account, address = _throttle_key(username), (remote_addr or "unknown")[:64]
    attempt = LoginAttempt.create(username=account, remote_addr=address)
    if _over_limits(account, address):
        attempt.delete_instance()
        raise Throttled()
    user = User.get_or_none(User.username == normalise_username(username))
    verified = verify_password(user, password or "")
    if not (verified and user.active):
        return None
    with db.atomic():
        LoginAttempt.delete().where((LoginAttempt.username == account)
                                    & (LoginAttempt.remote_addr == address)).execute()
        changes = {User.last_login: now()}
        if _hasher.check_needs_rehash(user.password_hash):
            changes[User.password_hash] = hash_password(password)
        # An UPDATE, not save(): a login must not count as an edit of the account
        # (it would bump its version and refuse an administrator's open form).
        User.update(changes).where(User.id == user.id).execute()
    return User.get_by_id(user.id)
