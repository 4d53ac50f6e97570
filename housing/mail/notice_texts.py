"""The notices' default templates (Italian and English) and the fields each kind may print.

``FIELDS`` is the whitelist: the only names a template of that kind may use,
each with what it holds. None of them is an income, a health note, a name of a
household member or a contact: a notice tells a household or a landlord what
they need to act (the offer's reference, the viewing's day, time and place).
The defaults are seeded by migration 0017 and by ``notices.ensure_templates``
(idempotent: a template staff edited is never overwritten).
"""
from typing import NamedTuple


class Kind(NamedTuple):
    key: str
    audience: str  # household | landlord
    it: str
    en: str


KINDS = (
    Kind("household_proposal", "household", "Proposta di alloggio al nucleo", "Housing proposal to the household"),
    Kind("household_viewing", "household", "Invito alla visita per il nucleo", "Viewing invitation to the household"),
    Kind("landlord_viewing", "landlord", "Avviso di visita al locatore", "Viewing notice to the landlord"),
    Kind("landlord_decision", "landlord", "Richiesta di decisione al locatore", "Decision request to the landlord"),
)
KIND_BY_KEY = {kind.key: kind for kind in KINDS}

# Every field a kind may print: {name: (Italian, English)} descriptions shown to the editor.
COMMON = {
    "code": ("codice del nucleo (pseudonimo)", "household code (pseudonymous)"),
    "offer_ref": ("riferimento dell'offerta (O00012)", "offer reference (O00012)"),
    "district": ("quartiere dell'alloggio", "district of the home"),
}
VIEWING = {
    "viewing_day": ("giorno della visita", "viewing day"),
    "viewing_time": ("ora della visita", "viewing time"),
    "viewing_place": ("luogo dell'appuntamento", "meeting place"),
}
FIELDS = {
    "household_proposal": {**COMMON,
                           "rooms": ("numero di locali", "number of rooms"),
                           "monthly_rent": ("canone mensile dell'alloggio", "monthly rent of the home"),
                           "contract_type": ("tipo di contratto", "contract type"),
                           "available_from": ("disponibile dal", "available from"),
                           "offer_url": ("pagina pubblica dell'offerta (se pubblicata)", "public page of the offer (if published)")},
    "household_viewing": {**COMMON, **VIEWING},
    "landlord_viewing": {**COMMON, **VIEWING,
                         "landlord_name": ("nome del locatore", "landlord's name"),
                         "address": ("indirizzo dell'alloggio", "address of the home")},
    "landlord_decision": {**COMMON,
                          "landlord_name": ("nome del locatore", "landlord's name"),
                          "address": ("indirizzo dell'alloggio", "address of the home"),
                          "reply_by": ("rispondere entro il", "reply by")},
}

FOOTER = {
    "it": "Messaggio inviato dal programma Housing First con il suo consenso. Per non ricevere più "
          "avvisi per e-mail, lo dica al suo operatore o risponda a questo messaggio.",
    "en": "This e-mail comes from the Housing First programme, with your consent. To stop these notices "
          "by e-mail, tell your case worker or reply to this e-mail.",
}

