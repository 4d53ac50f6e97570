"""Documentation that must not drift: settings, labels and vocabularies."""
import pathlib

import models
from admin.config import SETTINGS
from admin.labels import FIELD_LABELS
from housing import vocabulary

README = (pathlib.Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented_in_the_readme():
    for setting in SETTINGS:
        name = setting.name if setting.name == "DATABASE_URL" else "HOUSING_" + setting.name
        assert name in README, f"{name} is not documented in README.md"


def test_every_job_and_runner_setting_is_documented():
    import jobs

    for setting in jobs.SETTINGS:
        assert setting.name in README, f"{setting.name} is not documented in README.md"
    for name in jobs.registry():
        assert f"--once {name}" in README, f"job {name} is not documented in README.md"


def test_every_model_field_has_a_bilingual_label():
    for model in models.MODELS:
        for name in model._meta.fields:
            assert name in FIELD_LABELS, f"{model.__name__}.{name} has no label in admin/labels.py"
            it, en = FIELD_LABELS[name]
            assert it and en


def test_every_model_has_a_docstring_with_its_italian_name():
    for model in models.MODELS:
        assert model.__doc__ and ":" in model.__doc__.splitlines()[0], model.__name__


def test_vocabularies_have_unique_keys_and_both_languages():
    for name, registry in vocabulary.REGISTRIES.items():
        keys = [term.key for term in registry]
        assert len(keys) == len(set(keys)), name
        assert all(term.it and term.en for term in registry), name


def test_two_commands_are_in_the_readme():
    assert "make start" in README and "make test" in README
