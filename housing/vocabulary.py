"""Controlled vocabularies of the programme, as data.

Every coded value stored in the database is a stable English key from one of
these registries; the Italian and English labels live beside it, so renaming a
label never rewrites stored data. A registry is an ordered tuple of ``Term``.
"""
from typing import NamedTuple


class Term(NamedTuple):
    key: str
    it: str
    en: str


def keys(registry):
    return [term.key for term in registry]


def label(registry, key, lang="it"):
    for term in registry:
        if term.key == key:
            return getattr(term, lang)
    return key


ROLES = (
    Term("admin", "Amministratore", "Administrator"),
    Term("operator", "Operatore (casi e abbinamenti)", "Operator (case work and matching)"),
    Term("clerk", "Addetto anagrafe (alloggi e locatori)", "Registry clerk (homes and landlords)"),
    Term("viewer", "Consultazione (senza dati personali)", "Viewer (no personal data)"),
)

PARTNER_SECTORS = (
    Term("public_administration", "Pubblica amministrazione", "Public administration"),
    Term("iacp", "IACP (edilizia residenziale pubblica)", "IACP public-housing institute"),
    Term("health_service", "Servizio sanitario", "Health service"),
    Term("estate_agents", "Associazione agenti immobiliari", "Estate-agent association"),
    Term("landlord_association", "Associazione proprietari", "Landlord association"),
    Term("tenant_association", "Associazione inquilini", "Tenant association"),
    Term("employers_association", "Associazione datoriale", "Employers' association"),
    Term("trade_union", "Sindacato", "Trade union"),
    Term("third_sector", "Terzo settore", "Third sector"),
    Term("cpia", "CPIA (istruzione adulti)", "CPIA adult school"),
    Term("training_body", "Ente di formazione", "Training body"),
    Term("university", "Università", "University"),
    Term("other", "Altro", "Other"),
)

AGREEMENT_KINDS = (
    Term("strategic_agreement", "Accordo strategico", "Strategic agreement"),
    Term("memorandum", "Protocollo d'intesa", "Memorandum of understanding"),
    Term("convention", "Convenzione", "Convention"),
)

AGREEMENT_STATUSES = (
    Term("draft", "Bozza", "Draft"),
    Term("active", "Attivo", "Active"),
    Term("expired", "Scaduto", "Expired"),
    Term("terminated", "Risolto", "Terminated"),
)

LANDLORD_KINDS = (
    Term("private_person", "Persona fisica", "Private person"),
    Term("company", "Società", "Company"),
    Term("public_body", "Ente pubblico", "Public body"),
    Term("iacp", "IACP", "IACP"),
    Term("agency", "Agenzia", "Agency"),
)

OWNERSHIPS = (
    Term("public", "Pubblica", "Public"),
    Term("private", "Privata", "Private"),
)

DWELLING_STATUSES = (
    Term("registered", "Censito", "Registered"),
    Term("renovation", "In ristrutturazione", "Being renovated"),
    Term("available", "Disponibile", "Available"),
    Term("offered", "In offerta", "Offered"),
    Term("let", "Locato", "Let"),
    Term("withdrawn", "Ritirato", "Withdrawn"),
)

DWELLING_CONDITIONS = (
    Term("new", "Nuovo o ristrutturato", "New or renovated"),
    Term("good", "Buono", "Good"),
    Term("fair", "Discreto", "Fair"),
    Term("poor", "Da ristrutturare", "Needs renovation"),
)

ENERGY_CLASSES = tuple(
    Term(k, k, k) for k in ("A4", "A3", "A2", "A1", "B", "C", "D", "E", "F", "G")
)

CONTRACT_TYPES = (
    Term("concordato_3_2", "Canone concordato 3+2", "Controlled rent 3+2"),
    Term("transitory", "Transitorio", "Transitory"),
    Term("students", "Studenti universitari", "University students"),
    Term("free_4_4", "Libero 4+4", "Free market 4+4"),
    Term("erp", "Edilizia residenziale pubblica (ERP)", "Public housing (ERP)"),
    Term("transitional", "Transitorio a bassa protezione", "Transitional low-protection"),
    Term("emergency", "Emergenza abitativa", "Emergency"),
)

