"""The office's documents in the back office: generate, list on the record's page, download.

Rights follow the kind's registry (``housing.documents.KINDS``): the edit right
generates, the read right lists and downloads; a household's letters follow
the household registry, so a clerk neither sees nor generates them, and a
restricted household's documents are the case worker's and the administrators'
(``get_or_404``). Each generation and each download is audited.
"""
from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_admin import expose
from flask_admin.form import SecureForm
from flask_babel import gettext
from flask_login import current_user
from markupsafe import Markup

from admin import roles
from admin.i18n import current_language
from admin.views.base import SecureBaseView, get_or_404, record_id
from housing import audit
from housing.documents import KINDS, NO_RECORD, kinds_for, store, table_of
from housing.documents.sources import DocumentError
from models import GeneratedDocument

FORMATS = {"pdf": "application/pdf",
           "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def kind_name(kind):
    return kind.it if current_language() == "it" else kind.en


def panel(model=None, record=None):
    """The "Documenti" section of a record's page (of the report page without a record), as HTML."""
    kinds = [k for k in kinds_for(model) if roles.can_read(current_user, k.registry)]
    if not kinds:
        return ""
    table = table_of(kinds[0])
    rid = record.get_id() if record is not None else None
    names = {k.key: kind_name(k) for k in KINDS.values()}
    rows = [d for d in store.for_record(table, rid) if d.kind in {k.key for k in kinds}]
    generable = [(k.key, names[k.key]) for k in kinds if roles.can_edit(current_user, k.registry)]
    return Markup(render_template("admin/documents/panel.html", rows=rows, names=names, generable=generable,
                                  record_id=rid, form=SecureForm(), here=request.full_path,
                                  docx_kinds={k.key for k in KINDS.values() if k.docx}))


def household_panel(household):
    """The household's documents on its journey page (its letters and plans), to download; generated on their records."""
    readable = {k.key for k in KINDS.values() if roles.can_read(current_user, k.registry)}
    rows = [d for d in store.for_household(household.id) if d.kind in readable]
    return Markup(render_template("admin/documents/panel.html", rows=rows, generable=[], record_id=None,
                                  names={k.key: kind_name(k) for k in KINDS.values()}, form=SecureForm(),
                                  here=request.full_path, docx_kinds={k.key for k in KINDS.values() if k.docx}))


def init_app(app):
    app.jinja_env.globals["documents_panel"] = panel
    app.jinja_env.globals["household_documents"] = household_panel


def _safe_next(value):
    value = value or ""
    return value if value.startswith("/admin/") and "//" not in value and "\\" not in value else None


class DocumentsView(SecureBaseView):
    """No page of its own (the panels live on the records' pages): the generate and download actions."""

    registry = "generated_document"

    def is_visible(self):
        return False

    @expose("/")
    def index(self):
        return redirect(url_for("admin.index"))

    @expose("/generate", methods=["POST"])
    def generate(self):
        kind = KINDS.get(request.form.get("kind", ""))
        if kind is None:
            abort(404)
        if not roles.can_edit(current_user, kind.registry):
            abort(403)
        back = _safe_next(request.form.get("next")) or url_for("admin.index")
        if not SecureForm(request.form).validate():
            flash(gettext('Expired request: try again.'), "error")
            return redirect(back)
        record = get_or_404(kind.model, record_id(request.form.get("record"))) if kind.model is not None else None
        try:
            document = store.generate(kind.key, record, current_user)
        except DocumentError as error:
            flash(gettext("Document not generated: %(reason)s", reason=str(error)), "error")
        else:
            flash(gettext("Document generated: %(name)s.", name=kind_name(kind)), "success")
            current_app.logger.info("document %s generated: %s", document.id, kind.key)
        return redirect(back)

    @expose("/<int:document_id>.<fmt>")
    def download(self, document_id, fmt):
        if fmt not in FORMATS:
            abort(404)
        found = GeneratedDocument.get_or_none(GeneratedDocument.id == document_id)
        kind = KINDS.get(found.kind) if found is not None else None
        if kind is None:
            abort(404)
        if not roles.can_read(current_user, kind.registry):
            abort(403)
        if kind.model is not None:
            get_or_404(kind.model, found.record_id)  # 404 for a record the user may not see (restricted)
        body = getattr(found, fmt)
        if not body:
            abort(404)
        audit.record(current_user, "read", found, None, {"download": fmt})
        name = f"{kind.key}-{found.record_table if found.record_id is None else found.record_id}-{found.id}.{fmt}"
        return Response(bytes(body), mimetype=FORMATS[fmt],
                        headers={"Content-Disposition": f"attachment; filename={name}"})


__all__ = ["DocumentsView", "NO_RECORD", "init_app", "panel"]
