"""Flask-Admin's own words in the staff's language (issue 13).

Flask-Admin 2.2.1 printed "Failed to create record." in the Italian UI,
"Record stato salvato con successo.", "Nuovo Componenti" and "Selezionare un
modello". Our catalogues (admin/translations/<lang>/LC_MESSAGES/admin.po,
compiled to admin.mo) override its "admin" domain in Italian and in English.
"""
import html
import re

import pytest
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

import models as m
from admin import headers, translations
from conftest import csrf_token, form_post

LANGUAGES = ("it", "en")


def catalogue_path(language, extension):
    return f"{translations.DIRECTORY}/{language}/LC_MESSAGES/admin.{extension}"


def messages(catalog):
    """{id: translation} of a catalogue (plural forms as tuples)."""
    def key(value):
        return tuple(value) if isinstance(value, (list, tuple)) else value

    return {key(message.id): key(message.string) for message in catalog if message.id and message.string}


def in_language(client, language):
    if language == "en":
        client.post("/auth/language/en", data={"csrf_token": csrf_token(client, "/admin/"), "next": "/admin/"})
    return client


def page_text(response):
    return html.unescape(response.get_data(as_text=True))


def flashes(client):
    with client.session_transaction() as session:
        return [str(text) for _, text in session.get("_flashes", [])]


WORDS = {  # (what Flask-Admin said, what the staff read), per language
    "created": {"it": "Scheda creata.", "en": "Record created."},
    "saved": {"it": "Scheda salvata.", "en": "Record saved."},
    "deleted": {"it": "Scheda eliminata.", "en": "Record deleted."},
    "not_saved": {"it": "Scheda non salvata: correggi i campi segnalati.", "en": "Not saved: correct the fields marked."},
    "new_row": {"it": "Nuova riga in Componenti", "en": "New row in Household members"},
    "add_row": {"it": "Aggiungi una riga a Componenti", "en": "Add a row to Household members"},
    "search_placeholder": {"it": 'data-placeholder="Scrivi per cercare…"', "en": 'data-placeholder="Type to search…"'},
}
NEVER = {
    "it": ["Failed to create record", "Record stato salvato", "Nuovo Componenti", "Selezionare un modello",
           "Riga aggiunta con successo", "la riga é stato eliminato", "piú grande", '"Si"'],
    "en": ["Failed to create record", "Please select model", "New Members", "Add Members",
           "Record was successfully"],
}


# -- the catalogues themselves --------------------------------------------------

@pytest.mark.parametrize("language", LANGUAGES)
def test_the_committed_mo_is_compiled_from_the_po(language, tmp_path):
    """pybabel compile -d admin/translations -D admin was run after the last change."""
    with open(catalogue_path(language, "po"), "rb") as handle:
        source = read_po(handle, locale=language)
    assert not [message.id for message in source if message.id and message.fuzzy], "fuzzy messages are not compiled"
    compiled = tmp_path / "admin.mo"
    with open(compiled, "wb") as handle:
        write_mo(handle, source)
    with open(compiled, "rb") as fresh, open(catalogue_path(language, "mo"), "rb") as committed:
        assert messages(read_mo(committed)) == messages(read_mo(fresh))


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_overrides_one_flask_admin_knows(language):
    """A Flask-Admin upgrade that renames a message makes this fail, not the UI silently English."""
    from flask_admin import translations as flask_admin_translations

    with open(f"{flask_admin_translations.__path__[0]}/it/LC_MESSAGES/admin.po", "rb") as handle:
        known = set(messages(read_po(handle)))
    with open(catalogue_path(language, "po"), "rb") as handle:
        ours = set(messages(read_po(handle)))
    assert ours and ours <= known, ours - known


@pytest.mark.parametrize("language", LANGUAGES)
def test_confirmation_texts_stay_allowed_by_the_content_security_policy(language):
    """Flask-Admin puts the delete confirmation in an inline handler allowed by hash
    only in a shape without quotes or markup (admin/headers.py)."""
    ours = translations.catalogue(language)
    text = ours.gettext("Are you sure you want to delete this record?")
    handler = f' onclick="return faHelpers.safeConfirm(\'{text}\');"'
    assert headers.FLASK_ADMIN_HANDLERS.search(handler), text


def test_ours_win_over_flask_admins_catalogue():
    italian = translations.catalogue("it")
    assert italian.gettext("Record was successfully saved.") == "Scheda salvata."
    assert italian.ngettext("Record was successfully deleted.", "%(count)s records were successfully deleted.", 2) \
        == "%(count)s schede eliminate."
    assert italian.gettext("Save") == "Salva"  # Flask-Admin's own, where it reads well


# -- the pages ------------------------------------------------------------------

@pytest.mark.parametrize("language", LANGUAGES)
def test_a_form_that_does_not_validate_says_so_in_the_users_language(app, login, language):
    client = in_language(login("admin"), language)
    page = page_text(form_post(client, "/admin/language/new/", {"code": "", "name_it": "", "name_en": ""}))
    assert WORDS["not_saved"][language] in page
    for never in NEVER[language]:
        assert never not in page


@pytest.mark.parametrize("language", LANGUAGES)
def test_created_saved_and_deleted_in_the_users_language(app, login, language):
    client = in_language(login("admin"), language)
    data = {"code": "kl", "name_it": "Klingon", "name_en": "Klingon", "active": "y"}
    assert form_post(client, "/admin/language/new/", data).status_code == 302
    assert WORDS["created"][language] in flashes(client)
    with app.extensions["database"].connection_context():
        record = m.Language.get(m.Language.code == "kl")
    client.get("/admin/")  # the flashes above are shown and gone

    url = f"/admin/language/edit/?id={record.id}"
    assert form_post(client, url, {**data, "name_it": "Klingon (lingua)"}).status_code == 302
    assert WORDS["saved"][language] in flashes(client)
    client.get("/admin/")

    token = csrf_token(client, "/admin/language/")
    response = client.post("/admin/language/delete/", data={"id": record.id, "csrf_token": token})
    assert response.status_code == 302
    assert WORDS["deleted"][language] in flashes(client)
    shown = page_text(client.get("/admin/language/"))
    for never in NEVER[language]:
        assert never not in shown


@pytest.mark.parametrize("language", LANGUAGES)
def test_inline_rows_and_search_boxes_speak_the_users_language(app, login, language):
    client = in_language(login("admin"), language)
    household = page_text(client.get("/admin/household/new/"))
    assert WORDS["new_row"][language] in household
    assert WORDS["add_row"][language] in household
    offer = page_text(client.get("/admin/offer/new/"))
    assert WORDS["search_placeholder"][language] in offer
    for page in (household, offer):
        for never in NEVER[language]:
            assert never not in page


@pytest.mark.parametrize("language", LANGUAGES)
def test_list_filters_read_naturally(app, login, language):
    client = in_language(login("admin"), language)
    page = page_text(client.get("/admin/household/"))
    expected = {"it": ["maggiore di", "minore di", "compreso tra", "è uno tra", "non compreso tra"],
                "en": ["greater than", "less than", "between", "is one of", "not between"]}[language]
    # the filters travel as JSON (non-ASCII letters escaped)
    decoded = re.sub(r"\\u([0-9a-f]{4})", lambda match: chr(int(match.group(1), 16)), page)
    for words in expected:
        assert words in decoded, words
    if language == "it":
        assert '["1", "Sì"]' in decoded and '["1", "Si"]' not in decoded
    for never in NEVER[language]:
        assert never not in decoded
