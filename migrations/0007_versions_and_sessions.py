"""Optimistic locking and server-side logout.

Every table staff edit in forms gets ``version`` (grows at every save; a form
saved over a newer version is refused), and ``user`` gets ``session_version``
(bumped at logout and password change, so an old session cookie stops working).
``job_run`` gets the runner that took a run and its heartbeat, so that a run
whose runner died is recognised and marked failed.
The columns are appended, as ``models.py`` declares them last.
"""
from peewee import CharField, DateTimeField, IntegerField

# Frozen here: the tables whose models were ``versioned`` when this was written.
VERSIONED_TABLES = (
    'user', 'partner', 'agreement', 'agreement_partner', 'landlord', 'territorial_agreement',
    'agreement_zone', 'rent_band', 'contract_duration', 'dwelling', 'offer', 'household', 'person',
    'erp_assignment', 'step_setting', 'decline_reason_setting', 'rule_setting', 'match',
    'assessment', 'support_plan', 'plan_goal', 'plan_action', 'referral', 'contact_log', 'place',
    'stay', 'tenancy', 'follow_up_visit', 'arrears_episode', 'tenancy_outcome', 'incentive',
    'guarantee_claim',
)


def up(migrator, db):
    migrator.migrate(migrator.add_column("user", "session_version", IntegerField(default=0)))
    for table in VERSIONED_TABLES:
        migrator.migrate(migrator.add_column(table, "version", IntegerField(default=1)))
    migrator.migrate(migrator.add_column("job_run", "runner", CharField(max_length=255, null=True)))
    migrator.migrate(migrator.add_column("job_run", "heartbeat_at", DateTimeField(null=True)))


def down(migrator, db):
    migrator.migrate(migrator.drop_column("job_run", "heartbeat_at"))
    migrator.migrate(migrator.drop_column("job_run", "runner"))
    for table in reversed(VERSIONED_TABLES):
        migrator.migrate(migrator.drop_column(table, "version"))
    migrator.migrate(migrator.drop_column("user", "session_version"))
