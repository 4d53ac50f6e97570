"""The data model of the Housing First programme (peewee 4).

One database, declared unbound here (``db``) and initialised by each entry
point: the back office, the jobs, the tests and the benchmarks. Coded values are
stable keys from ``housing.vocabulary``; money is ``Decimal`` in euros.
Each model lists in ``personal_fields`` the columns that identify a person or
reveal their health or economic situation: only roles that may read the
person's registry see them (``admin.roles.role_reads``), and the audit log
masks them for non-admins.
"""
import datetime
import random

from peewee import (
    SQL,
    BlobField,
    BooleanField,
    CharField,
    Check,
    DatabaseProxy,
    DateField,
    DateTimeField,
    DecimalField,
    DoubleField,
    FloatField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
    fn,
)

from housing import display
from housing import vocabulary as v

db = DatabaseProxy()


def choices(registry):
    return [(term.key, term.it) for term in registry]


def money(**kwargs):
    return DecimalField(max_digits=12, decimal_places=2, auto_round=True, **kwargs)


def now():
    return datetime.datetime.now().replace(microsecond=0)


def random_key():
    # A stored random key breaks priority ties fairly; never the id.
    return random.SystemRandom().random()


UPPERCASE_FIELDS = frozenset({"tax_code", "vat_number", "cadastral_sheet", "cadastral_parcel", "cadastral_unit"})


LOWERCASE_FIELDS = frozenset({"username"})


def normalise(name, value):
    """Trim text; codes in capitals and usernames in lower case, so that
    'rssmra...' and 'RSSMRA...' are one."""
    if not isinstance(value, str):
        return value
    value = value.strip()
    if name in UPPERCASE_FIELDS:
        return value.upper()
    return value.lower() if name in LOWERCASE_FIELDS else value


class BaseModel(Model):
    personal_fields = ()
    # Staff edit it in forms: it gets a ``version`` column (see ``_add_version_columns``)
    # that grows at every save, so that a form saved over a newer version is refused
    # instead of silently reverting it (optimistic locking, checked by the back office).
    versioned = False

    class Meta:
        database = db
        legacy_table_names = False

    def save(self, *args, **kwargs):
        for name, value in list(self.__data__.items()):
            if isinstance(value, str):
                value = normalise(name, value)
                self.__data__[name] = value or (None if self._meta.fields[name].null else value)
        if self.versioned and self._pk is not None and not kwargs.get("force_insert"):
            if self.unchanged_since_stored():
                return 0  # nothing to write: no new version (a household's untouched members)
            self.version = (self.version or 0) + 1
        return super().save(*args, **kwargs)

    # Bookkeeping a save rewrites by itself: not a change of the record.
    BOOKKEEPING = frozenset({"version", "updated_at"})

    def unchanged_since_stored(self):
        """True when every field holds what the stored row holds (bookkeeping aside)."""
        model = type(self)
        stored = model.select().where(model._meta.primary_key == self._pk).dicts().first()
        if stored is None:
            return False
        return all(stored.get(name) == self.__data__.get(name)
                   for name in self._meta.fields if name not in self.BOOKKEEPING)


class TimestampedModel(BaseModel):
    versioned = True
    created_at = DateTimeField(default=now)
    updated_at = DateTimeField(default=now)

    def save(self, *args, **kwargs):
        self.updated_at = now()
        return super().save(*args, **kwargs)


class User(TimestampedModel):
    """Utente: a staff account of the back office.

    The role decides, server-side, which registries the person may read or
    change; a viewer never sees personal data.
    """

    username = CharField(max_length=64, unique=True)
    full_name = CharField(max_length=120)
    email = CharField(max_length=254, null=True)
    role = CharField(max_length=16, choices=choices(v.ROLES), index=True)
    active = BooleanField(default=True)
    password_hash = CharField(max_length=255)
    last_login = DateTimeField(null=True)
    language = CharField(max_length=2, default="it")
    # Bumped at logout and password change: the sessions opened before end.
    session_version = IntegerField(default=0)

    def __str__(self):
        return self.full_name or self.username


class Partner(TimestampedModel):
    """Soggetto qualificato: an organisation that works with the programme."""

    name = CharField(max_length=200, unique=True)
    sector = CharField(max_length=32, choices=choices(v.PARTNER_SECTORS), index=True)
    contact_person = CharField(max_length=120, null=True)
    email = CharField(max_length=254, null=True)
    phone = CharField(max_length=32, null=True)
    address = CharField(max_length=200, null=True)
    website = CharField(max_length=254, null=True)
    services = TextField(null=True)
    listed_publicly = BooleanField(default=False, index=True)
    notes = TextField(null=True)

    def __str__(self):
        return self.name


class Agreement(TimestampedModel):
    """Accordo strategico: an agreement with partners (also protocollo
    d'intesa or convenzione, by ``kind``)."""

    title = CharField(max_length=200)
    kind = CharField(max_length=32, choices=choices(v.AGREEMENT_KINDS))
    status = CharField(max_length=16, choices=choices(v.AGREEMENT_STATUSES), index=True)
    signed_on = DateField(null=True)
    valid_from = DateField(null=True)
    valid_to = DateField(null=True, index=True)
    commitments = TextField(null=True)
    document_reference = CharField(max_length=120, null=True)
    published = BooleanField(default=False, index=True)

    class Meta:
        constraints = [Check("valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from")]

    def __str__(self):
        return self.title

    @classmethod
    def expiring(cls, within_days=60, today=None):
        today = today or datetime.date.today()
        horizon = today + datetime.timedelta(days=within_days)
        return cls.select().where(
            (cls.status == "active") & (cls.valid_to >= today) & (cls.valid_to <= horizon)
        )


class AgreementPartner(BaseModel):
    """Firmatario: a partner's part in an agreement, with its role."""

    versioned = True

    agreement = ForeignKeyField(Agreement, backref="signatories", on_delete="CASCADE")
    partner = ForeignKeyField(Partner, backref="agreements", on_delete="RESTRICT")
    role = CharField(max_length=120, null=True)

    class Meta:
        indexes = ((("agreement", "partner"), True),)

    def __str__(self):
        return f"{self.partner} ({self.role or '-'})"


class Landlord(TimestampedModel):
    """Locatore / offerente: who offers a home, private or public."""

    personal_fields = ("name", "tax_code", "vat_number", "email", "phone", "address", "notes",
                       "notice_consent", "notice_consent_on")

    kind = CharField(max_length=16, choices=choices(v.LANDLORD_KINDS), index=True)
    name = CharField(max_length=200, index=True)
    tax_code = CharField(max_length=16, null=True, unique=True)
    vat_number = CharField(max_length=11, null=True, unique=True)
    email = CharField(max_length=254, null=True)
    phone = CharField(max_length=32, null=True)
    address = CharField(max_length=200, null=True)
    public_name_consent = BooleanField(default=False)
    orientation_sessions = IntegerField(default=0, constraints=[Check("orientation_sessions >= 0")])
    last_orientation_on = DateField(null=True)
    notes = TextField(null=True)

    def __str__(self):
        return self.name