# Offers of these types house programme beneficiaries: the street address of
# such a home must never be published.
PROTECTED_CONTRACT_TYPES = frozenset({"erp", "transitional", "emergency"})

OFFER_STATUSES = (
    Term("draft", "Bozza", "Draft"),
    Term("published", "Pubblicata", "Published"),
    Term("reserved", "Riservata", "Reserved"),
    Term("let", "Locata", "Let"),
    Term("withdrawn", "Ritirata", "Withdrawn"),
)

OCCUPANCY_STATUSES = (
    Term("regular", "Regolare", "Regular"),
    Term("irregular", "Occupazione senza titolo", "Irregular occupation"),
    Term("vacant", "Sfitto", "Vacant"),
    Term("verification", "In verifica", "Under verification"),
)

# ETHOS (FEANTSA) typology of homelessness and housing exclusion.
ETHOS_CATEGORIES = (
    Term("roofless_1", "Senza tetto: in strada (1.1)", "Roofless: living rough (1.1)"),
    Term("roofless_2", "Senza tetto: dormitorio notturno (2.1)", "Roofless: night shelter (2.1)"),
    Term("houseless_3", "Senza casa: centro di accoglienza (3)", "Houseless: homeless hostel (3)"),
    Term("houseless_4", "Senza casa: accoglienza per donne (4)", "Houseless: women's shelter (4)"),
    Term("houseless_5", "Senza casa: accoglienza per migranti (5)", "Houseless: migrants' accommodation (5)"),
    Term("houseless_6", "Senza casa: in uscita da istituzioni (6)", "Houseless: due to leave an institution (6)"),
    Term("houseless_7", "Senza casa: sostegno di lungo periodo (7)", "Houseless: long-term support (7)"),
    Term("insecure_8", "Sistemazione insicura: ospite o senza titolo (8)", "Insecure: no legal tenancy (8)"),
    Term("insecure_9", "Sistemazione insicura: sotto sfratto (9)", "Insecure: under eviction (9)"),
    Term("insecure_10", "Sistemazione insicura: violenza (10)", "Insecure: under threat of violence (10)"),
    Term("inadequate_11", "Sistemazione inadeguata: struttura temporanea (11)", "Inadequate: temporary structure (11)"),
    Term("inadequate_12", "Sistemazione inadeguata: alloggio inidoneo (12)", "Inadequate: unfit housing (12)"),
    Term("inadequate_13", "Sistemazione inadeguata: sovraffollamento (13)", "Inadequate: extreme overcrowding (13)"),
)

HOUSEHOLD_STATUSES = (
    Term("intake", "Accoglienza", "Intake"),
    Term("assessed", "Valutato", "Assessed"),
    Term("waiting", "In attesa", "Waiting"),
    Term("matched", "Abbinato", "Matched"),
    Term("housed", "Inserito in alloggio", "Housed"),
    Term("exited", "Uscito dal programma", "Exited"),
)

SEXES = (
    Term("F", "Femmina", "Female"),
    Term("M", "Maschio", "Male"),
    Term("X", "Non specificato", "Not specified"),
)

RELATIONS = (
    Term("reference", "Intestatario", "Reference person"),
    Term("partner", "Coniuge o convivente", "Spouse or partner"),
    Term("child", "Figlio/a", "Child"),
    Term("parent", "Genitore", "Parent"),
    Term("sibling", "Fratello/sorella", "Sibling"),
    Term("other_relative", "Altro parente", "Other relative"),
    Term("other", "Altro", "Other"),
)

EMPLOYMENT_STATUSES = (
    Term("employed", "Occupato", "Employed"),
    Term("self_employed", "Autonomo", "Self-employed"),
    Term("occasional", "Lavoro occasionale", "Occasional work"),
    Term("unemployed", "Disoccupato", "Unemployed"),
    Term("student", "Studente", "Student"),
    Term("retired", "Pensionato", "Retired"),
    Term("unable", "Inabile al lavoro", "Unable to work"),
    Term("child", "Minore", "Minor"),
)

AUDIT_ACTIONS = (
    Term("create", "Creazione", "Create"),
    Term("update", "Modifica", "Update"),
    Term("delete", "Eliminazione", "Delete"),
    # a read of special-category data (health, addictions, legal notes)
    Term("read", "Lettura dati sensibili", "Sensitive read"),
)

