"""Bilingual labels of every model field and registry, as data.

One entry per field name: the same name means the same thing in every model.
``tests/test_labels.py`` fails when a model field has no label here.
"""
from admin.i18n import Text

FIELD_LABELS = {
    "id": ("ID", "ID"),
    "created_at": ("Creato il", "Created at"),
    "updated_at": ("Modificato il", "Updated at"),
    # staff accounts
    "username": ("Nome utente", "Username"),
    "full_name": ("Nome e cognome", "Full name"),
    "email": ("Email", "Email"),
    "role": ("Ruolo", "Role"),
    "active": ("Attivo", "Active"),
    "password_hash": ("Password (hash)", "Password (hash)"),
    "last_login": ("Ultimo accesso", "Last login"),
    "language": ("Lingua", "Language"),
    # partners and agreements
    "name": ("Nome", "Name"),
    "sector": ("Settore", "Sector"),
    "contact_person": ("Referente", "Contact person"),
    "phone": ("Telefono", "Phone"),
    "address": ("Indirizzo", "Address"),
    "website": ("Sito web", "Website"),
    "services": ("Servizi offerti", "Services offered"),
    "listed_publicly": ("Pubblicato nell'elenco", "Listed publicly"),
    "notes": ("Note", "Notes"),
    "title": ("Titolo", "Title"),
    "kind": ("Tipo", "Kind"),
    "status": ("Stato", "Status"),
    "signed_on": ("Firmato il", "Signed on"),
    "valid_from": ("Valido dal", "Valid from"),
    "valid_to": ("Valido fino al", "Valid to"),
    "commitments": ("Impegni", "Commitments"),
    "document_reference": ("Riferimento documento", "Document reference"),
    "published": ("Pubblicato", "Published"),
    "agreement": ("Accordo", "Agreement"),
    "partner": ("Partner", "Partner"),
    "signatories": ("Firmatari", "Signatories"),
    # landlords
    "tax_code": ("Codice fiscale", "Tax code"),
    "vat_number": ("Partita IVA", "VAT number"),
    "public_name_consent": ("Consenso a pubblicare il nome", "Consent to publish the name"),
    "orientation_sessions": ("Incontri di orientamento", "Orientation sessions"),
    "last_orientation_on": ("Ultimo incontro il", "Last session on"),
    # territorial agreements
    "city": ("Comune", "City"),
    "is_sample": ("Dati di esempio", "Sample data"),
    "territorial_agreement": ("Accordo territoriale", "Territorial agreement"),
    "code": ("Codice", "Code"),
    "districts": ("Quartieri", "Districts"),
    "zone": ("Zona", "Zone"),
    "label": ("Fascia", "Band"),
    "min_features": ("Caratteristiche minime", "Minimum features"),
    "min_eur_m2_year": ("Minimo €/m²/anno", "Minimum EUR/m²/year"),
    "max_eur_m2_year": ("Massimo €/m²/anno", "Maximum EUR/m²/year"),
    "contract_type": ("Tipo di contratto", "Contract type"),
    "min_months": ("Durata minima (mesi)", "Minimum duration (months)"),
    "max_months": ("Durata massima (mesi)", "Maximum duration (months)"),
    "zones": ("Zone", "Zones"),
    "bands": ("Fasce", "Bands"),
    "durations": ("Durate ammesse", "Allowed durations"),
    # dwellings and offers
    "landlord": ("Locatore", "Landlord"),
    "ownership": ("Proprietà", "Ownership"),
    "postcode": ("CAP", "Postcode"),
    "district": ("Quartiere", "District"),
    "latitude": ("Latitudine", "Latitude"),
    "longitude": ("Longitudine", "Longitude"),
    "cadastral_sheet": ("Foglio catastale", "Cadastral sheet"),
    "cadastral_parcel": ("Particella", "Cadastral parcel"),
    "cadastral_unit": ("Subalterno", "Cadastral unit"),
    "area_m2": ("Superficie (m²)", "Area (m²)"),
    "rooms": ("Vani", "Rooms"),
    "bedrooms": ("Camere da letto", "Bedrooms"),
    "bathrooms": ("Bagni", "Bathrooms"),
    "floor": ("Piano", "Floor"),
    "has_lift": ("Ascensore", "Lift"),
    "step_free": ("Accessibile senza gradini", "Step-free access"),
    "energy_class": ("Classe energetica", "Energy class"),
    "condition": ("Stato di conservazione", "Condition"),
    "furnished": ("Arredato", "Furnished"),
    "vacant_since": ("Sfitto dal", "Vacant since"),
    "dwelling": ("Alloggio", "Dwelling"),
    "monthly_rent": ("Canone mensile", "Monthly rent"),
    "service_charges": ("Spese condominiali", "Service charges"),
    "deposit": ("Deposito cauzionale", "Deposit"),
    "available_from": ("Disponibile dal", "Available from"),
    "min_duration_months": ("Durata minima (mesi)", "Minimum duration (months)"),
    "max_duration_months": ("Durata massima (mesi)", "Maximum duration (months)"),
    "public_description": ("Descrizione pubblica", "Public description"),
    "offers": ("Offerte", "Offers"),
    "dwellings": ("Alloggi", "Dwellings"),
    # households and people
    "household": ("Nucleo", "Household"),
    "ethos_category": ("Categoria ETHOS", "ETHOS category"),
    "monthly_net_income": ("Reddito netto mensile", "Monthly net income"),
    "isee_value": ("Valore ISEE", "ISEE value"),
    "isee_date": ("Data ISEE", "ISEE date"),
    "min_rooms": ("Vani minimi", "Minimum rooms"),
    "needs_step_free": ("Serve accesso senza gradini", "Needs step-free access"),
    "has_pets": ("Animali domestici", "Pets"),
    "preferred_districts": ("Quartieri preferiti", "Preferred districts"),
    "languages": ("Lingue parlate", "Languages spoken"),
    "needs_mediation": ("Serve mediazione linguistico-culturale", "Needs linguistic-cultural mediation"),
    "privacy_consent": ("Consenso privacy", "Privacy consent"),
    "privacy_consent_on": ("Consenso privacy del", "Privacy consent on"),
    "intake_on": ("Presa in carico il", "Intake on"),
    "case_worker": ("Operatore di riferimento", "Case worker"),
    "priority_score": ("Punteggio di priorità", "Priority score"),
    "priority_computed_at": ("Priorità calcolata il", "Priority computed at"),
    "case_conference_rank": ("Posizione da équipe", "Case-conference rank"),
    "case_conference_reason": ("Motivazione dell'équipe", "Case-conference reason"),
    "tie_break_key": ("Chiave di spareggio", "Tie-break key"),
    "members": ("Componenti", "Members"),
    "first_name": ("Nome", "First name"),
    "last_name": ("Cognome", "Last name"),
    "birth_date": ("Data di nascita", "Birth date"),
    "sex": ("Sesso", "Sex"),
    "citizenship": ("Cittadinanza", "Citizenship"),
    "relation": ("Relazione con l'intestatario", "Relation"),
    "has_disability": ("Disabilità", "Disability"),
    "disability_percent": ("Invalidità (%)", "Disability (%)"),
    "employment_status": ("Condizione lavorativa", "Employment status"),
    # ERP registry
    "act_number": ("Numero atto di assegnazione", "Assignment act number"),
    "act_date": ("Data atto", "Act date"),
    "contract_start": ("Inizio contratto", "Contract start"),
    "social_rent": ("Canone sociale", "Social rent"),
    "arrears_amount": ("Morosità (€)", "Arrears (EUR)"),
    "arrears_since": ("Morosità dal", "Arrears since"),
    "occupancy_status": ("Stato occupazione", "Occupancy status"),
    "last_income_check": ("Ultima verifica reddituale", "Last income check"),
    # audit
    "at": ("Quando", "When"),
    "user": ("Utente", "User"),
    "actor": ("Autore", "Actor"),
    "action": ("Azione", "Action"),
    "entity": ("Registro", "Registry"),
    "record_id": ("Record", "Record"),
    "changes": ("Modifiche", "Changes"),
    "remote_addr": ("Indirizzo IP", "IP address"),
    # job runs
    "outcome": ("Esito", "Outcome"),
    "requested_by": ("Richiesto da", "Requested by"),
    "requested_at": ("Richiesto il", "Requested at"),
    "started_at": ("Iniziato il", "Started at"),
    "finished_at": ("Terminato il", "Finished at"),
    "message": ("Messaggio", "Message"),
}