class TerritorialAgreement(TimestampedModel):
    """Accordo territoriale: the local agreement that sets controlled rents
    (canone concordato, law 431/1998 art. 2 c. 3) zone by zone."""

    name = CharField(max_length=200, unique=True)
    city = CharField(max_length=80)
    signed_on = DateField(null=True)
    valid_from = DateField(null=True)
    is_sample = BooleanField(default=False)
    notes = TextField(null=True)

    def __str__(self):
        return self.name


class AgreementZone(BaseModel):
    """Zona dell'accordo territoriale: an area with its own rent bands."""

    versioned = True

    territorial_agreement = ForeignKeyField(TerritorialAgreement, backref="zones", on_delete="CASCADE")
    code = CharField(max_length=16)
    name = CharField(max_length=120)
    # the districts in the zone are the ``District`` rows pointing at it

    class Meta:
        indexes = ((("territorial_agreement", "code"), True),)

    def __str__(self):
        return f"{self.code} {self.name}"


class RentBand(BaseModel):
    """Fascia di oscillazione: EUR per m² per year allowed in a zone.

    Sub-bands are chosen by how many qualifying features a dwelling has
    (lift, heating, parking, condition, furnished...), from ``min_features``.
    """

    versioned = True

    zone = ForeignKeyField(AgreementZone, backref="bands", on_delete="CASCADE")
    label = CharField(max_length=60)
    min_features = IntegerField(default=0, constraints=[Check("min_features >= 0")])
    min_eur_m2_year = money(constraints=[Check("min_eur_m2_year >= 0")])
    max_eur_m2_year = money(constraints=[Check("max_eur_m2_year >= min_eur_m2_year")])

    class Meta:
        indexes = ((("zone", "label"), True),)

    def __str__(self):
        return f"{self.label}: {self.min_eur_m2_year}-{self.max_eur_m2_year}"


class ContractDuration(BaseModel):
    """Durata ammessa: the duration range a territorial agreement allows for
    one contract type (e.g. transitory 1-18 months)."""

    versioned = True

    territorial_agreement = ForeignKeyField(TerritorialAgreement, backref="durations", on_delete="CASCADE")
    contract_type = CharField(max_length=16, choices=choices(v.CONTRACT_TYPES))
    min_months = IntegerField(constraints=[Check("min_months >= 1")])
    max_months = IntegerField(constraints=[Check("max_months >= min_months")])

    class Meta:
        indexes = ((("territorial_agreement", "contract_type"), True),)

    def __str__(self):
        return f"{display.coded(self, 'contract_type')}: {self.min_months}-{self.max_months}"


class District(TimestampedModel):
    """Quartiere: a neighbourhood of the registry kept by staff.

    Homes point at one; households name the ones they would live in
    (``HouseholdDistrict``); the public map, the filters, the census and the
    statistics read this registry. ``municipality`` is the municipal district
    (municipalità / circoscrizione); ``zone`` the territorial agreement's zone
    when the district maps to one. The map places offers at ``latitude`` /
    ``longitude`` (the centroid), never at a home's own coordinates; ``outline``
    is an optional simplified polygon, "lat lon; lat lon; ...". ``to_review``
    marks an entry created from free text no registry entry matched (migration
    0009, imports): a person maps it to another entry or confirms it.
    Seeded from ``content/districts.yaml`` by ``housing.districts.sync``.
    """

    name = CharField(max_length=80, unique=True)
    municipality = CharField(max_length=80, null=True)
    zone = ForeignKeyField(AgreementZone, backref="districts", null=True, on_delete="SET NULL")
    latitude = FloatField(null=True, constraints=[Check("latitude IS NULL OR (latitude BETWEEN -90 AND 90)")])
    longitude = FloatField(null=True, constraints=[Check("longitude IS NULL OR (longitude BETWEEN -180 AND 180)")])
    outline = TextField(null=True)
    active = BooleanField(default=True)
    to_review = BooleanField(default=False, index=True)

    def __str__(self):
        return self.name


class Dwelling(TimestampedModel):
    """Alloggio: a home in the registry of vacant homes, public and private
    (anagrafe abitativa delle case sfitte)."""

    landlord = ForeignKeyField(Landlord, backref="dwellings", on_delete="RESTRICT")
    ownership = CharField(max_length=8, choices=choices(v.OWNERSHIPS), index=True)
    address = CharField(max_length=200)
    postcode = CharField(max_length=5)
    district = ForeignKeyField(District, backref="dwellings", on_delete="RESTRICT")
    zone = ForeignKeyField(AgreementZone, backref="dwellings", null=True, on_delete="SET NULL")
    latitude = FloatField(null=True, constraints=[Check("latitude IS NULL OR (latitude BETWEEN -90 AND 90)")])
    longitude = FloatField(null=True, constraints=[Check("longitude IS NULL OR (longitude BETWEEN -180 AND 180)")])
    cadastral_sheet = CharField(max_length=8, null=True)
    cadastral_parcel = CharField(max_length=8, null=True)
    cadastral_unit = CharField(max_length=8, null=True)
    area_m2 = IntegerField(constraints=[Check("area_m2 > 0")])
    rooms = IntegerField(index=True, constraints=[Check("rooms > 0")])
    bedrooms = IntegerField(default=1, constraints=[Check("bedrooms >= 0")])
    bathrooms = IntegerField(default=1, constraints=[Check("bathrooms >= 0")])
    floor = IntegerField(default=0)
    has_lift = BooleanField(default=False)
    step_free = BooleanField(default=False)
    energy_class = CharField(max_length=2, null=True, choices=choices(v.ENERGY_CLASSES))
    condition = CharField(max_length=8, choices=choices(v.DWELLING_CONDITIONS), default="good")
    furnished = BooleanField(default=False)
    vacant_since = DateField(null=True)
    status = CharField(max_length=16, choices=choices(v.DWELLING_STATUSES), index=True, default="registered")
    notes = TextField(null=True)

    class Meta:
        indexes = (
            (("cadastral_sheet", "cadastral_parcel", "cadastral_unit"), True),
            (("district", "status"), False),
        )

    def save(self, *args, **kwargs):
        if self.zone_id is None and self.district_id is not None:
            # a home without its own zone is in its district's zone of the territorial agreement
            self.zone_id = District.select(District.zone).where(District.id == self.district_id).scalar()
        return super().save(*args, **kwargs)

    def __str__(self):
        return f"{self.address}, {self.district}"


class Offer(TimestampedModel):
    """Offerta di locazione: a dwelling put on offer at a given rent."""

    dwelling = ForeignKeyField(Dwelling, backref="offers", on_delete="RESTRICT")
    contract_type = CharField(max_length=16, choices=choices(v.CONTRACT_TYPES), index=True)
    monthly_rent = money(index=True, constraints=[Check("monthly_rent >= 0")])
    service_charges = money(default=0, constraints=[Check("service_charges >= 0")])
    deposit = money(default=0, constraints=[Check("deposit >= 0")])
    available_from = DateField(null=True, index=True)
    min_duration_months = IntegerField(null=True, constraints=[Check("min_duration_months IS NULL OR min_duration_months >= 1")])
    max_duration_months = IntegerField(null=True)
    status = CharField(max_length=16, choices=choices(v.OFFER_STATUSES), index=True, default="draft")
    public_description = TextField(null=True)
    published = BooleanField(default=False, index=True)

    class Meta:
        constraints = [
            Check("max_duration_months IS NULL OR min_duration_months IS NULL"
                  " OR max_duration_months >= min_duration_months")
        ]

    def __str__(self):
        return f"{self.dwelling} ({display.coded(self, 'contract_type')}, {display.money(self.monthly_rent)})"

    # Statuses of an offer a household may still be proposed for: a reserved
    # offer is being negotiated and may still get competing proposals.
    OPEN_STATUSES = ("published", "reserved")

    @classmethod
    def public(cls, *fields):
        """Offers on the public site and in the matching: status "published" and the publish flag set."""
        return cls.select(*fields).where((cls.published == True) & (cls.status == "published"))  # noqa: E712

    @property
    def open_for_proposals(self):
        return self.status in self.OPEN_STATUSES


