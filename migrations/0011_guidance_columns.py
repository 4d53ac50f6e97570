"""Columns for the staff's daily work (issue 13).

- ``user.must_change_password`` and ``user.password_changed_at``: an
  administrator's reset forces a new password at the next login.
- ``offer.band_justification``: why a controlled rent outside the zone's band
  was accepted by an administrator (the change is audited).
- ``match.viewing_at``, ``viewing_place``, ``contract_on``, ``move_in_on``: the
  dates of the workflow steps that have one.

Appended after ``version``, as ``models.later_columns`` declares them.
"""
from peewee import BooleanField, CharField, DateField, DateTimeField, TextField

COLUMNS = (
    ("user", "must_change_password", lambda: BooleanField(default=False)),
    ("user", "password_changed_at", lambda: DateTimeField(null=True)),
    ("offer", "band_justification", lambda: TextField(null=True)),
    ("match", "viewing_at", lambda: DateTimeField(null=True)),
    ("match", "viewing_place", lambda: CharField(max_length=200, null=True)),
    ("match", "contract_on", lambda: DateField(null=True)),
    ("match", "move_in_on", lambda: DateField(null=True)),
)


def up(migrator, db):
    for table, column, field in COLUMNS:
        if column not in {c.name for c in db.get_columns(table)}:
            migrator.migrate(migrator.add_column(table, column, field()))


def down(migrator, db):
    for table, column, _ in reversed(COLUMNS):
        migrator.migrate(migrator.drop_column(table, column))
