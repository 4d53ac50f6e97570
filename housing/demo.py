"""Deterministic demo data for the Catania back office.

``seed()`` fills an empty, migrated database (already bound to the models and
connected) with a realistic but entirely fictitious data set: a sample
territorial agreement, the district registry (linked to its zones), landlords,
dwellings, offers, households with their members and preferred districts, ERP
assignments, partners and agreements. One ``random.Random(seed)``
drives everything and dates are relative to ``today``, so the same arguments
always give the same data. Rows go in with batched ``insert_many`` inside one
transaction, so ``scale=200`` (100,000 dwellings) stays fast.
"""
import datetime
import random
import sqlite3
import unicodedata
from decimal import Decimal

from peewee import SqliteDatabase, fn
from stdnum import luhn
from stdnum.it import codicefiscale

from housing import vocabulary as v
from models import (
    Agreement, AgreementPartner, AgreementZone, ContractDuration, ContributionFund, District, Dwelling, ErpAssignment,
    Household, HouseholdDistrict, HouseholdLanguage, Landlord, Offer, Partner, Person, RentBand, TerritorialAgreement,
    User, db,
)

SAMPLE_AGREEMENT_NAME = "Accordo territoriale di Catania (ESEMPIO dimostrativo)"
DAY = datetime.timedelta(days=1)
# Zones from the centre outwards, with their rent bands in EUR/m²/year.
ZONES = (
    ("Z1", "Centro storico", ((60, 74), (74, 90), (90, 110))),
    ("Z2", "Semicentro", ((52, 64), (64, 78), (78, 94))),
    ("Z3", "Periferia", ((44, 53), (53, 63), (63, 75))),
    ("Z4", "Frazioni e litorale", ((40, 48), (48, 57), (57, 68))),
)
BANDS = (("fascia minima", 0), ("fascia media", 2), ("fascia massima", 4))
DURATIONS = {"concordato_3_2": (36, 60), "transitory": (1, 18), "students": (6, 36)}
OTHER_DURATIONS = {"free_4_4": (48, 96), "erp": (None, None), "transitional": (6, 18), "emergency": (3, 12)}
DISTRICTS = (  # quartiere, zone, postcode, latitude, longitude, streets
    ("Centro", "Z1", "95131", 37.5025, 15.0870, "Via Etnea|Via Vittorio Emanuele II|Via Garibaldi|Via Crociferi"),
    ("San Berillo", "Z1", "95131", 37.5075, 15.0930, "Corso Sicilia|Via Pistone|Via delle Finanze|Via Di Prima"),
    ("Civita", "Z1", "95131", 37.5005, 15.0935, "Via Porta di Ferro|Via Dusmet|Via San Giuliano"),
    ("Antico Corso", "Z1", "95124", 37.5070, 15.0800, "Via Antico Corso|Via Gesuiti|Via Santa Maria del Rosario"),
    ("Borgo", "Z2", "95128", 37.5200, 15.0850, "Via Etnea|Via Caronda|Via Umberto I|Via Ughetti"),
    ("Sanzio", "Z2", "95128", 37.5150, 15.0800, "Viale Raffaello Sanzio|Via Vincenzo Giuffrida|Via Caronda"),
    ("Rapisardi", "Z2", "95123", 37.5200, 15.0700, "Viale Mario Rapisardi|Via Passo Gravina"),
    ("Cibali", "Z2", "95123", 37.5180, 15.0650, "Via Galermo|Via Sebastiano Catania|Via Santa Sofia"),
    ("Picanello", "Z2", "95126", 37.5190, 15.1020, "Corso Italia|Viale Libertà|Via Duca degli Abruzzi|Via Imperia"),
    ("Ognina", "Z2", "95126", 37.5300, 15.1150, "Viale Ruggero di Lauria|Via Messina|Via Acicastello"),
    ("Canalicchio", "Z2", "95125", 37.5320, 15.0900, "Via Canalicchio|Via Vincenzo Giuffrida"),
    ("Barriera", "Z3", "95125", 37.5400, 15.0800, "Via Barriera del Bosco|Via Nuovalucello|Via Etnea"),
    ("San Cristoforo", "Z3", "95121", 37.4970, 15.0780, "Via Plebiscito|Via della Concordia|Via Stazzone"),
    ("Angeli Custodi", "Z3", "95121", 37.4930, 15.0800, "Via Plebiscito|Via Angeli Custodi|Via Acquicella"),
    ("Librino", "Z3", "95121", 37.4820, 15.0450, "Viale Librino|Viale Castagnola|Viale Moncada|Viale San Teodoro"),
    ("San Giorgio", "Z3", "95121", 37.4850, 15.0600, "Via San Giorgio|Via Villa Glori"),
    ("Monte Po", "Z3", "95122", 37.5050, 15.0350, "Via Monte Po|Via Palermo"),
    ("Nesima", "Z3", "95122", 37.5150, 15.0500, "Via Nesima Superiore|Via Palermo|Viale Lorenzo Bolano"),
    ("San Leone", "Z3", "95121", 37.4900, 15.0650, "Via San Leone|Via Acquicella"),
    ("Zia Lisa", "Z3", "95121", 37.4850, 15.0750, "Via Zia Lisa|Via Acquicella Porto"),
    ("Villaggio Sant'Agata", "Z3", "95121", 37.4800, 15.0550, "Via Villaggio Sant'Agata|Viale Sant'Agata"),
    ("Trappeto", "Z3", "95123", 37.5280, 15.0600, "Via Trappeto|Via Sebastiano Catania"),
    ("San Giovanni Galermo", "Z3", "95123", 37.5450, 15.0600, "Via San Giovanni Galermo|Via Galermo"),
    ("Vaccarizzo", "Z4", "95121", 37.4300, 15.0850, "Via Vaccarizzo|Viale Presidente Kennedy"),
    ("San Giuseppe la Rena", "Z4", "95121", 37.4600, 15.0800, "Via San Giuseppe la Rena|Viale Presidente Kennedy"),
    ("Playa", "Z4", "95121", 37.4700, 15.0850, "Viale Presidente Kennedy|Via Passo del Fico"),
    ("Villaggio Santa Maria Goretti", "Z4", "95121", 37.4700, 15.0650, "Via Santa Maria Goretti|Via Fossa Creta"),
)
PUBLIC_HOUSING_DISTRICTS = ("Librino", "San Giorgio", "Monte Po", "Nesima", "San Cristoforo", "Angeli Custodi",
                            "Villaggio Sant'Agata", "Trappeto", "San Giovanni Galermo", "Zia Lisa", "Barriera")
