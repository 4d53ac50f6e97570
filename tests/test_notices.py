"""Notices to households and landlords: consent, language, minimum data, templates, the .ics."""
import datetime
from types import SimpleNamespace

import icalendar
import pytest

import models as m
from housing import matches
from housing.mail import notices, outbox
from housing.mail.notice_texts import DEFAULTS, FIELDS
from samples import MARIO, make_dwelling, make_landlord
from smtp_server import LoopbackSmtp, settings_for

OPERATOR = SimpleNamespace(username="op", role="operator", id=None)
TODAY = datetime.date.today()
VIEWING = datetime.datetime.combine(TODAY + datetime.timedelta(days=3), datetime.time(10, 30))
FORBIDDEN = ("1234,56", "1.234,56", "ISEE", "reddito", "income", "diabete", "salute", "health", "Rossi")


@pytest.fixture
def pair(database):
    matches.ensure_settings()
    notices.ensure_templates()
    owner = make_landlord(email="locatore@example.org", notice_consent=True, notice_consent_on=TODAY)
    offer = m.Offer.create(dwelling=make_dwelling(owner), contract_type="concordato_3_2", monthly_rent=400,
                           status="published", published=True, available_from=TODAY)
    household = m.Household.create(code="NF-2026-0042", status="waiting", email="nucleo@example.org",
                                   notice_consent=True, notice_consent_on=TODAY, monthly_net_income=1234.56,
                                   isee_value=1234.56, notes="diabete, salute fragile")
    m.Person.create(household=household, first_name="Mario", last_name="Rossi", relation="applicant", tax_code=MARIO,
                    birth_date=datetime.date(1980, 1, 1), sex="M", citizenship="IT")
    return household, offer, owner


def speaks(household, *codes):
    for code in codes:
        language = m.Language.get_or_none(m.Language.code == code) or m.Language.create(
            code=code, name_it=code, name_en=code)
        m.HouseholdLanguage.create(household=household, spoken=language)


def to_viewing(match):
    for _ in range(3):  # proposed -> staff review -> household informed -> viewing
        matches.advance(match, OPERATOR, dates={"viewing_at": VIEWING, "viewing_place": "Via Etnea 100"})
    return m.Match.get_by_id(match.id)


def messages():
    return {row.message_key.split(":")[1]: row for row in m.OutboxMessage.select()}


def test_proposal_and_viewing_reach_household_and_landlord_in_their_language_with_minimum_data(pair):
    household, offer, owner = pair
    speaks(household, "en")
    match = matches.propose(household, offer, OPERATOR)
    assert [o.state for o in match.notice_outcomes] == [notices.QUEUED]
    to_viewing(match)
    sent = messages()
    assert set(sent) == {"household_proposal", "household_viewing", "landlord_viewing"}
    assert sent["household_proposal"].recipient == "nucleo@example.org"
    assert sent["landlord_viewing"].recipient == "locatore@example.org"
    assert sent["household_proposal"].subject.startswith("Housing proposal O")  # English: a template exists
    assert "Hello" in sent["household_viewing"].body_text
    assert "Gentile" in sent["landlord_viewing"].body_text  # landlords read Italian
    assert f"/offerte/O{offer.id:05d}/" in sent["household_proposal"].body_text  # the public page, linked
    assert f'href="' in sent["household_proposal"].body_html
    for row in sent.values():
        assert "NF-2026-0042" in row.body_text
        for word in FORBIDDEN:
            assert word not in row.body_text and word not in (row.body_html or "") and word not in row.subject
        assert (row.related_table, row.related_id) == ("match", match.id)
    ics = icalendar.Calendar.from_ical(sent["household_viewing"].attachment)
    event = next(iter(ics.walk("VEVENT")))
    assert event.decoded("dtstart").replace(tzinfo=None) == VIEWING
    assert str(event.get("location")) == "Via Etnea 100"


def test_a_language_without_template_reads_italian(pair):
    household, offer, _ = pair
    speaks(household, "ar")
    match = matches.propose(household, offer, OPERATOR)
    assert messages()["household_proposal"].subject.startswith("Proposta di alloggio")
    assert match.notice_outcomes[0].state == notices.QUEUED


def test_no_consent_or_no_address_queues_nothing_and_says_why(pair):
    household, offer, owner = pair
    m.Household.update(notice_consent=False).where(m.Household.id == household.id).execute()
    m.Landlord.update(email=None).where(m.Landlord.id == owner.id).execute()
    match = matches.propose(household, offer, OPERATOR)
    assert [o.state for o in match.notice_outcomes] == [notices.NO_CONSENT]
    match = to_viewing(match)
    assert m.OutboxMessage.select().count() == 0
    outcomes = notices.viewing(match)
    assert [(o.audience, o.state) for o in outcomes] == [("household", notices.NO_CONSENT), ("landlord", notices.NO_ADDRESS)]


def test_notices_are_queued_once_and_a_moved_viewing_sends_a_new_invitation(pair):
    household, offer, _ = pair
    match = to_viewing(matches.propose(household, offer, OPERATOR))
    assert notices.proposal(match).state == notices.ALREADY
    assert [o.state for o in notices.viewing(match)] == [notices.ALREADY, notices.ALREADY]
    match.viewing_at = VIEWING + datetime.timedelta(days=1)
    assert [o.state for o in notices.viewing(match)] == [notices.QUEUED, notices.QUEUED]


