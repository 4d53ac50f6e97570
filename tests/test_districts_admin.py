"""The district registry in the back office (issue 12).

What was seen: a home's district was free text, so typing «Centro storico»
for a home in «Centro» made a new district that the public filters, the map
and the matching counted apart. Now a home and a household point at entries
of the registry; unknown text is a field error; two spellings of one district
are merged on a screen of their own, audited, never by hand.
"""
import json
import re

import pytest

import models as m
from conftest import csrf_token, form_post
from housing import districts
from samples import district_id, make_district, make_dwelling, make_household, make_landlord, prepared
from test_security import concrete_urls

MERGE_URL = "/admin/districts/"


def db(app):
    return app.extensions["database"].connection_context()


def audit_rows(entity, record_id=None, action=None):
    query = m.AuditLog.select().where(m.AuditLog.entity == entity)
    if record_id is not None:
        query = query.where(m.AuditLog.record_id == str(record_id))
    if action is not None:
        query = query.where(m.AuditLog.action == action)
    return [json.loads(row.changes) for row in query.order_by(m.AuditLog.id)]


def flashed(response):
    return response.get_data(as_text=True)


def post_action(client, action, data):
    """POST one of the resolve screen's forms, with the screen's CSRF token, following the redirect."""
    token = csrf_token(client, MERGE_URL)
    return client.post(MERGE_URL + action, data={**data, "csrf_token": token}, follow_redirects=True)


# -- the home's form: a choice of the registry, never free text -------------------

@pytest.mark.parametrize("typed", ["Centro storico", "centro storico ", "<b>Centro</b>", "1e3", "-1",
                                   "99999999999999999999999"])
def test_typing_a_district_for_a_home_creates_nothing(app, login, typed):
    client = login("clerk")
    data = prepared(app, "dwelling")
    with db(app):
        before = m.District.select().count()
    data["district"] = typed
    response = form_post(client, "/admin/dwelling/new/", data)
    assert response.status_code == 200  # the form again, with the field error
    page = response.get_data(as_text=True)
    assert "Quartiere" in page and ("registro dei quartieri" in page)
    if typed.strip() == "Centro storico".strip() or typed.strip() == "centro storico":
        assert "forse: Centro" in page  # the registry's nearest names
    with db(app):
        assert m.Dwelling.select().count() == 0
        assert m.District.select().count() == before
        assert not m.District.select().where(m.District.to_review == True).exists()  # noqa: E712


def test_a_district_to_review_or_retired_is_not_offered_to_a_new_home(app, login):
    client = login("clerk")
    with db(app):
        centre = make_district("Centro")
        waiting = m.District.get_by_id(districts.provisional("Centro Storco"))
        retired = make_district("Zona Dismessa", active=False)
    page = client.get("/admin/dwelling/new/").get_data(as_text=True)
    assert f'value="{centre.id}"' in page
    assert f'value="{waiting.id}"' not in page and f'value="{retired.id}"' not in page
    data = prepared(app, "dwelling")
    for refused in (waiting.id, retired.id):
        data["district"] = str(refused)
        response = form_post(client, "/admin/dwelling/new/", data)
        assert response.status_code == 200 and "registro dei quartieri" in response.get_data(as_text=True)
    with db(app):
        assert m.Dwelling.select().count() == 0


def test_a_home_keeps_its_retired_district_when_edited(app, login):
    client = login("clerk")
    with db(app):
        dwelling = make_dwelling(make_landlord(vat_number="00000000000"), district="Vecchio Borgo")
        m.District.update(active=False).where(m.District.name == "Vecchio Borgo").execute()
        retired = dwelling.district_id
    url = f"/admin/dwelling/edit/?id={dwelling.id}"
    assert f'value="{retired}"' in client.get(url).get_data(as_text=True)
    data = {**prepared(app, "dwelling"), "landlord": str(dwelling.landlord_id), "district": str(retired),
            "cadastral_unit": "3", "cadastral_sheet": "10", "cadastral_parcel": "200", "version": "1",
            "notes": "ancora qui"}
    assert form_post(client, url, data).status_code == 302
    with db(app):
        assert m.Dwelling.get_by_id(dwelling.id).district_id == retired


