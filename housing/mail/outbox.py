"""The outbox: e-mail queued as rows of ``OutboxMessage``, sent by the job runner over SMTP.

``queue()`` writes a message once per ``message_key``: queueing the same key
again returns the stored message (a digest queued twice in a day is one e-mail).

``send_due()`` sends the queued messages whose time has come. Each batch is
*claimed* in one short transaction before anything is sent: the claim counts
the attempt and moves ``next_attempt_at`` to the end of a lease, so another
runner (another process or host) no longer sees the rows as due. On PostgreSQL
the claim selects with ``FOR UPDATE SKIP LOCKED`` (two runners take different
rows without waiting); on SQLite the transaction is IMMEDIATE, so claims are
serialised. The UPDATE re-checks ``state = 'queued' AND next_attempt_at <= now``
in any case. Then:

- sent: ``state = 'sent'``, ``sent_at``;
- refused for good by the server (5xx for the recipient or the content): ``failed``;
- any other error (server down, timeout, 4xx): back to ``queued`` with the
  error and a later ``next_attempt_at`` (exponential back-off), ``failed``
  after ``MAX_ATTEMPTS``. A connection error ends the run: the rest of the
  batch is released without counting an attempt, for the next run.

A runner that dies mid-batch leaves its claimed rows queued with a lease:
they are due again when it ends (``CLAIM_SECONDS``). A runner that has held a
batch for half the lease releases what it has not sent yet, so a lease never
expires under a runner that is still sending. Without SMTP configured
(``settings.smtp_settings()`` is None) nothing is claimed: messages stay queued.
"""
import datetime
import email.utils
import hashlib
import logging
import smtplib
import ssl
import time
from email import charset
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from typing import NamedTuple

from peewee import IntegrityError, fn

from housing.database import is_postgres
from housing.mail.settings import smtp_settings
from models import OutboxMessage, now

log = logging.getLogger("housing.mail")

MAX_ATTEMPTS = 8
FIRST_RETRY_SECONDS = 60
MAX_RETRY_SECONDS = 6 * 3600
CLAIM_SECONDS = 600
BATCH_SIZE = 100
UTF8 = charset.Charset("utf-8")  # quoted-printable: readable, 7-bit safe
UTF8.header_encoding = UTF8.body_encoding = charset.QP
LIMITS = {"message_key": 200, "recipient": 254, "subject": 300, "related_table": 64}


class OutboxError(ValueError):
    """A message that cannot be queued; ``field`` names the bad value."""

    def __init__(self, field, message):
        super().__init__(f"{field}: {message}")
        self.field = field


class SendReport(NamedTuple):
    sent: int = 0
    retried: int = 0
    failed: int = 0
    released: int = 0
    configured: bool = True


def retry_delay(attempts):
    """Seconds before the next attempt after ``attempts`` failed ones: 1, 2, 4... minutes, at most 6 hours."""
    return min(FIRST_RETRY_SECONDS * 2 ** max(attempts - 1, 0), MAX_RETRY_SECONDS)


# -- queueing -------------------------------------------------------------------

def check(message_key, recipient, subject, body_text, related_table=None):
    """Raise ``OutboxError`` for the first bad value of a message."""
    values = {"message_key": message_key, "recipient": recipient, "subject": subject, "related_table": related_table}
    for field, text in values.items():
        if field != "related_table" and not (text or "").strip():
            raise OutboxError(field, "required.")
        if text and len(text) > LIMITS[field]:
            raise OutboxError(field, f"at most {LIMITS[field]} characters.")
        if text and any(ch in text for ch in "\r\n"):
            raise OutboxError(field, "must be one line.")
    name, address = email.utils.parseaddr(recipient)
    if not address or address.count("@") != 1 or " " in address or not address.split("@")[1]:
        raise OutboxError("recipient", f"{recipient!r} is not an e-mail address.")
    if not (body_text or "").strip():
        raise OutboxError("body_text", "required.")


def queue(message_key, recipient, subject, body_text, body_html=None, related=None, at=None, attachment=None):
    """Queue a message once per ``message_key``: (message, created). ``related`` is a
    record or a (table, id) pair; ``attachment`` an optional (file name, MIME type,
    text), such as a viewing's ``.ics``. Raise ``OutboxError`` on bad input (nothing written)."""
    related_table, related_id = _related(related)
    check(message_key, recipient, subject, body_text, related_table)
    attachment_name, attachment_type, attachment_text = attachment or (None, None, None)
    if attachment and (not attachment_name or "/" not in (attachment_type or "") or not attachment_text):
        raise OutboxError("attachment", "a file name, a MIME type and a text are required.")
    existing = OutboxMessage.get_or_none(OutboxMessage.message_key == message_key)
    if existing is not None:
        return existing, False
    at = at or now()
    try:
        with OutboxMessage._meta.database.atomic():
            message = OutboxMessage.create(
                message_key=message_key, recipient=recipient.strip(), subject=subject.strip(), body_text=body_text,
                body_html=body_html, related_table=related_table, related_id=related_id,
                next_attempt_at=at, created_at=at, attachment_name=attachment_name,
                attachment_type=attachment_type, attachment=attachment_text)
    except IntegrityError:  # queued at the same moment by another process
        return OutboxMessage.get(OutboxMessage.message_key == message_key), False
    return message, True


