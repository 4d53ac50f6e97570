"""A seeded generator of realistic matching instances, and its writer into the project's database.

Shapes follow the programme's demand and supply:

* households: mostly single adults (58% of one person, 16% of two, then
  families up to six), low incomes (lognormal around 700 EUR a month for a
  single person, 6% with no income), 8% needing step-free access, 0-4
  preferred districts of Catania weighted by popularity (26% accept any),
  a third accepting only some contract types, ETHOS categories weighted like
  the programme's intake, up to three years of waiting, 3% parked, 0.4% with
  a case-conference rank, 3% with two declined offers;
* members: a reference adult (12% aged 65+), a partner or children, 6% with
  a disability (15% of the elderly); the household's vulnerabilities are
  counted from its members exactly as ``housing.match_data`` does (disability
  + minor + elderly per member);
* offers: mostly small private homes at controlled rents (concordato 3+2),
  with free-market, transitory, student, public (ERP), transitional and
  emergency homes; 30% step-free; districts weighted like the registry of
  vacant homes.

With the default rules about 7% of all (household, offer) pairs are feasible.
Everything is deterministic for a seed. The data model has no column for a
programme contribution to the rent, so offers carry none (a case with one
could not be stored and loaded back).

``write_instance`` stores an instance with the project's models (landlords,
dwellings, published offers, waiting households, their members, their
preferred districts as links to the district registry, declined matches),
keeping the generated ids, so that ``housing.match_data`` loads the
very same ``HouseholdCase``/``OfferCase`` records back.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from housing.matching.cases import HouseholdCase, OfferCase
from housing.matching.priority import ETHOS_SEVERITY

TODAY = datetime.date(2026, 11, 2)
DISTRICTS = ("Centro", "San Berillo", "Civita", "Antico Corso", "Borgo", "Sanzio", "Rapisardi", "Cibali",
             "Picanello", "Ognina", "Canalicchio", "Barriera", "San Cristoforo", "Angeli Custodi", "Librino",
             "San Giorgio", "Monte Po", "Nesima", "San Leone", "Zia Lisa", "Villaggio Sant'Agata", "Trappeto",
             "San Giovanni Galermo", "Vaccarizzo", "San Giuseppe la Rena", "Playa")
# popularity of each district among households, and share of the supply
DISTRICT_DEMAND = np.array([9, 3, 3, 3, 6, 4, 4, 4, 6, 4, 3, 4, 5, 3, 5, 3, 3, 4, 2, 2, 2, 3, 3, 1, 1, 1], float)
DISTRICT_SUPPLY = np.array([4, 2, 2, 2, 4, 3, 3, 4, 4, 3, 3, 5, 6, 4, 9, 5, 5, 5, 3, 3, 4, 4, 4, 2, 2, 2], float)
CONTRACTS = ("concordato_3_2", "transitory", "students", "free_4_4", "erp", "transitional", "emergency")
CONTRACT_SHARE = np.array([45, 14, 2, 8, 15, 11, 5], float)
ETHOS = tuple(ETHOS_SEVERITY)
ETHOS_SHARE = np.array([10, 12, 14, 5, 6, 4, 5, 12, 10, 3, 4, 7, 8], float)
SIZES, SIZE_SHARE = np.arange(1, 7), np.array([0.58, 0.16, 0.11, 0.08, 0.05, 0.02])
ELDERLY, ADULT = 65, 18


def _p(weights):
    return weights / weights.sum()


def _top_k(rng, n, weights, k):
    """Per row, ``k[i]`` distinct indices drawn without replacement with probabilities
    proportional to ``weights`` (Gumbel top-k), as a list of index arrays."""
    keys = np.log(weights)[None, :] + rng.gumbel(size=(n, len(weights)))
    order = np.argsort(-keys, axis=1)
    return [order[i, :k[i]] for i in range(n)]


@dataclass
class Instance:
    households: list        # [HouseholdCase], ids 1..n
    offers: list            # [OfferCase], ids 1..m
    members: dict           # column arrays of the people: household (row), birth (ordinal), disabled, relation
    declined: list          # [(household id, offer id)]

    @property
    def pairs(self):
        return len(self.households) * len(self.offers)


def members(rng, size, today=TODAY):
    """The people of each household: (household row, birth ordinal, disabled, relation code)."""
    n = len(size)
    row = np.repeat(np.arange(n), size)
    pos = np.arange(len(row)) - np.repeat(np.cumsum(size) - size, size)   # 0 = reference person, 1, 2, ...
    u = rng.random(len(row))
    age = np.empty(len(row), dtype=np.int64)
    relation = np.empty(len(row), dtype=np.int64)          # 0 reference, 1 partner, 2 child, 3 parent
    ref = pos == 0
    elderly_ref = u < 0.12
    age[ref & elderly_ref] = rng.integers(65, 88, (ref & elderly_ref).sum())
    age[ref & ~elderly_ref] = rng.integers(19, 65, (ref & ~elderly_ref).sum())
    relation[ref] = 0
    ref_age = age[np.flatnonzero(ref)][row]
    partner = (pos == 1) & (u < 0.55)
    age[partner] = np.clip(ref_age[partner] + rng.integers(-6, 7, partner.sum()), 18, 95)
    relation[partner] = 1
    parent = (pos >= 1) & ~partner & (u > 0.93) & (ref_age < 55)
    age[parent] = np.minimum(ref_age[parent] + rng.integers(22, 35, parent.sum()), 95)
    relation[parent] = 3
    child = (pos >= 1) & ~partner & ~parent
    # children younger than the reference person; most are minors
    age[child] = np.minimum(rng.integers(0, 24, child.sum()), np.maximum(ref_age[child] - 17, 0))
    relation[child] = 2
    disabled = rng.random(len(row)) < np.where(age >= ELDERLY, 0.15, 0.06)
    # a birth date in the year that gives that age (or one more, once the birthday has passed)
    birth_year = today.year - age - 1
    day_of_year = rng.integers(0, 365, len(row))
    base = np.array([datetime.date(int(y), 1, 1).toordinal() for y in range(int(birth_year.min()), int(birth_year.max()) + 1)])
    birth = base[birth_year - birth_year.min()] + day_of_year
    return {"household": row, "birth": birth, "disabled": disabled, "relation": relation}


def vulnerability_counts(people, n, today=TODAY):
    """disability + minor + elderly per member, summed per household (as ``match_data._load_household_cases`` counts them)."""
    births = [datetime.date.fromordinal(int(b)) for b in people["birth"]]
    age = np.array([today.year - b.year - ((today.month, today.day) < (b.month, b.day)) for b in births])
    per_person = people["disabled"].astype(np.int64) + (age < ADULT) + (age >= ELDERLY)
    return np.bincount(people["household"], weights=per_person, minlength=n).astype(np.int64)


def households(n: int, seed: int = 1, today: datetime.date = TODAY, id_offset: int = 1, offers_count: int = 1000):
    """(list of HouseholdCase, members, declined pairs)."""
    rng = np.random.default_rng(seed)
    size = rng.choice(SIZES, size=n, p=SIZE_SHARE)
    extra_room = rng.random(n) < 0.15
    min_rooms = np.maximum(1, np.ceil(size / 2).astype(int) + extra_room)
    step_free = rng.random(n) < 0.08
    base = np.where(size == 1, 700.0, 900.0 + 180 * size)
    income = np.round(base * rng.lognormal(0.0, 0.45, n), 2)
    income[rng.random(n) < 0.06] = 0.0
    n_pref = rng.choice([0, 1, 2, 3, 4], size=n, p=[0.26, 0.22, 0.25, 0.16, 0.11])
    prefs = _top_k(rng, n, _p(DISTRICT_DEMAND), n_pref)
    contract_any = rng.random(n) < 0.66
    n_contracts = rng.integers(2, 6, n)
    contracts = _top_k(rng, n, np.ones(len(CONTRACTS)), np.where(contract_any, 0, n_contracts))
    parked = rng.random(n) < 0.03
    parked_days = rng.integers(1, 90, n)
    ethos = rng.choice(len(ETHOS), size=n, p=_p(ETHOS_SHARE))
    ethos_none = rng.random(n) < 0.04
    intake = rng.integers(0, 1100, n)
    ccr = np.flatnonzero(rng.random(n) < 0.004)
    ccr_rank = np.zeros(n, dtype=np.int64)
    ccr_rank[ccr] = rng.permutation(len(ccr)) + 1
    tie = rng.random(n)
    declined_rows = np.flatnonzero(rng.random(n) < 0.03)
    declined_offers = rng.integers(1, max(2, min(offers_count, 1000) + 1), size=(len(declined_rows), 2))
    people = members(rng, size, today)
    vulner = vulnerability_counts(people, n, today)
    declined = {}
    for i, pair in zip(declined_rows.tolist(), declined_offers.tolist()):
        declined[i] = frozenset(pair)
    district_names, contract_names = np.array(DISTRICTS, dtype=object), np.array(CONTRACTS, dtype=object)
    out = []
    for i in range(n):
        out.append(HouseholdCase(
            id=id_offset + i, size=int(size[i]), min_rooms=int(min_rooms[i]), needs_step_free=bool(step_free[i]),
            monthly_income=Decimal(f"{income[i]:.2f}"), preferred_districts=frozenset(district_names[prefs[i]].tolist()),
            acceptable_contract_types=frozenset(contract_names[contracts[i]].tolist()),
            parked_until=today + datetime.timedelta(days=int(parked_days[i])) if parked[i] else None,
            ethos_category=None if ethos_none[i] else ETHOS[ethos[i]],
            intake_on=today - datetime.timedelta(days=int(intake[i])), vulnerabilities=int(vulner[i]),
            case_conference_rank=int(ccr_rank[i]) or None, tie_break_key=float(tie[i]),
            declined_offer_ids=declined.get(i, frozenset())))
    pairs = sorted((id_offset + i, o) for i, ids in declined.items() for o in ids)
    return out, people, pairs


def offers(m: int, seed: int = 2, id_offset: int = 1) -> list[OfferCase]:
    rng = np.random.default_rng(seed)
    rooms = rng.choice([1, 2, 3, 4, 5], size=m, p=[0.22, 0.36, 0.26, 0.11, 0.05])
    ctype = rng.choice(len(CONTRACTS), size=m, p=_p(CONTRACT_SHARE))
    district = rng.choice(len(DISTRICTS), size=m, p=_p(DISTRICT_SUPPLY))
    step_free = rng.random(m) < 0.30
    market = (230 + 110 * rooms) * rng.lognormal(0.0, 0.18, m)
    charges = rng.uniform(20, 90, m)
    factor = {"concordato_3_2": 0.62, "transitory": 0.85, "students": 0.8, "free_4_4": 1.15}
    low_rent, low_charges = rng.uniform(40, 180, m), rng.uniform(10, 40, m)
    out = []
    for j in range(m):
        kind = CONTRACTS[ctype[j]]
        if kind == "erp":                       # public housing: rent by income band, low
            rent, charge = low_rent[j], low_charges[j]
        elif kind == "transitional":            # low-protection homes of the programme
            rent, charge = 0.45 * market[j], charges[j]
        elif kind == "emergency":               # no rent, only some charges
            rent, charge = 0.0, low_charges[j] * 0.75
        else:
            rent, charge = market[j] * factor[kind], charges[j]
        out.append(OfferCase(
            id=id_offset + j, rooms=int(rooms[j]), step_free=bool(step_free[j]), district=DISTRICTS[district[j]],
            contract_type=kind, monthly_rent=Decimal(f"{rent:.0f}"), service_charges=Decimal(f"{charge:.0f}")))
    return out


def instance(n: int, m: int, seed: int = 1, today: datetime.date = TODAY) -> Instance:
    hs, people, declined = households(n, seed=seed, today=today, offers_count=m)
    return Instance(hs, offers(m, seed=seed + 1), people, declined)


# -- into the project's database -----------------------------------------------------

RELATIONS = ("reference", "partner", "child", "parent")
FIRST_NAMES = "Salvatore Giuseppe Antonio Maria Agata Rosa Anna Carmela Ion Mohamed Fatou Nuwan Chioma Luca Sara".split()
SURNAMES = ("Russo Ferrara Lombardo Messina Marino Greco Rizzo Caruso Sciacca Pappalardo Scuderi Privitera Musumeci "
            "Grasso Puglisi Nicolosi Santangelo Vitale Cantarella Popescu Trabelsi Diop Perera Okafor Hossain").split()


def _insert(database, model, fields, rows, batch):
    columns = [getattr(model, name) for name in fields]
    batch = max(1, min(batch, 30000 // len(fields)))       # SQLite: at most 32,766 parameters a statement
    with database.atomic():
        for start in range(0, len(rows), batch):
            model.insert_many(rows[start:start + batch], fields=columns).execute()
    return len(rows)


def _district_ids(database):
    """{name: id} of ``DISTRICTS`` in the district registry (seeded by ``housing.districts.sync``)."""
    import models as mdl
    from housing import districts

    with database.atomic():
        districts.sync()
        known = districts.index()
        return {name: districts.lookup(name, known) or mdl.District.create(name=name).id for name in DISTRICTS}


def write_instance(database, inst: Instance, today: datetime.date = TODAY) -> dict:
    """Store ``inst`` with the project's models in a migrated, empty database; returns row counts.

    Ids are written explicitly (household i -> id i, offer j -> id j, dwelling j
    -> id j); on PostgreSQL the id sequences are moved past them.
    """
    import models as mdl
    from peewee import PostgresqlDatabase

    batch = 2000 if isinstance(database, PostgresqlDatabase) else 500
    stamp = datetime.datetime.combine(today, datetime.time(9))
    m = len(inst.offers)
    counts = {}
    registry = _district_ids(database)
    n_landlords = max(1, m // 3)
    counts["landlord"] = _insert(database, mdl.Landlord, ["id", "kind", "name", "tax_code", "created_at", "updated_at"], [
        (i + 1, "private_person" if i % 5 else "public_body", f"{FIRST_NAMES[i % 15]} {SURNAMES[i % 25]} {i}",
         f"LLDM{i:012d}", stamp, stamp) for i in range(n_landlords)], batch)
    counts["dwelling"] = _insert(database, mdl.Dwelling, [
        "id", "landlord", "ownership", "address", "postcode", "district", "area_m2", "rooms", "step_free", "has_lift",
        "status", "created_at", "updated_at"], [
        (o.id, 1 + j % n_landlords, "public" if o.contract_type in ("erp", "transitional", "emergency") else "private",
         f"Via del Benchmark {o.id}", "95100", registry[o.district], 20 + 18 * o.rooms, o.rooms, o.step_free, o.step_free,
         "offered", stamp, stamp) for j, o in enumerate(inst.offers)], batch)
    counts["offer"] = _insert(database, mdl.Offer, [
        "id", "dwelling", "contract_type", "monthly_rent", "service_charges", "status", "published",
        "created_at", "updated_at"], [
        (o.id, o.id, o.contract_type, o.monthly_rent, o.service_charges, "published", True, stamp, stamp)
        for o in inst.offers], batch)
    counts["household"] = _insert(database, mdl.Household, [
        "id", "code", "status", "ethos_category", "monthly_net_income", "min_rooms", "needs_step_free",
        "acceptable_contract_types", "parked_until", "intake_on", "case_conference_rank",
        "case_conference_reason", "tie_break_key", "created_at", "updated_at"], [
        (h.id, f"MB-{h.id:07d}", "waiting", h.ethos_category, h.monthly_income, h.min_rooms, h.needs_step_free,
         ",".join(sorted(h.acceptable_contract_types)) or None,
         h.parked_until, h.intake_on, h.case_conference_rank,
         "Benchmark" if h.case_conference_rank is not None else None, h.tie_break_key, stamp, stamp)
        for h in inst.households], batch)
    counts["household_district"] = _insert(database, mdl.HouseholdDistrict, ["household", "district"], [
        (h.id, registry[name]) for h in inst.households for name in sorted(h.preferred_districts)], batch)
    p = inst.members
    ids = [h.id for h in inst.households]
    counts["person"] = _insert(database, mdl.Person, [
        "household", "first_name", "last_name", "tax_code", "birth_date", "sex", "relation", "has_disability"], [
        (ids[row], FIRST_NAMES[k % 15], SURNAMES[(k // 15) % 25], f"BNCM{k:012d}", datetime.date.fromordinal(birth),
         "FM"[k % 2], RELATIONS[rel], bool(dis))
        for k, (row, birth, dis, rel) in enumerate(zip(p["household"].tolist(), p["birth"].tolist(),
                                                       p["disabled"].tolist(), p["relation"].tolist()))], batch)
    counts["match (declined)"] = _insert(database, mdl.Match, [
        "household", "offer", "route", "step", "status", "proposed_by", "decline_reason", "decline_side",
        "closed_at", "created_at", "updated_at", "step_since"], [
        (h, o, inst.offers[o - 1].contract_type, "closed", "closed_declined", "bench", "household_location",
         "household", stamp, stamp, stamp, stamp) for h, o in inst.declined], batch)
    if isinstance(database, PostgresqlDatabase):
        for model in (mdl.Landlord, mdl.Dwelling, mdl.Offer, mdl.Household):
            table = model._meta.table_name
            database.execute_sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                 f"(SELECT COALESCE(MAX(id), 1) FROM {table}))")
    return counts
