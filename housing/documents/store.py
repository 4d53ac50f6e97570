"""Generate, store and list the documents: one ``GeneratedDocument`` row per generation, audited.

The caller (the back office) checks the user's rights on the kind's registry
and that the record is one the user may see; this module renders and keeps.
"""
import json

from housing import audit
from housing.documents import KINDS, render, table_of
from housing.documents.sources import DocumentError
from models import GeneratedDocument, Match, SupportPlan, db

__all__ = ["DocumentError", "generate", "for_record", "for_household", "render_kind"]


def render_kind(kind, data):
    """(html, pdf bytes, docx bytes or None) of ``kind`` filled with ``data``."""
    text = render.html(kind.template, data)
    return text, render.pdf(text), (render.docx(text) if kind.docx else None)


def generate(kind_key, record, user):
    """Render ``kind_key`` for ``record`` (None for the report) and store it; DocumentError when data lack."""
    kind = KINDS[kind_key]
    if (kind.model is None) != (record is None) or (record is not None and not isinstance(record, kind.model)):
        raise DocumentError(f"Documento «{kind.it}»: record non valido.")
    data = kind.source(record)
    _, pdf, docx = render_kind(kind, data)
    with db.atomic():
        document = GeneratedDocument.create(
            kind=kind.key, record_table=table_of(kind), record_id=record.get_id() if record is not None else None,
            author=getattr(user, "id", None), author_name=getattr(user, "username", None) or "system",
            data=json.dumps(data, ensure_ascii=False, sort_keys=True), pdf=pdf, docx=docx)
        # the trail says what was produced, for which record, not the letter's contents
        audit.record(user, "create", document, None, {"kind": kind.key, "record_table": document.record_table,
                                                      "record_id": document.record_id})
    return document


def _listed(condition):
    fields = [f for name, f in GeneratedDocument._meta.fields.items() if name not in ("pdf", "docx", "data")]
    return list(GeneratedDocument.select(*fields).where(condition)
                .order_by(GeneratedDocument.created_at.desc(), GeneratedDocument.id.desc()))


def for_record(table, record_id):
    """The documents of a record, newest first, without their files."""
    return _listed((GeneratedDocument.record_table == table)
                   & (GeneratedDocument.record_id.is_null() if record_id is None
                      else GeneratedDocument.record_id == record_id))


def for_household(household_id):
    """The documents of a household's matches (letters) and support plans, newest first, without their files."""
    matches = Match.select(Match.id).where(Match.household == household_id)
    plans = SupportPlan.select(SupportPlan.id).where(SupportPlan.household == household_id)
    return _listed(((GeneratedDocument.record_table == "match") & GeneratedDocument.record_id.in_(matches))
                   | ((GeneratedDocument.record_table == "support_plan") & GeneratedDocument.record_id.in_(plans)))