class Household(TimestampedModel):
    """Nucleo familiare / richiedente: an applicant household of the programme.

    ``code`` is the pseudonymous reference used everywhere outside case work.
    The priority fields are computed by the matching; a case conference may set
    ``case_conference_rank`` by hand, always with a reason.
    """

    personal_fields = (
        "email", "phone", "ethos_category", "monthly_net_income", "isee_value",
        "isee_date", "languages", "notes", "case_conference_reason", "notice_consent", "notice_consent_on",
    )

    code = CharField(max_length=20, unique=True)
    email = CharField(max_length=254, null=True)
    phone = CharField(max_length=32, null=True)
    ethos_category = CharField(max_length=16, choices=choices(v.ETHOS_CATEGORIES), null=True, index=True)
    monthly_net_income = money(null=True, constraints=[Check("monthly_net_income IS NULL OR monthly_net_income >= 0")])
    isee_value = money(null=True, constraints=[Check("isee_value IS NULL OR isee_value >= 0")])
    isee_date = DateField(null=True)
    min_rooms = IntegerField(default=1, constraints=[Check("min_rooms >= 1")])
    needs_step_free = BooleanField(default=False)
    has_pets = BooleanField(default=False)
    # preferred districts are ``HouseholdDistrict`` links (none: any district)
    # the languages spoken are ``HouseholdLanguage`` links; this keeps only free text that names no
    # registry language, to be resolved (migration 0008)
    languages = CharField(max_length=120, null=True)
    needs_mediation = BooleanField(default=False)
    privacy_consent = BooleanField(default=False)
    privacy_consent_on = DateField(null=True)
    status = CharField(max_length=16, choices=choices(v.HOUSEHOLD_STATUSES), index=True, default="intake")
    intake_on = DateField(default=datetime.date.today)
    case_worker = ForeignKeyField(User, backref="households", null=True, on_delete="SET NULL")
    priority_score = FloatField(null=True, index=True)
    priority_computed_at = DateTimeField(null=True)
    case_conference_rank = IntegerField(null=True, constraints=[Check("case_conference_rank IS NULL OR case_conference_rank >= 1")])
    case_conference_reason = TextField(null=True)
    tie_break_key = DoubleField(default=random_key)  # double precision: ties between 50,000 keys must not collide
    notes = TextField(null=True)
    # matching: a declined proposal may park the household; accepted contract types are
    # comma-separated keys of vocabulary.CONTRACT_TYPES (the form's pick list), empty = any
    parked_until = DateField(null=True)
    acceptable_contract_types = TextField(null=True)

    def __str__(self):
        return self.code

    @property
    def preferred_district_list(self):
        return [link.district.name for link in self.preferred_districts.join(District).order_by(District.name)]

    @property
    def acceptable_contract_type_list(self):
        return [t.strip() for t in (self.acceptable_contract_types or "").split(",") if t.strip()]


class Language(TimestampedModel):
    """Lingua: a language of the registry kept by staff (ISO 639-1 code, Italian and English names).

    Households point at it through ``HouseholdLanguage``; seeded from
    ``housing.vocabulary.LANGUAGE_SEED`` by ``housing.languages.sync``.
    """

    code = CharField(max_length=3, unique=True)
    name_it = CharField(max_length=60)
    name_en = CharField(max_length=60)
    active = BooleanField(default=True)

    def __str__(self):
        return f"{self.name_it} ({self.code})"


class HouseholdLanguage(BaseModel):
    """Lingua parlata dal nucleo: one language a household speaks (link table).

    Personal data of the household (``Household.languages`` was): audited as
    the household's, edited in the household's form.
    """

    personal_fields = ("spoken",)

    household = ForeignKeyField(Household, backref="spoken_languages", on_delete="CASCADE")
    spoken = ForeignKeyField(Language, backref="households", on_delete="RESTRICT")

    class Meta:
        indexes = ((("household", "spoken"), True),)


class HouseholdDistrict(BaseModel):
    """Quartiere preferito: one district a household would live in (link table).

    A household with none accepts any district. Edited in the household's form
    and audited as the household's.
    """

    household = ForeignKeyField(Household, backref="preferred_districts", on_delete="CASCADE")
    district = ForeignKeyField(District, backref="preferred_by", on_delete="RESTRICT")

    class Meta:
        indexes = ((("household", "district"), True),)


class Person(BaseModel):
    """Componente: a member of a household; all of it is personal data."""

    versioned = True

    personal_fields = (
        "first_name", "last_name", "tax_code", "birth_date", "sex", "citizenship",
        "relation", "has_disability", "disability_percent", "employment_status",
    )

    household = ForeignKeyField(Household, backref="members", on_delete="CASCADE")
    first_name = CharField(max_length=80)
    last_name = CharField(max_length=80, index=True)
    tax_code = CharField(max_length=16, unique=True)
    birth_date = DateField()
    sex = CharField(max_length=1, choices=choices(v.SEXES))
    citizenship = CharField(max_length=60, default="Italia")
    relation = CharField(max_length=16, choices=choices(v.RELATIONS))
    has_disability = BooleanField(default=False)
    disability_percent = IntegerField(null=True, constraints=[Check("disability_percent IS NULL OR (disability_percent BETWEEN 0 AND 100)")])
    employment_status = CharField(max_length=16, choices=choices(v.EMPLOYMENT_STATUSES), null=True)

    def __str__(self):
        return f"{self.first_name} {self.last_name}"


class ErpAssignment(TimestampedModel):
    """Assegnazione ERP: an entry of the registry of public-housing assignees
    (anagrafe assegnatari ERP)."""

    personal_fields = ("social_rent", "arrears_amount", "arrears_since", "last_income_check")

    dwelling = ForeignKeyField(Dwelling, backref="erp_assignments", on_delete="RESTRICT")
    household = ForeignKeyField(Household, backref="erp_assignments", on_delete="RESTRICT")
    act_number = CharField(max_length=40, unique=True)
    act_date = DateField()
    contract_start = DateField(null=True)
    social_rent = money(constraints=[Check("social_rent >= 0")])
    arrears_amount = money(default=0, constraints=[Check("arrears_amount >= 0")])
    arrears_since = DateField(null=True)
    occupancy_status = CharField(max_length=16, choices=choices(v.OCCUPANCY_STATUSES), index=True, default="regular")
    last_income_check = DateField(null=True)

    def __str__(self):
        return self.act_number


