"""XLSX files in the import format: a template per kind, and an export of the registry.

A template has the Italian headers, a comment on each header with the format
and the allowed values (for a registry kept by staff, such as the districts,
its names as they are when the template is made), and an example row. An
export writes the current records in the same columns, so that it imports back
unchanged.
"""
import datetime
import io

from housing.imports import links as linking
from housing.imports import registries
from housing.imports.plan import CHUNK

EXAMPLES = {
    "kind": "Società", "name": "Immobiliare Etna srl", "vat_number": "00743110157", "tax_code": "RSSMRA80A01C351O",
    "email": "info@esempio.it", "phone": "095 123456", "address": "Via Etnea 100", "public_name_consent": "no",
    "orientation_sessions": 1, "last_orientation_on": "15/01/2026", "ownership": "Privata", "postcode": "95124",
    "district": "Centro", "cadastral_sheet": "10", "cadastral_parcel": "200", "cadastral_unit": "3",
    "latitude": "37,5079", "longitude": "15,0830", "area_m2": 60, "rooms": 3, "bedrooms": 2, "bathrooms": 1,
    "floor": 2, "has_lift": "sì", "step_free": "no", "energy_class": "C", "condition": "Buono", "furnished": "no",
    "vacant_since": "01/03/2025", "status": "Disponibile", "contract_type": "Canone concordato 3+2",
    "monthly_rent": "450,00", "service_charges": "30,00", "deposit": "900,00", "available_from": "01/02/2026",
    "min_duration_months": 36, "max_duration_months": 60, "published": "no", "code": "NF-2026-0001",
    "min_rooms": 2, "first_name": "Mario", "last_name": "Rossi", "birth_date": "01/01/1980", "sex": "Maschio",
    "citizenship": "Italia", "relation": "Intestatario", "has_disability": "no", "act_number": "ERP-2025-001",
    "act_date": "10/01/2025", "social_rent": "80,00", "arrears_amount": "0", "occupancy_status": "Regolare",
    "sector": "Terzo settore", "listed_publicly": "sì", "capacity": 2, "facility": "Casa di accoglienza", "active": "sì",
    "preferred_districts": "Centro, Borgo", "spoken_languages": "italiano, francese",
}


def _registry_example(column):
    """The example of a registry column: the usual one if the registry has its names, else its first entries."""
    example = EXAMPLES.get(column.field, "")
    try:
        column.parse.bind()(example)
        return example
    except ValueError:
        names = list(column.parse.names(active_only=True).values())[:2 if column.parse.many else 1]
        return ", ".join(names)


def _row_example(kind):
    from housing.imports.kinds import DWELLING_LANDLORD

    row = []
    for target in kind.targets:
        for column in target.present_columns():
            example = EXAMPLES.get(column.field, "")
            if hasattr(column.parse, "bind"):
                example = _registry_example(column)
            if target is DWELLING_LANDLORD and column.field == "tax_code":
                example = ""  # the example landlord is a company: its VAT number is enough
            if column.field == "status" and kind.key == "households":
                example = "In attesa"
            if kind.key == "places" and column.field in ("name", "kind"):
                example = {"name": "Posto di emergenza 1", "kind": "Emergenza abitativa"}[column.field]
            if column.field == "name" and target.model.__name__ == "Partner":
                example = "Caritas diocesana"
            if column.field == "status" and kind.key == "offers":
                example = "Bozza"
            row.append(example)
    return row


def template(kind):
    """The XLSX template of ``kind`` (bytes)."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment

    book = Workbook()
    sheet = book.active
    sheet.title = kind.it[:31]
    sheet.append([c.header for c in kind.columns])
    for cell, column in zip(sheet[1], kind.columns):
        help = column.parse.describe() if hasattr(column.parse, "describe") else column.help
        cell.comment = Comment(help or "Testo", "Housing First")
    sheet.append(_row_example(kind))
    return _bytes(book)


def _bytes(book):
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def cell(column, value, parser=None):
    """A stored value as the import reads it back (labels for codes, registry names, sì/no, dates)."""
    if value is None:
        return None
    if hasattr(parser, "cell"):
        return parser.cell(value)
    labels = getattr(column.parse, "labels", None)
    if labels:
        return ", ".join(labels.get(p.strip(), p.strip()) for p in str(value).split(",") if p.strip())
    if isinstance(value, bool):
        return "sì" if value else "no"
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.strftime("%d/%m/%Y")
    if hasattr(value, "as_tuple"):  # Decimal: an Italian number, exact
        return str(value).replace(".", ",")
    if isinstance(value, float):
        return repr(value).replace(".", ",")
    return value


def export(kind):
    """The records of ``kind`` as an XLSX in the import format (bytes)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(kind.it[:31])
    sheet.append([c.header for c in kind.columns])
    for row in rows(kind):
        sheet.append(row)
    return _bytes(book)


def rows(kind):
    """One list of cells per record of the kind's last target (households: per member, or one without)."""
    parsers = {c: registries.bind(c.parse) for c in kind.columns}
    last = kind.targets[-1]
    parents = kind.targets[:-1]
    model = last.model
    if kind.key == "households":
        yield from _household_rows(kind, parsers)
        return
    ids = [i for (i,) in model.select(model._meta.primary_key).order_by(model._meta.primary_key).tuples()]
    for start in range(0, len(ids), CHUNK):
        for record in model.select().where(model._meta.primary_key.in_(ids[start:start + CHUNK])).order_by(model._meta.primary_key):
            line = []
            for parent in parents:
                linked = getattr(record, parent.link) if parent.link in model._meta.fields else None
                line += [cell(c, _stored(linked, c) if linked else None, parsers[c]) for c in parent.present_columns()]
            line += [cell(c, _stored(record, c), parsers[c]) for c in last.present_columns()]
            yield line


def _stored(record, column, sets=None):
    """The stored value of ``column``: a foreign key as its id (a registry parser names it), links as a set of ids."""
    if column.link is not None:
        return (sets or {}).get(column.link, {}).get(record.get_id(), frozenset())
    return record.__data__.get(column.field)


def _household_rows(kind, parsers):
    household_target, person_target = kind.targets
    from models import Household, Person

    household_ids = [i for (i,) in Household.select(Household.id).order_by(Household.id).tuples()]
    for start in range(0, len(household_ids), CHUNK):
        chunk = household_ids[start:start + CHUNK]
        sets = {c.link: linking.stored(c.link, chunk) for c in household_target.present_columns() if c.link}
        members = {}
        for person in Person.select().where(Person.household.in_(chunk)).order_by(Person.id):
            members.setdefault(person.household_id, []).append(person)
        for household in Household.select().where(Household.id.in_(chunk)).order_by(Household.id):
            head = [cell(c, _stored(household, c, sets), parsers[c]) for c in household_target.present_columns()]
            if household.id not in members:
                yield head + [None] * len(person_target.present_columns())
            for person in members.get(household.id, ()):
                yield head + [cell(c, _stored(person, c), parsers[c]) for c in person_target.present_columns()]
