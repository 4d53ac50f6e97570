"""The district registry (quartieri): its seed, free text resolved to entries,
entries merged and confirmed.

Homes point at one ``District``; households name the ones they would live in
through ``HouseholdDistrict``. Names are matched case- and accent-insensitively
("centro", "CENTRO" and "Céntro" are one entry); a name that matches none is
either refused with "did you mean" suggestions (forms, imports) or, where
nothing may be lost (migration 0009, ``provisional``), kept as an entry marked
``to_review`` that a person then maps to another entry (``merge``) or confirms.
"""
import difflib
import json
from pathlib import Path

import yaml

from housing import paths, vocabulary as v
from housing.database import serialise
from housing.messages import _
from models import (AgreementZone, AuditLog, District, Dwelling, HouseholdDistrict, LandlordProposal, TerritorialAgreement,
                    db)

SEED = paths.content_folder() / "districts.yaml"


def seed_entries(path=SEED):
    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))["districts"]


def zone_ids_by_code():
    """{zone code: id} of the most recent territorial agreement that has the code."""
    found = {}
    for zone_id, code in (AgreementZone.select(AgreementZone.id, AgreementZone.code)
                          .join(TerritorialAgreement).order_by(TerritorialAgreement.id.desc()).tuples()):
        found.setdefault(code, zone_id)
    return found


def sync(path=SEED):
    """Add the seed's districts the registry lacks (matched on the folded name),
    and link each district without a zone to the zone its seed entry names.
    Staff's edits are never overwritten. Returns how many were added."""
    added = 0
    with db.atomic():
        serialise(db, "housing.districts.sync")
        known = index()
        zones = zone_ids_by_code()
        for entry in seed_entries(path):
            zone = zones.get(str(entry.get("zone") or ""))
            found = known.get(v.fold(entry["name"]))
            if found is None:
                district = District.create(name=entry["name"], municipality=entry.get("municipality"), zone=zone,
                                           latitude=entry.get("lat"), longitude=entry.get("lon"),
                                           outline=entry.get("outline"))
                known[v.fold(district.name)] = district.id
                added += 1
            elif zone is not None:
                District.update(zone=zone).where((District.id == found) & District.zone.is_null()).execute()
    return added


def seed_if_empty(path=SEED):
    """Seed an empty registry (a new installation); never re-add entries staff
    merged or deleted. Returns how many were added."""
    if District.select().exists():
        return 0
    return sync(path)


def index():
    """{folded name: district id} over the whole registry."""
    return {v.fold(name): did for did, name in District.select(District.id, District.name).tuples()}


def names(active_only=True):
    query = District.select(District.name).order_by(District.name)
    if active_only:
        query = query.where(District.active == True)  # noqa: E712
    return [name for (name,) in query.tuples()]


def suggest(text, limit=3):
    """The registry names closest to ``text`` ("did you mean")."""
    choices = {v.fold(name): name for name in names()}
    close = difflib.get_close_matches(v.fold(text), list(choices), n=limit, cutoff=0.6)
    contained = [folded for folded in choices if v.fold(text) and (v.fold(text) in folded or folded in v.fold(text))]
    return [choices[folded] for folded in dict.fromkeys(close + contained)][:limit]


def lookup(text, known=None):
    """The id of the district named ``text`` (folded match), or None."""
    known = index() if known is None else known
    return known.get(v.fold(text))


def unknown_message(text):
    hint = suggest(text)
    if hint:
        return _("quartiere «%(name)s» non presente nel registro dei quartieri; forse: %(hints)s", name=text,
                 hints=", ".join(hint))
    return _("quartiere «%(name)s» non presente nel registro dei quartieri", name=text)


def resolve(text, known=None):
    """(district ids, unmatched items) named by a comma- or semicolon-separated list."""
    known = index() if known is None else known
    ids, unmatched = [], []
    for part in v.split_words(text):
        did = known.get(v.fold(part))
        if did is None:
            unmatched.append(part)
        elif did not in ids:
            ids.append(did)
    return ids, unmatched


