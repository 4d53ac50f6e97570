"""Schema migrations with peewee's own runner (``playhouse.migrations``).

Numbered files live in ``migrations/``; the runner records what it applied in
the ``schema_migration`` table. New migrations: ``pwmigrate <db> generate NAME
models`` then review the file by hand (the generator drops CHECK constraints).
"""
from playhouse.migrations import Runner

from housing import paths

MIGRATIONS_DIR = str(paths.migrations_folder())


def runner(database):
    return Runner(database, directory=MIGRATIONS_DIR)


def upgrade(database):
    """Apply every pending migration; return the names applied."""
    return runner(database).up()


def pending(database):
    return [m.name for m in runner(database).status() if not m.applied]