JOB_OUTCOMES = (
    Term("requested", "Richiesto", "Requested"),
    Term("running", "In corso", "Running"),
    Term("success", "Riuscito", "Succeeded"),
    Term("skipped", "Nessuna modifica", "Nothing changed"),
    Term("failed", "Fallito", "Failed"),
)

# -- accompaniment (support after and around the home) -----------------------

SUPPORT_INTENSITIES = (
    Term("low", "Bassa", "Low"),
    Term("medium", "Media", "Medium"),
    Term("high", "Alta", "High"),
)

PLAN_STATUSES = (
    Term("draft", "Bozza", "Draft"),
    Term("active", "Attivo", "Active"),
    Term("closed", "Concluso", "Closed"),
)

GOAL_STATUSES = (
    Term("open", "Da avviare", "Open"),
    Term("in_progress", "In corso", "In progress"),
    Term("achieved", "Raggiunto", "Achieved"),
    Term("dropped", "Abbandonato", "Dropped"),
)

ACTION_STATUSES = (
    Term("planned", "Prevista", "Planned"),
    Term("in_progress", "In corso", "In progress"),
    Term("done", "Svolta", "Done"),
    Term("cancelled", "Annullata", "Cancelled"),
)

SERVICE_TYPES = (
    Term("home_care", "Assistenza domiciliare", "Home care"),
    Term("educational_support", "Sostegno educativo", "Educational support"),
    Term("health_orientation", "Orientamento sanitario", "Health orientation"),
    Term("job_integration", "Inserimento lavorativo (SIL)", "Job integration (SIL)"),
    Term("training", "Formazione professionale", "Vocational training"),
    Term("adult_school", "Scuola per adulti (CPIA)", "Adult school (CPIA)"),
    Term("occasional_work", "Lavoro occasionale / accessorio", "Occasional-work scheme"),
    Term("legal_documents", "Assistenza legale e documenti", "Legal and document help"),
    Term("mediation", "Mediazione linguistico-culturale", "Linguistic-cultural mediation"),
    Term("other", "Altro", "Other"),
)

REFERRAL_STATUSES = (
    Term("sent", "Inviato", "Sent"),
    Term("accepted", "Accettato", "Accepted"),
    Term("in_progress", "In corso", "In progress"),
    Term("completed", "Concluso", "Completed"),
    Term("refused", "Rifiutato", "Refused"),
)

REFERRAL_OUTCOMES = (
    Term("job_contract", "Contratto di lavoro", "Job contract"),
    Term("traineeship", "Tirocinio", "Traineeship"),
    Term("course_completed", "Corso completato", "Course completed"),
    Term("documents_obtained", "Documenti ottenuti", "Documents obtained"),
    Term("service_taken_up", "Presa in carico dal servizio", "Taken up by the service"),
    Term("no_result", "Nessun esito", "No result"),
    Term("other", "Altro", "Other"),
)

CONTACT_TYPES = (
    Term("home_visit", "Visita domiciliare", "Home visit"),
    Term("phone_call", "Telefonata", "Phone call"),
    Term("office_meeting", "Colloquio in sede", "Office meeting"),
    Term("outreach", "Incontro sul territorio", "Meeting outside"),
    Term("case_conference", "Équipe / case conference", "Case conference"),
    Term("message", "Messaggio", "Message"),
)

PLACE_KINDS = (
    Term("emergency", "Emergenza abitativa", "Emergency social housing"),
    Term("transitional", "Alloggio di transizione (bassa soglia)", "Transitional low-protection home"),
)

EXIT_DESTINATIONS = (
    Term("housing_first", "Casa con Housing First", "Housing First tenancy"),
    Term("other_housing", "Altra sistemazione abitativa", "Other housing"),
    Term("family", "Rientro in famiglia", "Back to family"),
    Term("institution", "Struttura / istituto", "Institution"),
    Term("unknown", "Non nota", "Unknown"),
    Term("street", "Ritorno in strada", "Back to the street"),
)

