"""Landlords' proposals from the public site (issue 16).

- ``landlord_proposal``: a home offered through the form "Offri il tuo alloggio",
  queued for review; staff turn it into a landlord and a dwelling.
- ``proposal_attempt``: one submission of the form by a keyed hash of the client
  address, for the per-address rate limit (kept for the limit's window only).
- the retention rule of the proposals (``housing.retention``, kind
  "landlord_proposal"): deleted 12 months after they were sent.

Frozen here: the tables as they were when this was written.
"""
import datetime

from peewee import (AutoField, BooleanField, CharField, Check, DateField, DateTimeField, DecimalField,
                    ForeignKeyField, IntegerField, Model, TextField)

RULE = ("landlord_proposal", 12, "delete", True,
        "Una proposta non seguita non serve oltre un anno; quelle registrate vivono nel locatore e nell'alloggio.")


def frozen_models(db):
    def table(name):
        class Stub(Model):
            id = AutoField()

            class Meta:
                database = db
                table_name = name

        return Stub

    District, Landlord, Dwelling = map(table, ("district", "landlord", "dwelling"))

    class LandlordProposal(Model):
        created_at = DateTimeField(index=True)
        status = CharField(max_length=16, default="new", index=True,
                           constraints=[Check("status IN ('new', 'contacted', 'converted', 'rejected')")])
        language = CharField(max_length=2, default="it")
        name = CharField(max_length=200)
        email = CharField(max_length=254, null=True)
        phone = CharField(max_length=32, null=True)
        district = ForeignKeyField(District, null=True, on_delete="SET NULL")
        address = CharField(max_length=200, null=True)
        postcode = CharField(max_length=5, null=True)
        area_m2 = IntegerField(constraints=[Check("area_m2 > 0")])
        rooms = IntegerField(constraints=[Check("rooms > 0")])
        floor = IntegerField(null=True)
        has_lift = BooleanField(default=False)
        step_free = BooleanField(default=False)
        furnished = BooleanField(default=False)
        monthly_rent = DecimalField(max_digits=12, decimal_places=2, auto_round=True,
                                    constraints=[Check("monthly_rent >= 0")])
        available_from = DateField(null=True)
        notes = TextField(null=True)
        consent = BooleanField(default=False)
        contacted_on = DateField(null=True)
        landlord = ForeignKeyField(Landlord, null=True, on_delete="SET NULL")
        dwelling = ForeignKeyField(Dwelling, null=True, on_delete="SET NULL")

        class Meta:
            database = db
            legacy_table_names = False
            table_name = "landlord_proposal"

    class ProposalAttempt(Model):
        at = DateTimeField(index=True)
        client_key = CharField(max_length=64, index=True)

        class Meta:
            database = db
            legacy_table_names = False
            table_name = "proposal_attempt"

    return LandlordProposal, ProposalAttempt


def up(migrator, db):
    db.create_tables(frozen_models(db))
    kind, months, action, active, notes = RULE
    if not db.execute_sql("SELECT 1 FROM retention_rule WHERE kind = %s" % db.param, (kind,)).fetchall():
        now = datetime.datetime.now().replace(microsecond=0)
        db.execute_sql("INSERT INTO retention_rule (created_at, updated_at, kind, months, action, active, notes, "
                       "version) VALUES (%s)" % ", ".join([db.param] * 8),
                       (now, now, kind, months, action, active, notes, 1))


def down(migrator, db):
    db.execute_sql("DELETE FROM retention_rule WHERE kind = 'landlord_proposal'")
    db.execute_sql("DROP TABLE IF EXISTS proposal_attempt")
    db.execute_sql("DROP TABLE IF EXISTS landlord_proposal")
