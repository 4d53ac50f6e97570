"""Contract types and spoken languages as vocabularies, not free text (issue 12).

What was seen: a household's accepted contract types were free text, so
"Canone concordato 3+2, Transitorio" saved and its eligible offers dropped to
0; languages spoken were free text, so mediation needs could not be counted
by language.
"""
import datetime
import json
import re
import types

import pytest

import models as m
from conftest import csrf_token, form_post
from housing import languages, schema, vocabulary as v
from housing.database import open_database
from housing.match_data import _load_household_cases
from housing.matching import rules
from samples import make_dwelling, make_household, prepared
from test_migrations import migrated_until

TODAY = datetime.date.today()


def household_data(app, **overrides):
    data = {k: val for k, val in prepared(app, "household").items() if not k.startswith("members-")}
    data.update(overrides)
    return data


def eligible_by_contract(household_id, offers):
    """How many of ``offers`` the household's contract-type rule accepts (the matching's own rule)."""
    [case] = _load_household_cases(m.Household.select().where(m.Household.id == household_id), TODAY)
    return sum(rules.check_contract(case, types.SimpleNamespace(contract_type=o.contract_type), None, TODAY)[0]
               for o in offers)


def offers_of_every_type():
    dwelling = make_dwelling()
    return [m.Offer.create(dwelling=dwelling, contract_type=kind, monthly_rent=400, available_from=TODAY,
                           status="published", published=True)
            for kind in ("concordato_3_2", "concordato_3_2", "transitory", "free_4_4")]


# -- contract types -----------------------------------------------------------

def test_contract_types_typed_as_labels_are_refused_not_saved_to_match_nothing(app, login):
    client = login("operator")
    response = form_post(client, "/admin/household/new/",
                         household_data(app, acceptable_contract_types="Canone concordato 3+2, Transitorio"))
    assert response.status_code == 200  # a field error, nothing saved
    assert "Nessuna modifica" not in response.get_data(as_text=True)
    with app.extensions["database"].connection_context():
        assert m.Household.select().count() == 0


def test_contract_types_are_picked_from_the_list_and_match_their_offers(app, login):
    client = login("operator")
    data = household_data(app)
    data["acceptable_contract_types"] = ["concordato_3_2", "transitory"]
    assert form_post(client, "/admin/household/new/", data).status_code == 302
    with app.extensions["database"].connection_context():
        household = m.Household.get(m.Household.code == "NF-2026-0100")
        assert household.acceptable_contract_types == "concordato_3_2,transitory"
        assert eligible_by_contract(household.id, offers_of_every_type()) == 3
    page = client.get(f"/admin/household/edit/?id={household.id}").get_data(as_text=True)
    assert '<option selected value="transitory">' in page or '<option value="transitory" selected>' in page


def test_an_unknown_contract_key_is_a_field_error(app, login):
    client = login("operator")
    data = household_data(app)
    data["acceptable_contract_types"] = ["concordato_3_2", "villa_al_mare"]
    response = form_post(client, "/admin/household/new/", data)
    assert response.status_code == 200 and "villa_al_mare" in response.get_data(as_text=True)
    with app.extensions["database"].connection_context():
        assert m.Household.select().count() == 0


def test_free_text_contract_types_read_as_keys():
    assert v.contract_type_keys("Canone concordato 3+2, transitorio ;TRANSITORY, Libero 4+4, villa") == (
        ["concordato_3_2", "transitory", "free_4_4"], ["villa"])
    assert v.contract_type_keys("emergenza abitativa; Public housing (ERP)") == (["emergency", "erp"], [])


# -- languages ----------------------------------------------------------------

def language_ids(*codes):
    return [str(m.Language.get(m.Language.code == code).id) for code in codes]


def spoken(household_id):
    return sorted(link.spoken.code for link in
                  m.HouseholdLanguage.select().where(m.HouseholdLanguage.household == household_id))


