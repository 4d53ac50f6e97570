"""Retention rules: the dry run, the application, its audit rows, and the indicators kept exact."""
import datetime
import importlib
import json

import pytest

import jobs
from housing import demo, retention
from housing.accompaniment import indicators
from housing.publishing import export
from models import (
    Assessment, AssessmentScore, AuditLog, ContactLog, Household, LoginAttempt, Person, RetentionRule, Stay, Tenancy, now,
)

TODAY = datetime.date.today()
SEEDED = TODAY - datetime.timedelta(days=7 * 365)  # every exited household is past its five years


def state():
    """Every table the rules may touch, as plain rows: what a dry run must leave alone."""
    return {model.__name__: list(model.select().order_by(model.id).dicts())
            for model in (Household, Person, Assessment, AssessmentScore, ContactLog, AuditLog, LoginAttempt)}


@pytest.fixture(autouse=True)
def rules(database):
    retention.ensure_rules()  # PostgreSQL's fixture empties every table, the migration's seed too


@pytest.fixture
def seeded(database):
    demo.seed(scale=0.3, today=SEEDED)
    return database


def test_migration_seeds_the_defaults_of_every_kind():
    migration = importlib.import_module("migrations.0010_retention")
    seeded = {kind: (months, action, active) for kind, months, action, active, _ in migration.DEFAULTS}
    # kinds added later are seeded by their own migration
    later = importlib.import_module("migrations.0019_landlord_proposals").RULE
    seeded[later[0]] = tuple(later[1:4])
    # kinds whose rule a later migration switched on (0022: the e-mails, once the outbox kept addresses)
    seeded["email"] = seeded["email"][:2] + (True,)
    assert importlib.import_module("migrations.0022_email_retention").NOTES == retention.EMAIL_WHY
    assert seeded == retention.DEFAULTS
    assert set(retention.DEFAULTS) == set(retention.KINDS)


def test_stored_rules(database):
    stored = {rule.kind: rule for rule in RetentionRule.select()}
    assert set(stored) == set(retention.KINDS)
    assert stored["login_attempt"].action == "delete" and stored["login_attempt"].months == 6
    assert stored["email"].active and not stored["generated_document"].active  # e-mails: switched on by 0022


def test_dry_run_changes_nothing_and_lists_the_changes(seeded):
    before = state()
    changes = retention.run(apply=False, today=TODAY)
    assert state() == before
    kinds = {change.kind for change in changes}
    # restricted notes here are all older than three years: the contact_log rule covers them (see below)
    assert {"closed_household", "assessment", "contact_log"} <= kinds
    text = retention.report(changes, applied=False)
    assert "prova" in text and f"household#{changes[0].record_id}" in text


def test_applying_changes_exactly_the_due_records_with_one_audit_row_each(seeded):
    exited = {h.id for h in Household.select().where(Household.status == "exited")}
    # a household with a tenancy or a stay still open is not closed, whatever its status says
    still_open = ({t.household_id for t in Tenancy.select().where(Tenancy.ended_on.is_null())}
                  | {s.household_id for s in Stay.select().where(Stay.exit_on.is_null())})
    closed, exited = exited - still_open, exited & still_open
    assert closed and exited
    planned = retention.run(apply=False, today=TODAY)
    audit_before = AuditLog.select().count()
    applied = retention.run(apply=True, today=TODAY)
    assert applied == planned
    per_record = [c for c in applied if c.kind not in ("audit_log", "login_attempt")]
    assert AuditLog.select().count() == audit_before + len(per_record)
    for change in per_record[:50]:
        row = AuditLog.get((AuditLog.entity == change.table) & (AuditLog.record_id == change.record_id)
                           & (AuditLog.actor == "system"))
        fields = json.loads(row.changes)
        assert set(change.fields) <= set(fields)
        assert all(values[0] in ("•••", None) for name, values in fields.items() if name in change.fields)
    for person in Person.select().where(Person.household.in_(closed)):
        assert person.tax_code.startswith("ANON") and person.first_name == "Anonimo"
        assert (person.birth_date.month, person.birth_date.day) == (1, 1)
    for household in Household.select().where(Household.id.in_(closed)):
        assert household.email is None and household.phone is None and household.notes is None
    others = Person.select().where(Person.household.not_in(closed))
    assert not any(p.tax_code.startswith("ANON") for p in others)
    assert retention.run(apply=True, today=TODAY) == []


