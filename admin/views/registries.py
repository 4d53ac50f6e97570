"""One view per registry: the columns, filters and searches staff need."""
import re

from flask import flash, g, jsonify, request, url_for
from flask_admin import expose
from flask_babel import gettext, lazy_gettext
from flask_login import current_user
from flask_admin.contrib.peewee.filters import BasePeeweeFilter, FilterEqual
from flask_admin.form.widgets import Select2Widget
from flask_admin.model.fields import AjaxSelectField
from markupsafe import Markup
from flask_admin.model.template import LinkRowAction
from wtforms import PasswordField, SelectField, SelectMultipleField
from wtforms.validators import Optional, Regexp
from wtforms.widgets import HiddenInput

from admin import roles
from admin.i18n import pair
from admin.labels import field_label
from admin.views import audit_text, bulk, offer_band
from admin.views import districts as district_views
from admin.views.base import SafeAjaxLoader, SecureModelView, optional_id_inline, scoped_link
from admin.views.links import RegistryLinksField
from admin.views.notices import RecordMessagesMixin
from admin.i18n import term_choices
from housing import accounts, household_codes, languages as language_registry, offer_checks
from housing.accompaniment import sensitive
from housing import vocabulary as v
from models import (
    Agreement, AgreementPartner, AuditLog, AgreementZone, ContractDuration, District, Dwelling, Household,
    HouseholdDistrict, HouseholdLanguage, HouseholdPreference, Language, Offer, Partner, Person, RentBand, normalise, now,
)

AJAX_PAGE = {"page_size": 15, "minimum_input_length": 0}
# the offer a household ranks: looked up among the open offers by number or street
PREFERRED_OFFER = SafeAjaxLoader("householdpreference.offer", Offer, fields=["id", Dwelling.address],
                                 where=Offer.status.in_(Offer.OPEN_STATUSES), **AJAX_PAGE)


class UserView(SecureModelView):
    choices = {"role": v.ROLES}
    column_list = ["username", "full_name", "email", "role", "active", "last_login"]
    column_searchable_list = ["username", "full_name", "email"]
    column_filters = ["role", "active"]
    column_details_exclude_list = ["password_hash"]
    column_export_exclude_list = ["password_hash"]
    form_columns = ["username", "full_name", "email", "role", "language", "active"]
    # The interface language is a choice, never free text (peewee views read choices from form_args).
    form_overrides = {"language": SelectField}
    form_args = {"language": {"choices": [("it", "Italiano"), ("en", "English")]}}
    # One "reset the password" link per row; only administrators open this view.
    column_extra_row_actions = [LinkRowAction("fa fa-key", "/admin/account/reset/{row_id}",
                                              title=lazy_gettext('Reset the password'))]
    form_extra_fields = {
        "new_password": PasswordField(
            lazy_gettext('New password (at least 12 characters)'),
            validators=[Optional()],
        )
    }

    def validate_form(self, form):
        valid = super().validate_form(form)
        field = getattr(form, "new_password", None)
        if field is not None:
            creating = not getattr(form, "_obj", None) and "id" not in __import__("flask").request.args
            try:
                if field.data or creating:
                    accounts.check_password(field.data, form.username.data, form.full_name.data,
                                            getattr(getattr(form, "email", None), "data", None))
            except accounts.AccountError as error:
                field.errors = list(field.errors) + [pair(str(error), error.en)]
                valid = False
        return valid

    def on_model_change(self, form, model, is_created):
        model.username = accounts.normalise_username(model.username)
        if getattr(form, "new_password", None) is not None and form.new_password.data:
            model.password_hash = accounts.hash_password(form.new_password.data)
            model.password_changed_at = now()
            # a password an administrator chose for someone else is temporary
            model.must_change_password = is_created or model.id != current_user.id
        if not is_created and not model.active:
            # a deactivation ends the account's sessions for good (reactivating does not revive them)
            model.session_version = (model.session_version or 0) + 1

    def after_model_change(self, form, model, is_created):
        super().after_model_change(form, model, is_created)
        if model.id == current_user.id:
            from admin import auth

            auth.bind_session(model)  # a new password of one's own must not log the editor out


