"""Deterministic demo data for the accompaniment, on top of ``housing.demo``.

``seed()`` is called by ``housing.demo.seed`` once the registries are in, with
the same ``random.Random`` (so the same demo seed gives the same data) and the
same ``today``. It reads the households, partners, dwellings, offers and ERP
assignments just inserted and adds, all fictional:

- emergency and transitional places, in Comune dwellings of the registry and in
  facilities run by partners, with stays: current ones, one past its planned
  exit, and ended ones with their destination (Housing First for the households
  now housed);
- assessments through ``assessments.record`` (versioned instrument, need index
  and intensity computed there), a second one months later for some members so
  the charts show change;
- support plans with goals and actions, referrals (linguistic-cultural
  mediation with language, mediator and sessions; SIL job integration ending in
  a job contract), contact-log entries, a few with a restricted note;
- tenancies for the households housed (ERP homes of the programme and private
  homes let through it) with follow-up visits, one arrears episode, the
  outcomes at 6 and 12 months where reached, and a few ended tenancies;
- landlord incentives on several budget lines (one-off grants, the guarantee
  fund with its months covered, renovation grants), one guarantee claim;
- two fidelity reviews a year apart.

Size: proportional to ``scale`` up to 1 and constant above it (``min(scale,
1)``), so the benchmark's ``demo.seed(scale=200)`` adds the same few hundred
rows as the demo, in about a second.
"""
import datetime
import types
from decimal import Decimal

from housing import rents
from housing.accompaniment import assessments, fidelity, instruments, tenancies
from housing.accompaniment import stays as stay_rules
from housing.demo import DAY, NATIONS, _insert, _money, _name, _stamps, _street
from models import (
    ArrearsEpisode, ContactLog, District, Dwelling, ErpAssignment, FollowUpVisit, GuaranteeClaim, Household, Incentive,
    Landlord, Offer, Partner, Person, PlanAction, PlanGoal, Place, Referral, Stay, SupportPlan, Tenancy, TenancyOutcome,
)

CANDIDATES = ("intake", "assessed", "waiting", "matched")
BUDGET_LINES = ("PON Inclusione – Housing First", "Fondo povertà – quota servizi", "Bilancio comunale – Politiche abitative",
                "Fondo morosità incolpevole", "PNRR M5C2 – Housing First")
FACILITIES = (  # name, kind, capacity, facility, partner sector
    ("Accoglienza notturna Il Faro", "emergency", 10, "Struttura di accoglienza notturna", "third_sector"),
    ("Casa di pronta accoglienza Sciara", "emergency", 6, "Comunità di pronta accoglienza", "third_sector"),
    ("Casa ponte Zagara", "transitional", 4, "Appartamento condiviso di transizione", "third_sector"),
)
GOALS = {  # domain: goal descriptions
    "self_care": ("Riprendere una routine di igiene e alimentazione", "Fare la spesa in autonomia una volta a settimana"),
    "home_care": ("Tenere in ordine la casa con una visita settimanale", "Imparare a gestire raccolta differenziata e utenze"),
    "daily_management": ("Usare un'agenda per gli appuntamenti", "Rispettare gli appuntamenti con i servizi"),
    "health": ("Scegliere il medico di base e fare un controllo", "Seguire con regolarità le cure concordate"),
    "addictions": ("Avviare un percorso con il servizio dipendenze", "Ridurre il consumo secondo il piano concordato"),
    "relationships": ("Partecipare a un'attività del quartiere", "Riprendere i contatti con un familiare"),
    "conflict_legality": ("Chiudere le pendenze amministrative aperte", "Gestire i conflitti con il vicinato con la mediazione"),
    "money_management": ("Preparare un bilancio mensile con l'operatore", "Pagare affitto e utenze alla scadenza"),
    "work": ("Iscriversi al centro per l'impiego e al SIL", "Fare un tirocinio di sei mesi"),
    "education": ("Frequentare il corso di italiano al CPIA", "Ottenere una qualifica professionale"),
    "housing": ("Trovare una casa adatta al nucleo", "Mantenere la casa nei primi dodici mesi"),
}
ACTIONS = ("Primo colloquio", "Accompagnamento all'appuntamento", "Verifica dei progressi con la persona",
           "Raccolta dei documenti necessari", "Incontro con il servizio di riferimento")