def test_nothing_is_due_before_its_period(database):
    demo.seed(scale=0.1, today=TODAY)
    # freshly seeded: old contacts exist (up to years back), but no household has been exited for five years
    changes = retention.run(apply=False, today=TODAY)
    assert not [c for c in changes if c.kind == "closed_household"]


def test_anonymisation_keeps_the_indicators_and_the_statistics_exact(seeded):
    indicators_before, statistics_before = indicators.compute(today=TODAY), export.statistics()
    assert retention.run(apply=True, today=TODAY)
    assert indicators.compute(today=TODAY) == indicators_before
    assert export.statistics() == statistics_before


def test_logs_are_deleted_in_one_batch_with_one_audit_row(database):
    old = now() - datetime.timedelta(days=400)
    for n in range(3):
        LoginAttempt.create(at=old, username=f"guess{n}", remote_addr="10.0.0.1")
    recent = LoginAttempt.create(username="someone", remote_addr="10.0.0.2")
    changes = retention.run(apply=True, today=TODAY)
    assert [(c.kind, c.record_id) for c in changes] == [("login_attempt", "3 righe")]
    assert [a.id for a in LoginAttempt.select()] == [recent.id]
    row = AuditLog.get(AuditLog.entity == "login_attempt")
    assert json.loads(row.changes)["rows"] == [3, 0]


def test_an_action_the_kind_does_not_allow_is_refused_by_name(database):
    RetentionRule.update(action="delete").where(RetentionRule.kind == "closed_household").execute()
    with pytest.raises(retention.RetentionError, match="closed_household"):
        retention.run(apply=True, today=TODAY)


def test_the_runner_has_a_weekly_retention_job(database, monkeypatch):
    job = jobs.registry()["retention"]
    assert job.every_minutes == 7 * 24 * 60 and not job.at_start
    monkeypatch.setenv("HOUSING_RETENTION_EVERY_DAYS", "1")
    assert jobs.registry()["retention"].every_minutes == 24 * 60
    assert any(s.name == "HOUSING_RETENTION_EVERY_DAYS" for s in jobs.SETTINGS)
    run = jobs.recorded(database, job)
    assert run.outcome == "skipped", run.message


def test_the_command_is_a_dry_run_unless_applied(app, database):
    old = now() - datetime.timedelta(days=400)
    LoginAttempt.create(at=old, username="guess", remote_addr="10.0.0.1")
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["retention"])
    assert dry.exit_code == 0, dry.output
    assert "login_attempt\tcancellazione\tlogin_attempt#1 righe" in dry.output and "--apply" in dry.output
    assert LoginAttempt.select().count() == 1
    applied = runner.invoke(args=["retention", "--apply"])
    assert applied.exit_code == 0 and "Applicate: 1 modifiche." in applied.output
    assert LoginAttempt.select().count() == 0
    assert AuditLog.get(AuditLog.entity == "login_attempt").actor == "system"
    refused = runner.invoke(args=["retention", "--apply", "--user", "nobody"])
    assert refused.exit_code == 1 and "Utente «nobody» inesistente" in refused.output


def test_the_earlier_audit_rows_of_an_anonymised_record_lose_the_erased_values(seeded):
    from housing import audit

    still_open = Tenancy.select(Tenancy.household).where(Tenancy.ended_on.is_null()) | \
        Stay.select(Stay.household).where(Stay.exit_on.is_null())
    person = (Person.select().join(Household)
              .where((Household.status == "exited") & Household.id.not_in(still_open)).first())
    kept = AuditLog.create(actor="someone", action="update", entity="person", record_id=str(person.id),
                           changes=json.dumps({"tax_code": ["OLD0CODE", person.tax_code],
                                               "sex": [person.sex, person.sex]}))
    retention.run(apply=True, today=TODAY)
    changes = json.loads(AuditLog.get_by_id(kept.id).changes)
    assert changes["tax_code"] == [audit.MASK, audit.MASK]
    assert person.tax_code not in AuditLog.get_by_id(kept.id).changes
    assert Person.get_by_id(person.id).tax_code.startswith("ANON")