def english_text(view, context, model, name):
    """A text staff wrote in English, marked as such on an Italian page (WCAG 3.1.2, language of parts)."""
    value = getattr(model, name)
    return Markup('<span lang="en">{}</span>').format(value) if value else ""


class PartnerView(SecureModelView):
    category_key = "network"
    choices = {"sector": v.PARTNER_SECTORS}
    # the English versions of the public texts (issue 16) are marked as English where they are shown
    form_widget_args = {"services_en": {"lang": "en"}}
    column_formatters_detail = {"services_en": english_text}
    column_list = ["name", "sector", "contact_person", "email", "phone", "listed_publicly"]
    column_searchable_list = ["name", "services", "contact_person"]
    column_filters = ["sector", "listed_publicly"]
    column_sortable_list = ["name", "sector", "listed_publicly"]


class SignatoryFilter(BasePeeweeFilter):
    """Agreements signed by a partner whose name contains the value (the link
    goes through AgreementPartner, which Flask-Admin cannot join by itself)."""

    def apply(self, query, value):
        signed = (AgreementPartner.select(AgreementPartner.agreement)
                  .join(Partner).where(Partner.name.contains(value)))
        return query.where(Agreement.id.in_(signed))

    def operation(self):
        return lazy_gettext('contains')


class AgreementView(SecureModelView):
    category_key = "network"
    choices = {"kind": v.AGREEMENT_KINDS, "status": v.AGREEMENT_STATUSES}
    column_list = ["title", "kind", "status", "signed_on", "valid_from", "valid_to", "published"]
    column_searchable_list = ["title", "commitments", "document_reference"]
    column_filters = ["status", "kind", "valid_to", "published"]
    inline_models = [optional_id_inline(AgreementPartner, form_columns=["id", "partner", "role"])]
    form_widget_args = {"title_en": {"lang": "en"}, "commitments_en": {"lang": "en"}}
    column_formatters_detail = {"title_en": english_text, "commitments_en": english_text}

    def __init__(self, model, **kwargs):
        self.column_filters = self.column_filters + [
            SignatoryFilter(Agreement.id, lazy_gettext('Signatory partner'))]
        super().__init__(model, **kwargs)


class LandlordView(RecordMessagesMixin, SecureModelView):
    category_key = "homes"
    choices = {"kind": v.LANDLORD_KINDS}
    column_list = ["kind", "name", "tax_code", "vat_number", "phone", "public_name_consent", "orientation_sessions", "dwellings"]
    column_searchable_list = ["name", "tax_code", "vat_number", "email"]
    column_filters = ["kind", "public_name_consent", "orientation_sessions"]
    column_sortable_list = ["kind", "name", "orientation_sessions"]
    form_excluded_columns = ["created_at", "updated_at", "dwellings"]
    column_export_exclude_list = ["dwellings"]
    column_formatters = {
        "dwellings": lambda view, context, model, name: scoped_link(
            "dwelling", "landlord", model.id, lazy_gettext('Dwellings and offers')),
    }


class DwellingView(bulk.BulkActions, SecureModelView):
    category_key = "homes"
    choices = {
        "ownership": v.OWNERSHIPS, "status": v.DWELLING_STATUSES,
        "condition": v.DWELLING_CONDITIONS, "energy_class": v.ENERGY_CLASSES,
    }
    column_list = ["address", "district", "zone", "landlord", "ownership", "area_m2", "rooms", "step_free", "status", "offers"]
    column_searchable_list = ["address", District.name, "cadastral_sheet", "cadastral_parcel"]
    column_sortable_list = ["address", ("district", District.name), "area_m2", "rooms", "status", "ownership"]
    column_filters = [
        *district_views.text_filters(District.name, field_label("district")), AgreementZone.code, "status",
        "ownership", "rooms", "area_m2", "step_free", "has_lift", "furnished", "energy_class",
    ]
    scoped_by = {"landlord": Dwelling.landlord, "district": Dwelling.district}
    column_export_exclude_list = ["offers"]
    form_excluded_columns = ["created_at", "updated_at", "offers", "erp_assignments"]
    form_ajax_refs = {
        "landlord": {"fields": ["name"], **AJAX_PAGE},
        "zone": {"fields": ["code", "name"], **AJAX_PAGE},
    }
    column_formatters = {
        "offers": lambda view, context, model, name: scoped_link(
            "offer", "dwelling", model.id, lazy_gettext('Offers')),
    }
    form_args = {"district": {"description": lazy_gettext('From the districts registry; a missing district is added '
                                                          'under “Districts”.')}}

    def _with_district_choices(self, form, dwelling=None):
        field = getattr(form, "district", None)
        if field is not None:
            # a to-review or retired entry is never offered, only kept where a home already has it
            field.query = district_views.offered(dwelling.district_id if dwelling is not None else None)
        return form

    def create_form(self, obj=None):
        return self._with_district_choices(super().create_form(obj))

    def edit_form(self, obj=None):
        return self._with_district_choices(super().edit_form(obj), obj)

    def validate_form(self, form):
        valid = super().validate_form(form)
        field = getattr(form, "district", None)
        if field is not None and field.errors and not isinstance(form, (self._delete_form_class, self._action_form_class)):
            field.errors = [district_views.refused_choice((field.raw_data or [""])[0])]
        return valid