DEFAULTS = {
    ("household_proposal", "it"): (
        "Proposta di alloggio {{ offer_ref }}",
        "Buongiorno,\n\nil programma Housing First le propone un alloggio (riferimento {{ offer_ref }}"
        "{% if district %}, quartiere {{ district }}{% endif %}): {{ rooms }} locali, canone mensile "
        "{{ monthly_rent }}, contratto {{ contract_type }}, disponibile dal {{ available_from }}.\n"
        "{% if offer_url %}\nLa scheda dell'alloggio: {{ offer_url }}\n{% endif %}\n"
        "Il suo operatore la contatterà per parlarne insieme (codice pratica {{ code }}).\n\n" + FOOTER["it"] + "\n"),
    ("household_proposal", "en"): (
        "Housing proposal {{ offer_ref }}",
        "Hello,\n\nthe Housing First programme proposes a home to you (home {{ offer_ref }}"
        "{% if district %}, district {{ district }}{% endif %}): {{ rooms }} rooms, monthly rent "
        "{{ monthly_rent }}, contract {{ contract_type }}, free from {{ available_from }}.\n"
        "{% if offer_url %}\nThe home's page: {{ offer_url }}\n{% endif %}\n"
        "Your case worker will contact you to talk it over (file code {{ code }}).\n\n" + FOOTER["en"] + "\n"),
    ("household_viewing", "it"): (
        "Visita dell'alloggio {{ offer_ref }}: {{ viewing_day }} alle {{ viewing_time }}",
        "Buongiorno,\n\nla visita dell'alloggio {{ offer_ref }} è fissata per {{ viewing_day }} alle "
        "{{ viewing_time }}.\nLuogo dell'appuntamento: {{ viewing_place }}\n\n"
        "In allegato l'appuntamento per il suo calendario. Se non può venire, avvisi il suo operatore "
        "(codice pratica {{ code }}).\n\n" + FOOTER["it"] + "\n"),
    ("household_viewing", "en"): (
        "Visit to home {{ offer_ref }}: {{ viewing_day }} at {{ viewing_time }}",
        "Hello,\n\nthe visit to home {{ offer_ref }} is on {{ viewing_day }} at {{ viewing_time }}.\n"
        "Meeting place: {{ viewing_place }}\n\nThe appointment for your calendar is attached. If you cannot "
        "come, tell your case worker (file code {{ code }}).\n\n" + FOOTER["en"] + "\n"),
    ("landlord_viewing", "it"): (
        "Visita dell'alloggio {{ offer_ref }}: {{ viewing_day }} alle {{ viewing_time }}",
        "Gentile {{ landlord_name }},\n\nla visita del suo alloggio {{ offer_ref }} ({{ address }}) con il "
        "nucleo {{ code }} è fissata per {{ viewing_day }} alle {{ viewing_time }}.\n"
        "Luogo dell'appuntamento: {{ viewing_place }}\n\nIn allegato l'appuntamento per il suo calendario.\n\n"
        + FOOTER["it"] + "\n"),
    ("landlord_viewing", "en"): (
        "Visit to home {{ offer_ref }}: {{ viewing_day }} at {{ viewing_time }}",
        "Dear {{ landlord_name }},\n\nthe visit to your home {{ offer_ref }} ({{ address }}) with household "
        "{{ code }} is on {{ viewing_day }} at {{ viewing_time }}.\nMeeting place: {{ viewing_place }}\n\n"
        "The appointment for your calendar is attached.\n\n" + FOOTER["en"] + "\n"),
    ("landlord_decision", "it"): (
        "Alloggio {{ offer_ref }}: la sua decisione sul nucleo {{ code }}",
        "Gentile {{ landlord_name }},\n\nil nucleo {{ code }} ha accettato il suo alloggio {{ offer_ref }} "
        "({{ address }}). Le chiediamo di comunicarci la sua decisione entro il {{ reply_by }}, "
        "rispondendo a questo messaggio o chiamando l'ufficio.\n\n" + FOOTER["it"] + "\n"),
    ("landlord_decision", "en"): (
        "Home {{ offer_ref }}: your decision on household {{ code }}",
        "Dear {{ landlord_name }},\n\nhousehold {{ code }} said yes to your home {{ offer_ref }} ({{ address }}). "
        "Please tell us your decision by {{ reply_by }}, replying to this e-mail or calling the office.\n\n"
        + FOOTER["en"] + "\n"),
}

# Values for the back office's preview and test send: invented, never a real record.
SAMPLE = {
    "code": "NF-2026-0001", "offer_ref": "O00012", "district": "Centro", "rooms": "2", "monthly_rent": "€ 450,00",
    "contract_type": "canone concordato", "available_from": "01/03/2027", "offer_url": "https://example.org/offerte/O00012/",
    "viewing_day": "15/02/2027", "viewing_time": "10:30", "viewing_place": "Via Esempio 1", "landlord_name": "Mario Esempio",
    "address": "Via Esempio 1", "reply_by": "25/02/2027",
}
