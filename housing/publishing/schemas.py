"""The documented schemas of the exported YAML (``content/schemas/``), enforced.

A data set that does not match its schema stops the publication before the
build: the live site stays as it is.

Two validators read the same schema files: fastjsonschema compiles each schema
into Python once and checks 10,000 offers in 0.05 s (jsonschema took 0.8 s);
only when it finds an error does jsonschema run, for a message that names the
record and the field. The schemas use only keywords both implement alike (type,
properties, required, additionalProperties, propertyNames, pattern, minimum,
maximum, exclusiveMinimum, minItems, maxItems, minLength, enum, const, not, anyOf, allOf,
if/then, items, $ref to $defs, never with a sibling keyword: draft-07 ignores
them), and the date format is the same function in both;
tests/test_schemas.py feeds both the same bad data.

The editorial figures (``content/figures.yaml``: rates, incentives, thresholds)
have a schema too, with a range per figure; ``load_figures`` reads and checks
them, for the publisher and for every other reader.
"""
import datetime
import functools
import math
import pathlib
import re

import fastjsonschema
import yaml
from jsonschema import Draft202012Validator, FormatChecker

from housing import paths

ROOT = paths.content_folder().parent
SCHEMA_DIR = paths.content_folder() / "schemas"
FIGURES_FILE = paths.content_folder() / "figures.yaml"
DATA_SETS = ("offers", "partners", "agreements", "territorial_agreement", "statistics", "districts")
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


def explain(name, data, source=None):
    """The first error jsonschema finds, as a message naming the file (``source``, by default
    ``<name>.yaml``), the record and the field, or None."""
    validator = Draft202012Validator(load(name), format_checker=FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if not errors:
        return None
    first = errors[0]
    where = "/".join(str(p) for p in first.absolute_path) or "(root)"
    return f"{source or name + '.yaml'}, {where}: {first.message} ({len(errors)} errors)"


def validate(name, data, source=None):
    try:
        compiled(name)(data)
    except fastjsonschema.JsonSchemaException as error:
        raise SchemaError(explain(name, data, source) or f"{source or name + '.yaml'}: {error.message}") from None


def validate_all(exported):
    for name in DATA_SETS:
        validate(name, exported[name])


def _shown(path):
    """A path as the message shows it: relative to the project when inside it."""
    path = pathlib.Path(path).resolve()
    return str(path.relative_to(ROOT)) if ROOT in path.parents else str(path)


def _non_finite(data, where=()):
    """The first place holding a number that is not finite (.nan, .inf: every range lets them through)."""
    if isinstance(data, float) and not math.isfinite(data):
        return "/".join(map(str, where)) or "(root)"
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    for key, value in items:
        found = _non_finite(value, (*where, key))
        if found:
            return found
    return None


def validate_figures(figures, path=FIGURES_FILE):
    """Check the figures against ``figures.schema.yaml``: a SchemaError names the file and the figure."""
    validate("figures", figures, source=_shown(path))
    place = _non_finite(figures)
    if place:
        raise SchemaError(f"{_shown(path)}, {place}: not a finite number")


def load_figures(path=None):
    """The programme's figures from ``content/figures.yaml`` (or ``path``), checked.

    The one loader of the figures: the publisher, the rent formulas, the back
    office and matching should all read them through it, so that a figure out of
    its range stops each of them with the same message.
    """
    path = pathlib.Path(path) if path else FIGURES_FILE
    try:
        figures = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SchemaError(f"{_shown(path)}: file not found") from None
    except yaml.YAMLError as error:
        raise SchemaError(f"{_shown(path)}: not valid YAML ({error})") from None
    validate_figures(figures, path)
    return figures
