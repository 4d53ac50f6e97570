"""A household's journey: assessments and their change, plan, referrals,
contacts, stays, tenancies, and the rent sustainability of its offers.

Special-category notes (health, addictions, legal) appear only to the case
worker and admins, on request, and each request is logged
(``housing.accompaniment.sensitive``).
"""
import datetime

from flask import abort, current_app, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.form import SecureForm
from flask_babel import gettext, lazy_gettext
from flask_login import current_user
from wtforms import BooleanField, DateField, RadioField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Optional

from admin.i18n import current_language, format_value
from admin.views.base import SecureBaseView, attach_errors, clean_arg, get_or_404
from housing import match_data
from housing.accompaniment import ValidationFailed, assessments, instruments, sensitive, stays, tenancies
from housing.accompaniment import sustainability
from housing.matching import priority as prio
from models import (Assessment, ContactLog, Household, Match, Offer, Person, Referral, Stay, SupportPlan, Tenancy,
                    TenancyOutcome)


def lock_days():
    return int(current_app.config.get("ASSESSMENT_LOCK_DAYS") or assessments.DEFAULT_LOCK_DAYS)


def assessment_form(definition, members, lang, formdata=None, correcting=False, data=None):
    """A form built from the instrument: one 1-5 choice and one note per domain."""
    low, high = definition["scale"]["min"], definition["scale"]["max"]

    class AssessmentForm(SecureForm):
        person = SelectField(lazy_gettext('Member assessed'), coerce=int,
                             choices=[(p.id, f"{p.first_name} {p.last_name}") for p in members])
        assessed_on = DateField(lazy_gettext('Assessed on'), validators=[InputRequired()],
                                default=datetime.date.today)
        consent = BooleanField(lazy_gettext('The person gave consent'))
        reassess_on = DateField(lazy_gettext('Reassessment due'), validators=[Optional()])

    for item in instruments.items(definition):
        anchors = item["anchors"]
        choices = [(str(n), f"{n} · {anchors[n][lang] if n in anchors else anchors[str(n)][lang]}")
                   for n in range(low, high + 1)]
        setattr(AssessmentForm, f"score_{item['key']}", RadioField(item[lang], choices=choices, validators=[Optional()]))
        setattr(AssessmentForm, f"note_{item['key']}", TextAreaField(
            lazy_gettext("Note (restricted)") if item.get("sensitive") else lazy_gettext("Note"),
            validators=[Optional()]))
    if correcting:
        AssessmentForm.correction_reason = TextAreaField(lazy_gettext('Reason for the correction'))
    return AssessmentForm(formdata=formdata, data=data)


def chart(dates, series, labels, lang, low=1, high=5):
    """Small multiples: one sparkline per domain over the assessments (data for the SVG)."""
    width, height, pad = 150, 46, 6
    n = len(dates)
    step = (width - 2 * pad) / max(n - 1, 1)
    panels = []
    for key, values in series.items():
        points = [(pad + i * step, height - pad - (value - low) * (height - 2 * pad) / (high - low))
                  for i, value in enumerate(values) if value is not None]
        present = [value for value in values if value is not None]
        change = present[-1] - present[0] if len(present) > 1 else None
        panels.append({"key": key, "label": labels.get(key, (key, key))[0 if lang == "it" else 1],
                       "points": " ".join(f"{x:.1f},{y:.1f}" for x, y in points), "dots": points,
                       "last": present[-1] if present else None, "change": change})
    return {"width": width, "height": height, "panels": panels, "dates": dates}