REGISTRY_NAMES = {
    "user": ("Utenti", "Users"),
    "partner": ("Partner", "Partners"),
    "agreement": ("Accordi", "Agreements"),
    "landlord": ("Locatori", "Landlords"),
    "territorial_agreement": ("Accordi territoriali", "Territorial agreements"),
    "agreement_zone": ("Zone", "Zones"),
    "rent_band": ("Fasce di canone", "Rent bands"),
    "contract_duration": ("Durate contrattuali", "Contract durations"),
    "dwelling": ("Alloggi", "Dwellings"),
    "offer": ("Offerte", "Offers"),
    "household": ("Nuclei familiari", "Households"),
    "person": ("Componenti", "Household members"),
    "erp_assignment": ("Assegnatari ERP", "ERP assignees"),
    "audit_log": ("Registro modifiche", "Audit log"),
    "job_run": ("Pubblicazione del sito", "Site publishing"),
}

CATEGORIES = {
    "homes": ("Alloggi e offerte", "Homes and offers"),
    "people": ("Nuclei e assegnatari", "Households and assignees"),
    "network": ("Rete e accordi", "Network and agreements"),
    "rents": ("Canoni concordati", "Controlled rents"),
    "system": ("Sistema", "System"),
}


def field_label(name):
    it, en = FIELD_LABELS.get(name, (name, name))
    return Text(it, en)


def registry_name(table):
    it, en = REGISTRY_NAMES[table]
    return Text(it, en)


def category(key):
    it, en = CATEGORIES[key]
    return Text(it, en)
