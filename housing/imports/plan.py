"""The dry run: every row read, checked and classified, nothing written.

Each cell is parsed (``housing.imports.values``), each record checked by the
same validation as the forms (``housing.validation.validate``; the
``duplicates`` query for unique columns that are not a natural key, since
natural keys are matched against an index of the table loaded once), keys are
checked for duplicates inside the file and for matching two records. The
result is a ``Plan``: the issues (row, column, value, Italian message), the
counts to create, update and skip per table, and the actions ``commit`` runs.
Cells naming registry entries are read against the registry as it is when the
dry run starts (``registries.bind``); link columns are compared as sets with
the stored links (``links``).
"""
import dataclasses
from collections import Counter, defaultdict

from housing import validation
from housing.imports import links as linking
from housing.imports import registries, values
from housing.imports.kinds import key_fields
from housing.messages import _
from models import normalise

CHUNK = 900  # ids per IN (...) query, below every driver's limit


@dataclasses.dataclass
class Issue:
    row: int  # as the user sees it in the spreadsheet (1 = the headers); 0 = the file
    column: str
    value: str
    message: str


@dataclasses.dataclass
class Action:
    target: object
    row: int
    op: str  # "create", "update", "skip", "ref"
    data: dict
    key: tuple = None  # the first complete key alternative, as (alternative index, values)
    record_id: int = None
    changes: dict = None
    sets: dict = None  # LinkTable -> frozenset of registry ids the record is to be linked to
    set_changes: dict = None  # LinkTable -> (stored set, new set), for updates


@dataclasses.dataclass
class Plan:
    kind: object
    issues: list = dataclasses.field(default_factory=list)
    actions: list = dataclasses.field(default_factory=list)
    counts: dict = dataclasses.field(default_factory=dict)  # table -> {"create": n, "update": n, "skip": n}
    rows: int = 0

    @property
    def ok(self):
        return not self.issues

    def totals(self):
        total = Counter()
        for counts in self.counts.values():
            total.update(counts)
        return {op: total.get(op, 0) for op in ("create", "update", "skip")}


class New:
    """A record created earlier in the same file, referenced before it has an id."""

    __slots__ = ("table", "key")

    def __init__(self, table, key):
        self.table, self.key = table, key

    def __repr__(self):
        return f"New({self.table}, {self.key})"


def match_headers(kind, headers, mapping=None):
    """({column: index}, [issues]) for the file's headers; ``mapping`` renames file headers first."""
    mapping = {values.fold(k): v for k, v in (mapping or {}).items()}
    by_name = {values.fold(c.header): c for c in kind.columns}
    positions, issues, seen = {}, [], {}
    for index, header in enumerate(headers):
        if not header:
            continue
        name = values.fold(mapping.get(values.fold(header), header))
        if name == "":
            continue  # mapped to "ignore"
        column = by_name.get(name)
        if column is None:
            issues.append(Issue(1, header, header, _("Colonna non riconosciuta: abbinarla a una colonna del modello o ignorarla.")))
        elif column in seen:
            issues.append(Issue(1, header, header, _("Colonna ripetuta (già in posizione %(position)s).",
                                                                 position=seen[column] + 1)))
        else:
            positions[column], seen[column] = index, index
    for target in kind.targets:
        present = [c for c in target.present_columns() if c in positions]
        missing = [c for c in target.present_columns() if c not in positions and not c.link
                   and _required(target.model, c.field)]
        if target is kind.targets[-1] or (present and len(present) > len(_key_columns(target))):
            for column in missing:
                issues.append(Issue(1, column.header, "", _("Colonna obbligatoria mancante.")))
        if not any(all(_field_column(target, n) in positions for n in key if not n.endswith("?") and _field_column(target, n))
                   for key in target.keys) and not target.optional:
            names = " o ".join(", ".join(c.header for c in _key_columns(target, key)) for key in target.keys)
            issues.append(Issue(1, names, "", _("Mancano le colonne della chiave.")))
    return positions, issues


def _field_column(target, name):
    name = name.rstrip("?")
    return next((c for c in target.present_columns() if c.field == name), None)


def _key_columns(target, key=None):
    names = key_fields(target) if key is None else {n.rstrip("?") for n in key}
    return [c for c in target.present_columns() if c.field in names]


def _required(model, name):
    field = model._meta.fields[name]
    return not field.null and field.default is None