class OfferView(bulk.OfferActions, SecureModelView):
    category_key = "homes"
    choices = {"contract_type": v.CONTRACT_TYPES, "status": v.OFFER_STATUSES}
    column_list = ["dwelling", "contract_type", "monthly_rent", "service_charges", "available_from", "status", "published"]
    # The home's street and district find its offers ("Etnea"), not only the public text.
    column_searchable_list = ["public_description", Dwelling.address, District.name]
    column_sortable_list = ["contract_type", "monthly_rent", "available_from", "status", "published"]
    column_filters = [
        "contract_type", "status", "published", "monthly_rent", "available_from",
        *district_views.text_filters(District.name, field_label("district")), Dwelling.rooms, Dwelling.step_free,
    ]
    form_excluded_columns = ["created_at", "updated_at", "published_on"]  # set by the publisher
    form_ajax_refs = {"dwelling": {"fields": ["address", District.name], **AJAX_PAGE}}
    scoped_by = {"dwelling": Offer.dwelling}
    column_list = column_list + ["sustainability"]
    column_export_exclude_list = ["sustainability"]
    column_labels = {"sustainability": lazy_gettext('Band and sustainability')}
    column_formatters = {"sustainability": lambda view, context, model, name: view.band_cell(model)}
    # the form shows the zone's band of the home as the clerk types (admin/static/js/offer_band.js)
    create_template = "admin/offers/create.html"
    edit_template = "admin/offers/edit.html"
    details_template = "admin/documents/details.html"  # the canone concordato calculation (housing.documents)
    band_title = lazy_gettext('Territorial agreement band')
    form_args = {"band_justification": {"description": lazy_gettext("Only for a rent outside the zone's band: why it"
                                                                    " is accepted. Written by an administrator.")}}

    def band_cell(self, model):
        """The band for every role that reads offers; the sustainability check's link for those who open it."""
        bands = getattr(g, "offer_bands", None)
        if bands is None or model.id not in bands and offer_checks.is_controlled(model.contract_type):
            bands = g.offer_bands = offer_checks.bands_for([model])
        text = offer_band.column_text(model, bands.get(model.id))
        if roles.can_read(current_user, "journey"):
            link = Markup('<a href="{}">{}</a>').format(url_for("journey.offer", offer_id=model.id), lazy_gettext('Check'))
            return Markup("{} {}").format(text, link) if text else link
        return text

    def get_list(self, *args, **kwargs):
        count, rows = super().get_list(*args, **kwargs)
        # the page's bands in one query, for the "Fascia e sostenibilità" column
        g.offer_bands = offer_checks.bands_for(rows) if isinstance(rows, list) else None
        return count, rows

    @expose("/band")
    def band(self):
        """JSON for the offer form: the zone's band of a home and the problems of the terms typed (no personal data)."""
        return jsonify(offer_band.band_payload(request.args))

    def _without_justification(self, form):
        # only an administrator records why a rent outside the band is accepted
        if not is_admin() and getattr(form, "band_justification", None) is not None:
            del form.band_justification
        return form

    def create_form(self, obj=None):
        return self._without_justification(super().create_form(obj))

    def edit_form(self, obj=None):
        return self._without_justification(super().edit_form(obj))

    def record_checks(self, data, current_id):
        """The territorial agreement's band and durations (housing.offer_checks), on every save:
        an offer is saved as published through this form too."""
        stored = Offer.get_or_none(Offer.id == int(current_id)) if current_id is not None else None
        dwelling = data["dwelling"] if "dwelling" in data else (stored.dwelling if stored else None)
        if dwelling is not None and not isinstance(dwelling, Dwelling):
            dwelling = Dwelling.get_or_none(Dwelling.id == bulk.selected_ids([dwelling])[0]) \
                if bulk.selected_ids([dwelling]) else None

        def value(name):
            return data[name] if name in data else (getattr(stored, name) if stored else None)

        justification = data["band_justification"] if is_admin() and "band_justification" in data \
            else value("band_justification")
        found = offer_checks.problems(dwelling, value("contract_type"), value("monthly_rent"),
                                      value("min_duration_months"), value("max_duration_months"), justification)
        return offer_band.errors(found)


