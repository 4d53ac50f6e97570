"""Registries of the accompaniment: plans, referrals, contacts, places and stays,
tenancies with their follow-up, landlord incentives and guarantee claims.

Cross-record rules (overlapping stays, capacity, guarantee cover) live in
``housing.accompaniment``; status changes follow its transition tables.
"""
from flask import request, url_for
from flask_login import current_user
from markupsafe import Markup
from wtforms import SelectField

from admin.i18n import pair
from admin.views.base import SecureModelView, optional_id_inline
from housing import household_status
from housing import vocabulary as v
from housing.accompaniment import incentives, instruments, sensitive, stays, tenancies
from models import ArrearsEpisode, District, FollowUpVisit, Household, PlanGoal, TenancyOutcome

AJAX = {"page_size": 15, "minimum_input_length": 0}
HOUSEHOLD_AJAX = {"fields": ["code"], **AJAX}
USER_AJAX = {"fields": ["username", "full_name"], **AJAX}


def domain_choices():
    definition = instruments.read_definition("assessment")
    return [(item["key"], pair(item["it"], item["en"])) for item in instruments.items(definition)]


def journey_link(view, context, model, name):
    household = getattr(model, "household", None)
    if household is None:
        return ""
    return Markup('<a href="{}">{}</a>').format(url_for("journey.household", household_id=household.id), household.code)


class AccompanimentView(SecureModelView):
    category_key = "support"
    column_formatters = {"household": journey_link}
    scoped_by = {}

    def __init__(self, model, **kwargs):
        if "household" in model._meta.fields:
            self.scoped_by = {"household": model.household, **self.scoped_by}
        super().__init__(model, **kwargs)


class SupportPlanView(AccompanimentView):
    edit_template = "admin/documents/edit.html"  # the plan for signature (housing.documents)
    details_template = "admin/documents/details.html"
    choices = {"status": v.PLAN_STATUSES}
    transition_kind = "support_plan"
    column_list = ["household", "status", "started_on", "review_on", "consent_signed", "closed_on"]
    column_filters = ["status", "review_on", "consent_signed"]
    column_searchable_list = [Household.code]
    form_excluded_columns = ["created_at", "updated_at"]
    form_ajax_refs = {"household": HOUSEHOLD_AJAX}

    def __init__(self, model, **kwargs):
        # inline forms ignore form_choices: the domain list comes through form_overrides
        self.inline_models = [optional_id_inline(
            PlanGoal, form_columns=["id", "domain", "description", "target_on", "status"],
            form_overrides={"domain": SelectField}, form_args={"domain": {"choices": domain_choices()}})]
        super().__init__(model, **kwargs)

    def validate_form(self, form):
        valid = super().validate_form(form)
        goals = getattr(form, "goals", None)
        if goals is None or not valid:
            return valid
        from housing.accompaniment import transitions

        labels = {t.key: t.it for t in v.GOAL_STATUSES}
        plan_id = request.args.get("id", type=int)
        for entry in goals.entries:
            pk = str(entry.get_pk() or "")
            # only this plan's own goals have a status to compare with
            old = (PlanGoal.get_or_none((PlanGoal.id == int(pk)) & (PlanGoal.plan == plan_id))
                   if pk.isdigit() and int(pk) < 2**63 and plan_id is not None and 0 < plan_id < 2**63 else None)
            message = old and transitions.error("plan_goal", old.status, entry.form.status.data, labels)
            if message:
                entry.form.status.errors = list(entry.form.status.errors) + [message]
                valid = False
        return valid


class PlanActionView(AccompanimentView):
    registry = "plan_action"
    choices = {"status": v.ACTION_STATUSES}
    transition_kind = "plan_action"
    column_list = ["goal", "description", "responsible_user", "responsible_partner", "target_on", "status"]
    column_filters = ["status", "target_on"]
    column_searchable_list = ["description"]
    form_ajax_refs = {"goal": {"fields": ["description"], **AJAX}, "responsible_user": USER_AJAX,
                      "responsible_partner": {"fields": ["name"], **AJAX}}

    def record_checks(self, data, current_id):
        if not data.get("responsible_user") and not data.get("responsible_partner"):
            return {"responsible_user": ["Indicare chi è responsabile: un operatore o un partner."]}
        return {}


class ReferralView(AccompanimentView):
    choices = {"service": v.SERVICE_TYPES, "status": v.REFERRAL_STATUSES, "outcome": v.REFERRAL_OUTCOMES}
    transition_kind = "referral"
    column_list = ["household", "service", "partner", "sent_on", "status", "status_on", "outcome", "mediation_language", "sessions"]
    column_filters = ["service", "status", "outcome", "sent_on", "mediation_language"]
    column_searchable_list = [Household.code]
    form_excluded_columns = ["created_at", "updated_at"]
    form_ajax_refs = {"household": HOUSEHOLD_AJAX, "person": {"fields": ["last_name"], **AJAX},
                      "partner": {"fields": ["name"], **AJAX}}

    def record_checks(self, data, current_id):
        person, household = data.get("person"), data.get("household")
        if person is not None and household is not None and person.household_id != household.id:
            return {"person": ["Il componente non fa parte del nucleo indicato."]}
        return {}


