"""The matches board: open matches by step, stalled ones highlighted, actions.

The irreversible actions (next step, close) and the step back ask for a
confirmation: the forms carry a ``confirm`` field that admin/static/js/confirm.js
fills once the person has confirmed (no inline script: the CSP forbids it), and
the server refuses an action without it."""
import datetime
import json
import re

from flask import flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.form import SecureForm
from flask_admin.helpers import is_form_submitted
from flask_babel import gettext, lazy_gettext, lazy_pgettext
from flask_login import current_user
from markupsafe import Markup

from admin import roles
from admin.i18n import current_language, pair
from admin.views.notices import RecordMessagesMixin, flash_outcomes
from admin.views.base import SecureBaseView, SecureModelView, get_or_404
from housing import matches, restriction, validation
from housing.vocabulary import CONTRACT_TYPES, Term
from housing.workflow import (
    DATE_FIELDS, STEP_BACK_DAYS, STEPS, WorkflowError, dates_needed, may_act, may_step_back, next_step, owner_label,
    previous_step, route_for, step_label,
)
from models import DeclineReasonSetting, Household, Match, Offer


REASON_KEY = re.compile(r"[a-z0-9_]{1,40}")  # the shape of a decline reason's key (DeclineReasonSetting.key)
CONFIRMED = "yes"  # the value confirm.js gives the ``confirm`` field
NOT_CONFIRMED = lazy_gettext('Action not confirmed: confirm it in the dialog and try again.')
DATE_LABELS = {field.name: pair(field.it, field.en) for field in DATE_FIELDS}


def parse_dates(form, needed):
    """({field: value}, {field: [message]}) of the step dates posted in ``form``."""
    values, errors = {}, {}
    for field in needed:
        raw = (form.get(field.name) or "").strip()
        if not raw:
            continue
        try:
            if field.kind == "datetime":
                # the programme's wall-clock time (Europe/Rome), stored as typed like every date-time
                values[field.name] = datetime.datetime.fromisoformat(raw[:16]).replace(tzinfo=None)
            elif field.kind == "date":
                values[field.name] = (datetime.date.fromisoformat(raw) if "-" in raw
                                      else datetime.datetime.strptime(raw, "%d/%m/%Y").date())
            else:
                problems = validation.validate("match_event", {"note": raw}).get("note")
                if problems or len(raw) > 200:
                    raise ValueError
                values[field.name] = raw
        except ValueError:
            errors[field.name] = [str(gettext('invalid value'))]
    return values, errors