def test_the_dwelling_list_searches_filters_and_sorts_by_district_name(app, login):
    client = login("clerk")
    with db(app):
        owner = make_dwelling(district="Centro", cadastral_unit="1").landlord
        centre = m.Dwelling.get()
        librino = make_dwelling(owner, district="Librino", cadastral_unit="2", zone=None)
    assert "Librino" in client.get("/admin/dwelling/").get_data(as_text=True)  # the name, not an id
    found = client.get("/admin/dwelling/?search=librin").get_data(as_text=True)
    assert f"edit/?id={librino.id}" in found and f"edit/?id={centre.id}" not in found
    filtered = client.get("/admin/dwelling/?flt0_0=Librino").get_data(as_text=True)  # "contains"
    assert f"edit/?id={librino.id}" in filtered and f"edit/?id={centre.id}" not in filtered
    from admin.views.registries import DwellingView

    [view] = [v for v in app.extensions["housing_admin"]._views if type(v) is DwellingView]
    with app.test_request_context():
        sort = [name for name, _ in view._list_columns].index("district")
    listed = client.get(f"/admin/dwelling/?sort={sort}").get_data(as_text=True)
    assert listed.index(f"edit/?id={centre.id}") < listed.index(f"edit/?id={librino.id}")
    # a search on the district and a zone filter together: the zone is the home's own
    with db(app):
        zone = m.AgreementZone.create(territorial_agreement=m.TerritorialAgreement.create(name="A", city="Catania"),
                                      code="Z7", name="Periferia")
        m.Dwelling.update(zone=zone).where(m.Dwelling.id == librino.id).execute()
    zone_filter = next(i for i, flt in enumerate(view._declared("_filters")) if flt.column is m.AgreementZone.code)
    both = client.get(f"/admin/dwelling/?search=librino&flt0_{zone_filter}=Z7")
    assert both.status_code == 200 and f"edit/?id={librino.id}" in both.get_data(as_text=True)


def test_the_offer_list_filters_on_the_dwellings_district_name(app, login):
    """Two joins away (offer, dwelling, district); it filtered ``Dwelling.district`` before."""
    client = login("clerk")
    with db(app):
        centre = make_dwelling(district="Centro", cadastral_unit="1")
        librino = make_dwelling(centre.landlord, district="Librino", cadastral_unit="2")
        in_centre = m.Offer.create(dwelling=centre, contract_type="concordato_3_2", monthly_rent=400)
        in_librino = m.Offer.create(dwelling=librino, contract_type="concordato_3_2", monthly_rent=400)
    from admin.views.registries import OfferView

    [view] = [v for v in app.extensions["housing_admin"]._views if type(v) is OfferView]
    indexes = [i for i, flt in enumerate(view._declared("_filters")) if flt.column is m.District.name]
    assert indexes, "the offer list filters on the district's name"
    contains = indexes[0]
    html = client.get(f"/admin/offer/?flt0_{contains}=Librino").get_data(as_text=True)
    assert f"edit/?id={in_librino.id}" in html and f"edit/?id={in_centre.id}" not in html
    rooms = next(i for i, flt in enumerate(view._declared("_filters")) if flt.column is m.Dwelling.rooms)
    together = client.get(f"/admin/offer/?flt0_{rooms}=3&flt1_{contains}=Centro").get_data(as_text=True)
    assert f"edit/?id={in_centre.id}" in together and f"edit/?id={in_librino.id}" not in together
    # the offer form's dwelling picker finds a home by its district's name
    found = client.get("/admin/offer/ajax/lookup/?name=dwelling&query=Librin").get_json()
    assert [row[0] for row in found] == [librino.id]


# -- the household's preferred districts: links to the registry ----------------------

def preferred(household_id):
    return sorted(link.district.name for link in
                  m.HouseholdDistrict.select().where(m.HouseholdDistrict.household == household_id))


