"""The daily digest: one e-mail a day to each staff member with what is due for them.

The items and who gets them are ``housing.mail.due``; the words are
``housing.mail.digest_texts``, in the user's language (``User.language``).
Each line links to its record in the back office (``HOUSING_BACKOFFICE_URL``);
a section prints its first ``MAX_LINES`` lines, then one line "and N more"
linking to the section's list.

Preferences (``DigestPreference``; no row: on, from 7:00): the hourly job
``queue_digests`` queues the digest of every active user with an e-mail whose
hour has come today; the message key ``digest:<user id>:<day>`` makes it one
e-mail a day however often the job runs. An empty digest is not sent.
"""
import datetime
import html
import logging
from typing import NamedTuple

from peewee import JOIN

from housing import display
from housing import vocabulary as v
from housing.mail import due, outbox
from housing.mail.digest_texts import HEADINGS, LINES, TEXTS, language
from housing.mail.settings import backoffice_url
from housing.workflow import step_label
from models import DigestPreference, OutboxMessage, User, now

DEFAULT_HOUR = 7
MAX_LINES = 25  # lines per section; the rest is one line linking to the section's list
log = logging.getLogger("housing.mail")


class Digest(NamedTuple):
    subject: str
    text: str
    html: str
    count: int


class PreferenceError(ValueError):
    """A refused preference; ``field`` names it."""

    def __init__(self, field, message):
        super().__init__(f"{field}: {message}")
        self.field = field


# -- preferences ------------------------------------------------------------------

def preference(user):
    """(digest on, hour) of ``user``: the stored preference or the defaults."""
    stored = DigestPreference.get_or_none(DigestPreference.user == user.id)
    return (stored.daily_digest, stored.hour) if stored else (True, DEFAULT_HOUR)


def immediate_notices(user):
    """Whether ``user`` wants an e-mail at once when a step they own stalls (default: no)."""
    stored = DigestPreference.get_or_none(DigestPreference.user == user.id)
    return bool(stored and stored.immediate_notices)


def set_preference(user, daily_digest=True, hour=DEFAULT_HOUR, immediate=None):
    """Store ``user``'s preference (``immediate``: the immediate notices of stalled steps,
    None keeps the stored choice); raise ``PreferenceError`` on a bad hour (nothing written)."""
    try:
        hour = int(hour)
    except (TypeError, ValueError):
        raise PreferenceError("hour", f"{hour!r} is not an hour (0-23).") from None
    if not 0 <= hour <= 23:
        raise PreferenceError("hour", f"{hour} is not an hour (0-23).")
    values = {"daily_digest": bool(daily_digest), "hour": hour}
    if immediate is not None:
        values["immediate_notices"] = bool(immediate)
    with DigestPreference._meta.database.atomic():
        updated = DigestPreference.update(**values).where(DigestPreference.user == user.id).execute()
        if not updated:
            DigestPreference.create(user=user.id, **values)


def recipients(at):
    """Active users with an e-mail, of a role some section goes to, whose digest is on
    and whose hour has come at ``at``."""
    roles = sorted({role for section in due.SECTIONS for role in section.roles})
    query = (User.select(User, DigestPreference.daily_digest, DigestPreference.hour)
             .join(DigestPreference, JOIN.LEFT_OUTER, on=(DigestPreference.user == User.id))
             .where((User.active == True) & User.email.is_null(False) & (User.email != "")  # noqa: E712
                    & User.role.in_(roles))
             .order_by(User.id))
    found = []
    for user in query.objects():
        enabled = True if user.daily_digest is None else user.daily_digest
        hour = DEFAULT_HOUR if user.hour is None else user.hour
        if enabled and hour <= at.hour:
            found.append(user)
    return found


# -- the message -------------------------------------------------------------------

def link(base_url, item):
    return f"{base_url}admin/{item.table}/details/?id={item.record_id}"


def line(item, lang):
    facts = dict(item.facts, record_id=item.record_id)
    if "day" in facts:
        facts["day"] = display.date(facts["day"], lang)
    if "step" in facts:
        facts["step"] = step_label(facts["step"], lang)
    if "contract_type" in facts:
        facts["contract_type"] = v.label(v.CONTRACT_TYPES, facts["contract_type"], lang)
    if "status" in facts:
        facts["status"] = v.label(v.CLAIM_STATUSES, facts["status"], lang)
    return LINES[lang][item.section].format(**facts)


def build(user, items, today, base_url=None):
    """The digest of ``user`` from every due item (``due.collect``), or None when nothing is due for them."""
    mine = due.for_user(items, user)
    if not mine:
        return None
    lang, base_url = language(user.language), base_url or backoffice_url()
    words = TEXTS[lang]
    name = user.full_name or user.username
    text = [words["greeting"].format(name=name), words["intro"], ""]
    page = [f"<p>{html.escape(words['greeting'].format(name=name))}<br>{html.escape(words['intro'])}</p>"]
    for section in due.SECTIONS:
        lines = [item for item in mine if item.section == section.key]
        if not lines:
            continue
        heading = HEADINGS[lang][section.key]
        text += [f"{heading} ({len(lines)})"]
        page += [f"<h2>{html.escape(heading)} ({len(lines)})</h2>", "<ul>"]
        for item in lines[:MAX_LINES]:
            words_of_line, url = line(item, lang), link(base_url, item)
            text += [f"- {words_of_line}", f"  {url}"]
            page += [f'<li>{html.escape(words_of_line)} <a href="{html.escape(url)}">{html.escape(words["open"])}</a></li>']
        if len(lines) > MAX_LINES:
            more, url = words["more"].format(count=len(lines) - MAX_LINES), base_url + section.list_path
            text += [f"- {more}", f"  {url}"]
            page += [f'<li>{html.escape(more)} <a href="{html.escape(url)}">{html.escape(words["open"])}</a></li>']
        text.append("")
        page.append("</ul>")
    text.append(words["footer"])
    page.append(f"<p><small>{html.escape(words['footer'])}</small></p>")
    subject = words["subject"].format(day=display.date(today, lang), count=len(mine))
    return Digest(subject, "\n".join(text) + "\n", "\n".join(page) + "\n", len(mine))


def message_key(user, day):
    return f"digest:{user.id}:{day.isoformat()}"


def queue_digests(at=None, base_url=None):
    """Queue today's digest of each user whose hour has come: {"queued", "empty", "already", "refused"}."""
    at = at or now()
    today = at.date()
    counts = {"queued": 0, "empty": 0, "already": 0, "refused": 0}
    users = recipients(at)
    keys = [message_key(user, today) for user in users]
    done = {key for (key,) in OutboxMessage.select(OutboxMessage.message_key)
            .where(OutboxMessage.message_key.in_(keys)).tuples()} if keys else set()
    waiting = [user for user in users if message_key(user, today) not in done]
    counts["already"] = len(users) - len(waiting)
    items = due.collect(today) if waiting else []
    for user in waiting:
        digest = build(user, items, today, base_url)
        if digest is None:
            counts["empty"] += 1
            continue
        try:
            outbox.queue(message_key(user, today), user.email, digest.subject, digest.text,
                         body_html=digest.html, related=("user", user.id), at=at)
        except outbox.OutboxError as error:  # a malformed address: the others still get theirs
            log.warning("digest of user %s not queued: %s", user.id, error)
            counts["refused"] += 1
            continue
        counts["queued"] += 1
    return counts


def preview(user, today=None, base_url=None):
    """The digest ``user`` would get on ``today`` (for the back office's preview), or None."""
    today = today or datetime.date.today()
    return build(user, due.collect(today), today, base_url)
