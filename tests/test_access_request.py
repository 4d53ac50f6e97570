"""Access requests: everything about one person, with its audit rows, and nothing of another."""
import json

import pytest

from housing import access_request, audit, demo
from models import Assessment, AuditLog, Household, Landlord, Person, Stay, Tenancy
from tests.samples import tax_code


@pytest.fixture
def family(database):
    demo.seed(scale=0.1)
    for household in Household.select().order_by(Household.id):
        members = list(Person.select().where(Person.household == household).order_by(Person.id))
        assessed = [m for m in members if Assessment.select().where(Assessment.person == m).exists()]
        if len(members) >= 2 and assessed:
            person = assessed[0]
            other = next(m for m in members if m != person)
            # the other member assessed too: their assessment must stay out of the person's request
            own = Assessment.select().where(Assessment.person == person).first()
            Assessment.create(person=other, household=household, instrument=own.instrument_id,
                              assessed_on=own.assessed_on, assessor_name="Operatrice", need_index=0.5,
                              support_intensity="medium", correction_reason="Marocco")
            return person, other
    pytest.fail("the demo data has no household with two members, one assessed")


def changed(person, **values):
    before = audit.snapshot(person)
    for name, value in values.items():
        setattr(person, name, value)
    person.save()
    audit.record(None, "update", person, before, audit.snapshot(person))


def test_a_member_gets_their_records_and_audit_rows_and_nothing_of_another(family):
    person, other = family
    changed(person, citizenship="Tunisia")
    changed(other, citizenship="Marocco")
    data = access_request.collect(person.tax_code.lower())
    tables = {section["table"]: section["records"] for section in data["sections"]}
    assert [row["id"] for row in tables["person"]] == [person.id]
    assert [row["id"] for row in tables["household"]] == [person.household_id]
    assert {row["person"] for row in tables["assessment"]} == {person.id}
    assert "contact_log" in tables or "support_plan" in tables or "referral" in tables
    text = access_request.as_json(data)
    assert person.tax_code in text and person.last_name in text
    assert other.tax_code not in text and "Marocco" not in text
    person_rows = [a for a in data["audit"] if a["entity"] == "person"]
    assert person_rows and {a["record_id"] for a in person_rows} == {str(person.id)}
    assert any(a["changes"].get("citizenship", [None, None])[1] == "Tunisia" for a in person_rows)
    assert json.loads(text)["tax_code"] == person.tax_code


def test_the_document_is_readable_italian(family):
    person, _ = family
    document = access_request.as_markdown(access_request.collect(person.tax_code),
                                          field_label=lambda name: {"last_name": "Cognome"}.get(name, name))
    assert document.startswith("# Richiesta di accesso ai dati personali")
    assert f"| Cognome | {person.last_name} |" in document
    assert "## Chi ha letto o modificato i dati" in document


def test_a_landlord_gets_their_record(database):
    code = tax_code("VRDGPP70A01C351")
    landlord = Landlord.create(kind="private", name="Giuseppe Verdi", tax_code=code)
    data = access_request.collect(code)
    assert [(s["as"], s["table"]) for s in data["sections"]] == [("landlord", "landlord")]
    assert data["sections"][0]["records"][0]["id"] == landlord.id


def test_an_unknown_tax_code_gets_a_clear_message(database):
    with pytest.raises(access_request.AccessRequestError, match="Nessun dato per il codice fiscale «XXXYYY»"):
        access_request.collect(" xxxyyy ")
    with pytest.raises(access_request.AccessRequestError, match="mancante"):
        access_request.collect("  ")


def test_erasure_only_of_a_closed_household_and_recorded(family):
    person, _ = family
    household = person.household
    with pytest.raises(access_request.AccessRequestError, match=household.code):
        household.status = "housed"
        household.save()
        access_request.erase(person.tax_code, apply=True)
    household.status = "exited"
    household.save()
    Tenancy.update(ended_on=Tenancy.start_on).where(Tenancy.household == household).execute()
    Stay.update(exit_on=Stay.entry_on).where(Stay.household == household).execute()
    planned = access_request.erase(person.tax_code)
    assert Person.get_by_id(person.id).tax_code == person.tax_code  # a dry run by default
    applied = access_request.erase(person.tax_code, apply=True)
    assert applied == planned
    assert Person.get_by_id(person.id).tax_code.startswith("ANON")
    rows = AuditLog.select().where((AuditLog.entity == "person") & (AuditLog.record_id == str(person.id)))
    assert any(json.loads(r.changes).get("retention") == [None, "erasure"] for r in rows)
    assert all(person.tax_code not in r.changes for r in rows)
    with pytest.raises(access_request.AccessRequestError):
        access_request.collect(person.tax_code)


def test_the_command_writes_both_copies_and_records_the_read(app, family, tmp_path):
    person, other = family
    runner = app.test_cli_runner()
    result = runner.invoke(args=["access-request", person.tax_code, "--json", str(tmp_path / "a.json"),
                                 "--document", str(tmp_path / "a.md")])
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))
    assert data["tax_code"] == person.tax_code
    document = (tmp_path / "a.md").read_text(encoding="utf-8")
    assert f"| Cognome | {person.last_name} |" in document and other.tax_code not in document
    read = AuditLog.get((AuditLog.action == "read") & (AuditLog.entity == "person"))
    assert read.record_id == str(person.id) and read.actor == "system"


def test_the_command_names_an_unknown_tax_code(app, database):
    result = app.test_cli_runner().invoke(args=["access-request", "ZZZZZZ00Z00Z000Z"])
    assert result.exit_code == 1
    assert "Nessun dato per il codice fiscale «ZZZZZZ00Z00Z000Z»" in result.output
    assert "Traceback" not in result.output