NATIONS = {  # citizenship: weight, Belfiore code of the country, languages, "male names | female names | surnames"
    "Italia": (72, None, "italiano",
               "Salvatore Giuseppe Antonio Francesco Giovanni Mario Alfio Sebastiano Carmelo Orazio Luca Marco Andrea "
               "Davide Matteo Giorgio Vincenzo Angelo Rosario Agatino | Maria Giuseppa Agata Rosa Anna Carmela Francesca "
               "Giovanna Concetta Grazia Giulia Chiara Sara Martina Valentina Alessia Federica Lucia Santa Venera | "
               "Russo Ferrara Lombardo Messina Marino Greco Rizzo Caruso Sciacca Pappalardo Scuderi Privitera Musumeci "
               "Grasso Puglisi Nicolosi Santangelo Vitale Di_Mauro Cantarella Giuffrida Torrisi Leonardi Spampinato "
               "Catalano Amato Barbagallo Sapienza Condorelli Bonaccorsi Zappalà Patanè Arcidiacono Nicotra Rapisarda "
               "Strano Gulisano Platania Calì Vasta Finocchiaro Trovato Pulvirenti Mangano Fichera Lo_Presti D'Agata "
               "Consoli Sciuto Maugeri Romeo Distefano Parisi Laudani Tomaselli Cavallaro Motta Leotta Pennisi La_Rosa"),
    "Romania": (6, "Z129", "romeno", "Ion Andrei Mihai Florin Gheorghe Vasile Alexandru | Maria Elena Ioana Andreea "
                "Mihaela Gabriela | Popescu Ionescu Popa Dumitru Stan Stoica Munteanu Constantin Radu"),
    "Tunisia": (5, "Z352", "arabo, francese", "Mohamed Ahmed Youssef Karim Hamza Mehdi | Fatma Amina Salma Leila "
                "Nadia Samira | Trabelsi Jebali Gharbi Mansouri Bouazizi Hamdi Chakroun Ben_Salah"),
    "Marocco": (4, "Z330", "arabo, francese", "Mohammed Rachid Youssef Said Abdel Omar | Fatima Khadija Naima "
                "Latifa Samira Hanane | El_Idrissi Alaoui El_Amrani Benali Tazi Berrada Ouazzani"),
    "Sri Lanka": (4, "Z209", "singalese, inglese", "Nuwan Chaminda Kasun Ruwan Pradeep | Nirmala Dilani Chamari "
                  "Anusha Sanduni | Perera Fernando Silva Jayasuriya Wickramasinghe Bandara Kumara"),
    "Nigeria": (3, "Z335", "inglese", "Chinedu Emeka Oluwaseun Ibrahim Samuel Godwin | Blessing Chioma Ngozi Favour "
                "Joy Precious | Okafor Okonkwo Adeyemi Eze Obi Nwosu Osagie Igbinedion"),
    "Senegal": (3, "Z343", "wolof, francese", "Mamadou Ousmane Cheikh Abdoulaye Moussa Ibrahima | Aminata Fatou Awa "
                "Mariama Khady Ndeye | Diop Ndiaye Fall Sarr Diallo Sow Gueye Faye"),
    "Bangladesh": (2, "Z249", "bengalese, inglese", "Mohammad Rahim Abdul Shahid Jamal | Fatema Nasrin Rina Shirin "
                   "Taslima | Hossain Rahman Islam Uddin Akter Miah"),
    "Gambia": (1, "Z317", "inglese, mandinka", "Lamin Modou Ebrima Musa Alieu | Isatou Fatoumata Binta Mariama Awa | "
               "Jallow Ceesay Touray Jobe Darboe Sanneh"),
}
NAMES = {nation: [[w.replace("_", " ") for w in part.split()] for part in spec[3].split("|")]
         for nation, spec in NATIONS.items()}
ITALIAN_BIRTHPLACES = ("C351",) * 14 + ("A028", "G371", "F250", "A056", "B428", "E017", "B202", "G273", "I754",
                                        "F158", "H163", "F839", "H501", "F205")
