"""Immediate notices of stalled steps: an e-mail as soon as a match a staff member
must act on stalls, for those who asked for it (``DigestPreference.immediate_notices``).

The hourly digest job calls ``queue_stalled``: each stalled step is one e-mail per
person, once (the key ``stalled:<user>:<match>:<step>:<day the step began>``); a
match that moves on and stalls again at another step is a new notice. Who gets
which step follows the digest's rules (``due.for_user``: the step's owner role,
the household's case worker). The lines carry the household's code, never a name.
"""
import html
import logging

from housing.mail import due, outbox
from housing.mail.digest import line, link
from housing.mail.digest_texts import language
from housing.mail.settings import backoffice_url
from models import DigestPreference, User, now

log = logging.getLogger("housing.mail")

TEXTS = {
    "it": {"subject": "Abbinamento fermo: {line}", "intro": "Un abbinamento di cui ti occupi è fermo oltre il limite:",
           "footer": "Avviso immediato del back office Housing First (preferenza nel tuo account)."},
    "en": {"subject": "Match stalled: {line}", "intro": "A match you work on is waiting past its limit:",
           "footer": "Immediate notice from the Housing First back office (a preference in your account)."},
}


def message_key(user, item):
    return f"stalled:{user.id}:{item.record_id}:{item.facts['step']}:{item.day.isoformat()}"


def recipients():
    """Active users with an e-mail who asked for immediate notices."""
    return list(User.select().join(DigestPreference, on=(DigestPreference.user == User.id))
                .where((User.active == True) & User.email.is_null(False) & (User.email != "")  # noqa: E712
                       & (DigestPreference.immediate_notices == True)).order_by(User.id))  # noqa: E712


def build(user, item, base_url):
    lang = language(user.language)
    words, text_line, url = TEXTS[lang], line(item, lang), link(base_url, item)
    text = f"{words['intro']}\n\n- {text_line}\n  {url}\n\n{words['footer']}\n"
    page = (f"<p>{html.escape(words['intro'])}</p><ul><li>{html.escape(text_line)} "
            f"<a href=\"{html.escape(url)}\">{html.escape(url)}</a></li></ul><p><small>{html.escape(words['footer'])}</small></p>\n")
    return words["subject"].format(line=text_line)[:300], text, page


def queue_stalled(at=None, base_url=None):
    """Queue the immediate notices not queued yet: {"queued", "already", "refused"}."""
    at, counts = at or now(), {"queued": 0, "already": 0, "refused": 0}
    users = recipients()
    if not users:
        return counts
    today = at.date()
    items = due.stalled_steps(today)
    households = due.household_facts({item.household_id for item in items})
    items = [item._replace(case_worker_id=households[item.household_id][1],
                           facts={**item.facts, "code": households[item.household_id][0]}) for item in items]
    base_url = base_url or backoffice_url()
    for user in users:
        for item in due.for_user(items, user):
            subject, text, page = build(user, item, base_url)
            try:
                _, created = outbox.queue(message_key(user, item), user.email, subject, text, body_html=page,
                                          related=("match", item.record_id), at=at)
            except outbox.OutboxError as error:
                log.warning("stalled-step notice for user %s not queued: %s", user.id, error)
                counts["refused"] += 1
                continue
            counts["queued" if created else "already"] += 1
    return counts
