"""The words of the daily digest, in Italian and English, as data.

``LINES`` holds one format per section of ``housing.mail.due.SECTIONS``; the
values come from the item's ``facts`` (dates and labels already in the
reader's language). A language without texts reads Italian.
"""

TEXTS = {
    "it": {
        "subject": "Riepilogo del {day}: {count} cose da fare",
        "greeting": "Buongiorno {name},",
        "intro": "ecco cosa è in scadenza o in ritardo per te oggi.",
        "open": "Apri",
        "more": "… e altri {count}: l'elenco completo nel back office",
        "footer": "Messaggio automatico del back office Housing First: non rispondere.",
    },
    "en": {
        "subject": "Digest of {day}: {count} things due",
        "greeting": "Hello {name},",
        "intro": "here is what is due or late for you today.",
        "open": "Open",
        "more": "… and {count} more: the full list in the back office",
        "footer": "Automatic message from the Housing First back office: do not reply.",
    },
}

HEADINGS = {
    "it": {
        "stalled_steps": "Abbinamenti fermi in una fase",
        "reassessments": "Rivalutazioni scadute",
        "plan_reviews": "Verifiche dei progetti scadute",
        "overdue_stays": "Permanenze oltre l'uscita prevista",
        "follow_up_visits": "Visite di monitoraggio nei prossimi 7 giorni",
        "tenancy_milestones": "Esiti a 6, 12 e 24 mesi in arrivo",
        "guarantee_claims": "Escussioni della garanzia in attesa",
        "expiring_agreements": "Accordi in scadenza entro 60 giorni",
        "unpublished_offers": "Offerte disponibili ma non pubblicate",
    },
    "en": {
        "stalled_steps": "Matches stalled at a step",
        "reassessments": "Reassessments due",
        "plan_reviews": "Plan reviews due",
        "overdue_stays": "Stays past their planned exit",
        "follow_up_visits": "Follow-up visits in the next 7 days",
        "tenancy_milestones": "6, 12 and 24-month outcomes coming up",
        "guarantee_claims": "Guarantee claims waiting",
        "expiring_agreements": "Agreements expiring within 60 days",
        "unpublished_offers": "Offers available but not published",
    },
}

LINES = {
    "it": {
        "stalled_steps": "{code}, offerta {offer}: fase «{step}» ferma da {days} giorni (limite {limit})",
        "reassessments": "{code}: rivalutazione prevista il {day}",
        "plan_reviews": "{code}: verifica del progetto prevista il {day}",
        "overdue_stays": "{code} presso {place}: uscita prevista il {day}",
        "follow_up_visits": "{code}: visita di monitoraggio il {day}",
        "tenancy_milestones": "{code}: esito a {months} mesi dalla locazione il {day}",
        "guarantee_claims": "Escussione n. {record_id} del {day}: {status}",
        "expiring_agreements": "{title}: scade il {day}",
        "unpublished_offers": "Offerta {record_id} ({contract_type}): disponibile dal {day}, non pubblicata",
    },
    "en": {
        "stalled_steps": "{code}, offer {offer}: step “{step}” waiting for {days} days (limit {limit})",
        "reassessments": "{code}: reassessment due on {day}",
        "plan_reviews": "{code}: plan review due on {day}",
        "overdue_stays": "{code} at {place}: planned exit on {day}",
        "follow_up_visits": "{code}: follow-up visit on {day}",
        "tenancy_milestones": "{code}: {months}-month tenancy outcome on {day}",
        "guarantee_claims": "Guarantee claim no. {record_id} of {day}: {status}",
        "expiring_agreements": "{title}: expires on {day}",
        "unpublished_offers": "Offer {record_id} ({contract_type}): available since {day}, not published",
    },
}


def language(code):
    return code if code in TEXTS else "it"
