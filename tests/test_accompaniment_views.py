"""The accompaniment's screens: status transitions, cross-record rules, the
household journey, restricted notes and their access log, indicators and exports."""
import datetime
import json
from decimal import Decimal

import pytest

import models as m
from conftest import csrf_token, form_post, make_user
from samples import ANNA, MARIO, make_dwelling, make_household, make_landlord, make_partner

TODAY = datetime.date.today()
DOMAINS = ["self_care", "home_care", "daily_management", "health", "addictions", "relationships",
           "conflict_legality", "money_management", "work", "education", "housing"]


def within(app):
    return app.extensions["database"].connection_context()


def household_with_member(case_worker=None, code="NF-2026-0001", tax_code=MARIO):
    household = make_household(code=code, case_worker=case_worker, ethos_category="roofless_2",
                               monthly_net_income=Decimal("700"))
    m.Person.create(household=household, first_name="Mario", last_name="Rossi", tax_code=tax_code,
                    birth_date=datetime.date(1980, 1, 1), sex="M", relation="reference")
    return household


def assessment_form(household_id, person_id, score="2", **extra):
    data = {"person": str(person_id), "assessed_on": TODAY.isoformat(), "consent": "y"}
    for key in DOMAINS:
        data[f"score_{key}"] = score
        data[f"note_{key}"] = f"nota {key}"
    data["note_health"] = "diabete, terapia insulinica"
    data.update(extra)
    return data


# -- status transitions and record rules through the forms ---------------------------

def test_referral_status_follows_its_transitions(app, login):
    client = login("operator")
    with within(app):
        household, partner = household_with_member(), make_partner()
        referral = m.Referral.create(household=household, partner=partner, service="job_integration",
                                     sent_on=TODAY, status="completed", outcome="job_contract")
    url = f"/admin/referral/edit/?id={referral.id}"
    data = {"household": household.id, "partner": partner.id, "service": "job_integration",
            "sent_on": TODAY.isoformat(), "status": "sent", "outcome": ""}
    response = form_post(client, url, data)
    assert response.status_code == 200 and "non si può passare" in response.get_data(as_text=True)
    with within(app):
        assert m.Referral.get_by_id(referral.id).status == "completed"
        fresh = m.Referral.create(household=household, partner=partner, service="job_integration", sent_on=TODAY)
    for status in ("accepted", "in_progress", "completed"):
        response = form_post(client, f"/admin/referral/edit/?id={fresh.id}", {**data, "status": status})
        assert response.status_code == 302, status
    with within(app):
        assert m.Referral.get_by_id(fresh.id).status == "completed"
        assert m.AuditLog.select().where((m.AuditLog.entity == "referral") & (m.AuditLog.record_id == str(fresh.id))).count() == 3  # one per change


def test_mediation_needs_a_language_and_an_outcome_needs_a_closed_referral(app, login):
    client = login("operator")
    with within(app):
        household, partner = household_with_member(), make_partner()
    base = {"household": household.id, "partner": partner.id, "sent_on": TODAY.isoformat(), "status": "sent"}
    page = form_post(client, "/admin/referral/new/", {**base, "service": "mediation"}).get_data(as_text=True)
    assert "Indicare la lingua della mediazione" in page
    page = form_post(client, "/admin/referral/new/", {**base, "service": "training", "outcome": "course_completed"}).get_data(as_text=True)
    assert "concluso o rifiutato" in page
    response = form_post(client, "/admin/referral/new/", {**base, "service": "mediation", "mediation_language": "tigrino",
                                                          "mediator": "Mediatrice A.", "sessions": "3"})
    assert response.status_code == 302
    with within(app):
        assert m.Referral.select().count() == 1


