"""The changes the benchmark recommends, applied by monkeypatching, to measure
them before they are made for real in the application (nothing outside bench/
is modified).

    # 1. work on a copy: the proposed indexes are created in the database given
    cp bench/var/bench.db bench/var/fix.db
    .venv/bin/python bench/proposed_fixes.py --database-url sqlite:///bench/var/fix.db --create-indexes
    # 2. benchmark the patched app
    .venv/bin/python bench/http_bench.py --database-url sqlite:///bench/var/fix.db \\
        --app "proposed_fixes:create_app()" --label fixed

What is patched (and where the real change belongs):

A. ``admin/views/registries.py`` ``AuditLogView``: the search box looks up one
   record id exactly (``record_id == term``, indexed) instead of
   ``record_id LIKE '%term%' OR actor LIKE '%term%'`` over a million rows
   ordered by ``at`` (the actor stays available as a filter).
B. ``admin/views/base.py`` ``SecureModelView.validate_form``: nothing is
   validated unless the form was submitted (POST/PUT). Before 21:30 on
   2026-11-24 a GET of an edit form ran ``housing.validation.duplicates`` for
   the record and every inline row (for people ``UPPER(tax_code) = ?``, which
   no index serves); the tree has had this early return since, so the patch
   is then a no-op. A submitted form still runs those checks: index D.
C. ``admin/views/dashboard.py`` ``counts_by``: the GROUP BY counts over whole
   tables are cached for ``COUNTS_TTL`` seconds per worker (labels are still
   translated per request).
D. Indexes (a new migration in ``migrations/`` plus ``models.py``):
   ``audit_log (record_id, at)`` and ``audit_log (actor, at)`` (in the tree as
   ``0004_audit_indexes`` since ~21:50; same names here, so they are skipped
   when present), ``person (UPPER(tax_code))``; on PostgreSQL also pg_trgm GIN
   indexes for the ``ILIKE '%term%'`` searches of people and households.
"""
import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

COUNTS_TTL = 60

INDEXES = [
    'CREATE INDEX IF NOT EXISTS audit_log_record_id_at ON audit_log (record_id, "at")',
    'CREATE INDEX IF NOT EXISTS audit_log_actor_at ON audit_log (actor, "at")',
    "CREATE INDEX IF NOT EXISTS person_tax_code_upper ON person (UPPER(tax_code))",
]
POSTGRES_INDEXES = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
] + [
    f"CREATE INDEX IF NOT EXISTS {table}_{column}_trgm ON {table} USING gin ({column} gin_trgm_ops)"
    for table, columns in (
        ("person", ("last_name", "first_name", "tax_code")),
        ("household", ("code", "email", "phone")),
    )
    for column in columns
]

_patched = False


def apply_patches():
    global _patched
    if _patched:
        return
    _patched = True

    from flask import request
    from flask_admin.helpers import is_form_submitted

    from admin.views import base, dashboard, registries
    from models import AuditLog

    # A. exact, indexed search in the audit log (a no-op once the view has no
    #    free-text search: since 2026-11-24 ~21:50 it offers exact filters instead)
    class_ = registries.AuditLogView
    if not isinstance(class_.__dict__.get("column_searchable_list"), (list, tuple)):
        class_ = None

    def get_list(self, page, sort_column, sort_desc, search, filters, execute=True, page_size=None):
        return base.SecureModelView.get_list(self, page, sort_column, sort_desc, None, filters, execute, page_size)

    def get_query(self):
        query = base.SecureModelView.get_query(self)
        term = (request.args.get("search") or "").strip()
        if term:
            query = query.where(AuditLog.record_id == term)
        return query

    if class_ is not None:
        class_.column_searchable_list = ["record_id"]
        class_.get_list = get_list
        class_.get_query = get_query

    # B. no validation queries when an edit form is only displayed
    original_validate = base.SecureModelView.validate_form

    def validate_form(self, form):
        if not is_form_submitted():
            return False
        return original_validate(self, form)

    base.SecureModelView.validate_form = validate_form
    for view in (registries.HouseholdView, registries.UserView):
        subclass_validate = view.validate_form

        def guarded(self, form, _inner=subclass_validate):
            if not is_form_submitted():
                return False
            return _inner(self, form)

        view.validate_form = guarded

    # C. dashboard counts cached per worker
    from peewee import fn

    cache = {}

    def counts_by(model, field, registry):
        key = (model.__name__, field.name)
        hit = cache.get(key)
        if hit is None or time.monotonic() - hit[0] > COUNTS_TTL:
            hit = (time.monotonic(), dict(model.select(field, fn.COUNT(model.id)).group_by(field).tuples()))
            cache[key] = hit
        return [(dashboard.term_text(term), hit[1].get(term.key, 0)) for term in registry]

    dashboard.counts_by = counts_by


def create_app(test_config=None):
    apply_patches()
    from admin import create_app as factory

    return factory(test_config)


def create_indexes(url):
    from housing.database import is_sqlite, open_database

    from housing import schema

    database = open_database(url)
    with database.connection_context():
        applied = schema.upgrade(database)   # migrations first: they may create some of these indexes
        if applied:
            print(f"applied pending migrations: {applied}")
        statements = INDEXES + ([] if is_sqlite(url) else POSTGRES_INDEXES)
        for sql in statements:
            start = time.perf_counter()
            database.execute_sql(sql)
            print(f"{time.perf_counter() - start:6.1f} s  {sql}")
        database.execute_sql("ANALYZE")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--create-indexes", action="store_true",
                        help="create the proposed indexes in this database (use a copy)")
    args = parser.parse_args(argv)
    if args.create_indexes:
        create_indexes(args.database_url)


if __name__ == "__main__":
    main()