SERVICE_SECTORS = {  # service: partner sectors in order of preference
    "mediation": ("third_sector",), "job_integration": ("third_sector", "employers_association"),
    "adult_school": ("cpia",), "training": ("training_body",), "health_orientation": ("health_service",),
    "legal_documents": ("third_sector", "other"), "home_care": ("third_sector",),
    "educational_support": ("third_sector",), "occasional_work": ("employers_association", "third_sector"),
}
COMPLETED_OUTCOMES = {"job_integration": ("job_contract", "traineeship"), "training": ("course_completed",),
                      "adult_school": ("course_completed",), "legal_documents": ("documents_obtained",),
                      "occasional_work": ("job_contract", "no_result")}
CONTACT_NOTES = ("Visita in casa: situazione tranquilla, concordati i prossimi passi.",
                 "Telefonata per ricordare l'appuntamento di domani.", "Colloquio sul bilancio del mese.",
                 "Accompagnamento all'ufficio anagrafe per la residenza.", "Incontro al centro diurno, buon umore.",
                 "Équipe: aggiornamento del progetto personalizzato.", "Messaggio: conferma della visita.")
SENSITIVE_NOTES = ("Riferisce di aver ripreso i controlli al servizio di salute mentale.",
                   "Concordato l'accompagnamento al servizio dipendenze la prossima settimana.",
                   "Udienza fissata per una vecchia pendenza: contattato l'avvocato d'ufficio.")
SCORE_NOTES = {"health": "Seguito dal medico di base, controlli da programmare.",
               "addictions": "Uso di alcol riferito, nessun percorso in corso.",
               "work": "Interessato a un tirocinio nella ristorazione.",
               "education": "Vorrebbe migliorare l'italiano scritto."}
ETHOS_HOUSING_SCORE = {"roofless": 1, "houseless": 2, "insecure": 3, "inadequate": 4}
VISIT_NOTES = ("Casa in ordine, nessun problema con il vicinato.", "Da sistemare una perdita in bagno: avvisato il locatore.",
               "Affitto pagato regolarmente.", "Bollette in scadenza: concordato un piano con l'operatore.", None)


def _ns(**values):
    return types.SimpleNamespace(**values)


def _fits(place_stays, entry, exit_on, capacity):
    clash = stay_rules.overlapping(place_stays, entry, exit_on)
    return stay_rules.peak_occupancy(clash, entry, exit_on) + 1 <= capacity


def seed(rng, today, counts, scale=1.0, users=()):
    """Add the accompaniment demo to the registries ``housing.demo`` just seeded.

    ``users`` are staff accounts to name as assessors and operators (the demo
    has none: fictional names are written instead). Updates ``counts``.
    """
    k = min(float(scale), 1.0)
    staff = [_ns(id=u.id, username=u.username, full_name=u.full_name or u.username) for u in users]
    if not staff:
        for _ in range(4):
            first, last = _name(rng, "Italia", rng.choice("MF"))
            staff.append(_ns(id=None, username="demo", full_name=f"{first} {last}"))
    partners = {}
    for pid, sector in Partner.select(Partner.id, Partner.sector).order_by(Partner.id).tuples():
        partners.setdefault(sector, []).append(pid)
    households = {h[0]: h for h in Household.select(
        Household.id, Household.status, Household.ethos_category, Household.intake_on, Household.languages,
        Household.needs_mediation, Household.monthly_net_income).order_by(Household.id).tuples()}

    tenancy_rows = _tenancies(rng, today, k, households, counts)
    places = _places(rng, today, partners, counts)
    _stays(rng, today, k, households, places, tenancy_rows, counts)
    assessed = _assessments(rng, today, k, households, tenancy_rows, staff, counts)
    _plans_referrals_contacts(rng, today, households, assessed, partners, staff, counts)
    _incentives(rng, today, k, tenancy_rows, counts)
    _fidelity(rng, today, staff, counts)
    return counts


