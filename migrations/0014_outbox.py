"""The outbox of outgoing e-mail and the staff's digest preferences (issue 15).

- ``outbox_message``: one row per e-mail, sent by the job runner over SMTP
  (``housing.mail.outbox``); ``message_key`` is unique so that queueing twice
  queues once.
- ``digest_preference``: a staff member's daily digest on/off and its hour
  (no row: the defaults of ``models.DigestPreference``).

Frozen here: the tables as they were when this was written.
"""
from peewee import (
    AutoField,
    BooleanField,
    CharField,
    Check,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)


def frozen_models(db):
    class User(Model):
        id = AutoField()

        class Meta:
            database = db
            table_name = "user"

    class OutboxMessage(Model):
        message_key = CharField(max_length=200, unique=True)
        recipient = CharField(max_length=254)
        subject = CharField(max_length=300)
        body_text = TextField()
        body_html = TextField(null=True)
        related_table = CharField(max_length=64, null=True)
        related_id = IntegerField(null=True)
        state = CharField(max_length=8, default="queued", index=True,
                          constraints=[Check("state IN ('queued', 'sent', 'failed')")])
        attempts = IntegerField(default=0, constraints=[Check("attempts >= 0")])
        last_error = TextField(null=True)
        next_attempt_at = DateTimeField(index=True)
        sent_at = DateTimeField(null=True)
        created_at = DateTimeField(index=True)

        class Meta:
            database = db
            legacy_table_names = False
            table_name = "outbox_message"
            indexes = ((("related_table", "related_id"), False),)

    class DigestPreference(Model):
        user = ForeignKeyField(User, unique=True, on_delete="CASCADE")
        daily_digest = BooleanField(default=True)
        hour = IntegerField(default=7, constraints=[Check("hour >= 0 AND hour <= 23")])

        class Meta:
            database = db
            legacy_table_names = False
            table_name = "digest_preference"

    return OutboxMessage, DigestPreference


def up(migrator, db):
    db.create_tables(frozen_models(db))


def down(migrator, db):
    db.execute_sql("DROP TABLE IF EXISTS digest_preference")
    db.execute_sql("DROP TABLE IF EXISTS outbox_message")
