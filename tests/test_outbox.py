"""The outbox against a real SMTP server on loopback (aiosmtpd), on both engines."""
import datetime
import threading

import pytest

from housing.mail import outbox
from housing.mail.settings import SettingError, backoffice_url, smtp_settings
from models import OutboxMessage
from smtp_server import LoopbackSmtp, free_port, settings_for

AT = datetime.datetime(2026, 12, 7, 9, 0, 0)


def queue_some(count, prefix="m"):
    return [outbox.queue(f"{prefix}:{n}", f"persona{n}@example.org", f"Oggetto {n}", f"Testo {n}",
                         body_html=f"<p>Testo {n}</p>", related=("user", n), at=AT)[0] for n in range(count)]


def stored(key):
    return OutboxMessage.get(OutboxMessage.message_key == key)


def test_queue_is_idempotent_by_key_and_refuses_bad_input(database):
    first, created = outbox.queue("digest:1:2026-12-07", "anna@example.org", "Riepilogo", "Testo", at=AT)
    again, created_again = outbox.queue("digest:1:2026-12-07", "altro@example.org", "Altro", "Altro", at=AT)
    assert (created, created_again) == (True, False)
    assert again.id == first.id and again.recipient == "anna@example.org"
    for field, kwargs in (("recipient", {"recipient": "not an address"}),
                          ("recipient", {"recipient": "a@example.org\r\nBcc: x@example.org"}),
                          ("subject", {"subject": "one\nline"}),
                          ("body_text", {"body_text": "  "}),
                          ("message_key", {"message_key": ""})):
        values = {"message_key": "k", "recipient": "a@example.org", "subject": "S", "body_text": "T", **kwargs}
        with pytest.raises(outbox.OutboxError) as refused:
            outbox.queue(**values)
        assert refused.value.field == field
    assert OutboxMessage.select().count() == 1


def test_settings_from_the_environment():
    assert smtp_settings({}) is None  # not configured: nothing is sent
    assert smtp_settings({"HOUSING_SMTP_HOST": "smtp.example.org"}) is None  # no sender
    settings = smtp_settings({"HOUSING_SMTP_HOST": "smtp.example.org", "HOUSING_MAIL_FROM": "casa@example.org"})
    assert (settings.port, settings.tls) == (587, "starttls")
    assert smtp_settings({"HOUSING_SMTP_HOST": "h", "HOUSING_MAIL_FROM": "a@b.it", "HOUSING_SMTP_TLS": "SSL"}).port == 465
    for name, bad in (("HOUSING_SMTP_TLS", "sometimes"), ("HOUSING_SMTP_PORT", "smtp"),
                      ("HOUSING_SMTP_PORT", "70000"), ("HOUSING_MAIL_FROM", "nobody")):
        environ = {"HOUSING_SMTP_HOST": "h", "HOUSING_MAIL_FROM": "a@b.it", name: bad}
        with pytest.raises(SettingError) as refused:
            smtp_settings(environ)
        assert refused.value.name == name
    assert backoffice_url({"HOUSING_BACKOFFICE_URL": "https://bo.example.org"}) == "https://bo.example.org/"


def test_without_smtp_messages_stay_queued(database, monkeypatch):
    monkeypatch.delenv("HOUSING_SMTP_HOST", raising=False)
    queue_some(2)
    report = outbox.send_due(database, at=AT)
    assert not report.configured and report.sent == 0
    assert [(m.state, m.attempts) for m in OutboxMessage.select()] == [("queued", 0), ("queued", 0)]