class AuditLog(BaseModel):
    """Registro delle modifiche: who changed which record, when and how.

    ``changes`` is JSON: {field: [old, new]}. The actor's name is copied so the
    trail survives the deletion of an account.
    """

    at = DateTimeField(default=now, index=True)
    user = ForeignKeyField(User, null=True, backref="audit_entries", on_delete="SET NULL")
    actor = CharField(max_length=64)
    action = CharField(max_length=8, choices=choices(v.AUDIT_ACTIONS))
    entity = CharField(max_length=40)
    record_id = CharField(max_length=40)
    changes = TextField(default="{}")

    class Meta:
        indexes = (
            (("entity", "record_id"), False),
            # the back office filters the trail by record or by actor, newest first
            (("record_id", "at"), False),
            (("actor", "at"), False),
        )

    def __str__(self):
        return f"{display.date(self.at)} {self.actor} {display.coded(self, 'action')} {self.entity} #{self.record_id}"


class LoginAttempt(BaseModel):
    """Tentativo di accesso fallito: kept to rate-limit password guessing
    across processes (the web server may run several workers)."""

    at = DateTimeField(default=now, index=True)
    username = CharField(max_length=64, index=True)
    remote_addr = CharField(max_length=64, index=True)


class StepSetting(BaseModel):
    """Impostazione di una fase: how many days a match may wait at a step of the
    workflow (``housing.workflow.STEPS``) before it is flagged as stalled."""

    versioned = True

    step = CharField(max_length=32, unique=True)
    stall_days = IntegerField(constraints=[Check("stall_days >= 0")])

    def __str__(self):
        return f"{self.step}: {self.stall_days}"


class DeclineReasonSetting(BaseModel):
    """Motivo di rifiuto: a coded decline reason and its consequence (parking
    the household for ``park_days``). Rows are synced from
    ``housing.workflow.DECLINE_REASONS``; staff may change the texts and days."""

    versioned = True

    key = CharField(max_length=40, unique=True)
    label_it = CharField(max_length=200)
    label_en = CharField(max_length=200)
    side = CharField(max_length=16, index=True)
    park_days = IntegerField(default=0, constraints=[Check("park_days >= 0")])
    active = BooleanField(default=True)

    def __str__(self):
        return self.label_it


class RuleSetting(TimestampedModel):
    """Regola di ammissibilità per tipo di offerta: a matching rule switched on
    or off, with its parameter, for one contract type (changes are audited)."""

    contract_type = CharField(max_length=16, choices=choices(v.CONTRACT_TYPES))
    rule = CharField(max_length=40)
    enabled = BooleanField(default=True)
    parameter = CharField(max_length=60, null=True)  # JSON: 0.3, or [0.5, 2.0] for a range

    class Meta:
        indexes = ((("contract_type", "rule"), True),)

    def __str__(self):
        return f"{self.contract_type}/{self.rule}"


class ContributionFund(TimestampedModel):
    """Fondo per i contributi all'affitto: a fund of the programme that tops up
    rents (the household pays its share of income, the fund the rest).

    ``contract_types`` and ``ethos_groups`` are comma-separated keys (of
    ``vocabulary.CONTRACT_TYPES`` and of the ETHOS groups ``roofless``,
    ``houseless``, ``insecure``, ``inadequate``), empty = any, like
    ``Household.acceptable_contract_types``. ``isee_ceiling``: households with
    a higher ISEE, or without a valid one, are not served (empty = no ceiling).
    The matching's rule is ``housing.matching.funds``.
    """

    name = CharField(max_length=120, unique=True)
    monthly_budget = money(constraints=[Check("monthly_budget >= 0")])
    household_cap = money(constraints=[Check("household_cap >= 0")])
    valid_from = DateField()
    valid_until = DateField(null=True)
    contract_types = TextField(null=True)
    ethos_groups = TextField(null=True)
    isee_ceiling = money(null=True, constraints=[Check("isee_ceiling IS NULL OR isee_ceiling >= 0")])
    notes = TextField(null=True)

    class Meta:
        constraints = [Check("valid_until IS NULL OR valid_until >= valid_from")]

    def __str__(self):
        return self.name


class Match(TimestampedModel):
    """Abbinamento: a household proposed for an offer, moving through the steps
    of its route. ``snapshot`` (JSON) keeps the decision context of the
    proposal: the household's relevant fields, the offer, the rules and weights
    in force and the score parts."""

    household = ForeignKeyField(Household, backref="matches", on_delete="RESTRICT")
    offer = ForeignKeyField(Offer, backref="matches", on_delete="RESTRICT")
    route = CharField(max_length=16)
    step = CharField(max_length=32, index=True)
    status = CharField(max_length=20, index=True, default="open")
    step_since = DateTimeField(default=now)
    proposed_by = CharField(max_length=64)
    score_total = FloatField(null=True)
    snapshot = TextField(default="{}")
    decline_reason = CharField(max_length=40, null=True)
    decline_reason_text = CharField(max_length=200, null=True)
    decline_side = CharField(max_length=16, null=True)
    closed_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("household", "offer"), True),)

    def __str__(self):
        return f"{self.household} → {self.offer_id} ({self.step})"


class MatchEvent(BaseModel):
    """Passaggio di un abbinamento: who moved a match, when, from which step
    to which, and why."""

    match = ForeignKeyField(Match, backref="events", on_delete="CASCADE")
    at = DateTimeField(default=now, index=True)
    actor = CharField(max_length=64)
    from_step = CharField(max_length=32, null=True)
    to_step = CharField(max_length=32)
    note = TextField(null=True)

    def __str__(self):
        return f"{display.date(self.at)} {self.actor}: {self.from_step or ''} → {self.to_step}"


class CensusSnapshot(BaseModel):
    """Censimento giornaliero: the demand-supply census of one day (JSON), kept
    so that trends can be shown."""

    taken_on = DateField(unique=True)
    data = TextField()

    def __str__(self):
        return display.date(self.taken_on)


class JobRun(BaseModel):
    """Esecuzione di un job: one run of a scheduled job (or a request for one).

    "Pubblica ora" in the back office inserts a row with outcome "requested";
    the runner picks it up at its next tick, so no build runs inside a web
    request.
    """

    name = CharField(max_length=40, index=True)
    outcome = CharField(max_length=12, choices=choices(v.JOB_OUTCOMES), index=True)
    requested_by = CharField(max_length=64, null=True)
    requested_at = DateTimeField(null=True)
    started_at = DateTimeField(null=True, index=True)
    finished_at = DateTimeField(null=True)
    message = TextField(null=True)
    # "<host>:<pid>" of the runner that took the run, and its last sign of life:
    # a "running" run whose runner is gone is marked failed at the next start.
    runner = CharField(max_length=255, null=True)
    heartbeat_at = DateTimeField(null=True)

    def __str__(self):
        return f"{self.name} {display.coded(self, 'outcome')} {display.date(self.started_at or self.requested_at)}"

    # A run that ended: "skipped" ended too (the site was found current).
    FINISHED = ("success", "skipped", "failed")

    @classmethod
    def finished(cls, name):
        """The finished runs of job ``name``, whatever their outcome."""
        return cls.select().where((cls.name == name) & cls.outcome.in_(cls.FINISHED))

    @classmethod
    def last_publication(cls):
        """The latest finished run of the publisher, whatever its outcome; None before the first."""
        return cls.finished("publish").order_by(cls.id.desc()).first()

    @classmethod
    def requested(cls, name=None):
        """Runs asked for and not yet taken by a runner, oldest first (of job ``name`` if given)."""
        query = cls.select().where(cls.outcome == "requested")
        return (query.where(cls.name == name) if name else query).order_by(cls.id)

    @classmethod
    def running(cls):
        """Runs a runner has taken and not finished, oldest first."""
        return cls.select().where(cls.outcome == "running").order_by(cls.id)


