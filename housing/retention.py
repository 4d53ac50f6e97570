"""Retention of personal data, as data: which records are due, and what anonymising them means.

Each kind of record holding personal data has a rule (``models.RetentionRule``:
months and action, seeded by migration 0010, editable by an admin) and, here,
a ``Kind``: the date the period counts from, the actions it allows, the query
of the records past their period and, field by field, what anonymisation does
(``TREATMENTS``). The processing register (``housing.processing_register``)
prints the same tables, so the document and the job cannot drift apart.

Anonymisation keeps the codes and the aggregate fields that the funder's
indicators (``housing.accompaniment.indicators``) and the public statistics
(``housing.publishing.export.statistics``) read: dates of intake, tenancies,
stays and outcomes, need indexes and support intensities, statuses, sizes and
districts. It clears free text, contacts, exact incomes, names and tax codes.
A closed household is never deleted: its tenancies and stays are the
indicators' denominators. Every changed record gets its own audit row (values
masked: the trail must not keep what was erased); a batch deletion of log
rows (audit rows, login attempts) gets one row per run, since a row per
deleted log row would copy the log into itself.
"""
import calendar
import datetime
import json
from typing import Callable, NamedTuple

from housing import audit
from housing.anonymise import (  # noqa: F401 (HOW, anonymise_record: the register and the benchmark read them here)
    ANONYMISE, CLEAR, DELETE, HOW, KEEP, PSEUDONYM, SCRUB, YEAR, Change, anonymise_record, delete_step, update_step,
)
from models import (
    Appointment, ArrearsEpisode, Assessment, AssessmentScore, AuditLog, ContactLog, ErpAssignment, FollowUpVisit,
    GeneratedDocument, Household, LandlordProposal, LoginAttempt, Match, MatchEvent, OutboxMessage, Person, Referral,
    RetentionRule, Stay, SupportPlan, Tenancy, db,
)

ACTIONS = {ANONYMISE: "anonimizzazione", DELETE: "cancellazione"}


def months_before(today, months):
    """The same day ``months`` months earlier (the month's last day when it is shorter)."""
    index = today.year * 12 + today.month - 1 - months
    year, month = divmod(index, 12)
    return datetime.date(year, month + 1, min(today.day, calendar.monthrange(year, month + 1)[1]))


class Kind(NamedTuple):
    key: str
    it: str
    since: str  # what the period counts from, in Italian
    actions: tuple
    why: str  # the rationale of the default period (the rule itself is data: migration 0010 seeds it)
    plan: Callable | None = None  # (cutoff date, action) -> [(Change, apply function)]


# -- field-by-field treatments, by kind: {table: {field: how}} --------------------------------------

HOUSEHOLD_RECORDS = {
    "household": {"email": CLEAR, "phone": CLEAR, "notes": CLEAR, "case_conference_reason": CLEAR,
                  "languages": CLEAR, "monthly_net_income": CLEAR, "isee_value": CLEAR, "isee_date": CLEAR,
                  "ethos_category": KEEP, "notice_consent": KEEP, "notice_consent_on": CLEAR},
    "household_language": {"spoken": KEEP},
    "person": {"first_name": PSEUDONYM, "last_name": PSEUDONYM, "tax_code": PSEUDONYM, "birth_date": YEAR,
               "disability_percent": CLEAR, "sex": KEEP, "citizenship": KEEP, "relation": KEEP,
               "has_disability": KEEP, "employment_status": KEEP},
    "assessment": {"correction_reason": CLEAR, "need_index": KEEP, "support_intensity": KEEP},
    "assessment_score": {"note": CLEAR, "score": KEEP},
    "contact_log": {"note": CLEAR, "sensitive_note": CLEAR},
    "referral": {"outcome_note": CLEAR},
    "support_plan": {"notes": CLEAR},
    "stay": {"notes": CLEAR},
    "tenancy": {"guarantee": CLEAR, "programme_contribution": KEEP},
    "follow_up_visit": {"note": CLEAR},
    "arrears_episode": {"note": CLEAR, "amount": KEEP},
    "erp_assignment": {"social_rent": KEEP, "arrears_amount": KEEP, "arrears_since": KEEP,
                       "last_income_check": KEEP},
    "match": {"snapshot": SCRUB, "decline_reason_text": CLEAR},
    "match_event": {"note": CLEAR},
    "appointment": {"notes": CLEAR},
    # the letters to the household and its plans for signature: kind, record and date stay, contents go
    "generated_document": {"data": CLEAR, "pdf": CLEAR, "docx": CLEAR},
}
TREATMENTS = {
    "closed_household": HOUSEHOLD_RECORDS,
    "assessment": {"assessment": {"correction_reason": CLEAR, "need_index": KEEP, "support_intensity": KEEP},
                   "assessment_score": {"note": CLEAR, "score": KEEP}},
    "contact_log": {"contact_log": {"note": CLEAR, "sensitive_note": CLEAR}},
    "restricted_note": {"contact_log": {"sensitive_note": CLEAR}, "assessment_score": {"note": CLEAR}},
    "audit_log": {"audit_log": {"changes": CLEAR}},
    "login_attempt": {"login_attempt": {"username": CLEAR, "remote_addr": CLEAR}},
    "landlord_proposal": {"landlord_proposal": {"name": CLEAR, "email": CLEAR, "phone": CLEAR, "address": CLEAR,
                                                "notes": CLEAR}},
    # anonymising a generated document keeps its kind, record, date and author (the office's register of
    # what it sent) and drops the data it printed and its files
    "generated_document": {"generated_document": {"data": CLEAR, "pdf": CLEAR, "docx": CLEAR}},
    # anonymising an e-mail keeps its key, subject, state and dates (what was sent, when: the outbox's
    # history) and drops the address, the texts, the attachment and the server's reply (it quotes the address)
    "email": {"outbox_message": {"recipient": CLEAR, "body_text": CLEAR, "body_html": CLEAR, "attachment": CLEAR,
                                 "attachment_name": CLEAR, "attachment_type": CLEAR, "last_error": CLEAR}},
}

