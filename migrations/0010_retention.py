"""Retention rules for personal data (``retention_rule``), seeded with the defaults.

Periods count from the date ``housing.retention`` names for each kind; an
admin may change them (they are data, versioned and audited like any setting).
The defaults, and why a Housing First office can defend them:

- closed households (exited, no activity): anonymised after 60 months. The
  funders' controls (PON Inclusione, PNRR M5C2, FSE+) ask for the project files
  for five years; afterwards codes, dates and aggregate fields are enough for
  the indicators, names, contacts, incomes and notes are not.
- assessments: domain notes and correction reasons cleared after 60 months;
  scores, need index and support intensity stay (indicators).
- contact log: note text cleared after 36 months (date, type and duration stay).
- restricted notes (GDPR art. 9: health, addictions, legal matters): cleared
  after 24 months, the strictest minimisation.
- audit rows: deleted after 60 months, as long as the files they prove.
- failed login attempts: deleted after 6 months, as the Garante's rule on
  system administrators' access logs (27 November 2008).
- generated documents and e-mails: not applicable yet (no such records are
  kept); listed inactive so that the register shows them.

Frozen here: the defaults as they were when this was written.
"""
import datetime

from peewee import BooleanField, CharField, Check, DateTimeField, IntegerField, Model, TextField

DEFAULTS = (
    ("closed_household", 60, "anonymise", True, "Cinque anni dalla chiusura (controlli dei finanziatori)."),
    ("assessment", 60, "anonymise", True, "Restano punteggi, indice di bisogno e intensità."),
    ("contact_log", 36, "anonymise", True, "Restano data, tipo e durata del contatto."),
    ("restricted_note", 24, "anonymise", True, "Categorie particolari (art. 9 GDPR): due anni."),
    ("audit_log", 60, "delete", True, "Cinque anni, come i fascicoli."),
    ("login_attempt", 6, "delete", True, "Sei mesi (Garante, provvedimento del 27/11/2008)."),
    ("generated_document", 120, "delete", False, "Non applicabile: nessun documento generato è conservato."),
    ("email", 24, "delete", False, "Non applicabile: nessuna e-mail è conservata."),
)


def up(migrator, db):
    class RetentionRule(Model):
        created_at = DateTimeField()
        updated_at = DateTimeField()
        kind = CharField(max_length=32, unique=True)
        months = IntegerField(constraints=[Check("months >= 1")])
        action = CharField(max_length=12, constraints=[Check("action IN ('anonymise', 'delete')")])
        active = BooleanField(default=True)
        notes = TextField(null=True)
        version = IntegerField(default=1)

        class Meta:
            database = db
            legacy_table_names = False
            table_name = "retention_rule"

    db.create_tables([RetentionRule])
    now = datetime.datetime.now().replace(microsecond=0)
    have = {kind for (kind,) in db.execute_sql("SELECT kind FROM retention_rule").fetchall()}
    for kind, months, action, active, notes in DEFAULTS:
        if kind not in have:
            RetentionRule.insert(created_at=now, updated_at=now, kind=kind, months=months, action=action,
                                 active=active, notes=notes, version=1).execute()


def down(migrator, db):
    db.execute_sql("DROP TABLE IF EXISTS retention_rule")