def test_plan_goals_follow_transitions_and_an_active_plan_needs_consent(app, login):
    client = login("operator")
    with within(app):
        household = household_with_member()
    data = {"household": household.id, "started_on": TODAY.isoformat(), "status": "active",
            "goals-0-domain": "work", "goals-0-description": "Tirocinio con il SIL", "goals-0-status": "achieved"}
    page = form_post(client, "/admin/support_plan/new/", data).get_data(as_text=True)
    assert "consenso firmato" in page
    with within(app):
        assert m.SupportPlan.select().count() == 0 and m.PlanGoal.select().count() == 0
    data.update({"consent_signed": "y", "consent_on": TODAY.isoformat()})
    # a goal's domain is one of the instrument's, never free text
    assert form_post(client, "/admin/support_plan/new/", {**data, "goals-0-domain": "lavoro"}).status_code == 200
    assert form_post(client, "/admin/support_plan/new/", data).status_code == 302
    with within(app):
        plan = m.SupportPlan.get()
        goal = plan.goals.get()
    data.update({"goals-0-id": str(goal.id), "goals-0-status": "open"})  # achieved is final
    page = form_post(client, f"/admin/support_plan/edit/?id={plan.id}", data).get_data(as_text=True)
    assert "non si può passare" in page
    with within(app):
        assert m.PlanGoal.get_by_id(goal.id).status == "achieved"


def test_overlapping_stay_is_refused_in_the_form(app, login):
    client = login("operator")
    with within(app):
        first, second = household_with_member(), household_with_member(code="NF-2026-0002", tax_code=ANNA)
        place = m.Place.create(name="Posto unico", kind="emergency", capacity=1, facility="Via Plebiscito 1")
        m.Stay.create(household=first, place=place, entry_on=TODAY - datetime.timedelta(days=10))
    data = {"household": second.id, "place": place.id, "entry_on": TODAY.isoformat()}
    page = form_post(client, "/admin/stay/new/", data).get_data(as_text=True)
    assert "Nessun posto libero" in page
    bad = {"household": second.id, "place": place.id, "entry_on": TODAY.isoformat(),
           "exit_on": (TODAY - datetime.timedelta(days=30)).isoformat(), "exit_destination": "family"}
    assert "L&#39;uscita precede l&#39;ingresso" in form_post(client, "/admin/stay/new/", bad).get_data(as_text=True)
    with within(app):
        assert m.Stay.select().count() == 1


def test_incentives_totals_and_guarantee_claims(app, login):
    client = login("clerk")
    with within(app):
        landlord = make_landlord()
        grant = m.Incentive.create(landlord=landlord, kind="one_off_grant", amount=2000, status="paid", budget_line="PON 2026",
                                   requested_on=TODAY, decided_on=TODAY, paid_on=TODAY)
        m.Incentive.create(landlord=landlord, kind="renovation_grant", amount=8000, status="requested",
                           budget_line="PON 2026", requested_on=TODAY)
        guarantee = m.Incentive.create(landlord=landlord, kind="guarantee_fund", amount=3000, months_covered=6,
                                       status="approved", budget_line="Fondo comunale", requested_on=TODAY, decided_on=TODAY)
    claim = {"incentive": guarantee.id, "claimed_on": TODAY.isoformat(), "amount_claimed": "3500", "amount_paid": "0",
             "status": "submitted"}
    assert "Oltre la copertura" in form_post(client, "/admin/guarantee_claim/new/", claim).get_data(as_text=True)
    page = form_post(client, "/admin/guarantee_claim/new/", {**claim, "incentive": grant.id, "amount_claimed": "100"})
    assert "solo un fondo di garanzia" in page.get_data(as_text=True)
    assert form_post(client, "/admin/guarantee_claim/new/", {**claim, "amount_claimed": "1200", "amount_paid": "1200",
                                                             "status": "submitted"}).status_code == 302
    page = form_post(client, "/admin/incentive/new/", {"landlord": landlord.id, "kind": "guarantee_fund", "amount": "100",
                                                      "status": "requested", "budget_line": "X", "requested_on": TODAY.isoformat()})
    assert "mensilità" in page.get_data(as_text=True)
    from housing.accompaniment.incentives import totals_by_budget_line

    with within(app):
        totals = totals_by_budget_line()
    assert totals["PON 2026"]["paid"] == Decimal("2000") and totals["PON 2026"]["requested"] == Decimal("8000")
    assert totals["Fondo comunale"]["approved"] == Decimal("3000") and totals["Fondo comunale"]["claims_paid"] == Decimal("1200")
    page = client.get("/admin/indicators/").get_data(as_text=True)
    assert "PON 2026" in page and "2.000,00" in page


# -- the household journey, the assessment form and the restricted notes ----------------