class MatchBoardView(SecureBaseView):
    registry = "match_board"

    @staticmethod
    def _step_seen():
        """The step the board showed when the person acted (its forms send it): an
        action on a match that has moved since is refused, so a second click or a
        colleague's action never makes it skip a step."""
        return request.form.get("step") or None

    @staticmethod
    def _note():
        """(note, None) or (None, message): the free text of an action, checked by the
        rules of every text field (``housing.validation``: no NUL or other control
        characters, which PostgreSQL refuses, no bidi marks, a bounded length). It is
        read from the raw form, outside any WTForms form, so nothing else checks it."""
        note = (request.form.get("note") or "").strip()[:2000] or None
        errors = validation.validate("match_event", {"note": note}).get("note") if note else None
        if errors:
            return None, pair("Nota non accettata: " + " ".join(errors),
                              "Note refused: no control characters, no text-direction marks, 2,000 characters at most.")
        return note, None

    @staticmethod
    def _confirmed():
        if request.form.get("confirm") == CONFIRMED:
            return True
        flash(NOT_CONFIRMED, "error")
        return False

    @staticmethod
    def _flash_dates(errors):
        for name, messages in errors.items():
            flash(f"{DATE_LABELS.get(name, name)}: {' '.join(messages)}", "error")

    @expose("/")
    def index(self):
        stalled = {match.id: (days, limit) for match, days, limit in matches.stalled()}
        query = (Match.select(Match, Household, Offer).join(Household).switch(Match).join(Offer)
                 .where(Match.status == "open").order_by(Match.step_since))
        shown = restriction.visible(Match, current_user)  # restricted households: their case worker, admins
        open_matches = list(query if shown is None else query.where(shown))
        lang = current_language()
        columns = []
        for step in STEPS:
            cards = [m for m in open_matches if m.step == step.key]
            columns.append((step, getattr(step, lang), cards))
        reasons = list(DeclineReasonSetting.select().where(DeclineReasonSetting.active == True)  # noqa: E712
                       .order_by(DeclineReasonSetting.side, DeclineReasonSetting.key))
        return self.render("admin/matching/board.html", columns=columns, stalled=stalled, reasons=reasons,
                           form=SecureForm(), role=current_user.role, may_act=may_act, route_for=route_for,
                           can_act=self.can_act(), lang=lang, next_step=next_step, previous_step=previous_step,
                           owner_label=owner_label, step_label=step_label, dates_needed=dates_needed,
                           may_step_back=self._may_step_back, step_back_days=STEP_BACK_DAYS, date_labels=DATE_LABELS)

    @staticmethod
    def _may_step_back(match):
        return may_step_back(current_user.role, route_for(match.route), match.step, match.step_since)[0]

    @expose("/<int:match_id>/advance", methods=["POST"])
    def advance(self, match_id):
        match = get_or_404(Match, match_id)
        if self._guard() and self._confirmed():
            note, refused = self._note()
            values, errors = parse_dates(request.form, DATE_FIELDS)
            try:
                if refused:
                    raise WorkflowError(refused)
                if errors:
                    self._flash_dates(errors)
                else:
                    moved = matches.advance(match, current_user, note, expected_step=self._step_seen(), dates=values)
                    flash(gettext('Match updated.'), "success")
                    flash_outcomes(getattr(moved, "notice_outcomes", ()))
            except matches.DatesRefused as refusal:
                self._flash_dates(refusal.errors)
            except WorkflowError as error:
                flash(str(error), "error")
        return redirect(url_for(".index"))

    @expose("/<int:match_id>/back", methods=["POST"])
    def step_back(self, match_id):
        """Torna alla fase precedente: for the previous step's owner, within the limit, with a note."""
        match = get_or_404(Match, match_id)
        if self._guard() and self._confirmed():
            note, refused = self._note()
            try:
                if refused:
                    raise WorkflowError(refused)
                matches.step_back(match, current_user, note, expected_step=self._step_seen())
                flash(gettext('Match taken back to the previous step.'),
                      "success")
            except WorkflowError as error:
                flash(str(error), "error")
        return redirect(url_for(".index"))

    @expose("/<int:match_id>/decline", methods=["POST"])
    def decline(self, match_id):
        match = get_or_404(Match, match_id)
        if self._guard() and self._confirmed():
            reason = request.form.get("reason", "")
            note, refused = self._note()
            try:
                if refused:
                    raise WorkflowError(refused)
                if not reason:
                    raise WorkflowError(gettext('Reason: choose why the match is closed.'))
                if not REASON_KEY.fullmatch(reason):  # never a query with NUL or 10,000 characters
                    raise WorkflowError(gettext('Unknown or retired reason: %(reason)s.', reason=repr(reason[:40])))
                if reason.startswith("admin_"):
                    matches.withdraw(match, current_user, reason, note, expected_step=self._step_seen())
                else:
                    matches.decline(match, reason, current_user, note, expected_step=self._step_seen())
                flash(gettext('Match closed.'), "success")
            except WorkflowError as error:
                flash(str(error), "error")
        return redirect(url_for(".index"))



# -- the decision context (Match.snapshot) in words --------------------------------
SNAPSHOT_PARTS = ("at", "household", "offer", "rules", "weights", "score")
SNAPSHOT_TITLES = {"at": lazy_gettext('Proposed on'), "household": lazy_gettext('Household'),
                   "offer": lazy_gettext('Offer'), "rules": lazy_gettext('Rules in force'),
                   "weights": lazy_gettext('Score weights'), "score": lazy_gettext('Score')}
