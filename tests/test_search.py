"""The one search box of the header (issue 13): what each role finds, links it may
open, odd input, and the cases seen ("Etnea" found no offer, a member's tax code
found no household, the raw role key in the header)."""
import re

import pytest

import models as m
from conftest import make_user, role_clients
from housing import search
from samples import ANNA, MARIO, make_dwelling, make_household, make_landlord, make_partner

ROLES = ("admin", "operator", "clerk", "viewer")
LINK = re.compile(r'<section class="mb-4 search-group" id="search-(\w+)">(.*?)</section>', re.S)


@pytest.fixture
def records(app):
    with app.extensions["database"].connection_context():
        company = make_landlord(name="Immobiliare Etna srl", public_name_consent=True)
        private = make_landlord(kind="private_person", name="Giuseppe Verdiani", vat_number=None,
                                tax_code="VRDGPP70A01C351X")
        home = make_dwelling(company, address="Via Etnea 100", district="Centro")
        other = make_dwelling(private, address="Via Verdiani 3", district="Ognina", cadastral_unit="4")
        offer = m.Offer.create(dwelling=home, contract_type="concordato_3_2", monthly_rent=500, status="published",
                               public_description="Bilocale luminoso vicino al Duomo.")
        m.Offer.create(dwelling=other, contract_type="free_4_4", monthly_rent=600, status="draft",
                       public_description="Casa con giardino.")
        household = make_household(code="NF-2026-0042")
        m.Person.create(household=household, first_name="Mario", last_name="Rossi", tax_code=MARIO,
                        birth_date="1980-01-01", sex="M", relation="reference")
        m.Person.create(household=household, first_name="Anna", last_name="Bianchi", tax_code=ANNA,
                        birth_date="1985-08-01", sex="F", relation="spouse")
        partner = make_partner(name="Caritas diocesana Etnea")
        ids = {"offer": offer.id, "household": household.id, "home": home.id, "company": company.id,
               "private": private.id, "partner": partner.id}
    for role in ROLES:
        make_user(app, f"{role}1", role)
    return ids


@pytest.fixture
def clients(app, records):
    return role_clients(app, ROLES)


def groups(response):
    assert response.status_code == 200, response.status_code
    return {kind: body for kind, body in LINK.findall(response.get_data(as_text=True))}


def test_login_required(client):
    response = client.get("/admin/search/?q=Etnea")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_etnea_finds_the_offer_of_a_home_in_via_etnea(clients, records):
    """Seen: the offers list searched only the public description."""
    for role in ROLES:
        found = groups(clients[role].get("/admin/search/?q=etnea"))
        assert f"/admin/offer/details/?id={records['offer']}" in found["offer"], role
        assert f"/admin/dwelling/details/?id={records['home']}" in found["dwelling"], role


def test_a_district_finds_its_offers(clients, records):
    found = groups(clients["clerk"].get("/admin/search/?q=centro"))
    assert f"/admin/offer/details/?id={records['offer']}" in found["offer"]


def test_a_member_tax_code_finds_the_member_and_leads_to_the_household(clients, records):
    """Seen: the household list could not search by a member's tax code."""
    for role in ("admin", "operator"):
        found = groups(clients[role].get(f"/admin/search/?q={ANNA.lower()}"))
        assert "Bianchi Anna" in found["person"]
        assert ANNA in found["person"]
    # a prefix of the tax code is enough
    assert "Bianchi Anna" in groups(clients["admin"].get(f"/admin/search/?q={ANNA[:9]}"))["person"]


def test_household_code_and_member_names(clients, records):
    found = groups(clients["operator"].get("/admin/search/?q=NF-2026-0042"))
    assert f"/admin/journey/household/{records['household']}" in found["household"] or \
        "NF-2026-0042" in found["household"]
    found = groups(clients["operator"].get("/admin/search/?q=rossi+mario"))
    assert "Rossi Mario" in found["person"] and "Bianchi" not in found["person"]


def test_viewer_gets_no_personal_result(clients, records):
    viewer = clients["viewer"]
    for term in (MARIO, "Rossi", "Anna", "Verdiani", "VRDGPP70A01C351X"):
        found = groups(viewer.get(f"/admin/search/?q={term}"))
        assert "person" not in found, term
        shown = "".join(found.values())  # the results (the box itself repeats the term)
        for personal in ("Rossi", "Bianchi", MARIO, ANNA, "Giuseppe Verdiani", "VRDGPP70A01C351X"):
            assert personal not in shown, (term, personal)
    # the private landlord's home is still found by its address (no person in it)
    assert "Via Verdiani 3" in groups(viewer.get("/admin/search/?q=Verdiani"))["dwelling"]
    # a household code: the summary view, without personal fields
    found = groups(viewer.get("/admin/search/?q=NF-2026-0042"))
    assert f"/admin/household_summary/details/?id={records['household']}" in found["household"]
    # a landlord whose name is public (a company that consented) is shown
    found = groups(viewer.get("/admin/search/?q=Immobiliare"))
    assert f"/admin/landlord_summary/details/?id={records['company']}" in found["landlord"]


