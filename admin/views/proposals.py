"""The queue of landlords' proposals sent from the public site's form (issue 16).

Staff read them, complete them after contacting the landlord (address, postcode,
status, contact date: an audited edit, as every registry form) and turn one into
a landlord and a dwelling with one action (``housing.landlord_proposals.convert``).
Proposals come only from the public form: none is created here.
"""
from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.form import SecureForm
from flask_babel import gettext, lazy_gettext
from flask_login import current_user

from admin import roles
from admin.views.base import SecureModelView, record_id
from admin.i18n import term_choices
from admin.labels import field_label
from housing import landlord_proposals as proposals
from housing import vocabulary as v
from models import District

STATUS_LABELS = {
    "new": lazy_gettext("To review"), "contacted": lazy_gettext("Contacted"),
    "converted": lazy_gettext("Registered"), "rejected": lazy_gettext("Not followed up"),
}


class LandlordProposalView(SecureModelView):
    category_key = "homes"
    allow_create = False
    column_list = ["created_at", "status", "name", "phone", "email", "district", "area_m2", "rooms", "monthly_rent",
                   "available_from", "landlord"]
    column_default_sort = ("created_at", True)
    column_searchable_list = ["name", "email", "phone"]
    column_filters = ["status", District.name, "rooms"]
    column_sortable_list = ["created_at", "status", "name", "area_m2", "rooms", "monthly_rent", "available_from"]
    form_excluded_columns = ["created_at", "landlord", "dwelling", "language", "consent"]  # the landlord's own
    details_template = "admin/proposals/details.html"
    column_labels = {"consent": lazy_gettext("Consent to be contacted")}
    column_formatters = {"status": lambda view, context, model, name: STATUS_LABELS.get(model.status, model.status)}
    form_choices = {"status": [(key, label) for key, label in STATUS_LABELS.items()]}

    def render(self, template, **kwargs):
        if template == self.details_template:
            kwargs.update(convert_form=SecureForm(), convert_allowed=roles.can_edit(current_user, self.registry),
                          landlord_kinds=term_choices(v.LANDLORD_KINDS))
        return super().render(template, **kwargs)

    @expose("/convert/", methods=("POST",))
    def convert(self):
        if not roles.can_edit(current_user, self.registry):
            abort(403)
        proposal_id = record_id(request.form.get("id"))
        back = url_for(".details_view", id=proposal_id) if proposal_id else url_for(".index_view")
        if not SecureForm(request.form).validate():
            flash(gettext('Expired request: try again.'), "error")
            return redirect(back)
        try:
            kind = request.form.get("kind") if request.form.get("kind") in v.keys(v.LANDLORD_KINDS) else "private_person"
            landlord, dwelling = proposals.convert(proposal_id, current_user, kind=kind,
                                                   tax_code=request.form.get("tax_code"),
                                                   vat_number=request.form.get("vat_number"))
        except proposals.ProposalError as error:
            problems = "; ".join(f"{field_label(name)}: {' '.join(map(str, messages))}" for name, messages in error.errors.items())
            flash(gettext("Not registered, nothing was saved: %(problems)s", problems=problems), "error")
            return redirect(back)
        flash(gettext("Registered: landlord %(landlord)s and dwelling %(dwelling)s.", landlord=landlord.id,
                      dwelling=dwelling.id), "success")
        return redirect(url_for("dwelling.edit_view", id=dwelling.id))
