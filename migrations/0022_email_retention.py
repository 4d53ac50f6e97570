"""The retention rule of the e-mails now applies (issue 15 stores notices to households and landlords).

Migration 0010 seeded the ``email`` rule inactive, "not applicable": nothing was
kept then. The outbox now holds the addresses of households and landlords, so
the rule gets its rationale and is switched on (24 months, deletion) where an
administrator has not changed it since; a rule someone edited is left alone.
"""

OLD_NOTES = "Non applicabile: nessuna e-mail è conservata."
NOTES = ("Avvisi a nuclei e locatori, riepiloghi al personale: due anni bastano a ricostruire cosa è stato "
         "comunicato; i messaggi ancora in coda non sono mai toccati.")


def up(migrator, db):
    db.execute_sql("UPDATE retention_rule SET notes = %s, active = %s WHERE kind = 'email' AND notes = %s"
                   .replace("%s", db.param), (NOTES, True, OLD_NOTES))


def down(migrator, db):
    db.execute_sql("UPDATE retention_rule SET notes = %s, active = %s WHERE kind = 'email' AND notes = %s"
                   .replace("%s", db.param), (OLD_NOTES, False, NOTES))
