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


def test_assessment_note_labels_are_english_in_the_english_ui(app, login):
    client = login("operator")
    client.post("/auth/language/en", data={"csrf_token": csrf_token(client, "/admin/"), "next": "/admin/"})
    with app.extensions["database"].connection_context():
        import models as m
        from samples import make_household, tax_code

        household = make_household()
        m.Person.create(household=household, first_name="Mario", last_name="Rossi", tax_code=tax_code(),
                        birth_date=datetime.date(1980, 1, 1), sex="M", relation="reference")
    html = client.get(f"/admin/journey/{household.id}/assess").get_data(as_text=True)
    assert "Note (restricted)" in html or ">Note<" in html
    assert ">Nota<" not in html and "Nota (" not in html


def test_fields_whose_meaning_is_not_obvious_carry_help(app, login):
    client = login("operator")
    page = client.get("/admin/household/new/").get_data(as_text=True)
    assert "équipe multidisciplinare" in page and "ETHOS (FEANTSA)" in page
    client.post("/auth/language/en", data={"csrf_token": csrf_token(client, "/admin/"), "next": "/admin/"})
    page = client.get("/admin/household/new/").get_data(as_text=True)
    assert "multidisciplinary case conference" in page and "équipe multidisciplinare" not in page


def test_list_search_placeholders_name_what_they_search(app, login):
    client = login("clerk")
    page = client.get("/admin/offer/").get_data(as_text=True)
    assert "Cerca per: descrizione pubblica, indirizzo (alloggio), quartiere" in page
    client.post("/auth/language/en", data={"csrf_token": csrf_token(client, "/admin/"), "next": "/admin/"})
    assert "Search by: public description, address (dwelling), district" in client.get("/admin/offer/").get_data(as_text=True)
