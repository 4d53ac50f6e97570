"""Commit an import: all rows or none, audited like a form save.

The dry run is repeated inside the transaction (the registry may have changed
since the user looked at it); any issue writes nothing. New records are
inserted in batches and their audit rows with them (the same ``audit.diff`` a
form save writes); updates go through ``Model.save`` (version, timestamps) and
``audit.record``. Links to a registry (a household's languages and preferred
districts) are added and removed with one audit row each, as the household
form audits them. Re-importing the same file finds every row unchanged.
"""
import json

from peewee import IntegrityError

from housing import audit, household_codes
from housing.database import is_postgres, serialise
from housing.imports import links as linking
from housing.imports import plan as planning
from housing.messages import _
from models import AuditLog, Household, db, normalise, now

BATCH = 500


class Refused(Exception):
    def __init__(self, plan):
        super().__init__("import refused")
        self.plan = plan


def commit(kind, table, user=None, mapping=None, progress=None):
    """Import ``table`` as ``kind``; return the plan (its issues say why nothing was written)."""
    try:
        with db.atomic():
            if any(target.model is Household for target in kind.targets):
                # household codes are numbered under this lock (housing.household_codes): no form
                # creation takes a code between this dry run and these inserts
                serialise(db, household_codes.LOCK)
            plan = planning.dry_run(kind, table, mapping, progress)
            if not plan.ok:
                raise Refused(plan)
            apply(plan, user, progress)
    except Refused as refused:
        return refused.plan
    except IntegrityError:  # a record written meanwhile by someone else: all rolled back
        plan = planning.Plan(kind, rows=len(table.rows))
        plan.issues.append(planning.Issue(0, "", "", _("Il registro è stato modificato nel frattempo: nessuna modifica "
                                                       "salvata. Ripetere l'importazione.")))
    return plan


def apply(plan, user, progress=None):
    ids = {}  # (table, key) -> id of the records created by this import
    done, total = 0, len(plan.actions)
    for target in plan.kind.targets:
        actions = [a for a in plan.actions if a.target is target]
        creates = [a for a in actions if a.op == "create"]
        if creates:
            _insert(target, creates, ids, user)
            done += len(creates)
            if progress:
                progress(done, total, "commit")
        added, removed = {}, {}  # LinkTable -> [(record id, registry id)]
        for action in creates:
            for link, wanted in action.sets.items():
                added.setdefault(link, []).extend((action.record_id, other) for other in sorted(wanted))
        for action in actions:
            if action.op == "update":
                _update(action, ids, user)
                for link, (old, new) in action.set_changes.items():
                    added.setdefault(link, []).extend((action.record_id, other) for other in sorted(new - old))
                    removed.setdefault(link, []).extend((action.record_id, other) for other in sorted(old - new))
                done += 1
        for link in sorted(set(added) | set(removed), key=lambda link: link.table):
            _write_links(link, added.get(link, []), removed.get(link, []), user)


def _resolved(data, ids):
    return {name: (ids[(value.table, value.key)] if isinstance(value, planning.New) else value)
            for name, value in data.items()}


