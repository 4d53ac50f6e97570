"""Role by field: no way out of the back office shows a field that the role may not read.

One world of records whose protected fields hold distinctive markers; for every
role, every registered model view (list, details of every record, CSV and XLSX
export, every ajax lookup, every sort, every filter and search) and every other
GET page of ``app.url_map`` is fetched and scanned for the markers that role may
not read. Which role may read what is written out here on purpose, independently
of ``admin/roles.py``.
"""
import datetime
import io
import json
import re
from decimal import Decimal

import openpyxl
import pytest

import models as m
from admin import create_app, roles
from admin.views.base import SecureModelView
from admin.views import field_access
from conftest import ENGINES, make_user, module_db_url, role_clients
from housing.accompaniment import assessments
from samples import tax_code

ROLES = ("admin", "operator", "clerk", "viewer")
TODAY = datetime.date.today()

# marker -> what it is; each is stored in exactly one protected field
LANDLORD = {"Zebedeo Privatissimo": "private landlord's name", "privatissimo@example.it": "landlord email",
            "3991112223": "landlord phone", "Vicolo Nascosto 7": "landlord address",
            "NOTA-LOCATORE-7731": "landlord notes"}
LANDLORD_TAX_CODE = tax_code("PRVZBD70A01C351")
DWELLING = {"CADX91": "cadastral sheet", "PRCX92": "cadastral parcel", "UNX93": "cadastral unit",
            "NOTA-ALLOGGIO-5512": "dwelling notes"}
HOUSEHOLD = {"nucleo-segreto@example.it": "household email", "3477776665": "household phone",
             "4817.23": "income", "4.817,23": "income", "7391.61": "ISEE", "7.391,61": "ISEE",
             "NOTA-NUCLEO-9921": "household notes", "MOTIVO-CONFERENZA-4410": "case conference reason",
             "tigrino-marker": "languages"}
ETHOS = "inadequate_13"
PERSON = {"Quirinella": "member's first name", "Zappacosta": "member's last name"}
PERSON_TAX_CODE = tax_code("ZPPQRN37C69C351")
ERP = {"613.79": "social rent", "613,79": "social rent", "2958.37": "arrears", "2.958,37": "arrears"}
TENANCY = {"431.89": "programme contribution", "431,89": "programme contribution",
           "GARANZIA-MARKER-3341": "guarantee", "3719.43": "arrears episode", "3.719,43": "arrears episode",
           "NOTA-MOROSITA-6620": "arrears note", "NOTA-VISITA-8872": "follow-up note"}
CONTACT = {"NOTA-CONTATTO-2231": "contact note"}
JOURNEY = {"NOTA-VALUTAZIONE-1180": "assessment note"}
SPECIAL = {"SALUTE-RISERVATA-7007": "restricted contact note (health)",
           "SALUTE-VALUTAZIONE-7008": "restricted assessment note (health)"}
HIDDEN = {"$argon2id$": "password hash"}
CONSENTED_NAME = "Consolata Pubblicabile"  # a private landlord who agreed to publish the name

# What each role may NOT read, written out here (not derived from admin/roles.py).
PERSONAL = {**HOUSEHOLD, **PERSON, **TENANCY, **CONTACT, **JOURNEY}
FORBIDDEN = {
    "admin": {**SPECIAL, **HIDDEN},
    "operator": {**SPECIAL, **HIDDEN},
    "clerk": {**SPECIAL, **HIDDEN, **PERSONAL},
    "viewer": {**SPECIAL, **HIDDEN, **PERSONAL, **LANDLORD, **DWELLING, **ERP},
}
# Restricted notes are read on the household's journey pages by an admin or the case worker
# (each read logged, see test_accompaniment_views); operator1 is not this household's case worker.
SPECIAL_READERS = {("admin", "/admin/journey/")}


def ethos_label():
    from housing.vocabulary import ETHOS_CATEGORIES

    return next(t.it for t in ETHOS_CATEGORIES if t.key == ETHOS)