# -- accompaniment: assessment, support plan, services, places, tenancies, incentives --


class InstrumentVersion(BaseModel):
    """Versione di uno strumento: a frozen copy of an instrument defined as data
    (the multidimensional assessment, the fidelity self-assessment).

    A new row is written whenever the YAML definition changes; every
    assessment points at the version it was made with, so old assessments
    keep their domains and anchors.
    """

    instrument = CharField(max_length=32)
    version = IntegerField(constraints=[Check("version >= 1")])
    digest = CharField(max_length=64)
    definition = TextField()  # JSON
    created_at = DateTimeField(default=now)

    class Meta:
        indexes = ((("instrument", "version"), True), (("instrument", "digest"), True))

    def __str__(self):
        return f"{self.instrument} v{self.version}"


class Assessment(TimestampedModel):
    """Valutazione multidimensionale: one member's scores over the life domains
    of the instrument, on one day. Locked after a configured number of days;
    a correction is then a new assessment naming the one it corrects and why.
    """

    personal_fields = ("need_index", "support_intensity", "correction_reason")

    person = ForeignKeyField(Person, backref="assessments", on_delete="CASCADE")
    household = ForeignKeyField(Household, backref="assessments", on_delete="CASCADE")
    instrument = ForeignKeyField(InstrumentVersion, backref="assessments", on_delete="RESTRICT")
    assessed_on = DateField(index=True)
    assessor = ForeignKeyField(User, backref="assessments", null=True, on_delete="SET NULL")
    assessor_name = CharField(max_length=120)
    consent = BooleanField(default=False)
    need_index = FloatField(constraints=[Check("need_index >= 0 AND need_index <= 1")])
    support_intensity = CharField(max_length=8, choices=choices(v.SUPPORT_INTENSITIES), index=True)
    reassess_on = DateField(null=True)
    corrects = ForeignKeyField("self", backref="corrections", null=True, on_delete="SET NULL")
    correction_reason = TextField(null=True)

    def __str__(self):
        return f"{self.household_id}/{self.person_id} {display.date(self.assessed_on)}"


class AssessmentScore(BaseModel):
    """Punteggio di un dominio: the 1-5 score of one life domain and its note.
    Notes of special-category domains (health, addictions, legality) are read
    only by the household's case worker and admins, and every read is logged."""

    personal_fields = ("score", "note")

    assessment = ForeignKeyField(Assessment, backref="scores", on_delete="CASCADE")
    domain = CharField(max_length=32)
    score = IntegerField(constraints=[Check("score BETWEEN 1 AND 5")])
    note = TextField(null=True)
    sensitive = BooleanField(default=False)

    @property
    def audit_masked(self):
        return ("note",) if self.sensitive else ()

    class Meta:
        indexes = ((("assessment", "domain"), True),)


class SupportPlan(TimestampedModel):
    """Progetto personalizzato: the household's support plan, agreed with it,
    with goals per life domain and dates for its reviews."""

    household = ForeignKeyField(Household, backref="support_plans", on_delete="RESTRICT")
    started_on = DateField()
    review_on = DateField(null=True)
    status = CharField(max_length=12, choices=choices(v.PLAN_STATUSES), index=True, default="draft")
    consent_signed = BooleanField(default=False)
    consent_on = DateField(null=True)
    closed_on = DateField(null=True)
    notes = TextField(null=True)

    def __str__(self):
        return f"{self.household} {display.date(self.started_on)}"


class PlanGoal(BaseModel):
    """Obiettivo del progetto: a goal of the plan, linked to a life domain of the assessment."""

    versioned = True

    plan = ForeignKeyField(SupportPlan, backref="goals", on_delete="CASCADE")
    domain = CharField(max_length=32)
    description = CharField(max_length=300)
    target_on = DateField(null=True)
    status = CharField(max_length=12, choices=choices(v.GOAL_STATUSES), default="open")

    def __str__(self):
        return self.description


class PlanAction(BaseModel):
    """Azione: a step towards a goal, owned by a member of staff or a partner."""

    versioned = True

    goal = ForeignKeyField(PlanGoal, backref="actions", on_delete="CASCADE")
    description = CharField(max_length=300)
    responsible_user = ForeignKeyField(User, backref="plan_actions", null=True, on_delete="SET NULL")
    responsible_partner = ForeignKeyField(Partner, backref="plan_actions", null=True, on_delete="RESTRICT")
    target_on = DateField(null=True)
    status = CharField(max_length=12, choices=choices(v.ACTION_STATUSES), default="planned")

    def __str__(self):
        return self.description


class Referral(TimestampedModel):
    """Invio a un servizio: a referral of a household (or one member) to a
    partner's service, with its status and outcome; for linguistic-cultural
    mediation also the language, the mediator and the sessions held."""

    household = ForeignKeyField(Household, backref="referrals", on_delete="RESTRICT")
    person = ForeignKeyField(Person, backref="referrals", null=True, on_delete="SET NULL")
    service = CharField(max_length=24, choices=choices(v.SERVICE_TYPES), index=True)
    partner = ForeignKeyField(Partner, backref="referrals", on_delete="RESTRICT")
    sent_on = DateField()
    status = CharField(max_length=12, choices=choices(v.REFERRAL_STATUSES), index=True, default="sent")
    status_on = DateField(null=True)
    outcome = CharField(max_length=24, choices=choices(v.REFERRAL_OUTCOMES), null=True)
    outcome_note = TextField(null=True)
    mediation_language = CharField(max_length=60, null=True)
    mediator = CharField(max_length=120, null=True)
    sessions = IntegerField(null=True, constraints=[Check("sessions IS NULL OR sessions >= 0")])

    def __str__(self):
        return f"{self.household} → {self.partner or ''} ({display.coded(self, 'service')})"


class ContactLog(BaseModel):
    """Diario dei contatti: a home visit, call or meeting with the household.
    ``sensitive_note`` holds special-category content (health, addictions,
    legal matters): only the case worker and admins read it, and reads are logged."""

    versioned = True

    personal_fields = ("note", "sensitive_note")
    audit_masked = ("sensitive_note",)

    household = ForeignKeyField(Household, backref="contacts", on_delete="CASCADE")
    contact_on = DateField(index=True)
    contact_type = CharField(max_length=16, choices=choices(v.CONTACT_TYPES))
    duration_minutes = IntegerField(default=30, constraints=[Check("duration_minutes BETWEEN 0 AND 1440")])
    operator = ForeignKeyField(User, backref="contacts", null=True, on_delete="SET NULL")
    operator_name = CharField(max_length=120)
    note = TextField(null=True)
    sensitive_note = TextField(null=True)

    def __str__(self):
        return f"{display.date(self.contact_on)} {display.coded(self, 'contact_type')}"