TENANCY_OUTCOMES = (
    Term("still_housed", "Ancora in casa", "Still housed"),
    Term("moved_on", "Uscito in positivo", "Moved on positively"),
    Term("lost_home", "Casa persa", "Lost the home"),
)

TENANCY_END_REASONS = (
    Term("moved_on", "Trasferimento in positivo (autonomia)", "Moved on positively"),
    Term("eviction", "Sfratto", "Eviction"),
    Term("abandoned", "Abbandono dell'alloggio", "Abandoned the home"),
    Term("institution", "Ingresso in struttura", "Entered an institution"),
    Term("death", "Decesso", "Death"),
    Term("other", "Altro", "Other"),
)

INCENTIVE_KINDS = (
    Term("one_off_grant", "Contributo una tantum", "One-off grant"),
    Term("guarantee_fund", "Fondo di garanzia (mensilità coperte)", "Guarantee fund (months covered)"),
    Term("renovation_grant", "Contributo per ristrutturazione", "Renovation grant"),
)

INCENTIVE_STATUSES = (
    Term("requested", "Richiesto", "Requested"),
    Term("approved", "Approvato", "Approved"),
    Term("paid", "Erogato", "Paid"),
    Term("refused", "Respinto", "Refused"),
)

CLAIM_STATUSES = (
    Term("submitted", "Presentata", "Submitted"),
    Term("approved", "Approvata", "Approved"),
    Term("paid", "Pagata", "Paid"),
    Term("refused", "Respinta", "Refused"),
)

REGISTRIES = {
    "roles": ROLES,
    "partner_sectors": PARTNER_SECTORS,
    "agreement_kinds": AGREEMENT_KINDS,
    "agreement_statuses": AGREEMENT_STATUSES,
    "landlord_kinds": LANDLORD_KINDS,
    "ownerships": OWNERSHIPS,
    "dwelling_statuses": DWELLING_STATUSES,
    "dwelling_conditions": DWELLING_CONDITIONS,
    "energy_classes": ENERGY_CLASSES,
    "contract_types": CONTRACT_TYPES,
    "offer_statuses": OFFER_STATUSES,
    "occupancy_statuses": OCCUPANCY_STATUSES,
    "ethos_categories": ETHOS_CATEGORIES,
    "household_statuses": HOUSEHOLD_STATUSES,
    "sexes": SEXES,
    "relations": RELATIONS,
    "employment_statuses": EMPLOYMENT_STATUSES,
    "audit_actions": AUDIT_ACTIONS,
    "job_outcomes": JOB_OUTCOMES,
    "support_intensities": SUPPORT_INTENSITIES,
    "plan_statuses": PLAN_STATUSES,
    "goal_statuses": GOAL_STATUSES,
    "action_statuses": ACTION_STATUSES,
    "service_types": SERVICE_TYPES,
    "referral_statuses": REFERRAL_STATUSES,
    "referral_outcomes": REFERRAL_OUTCOMES,
    "contact_types": CONTACT_TYPES,
    "place_kinds": PLACE_KINDS,
    "exit_destinations": EXIT_DESTINATIONS,
    "tenancy_outcomes": TENANCY_OUTCOMES,
    "tenancy_end_reasons": TENANCY_END_REASONS,
    "incentive_kinds": INCENTIVE_KINDS,
    "incentive_statuses": INCENTIVE_STATUSES,
    "claim_statuses": CLAIM_STATUSES,
}


# -- languages: the seed of the ``Language`` registry (staff keep it) ---------