# Personal fields no automatic rule touches, and why (the register prints the reason).
OUTSIDE_RULES = {
    "landlord": "Dati di un contraente (locatore): conservati per la durata del rapporto e per 10 anni dalla "
                "sua fine (art. 2220 c.c., obblighi contabili e fiscali); cancellazione o rettifica su richiesta "
                "dell'interessato, valutata caso per caso.",
    "dwelling": "Riferimenti catastali e note dell'alloggio, che identificano il proprietario: seguono i dati "
                "del locatore.",
    "proposal_attempt": "Impronta (hash con chiave) dell'indirizzo di chi invia il modulo «Offri il tuo alloggio»: "
                        "serve solo al limite di invii per indirizzo ed è cancellata dopo la finestra del limite "
                        "(HOUSING_PROPOSAL_WINDOW_MINUTES, 60 minuti).",
    "erp_assignment": "Anagrafe degli assegnatari ERP: tenuta per conto dell'ente gestore secondo le sue regole; "
                      "per i nuclei chiusi i dati economici restano come dati aggregati.",
}

# -- due records and what changes ------------------------------------------------------------------


def _update(kind_key, record, how):
    # a household's records may carry fields its own treatment leaves alone: mask them in the trail too
    return update_step(kind_key, record, how, HOUSEHOLD_RECORDS.get(record._meta.table_name, {}))


_delete = delete_step


def _open_households(cutoff=None):
    """Ids of households with a tenancy or stay still open (or ended on or after ``cutoff``)."""
    tenancies = Tenancy.ended_on.is_null() | (Tenancy.ended_on >= cutoff) if cutoff else Tenancy.ended_on.is_null()
    stays = Stay.exit_on.is_null() | (Stay.exit_on >= cutoff) if cutoff else Stay.exit_on.is_null()
    return Tenancy.select(Tenancy.household).where(tenancies) | Stay.select(Stay.household).where(stays)


def closed(household):
    """A household whose case is over: exited, with no tenancy or stay still open."""
    return household.status == "exited" and not Household.select().where(
        (Household.id == household.id) & Household.id.in_(_open_households())).exists()


def _plan_closed_households(cutoff, action):
    recent_contact = ContactLog.select(ContactLog.household).where(ContactLog.contact_on >= cutoff)
    due = (Household.select().where(
        (Household.status == "exited") & (Household.updated_at < datetime.datetime.combine(cutoff, datetime.time()))
        & Household.id.not_in(recent_contact) & Household.id.not_in(_open_households(cutoff)))
        .order_by(Household.id))
    return [step for household in due for step in household_steps(household)]


def household_steps(household, kind_key="closed_household"):
    """The (Change, apply) pairs that anonymise ``household`` and every record hanging from it."""
    out = []
    for model, records in _household_records(household):
        for record in records:
            step = _update(kind_key, record, HOUSEHOLD_RECORDS[model._meta.table_name])
            if step:
                out.append(step)
    return out


