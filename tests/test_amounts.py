"""Figures as staff type them, in Italian or with a dot, read the same everywhere."""
from decimal import Decimal

import pytest

from conftest import form_post
from housing import amounts
from samples import make_dwelling


@pytest.mark.parametrize("typed, meant", [
    ("219,50", "219.50"), ("1.234,50", "1234.50"), ("1234.50", "1234.50"), ("1,234.50", "1234.50"),
    ("€ 650", "650"), ("1.234.567", "1234567"), ("  42 ", "42"), ("-3,5", "-3.5"), ("0,48", "0.48"),
])
def test_typed_figures(typed, meant):
    assert amounts.parse(typed) == Decimal(meant)


@pytest.mark.parametrize("typed", ["1,2,3", "quattrocento", "NaN", "Infinity", "1.2.3,4,5"])
def test_what_is_no_number_is_refused(typed):
    with pytest.raises(ValueError):
        amounts.parse(typed)


def test_empty_is_none():
    assert amounts.parse("") is None and amounts.parse("   ") is None and amounts.parse(None) is None


def test_the_offer_form_reads_and_shows_italian_amounts(app, login):
    import models as m

    client = login("clerk")
    with app.extensions["database"].connection_context():
        home = make_dwelling()
    response = form_post(client, "/admin/offer/new/", {
        "dwelling": str(home.id), "contract_type": "free_4_4", "monthly_rent": "1.234,50", "service_charges": "40,5",
        "deposit": "0", "status": "draft"})
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    with app.extensions["database"].connection_context():
        offer = m.Offer.get(m.Offer.dwelling == home.id)
    assert offer.monthly_rent == Decimal("1234.50") and offer.service_charges == Decimal("40.50")
    page = client.get(f"/admin/offer/edit/?id={offer.id}").get_data(as_text=True)
    assert 'value="1234,50"' in page and 'value="1234.50"' not in page
    # a text input: a browser's number input would show (and send back) nothing for "1234,50"
    field = next(tag for tag in page.split("<input")[1:] if 'name="monthly_rent"' in tag)
    assert 'type="text"' in field and 'inputmode="decimal"' in field
    bad = form_post(client, f"/admin/offer/edit/?id={offer.id}", {"monthly_rent": "1,2,3"})
    assert bad.status_code == 200 and "1,2,3" in bad.get_data(as_text=True)
