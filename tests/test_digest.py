"""The daily digest: contents per role and case load, language, links, preferences,
and delivery through the outbox to a real SMTP server on loopback. Both engines."""
import datetime

import pytest

import models as m
from housing.mail import digest, due, outbox
from samples import make_dwelling, make_household, tax_code
from smtp_server import LoopbackSmtp, settings_for

TODAY = datetime.date(2026, 12, 7)
DAY = datetime.timedelta(days=1)
BASE = "https://bo.example.org/"
FORBIDDEN = ("1234", "9876", "SEGRETO", "famiglia1@example.org", "3331234567", "Rossi", "Mario")


def user(username, role, language="it", email=True, **preference):
    account = m.User.create(username=username, full_name=username.title(), role=role, language=language,
                            password_hash="x", email=f"{username}@example.org" if email else None)
    if preference:
        digest.set_preference(account, **preference)
    return account


@pytest.fixture
def office(database):
    """Staff, three households (two with a case worker) and one due item of each kind."""
    staff = {name: user(name, role, lang, **extra) for name, role, lang, extra in (
        ("boss", "admin", "it", {}), ("anna", "operator", "it", {}), ("ben", "operator", "en", {}),
        ("carla", "clerk", "en", {}), ("vera", "viewer", "it", {}),
        ("olga", "operator", "it", {"daily_digest": False}), ("luca", "operator", "it", {"hour": 18}))}
    user("nomail", "operator", email=False)
    h1 = make_household(code="NF-2026-0001", case_worker=staff["anna"], monthly_net_income=1234, isee_value=9876,
                        notes="SEGRETO sanitario", email="famiglia1@example.org", phone="3331234567")
    h2 = make_household(code="NF-2026-0002", case_worker=staff["ben"])
    h3 = make_household(code="NF-2026-0003")
    m.Person.create(household=h1, first_name="Mario", last_name="Rossi", tax_code=tax_code(), birth_date=datetime.date(1980, 1, 1),
                    sex="M", relation="reference")
    dwelling = make_dwelling()
    offers = [m.Offer.create(dwelling=dwelling, contract_type="concordato_3_2", monthly_rent=400, status="reserved",
                             published=True) for _ in range(3)]
    stale = datetime.datetime.combine(TODAY - 20 * DAY, datetime.time(9))
    records = {
        "m_operator": m.Match.create(household=h1, offer=offers[0], route="concordato_3_2", step="viewing",
                                     step_since=stale, proposed_by="anna"),
        "m_clerk": m.Match.create(household=h3, offer=offers[1], route="concordato_3_2", step="landlord_decision",
                                  step_since=stale, proposed_by="anna"),
        "m_fresh": m.Match.create(household=h2, offer=offers[2], route="concordato_3_2", step="proposed",
                                  step_since=datetime.datetime.combine(TODAY, datetime.time(8)), proposed_by="ben"),
        "plan": m.SupportPlan.create(household=h3, started_on=TODAY - 200 * DAY, review_on=TODAY, status="active"),
        "stay": m.Stay.create(household=h1, place=m.Place.create(name="Casa Sud", kind="emergency"),
                              entry_on=TODAY - 90 * DAY, planned_exit_on=TODAY - 5 * DAY),
        "agreement": m.Agreement.create(title="Protocollo Caritas", kind="memorandum", status="active",
                                        valid_from=TODAY - 300 * DAY, valid_to=TODAY + 30 * DAY),
        "offer": m.Offer.create(dwelling=dwelling, contract_type="transitory", monthly_rent=350, status="draft",
                                available_from=TODAY - 3 * DAY),
    }
    m.Agreement.create(title="Lontano", kind="memorandum", status="active", valid_to=TODAY + 90 * DAY)
    m.Offer.create(dwelling=dwelling, contract_type="transitory", monthly_rent=300, status="draft",
                   available_from=TODAY + 3 * DAY)
    member = m.Person.create(household=h2, first_name="Ada", last_name="Bianchi", tax_code=tax_code("BNCNNA85M41C351"),
                             birth_date=datetime.date(1985, 8, 1), sex="F", relation="reference")
    instrument = m.InstrumentVersion.create(instrument="assessment", version=1, digest="d", definition="{}")
    m.Assessment.create(person=member, household=h2, instrument=instrument, assessed_on=TODAY - 180 * DAY,
                        assessor_name="Ben", need_index=0.5, support_intensity="medium", reassess_on=TODAY - DAY)
    records.update(h1=h1, h2=h2, h3=h3)
    return staff, records


def lines_of(staff_member, items):
    return [(item.section, item.record_id) for item in due.for_user(items, staff_member)]