def _household_records(household):
    tenancies = Tenancy.select().where(Tenancy.household == household)
    matches = Match.select().where(Match.household == household)
    assessments = Assessment.select().where(Assessment.household == household)
    return [
        (Household, [household]),
        (Person, Person.select().where(Person.household == household).order_by(Person.id)),
        (Assessment, assessments),
        (AssessmentScore, AssessmentScore.select().where(AssessmentScore.assessment.in_(assessments))),
        (ContactLog, ContactLog.select().where(ContactLog.household == household)),
        (Referral, Referral.select().where(Referral.household == household)),
        (SupportPlan, SupportPlan.select().where(SupportPlan.household == household)),
        (Stay, Stay.select().where(Stay.household == household)),
        (Tenancy, tenancies),
        (FollowUpVisit, FollowUpVisit.select().where(FollowUpVisit.tenancy.in_(tenancies))),
        (ArrearsEpisode, ArrearsEpisode.select().where(ArrearsEpisode.tenancy.in_(tenancies))),
        (ErpAssignment, []),  # kept: see OUTSIDE_RULES
        (Match, matches),
        (MatchEvent, MatchEvent.select().where(MatchEvent.match.in_(matches))),
        (Appointment, Appointment.select().where(Appointment.household == household)),
        (GeneratedDocument, GeneratedDocument.select().where(
            ((GeneratedDocument.record_table == "match") & GeneratedDocument.record_id.in_(
                Match.select(Match.id).where(Match.household == household)))
            | ((GeneratedDocument.record_table == "support_plan") & GeneratedDocument.record_id.in_(
                SupportPlan.select(SupportPlan.id).where(SupportPlan.household == household))))
         .order_by(GeneratedDocument.id)),
    ]


def _plan_assessments(cutoff, action):
    old = Assessment.select().where(Assessment.assessed_on < cutoff)
    # only rows with something left to clear: a weekly job must not reread every old row
    out = [_update("assessment", a, TREATMENTS["assessment"]["assessment"])
           for a in old.where(Assessment.correction_reason.is_null(False)).order_by(Assessment.id)]
    scores = AssessmentScore.select().where(AssessmentScore.assessment.in_(old) & AssessmentScore.note.is_null(False))
    out += [_update("assessment", s, TREATMENTS["assessment"]["assessment_score"]) for s in scores.order_by(AssessmentScore.id)]
    return [step for step in out if step]


def _plan_contacts(cutoff, action):
    old = ContactLog.select().where(ContactLog.contact_on < cutoff).order_by(ContactLog.id)
    if action == DELETE:
        return [_delete("contact_log", c) for c in old]
    with_text = old.where(ContactLog.note.is_null(False) | ContactLog.sensitive_note.is_null(False))
    return [s for s in (_update("contact_log", c, TREATMENTS["contact_log"]["contact_log"]) for c in with_text) if s]


def _plan_restricted_notes(cutoff, action):
    how = TREATMENTS["restricted_note"]
    contacts = ContactLog.select().where((ContactLog.contact_on < cutoff) & ContactLog.sensitive_note.is_null(False))
    scores = (AssessmentScore.select(AssessmentScore).join(Assessment)
              .where((Assessment.assessed_on < cutoff) & AssessmentScore.sensitive & AssessmentScore.note.is_null(False)))
    out = [_update("restricted_note", c, how["contact_log"]) for c in contacts.order_by(ContactLog.id)]
    out += [_update("restricted_note", s, how["assessment_score"]) for s in scores.order_by(AssessmentScore.id)]
    return [step for step in out if step]


def _plan_proposals(cutoff):
    old = LandlordProposal.select().where(
        LandlordProposal.created_at < datetime.datetime.combine(cutoff, datetime.time())).order_by(LandlordProposal.id)
    return [_delete("landlord_proposal", proposal) for proposal in old]
EMAIL_WHY = ("Avvisi a nuclei e locatori, riepiloghi al personale: due anni bastano a ricostruire cosa è stato "
             "comunicato; i messaggi ancora in coda non sono mai toccati.")
# What an anonymised message keeps in its not-null columns.
EMAIL_CLEARED = {"recipient": "", "body_text": "", "body_html": None, "attachment": None, "attachment_name": None,
                 "attachment_type": None, "last_error": None}


def _plan_emails(cutoff, action):
    """Sent or failed e-mails created before the cutoff: deleted, or emptied of address, texts and attachment.

    A queued message is never touched: it has not been sent yet.
    """
    old = OutboxMessage.select(OutboxMessage.id).where(OutboxMessage.state.in_(("sent", "failed")))
    if action == ANONYMISE:
        old = old.where(OutboxMessage.recipient != "")
    return _plan_files("email", OutboxMessage, old, cutoff, action, EMAIL_CLEARED, "subject")


