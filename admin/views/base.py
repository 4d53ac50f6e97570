"""The one secured base view that every registry view derives from.

It enforces the role matrix on every URL and action, adds CSRF to every form,
validates with ``housing.validation``, saves parent and inline rows in one
transaction, writes the audit trail, refuses deletes that would orphan data,
avoids N+1 queries on list pages and neutralises spreadsheet formulas in
exports.
"""
import functools
import logging
import operator
import re
from decimal import InvalidOperation

from flask import abort, flash, g, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_admin.contrib.peewee import ModelView
from flask_admin.contrib.peewee.ajax import QueryAjaxModelLoader
from flask_admin.model.ajax import DEFAULT_PAGE_SIZE
from flask_admin.contrib.peewee.form import save_inline
from flask_admin.form import SecureForm
from flask_admin.helpers import is_form_submitted
from flask_admin.model import typefmt
from flask_babel import LazyString, gettext, lazy_gettext
from flask_login import current_user
from markupsafe import Markup
from peewee import JOIN, CharField, DatabaseError, DataError, ForeignKeyField, IntegerField, IntegrityError, TextField
from wtforms.fields import FieldList, FormField
from wtforms.form import BaseForm
from wtforms.validators import Optional

from admin import roles
from admin.i18n import format_value, term_choices, term_text
from admin.labels import FIELD_LABELS, field_help, field_label, registry_name
from admin.views import field_access
from admin.views import versions
from housing import audit, restriction, validation
from housing.database import serialise
from models import db, normalise

log = logging.getLogger(__name__)