class ContactLogView(AccompanimentView):
    """Log entries are not edited: a correction is a new entry. The restricted
    note is written here but read only on the household's page, where each
    read is logged."""

    choices = {"contact_type": v.CONTACT_TYPES}
    allow_edit = False

    @property
    def can_delete(self):  # an entry may hold a restricted note: only an admin removes it
        return super().can_delete and current_user.role == "admin"
    column_list = ["household", "contact_on", "contact_type", "duration_minutes", "operator_name", "note"]
    column_details_exclude_list = ["sensitive_note"]
    column_export_exclude_list = ["sensitive_note"]
    column_filters = ["contact_type", "contact_on"]
    column_searchable_list = [Household.code]
    form_columns = ["household", "contact_on", "contact_type", "duration_minutes", "note", "sensitive_note"]
    form_ajax_refs = {"household": HOUSEHOLD_AJAX}

    def record_checks(self, data, current_id):
        household = data.get("household")
        if (data.get("sensitive_note") or "").strip() and household is not None and not sensitive.can_read(current_user, household):
            return {"sensitive_note": ["Solo il case worker del nucleo o un amministratore può scrivere note riservate."]}
        return {}

    def on_model_change(self, form, model, is_created):
        model.operator = current_user.id
        model.operator_name = current_user.full_name or current_user.username


class PlaceView(AccompanimentView):
    choices = {"kind": v.PLACE_KINDS}
    column_list = ["name", "kind", "capacity", "dwelling", "facility", "partner", "active"]
    column_filters = ["kind", "active"]
    column_searchable_list = ["name", "facility"]
    form_excluded_columns = ["created_at", "updated_at", "stays"]
    form_ajax_refs = {"dwelling": {"fields": ["address", District.name], **AJAX}, "partner": {"fields": ["name"], **AJAX}}


class StayView(AccompanimentView):
    choices = {"exit_destination": v.EXIT_DESTINATIONS}
    column_list = ["household", "place", "entry_on", "planned_exit_on", "exit_on", "exit_destination"]
    column_filters = ["entry_on", "exit_on", "exit_destination"]
    column_searchable_list = [Household.code]
    form_excluded_columns = ["created_at", "updated_at"]
    form_ajax_refs = {"household": HOUSEHOLD_AJAX, "place": {"fields": ["name"], **AJAX}}

    def record_checks(self, data, current_id):
        return stays.check(data, current_id)


class TenancyView(AccompanimentView):
    choices = {"contract_type": v.CONTRACT_TYPES, "end_reason": v.TENANCY_END_REASONS}
    column_list = ["household", "dwelling", "contract_type", "monthly_rent", "programme_contribution", "start_on",
                   "end_on", "ended_on", "end_reason"]
    column_filters = ["contract_type", "start_on", "ended_on", "end_reason"]
    column_searchable_list = [Household.code]
    form_excluded_columns = ["created_at", "updated_at", "incentives"]
    form_ajax_refs = {"household": HOUSEHOLD_AJAX, "dwelling": {"fields": ["address", District.name], **AJAX},
                      "offer": {"fields": ["id"], **AJAX}, "match": {"fields": ["id"], **AJAX}}
    inline_models = [
        optional_id_inline(FollowUpVisit, form_columns=["id", "visited_on", "note"]),
        optional_id_inline(ArrearsEpisode, form_columns=["id", "since", "amount", "resolved_on", "note"]),
        optional_id_inline(TenancyOutcome, form_columns=["id", "milestone_months", "outcome", "recorded_on"],
                           form_overrides={"milestone_months": SelectField},
                           form_args={"milestone_months": {"choices": [(6, "6"), (12, "12"), (24, "24")], "coerce": int}}),
    ]

    def record_checks(self, data, current_id):
        return tenancies.check(data, current_id)

    def saved_in_transaction(self, model, before):
        # An ended tenancy moves the household on (exit, or back to waiting): household_status.TENANCY_END_EVENTS.
        household_status.tenancy_ended(model, before, current_user._get_current_object())


class IncentiveView(AccompanimentView):
    edit_template = "admin/documents/edit.html"  # the decision for the landlord (housing.documents)
    details_template = "admin/documents/details.html"
    choices = {"kind": v.INCENTIVE_KINDS, "status": v.INCENTIVE_STATUSES}
    transition_kind = "incentive"
    column_list = ["landlord", "kind", "amount", "months_covered", "status", "budget_line", "requested_on", "paid_on"]
    column_filters = ["kind", "status", "budget_line", "requested_on"]
    column_searchable_list = ["budget_line"]
    form_excluded_columns = ["created_at", "updated_at", "claims"]
    form_ajax_refs = {"landlord": {"fields": ["name"], **AJAX}, "dwelling": {"fields": ["address"], **AJAX},
                      "tenancy": {"fields": ["id"], **AJAX}}

    def record_checks(self, data, current_id):
        return incentives.check_incentive(data, current_id)


class GuaranteeClaimView(AccompanimentView):
    choices = {"status": v.CLAIM_STATUSES}
    transition_kind = "guarantee_claim"
    column_list = ["incentive", "claimed_on", "amount_claimed", "amount_paid", "status"]
    column_filters = ["status", "claimed_on"]
    form_excluded_columns = ["created_at", "updated_at"]
    form_ajax_refs = {"incentive": {"fields": ["budget_line"], **AJAX}, "arrears": {"fields": ["id"], **AJAX}}

    def record_checks(self, data, current_id):
        return incentives.check_claim(data, current_id)