class Place(TimestampedModel):
    """Posto: places in emergency social housing or in a transitional
    low-protection home, in a dwelling of the registry or in a facility."""

    name = CharField(max_length=120, unique=True)
    kind = CharField(max_length=12, choices=choices(v.PLACE_KINDS), index=True)
    capacity = IntegerField(default=1, constraints=[Check("capacity >= 1")])
    dwelling = ForeignKeyField(Dwelling, backref="places", null=True, on_delete="RESTRICT")
    facility = CharField(max_length=200, null=True)
    partner = ForeignKeyField(Partner, backref="places", null=True, on_delete="RESTRICT")
    active = BooleanField(default=True)

    def __str__(self):
        return self.name


class Stay(TimestampedModel):
    """Permanenza: a household's stay in an emergency or transitional place."""

    household = ForeignKeyField(Household, backref="stays", on_delete="RESTRICT")
    place = ForeignKeyField(Place, backref="stays", on_delete="RESTRICT")
    entry_on = DateField(index=True)
    planned_exit_on = DateField(null=True)
    exit_on = DateField(null=True, index=True)
    exit_destination = CharField(max_length=16, choices=choices(v.EXIT_DESTINATIONS), null=True)
    notes = TextField(null=True)

    class Meta:
        constraints = [Check("exit_on IS NULL OR exit_on >= entry_on"),
                       Check("planned_exit_on IS NULL OR planned_exit_on >= entry_on")]

    def __str__(self):
        return f"{self.household} @ {self.place} {display.date(self.entry_on)}"


class Tenancy(TimestampedModel):
    """Locazione avviata: the household's tenancy after move-in, opened by a
    match that ended in a signed contract or entered by hand; the follow-up
    visits, arrears and the outcomes at 6, 12 and 24 months hang from it."""

    personal_fields = ("programme_contribution", "guarantee")

    household = ForeignKeyField(Household, backref="tenancies", on_delete="RESTRICT")
    dwelling = ForeignKeyField(Dwelling, backref="tenancies", on_delete="RESTRICT")
    offer = ForeignKeyField(Offer, backref="tenancies", null=True, on_delete="SET NULL")
    match = ForeignKeyField(Match, backref="tenancies", null=True, unique=True, on_delete="SET NULL")
    contract_type = CharField(max_length=16, choices=choices(v.CONTRACT_TYPES))
    monthly_rent = money(constraints=[Check("monthly_rent >= 0")])
    programme_contribution = money(default=0, constraints=[Check("programme_contribution >= 0")])
    start_on = DateField(index=True)
    end_on = DateField(null=True)
    guarantee = CharField(max_length=200, null=True)
    ended_on = DateField(null=True)
    end_reason = CharField(max_length=12, choices=choices(v.TENANCY_END_REASONS), null=True)

    class Meta:
        constraints = [Check("end_on IS NULL OR end_on >= start_on"), Check("ended_on IS NULL OR ended_on >= start_on")]

    def __str__(self):
        return f"{self.household} {display.date(self.start_on)}"


class FollowUpVisit(BaseModel):
    """Visita di monitoraggio: a follow-up visit of a tenancy."""

    versioned = True

    personal_fields = ("note",)

    tenancy = ForeignKeyField(Tenancy, backref="visits", on_delete="CASCADE")
    visited_on = DateField()
    operator = ForeignKeyField(User, backref="follow_up_visits", null=True, on_delete="SET NULL")
    note = TextField(null=True)


class ArrearsEpisode(BaseModel):
    """Episodio di morosità: rent arrears during a tenancy."""

    versioned = True

    personal_fields = ("amount", "note")

    tenancy = ForeignKeyField(Tenancy, backref="arrears", on_delete="CASCADE")
    since = DateField()
    amount = money(constraints=[Check("amount >= 0")])
    resolved_on = DateField(null=True)
    note = TextField(null=True)

    def __str__(self):
        return f"{self.tenancy} {display.date(self.since)} {display.money(self.amount)}"


class TenancyOutcome(BaseModel):
    """Esito a 6, 12 o 24 mesi: the headline outcome of Housing First for a tenancy."""

    versioned = True

    tenancy = ForeignKeyField(Tenancy, backref="outcomes", on_delete="CASCADE")
    milestone_months = IntegerField(constraints=[Check("milestone_months IN (6, 12, 24)")])
    outcome = CharField(max_length=16, choices=choices(v.TENANCY_OUTCOMES))
    recorded_on = DateField(default=datetime.date.today)

    class Meta:
        indexes = ((("tenancy", "milestone_months"), True),)


class Incentive(TimestampedModel):
    """Incentivo al locatore: a one-off grant, a guarantee-fund cover (months
    of rent) or a renovation grant, charged to a budget line."""

    landlord = ForeignKeyField(Landlord, backref="incentives", on_delete="RESTRICT")
    dwelling = ForeignKeyField(Dwelling, backref="incentives", null=True, on_delete="RESTRICT")
    tenancy = ForeignKeyField(Tenancy, backref="incentives", null=True, on_delete="RESTRICT")
    kind = CharField(max_length=16, choices=choices(v.INCENTIVE_KINDS), index=True)
    amount = money(constraints=[Check("amount >= 0")])
    months_covered = IntegerField(null=True, constraints=[Check("months_covered IS NULL OR months_covered BETWEEN 1 AND 36")])
    status = CharField(max_length=12, choices=choices(v.INCENTIVE_STATUSES), index=True, default="requested")
    budget_line = CharField(max_length=60, index=True)
    requested_on = DateField()
    decided_on = DateField(null=True)
    paid_on = DateField(null=True)
    notes = TextField(null=True)

    def __str__(self):
        return f"{display.coded(self, 'kind')} {display.money(self.amount)} ({self.landlord})"


class GuaranteeClaim(TimestampedModel):
    """Escussione della garanzia: the landlord's claim on the guarantee fund
    after arrears, and what was paid."""

    incentive = ForeignKeyField(Incentive, backref="claims", on_delete="RESTRICT")
    arrears = ForeignKeyField(ArrearsEpisode, backref="claims", null=True, on_delete="SET NULL")
    claimed_on = DateField()
    amount_claimed = money(constraints=[Check("amount_claimed >= 0")])
    amount_paid = money(default=0, constraints=[Check("amount_paid >= 0")])
    status = CharField(max_length=12, choices=choices(v.CLAIM_STATUSES), default="submitted")
    notes = TextField(null=True)

    def __str__(self):
        return f"{self.incentive} {display.date(self.claimed_on)}"


class FidelityReview(BaseModel):
    """Autovalutazione di fedeltà: the team's answers to the Housing First
    fidelity questions (an instrument defined as data) and the score."""

    instrument = ForeignKeyField(InstrumentVersion, backref="fidelity_reviews", on_delete="RESTRICT")
    reviewed_on = DateField(index=True)
    reviewer = ForeignKeyField(User, backref="fidelity_reviews", null=True, on_delete="SET NULL")
    answers = TextField()  # JSON {question key: points}
    score = FloatField()   # percent of the maximum
    notes = TextField(null=True)

    def __str__(self):
        return f"{display.date(self.reviewed_on)} {self.score:.0f}%"


