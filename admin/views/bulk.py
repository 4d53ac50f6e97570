"""Bulk actions on the rows ticked in a list (Flask-Admin ``@action``).

Each action is checked server-side against the role (``is_action_allowed``),
posted through Flask-Admin's action form (a ``SecureForm``: CSRF), atomic
(all the selected rows change, or none, and the message names those that
stopped the others) and audited (``housing.audit``):

- offers: publish (the agreement's checks of ``housing.offer_checks`` per
  offer) and withdraw;
- households: assign a case worker (a page to pick the user);
- offers and households: export the selected rows as XLSX with typed cells,
  only the columns the role may read (``admin.views.field_access``).
"""
import datetime
import io
import json
from decimal import Decimal

from flask import Response, abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.form import SecureForm
from flask_babel import gettext, lazy_gettext
from flask_login import current_user
from peewee import Model

from admin import roles
from admin.views import offer_band
from housing import audit, offer_checks
from housing.accompaniment import sensitive
from housing.database import locked, serialise
from models import AuditLog, Household, Offer, User, db

MAX_SELECTED = 1000  # one page never lists more; a longer post is a script
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def selected_ids(ids):
    """The posted row ids as ints (what is not a database id is dropped), at most ``MAX_SELECTED``."""
    found = []
    for value in ids[:MAX_SELECTED]:
        try:
            number = int(str(value).strip())
        except (TypeError, ValueError):
            continue
        if 0 < number < 2**63:
            found.append(number)
    return list(dict.fromkeys(found))


# Actions that change records need the edit right on the view's registry; the
# export needs the read right (and exports only what the role reads).
EDITING_ACTIONS = frozenset({"publish", "withdraw", "assign_case_worker"})


class BulkActions:
    """Role checks of the bulk actions, for any registry view."""

    def is_action_allowed(self, name):
        if name in EDITING_ACTIONS:
            return roles.can_edit(current_user, self.registry)
        if name == "export_selected":
            return roles.can_read(current_user, self.registry) and bool(self.can_export)
        return super().is_action_allowed(name)

    # -- export -------------------------------------------------------------------

    @action("export_selected", lazy_gettext('Export selected (XLSX)'))
    def action_export_selected(self, ids):
        ids = selected_ids(ids)
        if not ids:
            flash(gettext('No row selected.'), "error")
            return None
        rows = list(self.get_query().where(self.model._meta.primary_key.in_(ids)).order_by(self.model._meta.primary_key))
        from admin.views.base import attach_related

        attach_related(self.model, rows)
        columns = list(self._export_columns)  # narrowed to the role (field_access.RoleScoped)
        content = workbook(columns, [[self.typed_value(row, name) for name, _ in columns] for row in rows])
        with db.atomic():
            # an export of personal rows is a read of them: one audit row per record
            AuditLog.insert_many([{
                "user": current_user.id, "actor": current_user.username, "action": "read",
                "entity": self.model._meta.table_name, "record_id": str(row.get_id()),
                "changes": json.dumps({"export": "xlsx", "columns": [name for name, _ in columns]}),
            } for row in rows]).execute() if rows else None
        name = f"{self.model._meta.table_name}_{datetime.date.today().isoformat()}.xlsx"
        return Response(content, mimetype=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'})

    def typed_value(self, row, name):
        return typed_cell(self, row, name)


def typed_cell(view, row, name):
    """A cell's value as its type: numbers as numbers, dates as dates, yes/no as booleans,
    coded values as their labels, related records as their (masked where hidden) labels."""
    from admin.views.base import neutralise_formula

    formatter = (view.column_formatters_export or {}).get(name)
    if formatter is not None:
        value = formatter(view, None, row, name)
    else:
        value = view._get_field_value(row, name)
    choices = (view.column_choices or {}).get(name)
    if choices and value is not None:
        value = dict(choices).get(value, value)
    if isinstance(value, bool) or value is None or isinstance(value, (int, float)):
        return value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime.datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, datetime.date):
        return value
    return neutralise_formula(str(value))