@pytest.fixture
def journey(app):
    """A case worker, another operator, and the case worker's household with a member."""
    case_worker = make_user(app, "caseworker", "operator")
    make_user(app, "otheroperator", "operator")
    with within(app):
        household = household_with_member(case_worker=case_worker.id)
        person = household.members.get()
    return household, person


def log_in_as(client, username):
    from conftest import log_in

    assert log_in(client, username).status_code == 302


def test_the_assessment_form_saves_and_the_page_shows_priority_and_change(app, client, journey):
    household, person = journey
    log_in_as(client, "caseworker")
    url = f"/admin/journey/{household.id}/assess"
    page = client.get(url).get_data(as_text=True)
    assert "Cura di sé" in page and "Igiene e alimentazione gravemente trascurate" in page
    missing = assessment_form(household.id, person.id)
    del missing["score_work"]
    response = form_post(client, url, missing)
    assert response.status_code == 200 and "Indicare un punteggio" in response.get_data(as_text=True)
    with within(app):
        assert m.Assessment.select().count() == 0
    assert form_post(client, url, assessment_form(household.id, person.id, "2")).status_code == 302
    with within(app):
        first = m.Assessment.get()
        first.assessed_on = TODAY - datetime.timedelta(days=90)
        first.save()
    assert form_post(client, url, assessment_form(household.id, person.id, "4")).status_code == 302
    page = client.get(f"/admin/journey/{household.id}").get_data(as_text=True)
    assert 'data-domain="work"' in page and "(+2)" in page          # the chart shows the change per domain
    assert "valutazione multidimensionale: bisogno 0,25" in page  # the latest assessment feeds the priority
    assert "diabete" not in page                                  # restricted notes are hidden by default
    # the old assessment is locked: its edit link turns into a correction needing a reason
    response = client.get(f"/admin/journey/assessment/{first.id}/edit")
    assert response.status_code == 302 and f"corrects={first.id}" in response.headers["Location"]
    corrected = form_post(client, f"{url}?corrects={first.id}", assessment_form(household.id, person.id, "3"))
    assert "richiede la motivazione" in corrected.get_data(as_text=True)


def test_restricted_notes_role_matrix_and_access_log(app, client, journey):
    household, person = journey
    with within(app):
        from housing.accompaniment import assessments

        assessments.record(person, TODAY, {k: 3 for k in DOMAINS}, {"health": "diabete", "work": "cerca lavoro"}, True)
        m.ContactLog.create(household=household, contact_on=TODAY, contact_type="home_visit", operator_name="x",
                            note="visita regolare", sensitive_note="ricaduta nell'uso di alcol")
    page_url, sensitive_url = f"/admin/journey/{household.id}", f"/admin/journey/{household.id}?sensitive=1"
    make_user(app, "boss", "admin")
    make_user(app, "clerk1", "clerk")
    make_user(app, "viewer1", "viewer")
    expected = {"caseworker": (200, 200), "boss": (200, 200), "otheroperator": (200, 403), "clerk1": (403, 403),
                "viewer1": (403, 403)}
    for username, (page_status, sensitive_status) in expected.items():
        client.get("/auth/logout")
        log_in_as(client, username)
        page = client.get(page_url)
        assert page.status_code == page_status, username
        if page_status == 200:
            text = page.get_data(as_text=True)
            assert "cerca lavoro" in text and "diabete" not in text and "alcol" not in text
        response = client.get(sensitive_url)
        assert response.status_code == sensitive_status, username
        if sensitive_status == 200:
            text = response.get_data(as_text=True)
            assert "diabete" in text and "alcol" in text
        # the contact log's list, details and export never carry the restricted note
        if username in ("caseworker", "otheroperator"):
            for url in ("/admin/contact_log/", "/admin/contact_log/details/?id=1", "/admin/contact_log/export/csv/"):
                assert "alcol" not in client.get(url).get_data(as_text=True), url
    with within(app):
        reads = list(m.AuditLog.select().where(m.AuditLog.action == "read").order_by(m.AuditLog.id))
    assert [(r.actor, json.loads(r.changes)["section"]) for r in reads] == [
        ("caseworker", "assessment_notes"), ("caseworker", "contact_notes"),
        ("boss", "assessment_notes"), ("boss", "contact_notes")]
    assert all(r.record_id == str(household.id) for r in reads)
    with within(app):
        trail = " ".join(e.changes for e in m.AuditLog.select())
    assert "diabete" not in trail and "cerca lavoro" in trail  # restricted notes never reach the audit trail


