"""Field-level access in the model views: one rule for every way out of a view.

``admin.roles`` classifies the fields (``role_reads``); this mixin applies
that classification, for the role of the request's user, to the list, details
and export columns, to search, sort and filters (a filter or a search on a
field the role may not read would be an oracle), to the ajax lookups (which
serve edit forms: a role without edit rights on the view gets none, and never
more than ``MAX_AJAX_LIMIT`` rows) and to related records whose label names a
person (a private landlord in a dwelling's landlord column).

Flask-Admin builds its column caches once per view; here each cache is a
``RoleScoped`` attribute: Flask-Admin sets the full value, and reads it back
narrowed to the current role. The private attributes relied on are listed in
``ROLE_SCOPED`` and pinned by ``tests/test_field_access.py``.
"""
from decimal import Decimal

import peewee
from flask import abort, has_request_context, json, request, Response
from flask_admin import expose
from flask_admin.contrib.peewee.form import CustomModelConverter
from flask_admin.model.base import FilterGroup
from flask_babel import gettext, lazy_gettext
from flask_login import current_user
from peewee import Field, ForeignKeyField, Model
from wtfpeewee.fields import ModelSelectField
from wtforms.fields import DecimalField
from wtforms.widgets import TextInput
from wtforms.validators import ValidationError
from wtfpeewee.orm import FieldInfo

from admin import roles
from housing import amounts

ALL = object()  # outside a request (start-up, introspection): the view as declared
MAX_AJAX_LIMIT = 50
DEFAULT_AJAX_LIMIT = 10
MAX_ID = 2**63 - 1
# Never scaffolded as form fields: the database or the save sets them (an edit form
# carries the version it was opened at in a hidden field of its own, admin/views/versions.py).
NOT_EDITABLE = ("created_at", "updated_at", "version")

# What each model's __str__ shows, where it shows a protected field or another record's
# label (checked against the models by tests/test_field_access.py).
LABEL_FIELDS = {
    "landlord": ("name",),
    "landlord_proposal": ("name",),
    "outbox_message": ("recipient",),
    "person": ("first_name", "last_name"),
    "household": ("code",),
    "offer": ("dwelling",),
    "dwelling": ("address", "district"),
    "agreement_partner": ("partner",),
    "match": ("household",),
    "support_plan": ("household",),
    "referral": ("household", "partner"),
    "stay": ("household", "place"),
    "tenancy": ("household",),
    "arrears_episode": ("tenancy", "amount"),
    "incentive": ("landlord", "amount"),
    "guarantee_claim": ("incentive",),
}
# How a record is called when its label is hidden: "Locatore n. 12".
MASKED_NAMES = {
    "landlord": lazy_gettext('Landlord'),
    "person": lazy_gettext('Member'),
    "arrears_episode": lazy_gettext('Arrears'),
    "incentive": lazy_gettext('Incentive'),
    "guarantee_claim": lazy_gettext('Claim'),
}


def current_role():
    return roles.current_role(current_user) if has_request_context() else ALL


def reads(role, field):
    """May ``role`` read a peewee field (of any model)?"""
    if role is ALL or not isinstance(field, Field):
        return True
    return roles.role_reads(role, field.model, field.name)


def column_field(model, name):
    """The peewee field behind a column (``"dwelling.district"`` through foreign keys), or None."""
    if isinstance(name, Field):
        return name
    field = None
    for part in str(name).split("."):
        field = model._meta.fields.get(part)
        if field is None:
            return None
        if isinstance(field, ForeignKeyField):
            model = field.rel_model
    return field


def label_readable(role, record, depth=0):
    """May ``role`` read what ``str(record)`` shows?"""
    if role is ALL:
        return True
    if depth > 5:
        return False
    for name in LABEL_FIELDS.get(record._meta.table_name, ()):
        if not roles.role_reads_value(role, record, name):
            return False
        field = record._meta.fields.get(name)
        if isinstance(field, ForeignKeyField):
            related = getattr(record, name, None)
            if related is not None and not label_readable(role, related, depth + 1):
                return False
    return True


