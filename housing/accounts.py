"""Staff accounts: password hashing (argon2id), creation, login throttling."""
import datetime
import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from housing.vocabulary import ROLES, keys
from models import LoginAttempt, User, db, now

_hasher = PasswordHasher()

MIN_PASSWORD_LENGTH = 12
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")

# Throttling: failed logins counted over a sliding window, per account and
# per address, so one cannot guess a password nor spray many accounts.
FAILURE_WINDOW = datetime.timedelta(minutes=15)
MAX_FAILURES_PER_USERNAME = 5
MAX_FAILURES_PER_ADDRESS = 20


class AccountError(ValueError):
    """A refused account operation; ``field`` names the offending input."""

    def __init__(self, field, message):
        super().__init__(message)
        self.field = field


def hash_password(password):
    return _hasher.hash(password)


def verify_password(user, password):
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def random_password():
    return secrets.token_urlsafe(15)


def check_password(password):
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise AccountError("password", f"La password deve avere almeno {MIN_PASSWORD_LENGTH} caratteri.")


def create_user(username, role, password, full_name=None, email=None, language="it"):
    """Create an active staff account; raise ``AccountError`` on bad input."""
    username = (username or "").strip().lower()
    if not USERNAME_PATTERN.match(username):
        raise AccountError("username", "Nome utente non valido: 2-64 caratteri tra a-z, 0-9, '.', '_' e '-'.")
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


def is_throttled(username, remote_addr, moment=None):
    since = (moment or now()) - FAILURE_WINDOW
    recent = LoginAttempt.select().where(LoginAttempt.at >= since)
    by_user = recent.where(LoginAttempt.username == (username or "").lower()).count()
    by_addr = recent.where(LoginAttempt.remote_addr == remote_addr).count()
    return by_user >= MAX_FAILURES_PER_USERNAME or by_addr >= MAX_FAILURES_PER_ADDRESS


def authenticate(username, password, remote_addr):
    """Return the active user for these credentials, or None.

    Failures are recorded for throttling; a success clears the account's
    recent failures and stamps ``last_login``.
    """
    username = (username or "").strip().lower()
    user = User.get_or_none(User.username == username)
    if user is None or not user.active or not verify_password(user, password or ""):
        LoginAttempt.create(username=username[:64], remote_addr=remote_addr[:64])
        return None
    with db.atomic():
        LoginAttempt.delete().where(LoginAttempt.username == username).execute()
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        user.last_login = now()
        user.save()
    return user