def test_sends_each_message_once_with_text_and_html(database):
    queue_some(3)
    outbox.queue("accents", "Anna Città <anna@example.org>", "Visita – città", "È confermata.", at=AT)
    with LoopbackSmtp() as server:
        report = outbox.send_due(database, settings_for(server.port), at=AT)
        assert (report.sent, report.retried, report.failed) == (4, 0, 0)
        assert outbox.send_due(database, settings_for(server.port), at=AT + datetime.timedelta(hours=1)).sent == 0
    assert len(server.received) == 4
    _, recipients, accented = server.received[3]
    assert recipients == ["anna@example.org"] and accented["To"] == "Anna Città <anna@example.org>"
    assert accented["Subject"] == "Visita – città" and accented.get_content().strip() == "È confermata."
    mail_from, recipients, message = server.received[0]
    assert (mail_from, recipients) == ("casa@example.org", ["persona0@example.org"])
    assert message["Subject"] == "Oggetto 0" and message["Auto-Submitted"] == "auto-generated"
    assert message.get_body(("plain",)).get_content().strip() == "Testo 0"
    assert message.get_body(("html",)).get_content().strip() == "<p>Testo 0</p>"
    row = stored("m:0")
    assert (row.state, row.attempts, row.sent_at, row.last_error) == ("sent", 1, AT, None)


def test_an_smtp_outage_keeps_messages_queued_and_the_next_run_sends_each_once(database):
    queue_some(3)
    port = free_port()  # nothing listens there yet
    report = outbox.send_due(database, settings_for(port), at=AT)
    assert (report.sent, report.retried, report.released) == (0, 1, 2)
    first = stored("m:0")
    assert first.state == "queued" and first.attempts == 1 and "Connection" in first.last_error
    assert first.next_attempt_at == AT + datetime.timedelta(seconds=outbox.FIRST_RETRY_SECONDS)
    assert [stored(f"m:{n}").attempts for n in (1, 2)] == [0, 0]  # released, not counted
    with LoopbackSmtp(port) as server:
        assert outbox.send_due(database, settings_for(port), at=AT).sent == 2  # the first waits its back-off
        assert outbox.send_due(database, settings_for(port), at=AT + datetime.timedelta(minutes=2)).sent == 1
        assert outbox.send_due(database, settings_for(port), at=AT + datetime.timedelta(hours=9)).sent == 0
    assert sorted(m["Subject"] for _, _, m in server.received) == ["Oggetto 0", "Oggetto 1", "Oggetto 2"]
    assert stored("m:0").attempts == 2 and stored("m:0").state == "sent"


def test_refusals_for_good_fail_and_for_now_are_retried_with_back_off(database):
    outbox.queue("gone", "gone@example.org", "S", "T", at=AT)
    outbox.queue("busy", "busy@example.org", "S", "T", at=AT)
    outbox.queue("fine", "fine@example.org", "S", "T", at=AT)
    with LoopbackSmtp() as server:
        server.recorder.refuse = {"gone@example.org": "550 No such user", "busy@example.org": "451 Try later"}
        report = outbox.send_due(database, settings_for(server.port), at=AT)
        assert (report.sent, report.retried, report.failed) == (1, 1, 1)
        assert stored("gone").state == "failed" and "550" in stored("gone").last_error
        busy = stored("busy")
        assert busy.state == "queued" and "451" in busy.last_error
        # the back-off doubles at each attempt; after MAX_ATTEMPTS the message fails
        assert [outbox.retry_delay(n) for n in (1, 2, 3)] == [60, 120, 240]
        OutboxMessage.update(attempts=outbox.MAX_ATTEMPTS - 1, next_attempt_at=AT).where(
            OutboxMessage.id == busy.id).execute()
        assert outbox.send_due(database, settings_for(server.port), at=AT).failed == 1
        assert stored("busy").state == "failed"
        assert outbox.resend(busy.id, at=AT) == 1  # "reinvia"
        server.recorder.refuse = {}
        assert outbox.send_due(database, settings_for(server.port), at=AT).sent == 1
    assert stored("busy").state == "sent"
    assert outbox.state_counts() == {"sent": 2, "failed": 1}


def test_a_claim_left_by_a_dead_runner_is_due_again_after_its_lease(database):
    queue_some(1)
    ids, lease_end = outbox.claim(database, at=AT)  # a runner claims, then dies
    assert len(ids) == 1 and lease_end > AT
    with LoopbackSmtp() as server:
        assert outbox.send_due(database, settings_for(server.port), at=AT).sent == 0
        assert outbox.send_due(database, settings_for(server.port), at=lease_end).sent == 1
    assert len(server.received) == 1


