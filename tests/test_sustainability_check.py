"""The sustainability check on records runs the calculator's formula: the
shared vectors of tests/vectors/calculators.json (also run by the public
calculator in the browser) give the same answers through the database, and
the matching's rent rule agrees with it."""
import datetime
import json
import pathlib
from decimal import Decimal

import pytest

import models as m
from housing.accompaniment import sustainability
from samples import make_dwelling, make_household, make_landlord

VECTORS = json.loads((pathlib.Path(__file__).parent / "vectors" / "calculators.json").read_text())


@pytest.mark.parametrize("vector", VECTORS["sustainability"], ids=lambda v: v["name"])
def test_shared_vectors_through_the_records(database, vector):
    given, expected = vector["input"], vector["expected"]
    household = make_household(monthly_net_income=Decimal(str(given["monthly_income"])))
    offer = m.Offer.create(dwelling=make_dwelling(), contract_type="concordato_3_2",
                           monthly_rent=Decimal(str(given["monthly_rent"])),
                           service_charges=Decimal(str(given["service_charges"])))
    share = Decimal(str(VECTORS["figures"]["sustainability"]["threshold"]["value"]))
    result = sustainability.check(offer, household, share)["sustainability"]
    for key, value in expected.items():
        got = result[key]
        assert (float(got) if got is not None and not isinstance(got, bool) else got) == value, key


@pytest.mark.parametrize("vector", [v for v in VECTORS["concordato_range"] if "features" in v["input"]][:4],
                         ids=lambda v: v["name"])
def test_the_dwellings_band_comes_from_its_zone(database, vector):
    zone_data = next(z for z in VECTORS["zones"] if z["code"] == vector["input"]["zone"])
    zone = m.AgreementZone.create(territorial_agreement=m.TerritorialAgreement.create(name="T", city="Catania"),
                                  code=zone_data["code"], name=zone_data["name"])
    for band in zone_data["bands"]:
        m.RentBand.create(zone=zone, **band)
    features = vector["input"]["features"]
    # the registry records up to four features: lift, good condition, furnished, a second bathroom
    if features > 4:
        pytest.skip("more features than the registry records")
    flags = [True] * features + [False] * (4 - features)
    dwelling = make_dwelling(zone=zone, area_m2=vector["input"]["area_m2"], has_lift=flags[0],
                             condition="good" if flags[1] else "fair", furnished=flags[2], bathrooms=2 if flags[3] else 1)
    assert sustainability.dwelling_features(dwelling) == features
    band = sustainability.concordato_band(dwelling)
    assert band["band"] == vector["expected"]["band"]
    assert float(band["min_month"]) == vector["expected"]["min_month"]
    assert float(band["max_month"]) == vector["expected"]["max_month"]


def test_the_matching_rent_rule_agrees_with_the_check(database):
    from housing import match_data
    from housing.matching.rules import evaluate

    landlord = make_landlord()
    config = match_data.rule_config()
    for i, (rent, charges, income) in enumerate([(400, 50, 1500), (400, 51, 1500), (300, 0, 999.99), (0, 0, 0),
                                                 (250, 20, 900)]):
        household = make_household(code=f"NF-2026-{i:04d}", monthly_net_income=Decimal(str(income)), status="waiting",
                                   intake_on=datetime.date(2026, 1, 1))
        offer = m.Offer.create(dwelling=make_dwelling(landlord, cadastral_unit=str(i), rooms=1, area_m2=40),
                               contract_type="concordato_3_2", monthly_rent=rent, service_charges=charges,
                               status="published", published=True)
        check = sustainability.check(offer, household)["sustainability"]
        result = evaluate(match_data.household_case(household.id), match_data.offer_case(offer.id), config,
                          datetime.date(2026, 11, 1))
        rent_failed = any(key == "rent_sustainable" for key, _ in result.failures)
        assert rent_failed == check["above_threshold"], (rent, charges, income)
