"""Appointments and the staff's calendar feeds (issue 15).

- ``appointment``: a viewing, home visit, assessment meeting or case
  conference, with its date, time, place, staff member and whom it concerns.
- ``calendar_feed``: the hash of a staff member's secret iCalendar address.

Frozen here: the tables as they were when this was written.
"""
from peewee import AutoField, CharField, Check, DateTimeField, ForeignKeyField, IntegerField, Model, TextField


def frozen_models(db):
    def table(name):
        class Stub(Model):
            id = AutoField()

            class Meta:
                database = db
                table_name = name

        return Stub

    User, Household, Landlord, Partner, Match = map(table, ("user", "household", "landlord", "partner", "match"))

    class Appointment(Model):
        created_at = DateTimeField()
        updated_at = DateTimeField()
        kind = CharField(max_length=20)
        starts_at = DateTimeField(index=True)
        ends_at = DateTimeField(null=True)
        place = CharField(max_length=200)
        status = CharField(max_length=10, default="planned")
        staff = ForeignKeyField(User, on_delete="RESTRICT")
        household = ForeignKeyField(Household, null=True, on_delete="CASCADE")
        landlord = ForeignKeyField(Landlord, null=True, on_delete="CASCADE")
        partner = ForeignKeyField(Partner, null=True, on_delete="SET NULL")
        match = ForeignKeyField(Match, null=True, on_delete="SET NULL")
        notes = TextField(null=True)
        version = IntegerField(default=1)

        class Meta:
            database = db
            legacy_table_names = False
            table_name = "appointment"
            constraints = [Check("ends_at IS NULL OR ends_at >= starts_at")]

    class CalendarFeed(Model):
        user = ForeignKeyField(User, unique=True, on_delete="CASCADE")
        token_hash = CharField(max_length=64, unique=True)
        created_at = DateTimeField()

        class Meta:
            database = db
            legacy_table_names = False
            table_name = "calendar_feed"

    return Appointment, CalendarFeed


def up(migrator, db):
    db.create_tables(frozen_models(db))


def down(migrator, db):
    db.execute_sql("DROP TABLE IF EXISTS calendar_feed")
    db.execute_sql("DROP TABLE IF EXISTS appointment")