def test_a_proposal_snapshot_keeps_the_score_and_loses_the_income(seeded):
    from models import Match, Offer

    still_open = Tenancy.select(Tenancy.household).where(Tenancy.ended_on.is_null()) | \
        Stay.select(Stay.household).where(Stay.exit_on.is_null())
    household = Household.select().where((Household.status == "exited") & Household.id.not_in(still_open)).first()
    offer = Offer.select().where(Offer.id.not_in(Match.select(Match.offer).where(Match.household == household))).first()
    snapshot = {"household": {"id": household.id, "monthly_income": "912.00", "ethos_category": "houseless_3",
                              "min_rooms": 2}, "score": {"total": 0.71}}
    match = Match.create(household=household, offer=offer, route="private", step="proposed", proposed_by="op",
                         snapshot=json.dumps(snapshot), decline_reason_text="Vuole restare vicino alla sorella")
    retention.run(apply=True, today=TODAY)
    match = Match.get_by_id(match.id)
    stored = json.loads(match.snapshot)
    assert stored["household"]["monthly_income"] is None and stored["household"]["ethos_category"] is None
    assert stored["household"]["min_rooms"] == 2 and stored["score"] == {"total": 0.71}
    assert match.decline_reason_text is None


def test_a_record_due_under_several_rules_is_changed_and_audited_once(seeded):
    # an old closed household's contact is due as a closed case, as an old contact and as a restricted note
    recent = ContactLog.create(household=Household.select().first(), contact_on=retention.months_before(TODAY, 30),
                               contact_type="phone_call", operator_name="x", note="n", sensitive_note="s")
    changes = retention.run(apply=False, today=TODAY)
    records = [(c.table, c.record_id) for c in changes if c.action == retention.ANONYMISE]
    assert len(records) == len(set(records))
    # a restricted note only the two-year rule reaches is still planned, under that rule
    assert [(c.kind, c.fields) for c in changes if c.record_id == str(recent.id) and c.table == "contact_log"] \
        == [("restricted_note", ("sensitive_note",))]
    last = AuditLog.select().order_by(AuditLog.id.desc()).first().id
    applied = retention.run(apply=True, today=TODAY)
    assert applied == changes
    # one audit row per anonymised record (the demo's old landlords' proposals are deleted, each with its own row)
    rows = AuditLog.select().where((AuditLog.id > last) & (AuditLog.record_id != "retention")
                                   & (AuditLog.action == "update"))
    assert rows.count() == len(records)
    deleted = [c for c in changes if c.action == retention.DELETE and not c.record_id.endswith("righe")]
    assert AuditLog.select().where((AuditLog.id > last) & (AuditLog.action == "delete")).count() == len(deleted)
    # every audit row of the run names a field it erased, none says "retention" alone
    assert all(set(json.loads(row.changes)) - {"retention", "version", "updated_at"} for row in rows)


def test_old_sent_emails_are_deleted_or_emptied_and_queued_ones_never(database):
    """The "email" rule (switched on by migration 0022): only sent or failed messages past the period."""
    import datetime as dt

    from models import AuditLog, OutboxMessage

    long_ago = dt.datetime.combine(TODAY, dt.time()) - dt.timedelta(days=800)
    rows = {state: OutboxMessage.create(message_key=f"k-{state}", recipient="anna@example.org", subject="Proposta",
                                        body_text="Gentile nucleo", state=state, created_at=long_ago)
            for state in ("sent", "failed", "queued")}
    recent = OutboxMessage.create(message_key="k-recent", recipient="anna@example.org", subject="Proposta",
                                  body_text="Gentile nucleo", state="sent")
    RetentionRule.update(action="anonymise").where(RetentionRule.kind == "email").execute()
    retention.run(apply=True, today=TODAY)
    emptied = {state: OutboxMessage.get_by_id(row.id) for state, row in rows.items()}
    assert emptied["sent"].recipient == emptied["failed"].recipient == "" and emptied["sent"].body_text == ""
    assert emptied["sent"].subject == "Proposta"  # what was sent, and when, stays
    assert emptied["queued"].recipient == "anna@example.org"
    assert OutboxMessage.get_by_id(recent.id).recipient == "anna@example.org"
    assert AuditLog.select().where(AuditLog.entity == "outbox_message").count() == 2
    RetentionRule.update(action="delete").where(RetentionRule.kind == "email").execute()
    retention.run(apply=True, today=TODAY)
    assert {m.message_key for m in OutboxMessage.select()} == {"k-queued", "k-recent"}
