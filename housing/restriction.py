"""Restricted households: hidden from everyone but their case worker and the administrators.

Nucleo riservato (``Household.restricted``), e.g. a domestic-violence case: its
records leave every list, details page and search of the back office for any
other member of staff, wherever they hang from the household (its members,
assessments, plans, stays, tenancies, matches, appointments...). The rule is one
SQL condition per model, built here by following the foreign keys that lead
to the household, so that a new registry is covered without a new ``if``.
Aggregates (the census, the indicators, the public statistics) still count the
household, behind their small-cell suppression.
"""
from peewee import ForeignKeyField

from models import Household, User


def sees_everything(user):
    return getattr(user, "role", None) == "admin"


def hidden_households(user):
    """The ids of the households ``user`` may not see, as a subquery (None: sees all)."""
    if sees_everything(user):
        return None
    mine = Household.case_worker == getattr(user, "id", None)
    return Household.select(Household.id).where(Household.restricted & (Household.case_worker.is_null() | ~mine))


def visible(model, user, depth=3):
    """A condition on ``model`` keeping only the rows ``user`` may see (None: no restriction applies)."""
    hidden = hidden_households(user)
    if hidden is None:
        return None
    return _condition(model, hidden, depth, seen=set())


def _condition(model, hidden, depth, seen):
    if model is Household:
        return Household.id.not_in(hidden)
    if depth == 0 or model in seen or model is User:
        return None
    seen = seen | {model}
    for field in model._meta.fields.values():
        if isinstance(field, ForeignKeyField) and field.rel_model is Household:
            return field.is_null() | field.not_in(hidden)
    for field in model._meta.fields.values():
        if isinstance(field, ForeignKeyField) and field.rel_model is not model:
            parent = _condition(field.rel_model, hidden, depth - 1, seen)
            if parent is not None:
                rel = field.rel_model
                return field.is_null() | field.in_(rel.select(rel._meta.primary_key).where(parent))
    return None


def may_see(record, user):
    """Whether ``user`` may see ``record`` (a row of any model)."""
    condition = visible(type(record), user)
    if condition is None or record is None:
        return True
    model = type(record)
    return model.select(model._meta.primary_key).where(
        (model._meta.primary_key == record.get_id()) & condition).exists()