def resend(message_id, at=None):
    """Put a failed (or sent) message back in the queue, attempts from zero ("reinvia")."""
    return (OutboxMessage.update(state="queued", attempts=0, next_attempt_at=at or now(), last_error=None)
            .where((OutboxMessage.id == message_id) & (OutboxMessage.state != "queued")).execute())


def state_counts():
    """{state: number of messages}."""
    return dict(OutboxMessage.select(OutboxMessage.state, fn.COUNT(OutboxMessage.id))
                .group_by(OutboxMessage.state).tuples())


def _related(related):
    if related is None:
        return None, None
    if isinstance(related, tuple):
        return related
    return related._meta.table_name, related.get_id()


# -- sending --------------------------------------------------------------------

def claim(database, size=BATCH_SIZE, at=None):
    """Claim up to ``size`` due messages for this runner: their ids, in order."""
    at = at or now()
    lease_end = at + datetime.timedelta(seconds=CLAIM_SECONDS)
    due = (OutboxMessage.state == "queued") & (OutboxMessage.next_attempt_at <= at)
    with database.atomic():
        query = (OutboxMessage.select(OutboxMessage.id).where(due)
                 .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(size))
        if is_postgres(database):
            query = query.for_update(skip_locked=True)
        ids = [row.id for row in query]
        if not ids:
            return [], lease_end
        (OutboxMessage.update(attempts=OutboxMessage.attempts + 1, next_attempt_at=lease_end)
         .where(OutboxMessage.id.in_(ids) & due).execute())
        claimed = [row.id for row in OutboxMessage.select(OutboxMessage.id).where(
            OutboxMessage.id.in_(ids) & (OutboxMessage.next_attempt_at == lease_end)).order_by(OutboxMessage.id)]
    return claimed, lease_end


def release(ids, lease_end, at=None):
    """Give claimed, unsent messages back to the queue without counting the attempt."""
    if not ids:
        return 0
    return (OutboxMessage.update(attempts=OutboxMessage.attempts - 1, next_attempt_at=at or now())
            .where(OutboxMessage.id.in_(ids) & (OutboxMessage.state == "queued")
                   & (OutboxMessage.next_attempt_at == lease_end)).execute())


def build(message, sender):
    """The MIME message of an outbox row (plain text, and HTML as its alternative);
    its Message-ID derives from the key. Built with the compat32 classes: three
    times faster than ``EmailMessage`` (``bench/mail.py``), the same bytes on the wire."""
    text = MIMEText(message.body_text, "plain", UTF8)
    if message.body_html:
        mail = MIMEMultipart("alternative")
        mail.attach(text)
        mail.attach(MIMEText(message.body_html, "html", UTF8))
    else:
        mail = text
    if message.attachment:
        whole = MIMEMultipart("mixed")
        whole.attach(mail)
        main, sub = message.attachment_type.split("/", 1)
        part = MIMEText(message.attachment, sub, UTF8) if main == "text" else MIMEText(message.attachment, "plain", UTF8)
        part.add_header("Content-Disposition", "attachment", filename=message.attachment_name)
        whole.attach(part)
        mail = whole
    mail["From"] = _address(sender)
    mail["To"] = _address(message.recipient)
    mail["Subject"] = Header(message.subject, UTF8)
    mail["Date"] = email.utils.formatdate(localtime=True)
    digest = hashlib.sha256(message.message_key.encode()).hexdigest()[:32]
    mail["Message-ID"] = f"<{digest}@{email.utils.parseaddr(sender)[1].rsplit('@', 1)[-1]}>"
    mail["Auto-Submitted"] = "auto-generated"
    return mail


def _address(text):
    """``Name <address>`` with a non-ASCII name encoded (RFC 2047)."""
    name, address = email.utils.parseaddr(text)
    return email.utils.formataddr((name, address), charset="utf-8")


