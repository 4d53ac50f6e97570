"""The offer form guides (issue 13): the zone's band and the agreement's durations.

What was seen: a clerk saved and published a "Canone concordato 3+2" offer for a
75 m² home in zone Z1 at 900 EUR a month (144 EUR/m²/year; the zone's maximum
is 110) with no warning, the band was only on a page the clerk may not open,
the clerk's "Fascia e sostenibilità" column was empty, and a 3+2 contract of
12-12 months was accepted.
"""
import datetime
import json
from decimal import Decimal

import pytest

import models as m
from conftest import form_post
from housing import offer_checks
from housing.accompaniment import sustainability
from samples import make_dwelling

TODAY = datetime.date.today().isoformat()


def within(app):
    return app.extensions["database"].connection_context()


def make_world():
    """Zone Z1 (bands 60-90 from 0 features, 80-110 from 2) and a 75 m² home with 2 features; 3+2 is 36-60 months."""
    agreement = m.TerritorialAgreement.create(name="Accordo Catania", city="Catania")
    zone = m.AgreementZone.create(territorial_agreement=agreement, code="Z1", name="Centro storico")
    m.RentBand.create(zone=zone, label="fascia bassa", min_features=0, min_eur_m2_year=60, max_eur_m2_year=90)
    m.RentBand.create(zone=zone, label="fascia media", min_features=2, min_eur_m2_year=80, max_eur_m2_year=110)
    m.ContractDuration.create(territorial_agreement=agreement, contract_type="concordato_3_2", min_months=36, max_months=60)
    return make_dwelling(zone=zone, area_m2=75, has_lift=True, condition="good", furnished=False, bathrooms=1)


@pytest.fixture
def dwelling(app):
    with within(app):
        return make_dwelling_id()


def make_dwelling_id():
    return make_world().id


def offer_form(dwelling_id, **values):
    data = {
        "dwelling": str(dwelling_id), "contract_type": "concordato_3_2", "monthly_rent": "600.00",
        "service_charges": "30", "deposit": "1200", "available_from": TODAY, "min_duration_months": "36",
        "max_duration_months": "60", "status": "published", "published": "y",
        "public_description": "Trilocale in centro.",
    }
    data.update(values)
    return {k: v for k, v in data.items() if v is not None}


# -- the domain module ------------------------------------------------------------

def test_band_of_the_home_counts_its_features(database):
    home = make_world()
    band = offer_checks.band(home, "900")
    assert band["band"] == "fascia media" and band["features"] == ["has_lift", "good_condition"]
    assert band["min_month"] == Decimal("500.00") and band["max_month"] == Decimal("687.50")
    assert band["max_m2_year"] == Decimal("110") and band["rent_m2_year"] == Decimal("144.00")
    assert band["in_band"] is False
    assert offer_checks.band(home, "687.50")["in_band"] is True


def test_feature_names_count_what_the_sustainability_check_counts(database):
    home = make_world()
    for lift in (False, True):
        for condition in ("new", "fair", "poor"):
            for bathrooms in (1, 2):
                home.has_lift, home.condition, home.bathrooms, home.furnished = lift, condition, bathrooms, lift
                assert len(offer_checks.counted_features(home)) == sustainability.dwelling_features(home)


def test_rent_out_of_band_and_short_duration_are_problems(database):
    home = make_world()
    found = offer_checks.problems(home, "concordato_3_2", "900", 12, 12)
    assert [(p.field, p.code) for p in found] == [
        ("monthly_rent", "rent_out_of_band"), ("min_duration_months", "duration_out_of_range"),
        ("max_duration_months", "duration_out_of_range")]
    assert found[0].values["rent_m2_year"] == Decimal("144.00") and found[0].values["max_m2_year"] == Decimal("110")
    assert offer_checks.problems(home, "concordato_3_2", "600", 36, 60) == []
    # a justification accepts the rent, never the duration
    assert [p.code for p in offer_checks.problems(home, "concordato_3_2", "900", 36, 60, "Ristrutturato 2025")] == []
    # a free-market rent has no band; a home without bands cannot be checked
    assert offer_checks.problems(home, "free_4_4", "900", None, None) == []
    assert offer_checks.problems(make_dwelling(landlord=home.landlord, address="Via Crociferi 3", cadastral_unit="9"),
                                 "concordato_3_2", "900", 12, 12) == []


def test_publish_problems_read_the_stored_offer(database):
    home = make_world()
    offer = m.Offer.create(dwelling=home, contract_type="concordato_3_2", monthly_rent=900, status="draft")
    assert [p.code for p in offer_checks.publish_problems(offer)] == ["rent_out_of_band"]
    offer.update(published=True, status="published").where(m.Offer.id == offer.id).execute()
    assert offer_checks.held_back() == {offer.id}
    m.Offer.update(band_justification="Arredi nuovi").where(m.Offer.id == offer.id).execute()
    assert offer_checks.held_back() == set()
    offer = m.Offer.get_by_id(offer.id)
    offer.status = "let"
    assert [p.code for p in offer_checks.publish_problems(offer)] == ["not_publishable"]


