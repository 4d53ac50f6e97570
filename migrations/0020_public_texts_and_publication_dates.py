"""English texts and publication dates for the public site (issue 16).

- ``partner.services_en``, ``agreement.title_en``, ``agreement.commitments_en``:
  optional English versions written by staff; the English site shows the Italian
  text, marked ``lang="it"`` with a note, when they are empty.
- ``offer.published_on``: the day the offer first appeared on the public site
  (the listing's "nuove dal ..." filter and the open data); stamped by the
  publisher (``housing.publishing.offer_dates``). Offers public at migration
  time take the day they were created, the best date known for them.

Appended after the later columns, as ``models.later_columns`` declares them.
"""
import datetime

from peewee import CharField, DateField, TextField

COLUMNS = (
    ("offer", "published_on", lambda: DateField(null=True)),
    ("partner", "services_en", lambda: TextField(null=True)),
    ("agreement", "title_en", lambda: CharField(max_length=200, null=True)),
    ("agreement", "commitments_en", lambda: TextField(null=True)),
)


def up(migrator, db):
    for table, column, field in COLUMNS:
        if column not in {c.name for c in db.get_columns(table)}:
            migrator.migrate(migrator.add_column(table, column, field()))
    db.execute_sql('CREATE INDEX IF NOT EXISTS "offer_published_on" ON "offer" ("published_on")')
    public = db.execute_sql("SELECT id, created_at FROM offer WHERE published_on IS NULL AND published = %s "
                            "AND status = 'published'".replace("%s", db.param), (True,)).fetchall()
    for offer_id, created_at in public:
        if isinstance(created_at, str):  # SQLite returns the stored text
            created_at = datetime.datetime.fromisoformat(created_at)
        day = (created_at or datetime.datetime.now()).date()
        db.execute_sql(f"UPDATE offer SET published_on = {db.param} WHERE id = {db.param}", (day, offer_id))


def down(migrator, db):
    db.execute_sql('DROP INDEX IF EXISTS "offer_published_on"')
    for table, column, _ in reversed(COLUMNS):
        migrator.migrate(migrator.drop_column(table, column))