class SmtpConnection:
    """One SMTP connection, opened at the first message and reused for the next ones."""

    def __init__(self, settings):
        self.settings = settings
        self.smtp = None

    def open(self):
        """Connect, TLS, log in; any failure is a ``ConnectionFailed`` (the run stops)."""
        s, smtp = self.settings, None
        try:
            if s.tls == "ssl":
                smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=ssl.create_default_context())
            else:
                smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
                if s.tls == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
            if s.user:
                smtp.login(s.user, s.password)
        except (smtplib.SMTPException, OSError) as error:
            if smtp is not None:
                smtp.close()
            raise ConnectionFailed(f"{type(error).__name__}: {error}") from error
        self.smtp = smtp

    def send(self, mail):
        if self.smtp is None:
            self.open()
        self.smtp.send_message(mail)

    def close(self):
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                self.smtp.close()
        self.smtp = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def is_permanent(error):
    """True when the server refused this message for good (5xx for its recipient or content)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    return isinstance(error, smtplib.SMTPDataError) and error.smtp_code >= 500


class ConnectionFailed(smtplib.SMTPException):
    """The SMTP server could not be reached, or refused the TLS or the login."""


def breaks_connection(error):
    """True when the connection itself failed (not one message's refusal): the run
    stops, the rest of the batch waits for the next run."""
    refusals = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError)
    return isinstance(error, ConnectionFailed) or not isinstance(error, refusals)


def send_due(database, settings=None, at=None, limit=None, connection=None, batch_size=BATCH_SIZE):
    """Send the due messages over SMTP: a ``SendReport``. Nothing is claimed when
    SMTP is not configured. ``at`` fixes the clock (tests); ``limit`` caps the run."""
    settings = settings or smtp_settings()
    if settings is None:
        return SendReport(configured=False)
    counts = {"sent": 0, "retried": 0, "failed": 0, "released": 0}
    with (connection or SmtpConnection(settings)) as smtp:
        while limit is None or counts["sent"] + counts["failed"] + counts["retried"] < limit:
            size = batch_size if limit is None else min(batch_size, limit - counts["sent"] - counts["failed"] - counts["retried"])
            ids, lease_end = claim(database, size, at)
            if not ids:
                break
            if not _send_batch(smtp, settings, ids, lease_end, at, counts):
                break
    return SendReport(**counts)


def _send_batch(smtp, settings, ids, lease_end, at, counts):
    """Send one claimed batch; False when the run must stop (connection lost, lease half gone)."""
    started = time.monotonic()
    messages = {m.id: m for m in OutboxMessage.select().where(OutboxMessage.id.in_(ids))}
    for position, message_id in enumerate(ids):
        if time.monotonic() - started > CLAIM_SECONDS / 2:
            counts["released"] += release(ids[position:], lease_end, at)
            return False
        message = messages[message_id]
        try:
            smtp.send(build(message, settings.sender))
        except (smtplib.SMTPException, OSError) as error:
            _record_failure(message, error, at, counts)
            if breaks_connection(error):
                smtp.close()
                counts["released"] += release(ids[position + 1:], lease_end, at)
                return False
            continue
        mark_sent(message_id, at)
        counts["sent"] += 1
    return True


def mark_sent(message_id, at=None):
    """Record a sent message in its own transaction, at once (a runner dying after
    it would otherwise send the message again). On PostgreSQL the commit does not
    wait for the disk (``synchronous_commit`` off for this transaction only): only
    a crash of the database server in the next fraction of a second could lose the
    mark, and the commit costs a fifth (``bench/mail.py``)."""
    database = OutboxMessage._meta.database
    with database.atomic():
        if is_postgres(database):
            database.execute_sql("SET LOCAL synchronous_commit TO OFF")
        OutboxMessage.update(state="sent", sent_at=at or now(), last_error=None).where(
            OutboxMessage.id == message_id).execute()


def error_kind(error):
    """What a log may say of a sending error: its class and SMTP code, not its text."""
    code = getattr(error, "smtp_code", None)
    return f"{type(error).__name__} {code}" if code else type(error).__name__


def _record_failure(message, error, at, counts):
    text = f"{type(error).__name__}: {error}"[:1000]
    attempts = message.attempts  # the claim counted this attempt (read after it)
    if is_permanent(error) or attempts >= MAX_ATTEMPTS:
        OutboxMessage.update(state="failed", last_error=text).where(OutboxMessage.id == message.id).execute()
        counts["failed"] += 1
        # the log names the message, never its recipient: addresses are personal data, and the
        # server's reply often quotes them (the full text stays in the outbox, for administrators)
        log.warning("e-mail %s failed for good: %s", message.id, error_kind(error))
    else:
        retry_at = (at or now()) + datetime.timedelta(seconds=retry_delay(attempts))
        OutboxMessage.update(last_error=text, next_attempt_at=retry_at).where(OutboxMessage.id == message.id).execute()
        counts["retried"] += 1
        log.info("e-mail %s not sent (attempt %s), retry at %s: %s", message.id, attempts, retry_at, error_kind(error))