def test_preferred_districts_are_picked_from_the_registry_linked_and_audited(app, login):
    client = login("operator")
    data = {k: v for k, v in prepared(app, "household").items() if not k.startswith("members-")}
    assert form_post(client, "/admin/household/new/", data).status_code == 302
    with db(app):
        household = m.Household.get()
        assert preferred(household.id) == ["Borgo", "Centro"]
        added = audit_rows("household_district", action="create")
        assert {row["district"][1] for row in added} == {district_id("Borgo"), district_id("Centro")}
        librino = district_id("Librino")
    url = f"/admin/household/edit/?id={household.id}"
    page = client.get(url).get_data(as_text=True)
    selected = {a or b for a, b in re.findall(r'<option selected value="(\d+)">|<option value="(\d+)" selected>', page)}
    assert {str(district_id("Borgo")), str(district_id("Centro"))} <= selected
    edited = dict(data, version=str(household.version),
                  preferred_districts=[str(librino), str(district_id("Centro"))])
    assert form_post(client, url, edited).status_code == 302
    with db(app):
        assert preferred(household.id) == ["Centro", "Librino"]
        removed = [row for row in audit_rows("household_district") if row.get("district", [None, None])[1] is None]
        assert removed or any(row.get("district") == [district_id("Borgo"), librino]
                              for row in audit_rows("household_district", action="update"))
    with db(app):
        edited["version"] = str(m.Household.get_by_id(household.id).version)
    edited["preferred_districts"] = []
    assert form_post(client, url, edited).status_code == 302
    with db(app):
        assert preferred(household.id) == []  # none: any district


def test_a_preferred_district_outside_the_registry_is_a_field_error(app, login):
    client = login("operator")
    with db(app):
        waiting = districts.provisional("Centro Storco")
    for bad in (["Centro storico"], ["999999"], [str(waiting)], ["99999999999999999999999"]):
        data = {k: v for k, v in prepared(app, "household").items() if not k.startswith("members-")}
        data["preferred_districts"] = bad
        response = form_post(client, "/admin/household/new/", data)
        assert response.status_code == 200, bad
    with db(app):
        assert m.Household.select().count() == 0 and m.HouseholdDistrict.select().count() == 0


def test_the_household_lists_no_longer_search_a_district_text(app, login):
    from admin.views.registries import HouseholdSummaryView, HouseholdView

    assert "preferred_districts" not in HouseholdView.column_searchable_list
    assert "preferred_districts" not in HouseholdSummaryView.column_list
    client = login("operator")
    assert client.get("/admin/household/?search=Centro").status_code == 200


# -- the registry: rename, duplicates, deletes --------------------------------------

def district_form(name, **extra):
    return {"name": name, "municipality": "I Centro-San Cristoforo", "latitude": "37.50", "longitude": "15.09",
            "outline": "", "active": "y", **extra}


def test_renaming_a_district_is_an_audited_edit_that_moves_nothing(app, login):
    client = login("clerk")
    with db(app):
        centre = make_district("Centro")
        dwelling = make_dwelling(district="Centro")
        household = make_household(preferred_districts="Centro")
    url = f"/admin/district/edit/?id={centre.id}"
    assert form_post(client, url, district_form("Centro Storico", version=str(centre.version))).status_code == 302
    with db(app):
        assert m.District.get_by_id(centre.id).name == "Centro Storico"
        assert m.Dwelling.get_by_id(dwelling.id).district_id == centre.id
        assert preferred(household.id) == ["Centro Storico"]
        [change] = audit_rows("district", centre.id, "update")
        assert change["name"] == ["Centro", "Centro Storico"]
        assert audit_rows("dwelling", dwelling.id, "update") == [] and audit_rows("household", household.id, "update") == []


@pytest.mark.parametrize("spelling", ["librino", "LIBRÌNO", " Librino "])
def test_a_name_already_in_the_registry_says_to_merge(app, login, spelling):
    client = login("admin")
    with db(app):
        make_district("Librino")
        before = m.District.select().count()
    response = form_post(client, "/admin/district/new/", district_form(spelling))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Esiste già il quartiere «Librino»" in page and "unirle" in page
    with db(app):
        assert m.District.select().count() == before
        other = make_district("Monte Po")
    url = f"/admin/district/edit/?id={other.id}"
    response = form_post(client, url, district_form(spelling, version=str(other.version)))
    assert response.status_code == 200 and "Esiste già il quartiere «Librino»" in response.get_data(as_text=True)
    with db(app):
        assert m.District.get_by_id(other.id).name == "Monte Po"


def test_a_bad_outline_is_a_field_error(app, login):
    client = login("admin")
    for outline in ("37.5 15.0; 37.6", "nord; sud; est", "95 15; 37 15; 37 16"):
        response = form_post(client, "/admin/district/new/", district_form("Nuovo Quartiere", outline=outline))
        assert response.status_code == 200 and "Contorno non valido" in response.get_data(as_text=True), outline
    good = district_form("Nuovo Quartiere", outline="37.50 15.08; 37.51 15.09; 37.49 15.10")
    assert form_post(client, "/admin/district/new/", good).status_code == 302