def test_languages_are_picked_from_the_registry_linked_and_audited(app, login):
    with app.extensions["database"].connection_context():
        languages.sync()
        wolof_french = language_ids("wo", "fr")
        arabic = language_ids("ar")
    client = login("operator")
    data = household_data(app, languages="")
    data["spoken_languages"] = wolof_french
    assert form_post(client, "/admin/household/new/", data).status_code == 302
    with app.extensions["database"].connection_context():
        household = m.Household.get()
        assert spoken(household.id) == ["fr", "wo"]
        assert household.languages is None
    url = f"/admin/household/edit/?id={household.id}"
    page = client.get(url).get_data(as_text=True)
    selected = set(re.findall(r'<option selected value="(\d+)">|<option value="(\d+)" selected>', page))
    assert {a or b for a, b in selected} >= set(wolof_french)  # the form shows the stored links
    data = household_data(app, languages="", version="1")
    data["spoken_languages"] = arabic + wolof_french[:1]
    assert form_post(client, url, data).status_code == 302
    with app.extensions["database"].connection_context():
        assert spoken(household.id) == ["ar", "wo"]
        trail = m.AuditLog.select().where(m.AuditLog.entity == "household_language")
        # SQLite may give the new link the id of the removed one: then it is one "update" (fr -> ar)
        changes = [json.loads(row.changes).get("spoken", [None, None]) for row in trail]
        added = {new for _, new in changes if new is not None}
        removed = {old for old, _ in changes if old is not None}
        assert {int(i) for i in wolof_french + arabic} == added and removed == {int(wolof_french[1])}


def test_free_text_languages_become_links_and_the_rest_stays(app, login):
    with app.extensions["database"].connection_context():
        languages.sync()
    client = login("operator")
    assert form_post(client, "/admin/household/new/",
                     household_data(app, languages="Wolof e FRANCESE; mandinka")).status_code == 302
    with app.extensions["database"].connection_context():
        household = m.Household.get()
        assert spoken(household.id) == ["fr", "wo"]
        assert household.languages == "mandinka"
        resolved = make_household(code="NF-2026-0999", languages=None)
        noted = make_household(code="NF-2026-0998", notes="[Da ricondurre ai registri] Tipi di contratto: villa")
    from admin.views.registries import HouseholdView, UnresolvedFilter

    [view] = [view for view in app.extensions["housing_admin"]._views if type(view) is HouseholdView]
    with app.test_request_context():
        [index] = [i for i, flt in enumerate(view._declared("_filters")) if isinstance(flt, UnresolvedFilter)]
    listed = client.get(f"/admin/household/?flt0_{index}=1").get_data(as_text=True)  # "values to map"
    assert household.code in listed and noted.code in listed and resolved.code not in listed


def test_the_registry_is_seeded_once_and_kept_by_administrators(app, login):
    with app.extensions["database"].connection_context():
        first = languages.sync()
        assert first == 0 or first == len(v.LANGUAGE_SEED)  # the migration seeds SQLite; PostgreSQL was emptied
        m.Language.update(name_it="Arabo (varietà)").where(m.Language.code == "ar").execute()
        assert languages.sync() == 0
        assert m.Language.get(m.Language.code == "ar").name_it == "Arabo (varietà)"
        assert m.Language.select().count() == len(v.LANGUAGE_SEED)
        assert {"it", "en", "fr", "ar", "wo", "ti", "si"} <= {lang.code for lang in m.Language.select()}
    operator = login("operator", "op1")
    assert operator.get("/admin/language/").status_code == 200
    token = csrf_token(operator, "/admin/household/new/")
    operator.post("/admin/language/new/", data={"code": "kl", "name_it": "Klingon", "name_en": "Klingon",
                                                "csrf_token": token})
    with app.extensions["database"].connection_context():
        assert not m.Language.select().where(m.Language.code == "kl").exists()  # read-only for operators
    admin = login("admin", "boss")
    assert form_post(admin, "/admin/language/new/", {"code": "KL!", "name_it": "Klingon", "name_en": "Klingon",
                                                     "active": "y"}).status_code == 200
    assert form_post(admin, "/admin/language/new/", {"code": "mnk", "name_it": "Mandinka", "name_en": "Mandinka",
                                                     "active": "y"}).status_code == 302
    with app.extensions["database"].connection_context():
        assert m.Language.get(m.Language.code == "mnk").name_en == "Mandinka"


def test_mediation_needs_are_counted_by_language(app, login):
    with app.extensions["database"].connection_context():
        languages.sync()
        for index, (text, mediation, status) in enumerate((
                ("arabo, francese", True, "waiting"), ("Arabic", True, "housed"), ("wolof", True, "exited"),
                ("arabo", False, "waiting"), ("tigrino", True, "intake"))):
            make_household(code=f"NF-2026-{index:04d}", languages=text, needs_mediation=mediation, status=status)
        languages.link_free_text()
        counts = {code: n for code, _, _, n in languages.mediation_by_language()}
        assert counts == {"ar": 2, "fr": 1, "ti": 1}
    page = login("operator").get("/admin/language/?search=arabo").get_data(as_text=True)
    assert "Nuclei in carico che chiedono mediazione" in page