def test_clerk_sees_what_the_clerk_views_show(clients, records):
    clerk = clients["clerk"]
    found = groups(clerk.get("/admin/search/?q=Verdiani"))
    assert f"/admin/landlord/details/?id={records['private']}" in found["landlord"]
    assert "person" not in groups(clerk.get(f"/admin/search/?q={MARIO}"))
    assert "household" not in groups(clerk.get("/admin/search/?q=NF-2026-0042"))
    found = groups(clerk.get("/admin/search/?q=caritas"))
    assert f"/admin/partner/details/?id={records['partner']}" in found["partner"]


def test_every_result_link_opens_for_its_role(clients, records):
    for role in ROLES:
        for term in ("Etnea", "NF-2026-0042", MARIO, "Rossi", "Verdiani", "Immobiliare", "Caritas"):
            for kind, body in groups(clients[role].get(f"/admin/search/?q={term}")).items():
                for link in re.findall(r'href="([^"]+)"', body):
                    link = link.replace("&amp;", "&")
                    assert clients[role].get(link).status_code == 200, (role, term, kind, link)


def test_results_are_limited_per_kind_with_a_link_to_the_list(app, clients, records):
    with app.extensions["database"].connection_context():
        landlord = m.Landlord.get_by_id(records["company"])
        for i in range(14):
            make_dwelling(landlord, address=f"Via Garibaldi {i + 1}", district="Centro", cadastral_unit=str(i + 10))
    page = clients["clerk"].get("/admin/search/?q=garibaldi")
    found = groups(page)
    assert found["dwelling"].count("<li>") == 10
    more = re.search(r'href="([^"]*/admin/dwelling/\?search=garibaldi)"', found["dwelling"])
    assert more, found["dwelling"]
    listing = clients["clerk"].get(more.group(1)).get_data(as_text=True)
    assert listing.count("Via Garibaldi") >= 14


ODD = ["", " ", "%", "_", "%%", "'", '"', "' OR 1=1 --", "\\", "x" * 5000, "Città ñ 東京 🏠", "\x00\x01",
       "NF-", "NF-%", "RSSMRA", "RSSMRA80%", "12345678901", "a", "é", "Via Etnea " * 50]


def test_odd_input_never_fails(clients, records):
    for term in ODD:
        for role in ("admin", "viewer"):
            response = clients[role].get("/admin/search/", query_string={"q": term})
            assert response.status_code == 200, (role, term)


def test_wildcards_are_literal(clients, records):
    found = groups(clients["admin"].get("/admin/search/", query_string={"q": "%"}))
    assert found == {}
    found = groups(clients["admin"].get("/admin/search/", query_string={"q": "Via_Etnea"}))
    assert "dwelling" not in found


def test_header_has_the_box_and_the_role_label(clients, records):
    """Seen: "(clerk)", the raw role key, next to the user's name."""
    page = clients["clerk"].get("/admin/").get_data(as_text=True)
    assert 'id="header-search-q"' in page and 'action="/admin/search/"' in page
    assert "(clerk)" not in page
    assert "Addetto anagrafe (alloggi e locatori)" in page
    with clients["clerk"].session_transaction() as session:
        session["lang"] = "en"
    page = clients["clerk"].get("/admin/dwelling/").get_data(as_text=True)
    assert "Registry clerk (homes and landlords)" in page and "(clerk)" not in page


def test_english_titles(clients, records):
    with clients["operator"].session_transaction() as session:
        session["lang"] = "en"
    page = clients["operator"].get("/admin/search/?q=etnea").get_data(as_text=True)
    assert "Dwellings" in page and "Offers" in page
    with clients["operator"].session_transaction() as session:
        session["lang"] = "it"
    page = clients["operator"].get("/admin/search/?q=etnea").get_data(as_text=True)
    assert "Alloggi" in page and "Offerte" in page


def test_search_module_alone(database):
    assert search.clean("  a \x00  b ") == "a b"
    assert len(search.clean("x" * 500)) == search.MAX_TERM_CHARS
    assert search.search("") == {kind: [] for kind in search.KINDS}
    assert search.is_code("NF-2026-0001") and search.is_code(MARIO) and not search.is_code("Etnea")


def test_search_indexes_exist(database):
    names = {i.name for i in database.get_indexes("dwelling")} | {i.name for i in database.get_indexes("person")}
    assert {"dwelling_address_trgm", "person_names_trgm"} <= names


# The registries' own list searches (admin/views/registries.py, another owner's file): the
# changes are reported with issue 13; these pass once OfferView and HouseholdView have them.


def test_the_offers_list_finds_etnea(clients, records):
    body = clients["clerk"].get("/admin/offer/?search=Etnea").get_data(as_text=True)
    assert f"/admin/offer/details/?id={records['offer']}" in body and "Via Verdiani 3" not in body


def test_the_households_list_finds_a_member_tax_code(clients, records):
    body = clients["operator"].get(f"/admin/household/?search={ANNA}").get_data(as_text=True)
    assert "NF-2026-0042" in body
