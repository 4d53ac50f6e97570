"""What the case workers must do soon: the dashboard's accompaniment alerts."""
import datetime

from housing.accompaniment import assessments, tenancies
from models import Assessment, Stay, SupportPlan, Tenancy


def due(today=None):
    """Counts of reassessments due, plan reviews due, stays past their planned
    exit and tenancy outcomes (6/12/24 months) reached but not recorded."""
    today = today or datetime.date.today()
    latest = assessments.latest_per_member(Assessment.reassess_on)
    recorded = tenancies.recorded_outcomes()
    outcomes = sum(1 for t in Tenancy.select(Tenancy.id, Tenancy.start_on) for months in tenancies.MILESTONES
                   if tenancies.add_months(t.start_on, months) <= today and (t.id, months) not in recorded)
    return {
        "reassessments": sum(1 for (day,) in latest.values() if day is not None and day <= today),
        "plan_reviews": SupportPlan.select().where((SupportPlan.status == "active") & (SupportPlan.review_on <= today)).count(),
        "overdue_stays": Stay.select().where(Stay.exit_on.is_null() & (Stay.planned_exit_on < today)).count(),
        "outcomes_to_record": outcomes,
    }