class JourneyView(SecureBaseView):
    registry = "journey"

    @expose("/")
    def index(self):
        return redirect(url_for("household.index_view"))

    def _household(self, household_id):
        return get_or_404(Household, household_id)

    @expose("/<int:household_id>")
    def household(self, household_id):
        household = self._household(household_id)
        lang = current_language()
        show_sensitive = request.args.get("sensitive") == "1"
        if show_sensitive:
            try:
                sensitive.log_read(current_user, household, "assessment_notes")
                sensitive.log_read(current_user, household, "contact_notes")
            except PermissionError:
                abort(403)
        members = assessments.members_of(household.id)
        by_member = {}
        for a in (Assessment.select().where(Assessment.household == household.id)
                  .order_by(Assessment.assessed_on.desc(), Assessment.id.desc())):
            by_member.setdefault(a.person_id, []).append(a)
        charts = {}
        for member in members:
            if by_member.get(member.id):
                charts[member.id] = chart(*assessments.changes_by_domain(member.id), lang)
        latest_scores = {}
        for member_id, items in by_member.items():
            latest_scores[member_id] = {row.domain: row for row in items[0].scores}
        need, intensity = assessments.most_in_need(household.id).get(household.id, (None, None))
        vulnerable = match_data.household_case(household.id).vulnerabilities  # counted as the matching counts them
        waiting = (datetime.date.today() - household.intake_on).days if household.intake_on else 0
        priority_value = prio.priority(household.ethos_category, waiting, vulnerable, need)
        open_matches = Match.select(Match, Offer).join(Offer).where((Match.household == household.id)
                                                                    & (Match.status == "open"))
        checks = [(m, m.offer, sustainability.check(m.offer, household, lang=lang)) for m in open_matches]
        tenancy_rows = []
        today = datetime.date.today()
        for t in Tenancy.select().where(Tenancy.household == household.id).order_by(Tenancy.start_on.desc()):
            recorded = {o.milestone_months: o.outcome for o in TenancyOutcome.select().where(TenancyOutcome.tenancy == t.id)}
            tenancy_rows.append((t, {m: tenancies.outcome_at(t, m, today, recorded.get(m) or "") for m in tenancies.MILESTONES}))
        return self.render(
            "admin/journey/household.html", household=household, lang=lang, members=members, by_member=by_member,
            charts=charts, latest_scores=latest_scores, need=need, priority_value=priority_value,
            priority_text=prio.explain(household.ethos_category, waiting, vulnerable, priority_value,
                                       household.case_conference_rank, need, lang=lang),
            intensity=intensity, show_sensitive=show_sensitive,
            can_read_sensitive=sensitive.can_read(current_user, household), can_act=self.can_act(),
            locked=lambda a: assessments.is_locked(a, today, lock_days()), lock_days=lock_days(),
            plans=list(SupportPlan.select().where(SupportPlan.household == household.id).order_by(SupportPlan.started_on.desc())),
            referrals=list(Referral.select().where(Referral.household == household.id).order_by(Referral.sent_on.desc())),
            contacts=list(ContactLog.select().where(ContactLog.household == household.id)
                          .order_by(ContactLog.contact_on.desc()).limit(50)),
            stays=list(Stay.select().where(Stay.household == household.id).order_by(Stay.entry_on.desc())),
            tenancies=tenancy_rows, checks=checks, today=today)

    def _assessment_page(self, household, form, definition, title, action):
        return self.render("admin/journey/assess.html", household=household, form=form, lang=current_language(),
                           domains=instruments.items(definition), title=title, action=action)

    @expose("/<int:household_id>/assess", methods=["GET", "POST"])
    def assess(self, household_id):
        """A new assessment, or (``?corrects=ID``) the correction of a locked one."""
        household = self._household(household_id)
        if not self.can_act():
            abort(403)
        lang = current_language()
        members = assessments.members_of(household.id)
        if not members:
            flash(gettext("Record the household's members first."), "error")
            return redirect(url_for(".household", household_id=household.id))
        corrects = None
        if request.args.get("corrects"):
            corrects = get_or_404(Assessment, request.args.get("corrects", type=int))
            if corrects.household_id != household.id:
                abort(404)
        version = instruments.current_version("assessment")
        definition = instruments.definition_of(version)
        data = None
        if corrects is not None and request.method == "GET":
            data = {"person": corrects.person_id, "reassess_on": corrects.reassess_on}
            data.update({f"score_{r.domain}": str(r.score) for r in corrects.scores})
        form = assessment_form(definition, members, lang, request.form if request.method == "POST" else None,
                               correcting=corrects is not None, data=data)
        title = (gettext("Correction of the assessment of %(date)s", date=format_value(corrects.assessed_on))
                 if corrects else gettext("New assessment"))
        if request.method == "POST":
            if not form.validate():
                return self._assessment_page(household, form, definition, title, request.full_path)
            scores, notes = self._scores(form, definition)
            person = Person.get_or_none((Person.id == form.person.data) & (Person.household == household.id))
            if not sensitive.can_read(current_user, household):
                restricted = [item["key"] for item in instruments.items(definition)
                              if item.get("sensitive") and (notes.get(item["key"]) or "").strip()]
                if restricted:
                    attach_errors(form, {f"note_{key}": [
                        "Solo il case worker del nucleo o un amministratore può scrivere note riservate."] for key in restricted})
                    return self._assessment_page(household, form, definition, title, request.full_path)
            try:
                assessments.record(person, form.assessed_on.data, scores, notes, form.consent.data, form.reassess_on.data,
                                   current_user, corrects, form.correction_reason.data if corrects else None,
                                   version=version)
            except ValidationFailed as failed:
                attach_errors(form, failed.errors, fallback="assessed_on")
                return self._assessment_page(household, form, definition, title, request.full_path)
            flash(gettext('Assessment saved.'), "success")
            return redirect(url_for(".household", household_id=household.id))
        return self._assessment_page(household, form, definition, title, request.full_path)

    @expose("/assessment/<int:assessment_id>/edit", methods=["GET", "POST"])
    def amend(self, assessment_id):
        """Fix the scores of an assessment inside its editing window."""
        assessment = get_or_404(Assessment, assessment_id)
        household = Household.get_by_id(assessment.household_id)
        if not self.can_act():
            abort(403)
        if assessments.is_locked(assessment, None, lock_days()):
            flash(gettext('Assessment locked after %(lock_days)s days: record a correction with its reason.',
                          lock_days=lock_days()), "error")
            return redirect(url_for(".assess", household_id=household.id, corrects=assessment.id))
        lang = current_language()
        definition = instruments.definition_of(assessment.instrument)
        rows = list(assessment.scores)
        data = {"person": assessment.person_id, "assessed_on": assessment.assessed_on, "consent": True,
                "reassess_on": assessment.reassess_on}
        data.update({f"score_{r.domain}": str(r.score) for r in rows})
        if sensitive.can_read(current_user, household):
            if request.method == "GET":
                sensitive.log_read(current_user, household, "assessment_notes")
            data.update({f"note_{r.domain}": r.note for r in rows})
        else:
            data.update({f"note_{r.domain}": r.note for r in rows if not r.sensitive})
        form = assessment_form(definition, [assessment.person], lang,
                               request.form if request.method == "POST" else None, data=data)
        title = lazy_gettext('Edit assessment')
        if request.method == "POST" and form.validate():
            scores, notes = self._scores(form, definition)
            if not sensitive.can_read(current_user, household):  # keep the restricted notes it could not see
                notes.update({r.domain: r.note for r in rows if r.sensitive})
            try:
                assessments.amend(assessment, scores, notes, current_user, lock_days=lock_days())
            except ValidationFailed as failed:
                attach_errors(form, failed.errors, fallback="assessed_on")
            else:
                flash(gettext('Assessment updated.'), "success")
                return redirect(url_for(".household", household_id=household.id))
        return self._assessment_page(household, form, definition, title, request.full_path)

    @staticmethod
    def _scores(form, definition):
        scores, notes = {}, {}
        for item in instruments.items(definition):
            raw = form[f"score_{item['key']}"].data
            scores[item["key"]] = int(raw) if raw and str(raw).isdigit() else None
            notes[item["key"]] = form[f"note_{item['key']}"].data
        return scores, notes

    @expose("/offer/<int:offer_id>")
    def offer(self, offer_id):
        """The sustainability check of an offer, for a household code if given."""
        offer = get_or_404(Offer, offer_id)
        code = clean_arg(request.args.get("household") or "").strip()[:20]
        household = Household.get_or_none(Household.code == code) if code else None
        if code and household is None:
            flash(gettext('No household with code %(code)s.', code=code), "error")
        return self.render("admin/journey/offer.html", offer=offer, household=household, code=code,
                           check=sustainability.check(offer, household, lang=current_language()), lang=current_language())


class OccupancyView(SecureBaseView):
    registry = "occupancy"

    @expose("/")
    def index(self):
        today = datetime.date.today()
        return self.render("admin/journey/occupancy.html", rows=stays.occupancy(today), today=today,
                           lang=current_language())
