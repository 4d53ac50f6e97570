"""Programme indicators for the funder's monitoring, the fidelity
self-assessment, and the landlords' incentive totals per budget line.

Aggregates only: no person appears here, so every role may read it.
"""
import datetime

from flask import Response, abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.form import SecureForm
from flask_babel import gettext, lazy_gettext
from flask_login import current_user
from wtforms import DateField, RadioField, TextAreaField
from wtforms.validators import InputRequired, Optional

from admin.i18n import current_language, format_percent
from admin.views.base import SecureBaseView, attach_errors
from housing.accompaniment import ValidationFailed, fidelity, incentives, indicators, instruments

EXPORT_TYPES = {"csv": "text/csv; charset=utf-8",
                "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def fidelity_form(definition, lang, formdata=None):
    low, high = definition["scale"]["min"], definition["scale"]["max"]

    class FidelityForm(SecureForm):
        reviewed_on = DateField(lazy_gettext('Date'), validators=[InputRequired()], default=datetime.date.today)
        notes = TextAreaField(lazy_gettext('Notes'), validators=[Optional()])

    for item in instruments.items(definition):
        setattr(FidelityForm, f"q_{item['key']}", RadioField(
            item[lang], choices=[(str(n), str(n)) for n in range(low, high + 1)], validators=[Optional()]))
    return FidelityForm(formdata=formdata)


class IndicatorsView(SecureBaseView):
    registry = "indicators"

    @expose("/")
    def index(self):
        lang = current_language()
        data = indicators.compute()
        return self.render("admin/journey/indicators.html", data=data, rows=indicators.rows(data, lang), lang=lang,
                           totals=incentives.totals_by_budget_line(), can_act=self.can_act())

    @expose("/export.<fmt>")
    def export(self, fmt):
        if fmt not in EXPORT_TYPES:
            abort(404)
        lang = current_language()
        body = indicators.export(indicators.compute(), fmt, lang)
        name = f"housing-first-indicators-{datetime.date.today().isoformat()}.{fmt}"
        return Response(body, mimetype=EXPORT_TYPES[fmt], headers={"Content-Disposition": f"attachment; filename={name}"})

    @expose("/fidelity", methods=["GET", "POST"])
    def fidelity(self):
        if not self.can_act():
            abort(403)
        lang = current_language()
        definition = instruments.read_definition("fidelity")
        form = fidelity_form(definition, lang, request.form if request.method == "POST" else None)
        if request.method == "POST" and form.validate():
            answers = {}
            for item in instruments.items(definition):
                raw = form[f"q_{item['key']}"].data
                answers[item["key"]] = int(raw) if raw and str(raw).isdigit() else None
            try:
                review = fidelity.record(answers, form.reviewed_on.data, current_user, form.notes.data)
            except ValidationFailed as failed:
                attach_errors(form, failed.errors, fallback="reviewed_on")
            else:
                flash(gettext("Review saved: %(score)s.", score=format_percent(review.score / 100, 0)), "success")
                return redirect(url_for(".index"))
        return self.render("admin/journey/fidelity.html", form=form, lang=lang, questions=instruments.items(definition),
                           scale=definition["scale"])
