"""The tie-break key in double precision (PostgreSQL stored it as a 4-byte REAL,
where some of 50,000 random keys collide and ties would fall back to the id).

SQLite already stores REAL as 8 bytes: nothing to do there. On PostgreSQL the
existing keys are widened and multiplied by 1 + u x 5e-8 (u uniform in [0, 1)):
below half the relative spacing of 4-byte floats, so two keys that differed
keep their order and two that collided are told apart.
"""


def up(migrator, db):
    if db.__class__.__name__.startswith("Postgres"):
        db.execute_sql("ALTER TABLE household ALTER COLUMN tie_break_key TYPE DOUBLE PRECISION")
        db.execute_sql("UPDATE household SET tie_break_key = tie_break_key * (1 + random() * 5e-8)")


def down(migrator, db):
    if db.__class__.__name__.startswith("Postgres"):
        db.execute_sql("ALTER TABLE household ALTER COLUMN tie_break_key TYPE REAL")
