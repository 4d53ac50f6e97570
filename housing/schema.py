"""Schema migrations with peewee's own runner (``playhouse.migrations``).

Numbered files live in ``migrations/``; the runner records what it applied in
the ``schema_migration`` table. New migrations: ``pwmigrate <db> generate NAME
models`` then review the file by hand (the generator drops CHECK constraints).
"""
import os

from playhouse.migrations import Runner

MIGRATIONS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "migrations")


def runner(database):
    return Runner(database, directory=MIGRATIONS_DIR)


def upgrade(database):
    """Apply every pending migration; return the names applied."""
    return runner(database).up()


def pending(database):
    return [m.name for m in runner(database).status() if not m.applied]