# (Italian, English, kind) of each field shown; fields not listed (ids, random keys) stay out
SNAPSHOT_FIELDS = {
    "size": (lazy_gettext('Members'), "int"), "min_rooms": (lazy_pgettext('snapshot_fields:min_rooms', 'Minimum rooms'), "int"),
    "rooms": (lazy_pgettext('snapshot_fields:rooms', 'Rooms'), "int"),
    "needs_step_free": (lazy_pgettext('snapshot_fields:needs_step_free', 'Needs step-free access'), "bool"),
    "step_free": (lazy_gettext('Step-free'), "bool"),
    "monthly_income": (lazy_gettext('Net monthly income'), "money"),
    "monthly_net_income": (lazy_gettext('Net monthly income'), "money"),
    "monthly_rent": (lazy_gettext('Monthly rent'), "money"),
    "service_charges": (lazy_gettext('Monthly charges'), "money"),
    "programme_contribution": (lazy_gettext('Programme contribution'), "money"),
    "preferred_districts": (lazy_gettext('Accepted districts'), "list"),
    "district": (lazy_gettext('District'), "text"),
    "acceptable_contract_types": (lazy_gettext('Accepted contracts'), "contracts"),
    "contract_type": (lazy_gettext('Contract type'), "contract"),
    "parked_until": (lazy_pgettext('snapshot_fields:parked_until', 'Parked until'), "date"),
    "ethos_category": (lazy_gettext('ETHOS category'), "ethos"),
    "intake_on": (lazy_gettext('Intake'), "date"),
    "vulnerabilities": (lazy_gettext('Vulnerabilities'), "list"),
    "case_conference_rank": (lazy_gettext('Case conference position'), "int"),
    "need_index": (lazy_gettext('Need index'), "figure"),
    "need": (lazy_gettext('Need'), "figure"),
    "total": (lazy_gettext('Total'), "figure"),
    "extra_rooms_zero_at": (lazy_gettext('Extra rooms giving a size fit of 0'), "int"),
    "rent_effort_zero_at": (lazy_gettext('Rent share giving a rent effort of 0'), "percent"),
    "waiting_full_days": (lazy_gettext('Waiting days for the full term'), "int"),
    "isee_value": (lazy_gettext("ISEE"), "money"),
    "isee_date": (lazy_gettext("ISEE date"), "date"),
}


def snapshot_label(key):
    from housing.matching.rules import RULES_BY_KEY
    from housing.matching.scoring import LABELS

    if key in SNAPSHOT_TITLES:
        return SNAPSHOT_TITLES[key]
    if key in SNAPSHOT_FIELDS:
        return SNAPSHOT_FIELDS[key][0]
    if key in LABELS:
        it, en = LABELS[key]
        return pair(it[:1].upper() + it[1:], en[:1].upper() + en[1:])
    if key in RULES_BY_KEY:
        return pair(RULES_BY_KEY[key].name_it, RULES_BY_KEY[key].name_en)
    return key.replace("_", " ")


def snapshot_value(key, value, kind=None):
    """One stored value as staff read it (the snapshot holds JSON: numbers, strings, lists)."""
    from decimal import Decimal, InvalidOperation

    from admin.i18n import format_number, format_percent, format_value, yes_no
    from housing import vocabulary

    kind = kind or SNAPSHOT_FIELDS.get(key, (None, "figure" if isinstance(value, float) else "text"))[1]
    lang = current_language()
    if value is None or value == []:
        return "—"
    try:
        if kind == "bool":
            return yes_no(value)
        if kind == "money":
            return format_value(Decimal(str(value)))
        if kind == "date":
            return format_value(datetime.date.fromisoformat(str(value)[:10]))
        if kind == "figure":
            return format_number(value, 2)
        if kind == "percent":
            return format_percent(value, 0)
        if kind == "ethos":
            return vocabulary.label(vocabulary.ETHOS_CATEGORIES, value, lang)
        if kind == "contract":
            return vocabulary.label(CONTRACT_TYPES, value, lang)
        if kind == "contracts":
            return ", ".join(vocabulary.label(CONTRACT_TYPES, item, lang) for item in value)
        if kind == "list" and isinstance(value, list):
            return ", ".join(str(item) for item in value)
    except (InvalidOperation, TypeError, ValueError):
        pass
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, float):
        return format_number(value, 2)
    return str(value)


def snapshot_part(key, value):
    """One part of the decision context as a small definition list."""
    from housing.match_data import parse_parameter
    from housing.matching.rules import RULES_BY_KEY

    title = snapshot_label(key)
    if key == "at":
        try:
            when = format_value_at(value)
        except ValueError:
            when = str(value)
        return Markup("<p><strong>{}</strong>: {}</p>").format(str(title), when)
    rows = []
    if key == "rules" and isinstance(value, dict):
        for rule_key, parameter in value.items():
            found = RULES_BY_KEY.get(rule_key)
            try:
                words = found.parameter_text(found.normalise(parameter if not isinstance(parameter, str)
                                                             else parse_parameter(parameter)), current_language())
            except (AttributeError, TypeError, ValueError):
                words = "" if parameter is None else str(parameter)
            rows.append((snapshot_label(rule_key), words or lazy_gettext('on')))
    elif key == "score" and isinstance(value, dict):
        for name, part in value.get("components", {}).items():
            rows.append((snapshot_label(name), snapshot_value(name, part, "figure")))
        rows += [(snapshot_label(name), snapshot_value(name, part)) for name, part in value.items()
                 if name not in ("components", "weights")]
    elif isinstance(value, dict):
        for name, part in value.items():
            if name not in ("id", "tie_break_key", "declined_offer_ids", "funds"):  # identifiers, not reasons
                rows.append((snapshot_label(name), snapshot_value(name, part)))
    else:
        rows.append((title, snapshot_value(key, value)))
    items = Markup("").join(Markup("<dt class=\"col-sm-5\">{}</dt><dd class=\"col-sm-7\">{}</dd>").format(str(label), str(text))
                            for label, text in rows)
    return Markup("<h3 class=\"h6 mt-2\">{}</h3><dl class=\"row small mb-1 snapshot-{}\">{}</dl>").format(str(title), key, items)


