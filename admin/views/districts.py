"""The district registry (quartieri): its list and form, and the screen that
resolves entries to review and merges two spellings of one district."""
from flask import flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.contrib.peewee.filters import FilterConverter
from flask_admin.form import SecureForm
from flask_admin.helpers import is_form_submitted
from flask_babel import gettext, lazy_gettext

from admin.i18n import current_language, pair
from admin.labels import field_label
from admin.views.base import SecureBaseView, SecureModelView, find, record_id, scoped_link
from housing import districts as registry
from models import AgreementZone, District, Dwelling, HouseholdDistrict

# The districts a home or a household may newly point at: the registry's
# active entries that no longer wait for a person's review.
OPEN_TO_NEW_LINKS = (District.active == True) & (District.to_review == False)  # noqa: E712

TEXT_FILTERS = FilterConverter()


def text_filters(field, label):
    """Flask-Admin's text filters (contains, equals, ...) on ``field``, labelled ``label``:
    a related model's field keeps the label of the link, not "District / Nome"."""
    return TEXT_FILTERS.convert("CharField", field, label)


def offered(current_id=None):
    """The districts a home's form offers: those open to new links, and the one it has."""
    condition = OPEN_TO_NEW_LINKS | (District.id == current_id) if current_id else OPEN_TO_NEW_LINKS
    return District.select().where(condition).order_by(District.name)


def usage(district_id):
    """(homes, households) pointing at the district: what a merge moves."""
    homes = Dwelling.select().where(Dwelling.district == district_id).count()
    households = HouseholdDistrict.select().where(HouseholdDistrict.district == district_id).count()
    return homes, households


def refused_choice(raw):
    """The message for a posted district that is not one of the choices."""
    if raw and not str(raw).strip().isdigit():  # a name typed or sent instead of a choice
        message = registry.unknown_message(str(raw).strip()[:80])
        return pair(message[:1].upper() + message[1:] + ". Sceglierlo dall'elenco.",
                    f"District “{str(raw).strip()[:80]}” is not in the districts registry: pick one from the list.")
    return lazy_gettext('Invalid district: pick an active district of the districts registry.')


class DistrictView(SecureModelView):
    """The registry: renaming is an ordinary (audited) edit, since homes and
    households point at the entry's id; two spellings of one district are merged
    on the resolve screen, never kept side by side."""

    category_key = "homes"
    list_template = "admin/districts/list.html"
    column_list = ["name", "municipality", "zone", "active", "to_review", "dwellings"]
    column_searchable_list = ["name", "municipality", AgreementZone.name]
    column_sortable_list = ["name", "municipality", ("zone", AgreementZone.code), "active", "to_review"]
    column_default_sort = ("name", False)
    column_details_list = ["name", "municipality", "zone", "latitude", "longitude", "outline", "active",
                           "to_review", "created_at", "updated_at"]
    column_export_exclude_list = ["dwellings"]
    form_columns = ["name", "municipality", "zone", "latitude", "longitude", "outline", "active"]
    form_args = {
        "outline": {"description": lazy_gettext('Optional: simplified outline, “lat lon” points separated by “;” (at'
                                                ' least 3).')},
        "latitude": {"description": lazy_gettext("The district's centre: the public map shows offers here.")},
    }
    column_formatters = {
        "dwellings": lambda view, context, model, name: scoped_link(
            "dwelling", "district", model.id, lazy_gettext('Dwellings')),
    }

    def __init__(self, model, **kwargs):
        self.column_filters = [*text_filters(District.name, field_label("name")),
                               *text_filters(District.municipality, field_label("municipality")),
                               *text_filters(AgreementZone.code, field_label("zone")), "active", "to_review"]
        super().__init__(model, **kwargs)

    def record_checks(self, data, current_id):
        message = self.same_name(data.get("name"), current_id)
        return {"name": [message]} if message else {}

    def validate_form(self, form):
        valid = super().validate_form(form)
        field = getattr(form, "name", None)
        if field is None or not is_form_submitted() or isinstance(form, (self._delete_form_class, self._action_form_class)):
            return valid
        message = self.same_name(field.data, request.args.get("id"))
        if message:
            field.errors = [message]  # rather than the generic "already used": say what to do
        return valid and not message

    @staticmethod
    def same_name(name, current_id):
        """The message for a name another entry already has, but for case and accents."""
        if not isinstance(name, str) or not name.strip():
            return None
        same = registry.lookup(name)
        if same is None or (current_id is not None and str(same) == str(current_id)):
            return None
        existing = District.get_by_id(same).name
        return gettext('The district “%(existing)s” already exists (same name but for case and accents): if these '
                       'are two spellings of one district, merge them on “Districts to resolve and merge”.',
                       existing=existing)


class DistrictMergeView(SecureBaseView):
    """Entries to review (created from free text that matched no district), each
    mapped onto a district or confirmed, and merges of two spellings of one
    district. Every action is a POST with its CSRF token, by a role that edits
    the registry; ``housing.districts`` moves the references and audits them."""

    registry = "district"

    def is_visible(self):
        return False  # reached from the district list

    @expose("/")
    def index(self):
        source = find(District, record_id(request.args.get("source")))
        target = find(District, record_id(request.args.get("target")))
        preview = None
        if source is not None and target is not None and source.id != target.id:
            preview = (source, target, *usage(source.id))
        elif request.args.get("source") or request.args.get("target"):
            flash(gettext('Choose two different existing districts to merge.'), "error")
        return self.render("admin/districts/resolve.html", rows=registry.to_review(), targets=list(offered()),
                           everything=list(District.select().order_by(District.name)), preview=preview,
                           form=SecureForm(), can_act=self.can_act(), it=current_language() == "it")

    @expose("/merge", methods=["POST"])
    def merge(self):
        if self._guard():
            source_id, target_id = record_id(request.form.get("source")), record_id(request.form.get("target"))
            try:
                if source_id is None or target_id is None:
                    raise registry.RegistryError("scegliere il quartiere da unire e quello in cui unirlo")
                source = District.get_or_none(District.id == source_id)
                homes, households = registry.merge(source_id, target_id, _user())
                target = District.get_by_id(target_id)
                flash(gettext('“%(name)s” merged into “%(name2)s”: %(homes)s dwellings and %(households)s households'
                              ' moved.',
                              name=source.name, name2=target.name, homes=homes, households=households), "success")
            except registry.RegistryError as error:
                flash(gettext('Merge not done: %(error)s.', error=error), "error")
        return redirect(url_for(".index"))

    @expose("/confirm", methods=["POST"])
    def confirm(self):
        if self._guard():
            district_id = record_id(request.form.get("district"))
            try:
                if district_id is None:
                    raise registry.RegistryError("quartiere non indicato")
                district = registry.confirm(district_id, _user())
                flash(gettext('“%(name)s” confirmed as a district of the registry.', name=district.name), "success")
            except registry.RegistryError as error:
                flash(gettext('Not confirmed: %(error)s.', error=error), "error")
        return redirect(url_for(".index"))


def _user():
    from flask_login import current_user

    return current_user._get_current_object()
