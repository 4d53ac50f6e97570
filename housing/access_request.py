"""A data subject's access request (GDPR art. 15), by tax code.

``collect`` gathers every record that holds the person's data: as a household
member, their own member record, their household and its dependent records
(the household's case work is about them too), but never another member's
own records (their member row, assessments, referrals naming them); as a
landlord, the landlord record, its homes and incentives. With them go the
audit rows about every record collected: who read or changed it, and when.

``as_json`` is the machine-readable copy (art. 20), ``as_markdown`` the
readable document in Italian. Rectification goes through the ordinary forms
(audited there); erasure is ``erase``: a closed household is anonymised at once
as its retention rule would later (``housing.retention``), recorded in the trail.
No Flask here: field and registry labels are passed in by the caller.
"""
import datetime
import json
from decimal import Decimal

from peewee import ForeignKeyField

from housing import retention
from models import (
    ArrearsEpisode, Assessment, AssessmentScore, AuditLog, ContactLog, Dwelling, ErpAssignment, FollowUpVisit,
    GuaranteeClaim, Household, HouseholdDistrict, HouseholdLanguage, Incentive, Landlord, Match, MatchEvent, Person,
    PlanAction, PlanGoal, Referral, Stay, SupportPlan, Tenancy, TenancyOutcome, db, now,
)

SECRET = frozenset({"version", "tie_break_key"})  # bookkeeping, not information about the person


class AccessRequestError(LookupError):
    pass


def _plain(value):
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _row(record):
    return {name: _plain(record.__data__.get(name)) for name in record._meta.fields if name not in SECRET}


def _shown(record):
    """The record as a person reads it: labels of coded values, names of linked records, Italian dates."""
    shown = {}
    for name, field in record._meta.fields.items():
        if name in SECRET:
            continue
        value = record.__data__.get(name)
        if value is not None and isinstance(field, ForeignKeyField):
            value = str(getattr(record, name))
        elif value is not None and field.choices:
            value = dict(field.choices).get(value, value)
        elif isinstance(value, datetime.datetime):
            value = f"{value:%d/%m/%Y %H:%M}"
        elif isinstance(value, datetime.date):
            value = f"{value:%d/%m/%Y}"
        shown[name] = _plain(value)
    return shown


def _sections_of_member(person):
    household = person.household
    plans = SupportPlan.select().where(SupportPlan.household == household)
    goals = PlanGoal.select().where(PlanGoal.plan.in_(plans))
    tenancies = Tenancy.select().where(Tenancy.household == household)
    matches = Match.select().where(Match.household == household)
    assessments = Assessment.select().where(Assessment.person == person)
    return [
        (Person, [person]),
        (Household, [household]),
        (HouseholdLanguage, HouseholdLanguage.select().where(HouseholdLanguage.household == household)),
        (HouseholdDistrict, HouseholdDistrict.select().where(HouseholdDistrict.household == household)),
        (Assessment, assessments),
        (AssessmentScore, AssessmentScore.select().where(AssessmentScore.assessment.in_(assessments))),
        (ContactLog, ContactLog.select().where(ContactLog.household == household)),
        (SupportPlan, plans),
        (PlanGoal, goals),
        (PlanAction, PlanAction.select().where(PlanAction.goal.in_(goals))),
        # a referral naming another member is that member's
        (Referral, Referral.select().where((Referral.household == household)
                                           & (Referral.person.is_null() | (Referral.person == person)))),
        (Stay, Stay.select().where(Stay.household == household)),
        (Tenancy, tenancies),
        (FollowUpVisit, FollowUpVisit.select().where(FollowUpVisit.tenancy.in_(tenancies))),
        (ArrearsEpisode, ArrearsEpisode.select().where(ArrearsEpisode.tenancy.in_(tenancies))),
        (TenancyOutcome, TenancyOutcome.select().where(TenancyOutcome.tenancy.in_(tenancies))),
        (ErpAssignment, ErpAssignment.select().where(ErpAssignment.household == household)),
        (Match, matches),
        (MatchEvent, MatchEvent.select().where(MatchEvent.match.in_(matches))),
    ]


def _sections_of_landlord(landlord):
    incentives = Incentive.select().where(Incentive.landlord == landlord)
    return [
        (Landlord, [landlord]),
        (Dwelling, Dwelling.select().where(Dwelling.landlord == landlord)),
        (Incentive, incentives),
        (GuaranteeClaim, GuaranteeClaim.select().where(GuaranteeClaim.incentive.in_(incentives))),
    ]


def normalised(tax_code):
    return "".join(str(tax_code or "").split()).upper()


