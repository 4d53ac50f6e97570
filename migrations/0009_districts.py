"""Districts (quartieri) as a registry kept by staff.

Creates the ``district`` registry and the ``household_district`` link table,
then turns the existing free text into data, losing nothing:

- the registry is seeded from ``content/districts.yaml`` (name, municipality,
  zone code, centroid) when the database already holds homes, households or
  zones naming districts; a new, empty installation is seeded by
  ``flask --app admin migrate`` instead (``housing.districts.seed_if_empty``);
- ``dwelling.district`` (text) becomes ``dwelling.district_id``; each
  ``household.preferred_districts`` item ("Centro, Borgo") becomes a link;
  ``agreement_zone.districts`` items set each district's zone. Names are
  matched exactly, then case- and accent-insensitively ("centro", "CÉNTRO");
- a text that matches no entry becomes an entry marked ``to_review`` (inactive:
  not offered to new records), listed by the back office's "to resolve" screen
  where a person maps it to another entry or confirms it. Every home keeps a
  district and every household its preferences meanwhile.

On SQLite the ``dwelling`` table is rebuilt so that ``district_id`` keeps the
column's place (``tests/test_migrations.py`` compares the table's SQL with a
fresh ``create_tables``); PostgreSQL alters it in place.
Frozen here: the seed file's format and the tables as they were.
"""
import datetime
import pathlib
import re
import unicodedata

import yaml
from peewee import (
    BooleanField, Check, CharField, DateField, DateTimeField, FloatField, ForeignKeyField, IntegerField, Model,
    TextField,
)

SEED = pathlib.Path(__file__).resolve().parent.parent / "content" / "districts.yaml"


def fold(text):
    plain = "".join(ch for ch in unicodedata.normalize("NFKD", str(text or "")) if not unicodedata.combining(ch))
    return " ".join(plain.casefold().split())


def split(text):
    return [part.strip() for part in re.split(r"[,;]", str(text or "")) if part.strip()]


def frozen(db):
    """The new tables and the rebuilt dwelling, as models.py declares them."""
    class Meta:
        database = db
        legacy_table_names = False

    def table(name):
        return type(name.title().replace("_", ""), (Model,), {"Meta": type("Meta", (Meta,), {"table_name": name})})

    Landlord, AgreementZone, Household = table("landlord"), table("agreement_zone"), table("household")

    class District(Model):
        created_at = DateTimeField()
        updated_at = DateTimeField()
        name = CharField(max_length=80, unique=True)
        municipality = CharField(max_length=80, null=True)
        zone = ForeignKeyField(AgreementZone, null=True, on_delete="SET NULL")
        latitude = FloatField(null=True, constraints=[Check("latitude IS NULL OR (latitude BETWEEN -90 AND 90)")])
        longitude = FloatField(null=True, constraints=[Check("longitude IS NULL OR (longitude BETWEEN -180 AND 180)")])
        outline = TextField(null=True)
        active = BooleanField(default=True)
        to_review = BooleanField(default=False, index=True)
        version = IntegerField(default=1)

        class Meta:
            database = db
            legacy_table_names = False
            table_name = "district"

    class HouseholdDistrict(Model):
        household = ForeignKeyField(Household, on_delete="CASCADE")
        district = ForeignKeyField(District, on_delete="RESTRICT")

        class Meta:
            database = db
            legacy_table_names = False
            table_name = "household_district"
            indexes = ((("household", "district"), True),)

    class Dwelling(Model):
        created_at = DateTimeField()
        updated_at = DateTimeField()
        landlord = ForeignKeyField(Landlord, on_delete="RESTRICT")
        ownership = CharField(index=True, max_length=8)
        address = CharField(max_length=200)
        postcode = CharField(max_length=5)
        district = ForeignKeyField(District, on_delete="RESTRICT")
        zone = ForeignKeyField(AgreementZone, null=True, on_delete="SET NULL")
        latitude = FloatField(null=True, constraints=[Check("latitude IS NULL OR (latitude BETWEEN -90 AND 90)")])
        longitude = FloatField(null=True, constraints=[Check("longitude IS NULL OR (longitude BETWEEN -180 AND 180)")])
        cadastral_sheet = CharField(null=True, max_length=8)
        cadastral_parcel = CharField(null=True, max_length=8)
        cadastral_unit = CharField(null=True, max_length=8)
        area_m2 = IntegerField(constraints=[Check("area_m2 > 0")])
        rooms = IntegerField(index=True, constraints=[Check("rooms > 0")])
        bedrooms = IntegerField(default=1, constraints=[Check("bedrooms >= 0")])
        bathrooms = IntegerField(default=1, constraints=[Check("bathrooms >= 0")])
        floor = IntegerField(default=0)
        has_lift = BooleanField(default=False)
        step_free = BooleanField(default=False)
        energy_class = CharField(null=True, max_length=2)
        condition = CharField(max_length=8, default="good")
        furnished = BooleanField(default=False)
        vacant_since = DateField(null=True)
        status = CharField(index=True, max_length=16, default="registered")
        notes = TextField(null=True)
        version = IntegerField(default=1)

        class Meta:
            database = db
            legacy_table_names = False
            table_name = "dwelling"
            indexes = ((("cadastral_sheet", "cadastral_parcel", "cadastral_unit"), True),
                       (("district", "status"), False))

    return District, HouseholdDistrict, Dwelling


