"""Fund commitments of tenancies and the households' own choices (issue 11).

- ``fund_charge``: the contribution fund a tenancy's monthly top-up is charged
  to and that amount, as the match used it
  (``housing.accompaniment.tenancies.open_from_match``); the indicators sum them
  per fund and month against the fund's budget. A table of its own (one row per
  charged tenancy) rather than columns on ``tenancy``: SQLite cannot add a
  foreign-key column with the same table text as a fresh database.
- ``household_preference``: the districts or offers a household ranks (1 = first
  choice), read by the batch's second stage (``housing.matching.aims``).

Frozen here: the tables as they were when this was written.
"""
from peewee import AutoField, Check, DecimalField, ForeignKeyField, IntegerField, Model


def frozen_models(db):
    def table(name):
        class Stub(Model):
            id = AutoField()

            class Meta:
                database = db
                table_name = name

        return Stub

    Household, District, Offer, Tenancy, Fund = map(table, ("household", "district", "offer", "tenancy",
                                                           "contribution_fund"))

    class HouseholdPreference(Model):
        household = ForeignKeyField(Household, backref="preferences", on_delete="CASCADE")
        preference_rank = IntegerField(constraints=[Check("preference_rank >= 1 AND preference_rank <= 9")])
        district = ForeignKeyField(District, null=True, backref="ranked_by", on_delete="CASCADE")
        offer = ForeignKeyField(Offer, null=True, backref="ranked_by", on_delete="CASCADE")

        class Meta:
            database = db
            legacy_table_names = False
            table_name = "household_preference"
            indexes = ((("household", "preference_rank"), False),)
            constraints = [Check("(district_id IS NULL) <> (offer_id IS NULL)")]

    class FundCharge(Model):
        tenancy = ForeignKeyField(Tenancy, backref="fund_charges", unique=True, on_delete="CASCADE")
        fund = ForeignKeyField(Fund, backref="charges", on_delete="RESTRICT")
        monthly_contribution = DecimalField(max_digits=12, decimal_places=2, auto_round=True,
                                            constraints=[Check("monthly_contribution >= 0")])

        class Meta:
            database = db
            legacy_table_names = False
            table_name = "fund_charge"

    return HouseholdPreference, FundCharge


def up(migrator, db):
    db.create_tables(frozen_models(db))


def down(migrator, db):
    db.execute_sql("DROP TABLE IF EXISTS fund_charge")
    db.execute_sql("DROP TABLE IF EXISTS household_preference")