PARTNER_NAMES = {  # sector: (weight of further partners, names)
    "public_administration": (2, "Comune di Catania – Direzione Politiche sociali|Comune di Catania – Direzione "
                                 "Patrimonio|Città metropolitana di Catania – Servizi sociali"),
    "iacp": (0, "IACP di Catania"),
    "health_service": (2, "ASP Catania – Dipartimento di salute mentale|ASP Catania – Servizio dipendenze|"
                          "ASP Catania – Consultorio familiare"),
    "estate_agents": (1, "Collegio agenti immobiliari etnei|Associazione mediatori immobiliari del Catanese"),
    "landlord_association": (1, "Associazione piccoli proprietari etnei|Unione proprietari casa del Catanese"),
    "tenant_association": (1, "Associazione inquilini e assegnatari di Catania|Comitato inquilini di Librino"),
    "employers_association": (1, "Associazione commercianti etnei|Associazione artigiani del Catanese"),
    "trade_union": (1, "Sindacato lavoratori etnei|Unione sindacale territoriale di Catania"),
    "third_sector": (10, "Cooperativa sociale Il Faro|Associazione Casa della solidarietà|Cooperativa sociale Sciara|"
                         "Associazione Strada facendo|Fondazione Porta aperta|Associazione Mensa del Borgo|Cooperativa "
                         "sociale Zagara|Associazione Oltre la strada|Emporio solidale di San Cristoforo|Associazione "
                         "Mediterraneo accoglienza|Cooperativa sociale Ulivo|Associazione Donne in cammino|Centro diurno "
                         "La Bussola|Associazione Amici di Librino|Cooperativa sociale Etna lavoro"),
    "cpia": (1, "CPIA Catania 1|CPIA Catania 2"),
    "training_body": (2, "Ente di formazione Sicilia futuro|Istituto di formazione professionale etneo|"
                         "Scuola edile del Catanese"),
    "university": (1, "Università di Catania – Dipartimento di Scienze politiche e sociali|"
                      "Università di Catania – Centro orientamento"),
    "other": (2, "Fondazione di comunità etnea|Rete dei banchi alimentari etnei|Ordine degli assistenti sociali"),
}
SERVICES = ("accompagnamento all'abitare", "orientamento ai servizi", "mediazione con i proprietari", "supporto "
            "psicologico", "inserimento lavorativo", "corsi di lingua italiana", "beni di prima necessità",
            "consulenza legale", "formazione professionale")
# English versions staff wrote for some partners and agreements (the English site shows the others in
# Italian, marked as such).
SERVICES_EN = dict(zip(SERVICES, ("support in settling into a home", "guidance to services", "mediation with landlords",
                                  "psychological support", "job placement", "Italian language courses",
                                  "basic necessities", "legal advice", "vocational training")))
AGREEMENT_THEMES = ("rete cittadina Housing First", "agenzia sociale per la casa", "canone concordato e garanzie ai "
                    "proprietari", "salute mentale e abitare", "inserimento lavorativo delle persone accolte",
                    "corsi di italiano per adulti", "mediazione linguistica e culturale", "tirocini formativi",
                    "ricerca e valutazione del programma", "sportello inquilini", "fondo per la morosità incolpevole",
                    "autonomia dei neomaggiorenni", "accoglienza delle donne vittime di violenza", "emergenza freddo",
                    "recupero degli alloggi pubblici sfitti")
AGREEMENT_THEMES_EN = ("city Housing First network", "social letting agency", "controlled rents and guarantees to "
                       "landlords", "mental health and housing", "job placement of the people housed",
                       "Italian courses for adults", "language and cultural mediation", "traineeships",
                       "research and evaluation of the programme", "tenants' help desk",
                       "fund for involuntary arrears", "autonomy of young care leavers",
                       "shelter for women survivors of violence", "cold-weather emergency",
                       "renovation of empty public homes")
BRANDS = "Etna Ionio Simeto Ciclopi Liotru Elefante Sciara Zagara Trinacria Vulcano Plaia Ursino".split()
INCOMES = {"employed": (700, 1300), "self_employed": (300, 900), "occasional": (150, 600), "retired": (500, 900),
           "unable": (290, 700)}  # monthly net EUR by employment status
ROLES = ("partner", "partner", "ente attuatore", "soggetto sostenitore")  # besides the "capofila"
ROOM_WORDS = ("Monolocale", "Bilocale", "Trilocale", "Quadrilocale", "Appartamento di 5 vani")
CONDITIONS = {"new": "ristrutturato", "good": "in buono stato", "fair": "in discreto stato", "poor": "da rinfrescare"}


def _money(value):
    return Decimal(str(value)).quantize(Decimal("0.01"))


def _stamps(rng, day, today):
    """created_at on ``day``, updated_at on ``today`` (never before created_at)."""
    created = datetime.datetime.combine(day, datetime.time(8)) + datetime.timedelta(minutes=rng.randint(0, 600))
    return dict(created_at=created, updated_at=max(created, datetime.datetime.combine(today, datetime.time(18))))


def _letters(text):
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().upper()
    return [c for c in text if "A" <= c <= "Z"]


def _cf_part(text, first_name=False):
    letters = _letters(text)
    consonants = [c for c in letters if c not in "AEIOU"]
    if first_name and len(consonants) >= 4:
        return consonants[0] + consonants[2] + consonants[3]
    return ("".join(consonants + [c for c in letters if c in "AEIOU"]) + "XXX")[:3]


def tax_code(last_name, first_name, sex, birth_date, place):
    """The codice fiscale of a person born in ``place`` (Belfiore code), with its check character."""
    day = birth_date.day + (40 if sex == "F" else 0)
    code = (f"{_cf_part(last_name)}{_cf_part(first_name, True)}{birth_date.year % 100:02d}"
            f"{'ABCDEHLMPRST'[birth_date.month - 1]}{day:02d}{place}")
    return code + codicefiscale.calc_check_digit(code)


def _unique_tax_code(used, last_name, first_name, sex, birth_date, place):
    """A tax code not in ``used`` and the birth date it encodes: on a collision
    the birth date moves back by a day (never into the future)."""
    for shift in range(400):
        code = tax_code(last_name, first_name, sex, birth_date - shift * DAY, place)
        if code not in used:
            used.add(code)
            return code, birth_date - shift * DAY
    raise RuntimeError("cannot make a unique tax code")


def _vat_number(rng, used):
    """A new 11-digit Italian VAT number of the Catania office (087)."""
    while True:
        body = f"{rng.randint(1, 9999999):07d}087"
        number = body + luhn.calc_check_digit(body)
        if number not in used:
            used.add(number)
            return number


def _phone(rng, mobile=True):
    if mobile:
        return f"3{rng.randint(20, 99)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}"
    return f"095 {rng.randint(100000, 9999999)}"


def _slug(text):
    return "".join(_letters(text)).lower()


def _street(rng, district=None):
    district = district or rng.choice(DISTRICTS)
    return f"{rng.choice(district[5].split('|'))} {rng.randint(1, 250)}", district