@pytest.fixture(scope="module", params=ENGINES)
def world(request, tmp_path_factory):
    """One app over one database of marked records, and a logged-in client per role."""
    url = module_db_url(request, tmp_path_factory, "field_access")
    app = create_app({"TESTING": True, "ENV": "testing", "SECRET_KEY": "k", "DATABASE_URL": url,
                      "SESSION_COOKIE_SECURE": False})
    users = {role: make_user(app, f"{role}1", role) for role in ROLES}
    users["case_worker"] = make_user(app, "caseworker", "operator")
    with app.extensions["database"].connection_context():
        ids = seed(users)
    clients = role_clients(app, ROLES)
    yield app, clients, ids
    database = app.extensions["database"]
    if not database.is_closed():
        database.close()


def seed(users):
    """Every registry with one or two records; the protected fields hold the markers."""
    operator = users["case_worker"]
    private = m.Landlord.create(kind="private_person", name="Zebedeo Privatissimo", tax_code=LANDLORD_TAX_CODE,
                                email="privatissimo@example.it", phone="3991112223", address="Vicolo Nascosto 7",
                                notes="NOTA-LOCATORE-7731", public_name_consent=False)
    consented = m.Landlord.create(kind="private_person", name=CONSENTED_NAME, public_name_consent=True)
    iacp = m.Landlord.create(kind="iacp", name="IACP di Catania")
    territorial = m.TerritorialAgreement.create(name="Accordo territoriale", city="Catania")
    zone = m.AgreementZone.create(territorial_agreement=territorial, code="Z1", name="Centro")
    centre = m.District.create(name="Centro", zone=zone)
    librino = m.District.create(name="Librino")
    m.RentBand.create(zone=zone, label="fascia media", min_eur_m2_year=50, max_eur_m2_year=80)
    m.ContractDuration.create(territorial_agreement=territorial, contract_type="transitory", min_months=1, max_months=18)
    dwelling = m.Dwelling.create(landlord=private, ownership="private", address="Via Etnea 100", postcode="95124",
                                 district=centre, zone=zone, area_m2=60, rooms=3, status="available",
                                 cadastral_sheet="CADX91", cadastral_parcel="PRCX92", cadastral_unit="UNX93",
                                 notes="NOTA-ALLOGGIO-5512")
    m.Dwelling.create(landlord=consented, ownership="private", address="Via Crociferi 3", postcode="95124",
                      district=centre, area_m2=50, rooms=2, status="available")
    public = m.Dwelling.create(landlord=iacp, ownership="public", address="Viale Moncada 5", postcode="95121",
                               district=librino, area_m2=70, rooms=3, status="let")
    offer = m.Offer.create(dwelling=dwelling, contract_type="concordato_3_2", monthly_rent=420, status="published")
    household = m.Household.create(
        code="NF-2026-0042", email="nucleo-segreto@example.it", phone="3477776665", ethos_category=ETHOS,
        monthly_net_income=Decimal("4817.23"), isee_value=Decimal("7391.61"), notes="NOTA-NUCLEO-9921",
        case_conference_rank=2, case_conference_reason="MOTIVO-CONFERENZA-4410", languages="tigrino-marker",
        status="waiting", min_rooms=1, case_worker=operator.id)
    person = m.Person.create(household=household, first_name="Quirinella", last_name="Zappacosta",
                             tax_code=PERSON_TAX_CODE, birth_date=datetime.date(1937, 3, 29), sex="F",
                             relation="reference", has_disability=True, disability_percent=67)
    m.ErpAssignment.create(dwelling=public, household=household, act_number="ERP-2026-777", act_date=TODAY,
                           social_rent=Decimal("613.79"), arrears_amount=Decimal("2958.37"), arrears_since=TODAY)
    partner = m.Partner.create(name="Cooperativa Prossima", sector="third_sector")
    agreement = m.Agreement.create(title="Protocollo", kind="memorandum", status="active")
    m.AgreementPartner.create(agreement=agreement, partner=partner, role="firmatario")
    plan = m.SupportPlan.create(household=household, started_on=TODAY)
    goal = m.PlanGoal.create(plan=plan, domain="housing", description="Trovare casa")
    m.PlanAction.create(goal=goal, description="Visita alloggio", responsible_user=operator.id)
    m.Referral.create(household=household, person=person, service="home_care", partner=partner, sent_on=TODAY)
    m.ContactLog.create(household=household, contact_on=TODAY, contact_type="home_visit", operator=operator.id,
                        operator_name="Operatore", note="NOTA-CONTATTO-2231", sensitive_note="SALUTE-RISERVATA-7007")
    place = m.Place.create(name="Posto Uno", kind="emergency", capacity=2, dwelling=public)
    m.Stay.create(household=household, place=place, entry_on=TODAY)
    match = m.Match.create(household=household, offer=offer, route="private", step="proposed", proposed_by="operator1",
                           snapshot=json.dumps({"household": {"monthly_net_income": 4817.23}}))
    m.MatchEvent.create(match=match, actor="operator1", to_step="proposed")
    tenancy = m.Tenancy.create(household=household, dwelling=dwelling, offer=offer, contract_type="concordato_3_2",
                               monthly_rent=420, programme_contribution=Decimal("431.89"), start_on=TODAY,
                               guarantee="GARANZIA-MARKER-3341")
    m.FollowUpVisit.create(tenancy=tenancy, visited_on=TODAY, note="NOTA-VISITA-8872")
    arrears = m.ArrearsEpisode.create(tenancy=tenancy, since=TODAY, amount=Decimal("3719.43"), note="NOTA-MOROSITA-6620")
    incentive = m.Incentive.create(landlord=private, dwelling=dwelling, tenancy=tenancy, kind="guarantee_fund",
                                   amount=1000, months_covered=6, budget_line="PON 2026", requested_on=TODAY)
    m.GuaranteeClaim.create(incentive=incentive, arrears=arrears, claimed_on=TODAY, amount_claimed=100)
    scores = {item["key"]: 3 for item in assessments.instruments.items(
        assessments.instruments.read_definition("assessment"))}
    assessments.record(person, TODAY, scores, {"housing": "NOTA-VALUTAZIONE-1180", "health": "SALUTE-VALUTAZIONE-7008"},
                       consent=True, assessor=operator)
    m.JobRun.create(name="publish", outcome="success", started_at=m.now())
    return {"household": household.id, "offer": offer.id, "dwelling": dwelling.id, "match": match.id,
            "assessment": m.Assessment.select().first().id, "private_landlord": private.id}


