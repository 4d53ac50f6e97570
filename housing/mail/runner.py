"""The job runner's two e-mail jobs, as (outcome, message) like its other jobs.

- ``send_job`` (every minute): send the due messages of the outbox. "skipped"
  when there is nothing to send or SMTP is not configured (the message counts
  what waits); "failed" when nothing could be sent (server down, refusals), so
  that the runner's health and the back office show it.
- ``digest_job`` (hourly): queue today's digests of the staff whose hour has come,
  and the immediate notices of stalled steps (``stalled``) for those who want them.
"""
from housing.mail import digest, outbox, stalled
from housing.mail.settings import SettingError, smtp_settings
from models import OutboxMessage, db


def send_job():
    try:
        settings = smtp_settings()
    except SettingError as error:
        return "failed", f"E-mail non inviate, impostazione da correggere: {error}"
    if settings is None:
        waiting = OutboxMessage.select().where(OutboxMessage.state == "queued").count()
        return "skipped", (f"E-mail non configurata (HOUSING_SMTP_HOST, HOUSING_MAIL_FROM): "
                           f"{waiting} messaggi restano in coda.")
    report = outbox.send_due(db, settings)
    if not (report.sent or report.retried or report.failed):
        return "skipped", "Nessuna e-mail da inviare."
    message = (f"E-mail: {report.sent} inviate, {report.retried} da ritentare, {report.failed} non inviate"
               + (f", {report.released} rimandate al prossimo giro." if report.released else "."))
    return ("success" if report.sent else "failed"), message


def digest_job():
    counts, immediate = digest.queue_digests(), stalled.queue_stalled()
    if not counts["queued"] and not immediate["queued"]:
        return "skipped", "Nessun riepilogo da mettere in coda in quest'ora."
    return "success", (f"Riepiloghi messi in coda: {counts['queued']} (vuoti: {counts['empty']}, "
                       f"indirizzi rifiutati: {counts['refused']}); avvisi immediati di abbinamenti fermi: "
                       f"{immediate['queued']}.")