class KeyListField(SelectMultipleField):
    """A multiple choice stored as the comma-separated keys of a vocabulary
    (``Household.acceptable_contract_types``): an unknown key is a field error."""

    widget = Select2Widget(multiple=True)

    def process_data(self, value):
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        super().process_data(value)

    def process_formdata(self, valuelist):
        super().process_formdata([value for value in valuelist if value not in ("", None)])

    def populate_obj(self, obj, name):
        setattr(obj, name, ",".join(dict.fromkeys(self.data or [])) or None)


UNRESOLVED_NOTE = "[Da ricondurre ai registri]"


class UnresolvedFilter(BasePeeweeFilter):
    """Households whose free text still names values of no registry: languages
    left in the free-text field, contract types the migration could not read
    (kept in the notes, marked ``UNRESOLVED_NOTE``)."""

    def apply(self, query, value):
        unresolved = Household.languages.is_null(False) | Household.notes.contains(UNRESOLVED_NOTE)
        return query.where(unresolved if value == "1" else ~unresolved)

    def operation(self):
        return lazy_gettext('to resolve')


def is_admin():
    return roles.current_role(current_user) == "admin"


class HouseholdView(RecordMessagesMixin, bulk.HouseholdActions, SecureModelView):
    category_key = "people"
    choices = {"ethos_category": v.ETHOS_CATEGORIES, "status": v.HOUSEHOLD_STATUSES}
    column_list = [
        "code", "status", "ethos_category", "monthly_net_income", "min_rooms",
        "needs_step_free", "needs_mediation", "case_worker", "intake_on", "case_conference_rank",
    ]
    column_searchable_list = ["code", "email", "phone"]
    exact_search = {"code": r"NF-\d{4}-\d{4,}"}

    def get_list(self, page, sort_column, sort_desc, search, filters, execute=True, page_size=None):
        # A member's tax code finds the household, exactly, through the unique index (roles that read it).
        g.member_tax_code = None
        if search and roles.role_reads(roles.current_role(current_user), Person, "tax_code") \
                and re.fullmatch(PersonView.exact_search["tax_code"], search.strip(), re.I):
            g.member_tax_code, search = search.strip().upper(), None
        return super().get_list(page, sort_column, sort_desc, search, filters, execute, page_size)

    def get_query(self):
        query = super().get_query()
        code = getattr(g, "member_tax_code", None)
        if code:
            query = query.where(Household.id.in_(Person.select(Person.household).where(Person.tax_code == code)))
        return query
    column_sortable_list = ["code", "status", "monthly_net_income", "intake_on", "min_rooms", "case_conference_rank"]
    column_filters = ["status", "ethos_category", "needs_step_free", "needs_mediation", "min_rooms", "intake_on", "monthly_net_income"]
    form_excluded_columns = [
        "created_at", "updated_at", "priority_score", "priority_computed_at", "tie_break_key", "erp_assignments",
    ]
    form_overrides = {"acceptable_contract_types": KeyListField}
    form_args = {
        "code": {"validators": [Optional()], "description": lazy_gettext('Empty: assigned automatically '
                                                                         '(NF-year-number). Only an administrator '
                                                                         'may change it.')},
        "acceptable_contract_types": {"choices": term_choices(v.CONTRACT_TYPES), "description": lazy_gettext('No choice: any contract type.')},
        "languages": {"label": lazy_gettext('Other languages (free text, not in the registry)'), "description": lazy_gettext('Registry languages typed here are linked on saving; the rest stays, to be resolved.')},
    }
    form_extra_fields = {
        "spoken_languages": RegistryLinksField(
            field_label("spoken_languages"), model=HouseholdLanguage, prop="household", target="spoken"),
        "preferred_districts": RegistryLinksField(
            field_label("preferred_districts"), model=HouseholdDistrict, prop="household", target="district",
            description=lazy_gettext('No choice: any district.')),
    }
    form_ajax_refs = {"case_worker": {"fields": ["username", "full_name"], **AJAX_PAGE}}
    column_formatters = {
        "code": lambda view, context, model, name: Markup('<a href="{}">{}</a>').format(
            url_for("journey.household", household_id=model.id), model.code),
    }
    inline_models = [optional_id_inline(
        Person,
        form_columns=["id", "first_name", "last_name", "tax_code", "birth_date", "sex", "citizenship",
                      "relation", "has_disability", "disability_percent", "employment_status"],
        form_choices={
            "sex": [(t.key, t.it) for t in v.SEXES],
            "relation": [(t.key, t.it) for t in v.RELATIONS],
            "employment_status": [(t.key, t.it) for t in v.EMPLOYMENT_STATUSES],
        },
    ), optional_id_inline(
        # the household's own ranking of districts or offers (1 = first choice), read by the batch's stage 2
        HouseholdPreference, form_columns=["id", "preference_rank", "district", "offer"],
        # typed, not listed: a list would load every offer ever made, each with its dwelling and district.
        # Flask-Admin's peewee inline forms register an inline's ajax loader for the lookup but do not
        # use it for the field (they look it up by the bare name on the parent view): the field is given here.
        form_ajax_refs={"offer": PREFERRED_OFFER},
        form_extra_fields={"offer": AjaxSelectField(PREFERRED_OFFER, field_label("offer"), allow_blank=True)},
    )]

    def __init__(self, model, **kwargs):
        self.column_filters = self.column_filters + [
            UnresolvedFilter(Household.languages, lazy_gettext('Values to map to registries'),
                             options=(("1", lazy_gettext('yes')), ("0", lazy_gettext('no'))))]
        super().__init__(model, **kwargs)

    def _with_registry_choices(self, form, household=None):
        """The languages and districts offered: the registries' active entries and the household's own."""
        languages = getattr(form, "spoken_languages", None)
        if languages is not None:
            languages.offer(Language.active, Language.name_it, household)
        districts = getattr(form, "preferred_districts", None)
        if districts is not None:
            districts.offer(district_views.OPEN_TO_NEW_LINKS, District.name, household)
        return form

    def create_form(self, obj=None):
        form = self._with_registry_choices(super().create_form(obj))
        if not is_admin() and getattr(form, "code", None) is not None:
            form.code.widget = HiddenInput()  # assigned on saving; only an administrator chooses one
        return form

    def edit_form(self, obj=None):
        form = self._with_registry_choices(super().edit_form(obj), obj)
        if not is_admin() and getattr(form, "code", None) is not None:
            form.code.render_kw = {"readonly": True}
        return form

    def on_model_change(self, form, model, is_created):
        super().on_model_change(form, model, is_created)
        if is_created:
            household_codes.assign(model)  # inside the save's transaction, serialised
        field = getattr(form, "spoken_languages", None)
        if field is not None and model.languages:
            # registry languages typed as free text become links; only the rest stays as text
            field.resolved, unmatched = language_registry.resolve(model.languages)
            model.languages = ", ".join(unmatched) or None

    def record_checks(self, data, current_id):
        stored = Household.get_or_none(Household.id == int(current_id)) if current_id is not None else None
        errors = {}
        if stored is not None and "code" in data and not is_admin() \
                and normalise("code", data["code"] or "") != stored.code:
            errors["code"] = [lazy_gettext("Only an administrator may change the household's code.")]
        if data.get("restricted") != (stored.restricted if stored is not None else False) and not (
                is_admin() or (stored is not None and stored.case_worker_id == current_user.id)
                or (stored is None and getattr(data.get("case_worker"), "id", None) == current_user.id)):
            errors["restricted"] = [lazy_gettext("Only an administrator or the household's case worker may "
                                                 "restrict it or lift the restriction.")]
        if "case_worker" not in data:
            return errors
        new = data["case_worker"]
        if not sensitive.may_assign_case_worker(current_user, stored, new.id if new is not None else None):
            errors["case_worker"] = [lazy_gettext("Only an administrator or the current case worker may assign the "
                                                  "household's case worker.")]
        return errors

    def after_model_change(self, form, model, is_created):
        field = getattr(form, "case_worker", None)
        old = getattr(field, "object_data", None) if not is_created else None
        if field is not None and (old.id if old else None) != model.case_worker_id and model.case_worker_id:
            name = model.case_worker.full_name or model.case_worker.username
            flash(gettext("Case worker of household %(code)s: %(name)s. They now read the household's restricted "
                          "notes; the assignment is recorded in the audit log.", code=model.code, name=name), "info")
        super().after_model_change(form, model, is_created)

    def validate_form(self, form):
        code = getattr(form, "code", None)
        if code is not None and "id" not in request.args and not (code.data or "").strip():
            code.data = None  # a new household without a code: the save numbers it
        valid = super().validate_form(form)
        members = getattr(form, "members", None)
        if members is None or isinstance(form, (self._delete_form_class, self._action_form_class)):
            return valid
        kept = [e for e in members.entries if not members.should_delete(e)]
        references = [e for e in kept if e.form.relation.data == "reference"]
        if kept and len(references) != 1:
            members.errors = list(members.errors or []) + [lazy_gettext('The household must have exactly one '
                                                                        'reference person.')]
            return False
        return valid