def label(role, record):
    """The record itself where the role may read its label, else "<kind> n. <id>"."""
    if record is None or label_readable(role, record):
        return record
    table = record._meta.table_name
    return gettext("%(kind)s no. %(id)s", kind=MASKED_NAMES.get(table, "Record"), id=record.get_id())


def _bounded(value, default, low, high):
    try:
        value = int(value)
    except (TypeError, ValueError, OverflowError):
        return default
    return max(low, min(value, high))


class SafeModelSelectField(ModelSelectField):
    """A foreign-key select for which an id that is not a database integer is "no choice"
    (a field error), never a database error; its options show masked labels."""

    def get_model(self, pk):
        try:
            pk = int(pk)
        except (TypeError, ValueError, OverflowError):
            return None
        return super().get_model(pk) if 0 < pk <= MAX_ID else None

    def pre_validate(self, form):
        # A field filter (a nullable column's "empty is None") assigns the posted text back as
        # the data; wtfpeewee then compares it with the id column in SQL, which PostgreSQL refuses.
        data = self.data
        if data is not None and not isinstance(data, self.model) and self.get_model(data) is None:
            raise ValidationError(self.gettext("Not a valid choice."))
        super().pre_validate(form)


class LocaleDecimalField(DecimalField):
    """A decimal input in the user's locale: shown as "219,00" in Italian, and read
    whether typed "219,50", "1.234,50" or "219.50" (``housing.amounts``). A text
    input with a decimal keypad: a browser's number input would drop "219,00"."""

    widget = TextInput()

    def __init__(self, *args, **kwargs):
        kwargs["render_kw"] = {"inputmode": "decimal", **(kwargs.get("render_kw") or {})}
        super().__init__(*args, **kwargs)

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        from admin.i18n import current_language

        try:
            text = f"{Decimal(self.data):.{self.places if self.places is not None else 2}f}"
        except (ArithmeticError, ValueError, TypeError):
            return str(self.data)
        return text.replace(".", ",") if current_language() == "it" else text

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        try:
            self.data = amounts.parse(valuelist[0])
        except ValueError:
            self.data = None
            raise ValueError(self.gettext("Not a valid decimal value.")) from None


class SafeModelConverter(CustomModelConverter):
    def __init__(self, view, additional=None):
        super().__init__(view, additional)
        self.converters[peewee.DecimalField] = self.handle_decimal

    def handle_decimal(self, model, field, **kwargs):
        return FieldInfo(field.name, LocaleDecimalField(**kwargs))

    def handle_foreign_key(self, model, field, **kwargs):
        if getattr(self.view, "_form_ajax_refs", {}).get(field.name):
            return super().handle_foreign_key(model, field, **kwargs)
        if field.null:
            kwargs["allow_blank"] = True
        kwargs.setdefault("get_label", lambda obj: str(label(current_role(), obj)))
        return FieldInfo(field.name, SafeModelSelectField(model=field.rel_model, **kwargs))


class RoleScoped:
    """A Flask-Admin cache attribute read back narrowed to the current role."""

    def __set_name__(self, owner, name):
        self.name = name

    def __get__(self, view, owner=None):
        if view is None:
            return self
        try:
            full = view.__dict__["_declared" + self.name]
        except KeyError:
            raise AttributeError(self.name) from None
        role = current_role()
        return full if role is ALL else view._for_role(role)[self.name]

    def __set__(self, view, value):
        view.__dict__["_declared" + self.name] = value
        view.__dict__["_by_role"] = {}