def test_a_district_in_use_is_not_deleted(app, login):
    client = login("admin")
    with db(app):
        home = make_district("Picanello")
        make_dwelling(district="Picanello")
        preferred_only = make_district("Ognina")
        make_household(preferred_districts="Ognina")
        unused = make_district("Zona Vuota")
    token = csrf_token(client, "/admin/district/")
    for district in (home, preferred_only):
        response = client.post("/admin/district/delete/", data={"id": district.id, "csrf_token": token},
                               follow_redirects=True)
        assert "Impossibile eliminare" in response.get_data(as_text=True)
    client.post("/admin/district/delete/", data={"id": unused.id, "csrf_token": token})
    with db(app):
        assert m.District.get_or_none(m.District.id == home.id) is not None
        assert m.District.get_or_none(m.District.id == preferred_only.id) is not None
        assert m.District.get_or_none(m.District.id == unused.id) is None
        assert audit_rows("district", unused.id, "delete")


@pytest.mark.parametrize("role,may_edit", [("admin", True), ("clerk", True), ("operator", False), ("viewer", False)])
def test_who_keeps_the_registry(app, login, role, may_edit):
    client = login(role)
    with db(app):
        districts.provisional("Zona Da Vedere")
    listing = client.get("/admin/district/")
    assert listing.status_code == 200
    assert ('href="/admin/district/new/' in listing.get_data(as_text=True)) == may_edit
    assert 'href="/admin/districts/"' in listing.get_data(as_text=True)  # the resolve screen, from the list
    assert (client.get("/admin/district/new/").status_code == 200) == may_edit
    screen = client.get(MERGE_URL)
    assert screen.status_code == 200
    assert ('action="/admin/districts/merge"' in screen.get_data(as_text=True)) == may_edit


# -- resolving entries to review and merging -----------------------------------------

def test_an_entry_to_review_is_mapped_onto_a_district_and_another_confirmed(app, login):
    client = login("clerk")
    with db(app):
        centre = make_district("Centro")
        typo = m.District.get_by_id(districts.provisional("centro storco"))
        new = m.District.get_by_id(districts.provisional("Villaggio Sant'Agata"))
        first = make_dwelling(district=typo, cadastral_unit="1")
        homes = [first.id, make_dwelling(first.landlord, district=typo, cadastral_unit="2").id]
        both = make_household(code="NF-2026-0001", preferred_districts="Centro, centro storco")
        only_typo = make_household(code="NF-2026-0002", preferred_districts="centro storco")
    page = client.get(MERGE_URL).get_data(as_text=True)
    row = re.search(rf'<tr data-district="{typo.id}">(.*?)</tr>', page, re.S).group(1)
    assert "centro storco" in row and "<td>2</td><td>2</td>" in row  # two homes, two households
    assert f'<option value="{centre.id}">' in row and f'<option value="{new.id}">' not in row
    response = post_action(client, "merge", {"source": typo.id, "target": centre.id})
    assert response.status_code == 200
    assert "spostati 2 alloggi e 2 nuclei" in response.get_data(as_text=True)
    with db(app):
        assert m.District.get_or_none(m.District.id == typo.id) is None
        assert {d.district_id for d in m.Dwelling.select().where(m.Dwelling.id.in_(homes))} == {centre.id}
        assert preferred(both.id) == ["Centro"] and preferred(only_typo.id) == ["Centro"]
        assert len(audit_rows("dwelling", action="update")) == 2
        assert audit_rows("district", centre.id, "update")[0]["merged"] == ["centro storco", "Centro"]
        assert audit_rows("district", typo.id, "delete")
    response = post_action(client, "confirm", {"district": new.id})
    assert "confermato" in response.get_data(as_text=True)
    with db(app):
        confirmed = m.District.get_by_id(new.id)
        assert confirmed.active and not confirmed.to_review
        assert audit_rows("district", new.id, "update")[-1]["to_review"] == [True, False]
    assert "Nessuna voce da risolvere" in client.get(MERGE_URL).get_data(as_text=True)


