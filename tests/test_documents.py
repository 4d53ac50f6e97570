"""The office's documents (issue 15): PDF text, canone figures from housing/rents.py, DOCX,
storage, role checks, local-only rendering and retention."""
import datetime
import io
import json
import pathlib
from decimal import Decimal

import pytest
from docx import Document
from pypdf import PdfReader
from weasyprint.urls import FatalURLFetchingError

import models as m
from housing import rents, retention
from housing.documents import KINDS, render, sources, store
from tests.conftest import csrf_token, make_user
from tests.samples import make_dwelling, make_household, make_landlord, make_territorial_agreement

VECTORS = json.loads((pathlib.Path(__file__).parent / "vectors" / "calculators.json").read_text(encoding="utf-8"))
FLAGS = (("has_lift", True), ("condition", "good"), ("furnished", True), ("bathrooms", 2))


def pdf_text(data):
    return " ".join(" ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(data)).pages)


def docx_text(data):
    doc = Document(io.BytesIO(data))
    cells = [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    return " ".join([p.text for p in doc.paragraphs] + cells)


def features(count):
    """Dwelling fields giving exactly ``count`` of the registry's qualifying features."""
    values = {"has_lift": False, "condition": "poor", "furnished": False, "bathrooms": 1}
    values.update(dict(FLAGS[:count]))
    return values


def zone_from_vectors(code):
    given = next(z for z in VECTORS["zones"] if z["code"] == code)
    agreement = m.TerritorialAgreement.get_or_none() or make_territorial_agreement()
    zone = m.AgreementZone.create(territorial_agreement=agreement, code=given["code"],
                                  name=given["name"])
    for band in given["bands"]:
        m.RentBand.create(zone=zone, label=band["label"], min_features=band["min_features"],
                          min_eur_m2_year=Decimal(str(band["min_eur_m2_year"])),
                          max_eur_m2_year=Decimal(str(band["max_eur_m2_year"])))
    return zone, given["bands"]


def letter_records():
    household = make_household(code="NF-2026-0042", monthly_net_income=Decimal("812.34"), notes="diabete")
    m.Person.create(household=household, first_name="Mario", last_name="Rossi", tax_code="RSSMRA80A01C351X",
                    birth_date=datetime.date(1980, 1, 1), sex="M", relation="reference")
    offer = m.Offer.create(dwelling=make_dwelling(address="Via Etnea 100"), contract_type="concordato_3_2",
                           monthly_rent=Decimal("450"), service_charges=Decimal("35"), status="published")
    match = m.Match.create(household=household, offer=offer, route="concordato_3_2", step="proposed",
                           proposed_by="op", viewing_at=datetime.datetime(2026, 12, 15, 10, 30),
                           viewing_place="Davanti al portone, Via Etnea 100")
    return household, offer, match


# -- the canone concordato: figures of housing/rents.py for the shared vectors ---------------------

# the registry holds whole square metres and four countable features: the vectors a home can have
CANONE_CASES = [case for case in VECTORS["concordato_range"]
                if case["expected"] is not None and case["input"]["features"] <= len(FLAGS)
                and float(case["input"]["area_m2"]).is_integer() and case["input"]["area_m2"] > 0
                and any(z["code"] == case["input"].get("zone") for z in VECTORS["zones"])]


def test_canone_figures_equal_rents_for_the_shared_vectors(database):
    assert len(CANONE_CASES) >= 4
    zones, landlord = {}, make_landlord()
    for index, case in enumerate(CANONE_CASES):
        given, expected = case["input"], case["expected"]
        if given["zone"] not in zones:
            zones[given["zone"]] = zone_from_vectors(given["zone"])
        zone, bands = zones[given["zone"]]
        rent = Decimal(str(expected["min_month"])) + 1
        dwelling = make_dwelling(landlord, zone=zone, area_m2=given["area_m2"], cadastral_unit=str(index),
                                 **features(given["features"]))
        offer = m.Offer.create(dwelling=dwelling, contract_type="concordato_3_2", monthly_rent=rent)
        data = sources.canone_calculation(offer)
        computed = rents.concordato_range(given["area_m2"], bands, given["features"])
        assert data["band"] == expected["band"] == computed["band"], case["name"]
        for key in ("min_month", "max_month", "min_year", "max_year"):
            assert Decimal(data[key]) == computed[key] == Decimal(str(expected[key])).quantize(Decimal("0.01")), \
                (case["name"], key)
        if index < 2:  # the PDF of two of them (rendering costs): the same figures, in Italian
            text = pdf_text(store.render_kind(KINDS["canone_calculation"], data)[1])
            assert "Calcolo del canone concordato" in text and f"Zona {given['zone']}" in text
            for key in ("min_month", "max_month", "min_year", "max_year"):
                assert render._money(expected[key]) in text, (case["name"], key, text)
            assert expected["band"] in text and render._money(rent) in text


# -- letters, storage, DOCX ------------------------------------------------------------------------

def test_letters_as_pdf_and_docx_stored_with_their_data(database):
    user = m.User.get_or_none(m.User.username == "op") or __import__("housing.accounts", fromlist=["x"]) \
        .create_user("op", "operator", "correct horse battery staple", full_name="Op")
    household, offer, match = letter_records()
    proposal = store.generate("proposal_letter", match, user)
    invitation = store.generate("viewing_invitation", match, user)
    text = pdf_text(bytes(proposal.pdf))
    assert "Proposta di alloggio" in text and "NF-2026-0042" in text and "Mario Rossi" in text
    assert "Via Etnea 100" in text and "€ 450,00" in text and "€ 35,00" in text
    assert "812" not in text and "diabete" not in text  # no income or health data in a letter
    invited = pdf_text(bytes(invitation.pdf))
    assert "Invito alla visita" in invited and "15/12/2026 10:30" in invited and "Davanti al portone" in invited
    assert "Invito alla visita" in docx_text(bytes(invitation.docx)) and "€ 450,00" in docx_text(bytes(proposal.docx))
    stored = m.GeneratedDocument.get_by_id(proposal.id)
    assert (stored.kind, stored.record_table, stored.record_id, stored.author_name) == \
        ("proposal_letter", "match", match.id, "op")
    assert json.loads(stored.data)["offer"]["monthly_rent"] == "450.00"
    assert [d.id for d in store.for_record("match", match.id)] == [invitation.id, proposal.id]
    assert m.AuditLog.select().where((m.AuditLog.entity == "generated_document")
                                     & (m.AuditLog.record_id == str(proposal.id))).exists()


def test_a_viewing_without_a_date_is_refused_and_nothing_is_stored(database):
    _, _, match = letter_records()
    match.viewing_at = None
    match.save()
    with pytest.raises(sources.DocumentError, match="data della visita"):
        store.generate("viewing_invitation", match, None)
    assert m.GeneratedDocument.select().count() == 0


# -- no network at render time ----------------------------------------------------------------------

def test_the_fetcher_refuses_anything_not_local():
    fetcher = render.LocalFetcher()
    for url in ("http://example.org/x.css", "https://example.org/font.ttf", "file:///etc/passwd"):
        with pytest.raises(render.RefusedURL):
            fetcher.fetch(url)
    with pytest.raises(FatalURLFetchingError):
        render.pdf('<html><head><link rel="stylesheet" href="http://127.0.0.1:9/x.css"></head>'
                   '<body><p>x</p></body></html>')


# -- the back office: role checks, panel, download ----------------------------------------------------

def test_roles_generate_list_and_download(app, client):
    database = app.extensions["database"]
    for role in ("operator", "clerk"):
        make_user(app, f"{role}1", role)
    with database.connection_context():
        _, offer, match = letter_records()
        landlord = make_landlord(name="Proprietaria Bianchi", kind="person", vat_number=None,
                                 tax_code="BNCNNA85M41C351H")
        incentive = m.Incentive.create(landlord=landlord, kind="one_off_grant", amount=Decimal("2000"),
                                       budget_line="PON 2026", requested_on=datetime.date(2026, 11, 2),
                                       status="approved", decided_on=datetime.date(2026, 11, 20))
    from tests.conftest import log_in

    clerk, operator = app.test_client(), app.test_client()
    assert log_in(clerk, "clerk1").status_code == 302 and log_in(operator, "operator1").status_code == 302
    page = f"/admin/match/details/?id={match.id}"
    # a clerk may not generate a household's letter (403), nor see them
    token = csrf_token(clerk, f"/admin/incentive/edit/?id={incentive.id}")
    refused = clerk.post("/admin/documents/generate", data={"kind": "proposal_letter", "record": match.id,
                                                           "csrf_token": token, "next": page})
    assert refused.status_code == 403
    assert "proposal_letter" not in clerk.get(page).get_data(as_text=True)
    # without CSRF nothing is generated
    operator.post("/admin/documents/generate", data={"kind": "proposal_letter", "record": match.id, "next": page})
    with database.connection_context():
        assert m.GeneratedDocument.select().count() == 0
    token = csrf_token(operator, page)
    done = operator.post("/admin/documents/generate", data={"kind": "proposal_letter", "record": match.id,
                                                           "csrf_token": token, "next": page})
    assert done.status_code == 302 and done.headers["Location"].endswith(page)
    with database.connection_context():
        letter = m.GeneratedDocument.get(m.GeneratedDocument.kind == "proposal_letter")
    listed = operator.get(page).get_data(as_text=True)
    assert f"/admin/documents/{letter.id}.pdf" in listed and f"/admin/documents/{letter.id}.docx" in listed
    journey = operator.get(f"/admin/journey/{match.household_id}").get_data(as_text=True)
    assert f"/admin/documents/{letter.id}.pdf" in journey  # also on the household's page
    download = operator.get(f"/admin/documents/{letter.id}.pdf")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert "NF-2026-0042" in pdf_text(download.data)
    assert clerk.get(f"/admin/documents/{letter.id}.pdf").status_code == 403
    assert app.test_client().get(f"/admin/documents/{letter.id}.pdf").status_code == 302  # to the login
    # the clerk decides the landlord's incentive; the operator only reads it
    token = csrf_token(clerk, f"/admin/incentive/edit/?id={incentive.id}")
    assert clerk.post("/admin/documents/generate", data={"kind": "incentive_decision", "record": incentive.id,
                                                         "csrf_token": token}).status_code == 302
    with database.connection_context():
        decision = m.GeneratedDocument.get(m.GeneratedDocument.kind == "incentive_decision")
    text = pdf_text(clerk.get(f"/admin/documents/{decision.id}.pdf").data)
    assert "Proprietaria Bianchi" in text and "€ 2.000,00" in text and "PON 2026" in text
    assert clerk.get(f"/admin/documents/{decision.id}.docx").status_code == 200
    assert operator.post("/admin/documents/generate", data={"kind": "incentive_decision", "record": incentive.id,
                                                            "csrf_token": token}).status_code == 403
    # the canone calculation names the landlord: a viewer, who reads offers but not landlords, gets no panel
    make_user(app, "viewer1", "viewer")
    viewer = app.test_client()
    assert log_in(viewer, "viewer1").status_code == 302
    assert 'name="kind"' not in viewer.get(f"/admin/offer/details/?id={offer.id}").get_data(as_text=True)
    assert viewer.get(f"/admin/documents/{decision.id}.pdf").status_code == 403


# -- retention -------------------------------------------------------------------------------------

def test_retention_applies_to_generated_documents(database):
    old = m.GeneratedDocument.create(kind="indicator_report", record_table="indicators", author_name="x",
                                     data="{}", pdf=b"%PDF", created_at=datetime.datetime(2010, 1, 1))
    new = m.GeneratedDocument.create(kind="indicator_report", record_table="indicators", author_name="x",
                                     data="{}", pdf=b"%PDF")
    retention.ensure_rules()  # an emptied PostgreSQL database has none
    rule = m.RetentionRule.get(m.RetentionRule.kind == "generated_document")
    rule.active, rule.action = True, "anonymise"
    rule.save()
    retention.run(apply=True, today=datetime.date(2026, 12, 1))
    emptied = m.GeneratedDocument.get_by_id(old.id)
    assert emptied.data is None and emptied.pdf is None and emptied.kind == "indicator_report"
    assert m.GeneratedDocument.get_by_id(new.id).pdf is not None
    rule.action = "delete"
    rule.save()
    retention.run(apply=True, today=datetime.date(2026, 12, 1))
    assert [d.id for d in m.GeneratedDocument.select()] == [new.id]


def test_support_plan_and_funders_report(database):
    household, _, _ = letter_records()
    plan = m.SupportPlan.create(household=household, started_on=datetime.date(2026, 10, 1),
                                review_on=datetime.date(2027, 4, 1), status="active")
    goal = m.PlanGoal.create(plan=plan, domain="housing", description="Mantenere la casa e pagare il canone")
    m.PlanAction.create(goal=goal, description="Aprire un conto per l'affitto", target_on=datetime.date(2026, 11, 30))
    signed = store.generate("support_plan", plan, None)
    text = pdf_text(bytes(signed.pdf))
    assert "Progetto personalizzato" in text and "NF-2026-0042" in text and "Mario Rossi" in text
    assert "Mantenere la casa" in text and "Aprire un conto" in text and "01/04/2027" in text
    assert "Progetto personalizzato" in docx_text(bytes(signed.docx))
    report = store.generate("indicator_report", None, None)
    text = pdf_text(bytes(report.pdf))
    assert "Relazione sugli indicatori" in text and "permanenza in casa" in text.lower()
    assert report.docx is None and (report.record_table, report.record_id) == ("indicators", None)
    assert [d.id for d in store.for_record("indicators", None)] == [report.id]


def test_a_closed_households_anonymisation_empties_its_letters(database):
    household, _, match = letter_records()
    letter = store.generate("proposal_letter", match, None)
    other = m.GeneratedDocument.create(kind="indicator_report", record_table="indicators", author_name="x",
                                       data="{}", pdf=b"%PDF")
    changes = [change for change, apply in retention.household_steps(household) if not apply(None)]
    assert ("generated_document", str(letter.id)) in {(c.table, c.record_id) for c in changes}
    emptied = m.GeneratedDocument.get_by_id(letter.id)
    assert emptied.data is None and emptied.pdf is None and emptied.docx is None
    assert emptied.kind == "proposal_letter" and emptied.record_id == match.id
    assert m.GeneratedDocument.get_by_id(other.id).pdf is not None
