"""Staff accounts: password hashing (argon2id), the password policy, creation,
one's own password and language, an administrator's reset, login throttling, sessions."""
import datetime
import functools
import re
import secrets
import unicodedata

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from housing import audit, display, validation
from housing.messages import N_, in_language, translated
from housing.vocabulary import ROLES, keys
from models import LoginAttempt, User, db, now

_hasher = PasswordHasher()

MIN_PASSWORD_LENGTH = 12
# zxcvbn's score (0-4) estimates the guesses an attacker needs, with its
# frequency lists of common passwords, names and words: below 3 the password
# is one of the common ones or a light variation of one.
MIN_PASSWORD_SCORE = 3
# Characters of the password left once the username, the name and the e-mail's
# local part are taken out: fewer and the password is mostly the person's own data.
MIN_OWN_CHARACTERS = 8
# zxcvbn's time grows with the length; what follows adds strength anyway.
SCORED_PREFIX = 64
LANGUAGES = ("it", "en")
# Not copied into the trail of an account change: counters, not facts about the person.
UNAUDITED_FIELDS = ("session_version", "version")

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
    """A refused account operation; ``field`` names the offending input.

    ``error.it`` is the Italian message, ``error.en`` the English one;
    ``str(error)`` is the one in the reader's language (``housing.messages``).
    """

    def __init__(self, field, message, en=None):
        self.it, self.en = message, en or message
        super().__init__(self.en if display.language.get() == "en" else self.it)
        self.field = field

    @classmethod
    def of(cls, field, template, **values):
        """The error of ``template`` (an Italian msgid marked with ``N_``) in both languages."""
        return cls(field, translated(template, "it", **values), translated(template, "en", **values))


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


def _folded(text):
    """Lower case letters and digits only: "Giulia.Rossi" and "giuliarossi" are one."""
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", text or "").casefold())


def personal_words(*personal):
    """The words of a person's username, name and e-mail address (its local part)."""
    words = set()
    for value in personal:
        value = (value or "").split("@")[0]
        words.update(_folded(word) for word in re.split(r"[\s._\-+@]+", value))
        words.add(_folded(value))
    return sorted((word for word in words if len(word) >= 3), key=len, reverse=True)


def _too_short(password, words):
    return len(password) < MIN_PASSWORD_LENGTH


def _too_personal(password, words):
    rest = _folded(password)
    for word in words:  # longest first: "giuliarossi" before "giulia"
        rest = rest.replace(word, "")
    return len(rest) < MIN_OWN_CHARACTERS


def _too_common(password, words):
    from zxcvbn import zxcvbn  # its frequency lists take ~80 ms to load: only when a password is set

    return zxcvbn(password[:SCORED_PREFIX], user_inputs=words)["score"] < MIN_PASSWORD_SCORE


# La politica delle password: checked in this order, the first failure is reported
# (its message in Italian and in English, from the ``housing`` catalogue).
PASSWORD_RULES = tuple((refused, translated(message, "it", count=MIN_PASSWORD_LENGTH),
                        translated(message, "en", count=MIN_PASSWORD_LENGTH)) for refused, message in (
    (_too_short, N_("La password deve avere almeno %(count)s caratteri.")),
    (_too_personal, N_("La password somiglia troppo al nome utente, al nome o all'e-mail: sceglierne una diversa.")),
    (_too_common, N_("La password è tra le più comuni o facile da indovinare: usare una frase di più parole.")),
))


def check_password(password, *personal, field="password"):
    """Raise ``AccountError`` when ``password`` breaks the policy; ``personal``
    are the account's username, full name and e-mail (any may be None)."""
    password = password or ""
    words = personal_words(*personal)
    for refused, it, en in PASSWORD_RULES:
        if refused(password, words):
            raise AccountError(field, it, en)


def check_username(username):
    """``username`` in its one spelling, or ``AccountError``: the rule of the
    account form (``housing.validation``), applied to the spelling stored."""
    username = normalise_username(username)
    def refusals():
        return validation.validate("user", {"username": username}).get("username", [])

    for it, en in zip(in_language("it", refusals), in_language("en", refusals)):
        raise AccountError("username", it, en)
    return username


def create_user(username, role, password, full_name=None, email=None, language="it"):
    """Create an active staff account; raise ``AccountError`` on bad input."""
    username = check_username(username)
    if role not in keys(ROLES):
        raise AccountError.of("role", N_("Ruolo sconosciuto: %(role)r (ammessi: %(allowed)s)."), role=role,
                              allowed=", ".join(keys(ROLES)))
    check_password(password, username, full_name, email)
    with db.atomic():
        if User.select().where(User.username == username).exists():
            raise AccountError.of("username", N_("Esiste già un utente %(username)r."), username=username)
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


def _audited_snapshot(user_id):
    data = audit.snapshot(User.get_by_id(user_id))
    for name in UNAUDITED_FIELDS:
        data.pop(name, None)
    return data


def set_password(user, password, actor=None, must_change=False, field="password"):
    """Give ``user`` a new password (checked against the policy) and end the
    sessions opened with the old one; audited as ``actor``'s change (the
    trail says that the password changed, never what it is).

    ``must_change``: a temporary password set by an administrator, to be
    replaced at the next login.
    """
    check_password(password, user.username, user.full_name, user.email, field=field)
    with db.atomic():
        before = _audited_snapshot(user.id)
        user.password_hash = hash_password(password)
        user.must_change_password = bool(must_change)
        user.password_changed_at = now()
        User.update(password_hash=user.password_hash, must_change_password=user.must_change_password,
                    password_changed_at=user.password_changed_at).where(User.id == user.id).execute()
        end_sessions(user)
        audit.record(actor, "update", user, before, _audited_snapshot(user.id))


def change_own_password(user, current, new, confirmation, remote_addr=None):
    """Il cambio della propria password: the current one proves that the
    person at the keyboard owns the account (a session left open is not
    enough), and counts as a login attempt for the throttle, so that an open
    session cannot be used to guess it. Ends the account's other sessions.
    """
    account, address = _throttle_key(user.username), (remote_addr or "unknown")[:64]
    attempt = LoginAttempt.create(username=account, remote_addr=address)
    if _over_limits(account, address):
        attempt.delete_instance()
        raise Throttled()
    if not verify_password(user, current or ""):
        raise AccountError.of("current_password", N_("La password attuale non è corretta."))
    attempt.delete_instance()
    if (new or "") != (confirmation or ""):
        raise AccountError.of("confirm_password", N_("Le due nuove password non coincidono."))
    if new == current:
        raise AccountError.of("new_password", N_("La nuova password deve essere diversa da quella attuale."))
    set_password(user, new, actor=user, field="new_password")


def reset_password(user, actor, password=None):
    """Il reset da parte di un amministratore: a temporary password (the one
    given, or a random one) that ``user`` must replace at the next login.
    Returns the password, to be shown once."""
    password = password or random_password()
    set_password(user, password, actor=actor, must_change=True)
    return password


def set_language(user, language, actor=None):
    """The language of ``user``'s interface (``it`` or ``en``), audited."""
    if language not in LANGUAGES:
        raise AccountError.of("language", N_("Lingua non prevista: scegliere Italiano o English."))
    with db.atomic():
        before = _audited_snapshot(user.id)
        User.update(language=language).where(User.id == user.id).execute()
        user.language = language
        audit.record(actor or user, "update", user, before, _audited_snapshot(user.id))


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