def format_value_at(value):
    from admin.i18n import format_value

    return format_value(datetime.datetime.fromisoformat(str(value)))


# The match's coded values as staff read them (the list's columns and filters).
STEP_TERMS = tuple(Term(step.key, step.it, step.en) for step in STEPS)
MATCH_STATUSES = (
    Term("open", "In corso", "Open"),
    Term("closed_success", "Concluso: nucleo inserito", "Closed: household housed"),
    Term("closed_declined", "Chiuso: rifiutato", "Closed: declined"),
    Term("closed_withdrawn", "Chiuso: ritirato", "Closed: withdrawn"),
)
DECLINE_SIDES = (
    Term("household", "Nucleo", "Household"),
    Term("landlord", "Locatore", "Landlord"),
    Term("administrative", "Amministrativo", "Administrative"),
)


def score_figure(view, context, model, name):
    """The score in the locale's figures with two decimals (0,55), never 0.554322581569116."""
    from admin.i18n import format_number

    value = getattr(model, name)
    return format_number(value, 2) if value is not None else ""


class MatchView(RecordMessagesMixin, SecureModelView):
    """The history of every match, with its decision context."""

    category_key = "matching"
    choices = {"route": CONTRACT_TYPES, "step": STEP_TERMS, "status": MATCH_STATUSES, "decline_side": DECLINE_SIDES}
    column_list = ["household", "offer", "route", "step", "status", "step_since", "proposed_by", "score_total",
                   "decline_reason_text", "decline_side", "closed_at"]
    column_filters = ["status", "step", "decline_side", "route", "step_since"]
    column_sortable_list = ["step", "status", "step_since", "score_total", "closed_at"]
    column_searchable_list = ["decline_reason_text", "proposed_by"]
    column_details_list = column_list + ["snapshot"]
    column_export_list = column_list
    allow_create = allow_edit = allow_delete = False
    details_template = "admin/notices/details_with_documents.html"  # its notices and its letters (housing.documents)
    column_formatters = {"snapshot": lambda view, context, model, name: view.readable_snapshot(model.snapshot),
                         "score_total": score_figure}
    column_formatters_export = {"snapshot": lambda view, context, model, name: ""}

    # Each part of the decision context is read with the right to read its source:
    # the household's case (income, ETHOS, need, vulnerabilities) and the score
    # built from it only by roles that may read households.
    SNAPSHOT_SOURCES = {"household": "household", "score": "household", "offer": "offer",
                        "rules": "rule_setting", "weights": "rule_setting", "at": "match"}

    def readable_snapshot(self, text):
        """The decision context in words (labels, local figures and dates), each part shown
        only to the roles that may read its source; the stored JSON of the visible parts
        rides along as a data island (a script element) for tools, never as page text."""
        try:
            parts = json.loads(text or "{}")
        except ValueError:
            parts = {}
        parts = parts if isinstance(parts, dict) else {}
        shown = {key: value for key, value in parts.items()
                 if roles.can_read(current_user, self.SNAPSHOT_SOURCES.get(key, "household"))}
        hidden = sorted(set(parts) - set(shown))
        html = Markup("")
        for key in SNAPSHOT_PARTS:
            if key in shown:
                html += snapshot_part(key, shown[key])
        if hidden:
            html += Markup("<p class=\"small text-muted\">{}</p>").format(lazy_gettext('Parts not shown to your role: ')
                + ", ".join(str(snapshot_label(key)) for key in hidden))
        data = json.dumps(shown, ensure_ascii=False, sort_keys=True).replace("<", "\\u003c")
        return html + Markup('<script type="application/json" class="match-snapshot">{}</script>').format(Markup(data))