def _tenancies(rng, today, k, households, counts):
    """Tenancies of the housed households, with visits, outcomes and a few endings.

    Returns [(tenancy id, row dict, private?)] in insertion order.
    """
    limit = max(2, round(150 * k))
    erp = list(ErpAssignment.select(ErpAssignment.household, ErpAssignment.dwelling, ErpAssignment.contract_start,
                                    ErpAssignment.social_rent).order_by(ErpAssignment.id).tuples())
    erp_households = {row[0] for row in erp}
    let_offers = list(Offer.select(Offer.id, Offer.dwelling, Offer.contract_type, Offer.monthly_rent,
                                   Offer.service_charges, Offer.max_duration_months)
                      .join(Dwelling).where((Offer.status == "let") & (Dwelling.ownership == "private"))
                      .order_by(Offer.id).tuples())
    housed_private = [h for h, row in households.items() if row[1] == "housed" and h not in erp_households]
    plans = []  # (household, dwelling, offer, contract type, rent, charges, max months, start, private)
    for hid, (offer_id, dwelling, kind, rent, charges, months) in zip(housed_private[:limit // 3], let_offers):
        intake = households[hid][3]
        start = intake + rng.randint(45, max(45, min(540, (today - intake).days - 20))) * DAY
        plans.append((hid, dwelling, offer_id, kind, rent, charges, months, min(start, today - 20 * DAY), True))
    programme = [row for row in erp if households[row[0]][1] in ("housed", "exited") and row[2]]
    for hid, dwelling, start, social_rent in programme[:max(0, limit - len(plans))]:
        plans.append((hid, dwelling, None, "erp", social_rent, Decimal("0.00"), None, start, False))
    rows = []
    share = rents.figure(rents.load_figures(), "sustainability.threshold")
    for hid, dwelling, offer_id, kind, rent, charges, months, start, private in plans:
        income = households[hid][6] or 0
        contribution = (rents.sustainability(rent, charges, income, share)["contribution"]
                        if private else Decimal("0.00"))
        ended_on = end_reason = None
        if households[hid][1] == "exited" and (today - start).days > 60:
            ended_on = start + rng.randint(30, (today - start).days - 1) * DAY
            end_reason = rng.choices(("moved_on", "abandoned", "eviction", "institution"), (50, 20, 15, 15))[0]
        rows.append(dict(household=hid, dwelling=dwelling, offer=offer_id, contract_type=kind, monthly_rent=_money(rent),
                         programme_contribution=_money(contribution), start_on=start,
                         end_on=tenancies.add_months(start, months) if months else None,
                         guarantee=None, ended_on=ended_on, end_reason=end_reason, **_stamps(rng, start, today)))
    ids = _insert(Tenancy, rows, check="start_on")
    result = [(tid, row, plan[8]) for tid, row, plan in zip(ids, rows, plans)]

    visits, outcomes = [], []
    for tid, row, _ in result:
        last = row["ended_on"] or today
        span = (last - row["start_on"]).days
        days = sorted(rng.randint(7, span) for _ in range(min(rng.randint(1, 4), span // 30)))
        visits += [dict(tenancy=tid, visited_on=row["start_on"] + day * DAY, operator=None, note=rng.choice(VISIT_NOTES))
                   for day in days]
        for months in (6, 12):
            milestone = tenancies.add_months(row["start_on"], months)
            if milestone + 20 * DAY <= today and rng.random() < 0.6:
                outcome = tenancies.outcome_at(_ns(**row), months, today, "")
                outcomes.append(dict(tenancy=tid, milestone_months=months, outcome=outcome,
                                     recorded_on=milestone + rng.randint(0, 20) * DAY))
    _insert(FollowUpVisit, visits)
    _insert(TenancyOutcome, outcomes)
    counts.update(Tenancy=len(result), FollowUpVisit=len(visits), TenancyOutcome=len(outcomes))
    return result


def _places(rng, today, partners, counts):
    """Facilities run by partners and emergency places in Comune dwellings of the registry."""
    comune = Landlord.get_or_none(Landlord.kind == "public_body")
    homes = []
    if comune is not None:
        homes = list(Dwelling.select(Dwelling.id, District.name, Dwelling.rooms).join(District)
                     .where((Dwelling.landlord == comune.id) & (Dwelling.status != "let")).order_by(Dwelling.id).tuples())
    rows = []
    for name, kind, capacity, facility, sector in FACILITIES:
        pool = partners.get(sector) or [None]
        rows.append(dict(name=name, kind=kind, capacity=capacity, dwelling=None,
                         facility=f"{facility}, {_street(rng)[0]}, Catania", partner=rng.choice(pool), active=True,
                         **_stamps(rng, today - rng.randint(1500, 1800) * DAY, today)))
    for n, (dwelling, district, rooms) in enumerate(rng.sample(homes, min(4, len(homes))), start=1):
        kind = "emergency" if n % 2 else "transitional"
        label = "Alloggio di emergenza" if kind == "emergency" else "Alloggio di transizione"
        rows.append(dict(name=f"{label} comunale {district} {n}", kind=kind, capacity=min(2, rooms), dwelling=dwelling,
                         facility=None, partner=None, active=True,
                         **_stamps(rng, today - rng.randint(1300, 1800) * DAY, today)))
    ids = _insert(Place, rows, check="name")
    counts["Place"] = len(ids)
    return [(pid, row) for pid, row in zip(ids, rows)]


def _stays(rng, today, k, households, places, tenancy_rows, counts):
    """Current stays of households waiting for a home (one past its planned exit),
    stays ended into the Housing First tenancy, and exits elsewhere."""
    occupied = {pid: [] for pid, _ in places}
    rows = []

    def add(hid, entry, planned, exit_on, destination, note=None):
        for pid, place in rng.sample(places, len(places)):
            if entry < place["created_at"].date():
                continue
            if _fits(occupied[pid], entry, exit_on, place["capacity"]):
                occupied[pid].append(_ns(entry_on=entry, exit_on=exit_on))
                rows.append(dict(household=hid, place=pid, entry_on=entry, planned_exit_on=planned, exit_on=exit_on,
                                 exit_destination=destination, notes=note, **_stamps(rng, entry, today)))
                return True
        return False

    # ended: into the tenancy, for some of the households housed in the last three years
    recent = [(row["household"], row["start_on"]) for _, row, _ in tenancy_rows
              if (today - row["start_on"]).days < 3 * 365]
    for hid, start in rng.sample(recent, min(len(recent), max(1, round(12 * k)))):
        entry = max(households[hid][3], start - rng.randint(60, 300) * DAY)
        if entry < start:
            add(hid, entry, entry + 180 * DAY, start, "housing_first")
    exited = [h for h, row in households.items() if row[1] == "exited" and (today - row[3]).days > 120]
    for hid in rng.sample(exited, min(len(exited), max(1, round(5 * k)))):
        entry = households[hid][3] + rng.randint(0, 30) * DAY
        exit_on = min(today - DAY, entry + rng.randint(30, 200) * DAY)
        add(hid, entry, entry + 90 * DAY, exit_on,
            rng.choices(("family", "other_housing", "institution", "unknown", "street"), (30, 30, 15, 15, 10))[0])
    # current: roofless and houseless households still waiting for a home
    waiting = [h for h, row in households.items() if row[1] in CANDIDATES
               and (row[2] or "").startswith(("roofless", "houseless")) and row[3] < today]
    overdue = False
    for hid in rng.sample(waiting, min(len(waiting), max(2, round(20 * k)))):
        entry = max(households[hid][3], today - rng.randint(5, 200) * DAY)
        planned = max(entry + 90 * DAY, today + rng.randint(5, 90) * DAY)
        if not overdue and (today - entry).days > 60:
            planned, note = today - rng.randint(3, 40) * DAY, "Uscita prevista superata: in attesa dell'alloggio."
        else:
            note = None
        if add(hid, entry, planned, None, None, note) and note:
            overdue = True
    _insert(Stay, rows)
    counts["Stay"] = len(rows)


def _scores(rng, definition, ethos, housed, better_than=None):
    """Scores per domain: low for people long on the street, a little better the second time."""
    low, high = definition["scale"]["min"], definition["scale"]["max"]
    base = {"roofless": 2, "houseless": 2, "insecure": 3, "inadequate": 3}.get((ethos or "insecure").split("_")[0], 3)
    scores = {}
    for item in instruments.items(definition):
        key = item["key"]
        if better_than is not None:
            step = rng.choices((-1, 0, 1, 2), (8, 40, 40, 12))[0]
            value = better_than[key] + step
        elif key == "housing":
            value = ETHOS_HOUSING_SCORE.get((ethos or "insecure").split("_")[0], 3)
        else:
            value = base + rng.choice((-1, -1, 0, 0, 0, 1, 2))
        if key == "housing" and housed:
            value = 5
        scores[key] = max(low, min(high, value))
    return scores


def _assessments(rng, today, k, households, tenancy_rows, staff, counts):
    """Assessments of the reference person through ``assessments.record``; a second
    one months later for some. Returns {household: (first date, latest scores)}."""
    version = instruments.current_version("assessment")
    definition = instruments.definition_of(version)
    housed_from = {row["household"]: row["start_on"] for _, row, _ in tenancy_rows}
    pool = [h for h, row in households.items() if row[1] in ("assessed", "waiting", "matched")
            or (row[1] == "housed" and h in housed_from)]
    pool = [h for h in pool if (today - households[h][3]).days >= 15]
    chosen = sorted(rng.sample(pool, min(len(pool), max(3, round(60 * k)))))
    references = dict(Person.select(Person.household, Person.id)
                      .where((Person.relation == "reference") & Person.household.in_(chosen or [0])).tuples())
    result, n = {}, 0
    for hid in chosen:
        person = Person.get_by_id(references[hid]) if hid in references else None
        if person is None:
            continue
        intake, ethos = households[hid][3], households[hid][2]
        span = (today - intake).days
        first = intake + rng.randint(5, min(60, span - 1)) * DAY
        twice = span > 240 and rng.random() < 0.45
        scores = _scores(rng, definition, ethos, housed_from.get(hid, datetime.date.max) <= first)
        notes = {key: text for key, text in SCORE_NOTES.items() if scores.get(key, 5) <= 2 and rng.random() < 0.5}
        assessor = rng.choice(staff)
        assessments.record(person, first, scores, notes, consent=True, reassess_on=first + 180 * DAY, assessor=assessor,
                           today=today, version=version)
        n += 1
        if twice:
            second = min(today, first + rng.randint(150, 300) * DAY)
            scores = _scores(rng, definition, ethos, housed_from.get(hid, datetime.date.max) <= second, scores)
            assessments.record(person, second, scores, {}, consent=True, reassess_on=second + 180 * DAY,
                               assessor=assessor, today=today, version=version)
            n += 1
        result[hid] = (first, scores, person.id, assessor)
    counts["Assessment"] = n
    return result


def _plans_referrals_contacts(rng, today, households, assessed, partners, staff, counts):
    plans, plan_goals = [], []
    for hid, (first, scores, _, _) in assessed.items():
        started = min(today, first + rng.randint(3, 30) * DAY)
        status = rng.choices(("active", "draft", "closed"), (80, 12, 8))[0]
        if status == "closed" and (today - started).days < 200:
            status = "active"
        closed = started + rng.randint(180, (today - started).days) * DAY if status == "closed" else None
        signed = status != "draft"
        plans.append(dict(household=hid, started_on=started, review_on=started + 180 * DAY, status=status,
                          consent_signed=signed, consent_on=started if signed else None, closed_on=closed,
                          notes="Progetto condiviso con la persona." if signed else "Da condividere al prossimo colloquio.",
                          **_stamps(rng, started, today)))
        weakest = sorted(scores, key=lambda key: (scores[key], rng.random()))[:rng.randint(2, 3)]
        plan_goals.append([(domain, started, status) for domain in weakest])
    plan_ids = _insert(SupportPlan, plans, check="started_on")
    goals = []
    for pid, planned in zip(plan_ids, plan_goals):
        for domain, started, status in planned:
            goal_status = ("achieved" if status == "closed" else
                           rng.choices(("open", "in_progress", "achieved"), (30, 50, 20))[0] if status == "active" else "open")
            goals.append(dict(plan=pid, domain=domain, description=rng.choice(GOALS[domain]),
                              target_on=started + rng.choice((90, 180, 365)) * DAY, status=goal_status))
    goal_ids = _insert(PlanGoal, goals, check="description")
    actions = []
    for gid, goal in zip(goal_ids, goals):
        for _ in range(rng.randint(1, 2)):
            status = {"achieved": "done", "open": "planned"}.get(goal["status"]) or rng.choice(("in_progress", "done", "planned"))
            user = rng.choice(staff)
            sector = {"health": "health_service", "addictions": "health_service", "education": "cpia",
                      "work": "third_sector"}.get(goal["domain"], "third_sector")
            actions.append(dict(goal=gid, description=rng.choice(ACTIONS), responsible_user=user.id,
                                responsible_partner=rng.choice(partners.get(sector) or partners["third_sector"]),
                                target_on=goal["target_on"] - rng.randint(0, 60) * DAY, status=status))
    _insert(PlanAction, actions)
    counts.update(SupportPlan=len(plan_ids), PlanGoal=len(goals), PlanAction=len(actions))

    referrals, contacts = [], []
    mediated = sorted((h for h in assessed if households[h][5] or "italiano" not in (households[h][4] or "italiano")),
                      key=lambda h: (not households[h][5], h))
    workers = [h for h, (_, scores, _, _) in assessed.items() if scores["work"] <= 3]
    jobs = set(rng.sample(workers, min(2, len(workers))))
    for hid, (first, scores, person, _) in sorted(assessed.items()):
        services = []
        if households[hid][5] or hid in mediated[:2]:  # needs mediation (and at least two in the demo)
            services.append("mediation")
        if hid in jobs:
            services.append("job_integration")
        extra = [s for s in SERVICE_SECTORS if s not in ("mediation", "job_integration")]
        services += rng.sample(extra, rng.choice((0, 1, 1, 2)))
        for service in services:
            sent = min(today, first + rng.randint(7, 120) * DAY)
            status = "completed" if hid in jobs and service == "job_integration" else rng.choices(
                ("sent", "accepted", "in_progress", "completed", "refused"), (15, 20, 30, 28, 7))[0]
            status_on = None if status == "sent" else min(today, sent + rng.randint(5, 150) * DAY)
            outcome = None
            if status == "completed":
                outcome = ("job_contract" if service == "job_integration" and hid in jobs
                           else rng.choice(COMPLETED_OUTCOMES.get(service, ("service_taken_up",))))
            elif status == "refused":
                outcome = "no_result"
            language = mediator = sessions = None
            if service == "mediation":
                spoken = [w.strip() for w in (households[hid][4] or "").split(",") if w.strip() not in ("", "italiano")]
                language = spoken[0] if spoken else "inglese"
                nation = next((n for n, spec in NATIONS.items() if language in spec[2]), "Italia")
                first_name, last_name = _name(rng, nation, rng.choice("MF"))
                mediator = f"{first_name} {last_name}"
                sessions = 0 if status == "sent" else rng.randint(2, 12)
            pool = [p for sector in SERVICE_SECTORS[service] for p in partners.get(sector, [])]
            referrals.append(dict(household=hid, person=person, service=service,
                                  partner=rng.choice(pool or partners["third_sector"]), sent_on=sent, status=status,
                                  status_on=status_on, outcome=outcome,
                                  outcome_note="Assunto con contratto a tempo determinato." if outcome == "job_contract" else None,
                                  mediation_language=language, mediator=mediator, sessions=sessions, **_stamps(rng, sent, today)))
        for _ in range(rng.randint(2, 6)):
            operator = rng.choice(staff)
            contacts.append(dict(household=hid, contact_on=first + rng.randint(0, (today - first).days) * DAY,
                                 contact_type=rng.choices(("home_visit", "phone_call", "office_meeting", "outreach",
                                                           "case_conference", "message"), (35, 25, 20, 10, 5, 5))[0],
                                 duration_minutes=rng.choice((10, 20, 30, 45, 60, 90)), operator=operator.id,
                                 operator_name=operator.full_name, note=rng.choice(CONTACT_NOTES),
                                 sensitive_note=rng.choice(SENSITIVE_NOTES) if rng.random() < 0.08 else None))
    if contacts and not any(c["sensitive_note"] for c in contacts):
        contacts[0]["sensitive_note"] = SENSITIVE_NOTES[0]
    _insert(Referral, referrals)
    _insert(ContactLog, contacts)
    counts.update(Referral=len(referrals), ContactLog=len(contacts))


def _incentives(rng, today, k, tenancy_rows, counts):
    """Grants and guarantees to the landlords of the homes let through the programme,
    renovation grants for homes under works, one arrears episode and its claim."""
    private = [(tid, row) for tid, row, is_private in tenancy_rows if is_private and row["ended_on"] is None]
    fallback = [(tid, row) for tid, row, _ in tenancy_rows if row["ended_on"] is None]
    tenancies_ = private or fallback
    owners = dict(Dwelling.select(Dwelling.id, Dwelling.landlord)
                  .where(Dwelling.id.in_([row["dwelling"] for _, row in tenancies_] or [0])).tuples())
    rows = []

    def add(landlord, dwelling, tenancy, kind, amount, months, status, line, requested, note):
        decided = min(today, requested + rng.randint(5, 40) * DAY) if status != "requested" else None
        paid = min(today, decided + rng.randint(5, 30) * DAY) if status == "paid" else None
        rows.append(dict(landlord=landlord, dwelling=dwelling, tenancy=tenancy, kind=kind, amount=_money(amount),
                         months_covered=months, status=status, budget_line=line, requested_on=requested,
                         decided_on=decided, paid_on=paid, notes=note, **_stamps(rng, requested, today)))

    guarantees = []  # (tenancy start, row index) of the guarantee-fund covers
    for n, (tid, row) in enumerate(tenancies_[:max(2, round(12 * k))]):
        landlord, rent = owners[row["dwelling"]], row["monthly_rent"]
        requested = row["start_on"] - rng.randint(5, 20) * DAY
        add(landlord, row["dwelling"], tid, "one_off_grant", 1000 + 500 * rng.randint(0, 4),
            None, rng.choice(("paid", "paid", "approved")), BUDGET_LINES[n % 2], requested,
            "Contributo alla firma del contratto.")
        if n % 2 == 0:
            months = rng.choice((3, 6, 6, 12))
            guarantees.append((row["start_on"], len(rows)))
            add(landlord, row["dwelling"], tid, "guarantee_fund", rent * months, months, "approved",
                BUDGET_LINES[3] if n % 4 == 0 else BUDGET_LINES[4], requested,
                f"Garanzia su {months} mensilità in caso di morosità.")
    works = list(Dwelling.select(Dwelling.id, Dwelling.landlord).join(Landlord)
                 .where((Dwelling.status == "renovation") & (Landlord.kind != "iacp")).order_by(Dwelling.id)
                 .limit(200).tuples())
    for dwelling, landlord in rng.sample(works, min(len(works), max(1, round(3 * k)))):
        add(landlord, dwelling, None, "renovation_grant", 2000 + 500 * rng.randint(0, 10), None,
            rng.choice(("requested", "approved", "paid")), BUDGET_LINES[2], today - rng.randint(20, 300) * DAY,
            "Lavori di adeguamento prima dell'ingresso in alloggio.")
    ids = _insert(Incentive, rows, check="requested_on")
    counts["Incentive"] = len(ids)
    counts["ArrearsEpisode"] = counts["GuaranteeClaim"] = 0
    if not guarantees:
        return
    start, guarantee_index = min(guarantees)  # the oldest tenancy has had the time to fall behind
    incentive = rows[guarantee_index]
    since = max(start + 60 * DAY, today - rng.randint(90, 200) * DAY)
    if since > today - 45 * DAY:
        return
    owed = incentive["amount"] / incentive["months_covered"] * rng.randint(2, 3)
    arrears = ArrearsEpisode.create(tenancy=incentive["tenancy"], since=since, amount=_money(owed), resolved_on=None,
                                    note="Due mensilità non pagate dopo la perdita del lavoro: piano di rientro in corso.")
    claimed = min(owed, incentive["amount"])
    GuaranteeClaim.create(incentive=ids[guarantee_index], arrears=arrears.id, claimed_on=since + 40 * DAY,
                          amount_claimed=_money(claimed), amount_paid=_money(claimed), status="paid",
                          notes="Escussione per le mensilità non pagate.",
                          **_stamps(rng, since + 40 * DAY, today))
    counts.update(ArrearsEpisode=1, GuaranteeClaim=1)


def _fidelity(rng, today, staff, counts):
    definition = instruments.definition_of(instruments.current_version("fidelity"))
    answers = {item["key"]: rng.randint(1, 3) for item in instruments.items(definition)}
    reviewer = staff[0] if staff[0].id is not None else None
    fidelity.record(answers, today - rng.randint(360, 400) * DAY, reviewer,
                    "Prima autovalutazione dell'équipe (dati dimostrativi).", today=today)
    answers = {key: min(4, value + rng.choice((0, 1, 1))) for key, value in answers.items()}
    fidelity.record(answers, today - rng.randint(10, 40) * DAY, reviewer,
                    "Seconda autovalutazione: migliorati la scelta della casa e il carico per operatore.", today=today)
    counts["FidelityReview"] = 2
