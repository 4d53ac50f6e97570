"""Notices to households and landlords, with consent; their templates as data (issue 15).

- ``household.notice_consent`` / ``notice_consent_on``, ``landlord.notice_consent`` /
  ``notice_consent_on``: the consent to e-mail notices and its date (personal data,
  audited), appended after the later columns as ``models.later_columns`` declares;
- ``outbox_message.attachment_name`` / ``attachment_type`` / ``attachment``: one
  attachment kept with a message (a viewing invitation's ``.ics``);
- ``digest_preference.immediate_notices``: an e-mail at once when a step stalls;
- ``notice_template``: the notices' subject and text per kind and language, seeded
  with the defaults in Italian and English (``housing.mail.notice_texts``).

Frozen here: the new table as it was when this was written.
"""
import datetime

from peewee import BooleanField, CharField, DateField, DateTimeField, IntegerField, Model, TextField

from housing.mail.notice_texts import DEFAULTS


def frozen_models(db):
    class NoticeTemplate(Model):
        created_at = DateTimeField()
        updated_at = DateTimeField()
        kind = CharField(max_length=32)
        language = CharField(max_length=3)
        subject = CharField(max_length=300)
        body = TextField()
        active = BooleanField(default=True)
        version = IntegerField(default=1)

        class Meta:
            database = db
            legacy_table_names = False
            table_name = "notice_template"
            indexes = ((("kind", "language"), True),)

    return NoticeTemplate


NEW_COLUMNS = (
    ("household", "notice_consent", BooleanField(default=False)),
    ("household", "notice_consent_on", DateField(null=True)),
    ("landlord", "notice_consent", BooleanField(default=False)),
    ("landlord", "notice_consent_on", DateField(null=True)),
    ("outbox_message", "attachment_name", CharField(max_length=100, null=True)),
    ("outbox_message", "attachment_type", CharField(max_length=100, null=True)),
    ("outbox_message", "attachment", TextField(null=True)),
    ("digest_preference", "immediate_notices", BooleanField(default=False)),
)


def up(migrator, db):
    for table, name, field in NEW_COLUMNS:
        if name not in {c.name for c in db.get_columns(table)}:
            migrator.migrate(migrator.add_column(table, name, field))
    NoticeTemplate = frozen_models(db)
    db.create_tables([NoticeTemplate])
    now = datetime.datetime.now().replace(microsecond=0)
    have = set(NoticeTemplate.select(NoticeTemplate.kind, NoticeTemplate.language).tuples())
    for (kind, language), (subject, body) in DEFAULTS.items():
        if (kind, language) not in have:
            NoticeTemplate.create(kind=kind, language=language, subject=subject, body=body,
                                  created_at=now, updated_at=now)


def down(migrator, db):
    db.execute_sql("DROP TABLE IF EXISTS notice_template")
    for table, name, _ in reversed(NEW_COLUMNS):
        migrator.migrate(migrator.drop_column(table, name))
