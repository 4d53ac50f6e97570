"""Documentation that must not drift: settings, labels and vocabularies."""
import pathlib
import re

import models
from admin.labels import FIELD_LABELS, REGISTRY_NAMES
from housing import vocabulary

README = (pathlib.Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def test_every_job_and_runner_setting_is_documented():
    import jobs

    for setting in jobs.SETTINGS:
        assert setting.name in README, f"{setting.name} is not documented in README.md"
    for name in jobs.registry():
        assert f"--once {name}" in README, f"job {name} is not documented in README.md"


def both_languages(app, message):
    """A catalogue message in Italian and in English."""
    from flask_babel import force_locale

    with app.test_request_context("/"):
        with force_locale("it"):
            it = str(message)
        with force_locale("en"):
            en = str(message)
    return it, en


def test_every_model_field_has_a_bilingual_label(app):
    for model in models.MODELS:
        for name in model._meta.fields:
            assert name in FIELD_LABELS, f"{model.__name__}.{name} has no label in admin/labels.py"
            it, en = both_languages(app, FIELD_LABELS[name])
            assert it and en, name


# "Italian name: what it is, in English." The name is what staff call the
# record: not a class name, nor an English registry name.
DOC_HEAD = re.compile(r"(?P<name>[A-ZÀ-Ý][^:.]{2,60}): (?P<what>\S.*)")


def english_names(app):
    names = set()
    for model in models.MODELS:
        names |= {model.__name__, re.sub(r"(?<!^)(?=[A-Z])", " ", model.__name__)}
    registry_names = [both_languages(app, name) for name in REGISTRY_NAMES.values()]
    for _, en in registry_names:
        names |= {en, en.removesuffix("s")}
    return {n.lower() for n in names} - {it.lower() for it, _ in registry_names}


def test_every_model_has_a_docstring_with_its_italian_name(app):
    english, seen = english_names(app), {}
    for model in models.MODELS:
        assert model.__doc__, f"{model.__name__} has no docstring"
        head = DOC_HEAD.fullmatch(model.__doc__.strip().splitlines()[0].strip())
        assert head, f"{model.__name__}: the docstring does not open with 'Italian name: description'"
        name = head["name"].strip().lower()
        assert name not in english, f"{model.__name__}: '{head['name']}' is an English name, not the Italian one"
        assert name not in seen, f"{model.__name__} and {seen.get(name)} share the name '{head['name']}'"
        seen[name] = model.__name__


def test_vocabularies_have_unique_keys_and_both_languages():
    for name, registry in vocabulary.REGISTRIES.items():
        keys = [term.key for term in registry]
        assert len(keys) == len(set(keys)), name
        assert all(term.it and term.en for term in registry), name


def test_two_commands_are_in_the_readme():
    assert "make start" in README and "make test" in README


def test_every_model_has_a_bilingual_registry_name():
    """Messages name the registry of a record (a conflict on a signatory row, a refused delete)."""
    from admin.labels import REGISTRY_NAMES

    for model in models.MODELS:
        assert model._meta.table_name in REGISTRY_NAMES, model.__name__