def workbook(columns, rows):
    """XLSX bytes: a header of the column labels, then the typed rows."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append([str(label) for _, label in columns])
    for values in rows:
        sheet.append(values)
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, datetime.datetime):
                cell.number_format = "DD/MM/YYYY HH:MM"
            elif isinstance(cell.value, datetime.date):
                cell.number_format = "DD/MM/YYYY"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def problem_list(failed, labels):
    """"#12 (Via ...): message; ..." for the flash message of a refused bulk action."""
    return "; ".join(f"#{offer_id}: " + " ".join(str(offer_band.message(p)) for p in found)
                     for offer_id, found in failed.items())


class OfferActions(BulkActions):
    """Publish and withdraw the selected offers."""

    @action("publish", lazy_gettext('Publish'),
            lazy_gettext('Publish the selected offers on the site?'))
    def action_publish(self, ids):
        ids = selected_ids(ids)
        with db.atomic() as transaction:
            serialise(db, "offer")
            offers = list(locked(Offer.select().where(Offer.id.in_(ids))))
            failed = {}
            for offer in sorted(offers, key=lambda o: o.id):
                found = offer_checks.publish_problems(offer)
                if found:
                    failed[offer.id] = found
            if failed:
                transaction.rollback()
                flash(gettext('No offer published: %(count)s break the rules. ',
                              count=len(failed)) + problem_list(failed, {}), "error")
                return None
            changed = self._change(offers, status="published", published=True)
        flash(gettext('Offers published: %(changed)s.', changed=changed), "success")
        return None

    @action("withdraw", lazy_gettext('Withdraw'),
            lazy_gettext('Withdraw the selected offers from the site?'))
    def action_withdraw(self, ids):
        ids = selected_ids(ids)
        with db.atomic() as transaction:
            serialise(db, "offer")
            offers = list(locked(Offer.select().where(Offer.id.in_(ids))))
            refused = sorted(o.id for o in offers if o.status not in offer_checks.WITHDRAWABLE_FROM and o.status != "withdrawn")
            if refused:
                transaction.rollback()
                flash(gettext("No offer withdrawn: only drafts and published offers are withdrawn; "
                              "these are not: %(offers)s.", offers=", ".join(f"#{i}" for i in refused)), "error")
                return None
            changed = self._change(offers, status="withdrawn", published=False)
        flash(gettext('Offers withdrawn: %(changed)s.', changed=changed), "success")
        return None

    @staticmethod
    def _change(offers, **values):
        changed = 0
        for offer in offers:
            if all(getattr(offer, name) == value for name, value in values.items()):
                continue
            before = audit.snapshot(offer)
            for name, value in values.items():
                setattr(offer, name, value)
            offer.save()
            audit.record(current_user, "update", offer, before, audit.snapshot(offer))
            changed += 1
        return changed


def case_workers():
    """Active accounts of a role that edits households: who may be a household's case worker."""
    editing = [role for role in ("admin", "operator") if roles.access(role, "household") >= roles.EDIT]
    return list(User.select().where(User.active == True, User.role.in_(editing))  # noqa: E712
                .order_by(User.full_name, User.username))


class HouseholdActions(BulkActions):
    """Assign a case worker to the selected households."""

    @action("assign_case_worker", lazy_gettext('Assign case worker'))
    def action_assign_case_worker(self, ids):
        ids = selected_ids(ids)
        households = list(Household.select(Household.id, Household.code).where(Household.id.in_(ids)).order_by(Household.code))
        if not households:
            flash(gettext('No row selected.'), "error")
            return None
        return self.render(
            "admin/offers/assign_case_worker.html",
            title=lazy_gettext('Assign case worker'),
            intro=gettext('Selected households (%(count)s):', count=len(households)),
            codes=", ".join(h.code for h in households), ids=[h.id for h in households],
            form=SecureForm(), users=case_workers(), action_url=url_for(".assign_case_worker"),
            label=lazy_gettext('Case worker'), submit=lazy_gettext('Assign'),
            cancel=lazy_gettext('Cancel'), back=url_for(".index_view"))

    @expose("/bulk/assign-case-worker/", methods=("POST",))
    def assign_case_worker(self):
        if not self.is_action_allowed("assign_case_worker"):
            abort(403)
        if not SecureForm(request.form).validate():
            flash(gettext('Expired request: try again.'), "error")
            return redirect(url_for(".index_view"))
        ids = selected_ids(request.form.getlist("rowid"))
        chosen = selected_ids([request.form.get("case_worker") or ""])
        worker = next((u for u in case_workers() if chosen and u.id == chosen[0]), None)
        if worker is None:
            flash(gettext('Case worker: choose an active account that works with households.'), "error")
            return redirect(url_for(".index_view"))
        with db.atomic() as transaction:
            serialise(db, "household")
            households = list(locked(Household.select().where(Household.id.in_(ids)).order_by(Household.code)))
            refused = [h.code for h in households if not sensitive.may_assign_case_worker(current_user, h, worker.id)]
            if refused:
                transaction.rollback()
                flash(gettext("No household changed: only an administrator or the current case worker may change "
                              "it; you may not for %(households)s.", households=", ".join(refused)), "error")
                return redirect(url_for(".index_view"))
            changed = 0
            for household in households:
                if household.case_worker_id == worker.id:
                    continue
                before = audit.snapshot(household)
                household.case_worker = worker.id
                household.save()
                audit.record(current_user, "update", household, before, audit.snapshot(household))
                changed += 1
        name = worker.full_name or worker.username
        flash(gettext('Case worker %(name)s assigned to %(changed)s households.',
                      name=name, changed=changed), "success")
        return redirect(url_for(".index_view"))