def model_views(app):
    return [v for v in app.extensions["housing_admin"]._views if isinstance(v, SecureModelView)]


def scan(role, url, response, found):
    """Record every marker ``role`` may not read that the response shows."""
    if response.status_code != 200:
        return
    body = response.get_data()
    if body[:2] == b"PK":  # xlsx
        book = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
        text = "\n".join(str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row)
    else:
        text = body.decode("utf-8", "replace")
    forbidden = dict(FORBIDDEN[role])
    if role in ("clerk", "viewer"):
        forbidden[ethos_label()] = "ETHOS category"
        forbidden[PERSON_TAX_CODE] = "member's tax code"
    if role == "viewer":
        forbidden[LANDLORD_TAX_CODE] = "landlord's tax code"
    if any(role == reader and url.startswith(prefix) for reader, prefix in SPECIAL_READERS):
        forbidden = {k: v for k, v in forbidden.items() if k not in SPECIAL}
    for marker, what in forbidden.items():
        if marker in text:
            found.append((role, url, what))


def row_ids(response):
    return set(re.findall(r"details/\?id=(\d+)", response.get_data(as_text=True)))


def view_urls(view):
    """Every GET a model view answers: list, sorts, details, exports, ajax lookups."""
    base = f"/admin/{view.endpoint}/"
    urls = [base, base + "?search=a"]
    urls += [f"{base}?sort={i}&desc=1" for i in range(len(view.column_list or []) + 2)]
    if view.can_view_details:
        urls += [f"{base}details/?id={row.id}" for row in view.model.select(view.model.id)]
    urls += [base + "export/csv/", base + "export/xlsx/"]
    urls += [f"{base}ajax/lookup/?name={name}&query=&limit=100000" for name in view._form_ajax_refs]
    return urls


@pytest.mark.parametrize("role", ROLES)
def test_no_view_shows_a_field_the_role_may_not_read(world, role):
    app, clients, ids = world
    client, found, opened = clients[role], [], 0
    for view in model_views(app):
        if client.get(f"/admin/{view.endpoint}/").status_code != 200:
            continue
        opened += 1
        with app.extensions["database"].connection_context():
            urls = view_urls(view)
        for url in urls:
            response = client.get(url)
            assert response.status_code < 500, (role, url)
            scan(role, url, response, found)
    assert opened >= {"admin": 28, "operator": 20, "clerk": 15, "viewer": 12}[role]
    assert not found, found


