"""What can be imported, as data: one ``Kind`` per spreadsheet a user brings.

A kind is read row by row into one or more ``Target`` records, parents first:
a dwelling row may carry its landlord, a member row its household. A target
whose columns hold only its key is a *reference* to a record that must exist
(in the database or earlier in the same file); a target with other values is
created or updated. Natural keys (``Target.keys``, alternatives, any one
identifies the record):

- landlords: tax code, or VAT number (a key that finds two records is an error);
- dwellings: cadastral reference (sheet, parcel, unit), required for imports;
- offers: the dwelling's cadastral reference + contract type + available from
  (one dwelling may be offered again later, or under another contract);
- households: code; members: tax code;
- ERP assignees: assignment act number;
- partners and places: name (partners have no VAT number in the registry).

Districts and languages are registries kept by staff (``registries``): a
dwelling's district is one registry name; a household's preferred districts
and spoken languages are lists of names stored as links (``links``), not
fields. Their entries must exist beforehand, like a dwelling's landlord.
"""
from typing import Callable, NamedTuple

import models as m
from housing import vocabulary as v
from housing.imports import registries, values
from housing.imports.links import LinkTable


class Column(NamedTuple):
    header: str  # Italian, as in the template
    field: str
    parse: Callable
    help: str = ""
    link: LinkTable = None  # stored as links to a registry, not as a field of the record


class Target(NamedTuple):
    model: type
    columns: tuple
    keys: tuple  # alternatives: tuples of field names; 'name?' may be empty
    link: str = None  # field of the next targets that points at this one
    optional: bool = False  # all cells empty: no record (an optional reference or no member)

    @property
    def table(self):
        return self.model._meta.table_name

    def present_columns(self):
        """The columns whose field the model has today (other engineers may reshape fields), and the link columns."""
        return [c for c in self.columns if c.field in self.model._meta.fields or c.link is not None]


class Kind(NamedTuple):
    key: str
    it: str
    en: str
    targets: tuple  # parents first; the last one is the row's own record

    @property
    def columns(self):
        return [column for target in self.targets for column in target.present_columns()]

    @property
    def registries(self):
        """The registries a user must be allowed to edit: every target that is written."""
        return [t.table for t in self.targets if set(c.field for c in t.present_columns()) - key_fields(t)]


def key_fields(target):
    return {name.rstrip("?") for key in target.keys for name in key}


def col(header, field, parse=values.text, help="", link=None):
    help = help or getattr(parse, "help", "")
    if not help:
        allowed = getattr(parse, "allowed", None)
        help = {values.decimal: "Numero, es. 1.234,56", values.integer: "Numero intero",
                values.floating: "Numero decimale, es. 37,5079", values.date: "Data gg/mm/aaaa",
                values.boolean: "sì / no", values.text: "Testo"}.get(parse, "")
        if allowed:
            help = "Uno o più tra (separati da virgole): " if getattr(parse, "many", False) else "Uno tra: "
            help += "; ".join(allowed)
    return Column(header, field, parse, help, link)


def coded(registry):
    return values.coded(registry)


def coded_list(registry):
    return values.coded_list(registry)


LANDLORD_COLUMNS = (
    col("Tipo", "kind", coded(v.LANDLORD_KINDS)),
    col("Denominazione", "name"),
    col("Codice fiscale", "tax_code", help="16 caratteri (persona) o 11 cifre (società)"),
    col("Partita IVA", "vat_number", help="11 cifre"),
    col("Email", "email"),
    col("Telefono", "phone"),
    col("Indirizzo", "address"),
    col("Consenso nome pubblico", "public_name_consent", values.boolean),
    col("Incontri di orientamento", "orientation_sessions", values.integer),
    col("Ultimo orientamento", "last_orientation_on", values.date),
    col("Note", "notes"),
)
LANDLORD = Target(m.Landlord, LANDLORD_COLUMNS, (("tax_code",), ("vat_number",)), link="landlord")

