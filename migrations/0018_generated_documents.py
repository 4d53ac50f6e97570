"""The office's generated documents (issue 15, ``housing.documents``).

- ``generated_document``: one row per generation: the kind of document, the
  record it belongs to (table and id; none for the funder's report), when and
  by whom, the data the template used (JSON) and the files (PDF; DOCX for the
  texts staff edit afterwards). The retention rule ``generated_document``
  (seeded by migration 0010) deletes or empties them.

Frozen here: the table as it was when this was written.
"""
from peewee import AutoField, BlobField, CharField, DateTimeField, ForeignKeyField, IntegerField, Model, TextField


def frozen_models(db):
    class User(Model):
        id = AutoField()

        class Meta:
            database = db
            table_name = "user"

    class GeneratedDocument(Model):
        kind = CharField(max_length=32, index=True)
        record_table = CharField(max_length=64)
        record_id = IntegerField(null=True)
        created_at = DateTimeField(index=True)
        author = ForeignKeyField(User, null=True, on_delete="SET NULL")
        author_name = CharField(max_length=64)
        data = TextField(null=True)
        pdf = BlobField(null=True)
        docx = BlobField(null=True)

        class Meta:
            database = db
            legacy_table_names = False
            table_name = "generated_document"
            indexes = ((("record_table", "record_id"), False),)

    return (GeneratedDocument,)


# The retention rule's rationale, seeded by 0010 when no document was kept, now that they are.
OLD_NOTES = "Non applicabile: il gestionale non conserva ancora documenti generati."
NOTES = ("Lettere, calcoli, determinazioni e progetti generati dal gestionale: dieci anni, come gli atti "
         "del procedimento; l'anonimizzazione conserva tipo, data e autore e cancella dati e file.")


def up(migrator, db):
    db.create_tables(frozen_models(db))
    db.execute_sql("UPDATE retention_rule SET notes = %s WHERE kind = 'generated_document' AND notes = %s"
                   .replace("%s", db.param), (NOTES, OLD_NOTES))


def down(migrator, db):
    db.execute_sql("DROP TABLE IF EXISTS generated_document")