# ISO 639-1 codes with Italian and English names: the languages most spoken
# among the programme's households (Italian, the languages of the main migrant
# communities in Italy, and the vehicular ones). ``housing.languages.sync``
# adds the missing ones to the registry; it never overwrites staff's edits.
LANGUAGE_SEED = (
    Term("it", "Italiano", "Italian"),
    Term("en", "Inglese", "English"),
    Term("fr", "Francese", "French"),
    Term("ar", "Arabo", "Arabic"),
    Term("es", "Spagnolo", "Spanish"),
    Term("ro", "Romeno", "Romanian"),
    Term("sq", "Albanese", "Albanian"),
    Term("uk", "Ucraino", "Ukrainian"),
    Term("ru", "Russo", "Russian"),
    Term("zh", "Cinese", "Chinese"),
    Term("bn", "Bengalese", "Bengali"),
    Term("ur", "Urdu", "Urdu"),
    Term("pa", "Panjabi", "Punjabi"),
    Term("wo", "Wolof", "Wolof"),
    Term("ti", "Tigrino", "Tigrinya"),
    Term("am", "Amarico", "Amharic"),
    Term("so", "Somalo", "Somali"),
    Term("ha", "Hausa", "Hausa"),
    Term("yo", "Yoruba", "Yoruba"),
    Term("ig", "Igbo", "Igbo"),
    Term("tl", "Tagalog", "Tagalog"),
    Term("pt", "Portoghese", "Portuguese"),
    Term("de", "Tedesco", "German"),
    Term("fa", "Persiano", "Persian"),
    Term("ps", "Pashto", "Pashto"),
    Term("ku", "Curdo", "Kurdish"),
    Term("tr", "Turco", "Turkish"),
    Term("hi", "Hindi", "Hindi"),
    Term("ta", "Tamil", "Tamil"),
    Term("si", "Singalese", "Sinhala"),
    Term("ml", "Malayalam", "Malayalam"),
    Term("pl", "Polacco", "Polish"),
    Term("bg", "Bulgaro", "Bulgarian"),
    Term("sr", "Serbo", "Serbian"),
    Term("mk", "Macedone", "Macedonian"),
    Term("ff", "Fula (pular)", "Fula"),
    Term("bm", "Bambara", "Bambara"),
    Term("mn", "Mongolo", "Mongolian"),
)


# -- free text to keys: what the migrations and the imports share --------------

def fold(text):
    """``text`` compared without case, accents or repeated spaces ("Città " is "citta")."""
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", str(text or ""))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(plain.casefold().split())


def split_words(text, conjunctions=False):
    """The items of a free-text list: split on commas and semicolons (and, with
    ``conjunctions``, on "e"/"and"/"/"), trimmed, empty ones dropped."""
    import re

    separators = r"[,;]|\s+(?:e|ed|and)\s+|/" if conjunctions else r"[,;]"
    return [part.strip() for part in re.split(separators, str(text or ""), flags=re.I) if part.strip()]


def term_key(registry, text):
    """The key of the term whose key or Italian/English label is ``text``
    (case- and accent-insensitive), else None."""
    wanted = fold(text)
    for term in registry:
        if wanted in (fold(term.key), fold(term.it), fold(term.en)):
            return term.key
    return None


def contract_type_keys(text):
    """(keys, unmatched): the contract types a free-text list names, in order,
    and the items that name none."""
    found, unmatched = [], []
    for part in split_words(text):
        key = term_key(CONTRACT_TYPES, part)
        if key is None:
            unmatched.append(part)
        elif key not in found:
            found.append(key)
    return found, unmatched


def registry_of_keys(keys):
    """The registry whose keys are exactly ``keys`` (in order), or None: how a
    model field's ``choices`` lead back to its bilingual labels."""
    keys = list(keys)
    for registry in REGISTRIES.values():
        if [term.key for term in registry] == keys:
            return registry
    return None


# -- the outbox (housing/mail): states of an outgoing message -------------------

OUTBOX_STATES = (
    Term("queued", "In coda", "Queued"),
    Term("sent", "Inviato", "Sent"),
    Term("failed", "Non inviato", "Failed"),
)


# -- appointments (housing/appointments.py) ---------------------------------------

APPOINTMENT_KINDS = (
    Term("viewing", "Visita dell'alloggio", "Viewing of the home"),
    Term("home_visit", "Visita domiciliare", "Home visit"),
    Term("assessment_meeting", "Colloquio di valutazione", "Assessment meeting"),
    Term("case_conference", "Riunione d'équipe", "Case conference"),
)

APPOINTMENT_STATUSES = (
    Term("planned", "Previsto", "Planned"),
    Term("done", "Svolto", "Held"),
    Term("cancelled", "Annullato", "Cancelled"),
)

REGISTRIES.update({
    "outbox_states": OUTBOX_STATES,
    "appointment_kinds": APPOINTMENT_KINDS,
    "appointment_statuses": APPOINTMENT_STATUSES,
})