# The dwelling's landlord, inside a dwellings file: its key, and optionally the data to create it.
DWELLING_LANDLORD = Target(m.Landlord, (
    col("Locatore - codice fiscale", "tax_code", help="Codice fiscale del locatore (se non c'è la partita IVA)"),
    col("Locatore - partita IVA", "vat_number", help="Partita IVA del locatore"),
    col("Locatore - denominazione", "name", help="Solo per creare un locatore nuovo"),
    col("Locatore - tipo", "kind", coded(v.LANDLORD_KINDS)),
), LANDLORD.keys, link="landlord")

CADASTRE = (
    col("Foglio", "cadastral_sheet", help="Foglio catastale"),
    col("Particella", "cadastral_parcel", help="Particella catastale"),
    col("Subalterno", "cadastral_unit", help="Subalterno"),
)
CADASTRAL_KEY = (("cadastral_sheet", "cadastral_parcel", "cadastral_unit"),)

DWELLING = Target(m.Dwelling, (
    col("Proprietà", "ownership", coded(v.OWNERSHIPS)),
    col("Indirizzo", "address"),
    col("CAP", "postcode", help="5 cifre"),
    col("Quartiere", "district", registries.DistrictName()),
    *CADASTRE,
    col("Latitudine", "latitude", values.floating),
    col("Longitudine", "longitude", values.floating),
    col("Superficie (m²)", "area_m2", values.integer),
    col("Vani", "rooms", values.integer),
    col("Camere da letto", "bedrooms", values.integer),
    col("Bagni", "bathrooms", values.integer),
    col("Piano", "floor", values.integer),
    col("Ascensore", "has_lift", values.boolean),
    col("Senza barriere", "step_free", values.boolean),
    col("Classe energetica", "energy_class", coded(v.ENERGY_CLASSES)),
    col("Stato di conservazione", "condition", coded(v.DWELLING_CONDITIONS)),
    col("Arredato", "furnished", values.boolean),
    col("Sfitto dal", "vacant_since", values.date),
    col("Stato", "status", coded(v.DWELLING_STATUSES)),
    col("Note", "notes"),
), CADASTRAL_KEY, link="dwelling")

DWELLING_REFERENCE = Target(m.Dwelling, CADASTRE, CADASTRAL_KEY, link="dwelling")

OFFER = Target(m.Offer, (
    col("Tipo di contratto", "contract_type", coded(v.CONTRACT_TYPES)),
    col("Canone mensile (€)", "monthly_rent", values.decimal),
    col("Spese (€)", "service_charges", values.decimal),
    col("Deposito (€)", "deposit", values.decimal),
    col("Disponibile dal", "available_from", values.date),
    col("Durata minima (mesi)", "min_duration_months", values.integer),
    col("Durata massima (mesi)", "max_duration_months", values.integer),
    col("Stato", "status", coded(v.OFFER_STATUSES)),
    col("Descrizione pubblica", "public_description"),
    col("Pubblicata", "published", values.boolean),
), (("dwelling", "contract_type", "available_from?"),))

HOUSEHOLD = Target(m.Household, (
    col("Codice nucleo", "code", help="Es. NF-2026-0001"),
    col("Stato nucleo", "status", coded(v.HOUSEHOLD_STATUSES)),
    col("Email nucleo", "email"),
    col("Telefono nucleo", "phone"),
    col("Categoria ETHOS", "ethos_category", coded(v.ETHOS_CATEGORIES)),
    col("Reddito mensile netto (€)", "monthly_net_income", values.decimal),
    col("ISEE (€)", "isee_value", values.decimal),
    col("Data ISEE", "isee_date", values.date),
    col("Vani minimi", "min_rooms", values.integer),
    col("Senza barriere necessario", "needs_step_free", values.boolean),
    col("Animali", "has_pets", values.boolean),
    col("Quartieri preferiti", "preferred_districts", registries.DistrictName(many=True),
        link=LinkTable(m.HouseholdDistrict, "household", "district")),
    col("Lingue", "spoken_languages", registries.LanguageNames(), link=LinkTable(m.HouseholdLanguage, "household", "spoken")),
    col("Mediazione necessaria", "needs_mediation", values.boolean),
    col("Consenso privacy", "privacy_consent", values.boolean),
    col("Data consenso privacy", "privacy_consent_on", values.date),
    col("Data presa in carico", "intake_on", values.date),
    col("Contratti accettati", "acceptable_contract_types", coded_list(v.CONTRACT_TYPES)),
    col("Note nucleo", "notes"),
), (("code",),), link="household")

