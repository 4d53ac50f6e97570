"""The documented schemas of the exported YAML (``content/schemas/``), enforced.

A data set that does not match its schema stops the publication before the
build: the live site stays as it is.
"""
import pathlib

import yaml
from jsonschema import Draft202012Validator, FormatChecker

SCHEMA_DIR = pathlib.Path(__file__).resolve().parents[2] / "content" / "schemas"
DATA_SETS = ("offers", "partners", "agreements", "territorial_agreement", "statistics")


class SchemaError(ValueError):
    """An exported data set does not match its schema; the message says where."""


def load(name):
    return yaml.safe_load((SCHEMA_DIR / f"{name}.schema.yaml").read_text(encoding="utf-8"))


def validate(name, data):
    validator = Draft202012Validator(load(name), format_checker=FormatChecker())
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        where = "/".join(str(p) for p in first.absolute_path) or "(root)"
        raise SchemaError(f"{name}.yaml, {where}: {first.message} ({len(errors)} errors)")


def validate_all(exported):
    for name in DATA_SETS:
        validate(name, exported[name])