class RetentionRule(TimestampedModel):
    """Regola di conservazione: how long one kind of record holding personal data
    is kept (``months`` after the date ``housing.retention`` names for the kind)
    and what happens then (anonymise or delete). Applied by the ``retention`` job;
    kinds without a model yet are listed as not applicable."""

    kind = CharField(max_length=32, unique=True)
    months = IntegerField(constraints=[Check("months >= 1")])
    action = CharField(max_length=12, constraints=[Check("action IN ('anonymise', 'delete')")])
    active = BooleanField(default=True)
    notes = TextField(null=True)

    def __str__(self):
        return f"{self.kind}: {self.action} dopo {self.months} mesi"


class Appointment(TimestampedModel):
    """Appuntamento: a viewing, a home visit, an assessment meeting or a case
    conference, with its date, time and place, the staff member who holds it
    and whom it concerns (a household, a landlord, a partner), linked to the
    match whose step it serves. ``housing.appointments`` shows the conflicts
    and writes the staff member's iCalendar feed."""

    personal_fields = ("notes",)

    kind = CharField(max_length=20, choices=choices(v.APPOINTMENT_KINDS))
    starts_at = DateTimeField(index=True)
    ends_at = DateTimeField(null=True)
    place = CharField(max_length=200)
    status = CharField(max_length=10, choices=choices(v.APPOINTMENT_STATUSES), default="planned")
    staff = ForeignKeyField(User, backref="appointments", on_delete="RESTRICT")
    household = ForeignKeyField(Household, backref="appointments", null=True, on_delete="CASCADE")
    landlord = ForeignKeyField(Landlord, backref="appointments", null=True, on_delete="CASCADE")
    partner = ForeignKeyField(Partner, backref="appointments", null=True, on_delete="SET NULL")
    match = ForeignKeyField(Match, backref="appointments", null=True, on_delete="SET NULL")
    notes = TextField(null=True)

    class Meta:
        constraints = [Check("ends_at IS NULL OR ends_at >= starts_at")]

    def __str__(self):
        return f"{display.label(v.APPOINTMENT_KINDS, self.kind)} {display.date(self.starts_at)}"


class CalendarFeed(BaseModel):
    """Calendario personale: the secret address of a staff member's iCalendar
    feed. Only a hash of the token is kept (the address is shown once);
    revoking deletes the row, and a new feed gets a new token."""

    user = ForeignKeyField(User, backref="calendar_feed", unique=True, on_delete="CASCADE")
    token_hash = CharField(max_length=64, unique=True)
    created_at = DateTimeField(default=now)

    def __str__(self):
        return f"{self.user_id}: {display.date(self.created_at)}"


MODELS = [  # every table, in dependency order
    User, Partner, Agreement, AgreementPartner, Landlord, TerritorialAgreement,
    AgreementZone, RentBand, ContractDuration, District, Dwelling, Offer, Household, Person,
    ErpAssignment, AuditLog, LoginAttempt, StepSetting, DeclineReasonSetting, RuleSetting, ContributionFund, Match,
    MatchEvent, CensusSnapshot, JobRun,
    InstrumentVersion, Assessment, AssessmentScore, SupportPlan, PlanGoal, PlanAction, Referral, ContactLog,
    Place, Stay, Tenancy, FollowUpVisit, ArrearsEpisode, TenancyOutcome, Incentive, GuaranteeClaim, FidelityReview,
    Language, HouseholdLanguage, HouseholdDistrict, RetentionRule, Appointment, CalendarFeed,
]


def _add_version_columns():
    # Added after the class bodies so that the column comes last, where
    # migration 0007's ALTER TABLE put it in existing databases.
    for model in MODELS:
        if model.versioned:
            model._meta.add_field("version", IntegerField(default=1))


_add_version_columns()


def later_columns():
    """Columns that migrations after 0007 appended to existing tables.

    Declared here, after ``version``, because ALTER TABLE puts them last; a
    fresh database must have the same column order as a migrated one.
    """
    return {
        # Migration 0011: an administrator's reset forces a new password at next login.
        User: {"must_change_password": BooleanField(default=False),
               "password_changed_at": DateTimeField(null=True)},
        # Migration 0011: why a controlled rent outside the zone's band was accepted (audited);
        # migration 0020: the day the offer first appeared on the public site ("nuove dal ...",
        # stamped by the publisher, housing.publishing.offer_dates).
        Offer: {"band_justification": TextField(null=True),
                "published_on": DateField(null=True, index=True)},
        # Migration 0011: the dates of the steps that have one.
        Match: {"viewing_at": DateTimeField(null=True),
                "viewing_place": CharField(max_length=200, null=True),
                "contract_on": DateField(null=True),
                "move_in_on": DateField(null=True)},
        # Migration 0016: a restricted household is seen only by its case worker and the administrators.
        # Migration 0017: consent to e-mail notices (proposal, viewing), given on a date (issue 15).
        Household: {"restricted": BooleanField(default=False, index=True),
                    "notice_consent": BooleanField(default=False),
                    "notice_consent_on": DateField(null=True)},
        # Migration 0017: the landlord's consent to e-mail notices (viewing, decision request).
        Landlord: {"notice_consent": BooleanField(default=False),
                   "notice_consent_on": DateField(null=True)},
        # Migration 0020: English texts of the public site (the Italian one is shown, marked, when empty).
        Partner: {"services_en": TextField(null=True)},
        Agreement: {"title_en": CharField(max_length=200, null=True),
                    "commitments_en": TextField(null=True)},
    }


for _model, _fields in later_columns().items():
    for _name, _field in _fields.items():
        _model._meta.add_field(_name, _field)

__all__ = ["db", "MODELS", "SQL", "fn"] + [m.__name__ for m in MODELS]


# -- outgoing e-mail (issue 15, housing/mail) ----------------------------------

class OutboxMessage(BaseModel):
    """Messaggio in uscita: one e-mail, kept until the job runner has sent it over
    SMTP (``housing.mail.outbox``). ``message_key`` makes queueing idempotent; a
    runner claims a message by moving ``next_attempt_at`` past now in one UPDATE,
    so two runners never send it twice. ``related_table``/``related_id`` name the
    record the message is about (a user for a digest)."""

    # the address and the texts (a notice names the household's code and a home's address);
    # the retention rule "email" deletes or empties them (housing.retention)
    personal_fields = ("recipient", "body_text", "body_html", "attachment", "last_error")

    message_key = CharField(max_length=200, unique=True)
    recipient = CharField(max_length=254)
    subject = CharField(max_length=300)
    body_text = TextField()
    body_html = TextField(null=True)
    related_table = CharField(max_length=64, null=True)
    related_id = IntegerField(null=True)
    state = CharField(max_length=8, choices=choices(v.OUTBOX_STATES), default="queued", index=True,
                      constraints=[Check("state IN ('queued', 'sent', 'failed')")])
    attempts = IntegerField(default=0, constraints=[Check("attempts >= 0")])
    last_error = TextField(null=True)
    next_attempt_at = DateTimeField(default=now, index=True)
    sent_at = DateTimeField(null=True)
    created_at = DateTimeField(default=now, index=True)
    # Migration 0017: one attachment (a viewing invitation's .ics), kept with the message until it is sent.
    attachment_name = CharField(max_length=100, null=True)
    attachment_type = CharField(max_length=100, null=True)
    attachment = TextField(null=True)

    class Meta:
        indexes = ((("related_table", "related_id"), False),)

    def __str__(self):
        return f"{self.recipient}: {self.subject}"