# -- the migration of existing free text ---------------------------------------

@pytest.fixture
def before_0008(db_url):
    with migrated_until(db_url, "0007_versions_and_sessions") as database:
        yield database


PLANTED = [  # (languages, accepted contract types, notes) -> expected links, text left, keys, unread contract text
    ("arabo, francese", "Canone concordato 3+2, Transitorio", None, ["ar", "fr"], None, "concordato_3_2,transitory", None),
    ("Wolof e Francese", "concordato_3_2", "già seguito", ["fr", "wo"], None, "concordato_3_2", None),
    ("inglese; tigrinya/ ITALIANO", "transitorio , LIBERO 4+4", None, ["en", "it", "ti"], None, "transitory,free_4_4", None),
    ("arabbo, singalese", "Canone concordatto", "nota", ["si"], "arabbo", None, "Canone concordatto"),
    ("mandinka", "erp, villa", None, [], "mandinka", "erp", "villa"),
    (None, None, None, [], None, None, None),
    ("RUMENO, Romeno", "Emergenza abitativa", None, ["ro"], "RUMENO", "emergency", None),
]


def test_the_migration_turns_free_text_into_keys_and_links_and_loses_nothing(before_0008):
    database = before_0008
    with database.connection_context(), database.bind_ctx([m.Household]):
        ids = []
        for index, (text, contracts, notes, *_rest) in enumerate(PLANTED):
            # Only the columns the table had before 0008: the model's later columns (models.later_columns) are absent.
            row = dict(code=f"NF-2025-{index:04d}", languages=text, acceptable_contract_types=contracts, notes=notes,
                       status="waiting", min_rooms=1, intake_on=TODAY, tie_break_key=0.5 + index / 100,
                       created_at=datetime.datetime.now(), updated_at=datetime.datetime.now(), version=1)
            stored = {c.name for c in database.get_columns("household")}
            for field in m.Household._meta.sorted_fields:
                if field.column_name in stored and field.name not in row and field.default is not None:
                    row[field.name] = field.default() if callable(field.default) else field.default
            columns = ", ".join(f'"{m.Household._meta.fields[name].column_name}"' for name in row)
            places = ", ".join([database.param] * len(row))
            database.execute_sql(f'INSERT INTO "household" ({columns}) VALUES ({places})',
                                 [m.Household._meta.fields[name].db_value(value) for name, value in row.items()])
            ids.append(m.Household.select(m.Household.id).where(m.Household.code == row["code"]).scalar())
        assert schema.runner(database).up(target="0008_languages_and_contract_keys") == ["0008_languages_and_contract_keys"]
    with database.connection_context(), database.bind_ctx(m.MODELS):
        for hid, (text, contracts, notes, links, left, keys, unread) in zip(ids, PLANTED):
            household = (m.Household.select(m.Household.id, m.Household.languages, m.Household.notes,
                                            m.Household.acceptable_contract_types)
                         .where(m.Household.id == hid).get())  # the columns of 0008, not the later ones
            assert spoken(hid) == links, text
            assert household.languages == left, text
            assert household.acceptable_contract_types == keys, contracts
            if unread:
                assert "[Da ricondurre ai registri]" in household.notes and unread in household.notes
                assert notes is None or household.notes.startswith(notes)
            else:
                assert household.notes == notes
        assert m.Language.select().count() == len(v.LANGUAGE_SEED)


def test_a_language_in_use_is_not_deleted_and_bad_choices_are_field_errors(app, login):
    with app.extensions["database"].connection_context():
        languages.sync()
        household = make_household(code="NF-2026-0001", languages="tigrino")
        languages.link_free_text()
        tigrinya = m.Language.get(m.Language.code == "ti")
    admin = login("admin", "boss")
    token = csrf_token(admin, "/admin/language/")
    response = admin.post("/admin/language/delete/", data={"id": tigrinya.id, "csrf_token": token},
                          follow_redirects=True)
    assert "Impossibile eliminare" in response.get_data(as_text=True)
    with app.extensions["database"].connection_context():
        assert m.Language.get_or_none(m.Language.id == tigrinya.id) is not None
    url = f"/admin/household/edit/?id={household.id}"
    for bad in (["abc"], ["999999"], ["99999999999999999999999"], ["1e3"]):
        data = household_data(app, code="NF-2026-0001", version="1")
        data["spoken_languages"] = bad
        response = form_post(admin, url, data)
        assert response.status_code == 200, bad  # a field error, never a 500
    with app.extensions["database"].connection_context():
        assert spoken(household.id) == ["ti"]
