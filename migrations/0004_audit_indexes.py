"""Indexes for the audit log filters (by record, by actor, newest first)."""


def up(migrator, db):
    migrator.migrate(
        migrator.add_index("audit_log", ("record_id", "at"), False),
        migrator.add_index("audit_log", ("actor", "at"), False),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.drop_index("audit_log", "audit_log_record_id_at"),
        migrator.drop_index("audit_log", "audit_log_actor_at"),
    )