def _plan_documents(cutoff, action):
    """Generated documents older than the cutoff: deleted, or emptied of their data and files."""
    old = GeneratedDocument.select(GeneratedDocument.id)
    if action == ANONYMISE:
        old = old.where(GeneratedDocument.data.is_null(False) | GeneratedDocument.pdf.is_null(False)
                        | GeneratedDocument.docx.is_null(False))
    cleared = {name: None for name in TREATMENTS["generated_document"]["generated_document"]}
    return _plan_files("generated_document", GeneratedDocument, old, cutoff, action, cleared, "kind")


def _plan_files(kind_key, model, old, cutoff, action, cleared, summary):
    """Records of ``old`` (an id query) created before the cutoff, each deleted (its ``summary`` field
    kept in the trail) or set to ``cleared``: the steps of a kind whose records stand alone."""
    table = model._meta.table_name
    moment = datetime.datetime.combine(cutoff, datetime.time())
    fields = tuple(TREATMENTS[kind_key][table])
    steps = []
    for (pk,) in old.where(model.created_at < moment).order_by(model.id).tuples():
        if action == DELETE:
            def apply(user, pk=pk):
                record = model.get_or_none(model.id == pk)
                if record is not None:
                    audit.record(user, "delete", record, {summary: getattr(record, summary)}, None)
                    record.delete_instance()
            steps.append((Change(kind_key, DELETE, table, str(pk), ()), apply))
        else:
            def apply(user, pk=pk):
                model.update(**cleared).where(model.id == pk).execute()
                audit.record(user, "update", model.get_by_id(pk), {name: audit.MASK for name in fields},
                             {name: cleared[name] for name in fields})
            steps.append((Change(kind_key, ANONYMISE, table, str(pk), fields), apply))
    return steps


def _plan_batch(kind_key, model):
    def plan(cutoff, action):
        moment = datetime.datetime.combine(cutoff, datetime.time())
        # The rows this run writes are never among the old ones: the cutoff is at least a month back.
        ids = [pk for (pk,) in model.select(model.id).where(model.at < moment).order_by(model.id).tuples()]
        if not ids:
            return []
        change = Change(kind_key, DELETE, model._meta.table_name, f"{len(ids)} righe", ())

        def apply(user):
            for start in range(0, len(ids), 500):
                model.delete().where(model.id.in_(ids[start:start + 500])).execute()
            AuditLog.create(user=getattr(user, "id", None), actor=getattr(user, "username", None) or "system",
                            action="delete", entity=model._meta.table_name, record_id="retention",
                            changes=json.dumps({"rows": [len(ids), 0], "before": [cutoff.isoformat(), None]}))
        return [(change, apply)]
    return plan


KINDS = {kind.key: kind for kind in (
    Kind("closed_household", "Nuclei usciti dal programma", "dall'ultima attività del nucleo uscito (uscita, "
         "ultimo contatto, fine della locazione o della permanenza)", (ANONYMISE,),
         ("Cinque anni dalla chiusura: i controlli dei finanziatori sui progetti (PON, PNRR, FSE+) "
          "chiedono la documentazione per cinque anni; poi restano solo codici e dati aggregati."),
         _plan_closed_households),
    Kind("assessment", "Valutazioni multidimensionali", "dalla data della valutazione", (ANONYMISE,),
         ("Le note dei domini servono al lavoro con il nucleo; dopo cinque anni restano punteggi, "
          "indice di bisogno e intensità, che alimentano gli indicatori."), _plan_assessments),
    Kind("contact_log", "Diario dei contatti", "dalla data del contatto", (ANONYMISE, DELETE),
         ("Tre anni bastano alla continuità del lavoro sociale; restano data, tipo e durata del "
          "contatto (carico di lavoro), senza il testo."), _plan_contacts),
    Kind("restricted_note", "Note riservate (categorie particolari, art. 9 GDPR)",
         "dalla data del contatto o della valutazione", (ANONYMISE,),
         "Salute, dipendenze, questioni legali: minimizzazione più stretta, due anni.",
         _plan_restricted_notes),
    Kind("audit_log", "Registro delle modifiche e delle letture", "dalla data della riga", (DELETE,),
         ("Prova di chi ha letto o modificato i dati, utile alle richieste di accesso e ai controlli: "
          "cinque anni, come i fascicoli."), _plan_batch("audit_log", AuditLog)),
    Kind("login_attempt", "Tentativi di accesso falliti", "dalla data del tentativo", (DELETE,),
         ("Sei mesi, come i log di accesso degli amministratori di sistema (Garante, 27/11/2008)."),
         _plan_batch("login_attempt", LoginAttempt)),
    Kind("landlord_proposal", "Proposte di alloggio dal sito", "dall'invio della proposta", (DELETE,),
         ("Una proposta non seguita non serve oltre un anno; quelle registrate vivono nel locatore e "
          "nell'alloggio creati da essa."), lambda cutoff, action: _plan_proposals(cutoff)),
    Kind("generated_document", "Documenti generati", "dalla data di generazione", (ANONYMISE, DELETE),
         ("Lettere, calcoli, determinazioni e progetti generati dal gestionale: dieci anni, come gli atti "
          "del procedimento; l'anonimizzazione conserva tipo, data e autore e cancella dati e file."),
         _plan_documents),
    Kind("email", "E-mail inviate", "dalla creazione del messaggio", (ANONYMISE, DELETE), EMAIL_WHY, _plan_emails),
)}


