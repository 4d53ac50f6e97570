"""No personal data in logs (issue 14): a failed e-mail is logged by its id, never its address."""
import logging
import smtplib

import models as m
from housing.mail import outbox


def test_a_failed_email_is_logged_without_its_recipient(database, caplog):
    message = m.OutboxMessage.create(message_key="k-1", recipient="anna.bianchi@example.org", subject="Proposta",
                                     body_text="...")
    message = m.OutboxMessage.get_by_id(message.id)
    counts = {"failed": 0, "retried": 0}
    refused = smtplib.SMTPRecipientsRefused({"anna.bianchi@example.org": (550, b"<anna.bianchi@example.org> unknown")})
    transient = smtplib.SMTPResponseException(451, b"<anna.bianchi@example.org> try later")
    with caplog.at_level(logging.INFO, logger="housing.mail"):
        outbox._record_failure(message, transient, None, counts)
        outbox._record_failure(message, refused, None, counts)
    assert caplog.records and all("anna.bianchi" not in record.getMessage() for record in caplog.records)
    assert "451" in caplog.text
    assert "anna.bianchi" in m.OutboxMessage.get_by_id(message.id).last_error  # the administrators still see it


def test_a_run_with_nothing_to_do_logs_nothing_at_info(database, caplog):
    import jobs

    job = jobs.Job("quiet", 1, lambda: ("skipped", "nothing due"), "test", keep_skipped=False)
    with caplog.at_level(logging.INFO, logger="jobs"):
        jobs.recorded(database, job)
    assert "Job quiet" not in caplog.text
