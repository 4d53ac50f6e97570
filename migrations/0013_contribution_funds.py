"""Contribution funds (``contribution_fund``, issue 11): the programme's funds
that top up rents, each with a monthly budget, validity dates, the contract
types and households (ETHOS groups) it may serve, a per-household monthly cap
and an optional ISEE ceiling. The matching's rent rule uses them
(``housing.matching.funds``). A new table, empty: staff (or the demo data) fill it.

Frozen here: the table as it was when this was written.
"""
from peewee import Check, CharField, DateField, DateTimeField, DecimalField, IntegerField, Model, TextField


def _money(**kwargs):
    return DecimalField(max_digits=12, decimal_places=2, auto_round=True, **kwargs)


def up(migrator, db):
    class ContributionFund(Model):
        created_at = DateTimeField()
        updated_at = DateTimeField()
        name = CharField(max_length=120, unique=True)
        monthly_budget = _money(constraints=[Check("monthly_budget >= 0")])
        household_cap = _money(constraints=[Check("household_cap >= 0")])
        valid_from = DateField()
        valid_until = DateField(null=True)
        contract_types = TextField(null=True)
        ethos_groups = TextField(null=True)
        isee_ceiling = _money(null=True, constraints=[Check("isee_ceiling IS NULL OR isee_ceiling >= 0")])
        notes = TextField(null=True)
        version = IntegerField(default=1)

        class Meta:
            database = db
            legacy_table_names = False
            table_name = "contribution_fund"
            constraints = [Check("valid_until IS NULL OR valid_until >= valid_from")]

    db.create_tables([ContributionFund])


def down(migrator, db):
    db.execute_sql("DROP TABLE IF EXISTS contribution_fund")