class LanguageView(SecureModelView):
    """The languages registry (ISO 639-1 codes), kept by administrators."""

    category_key = "people"
    column_list = ["code", "name_it", "name_en", "active"]
    column_searchable_list = ["code", "name_it", "name_en"]
    column_sortable_list = ["code", "name_it", "name_en", "active"]
    column_filters = ["active"]
    column_default_sort = ("code", False)
    form_columns = ["code", "name_it", "name_en", "active"]
    column_list = column_list + ["mediation"]
    column_export_exclude_list = ["mediation"]
    column_labels = {"mediation": lazy_gettext('Households in the programme needing mediation')}
    column_formatters = {"mediation": lambda view, context, model, name: view.mediation_counts().get(model.code, 0)}
    form_args = {"code": {"validators": [Regexp(r"^[a-z]{2,3}$", message=lazy_gettext('ISO 639 code in lower case, 2 or 3 '
                                                                                      'letters (e.g. “ar”, “wo”).'))]}}

    def mediation_counts(self):
        """{language code: households needing mediation}, once per request (an aggregate: no person)."""
        from flask import g

        if getattr(g, "mediation_counts", None) is None:
            g.mediation_counts = {code: n for code, _, _, n in language_registry.mediation_by_language()}
        return g.mediation_counts


class PersonView(SecureModelView):
    category_key = "people"
    choices = {"sex": v.SEXES, "relation": v.RELATIONS, "employment_status": v.EMPLOYMENT_STATUSES}
    column_list = ["last_name", "first_name", "tax_code", "household", "relation", "birth_date", "citizenship"]
    column_searchable_list = ["last_name", "first_name", "tax_code"]
    exact_search = {"tax_code": r"[A-Z]{6}[0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]"}
    column_sortable_list = ["last_name", "first_name", "birth_date"]
    column_filters = ["relation", "sex", "employment_status", "citizenship", "has_disability", Household.code]
    form_ajax_refs = {"household": {"fields": ["code"], **AJAX_PAGE}}