def collect(tax_code):
    """Every record holding the data of the person with ``tax_code``, with its audit rows.

    Raises ``AccessRequestError`` (an Italian message) when no record has that tax code.
    """
    code = normalised(tax_code)
    if not code:
        raise AccessRequestError("Codice fiscale mancante.")
    person = Person.get_or_none(Person.tax_code == code)
    landlord = Landlord.get_or_none(Landlord.tax_code == code)
    if person is None and landlord is None:
        raise AccessRequestError(f"Nessun dato per il codice fiscale «{code}»: non è di un componente di un "
                                 "nucleo né di un locatore registrato.")
    groups = ([("member", _sections_of_member(person))] if person else []) + (
        [("landlord", _sections_of_landlord(landlord))] if landlord else [])
    sections, keys = [], []
    for role, parts in groups:
        for model, records in parts:
            records = list(records)
            rows = [_row(record) for record in records]
            if rows:
                table = model._meta.table_name
                # "shown" is for the readable document only (as_json leaves it out)
                sections.append({"as": role, "table": table, "records": rows,
                                 "shown": [_shown(record) for record in records]})
                keys.append((table, [str(row["id"]) for row in rows]))
    return {
        "tax_code": code,
        "generated_at": now().isoformat(),
        "sections": sections,
        "audit": _audit_rows(keys),
    }


def _audit_rows(keys):
    rows = []
    for table, ids in keys:
        for start in range(0, len(ids), 500):
            query = AuditLog.select().where((AuditLog.entity == table) & AuditLog.record_id.in_(ids[start:start + 500]))
            rows += [{"at": _plain(a.at), "actor": a.actor, "action": a.action, "entity": a.entity,
                      "record_id": a.record_id, "changes": json.loads(a.changes or "{}")} for a in query]
    return sorted(rows, key=lambda a: (a["at"], a["entity"], a["record_id"]))


def as_json(data):
    plain = {**data, "sections": [{k: v for k, v in section.items() if k != "shown"} for section in data["sections"]]}
    return json.dumps(plain, ensure_ascii=False, indent=2, sort_keys=True)


ACTIONS_IT = {"create": "creazione", "update": "modifica", "delete": "eliminazione", "read": "lettura"}


def _cell(value):
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "sì" if value else "no"
    return str(value).replace("|", "\\|").replace("\n", " ")


def as_markdown(data, field_label=lambda name: name, registry_name=lambda table: table):
    """The readable document, in Italian (Markdown)."""
    lines = [
        "# Richiesta di accesso ai dati personali (art. 15 GDPR)", "",
        f"Codice fiscale dell'interessato: **{data['tax_code']}**  ",
        f"Documento generato il {data['generated_at'].replace('T', ' alle ')}.", "",
        "Il documento elenca ogni registrazione del gestionale che contiene dati della persona e, in fondo, "
        "chi li ha letti o modificati e quando. La rettifica si chiede all'ufficio, che la registra nelle "
        "schede; la cancellazione è possibile quando il percorso è concluso e nessun obbligo di legge o "
        "di rendicontazione impone di conservare i dati.", "",
    ]
    titles = {"member": "Come componente di un nucleo", "landlord": "Come locatore"}
    current = None
    for section in data["sections"]:
        if section["as"] != current:
            current = section["as"]
            lines += [f"## {titles[current]}", ""]
        lines += [f"### {registry_name(section['table'])} ({len(section['records'])})", ""]
        for record in section.get("shown", section["records"]):
            lines += ["| Campo | Valore |", "| --- | --- |"]
            lines += [f"| {_cell(field_label(name))} | {_cell(value)} |" for name, value in record.items()]
            lines.append("")
    lines += ["## Chi ha letto o modificato i dati", ""]
    if not data["audit"]:
        lines += ["Nessuna registrazione nel registro delle modifiche.", ""]
    else:
        lines += ["| Quando | Chi | Azione | Registro | N. | Campi |", "| --- | --- | --- | --- | --- | --- |"]
        for row in data["audit"]:
            lines.append(f"| {_cell(row['at'].replace('T', ' '))} | {_cell(row['actor'])} | "
                         f"{ACTIONS_IT.get(row['action'], row['action'])} | {_cell(registry_name(row['entity']))} | "
                         f"{row['record_id']} | {_cell(', '.join(field_label(n) for n in row['changes']))} |")
        lines.append("")
    return "\n".join(lines)


def erase(tax_code, user=None, apply=False):
    """Erasure (art. 17) of a member's data: their household is anonymised now, as its
    retention rule would do later; only for a closed household (no open tenancy or stay,
    status "exited"): an open case still needs its data. Returns the changes (applied when
    ``apply``), each with its audit row; raises ``AccessRequestError`` when it is not allowed."""
    code = normalised(tax_code)
    person = Person.get_or_none(Person.tax_code == code)
    if person is None:
        raise AccessRequestError(f"Nessun componente con codice fiscale «{code}». I dati dei locatori si "
                                 "rettificano o cancellano dalla scheda del locatore, valutando gli obblighi contabili.")
    household = person.household
    if not retention.closed(household):
        raise AccessRequestError(f"Il nucleo {household.code} non è chiuso (stato «uscito» senza locazioni né "
                                 "permanenze in corso): i dati servono ancora al percorso e non si cancellano.")
    steps = retention.household_steps(household, "erasure")
    if apply:
        with db.atomic():
            for _, step in steps:
                step(user)
    return [change for change, _ in steps]
