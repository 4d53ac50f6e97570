"""The screen that resolves languages left as free text (issue 12): each word
once, mapped to a registry language or added to the registry, for every
household that wrote it; POST with CSRF, roles checked server-side."""
import pytest

import models as m
from conftest import csrf_token
from housing import languages
from samples import make_household

URL = "/admin/language-words/"


def db(app):
    return app.extensions["database"].connection_context()


def spoken(household_id):
    return sorted(code for (code,) in m.Language.select(m.Language.code).join(m.HouseholdLanguage)
                  .where(m.HouseholdLanguage.household == household_id).tuples())


@pytest.fixture
def words(app):
    with db(app):
        languages.sync()
        first = make_household(code="NF-2026-0001", languages="arabbo, mandinka")
        second = make_household(code="NF-2026-0002", languages="Mandinka")
        return first.id, second.id, m.Language.get(m.Language.code == "ar").id


def test_the_words_are_listed_and_mapped_for_every_household(app, login, words):
    first, second, arabic = words
    operator = login("operator")
    page = operator.get(URL).get_data(as_text=True)
    assert "mandinka" in page and "arabbo" in page
    assert 'action="/admin/language-words/create"' not in page  # only administrators add languages
    token = csrf_token(operator, URL)
    response = operator.post(URL + "map", data={"word": "arabbo", "language": arabic, "csrf_token": token},
                             follow_redirects=True)
    assert "ricondotta alla lingua scelta per 1 nuclei" in response.get_data(as_text=True)
    with db(app):
        assert spoken(first) == ["ar"] and m.Household.get_by_id(first).languages == "mandinka"
        assert m.AuditLog.select().where(m.AuditLog.entity == "household").count() == 1


def test_an_administrator_adds_the_language_and_links_both_households(app, login, words):
    first, second, _ = words
    admin = login("admin")
    token = csrf_token(admin, URL)
    response = admin.post(URL + "create", data={"word": "mandinka", "code": "mnk", "name_it": "Mandinka",
                                                "name_en": "Mandinka", "csrf_token": token}, follow_redirects=True)
    assert "2 nuclei collegati" in response.get_data(as_text=True)
    with db(app):
        assert spoken(first) == ["mnk"] and spoken(second) == ["mnk"]
        assert m.Household.get_by_id(second).languages is None


@pytest.mark.parametrize("data, message", [
    ({"word": "mandinka", "language": ""}, "scegliere una lingua"),
    ({"word": "mandinka", "language": "abc"}, "scegliere una lingua"),
    ({"word": "mandinka", "language": "999999"}, "lingua non trovata"),
    ({"word": "", "language": "1"}, "parola vuota"),
])
def test_bad_mappings_are_messages_and_write_nothing(app, login, words, data, message):
    admin = login("admin")
    response = admin.post(URL + "map", data={**data, "csrf_token": csrf_token(admin, URL)}, follow_redirects=True)
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    with db(app):
        assert m.AuditLog.select().count() == 0 and m.HouseholdLanguage.select().count() == 0


def test_a_bad_new_language_names_the_field_and_writes_nothing(app, login, words):
    admin = login("admin")
    response = admin.post(URL + "create", data={"word": "mandinka", "code": "ar", "name_it": "x", "name_en": "y",
                                                "csrf_token": csrf_token(admin, URL)}, follow_redirects=True)
    assert "Non eseguito (codice)" in response.get_data(as_text=True)
    with db(app):
        assert m.Language.select().where(m.Language.code == "ar").count() == 1 and m.AuditLog.select().count() == 0


def test_roles_and_tokens_are_checked_server_side(app, login, words):
    _, _, arabic = words
    for role in ("clerk", "viewer"):  # neither reads households' languages
        client = login(role)
        assert client.get(URL).status_code == 403, role
        client.get("/admin/logout/")
    operator = login("operator", "operator2")
    token = csrf_token(operator, URL)
    data = {"word": "mandinka", "code": "mnk", "name_it": "Mandinka", "name_en": "Mandinka", "csrf_token": token}
    assert operator.post(URL + "create", data=data).status_code == 403
    expired = operator.post(URL + "map", data={"word": "arabbo", "language": arabic}, follow_redirects=True)
    assert "Richiesta scaduta" in expired.get_data(as_text=True)
    with db(app):
        assert m.Language.select().where(m.Language.code == "mnk").count() == 0
        assert m.HouseholdLanguage.select().count() == 0