class FieldAccessMixin:
    """Applies ``admin.roles.role_reads`` to every way out of a model view."""

    ROLE_SCOPED = ("_list_columns", "_sortable_columns", "_details_columns", "_export_columns",
                   "_search_fields", "_search_supported", "_filters", "_filter_groups", "_filter_args")
    _list_columns = RoleScoped()
    _sortable_columns = RoleScoped()
    _details_columns = RoleScoped()
    _export_columns = RoleScoped()
    _search_fields = RoleScoped()
    _search_supported = RoleScoped()
    _filters = RoleScoped()
    _filter_groups = RoleScoped()
    _filter_args = RoleScoped()

    model_form_converter = SafeModelConverter

    def __init__(self, model, *args, **kwargs):
        if self.form_columns:
            self.form_columns = [c for c in self.form_columns if c not in NOT_EDITABLE]
        else:
            self.form_excluded_columns = list(self.form_excluded_columns or []) + [
                c for c in NOT_EDITABLE if c in model._meta.fields and c not in (self.form_excluded_columns or [])]
        super().__init__(model, *args, **kwargs)

    # -- the caches, per role -------------------------------------------------

    def _declared(self, name, default=None):
        return self.__dict__.get("_declared" + name, default)

    def _column_readable(self, role, name):
        return reads(role, column_field(self.model, name))

    def _for_role(self, role):
        cache = self.__dict__.setdefault("_by_role", {})
        if role not in cache:
            cache[role] = self._narrowed(role)
        return cache[role]

    def _narrowed(self, role):
        def columns(name):
            return [(c, label) for c, label in self._declared(name, []) if self._column_readable(role, c)]

        search = [f for f in self._declared("_search_fields", []) if reads(role, f)]
        result = {
            "_list_columns": columns("_list_columns"),
            "_details_columns": columns("_details_columns"),
            "_export_columns": columns("_export_columns"),
            "_sortable_columns": {
                name: target for name, target in (self._declared("_sortable_columns") or {}).items()
                if self._column_readable(role, name) and reads(role, column_field(self.model, target))
            },
            "_search_fields": search,
            "_search_supported": bool(search),
        }
        result.update(self._narrowed_filters(role))
        return result

    def _narrowed_filters(self, role):
        declared = self._declared("_filters")
        allowed = [(i, flt) for i, flt in enumerate(declared or []) if reads(role, getattr(flt, "column", None))]
        if not allowed:
            return {"_filters": None, "_filter_groups": None, "_filter_args": None}
        indexes = {i for i, _ in allowed}
        groups = {}
        for key, group in (self._declared("_filter_groups") or {}).items():
            kept = [item for item in group if item["index"] in indexes]
            if kept:
                groups[key] = FilterGroup(group.label)
                for item in kept:
                    groups[key].append(item)
        args = {key: (i, flt) for key, (i, flt) in (self._declared("_filter_args") or {}).items() if i in indexes}
        # the declared list, so that a filter keeps its index (and its URL) for every role
        return {"_filters": declared, "_filter_groups": groups, "_filter_args": args}

    # -- values of related records ----------------------------------------------

    def _get_field_value(self, model, name):
        value = super()._get_field_value(model, name)
        if isinstance(value, Model):
            return label(current_role(), value)
        return value

    # -- ajax lookups: for edit forms only, bounded ------------------------------

    def may_look_up(self):
        return bool(self.can_create or self.can_edit)

    @expose("/ajax/lookup/")
    def ajax_lookup(self):
        loader = self._form_ajax_refs.get(request.args.get("name") or "")
        if not loader:
            abort(404)
        role = current_role()
        if not self.may_look_up() or not all(reads(role, f) for f in getattr(loader, "_cached_fields", ())):
            abort(403)
        limit = _bounded(request.args.get("limit"), DEFAULT_AJAX_LIMIT, 1, MAX_AJAX_LIMIT)
        offset = _bounded(request.args.get("offset"), 0, 0, 100000)
        rows = loader.get_list(request.args.get("query") or "", offset, limit)
        data = [(key, str(text)) for key, text in (loader.format(row) for row in rows)]
        return Response(json.dumps(data), mimetype="application/json")