def provisional(text, known=None):
    """The id of the entry named ``text``, creating one marked ``to_review``
    (inactive: not offered to new records) when none matches."""
    known = index() if known is None else known
    found = known.get(v.fold(text))
    if found is None:
        found = District.create(name=" ".join(str(text).split())[:80], active=False, to_review=True).id
        known[v.fold(text)] = found
    return found


def to_review():
    """[(district, homes, households naming it)] of the entries still to resolve."""
    rows = []
    for district in District.select().where(District.to_review == True).order_by(District.name):  # noqa: E712
        homes = Dwelling.select().where(Dwelling.district == district.id).count()
        households = HouseholdDistrict.select().where(HouseholdDistrict.district == district.id).count()
        rows.append((district, homes, households))
    return rows


class RegistryError(ValueError):
    """A merge or confirmation that cannot be done, said in Italian."""


def _audit(user, entity, record_id, action, changes):
    return dict(user=getattr(user, "id", None), actor=getattr(user, "username", None) or "system", action=action,
                entity=entity, record_id=str(record_id), changes=json.dumps(changes, ensure_ascii=False, sort_keys=True))


def merge(source_id, target_id, user=None):
    """Move every reference to ``source`` onto ``target`` and delete ``source``,
    in one transaction: homes, households' preferences (a household naming both
    keeps one link), nothing else points at a district. Audited: one row per
    moved home and household, one for the merge on the target, one for the
    deletion of the source. Returns (homes moved, households moved)."""
    if int(source_id) == int(target_id):
        raise RegistryError(_("un quartiere non può essere unito a se stesso"))
    with db.atomic():
        serialise(db, "housing.districts")
        source = District.get_or_none(District.id == source_id)
        target = District.get_or_none(District.id == target_id)
        if source is None or target is None:
            raise RegistryError(_("quartiere non trovato: forse è già stato unito o eliminato"))
        homes = [hid for (hid,) in Dwelling.select(Dwelling.id).where(Dwelling.district == source.id).tuples()]
        Dwelling.update(district=target.id).where(Dwelling.district == source.id).execute()
        if LandlordProposal.table_exists():  # migration 0009 merges before migration 0019 creates it
            LandlordProposal.update(district=target.id).where(LandlordProposal.district == source.id).execute()
        both = HouseholdDistrict.select(HouseholdDistrict.household).where(HouseholdDistrict.district == target.id)
        links = [hid for (hid,) in HouseholdDistrict.select(HouseholdDistrict.household)
                 .where(HouseholdDistrict.district == source.id).tuples()]
        HouseholdDistrict.delete().where((HouseholdDistrict.district == source.id)
                                         & HouseholdDistrict.household.in_(both)).execute()
        HouseholdDistrict.update(district=target.id).where(HouseholdDistrict.district == source.id).execute()
        change = {"district": [source.name, target.name]}
        rows = [_audit(user, "dwelling", hid, "update", change) for hid in homes]
        rows += [_audit(user, "household", hid, "update", {"preferred_districts": [source.name, target.name]})
                 for hid in links]
        rows.append(_audit(user, "district", target.id, "update",
                           {"merged": [source.name, target.name], "homes_moved": [None, len(homes)],
                            "households_moved": [None, len(links)]}))
        rows.append(_audit(user, "district", source.id, "delete",
                           {"name": [source.name, None], "merged_into": [None, target.name]}))
        for start in range(0, len(rows), 500):
            AuditLog.insert_many(rows[start:start + 500]).execute()
        source.delete_instance()
    return len(homes), len(links)


def confirm(district_id, user=None):
    """Accept an entry to review as a district of the registry (active)."""
    with db.atomic():
        serialise(db, "housing.districts")
        district = District.get_or_none(District.id == district_id)
        if district is None:
            raise RegistryError(_("quartiere non trovato: forse è già stato unito o eliminato"))
        if not district.to_review:
            return district
        District.update(to_review=False, active=True, version=District.version + 1).where(
            District.id == district.id).execute()
        AuditLog.insert(**_audit(user, "district", district.id, "update",
                                 {"to_review": [True, False], "active": [district.active, True]})).execute()
    return District.get_by_id(district.id)
