"""The back office's settings: those of ``housing.settings`` it reads, as Flask
configuration keys without the ``HOUSING_`` prefix (``SECRET_KEY``...).

``housing/settings.py`` is the one registry (names, defaults, meanings);
``tests/test_settings.py`` fails when a setting is not in the README.
"""
import json

from housing import settings


def typed(setting, value):
    """``value`` as a number or a boolean where the setting's default is one ("8", "true"),
    as Flask's ``from_prefixed_env`` did; text settings (a secret key) stay text."""
    try:
        kind = type(json.loads(setting.default)) if setting.default is not None else str
        parsed = json.loads(value) if value is not None and kind is not str else value
    except ValueError:
        return value
    return parsed if kind is str or type(parsed) is kind else value


def config_values(environ=None):
    """{Flask key: value} of every back-office setting, from the environment or its default."""
    values = {}
    for setting in settings.read_by(settings.BACK_OFFICE):
        if setting.name == "DATABASE_URL":
            continue  # the customary alias: housing.database.configured_url reads both
        values[setting.name.removeprefix("HOUSING_")] = typed(setting, settings.get(setting.name, environ))
    return values