def record_id(value):
    """A posted record id as an int, or None when it is not one (text, zero, beyond 64 bits)."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


def refused_by(error):
    """What refused a write, for the log: the error's type and the constraint's
    name, never its text (PostgreSQL quotes the refused row's values in it)."""
    diag = getattr(getattr(error, "orig", None) or getattr(error, "__cause__", None), "diag", None)
    constraint = getattr(diag, "constraint_name", None)
    return type(error).__name__ + (f" (constraint {constraint})" if constraint else "")

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Errors a hostile or mistyped query string can provoke in the database driver.
BAD_QUERY_ERRORS = (DataError, OverflowError, InvalidOperation, RecursionError, ValueError)
MAX_PAGE = 100000
MAX_SEARCH_WORDS = 10
MAX_SEARCH_CHARS = 200


def scoped_link(endpoint, arg, value, text):
    """A link to a list view narrowed to one parent record (``scoped_by``)."""
    url = url_for(f"{endpoint}.index_view", **{arg: value})
    return Markup('<a href="{}">{}</a>').format(url, text)


def join_path(model, target, depth=2):
    """The models to join, in order, to reach ``target`` from ``model`` through
    foreign keys (``[Dwelling, District]`` from an offer), or None."""
    for field in model._meta.fields.values():
        if isinstance(field, ForeignKeyField) and field.rel_model is target:
            return [target]
    if depth > 1:
        for field in model._meta.fields.values():
            if isinstance(field, ForeignKeyField) and field.rel_model is not model:
                rest = join_path(field.rel_model, target, depth - 1)
                if rest:
                    return [field.rel_model, *rest]
    return None


def clean_arg(value):
    """A query-string value without NUL and other control characters."""
    return "".join(ch for ch in value if ch >= " ") if isinstance(value, str) else value


class SafeAjaxLoader(QueryAjaxModelLoader):
    """An ajax foreign-key loader for which an unknown or malformed id is simply
    "no record" (the field then says the choice is invalid), never a 500.

    ``where``: a condition on the rows offered while typing (a record already chosen
    stays readable: an old household may rank an offer that has since been let)."""

    def __init__(self, name, model, where=None, **options):
        super().__init__(name, model, **options)
        self.where = where

    def get_one(self, pk):
        try:
            found = self.model.get_or_none(self.model._meta.primary_key == int(pk))
        except BAD_QUERY_ERRORS:
            return None
        return found if found is None or restriction.may_see(found, current_user) else None

    def get_list(self, term, offset=0, limit=DEFAULT_PAGE_SIZE):
        """Rows whose text fields contain ``term``, or whose number fields equal it.

        Flask-Admin's own loader compares every field with ILIKE, which
        PostgreSQL refuses for an integer column ("search by id")."""
        limit = max(1, min(limit or DEFAULT_PAGE_SIZE, field_access.MAX_AJAX_LIMIT))
        term = clean_arg(term or "")[:MAX_SEARCH_CHARS].strip()
        query = self.model.select() if self.where is None else self.model.select().where(self.where)
        hidden = restriction.visible(self.model, current_user)  # a restricted household is not offered
        if hidden is not None:
            query = query.where(hidden)
        if term:
            conditions = []
            for field in self._cached_fields:
                if isinstance(field, (CharField, TextField)) and field.model is not self.model:
                    # a related record's name (a dwelling's district): rows linked to a matching one
                    link = next((fk for fk in self.model._meta.fields.values()
                                 if isinstance(fk, ForeignKeyField) and fk.rel_model is field.model), None)
                    if link is not None:
                        conditions.append(link.in_(field.model.select(field.model._meta.primary_key)
                                                   .where(field ** f"%{term}%")))
                elif isinstance(field, (CharField, TextField)):
                    conditions.append(field ** f"%{term}%")
                elif isinstance(field, IntegerField) and term.isdigit() and int(term) <= MAX_ID:
                    conditions.append(field == int(term))
            if not conditions:
                return []
            query = query.where(functools.reduce(operator.or_, conditions))
        return list(query.offset(max(0, min(offset or 0, MAX_PAGE))).limit(limit))

    def format(self, model):
        """(id, label), the label hidden where the role may not read it (``field_access.label``)."""
        if model is None:
            return None
        return getattr(model, self.pk), str(field_access.label(field_access.current_role(), model))


class Refused(Exception):
    """A save refused by the checks run inside its transaction: ``errors`` by field."""

    def __init__(self, errors):
        super().__init__("refused")
        self.errors = errors


SAVE_FAILED = lazy_gettext('Save failed: the data conflicts with other records. Nothing was saved.')


def neutralise_formula(value):
    """Prefix text that a spreadsheet would run as a formula (CSV injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


MAX_ID = 2**63 - 1  # the databases' integer ids


def find(model, record_id):
    """The row with that id, or None (also for ids no database integer can hold)."""
    if not isinstance(record_id, int) or not 0 < record_id <= MAX_ID:
        return None
    return model.get_or_none(model._meta.primary_key == record_id)


def get_or_404(model, record_id):
    """The row the custom pages show (a household's journey, a match, an offer's check), or 404,
    also when it belongs to a restricted household the user may not see (``housing.restriction``)."""
    record = find(model, record_id)
    if record is None or not restriction.may_see(record, current_user):
        abort(404)
    return record


class RoleGuard:
    """Access from ``admin.roles``: read access to ``registry`` opens the view;
    anonymous users are sent to the login, others get a 403."""

    registry = None

    def is_accessible(self):
        return roles.can_read(current_user, self.registry)

    def inaccessible_callback(self, name, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path))
        abort(403)

    def render(self, template, **kwargs):
        for value in kwargs.values():
            if isinstance(value, BaseForm):
                plain_errors(value)
        return super().render(template, **kwargs)


def plain_errors(form):
    """Field errors as plain text in the reader's language. Messages may be lazy
    (a validator's ``message=lazy_gettext(...)``, a data label), and Flask-Admin
    marks a field invalid only when an error ``isinstance(..., str)``
    (``flask_admin.helpers.is_field_error``, pinned by tests/test_catalogues.py)."""
    for field in form:
        if isinstance(field, FormField):
            plain_errors(field.form)
        elif isinstance(field, FieldList):
            for entry in field.entries:
                if isinstance(entry, FormField):
                    plain_errors(entry.form)
        if isinstance(field.errors, (list, tuple)):
            field.errors = [str(error) if isinstance(error, LazyString) else error for error in field.errors]


class SecureBaseView(RoleGuard, BaseView):
    """A custom page (not a registry) guarded like the model views."""

    def can_act(self):
        return roles.can_edit(current_user, self.registry)

    def _guard(self):
        """For a POST action: 403 without edit rights; False (with a message) on an expired CSRF token."""
        if not self.can_act():
            abort(403)
        if not SecureForm(request.form).validate():
            flash(gettext('Expired request: try again.'), "error")
            return False
        return True


class SecureModelView(field_access.FieldAccessMixin, RoleGuard, ModelView):
    """A registry view whose permissions come from ``admin.roles``."""

    category_key = None
    choices = {}  # field name -> vocabulary registry (tuple of Term)

    form_base_class = SecureForm
    can_view_details = True
    can_export = True
    export_types = ["csv", "xlsx"]
    export_max_rows = 5000
    page_size = 20
    # No COUNT(*) on every list page: big registries stay fast (STACK_NOTES).
    simple_list_pager = True
    column_default_sort = ("id", True)
    column_display_pk = False
    details_modal = False
    edit_modal = False
    create_modal = False
    list_template = "admin/model/list.html"

    def __init__(self, model, category=None, **kwargs):
        self.registry = self.registry or model._meta.table_name
        labels = {name: field_label(name) for name in FIELD_LABELS}
        self.column_labels = {**labels, **(self.column_labels or {})}
        self.form_args = with_labels(model, getattr(self, "form_args", None))
        coded = {**vocabulary_fields(model), **self.choices}
        if coded:
            bilingual = {name: term_choices(reg) for name, reg in coded.items()}
            # The peewee form converter reads choices from form_args, not form_choices.
            for name, options in bilingual.items():
                if name in model._meta.fields:
                    self.form_args.setdefault(name, {}).setdefault("choices", options)
            self.form_choices = {**bilingual, **(getattr(self, "form_choices", None) or {})}
            self.column_choices = {**bilingual, **(getattr(self, "column_choices", None) or {})}
            # An unset coded value prints as nothing, not "None".
            labelled = {name: _choice_formatter(dict(self.column_choices[name])) for name in coded}
            self.column_formatters = {**labelled, **(getattr(self, "column_formatters", None) or {})}
            if getattr(self, "column_formatters_detail", None) is not None:
                self.column_formatters_detail = {**labelled, **self.column_formatters_detail}
        localised = {t: (lambda view, value, name=None: format_value(value)) for t in _formatted_types()}
        self.column_type_formatters = {**typefmt.BASE_FORMATTERS, **localised}
        # Details pages print "Sì"/"No" and local dates, never True/False or ISO dates.
        self.column_type_formatters_detail = {**typefmt.DETAIL_FORMATTERS, **localised,
                                              bool: lambda view, value, name=None: format_value(value)}
        super().__init__(
            model,
            name=kwargs.pop("name", None) or registry_name(model._meta.table_name),
            endpoint=kwargs.pop("endpoint", None) or self.registry,
            category=category,
            **kwargs,
        )

    # -- permissions ---------------------------------------------------------

    # What the view offers at all; the role decides who may use it.
    allow_create = allow_edit = allow_delete = True

    @property
    def can_create(self):
        return self.allow_create and roles.can_edit(current_user, self.registry)

    @property
    def can_edit(self):
        return self.allow_edit and roles.can_edit(current_user, self.registry)

    @property
    def can_delete(self):
        return self.allow_delete and roles.can_edit(current_user, self.registry)

    # -- listing -------------------------------------------------------------

    scoped_by = {}  # query argument -> foreign key: "?landlord=3" lists one landlord's rows

    def get_query(self):
        query = super().get_query()
        hidden = restriction.visible(self.model, current_user)  # records of restricted households
        if hidden is not None:
            query = query.where(hidden)
        exact = getattr(g, "exact_search", None)
        if exact:
            query = query.where(exact[0] == exact[1])
        for arg, field in self.scoped_by.items():
            value = request.args.get(arg, type=int)
            if value is not None:
                query = query.where(field == (value if 0 <= value < 2**63 else -1))
        return query

    def _handle_join(self, query, field, joins):
        """Join the model of a search, filter or sort field from the view's own
        model, through the foreign keys that lead to it: a dwelling's district
        search must not make the zone filter join the district's zone, and an
        offer's district is two joins away (offer, dwelling, district).
        Flask-Admin's own joins from wherever the previous join left off."""
        target = getattr(field, "model", None)
        path = join_path(self.model, target) if target is not None and target is not self.model else None
        if not path:
            return super()._handle_join(query, field, joins)
        query = query.switch(self.model)
        for model in path:
            if model.__name__ in joins:
                query = query.switch(model)
            else:
                query = query.join(model, JOIN.LEFT_OUTER)
                joins.add(model.__name__)
        return query

    def scaffold_filters(self, name):
        """Filters on a related model's field are named "Alloggio / Vani" in the
        user's language (Flask-Admin would print the model's class name, once, in Italian)."""
        filters = super().scaffold_filters(name)
        related = getattr(name, "model", self.model)
        if filters and not isinstance(name, str) and related is not self.model:
            model_label = FIELD_LABELS.get(related._meta.table_name)
            field = FIELD_LABELS.get(name.name)
            if model_label and field:
                text = LazyString(lambda: f"{model_label} / {field}")
                for flt in filters:
                    flt.name = text
        return filters

    def _create_ajax_loader(self, name, options):
        field = getattr(self.model, name)
        return SafeAjaxLoader(name, field.rel_model, **options)

    def _get_list_extra_args(self):
        args = super()._get_list_extra_args()
        args.page = max(0, min(args.page or 0, MAX_PAGE))
        if args.search:
            words = clean_arg(args.search)[:MAX_SEARCH_CHARS].split()
            args.search = " ".join(words[:MAX_SEARCH_WORDS])
        return args

    def _get_list_filter_args(self):
        return [(index, name, clean_arg(value)) for index, name, value in (super()._get_list_filter_args() or [])]

    def get_one(self, id):
        try:
            record = super().get_one(int(id))
        except BAD_QUERY_ERRORS:
            return None
        return record if record is None or restriction.may_see(record, current_user) else None

    # A search term that looks like a code is looked up exactly, through the
    # unique index, instead of a LIKE '%term%' scan: {field name: pattern}.
    exact_search = {}

    def get_list(self, page, sort_column, sort_desc, search, filters, execute=True, page_size=None):
        g.exact_search = None
        if sort_column is not None and sort_column not in self._sortable_columns:
            sort_column = None  # ?sort=N on a column that is not sortable (for this role): the default order
        readable = {field.name for field in self._search_fields if field.model is self.model}
        for name, pattern in self.exact_search.items():
            if search and name in readable and re.fullmatch(pattern, search.strip(), re.I):
                g.exact_search, search = (getattr(self.model, name), normalise(name, search.strip()).upper()), None
                break
        try:
            count, rows = super().get_list(page, sort_column, sort_desc, search, filters, execute, page_size)
        except BAD_QUERY_ERRORS:
            log.info("List query refused", exc_info=True)
            flash(gettext('Invalid filter or search: no results.'), "error")
            return 0, []
        if isinstance(rows, list):
            attach_related(self.model, rows)
        return count, rows

    def search_placeholder(self):
        names = []
        for f in getattr(self, "_search_fields", []):
            # a related model's field: "indirizzo dell'alloggio", never "alloggio" twice
            owner = field_label(f.model._meta.table_name) if f.model._meta.table_name in FIELD_LABELS else None
            if f.model is self.model or owner is None:
                name = str(field_label(f.name))
            elif f.name == "name":  # a district's name is "quartiere"
                name = str(owner)
            else:
                name = f"{field_label(f.name)} ({str(owner).lower()})"
            if name.lower() not in (n.lower() for n in names):
                names.append(name)
        prefix = str(gettext('Search by'))
        return f"{prefix}: " + ", ".join(n[:1].lower() + n[1:] for n in names) if names else None

    def _link_name(self, model):
        """The name of the view's foreign key that leads to ``model`` ("district")."""
        path = join_path(self.model, model) or [model]
        for name, field in self.model._meta.fields.items():
            if isinstance(field, ForeignKeyField) and field.rel_model is path[0]:
                return name
        return model._meta.table_name

    @expose("/export/<export_type>/")
    def export(self, export_type):
        """The XLSX export with typed cells (numbers, dates, yes/no), like the export of selected rows."""
        if export_type != "xlsx" or not self.can_export or export_type not in self.export_types:
            return super().export(export_type)
        from flask import Response

        from admin.views import bulk

        count, rows = self._export_data()
        columns = list(self._export_columns)
        content = bulk.workbook(columns, [[bulk.typed_cell(self, row, name) for name, _ in columns] for row in rows])
        return Response(content, mimetype=bulk.XLSX,
                        headers={"Content-Disposition": f'attachment; filename="{self.get_export_name("xlsx")}"'})

    def get_export_value(self, model, name):
        return neutralise_formula(super().get_export_value(model, name))

    # -- validation ----------------------------------------------------------

    def validate_form(self, form):
        valid = super().validate_form(form)
        if not is_form_submitted() or isinstance(form, (self._delete_form_class, self._action_form_class)):
            return valid
        current_id = request.args.get("id")
        errors = self._record_errors(self.model, form, current_id)
        if not errors:
            for name, messages in self._cross_record_errors(record_values(form, self.model), current_id).items():
                errors.setdefault(name, []).extend(messages)
        for name, field in form._fields.items():
            # An id that names no record is refused, even where the field is optional.
            if field.type == "AjaxSelectField" and (field.raw_data or [""])[0] and field.data is None:
                errors.setdefault(name, []).append("Scelta non valida: il record indicato non esiste.")
        for inline in self._inline_lists(form):
            seen = {}
            owned = self._owned_ids(inline, current_id)
            for entry in inline.entries:
                if inline.should_delete(entry):
                    # removing a row is a delete: refused while other records depend on it
                    child_id = str(entry.get_pk() or "")
                    child = inline.model.get_or_none(inline.model._meta.primary_key == int(child_id)) \
                        if child_id in owned else None
                    blockers = blocking_dependents(child) if child is not None else []
                    if blockers:
                        attach_errors(entry.form, {"id": [refusal(blockers)]})
                        flash(refusal(blockers), "error")
                        valid = False
                    continue
                # Only an id this record owns may be excluded from the duplicate check.
                child_id = str(entry.get_pk() or "")
                child_errors = self._record_errors(inline.model, entry.form, child_id if child_id in owned else None)
                _check_repeats(inline.model, entry.form, seen, child_errors)
                attach_errors(entry.form, child_errors)
                valid = valid and not child_errors
        attach_errors(form, errors)
        return valid and not errors

    # Checks that need other records (overlaps, capacity, totals): data -> {field: [messages]}.
    def record_checks(self, data, current_id):
        return {}

    # A status field whose changes follow a table of housing.accompaniment.transitions.
    transition_kind = None

    def _cross_record_errors(self, data, current_id):
        if current_id is not None and not (str(current_id).isdigit() and int(current_id) < 2**63):
            current_id = None
        errors = dict(self.record_checks(data, current_id))
        if self.transition_kind and current_id is not None and "status" in data:
            from housing.accompaniment import transitions

            old = self.model.get_or_none(self.model._meta.primary_key == int(current_id))
            labels = {term.key: str(term_text(term)) for term in self.choices.get("status", ())}
            message = old and transitions.error(self.transition_kind, old.status, data["status"], labels)
            if message:
                errors.setdefault("status", []).append(message)
        return errors

    def _record_errors(self, model, form, current_id):
        data = record_values(form, model, normalised=True)
        errors = validation.validate(model._meta.table_name, data)
        for name, messages in validation.duplicates(model, data, current_id).items():
            errors.setdefault(name, []).extend(messages)
        return errors

    @staticmethod
    def _owned_ids(inline, parent_id):
        if not parent_id or not str(parent_id).isdigit() or int(parent_id) >= 2**63:
            return set()
        fk = getattr(inline.model, inline.prop)
        return {str(pk) for (pk,) in inline.model.select(inline.model._meta.primary_key).where(fk == int(parent_id)).tuples()}

    @staticmethod
    def _inline_lists(form):
        return [field for field in form._fields.values() if field.type == "InlineModelFormList"]

    # -- saving: atomic, audited, no raw database errors ------------------------

    def create_model(self, form):
        return self._save(form, None)

    def update_model(self, form, model):
        return bool(self._save(form, model))

    def get_edit_form(self):
        form_class = super().get_edit_form()
        return versions.with_version_field(form_class) if self.model.versioned else form_class

    def _save(self, form, model):
        is_created = model is None
        try:
            with db.atomic():
                # The checks that read other records ran before this transaction:
                # run them again, serialised, so that two saves cannot both pass them.
                serialise(db, self.model._meta.table_name)
                self._refuse_stale(form, model)
                self._refuse_invalid(form, model)
                if is_created:
                    model = self.model()
                before = {} if is_created else audit.snapshot(model)
                children_before = self._children(form, model) if not is_created else {}
                form.populate_obj(model)
                self._on_model_change(form, model, is_created)
                model.save(force_insert=is_created)
                save_inline(form, model)
                audit.record(current_user, "create" if is_created else "update", model, before, audit.snapshot(model))
                self._audit_children(children_before, self._children(form, model))
                self.saved_in_transaction(model, before)
        except versions.Conflict as conflict:
            self._report_conflict(conflict)
            return False
        except Refused as refused:
            attach_errors(form, refused.errors)
            flash(gettext('Save failed: the data changed meanwhile, see the fields marked.'), "error")
            return False
        except (IntegrityError, DatabaseError) as error:
            log.warning("Save of %s refused by the database: %s", self.model._meta.table_name, refused_by(error))
            flash(SAVE_FAILED, "error")
            return False
        self.after_model_change(form, model, is_created)
        return model

    def saved_in_transaction(self, model, before):
        """What a save sets off in other records, in the save's transaction
        (``before``: the stored values, empty for a new record)."""

    def _refuse_stale(self, form, model):
        """Raise ``versions.Conflict`` when the record or one of its inline rows
        was saved by someone else after the form was opened."""
        conflicts = [versions.check(form, self.model, model.get_id())] if model is not None else []
        for inline in self._inline_lists(form):
            owned = self._owned_ids(inline, model.get_id()) if model is not None else set()
            for entry in inline.entries:
                child_id = str(entry.get_pk() or "")
                if child_id in owned and inline.model.versioned:
                    conflicts.append(versions.check(entry.form, inline.model, int(child_id)))
        conflicts = [c for c in conflicts if c]
        if conflicts:
            raise versions.Conflict(conflicts)

    def _refuse_invalid(self, form, model):
        """Raise ``Refused`` when the checks against other records fail now."""
        current_id = None if model is None else model.get_id()
        data = record_values(form, self.model, normalised=True)
        errors = validation.duplicates(self.model, data, current_id)
        for name, messages in self._cross_record_errors(data, current_id).items():
            errors.setdefault(name, []).extend(messages)
        if errors:
            raise Refused(errors)

    def _report_conflict(self, conflict):
        for form, model, record_id, opened, stored in conflict.conflicts:
            saves = versions.changes_since(model, record_id, opened)
            actors = ", ".join(sorted({actor for actor, _, _ in saves})) or "?"
            fields = sorted({name for _, _, names in saves for name in names})
            labels = ", ".join(str(field_label(name)) for name in fields) or "-"
            flash(gettext('While you were editing, %(actors)s saved a newer version of “%(registry)s” no. '
                          '%(record_id)s (fields changed: %(labels)s). Nothing was saved: what you typed is still in'
                          ' the form; compare it with the current values and save again to overwrite them.',
                          actors=actors, registry=registry_name(model._meta.table_name), record_id=record_id, labels=labels), "error")
            current = model.get_or_none(model._meta.primary_key == record_id)
            attach_errors(form, {
                name: [gettext('Changed meanwhile by %(actors)s; it is now: %(value)s',
                               actors=actors, value=format_value(getattr(current, name, None)))]
                for name in fields if name in form._fields and current is not None
            })
            versions.bring_forward(form, stored)

    def _children(self, form, model):
        """Snapshots of the inline rows of ``model``, by (table, id)."""
        rows = {}
        for inline in self._inline_lists(form):
            fk = getattr(inline.model, inline.prop)
            for child in inline.model.select().where(fk == model.get_id()):
                rows[(inline.model, child.get_id())] = (child, audit.snapshot(child))
                # removing an inline row cascades: its own dependents are audited too
                for grandchild in cascaded_children(child):
                    rows[(type(grandchild), grandchild.get_id())] = (grandchild, audit.snapshot(grandchild))
        return rows

    def _audit_children(self, before, after):
        for key, (child, snap) in after.items():
            old = before.get(key)
            audit.record(current_user, "update" if old else "create", child, old[1] if old else None, snap)
        for key, (child, snap) in before.items():
            if key not in after:
                audit.record(current_user, "delete", child, snap, None)

    def delete_model(self, model):
        blockers = blocking_dependents(model)
        if blockers:
            flash(refusal(blockers), "error")
            return False
        try:
            with db.atomic():
                cascaded = cascaded_children(model)
                before = audit.snapshot(model)
                self.on_model_delete(model)
                model.delete_instance()
                for child in cascaded:
                    audit.record(current_user, "delete", child, audit.snapshot(child), None)
                audit.record(current_user, "delete", model, before, None)
        except (IntegrityError, DatabaseError) as error:
            log.warning("Delete of %s refused by the database: %s", self.model._meta.table_name, refused_by(error))
            flash(SAVE_FAILED, "error")
            return False
        self.after_model_delete(model)
        return True

    def action_delete(self, ids):
        deleted = 0
        for model in self.model.select().where(self.model._meta.primary_key.in_(ids)):
            deleted += bool(self.delete_model(model))
        if deleted:
            flash(gettext('Records deleted: %(deleted)s.', deleted=deleted), "success")

    def handle_view_exception(self, exc):
        if isinstance(exc, DatabaseError):
            flash(SAVE_FAILED, "error")
            return True
        return super().handle_view_exception(exc)


def _choice_formatter(labels):
    def formatter(view, context, model, name):
        value = getattr(model, name)
        return "" if value is None else labels.get(value, value)

    return formatter


def vocabulary_fields(model):
    """{field name: registry} for the model's coded fields, found from their choices."""
    from housing import vocabulary

    found = {}
    for name, field in model._meta.fields.items():
        if field.choices:
            registry = vocabulary.registry_of_keys(key for key, _ in field.choices)
            if registry is not None:
                found[name] = registry
    return found


def _formatted_types():
    import datetime
    from decimal import Decimal

    return (datetime.date, datetime.datetime, Decimal, float)


def record_values(form, model, normalised=False):
    """The values a form gives the record's fields, by name. The version the
    form was opened at is not one of them: it is checked, never saved."""
    data = {name: field.data for name, field in form._fields.items()
            if name in model._meta.fields and not isinstance(field, versions.VersionField)}
    return {name: normalise(name, value) for name, value in data.items()} if normalised else data


def attach_errors(form, errors, fallback=None):
    """Add ``{field: [messages]}`` to the form's fields; errors of a field the
    form lacks go to ``fallback`` (a field name) or are dropped."""
    for name, messages in errors.items():
        field = form._fields.get(name) or (form._fields.get(fallback) if fallback else None)
        if field is None:
            continue
        if not isinstance(field.errors, list):
            field.errors = list(field.errors)
        field.errors.extend(messages)


def _check_repeats(model, form, seen, errors):
    """Two inline rows of one form may not share a unique value."""
    for group in validation.unique_groups(model):
        # The link to the parent is not in the inline form: rows of one form share it.
        fields = tuple(n for n in group if n in form._fields)
        parent_links = [n for n in group if n not in form._fields]
        if not fields or any(not isinstance(model._meta.fields[n], ForeignKeyField) for n in parent_links):
            continue
        values = tuple(str(form._fields[n].data).strip().upper() for n in fields)
        if any(v in ("", "NONE") for v in values):
            continue
        if (group, values) in seen:
            errors.setdefault(fields[-1], []).append("Valore ripetuto in più righe.")
        seen[(group, values)] = True


def attach_related(model, rows, names=None):
    """Load the foreign-key targets of a page in one query per relation, and
    those their labels show (an offer's dwelling reads as "address, district")."""
    for name, field in model._meta.fields.items():
        if not isinstance(field, ForeignKeyField) or (names is not None and name not in names):
            continue
        ids = {row.__data__.get(name) for row in rows} - {None}
        if not ids:
            continue
        target = field.rel_model
        related = {obj.get_id(): obj for obj in target.select().where(target._meta.primary_key.in_(ids))}
        shown = field_access.LABEL_FIELDS.get(target._meta.table_name)
        if shown and names is None:
            attach_related(target, list(related.values()), shown)
        for row in rows:
            obj = related.get(row.__data__.get(name))
            if obj is not None:
                setattr(row, name, obj)


def _on_delete(field):
    return (field.on_delete or "").upper()


def _dependents(model, cascade):
    """(foreign key, query) of the rows pointing at ``model``: those a delete
    removes with it (``cascade``), or those it would otherwise change or trip on."""
    for backref_field in model._meta.backrefs:
        if (_on_delete(backref_field) == "CASCADE") == cascade:
            yield backref_field, backref_field.model.select().where(backref_field == model.get_id())


def blocking_dependents(model):
    """(registry label, count) for every row outside the record that a delete
    of ``model`` would change (SET NULL) or that forbids it (RESTRICT), looking
    through the parts deleted with it: a territorial agreement's zones are its
    own, the dwellings in those zones are not."""
    counts = {}
    for record in [model, *cascaded_children(model)]:
        for field, query in _dependents(record, cascade=False):
            count = query.count()
            if count:
                label = registry_name(field.model._meta.table_name)
                counts[label] = counts.get(label, 0) + count
    return list(counts.items())


def refusal(blockers):
    """The message that refuses a delete, naming what depends on the record."""
    return gettext("Cannot delete: the record is linked to %(records)s. Unlink or delete those records first "
                   "(an account is deactivated instead of deleted).",
                   records=", ".join(f"{n} {t}" for t, n in blockers))


def cascaded_children(model):
    """Every row a delete of ``model`` cascades to, grandchildren included
    (a member's assessments and their scores), so that each is audited."""
    found = []
    for _, query in _dependents(model, cascade=True):
        for child in query:
            found.extend(cascaded_children(child))
            found.append(child)
    return found


def with_labels(model, form_args=None):
    """``form_args`` with the bilingual label of every model field."""
    form_args = {name: dict(args) for name, args in (form_args or {}).items()}
    for name in model._meta.fields:
        form_args.setdefault(name, {}).setdefault("label", field_label(name))
        if field_help(name) is not None:
            form_args[name].setdefault("description", field_help(name))
    for name, registry in vocabulary_fields(model).items():  # coded values by their label, in both languages
        form_args[name].setdefault("choices", term_choices(registry))
    return form_args


def optional_id_inline(model, **options):
    """Inline options that let new child rows be created (flask-admin #1718)."""
    form_args = with_labels(model, options.pop("form_args", {}))
    form_args["id"]["validators"] = [Optional()]
    # "Aggiungi una riga a Obiettivi", never the model's class name ("PlanGoal").
    options.setdefault("form_label", registry_name(model._meta.table_name))
    if model.versioned:  # each row carries the version it was opened at (optimistic locking)
        options["form_extra_fields"] = {**options.get("form_extra_fields", {}), "version": versions.VersionField()}
    return (model, {"form_args": form_args, **options})