def test_a_restricted_contact_note_is_masked_in_the_audit_trail(app, client, journey):
    household, _ = journey
    log_in_as(client, "caseworker")
    data = {"household": household.id, "contact_on": TODAY.isoformat(), "contact_type": "phone_call",
            "duration_minutes": "10", "note": "telefonata", "sensitive_note": "esami clinici"}
    assert form_post(client, "/admin/contact_log/new/", data).status_code == 302
    with within(app):
        entry = m.AuditLog.get(m.AuditLog.entity == "contact_log")
    changes = json.loads(entry.changes)
    assert changes["sensitive_note"] == [None, "•••"] and changes["note"] == [None, "telefonata"]


def test_only_the_case_worker_writes_restricted_contact_notes(app, client, journey):
    household, _ = journey
    log_in_as(client, "otheroperator")
    data = {"household": household.id, "contact_on": TODAY.isoformat(), "contact_type": "phone_call",
            "duration_minutes": "10", "note": "telefonata", "sensitive_note": "esami clinici"}
    assert "Solo il case worker" in form_post(client, "/admin/contact_log/new/", data).get_data(as_text=True)
    client.get("/auth/logout")
    log_in_as(client, "caseworker")
    assert form_post(client, "/admin/contact_log/new/", data).status_code == 302
    with within(app):
        entry = m.ContactLog.get()
    assert entry.operator_name == "Caseworker" and entry.sensitive_note == "esami clinici"
    assert client.get(f"/admin/contact_log/edit/?id={entry.id}").status_code in (302, 403)  # log entries are not edited


def test_sustainability_on_the_offer_and_the_household(app, client, journey):
    household, _ = journey
    log_in_as(client, "caseworker")
    with within(app):
        zone = m.AgreementZone.create(territorial_agreement=m.TerritorialAgreement.create(name="A", city="Catania"),
                                      code="Z1", name="Centro")
        m.RentBand.create(zone=zone, label="base", min_features=0, min_eur_m2_year=50, max_eur_m2_year=80)
        dwelling = make_dwelling(zone=zone, area_m2=60)
        offer = m.Offer.create(dwelling=dwelling, contract_type="concordato_3_2", monthly_rent=Decimal("350"),
                               service_charges=Decimal("40"), status="published", published=True)
    page = client.get(f"/admin/journey/offer/{offer.id}?household={household.code}").get_data(as_text=True)
    # 60 m² x 50-80 EUR/m²/year = 250-400 EUR a month; 390 EUR on 700 EUR = 55.7%; 30% = 210; contribution 180
    assert "€ 250,00 – € 400,00" in page and "nella fascia" in page
    assert "55,7%" in page and "€ 210,00" in page and "€ 180,00" in page
    assert "Nessun nucleo" in client.get(f"/admin/journey/offer/{offer.id}?household=NF-0000").get_data(as_text=True)