def _name(rng, nation, sex):
    males, females, surnames = NAMES[nation]
    return rng.choice(females if sex == "F" else males), rng.choice(surnames)


def _services(sample, english):
    """A partner's services in Italian and, for ``english`` ones, in English."""
    return {"services": "; ".join(sample).capitalize() + ".",
            "services_en": "; ".join(SERVICES_EN[s] for s in sample).capitalize() + "." if english else None}


def _insert(model, rows, check=None):
    """Insert ``rows`` (dicts with the same keys) in batches and return their new
    ids in row order, read back by id and verified against column ``check``."""
    if not rows:
        return []
    fields = list(rows[0])
    values = [tuple(row[f] for f in fields) for row in rows]
    limit = 999 if isinstance(db.obj, SqliteDatabase) and sqlite3.sqlite_version_info < (3, 32) else 32000
    size = max(1, min(1000, limit // len(fields)))
    start = model.select(fn.MAX(model.id)).scalar() or 0
    for i in range(0, len(values), size):
        model.insert_many(values[i:i + size], fields=[getattr(model, f) for f in fields]).execute()
    if check is None:
        return []
    got = list(model.select(model.id, getattr(model, check)).where(model.id > start).order_by(model.id).tuples())
    if [value for _, value in got] != [row[check] for row in rows]:
        raise RuntimeError(f"the new {model.__name__} ids do not match the inserted rows")
    return [pk for pk, _ in got]


def is_empty():
    """True when there are no dwellings, households, partners nor landlords."""
    return not any(m.select().exists() for m in (Dwelling, Household, Partner, Landlord))


def seed(scale=1.0, seed=2017, today=None):
    """Seed the demo data set into the bound, empty database; return the row counts per model.

    At scale 1: about 500 dwellings, 300 households, 150 landlords, 40 partners
    and 15 agreements; the sample territorial agreement does not scale. Then the
    accompaniment (``housing.accompaniment.demo``): places and stays, assessments,
    plans, referrals, contacts, tenancies, incentives, fidelity reviews.
    """
    if scale <= 0:
        raise ValueError("scale must be positive")
    if not is_empty():
        raise RuntimeError("the database already holds data")
    today = today or datetime.date.today()
    rng = random.Random(seed)
    counts, used_tax_codes = {}, set()
    with db.atomic():
        zones = _territorial_agreement(rng, today, counts)
        districts = _district_registry(zones, counts)
        landlords = _landlords(rng, scale, today, counts, used_tax_codes)
        _homes_and_households(rng, scale, today, counts, zones, districts, landlords, used_tax_codes)
        _partners_and_agreements(rng, scale, today, counts)
        # plans, stays, tenancies, incentives...: proportional up to scale 1, constant above
        from housing.accompaniment import demo as accompaniment

        staff = User.select().where(User.active & User.role.in_(("operator", "admin"))).order_by(User.id)
        accompaniment.seed(rng, today, counts, scale, users=list(staff))
        # the languages typed as free text become links to the registry ("mandinka" stays, to be resolved)
        from housing import languages

        languages.sync()
        languages.link_free_text()
        # the notices' default templates (migration 0017 seeds them too; idempotent)
        from housing.mail import notices

        notices.ensure_templates()
        counts["HouseholdLanguage"] = HouseholdLanguage.select().count()
        _contribution_funds(scale, today, counts)
        from housing import demo_proposals

        demo_proposals.seed(today, counts, scale, seed)
    return counts


def _contribution_funds(scale, today, counts):
    """The programme's two rent-top-up funds (no random draw: the rest of the data stays as it was)."""
    year_end = datetime.date(today.year, 12, 31)
    rows = [
        dict(name="Fondo sperimentazione Housing First", monthly_budget=_money(round(6000 * scale)),
             household_cap=_money(450), valid_from=today - 400 * DAY, valid_until=today + 730 * DAY,
             contract_types=None, ethos_groups="roofless, houseless", isee_ceiling=None,
             notes="Sperimentazione Housing First: persone senza tetto o senza casa (ETHOS 1-7)."),
        dict(name="Fondo comunale sostegno affitto", monthly_budget=_money(round(4000 * scale)),
             household_cap=_money(250), valid_from=datetime.date(today.year, 1, 1), valid_until=year_end,
             contract_types="concordato_3_2, free_4_4, transitory", ethos_groups=None, isee_ceiling=_money(26000),
             notes="Sostegno all'affitto del Comune: contratti di mercato o concordati, ISEE fino a 26.000 €."),
    ]
    for row in rows:
        ContributionFund.create(**row)
    counts["ContributionFund"] = len(rows)


def _territorial_agreement(rng, today, counts):
    signed = today.replace(month=1, day=1) - 365 * DAY
    [agreement] = _insert(TerritorialAgreement, [dict(
        name=SAMPLE_AGREEMENT_NAME, city="Catania", signed_on=signed, valid_from=signed + 30 * DAY, is_sample=True,
        notes="Valori di esempio a scopo dimostrativo: non riproducono l'accordo vigente.",
        **_stamps(rng, signed, today))], check="name")
    rows = [dict(territorial_agreement=agreement, code=code, name=name) for code, name, _ in ZONES]
    zone_ids = dict(zip([z[0] for z in ZONES], _insert(AgreementZone, rows, check="code")))
    _insert(RentBand, [dict(zone=zone_ids[code], label=label, min_features=features, min_eur_m2_year=_money(low),
                            max_eur_m2_year=_money(high))
                       for code, _, ranges in ZONES for (label, features), (low, high) in zip(BANDS, ranges)])
    _insert(ContractDuration, [dict(territorial_agreement=agreement, contract_type=kind, min_months=low,
                                    max_months=high) for kind, (low, high) in DURATIONS.items()])
    counts.update(TerritorialAgreement=1, AgreementZone=len(ZONES), RentBand=len(ZONES) * len(BANDS),
                  ContractDuration=len(DURATIONS))
    return zone_ids


def _district_registry(zones, counts):
    """{name: district id} of the demo's districts, in the registry seeded by
    ``housing.districts.sync`` (after the zones, so the seed links them). The
    demo's own zone of a district the seed leaves without one is filled in, and
    a demo district the seed lacks is added: the demo never depends on how
    complete ``content/districts.yaml`` is."""
    from housing import districts

    districts.sync()
    known = districts.index()
    ids = {}
    for name, zone, _, latitude, longitude, _ in DISTRICTS:
        found = districts.lookup(name, known)
        if found is None:
            found = District.create(name=name, zone=zones[zone], latitude=latitude, longitude=longitude).id
        else:
            District.update(zone=zones[zone]).where((District.id == found) & District.zone.is_null()).execute()
        ids[name] = found
    counts["District"] = District.select().count()
    return ids


def _landlords(rng, scale, today, counts, used_tax_codes):
    """Private persons, companies and agencies, then the Comune and the IACP."""
    rows, used_vat, names = [], set(), {}
    n_private, n_company, n_agency = (max(1, round(k * scale)) for k in (105, 27, 16))
    for i in range(n_private + n_company + n_agency):
        kind = "private_person" if i < n_private else "company" if i < n_private + n_company else "agency"
        if kind == "private_person":
            sex = rng.choice("MF")
            first, last = _name(rng, "Italia", sex)
            code, _ = _unique_tax_code(used_tax_codes, last, first, sex, today - rng.randint(30 * 365, 85 * 365) * DAY,
                                       rng.choice(ITALIAN_BIRTHPLACES))
            name, vat, email = f"{first} {last}", None, f"{_slug(first)}.{_slug(last)}{i}@example.org"
        else:
            words = ("Immobiliare", "Gestioni", "Edilizia", "Patrimonio") if kind == "company" else ("Agenzia", "Studio")
            base = f"{rng.choice(words)} {rng.choice(BRANDS)}"
            names[base] = names.get(base, 0) + 1
            base += f" {names[base]}" if names[base] > 1 else ""
            name = f"{base} {rng.choice(('S.r.l.', 'S.p.A.', 'S.a.s.'))}" if kind == "company" else base
            vat = code = _vat_number(rng, used_vat)
            email = f"info@{_slug(base)}.example.org"
        sessions = rng.choice((0, 0, 0, 1, 1, 2, 3))
        rows.append(dict(kind=kind, name=name, tax_code=code, vat_number=vat, email=email if rng.random() < 0.7 else None,
                         phone=_phone(rng, kind == "private_person"), address=_street(rng)[0] + ", Catania",
                         public_name_consent=rng.random() < 0.3, orientation_sessions=sessions,
                         last_orientation_on=today - rng.randint(10, 700) * DAY if sessions else None,
                         **_stamps(rng, today - rng.randint(30, 1500) * DAY, today)))
    for kind, name, address in (("public_body", "Comune di Catania", "Piazza Duomo 3, Catania"),
                                ("iacp", "IACP di Catania", "Viale Mario Rapisardi 80, Catania")):
        vat = _vat_number(rng, used_vat)
        rows.append(dict(kind=kind, name=name, tax_code=vat, vat_number=vat, email=None, phone=_phone(rng, False),
                         address=address, public_name_consent=True, orientation_sessions=2,
                         last_orientation_on=today - 90 * DAY, **_stamps(rng, today - 1500 * DAY, today)))
    ids = _insert(Landlord, rows, check="name")
    counts["Landlord"] = len(ids)
    return {"private": ids[:-2], "public_body": ids[-2], "iacp": ids[-1]}


def _homes(rng, n, today, zones, districts, landlords):
    """Dwelling rows, grouped in buildings that share address and cadastral parcel,
    and for each its owner ("iacp", "public_body", "private") and rent band index."""
    public_districts = [d for d in DISTRICTS if d[0] in PUBLIC_HOUSING_DISTRICTS]
    n_iacp, n_comune = round(n * 0.46), round(n * 0.04)
    homes, parcels = [], set()
    for owner, total in (("iacp", n_iacp), ("public_body", n_comune), ("private", n - n_iacp - n_comune)):
        while total > 0:
            units = min(total, rng.randint(4, 16) if owner == "iacp" else rng.randint(1, 6))
            total -= units
            address, district = _street(rng, rng.choice(DISTRICTS if owner == "private" else public_districts))
            parcel = (str(rng.randint(1, 99)), str(rng.randint(1, 4000)))
            while parcel in parcels:
                parcel = (str(rng.randint(1, 99)), str(rng.randint(1, 4000)))
            parcels.add(parcel)
            floors = rng.randint(4, 9) if owner == "iacp" else rng.randint(1, 6)
            lat, lon = round(district[3] + rng.uniform(-.004, .004), 6), round(district[4] + rng.uniform(-.004, .004), 6)
            located = rng.random() < 0.9
            for unit in range(1, units + 1):
                rooms = rng.choices((1, 2, 3, 4, 5), (10, 25, 35, 22, 8))[0]
                floor, lift = rng.randint(0, floors), floors >= 3 and rng.random() < 0.75
                energy = rng.choices(("A2", "B", "C", "D", "E", "F", "G", None), (2, 4, 8, 14, 22, 22, 18, 10))[0]
                condition = rng.choices(("new", "good", "fair", "poor"), (10, 40, 35, 15))[0]
                furnished = rng.random() < (0.35 if owner == "private" else 0.05)
                bathrooms = 2 if rooms >= 4 and rng.random() < 0.6 else 1
                # The features the agreement's check counts (sustainability.dwelling_features), so that every
                # controlled rent of the demo lies in the band the offer form and the publication accept.
                features = lift + furnished + (condition in ("new", "good")) + (bathrooms > 1)
                homes.append((dict(
                    landlord=rng.choice(landlords["private"]) if owner == "private" else landlords[owner],
                    ownership="private" if owner == "private" else "public", address=address, postcode=district[2],
                    district=districts[district[0]], zone=zones[district[1]], latitude=lat if located else None,
                    longitude=lon if located else None, cadastral_sheet=parcel[0], cadastral_parcel=parcel[1],
                    cadastral_unit=str(unit), area_m2=22 + 17 * rooms + rng.randint(-6, 14), rooms=rooms,
                    bedrooms=max(1, rooms - 1) if rooms <= 3 else rooms - 2, bathrooms=bathrooms, floor=floor,
                    has_lift=lift, step_free=(floor == 0 or lift) and rng.random() < 0.8, energy_class=energy,
                    condition=condition, furnished=furnished, vacant_since=today - rng.randint(30, 3650) * DAY,
                    status="registered", **_stamps(rng, today - rng.randint(1, 1500) * DAY, today)),
                    dict(owner=owner, zone=district[1], district=district[0], band=2 if features >= 4 else 1 if features >= 2 else 0)))
    return homes


def _household(rng, today, erp_kind, used_tax_codes):
    """A household row and its members; ``erp_kind`` is None, "programme" (housed
    by the programme in an ERP home) or "tenant" (an ERP tenant at risk)."""
    nation = rng.choices(list(NATIONS), [spec[0] for spec in NATIONS.values()])[0]
    size = rng.choices((1, 2, 3, 4, 5), (55, 17, 13, 9, 6))[0]
    ref_sex = rng.choices("MF", (72, 28) if size == 1 else (45, 55))[0]
    ref_age = rng.randint(22, 72) if size == 1 else rng.randint(22, 60)
    relations = ["reference"] + (["partner"] if size > 1 and rng.random() < 0.55 else [])
    while len(relations) < size:
        relations.append(rng.choices(("child", "parent", "sibling", "other_relative", "other"), (80, 6, 6, 5, 3))[0])
    family = _name(rng, nation, ref_sex)[1]
    father = family if ref_sex == "M" else None
    members, income, disabled = [], 0, False
    for relation in relations:
        sex, age, last = rng.choice("MF"), rng.randint(18, 80), _name(rng, nation, "M")[1]
        if relation == "reference":
            sex, age, last = ref_sex, ref_age, family
        elif relation == "partner":
            sex, age = "F" if ref_sex == "M" else "M", max(18, ref_age + rng.randint(-6, 6))
            father = last if sex == "M" else father
        elif relation == "child":
            age, last = rng.randint(0, max(0, min(ref_age - 18, 24))), father or family
        elif relation == "parent":
            age, last = min(95, ref_age + rng.randint(20, 32)), family if sex == "M" else last
        elif relation == "sibling":
            age, last = max(0, ref_age + rng.randint(-8, 8)), family
        first = _name(rng, nation, sex)[0]
        if nation == "Italia":
            place = rng.choice(ITALIAN_BIRTHPLACES)
        else:
            place = "C351" if age < 18 and rng.random() < 0.6 else NATIONS[nation][1]
        code, birth = _unique_tax_code(used_tax_codes, last, first, sex, today - (age * 365 + rng.randint(0, 364)) * DAY,
                                       place)
        disability = rng.random() < (0.03 if age < 18 else 0.09)
        percent = rng.choice((46, 50, 67, 74, 80, 100)) if disability else None
        if age < 16:
            job = "child"
        elif age < 18 or (age < 26 and rng.random() < 0.25):
            job = "student"
        elif age >= 67 and rng.random() < 0.8:
            job = "retired"
        elif disability and percent >= 74 and rng.random() < 0.5:
            job = "unable"
        else:
            job = rng.choices(("employed", "self_employed", "occasional", "unemployed", "unable"), (15, 4, 18, 53, 10))[0]
        income += rng.randint(*INCOMES[job]) if job in INCOMES else 0
        disabled = disabled or (percent or 0) >= 67
        members.append(dict(first_name=first, last_name=last, tax_code=code, birth_date=birth, sex=sex, citizenship=nation,
                            relation=relation, has_disability=disability, disability_percent=percent,
                            employment_status=job))
    if rng.random() < 0.35:
        income += rng.randint(300, 550)  # inclusion allowance (assegno di inclusione)
    if erp_kind == "tenant":
        ethos = rng.choice(("insecure_9", "insecure_9", "inadequate_12", "inadequate_13", "insecure_8"))
        status = rng.choices(("intake", "assessed", "waiting", "matched"), (15, 30, 40, 15))[0]
    else:
        ethos = rng.choices([t.key for t in v.ETHOS_CATEGORIES], (22, 18, 16, 6, 6, 6, 5, 6, 6, 3, 2, 2, 2))[0]
        if (ethos == "houseless_5" and nation == "Italia") or (ethos == "houseless_4" and ref_sex == "M"):
            ethos = "houseless_3"
        status = (rng.choices(("housed", "exited"), (85, 15))[0] if erp_kind else
                  rng.choices(("intake", "assessed", "waiting", "matched", "housed", "exited"), (18, 20, 32, 10, 12, 8))[0])
    intake = today - (rng.randint(0, 60) if status == "intake" else rng.randint(90, 1095)) * DAY
    has_isee = rng.random() < 0.85
    languages = NATIONS[nation][2] + (", italiano" if nation != "Italia" and rng.random() < 0.4 else "")
    household = dict(
        code=None, email=f"nucleo{rng.randint(1000, 99999)}@example.org" if rng.random() < 0.15 else None,
        phone=_phone(rng) if rng.random() < 0.6 else None, ethos_category=ethos, monthly_net_income=_money(income),
        isee_value=_money(round(income * 12 / (1, 1.57, 2.04, 2.46, 2.85)[size - 1] * rng.uniform(0.8, 1.1), 2))
        if has_isee else None, isee_date=today - rng.randint(0, 330) * DAY if has_isee else None,
        min_rooms=(size + 2) // 2, needs_step_free=rng.random() < (0.45 if disabled else 0.05),
        has_pets=rng.random() < 0.1,
        preferred_districts=[d[0] for d in rng.sample(DISTRICTS, rng.choice((0, 1, 1, 2, 2, 3)))],
        languages=languages, needs_mediation="italiano" not in languages and rng.random() < 0.7,
        privacy_consent=True, privacy_consent_on=intake, status=status, intake_on=intake, case_worker=None,
        tie_break_key=rng.random(), **_stamps(rng, intake, today))
    return household, members


def _homes_and_households(rng, scale, today, counts, zones, districts, landlords, used_tax_codes):
    homes = _homes(rng, max(1, round(500 * scale)), today, zones, districts, landlords)
    n_households = max(1, round(300 * scale))
    iacp_homes = [i for i, (_, meta) in enumerate(homes) if meta["owner"] == "iacp"]
    n_erp = min(round(200 * scale), len(iacp_homes), n_households)
    erp_households, erp_homes = rng.sample(range(n_households), n_erp), rng.sample(iacp_homes, n_erp)
    assigned = set(erp_homes)
    candidates = [i for i in range(len(homes)) if i not in assigned]
    offered = sorted(rng.sample(candidates, min(round(0.4 * len(homes)), len(candidates))))
    offer_status = {i: rng.choices(("published", "draft", "reserved", "let", "withdrawn"), (50, 15, 12, 13, 10))[0]
                    for i in offered}
    for i, (home, meta) in enumerate(homes):
        if i in assigned or offer_status.get(i) == "let":
            home.update(status="let", vacant_since=None)
        elif i in offer_status:
            home["status"] = "offered" if offer_status[i] in ("published", "reserved") else "available"
        elif meta["owner"] != "iacp" or rng.random() < 0.5:
            home["status"] = ("renovation" if home["condition"] == "poor"
                              else rng.choice(("registered", "available", "withdrawn")))
    home_ids = _insert(Dwelling, [home for home, _ in homes], check="cadastral_parcel")

    erp_kinds = {i: "programme" if rng.random() < 0.75 else "tenant" for i in erp_households}
    generated = [_household(rng, today, erp_kinds.get(i), used_tax_codes) for i in range(n_households)]
    serials = {}
    for household, _ in sorted(generated, key=lambda pair: pair[0]["intake_on"]):  # stable sort: ties keep their order
        year = household["intake_on"].year
        serials[year] = serials.get(year, 0) + 1
        household["code"] = f"NF-{year}-{serials[year]:04d}"
    preferred = [household.pop("preferred_districts") for household, _ in generated]
    household_ids = _insert(Household, [household for household, _ in generated], check="code")
    links = [dict(household=hid, district=districts[name]) for hid, names in zip(household_ids, preferred) for name in names]
    _insert(HouseholdDistrict, links)
    people = [dict(household=hid, **member) for hid, (_, members) in zip(household_ids, generated) for member in members]
    _insert(Person, people)
    counts.update(Dwelling=len(home_ids), Household=len(household_ids), Person=len(people),
                  HouseholdDistrict=len(links))

    # ERP assignments: the larger households get the larger public homes.
    rows = []
    pairs = zip(sorted(erp_households, key=lambda i: (generated[i][0]["min_rooms"], i)),
                sorted(erp_homes, key=lambda i: (homes[i][0]["rooms"], i)))
    for number, (hh, home) in enumerate(pairs, start=1):
        household, tenant = generated[hh][0], erp_kinds[hh] == "tenant"
        if tenant:
            act = today - rng.randint(2 * 365, 20 * 365) * DAY
            occupancy = rng.choices(("regular", "irregular", "verification", "vacant"), (50, 15, 27, 8))[0]
        else:
            act = household["intake_on"] + rng.randint(30, max(30, (today - household["intake_on"]).days - 1)) * DAY
            occupancy = rng.choices(("regular", "verification"), (90, 10))[0]
        start = min(today, act + rng.randint(10, 60) * DAY)
        arrears = rng.random() < (0.6 if tenant else 0.1)
        rows.append(dict(dwelling=home_ids[home], household=household_ids[hh], act_number=f"IACP-CT/{act.year}/{number:06d}",
                         act_date=act, contract_start=start,
                         social_rent=_money(max(15, round(float(household["monthly_net_income"]) * rng.uniform(.08, .16)))),
                         arrears_amount=_money(rng.randint(300, 8000) if arrears else 0),
                         arrears_since=max(start, today - rng.randint(180, 1460) * DAY) if arrears else None,
                         occupancy_status=occupancy, last_income_check=today - rng.randint(0, 730) * DAY,
                         **_stamps(rng, act, today)))
    counts["ErpAssignment"] = len(_insert(ErpAssignment, rows, check="act_number"))

    rows = []
    for i in offered:
        home, meta = homes[i]
        if meta["owner"] == "iacp":
            kind = rng.choices(("erp", "transitional", "emergency"), (50, 30, 20))[0]
        elif meta["owner"] == "public_body":
            kind = rng.choice(("transitional", "emergency"))
        else:
            kind = rng.choices(("concordato_3_2", "transitory", "students", "free_4_4"), (45, 15, 15, 25))[0]
        bands = next(z[2] for z in ZONES if z[0] == meta["zone"])
        if kind in v.PROTECTED_CONTRACT_TYPES:  # at the bottom of the zone's lowest band
            eur_m2 = bands[0][0] + 0.5
        else:  # within the band of the dwelling (0.5 of margin so rounding to whole euros stays inside)
            eur_m2 = rng.uniform(bands[meta["band"]][0] + 0.5, bands[meta["band"]][1] - 0.5)
        rent = round(home["area_m2"] * eur_m2 / 12)
        low, high = DURATIONS.get(kind) or OTHER_DURATIONS[kind]
        rows.append(dict(dwelling=home_ids[i], contract_type=kind, monthly_rent=_money(rent),
                         service_charges=_money(rng.randint(15, 30) + (20 if home["has_lift"] else 0)),
                         deposit=_money(rent * rng.choice((2, 3))), available_from=today + rng.randint(-30, 90) * DAY,
                         min_duration_months=low, max_duration_months=high, status=offer_status[i],
                         public_description=_description(home, meta, kind), published=offer_status[i] == "published",
                         # spread over the last two months, for the listing's "nuove dal ..." filter
                         published_on=today - (i * 7 % 61) * DAY if offer_status[i] == "published" else None,
                         **_stamps(rng, today - rng.randint(1, 365) * DAY, today)))
    counts["Offer"] = len(_insert(Offer, rows, check="dwelling"))


def _description(home, meta, kind):
    """Public text of an offer: no names, no street address, no district for protected homes."""
    floor = "al piano terra" if home["floor"] == 0 else f"al {home['floor']}° piano"
    text = (f"{ROOM_WORDS[home['rooms'] - 1]} di {home['area_m2']} m² {floor}"
            f"{' con' if home['has_lift'] else ' senza'} ascensore, {CONDITIONS[home['condition']]}"
            f"{', arredato' if home['furnished'] else ''}")
    if home["energy_class"]:
        text += f", classe energetica {home['energy_class']}"
    text += f". Zona {next(z[1] for z in ZONES if z[0] == meta['zone']).lower()}"
    if kind not in v.PROTECTED_CONTRACT_TYPES:
        text += f", quartiere {meta['district']}"
    return f"{text}. Contratto: {v.label(v.CONTRACT_TYPES, kind).lower()}."


def _partners_and_agreements(rng, scale, today, counts):
    sectors = list(PARTNER_NAMES)
    # one partner per sector, then the others in turn by weight (third sector first)
    weighted = sorted((s for s in sectors for _ in range(PARTNER_NAMES[s][0])), key=lambda s: -PARTNER_NAMES[s][0])
    chosen = sectors + [weighted[k % len(weighted)] for k in range(max(len(sectors), round(40 * scale)) - len(sectors))]
    rows = []
    for sector in sectors:
        pool = PARTNER_NAMES[sector][1].split("|")
        for k in range(chosen.count(sector)):
            name = pool[k % len(pool)] + (f" – sede {k // len(pool) + 1}" if k >= len(pool) else "")
            slug, (first, last) = _slug(name)[:40], _name(rng, "Italia", rng.choice("MF"))
            rows.append(dict(name=name, sector=sector, contact_person=f"{first} {last}", email=f"info@{slug}.example.org",
                             phone=_phone(rng, False), address=_street(rng)[0] + ", Catania",
                             website=f"https://www.{slug}.example.org",
                             **_services(rng.sample(SERVICES, 2), english=len(rows) % 2 == 0),
                             listed_publicly=rng.random() < 0.7,
                             **_stamps(rng, today - rng.randint(30, 1500) * DAY, today)))
    partner_ids = _insert(Partner, rows, check="name")
    public_ids = [pid for pid, row in zip(partner_ids, rows) if row["sector"] == "public_administration"]
    rows, plans = [], []
    for i in range(max(1, round(15 * scale))):
        kind = rng.choice([t.key for t in v.AGREEMENT_KINDS])
        theme = AGREEMENT_THEMES[i % len(AGREEMENT_THEMES)]
        theme_en = AGREEMENT_THEMES_EN[i % len(AGREEMENT_THEMES)]
        if i >= len(AGREEMENT_THEMES):
            theme, theme_en = (f"{t} ({i // len(AGREEMENT_THEMES) + 1})" for t in (theme, theme_en))
        status = "active" if i == 0 else rng.choices(("active", "expired", "draft", "terminated"), (50, 20, 15, 15))[0]
        signed = valid_from = valid_to = None
        if status == "active":  # the first one, and about a third of the others, expire within 60 days
            valid_from = today - rng.randint(60, 900) * DAY
            valid_to = today + (rng.randint(3, 58) if i == 0 or rng.random() < 0.3 else rng.randint(90, 1000)) * DAY
        elif status in ("expired", "terminated"):
            valid_to = today + (-rng.randint(1, 600) if status == "expired" else rng.randint(-300, 500)) * DAY
            valid_from = valid_to - rng.randint(365, 1095) * DAY
        if valid_from:
            signed = valid_from - rng.randint(0, 30) * DAY
        rows.append(dict(title=f"{v.label(v.AGREEMENT_KINDS, kind)} – {theme}", kind=kind, status=status, signed_on=signed,
                         valid_from=valid_from, valid_to=valid_to,
                         commitments=f"Le parti si impegnano a collaborare per: {theme}.",
                         title_en=f"{v.label(v.AGREEMENT_KINDS, kind, 'en')} – {theme_en}",
                         commitments_en=f"The parties undertake to work together on: {theme_en}.",
                         document_reference=f"Prot. n. {rng.randint(1000, 99999)}/{signed.year}" if signed else None,
                         published=status == "active" and rng.random() < 0.7,
                         **_stamps(rng, signed or today - rng.randint(0, 90) * DAY, today)))
        lead = rng.choice(public_ids) if rng.random() < 0.6 else rng.choice(partner_ids)
        size = min(len(partner_ids) - 1, rng.randint(1, 4))
        others = [p for p in rng.sample(partner_ids, size + 1) if p != lead][:size]
        plans.append([(lead, "capofila")] + [(p, rng.choice(ROLES)) for p in others])
    for k, row in enumerate(row for row in rows if row["published"]):  # every other one in Italian only
        if k % 2:
            row["title_en"] = row["commitments_en"] = None
    agreement_ids = _insert(Agreement, rows, check="title")
    rows = [dict(agreement=aid, partner=pid, role=role) for aid, plan in zip(agreement_ids, plans) for pid, role in plan]
    _insert(AgreementPartner, rows)
    counts.update(Partner=len(partner_ids), Agreement=len(agreement_ids), AgreementPartner=len(rows))
