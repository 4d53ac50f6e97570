"""Italian by default, English selectable; Italian dates and money."""
import datetime
from decimal import Decimal

from conftest import csrf_token
from samples import make_dwelling


def test_italian_by_default_and_english_on_request(app, login):
    client = login("clerk")
    with app.extensions["database"].connection_context():
        import models as m

        dwelling = make_dwelling()
        m.Offer.create(dwelling=dwelling, contract_type="concordato_3_2", monthly_rent=Decimal("1234.5"),
                       available_from=datetime.date(2026, 3, 9))
    html = client.get("/admin/offer/").get_data(as_text=True)
    assert "Canone mensile" in html and "Canone concordato 3+2" in html
    assert "€ 1.234,50" in html and "09/03/2026" in html
    assert ">Elenco<" in client.get("/admin/dwelling/").get_data(as_text=True)  # Flask-Admin's own catalogue

    client.post("/auth/language/en", data={"csrf_token": csrf_token(client, "/admin/"), "next": "/admin/offer/"})
    html = client.get("/admin/offer/").get_data(as_text=True)
    assert "Monthly rent" in html and "Controlled rent 3+2" in html and "Canone mensile" not in html
    assert ">List<" in client.get("/admin/dwelling/").get_data(as_text=True)


def test_unknown_language_is_refused(app, login):
    client = login("clerk")
    response = client.post("/auth/language/xx", data={"csrf_token": csrf_token(client, "/admin/")})
    assert response.status_code == 400
