"""The outbox in the back office (administrators): the e-mails with their state,
"reinvia" for a failed or sent one, whether SMTP is configured (without it
messages stay queued, and the page says so), and the preview of any staff
member's daily digest (``housing.mail``)."""
import datetime

from flask import flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.form import SecureForm
from flask_babel import gettext, lazy_gettext

from admin.i18n import current_language
from admin.views.base import SecureBaseView, record_id
from housing import vocabulary as v
from housing.mail import digest, outbox
from housing.mail.settings import SettingError, smtp_settings
from models import OutboxMessage, User

PAGE_SIZE = 50
STATE_LABELS = {"queued": lazy_gettext("Queued"), "sent": lazy_gettext("Sent"), "failed": lazy_gettext("Failed")}


def smtp_state():
    """(configured, problem): SMTP settings usable, else why not (a message for the page)."""
    try:
        return smtp_settings() is not None, None
    except SettingError as error:
        return False, str(error)


class OutboxView(SecureBaseView):
    registry = "outbox"

    @expose("/")
    def index(self):
        state = request.args.get("state") if request.args.get("state") in v.keys(v.OUTBOX_STATES) else None
        page = max(record_id(request.args.get("page")) or 1, 1)
        query = OutboxMessage.select().order_by(OutboxMessage.id.desc())
        if state:
            query = query.where(OutboxMessage.state == state)
        rows = list(query.paginate(page, PAGE_SIZE + 1))
        configured, problem = smtp_state()
        counts = outbox.state_counts()
        return self.render("admin/outbox/index.html", rows=rows[:PAGE_SIZE], more=len(rows) > PAGE_SIZE, page=page,
                           state=state, counts=[(key, STATE_LABELS[key], counts.get(key, 0)) for key in STATE_LABELS],
                           labels=STATE_LABELS, configured=configured, problem=problem, form=SecureForm(),
                           can_act=self.can_act(), users=User.select().where(User.active == True)  # noqa: E712
                           .order_by(User.username))

    @expose("/resend", methods=["POST"])
    def resend(self):
        if self._guard():
            message_id = record_id(request.form.get("id"))
            if message_id is not None and outbox.resend(message_id):
                flash(gettext("The message is queued again: the job runner sends it within a minute."), "success")
            else:
                flash(gettext("Not done: the message does not exist or is already queued."), "error")
        return redirect(url_for(".index", state=request.args.get("state") or None))

    @expose("/digest")
    def digest_preview(self):
        user = User.get_or_none(User.id == record_id(request.args.get("user")))
        if user is None:
            flash(gettext("Choose a staff member to preview the digest."), "error")
            return redirect(url_for(".index"))
        today = datetime.date.today()
        preview = digest.preview(user, today, base_url=request.host_url)
        enabled, hour = digest.preference(user)
        return self.render("admin/outbox/digest.html", user=user, preview=preview, enabled=enabled, hour=hour,
                           it=current_language() == "it")
