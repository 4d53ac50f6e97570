"""Instruments defined as data (YAML in ``instruments/``), versioned in the database.

Loading an instrument compares the digest of its file with the latest stored
version: a changed file becomes version N+1, so an assessment always points at
the exact domains and anchors it was made with.
"""
import hashlib
import json
import pathlib

import yaml

from models import InstrumentVersion, db

DIRECTORY = pathlib.Path(__file__).resolve().parent / "instruments"


def read_definition(name, directory=DIRECTORY):
    """The instrument's definition from its YAML file, checked for shape."""
    with open(pathlib.Path(directory) / f"{name}.yaml", encoding="utf-8") as handle:
        definition = yaml.safe_load(handle)
    check_definition(definition)
    return definition


def check_definition(definition):
    items = definition.get("domains") or definition.get("questions")
    if not items:
        raise ValueError("an instrument needs domains or questions")
    keys = [item["key"] for item in items]
    if len(set(keys)) != len(keys):
        raise ValueError("instrument keys must be unique")
    low, high = definition["scale"]["min"], definition["scale"]["max"]
    for item in items:
        if not item.get("it") or not item.get("en"):
            raise ValueError(f"{item['key']}: Italian and English labels are required")
        anchors = item.get("anchors")
        if anchors is not None and sorted(int(k) for k in anchors) != list(range(low, high + 1)):
            raise ValueError(f"{item['key']}: one anchor per point of the scale {low}-{high}")


def digest(definition):
    return hashlib.sha256(json.dumps(definition, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def current_version(name, directory=DIRECTORY):
    """The stored version matching the file, written as a new version if the file changed."""
    definition = read_definition(name, directory)
    key = digest(definition)
    with db.atomic():
        found = InstrumentVersion.get_or_none((InstrumentVersion.instrument == name) & (InstrumentVersion.digest == key))
        if found:
            return found
        latest = (InstrumentVersion.select().where(InstrumentVersion.instrument == name)
                  .order_by(InstrumentVersion.version.desc()).first())
        return InstrumentVersion.create(instrument=name, version=(latest.version + 1) if latest else 1, digest=key,
                                        definition=json.dumps(definition, ensure_ascii=False))


def definition_of(version):
    return json.loads(version.definition)


def items(definition):
    return definition.get("domains") or definition.get("questions")


def need_index(scores, definition):
    """Mean over the domains of (max - score) / (max - min): 0 = autonomous, 1 = greatest need.

    ``scores`` is {domain: score}; every domain of the instrument must be scored.
    """
    low, high = definition["scale"]["min"], definition["scale"]["max"]
    keys = [item["key"] for item in items(definition)]
    missing = [k for k in keys if scores.get(k) is None]
    if missing:
        raise ValueError(f"domains without a score: {', '.join(missing)}")
    return round(sum((high - scores[k]) / (high - low) for k in keys) / len(keys), 4)


def support_intensity(need, definition):
    """low / medium / high from the need index, thresholds from the instrument."""
    thresholds = definition["support_intensity"]
    if need >= thresholds["high"]:
        return "high"
    return "medium" if need >= thresholds["medium"] else "low"


def fidelity_score(answers, definition):
    """Percentage of the maximum, every question answered within the scale."""
    low, high = definition["scale"]["min"], definition["scale"]["max"]
    keys = [item["key"] for item in items(definition)]
    for key in keys:
        value = answers.get(key)
        if value is None or not (low <= value <= high):
            raise ValueError(f"{key}: answer between {low} and {high}")
    return round(100.0 * sum(answers[k] - low for k in keys) / ((high - low) * len(keys)), 1)
