# Accompaniment: assessment, plans, services, places, tenancies, incentives.
# Reviewed by hand: CHECK constraints restored. Generated from a schema diff on 2026-11-24 22:34.
from peewee import *
import datetime


def up(migrator, db):
    class Dwelling(Model):
        class Meta:
            database = db
            table_name = 'dwelling'

    class Household(Model):
        class Meta:
            database = db
            table_name = 'household'

    class Landlord(Model):
        class Meta:
            database = db
            table_name = 'landlord'

    class Match(Model):
        class Meta:
            database = db
            table_name = 'match'

    class Offer(Model):
        class Meta:
            database = db
            table_name = 'offer'

    class Partner(Model):
        class Meta:
            database = db
            table_name = 'partner'

    class Person(Model):
        class Meta:
            database = db
            table_name = 'person'

    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class Tenancy(Model):
        created_at = DateTimeField()
        updated_at = DateTimeField()
        household = ForeignKeyField(Household, on_delete='RESTRICT')
        dwelling = ForeignKeyField(Dwelling, on_delete='RESTRICT')
        offer = ForeignKeyField(Offer, null=True, on_delete='SET NULL')
        match = ForeignKeyField(Match, unique=True, null=True, on_delete='SET NULL')
        contract_type = CharField(max_length=16)
        monthly_rent = DecimalField(max_digits=12, decimal_places=2, constraints=[Check('monthly_rent >= 0')])
        programme_contribution = DecimalField(max_digits=12, decimal_places=2, default=0, constraints=[Check('programme_contribution >= 0')])
        start_on = DateField(index=True)
        end_on = DateField(null=True)
        guarantee = CharField(null=True, max_length=200)
        ended_on = DateField(null=True)
        end_reason = CharField(null=True, max_length=12)
        class Meta:
            database = db
            legacy_table_names = False
            constraints = [Check('end_on IS NULL OR end_on >= start_on'), Check('ended_on IS NULL OR ended_on >= start_on')]
            table_name = 'tenancy'
    db.create_tables([Tenancy])

    class ArrearsEpisode(Model):
        tenancy = ForeignKeyField(Tenancy, on_delete='CASCADE')
        since = DateField()
        amount = DecimalField(max_digits=12, decimal_places=2, constraints=[Check('amount >= 0')])
        resolved_on = DateField(null=True)
        note = TextField(null=True)
        class Meta:
            database = db
            legacy_table_names = False
            table_name = 'arrears_episode'
    db.create_tables([ArrearsEpisode])

    class InstrumentVersion(Model):
        instrument = CharField(max_length=32)
        version = IntegerField(constraints=[Check('version >= 1')])
        digest = CharField(max_length=64)
        definition = TextField()
        created_at = DateTimeField()
        class Meta:
            database = db
            legacy_table_names = False
            table_name = 'instrument_version'
            indexes = ((('instrument', 'version'), True), (('instrument', 'digest'), True))
    db.create_tables([InstrumentVersion])

    class Assessment(Model):
        created_at = DateTimeField()
        updated_at = DateTimeField()
        person = ForeignKeyField(Person, on_delete='CASCADE')
        household = ForeignKeyField(Household, on_delete='CASCADE')
        instrument = ForeignKeyField(InstrumentVersion, on_delete='RESTRICT')
        assessed_on = DateField(index=True)
        assessor = ForeignKeyField(User, null=True, on_delete='SET NULL')
        assessor_name = CharField(max_length=120)
        consent = BooleanField(default=False)
        need_index = FloatField(constraints=[Check('need_index >= 0 AND need_index <= 1')])
        support_intensity = CharField(index=True, max_length=8)
        reassess_on = DateField(null=True)
        corrects = ForeignKeyField('self', null=True, on_delete='SET NULL')
        correction_reason = TextField(null=True)
        class Meta:
            database = db
            legacy_table_names = False
            table_name = 'assessment'
    db.create_tables([Assessment])

    class AssessmentScore(Model):
        assessment = ForeignKeyField(Assessment, on_delete='CASCADE')
        domain = CharField(max_length=32)
        score = IntegerField(constraints=[Check('score BETWEEN 1 AND 5')])
        note = TextField(null=True)
        sensitive = BooleanField(default=False)
        class Meta:
            database = db
            legacy_table_names = False
            table_name = 'assessment_score'
            indexes = ((('assessment', 'domain'), True),)
    db.create_tables([AssessmentScore])

    class ContactLog(Model):
        household = ForeignKeyField(Household, on_delete='CASCADE')
        contact_on = DateField(index=True)
        contact_type = CharField(max_length=16)
        duration_minutes = IntegerField(default=30, constraints=[Check('duration_minutes BETWEEN 0 AND 1440')])
        operator = ForeignKeyField(User, null=True, on_delete='SET NULL')
        operator_name = CharField(max_length=120)
        note = TextField(null=True)
        sensitive_note = TextField(null=True)
        class Meta:
            database = db
            legacy_table_names = False
            table_name = 'contact_log'
    db.create_tables([ContactLog])

    class FidelityReview(Model):
        instrument = ForeignKeyField(InstrumentVersion, on_delete='RESTRICT')
        reviewed_on = DateField(index=True)
        reviewer = ForeignKeyField(User, null=True, on_delete='SET NULL')
        answers = TextField()
        score = FloatField()
        notes = TextField(null=True)
        class Meta:
            database = db
            legacy_table_names = False
            table_name = 'fidelity_review'
    db.create_tables([FidelityReview])

    class FollowUpVisit(Model):
        tenancy = ForeignKeyField(Tenancy, on_delete='CASCADE')
        visited_on = DateField()
        operator = ForeignKeyField(User, null=True, on_delete='SET NULL')
        note = TextField(null=True)
        class Meta:
            database = db
            legacy_table_names = False
            table_name = 'follow_up_visit'
    db.create_tables([FollowUpVisit])

    class Incentive(Model):
        created_at = DateTimeField()
        updated_at = DateTimeField()
        landlord = ForeignKeyField(Landlord, on_delete='RESTRICT')
        dwelling = ForeignKeyField(Dwelling, null=True, on_delete='RESTRICT')
        tenancy = ForeignKeyField(Tenancy, null=True, on_delete='RESTRICT')
        kind = CharField(index=True, max_length=16)
        amount = DecimalField(max_digits=12, decimal_places=2, constraints=[Check('amount >= 0')])
        months_covered = IntegerField(null=True, constraints=[Check('months_covered IS NULL OR months_covered BETWEEN 1 AND 36')])
        status = CharField(index=True, max_length=12, default='requested')
        budget_line = CharField(index=True, max_length=60)
        requested_on = DateField()
        decided_on = DateField(null=True)
        paid_on = DateField(null=True)
        notes = TextField(null=True)
        class Meta:
            database = db
            legacy_table_names = False
            table_name = 'incentive'
    db.create_tables([Incentive])

    class GuaranteeClaim(Model):
        created_at = DateTimeField()
        updated_at = DateTimeField()
        incentive = ForeignKeyField(Incentive, on_delete='RESTRICT')
        arrears = ForeignKeyField(ArrearsEpisode, null=True, on_delete='SET NULL')
        claimed_on = DateField()
        amount_claimed = DecimalField(max_digits=12, decimal_places=2, constraints=[Check('amount_claimed >= 0')])
        amount_paid = DecimalField(max_digits=12, decimal_places=2, default=0, constraints=[Check('amount_paid >= 0')])
        status = CharField(max_length=12, default='submitted')
        notes = TextField(null=True)
        class Meta:
            database = db
            legacy_table_names = False
            table_name = 'guarantee_claim'
    db.create_tables([GuaranteeClaim])

    class Place(Model):
        created_at = DateTimeField()
        updated_at = DateTimeField()
        name = CharField(unique=True, max_length=120)
        kind = CharField(index=True, max_length=12)
        capacity = IntegerField(default=1, constraints=[Check('capacity >= 1')])
        dwelling = ForeignKeyField(Dwelling, null=True, on_delete='RESTRICT')
        facility = CharField(null=True, max_length=200)
        partner = ForeignKeyField(Partner, null=True, on_delete='RESTRICT')
        active = BooleanField(default=True)
        class Meta:
            database = db
            legacy_table_names = False
            table_name = 'place'
    db.create_tables([Place])

    class SupportPlan(Model):
        created_at = DateTimeField()
        updated_at = DateTimeField()
        household = ForeignKeyField(Household, on_delete='RESTRICT')
        started_on = DateField()
        review_on = DateField(null=True)
        status = CharField(index=True, max_length=12, default='draft')
        consent_signed = BooleanField(default=False)
        consent_on = DateField(null=True)
        closed_on = DateField(null=True)
        notes = TextField(null=True)
        class Meta:
            database = db
            legacy_table_names = False
            table_name = 'support_plan'
    db.create_tables([SupportPlan])

    class PlanGoal(Model):
        plan = ForeignKeyField(SupportPlan, on_delete='CASCADE')
        domain = CharField(max_length=32)
        description = CharField(max_length=300)
        target_on = DateField(null=True)
        status = CharField(max_length=12, default='open')
        class Meta:
            database = db
            legacy_table_names = False
            table_name = 'plan_goal'
    db.create_tables([PlanGoal])

    class PlanAction(Model):
        goal = ForeignKeyField(PlanGoal, on_delete='CASCADE')
        description = CharField(max_length=300)
        responsible_user = ForeignKeyField(User, null=True, on_delete='SET NULL')
        responsible_partner = ForeignKeyField(Partner, null=True, on_delete='RESTRICT')
        target_on = DateField(null=True)
        status = CharField(max_length=12, default='planned')
        class Meta:
            database = db
            legacy_table_names = False
            table_name = 'plan_action'
    db.create_tables([PlanAction])

    class Referral(Model):
        created_at = DateTimeField()
        updated_at = DateTimeField()
        household = ForeignKeyField(Household, on_delete='RESTRICT')
        person = ForeignKeyField(Person, null=True, on_delete='SET NULL')
        service = CharField(index=True, max_length=24)
        partner = ForeignKeyField(Partner, on_delete='RESTRICT')
        sent_on = DateField()
        status = CharField(index=True, max_length=12, default='sent')
        status_on = DateField(null=True)
        outcome = CharField(null=True, max_length=24)
        outcome_note = TextField(null=True)
        mediation_language = CharField(null=True, max_length=60)
        mediator = CharField(null=True, max_length=120)
        sessions = IntegerField(null=True, constraints=[Check('sessions IS NULL OR sessions >= 0')])
        class Meta:
            database = db
            legacy_table_names = False
            table_name = 'referral'
    db.create_tables([Referral])

    class Stay(Model):
        created_at = DateTimeField()
        updated_at = DateTimeField()
        household = ForeignKeyField(Household, on_delete='RESTRICT')
        place = ForeignKeyField(Place, on_delete='RESTRICT')
        entry_on = DateField(index=True)
        planned_exit_on = DateField(null=True)
        exit_on = DateField(index=True, null=True)
        exit_destination = CharField(null=True, max_length=16)
        notes = TextField(null=True)
        class Meta:
            database = db
            legacy_table_names = False
            constraints = [Check('exit_on IS NULL OR exit_on >= entry_on'), Check('planned_exit_on IS NULL OR planned_exit_on >= entry_on')]
            table_name = 'stay'
    db.create_tables([Stay])

    class TenancyOutcome(Model):
        tenancy = ForeignKeyField(Tenancy, on_delete='CASCADE')
        milestone_months = IntegerField(constraints=[Check('milestone_months IN (6, 12, 24)')])
        outcome = CharField(max_length=16)
        recorded_on = DateField(default=datetime.date.today)
        class Meta:
            database = db
            legacy_table_names = False
            table_name = 'tenancy_outcome'
            indexes = ((('tenancy', 'milestone_months'), True),)
    db.create_tables([TenancyOutcome])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('tenancy_outcome'))
    migrator.migrate(migrator.drop_table('stay'))
    migrator.migrate(migrator.drop_table('referral'))
    migrator.migrate(migrator.drop_table('plan_action'))
    migrator.migrate(migrator.drop_table('plan_goal'))
    migrator.migrate(migrator.drop_table('support_plan'))
    migrator.migrate(migrator.drop_table('place'))
    migrator.migrate(migrator.drop_table('guarantee_claim'))
    migrator.migrate(migrator.drop_table('incentive'))
    migrator.migrate(migrator.drop_table('follow_up_visit'))
    migrator.migrate(migrator.drop_table('fidelity_review'))
    migrator.migrate(migrator.drop_table('contact_log'))
    migrator.migrate(migrator.drop_table('assessment_score'))
    migrator.migrate(migrator.drop_table('assessment'))
    migrator.migrate(migrator.drop_table('instrument_version'))
    migrator.migrate(migrator.drop_table('arrears_episode'))
    migrator.migrate(migrator.drop_table('tenancy'))
