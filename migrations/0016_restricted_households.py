"""A restriction flag on households (issue 14).

- ``household.restricted``: the household's records are hidden from every
  list and search but for its case worker and the administrators
  (``housing.restriction``); indexed, since every list asks for the few
  restricted households.

Appended after the later columns, as ``models.later_columns`` declares it.
"""
from peewee import BooleanField


def up(migrator, db):
    if "restricted" not in {c.name for c in db.get_columns("household")}:
        migrator.migrate(migrator.add_column("household", "restricted", BooleanField(default=False)))
    db.execute_sql('CREATE INDEX IF NOT EXISTS "household_restricted" ON "household" ("restricted")')


def down(migrator, db):
    db.execute_sql('DROP INDEX IF EXISTS "household_restricted"')
    migrator.migrate(migrator.drop_column("household", "restricted"))