HOUSEHOLD_REFERENCE = Target(m.Household, (HOUSEHOLD.columns[0],), (("code",),), link="household")

PERSON = Target(m.Person, (
    col("Codice fiscale", "tax_code", help="16 caratteri"),
    col("Nome", "first_name"),
    col("Cognome", "last_name"),
    col("Data di nascita", "birth_date", values.date),
    col("Sesso", "sex", coded(v.SEXES)),
    col("Cittadinanza", "citizenship"),
    col("Relazione", "relation", coded(v.RELATIONS)),
    col("Disabilità", "has_disability", values.boolean),
    col("Percentuale disabilità", "disability_percent", values.integer),
    col("Condizione lavorativa", "employment_status", coded(v.EMPLOYMENT_STATUSES)),
), (("tax_code",),), optional=True)

ERP = Target(m.ErpAssignment, (
    col("Numero atto", "act_number", help="Numero dell'atto di assegnazione"),
    col("Data atto", "act_date", values.date),
    col("Inizio contratto", "contract_start", values.date),
    col("Canone sociale (€)", "social_rent", values.decimal),
    col("Morosità (€)", "arrears_amount", values.decimal),
    col("Morosità dal", "arrears_since", values.date),
    col("Stato occupazione", "occupancy_status", coded(v.OCCUPANCY_STATUSES)),
    col("Ultima verifica reddito", "last_income_check", values.date),
), (("act_number",),))

PARTNER = Target(m.Partner, (
    col("Denominazione", "name"),
    col("Settore", "sector", coded(v.PARTNER_SECTORS)),
    col("Referente", "contact_person"),
    col("Email", "email"),
    col("Telefono", "phone"),
    col("Indirizzo", "address"),
    col("Sito web", "website"),
    col("Servizi", "services"),
    col("Pubblicato sul sito", "listed_publicly", values.boolean),
    col("Note", "notes"),
), (("name",),))

PLACE_PARTNER = Target(m.Partner, (col("Ente gestore", "name", help="Denominazione di un soggetto già registrato"),),
                       (("name",),), link="partner", optional=True)
PLACE_DWELLING = DWELLING_REFERENCE._replace(optional=True)

PLACE = Target(m.Place, (
    col("Nome", "name"),
    col("Tipo", "kind", coded(v.PLACE_KINDS)),
    col("Posti", "capacity", values.integer),
    col("Struttura", "facility", help="Se il posto non è in un alloggio del registro"),
    col("Attivo", "active", values.boolean),
), (("name",),))

KINDS = {kind.key: kind for kind in (
    Kind("landlords", "Locatori", "Landlords", (LANDLORD._replace(link=None),)),
    Kind("dwellings", "Alloggi (con i locatori)", "Dwellings (with landlords)", (DWELLING_LANDLORD, DWELLING._replace(link=None))),
    Kind("offers", "Offerte di locazione", "Offers", (DWELLING_REFERENCE, OFFER)),
    Kind("households", "Nuclei con i componenti", "Households with members", (HOUSEHOLD, PERSON)),
    Kind("erp", "Assegnatari ERP", "Public-housing assignees", (DWELLING_REFERENCE, HOUSEHOLD_REFERENCE, ERP)),
    Kind("partners", "Soggetti qualificati", "Partners", (PARTNER,)),
    Kind("places", "Posti (emergenza e transizione)", "Places", (PLACE_DWELLING, PLACE_PARTNER, PLACE)),
)}