def test_indicators_export_and_fidelity_review(app, login):
    client = login("operator")
    with within(app):
        household = household_with_member()
        m.Tenancy.create(household=household, dwelling=make_dwelling(), contract_type="concordato_3_2",
                         monthly_rent=400, start_on=TODAY - datetime.timedelta(days=400))
    page = client.get("/admin/indicators/").get_data(as_text=True)
    assert "100,0% (1/1)" in page
    csv_text = client.get("/admin/indicators/export.csv").get_data(as_text=True)
    assert "permanenza in casa" in csv_text and "12 mesi (%),100.0" in csv_text
    xlsx = client.get("/admin/indicators/export.xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    assert client.get("/admin/indicators/export.pdf").status_code == 404
    from housing.accompaniment import instruments

    keys = [q["key"] for q in instruments.items(instruments.read_definition("fidelity"))]
    answers = {f"q_{k}": "4" for k in keys}
    answers["q_caseload"] = "2"
    page = form_post(client, "/admin/indicators/fidelity", {"reviewed_on": TODAY.isoformat(), **{k: v for k, v in answers.items() if k != "q_choice"}})
    assert page.status_code == 200 and "Rispondere con un valore" in page.get_data(as_text=True)
    assert form_post(client, "/admin/indicators/fidelity", {"reviewed_on": TODAY.isoformat(), **answers}).status_code == 302
    with within(app):
        review = m.FidelityReview.get()
    assert review.score == pytest.approx(round(100 * (4 * (len(keys) - 1) + 2) / (4 * len(keys)), 1))
    login("viewer", "viewer9")
    assert client.get("/admin/indicators/").status_code == 200
    assert client.get("/admin/indicators/fidelity").status_code == 403


def test_review_findings_stay_fixed(app, client, journey):
    """Each case comes from a review of the accompaniment: audit of masked
    changes and cascades, hostile input on the custom routes, who writes
    restricted notes."""
    from housing.accompaniment import assessments

    household, person = journey
    with within(app):
        a = assessments.record(person, TODAY, {k: 3 for k in DOMAINS}, {"health": "prima"}, True)
    log_in_as(client, "caseworker")
    # a change to a restricted note alone is audited, masked
    data = assessment_form(household.id, person.id, "3")
    data.update({f"note_{k}": "" for k in DOMAINS})
    data["note_health"] = "seconda"
    assert form_post(client, f"/admin/journey/assessment/{a.id}/edit", data).status_code == 302
    with within(app):
        row = m.AuditLog.select().where((m.AuditLog.entity == "assessment_score") & (m.AuditLog.action == "update")).get()
    assert json.loads(row.changes) == {"note": ["•••", "•••"]}
    # NUL characters and overlong reasons are field errors, never a 500 (PostgreSQL refuses NUL)
    page = form_post(client, f"/admin/journey/{household.id}/assess", {**assessment_form(household.id, person.id), "note_work": "a\x00b"})
    assert page.status_code == 200 and "note_work" in page.get_data(as_text=True)
    # ids beyond the database's integers are a 404
    for url in (f"/admin/journey/{2**70}", f"/admin/journey/{household.id}/assess?corrects={2**70}",
                f"/admin/journey/assessment/{2**70}/edit", f"/admin/journey/offer/{2**70}"):
        assert client.get(url).status_code == 404, url
    # another operator may assess, but not write restricted notes
    client.get("/auth/logout")
    log_in_as(client, "otheroperator")
    page = form_post(client, f"/admin/journey/{household.id}/assess", assessment_form(household.id, person.id))
    assert "Solo il case worker" in page.get_data(as_text=True)
    clean = assessment_form(household.id, person.id)
    clean.update({"note_health": "", "note_addictions": "", "note_conflict_legality": ""})
    assert form_post(client, f"/admin/journey/{household.id}/assess", clean).status_code == 302
    # the fidelity review refuses an overlong note and an implausible date
    page = form_post(client, "/admin/indicators/fidelity", {"reviewed_on": "0001-01-01", "notes": "x" * 6000})
    assert page.status_code == 200 and "1900-2100" in page.get_data(as_text=True)


def test_deleting_a_member_audits_the_assessment_scores_it_cascades_to(app, login, journey):
    from housing.accompaniment import assessments

    _, person = journey
    with within(app):
        assessments.record(person, TODAY, {k: 3 for k in DOMAINS}, {}, True)
    client = login("admin", "boss2")
    token = csrf_token(client, "/admin/person/")
    assert client.post("/admin/person/delete/", data={"id": person.id, "csrf_token": token}).status_code == 302
    with within(app):
        deleted = {e.entity for e in m.AuditLog.select().where(m.AuditLog.action == "delete")}
        assert m.AssessmentScore.select().count() == 0
    assert deleted == {"person", "assessment", "assessment_score"}


# -- who assigns the case worker (and so opens the restricted notes) -----------------------

def edit_form_data(client, url):
    """The values an edit form shows, as a browser would post them back (checked boxes only)."""
    from html.parser import HTMLParser

    class Fields(HTMLParser):
        def __init__(self):
            super().__init__()
            self.data, self.select, self.textarea = {}, None, None

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "input" and a.get("name") and a.get("type") not in ("submit", "button"):
                if a.get("type") != "checkbox" or "checked" in a:
                    self.data[a["name"]] = a.get("value") or ("y" if a.get("type") == "checkbox" else "")
            elif tag == "select" and a.get("name"):
                self.select = a["name"]
                self.data.setdefault(self.select, "")
            elif tag == "option" and self.select and "selected" in a:
                self.data[self.select] = a.get("value", "")
            elif tag == "textarea" and a.get("name"):
                self.textarea = a["name"]
                self.data[self.textarea] = ""

        def handle_endtag(self, tag):
            if tag == "select":
                self.select = None
            elif tag == "textarea":
                self.textarea = None

        def handle_data(self, data):
            if self.textarea:
                self.data[self.textarea] += data

    parser = Fields()
    parser.feed(client.get(url).get_data(as_text=True))
    return {k: v for k, v in parser.data.items() if k != "csrf_token"}


def assign(client, household, user_id):
    url = f"/admin/household/edit/?id={household.id}"
    data = edit_form_data(client, url)
    data["case_worker"] = str(user_id) if user_id else ""
    return form_post(client, url, data)


def test_only_an_admin_or_the_case_worker_assigns_the_case_worker(app, client, journey):
    household, _ = journey
    with within(app):
        m.ContactLog.create(household=household, contact_on=TODAY, contact_type="home_visit", operator_name="x",
                            sensitive_note="ricaduta nell'uso di alcol")
        other = m.User.get(m.User.username == "otheroperator")
        case_worker = m.User.get(m.User.username == "caseworker")
    sensitive_url = f"/admin/journey/{household.id}?sensitive=1"

    # another operator cannot make themself the case worker, nor remove the current one
    log_in_as(client, "otheroperator")
    for target in (other.id, None):
        response = assign(client, household, target)
        assert response.status_code == 200 and "Solo un amministratore" in response.get_data(as_text=True)
        with within(app):
            assert m.Household.get_by_id(household.id).case_worker_id == case_worker.id
    assert client.get(sensitive_url).status_code == 403
    # other edits of the household stay open to them
    url = f"/admin/household/edit/?id={household.id}"
    assert form_post(client, url, {**edit_form_data(client, url), "languages": "arabo"}).status_code == 302

    # the case worker hands over: audited, and the actor is told what it opens
    client.get("/auth/logout")
    log_in_as(client, "caseworker")
    response = assign(client, household, other.id)
    assert response.status_code == 302
    flashed = client.get(response.location).get_data(as_text=True)
    assert "note riservate" in flashed
    with within(app):
        assert m.Household.get_by_id(household.id).case_worker_id == other.id
        entry = (m.AuditLog.select().where((m.AuditLog.entity == "household") & (m.AuditLog.action == "update"))
                 .order_by(m.AuditLog.id.desc()).first())
    assert json.loads(entry.changes)["case_worker"] == [case_worker.id, other.id] and entry.actor == "caseworker"
    assert client.get(sensitive_url).status_code == 403  # the former case worker no longer reads them
    client.get("/auth/logout")
    log_in_as(client, "otheroperator")
    assert client.get(sensitive_url).status_code == 200

    # an administrator assigns anyone, an unassigned household included
    make_user(app, "boss", "admin")
    client.get("/auth/logout")
    log_in_as(client, "boss")
    assert assign(client, household, None).status_code == 302
    client.get("/auth/logout")
    log_in_as(client, "caseworker")
    response = assign(client, household, case_worker.id)
    assert response.status_code == 200 and "Solo un amministratore" in response.get_data(as_text=True)


def test_an_operator_may_name_the_case_worker_of_a_new_household(app, client, journey):
    """A new household has no restricted notes yet: whoever records it may name its case worker."""
    from samples import prepared

    log_in_as(client, "otheroperator")
    with within(app):
        other = m.User.get(m.User.username == "otheroperator")
    data = {**prepared(app, "household"), "case_worker": str(other.id), "members-0-first_name": "Anna",
            "members-0-last_name": "Bianchi", "members-0-tax_code": ANNA, "members-0-birth_date": "1985-08-01",
            "members-0-sex": "F"}
    assert form_post(client, "/admin/household/new/", data).status_code == 302
    with within(app):
        assert m.Household.get(m.Household.code == "NF-2026-0100").case_worker_id == other.id