class Index:
    """The natural keys of a table's records, loaded once: {alternative: {key: [ids]}}."""

    def __init__(self, target):
        self.target = target
        self.alternatives = [tuple(n.rstrip("?") for n in key) for key in target.keys]
        self.maps = None

    def load(self):
        model = self.target.model
        self.maps = []
        for names in self.alternatives:
            fields = [model._meta.fields[n] for n in names]
            found = defaultdict(list)
            query = model.select(model._meta.primary_key, *fields).tuples()
            for row in query.iterator():
                if all(value is not None for value, name in zip(row[1:], names) if not self._optional(name)):
                    found[row[1:]].append(row[0])
            self.maps.append(found)

    def _optional(self, name):
        return any(n == name + "?" for key in self.target.keys for n in key)

    def find(self, keys):
        if self.maps is None:
            self.load()
        ids = set()
        for alternative, key in keys:
            ids.update(self.maps[alternative].get(key, ()))
        return ids


def key_values(target, data):
    """[(alternative index, key tuple)] for the complete key alternatives of ``data``."""
    found = []
    for index, key in enumerate(target.keys):
        parts = []
        for name in key:
            value = data.get(name.rstrip("?"))
            if isinstance(value, str):
                value = normalise(name.rstrip("?"), value)
            if value in (None, "") and not name.endswith("?"):
                break
            parts.append(None if value == "" else value)
        else:
            found.append((index, tuple(parts)))
    return found


def same(old, new):
    if old is None or old == "":
        return new is None or new == ""
    if isinstance(new, str):
        return isinstance(old, str) and old == new
    return old == new


def dry_run(kind, table, mapping=None, progress=None):
    """Check every row of ``table`` (``reading.Table``) as ``kind``; write nothing."""
    plan = Plan(kind, rows=len(table.rows))
    positions, plan.issues = match_headers(kind, table.headers, mapping)
    if plan.issues:
        return plan
    indexes = {id(t): Index(t) for t in kind.targets}
    parsers = {column: registries.bind(column.parse) for column in positions}
    seen = defaultdict(dict)  # table -> {key: (row, data, action)}
    pending = []
    for count, (number, cells) in enumerate(table.rows, start=1):
        _row(kind, plan, positions, parsers, indexes, seen, pending, number, cells)
        if progress and count % 1000 == 0:
            progress(count, len(table.rows), "validate")
    _compare(plan, pending)
    for action in plan.actions:
        if action.op != "ref":
            counts = plan.counts.setdefault(action.target.table, {"create": 0, "update": 0, "skip": 0})
            counts[action.op] += 1
    return plan