def concrete_get_urls(app, ids):
    """Every other GET page of the back office, its ids pointing at the marked records."""
    values = {"household_id": ids["household"], "offer_id": ids["offer"], "match_id": ids["match"],
              "assessment_id": ids["assessment"], "fmt": "csv", "export_type": "csv"}
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint.endswith("static") or "/ajax/" in rule.rule:
            continue
        url = rule.rule
        for arg in rule.arguments:
            url = re.sub(rf"<(?:\w+:)?{arg}>", str(values.get(arg, 1)), url)
        yield url


@pytest.mark.parametrize("role", ROLES)
def test_no_page_shows_a_field_the_role_may_not_read(world, role):
    app, clients, ids = world
    client, found = clients[role], []
    for url in concrete_get_urls(app, ids):
        response = client.get(url)
        assert response.status_code < 500, (role, url)
        scan(role, url, response, found)
    assert not found, found


@pytest.mark.parametrize("role", ROLES)
def test_search_and_filters_are_no_oracle(world, role):
    """Searching or filtering for a value the role may not read finds nothing, on every view."""
    app, clients, ids = world
    client = clients[role]
    forbidden = [marker for marker in FORBIDDEN[role] if not re.fullmatch(r"[\d.,$a-z]+", marker)]
    for view in model_views(app):
        base = f"/admin/{view.endpoint}/"
        if client.get(base).status_code != 200:
            continue
        listing = client.get(base)
        everything = row_ids(listing)
        if 'name="search"' in listing.get_data(as_text=True):
            for marker in forbidden:
                assert not row_ids(client.get(base, query_string={"search": marker})), (role, base, marker)
        for index in range(len(view._filters or [])):  # the declared filters, outside a request
            field = getattr(view._filters[index], "column", None)
            if field is not None and not roles.role_reads(role, field.model, field.name):
                narrowed = row_ids(client.get(base, query_string={f"flt0_{index}": "CADX91"}))
                assert narrowed == everything, (role, base, index, "an unreadable filter was applied")


def test_unreadable_filters_sorts_and_searches_are_dropped_per_role(world):
    """A view declaring a filter, a sort and a search on fields a role may not read offers none of them to it."""
    from flask_login import login_user

    from admin.views.registries import DwellingView

    app, clients, ids = world

    class Declared(DwellingView):
        column_filters = ["postcode", "cadastral_sheet", m.Landlord.name, m.Landlord.kind]
        column_sortable_list = ["address", "cadastral_unit", ("landlord", m.Landlord.name)]
        column_searchable_list = ["address", "cadastral_parcel", m.Landlord.name]

    view = Declared(m.Dwelling, endpoint="declared_dwelling")
    declared_filters = [flt.column.name for flt in view._filters]
    with app.test_request_context("/"), app.extensions["database"].connection_context():
        for role, expected in {"viewer": ({"postcode", "kind"}, {"address"}, {"address"}),
                               "clerk": ({"postcode", "cadastral_sheet", "name", "kind"},
                                         {"address", "cadastral_unit", "landlord"},
                                         {"address", "cadastral_parcel", "name"})}.items():
            login_user(m.User.get(m.User.username == f"{role}1"))
            filters = {view._filters[i].column.name for i, _ in view._filter_args.values()}
            grouped = {item["index"] for group in view._filter_groups.values() for item in group.filters}
            assert filters == expected[0] and grouped == {i for i, _ in view._filter_args.values()}, role
            assert set(view._sortable_columns) == expected[1], role
            assert {f.name for f in view._search_fields} == expected[2] and view._search_supported, role
            assert len(view._filters) == len(declared_filters), "a filter keeps its index (its URL) for every role"


def test_landlord_labels_follow_the_consent(world):
    app, clients, ids = world
    page = clients["viewer"].get("/admin/dwelling/").get_data(as_text=True)
    assert CONSENTED_NAME in page, "a private landlord who consented is named (as on the public site)"
    assert f"Locatore n. {ids['private_landlord']}" in page
    assert "Zebedeo Privatissimo" in clients["clerk"].get("/admin/dwelling/").get_data(as_text=True)