# -- the seen cases, through the form -----------------------------------------------

class Reading:
    """A dwelling that records which of its attributes are read."""

    def __init__(self, dwelling):
        self._dwelling, self.read = dwelling, set()

    def __getattr__(self, name):
        self.read.add(name)
        return getattr(self._dwelling, name)


def test_the_publication_reads_only_the_columns_the_band_needs(database):
    """``held_back`` selects the dwelling's ``BAND_COLUMNS`` only: a check reading another column would
    silently see None there, so the band and its features must read nothing else."""
    home = make_world()
    zone = offer_checks.zone_bands([home.zone_id])[home.zone_id]
    for features in ({"has_lift": True}, {"has_lift": False, "condition": "poor", "furnished": True, "bathrooms": 2}):
        m.Dwelling.update(**features).where(m.Dwelling.id == home.id).execute()
        reading = Reading(m.Dwelling.get_by_id(home.id))
        offer_checks._band(reading, zone, "700")
        sustainability.dwelling_features(reading)
        assert reading.read <= set(offer_checks.BAND_COLUMNS), reading.read - set(offer_checks.BAND_COLUMNS)


def test_held_back_equals_each_offers_own_checks(database):
    """The publication's one-pass check gives the offers that each offer's own check stops."""
    home = make_world()
    rents = ("500", "600", "700", "900", "1200")
    for i, (rent, kind, months) in enumerate([(r, k, mo) for r in rents for k in ("concordato_3_2", "free_4_4")
                                              for mo in ((36, 60), (12, 12), (None, None))]):
        features = {"has_lift": i % 2 == 0, "condition": ("good", "poor")[i % 3 == 0], "furnished": i % 4 == 0,
                    "bathrooms": 1 + i % 2}
        dwelling = make_dwelling(landlord=home.landlord, zone=home.zone_id, area_m2=50 + 5 * i,
                                 cadastral_unit=str(100 + i), **features)
        m.Offer.create(dwelling=dwelling, contract_type=kind, monthly_rent=rent, min_duration_months=months[0],
                       max_duration_months=months[1], status="published", published=True,
                       band_justification="Ristrutturato" if i % 7 == 0 else None)
    expected = {o.id for o in m.Offer.public(m.Offer) if offer_checks.offer_problems(o)}
    assert expected and len(expected) < m.Offer.select().count()
    assert offer_checks.held_back() == expected