def _insert(target, actions, ids, user):
    model = target.model
    fields = [f for f in model._meta.sorted_fields if not f.primary_key]
    rows = []  # plain value lists, not model instances: a 100,000-row import stays small
    for start in range(0, len(actions), BATCH * 10):
        chunk = []
        for action in actions[start:start + BATCH * 10]:
            instance = model(**_resolved(action.data, ids))  # the model's defaults, as a form save gets them
            data = instance.__data__
            for name, value in data.items():
                if isinstance(value, str):
                    value = normalise(name, value)
                    data[name] = value or (None if model._meta.fields[name].null else value)
            chunk.append([data.get(f.name) for f in fields])
        bulk_insert(model, fields, chunk)
        rows.extend(chunk)
    # the new ids, by natural key (inserts return no ids on every driver)
    index = planning.Index(target)
    index.load()
    # a class-level list of masked fields (ContactLog); a per-record property (AssessmentScore) is not importable
    masked = getattr(model, "audit_masked", ())
    masked = masked if isinstance(masked, (tuple, list, set, frozenset)) else ()
    names = [f.name for f in fields]
    audit_fields = [AuditLog._meta.fields[name] for name in ("at", "user", "actor", "action", "entity", "record_id", "changes")]
    actor = getattr(user, "username", None) or "system"
    for start in range(0, len(actions), BATCH * 10):
        entries = []
        for action, values in zip(actions[start:start + BATCH * 10], rows[start:start + BATCH * 10]):
            record_id = index.find([action.key]).pop()
            ids[(target.table, action.key)] = action.record_id = record_id
            snapshot = dict(zip(names, values), **{model._meta.primary_key.name: record_id})
            changes = audit.diff({}, snapshot, masked)
            entries.append([now(), getattr(user, "id", None), actor, "create", target.table, str(record_id),
                            json.dumps(changes, ensure_ascii=False, sort_keys=True)])
        bulk_insert(AuditLog, audit_fields, entries)
        rows[start:start + BATCH * 10] = [None] * len(entries)


def bulk_insert(model, fields, rows):
    """Insert ``rows`` (lists of Python values in ``fields`` order) with the driver's batch call.

    The same statement as ``insert_many`` without building a query tree per
    value: each value goes through its field's ``db_value`` as peewee would.
    """
    database = model._meta.database
    database = getattr(database, "obj", None) or database
    columns = ", ".join(f'"{f.column_name}"' for f in fields)
    statement = f'INSERT INTO "{model._meta.table_name}" ({columns}) VALUES '
    for start in range(0, len(rows), BATCH * 10):
        values = [tuple(f.db_value(v) for f, v in zip(fields, row)) for row in rows[start:start + BATCH * 10]]
        cursor = database.cursor()
        if is_postgres(database):
            from psycopg2.extras import execute_values

            execute_values(cursor, statement + "%s", values, page_size=BATCH)
        else:
            cursor.executemany(statement + "(" + ", ".join("?" * len(fields)) + ")", values)


def _update(action, ids, user):
    if not action.changes:
        return  # only its links change: the record itself is not saved again (no new version)
    model = action.target.model
    instance = model.get_by_id(action.record_id)
    before = audit.snapshot(instance)
    for name, value in _resolved(action.changes, ids).items():
        setattr(instance, name, value)
    instance.save()
    audit.record(user, "update", instance, before, audit.snapshot(instance))


def _write_links(link, added, removed, user):
    """Remove then add links ``(record id, registry id)``; one audit row per link, as the form writes them."""
    model = link.model
    names = ("id", link.owner, link.other)
    actor = getattr(user, "username", None) or "system"
    audit_fields = [AuditLog._meta.fields[name] for name in ("at", "user", "actor", "action", "entity", "record_id", "changes")]
    entries = []

    def entry(action, link_id, before, after):
        changes = audit.diff(before, after)
        entries.append([now(), getattr(user, "id", None), actor, action, link.table, str(link_id),
                        json.dumps(changes, ensure_ascii=False, sort_keys=True)])

    if removed:
        found = linking.pairs(link, removed)
        for pair, link_id in found.items():
            entry("delete", link_id, dict(zip(names, (link_id, *pair))), {})
        ids = sorted(found.values())
        for start in range(0, len(ids), BATCH):
            model.delete().where(model._meta.primary_key.in_(ids[start:start + BATCH])).execute()
    if added:
        fields = [model._meta.fields[link.owner], model._meta.fields[link.other]]
        bulk_insert(model, fields, [list(pair) for pair in added])
        found = linking.pairs(link, added)
        for pair in added:
            entry("create", found[pair], {}, dict(zip(names, (found[pair], *pair))))
    bulk_insert(AuditLog, audit_fields, entries)