class DigestPreference(BaseModel):
    """Preferenze del riepilogo: whether a staff member gets the daily digest
    (``housing.mail.digest``) and from which hour; no row means the defaults."""

    user = ForeignKeyField(User, backref="digest_preference", unique=True, on_delete="CASCADE")
    daily_digest = BooleanField(default=True)
    hour = IntegerField(default=7, constraints=[Check("hour >= 0 AND hour <= 23")])
    # Migration 0017: an e-mail at once when a match the user owns stalls (``housing.mail.stalled``).
    immediate_notices = BooleanField(default=False)

    def __str__(self):
        return f"{self.user_id}: {self.hour}:00" if self.daily_digest else f"{self.user_id}: -"


# -- landlords' proposals from the public site (issue 16, housing/landlord_proposals.py) ----

PROPOSAL_STATUSES = (("new", "Da esaminare"), ("contacted", "Contattato"), ("converted", "Registrato"),
                     ("rejected", "Non seguito"))


class LandlordProposal(BaseModel):
    """Proposta di un proprietario: a home offered through the public site's form
    "Offri il tuo alloggio", queued for review. Staff contact the landlord and turn
    it into a ``Landlord`` and a ``Dwelling`` (``housing.landlord_proposals.convert``).
    Nothing of it is ever published or read back by the public endpoint."""

    personal_fields = ("name", "email", "phone", "address", "notes")

    created_at = DateTimeField(default=now, index=True)
    status = CharField(max_length=16, choices=PROPOSAL_STATUSES, default="new", index=True,
                       constraints=[Check("status IN ('new', 'contacted', 'converted', 'rejected')")])
    language = CharField(max_length=2, default="it")
    name = CharField(max_length=200)
    email = CharField(max_length=254, null=True)
    phone = CharField(max_length=32, null=True)
    district = ForeignKeyField(District, backref="proposals", null=True, on_delete="SET NULL")
    address = CharField(max_length=200, null=True)
    postcode = CharField(max_length=5, null=True)
    area_m2 = IntegerField(constraints=[Check("area_m2 > 0")])
    rooms = IntegerField(constraints=[Check("rooms > 0")])
    floor = IntegerField(null=True)
    has_lift = BooleanField(default=False)
    step_free = BooleanField(default=False)
    furnished = BooleanField(default=False)
    monthly_rent = money(constraints=[Check("monthly_rent >= 0")])
    available_from = DateField(null=True)
    notes = TextField(null=True)
    consent = BooleanField(default=False)
    contacted_on = DateField(null=True)
    landlord = ForeignKeyField(Landlord, backref="proposals", null=True, on_delete="SET NULL")
    dwelling = ForeignKeyField(Dwelling, backref="proposals", null=True, on_delete="SET NULL")

    def __str__(self):
        return f"#{self.id} {self.name}"


class ProposalAttempt(BaseModel):
    """Invio del modulo proposte: one submission of the public proposal form, by a keyed hash of the client's
    address (never the address itself): the per-address rate limit across worker
    processes. Rows older than the limit's window are deleted at each submission."""

    personal_fields = ("client_key",)  # pseudonymous: a keyed hash of an address

    at = DateTimeField(default=now, index=True)
    client_key = CharField(max_length=64, index=True)


MODELS.extend([LandlordProposal, ProposalAttempt])
__all__ += ["LandlordProposal", "ProposalAttempt", "PROPOSAL_STATUSES"]
# -- the office's generated documents (issue 15, housing/documents) -------------

class GeneratedDocument(BaseModel):
    """Documento generato: one letter, calculation, decision, plan or report
    produced from its template (``housing.documents``), with the data it used
    (JSON), its author and its files (PDF, and DOCX for the texts staff edit
    afterwards). ``record_table``/``record_id`` name the record it belongs to
    (none for the funder's report)."""

    personal_fields = ("data", "pdf", "docx")

    kind = CharField(max_length=32, index=True)
    record_table = CharField(max_length=64)
    record_id = IntegerField(null=True)
    created_at = DateTimeField(default=now, index=True)
    author = ForeignKeyField(User, backref="generated_documents", null=True, on_delete="SET NULL")
    author_name = CharField(max_length=64)
    data = TextField(null=True)
    pdf = BlobField(null=True)
    docx = BlobField(null=True)

    class Meta:
        indexes = ((("record_table", "record_id"), False),)

    def __str__(self):
        return f"{self.kind} {self.record_table}#{self.record_id} {display.date(self.created_at)}"


MODELS.append(GeneratedDocument)
__all__ += ["GeneratedDocument"]


# -- the household's own choice (issue 11, stage 2 of the batch) ---------------

class HouseholdPreference(BaseModel):
    """Preferenza del nucleo: a district or an offer the household ranks (1 = first
    choice). The batch's second stage honours the ranking where it can
    (``housing.matching.aims``). Edited in the household's form, audited as the household's."""

    household = ForeignKeyField(Household, backref="preferences", on_delete="CASCADE")
    preference_rank = IntegerField(constraints=[Check("preference_rank >= 1 AND preference_rank <= 9")])
    district = ForeignKeyField(District, null=True, backref="ranked_by", on_delete="CASCADE")
    offer = ForeignKeyField(Offer, null=True, backref="ranked_by", on_delete="CASCADE")

    class Meta:
        indexes = ((("household", "preference_rank"), False),)
        constraints = [Check("(district_id IS NULL) <> (offer_id IS NULL)")]

    def __str__(self):
        return f"{self.preference_rank}. {self.district or self.offer}"


class FundCharge(BaseModel):
    """Impegno sul fondo: the monthly contribution of a tenancy charged to a
    contribution fund, as the match used it (``tenancies.open_from_match``); the
    indicators sum the charges of the tenancies running in each month per fund
    against the fund's monthly budget. One per tenancy; none when nothing is charged.
    The amount repeats the tenancy's contribution (kept, like it, by the retention rules)."""

    tenancy = ForeignKeyField(Tenancy, backref="fund_charges", unique=True, on_delete="CASCADE")
    fund = ForeignKeyField(ContributionFund, backref="charges", on_delete="RESTRICT")
    monthly_contribution = money(constraints=[Check("monthly_contribution >= 0")])

    def __str__(self):
        return f"{self.fund}: {self.monthly_contribution}"


MODELS.extend([HouseholdPreference, FundCharge])
__all__ += ["HouseholdPreference", "FundCharge"]


# -- notices to households and landlords (issue 15, housing/mail/notices.py) -----

class NoticeTemplate(TimestampedModel):
    """Modello di avviso: the subject and text of one kind of notice to a household
    or a landlord, in one language, as Jinja2 text that administrators edit.
    ``housing.mail.notices`` renders it in a sandbox over the kind's whitelist of
    fields, and refuses on saving a template that names any other field."""

    kind = CharField(max_length=32)
    language = CharField(max_length=3)
    subject = CharField(max_length=300)
    body = TextField()
    active = BooleanField(default=True)

    class Meta:
        indexes = ((("kind", "language"), True),)

    def __str__(self):
        return f"{self.kind} ({self.language})"


NoticeTemplate._meta.add_field("version", IntegerField(default=1))  # as _add_version_columns does
MODELS.extend([OutboxMessage, DigestPreference, NoticeTemplate])
__all__ += ["OutboxMessage", "DigestPreference", "NoticeTemplate"]