def test_clerk_cannot_save_a_rent_outside_the_band(app, login, dwelling):
    client = login("clerk")
    response = form_post(client, "/admin/offer/new/", offer_form(dwelling, monthly_rent="900.00"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Canone mensile fuori fascia" in page and "144,00 €/m²/anno" in page and "fascia media" in page
    with within(app):
        assert m.Offer.select().count() == 0


def test_short_duration_is_refused_naming_the_field(app, login, dwelling):
    client = login("clerk")
    response = form_post(client, "/admin/offer/new/", offer_form(dwelling, min_duration_months="12", max_duration_months="12"))
    page = response.get_data(as_text=True)
    assert "Durata minima di 12 mesi fuori dall&#39;accordo territoriale" in page or \
        "Durata minima di 12 mesi fuori dall'accordo territoriale" in page
    assert "da 36 a 60 mesi" in page
    with within(app):
        assert m.Offer.select().count() == 0


def test_clerk_saves_a_rent_in_the_band(app, login, dwelling):
    client = login("clerk")
    response = form_post(client, "/admin/offer/new/", offer_form(dwelling))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with within(app):
        assert m.Offer.get().monthly_rent == Decimal("600.00")


def test_a_clerk_may_not_justify_an_out_of_band_rent(app, login, dwelling):
    client = login("clerk")
    assert 'name="band_justification"' not in client.get("/admin/offer/new/").get_data(as_text=True)
    response = form_post(client, "/admin/offer/new/", offer_form(dwelling, monthly_rent="900",
                                                                  band_justification="Lo dico io"))
    assert "Canone mensile fuori fascia" in response.get_data(as_text=True)
    with within(app):
        assert m.Offer.select().count() == 0


def test_an_administrator_justifies_an_out_of_band_rent_and_it_is_audited(app, login, dwelling):
    client = login("admin")
    response = form_post(client, "/admin/offer/new/", offer_form(
        dwelling, monthly_rent="900", band_justification="Ristrutturazione integrale 2025, arredi nuovi"))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with within(app):
        offer = m.Offer.get()
        entry = m.AuditLog.get((m.AuditLog.entity == "offer") & (m.AuditLog.action == "create"))
    assert offer.band_justification.startswith("Ristrutturazione")
    assert json.loads(entry.changes)["band_justification"][1].startswith("Ristrutturazione")


def test_editing_keeps_the_check(app, login, dwelling):
    with within(app):
        offer = m.Offer.create(dwelling=dwelling, contract_type="concordato_3_2", monthly_rent=600,
                               min_duration_months=36, max_duration_months=60, status="draft")
    client = login("clerk")
    url = f"/admin/offer/edit/?id={offer.id}"
    page = client.get(url).get_data(as_text=True)
    version = __import__("re").search(r'name="version" type="hidden" value="(\d+)"', page)
    data = offer_form(dwelling, monthly_rent="900")
    if version:
        data["version"] = version.group(1)
    response = form_post(client, url, data)
    assert "Canone mensile fuori fascia" in response.get_data(as_text=True)
    with within(app):
        assert m.Offer.get_by_id(offer.id).monthly_rent == Decimal("600.00")


def test_the_form_shows_the_band_to_the_clerk(app, login, dwelling):
    client = login("clerk")
    page = client.get("/admin/offer/new/").get_data(as_text=True)
    assert 'id="offer-band"' in page and "js/offer_band.js" in page and 'data-url="/admin/offer/band"' in page
    data = client.get(f"/admin/offer/band?dwelling={dwelling}&contract_type=concordato_3_2&monthly_rent=900"
                      "&min_duration_months=12&max_duration_months=12").get_json()
    assert data["controlled"] is True and data["band"]["label"] == "fascia media"
    assert data["band"]["max_month"] == 687.5 and data["band"]["in_band"] is False
    text = " ".join(data["lines"])
    assert "687,50" in text and "80,00-110,00 €/m²/anno" in text and "ascensore, buono stato" in text
    assert "144,00 €/m²/anno" in text
    fields = [p["field"] for p in data["problems"]]
    assert fields == ["monthly_rent", "min_duration_months", "max_duration_months"]
    # no personal data and nothing but the band: no address, no landlord
    assert "Via Etnea" not in json.dumps(data) and "Immobiliare" not in json.dumps(data)


def test_the_band_in_english(app, login, dwelling):
    client = login("clerk")
    from conftest import csrf_token

    client.post("/auth/language/en", data={"csrf_token": csrf_token(client, "/admin/"), "next": "/admin/"})
    data = client.get(f"/admin/offer/band?dwelling={dwelling}&contract_type=concordato_3_2&monthly_rent=900").get_json()
    assert "band “fascia media”" in data["lines"][0] and "687.50" in data["lines"][0]
    assert data["problems"][0]["text"].startswith("Monthly rent outside the band")


def test_the_band_endpoint_needs_a_login_and_bad_input_is_no_error(app, client, login, dwelling):
    assert client.get(f"/admin/offer/band?dwelling={dwelling}").status_code == 302
    client = login("viewer")
    for query in ("dwelling=abc", "dwelling=99999999999999999999", "dwelling=-1&monthly_rent=x",
                  f"dwelling={dwelling}&monthly_rent=NaN&min_duration_months=zz", "",
                  f"dwelling={dwelling}&contract_type=concordato_3_2&monthly_rent=1e999999999",
                  f"dwelling={dwelling}&contract_type=concordato_3_2&monthly_rent=-Infinity",
                  f"dwelling={dwelling}&contract_type=%00&monthly_rent=600&max_duration_months=1e5"):
        response = client.get("/admin/offer/band?" + query)
        assert response.status_code == 200 and response.get_json()["problems"] == []


def test_clerk_list_column_shows_the_band(app, login, dwelling):
    with within(app):
        m.Offer.create(dwelling=dwelling, contract_type="concordato_3_2", monthly_rent=900, status="draft")
    page = login("clerk").get("/admin/offer/").get_data(as_text=True)
    assert "Z1 fascia media" in page and "fuori fascia" in page


def test_the_publication_leaves_off_offers_the_agreement_stops(database):
    """An offer marked published before the checks (or whose band changed) stays off the public site."""
    from housing.publishing import export

    home = make_world()
    inside = m.Offer.create(dwelling=home, contract_type="concordato_3_2", monthly_rent=600, min_duration_months=36,
                            max_duration_months=60, status="published", published=True)
    other = make_dwelling(landlord=home.landlord, zone=home.zone, area_m2=75, cadastral_unit="4", address="Via Etnea 102")
    outside = m.Offer.create(dwelling=other, contract_type="concordato_3_2",
                             monthly_rent=900, status="published", published=True)
    refs = {offer["ref"] for offer in export.published_offers()}
    assert f"O{inside.id:05d}" in refs and f"O{outside.id:05d}" not in refs