def test_a_merge_says_what_moves_before_it_is_done(app, login):
    client = login("admin")
    with db(app):
        source = make_district("S. Berillo")
        target = make_district("San Berillo")
        make_dwelling(district=source)
        make_household(preferred_districts="S. Berillo")
    page = client.get(f"{MERGE_URL}?source={source.id}&target={target.id}").get_data(as_text=True)
    preview = re.search(r'<div class="alert alert-warning mt-3" id="merge-preview">(.*?)</div>', page, re.S).group(1)
    assert "«S. Berillo» in «San Berillo»" in preview
    assert "<strong>1</strong> alloggi e <strong>1</strong> nuclei" in preview
    with db(app):
        assert m.District.get_or_none(m.District.id == source.id) is not None  # a preview changes nothing
    post_action(client, "merge", {"source": source.id, "target": target.id})
    with db(app):
        assert m.District.get_or_none(m.District.id == source.id) is None
    assert client.get(f"{MERGE_URL}?source={source.id}&target={target.id}").status_code == 200  # gone: a message


@pytest.mark.parametrize("role", ["operator", "viewer"])
def test_a_merge_is_refused_to_roles_that_only_read(app, login, role):
    client = login(role)
    with db(app):
        source = make_district("S. Berillo")
        target = make_district("San Berillo")
        dwelling = make_dwelling(district=source)
    for action, data in (("merge", {"source": source.id, "target": target.id}), ("confirm", {"district": source.id})):
        token = csrf_token(client, "/admin/district/")
        response = client.post(MERGE_URL + action, data={**data, "csrf_token": token})
        assert response.status_code == 403, action
    with db(app):
        assert m.District.get_or_none(m.District.id == source.id) is not None
        assert m.Dwelling.get_by_id(dwelling.id).district_id == source.id


def test_a_stale_or_malformed_merge_is_a_message_never_a_500(app, login):
    client = login("admin")
    with db(app):
        source = make_district("S. Berillo")
        target = make_district("San Berillo")
        make_dwelling(district=source)
        gone = make_district("Già Unito")
        gone_id = gone.id
        gone.delete_instance()
    for data, message in (({"source": gone_id, "target": target.id}, "non trovato"),
                          ({"source": source.id, "target": gone_id}, "non trovato"),
                          ({"source": source.id, "target": source.id}, "se stesso"),
                          ({"source": "abc", "target": target.id}, "scegliere"),
                          ({"source": "99999999999999999999999", "target": target.id}, "scegliere"),
                          ({"target": target.id}, "scegliere")):
        response = post_action(client, "merge", data)
        assert response.status_code == 200, data
        assert "Unione non eseguita" in response.get_data(as_text=True) and message in response.get_data(as_text=True)
    for data in ({"district": gone_id}, {"district": "x"}, {}):
        response = post_action(client, "confirm", data)
        assert response.status_code == 200 and "Conferma non eseguita" in response.get_data(as_text=True), data
    # without its CSRF token a merge does nothing
    response = client.post(MERGE_URL + "merge", data={"source": source.id, "target": target.id}, follow_redirects=True)
    assert "Richiesta scaduta" in response.get_data(as_text=True)
    with db(app):
        assert m.District.get_or_none(m.District.id == source.id) is not None
    assert client.get(f"{MERGE_URL}?source=abc&target={gone_id}").status_code == 200


def test_every_district_url_requires_login(app, client):
    urls = [(endpoint, url, methods) for endpoint, url, methods in concrete_urls(app)
            if endpoint.startswith(("district.", "district_merge."))]
    endpoints = {endpoint for endpoint, _, _ in urls}
    assert {"district.index_view", "district.edit_view", "district.delete_view", "district_merge.index",
            "district_merge.merge", "district_merge.confirm"} <= endpoints
    for endpoint, url, methods in urls:
        for method in methods:
            response = client.open(url, method=method)
            assert response.status_code == 302 and "/auth/login" in response.location, (endpoint, method)


@pytest.mark.parametrize("zone", ["bogus-key", "a\x00b", "a\r\nb", "99999", "99999999999999999999999"])
def test_a_bad_zone_choice_is_a_field_error(app, login, zone):
    """The zone is an optional choice: its "empty is None" filter used to hand the posted
    text to an SQL comparison with the zone's id (a 500 on PostgreSQL, found by the hostile sweep)."""
    client = login("admin")
    response = form_post(client, "/admin/district/new/", district_form("Nuovo Quartiere", zone=zone))
    assert response.status_code == 200
    select = re.search(r'<select\b[^>]*\bname="zone"[^>]*>', response.get_data(as_text=True))
    assert select and "is-invalid" in select.group(0), zone
    with db(app):
        assert not m.District.select().where(m.District.name == "Nuovo Quartiere").exists()