class StepSettingView(SecureModelView):
    category_key = "matching"
    choices = {"step": STEP_TERMS}
    column_list = ["step", "stall_days"]
    form_columns = ["stall_days"]
    can_view_details = False
    allow_create = allow_delete = False


class DeclineReasonSettingView(SecureModelView):
    category_key = "matching"
    choices = {"side": DECLINE_SIDES}
    # the reason's key is the programme's code, not a word for staff: the labels name it
    column_list = ["label_it", "label_en", "side", "park_days", "active"]
    column_details_list = column_list
    form_columns = ["label_it", "label_en", "park_days", "active"]
    column_filters = ["side", "active"]
    allow_create = allow_delete = False


def italian_decimal(text):
    """A single figure typed with the decimal comma ("0,30") as the JSON the rules read ("0.30")."""
    return text.replace(",", ".") if re.fullmatch(r"\d+,\d+", text or "") else text


# What each rule's parameter must be, in words (the rules' own errors are for developers).
PARAMETER_HINTS = {
    "size_fits_rooms": lazy_gettext('a range [minimum, maximum] of persons per room, with 0 ≤ minimum ≤ maximum and '
                                    'maximum above 0, such as [0.5, 2]'),
    "rent_sustainable": lazy_gettext('a share of income above 0 and at most 1, such as 0.30'),
}


def parameter_problem(key, text):
    """A message for a rule setting's parameter that the rule refuses, or None."""
    from housing.match_data import check_rule_setting
    from housing.matching.rules import RULES_BY_KEY

    found = RULES_BY_KEY.get(key)
    if found is None:
        return lazy_gettext('Unknown rule: choose one from the list.')
    if not check_rule_setting(key, text):
        return None
    if found.default is None:
        return lazy_gettext('Invalid parameter: this rule takes none, leave it empty.')
    return gettext('Invalid parameter: it must be %(hint)s.',
                   hint=PARAMETER_HINTS.get(key) or gettext("a valid value"))


def rule_name(key):
    from housing.matching.rules import RULES_BY_KEY

    found = RULES_BY_KEY.get(key)
    return found.name(current_language()) if found else key


def parameter_words(key, text):
    """A stored parameter as staff read it ("tra 0,5 e 2 persone per locale"); "predefinito" when empty."""
    from housing.match_data import parse_parameter
    from housing.matching.rules import RULES_BY_KEY

    found = RULES_BY_KEY.get(key)
    if text in (None, ""):
        return lazy_gettext('default')
    try:
        return found.parameter_text(found.normalise(parse_parameter(text)), current_language())
    except (AttributeError, TypeError, ValueError):  # a row no longer valid: shown as stored
        return text


class RuleSettingView(SecureModelView):
    """Eligibility rules switched on or off, with a parameter, per offer type."""

    category_key = "matching"
    choices = {"contract_type": CONTRACT_TYPES}
    column_list = ["contract_type", "rule", "enabled", "parameter", "updated_at"]
    column_filters = ["contract_type", "rule", "enabled"]
    form_columns = ["contract_type", "rule", "enabled", "parameter"]
    form_args = {"parameter": {"description": lazy_gettext('A share of income such as 0.30 (sustainable rent) or a '
                                                           'range such as [0.5, 2] (persons per room); empty = '
                                                           'default.')}}
    column_formatters = {
        "rule": lambda view, context, model, name: rule_name(model.rule),
        "parameter": lambda view, context, model, name: parameter_words(model.rule, model.parameter),
    }

    def __init__(self, model, **kwargs):
        from housing.matching.rules import RULES

        self.form_choices = {"rule": [(r.key, pair(r.name_it, r.name_en)) for r in RULES]}
        self.column_choices = {"rule": [(r.key, pair(r.name_it, r.name_en)) for r in RULES]}
        super().__init__(model, **kwargs)

    def validate_form(self, form):
        valid = super().validate_form(form)
        # Flask-Admin validates on GET too (a blank new form): check only what was posted.
        if is_form_submitted() and hasattr(form, "rule") and hasattr(form, "parameter") and form.rule.data:
            form.parameter.data = italian_decimal((form.parameter.data or "").strip())
            message = parameter_problem(form.rule.data, form.parameter.data)
            if message:
                form.parameter.errors = list(form.parameter.errors) + [str(message)]
                valid = False
        return valid