# The defaults (months, action, active), as migration 0010 seeded them; the rationale is each kind's ``why``.
DEFAULTS = {
    "closed_household": (60, ANONYMISE, True), "assessment": (60, ANONYMISE, True),
    "contact_log": (36, ANONYMISE, True), "restricted_note": (24, ANONYMISE, True),
    "audit_log": (60, DELETE, True), "login_attempt": (6, DELETE, True),
    "landlord_proposal": (12, DELETE, True),
    "generated_document": (120, DELETE, False), "email": (24, DELETE, True),
}


class RetentionError(ValueError):
    pass


def ensure_rules():
    """Add the default rule of every kind that has none (an empty database, a new kind)."""
    have = {kind for (kind,) in RetentionRule.select(RetentionRule.kind).tuples()}
    for key, (months, action, active) in DEFAULTS.items():
        if key not in have:
            RetentionRule.create(kind=key, months=months, action=action, active=active, notes=KINDS[key].why)


def rules():
    """{kind: RetentionRule} of the stored rules (seeded by migration 0010)."""
    return {rule.kind: rule for rule in RetentionRule.select()}


def plan(today=None):
    """Every change due today, as [(Change, apply)], kind by kind; a bad rule is refused by name."""
    today = today or datetime.date.today()
    steps = []
    for key, rule in sorted(rules().items(), key=lambda item: list(KINDS).index(item[0]) if item[0] in KINDS else 99):
        kind = KINDS.get(key)
        if not rule.active or kind is None or kind.plan is None:
            continue
        if rule.action not in kind.actions:
            raise RetentionError(f"Regola «{key}»: azione «{rule.action}» non ammessa (ammesse: "
                                 f"{', '.join(ACTIONS[a] for a in kind.actions)}).")
        steps += kind.plan(months_before(today, rule.months), rule.action)
    return _once_per_record(steps)


def _once_per_record(steps):
    """Drop an anonymisation already covered by an earlier one of the same record.

    A record may be due under several rules (an old closed case's contact is also an old
    contact and may hold a restricted note): without this it would be saved, masked and
    audited once per rule, the later rows recording a change that changed nothing.
    """
    planned, kept = {}, []
    for change, apply in steps:
        if change.action == ANONYMISE:
            fields = planned.setdefault((change.table, change.record_id), set())
            if fields and set(change.fields) <= fields:
                continue
            fields.update(change.fields)
        kept.append((change, apply))
    return kept


def run(apply=False, today=None, user=None):
    """The changes due (applied when ``apply``); each record in its own transaction."""
    steps = plan(today)
    if apply:
        for _, step in steps:
            with db.atomic():
                step(user)
    return [change for change, _ in steps]


def report(changes, applied):
    """The run's report, in Italian, one line per change and a count per kind."""
    verb = "Applicate" if applied else "Da applicare (prova, nulla è stato modificato)"
    lines = [f"{verb}: {len(changes)} modifiche."]
    counts = {}
    for change in changes:
        counts[change.kind] = counts.get(change.kind, 0) + 1
    for key, count in counts.items():
        lines.append(f"  {KINDS[key].it if key in KINDS else 'Cancellazione su richiesta'}: {count}")
    for change in changes:
        what = ", ".join(change.fields) if change.fields else ""
        lines.append(f"{change.kind}\t{ACTIONS[change.action]}\t{change.table}#{change.record_id}\t{what}")
    return "\n".join(lines)


def job(today=None):
    """The runner's ``retention`` job: apply the rules, as (outcome, message)."""
    changes = run(apply=True, today=today)
    if not changes:
        return "skipped", "Conservazione dei dati: nessun record oltre il periodo previsto."
    summary = report(changes, applied=True).splitlines()
    counts = [line.strip() for line in summary[1:] if line.startswith("  ")]
    return "success", f"{summary[0]} " + "; ".join(counts)