class ErpAssignmentView(SecureModelView):
    category_key = "people"
    choices = {"occupancy_status": v.OCCUPANCY_STATUSES}
    column_list = ["act_number", "dwelling", "household", "act_date", "social_rent", "arrears_amount", "occupancy_status", "last_income_check"]
    column_searchable_list = ["act_number"]
    column_sortable_list = ["act_number", "act_date", "social_rent", "arrears_amount", "occupancy_status"]
    column_filters = ["occupancy_status", "arrears_amount", "act_date", "last_income_check",
                      *district_views.text_filters(District.name, field_label("district"))]
    form_excluded_columns = ["created_at", "updated_at"]
    form_ajax_refs = {
        "dwelling": {"fields": ["address", District.name], **AJAX_PAGE},
        "household": {"fields": ["code"], **AJAX_PAGE},
    }


class TerritorialAgreementView(SecureModelView):
    category_key = "rents"
    column_list = ["name", "city", "signed_on", "valid_from", "is_sample"]
    column_searchable_list = ["name", "city"]
    inline_models = [
        optional_id_inline(AgreementZone, form_columns=["id", "code", "name"]),
        optional_id_inline(ContractDuration, form_columns=["id", "contract_type", "min_months", "max_months"],
                           form_choices={"contract_type": [(t.key, t.it) for t in v.CONTRACT_TYPES]}),
    ]