def test_each_role_gets_what_it_acts_on_by_case_load(office):
    staff, r = office
    items = due.collect(TODAY)
    assert lines_of(staff["anna"], items) == [
        ("stalled_steps", r["m_operator"].id), ("plan_reviews", r["plan"].id), ("overdue_stays", r["stay"].id)]
    assert lines_of(staff["ben"], items) == [("reassessments", r["h2"].id), ("plan_reviews", r["plan"].id)]
    assert lines_of(staff["carla"], items) == [
        ("stalled_steps", r["m_clerk"].id), ("expiring_agreements", r["agreement"].id), ("unpublished_offers", r["offer"].id)]
    assert len(lines_of(staff["boss"], items)) == 7
    assert lines_of(staff["vera"], items) == []
    assert digest.build(staff["vera"], items, TODAY, BASE) is None  # nothing due: no e-mail


def test_the_digest_is_in_the_users_language_links_each_record_and_carries_no_personal_data(office):
    staff, r = office
    items = due.collect(TODAY)
    italian = digest.build(staff["anna"], items, TODAY, BASE)
    assert italian.subject == "Riepilogo del 07/12/2026: 3 cose da fare"
    assert "NF-2026-0001, offerta %d: fase «Visita dell'alloggio» ferma da 20 giorni (limite 10)" % r["m_operator"].offer_id in italian.text
    assert "NF-2026-0001 presso Casa Sud: uscita prevista il 02/12/2026" in italian.text
    assert f"{BASE}admin/match/details/?id={r['m_operator'].id}" in italian.text
    assert f'<a href="{BASE}admin/stay/details/?id={r["stay"].id}">Apri</a>' in italian.html
    english = digest.build(staff["carla"], items, TODAY, BASE)
    assert english.subject.startswith("Digest of 7 Dec 2026: 3 things due")
    assert "Protocollo Caritas: expires on 6 Jan 2027" in english.text
    assert f"Offer {r['offer'].id} (Transitory): available since 4 Dec 2026, not published" in english.text
    assert "Landlord decision" in english.text
    for message in (italian, english, digest.build(staff["boss"], items, TODAY, BASE)):
        for secret in FORBIDDEN:
            assert secret not in message.text and secret not in message.html


def test_preferences_are_honoured_and_a_day_has_one_digest_delivered_over_smtp(office):
    staff, _ = office
    morning = datetime.datetime.combine(TODAY, datetime.time(9))
    assert digest.queue_digests(at=morning, base_url=BASE) == {"queued": 4, "empty": 0, "already": 0, "refused": 0}
    assert digest.queue_digests(at=morning, base_url=BASE)["already"] == 4  # the hourly job runs again
    recipients = sorted(message.recipient for message in m.OutboxMessage.select())  # no viewer, olga off, luca at 18
    assert recipients == ["anna@example.org", "ben@example.org", "boss@example.org", "carla@example.org"]
    evening = datetime.datetime.combine(TODAY, datetime.time(18))
    assert digest.queue_digests(at=evening, base_url=BASE)["queued"] == 1  # luca's hour
    with LoopbackSmtp() as server:
        assert outbox.send_due(m.db, settings_for(server.port), at=evening).sent == 5
    delivered = {tuple(rcpt): message for _, rcpt, message in server.received}
    assert len(server.received) == 5 and ("olga@example.org",) not in delivered
    ben = delivered[("ben@example.org",)]
    assert ben["Subject"] == "Digest of 7 Dec 2026: 2 things due"
    assert f"{BASE}admin/household/details/?id=" in ben.get_body(("plain",)).get_content()
    anna = delivered[("anna@example.org",)].get_body(("html",)).get_content()
    assert "Permanenze oltre l&#x27;uscita prevista" in anna
    for message in delivered.values():
        for part in ("plain", "html"):
            content = message.get_body((part,)).get_content()
            assert not any(secret in content for secret in FORBIDDEN)


def test_a_bad_hour_is_refused_and_nothing_is_written(office):
    staff, _ = office
    for bad in (24, -1, "sette"):
        with pytest.raises(digest.PreferenceError) as refused:
            digest.set_preference(staff["anna"], hour=bad)
        assert refused.value.field == "hour"
    assert digest.preference(staff["anna"]) == (True, digest.DEFAULT_HOUR)
    digest.set_preference(staff["anna"], daily_digest=False, hour=6)
    assert digest.preference(staff["anna"]) == (False, 6)


def test_a_long_section_prints_its_first_lines_and_links_to_the_full_list():
    clerk = m.User(id=9, username="carla", full_name="Carla", role="clerk", language="it")
    items = [due.DueItem("expiring_agreements", "agreement", n, TODAY + n * DAY, {"day": TODAY + n * DAY, "title": f"Accordo {n}"})
             for n in range(1, digest.MAX_LINES + 6)]
    built = digest.build(clerk, items, TODAY, BASE)
    assert built.count == digest.MAX_LINES + 5 and built.subject.endswith(f"{digest.MAX_LINES + 5} cose da fare")
    assert f"Accordo {digest.MAX_LINES}:" in built.text and f"Accordo {digest.MAX_LINES + 1}:" not in built.text
    assert f"… e altri 5: l'elenco completo nel back office\n  {BASE}admin/agreement/" in built.text
    operator = m.User(id=10, username="anna", full_name="Anna", role="operator", language="en")
    assert digest.build(operator, items, TODAY, BASE) is None  # agreements are the clerks' and administrators'