def _registry(db, District):
    """Seed the registry, link zones; return {folded name: id} and a creator of entries to review."""
    now = datetime.datetime.now().replace(microsecond=0)
    known = {}
    zones = {}
    for zone_id, code in db.execute_sql("SELECT id, code FROM agreement_zone ORDER BY territorial_agreement_id, id"):
        zones[code] = zone_id  # the latest agreement's zone wins
    zone_of, listed = {}, set()
    for zone_id, code, names in db.execute_sql("SELECT id, code, districts FROM agreement_zone ORDER BY id"):
        for name in split(names):
            zone_of.setdefault(fold(name), zone_id)
            listed.add(code)
    # a zone that listed its districts keeps exactly those; the seed's codes fill the other zones
    zones = {code: zone_id for code, zone_id in zones.items() if code not in listed}
    for entry in yaml.safe_load(SEED.read_text(encoding="utf-8"))["districts"]:
        if fold(entry["name"]) in known:
            continue
        zone = zone_of.get(fold(entry["name"]), zones.get(str(entry.get("zone") or "")))
        known[fold(entry["name"])] = District.insert(
            created_at=now, updated_at=now, name=entry["name"], municipality=entry.get("municipality"), zone=zone,
            latitude=entry.get("lat"), longitude=entry.get("lon"), outline=entry.get("outline"), active=True,
            to_review=False, version=1).execute()

    def entry(text):
        key = fold(text)
        if key not in known:
            # no entry of the registry matches: kept, to be mapped or confirmed by a person
            known[key] = District.insert(
                created_at=now, updated_at=now, name=" ".join(str(text).split())[:80], municipality=None,
                zone=zone_of.get(key), active=False, to_review=True, version=1).execute()
        return known[key]

    for key, zone_id in zone_of.items():  # districts a zone named that the seed lacks
        if key not in known:
            entry(next(name for _, _, names in db.execute_sql("SELECT id, code, districts FROM agreement_zone")
                       for name in split(names) if fold(name) == key))
    return entry


def up(migrator, db):
    from playhouse.migrate import SqliteMigrator

    District, HouseholdDistrict, Dwelling = frozen(db)
    db.create_tables([District, HouseholdDistrict])
    sqlite = isinstance(migrator, SqliteMigrator)
    param = "?" if sqlite else "%s"

    texts = [row[0] for row in db.execute_sql("SELECT DISTINCT district FROM dwelling")]
    preferences = db.execute_sql(
        "SELECT id, preferred_districts FROM household WHERE preferred_districts IS NOT NULL ORDER BY id").fetchall()
    (zoned,) = db.execute_sql("SELECT count(*) FROM agreement_zone WHERE districts IS NOT NULL").fetchone()
    if texts or preferences or zoned:
        entry = _registry(db, District)
        ids = {text: entry(text) for text in texts}
        for hid, text in preferences:
            linked = []
            for name in split(text):
                did = entry(name)
                if did not in linked:
                    linked.append(did)
            HouseholdDistrict.insert_many([(hid, did) for did in linked],
                                          fields=[HouseholdDistrict.household, HouseholdDistrict.district]).execute()
    else:
        ids = {}

    if sqlite:
        # rebuild: the new table under a temporary name, the rows copied with their district's id
        Dwelling._meta.set_table_name("dwelling__new")
        db.execute(Dwelling._schema._create_table(safe=False))
        columns = [f.column_name for f in Dwelling._meta.sorted_fields if f.name != "district"]
        names = ", ".join(f'"{c}"' for c in columns)
        db.execute_sql('CREATE TEMPORARY TABLE "district_text" ("text" TEXT PRIMARY KEY, "district_id" INTEGER)')
        for text, did in ids.items():
            db.execute_sql(f'INSERT INTO "district_text" VALUES ({param}, {param})', (text, did))
        db.execute_sql(f'INSERT INTO "dwelling__new" ({names}, "district_id") SELECT {names}, '
                       f'(SELECT t.district_id FROM "district_text" t WHERE t.text = "dwelling".district) FROM "dwelling"')
        db.execute_sql('DROP TABLE "district_text"')
        db.execute_sql('DROP TABLE "dwelling"')
        db.execute_sql('ALTER TABLE "dwelling__new" RENAME TO "dwelling"')
        Dwelling._meta.set_table_name("dwelling")
        Dwelling._schema.create_indexes(safe=False)
    else:
        migrator.migrate(migrator.add_column(
            "dwelling", "district_id", ForeignKeyField(District, null=True, on_delete="RESTRICT",
                                                       field=District.id)))
        for text, did in ids.items():
            db.execute_sql(f"UPDATE dwelling SET district_id = {param} WHERE district = {param}", (did, text))
        migrator.migrate(migrator.drop_index("dwelling", "dwelling_district_status"))
        migrator.migrate(migrator.drop_column("dwelling", "district"))
        migrator.migrate(migrator.add_not_null("dwelling", "district_id"))
        migrator.migrate(migrator.add_index("dwelling", ("district_id", "status"), False))
    migrator.migrate(migrator.drop_column("household", "preferred_districts"))
    migrator.migrate(migrator.drop_column("agreement_zone", "districts"))


def down(migrator, db):
    raise NotImplementedError("districts are a registry from 0009 on: restore a backup taken before it")