def _row(kind, plan, positions, parsers, indexes, seen, pending, number, cells):
    parsed, bad = {}, set()
    for column, index in positions.items():
        raw = cells[index] if index < len(cells) else None
        value, message = values.parse(parsers[column], raw)
        if message:
            plan.issues.append(Issue(number, column.header, _shown(raw), message))
            bad.add(column)
        parsed[column] = value
    links, last = {}, kind.targets[-1]
    for target in kind.targets:
        columns = [c for c in target.present_columns() if c in positions]
        headers = {c.field: c.header for c in columns}
        given = {c.field: parsed[c] for c in columns if parsed[c] is not None or c in bad}
        if bad & set(columns):
            return
        if not given and target.optional:
            if target.link:
                links[target.link] = None
            continue
        data = {c.field: parsed[c] for c in columns}
        data.update({name: value for name, value in links.items() if name in target.model._meta.fields})
        keys = key_values(target, data)
        reference = target is not last and not (set(given) - key_fields(target))
        if not keys:
            names = " / ".join(c.header for c in _key_columns(target))
            plan.issues.append(Issue(number, names, "", _("Chiave mancante: impossibile identificare il record.")))
            return
        ids = indexes[id(target)].find(keys)
        if len(ids) > 1:
            plan.issues.append(Issue(number, _key_header(target, keys, headers), _key_text(keys),
                                     _("La chiave corrisponde a %(count)s record diversi: correggere il registro o il file.",
                                       count=len(ids))))
            return
        earlier = [seen[target.table][k] for k in keys if k in seen[target.table]]
        if reference:
            if ids:
                links[target.link] = ids.pop()
            elif earlier:
                links[target.link] = earlier[0][2].record_id or New(target.table, earlier[0][2].key)
            else:
                plan.issues.append(Issue(number, _key_header(target, keys, headers), _key_text(keys),
                                         _("Nessun record «%(model)s» con questa chiave nel registro o nel file.",
                                           model=target.model.__name__)))
                return
            continue
        if earlier:
            first_row, first_data, action = earlier[0]
            if target is last or any(not same(first_data.get(n), v) for n, v in data.items()):
                message = (_("Chiave ripetuta nel file (già alla riga %(row)s).", row=first_row) if target is last
                           else _("Dati diversi dalla riga %(row)s per lo stesso record.", row=first_row))
                plan.issues.append(Issue(number, _key_header(target, keys, headers), _key_text(keys), message))
                return
            if target.link:
                links[target.link] = action.record_id or New(target.table, action.key)
            continue
        record_id = ids.pop() if ids else None
        given_sets = {c.link: data.pop(c.field) for c in columns if c.link}
        sets = {link: value if value is not None else frozenset() for link, value in given_sets.items()
                if value is not None or target is last or record_id is None}  # see _fill: a parent keeps its links
        data = _fill(target, data, partial=target is not last, exists=record_id is not None)
        errors = validation.validate(target.table, data)
        for group in _uncovered_groups(target):
            errors.update(validation.duplicates(target.model, {n: data.get(n) for n in group}, record_id))
        if errors:
            for name, messages in errors.items():
                header = headers.get(name, name)
                for message in messages:
                    plan.issues.append(Issue(number, header, _shown(data.get(name)), message))
            return
        action = Action(target, number, "update" if record_id else "create", data, keys[0], record_id, sets=sets)
        compared = dict(data, **{c.field: given_sets[c.link] for c in columns if c.link})
        for k in keys:
            seen[target.table][k] = (number, compared, action)
        plan.actions.append(action)
        if record_id:
            pending.append(action)
        if target.link:
            links[target.link] = record_id or New(target.table, keys[0])


def _uncovered_groups(target):
    keys = {tuple(n.rstrip("?") for n in key) for key in target.keys}
    return [g for g in validation.unique_groups(target.model) if tuple(g) not in keys
            and all(n in {c.field for c in target.present_columns()} for n in g)]


def _fill(target, data, partial=False, exists=False):
    """Empty cells: the field's default on create (kept on update), None where it may be empty, else '' (required).

    A parent record given inside another kind's rows (a dwelling's landlord) is
    only completed: its empty cells keep the stored values.
    """
    filled = {}
    for name, value in data.items():
        field = target.model._meta.fields[name]
        if value is None:
            if field.default is not None or (partial and (exists or field.null)):
                continue
            filled[name] = None if field.null else ""
        else:
            filled[name] = value
    return filled


def _compare(plan, pending):
    """Updates that change nothing become skips; the others keep only their changes."""
    by_model = defaultdict(list)
    for action in pending:
        by_model[action.target.model].append(action)
    for model, actions in by_model.items():
        for start in range(0, len(actions), CHUNK):
            chunk = actions[start:start + CHUNK]
            rows = {row["id"]: row for row in model.select().where(
                model._meta.primary_key.in_([a.record_id for a in chunk])).dicts()}
            stored = {link: linking.stored(link, [a.record_id for a in chunk if link in a.sets])
                      for link in {link for a in chunk for link in a.sets}}
            for action in chunk:
                existing = rows[action.record_id]
                changes = {}
                for name, value in action.data.items():
                    if isinstance(value, str):
                        value = normalise(name, value)
                    old = existing.get(name)
                    if not same(old, value):
                        changes[name] = value
                action.changes = changes
                action.set_changes = {link: (stored[link].get(action.record_id, frozenset()), wanted)
                                      for link, wanted in action.sets.items()
                                      if stored[link].get(action.record_id, frozenset()) != wanted}
                if not changes and not action.set_changes:
                    action.op = "skip"


def _key_header(target, keys, headers):
    names = [n.rstrip("?") for n in target.keys[keys[0][0]]]
    return " / ".join(headers.get(n, n) for n in names if n in headers) or target.model.__name__


def _key_text(keys):
    return " / ".join("" if v is None else str(v) for v in keys[0][1])


def _shown(raw):
    if raw is None or raw is values.FORMULA_MISSING:
        return ""
    return str(raw)[:200]