@pytest.mark.parametrize("role", ROLES)
def test_ajax_lookups_serve_edit_forms_only_and_are_bounded(world, role):
    app, clients, ids = world
    client = clients[role]
    for view in model_views(app):
        base = f"/admin/{view.endpoint}/"
        if client.get(base).status_code != 200:
            continue
        may_edit = roles.can_edit(type("U", (), {"is_authenticated": True, "active": True, "role": role})(),
                                  view.registry) and (view.allow_create or view.allow_edit)
        for name in view._form_ajax_refs:
            for limit in ("100000", "99999999999999999999", "-3", "abc", ""):
                response = client.get(f"{base}ajax/lookup/?name={name}&query=&limit={limit}&offset={limit}")
                if not may_edit:
                    assert response.status_code == 403, (role, base, name)
                    continue
                assert response.status_code == 200, (role, base, name, limit)
                assert len(response.json) <= field_access.MAX_AJAX_LIMIT


def test_the_classification_covers_the_markers():
    """admin/roles.py agrees with the table above on the marked fields."""
    expected = {
        (m.Landlord, "name"): {"viewer"}, (m.Landlord, "tax_code"): {"viewer"},
        (m.Dwelling, "cadastral_sheet"): {"viewer"}, (m.Dwelling, "notes"): {"viewer"},
        (m.Household, "monthly_net_income"): {"clerk", "viewer"}, (m.Household, "ethos_category"): {"clerk", "viewer"},
        (m.Person, "tax_code"): {"clerk", "viewer"}, (m.Person, "has_disability"): {"clerk", "viewer"},
        (m.Assessment, "need_index"): {"clerk", "viewer"}, (m.ErpAssignment, "social_rent"): {"viewer"},
        (m.ContactLog, "sensitive_note"): set(ROLES), (m.User, "password_hash"): set(ROLES),
        (m.Household, "code"): set(), (m.Dwelling, "address"): set(),
    }
    for (model, name), denied in expected.items():
        assert {r for r in ROLES if not roles.role_reads(r, model, name)} == denied, (model, name)


def test_every_protected_field_belongs_to_a_registry():
    for model in m.MODELS:
        for name in model._meta.fields:
            needed = roles.field_class(model, name)
            assert needed in (None, roles.SPECIAL, roles.HIDDEN) or needed in roles.PERMISSIONS, (model, name)


def probe(model, depth=0):
    """An unsaved record whose every text and number shows a marker naming its field."""
    from peewee import CharField, DecimalField, FloatField, ForeignKeyField, IntegerField, TextField

    record = model()
    for index, (name, field) in enumerate(model._meta.fields.items()):
        if isinstance(field, ForeignKeyField):
            if depth < 3 and field.rel_model is not model:
                setattr(record, name, probe(field.rel_model, depth + 1))
        elif isinstance(field, (CharField, TextField)):
            setattr(record, name, f"<{model._meta.table_name}.{name}>")
        elif isinstance(field, (IntegerField, DecimalField, FloatField)) and not field.primary_key:
            setattr(record, name, 900000 + 1000 * depth + index)
    record.id = 1
    return record


def test_labels_declare_the_protected_fields_they_show():
    """A model whose __str__ shows a protected field (its own or a related record's) says so in LABEL_FIELDS."""
    from peewee import ForeignKeyField

    for model in m.MODELS:
        record = probe(model)
        try:
            text = str(record)
        except Exception:  # noqa: BLE001 - a __str__ that needs the database shows nothing protected here
            continue
        declared = field_access.LABEL_FIELDS.get(model._meta.table_name, ())
        for index, (name, field) in enumerate(model._meta.fields.items()):
            if isinstance(field, ForeignKeyField):
                related = getattr(record, name, None)
                if related is not None and str(related) and str(related) in text and related._meta.table_name in field_access.LABEL_FIELDS:
                    assert name in declared, (model, name)
            elif roles.field_class(model, name) is not None:
                marker = f"<{model._meta.table_name}.{name}>" if isinstance(getattr(record, name), str) else str(900000 + index)
                if marker in text:
                    assert name in declared, (model, name)


def test_flask_admin_internals_relied_on():
    """The private Flask-Admin API the mixin narrows, as of flask-admin 2.2.1."""
    import inspect

    from flask_admin.model.base import BaseModelView

    source = inspect.getsource(BaseModelView)
    for name in field_access.FieldAccessMixin.ROLE_SCOPED:
        assert f"self.{name}" in source or name == "_search_fields", name
    assert "self._get_field_value(model, name)" in source
    assert "_form_ajax_refs.get(name)" in source