def test_landlord_decision_request_when_the_match_reaches_the_landlord(pair):
    household, offer, _ = pair
    match = to_viewing(matches.propose(household, offer, OPERATOR))
    match = matches.advance(match, OPERATOR)  # viewing -> household decision
    match = matches.advance(match, OPERATOR)  # -> landlord decision
    assert [(o.kind, o.state) for o in match.notice_outcomes] == [("landlord_decision", notices.QUEUED)]
    row = messages()["landlord_decision"]
    assert row.recipient == "locatore@example.org" and "entro il" in row.body_text


@pytest.mark.parametrize("text, field", [
    ("{{ monthly_net_income }}", "monthly_net_income"),
    ("Reddito: {{ household.isee_value }}", "household"),
    ("{{ code.__class__ }}", "code.__class__"),
    ("{{ code['x'] }}", "code['x']"),
])
def test_a_template_cannot_print_a_field_it_is_not_allowed_to(database, text, field):
    errors = notices.problems("household_proposal", "Oggetto", "Testo " + text)
    assert list(errors) == ["body"] and any(f"«{field}»" in message for message in errors["body"])
    assert notices.problems("household_proposal", "{{ health }}", "ok")["subject"]
    assert "sintassi" in notices.problems("household_viewing", "ok", "{% if %}")["body"][0]
    assert notices.problems("household_viewing", "ok", "{% include 'x' %}")["body"]


def test_every_default_template_is_valid_and_renders_over_the_sample(database):
    for (kind, _), (subject, body) in DEFAULTS.items():
        assert notices.problems(kind, subject, body) == {}, kind
    notices.ensure_templates()
    assert notices.ensure_templates() == 0  # idempotent
    assert m.NoticeTemplate.select().count() == len(DEFAULTS)
    for template in m.NoticeTemplate.select():
        rendered = notices.preview(template)
        assert "{{" not in rendered.text and rendered.subject and "\n" not in rendered.subject
    assert set(FIELDS) == {kind for kind, _ in DEFAULTS}


def test_the_sandbox_refuses_unsafe_access_even_unvalidated(database):
    with pytest.raises(Exception):
        notices.render("household_proposal", "s", "{{ code.__class__.__mro__ }}", {"code": "x"})


def test_a_test_send_arrives_with_its_ics_and_notices_go_out_over_smtp(pair):
    household, offer, _ = pair
    to_viewing(matches.propose(household, offer, OPERATOR))
    template = m.NoticeTemplate.get((m.NoticeTemplate.kind == "household_viewing") & (m.NoticeTemplate.language == "it"))
    admin = SimpleNamespace(id=1, email="capo@example.org")
    message, reason = notices.test_send(template, admin)
    assert reason is None and message.subject.startswith("[TEST]")
    assert notices.test_send(template, SimpleNamespace(id=2, email=""))[1] == notices.NO_ADDRESS
    with LoopbackSmtp() as server:
        report = outbox.send_due(m.db, settings_for(server.port))
    assert report.sent == 4
    by_recipient = {tuple(rcpt)[0]: mail for _, rcpt, mail in server.received}
    assert by_recipient["capo@example.org"]["Subject"].startswith("[TEST]")
    invitation = next(mail for _, rcpt, mail in server.received
                      if rcpt == ["nucleo@example.org"] and "Visita" in mail["Subject"])
    parts = {part.get_content_type(): part for part in invitation.walk()}
    assert "text/calendar" in parts and parts["text/calendar"].get_filename() == "visita.ics"
    assert icalendar.Calendar.from_ical(parts["text/calendar"].get_content()).walk("VEVENT")


def test_consent_needs_a_date_and_an_address(database):
    from housing import validation

    errors = validation.validate("household", {"code": "NF-1", "notice_consent": True})
    assert set(errors) >= {"notice_consent_on", "email"}
    errors = validation.validate("landlord", {"kind": "company", "name": "Etna", "vat_number": "00743110157",
                                              "notice_consent": True, "email": "a@example.org"})
    assert list(errors) == ["notice_consent_on"]
    assert validation.validate("landlord", {"kind": "company", "name": "Etna", "vat_number": "00743110157",
                                            "notice_consent": True, "notice_consent_on": TODAY,
                                            "email": "a@example.org"}) == {}


def test_the_register_lists_the_consent_as_personal_data_with_its_retention(database):
    from admin import roles
    from housing import processing_register, retention

    retention.ensure_rules()
    assert processing_register.uncovered(roles) == []
    document = processing_register.build(roles)
    assert "(`household.notice_consent_on`)" in document and "(`landlord.notice_consent`)" in document


def test_a_consent_date_in_the_future_is_refused(database):
    from housing import validation

    errors = validation.validate("household", {"code": "NF-1", "notice_consent": True, "email": "a@example.org",
                                               "notice_consent_on": TODAY + datetime.timedelta(days=400)})
    assert list(errors) == ["notice_consent_on"]