class AgreementZoneView(SecureModelView):
    category_key = "rents"
    column_list = ["territorial_agreement", "code", "name", "districts"]
    column_searchable_list = ["code", "name"]
    inline_models = [optional_id_inline(RentBand, form_columns=["id", "label", "min_features", "min_eur_m2_year", "max_eur_m2_year"])]
    form_excluded_columns = ["dwellings"]
    # the zone's districts are the registry's entries pointing at it (edited in "Quartieri")
    column_formatters = column_formatters_export = {
        "districts": lambda view, context, model, name: ", ".join(
            district.name for district in model.districts.order_by(District.name)),
    }


class RentBandView(SecureModelView):
    category_key = "rents"
    column_list = ["zone", "label", "min_features", "min_eur_m2_year", "max_eur_m2_year"]
    column_filters = [AgreementZone.code]


class ContractDurationView(SecureModelView):
    category_key = "rents"
    choices = {"contract_type": v.CONTRACT_TYPES}
    column_list = ["territorial_agreement", "contract_type", "min_months", "max_months"]
    column_filters = ["contract_type"]


class AuditLogView(SecureModelView):
    category_key = "system"
    choices = {"action": v.AUDIT_ACTIONS}
    can_export = True
    column_list = ["at", "actor", "action", "entity", "record_id", "changes"]
    # No free-text search over a million rows: exact filters served by indexes.
    column_sortable_list = ["at", "actor", "action", "entity"]
    column_filters = [FilterEqual(AuditLog.record_id, field_label("record_id")), "entity",
                      FilterEqual(AuditLog.actor, field_label("actor")), "action", "at"]
    column_default_sort = ("at", True)
    column_formatters = {"changes": audit_text.changes_formatter, "entity": audit_text.entity_formatter}
    column_formatters_export = {}  # the export keeps the machine-readable JSON and table names


# -- restricted views for the viewer role: no personal field anywhere ----------

class RestrictedView(SecureModelView):
    """A read-only view whose column lists are fixed: details and export show
    exactly the listed columns, and search never touches personal fields."""

    def __init__(self, model, **kwargs):
        self.column_details_list = self.column_export_list = self.column_list
        super().__init__(model, **kwargs)


class LandlordSummaryView(RestrictedView):
    registry = "landlord_summary"
    category_key = "homes"
    choices = {"kind": v.LANDLORD_KINDS}
    column_list = ["id", "kind", "public_name_consent", "orientation_sessions", "last_orientation_on"]
    column_filters = ["kind", "public_name_consent"]


class HouseholdSummaryView(RestrictedView):
    registry = "household_summary"
    category_key = "people"
    choices = {"status": v.HOUSEHOLD_STATUSES}
    column_list = ["code", "status", "min_rooms", "needs_step_free", "needs_mediation", "intake_on"]
    column_searchable_list = ["code"]
    column_filters = ["status", "needs_step_free", "needs_mediation", "min_rooms", "intake_on"]


class ErpAssignmentSummaryView(RestrictedView):
    registry = "erp_assignment_summary"
    category_key = "people"
    choices = {"occupancy_status": v.OCCUPANCY_STATUSES}
    column_list = ["act_number", "district", "act_date", "occupancy_status"]
    column_filters = ["occupancy_status", "act_date", *district_views.text_filters(District.name, field_label("district"))]
    column_formatters = column_formatters_export = {
        "district": lambda view, context, model, name: model.dwelling.district.name}