def test_two_runners_at_once_never_send_a_message_twice(database):
    count = 120
    queue_some(count)
    errors = []
    with LoopbackSmtp() as server:
        settings = settings_for(server.port)
        start = threading.Barrier(2)

        def runner():
            try:
                database.connect(reuse_if_open=True)  # this thread's own connection
                start.wait()
                for _ in range(30):  # bounded: stops when nothing is due
                    if outbox.send_due(database, settings, at=AT, batch_size=4).sent == 0:
                        break
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(error)
            finally:
                database.close()

        threads = [threading.Thread(target=runner) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    database.connect(reuse_if_open=True)
    assert not errors
    subjects = [m["Subject"] for _, _, m in server.received]
    assert len(subjects) == count and len(set(subjects)) == count
    assert OutboxMessage.select().where(OutboxMessage.state == "sent").count() == count
    assert OutboxMessage.select().where(OutboxMessage.attempts != 1).count() == 0


# -- the back office's outbox page (admin/__init__.py registers it, for administrators) --

@pytest.fixture
def outbox_app(app, monkeypatch):
    monkeypatch.delenv("HOUSING_SMTP_HOST", raising=False)
    return app


def test_the_outbox_page_shows_states_says_smtp_is_missing_and_resends(outbox_app, login):
    from conftest import csrf_token

    with outbox_app.extensions["database"].connection_context():
        failed, _ = outbox.queue("gone", "gone@example.org", "Proposta <b>", "T", at=AT)
        OutboxMessage.update(state="failed", attempts=3, last_error="550 No such user").where(
            OutboxMessage.id == failed.id).execute()
    client = login("admin")
    page = client.get("/admin/outbox/").get_data(as_text=True)
    assert 'id="smtp-not-configured"' in page and "550 No such user" in page
    assert "Proposta &lt;b&gt;" in page  # escaped
    token = csrf_token(client, "/admin/outbox/")
    assert client.post("/admin/outbox/resend", data={"id": "x", "csrf_token": token}).status_code == 302
    assert client.post("/admin/outbox/resend", data={"id": failed.id, "csrf_token": token}).status_code == 302
    with outbox_app.extensions["database"].connection_context():
        assert (stored("gone").state, stored("gone").attempts) == ("queued", 0)
        admin_id = OutboxMessage._meta.database.execute_sql("SELECT id FROM \"user\" WHERE username = 'admin1'").fetchone()[0]
    preview = client.get(f"/admin/outbox/digest?user={admin_id}")
    assert preview.status_code == 200 and "Admin1" in preview.get_data(as_text=True)


def test_only_administrators_open_the_outbox(outbox_app, login):
    assert login("operator").get("/admin/outbox/").status_code == 403


def test_the_runner_jobs_report_what_they_did(database, monkeypatch):
    from housing.mail import runner

    monkeypatch.delenv("HOUSING_SMTP_HOST", raising=False)
    queue_some(2)
    assert runner.send_job() == ("skipped", "E-mail non configurata (HOUSING_SMTP_HOST, HOUSING_MAIL_FROM): "
                                            "2 messaggi restano in coda.")
    with LoopbackSmtp() as server:
        monkeypatch.setenv("HOUSING_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("HOUSING_SMTP_PORT", str(server.port))
        monkeypatch.setenv("HOUSING_SMTP_TLS", "none")
        monkeypatch.setenv("HOUSING_MAIL_FROM", "casa@example.org")
        assert runner.send_job() == ("success", "E-mail: 2 inviate, 0 da ritentare, 0 non inviate.")
        assert runner.send_job()[0] == "skipped"
    monkeypatch.setenv("HOUSING_SMTP_TLS", "maybe")
    assert runner.send_job()[0] == "failed"
    assert runner.digest_job()[0] == "skipped"  # no staff


def test_a_refused_login_stops_the_run_and_keeps_every_message_queued(database):
    queue_some(3)
    with LoopbackSmtp() as server:  # no AUTH offered: the login fails
        settings = settings_for(server.port)._replace(user="casa", password="secret")
        report = outbox.send_due(database, settings, at=AT)
    assert (report.sent, report.retried, report.released) == (0, 1, 2) and server.received == []
    assert "ConnectionFailed" in stored("m:0").last_error
    assert [m.state for m in OutboxMessage.select()] == ["queued"] * 3
