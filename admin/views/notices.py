"""Notice templates in the back office (administrators): what households and landlords
receive, edited as data, checked on saving so that a template cannot print a field
it is not allowed to (``housing.mail.notices.problems``), with a preview over
invented values and a test send to the administrator's own address.

Also ``RecordMessagesMixin``: the outbox rows of a household, a landlord or a
match on its details page, each shown only to the roles that may read the
person it went to.
"""
from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.form import SecureForm
from flask_babel import gettext, lazy_gettext, lazy_pgettext
from flask_login import current_user
from markupsafe import Markup

from admin import roles
from admin.i18n import current_language
from admin.views.base import SecureModelView, get_or_404, record_id
from admin.views.outbox import STATE_LABELS
from housing import vocabulary as v
from housing.mail import notices
from housing.mail.notice_texts import FIELDS, KINDS
from models import Dwelling, Match, Offer, OutboxMessage

KIND_TERMS = tuple(v.Term(kind.key, kind.it, kind.en) for kind in KINDS)
RECORD_MESSAGES_LIMIT = 50


class NoticeTemplateView(SecureModelView):
    category_key = "system"
    registry = "notice_template"
    choices = {"kind": KIND_TERMS}
    column_list = ["kind", "language", "subject", "active", "updated_at"]
    column_details_list = ["kind", "language", "subject", "body", "active", "updated_at"]
    column_filters = ["kind", "language", "active"]
    column_searchable_list = ["subject", "body"]
    column_sortable_list = ["kind", "language", "updated_at"]
    form_columns = ["kind", "language", "subject", "body", "active"]
    form_widget_args = {"body": {"rows": 14}}
    form_args = {"language": {"description": lazy_gettext(
        'Language code (it, en, ar...): households who speak it receive this template; the others Italian.')},
        "body": {"description": lazy_gettext(
            'Jinja2 text. Only the fields allowed for the kind may be printed, written as {{ name }}; the list '
            'is on the preview page.')}}
    column_formatters = {"subject": lambda view, context, model, name: Markup('<a href="{}">{}</a>').format(
        url_for(".preview", id=model.id), model.subject)}

    def record_checks(self, data, current_id):
        errors = dict(notices.problems(data.get("kind"), data.get("subject"), data.get("body")))
        problem = notices.language_problem(data.get("language"))
        if problem:
            errors.setdefault("language", []).append(problem)
        return errors

    @expose("/preview/")
    def preview(self):
        template = get_or_404(self.model, record_id(request.args.get("id")))
        try:
            rendered, problem = notices.preview(template), None
        except Exception as error:  # a template saved before a rule changed: show why, never a 500
            rendered, problem = None, str(error)
        fields = sorted(FIELDS.get(template.kind, {}).items())
        return self.render("admin/notices/preview.html", notice=template, rendered=rendered, problem=problem,
                           fields=fields, form=SecureForm(), can_act=roles.can_edit(current_user, self.registry),
                           email=current_user.email, it=current_language() == "it",
                           kind_label=v.label(KIND_TERMS, template.kind, current_language()))

    @expose("/test-send/", methods=["POST"])
    def test_send(self):
        template = get_or_404(self.model, record_id(request.args.get("id")))
        if not roles.can_edit(current_user, self.registry):
            abort(403)
        if not SecureForm(request.form).validate():
            flash(gettext('Expired request: try again.'), "error")
        else:
            message, reason = notices.test_send(template, current_user)
            if message is None:
                flash(gettext('Your account has no e-mail address: add one to receive the test.'), "error")
            else:
                flash(gettext('Test queued to %(email)s: the job runner sends it within a minute.',
                              email=message.recipient), "success")
        return redirect(url_for(".preview", id=template.id))


# -- each record's messages -------------------------------------------------------------

def _match_ids(table, record_id):
    if table == "household":
        return [mid for (mid,) in Match.select(Match.id).where(Match.household == record_id).tuples()]
    if table == "landlord":
        return [mid for (mid,) in Match.select(Match.id).join(Offer).join(Dwelling)
                .where(Dwelling.landlord == record_id).tuples()]
    return [record_id]


def visible_audiences(user):
    """Whose notices ``user`` may see: a household's with the right to read households, a landlord's likewise."""
    return {audience for audience, registry in (("household", "household"), ("landlord", "landlord"))
            if roles.can_read(user, registry)}


def record_messages(table, record_id, user):
    """The outbox rows about a household, a landlord or a match that ``user`` may see (newest first)."""
    audiences = visible_audiences(user)
    ids = _match_ids(table, record_id)
    if not ids or not audiences:
        return []
    rows = (OutboxMessage.select().where((OutboxMessage.related_table == "match") & OutboxMessage.related_id.in_(ids)
                                         & OutboxMessage.message_key.startswith("notice:"))
            .order_by(OutboxMessage.id.desc()).limit(RECORD_MESSAGES_LIMIT))
    wanted = {"household": ("household",), "landlord": ("landlord",)}.get(table, ("household", "landlord"))
    return [row for row in rows if notices.audience_of_key(row.message_key) in audiences
            and notices.audience_of_key(row.message_key) in wanted]


class RecordMessagesMixin:
    """The record's e-mails under its details (``admin/notices/record_messages.html``)."""

    details_template = "admin/notices/details.html"

    @staticmethod
    def state_label(state):
        return STATE_LABELS.get(state, state)

    def record_messages(self, model):
        return record_messages(model._meta.table_name, model.id, current_user)

    def notice_consent(self, model):
        """Why the record's person gets no notices (a message), or None."""
        record = model
        if model._meta.table_name == "match":
            return None
        reason = notices.consent_status(record)
        return {notices.NO_CONSENT: gettext('No consent to e-mail notices: nothing goes out.'),
                notices.NO_ADDRESS: gettext('No e-mail address: nothing goes out.')}.get(reason)


# Italian joins "a" and the article ("al nucleo"): the recipient is translated with its preposition.
AUDIENCE_WORDS = {"household": lazy_pgettext('notice to', 'the household'),
                  "landlord": lazy_pgettext('notice to', 'the landlord')}


def flash_outcomes(outcomes):
    """Tell the board what became of the notices a move called for (queued, or why not)."""
    for outcome in outcomes or ():
        who = AUDIENCE_WORDS.get(outcome.audience, outcome.audience)
        if outcome.state == notices.QUEUED:
            flash(gettext('E-mail notice to %(who)s queued.', who=who), "success")
        elif outcome.state == notices.NO_CONSENT:
            flash(gettext('No e-mail notice to %(who)s: no consent recorded.', who=who), "warning")
        elif outcome.state == notices.NO_ADDRESS:
            flash(gettext('No e-mail notice to %(who)s: no e-mail address.', who=who), "warning")
        elif outcome.state == notices.NO_TEMPLATE:
            flash(gettext('No e-mail notice to %(who)s: no active template.', who=who), "warning")
        elif outcome.state == notices.REFUSED:
            flash(gettext('No e-mail notice to %(who)s: the e-mail address is not valid.', who=who), "warning")


def notices_summary(outcomes):
    """One line for many proposals: how many notices were queued, how many households get none."""
    if len(outcomes) <= 1:
        return flash_outcomes(outcomes)
    queued = sum(1 for outcome in outcomes if outcome.state in (notices.QUEUED, notices.ALREADY))
    flash(gettext('E-mail notices queued: %(queued)s; without consent or address, not sent: %(missing)s.',
                  queued=queued, missing=len(outcomes) - queued), "info")
